/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated engine (engine-sim.h): N members in one process, driven by
 * a script and a virtual clock. It owns every member's engine, view,
 * inbox and in-flight messages; it must never deliver from inside a send
 * or a script call, look at a real clock, or decide anything corosync
 * would not (a view is ring-view.c's, a message envelope.c's).
 *
 * Two sides per node, as on a real one:
 *   corosync's   the node's component (ring id, nodes), its in-flight
 *                messages, the verdict it will give the process
 *   the process  UP (in CPG), DOWN (exited), CUT (lost corosync); frozen
 *                or not; an inbox of what corosync told it and it has not
 *                read, read only by the run functions when not frozen
 *
 *   script / event      corosync's side                    the processes of the component are told
 *   message due         ordered in the sender's component   the message (each UP process)
 *   partition, heal     new rings for changed components;   [members if changed], ring, flushed
 *                       in-flight messages ordered in them  messages; the verdict when due
 *   reform              new rings, same nodes               ring, flushed messages, verdict
 *   crash               its sends ordered, process DOWN     members
 *   restart             process UP, new incarnation         members; it: members, ring, verdict
 *   lose                process CUT, node alone             it: lost; the rest: a new ring
 *   verdict due         -                                   the verdict (that member)
 *   timer due           -                                   (that process) its timer runs
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine-sim.h"
#include "envelope.h"
#include "macro.h"

typedef enum SimEventKind { EV_MEMBERS, EV_RING, EV_VERDICT, EV_MESSAGE, EV_LOST, EV_TIMER } SimEventKind;

/* One multicast, shared by the inboxes it is ordered into. */
typedef struct SimPacket {
        unsigned ref;
        uint32_t sender;
        size_t len;
        char *data;
} SimPacket;

typedef struct SimEvent SimEvent;
struct SimEvent {
        SimEvent *next;
        SimEventKind kind;
        uint32_t members;
        uint32_t ring_node;
        uint64_t ring_seq;
        bool quorate;
        bool node_left;         /* EV_MEMBERS before a ring change: nodes left (CPG: NODEDOWN) */
        SimPacket *packet;
        uint64_t timer_id;
        SimTimerFn fn;
        void *userdata;
};

/* A message sent and not ordered yet. */
typedef struct SimFlight SimFlight;
struct SimFlight {
        SimFlight *next;
        uint64_t due, order;
        SimPacket *packet;
};

/* A timer of a member's process, not due yet. */
typedef struct SimTimer SimTimer;
struct SimTimer {
        SimTimer *next;
        uint64_t id, due, order;
        SimTimerFn fn;
        void *userdata;
};

typedef enum SimProcess { PROC_UP, PROC_DOWN, PROC_CUT } SimProcess;

/* The verdict of the node's current ring for its process, not told yet. */
typedef struct SimPending {
        bool active, quorate;
        uint64_t due; /* UINT64_MAX: after messages only */
        uint64_t order;
        unsigned after_messages;
} SimPending;

typedef struct SimMember {
        Engine e; /* first: the engine's ops get the member from it */
        SimCluster *sim;
        char name[16];
        SimProcess proc;
        bool frozen, dispatching;
        unsigned starts;
        uint64_t incarnation;
        RingView view;

        uint32_t comp, ring_node;
        uint64_t ring_seq;
        bool told;
        uint32_t told_members; /* the CPG membership its process was last told */
        unsigned ring_messages;
        SimPending verdict;

        SimEvent *inbox, **inbox_tail;
        size_t n_inbox;
        SimFlight *flight, **flight_tail;
        uint64_t latency;
        SimTimer *timers;
} SimMember;

struct SimCluster {
        unsigned n;
        uint64_t now, order, timer_ids;
        uint64_t verdict_delay;
        unsigned verdict_messages, max_steps;
        SimQuorumFn quorum;
        void *quorum_userdata;
        bool running;
        int broken; /* out of memory once: nothing can be trusted after */
        char error[256];
        SimMember m[SIM_NODES_MAX];
};

