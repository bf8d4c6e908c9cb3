/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runtime state between nodes: what each node runs, told to every other,
 * so that every node shows the whole cluster (a single system image), and
 * the heartbeat that ties this node's lease to the ring. Runtime messages
 * (type rt.*) change no database: they are facts about the nodes and are
 * applied whatever the quorum, in the order the engine delivers them.
 *
 *   rt.alive  {n, t}          every heartbeat interval; n counts, t is the
 *                             sender's CLOCK_MONOTONIC send time, read by
 *                             the sender alone: its own heartbeat, back
 *                             through the ring under a quorate view,
 *                             renews its lease until t + lease
 *   rt.report {groups, resources}   at each view change, once re-attached:
 *                             the groups the sender owns and the states of
 *                             what it runs; it alone speaks for itself
 *   rt.state  {id, state, reason}   each state change of what it runs
 *   rt.release {group, failover, failed, retry_at_ms}   its owner let a
 *                             group go: it stopped it when its lease ran
 *                             out, or the group failed there (failover:
 *                             to another node; failed: Failed everywhere
 *                             until retry_at_ms, UTC)
 *   rt.suspect {node, hb}     a member whose heartbeats stopped coming for
 *                             a lease: it is down for every member from
 *                             here on, unless a heartbeat newer than hb
 *                             came first or comes later; the coordinator
 *                             is the lowest member that is not down
 *   rt.fail   {id, node}      `wolfpack resource fail` on another node:
 *                             node, its owner, fails it
 *   rt.place  {group, from, to, takeover, hb, view_ring}   a coordinator's
 *                             decision (coordinator.c), applied here
 *
 * A placement is applied by every member or by none: it must come from
 * the coordinator of the view it is delivered in, carry that view's ring,
 * and, for a takeover, no heartbeat of the node it takes from may have
 * come in this ring after the one it was decided on. Every member of a
 * ring sees the same messages in the same order, so all reach the same
 * verdict. Must never start or stop anything itself: the failover manager
 * acts on what this file records.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "macro.h"
#include "monitors.h"
#include "time-util.h"

static const char *jstr(const json_t *o, const char *k) {
        return json_string_value(json_object_get(o, k));
}

static bool is(const char *a, const char *b) {
        return a && b && strcmp(a, b) == 0;
}

static bool running(const char *state) {
        return is(state, "Online") || is(state, "OnlinePending") || is(state, "OfflinePending");
}

static bool member(const Daemon *d, uint32_t id) {
        for (unsigned i = 0; i < d->view.n_members; i++)
                if (d->view.members[i] == id)
                        return true;
        return false;
}

bool share_node_up(const Daemon *d, uint32_t id) {
        if (id == 0 || id > NODE_ID_MAX || !member(d, id))
                return false;
        return !d->multi || !d->live[id].down;
}

bool share_may_run(Daemon *d) {
        return !d->multi || monitors_lease_held(d->monitors);
}

/* ---- sending ---- */

static void send_rt(Daemon *d, json_t *m) {
        if (m)
                (void) command_send(d, m, NULL, NULL);
}

/* Members whose heartbeats stopped: said once per view. */
static void suspect_silent(Daemon *d) {
        uint64_t now = now_monotonic_usec();
        for (unsigned i = 0; i < d->view.n_members; i++) {
                uint32_t id = d->view.members[i];
                NodeLive *l = id <= NODE_ID_MAX ? &d->live[id] : NULL;
                if (!l || id == d->cfg.node_id || l->down || l->suspected || now < l->last_usec + d->timing.lease_usec)
                        continue;
                l->suspected = true;
                clusterlog_printf(d->log, "warning", "NODE_SILENT", NULL, NULL,
                                  "no heartbeat from %s for %" PRIu64 " ms although corosync still lists it: "
                                  "its wolfpackd is stopped or starved; its lease has run out",
                                  node_name(d, id), (now - l->last_usec) / 1000);
                send_rt(d, json_pack("{s:s, s:i, s:I}", "type", "rt.suspect", "node", (int) id, "hb", (json_int_t) l->hb));
        }
}

