/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The ownership rules between nodes (src/daemon/owners.c) on the simulated
 * engine: N members in one process, each with its own owners' table fed by
 * its engine's callbacks, with what wolfpackd does around it in a few lines
 * each — the heartbeat and the suspicion of silent members (share.c), the
 * lease, the failover manager that runs what its node owns (fm.c), and the
 * coordinator that decides with owners_decide() and sends rt.place
 * (coordinator.c). Each script drives partitions, frozen and restarted
 * processes and slow senders, checks what every member applied, that all
 * members of a component end with the same tables, and that no resource is
 * ever started while another node's monitors may still run it; each is run
 * twice, and both runs must be the same. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cluster-timing.h"
#include "engine-sim.h"
#include "macro.h"
#include "owners.h"

#define TRACE_MAX (1u << 18)
#define MS 1000u
#define SEC (1000u * MS)

/* ---- the cluster's database: groups, their resources, the node each prefers ---- */

typedef struct GroupDef {
        const char *id;
        const char *res[2];
        uint32_t prefer;
} GroupDef;

static const GroupDef GROUPS[] = {
        { "A", { "a1", "a2" }, 2 },
        { "B", { "b1", NULL }, 3 },
        { "C", { "c1", NULL }, 1 },
};
#define N_GROUPS ELEMENTSOF(GROUPS)
static const char *const RESOURCES[] = { "a1", "a2", "b1", "c1" };
#define N_RES ELEMENTSOF(RESOURCES)

static int res_index(const char *id) {
        for (size_t i = 0; i < N_RES; i++)
                if (strcmp(RESOURCES[i], id) == 0)
                        return (int) i;
        return -1;
}

static int group_index(const char *id) {
        for (size_t i = 0; i < N_GROUPS; i++)
                if (strcmp(GROUPS[i].id, id) == 0)
                        return (int) i;
        return -1;
}

static json_t *group_resources(const char *group, void *userdata) {
        int g = group_index(group);
        json_t *a = json_array();
        for (size_t i = 0; g >= 0 && i < ELEMENTSOF(GROUPS[g].res) && GROUPS[g].res[i]; i++)
                json_array_append_new(a, json_pack("{s:s}", "id", GROUPS[g].res[i]));
        return a;
}

/* ---- a member's process, and the world around it ---- */

typedef struct World World;

typedef struct Member {
        World *w;
        uint32_t id;
        Owners *o;
        bool running;            /* its process runs (not crashed) */
        bool report_sent;
        uint64_t hb_sent;
        uint64_t lease_timer, wait_timer, wait_at;
        unsigned decisions;      /* rt.place it sent */
        char trace[TRACE_MAX];
} Member;

struct World {
        SimCluster *sim;
        unsigned n;
        ClusterTiming t;
        Member m[SIM_NODES_MAX + 1];
        bool want[N_GROUPS];
        /* Each node's monitors: their lease, and what they run. They are
         * not the process: they go on when it is frozen or has crashed, and
         * terminate everything (within the stop budget) when the lease
         * runs out. */
        uint64_t lease_until[SIM_NODES_MAX + 1];
        bool runs[N_RES][SIM_NODES_MAX + 1];
        char log[TRACE_MAX];
};

static void put(char *buf, const char *fmt, ...) _printf_(2, 3);
static void put(char *buf, const char *fmt, ...) {
        size_t n = strlen(buf);
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(buf + n, TRACE_MAX - n, fmt, ap);
        va_end(ap);
        assert_true(k >= 0 && (size_t) k < TRACE_MAX - n);
}

static uint64_t now(const Member *m) {
        return sim_now(m->w->sim);
}

/* In the trace: the virtual time in ms. */
#define TRACE(m, fmt, ...) put((m)->trace, "%llu:" fmt " ", (unsigned long long) (now(m) / MS), ##__VA_ARGS__)

static bool running(const char *state) {
        return strcmp(state, "Online") == 0 || strstr(state, "Pending");
}

/* The monitors of node may still run resource r: they were started and not
 * stopped, and their lease (plus the time terminating takes) has not run
 * out. */
static bool may_run(const World *w, size_t r, uint32_t node, uint64_t t) {
        return w->runs[r][node] && t < w->lease_until[node] + w->t.stop_budget_usec;
}

static void send(Member *m, json_t *msg) {
        assert_non_null(msg);
        json_t *h = sim_message(m->w->sim, m->id, json_string_value(json_object_get(msg, "type")));
        json_object_update(msg, h);
        json_decref(h);
        (void) engine_send(sim_engine(m->w->sim, m->id), msg);
        json_decref(msg);
}

static void set_state(OwnersResource *r, uint32_t owner, const char *state) {
        r->owner = owner;
        free(r->state);
        r->state = strdup(state);
        assert_non_null(r->state);
}

static bool lease_held(const Member *m) {
        return now(m) < m->w->lease_until[m->id];
}

static void act(Member *m);

/* This member lets group g go (share.c share_release). */
static void release(Member *m, OwnersGroup *g, bool failover) {
        send(m, owners_release_message(g->id, failover, NULL, 0));
        g->releasing = true;
}

/* ---- what fm.c does: run what this node owns while it holds the lease ---- */

