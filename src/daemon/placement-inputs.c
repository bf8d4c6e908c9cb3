/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The placement inputs of one group (placement-inputs.h), built from the
 * database, the runtime state and the membership as this node holds them.
 * Owns how each input is read: which node counts as Up, which failures
 * count as recent, when FailoverThreshold holds the group. Decides
 * nothing (placement.c does) and never changes any state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decide.h"
#include "macro.h"
#include "placement-inputs.h"
#include "strv.h"
#include "time-util.h"

static const char *jstr(const json_t *o, const char *k) {
        return json_string_value(json_object_get(o, k));
}

static uint64_t wall_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

static ssize_t node_index(const PlacementInputs *in, uint32_t id) {
        for (size_t i = 0; i < in->n_nodes; i++)
                if (in->nodes[i].id == id)
                        return (ssize_t) i;
        return -1;
}

/* The AntiAffinityClassNames of each group a node owns, with the group's
 * name, onto that node (this group not counted). Read only when this
 * group has classes: only then can they matter. */
static int load_classes(Daemon *d, const char *self, PlacementInputs *in) {
        json_t *groups = db_groups(d->db);
        size_t i;
        json_t *g;
        int k = 0;
        json_array_foreach(groups, i, g) {
                const char *id = jstr(g, "id");
                RtGroup *rg = id ? hashmap_get(d->groups, id) : NULL;
                json_t *text = json_object_get(json_object_get(g, "properties"), "AntiAffinityClassNames");
                ssize_t at = rg ? node_index(in, rg->owner) : -1;
                if (at < 0 || !text || strcmp(id, self) == 0)
                        continue;
                json_t *only = json_pack("{s:O}", "AntiAffinityClassNames", text);
                GroupCommon gc;
                if (!only || decide_group_common(only, &gc, NULL, NULL, 0) < 0) {
                        json_decref(only);
                        continue;
                }
                json_decref(only);
                for (char **c = gc.anti_affinity_class_names; k >= 0 && c && *c; c++) {
                        char *cls = strdup(*c), *name = strdup(jstr(g, "name"));
                        if (!cls || !name) {
                                free(cls);
                                free(name);
                                k = -ENOMEM;
                                break;
                        }
                        k = strv_push(&in->classes[at], cls);
                        if (k >= 0)
                                k = strv_push(&in->class_groups[at], name);
                        else
                                free(name);
                }
                group_common_done(&gc);
                if (k < 0)
                        break;
        }
        json_decref(groups);
        for (size_t n = 0; n < in->n_nodes; n++) {
                in->nodes[n].classes = in->classes[n];
                in->nodes[n].class_groups = in->class_groups[n];
        }
        return k;
}

/* The failover history within FailoverPeriod: the nodes it failed on
 * (each with the end of its latest failure's window) and whether the
 * threshold holds the group Failed. */
static int load_failures(Daemon *d, const char *id, RtGroup *rg, PlacementInputs *in) {
        uint64_t now = wall_ms(), period = in->gc.failover_period / 1000;
        json_t *history = db_failures(d->db, id, (int64_t) (now > period ? now - period : 0));
        PolicyEvent *ev = NULL;
        size_t n = decide_events(history, "failover", &ev);
        json_decref(history);
        if (!ev)
                return -ENOMEM;
        in->recent = calloc(n + 1, sizeof(PlacementFailure));
        if (!in->recent) {
                free(ev);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                if (policy_count_recent(&ev[i], 1, 0, period, now) == 0)
                        continue;
                uint64_t until = (ev[i].time_ms > now ? now : ev[i].time_ms) + period;
                size_t j = 0;
                while (j < in->group.n_recent && in->recent[j].node != ev[i].node)
                        j++;
                if (j == in->group.n_recent)
                        in->recent[in->group.n_recent++] = (PlacementFailure) { ev[i].node, until };
                else if (until > in->recent[j].until_ms)
                        in->recent[j].until_ms = until;
        }
        in->group.recent = in->recent;

        /* Failed by the failover policy, not for want of a node (that is
         * the other rules' to say). */
        if (rg && rg->failed && !rg->no_node) {
                size_t n_nodes = d->view.n_nodes ? d->view.n_nodes : d->view.n_members;
                uint64_t retry = 0, mono = now_monotonic_usec();
                if (rg->retry_timer && sd_event_source_get_time(rg->retry_timer, &retry) >= 0)
                        retry = now + (retry > mono ? (retry - mono) / 1000 : 0);
                size_t count = policy_count_recent(ev, n, 0, period, now);
                in->group.threshold = (PlacementThreshold) {
                        .reached = true,
                        .failovers = count > UINT32_MAX ? UINT32_MAX : (unsigned) count,
                        .threshold = policy_failover_threshold(&in->gc, n_nodes),
                        .period_ms = period,
                        .until_ms = policy_failover_until_ms(&in->gc, n_nodes, ev, n, now),
                        .retry_at_ms = retry,
                };
        }
        free(ev);
        return 0;
}

