/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Placement: possible owners (and an empty intersection, naming the
 * resources), preferred owners in order, paused and down nodes, nodes
 * excluded after recent failures, anti-affinity as a preference, the
 * fewest-groups and lowest-id tie-breaks; `move` to a named node or to the
 * best other one; failback targets; every node's verdict for `why`, and
 * that it always agrees with the choice. Each row is a small cluster. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "macro.h"
#include "placement.h"
#include "strv.h"

#define MAXN 6
#define MAXR 4

typedef struct NodeSpec {
        unsigned id;
        const char *name;
        const char *state;   /* "up", "down", "paused", "noquorum" */
        size_t groups;
        const char *classes; /* "sql web" */
} NodeSpec;

typedef struct Row {
        const char *title;
        NodeSpec nodes[MAXN];
        const char *resources[MAXR]; /* "ip: n1 n2" (possible owners), "ip:" (any node) */
        const char *preferred;
        const char *classes;
        const char *excluded;        /* "2 3" */
        const char *recent;          /* "2 3": failed there within FailoverPeriod */
        bool threshold;              /* held Failed by FailoverThreshold */
        unsigned released_by;
        const char *verdicts;        /* "1:down 2:chosen 3:paused" */
        unsigned current, to;
        int rc;
        unsigned want;
        const char *reason;          /* a piece of the reason, or NULL */
        const char *reason2;
} Row;

static char **words(const char *s) {
        if (!s)
                return NULL;
        char **l = calloc(1, sizeof(char *));
        assert_non_null(l);
        _cleanup_free_ char *c = strdup(s);
        assert_non_null(c);
        char *save = NULL;
        for (char *w = strtok_r(c, " ", &save); w; w = strtok_r(NULL, " ", &save))
                assert_int_equal(strv_push(&l, strdup(w)), 0);
        return l;
}

typedef struct Cluster {
        PlacementNode nodes[MAXN];
        size_t n;
        char **node_classes[MAXN];
        char **node_class_groups[MAXN]; /* "sql-a" for class sql */
        PlacementResource res[MAXR];
        char *res_names[MAXR];
        char **owners[MAXR];
        char **preferred, **classes;
        unsigned excluded[MAXN];
        PlacementFailure recent[MAXN];
        PlacementGroup g;
} Cluster;

static void cluster_load(Cluster *c, const Row *row) {
        *c = (Cluster) {};
        for (size_t i = 0; i < MAXN && row->nodes[i].id; i++) {
                const NodeSpec *s = &row->nodes[i];
                c->node_classes[i] = words(s->classes);
                for (size_t j = 0; c->node_classes[i] && c->node_classes[i][j]; j++) {
                        char *gname = NULL;
                        assert_true(asprintf(&gname, "%s-a", c->node_classes[i][j]) > 0);
                        assert_int_equal(strv_push(&c->node_class_groups[i], gname), 0);
                }
                c->nodes[i] = (PlacementNode) {
                        .id = s->id,
                        .name = s->name,
                        .up = strcmp(s->state, "down") != 0,
                        .paused = strcmp(s->state, "paused") == 0,
                        .no_quorum = strcmp(s->state, "noquorum") == 0,
                        .n_groups = s->groups,
                        .classes = c->node_classes[i],
                        .class_groups = c->node_class_groups[i],
                };
                c->n++;
        }
        size_t nr = 0;
        for (; nr < MAXR && row->resources[nr]; nr++) {
                const char *colon = strchr(row->resources[nr], ':');
                assert_non_null(colon);
                c->res_names[nr] = strndup(row->resources[nr], (size_t) (colon - row->resources[nr]));
                c->owners[nr] = words(colon + 1);
                c->res[nr] = (PlacementResource) { c->res_names[nr], c->owners[nr] };
        }
        c->preferred = words(row->preferred);
        c->classes = words(row->classes);
        size_t ne = 0;
        _cleanup_strv_free_ char **ex = words(row->excluded);
        for (; ex && ex[ne]; ne++)
                c->excluded[ne] = (unsigned) atoi(ex[ne]);
        size_t nrec = 0;
        _cleanup_strv_free_ char **rec = words(row->recent);
        for (; rec && rec[nrec]; nrec++)
                c->recent[nrec] = (PlacementFailure) { (unsigned) atoi(rec[nrec]), 1800000000000ull };
        c->g = (PlacementGroup) {
                .name = "web",
                .resources = c->res,
                .n_resources = nr,
                .preferred_owners = c->preferred,
                .classes = c->classes,
                .excluded = c->excluded,
                .n_excluded = ne,
                .recent = c->recent,
                .n_recent = nrec,
                .released_by = row->released_by,
                .threshold = { .reached = row->threshold, .failovers = 2, .threshold = 2, .period_ms = 6 * 3600000,
                               .until_ms = 1800000000000ull, .retry_at_ms = 1799999000000ull },
        };
}

