/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulated engine (src/daemon/engine-sim.c) holds corosync's model as
 * measured (corosync-facts): one agreed order per component, members then
 * ring then messages at a change, verdicts that trail and release what was
 * held, old-ring messages after a change, separate streams while apart,
 * frozen and crashed processes — and a replicated counter over it, the
 * pattern for tests of code written against engine.h. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine-sim.h"
#include "envelope.h"
#include "macro.h"

/* ---- a member's process, as a test sees it ---- */

#define TRACE_MAX (1u << 17)

/* What one member's process was told, in order:
 *   "V<members>@<ring node>.<ring seq>:<q|-> "  a view
 *   "M<label>@<sender's ring>:<q|-> "            a message, with the quorum of the view it came under
 *   "!<code> "                                   a warning or error for the cluster log
 * and a counter that adds the "n" of every message delivered in a quorate
 * view, as wolfpackd applies changes only then. */
typedef struct Node {
        SimCluster *sim;
        uint32_t id;
        char trace[TRACE_MAX];
        char order[TRACE_MAX]; /* the labels of the messages only */
        EngineView view;
        long counter;
        unsigned delivered, applied, refused;
        size_t held_at_quorate;
} Node;

typedef struct Cluster {
        SimCluster *sim;
        unsigned n;
        Node node[SIM_NODES_MAX + 1];
} Cluster;

static void put(char *buf, const char *fmt, ...) {
        size_t n = strlen(buf);
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(buf + n, TRACE_MAX - n, fmt, ap);
        va_end(ap);
        assert_true(k >= 0 && (size_t) k < TRACE_MAX - n);
}

static void on_view(const EngineView *v, void *userdata) {
        Node *x = userdata;
        x->view = *v;
        put(x->trace, "V");
        for (unsigned i = 0; i < v->n_members; i++)
                put(x->trace, "%u", v->members[i]);
        put(x->trace, "@%u.%llu:%s ", v->ring_node, (unsigned long long) v->ring, v->quorate ? "q" : "-");
        if (v->quorate)
                x->held_at_quorate = sim_view(x->sim, x->id)->n_held;
}

static void on_deliver(const json_t *msg, void *userdata) {
        Node *x = userdata;
        const char *label = json_string_value(json_object_get(msg, "label"));
        put(x->trace, "M%s@%lld:%s ", label ? label : "?", (long long) json_integer_value(json_object_get(msg, "ring")),
            x->view.quorate ? "q" : "-");
        put(x->order, "%s ", label ? label : "?");
        x->delivered++;
        if (!x->view.quorate) {
                x->refused++;
                return;
        }
        x->applied++;
        x->counter += (long) json_integer_value(json_object_get(msg, "n"));
}

static void on_log(const char *level, const char *code, const char *text, void *userdata) {
        Node *x = userdata;
        if (strcmp(level, "info") != 0)
                put(x->trace, "!%s ", code);
}

static const EngineCallbacks CB = { .view = on_view, .deliver = on_deliver, .log = on_log };

static Cluster *cluster_new(unsigned n) {
        Cluster *c = calloc(1, sizeof(*c));
        assert_non_null(c);
        assert_int_equal(sim_new(n, &c->sim), 0);
        c->n = n;
        for (uint32_t id = 1; id <= n; id++) {
                c->node[id] = (Node) { .sim = c->sim, .id = id };
                sim_set_callbacks(c->sim, id, &CB, &c->node[id]);
        }
        return c;
}

static void cluster_free(Cluster *c) {
        sim_free(c->sim);
        free(c);
}

/* The member's wolfpackd sends a change: "label" names it in the traces,
 * "ring" is the ring its process knows (as commands.c sets it). */
static int send_n(Cluster *c, uint32_t id, const char *label, long n) {
        json_t *m = sim_message(c->sim, id, "add");
        assert_non_null(m);
        json_object_set_new(m, "label", json_string(label));
        json_object_set_new(m, "n", json_integer(n));
        json_object_set_new(m, "ring", json_integer((json_int_t) c->node[id].view.ring));
        int k = engine_send(sim_engine(c->sim, id), m);
        json_decref(m);
        return k;
}

static void send_label(Cluster *c, uint32_t id, const char *label) {
        assert_int_equal(send_n(c, id, label, 0), 0);
}