static int on_heartbeat(sd_event_source *s, uint64_t usec, void *userdata) {
        Daemon *d = userdata;
        if (d->view.quorate) {
                send_rt(d, json_pack("{s:s, s:I, s:I}", "type", "rt.alive", "n", (json_int_t) ++d->hb_sent, "t",
                                     (json_int_t) now_monotonic_usec()));
                suspect_silent(d);
        }
        (void) sd_event_source_set_time_relative(s, d->timing.heartbeat_usec);
        (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return 0;
}

static void send_report(Daemon *d) {
        json_t *groups = json_array(), *res = json_array();
        size_t it = 0;
        RtGroup *g;
        while ((g = hashmap_next(d->groups, &it, NULL)))
                if (g->owner == d->cfg.node_id)
                        json_array_append_new(groups, json_string(g->id));
        RtResource *r;
        it = 0;
        while ((r = hashmap_next(d->resources, &it, NULL)))
                if (r->owner == d->cfg.node_id)
                        json_array_append_new(res, json_pack("{s:s, s:s, s:s?}", "id", r->id, "state", r->state,
                                                             "reason", r->reason));
        send_rt(d, json_pack("{s:s, s:o, s:o}", "type", "rt.report", "groups", groups, "resources", res));
}

void share_resource_state(Daemon *d, const RtResource *r) {
        if (d->multi && d->view.quorate)
                send_rt(d, json_pack("{s:s, s:s, s:s, s:s?}", "type", "rt.state", "id", r->id, "state", r->state,
                                     "reason", r->reason));
}

/* ---- the lease ---- */

static int on_lease_end(sd_event_source *s, uint64_t usec, void *userdata) {
        Daemon *d = userdata;
        if (monitors_lease_held(d->monitors))
                return 0;
        /* No heartbeat came back in time: the monitors terminate
         * everything; this node gives up its groups once they stopped. */
        size_t it = 0, n = 0;
        RtGroup *g;
        while ((g = hashmap_next(d->groups, &it, NULL)))
                if (g->owner == d->cfg.node_id && !g->lost) {
                        g->lost = true;
                        n++;
                }
        clusterlog_printf(d->log, "warning", "NODE_LEASE_LOST", NULL, NULL,
                          "no heartbeat of this node came back through a quorate ring for %" PRIu64
                          " ms: the monitors terminate its resources%s",
                          d->timing.lease_usec / 1000, n ? "; its groups are let go once stopped" : "");
        fm_kick(d);
        return 0;
}

static void lease_renew(Daemon *d, uint64_t sent_usec) {
        uint64_t until = sent_usec + d->timing.lease_usec;
        if (until <= now_monotonic_usec() || until <= d->lease_until)
                return;
        bool was = monitors_lease_held(d->monitors);
        d->lease_until = until;
        monitors_lease_until(d->monitors, until);
        (void) sd_event_source_set_time(d->lease_timer, until + 1);
        (void) sd_event_source_set_enabled(d->lease_timer, SD_EVENT_ONESHOT);
        if (!was)
                fm_kick(d);
}

/* ---- views ---- */

void share_view(Daemon *d) {
        if (!d->multi)
                return;
        bool changed = d->view.ring != d->ring_seen || d->view.ring_node != d->ring_node_seen ||
                       d->view.n_members != d->n_members_seen ||
                       memcmp(d->members_seen, d->view.members, d->view.n_members * sizeof(uint32_t)) != 0;
        uint64_t now = now_monotonic_usec();
        if (changed) {
                d->ring_seen = d->view.ring;
                d->ring_node_seen = d->view.ring_node;
                d->n_members_seen = d->view.n_members;
                memcpy(d->members_seen, d->view.members, sizeof(d->members_seen));
                for (unsigned i = 0; i <= NODE_ID_MAX; i++) {
                        d->live[i].hb = 0;
                        d->live[i].reported = false;
                        d->live[i].down = false;
                        d->live[i].suspected = false;
                }
                d->report_sent = false;
                /* Every member gets a whole lease from here to be heard
                 * (a ring that re-formed was silent meanwhile); a node first
                 * seen now also makes its groups, if others knew of any,
                 * wait the whole takeover delay. Later than its true last
                 * heartbeat, so it only ever delays a takeover. Nodes that
                 * left keep the time they were last heard. */
                for (unsigned i = 0; i < d->view.n_members; i++) {
                        uint32_t id = d->view.members[i];
                        if (id <= NODE_ID_MAX)
                                d->live[id].last_usec = now;
                }
                size_t it = 0;
                RtGroup *g;
                while ((g = hashmap_next(d->groups, &it, NULL))) {
                        g->placing = false;
                        if (g->failed && g->no_node)
                                rt_group_clear(d, g);
                        if (g->owner && g->owner <= NODE_ID_MAX && d->live[g->owner].last_usec == 0)
                                d->live[g->owner].last_usec = now;
                }
        }
        if (d->view.quorate && !d->report_sent && !d->reattaching) {
                d->report_sent = true;
                send_report(d);
        }
        fm_kick(d);
}

/* ---- applying ---- */

static void apply_alive(Daemon *d, uint32_t from, const json_t *m) {
        json_int_t n = json_integer_value(json_object_get(m, "n"));
        NodeLive *l = &d->live[from];
        if (n > 0 && (uint64_t) n > l->hb)
                l->hb = (uint64_t) n;
        if (n > 0 && (uint64_t) n > l->hb_any)
                l->hb_any = (uint64_t) n;
        l->last_usec = now_monotonic_usec();
        if (l->down && l->hb > l->down_hb) {
                l->down = false;
                l->suspected = false;
                clusterlog_printf(d->log, "notice", "NODE_HEARD_AGAIN", NULL, NULL, "%s sends heartbeats again",
                                  node_name(d, from));
        }
        if (from == d->cfg.node_id && d->view.quorate)
                lease_renew(d, (uint64_t) json_integer_value(json_object_get(m, "t")));
}

static void set_remote_state(Daemon *d, uint32_t from, const char *id, const char *state, const char *reason) {
        RtResource *r = rt_resource(d, id);
        if (!r)
                return;
        /* A node that does not run it says it stopped: news of an old run
         * (a node thawed, or taken over), not of the one on its owner. */
        if (r->owner && r->owner != from && !running(state))
                return;
        /* What runs here is known here better than anyone can say; what
         * the other node says is kept for when it stops here. */
        if (r->owner == d->cfg.node_id && running(r->state)) {
                free(r->shadow_state);
                free(r->shadow_reason);
                r->shadow_state = strdup(state);
                r->shadow_reason = reason ? strdup(reason) : NULL;
                r->shadow_owner = r->shadow_state ? from : 0;
                return;
        }
        r->owner = running(state) || is(state, "Failed") ? from : 0;
        rt_set_state(d, r, state, reason);
}

void share_local_stopped(Daemon *d, RtResource *r) {
        if (!d->multi || !r->shadow_owner)
                return;
        uint32_t owner = r->shadow_owner;
        char *state = r->shadow_state, *reason = r->shadow_reason;
        r->shadow_owner = 0;
        r->shadow_state = r->shadow_reason = NULL;
        r->owner = running(state) || is(state, "Failed") ? owner : 0;
        rt_set_state(d, r, state, reason);
        free(state);
        free(reason);
}

static void apply_report(Daemon *d, uint32_t from, const json_t *m) {
        d->live[from].reported = true;
        if (from == d->cfg.node_id)
                return;
        json_t *groups = json_object_get(m, "groups"), *res = json_object_get(m, "resources");
        size_t it = 0, i;
        RtGroup *g;
        json_t *o;
        /* It speaks for itself alone: what it no longer claims is no
         * longer its own. */
        while ((g = hashmap_next(d->groups, &it, NULL)))
                if (g->owner == from) {
                        bool claimed = false;
                        json_array_foreach(groups, i, o)
                                claimed = claimed || is(json_string_value(o), g->id);
                        if (!claimed)
                                g->owner = 0;
                }
        json_array_foreach(groups, i, o)
                if (json_is_string(o) && (g = rt_group(d, json_string_value(o))))
                        g->owner = from;
        RtResource *r;
        it = 0;
        while ((r = hashmap_next(d->resources, &it, NULL)))
                if (r->owner == from) {
                        bool listed = false;
                        json_array_foreach(res, i, o)
                                listed = listed || is(jstr(o, "id"), r->id);
                        if (!listed) {
                                r->owner = 0;
                                rt_set_state(d, r, "Offline", NULL);
                        }
                }
        json_array_foreach(res, i, o)
                if (jstr(o, "id") && jstr(o, "state"))
                        set_remote_state(d, from, jstr(o, "id"), jstr(o, "state"), jstr(o, "reason"));
}

static void apply_place(Daemon *d, uint32_t from_node, const json_t *m) {
        const char *gid = jstr(m, "group");
        json_t *ring = json_object_get(m, "view_ring");
        uint32_t from = (uint32_t) json_integer_value(json_object_get(m, "from"));
        uint32_t to = (uint32_t) json_integer_value(json_object_get(m, "to"));
        bool takeover = json_is_true(json_object_get(m, "takeover"));
        RtGroup *g = gid ? rt_group(d, gid) : NULL;
        if (!g)
                return;
        g->placing = false;
        const char *why = NULL;
        if (from_node != coordinator_of(d))
                why = "it does not come from the coordinator of this view";
        else if (!d->view.quorate)
                why = "this node has no quorum";
        else if ((uint64_t) json_integer_value(json_array_get(ring, 1)) != d->view.ring ||
                 (uint32_t) json_integer_value(json_array_get(ring, 0)) != d->view.ring_node)
                why = "it was made in an older view";
        else if (to > NODE_ID_MAX || from > NODE_ID_MAX)
                why = "it names no node";
        else if (takeover && from && share_node_up(d, from))
                why = "the node it takes from is up";
        else if (takeover && from && d->live[from].hb > (uint64_t) json_integer_value(json_object_get(m, "hb")))
                why = "the node it takes from has sent a heartbeat since";
        _cleanup_free_ char *name = rt_object_name(d, "group", gid);
        if (why) {
                clusterlog_printf(d->log, "info", "PLACEMENT_DROPPED", gid, name, "placement on %s dropped: %s",
                                  to ? node_name(d, to) : "no node", why);
                fm_kick(d);
                return;
        }
        if (takeover && from) {
                /* What the lost node ran has been stopped by its lease. */
                json_t *res = db_resources(d->db, gid);
                size_t i;
                json_t *o;
                json_array_foreach(res, i, o) {
                        RtResource *r = hashmap_get(d->resources, jstr(o, "id"));
                        if (r && r->owner == from && from != d->cfg.node_id) {
                                r->owner = 0;
                                rt_set_state(d, r, "Offline", "its node was lost; stopped there by the lease");
                        }
                }
                json_decref(res);
        }
        if (g->move_to && (to == g->move_to || !takeover))
                g->move_to = 0;
        g->failed_from = 0;
        g->owner = to;
        g->lost = false;
        if (!to && jstr(m, "reason")) {
                /* Nowhere to go: Failed on every node alike, placed again
                 * when a node or what placement reads changes. */
                _cleanup_free_ char *reason = NULL;
                if (asprintf(&reason, "%s; it is placed again by itself when a node can take it: a node joins or "
                             "resumes, or PossibleOwners changes", jstr(m, "reason")) < 0)
                        reason = NULL;
                rt_group_fail(d, g, reason ? reason : jstr(m, "reason"), true);
                fm_kick(d);
                return;
        }
        clusterlog_printf(d->log, "info", takeover ? "GROUP_TAKEN_OVER" : "GROUP_PLACED", gid, name, "%s%s%s on %s",
                          takeover ? "taken over from " : "placed", takeover ? node_name(d, from) : "",
                          takeover ? "," : "", to ? node_name(d, to) : "no node");
        fm_kick(d);
}

void share_delivered(Daemon *d, const json_t *msg) {
        const char *type = jstr(msg, "type");
        json_int_t origin = json_integer_value(json_object_get(msg, "origin"));
        if (!d->multi || origin < 1 || origin > NODE_ID_MAX)
                return;
        uint32_t from = (uint32_t) origin;
        if (is(type, "rt.alive"))
                apply_alive(d, from, msg);
        else if (is(type, "rt.report"))
                apply_report(d, from, msg);
        else if (is(type, "rt.state") && from != d->cfg.node_id && jstr(msg, "id") && jstr(msg, "state"))
                set_remote_state(d, from, jstr(msg, "id"), jstr(msg, "state"), jstr(msg, "reason"));
        else if (is(type, "rt.release")) {
                RtGroup *g = jstr(msg, "group") ? hashmap_get(d->groups, jstr(msg, "group")) : NULL;
                if (g && g->owner == from) {
                        g->owner = 0;
                        g->lost = false;
                        /* Failed there: anywhere else next. */
                        if (json_is_true(json_object_get(msg, "failover")))
                                g->failed_from = from;
                        if (jstr(msg, "failed"))
                                fm_group_failed_until(d, g, jstr(msg, "failed"),
                                                      (uint64_t) json_integer_value(json_object_get(msg, "retry_at_ms")));
                }
        } else if (is(type, "rt.suspect")) {
                json_int_t id = json_integer_value(json_object_get(msg, "node"));
                json_int_t hb = json_integer_value(json_object_get(msg, "hb"));
                NodeLive *l = id >= 1 && id <= NODE_ID_MAX ? &d->live[id] : NULL;
                /* A heartbeat newer than the one it was suspected on came
                 * first: it is alive after all. */
                if (l && !l->down && hb >= 0 && l->hb <= (uint64_t) hb) {
                        l->down = true;
                        l->down_hb = (uint64_t) hb;
                        clusterlog_printf(d->log, "warning", "NODE_DOWN", NULL, NULL,
                                          "%s is down: its heartbeats stopped (said by %s)", node_name(d, (uint32_t) id),
                                          node_name(d, from));
                }
        } else if (is(type, "rt.fail")) {
                if (json_integer_value(json_object_get(msg, "node")) == d->cfg.node_id && jstr(msg, "id"))
                        fm_fail(d, jstr(msg, "id"));
        } else if (is(type, "rt.place"))
                apply_place(d, from, msg);
        fm_kick(d);
}

/* ---- start ---- */

int share_start(Daemon *d, char *err, size_t errlen) {
        if (!d->multi)
                return 0;
        int k = sd_event_add_time_relative(d->event, &d->hb_timer, CLOCK_MONOTONIC, d->timing.heartbeat_usec, 1000,
                                           on_heartbeat, d);
        if (k >= 0)
                k = sd_event_add_time(d->event, &d->lease_timer, CLOCK_MONOTONIC, UINT64_MAX, 1000, on_lease_end, d);
        if (k < 0) {
                snprintf(err, errlen, "cannot set up the heartbeat: %s", strerror(-k));
                return k;
        }
        (void) sd_event_source_set_enabled(d->hb_timer, SD_EVENT_ON);
        (void) sd_event_source_set_enabled(d->lease_timer, SD_EVENT_OFF);
        return 0;
}

void share_stop(Daemon *d) {
        d->hb_timer = sd_event_source_disable_unref(d->hb_timer);
        d->lease_timer = sd_event_source_disable_unref(d->lease_timer);
        d->takeover_timer = sd_event_source_disable_unref(d->takeover_timer);
}