static void start(Member *m, OwnersResource *r) {
        World *w = m->w;
        size_t i = (size_t) res_index(r->id);
        for (uint32_t y = 1; y <= w->n; y++)
                if (y != m->id && may_run(w, i, y, now(m))) {
                        print_message("%s started on node %u at %llu ms while node %u may still run it (its lease "
                                      "until %llu ms)\n", r->id, m->id, (unsigned long long) (now(m) / MS), y,
                                      (unsigned long long) (w->lease_until[y] / MS));
                        fail();
                }
        w->runs[i][m->id] = true;
        put(w->log, "%llu:%s+%u ", (unsigned long long) (now(m) / MS), r->id, m->id);
        set_state(r, m->id, "Online");
        if (m->o->view.n_members > 0)
                send(m, owners_state_message(r));
}

static void stop(Member *m, OwnersResource *r) {
        World *w = m->w;
        size_t i = (size_t) res_index(r->id);
        if (w->runs[i][m->id])
                put(w->log, "%llu:%s-%u ", (unsigned long long) (now(m) / MS), r->id, m->id);
        w->runs[i][m->id] = false;
        set_state(r, 0, "Offline");
        if (m->o->view.n_members > 0)
                send(m, owners_state_message(r));
}

static void run_groups(Member *m) {
        for (size_t gi = 0; gi < N_GROUPS; gi++) {
                const GroupDef *def = &GROUPS[gi];
                OwnersGroup *g = owners_group(m->o, def->id);
                assert_non_null(g);
                bool mine = g->owner == m->id;
                /* Owned, but no lease: wait for it (or for losing it). */
                if (mine && !g->lost && !lease_held(m))
                        continue;
                bool want = m->w->want[gi] && mine && !g->lost && !g->releasing;
                for (size_t k = 0; k < ELEMENTSOF(def->res) && def->res[k]; k++) {
                        OwnersResource *r = owners_resource(m->o, def->res[k]);
                        /* Still running on its former owner: wait for it. */
                        if (r->owner && r->owner != m->id && running(r->state))
                                want = false;
                }
                for (size_t k = 0; k < ELEMENTSOF(def->res) && def->res[k]; k++) {
                        OwnersResource *r = owners_resource(m->o, def->res[k]);
                        bool here = r->owner == m->id && running(r->state);
                        if (want && !here)
                                start(m, r);
                        else if (!want && here)
                                stop(m, r);
                }
                /* Stopped since the lease ran out: let it go. */
                if (mine && g->lost && !g->releasing) {
                        if (m->o->view.n_members > 0)
                                release(m, g, false);
                        else {
                                g->owner = 0;
                                g->lost = false;
                        }
                }
        }
}

/* A resource of the group failed and its policy fails the group over
 * (fm.c fail_group): the group is taken down here and let go, for the
 * coordinator to place anywhere but here. */
static void fail_over(Member *m, const char *group) {
        const GroupDef *def = &GROUPS[group_index(group)];
        for (size_t k = 0; k < ELEMENTSOF(def->res) && def->res[k]; k++) {
                OwnersResource *r = owners_resource(m->o, def->res[k]);
                if (r->owner == m->id && running(r->state))
                        stop(m, r);
        }
        release(m, owners_group(m->o, group), true);
        TRACE(m, "failover:%s", group);
}

/* ---- what coordinator.c does ---- */

/* The node the group prefers if it is up, else the lowest up member; never
 * avoid. */
static uint32_t choose(const Member *m, const GroupDef *def, uint32_t avoid) {
        if (def->prefer != avoid && owners_node_up(m->o, def->prefer))
                return def->prefer;
        for (unsigned i = 0; i < m->o->view.n_members; i++) {
                uint32_t id = m->o->view.members[i];
                if (id != avoid && owners_node_up(m->o, id))
                        return id;
        }
        return 0;
}

static void place(Member *m, OwnersGroup *g, uint32_t from, uint32_t to, bool takeover, const char *reason) {
        send(m, owners_place_message(m->o, g, from, to, takeover, reason, 0));
        g->placing = true;
        m->decisions++;
        TRACE(m, "decide:%s:%u>%u%s", g->id, from, to, takeover ? "T" : "");
}

static void on_wait_timer(SimCluster *sim, uint32_t node, void *userdata) {
        Member *m = userdata;
        m->wait_timer = 0;
        act(m);
}

static void coordinate(Member *m) {
        if (owners_coordinator(m->o) != m->id || !owners_all_reported(m->o))
                return;
        uint64_t next = UINT64_MAX;
        for (size_t gi = 0; gi < N_GROUPS; gi++) {
                OwnersGroup *g = owners_group(m->o, GROUPS[gi].id);
                bool want = m->w->want[gi];
                OwnersDecision d = owners_decide(m->o, g, want, now(m), m->w->t.takeover_delay_usec);
                uint32_t to;
                switch (d.action) {
                case OWNERS_KEEP:
                        break;
                case OWNERS_WAIT:
                        if (d.at_usec < next)
                                next = d.at_usec;
                        break;
                case OWNERS_TAKE_OVER:
                        to = want ? choose(m, &GROUPS[gi], d.avoid) : 0;
                        place(m, g, d.from, to, true, want && !to ? "no node can take it" : NULL);
                        break;
                case OWNERS_PLACE:
                        to = choose(m, &GROUPS[gi], d.avoid);
                        if (to)
                                place(m, g, 0, to, false, NULL);
                        break;
                case OWNERS_MOVE:
                        place(m, g, d.from, d.to, false, NULL);
                        break;
                }
        }
        if (next == UINT64_MAX || (m->wait_timer && m->wait_at <= next))
                return;
        if (m->wait_timer)
                (void) sim_timer_cancel(m->w->sim, m->wait_timer);
        m->wait_at = next;
        assert_int_equal(sim_timer(m->w->sim, m->id, next, on_wait_timer, m, &m->wait_timer), 0);
}