/* Forget what was seen so far (the views stay). */
static void clear(Cluster *c) {
        for (uint32_t id = 1; id <= c->n; id++) {
                c->node[id].trace[0] = 0;
                c->node[id].order[0] = 0;
        }
}

static void run(Cluster *c) {
        int k = sim_run(c->sim);
        if (k < 0)
                print_message("sim_run: %s\n", sim_error(c->sim));
        assert_int_equal(k, 0);
}

static void show(const Cluster *c) {
        for (uint32_t id = 1; id <= c->n; id++)
                print_message("n%u: %s\n", id, c->node[id].trace);
}

static Cluster *started(unsigned n) {
        Cluster *c = cluster_new(n);
        run(c);
        clear(c);
        return c;
}

/* ---- tests ---- */

/* Start: members before the first ring (the initial totem change comes
 * after the first CPG change), then the verdict. Nothing is delivered
 * from inside a send or before a run. */
static void test_start(void **state) {
        Cluster *c = cluster_new(3);
        assert_string_equal(c->node[1].trace, "");
        run(c);
        show(c);
        for (uint32_t id = 1; id <= 3; id++)
                assert_string_equal(c->node[id].trace, "V123@0.0:- V123@1.4:- V123@1.4:q ");
        clear(c);
        send_label(c, 2, "a");
        assert_string_equal(c->node[2].trace, "");
        /* One latency later it is there. */
        assert_int_equal(sim_run_for(c->sim, SIM_LATENCY_USEC - 1), 0);
        assert_string_equal(c->node[2].trace, "");
        assert_int_equal(sim_run_for(c->sim, 1), 0);
        for (uint32_t id = 1; id <= 3; id++)
                assert_string_equal(c->node[id].trace, "Ma@4:q ");
        assert_string_equal(engine_node_name(sim_engine(c->sim, 2), 3), "n3");
        assert_null(engine_node_name(sim_engine(c->sim, 2), 4));
        assert_null(sim_engine(c->sim, 4));
        cluster_free(c);
}

/* Three senders at different speeds, one of them changing its speed: one
 * order on every member, each sender's messages in the order sent. */
static void test_agreed_order(void **state) {
        Cluster *c = started(3);
        assert_int_equal(sim_delay_messages(c->sim, 1, 3000), 0);
        assert_int_equal(sim_delay_messages(c->sim, 3, 250), 0);
        char label[16];
        for (int i = 0; i < 60; i++) {
                for (uint32_t id = 1; id <= 3; id++) {
                        snprintf(label, sizeof(label), "%u.%d", id, i);
                        send_label(c, id, label);
                }
                if (i == 30) /* a slow sender that gets fast never overtakes itself */
                        assert_int_equal(sim_delay_messages(c->sim, 1, 0), 0);
                assert_int_equal(sim_run_for(c->sim, 100 * (i % 7)), 0);
        }
        run(c);
        for (uint32_t id = 1; id <= 3; id++)
                assert_int_equal(c->node[id].delivered, 180);
        assert_string_equal(c->node[1].order, c->node[2].order);
        assert_string_equal(c->node[1].order, c->node[3].order);
        /* Different latencies interleave, FIFO per sender holds. */
        assert_true(strncmp(c->node[1].order, "1.0 ", 4) != 0);
        for (uint32_t id = 1; id <= 3; id++) {
                const char *p = c->node[1].order;
                for (int i = 0; i < 60; i++) {
                        snprintf(label, sizeof(label), "%u.%d ", id, i);
                        const char *q = strstr(p, label);
                        assert_non_null(q);
                        p = q;
                }
        }
        cluster_free(c);
}

/* A cut: members first (the old ring's verdict still stands), then the
 * ring (not quorate until its verdict), then the new ring's messages. Both
 * components reach ring sequence 8: only (representative, sequence) is an
 * id. */