/* Every node id of a mask, lowest first; the mask is read once. */
#define FOREACH_NODE(id, mask)                                                                   \
        for (uint32_t left_##id = (mask), id = 0;                                                \
             left_##id && ((id = (uint32_t) __builtin_ctz(left_##id) + 1), true); left_##id &= left_##id - 1)

static int fail(SimCluster *sim, int k, const char *fmt, ...) _printf_(3, 4);
static int fail(SimCluster *sim, int k, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(sim->error, sizeof(sim->error), fmt, ap);
        va_end(ap);
        return k;
}

static SimMember *member(const SimCluster *sim, uint32_t id) {
        return sim && id >= 1 && id <= sim->n ? (SimMember *) &sim->m[id - 1] : NULL;
}

static int lookup(SimCluster *sim, uint32_t id, SimMember **ret) {
        if (sim->broken)
                return fail(sim, sim->broken, "the simulation ran out of memory");
        if (!(*ret = member(sim, id)))
                return fail(sim, -ENOENT, "no node %" PRIu32 " in a cluster of %u", id, sim->n);
        return 0;
}

/* A member whose process runs (in the group or cut off from corosync). */
static int lookup_process(SimCluster *sim, uint32_t id, SimMember **ret) {
        int k = lookup(sim, id, ret);
        if (k < 0)
                return k;
        if ((*ret)->proc == PROC_DOWN)
                return fail(sim, -ESRCH, "node %" PRIu32 "'s process is not running", id);
        return 0;
}

static uint32_t all_nodes(const SimCluster *sim) {
        return sim->n == 32 ? UINT32_MAX : SIM_NODE(sim->n + 1) - 1;
}

static uint32_t up_nodes(const SimCluster *sim) {
        uint32_t mask = 0;
        FOREACH_NODE(id, all_nodes(sim))
                if (sim->m[id - 1].proc == PROC_UP)
                        mask |= SIM_NODE(id);
        return mask;
}

#define elog(m, ...) engine_logf(&(m)->e, __VA_ARGS__)

/* ---- packets, inboxes, flights ---- */

static void packet_unref(SimPacket *p) {
        if (p && --p->ref == 0) {
                free(p->data);
                free(p);
        }
}

static void event_free(SimEvent *ev) {
        packet_unref(ev->packet);
        free(ev);
}

static void inbox_drop(SimMember *m) {
        while (m->inbox) {
                SimEvent *ev = m->inbox;
                m->inbox = ev->next;
                event_free(ev);
        }
        m->inbox_tail = &m->inbox;
        m->n_inbox = 0;
}

static void flight_drop(SimMember *m) {
        while (m->flight) {
                SimFlight *f = m->flight;
                m->flight = f->next;
                packet_unref(f->packet);
                free(f);
        }
        m->flight_tail = &m->flight;
}

static void timers_drop(SimMember *m) {
        while (m->timers) {
                SimTimer *t = m->timers;
                m->timers = t->next;
                free(t);
        }
}

static SimEvent *append(SimMember *m, SimEventKind kind) {
        SimEvent *ev = calloc(1, sizeof(*ev));
        if (!ev) {
                m->sim->broken = -ENOMEM;
                return NULL;
        }
        *ev = (SimEvent) { .kind = kind, .ring_node = m->ring_node, .ring_seq = m->ring_seq };
        *m->inbox_tail = ev;
        m->inbox_tail = &ev->next;
        m->n_inbox++;
        return ev;
}

/* What corosync tells the member's process, in the order told. */
static SimEvent *push(SimMember *m, SimEventKind kind, uint32_t members, bool quorate, SimPacket *packet) {
        SimEvent *ev = append(m, kind);
        if (!ev)
                return NULL;
        ev->members = members;
        ev->quorate = quorate;
        ev->packet = packet;
        if (packet)
                packet->ref++;
        return ev;
}

/* The CPG membership, when it is not what the process was told last;
 * ring: a ring change follows, so members gone are nodes gone. */
static void tell_members(SimMember *m, bool ring) {
        uint32_t cpg = m->comp & up_nodes(m->sim);
        if (m->told && m->told_members == cpg)
                return;
        SimEvent *ev = push(m, EV_MEMBERS, cpg, false, NULL);
        if (ev && ring && m->told && (m->told_members & ~cpg))
                ev->node_left = true;
        m->told = true;
        m->told_members = cpg;
}

/* ---- quorum ---- */

static unsigned popcount(uint32_t mask) {
        return (unsigned) __builtin_popcount(mask);
}

static SimVerdict decide(SimMember *m, bool joining) {
        SimCluster *sim = m->sim;
        SimRing r = { .node = m->e.node_id, .ring_node = m->ring_node, .ring_seq = m->ring_seq, .members = m->comp,
                      .votes = popcount(m->comp), .expected = sim->n, .joining = joining };
        SimVerdict v = { .quorate = 2 * r.votes > r.expected };
        if (!joining) {
                v.delay_usec = sim->verdict_delay;
                v.after_messages = sim->verdict_messages;
        }
        if (sim->quorum)
                sim->quorum(&r, &v, sim->quorum_userdata);
        return v;
}

/* The member's process enters its node's (new) ring: members if changed,
 * the ring, and its verdict scheduled. */
static void enter_ring(SimMember *m, bool joining) {
        SimCluster *sim = m->sim;
        SimVerdict v = decide(m, joining);
        m->verdict.active = false;
        if (v.early && !v.never)
                push(m, EV_VERDICT, 0, v.quorate, NULL);
        tell_members(m, true);
        push(m, EV_RING, m->comp, false, NULL);
        m->ring_messages = 0;
        if (v.early || v.never)
                return;
        uint64_t due = v.delay_usec > UINT64_MAX - 1 - sim->now ? UINT64_MAX - 1 : sim->now + v.delay_usec;
        m->verdict = (SimPending) { .active = true, .quorate = v.quorate,
                                    .due = v.after_messages && !v.delay_usec ? UINT64_MAX : due,
                                    .order = ++sim->order, .after_messages = v.after_messages };
}

static void give_verdict(SimMember *m) {
        m->verdict.active = false;
        push(m, EV_VERDICT, 0, m->verdict.quorate, NULL);
}

/* ---- the agreed order ---- */

/* The message's place in the order: every process of its sender's
 * component gets it now. */
static void order_message(SimCluster *sim, SimPacket *p) {
        SimMember *s = member(sim, p->sender);
        FOREACH_NODE(id, s->comp & up_nodes(sim)) {
                SimMember *m = &sim->m[id - 1];
                push(m, EV_MESSAGE, 0, false, p);
                m->ring_messages++;
                if (m->verdict.active && m->verdict.after_messages && m->ring_messages >= m->verdict.after_messages)
                        give_verdict(m);
        }
}

/* The in-flight message of `nodes` senders that is due first, or NULL. */
static SimMember *first_flight(SimCluster *sim, uint32_t nodes) {
        SimMember *best = NULL;
        FOREACH_NODE(id, nodes) {
                SimMember *m = &sim->m[id - 1];
                if (m->flight && (!best || m->flight->due < best->flight->due ||
                                  (m->flight->due == best->flight->due && m->flight->order < best->flight->order)))
                        best = m;
        }
        return best;
}

static void order_first_flight(SimCluster *sim, SimMember *s) {
        SimFlight *f = s->flight;
        s->flight = f->next;
        if (!s->flight)
                s->flight_tail = &s->flight;
        order_message(sim, f->packet);
        packet_unref(f->packet);
        free(f);
}

/* What the senders had in flight, ordered now, in the order it was due. */
static void flush_flights(SimCluster *sim, uint32_t senders) {
        SimMember *s;
        while ((s = first_flight(sim, senders)))
                order_first_flight(sim, s);
}

static int queue(SimMember *m, char *data, size_t len) {
        SimCluster *sim = m->sim;
        SimPacket *p = calloc(1, sizeof(*p));
        SimFlight *f = calloc(1, sizeof(*f));
        if (!p || !f) {
                free(p);
                free(f);
                free(data);
                return -ENOMEM;
        }
        *p = (SimPacket) { .ref = 1, .sender = m->e.node_id, .len = len, .data = data };
        /* A sender's queue is ordered from its head only: FIFO per sender,
         * whatever its latency did meanwhile. */
        uint64_t due = m->latency > UINT64_MAX - 1 - sim->now ? UINT64_MAX - 1 : sim->now + m->latency;
        *f = (SimFlight) { .due = due, .order = ++sim->order, .packet = p };
        *m->flight_tail = f;
        m->flight_tail = &f->next;
        return 0;
}

/* ---- membership ---- */

/* New rings for the groups whose nodes are not already together (all of
 * them with force). */
static void regroup(SimCluster *sim, const uint32_t *groups, size_t n, bool force) {
        for (size_t i = 0; i < n; i++) {
                uint32_t g = groups[i];
                bool same = !force;
                uint64_t seq = 0;
                FOREACH_NODE(id, g) {
                        same = same && sim->m[id - 1].comp == g;
                        if (sim->m[id - 1].ring_seq > seq)
                                seq = sim->m[id - 1].ring_seq;
                }
                if (same)
                        continue;
                uint32_t rep = (uint32_t) __builtin_ctz(g) + 1;
                FOREACH_NODE(id, g) {
                        SimMember *m = &sim->m[id - 1];
                        m->comp = g;
                        m->ring_node = rep;
                        m->ring_seq = seq + 4;
                        m->verdict.active = false;
                }
                FOREACH_NODE(id, g & up_nodes(sim))
                        enter_ring(&sim->m[id - 1], false);
                flush_flights(sim, g);
        }
}

/* The components there are now, one mask each. */
static size_t components(const SimCluster *sim, uint32_t *ret) {
        size_t n = 0;
        uint32_t seen = 0;
        FOREACH_NODE(id, all_nodes(sim)) {
                if (seen & SIM_NODE(id))
                        continue;
                ret[n++] = sim->m[id - 1].comp;
                seen |= sim->m[id - 1].comp;
        }
        return n;
}

static int parse_partition(SimCluster *sim, const char *spec, uint32_t *groups, size_t *ret_n) {
        size_t n = 0;
        uint32_t seen = 0, cur = 0;
        spec = spec ? spec : "";
        const char *p = spec;
        for (;;) {
                while (*p == ' ')
                        p++;
                char *end = NULL;
                unsigned long id = *p >= '0' && *p <= '9' ? strtoul(p, &end, 10) : 0;
                if (!end)
                        return fail(sim, -EINVAL, "partition \"%s\": a node id was expected at \"%s\"", spec, p);
                if (id < 1 || id > sim->n)
                        return fail(sim, -EINVAL, "partition \"%s\": no node %lu in a cluster of %u", spec, id, sim->n);
                if (seen & SIM_NODE(id))
                        return fail(sim, -EINVAL, "partition \"%s\": node %lu is named twice", spec, id);
                seen |= SIM_NODE(id);
                cur |= SIM_NODE(id);
                for (p = end; *p == ' '; p++)
                        ;
                if (*p == ',') {
                        p++;
                        continue;
                }
                if (*p != '|' && *p)
                        return fail(sim, -EINVAL, "partition \"%s\": '%c' where ',' or '|' was expected", spec, *p);
                groups[n++] = cur;
                cur = 0;
                if (!*p++)
                        break;
        }
        if (seen != all_nodes(sim))
                return fail(sim, -EINVAL, "partition \"%s\": node %d is in no part; name every node from 1 to %u once",
                            spec, __builtin_ctz(~seen) + 1, sim->n);
        *ret_n = n;
        return 0;
}

int sim_partition(SimCluster *sim, const char *spec) {
        if (sim->broken)
                return fail(sim, sim->broken, "the simulation ran out of memory");
        uint32_t groups[SIM_NODES_MAX];
        size_t n = 0;
        int k = parse_partition(sim, spec, groups, &n);
        if (k < 0)
                return k;
        regroup(sim, groups, n, false);
        return sim->broken;
}

int sim_heal(SimCluster *sim) {
        if (sim->broken)
                return fail(sim, sim->broken, "the simulation ran out of memory");
        uint32_t all = all_nodes(sim);
        regroup(sim, &all, 1, false);
        return sim->broken;
}

int sim_reform(SimCluster *sim) {
        if (sim->broken)
                return fail(sim, sim->broken, "the simulation ran out of memory");
        uint32_t groups[SIM_NODES_MAX];
        size_t n = components(sim, groups);
        regroup(sim, groups, n, true);
        return sim->broken;
}

/* The others of its component see the member's process come or go. */
static void tell_others(SimMember *m) {
        FOREACH_NODE(id, m->comp & up_nodes(m->sim) & ~SIM_NODE(m->e.node_id))
                tell_members(&m->sim->m[id - 1], false);
}

int sim_crash(SimCluster *sim, uint32_t node) {
        SimMember *m;
        int k = lookup_process(sim, node, &m);
        if (k < 0)
                return k;
        /* Its view may be releasing held messages to it right now. */
        if (m->dispatching)
                return fail(sim, -EBUSY, "node %" PRIu32 "'s process cannot crash from its own callback; crash it "
                            "from another member's", node);
        m->proc = PROC_DOWN;
        m->frozen = false;
        m->told = false;
        m->verdict.active = false;
        inbox_drop(m);
        timers_drop(m);
        /* Corosync took what the process sent before it exited; the leave
         * comes after it. */
        flush_flights(sim, SIM_NODE(node));
        tell_others(m);
        return sim->broken;
}

int sim_restart(SimCluster *sim, uint32_t node) {
        SimMember *m;
        int k = lookup(sim, node, &m);
        if (k < 0)
                return k;
        if (m->proc == PROC_UP)
                return fail(sim, -EALREADY, "node %" PRIu32 "'s process is running; sim_crash it first", node);
        if (m->dispatching)
                return fail(sim, -EBUSY, "node %" PRIu32 "'s process cannot restart from its own callback", node);
        ring_view_done(&m->view);
        ring_view_init(&m->view, &m->e.cb, m->e.userdata, sim->n);
        inbox_drop(m);
        timers_drop(m);
        m->starts++;
        m->incarnation = ((uint64_t) node << 32) | m->starts;
        m->proc = PROC_UP;
        m->frozen = false;
        m->told = false;
        tell_others(m);
        enter_ring(m, true);
        return sim->broken;
}

int sim_lose(SimCluster *sim, uint32_t node) {
        SimMember *m;
        int k = lookup(sim, node, &m);
        if (k < 0)
                return k;
        if (m->proc == PROC_CUT)
                return fail(sim, -EALREADY, "node %" PRIu32 " has lost corosync already", node);
        if (m->proc == PROC_UP) {
                m->proc = PROC_CUT;
                inbox_drop(m);
                push(m, EV_LOST, 0, false, NULL);
        }
        m->told = false;
        m->verdict.active = false;
        /* What had not left the node is gone with its corosync. */
        flight_drop(m);
        uint32_t groups[SIM_NODES_MAX + 1];
        size_t n = components(sim, groups);
        for (size_t i = 0; i < n; i++)
                if (groups[i] != SIM_NODE(node) && (groups[i] & SIM_NODE(node))) {
                        groups[i] &= ~SIM_NODE(node);
                        groups[n++] = SIM_NODE(node);
                        break;
                }
        regroup(sim, groups, n, false);
        return sim->broken;
}

static int set_frozen(SimCluster *sim, uint32_t node, bool frozen) {
        SimMember *m;
        int k = lookup_process(sim, node, &m);
        if (k < 0)
                return k;
        m->frozen = frozen;
        return 0;
}

int sim_freeze(SimCluster *sim, uint32_t node) {
        return set_frozen(sim, node, true);
}

int sim_thaw(SimCluster *sim, uint32_t node) {
        return set_frozen(sim, node, false);
}

void sim_delay_verdict(SimCluster *sim, uint64_t usec) {
        sim->verdict_delay = usec;
}

void sim_delay_verdict_messages(SimCluster *sim, unsigned n) {
        sim->verdict_messages = n;
}

void sim_set_quorum(SimCluster *sim, SimQuorumFn fn, void *userdata) {
        sim->quorum = fn;
        sim->quorum_userdata = userdata;
}

void sim_set_max_steps(SimCluster *sim, unsigned steps) {
        sim->max_steps = steps;
}

int sim_delay_messages(SimCluster *sim, uint32_t node, uint64_t usec) {
        SimMember *m;
        int k = lookup(sim, node, &m);
        if (k < 0)
                return k;
        m->latency = usec;
        return 0;
}

int sim_send_raw(SimCluster *sim, uint32_t node, const void *data, size_t len) {
        SimMember *m;
        int k = lookup(sim, node, &m);
        if (k < 0)
                return k;
        if (m->proc != PROC_UP)
                return fail(sim, -ENOTCONN, "node %" PRIu32 "'s process is not in the group", node);
        char *copy = malloc(len ? len : 1);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, data, len);
        return queue(m, copy, len);
}