static void act(Member *m) {
        run_groups(m);
        coordinate(m);
}

/* ---- what share.c does: heartbeat, suspicion, the lease, reports ---- */

static void on_lease_end(SimCluster *sim, uint32_t node, void *userdata) {
        Member *m = userdata;
        m->lease_timer = 0;
        if (lease_held(m))
                return;
        /* The monitors terminated everything: so they report. */
        for (size_t i = 0; i < N_RES; i++) {
                OwnersResource *r = owners_resource(m->o, RESOURCES[i]);
                if (r->owner == m->id && running(r->state))
                        stop(m, r);
        }
        unsigned n = owners_lease_lost(m->o);
        TRACE(m, "lease-lost:%u", n);
        act(m);
}

static void lease_renew(Member *m, uint64_t sent_usec) {
        World *w = m->w;
        uint64_t until = sent_usec + w->t.lease_usec;
        if (until <= now(m) || until <= w->lease_until[m->id])
                return;
        if (!lease_held(m))
                TRACE(m, "lease");
        /* Run out meanwhile: the monitors terminated what they ran. */
        if (w->lease_until[m->id] + w->t.stop_budget_usec <= now(m))
                for (size_t i = 0; i < N_RES; i++)
                        w->runs[i][m->id] = false;
        w->lease_until[m->id] = until;
        if (m->lease_timer)
                (void) sim_timer_cancel(w->sim, m->lease_timer);
        assert_int_equal(sim_timer(w->sim, m->id, until, on_lease_end, m, &m->lease_timer), 0);
}

static void on_heartbeat(SimCluster *sim, uint32_t node, void *userdata) {
        Member *m = userdata;
        if (m->o->view.quorate) {
                send(m, owners_alive_message(++m->hb_sent, now(m)));
                uint32_t silent[OWNERS_NODE_MAX];
                size_t n = owners_silent(m->o, now(m), m->w->t.lease_usec, silent);
                for (size_t i = 0; i < n; i++) {
                        TRACE(m, "suspect:%u", silent[i]);
                        send(m, owners_suspect_message(m->o, silent[i]));
                }
        }
        assert_int_equal(sim_timer(sim, node, now(m) + m->w->t.heartbeat_usec, on_heartbeat, m, NULL), 0);
}

static void on_view(const EngineView *v, void *userdata) {
        Member *m = userdata;
        bool changed = owners_view(m->o, v, now(m));
        put(m->trace, "%llu:V", (unsigned long long) (now(m) / MS));
        for (unsigned i = 0; i < v->n_members; i++)
                put(m->trace, "%u", v->members[i]);
        put(m->trace, "@%u.%llu:%s ", v->ring_node, (unsigned long long) v->ring, v->quorate ? "q" : "-");
        if (changed)
                m->report_sent = false;
        if (v->quorate && !m->report_sent) {
                m->report_sent = true;
                send(m, owners_report_message(m->o));
        }
        act(m);
}

static void on_deliver(const json_t *msg, void *userdata) {
        Member *m = userdata;
        OwnersChange c;
        if (owners_deliver(m->o, msg, now(m), &c) < 0)
                return;
        if (c.heard_again)
                TRACE(m, "up:%u", c.sender);
        if (c.down)
                TRACE(m, "down:%u", c.down);
        if (c.released)
                TRACE(m, "released:%s:%u", c.group->id, c.sender);
        if (c.group && c.dropped)
                TRACE(m, "dropped:%s:%u>%u:%s", c.group->id, c.from, c.to, c.dropped);
        if (c.placed)
                TRACE(m, "placed:%s:%u>%u%s", c.group->id, c.from, c.to, c.takeover ? "T" : "");
        if (c.own_heartbeat)
                lease_renew(m, c.sent_usec);
        act(m);
}

static void on_log(const char *level, const char *code, const char *text, void *userdata) {
        if (strcmp(level, "info") != 0)
                TRACE((Member *) userdata, "!%s", code);
}

static const EngineCallbacks CALLBACKS = { .view = on_view, .deliver = on_deliver, .log = on_log };

/* A new process on the member's node: an empty table, a first heartbeat
 * after a share of the interval (so that members do not all beat at once),
 * and what its monitors still run adopted as its own. */
static void process_start(Member *m) {
        World *w = m->w;
        m->o = owners_free(m->o);
        OwnersConfig oc = { .self = m->id, .group_resources = group_resources, .userdata = m };
        assert_int_equal(owners_new(&oc, &m->o), 0);
        m->running = true;
        m->report_sent = false;
        m->hb_sent = 0;
        m->lease_timer = m->wait_timer = 0;
        for (size_t i = 0; i < N_RES; i++)
                if (may_run(w, i, m->id, sim_now(w->sim))) {
                        OwnersResource *r = owners_resource(m->o, RESOURCES[i]);
                        set_state(r, m->id, "Online");
                        for (size_t g = 0; g < N_GROUPS; g++)
                                for (size_t k = 0; k < ELEMENTSOF(GROUPS[g].res); k++)
                                        if (GROUPS[g].res[k] && strcmp(GROUPS[g].res[k], RESOURCES[i]) == 0)
                                                owners_group(m->o, GROUPS[g].id)->owner = m->id;
                        TRACE(m, "adopted:%s", RESOURCES[i]);
                }
        uint64_t first = sim_now(w->sim) + w->t.heartbeat_usec * m->id / (w->n + 1);
        assert_int_equal(sim_timer(w->sim, m->id, first, on_heartbeat, m, NULL), 0);
}