static void test_ring_change_order(void **state) {
        Cluster *c = started(3);
        assert_int_equal(sim_partition(c->sim, "1,2|3"), 0);
        run(c);
        send_label(c, 2, "b");
        send_label(c, 3, "c");
        run(c);
        show(c);
        assert_string_equal(c->node[1].trace, "V12@1.4:- V12@1.8:- V12@1.8:q Mb@8:q ");
        assert_string_equal(c->node[2].trace, "V12@1.4:- V12@1.8:- V12@1.8:q Mb@8:q ");
        assert_string_equal(c->node[3].trace, "V3@1.4:- V3@3.8:- Mc@8:- ");
        uint32_t rn;
        uint64_t rs;
        assert_int_equal(sim_ring(c->sim, 3, &rn, &rs), 0);
        assert_int_equal(rn, 3);
        assert_int_equal(rs, 8);
        assert_int_equal(sim_component(c->sim, 1), SIM_NODE(1) | SIM_NODE(2));
        /* The same partition again is no change. */
        clear(c);
        assert_int_equal(sim_partition(c->sim, "3 | 2, 1"), 0);
        run(c);
        assert_string_equal(c->node[1].trace, "");
        cluster_free(c);
}

/* The verdict trails the ring by virtual time: the ring's messages wait
 * for it and are applied when it comes. */
static void test_verdict_releases_held(void **state) {
        Cluster *c = started(3);
        sim_delay_verdict(c->sim, 5000);
        assert_int_equal(sim_partition(c->sim, "1,2|3"), 0);
        assert_int_equal(sim_run_for(c->sim, 0), 0);
        send_label(c, 1, "x");
        send_label(c, 2, "y");
        assert_int_equal(sim_run_for(c->sim, 4999), 0);
        assert_string_equal(c->node[1].trace, "V12@1.4:- V12@1.8:- ");
        assert_int_equal(sim_view(c->sim, 1)->n_held, 2);
        assert_int_equal(sim_run_for(c->sim, 1), 0);
        show(c);
        assert_string_equal(c->node[1].trace, "V12@1.4:- V12@1.8:- V12@1.8:q Mx@8:q My@8:q ");
        assert_string_equal(c->node[2].trace, c->node[1].trace);
        assert_int_equal(c->node[1].held_at_quorate, 2);
        cluster_free(c);
}

/* The verdict after the ring's 145th message, as measured under load:
 * 145 are held at the quorate view, the rest go straight through. */
static void test_verdict_after_messages(void **state) {
        Cluster *c = started(3);
        sim_delay_verdict_messages(c->sim, 145);
        assert_int_equal(sim_reform(c->sim), 0);
        assert_int_equal(sim_run_for(c->sim, 0), 0);
        char label[16];
        for (int i = 0; i < 200; i++) {
                snprintf(label, sizeof(label), "%d", i);
                send_label(c, 1 + i % 3, label);
        }
        run(c);
        for (uint32_t id = 1; id <= 3; id++) {
                assert_int_equal(c->node[id].held_at_quorate, 145);
                assert_int_equal(c->node[id].applied, 200);
                assert_non_null(strstr(c->node[id].trace, "V123@1.8:- V123@1.8:q M0@8:q "));
        }
        cluster_free(c);
}

/* Messages sent just before a cut: each goes to the part of its old
 * component that holds its sender, after that part's ring change, still
 * tagged with the old ring; with the verdict pending they are held and
 * then applied (majority) or refused (minority). */
static void test_old_ring_after_change(void **state) {
        Cluster *c = started(3);
        send_label(c, 1, "a");
        send_label(c, 3, "c");
        send_label(c, 2, "b");
        assert_int_equal(sim_partition(c->sim, "1,2|3"), 0);
        run(c);
        show(c);
        assert_string_equal(c->node[1].trace, "V12@1.4:- V12@1.8:- V12@1.8:q Ma@4:q Mb@4:q ");
        assert_string_equal(c->node[2].trace, c->node[1].trace);
        assert_string_equal(c->node[3].trace, "V3@1.4:- V3@3.8:- !MESSAGES_WITHOUT_QUORUM Mc@4:- ");
        cluster_free(c);
}

/* Apart, each component has its own stream; after the heal neither side
 * gets what the other ordered meanwhile, but a message still in flight at
 * the merge reaches everyone (measured: n2's seq 430 reached n3). */