int placement_inputs_build(Daemon *d, const json_t *group, const json_t *resources, uint32_t leaving,
                           PlacementInputs *ret, char *err, size_t errlen) {
        PlacementInputs *in = ret;
        *in = (PlacementInputs) {};
        const char *id = jstr(group, "id");
        RtGroup *rg = id ? hashmap_get(d->groups, id) : NULL;
        int k = decide_group_common(json_object_get(group, "properties"), &in->gc, NULL, err, errlen);
        if (k < 0)
                return k;
        in->gc_loaded = true;

        size_t nr = json_array_size(resources);
        in->rc = calloc(nr + 1, sizeof(ResourceCommon));
        in->pr = calloc(nr + 1, sizeof(PlacementResource));
        if (!in->rc || !in->pr)
                return -ENOMEM;
        for (size_t i = 0; i < nr; i++, in->n_rc++) {
                json_t *o = json_array_get(resources, i);
                /* Values that do not parse (stored before a rule tightened)
                 * count as the defaults: every node. */
                if (decide_resource_common(json_object_get(o, "common"), &in->rc[i], NULL, NULL, 0) < 0 &&
                    resource_common_init(&in->rc[i], err, errlen) < 0)
                        return -ENOMEM;
                in->pr[i] = (PlacementResource) { .name = jstr(o, "name"), .possible_owners = in->rc[i].possible_owners };
        }

        in->node_rows = db_nodes(d->db);
        size_t nn = json_array_size(in->node_rows);
        in->nodes = calloc(nn + 1, sizeof(PlacementNode));
        in->classes = calloc(nn + 1, sizeof(char **));
        in->class_groups = calloc(nn + 1, sizeof(char **));
        if (!in->node_rows || !in->nodes || !in->classes || !in->class_groups)
                return -ENOMEM;
        for (size_t i = 0; i < nn; i++) {
                json_t *o = json_array_get(in->node_rows, i);
                rt_node_json(d, o);
                uint32_t nid = (uint32_t) json_integer_value(json_object_get(o, "id"));
                size_t owned = (size_t) json_integer_value(json_object_get(o, "groups"));
                const char *state = jstr(o, "state");
                bool up = state && strcmp(state, "Down") != 0;
                in->nodes[i] = (PlacementNode) {
                        .id = nid,
                        .name = jstr(o, "name"),
                        .up = up,
                        .no_quorum = up && !d->view.quorate,
                        .paused = json_is_true(json_object_get(o, "paused")),
                        .n_groups = rg && rg->owner == nid && owned > 0 ? owned - 1 : owned,
                };
        }
        in->n_nodes = nn;
        in->current = rg ? rg->owner : 0;
        in->excluded[0] = leaving;
        in->group = (PlacementGroup) {
                .name = jstr(group, "name"),
                .resources = in->pr,
                .n_resources = nr,
                .preferred_owners = in->gc.preferred_owners,
                .classes = in->gc.anti_affinity_class_names,
                .excluded = in->excluded,
                .n_excluded = leaving ? 1 : 0,
        };
        if (in->gc.anti_affinity_class_names && in->gc.anti_affinity_class_names[0]) {
                k = load_classes(d, id, in);
                if (k < 0)
                        return k;
        }
        k = load_failures(d, id, rg, in);
        if (k < 0)
                return k;
        /* Let go without a failure there (a failure leaves a failover
         * record first, fm.c): that node is stopping, or its lease ran
         * out, and it would not run the group. */
        if (rg && !rg->owner && rg->released_by && rg->released_by != rg->failed_from) {
                bool failed_there = false;
                for (size_t i = 0; i < in->group.n_recent; i++)
                        failed_there = failed_there || in->recent[i].node == rg->released_by;
                if (!failed_there)
                        in->group.released_by = rg->released_by;
        }
        return 0;
}

void placement_inputs_done(PlacementInputs *in) {
        for (size_t i = 0; in->classes && i < in->n_nodes; i++)
                strv_free(in->classes[i]);
        for (size_t i = 0; in->class_groups && i < in->n_nodes; i++)
                strv_free(in->class_groups[i]);
        free(in->classes);
        free(in->class_groups);
        for (size_t i = 0; i < in->n_rc; i++)
                resource_common_done(&in->rc[i]);
        free(in->rc);
        free(in->pr);
        free(in->nodes);
        free(in->recent);
        json_decref(in->node_rows);
        if (in->gc_loaded)
                group_common_done(&in->gc);
        *in = (PlacementInputs) {};
}