static World *world_new(unsigned n) {
        World *w = calloc(1, sizeof(*w));
        assert_non_null(w);
        w->n = n;
        /* corosync's defaults at token 3000 ms: lease 6.6 s, heartbeat
         * 1.65 s, stop budget 1 s, takeover delay 10 s. */
        char err[512], warn[512];
        assert_int_equal(cluster_timing(3000 * MS, 3600 * MS, 0, 0, false, 0, 0, &w->t, err, sizeof(err), warn, sizeof(warn)),
                         0);
        assert_int_equal(sim_new(n, &w->sim), 0);
        for (size_t g = 0; g < N_GROUPS; g++)
                w->want[g] = true;
        for (uint32_t id = 1; id <= n; id++) {
                w->m[id].w = w;
                w->m[id].id = id;
                sim_set_callbacks(w->sim, id, &CALLBACKS, &w->m[id]);
                process_start(&w->m[id]);
        }
        return w;
}

static void world_free(World *w) {
        sim_free(w->sim);
        for (uint32_t id = 1; id <= w->n; id++)
                owners_free(w->m[id].o);
        free(w);
}

/* ---- the script ---- */

static void run_until(World *w, uint64_t t) {
        int k = sim_run_until(w->sim, t);
        if (k < 0)
                print_message("sim_run_until: %s\n", sim_error(w->sim));
        assert_int_equal(k, 0);
}

static void run_for(World *w, uint64_t usec) {
        run_until(w, sim_now(w->sim) + usec);
}

static void crash(World *w, uint32_t id) {
        assert_int_equal(sim_crash(w->sim, id), 0);
        w->m[id].running = false;
}

static void restart(World *w, uint32_t id) {
        assert_int_equal(sim_restart(w->sim, id), 0);
        process_start(&w->m[id]);
}

static void show(const World *w) {
        for (uint32_t id = 1; id <= w->n; id++)
                print_message("n%u: %s\n", id, w->m[id].trace);
        print_message("runs: %s\n", w->log);
}

/* The member's table as the others must hold it too: every group's owner
 * (and the node it failed over from), every resource's owner and state,
 * which nodes are up, the coordinator. */
static void dump(const Member *m, char *buf, size_t len) {
        size_t n = 0;
        for (size_t g = 0; g < N_GROUPS; g++) {
                const OwnersGroup *x = hashmap_get(m->o->groups, GROUPS[g].id);
                n += (size_t) snprintf(buf + n, len - n, "%s=%u/%u ", GROUPS[g].id, x ? x->owner : 0,
                                       x ? x->failed_from : 0);
        }
        for (size_t i = 0; i < N_RES; i++) {
                const OwnersResource *r = hashmap_get(m->o->resources, RESOURCES[i]);
                n += (size_t) snprintf(buf + n, len - n, "%s=%u:%s ", RESOURCES[i], r ? r->owner : 0,
                                       r ? r->state : "Offline");
        }
        n += (size_t) snprintf(buf + n, len - n, "up:");
        for (uint32_t id = 1; id <= m->w->n; id++)
                n += (size_t) snprintf(buf + n, len - n, "%c", owners_node_up(m->o, id) ? '0' + (char) id : '-');
        snprintf(buf + n, len - n, " coordinator:%u", owners_coordinator(m->o));
}

/* Every running, not frozen member of a component holds the same table. */
static void check_alike(const World *w) {
        for (uint32_t a = 1; a <= w->n; a++) {
                if (!w->m[a].running || sim_backlog(w->sim, a) > 0)
                        continue;
                char da[1024], db[1024];
                dump(&w->m[a], da, sizeof(da));
                for (uint32_t b = a + 1; b <= w->n; b++) {
                        if (!w->m[b].running || sim_backlog(w->sim, b) > 0 ||
                            !(sim_component(w->sim, a) & SIM_NODE(b)))
                                continue;
                        dump(&w->m[b], db, sizeof(db));
                        if (strcmp(da, db) != 0) {
                                show(w);
                                print_message("n%u: %s\nn%u: %s\n", a, da, b, db);
                        }
                        assert_string_equal(da, db);
                }
        }
}

static uint32_t owner_at(const World *w, uint32_t id, const char *group) {
        const OwnersGroup *g = hashmap_get(w->m[id].o->groups, group);
        return g ? g->owner : 0;
}

/* The same script twice: the same runs. */
static void twice(void (*script)(World *w, unsigned n), unsigned n) {
        World *a = world_new(n), *b = world_new(n);
        script(a, n);
        script(b, n);
        for (uint32_t id = 1; id <= n; id++)
                assert_string_equal(a->m[id].trace, b->m[id].trace);
        assert_string_equal(a->log, b->log);
        world_free(a);
        world_free(b);
}

/* The trace of every member given has needle. */
static void all_saw(const World *w, uint32_t nodes, const char *needle) {
        for (uint32_t id = 1; id <= w->n; id++)
                if (nodes & SIM_NODE(id)) {
                        if (!strstr(w->m[id].trace, needle))
                                print_message("n%u did not see \"%s\": %s\n", id, needle, w->m[id].trace);
                        assert_non_null(strstr(w->m[id].trace, needle));
                }
}

static uint32_t all_of(const World *w) {
        return (uint32_t) ((UINT64_C(1) << w->n) - 1);
}

/* ---- scripts ---- */

/* Started together: the coordinator (node 1) places each group on the
 * node it prefers once every member reported, and every member applies
 * the same placements. */