static void cluster_done(Cluster *c) {
        for (size_t i = 0; i < MAXN; i++) {
                strv_free(c->node_classes[i]);
                strv_free(c->node_class_groups[i]);
        }
        for (size_t i = 0; i < MAXR; i++) {
                free(c->res_names[i]);
                strv_free(c->owners[i]);
        }
        strv_free(c->preferred);
        strv_free(c->classes);
}

typedef enum Call { CHOOSE, MOVE, FAILBACK, EXPLAIN } Call;

/* "1:down 2:chosen" against the verdicts. */
static void check_verdicts(const Row *row, const Cluster *c, const PlacementVerdict *v) {
        _cleanup_strv_free_ char **want = words(row->verdicts);
        size_t k = 0;
        for (; want && want[k]; k++) {
                char code[64];
                unsigned id;
                assert_int_equal(sscanf(want[k], "%u:%63s", &id, code), 2);
                const PlacementVerdict *got = NULL;
                for (size_t i = 0; i < c->n; i++)
                        if (v[i].node == id)
                                got = &v[i];
                if (!got)
                        fail_msg("%s: no verdict for node %u", row->title, id);
                if (strcmp(placement_rule_code(got->rule), code) != 0)
                        fail_msg("%s: node %u is %s (%s), want %s", row->title, id, placement_rule_code(got->rule),
                                 got->text, code);
                assert_true(got->text[0] != 0);
        }
        assert_int_equal(k, c->n);
}

static void run_rows(const Row *rows, size_t n, Call call) {
        for (size_t i = 0; i < n; i++) {
                Cluster c;
                cluster_load(&c, &rows[i]);
                Placement p;
                memset(&p, 0xaa, sizeof p);
                int r;
                if (call == CHOOSE)
                        r = placement_choose(&c.g, c.nodes, c.n, &p);
                else if (call == MOVE)
                        r = placement_best_for_move(&c.g, c.nodes, c.n, rows[i].current, rows[i].to, &p);
                else if (call == FAILBACK)
                        r = placement_failback_target(&c.g, c.nodes, c.n, rows[i].current, &p);
                else {
                        PlacementVerdict v[MAXN];
                        r = placement_explain(&c.g, c.nodes, c.n, rows[i].current, v, &p);
                        check_verdicts(&rows[i], &c, v);
                        for (size_t j = 0; j < c.n; j++)
                                if (rows[i].reason2 && strstr(v[j].text, rows[i].reason2))
                                        goto found;
                        if (rows[i].reason2)
                                fail_msg("%s: no verdict says ...%s...", rows[i].title, rows[i].reason2);
                        found:;
                }
                if (r != rows[i].rc || p.node != rows[i].want)
                        fail_msg("%s: got %d node %u (%s), want %d node %u", rows[i].title, r, p.node, p.reason,
                                 rows[i].rc, rows[i].want);
                assert_non_null(memchr(p.reason, 0, sizeof p.reason));
                assert_true(p.reason[0] != 0);
                if (rows[i].reason && !strstr(p.reason, rows[i].reason))
                        fail_msg("%s\n  got:  %s\n  want: ...%s...", rows[i].title, p.reason, rows[i].reason);
                if (call != EXPLAIN && rows[i].reason2 && !strstr(p.reason, rows[i].reason2))
                        fail_msg("%s\n  got:  %s\n  want: ...%s...", rows[i].title, p.reason, rows[i].reason2);
                cluster_done(&c);
        }
}

#define N3 { { 1, "n1", "up", 0, NULL }, { 2, "n2", "up", 0, NULL }, { 3, "n3", "up", 0, NULL } }