static void test_partition_and_heal(void **state) {
        Cluster *c = started(5);
        assert_int_equal(sim_partition(c->sim, "1,2,3|4,5"), 0);
        run(c);
        clear(c);
        char label[16];
        for (int i = 0; i < 20; i++) {
                uint32_t id = 1 + (uint32_t) i % 5;
                snprintf(label, sizeof(label), "%c%d", id <= 3 ? 'A' : 'B', i);
                send_label(c, id, label);
        }
        run(c);
        assert_string_equal(c->node[1].order, "A0 A1 A2 A5 A6 A7 A10 A11 A12 A15 A16 A17 ");
        assert_string_equal(c->node[2].order, c->node[1].order);
        assert_string_equal(c->node[3].order, c->node[1].order);
        assert_string_equal(c->node[4].order, "B3 B4 B8 B9 B13 B14 B18 B19 ");
        assert_string_equal(c->node[5].order, c->node[4].order);
        assert_int_equal(c->node[1].applied, 12);
        assert_int_equal(c->node[4].refused, 8);

        clear(c);
        send_label(c, 4, "late");
        assert_int_equal(sim_heal(c->sim), 0);
        run(c);
        send_label(c, 2, "after");
        run(c);
        show(c);
        for (uint32_t id = 1; id <= 5; id++) {
                assert_string_equal(c->node[id].order, "late after ");
                assert_non_null(strstr(c->node[id].trace, "V12345@1.12:- V12345@1.12:q Mlate@8:q Mafter@12:q "));
        }
        cluster_free(c);
}

/* A frozen process: corosync buffers for it without limit, the others go
 * on at their pace; thawed, it gets the backlog (stale membership changes
 * included) in order. */
static void test_frozen_backlog(void **state) {
        Cluster *c = started(3);
        assert_int_equal(sim_freeze(c->sim, 3), 0);
        char label[16];
        for (int i = 0; i < 1000; i++) {
                snprintf(label, sizeof(label), "%d", i);
                send_label(c, 1 + i % 2, label);
        }
        assert_int_equal(sim_crash(c->sim, 2), 0);
        assert_int_equal(sim_restart(c->sim, 2), 0);
        run(c);
        assert_int_equal(sim_now(c->sim), SIM_LATENCY_USEC);
        assert_int_equal(c->node[1].delivered, 1000);
        assert_int_equal(c->node[3].delivered, 0);
        assert_int_equal(sim_backlog(c->sim, 3), 1002);
        assert_int_equal(sim_thaw(c->sim, 3), 0);
        assert_string_equal(c->node[3].trace, "");
        run(c);
        assert_int_equal(sim_backlog(c->sim, 3), 0);
        assert_string_equal(c->node[3].order, c->node[1].order);
        assert_non_null(strstr(c->node[3].trace, "M999@4:q V13@1.4:q V123@1.4:q M0@4:q "));
        cluster_free(c);
}

/* A crash: what the process sent is ordered before its leave; the others
 * see it leave the view, the node still votes; a restart is a new
 * incarnation, and a message in the old one is refused. */
static void test_crash_and_restart(void **state) {
        Cluster *c = started(3);
        send_label(c, 3, "last");
        assert_int_equal(sim_crash(c->sim, 3), 0);
        assert_int_equal(send_n(c, 3, "ghost", 1), -ENOTCONN);
        assert_int_equal(sim_crash(c->sim, 3), -ESRCH);
        run(c);
        show(c);
        assert_string_equal(c->node[1].trace, "Mlast@4:q V12@1.4:q ");
        assert_string_equal(c->node[3].trace, "");

        uint64_t old = sim_incarnation(c->sim, 3);
        json_t *stale = sim_message(c->sim, 3, "add");
        clear(c);
        assert_int_equal(sim_restart(c->sim, 3), 0);
        assert_int_equal(sim_restart(c->sim, 3), -EALREADY);
        assert_true(sim_incarnation(c->sim, 3) != old);
        run(c);
        assert_string_equal(c->node[1].trace, "V123@1.4:q ");
        assert_string_equal(c->node[3].trace, "V123@0.0:- V123@1.4:- V123@1.4:q ");
        clear(c);
        assert_int_equal(engine_send(sim_engine(c->sim, 3), stale), 0);
        json_decref(stale);
        send_label(c, 3, "new");
        run(c);
        assert_string_equal(c->node[2].trace, "!MESSAGE_INVALID Mnew@4:q ");

        /* engine_free is the process exiting; the memory stays the cluster's. */
        clear(c);
        engine_free(sim_engine(c->sim, 1));
        run(c);
        assert_string_equal(c->node[2].trace, "V23@1.4:q ");
        cluster_free(c);
}