/* ---- the engine each member's code sees ---- */

static int sim_send(Engine *e, const json_t *msg) {
        SimMember *m = (SimMember *) e;
        if (m->sim->broken)
                return m->sim->broken;
        if (m->proc != PROC_UP)
                return -ENOTCONN;
        EnvelopeHeader h = { .node = e->node_id, .incarnation = m->incarnation, .ring_node = m->view.ring_node,
                             .ring_seq = m->view.ring_seq };
        char *buf = NULL;
        size_t len = 0;
        int k = envelope_encode_outgoing(&h, msg, &buf, &len, e->cb.log, e->userdata);
        return k < 0 ? k : queue(m, buf, len);
}

/* The memory stays the cluster's: the process exits, and may restart. */
static void sim_engine_free(Engine *e) {
        SimMember *m = (SimMember *) e;
        if (m->proc != PROC_DOWN)
                (void) sim_crash(m->sim, e->node_id);
}

static const char *sim_node_name(Engine *e, uint32_t id) {
        SimMember *o = member(((SimMember *) e)->sim, id);
        return o ? o->name : NULL;
}

static const EngineOps sim_ops = { .name = "sim", .send = sim_send, .free = sim_engine_free, .node_name = sim_node_name };

/* ---- running ---- */

static void dispatch(SimMember *m, SimEvent *ev) {
        switch (ev->kind) {
        case EV_MEMBERS: {
                uint32_t ids[SIM_NODES_MAX];
                size_t n = 0;
                FOREACH_NODE(id, ev->members)
                        ids[n++] = id;
                if (ev->node_left)
                        ring_view_node_left(&m->view);
                ring_view_members(&m->view, ids, n);
                break;
        }
        case EV_RING:
                if (ring_view_ring(&m->view, ev->ring_node, ev->ring_seq))
                        elog(m, "info", "RING_CHANGED", "ring %" PRIx32 ".%" PRIx64 " with %" PRIu32 " node(s)",
                             ev->ring_node, ev->ring_seq, popcount(ev->members));
                break;
        case EV_VERDICT:
                ring_view_verdict(&m->view, ev->quorate, ev->ring_node, ev->ring_seq);
                break;
        case EV_MESSAGE: {
                EnvelopeHeader h;
                json_t *msg = NULL;
                char err[256];
                if (envelope_decode(ev->packet->data, ev->packet->len, ev->packet->sender, &h, &msg, err,
                                    sizeof(err)) < 0)
                        elog(m, "warning", "MESSAGE_INVALID", "%s; ignored", err);
                else
                        ring_view_message(&m->view, msg);
                break;
        }
        case EV_LOST:
                elog(m, "error", "ENGINE_LOST", "lost the connection to corosync; this node has no quorum until "
                     "wolfpackd is restarted with corosync running");
                ring_view_lost(&m->view);
                break;
        case EV_TIMER:
                ev->fn(m->sim, m->e.node_id, ev->userdata);
                break;
        }
}