static void test_choose(void **state) {
        static const Row rows[] = {
                { .title = "fewest groups",
                  .nodes = { { 1, "n1", "up", 2, NULL }, { 2, "n2", "up", 1, NULL }, { 3, "n3", "up", 3, NULL } },
                  .resources = { "ip:" }, .want = 2,
                  .reason = "n2 owns the fewest groups (1) of the nodes that can take web" },
                { .title = "tie: lowest id", .nodes = N3, .resources = { "ip:" }, .want = 1,
                  .reason = "n1 owns the fewest groups (0) of the nodes that can take web, and the lowest id among equals" },
                { .title = "tie: lowest id, not array order",
                  .nodes = { { 3, "n3", "up", 0, NULL }, { 2, "n2", "up", 0, NULL }, { 4, "n4", "up", 0, NULL } },
                  .want = 2 },
                { .title = "no tie", .nodes = { { 1, "n1", "up", 1, NULL }, { 2, "n2", "up", 0, NULL } }, .want = 2,
                  .reason = "(0) of the nodes that can take web" },
                { .title = "no resources: any node", .nodes = { { 5, "n5", "up", 0, NULL } }, .want = 5 },
                { .title = "preferred first", .nodes = N3, .preferred = "n3 n1", .want = 3,
                  .reason = "n3 is the most preferred owner of web" },
                { .title = "preferred beats fewest groups",
                  .nodes = { { 1, "n1", "up", 0, NULL }, { 2, "n2", "up", 9, NULL } }, .preferred = "n2", .want = 2 },
                { .title = "second preferred",
                  .nodes = { { 1, "n1", "up", 0, NULL }, { 2, "n2", "up", 0, NULL }, { 3, "n3", "down", 0, NULL } },
                  .preferred = "n3 n1", .want = 1, .reason = "n1 is preferred owner 2 of web, the first that can take it" },
                { .title = "preferred all down: fewest groups",
                  .nodes = { { 1, "n1", "down", 0, NULL }, { 2, "n2", "up", 0, NULL }, { 3, "n3", "paused", 0, NULL } },
                  .preferred = "n3 n1", .want = 2, .reason = "n2 owns the fewest groups" },
                { .title = "preferred name unknown", .nodes = N3, .preferred = "n9 n2", .want = 2,
                  .reason = "preferred owner 2" },
                { .title = "preferred matched ignoring case", .nodes = N3, .preferred = "N3", .want = 3 },
                { .title = "paused takes nothing",
                  .nodes = { { 1, "n1", "paused", 0, NULL }, { 2, "n2", "up", 5, NULL } }, .want = 2 },
                { .title = "paused preferred",
                  .nodes = { { 1, "n1", "paused", 0, NULL }, { 2, "n2", "up", 5, NULL } }, .preferred = "n1", .want = 2 },
                { .title = "nothing up",
                  .nodes = { { 1, "n1", "down", 0, NULL }, { 2, "n2", "paused", 0, NULL } }, .rc = -ENODEV,
                  .reason = "no node can take web: n1 is down; n2 is paused" },
                { .title = "no nodes", .rc = -ENODEV, .reason = "the cluster has no nodes" },
                { .title = "possible owners intersect on one node", .nodes = N3,
                  .resources = { "ip: n1 n2", "db: n2 n3" }, .want = 2 },
                { .title = "possible owners beat preferred", .nodes = N3, .resources = { "ip: n2 n3", "db:" },
                  .preferred = "n1 n3", .want = 3, .reason = "preferred owner 2" },
                { .title = "possible owners ignore case", .nodes = N3, .resources = { "ip: N2" }, .want = 2 },
                { .title = "possible owners: empty intersection", .nodes = N3,
                  .resources = { "ip: n1", "fs:", "db: n3 n2" }, .rc = -ENODEV,
                  .reason = "no node is a possible owner of every resource of web: ip may run on n1; db may run on n3, n2" },
                { .title = "possible owners name nodes outside the cluster", .nodes = N3, .resources = { "ip: n7" },
                  .rc = -ENODEV, .reason = "ip may run on n7" },
                { .title = "the only possible owner is down",
                  .nodes = { { 1, "n1", "up", 0, NULL }, { 2, "n2", "down", 0, NULL }, { 3, "n3", "up", 0, NULL } },
                  .resources = { "ip: n2", "db: n2 n3" }, .rc = -ENODEV,
                  .reason = "no node can take web: n1 is not a possible owner of ip, db; n2 is down; n3 is not a "
                            "possible owner of ip" },
                { .title = "excluded", .nodes = N3, .excluded = "1", .want = 2 },
                { .title = "excluded preferred", .nodes = N3, .preferred = "n1 n3", .excluded = "1", .want = 3 },
                { .title = "all excluded", .nodes = N3, .excluded = "1 2 3", .rc = -ENODEV,
                  .reason = "web failed on n1 recently; web failed on n2 recently; web failed on n3 recently" },
                { .title = "anti-affinity avoided",
                  .nodes = { { 1, "n1", "up", 0, "sql" }, { 2, "n2", "up", 2, NULL }, { 3, "n3", "up", 3, "web" } },
                  .classes = "sql", .want = 2,
                  .reason = "avoided n1, which runs a group of anti-affinity class sql" },
                { .title = "anti-affinity over preferred",
                  .nodes = { { 1, "n1", "up", 0, "sql" }, { 2, "n2", "up", 0, NULL }, { 3, "n3", "up", 0, NULL } },
                  .classes = "sql", .preferred = "n1 n3", .want = 3 },
                { .title = "anti-affinity, any shared class",
                  .nodes = { { 1, "n1", "up", 0, "x y" }, { 2, "n2", "up", 1, "z" } }, .classes = "a y", .want = 2 },
                { .title = "anti-affinity ignores case",
                  .nodes = { { 1, "n1", "up", 0, "SQL" }, { 2, "n2", "up", 1, NULL } }, .classes = "sql", .want = 2 },
                { .title = "anti-affinity unavoidable",
                  .nodes = { { 1, "n1", "up", 1, "sql" }, { 2, "n2", "up", 0, "sql" }, { 3, "n3", "down", 0, NULL } },
                  .classes = "sql", .want = 2,
                  .reason = "every node that can take it runs a group of anti-affinity class sql" },
                { .title = "anti-affinity: the free node is paused",
                  .nodes = { { 1, "n1", "up", 0, "sql" }, { 2, "n2", "paused", 0, NULL } }, .classes = "sql", .want = 1 },
                { .title = "anti-affinity: the free node is not a possible owner",
                  .nodes = { { 1, "n1", "up", 0, "sql" }, { 2, "n2", "up", 0, NULL } }, .resources = { "db: n1" },
                  .classes = "sql", .want = 1 },
                { .title = "classes on nodes, none on the group",
                  .nodes = { { 1, "n1", "up", 0, "sql" }, { 2, "n2", "up", 0, NULL } }, .want = 1 },
                { .title = "anti-affinity then fewest groups",
                  .nodes = { { 1, "n1", "up", 0, "sql" }, { 2, "n2", "up", 4, NULL }, { 3, "n3", "up", 2, NULL },
                             { 4, "n4", "up", 2, NULL } },
                  .classes = "sql", .want = 3, .reason = "lowest id among equals" },
        };
        run_rows(rows, ELEMENTSOF(rows), CHOOSE);
}