/* A script call from inside a callback: a member's process cannot crash
 * or restart itself there (its view may be delivering to it), another
 * member can crash it at that point of the stream. */
static void crash_on_k(const json_t *msg, void *userdata) {
        Node *x = userdata;
        on_deliver(msg, userdata);
        if (strcmp(json_string_value(json_object_get(msg, "label")), "k") != 0)
                return;
        assert_int_equal(sim_crash(x->sim, x->id), -EBUSY);
        assert_int_equal(sim_restart(x->sim, x->id), -EALREADY);
        if (x->id == 1)
                assert_int_equal(sim_crash(x->sim, 3), 0);
}

static void test_script_from_callback(void **state) {
        Cluster *c = started(3);
        for (uint32_t id = 1; id <= 3; id++)
                sim_set_callbacks(c->sim, id, &(EngineCallbacks) { .view = on_view, .deliver = crash_on_k },
                                  &c->node[id]);
        send_label(c, 2, "j");
        send_label(c, 2, "k");
        send_label(c, 2, "l");
        run(c);
        show(c);
        /* Node 1 reads k first and crashes node 3 before node 3 read it:
         * its leave comes between k and l on the others. */
        assert_string_equal(c->node[1].trace, "Mj@4:q Mk@4:q V12@1.4:q Ml@4:q ");
        assert_string_equal(c->node[2].trace, c->node[1].trace);
        assert_string_equal(c->node[3].trace, "Mj@4:q ");
        cluster_free(c);
}

/* Timers of the members' processes, on the virtual clock: a renewal every
 * 1000 us that records whether its view is quorate, like a lease. */
static void renew(SimCluster *sim, uint32_t node, void *userdata) {
        Node *x = userdata;
        put(x->trace, "R%llu:%s ", (unsigned long long) sim_now(sim), x->view.quorate ? "q" : "-");
        assert_int_equal(sim_timer(sim, node, sim_now(sim) + 1000, renew, x, NULL), 0);
}

static void once(SimCluster *sim, uint32_t node, void *userdata) {
        Node *x = userdata;
        put(x->trace, "T%llu ", (unsigned long long) sim_now(sim));
        /* From its own timer a process may crash itself. */
        if (node == 3)
                assert_int_equal(sim_crash(sim, node), 0);
}

static void test_timers(void **state) {
        Cluster *c = started(3);
        for (uint32_t id = 1; id <= 3; id++)
                assert_int_equal(sim_timer(c->sim, id, 1000, renew, &c->node[id], NULL), 0);
        assert_int_equal(sim_run_until(c->sim, 2500), 0);
        assert_int_equal(sim_partition(c->sim, "1,2|3"), 0);
        assert_int_equal(sim_run_until(c->sim, 4000), 0);
        show(c);
        assert_string_equal(c->node[1].trace, "R1000:q R2000:q V12@1.4:- V12@1.8:- V12@1.8:q R3000:q R4000:q ");
        assert_string_equal(c->node[3].trace, "R1000:q R2000:q V3@1.4:- V3@3.8:- R3000:- R4000:- ");

        /* Frozen: its timers run late, at the thaw, in line with what it
         * was told meanwhile (here due before the message). */
        clear(c);
        assert_int_equal(sim_freeze(c->sim, 1), 0);
        send_label(c, 2, "m");
        uint64_t id = 0, gone = 0;
        assert_int_equal(sim_timer(c->sim, 1, 4500, once, &c->node[1], &id), 0);
        assert_int_equal(sim_timer(c->sim, 2, 4600, once, &c->node[2], &gone), 0);
        assert_int_equal(sim_timer_cancel(c->sim, gone), 0);
        assert_int_equal(sim_timer_cancel(c->sim, gone), -ENOENT);
        assert_int_equal(sim_timer(c->sim, 3, 0, once, &c->node[3], NULL), 0);
        assert_int_equal(sim_run_until(c->sim, 7000), 0);
        assert_string_equal(c->node[1].trace, "");
        assert_string_equal(c->node[2].trace, "R5000:q Mm@8:q R6000:q R7000:q ");
        /* In the past: at once; its process gone after, its renewals too. */
        assert_string_equal(c->node[3].trace, "T4000 ");
        assert_int_equal(sim_thaw(c->sim, 1), 0);
        assert_int_equal(sim_run_until(c->sim, 7000), 0);
        assert_string_equal(c->node[1].trace, "T7000 R7000:q Mm@8:q ");
        assert_int_equal(sim_timer_cancel(c->sim, id), -ENOENT);
        assert_int_equal(sim_timer(c->sim, 3, 0, once, &c->node[3], NULL), -ESRCH);
        cluster_free(c);
}