static void script_placed(World *w, unsigned n) {
        run_for(w, 2 * SEC);
        all_saw(w, all_of(w), ":placed:A:0>2 ");
        all_saw(w, all_of(w), ":placed:B:0>3 ");
        all_saw(w, all_of(w), ":placed:C:0>1 ");
        for (uint32_t id = 1; id <= n; id++) {
                assert_int_equal(owner_at(w, id, "A"), 2);
                assert_int_equal(owner_at(w, id, "B"), 3);
                assert_int_equal(owner_at(w, id, "C"), 1);
                assert_int_equal(w->m[id].decisions, id == 1 ? 3 : 0);
        }
        assert_true(w->runs[res_index("a1")][2] && w->runs[res_index("a2")][2] && w->runs[res_index("b1")][3] &&
                    w->runs[res_index("c1")][1]);
        check_alike(w);
}

static void test_placed(void **state) {
        twice(script_placed, 3);
        twice(script_placed, 5);
}

/* Node 2 sends a decision as if it were the coordinator: every member
 * drops it. */
static void script_not_coordinator(World *w, unsigned n) {
        run_for(w, 2 * SEC);
        Member *m = &w->m[2];
        send(m, owners_place_message(m->o, owners_group(m->o, "A"), 2, 3, false, NULL, 0));
        run_for(w, 1 * SEC);
        all_saw(w, all_of(w), ":dropped:A:2>3:it does not come from the coordinator of this view ");
        for (uint32_t id = 1; id <= n; id++)
                assert_int_equal(owner_at(w, id, "A"), 2);
        check_alike(w);
}

static void test_not_coordinator(void **state) {
        twice(script_not_coordinator, 3);
        twice(script_not_coordinator, 5);
}

/* The coordinator moves A to the last node, and the cluster is cut
 * before the decision is ordered: it comes in the coordinator's new ring,
 * made in the old one, and every member there drops it; the other side
 * never sees it. Healed, the move is made anew. */
static void script_older_ring(World *w, unsigned n) {
        run_for(w, 2 * SEC);
        /* What an administrator's move (group.desire) tells every member. */
        for (uint32_t id = 1; id <= n; id++)
                owners_group(w->m[id].o, "A")->move_to = n;
        act(&w->m[1]);
        assert_int_equal(w->m[1].decisions, 4);
        assert_int_equal(sim_partition(w->sim, n == 3 ? "1,2|3" : "1,2,3|4,5"), 0);
        run_for(w, 1 * SEC);
        char drop[128];
        snprintf(drop, sizeof(drop), ":dropped:A:2>%u:it was made in an older view ", n);
        uint32_t majority = n == 3 ? 0x3 : 0x7;
        all_saw(w, majority, drop);
        for (uint32_t id = 1; id <= n; id++) {
                assert_int_equal(owner_at(w, id, "A"), 2);
                if (!(majority & SIM_NODE(id)))
                        assert_null(strstr(w->m[id].trace, ":A:2>"));
        }
        check_alike(w);
        assert_int_equal(sim_heal(w->sim), 0);
        run_for(w, 20 * SEC);
        for (uint32_t id = 1; id <= n; id++)
                assert_int_equal(owner_at(w, id, "A"), n);
        check_alike(w);
}

static void test_older_ring(void **state) {
        twice(script_older_ring, 3);
        twice(script_older_ring, 5);
}

/* Node 3, owner of B, is frozen: suspected, down everywhere. Just before
 * the coordinator takes B over, node 3 beats again, and its heartbeat is
 * ordered before the (slower) decision: every member drops the takeover. */
static void script_alive_after_all(World *w, unsigned n) {
        run_for(w, 2 * SEC);
        assert_int_equal(sim_freeze(w->sim, 3), 0);
        /* A lease and two heartbeats: every member said it silent. */
        run_for(w, w->t.lease_usec + 2 * w->t.heartbeat_usec);
        all_saw(w, all_of(w) & ~SIM_NODE(3), ":down:3 ");
        uint64_t at = w->m[1].o->live[3].last_usec + w->t.takeover_delay_usec;
        run_until(w, at - 1 * MS);
        assert_null(strstr(w->m[1].trace, "decide:B:3>"));
        assert_int_equal(sim_delay_messages(w->sim, 1, 50 * MS), 0);
        assert_int_equal(sim_thaw(w->sim, 3), 0);
        run_until(w, at + 1 * SEC);
        assert_int_equal(sim_delay_messages(w->sim, 1, SIM_LATENCY_USEC), 0);
        all_saw(w, all_of(w), ":dropped:B:3>1:the node it takes from is up ");
        all_saw(w, all_of(w), ":up:3 ");
        run_for(w, 15 * SEC);
        check_alike(w);
}

static void test_alive_after_all(void **state) {
        twice(script_alive_after_all, 3);
        twice(script_alive_after_all, 5);
}

/* Where each member's trace ends now. */
static void mark(const World *w, size_t *at) {
        for (uint32_t id = 1; id <= w->n; id++)
                at[id] = strlen(w->m[id].trace);
}

static bool saw_since(const World *w, uint32_t id, const size_t *at, const char *needle) {
        return strstr(w->m[id].trace + at[id], needle) != NULL;
}

/* The first tick of member y's heartbeat at or after t. */
static uint64_t tick_after(const World *w, uint32_t y, uint64_t t) {
        uint64_t first = w->t.heartbeat_usec * y / (w->n + 1), h = w->t.heartbeat_usec;
        return t <= first ? first : first + (t - first + h - 1) / h * h;
}