static void test_move(void **state) {
        static const Row rows[] = {
                { .title = "best other node",
                  .nodes = { { 1, "n1", "up", 0, NULL }, { 2, "n2", "up", 3, NULL }, { 3, "n3", "up", 1, NULL } },
                  .current = 1, .want = 3 },
                { .title = "best other node, preferred", .nodes = N3, .preferred = "n1 n3 n2", .current = 1, .want = 3 },
                { .title = "best other node, group not running", .nodes = N3, .preferred = "n1", .current = 0,
                  .want = 1 },
                { .title = "no other node",
                  .nodes = { { 1, "n1", "up", 0, NULL }, { 2, "n2", "down", 0, NULL }, { 3, "n3", "paused", 0, NULL } },
                  .current = 1, .rc = -ENODEV,
                  .reason = "no other node can take web: n1 owns it now; n2 is down; n3 is paused" },
                { .title = "no other possible owner", .nodes = N3, .resources = { "ip: n1" }, .current = 1,
                  .rc = -ENODEV, .reason = "n2 is not a possible owner of ip; n3 is not a possible owner of ip" },
                { .title = "named target", .nodes = N3, .current = 1, .to = 3, .want = 3,
                  .reason = "moving web to n3 as asked" },
                { .title = "named target not preferred", .nodes = N3, .preferred = "n2", .current = 1, .to = 3,
                  .want = 3 },
                { .title = "named target, group not running", .nodes = N3, .current = 0, .to = 2, .want = 2 },
                { .title = "named target down",
                  .nodes = { { 1, "n1", "up", 0, NULL }, { 2, "n2", "down", 0, NULL } }, .current = 1, .to = 2,
                  .rc = -ENODEV, .reason = "web cannot move to n2: n2 is down" },
                { .title = "named target paused",
                  .nodes = { { 1, "n1", "up", 0, NULL }, { 2, "n2", "paused", 0, NULL } }, .current = 1, .to = 2,
                  .rc = -ENODEV, .reason = "web cannot move to n2: n2 is paused; resume it first" },
                { .title = "named target not a possible owner", .nodes = N3, .resources = { "ip:", "db: n1", "fs: n1" },
                  .current = 1, .to = 2, .rc = -ENODEV,
                  .reason = "web cannot move to n2: it is not a possible owner of db, fs" },
                { .title = "named target is current", .nodes = N3, .current = 2, .to = 2, .rc = -EALREADY,
                  .reason = "web already runs on n2" },
                { .title = "named target unknown", .nodes = N3, .current = 1, .to = 9, .rc = -ENOENT,
                  .reason = "no node has id 9" },
                { .title = "named target with a class conflict",
                  .nodes = { { 1, "n1", "up", 0, NULL }, { 2, "n2", "up", 0, "sql" } }, .classes = "sql",
                  .current = 1, .to = 2, .want = 2, .reason = "n2 runs a group of anti-affinity class sql" },
                { .title = "named target excluded: the administrator decides", .nodes = N3, .excluded = "2",
                  .current = 1, .to = 2, .want = 2 },
                { .title = "best other node skips excluded", .nodes = N3, .excluded = "2", .current = 1, .want = 3 },
        };
        run_rows(rows, ELEMENTSOF(rows), MOVE);
}