/* A node's corosync stops: its process sees no members and no quorum,
 * cannot send; the others form a ring without it. */
static void test_lose(void **state) {
        Cluster *c = started(3);
        assert_int_equal(sim_lose(c->sim, 3), 0);
        run(c);
        show(c);
        assert_string_equal(c->node[3].trace, "!ENGINE_LOST V@1.4:- ");
        assert_string_equal(c->node[1].trace, "V12@1.4:- V12@1.8:- V12@1.8:q ");
        assert_int_equal(send_n(c, 3, "x", 1), -ENOTCONN);
        assert_int_equal(sim_lose(c->sim, 3), -EALREADY);
        /* The cut-off process exits and starts again. */
        assert_int_equal(sim_crash(c->sim, 3), 0);
        assert_int_equal(sim_crash(c->sim, 3), -ESRCH);
        clear(c);
        assert_int_equal(sim_heal(c->sim), 0);
        assert_int_equal(sim_restart(c->sim, 3), 0);
        run(c);
        assert_string_equal(c->node[3].trace, "V123@0.0:- V123@1.12:- V123@1.12:q ");
        cluster_free(c);
}

/* What another node multicasts is checked as on corosync: bytes that are no
 * envelope, a message that names another origin, one too large to send. */
static void test_envelope_checks(void **state) {
        Cluster *c = started(2);
        assert_int_equal(sim_send_raw(c->sim, 2, "{\"wolfpack\":1", 13), 0);
        json_t *m = sim_message(c->sim, 1, "add");
        char *buf = NULL, err[256];
        size_t len = 0;
        EnvelopeHeader h = { .node = 2, .incarnation = sim_incarnation(c->sim, 2), .ring_node = 1, .ring_seq = 4 };
        assert_int_equal(envelope_encode(&h, m, &buf, &len, err, sizeof(err)), 0);
        json_decref(m);
        assert_int_equal(sim_send_raw(c->sim, 2, buf, len), 0);
        free(buf);
        run(c);
        assert_string_equal(c->node[1].trace, "!MESSAGE_INVALID !MESSAGE_INVALID ");
        assert_int_equal(c->node[1].delivered, 0);

        clear(c);
        m = sim_message(c->sim, 1, "add");
        char *big = malloc(ENVELOPE_MAX + 1);
        memset(big, 'x', ENVELOPE_MAX);
        big[ENVELOPE_MAX] = 0;
        json_object_set_new(m, "blob", json_string(big));
        free(big);
        assert_int_equal(engine_send(sim_engine(c->sim, 1), m), -EMSGSIZE);
        json_decref(m);
        m = json_pack("{s:i}", "n", 1);
        assert_int_equal(engine_send(sim_engine(c->sim, 1), m), -EINVAL);
        json_decref(m);
        run(c);
        assert_string_equal(c->node[1].trace, "!MESSAGE_TOO_LARGE ");
        assert_string_equal(c->node[2].trace, "");
        cluster_free(c);
}

/* A quorum hook: two_node (each side of a two-node cut is quorate, split
 * brain by design), and a witness that gives the winner its verdict after
 * 7 s and tells the loser after 10 s (measured with qdevice ffsplit). */
static void two_node(const SimRing *r, SimVerdict *v, void *userdata) {
        v->quorate = r->votes > 0;
}

static void witness(const SimRing *r, SimVerdict *v, void *userdata) {
        if (r->joining || r->votes == r->expected)
                return;
        v->quorate = r->members & SIM_NODE(1);
        v->delay_usec = v->quorate ? 7000000 : 10000000;
}

