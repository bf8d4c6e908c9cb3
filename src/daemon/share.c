/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runtime state between nodes, on this node: the glue between the engine,
 * the owners' tables (owners.c, which holds the rules and the rt.* message
 * formats) and the rest of wolfpackd. It sends this node's heartbeat,
 * report and resource states, suspects silent members, ties this node's
 * lease to its own heartbeats coming back through the ring, and turns what
 * a delivered message changed into cluster log lines, events and a look by
 * the failover manager. Must never start or stop anything itself: the
 * failover manager acts on what the tables record.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "macro.h"
#include "monitors.h"
#include "time-util.h"

_Static_assert(offsetof(RtGroup, own) == 0, "an RtGroup is an OwnersGroup");
_Static_assert(offsetof(RtResource, own) == 0, "an RtResource is an OwnersResource");

static const char *jstr(const json_t *o, const char *k) {
        return json_string_value(json_object_get(o, k));
}

bool share_in_view(const Daemon *d, uint32_t id) {
        for (unsigned i = 0; i < d->view.n_members; i++)
                if (d->view.members[i] == id)
                        return true;
        return false;
}

bool share_node_up(const Daemon *d, uint32_t id) {
        if (d->owners)
                return owners_node_up(d->owners, id);
        return id >= 1 && id <= NODE_ID_MAX && share_in_view(d, id);
}

bool share_may_run(Daemon *d) {
        return !d->multi || monitors_lease_held(d->monitors);
}

/* ---- the tables are the daemon's own ---- */

static OwnersGroup *new_group(const char *id, void *userdata) {
        RtGroup *g = rt_group(userdata, id);
        return g ? &g->own : NULL;
}

static OwnersResource *new_resource(const char *id, void *userdata) {
        RtResource *r = rt_resource(userdata, id);
        return r ? &r->own : NULL;
}

static void set_state(OwnersResource *r, const char *state, const char *reason, void *userdata) {
        rt_set_state(userdata, (RtResource *) r, state, reason);
}

static json_t *group_resources(const char *group, void *userdata) {
        Daemon *d = userdata;
        return db_resources(d->db, group);
}

/* ---- sending ---- */

static void send_rt(Daemon *d, json_t *m) {
        if (m)
                (void) command_send(d, m, NULL, NULL);
}

/* Members whose heartbeats stopped: said once per view. */
static void suspect_silent(Daemon *d) {
        uint64_t now = now_monotonic_usec();
        uint32_t silent[OWNERS_NODE_MAX];
        size_t n = owners_silent(d->owners, now, d->timing.lease_usec, silent);
        for (size_t i = 0; i < n; i++) {
                clusterlog_printf(d->log, "warning", "NODE_SILENT", NULL, NULL,
                                  "no heartbeat from %s for %" PRIu64 " ms although corosync still lists it: "
                                  "its wolfpackd is stopped or starved; its lease has run out",
                                  node_name(d, silent[i]), (now - d->owners->live[silent[i]].last_usec) / 1000);
                send_rt(d, owners_suspect_message(d->owners, silent[i]));
        }
}