static void test_failback(void **state) {
        static const Row rows[] = {
                { .title = "back to the first", .nodes = N3, .preferred = "n1 n2", .current = 2, .want = 1,
                  .reason = "n1 is the most preferred owner of web that can take it" },
                { .title = "already there", .nodes = N3, .preferred = "n1 n2", .current = 1,
                  .reason = "web runs on n1, its most preferred owner that can take it" },
                { .title = "first is down",
                  .nodes = { { 1, "n1", "down", 0, NULL }, { 2, "n2", "up", 0, NULL } }, .preferred = "n1 n2",
                  .current = 2, .reason = "web runs on n2, its most preferred owner that can take it (n1 is down)" },
                { .title = "first paused, second up",
                  .nodes = { { 1, "n1", "paused", 0, NULL }, { 2, "n2", "up", 0, NULL }, { 3, "n3", "up", 0, NULL } },
                  .preferred = "n1 n2 n3", .current = 3, .want = 2,
                  .reason = "n2 is the most preferred owner of web that can take it (n1 is paused)" },
                { .title = "current not preferred", .nodes = N3, .preferred = "n1", .current = 3, .want = 1 },
                { .title = "current not preferred, preferred down",
                  .nodes = { { 1, "n1", "down", 0, NULL }, { 3, "n3", "up", 0, NULL } }, .preferred = "n1",
                  .current = 3, .reason = "no preferred owner of web can take it (n1 is down)" },
                { .title = "no preferred owners", .nodes = N3, .current = 2, .reason = "web has no preferred owners" },
                { .title = "preferred has a class conflict",
                  .nodes = { { 1, "n1", "up", 0, "sql" }, { 2, "n2", "up", 0, NULL } }, .classes = "sql",
                  .preferred = "n1 n2", .current = 2, .reason = "n1 runs a group of anti-affinity class sql" },
                { .title = "preferred excluded", .nodes = N3, .preferred = "n1 n2", .excluded = "1", .current = 2,
                  .reason = "web failed on n1 recently" },
                { .title = "preferred not a possible owner", .nodes = N3, .resources = { "ip: n2 n3" },
                  .preferred = "n1 n3 n2", .current = 2, .want = 3, .reason = "(n1 is not a possible owner of ip)" },
                { .title = "preferred name unknown", .nodes = N3, .preferred = "n9 n1", .current = 2, .want = 1 },
                { .title = "group not running", .nodes = N3, .preferred = "n2", .current = 0, .want = 2 },
                { .title = "later preferred owners do not count", .nodes = N3, .preferred = "n2 n1", .current = 2 },
        };
        run_rows(rows, ELEMENTSOF(rows), FAILBACK);
}