static void test_quorum_hook(void **state) {
        Cluster *c = started(2);
        sim_set_quorum(c->sim, two_node, NULL);
        assert_int_equal(sim_partition(c->sim, "1|2"), 0);
        run(c);
        assert_true(c->node[1].view.quorate);
        assert_true(c->node[2].view.quorate);
        cluster_free(c);

        c = started(2);
        sim_set_quorum(c->sim, witness, NULL);
        assert_int_equal(sim_partition(c->sim, "1|2"), 0);
        assert_int_equal(sim_run_for(c->sim, 0), 0);
        send_label(c, 1, "w");
        send_label(c, 2, "l");
        assert_int_equal(sim_run_for(c->sim, 8000000), 0);
        assert_true(c->node[1].view.quorate);
        assert_false(c->node[2].view.quorate);
        assert_string_equal(c->node[2].trace, "V2@1.4:- V2@2.8:- ");
        assert_int_equal(sim_view(c->sim, 2)->n_held, 1);
        run(c);
        assert_int_equal(sim_now(c->sim), 10000000);
        assert_string_equal(c->node[2].trace, "V2@1.4:- V2@2.8:- !MESSAGES_WITHOUT_QUORUM Ml@8:- ");
        assert_string_equal(c->node[1].trace, "V1@1.4:- V1@1.8:- V1@1.8:q Mw@8:q ");
        cluster_free(c);
}

/* Orders the ring view must survive: a verdict never comes (what was held
 * is refused at the next ring); the verdict before its ring; a new ring
 * with the same members (ring change only, no membership change). */
static void never(const SimRing *r, SimVerdict *v, void *userdata) {
        v->never = r->ring_seq == 8;
}

static void early(const SimRing *r, SimVerdict *v, void *userdata) {
        v->early = true;
}

static void test_verdict_orders(void **state) {
        Cluster *c = started(3);
        sim_set_quorum(c->sim, never, NULL);
        assert_int_equal(sim_reform(c->sim), 0);
        assert_int_equal(sim_run_for(c->sim, 0), 0);
        send_label(c, 1, "h");
        run(c);
        assert_string_equal(c->node[1].trace, "V123@1.8:- ");
        assert_int_equal(sim_reform(c->sim), 0);
        run(c);
        assert_string_equal(c->node[1].trace, "V123@1.8:- !MESSAGES_WITHOUT_QUORUM Mh@8:- V123@1.12:- V123@1.12:q ");

        clear(c);
        sim_set_quorum(c->sim, early, NULL);
        assert_int_equal(sim_partition(c->sim, "1,2|3"), 0);
        run(c);
        assert_string_equal(c->node[1].trace, "V12@1.12:- V12@1.16:q ");

        /* Same members: the process is told the ring, and nothing else. */
        clear(c);
        sim_set_quorum(c->sim, NULL, NULL);
        assert_int_equal(sim_freeze(c->sim, 1), 0);
        assert_int_equal(sim_reform(c->sim), 0);
        assert_int_equal(sim_backlog(c->sim, 1), 1);
        run(c);
        assert_int_equal(sim_backlog(c->sim, 1), 2);
        assert_int_equal(sim_thaw(c->sim, 1), 0);
        run(c);
        assert_string_equal(c->node[1].trace, "V12@1.20:- V12@1.20:q ");
        cluster_free(c);
}

static void test_script_errors(void **state) {
        Cluster *c = started(3);
        static const char *const bad[] = { "1|2", "1,1|2,3", "1|x,2,3", "", "1||2,3", "1|2,3|", "0|1,2,3", "1|2;3",
                                           "4|1,2,3" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                assert_int_equal(sim_partition(c->sim, bad[i]), -EINVAL);
                print_message("\"%s\": %s\n", bad[i], sim_error(c->sim));
        }
        assert_int_equal(sim_partition(c->sim, "1|2"), -EINVAL);
        assert_non_null(strstr(sim_error(c->sim), "node 3 is in no part"));
        assert_int_equal(sim_crash(c->sim, 9), -ENOENT);
        assert_int_equal(sim_delay_messages(c->sim, 0, 1), -ENOENT);
        run(c);
        assert_string_equal(c->node[1].trace, "");
        SimCluster *s = NULL;
        assert_int_equal(sim_new(0, &s), -EINVAL);
        assert_int_equal(sim_new(SIM_NODES_MAX + 1, &s), -EINVAL);
        assert_null(s);
        cluster_free(c);
}

/* A callback that sends on every message it gets, at no latency, never
 * lets the simulation go quiet: the run says so instead of spinning. */
static void echo(const json_t *msg, void *userdata) {
        Node *x = userdata;
        json_t *m = sim_message(x->sim, x->id, "echo");
        (void) engine_send(sim_engine(x->sim, x->id), m);
        json_decref(m);
}