/* Every process that is not frozen reads what it was told; what its
 * callbacks send is ordered later. */
static int drain(SimCluster *sim, unsigned *steps) {
        for (bool busy = true; busy;) {
                busy = false;
                FOREACH_NODE(id, all_nodes(sim)) {
                        SimMember *m = &sim->m[id - 1];
                        while (m->inbox && m->proc != PROC_DOWN && !m->frozen) {
                                if (++*steps > sim->max_steps)
                                        return fail(sim, -ELOOP, "more than %u events in one run: do callbacks "
                                                    "answer every message at once?", sim->max_steps);
                                SimEvent *ev = m->inbox;
                                m->inbox = ev->next;
                                if (!m->inbox)
                                        m->inbox_tail = &m->inbox;
                                m->n_inbox--;
                                /* Only the view may be in a loop over what it holds. */
                                m->dispatching = ev->kind != EV_TIMER;
                                dispatch(m, ev);
                                m->dispatching = false;
                                event_free(ev);
                                busy = true;
                        }
                }
        }
        return 0;
}

/* What is due next: a message to order or a verdict to give (corosync's
 * side), or a process's timer. */
typedef enum SimDueKind { DUE_MESSAGE, DUE_VERDICT, DUE_TIMER } SimDueKind;

typedef struct SimDue {
        SimMember *m;
        SimDueKind kind;
        SimTimer **timer; /* the link to it */
        uint64_t due, order;
} SimDue;