/* Each rule gives its code on the node it keeps out (reason2: a piece of
 * some node's text). */
static void test_explain(void **state) {
        static const Row rows[] = {
                { .title = "chosen by fewest groups, the others have more",
                  .nodes = { { 1, "n1", "up", 2, NULL }, { 2, "n2", "up", 1, NULL }, { 3, "n3", "up", 1, NULL } },
                  .want = 2, .verdicts = "1:more_groups 2:chosen 3:more_groups",
                  .reason2 = "n3 owns as many groups (1) as n2, whose id is lower" },
                { .title = "chosen by preference", .nodes = N3, .preferred = "n3 n1", .want = 3,
                  .verdicts = "1:less_preferred 2:less_preferred 3:chosen",
                  .reason2 = "n2 is not a preferred owner of web; n3 is preferred owner 1" },
                { .title = "down, paused, no quorum",
                  .nodes = { { 1, "n1", "down", 0, NULL }, { 2, "n2", "paused", 0, NULL }, { 3, "n3", "noquorum", 0, NULL } },
                  .rc = -ENODEV, .verdicts = "1:down 2:paused 3:no_quorum", .reason = "n3 has no quorum" },
                { .title = "not a possible owner, naming the resources", .nodes = N3,
                  .resources = { "ip: n1", "db: n1 n2" }, .want = 1,
                  .verdicts = "1:chosen 2:not_possible_owner 3:not_possible_owner",
                  .reason2 = "n3 is not a possible owner of ip, db" },
                { .title = "no possible owner anywhere", .nodes = N3, .resources = { "ip: n7" }, .rc = -ENODEV,
                  .verdicts = "1:not_possible_owner 2:not_possible_owner 3:not_possible_owner" },
                { .title = "failover threshold", .nodes = { { 1, "n1", "up", 0, NULL }, { 2, "n2", "down", 0, NULL } },
                  .threshold = true, .rc = -ENODEV, .verdicts = "1:failover_threshold 2:down",
                  .reason = "web stays Failed: 2 failovers within FailoverPeriod 6h reached FailoverThreshold 2 (they "
                            "count until 2027-01-15 08:00:00 UTC)",
                  .reason2 = "tried again at 2027-01-15 07:43:20 UTC" },
                { .title = "failed recently, another node can take it", .nodes = N3, .recent = "1 2", .want = 3,
                  .verdicts = "1:failed_recently 2:failed_recently 3:chosen",
                  .reason2 = "web failed on n2 within FailoverPeriod (it counts until 2027-01-15 08:00:00 UTC)" },
                { .title = "failed recently everywhere: tried again by the rules", .nodes = N3, .recent = "1 2 3",
                  .want = 1, .verdicts = "1:chosen 2:more_groups 3:more_groups",
                  .reason = "web failed recently on every node that can take it" },
                { .title = "excluded: the node it failed over from", .nodes = N3, .excluded = "1", .want = 2,
                  .verdicts = "1:failed_recently 2:chosen 3:more_groups", .reason2 = "web failed over from n1 just now" },
                { .title = "leaving: it let the group go", .nodes = { { 1, "n1", "up", 3, NULL }, { 2, "n2", "up", 0, NULL } },
                  .released_by = 2, .recent = "1", .want = 1, .verdicts = "1:chosen 2:leaving",
                  .reason2 = "n2 let web go: it is stopping" },
                { .title = "anti-affinity names the group",
                  .nodes = { { 1, "n1", "up", 0, "sql" }, { 2, "n2", "up", 3, NULL } }, .classes = "sql", .want = 2,
                  .verdicts = "1:anti_affinity 2:chosen",
                  .reason2 = "anti-affinity with group sql-a: it runs on n1 and shares class sql with web" },
                { .title = "owner kept, the others as a failover sees them",
                  .nodes = { { 1, "n1", "up", 5, NULL }, { 2, "n2", "up", 0, NULL }, { 3, "n3", "paused", 0, NULL },
                             { 4, "n4", "up", 1, NULL } },
                  .current = 1, .want = 1, .verdicts = "1:owner 2:available 3:paused 4:more_groups",
                  .reason = "web runs on n1, which keeps it", .reason2 = "next in line" },
                { .title = "owner down: placed again", .nodes = { { 1, "n1", "down", 0, NULL }, { 2, "n2", "up", 0, NULL } },
                  .current = 1, .want = 2, .verdicts = "1:down 2:chosen" },
                { .title = "owner without quorum", .nodes = { { 1, "n1", "noquorum", 0, NULL }, { 2, "n2", "down", 0, NULL } },
                  .current = 1, .rc = -ENODEV, .verdicts = "1:no_quorum 2:down" },
        };
        run_rows(rows, ELEMENTSOF(rows), EXPLAIN);
}