static void test_loop_detected(void **state) {
        Cluster *c = started(1);
        sim_set_callbacks(c->sim, 1, &(EngineCallbacks) { .view = on_view, .deliver = echo }, &c->node[1]);
        assert_int_equal(sim_delay_messages(c->sim, 1, 0), 0);
        sim_set_max_steps(c->sim, 5000);
        send_label(c, 1, "ping");
        assert_int_equal(sim_run(c->sim), -ELOOP);
        assert_non_null(strstr(sim_error(c->sim), "more than 5000 events"));
        assert_int_equal(sim_run(c->sim), -ELOOP);
        cluster_free(c);
}

/* ---- a replicated state machine over the simulated engine ---- */

/* Every node adds what its messages say to its own counter, in quorate
 * views only; the script cuts a minority off and heals it. Returns the
 * traces, to show that the same script gives the same run. */
static void counter_script(Cluster *c) {
        char label[16];
        /* Together: 1 + 2 + 3 + 4 + 5 everywhere. */
        for (uint32_t id = 1; id <= 5; id++) {
                snprintf(label, sizeof(label), "a%u", id);
                assert_int_equal(send_n(c, id, label, id), 0);
        }
        run(c);
        for (uint32_t id = 1; id <= 5; id++)
                assert_int_equal(c->node[id].counter, 15);

        /* Sent as the cut comes (tagged with the old ring), then apart. */
        for (uint32_t id = 1; id <= 5; id++) {
                snprintf(label, sizeof(label), "b%u", id);
                assert_int_equal(send_n(c, id, label, 10 * id), 0);
        }
        assert_int_equal(sim_partition(c->sim, "1,2,3|4,5"), 0);
        assert_int_equal(sim_run_for(c->sim, 10), 0);
        for (uint32_t id = 1; id <= 5; id++) {
                snprintf(label, sizeof(label), "c%u", id);
                assert_int_equal(send_n(c, id, label, 100 * id), 0);
        }
        run(c);
        /* Members of a component agree; only the quorate one applied. */
        for (uint32_t id = 1; id <= 3; id++) {
                assert_int_equal(c->node[id].counter, 15 + 60 + 600);
                assert_string_equal(c->node[id].order, c->node[1].order);
        }
        for (uint32_t id = 4; id <= 5; id++) {
                assert_int_equal(c->node[id].counter, 15);
                assert_int_equal(c->node[id].refused, 4);
                assert_string_equal(c->node[id].order, c->node[4].order);
        }

        /* Healed: everyone applies again; what the minority missed stays
         * missed until a join protocol sends it. */
        assert_int_equal(sim_heal(c->sim), 0);
        run(c);
        for (uint32_t id = 1; id <= 5; id++) {
                snprintf(label, sizeof(label), "d%u", id);
                assert_int_equal(send_n(c, id, label, 1000), 0);
        }
        run(c);
        for (uint32_t id = 1; id <= 5; id++)
                assert_int_equal(c->node[id].counter, id <= 3 ? 5675 : 5015);
}

static void test_replicated_counter(void **state) {
        Cluster *c = cluster_new(5), *again = cluster_new(5);
        counter_script(c);
        counter_script(again);
        show(c);
        for (uint32_t id = 1; id <= 5; id++)
                assert_string_equal(c->node[id].trace, again->node[id].trace);
        cluster_free(c);
        cluster_free(again);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_start),
                cmocka_unit_test(test_agreed_order),
                cmocka_unit_test(test_ring_change_order),
                cmocka_unit_test(test_verdict_releases_held),
                cmocka_unit_test(test_verdict_after_messages),
                cmocka_unit_test(test_old_ring_after_change),
                cmocka_unit_test(test_partition_and_heal),
                cmocka_unit_test(test_frozen_backlog),
                cmocka_unit_test(test_crash_and_restart),
                cmocka_unit_test(test_script_from_callback),
                cmocka_unit_test(test_timers),
                cmocka_unit_test(test_lose),
                cmocka_unit_test(test_envelope_checks),
                cmocka_unit_test(test_quorum_hook),
                cmocka_unit_test(test_verdict_orders),
                cmocka_unit_test(test_script_errors),
                cmocka_unit_test(test_loop_detected),
                cmocka_unit_test(test_replicated_counter),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