/* Node 3 is frozen, and every other member says it silent on its next
 * heartbeat tick after a lease, but their word takes latency to be
 * ordered: run until all have said it (the word not ordered yet). */
static void slow_suspicion(World *w, uint64_t latency) {
        uint64_t first = UINT64_MAX, last = 0;
        assert_int_equal(sim_freeze(w->sim, 3), 0);
        for (uint32_t y = 1; y <= w->n; y++)
                if (y != 3) {
                        uint64_t t = tick_after(w, y, w->m[y].o->live[3].last_usec + w->t.lease_usec);
                        first = t < first ? t : first;
                        last = t > last ? t : last;
                }
        assert_true(last - first < latency);
        run_until(w, first - 1 * MS);
        for (uint32_t y = 1; y <= w->n; y++)
                if (y != 3)
                        assert_int_equal(sim_delay_messages(w->sim, y, latency), 0);
        run_until(w, last + 1 * MS);
}

/* Node 3 is only slow. (a) Frozen a little longer than a lease, it is
 * suspected and down everywhere, then heard again before B is taken over.
 * (b) Frozen again, it beats again after every other member suspected it
 * but before their word is ordered: its heartbeat comes first, and no one
 * holds it down. (c) Frozen for good: it is suspected again, and B is
 * taken over. */
static void script_only_slow(World *w, unsigned n) {
        size_t at[SIM_NODES_MAX + 1];
        uint32_t others = all_of(w) & ~SIM_NODE(3);
        run_for(w, 2 * SEC);
        assert_int_equal(sim_freeze(w->sim, 3), 0);
        run_for(w, w->t.lease_usec + w->t.heartbeat_usec);
        all_saw(w, others, ":down:3 ");
        assert_int_equal(sim_thaw(w->sim, 3), 0);
        run_for(w, 1 * SEC);
        all_saw(w, all_of(w), ":up:3 ");
        assert_null(strstr(w->m[1].trace, ":3>"));
        run_for(w, 5 * SEC);
        check_alike(w);

        mark(w, at);
        slow_suspicion(w, 2 * SEC);
        for (uint32_t y = 1; y <= n; y++)
                assert_true(y == 3 || saw_since(w, y, at, ":suspect:3 "));
        assert_int_equal(sim_thaw(w->sim, 3), 0);
        run_for(w, 3 * SEC);
        for (uint32_t y = 1; y <= n; y++) {
                assert_int_equal(sim_delay_messages(w->sim, y, SIM_LATENCY_USEC), 0);
                assert_false(saw_since(w, y, at, ":down:3 "));
        }
        run_for(w, 5 * SEC);
        check_alike(w);

        mark(w, at);
        assert_int_equal(sim_freeze(w->sim, 3), 0);
        run_for(w, w->t.lease_usec + 3 * w->t.heartbeat_usec);
        for (uint32_t y = 1; y <= n; y++)
                if (y != 3) {
                        if (!saw_since(w, y, at, ":down:3 "))
                                show(w);
                        assert_true(saw_since(w, y, at, ":down:3 "));
                }
        run_for(w, 10 * SEC);
        for (uint32_t y = 1; y <= n; y++)
                if (y != 3)
                        assert_int_equal(owner_at(w, y, "B"), 1);
        check_alike(w);
}

static void test_only_slow(void **state) {
        twice(script_only_slow, 3);
        twice(script_only_slow, 5);
}

/* Node 3, owner of B, is frozen: suspected, B taken over once the
 * takeover delay has passed (never while its monitors may still run it).
 * Thawed, node 3 sees the takeover before anything could make it think
 * itself B's owner again: its lease comes back only with a heartbeat sent
 * after the thaw, ordered after the takeover. */
static void script_frozen(World *w, unsigned n) {
        size_t at[SIM_NODES_MAX + 1];
        run_for(w, 2 * SEC);
        assert_int_equal(sim_freeze(w->sim, 3), 0);
        run_for(w, 25 * SEC);
        all_saw(w, all_of(w) & ~SIM_NODE(3), ":placed:B:3>1T ");
        assert_true(w->runs[res_index("b1")][1]);
        mark(w, at);
        size_t log_at = strlen(w->log);
        assert_int_equal(sim_thaw(w->sim, 3), 0);
        run_for(w, 15 * SEC);
        const char *taken = strstr(w->m[3].trace + at[3], ":placed:B:3>1T "),
                   *lease = strstr(w->m[3].trace + at[3], ":lease ");
        assert_non_null(taken);
        assert_non_null(lease);
        assert_true(taken < lease);
        assert_null(strstr(w->log + log_at, "b1+3"));
        check_alike(w);
}

static void test_frozen(void **state) {
        twice(script_frozen, 3);
        twice(script_frozen, 5);
}

/* Node 3's process exits; B is taken over; a new process on node 3 knows
 * nothing and learns every owner from the others' reports. */
static void script_joiner(World *w, unsigned n) {
        run_for(w, 2 * SEC);
        crash(w, 3);
        run_for(w, 15 * SEC);
        assert_int_equal(owner_at(w, 1, "B"), 1);
        restart(w, 3);
        run_for(w, 2 * SEC);
        assert_int_equal(owner_at(w, 3, "A"), 2);
        assert_int_equal(owner_at(w, 3, "B"), 1);
        assert_int_equal(owner_at(w, 3, "C"), 1);
        check_alike(w);
}

static void test_joiner(void **state) {
        twice(script_joiner, 3);
        twice(script_joiner, 5);
}