static void consider(SimDue *best, SimMember *m, SimDueKind kind, SimTimer **timer, uint64_t due, uint64_t order) {
        if (best->m && (due > best->due || (due == best->due && order > best->order)))
                return;
        *best = (SimDue) { .m = m, .kind = kind, .timer = timer, .due = due, .order = order };
}

static bool next_due(SimCluster *sim, SimDue *ret) {
        SimDue best = {};
        FOREACH_NODE(id, all_nodes(sim)) {
                SimMember *m = &sim->m[id - 1];
                if (m->flight)
                        consider(&best, m, DUE_MESSAGE, NULL, m->flight->due, m->flight->order);
                if (m->verdict.active && m->verdict.due != UINT64_MAX)
                        consider(&best, m, DUE_VERDICT, NULL, m->verdict.due, m->verdict.order);
                for (SimTimer **t = &m->timers; *t; t = &(*t)->next)
                        consider(&best, m, DUE_TIMER, t, (*t)->due, (*t)->order);
        }
        *ret = best;
        return best.m;
}

static void fire(SimMember *m, SimTimer **link) {
        SimTimer *t = *link;
        *link = t->next;
        SimEvent *ev = append(m, EV_TIMER);
        if (ev) {
                ev->timer_id = t->id;
                ev->fn = t->fn;
                ev->userdata = t->userdata;
        }
        free(t);
}