static int on_heartbeat(sd_event_source *s, uint64_t usec, void *userdata) {
        Daemon *d = userdata;
        if (d->view.quorate) {
                send_rt(d, owners_alive_message(++d->hb_sent, now_monotonic_usec()));
                suspect_silent(d);
                /* A member silent at the view must not hold every change. */
                sync_tick(d->sync);
        }
        (void) sd_event_source_set_time_relative(s, d->timing.heartbeat_usec);
        (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return 0;
}

int share_release(Daemon *d, RtGroup *g, bool failover, const char *failed, uint64_t retry_at_ms) {
        /* Told to every member in reach, with quorum or not, so that they
         * all hold the same owners. */
        json_t *m = d->view.n_members > 0 ? owners_release_message(g->id, failover, failed, retry_at_ms) : NULL;
        int k = m ? command_send(d, m, NULL, NULL) : -ENOTCONN;
        if (k >= 0)
                g->releasing = true;
        return k;
}

void share_resource_state(Daemon *d, const RtResource *r) {
        /* Told with quorum or not: the members in reach hold the same
         * states. */
        if (d->multi && d->view.n_members > 0)
                send_rt(d, owners_state_message(&r->own));
}

/* ---- the lease ---- */

static int on_lease_end(sd_event_source *s, uint64_t usec, void *userdata) {
        Daemon *d = userdata;
        if (monitors_lease_held(d->monitors))
                return 0;
        /* No heartbeat came back in time: the monitors terminate
         * everything; this node gives up its groups once they stopped. */
        unsigned n = owners_lease_lost(d->owners);
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
        if (!d->owners)
                return;
        if (owners_view(d->owners, &d->view, now_monotonic_usec())) {
                d->report_sent = false;
                size_t it = 0;
                RtGroup *g;
                while ((g = hashmap_next(d->groups, &it, NULL)))
                        if (g->failed && g->no_node)
                                rt_group_clear(d, g);
        }
        if (d->view.quorate && !d->report_sent && !d->reattaching) {
                d->report_sent = true;
                json_t *m = owners_report_message(d->owners);
                /* Too large with what it holds of the others' groups (a
                 * cluster of many thousands of resources): its own alone. */
                if (m && command_send(d, m, NULL, NULL) < 0)
                        send_rt(d, owners_report_message(d->owners));
        }
        fm_kick(d);
}

/* ---- applying ---- */

/* What a placement applied or dropped means here: logged, and a group
 * placed on no node is Failed on every node alike. */
static void placed(Daemon *d, const OwnersChange *c) {
        RtGroup *g = (RtGroup *) c->group;
        _cleanup_free_ char *name = rt_object_name(d, "group", g->id);
        if (c->dropped) {
                clusterlog_printf(d->log, "info", "PLACEMENT_DROPPED", g->id, name, "placement on %s dropped: %s",
                                  c->to ? node_name(d, c->to) : "no node", c->dropped);
                return;
        }
        if (!c->to && c->reason) {
                /* Nowhere to go: Failed on every node alike, placed again
                 * when a node or what placement reads changes. */
                _cleanup_free_ char *reason = NULL;
                if (asprintf(&reason, "%s; it is placed again by itself when a node can take it: a node joins or "
                             "resumes, or PossibleOwners changes", c->reason) < 0)
                        reason = NULL;
                rt_group_fail(d, g, reason ? reason : c->reason, true);
                return;
        }
        g->asked_here = c->kind && strcmp(c->kind, "move") == 0;
        if (c->to == d->cfg.node_id) {
                g->placed_usec = now_monotonic_usec();
                g->placed_kind = c->kind;
                g->placed_from = c->from;
        }
        if (c->kind && c->from) {
                bool failback = strcmp(c->kind, "failback") == 0, drain = strcmp(c->kind, "drain") == 0;
                clusterlog_printf(d->log, "info", failback ? "GROUP_FAILBACK" : "GROUP_MOVED", g->id, name,
                                  "%s from %s to %s%s%s", failback ? "failing back" : drain ? "moving off a drained node," : "moving",
                                  node_name(d, c->from), node_name(d, c->to), c->reason ? ": " : "", c->reason ? c->reason : "");
                return;
        }
        clusterlog_printf(d->log, "info", c->takeover ? "GROUP_TAKEN_OVER" : "GROUP_PLACED", g->id, name, "%s%s%s on %s",
                          c->takeover ? "taken over from " : "placed", c->takeover ? node_name(d, c->from) : "",
                          c->takeover ? "," : "", c->to ? node_name(d, c->to) : "no node");
}

void share_local_stopped(Daemon *d, RtResource *r) {
        if (d->owners)
                (void) owners_local_stopped(d->owners, (OwnersResource *) r);
}

void share_delivered(Daemon *d, const json_t *msg) {
        if (strcmp(jstr(msg, "type") ?: "", "rt.started") == 0) {
                coordinator_started(d);
                return;
        }
        if (strncmp(jstr(msg, "type") ?: "", "rt.log.", 7) == 0) {
                log_gather_delivered(d, msg);
                return;
        }
        OwnersChange c;
        if (!d->owners || owners_deliver(d->owners, msg, now_monotonic_usec(), &c) < 0)
                return;
        const char *type = jstr(msg, "type");
        if (c.heard_again)
                clusterlog_printf(d->log, "notice", "NODE_HEARD_AGAIN", NULL, NULL, "%s sends heartbeats again",
                                  node_name(d, c.sender));
        if (c.own_heartbeat)
                lease_renew(d, c.sent_usec);
        if (c.down)
                clusterlog_printf(d->log, "warning", "NODE_DOWN", NULL, NULL,
                                  "%s is down: its heartbeats stopped (said by %s)", node_name(d, c.down),
                                  node_name(d, c.sender));
        if (c.released && c.failed)
                fm_group_failed_until(d, (RtGroup *) c.group, c.failed, c.retry_at_ms);
        if (c.group && strcmp(type, "rt.place") == 0)
                placed(d, &c);
        if (type && strcmp(type, "rt.fail") == 0 && json_integer_value(json_object_get(msg, "node")) == d->cfg.node_id &&
            jstr(msg, "id"))
                fm_fail(d, jstr(msg, "id"));
        fm_kick(d);
}

/* ---- start ---- */

int share_start(Daemon *d, char *err, size_t errlen) {
        if (!d->multi)
                return 0;
        OwnersConfig oc = {
                .self = d->cfg.node_id,
                .groups = d->groups,
                .resources = d->resources,
                .new_group = new_group,
                .new_resource = new_resource,
                .set_state = set_state,
                .group_resources = group_resources,
                .userdata = d,
        };
        int k = owners_new(&oc, &d->owners);
        if (k >= 0)
                k = sd_event_add_time_relative(d->event, &d->hb_timer, CLOCK_MONOTONIC, d->timing.heartbeat_usec, 1000,
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
        d->owners = owners_free(d->owners);
}