/* The threshold's text as the counts stand. */
static void test_threshold_text(void **state) {
        static const struct {
                unsigned failovers, threshold;
                uint64_t until, retry;
                const char *want, *absent;
        } rows[] = {
                { 2, 2, 0, 0, "web stays Failed: 2 failovers within FailoverPeriod 1h reached FailoverThreshold 2",
                  "count until" },
                { 1, 1, 0, 0, "1 failover within", "tried again" },
                { 0, 0, 0, 0, "the FailoverThreshold in effect is 0, so it does not fail over", "reached" },
                { 1, 3, 0, 1799999000000ull, "its failovers reached FailoverThreshold 3 (1 within FailoverPeriod 1h now)",
                  NULL },
                { 3, 3, 1800000000000ull, 0, "(they count until 2027-01-15 08:00:00 UTC)", "tried again" },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                PlacementNode n = { .id = 1, .name = "n1", .up = true };
                PlacementGroup g = { .name = "web",
                                     .threshold = { true, rows[i].failovers, rows[i].threshold, 3600000, rows[i].until,
                                                    rows[i].retry } };
                PlacementVerdict v;
                Placement p;
                assert_int_equal(placement_explain(&g, &n, 1, 0, &v, &p), -ENODEV);
                assert_int_equal(v.rule, PLACEMENT_FAILOVER_THRESHOLD);
                assert_int_equal(v.until_ms, rows[i].until);
                if (!strstr(v.text, rows[i].want) || (rows[i].absent && strstr(v.text, rows[i].absent)))
                        fail_msg("row %zu: %s", i, v.text);
                assert_non_null(strstr(v.text, "`wolfpack group online web` tries it now"));
                assert_non_null(strstr(p.reason, "no node can take web: web stays Failed"));
        }
}

/* For any cluster, explain places where placement_choose places, with
 * the same reason, and exactly the node chosen has the verdict chosen. */
static void test_explain_agrees(void **state) {
        static const char *const names[] = { "n1", "n2", "n3", "n4", "n5" };
        static char *const class_sets[][3] = { { NULL }, { "a", NULL }, { "b", NULL }, { "a", "b", NULL } };
        static char *const owner_sets[][4] = { { NULL }, { "n1", NULL }, { "n2", "n3", NULL }, { "n4", "n1", "n5", NULL } };
        static char *const groups_of[] = { "g1", "g2", NULL };
        srand(7);
        for (unsigned round = 0; round < 20000; round++) {
                size_t n = (size_t) rand() % 6;
                PlacementNode nodes[5];
                for (size_t i = 0; i < n; i++) {
                        int s = rand() % 10;
                        nodes[i] = (PlacementNode) {
                                .id = (unsigned) (i + 1),
                                .name = names[i],
                                .up = s != 0,
                                .paused = s == 1,
                                .no_quorum = s == 2,
                                .n_groups = (size_t) rand() % 3,
                                .classes = class_sets[rand() % 4],
                                .class_groups = groups_of,
                        };
                }
                PlacementResource res[2] = { { "ip", owner_sets[rand() % 4] }, { "db", owner_sets[rand() % 4] } };
                static char *const prefs[][4] = { { NULL }, { "n3", NULL }, { "n2", "n5", "n1", NULL } };
                unsigned excluded[1] = { (unsigned) rand() % 6 };
                PlacementFailure recent[3];
                size_t n_recent = (size_t) rand() % 4;
                for (size_t i = 0; i < n_recent; i++)
                        recent[i] = (PlacementFailure) { (unsigned) (rand() % 5 + 1), 0 };
                PlacementGroup g = {
                        .name = "web",
                        .resources = res,
                        .n_resources = (size_t) rand() % 3,
                        .preferred_owners = prefs[rand() % 3],
                        .classes = class_sets[rand() % 4],
                        .excluded = excluded,
                        .n_excluded = (size_t) rand() % 2,
                        .released_by = (unsigned) rand() % 8,
                        .recent = recent,
                        .n_recent = n_recent,
                        .threshold = { .reached = rand() % 8 == 0 },
                };
                Placement a, b;
                PlacementVerdict v[5];
                int ra = placement_choose(&g, nodes, n, &a);
                int rb = placement_explain(&g, nodes, n, 0, v, &b);
                if (ra != rb || a.node != b.node || strcmp(a.reason, b.reason) != 0)
                        fail_msg("round %u: choose %d node %u (%s), explain %d node %u (%s)", round, ra, a.node,
                                 a.reason, rb, b.node, b.reason);
                size_t chosen = 0;
                for (size_t i = 0; i < n; i++) {
                        assert_int_equal(v[i].node, nodes[i].id);
                        assert_non_null(placement_rule_code(v[i].rule));
                        assert_true(v[i].text[0] != 0);
                        assert_true(v[i].rule != PLACEMENT_OWNER && v[i].rule != PLACEMENT_AVAILABLE);
                        if (v[i].rule == PLACEMENT_CHOSEN) {
                                chosen++;
                                assert_int_equal(v[i].node, a.node);
                        }
                }
                assert_int_equal(chosen, a.node ? 1 : 0);
        }
}