int sim_run_until(SimCluster *sim, uint64_t usec) {
        if (sim->running)
                return fail(sim, -EBUSY, "sim_run called from a callback of the simulation");
        if (sim->broken)
                return fail(sim, sim->broken, "the simulation ran out of memory");
        sim->running = true;
        unsigned steps = 0;
        int k;
        for (;;) {
                if ((k = drain(sim, &steps)) < 0)
                        break;
                SimDue d;
                if (!next_due(sim, &d) || d.due > usec)
                        break;
                if (d.due > sim->now)
                        sim->now = d.due;
                if (d.kind == DUE_VERDICT)
                        give_verdict(d.m);
                else if (d.kind == DUE_TIMER)
                        fire(d.m, d.timer);
                else
                        order_first_flight(sim, d.m);
        }
        if (k == 0 && usec != UINT64_MAX && usec > sim->now)
                sim->now = usec;
        sim->running = false;
        return k < 0 ? k : sim->broken;
}

int sim_run_for(SimCluster *sim, uint64_t usec) {
        return sim_run_until(sim, usec > UINT64_MAX - 1 - sim->now ? UINT64_MAX - 1 : sim->now + usec);
}

int sim_run(SimCluster *sim) {
        return sim_run_until(sim, UINT64_MAX);
}

int sim_timer(SimCluster *sim, uint32_t node, uint64_t usec, SimTimerFn fn, void *userdata, uint64_t *ret_id) {
        SimMember *m;
        int k = lookup_process(sim, node, &m);
        if (k < 0)
                return k;
        if (!fn)
                return fail(sim, -EINVAL, "a timer needs a function");
        SimTimer *t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        *t = (SimTimer) { .next = m->timers, .id = ++sim->timer_ids, .due = usec < sim->now ? sim->now : usec,
                          .order = ++sim->order, .fn = fn, .userdata = userdata };
        m->timers = t;
        if (ret_id)
                *ret_id = t->id;
        return 0;
}