/* A cut leaves node 1 (3 nodes; nodes 1 and 2 of 5) without quorum: it
 * takes no decision; the majority takes its groups over only once the
 * takeover delay has passed since it last heard from it, on its own
 * clock. Healed, every member holds the majority's owners. */
static void script_partition(World *w, unsigned n) {
        size_t at[SIM_NODES_MAX + 1];
        run_for(w, 2 * SEC);
        unsigned before = w->m[1].decisions;
        mark(w, at);
        assert_int_equal(sim_partition(w->sim, n == 3 ? "1|2,3" : "1,2|3,4,5"), 0);
        run_for(w, 100 * MS);
        uint32_t boss = n == 3 ? 2 : 3;
        uint64_t heard = w->m[boss].o->live[1].last_usec;
        run_until(w, heard + w->t.takeover_delay_usec - 1 * MS);
        assert_int_equal(owner_at(w, boss, "C"), 1);
        assert_false(saw_since(w, boss, at, ":placed:C"));
        run_until(w, heard + w->t.takeover_delay_usec + 1 * SEC);
        char taken[64];
        snprintf(taken, sizeof(taken), ":placed:C:1>%uT ", boss);
        for (uint32_t id = boss; id <= n; id++)
                assert_true(saw_since(w, id, at, taken));
        assert_int_equal(w->m[1].decisions, before);
        assert_false(saw_since(w, 1, at, ":placed:"));
        check_alike(w);
        run_for(w, 10 * SEC);
        check_alike(w);
        assert_int_equal(sim_heal(w->sim), 0);
        run_for(w, 10 * SEC);
        for (uint32_t id = 1; id <= n; id++)
                assert_int_equal(owner_at(w, id, "C"), boss);
        check_alike(w);
}

static void test_partition(void **state) {
        twice(script_partition, 3);
        twice(script_partition, 5);
}

/* The coordinator places A on node 2 just as a restarted process joins
 * (joins 2: two, 60 ms apart): the decision is ordered after the (first)
 * join, and node 2's report made at it, before it owned A, after the
 * decision (and after the second join). The report must not take A from
 * node 2, which runs it: A is placed once. */
static void place_while_joining(World *w, unsigned n, unsigned joins) {
        w->want[0] = false;
        run_for(w, 2 * SEC);
        for (unsigned j = 0; j < joins; j++)
                crash(w, n - j);
        run_for(w, 20 * SEC);
        w->want[0] = true;
        assert_int_equal(sim_delay_messages(w->sim, 1, 50 * MS), 0);
        assert_int_equal(sim_delay_messages(w->sim, 2, 100 * MS), 0);
        act(&w->m[1]);
        for (unsigned j = joins; j > 0; j--) {
                restart(w, n - j + 1);
                run_for(w, 60 * MS);
        }
        run_for(w, 1 * SEC);
        assert_int_equal(sim_delay_messages(w->sim, 1, SIM_LATENCY_USEC), 0);
        assert_int_equal(sim_delay_messages(w->sim, 2, SIM_LATENCY_USEC), 0);
        run_for(w, 2 * SEC);
        const char *first = strstr(w->m[1].trace, ":decide:A:0>2 ");
        assert_non_null(first);
        if (strstr(first + 1, ":decide:A:"))
                show(w);
        assert_null(strstr(first + 1, ":decide:A:"));
        check_alike(w);
}

static void script_report_after_place(World *w, unsigned n) {
        place_while_joining(w, n, 1);
}

static void test_report_after_place(void **state) {
        twice(script_report_after_place, 3);
        twice(script_report_after_place, 5);
}

/* Node 2 lets A go (as on a failover or a shutdown) just as a restarted
 * process joins: its release is ordered after the join, and its report,
 * made at the join while A was still its own, after the release. The
 * report must not give A back to node 2. */
static void script_report_after_release(World *w, unsigned n) {
        run_for(w, 2 * SEC);
        crash(w, n);
        run_for(w, 20 * SEC);
        for (size_t g = 0; g < N_GROUPS; g++)
                w->want[g] = false;
        run_for(w, 1 * SEC);
        assert_int_equal(owner_at(w, 1, "A"), 2);
        assert_int_equal(sim_delay_messages(w->sim, 2, 100 * MS), 0);
        release(&w->m[2], owners_group(w->m[2].o, "A"), false);
        restart(w, n);
        run_for(w, 1 * SEC);
        assert_int_equal(sim_delay_messages(w->sim, 2, SIM_LATENCY_USEC), 0);
        for (uint32_t id = 1; id <= n; id++)
                assert_int_equal(owner_at(w, id, "A"), 0);
        check_alike(w);
}

static void test_report_after_release(void **state) {
        twice(script_report_after_release, 3);
        twice(script_report_after_release, 5);
}

static void script_report_two_joins(World *w, unsigned n) {
        place_while_joining(w, n, 2);
}

static void test_report_two_joins(void **state) {
        twice(script_report_two_joins, 5);
}

/* Node 3, owner of B, crashes (its monitors still run B until their
 * lease runs out), and before B is taken over the coordinator's process
 * restarts too: the new coordinator knows nothing of B, and only the
 * others can tell it who owned B. */
static void script_joiner_coordinator(World *w, unsigned n) {
        run_for(w, 2 * SEC);
        crash(w, 3);
        run_for(w, 100 * MS);
        crash(w, 1);
        run_for(w, 100 * MS);
        restart(w, 1);
        run_for(w, 2 * SEC);
        for (uint32_t id = 1; id <= n; id++)
                if (id != 3)
                        assert_int_equal(owner_at(w, id, "B"), 3);
        check_alike(w);
        run_for(w, 15 * SEC);
        for (uint32_t id = 1; id <= n; id++)
                if (id != 3)
                        assert_int_equal(owner_at(w, id, "B"), 1);
        check_alike(w);
}

