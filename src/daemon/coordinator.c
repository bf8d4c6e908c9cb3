/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The coordinator: on an engine with other nodes, one node decides where
 * groups run — the lowest member of the quorate view that is up (owners.h:
 * not said to be silent). What to do about a group is owners_decide()'s
 * (the table below); where to place it is the same pure placement
 * function as one node uses, from what every node holds alike (the
 * database, the owners' reports, the membership). Each decision is
 * multicast as rt.place tagged with the ring it was made in, and owners.c
 * applies it on every member or on none. It keeps nothing that matters in
 * its memory alone: a new coordinator picks up from the same state.
 *
 *   group wanted online, no owner         placed on the best up node
 *   owner not up (left, or silent)        after the takeover delay from its
 *                                         last heartbeat seen here: placed on
 *                                         the best up node (or on none, when
 *                                         not wanted), as a takeover
 *   owner up, a move asked to an up node  placed there; the owner stops it,
 *                                         the new one starts it after (a
 *                                         drain asks one for each group)
 *   owner up, Online, AutoFailbackType    moved back to its most preferred
 *   allow, a more preferred node can      node, when the hour is in its
 *   take it, not put there by a move      failback window; else looked at
 *                                         again at the next hour
 *
 * When the cluster starts as a whole (sync_cold_start), groups with
 * PersistentState=0 that nobody runs are taken offline before anything
 * is placed, as one node does when its service starts.
 *
 * It decides nothing before every member's report of what it runs came in
 * this view (a joiner knows nothing before), and must never place a group
 * whose owner may still run it: a lost owner's lease ends its resources
 * within the takeover delay (cluster-timing.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster-props.h"
#include "daemon.h"
#include "decide.h"
#include "macro.h"
#include "placement-inputs.h"
#include "time-util.h"

static const char *jstr(const json_t *o, const char *k) {
        return json_string_value(json_object_get(o, k));
}

uint32_t coordinator_of(const Daemon *d) {
        if (d->owners)
                return owners_coordinator(d->owners);
        for (unsigned i = 0; d->view.quorate && i < d->view.n_members; i++)
                if (share_node_up(d, d->view.members[i]))
                        return d->view.members[i];
        return 0;
}

uint32_t coordinator_choose(Daemon *d, json_t *g, json_t *res, uint32_t not, char *why, size_t whylen) {
        return coordinator_choose_spread(d, g, res, not, NULL, why, whylen);
}

uint32_t coordinator_choose_spread(Daemon *d, json_t *g, json_t *res, uint32_t not, const unsigned *extra, char *why,
                                   size_t whylen) {
        PlacementInputs in;
        Placement p = {};
        int k = placement_inputs_build(d, g, res, not, &in, p.reason, sizeof(p.reason));
        for (size_t i = 0; k >= 0 && extra && i < in.n_nodes; i++)
                if (in.nodes[i].id >= 1 && in.nodes[i].id <= NODE_ID_MAX)
                        in.nodes[i].n_groups += extra[in.nodes[i].id];
        if (k >= 0)
                k = placement_choose(&in.group, in.nodes, in.n_nodes, &p);
        else if (!p.reason[0])
                snprintf(p.reason, sizeof(p.reason), "reading what placement needs failed: %s", strerror(-k));
        placement_inputs_done(&in);
        snprintf(why, whylen, "%s", p.reason);
        return k >= 0 ? p.node : 0;
}

static void decide(Daemon *d, RtGroup *rg, uint32_t from, uint32_t to, bool takeover, const char *reason,
                   const char *kind) {
        json_t *m = owners_place_message(d->owners, &rg->own, from, to, takeover, reason, db_version(d->db));
        if (m && kind)
                json_object_set_new(m, "kind", json_string(kind));
        if (m && command_send(d, m, NULL, NULL) >= 0)
                rg->placing = true;
}

static void arm(uint64_t at, uint64_t *next) {
        if (at < *next)
                *next = at;
}

/* Failback: a group running where it should not stay, its most preferred
 * node up again, moves back once AutoFailbackType allows and the hour is
 * in its window (in the cluster's TimeZone, else the coordinator's local time);
 * outside the window, the coordinator looks again at the next hour. Not to
 * a node it failed over from within FailoverPeriod: that would bounce. */
/* The hour in the cluster's time zone (TimeZone), read at the first
 * failback an evaluation considers; -1 until then, -2 when unknown. */
typedef struct Hour {
        int hour;
        struct tm tm;
} Hour;

static int hour_now(Daemon *d, Hour *h) {
        if (h->hour != -1)
                return h->hour;
        h->hour = -2;
        ClusterProps cp;
        json_t *cv = db_cluster(d->db);
        if (cluster_props_load(cv, &cp) >= 0) {
                if (cluster_hour(cp.time_zone, time(NULL), &h->hour, &h->tm) < 0)
                        h->hour = -2;
                cluster_props_done(&cp);
        }
        json_decref(cv);
        return h->hour;
}

static void failback(Daemon *d, RtGroup *rg, json_t *g, Hour *h, uint64_t now, uint64_t *next) {
        GroupCommon gc;
        if (!share_node_up(d, rg->owner) || rg->move_to || rg->failed || rg->asked_here ||
            decide_group_common(json_object_get(g, "properties"), &gc, NULL, NULL, 0) < 0)
                return;
        bool allow = gc.failback_type == FAILBACK_ALLOW;
        if (!allow) {
                group_common_done(&gc);
                return;
        }
        int hour = hour_now(d, h);
        const struct tm tm = h->tm;
        char why[256];
        bool open = hour >= 0 && policy_failback_allowed(&gc, hour, why, sizeof(why));
        group_common_done(&gc);
        json_t *res = db_resources(d->db, rg->id);
        PlacementInputs in;
        Placement p = {};
        if (strcmp(rt_group_state(d, rg->id, res), "Online") != 0) {
                json_decref(res);
                return;
        }
        if (placement_inputs_build(d, g, res, 0, &in, p.reason, sizeof(p.reason)) < 0)
                placement_inputs_done(&in);
        else {
                /* Where it failed within FailoverPeriod is no place to go
                 * back to: it would bounce. */
                unsigned excluded[NODE_ID_MAX + 1];
                size_t n = 0;
                for (size_t i = 0; i < in.group.n_recent && n < ELEMENTSOF(excluded); i++)
                        excluded[n++] = in.group.recent[i].node;
                in.group.excluded = excluded;
                in.group.n_excluded = n;
                (void) placement_failback_target(&in.group, in.nodes, in.n_nodes, rg->owner, &p);
                placement_inputs_done(&in);
                if (p.node && open)
                        decide(d, rg, rg->owner, p.node, false, p.reason, "failback");
                else if (p.node)
                        arm(now + (uint64_t) (3600 - tm.tm_min * 60 - tm.tm_sec) * 1000000 + 1000000, next);
        }
        json_decref(res);
}

static int on_takeover_time(sd_event_source *s, uint64_t usec, void *userdata) {
        fm_kick(userdata);
        return 0;
}

/* The cluster starts: PersistentState=0 groups stay offline. Each is held
 * from placement until its change comes back (fm_applied) or the view
 * changes. Then rt.started tells every member that the start is done
 * (coordinator_started): the rounds after are no cluster start. */
static void cold_start(Daemon *d, json_t *groups) {
        size_t i;
        json_t *g;
        json_array_foreach(groups, i, g) {
                RtGroup *rg = rt_group(d, jstr(g, "id"));
                if (!rg || rg->owner || strcmp(jstr(g, "desired"), "online") != 0 || decide_group_persistent(g))
                        continue;
                json_t *off = json_pack("{s:s, s:s, s:s}", "type", "group.desire", "id", rg->id, "state", "offline");
                if (off && command_send(d, off, NULL, NULL) >= 0) {
                        rg->cold_held = true;
                        clusterlog_printf(d->log, "info", "GROUP_PERSISTENT_OFFLINE", rg->id, jstr(g, "name"),
                                          "stays offline as the cluster starts (PersistentState=0)");
                }
        }
        json_t *done = json_pack("{s:s}", "type", "rt.started");
        if (done)
                (void) command_send(d, done, NULL, NULL);
}

void coordinator_started(Daemon *d) {
        sync_started(d->sync);
        d->cold_start = false;
}

void coordinator_evaluate(Daemon *d, json_t *groups) {
        /* Not before this node's database is in sync for this view: while
         * the members compare, or it installs theirs, it may be stale. */
        if (!d->owners || d->stopping || coordinator_of(d) != d->cfg.node_id || !owners_all_reported(d->owners) ||
            !sync_ready(d->sync))
                return;
        if (d->cold_start) {
                d->cold_start = false;
                cold_start(d, groups);
        }
        uint64_t now = now_monotonic_usec(), next = UINT64_MAX;
        Hour hour = { .hour = -1 };
        size_t i;
        json_t *g;
        json_array_foreach(groups, i, g) {
                const char *gid = jstr(g, "id");
                RtGroup *rg = rt_group(d, gid);
                if (!rg || rg->cold_held)
                        continue;
                /* The cluster may be starting, but too few nodes run
                 * wolfpackd to decide it: PersistentState=0 groups wait. */
                if (!rg->owner && sync_cold_pending(d->sync) && !decide_group_persistent(g))
                        continue;
                bool want = strcmp(jstr(g, "desired"), "online") == 0 && !rg->failed;
                OwnersDecision dec = owners_decide(d->owners, &rg->own, want, now, d->timing.takeover_delay_usec);
                char why[512] = "";
                json_t *res;
                uint32_t to;
                switch (dec.action) {
                case OWNERS_KEEP:
                        if (want && rg->owner)
                                failback(d, rg, g, &hour, now, &next);
                        break;
                case OWNERS_WAIT:
                        arm(dec.at_usec, &next);
                        break;
                case OWNERS_TAKE_OVER:
                        res = db_resources(d->db, gid);
                        to = want ? coordinator_choose(d, g, res, dec.avoid, why, sizeof(why)) : 0;
                        json_decref(res);
                        decide(d, rg, dec.from, to, true, want && !to ? why : NULL, NULL);
                        break;
                case OWNERS_PLACE:
                        res = db_resources(d->db, gid);
                        to = coordinator_choose(d, g, res, dec.avoid, why, sizeof(why));
                        json_decref(res);
                        if (to)
                                decide(d, rg, 0, to, false, NULL, NULL);
                        else if (!rg->no_node) {
                                clusterlog_printf(d->log, "error", "GROUP_NO_NODE", gid, jstr(g, "name"), "%s", why);
                                decide(d, rg, 0, 0, false, why, NULL);
                        }
                        break;
                case OWNERS_MOVE:
                        decide(d, rg, dec.from, dec.to, false, NULL, rg->move_kind ? rg->move_kind : "move");
                        break;
                }
        }
        if (next != UINT64_MAX) {
                if (!d->takeover_timer)
                        (void) sd_event_add_time(d->event, &d->takeover_timer, CLOCK_MONOTONIC, next, 1000,
                                                 on_takeover_time, d);
                else
                        (void) sd_event_source_set_time(d->takeover_timer, next);
                (void) sd_event_source_set_enabled(d->takeover_timer, SD_EVENT_ONESHOT);
        }
}