static void test_rule_codes(void **state) {
        for (int r = 0; r < _PLACEMENT_RULE_MAX; r++) {
                assert_non_null(placement_rule_code((PlacementRule) r));
                for (int q = 0; q < r; q++)
                        assert_string_not_equal(placement_rule_code((PlacementRule) r), placement_rule_code((PlacementRule) q));
        }
        assert_null(placement_rule_code(_PLACEMENT_RULE_MAX));
        assert_string_equal(placement_rule_code(PLACEMENT_NOT_POSSIBLE_OWNER), "not_possible_owner");
}

static void test_args(void **state) {
        PlacementGroup g = { .name = "web" };
        PlacementNode n = { .id = 1, .name = "n1", .up = true };
        Placement p;
        assert_int_equal(placement_choose(NULL, &n, 1, &p), -EINVAL);
        assert_int_equal(placement_choose(&g, NULL, 1, &p), -EINVAL);
        assert_int_equal(placement_choose(&g, &n, 1, NULL), -EINVAL);
        assert_int_equal(placement_best_for_move(&g, &n, 1, 1, 0, NULL), -EINVAL);
        assert_int_equal(placement_failback_target(NULL, &n, 1, 1, &p), -EINVAL);
        PlacementGroup bad = { .name = "web", .n_resources = 2 };
        assert_int_equal(placement_choose(&bad, &n, 1, &p), -EINVAL);
        assert_int_equal(placement_choose(&g, &n, 1, &p), 0);
        assert_int_equal(p.node, 1);
        assert_int_equal(placement_explain(&g, &n, 1, 0, NULL, &p), -EINVAL);
        assert_int_equal(placement_explain(&g, NULL, 0, 0, NULL, &p), -ENODEV);
}

/* A long reason is cut, never overrun. */
static void test_long_reason(void **state) {
        enum { N = 200 };
        PlacementNode nodes[N];
        char names[N][16];
        for (size_t i = 0; i < N; i++) {
                snprintf(names[i], sizeof names[i], "node-%zu", i + 1);
                nodes[i] = (PlacementNode) { .id = (unsigned) i + 1, .name = names[i], .up = false };
        }
        PlacementGroup g = { .name = "web" };
        Placement p;
        assert_int_equal(placement_choose(&g, nodes, N, &p), -ENODEV);
        assert_int_equal(strlen(p.reason), sizeof p.reason - 1);
        assert_non_null(strstr(p.reason, "node-1 is down; node-2 is down"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_choose),
                cmocka_unit_test(test_move),
                cmocka_unit_test(test_failback),
                cmocka_unit_test(test_explain),
                cmocka_unit_test(test_explain_agrees),
                cmocka_unit_test(test_threshold_text),
                cmocka_unit_test(test_rule_codes),
                cmocka_unit_test(test_args),
                cmocka_unit_test(test_long_reason),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