static void test_joiner_coordinator(void **state) {
        twice(script_joiner_coordinator, 3);
        twice(script_joiner_coordinator, 5);
}

/* A fails on node 2 and is failed over: node 2 lets it go and must not
 * start it again while its release is on its way; every member then
 * places it anywhere but on node 2. */
static void script_failover(World *w, unsigned n) {
        run_for(w, 2 * SEC);
        size_t log_at = strlen(w->log);
        fail_over(&w->m[2], "A");
        run_for(w, 2 * SEC);
        assert_null(strstr(w->log + log_at, "a1+2"));
        assert_non_null(strstr(w->log + log_at, "a1+1"));
        all_saw(w, all_of(w), ":released:A:2 ");
        for (uint32_t id = 1; id <= n; id++)
                assert_int_equal(owner_at(w, id, "A"), 1);
        check_alike(w);
}

static void test_failover(void **state) {
        twice(script_failover, 3);
        twice(script_failover, 5);
}

/* Node 3, owner of B, is frozen while another process restarts: thawed
 * after B was taken over, it reports for the view it missed what it ran
 * before its lease ran out. That report comes after the takeover and must
 * not give B's resource back to it. */
static void script_frozen_across_view(World *w, unsigned n) {
        uint32_t x = n == 3 ? 2 : 5;
        run_for(w, 2 * SEC);
        assert_int_equal(sim_freeze(w->sim, 3), 0);
        run_for(w, 2 * SEC);
        crash(w, x);
        run_for(w, 500 * MS);
        restart(w, x);
        run_for(w, 20 * SEC);
        all_saw(w, all_of(w) & ~SIM_NODE(3), ":placed:B:3>1T ");
        assert_int_equal(sim_thaw(w->sim, 3), 0);
        run_for(w, 5 * SEC);
        for (uint32_t id = 1; id <= n; id++)
                assert_int_equal(owner_at(w, id, "B"), 1);
        check_alike(w);
}

static void test_frozen_across_view(void **state) {
        twice(script_frozen_across_view, 3);
        twice(script_frozen_across_view, 5);
}

/* Node 3 is frozen and the others say it silent, but their word is slow;
 * meanwhile its process is killed and started again (a new one, counting
 * its heartbeats from 1). The old word comes after the new process
 * joined, on heartbeat numbers the new one reaches only much later: the
 * new one's heartbeats are newer all the same, and it is up again with
 * its first. */
static void script_suspect_outlived(World *w, unsigned n) {
        size_t at[SIM_NODES_MAX + 1];
        run_for(w, 60 * SEC);
        mark(w, at);
        slow_suspicion(w, 3 * SEC);
        crash(w, 3);
        restart(w, 3);
        run_for(w, 4 * SEC);
        for (uint32_t y = 1; y <= n; y++)
                if (y != 3)
                        assert_int_equal(sim_delay_messages(w->sim, y, SIM_LATENCY_USEC), 0);
        run_for(w, 5 * SEC);
        for (uint32_t id = 1; id <= n; id++) {
                assert_true(id == 3 || saw_since(w, id, at, ":suspect:3 "));
                assert_false(saw_since(w, id, at, ":down:3 "));
                assert_true(owners_node_up(w->m[id].o, 3));
        }
        check_alike(w);
}

static void test_suspect_outlived(void **state) {
        twice(script_suspect_outlived, 3);
        twice(script_suspect_outlived, 5);
}

/* A release of A from node 1, which does not own it (a node of an earlier
 * version sent its releases more than once), comes just after a process
 * joined and before node 2's report: it says nothing of node 2, whose
 * report the joiner takes as the others hold A. */
static void script_stale_release(World *w, unsigned n) {
        run_for(w, 2 * SEC);
        crash(w, n);
        run_for(w, 20 * SEC);
        assert_int_equal(sim_delay_messages(w->sim, 1, 50 * MS), 0);
        assert_int_equal(sim_delay_messages(w->sim, 2, 100 * MS), 0);
        send(&w->m[1], owners_release_message("A", false, NULL, 0));
        restart(w, n);
        run_for(w, 1 * SEC);
        assert_int_equal(sim_delay_messages(w->sim, 1, SIM_LATENCY_USEC), 0);
        assert_int_equal(sim_delay_messages(w->sim, 2, SIM_LATENCY_USEC), 0);
        for (uint32_t id = 1; id <= n; id++)
                assert_int_equal(owner_at(w, id, "A"), 2);
        check_alike(w);
}

static void test_stale_release(void **state) {
        twice(script_stale_release, 3);
        twice(script_stale_release, 5);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_placed),
                cmocka_unit_test(test_not_coordinator),
                cmocka_unit_test(test_older_ring),
                cmocka_unit_test(test_alive_after_all),
                cmocka_unit_test(test_only_slow),
                cmocka_unit_test(test_frozen),
                cmocka_unit_test(test_joiner),
                cmocka_unit_test(test_partition),
                cmocka_unit_test(test_report_after_place),
                cmocka_unit_test(test_report_after_release),
                cmocka_unit_test(test_report_two_joins),
                cmocka_unit_test(test_joiner_coordinator),
                cmocka_unit_test(test_failover),
                cmocka_unit_test(test_frozen_across_view),
                cmocka_unit_test(test_suspect_outlived),
                cmocka_unit_test(test_stale_release),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