int sim_timer_cancel(SimCluster *sim, uint64_t id) {
        FOREACH_NODE(node, all_nodes(sim)) {
                SimMember *m = &sim->m[node - 1];
                for (SimTimer **t = &m->timers; *t; t = &(*t)->next)
                        if ((*t)->id == id) {
                                SimTimer *x = *t;
                                *t = x->next;
                                free(x);
                                return 0;
                        }
                /* Fired while the process was frozen, not run yet. */
                SimEvent *prev = NULL;
                for (SimEvent *ev = m->inbox; ev; prev = ev, ev = ev->next)
                        if (ev->kind == EV_TIMER && ev->timer_id == id) {
                                if (prev)
                                        prev->next = ev->next;
                                else
                                        m->inbox = ev->next;
                                if (m->inbox_tail == &ev->next)
                                        m->inbox_tail = prev ? &prev->next : &m->inbox;
                                m->n_inbox--;
                                event_free(ev);
                                return 0;
                        }
        }
        return fail(sim, -ENOENT, "no timer %" PRIu64 " is waiting", id);
}

/* ---- the cluster ---- */

static void ignore_view(const EngineView *v, void *userdata) {
}

static void ignore_message(const json_t *msg, void *userdata) {
}

static const EngineCallbacks IGNORE = { .view = ignore_view, .deliver = ignore_message };

int sim_new(unsigned n, SimCluster **ret) {
        if (n < 1 || n > SIM_NODES_MAX)
                return -EINVAL;
        SimCluster *sim = calloc(1, sizeof(*sim));
        if (!sim)
                return -ENOMEM;
        sim->n = n;
        sim->max_steps = SIM_STEPS_MAX;
        FOREACH_NODE(id, all_nodes(sim)) {
                SimMember *m = &sim->m[id - 1];
                m->e = (Engine) { .ops = &sim_ops, .cb = IGNORE, .node_id = id };
                m->sim = sim;
                snprintf(m->name, sizeof(m->name), "n%" PRIu32, id);
                m->inbox_tail = &m->inbox;
                m->flight_tail = &m->flight;
                m->latency = SIM_LATENCY_USEC;
                m->starts = 1;
                m->incarnation = ((uint64_t) id << 32) | m->starts;
                ring_view_init(&m->view, &m->e.cb, NULL, n);
                m->comp = all_nodes(sim);
                m->ring_node = 1;
                m->ring_seq = 4;
        }
        FOREACH_NODE(id, all_nodes(sim))
                enter_ring(&sim->m[id - 1], false);
        if (sim->broken) {
                sim_free(sim);
                return -ENOMEM;
        }
        *ret = sim;
        return 0;
}

SimCluster *sim_free(SimCluster *sim) {
        if (!sim)
                return NULL;
        FOREACH_NODE(id, all_nodes(sim)) {
                SimMember *m = &sim->m[id - 1];
                inbox_drop(m);
                flight_drop(m);
                timers_drop(m);
                ring_view_done(&m->view);
        }
        free(sim);
        return NULL;
}

Engine *sim_engine(SimCluster *sim, uint32_t node) {
        SimMember *m = member(sim, node);
        return m ? &m->e : NULL;
}

void sim_set_callbacks(SimCluster *sim, uint32_t node, const EngineCallbacks *cb, void *userdata) {
        SimMember *m = member(sim, node);
        if (!m)
                return;
        m->e.cb = cb ? *cb : (EngineCallbacks) {};
        if (!m->e.cb.view)
                m->e.cb.view = ignore_view;
        if (!m->e.cb.deliver)
                m->e.cb.deliver = ignore_message;
        m->e.userdata = userdata;
        m->view.cb = m->e.cb;
        m->view.userdata = userdata;
}

uint64_t sim_incarnation(const SimCluster *sim, uint32_t node) {
        SimMember *m = member(sim, node);
        return m ? m->incarnation : 0;
}

json_t *sim_message(const SimCluster *sim, uint32_t node, const char *type) {
        return json_pack("{s:s, s:I, s:I}", "type", type, "origin", (json_int_t) node, "incarnation",
                         (json_int_t) sim_incarnation(sim, node));
}

uint64_t sim_now(const SimCluster *sim) {
        return sim->now;
}

const char *sim_error(const SimCluster *sim) {
        return sim->error;
}

const RingView *sim_view(const SimCluster *sim, uint32_t node) {
        SimMember *m = member(sim, node);
        return m ? &m->view : NULL;
}

int sim_ring(const SimCluster *sim, uint32_t node, uint32_t *ret_node, uint64_t *ret_seq) {
        SimMember *m = member(sim, node);
        if (!m)
                return -ENOENT;
        *ret_node = m->ring_node;
        *ret_seq = m->ring_seq;
        return 0;
}

uint32_t sim_component(const SimCluster *sim, uint32_t node) {
        SimMember *m = member(sim, node);
        return m ? m->comp : 0;
}

size_t sim_backlog(const SimCluster *sim, uint32_t node) {
        SimMember *m = member(sim, node);
        return m ? m->n_inbox : 0;
}
