/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The failover manager: makes what runs match what is wanted. After every
 * applied message and every state a monitor reports, it looks at each group
 * again (coalesced into one pass on the loop) and acts on this node's share:
 *
 *   group wanted online, no owner      placement (policy/placement.c) → owner
 *   resource wanted, its dependencies  online (opened in a monitor first,
 *   online, not yet online             probed, then online)
 *   resource not wanted, no dependent  offline (dependents go first; one
 *   still running that needs it        with another OR-member Online does
 *                                      not need it)
 *   resource Failed unexpectedly       the restart policy (policy/policy.c):
 *                                      restart after RestartDelay, leave it
 *                                      Failed (another member of an
 *                                      OR-group stands in), or fail the
 *                                      group over
 *   group failed over, nowhere to go   Failed; tried again after
 *                                      RetryPeriodOnFailure
 *
 * Decisions are pure functions of the database, the membership and the
 * failure history; this file only carries them out. Must never block the
 * loop, and never start a resource whose previous run is not known to
 * have ended.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "decide.h"
#include "checkpoint.h"
#include "evict.h"
#include "metrics.h"
#include "macro.h"
#include "strv.h"
#include "monitors.h"
#include "props.h"
#include "time-util.h"

static int64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *jstr(const json_t *o, const char *k) {
        return json_string_value(json_object_get(o, k));
}

static bool is(const char *state, const char *what) {
        return state && strcmp(state, what) == 0;
}

static bool running(const char *state) {
        return is(state, "Online") || is(state, "OnlinePending") || is(state, "OfflinePending");
}

/* ---- talking to the monitors ---- */

/* A request under way, on the daemon's list until it is answered, or
 * until the daemon ends (a monitor that leaves answers nothing). */
typedef struct FmCall {
        Daemon *d;
        char *id;
        char *what;
        uint64_t sent_usec;
        struct FmCall *next, **prevp;
} Call;

static Call *call_new(Daemon *d, const char *id, const char *what) {
        Call *c = calloc(1, sizeof(*c));
        if (c) {
                c->d = d;
                c->id = strdup(id);
                c->what = strdup(what);
                c->sent_usec = now_monotonic_usec();
                c->next = d->calls;
                if (c->next)
                        c->next->prevp = &c->next;
                c->prevp = &d->calls;
                d->calls = c;
        }
        return c;
}

static void call_free(Call *c) {
        *c->prevp = c->next;
        if (c->next)
                c->next->prevp = c->prevp;
        free(c->id);
        free(c->what);
        free(c);
}

void fm_free(Daemon *d) {
        while (d->calls)
                call_free(d->calls);
}

static void request(Daemon *d, RtResource *r, const char *type);

static void on_reply(Monitors *m, const char *resource, const MonitorsReply *reply, void *userdata) {
        Call *c = userdata;
        Daemon *d = c->d;
        metrics_request_done(d, c->what, now_monotonic_usec() - c->sent_usec);
        RtResource *r = hashmap_get(d->resources, c->id);
        if (r) {
                r->in_flight = false;
                if (reply->error < 0) {
                        _cleanup_free_ char *name = rt_object_name(d, "resource", r->id);
                        clusterlog_printf(d->log, "warning", "RESOURCE_REQUEST_FAILED", r->id, name, "%s: %s", c->what,
                                          reply->message ? reply->message : strerror(-reply->error));
                        if (is(c->what, "open")) {
                                /* Could not even be opened (a plug-in missing on this
                                 * node, values it refuses): it cannot run here. */
                                rt_set_state(d, r, "Failed", reply->message);
                                r->held_failed = true;
                        }
                } else if (is(c->what, "open")) {
                        r->opened = true;
                        /* Is it running already (started before wolfpackd was)? */
                        request(d, r, "probe");
                } else if (is(c->what, "probe") && json_is_true(json_object_get(reply->reply, "running"))) {
                        r->owner = d->cfg.node_id;
                        /* OnlinePending: it is Online once seen ready (a state event). */
                        if (!is(reply->state, "OnlinePending")) {
                                rt_set_state(d, r, "Online", "found running");
                                share_resource_state(d, r);
                        }
                } else if (is(c->what, "close")) {
                        r->opened = false;
                }
        }
        call_free(c);
        fm_kick(d);
}

static void request(Daemon *d, RtResource *r, const char *type) {
        Call *c = call_new(d, r->id, type);
        if (!c)
                return;
        static const struct {
                const char *type;
                int (*fn)(Monitors *m, const char *resource, monitors_reply_fn fn, void *userdata);
        } calls[] = {
                { "online", monitors_online }, { "offline", monitors_offline }, { "terminate", monitors_terminate },
                { "probe", monitors_probe },   { "close", monitors_close },
        };
        int k = -EINVAL;
        r->in_flight = true;
        for (size_t i = 0; i < ELEMENTSOF(calls); i++)
                if (is(calls[i].type, type))
                        k = calls[i].fn(d->monitors, r->id, on_reply, c);
        if (k < 0) {
                r->in_flight = false;
                _cleanup_free_ char *name = rt_object_name(d, "resource", r->id);
                clusterlog_printf(d->log, "error", "RESOURCE_REQUEST_FAILED", r->id, name, "%s: %s", type, strerror(-k));
                call_free(c);
        }
}

/* The common properties the monitor enforces itself; the rest are ours. */
static const char *const monitor_common[] = { "LooksAlivePollInterval", "IsAlivePollInterval", "PendingTimeout" };

static void open_resource(Daemon *d, RtResource *r, json_t *res) {
        Call *c = call_new(d, r->id, "open");
        if (!c)
                return;
        json_t *common = json_object_get(res, "common");
        ResourceCommon rc;
        bool loaded = decide_resource_common(common, &rc, NULL, NULL, 0) >= 0;
        bool separate = loaded && rc.separate_monitor;
        wp_usec_t deadlock = loaded ? rc.deadlock_timeout : 300 * WP_USEC_PER_SEC;
        if (loaded)
                resource_common_done(&rc);
        json_t *mcommon = json_object();
        for (size_t i = 0; i < ELEMENTSOF(monitor_common); i++) {
                json_t *v = json_object_get(common, monitor_common[i]);
                if (v)
                        json_object_set(mcommon, monitor_common[i], v);
        }
        MonitorsOpen o = {
                .resource = r->id,
                .name = jstr(res, "name"),
                .rtype = jstr(res, "type"),
                .properties = json_object_get(res, "properties"),
                .common = mcommon,
                .separate = separate,
                .deadlock_timeout_usec = deadlock,
        };
        r->in_flight = true;
        int k = monitors_open(d->monitors, &o, on_reply, c);
        json_decref(mcommon);
        if (k < 0) {
                r->in_flight = false;
                clusterlog_printf(d->log, "error", "RESOURCE_OPEN_FAILED", r->id, jstr(res, "name"), "%s", strerror(-k));
                call_free(c);
        }
}

/* ---- dependencies ---- */

typedef struct NameLookup {
        Daemon *d;
        json_t *resources;
        unsigned depth;
        unsigned visits;  /* walks through the dependencies: bounded, diamonds revisit */
} NameLookup;

/* Enough for any real group; a walk past it gives up (says nothing is
 * held, or releases no more) rather than take the loop for long. */
#define NAME_LOOKUP_MAX_VISITS 4096u

static json_t *by_name_json(NameLookup *l, const char *name) {
        size_t i;
        json_t *o;
        json_array_foreach(l->resources, i, o)
                if (strcasecmp(jstr(o, "name"), name) == 0)
                        return o;
        return NULL;
}

static RtResource *by_name(NameLookup *l, const char *name) {
        json_t *o = by_name_json(l, name);
        return o ? hashmap_get(l->d->resources, jstr(o, "id")) : NULL;
}

static bool name_online(const char *name, void *userdata) {
        RtResource *r = by_name(userdata, name);
        return r && is(r->state, "Online");
}

static bool deps_online(Daemon *d, json_t *res, json_t *group_resources) {
        _cleanup_depexpr_ DepExpr *e = NULL;
        if (depexpr_parse(jstr(res, "depends"), &e, NULL, 0) < 0)
                return false;
        NameLookup l = { d, group_resources, 0, 0 };
        return depexpr_eval(e, name_online, &l);
}

static const json_t *held_prerequisite(NameLookup *l, const json_t *res);

/* Could the resource named come online, as far as the restart policy goes? */
static bool name_viable(const char *name, void *userdata) {
        NameLookup *l = userdata;
        json_t *o = by_name_json(l, name);
        RtResource *r = o ? hashmap_get(l->d->resources, jstr(o, "id")) : NULL;
        if (!o || (r && is(r->state, "Online")))
                return true;
        if (r && r->held_failed)
                return false;
        return held_prerequisite(l, o) == NULL;
}

/* The resource the policy left Failed that res needs (through its
 * dependencies, however deep), or NULL. */
static const json_t *held_prerequisite(NameLookup *l, const json_t *res) {
        _cleanup_depexpr_ DepExpr *e = NULL;
        if (l->depth > 64 || ++l->visits > NAME_LOOKUP_MAX_VISITS || depexpr_parse(jstr(res, "depends"), &e, NULL, 0) < 0)
                return NULL;
        l->depth++;
        const json_t *found = NULL;
        if (!depexpr_eval(e, name_viable, l)) {
                _cleanup_strv_free_ char **names = NULL;
                if (depexpr_names(e, &names) >= 0)
                        for (char **n = names; n && *n && !found; n++) {
                                json_t *o = by_name_json(l, *n);
                                RtResource *r = o ? hashmap_get(l->d->resources, jstr(o, "id")) : NULL;
                                if (r && r->held_failed)
                                        found = o;
                                else if (o && !(r && is(r->state, "Online")))
                                        found = held_prerequisite(l, o);
                        }
        }
        l->depth--;
        return found;
}

char *fm_blocked(Daemon *d, const json_t *res) {
        const char *gid = jstr(res, "group_id");
        RtGroup *g = gid ? hashmap_get(d->groups, gid) : NULL;
        char *s = NULL;
        if (g && g->failed)
                return asprintf(&s, "group %s is Failed: %s", jstr(res, "group"), g->reason ? g->reason : "no reason known") < 0
                               ? NULL
                               : s;
        RtResource *r = hashmap_get(d->resources, jstr(res, "id"));
        if (!is(jstr(res, "desired"), "online") || (r && is(r->state, "Online")) || !jstr(res, "depends") ||
            !*jstr(res, "depends"))
                return NULL;
        json_t *group = db_resources(d->db, gid);
        NameLookup l = { d, group, 0, 0 };
        const json_t *held = held_prerequisite(&l, res);
        if (held) {
                RtResource *h = hashmap_get(d->resources, jstr(held, "id"));
                const char *name = jstr(held, "name");
                if (asprintf(&s, "it needs %s, which is Failed (%s) and left so by its restart policy; run `wolfpack resource online %s` to try it again",
                             name, h && h->reason ? h->reason : "no reason known", name) < 0)
                        s = NULL;
        }
        json_decref(group);
        return s;
}

/* Online and staying so: not on its way down. */
static bool staying_online(const RtResource *r) {
        return r && is(r->state, "Online") && !(r->in_flight && r->stopping);
}

typedef struct Without {
        NameLookup l;
        const char *name;
} Without;

static bool online_without(const char *name, void *userdata) {
        Without *w = userdata;
        return strcasecmp(name, w->name) != 0 && staying_online(by_name(&w->l, name));
}

/* Does a resource of the group still run that needs res? One whose
 * OR-group has another member online does not: it stays up (depgraph.h). */
static bool dependents_running(Daemon *d, json_t *res, json_t *group_resources) {
        Without w = { { d, group_resources, 0, 0 }, jstr(res, "name") };
        size_t i;
        json_t *o;
        json_array_foreach(group_resources, i, o) {
                _cleanup_depexpr_ DepExpr *e = NULL;
                if (o == res || depexpr_parse(jstr(o, "depends"), &e, NULL, 0) < 0)
                        continue;
                if (!depexpr_references(e, w.name))
                        continue;
                RtResource *r = hashmap_get(d->resources, jstr(o, "id"));
                if (r && (running(r->state) || r->in_flight) && !depexpr_eval(e, online_without, &w))
                        return true;
        }
        return false;
}

/* ---- policy ---- */

static int on_restart_timer(sd_event_source *s, uint64_t usec, void *userdata);
static int on_retry_timer(sd_event_source *s, uint64_t usec, void *userdata);

/* No restart follows after all (the group is taken down, the resource
 * is no longer wanted). */
static void restart_cancel(RtResource *r) {
        r->restart_timer = sd_event_source_disable_unref(r->restart_timer);
        r->restart_attempt = 0;
}

static void record_failure(Daemon *d, const char *object, const char *kind) {
        json_t *m = json_pack("{s:s, s:s, s:s, s:i}", "type", "failure.record", "object", object, "kind", kind, "node",
                              (int) d->cfg.node_id);
        if (m)
                (void) command_send(d, m, NULL, NULL);
}

static void take_group_down(Daemon *d, const char *group_id) {
        json_t *res = db_resources(d->db, group_id);
        size_t i;
        json_t *o;
        json_array_foreach(res, i, o) {
                RtResource *r = rt_resource(d, jstr(o, "id"));
                if (!r)
                        continue;
                restart_cancel(r);
                if (r->opened && running(r->state)) {
                        r->stopping = true;
                        request(d, r, "terminate");
                }
        }
        json_decref(res);
}

/* The retry period of a group: the shortest RetryPeriodOnFailure of its
 * resources. */
static uint64_t group_retry_ms(const json_t *resources) {
        size_t n = json_array_size(resources);
        ResourceCommon *rc = calloc(n + 1, sizeof(ResourceCommon));
        const ResourceCommon **p = calloc(n + 1, sizeof(ResourceCommon *));
        size_t m = 0;
        for (size_t i = 0; rc && p && i < n; i++)
                if (decide_resource_common(json_object_get(json_array_get(resources, i), "common"), &rc[m], NULL, NULL, 0) >= 0) {
                        p[m] = &rc[m];
                        m++;
                }
        uint64_t ms = p ? policy_retry_period_ms(p, m) : 3600 * 1000;
        for (size_t i = 0; i < m; i++)
                resource_common_done(&rc[i]);
        free(rc);
        free(p);
        return ms;
}

static void fail_group(Daemon *d, const char *group_id, const char *why) {
        json_t *g = db_group(d->db, group_id);
        RtGroup *rg = rt_group(d, group_id);
        json_t *res = db_resources(d->db, group_id);
        GroupCommon gc;
        if (!g || !rg || decide_group_common(json_object_get(g, "properties"), &gc, NULL, NULL, 0) < 0) {
                json_decref(g);
                json_decref(res);
                return;
        }
        int64_t now = now_ms();
        json_t *history = db_failures(d->db, group_id, now - (int64_t) (gc.failover_period / 1000));
        PolicyEvent *ev = NULL;
        size_t n = decide_events(history, "failover", &ev);
        json_decref(history);
        GroupDecision dec;
        uint64_t retry = group_retry_ms(res);
        int k = policy_group_failure(&gc, d->view.n_nodes ? d->view.n_nodes : d->view.n_members, ev, n, retry,
                                     (uint64_t) now, &dec);
        free(ev);
        group_common_done(&gc);
        rg->failovers++;
        record_failure(d, group_id, "failover");
        clusterlog_printf(d->log, "warning", "GROUP_FAILED", group_id, jstr(g, "name"), "%s; %s", why,
                          k >= 0 ? dec.reason : "no decision");
        take_group_down(d, group_id);
        uint64_t at = k >= 0 && dec.retry_at_ms ? dec.retry_at_ms : (uint64_t) now + retry;
        if (d->multi && k >= 0 && dec.action == GROUP_FAILOVER) {
                /* Let go, for the coordinator to place it on another node
                 * once what ran here has stopped (coordinator.c). */
                (void) share_release(d, rg, true, NULL, 0);
                json_decref(g);
                json_decref(res);
                return;
        }
        /* A failover needs another node; with none to go to, the group
         * stays Failed until RetryPeriodOnFailure has passed. */
        if (!d->multi)
                rg->owner = 0;
        char when[64] = "";
        time_t at_s = (time_t) (at / 1000);
        struct tm tm;
        if (retry > 0 && gmtime_r(&at_s, &tm))
                strftime(when, sizeof(when), ", at %H:%M:%S UTC", &tm);
        _cleanup_free_ char *reason = NULL;
        if (asprintf(&reason, "%s; %s%s; run `wolfpack group online %s` to try %s", why,
                     k >= 0 ? dec.reason : "no decision", when, jstr(g, "name"), retry > 0 ? "now" : "again") < 0)
                reason = NULL;
        if (d->multi) {
                /* Failed on every node alike: each one tries it again then. */
                (void) share_release(d, rg, false, reason ? reason : why, at);
        } else
                fm_group_failed_until(d, rg, reason ? reason : why, at);
        json_decref(g);
        json_decref(res);
}

void fm_group_failed_until(Daemon *d, RtGroup *rg, const char *reason, uint64_t at_ms) {
        rt_group_fail(d, rg, reason, false);
        rg->retry_timer = sd_event_source_disable_unref(rg->retry_timer);
        uint64_t now = (uint64_t) now_ms();
        if (sd_event_add_time_relative(d->event, &rg->retry_timer, CLOCK_MONOTONIC,
                                       (at_ms > now ? at_ms - now : 0) * 1000, 1000 * 1000, on_retry_timer, d) >= 0)
                sd_event_source_set_description(rg->retry_timer, rg->id);
}

json_t *fm_desire_message(Daemon *d, const char *id, const char *state) {
        json_t *res = db_resource(d->db, id);
        json_t *all = res ? db_resources(d->db, jstr(res, "group_id")) : NULL, *failed = json_array();
        size_t i;
        json_t *o;
        json_array_foreach(all, i, o) {
                RtResource *r = hashmap_get(d->resources, jstr(o, "id"));
                if (r && r->held_failed)
                        json_array_append_new(failed, json_string(r->id));
        }
        json_decref(all);
        json_decref(res);
        return json_pack("{s:s, s:s, s:s, s:o}", "type", "resource.desire", "id", id, "state", state, "failed", failed);
}

/* failed is left Failed and no longer satisfies an OR-group: each
 * dependent wanted online that references it is wished online again, and
 * with failed out of the way the wish brings another member of the group
 * (the one online would have picked). The dependent keeps running. */
static void stand_in(Daemon *d, json_t *failed) {
        json_t *res = db_resources(d->db, jstr(failed, "group_id"));
        size_t i;
        json_t *o;
        json_array_foreach(res, i, o) {
                _cleanup_depexpr_ DepExpr *e = NULL;
                if (!is(jstr(o, "desired"), "online") || depexpr_parse(jstr(o, "depends"), &e, NULL, 0) < 0 ||
                    !depexpr_references(e, jstr(failed, "name")))
                        continue;
                json_t *msg = fm_desire_message(d, jstr(o, "id"), "online");
                /* Policy's own wish, not an administrator's online: what the
                 * policy left Failed stays so (fm_applied). */
                if (msg)
                        json_object_set_new(msg, "stand_in", json_true());
                if (msg && command_send(d, msg, NULL, NULL) >= 0)
                        clusterlog_printf(d->log, "notice", "DEPENDENCY_STAND_IN", jstr(o, "id"), jstr(o, "name"),
                                          "%s is left Failed: another resource it may depend on instead comes online",
                                          jstr(failed, "name"));
        }
        json_decref(res);
}

/* What the restart policy does about r's failure now; for a restart,
 * which one it is (*ret_of: of how many, 0: no limit). */
static int failure_decide(Daemon *d, RtResource *r, ResourceDecision *ret, unsigned *ret_of) {
        json_t *res = db_resource(d->db, r->id);
        if (!res)
                return -ENOENT;
        ResourceCommon rc;
        if (decide_resource_common(json_object_get(res, "common"), &rc, NULL, NULL, 0) < 0 &&
            resource_common_init(&rc, NULL, 0) < 0) {
                json_decref(res);
                return -ENOMEM;
        }
        json_decref(res);
        /* All of it: the back-off replays restarts older than RestartPeriod. */
        json_t *history = db_failures(d->db, r->id, 0);
        PolicyEvent *ev = NULL;
        size_t n = decide_events(history, "restart", &ev);
        json_decref(history);
        int k = policy_resource_failure(&rc, ev, n, d->cfg.node_id, (uint64_t) now_ms(), ret);
        *ret_of = rc.restart_action == RESTART_ACTION_RESTART || rc.restart_threshold <= 0
                          ? 0
                          : rc.restart_threshold > UINT32_MAX ? UINT32_MAX : (unsigned) rc.restart_threshold;
        free(ev);
        resource_common_done(&rc);
        return k;
}

/* Carry out the policy's decision about r's failure. */
static void failure_act(Daemon *d, RtResource *r, const ResourceDecision *dec) {
        json_t *res = db_resource(d->db, r->id);
        if (!res)
                return;
        switch (dec->action) {
        case RESOURCE_RESTART:
                r->restarts++;
                record_failure(d, r->id, "restart");
                clusterlog_printf(d->log, "notice", "RESOURCE_RESTARTING", r->id, jstr(res, "name"), "%s", dec->reason);
                r->restart_timer = sd_event_source_disable_unref(r->restart_timer);
                if (sd_event_add_time_relative(d->event, &r->restart_timer, CLOCK_MONOTONIC, dec->delay_ms * 1000, 1000,
                                               on_restart_timer, d) >= 0)
                        sd_event_source_set_description(r->restart_timer, r->id);
                break;
        case RESOURCE_LEAVE_FAILED:
                r->held_failed = true;
                clusterlog_printf(d->log, "warning", "RESOURCE_LEFT_FAILED", r->id, jstr(res, "name"), "%s", dec->reason);
                stand_in(d, res);
                break;
        case RESOURCE_FAIL_GROUP:
                fail_group(d, jstr(res, "group_id"), dec->reason);
                break;
        }
        json_decref(res);
}

static int on_restart_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Daemon *d = userdata;
        const char *id = NULL;
        sd_event_source_get_description(s, &id);
        RtResource *r = id ? hashmap_get(d->resources, id) : NULL;
        if (r && r->restart_timer == s)
                r->restart_timer = sd_event_source_disable_unref(r->restart_timer);
        fm_kick(d);
        return 0;
}

static int on_retry_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Daemon *d = userdata;
        const char *id = NULL;
        sd_event_source_get_description(s, &id);
        RtGroup *g = id ? hashmap_get(d->groups, id) : NULL;
        if (g && g->retry_timer == s) {
                rt_group_clear(d, g);
                /* Resources the policy held get another chance too. */
                json_t *res = db_resources(d->db, g->id);
                size_t i;
                json_t *o;
                json_array_foreach(res, i, o) {
                        RtResource *r = hashmap_get(d->resources, jstr(o, "id"));
                        if (r)
                                r->held_failed = false;
                }
                json_decref(res);
                _cleanup_free_ char *name = rt_object_name(d, "group", g->id);
                clusterlog_printf(d->log, "notice", "GROUP_RETRY", g->id, name, "RetryPeriodOnFailure has passed; trying the group again");
        }
        fm_kick(d);
        return 0;
}

/* ---- the evaluation ---- */

static void evaluate_group(Daemon *d, json_t *g, bool *ret_busy) {
        const char *gid = jstr(g, "id");
        RtGroup *rg = rt_group(d, gid);
        if (!rg)
                return;
        json_t *res = db_resources(d->db, gid);
        bool want = is(jstr(g, "desired"), "online") && !d->stopping && !rg->failed;

        char why[512] = "";
        bool mine = rg->owner == d->cfg.node_id;
        if (d->multi) {
                /* The coordinator places (coordinator.c); this node runs
                 * what it owns while it holds the lease, and stops what it
                 * runs of any other group. */
                if (mine && !rg->lost && !share_may_run(d)) {
                        json_decref(res);
                        return;
                }
                want = want && mine && !rg->lost && !rg->releasing;
                size_t i;
                json_t *o;
                json_array_foreach(res, i, o) {
                        RtResource *r = hashmap_get(d->resources, jstr(o, "id"));
                        /* Still running on its former owner: wait for it. */
                        if (r && r->owner && r->owner != d->cfg.node_id && running(r->state))
                                want = false;
                }
        } else if (want && rg->owner == 0) {
                /* The coordinator places; on this engine that is us. */
                uint32_t node = coordinator_choose(d, g, res, 0, why, sizeof(why));
                if (node == 0) {
                        clusterlog_printf(d->log, "error", "GROUP_NO_NODE", gid, jstr(g, "name"), "%s", why);
                        _cleanup_free_ char *reason = NULL;
                        if (asprintf(&reason,
                                     "%s; it is placed again by itself when a node can take it: a node resumed "
                                     "(`wolfpack node resume NODE`) or PossibleOwners changed (`wolfpack resource set "
                                     "RESOURCE PossibleOwners=NODE,...`)",
                                     why) < 0)
                                reason = NULL;
                        rt_group_fail(d, rg, reason ? reason : why, true);
                        json_decref(res);
                        return;
                }
                rg->owner = node;
                rg->placed_usec = now_monotonic_usec();
                rg->placed_kind = NULL;
                rg->placed_from = 0;
                clusterlog_printf(d->log, "info", "GROUP_PLACED", gid, jstr(g, "name"), "placed on %s",
                                  node_name(d, node));
        }
        /* A group nobody owns that is not wanted (taken offline, or
         * Failed) may still hold Failed resources open here: those are
         * settled below, and nothing is started. */
        if (!d->multi && rg->owner != d->cfg.node_id && !(rg->owner == 0 && !want)) {
                json_decref(res);
                return;
        }

        bool anything = false;
        size_t i;
        json_t *o;
        json_array_foreach(res, i, o) {
                RtResource *r = rt_resource(d, jstr(o, "id"));
                if (!r)
                        continue;
                /* Another node's to run or stop: its state is that node's
                 * (what runs here is owned here), whether or not it is
                 * open in a monitor of this node. Failed or stopped there
                 * and this node's group now: this node's to start. */
                if (d->multi && r->owner && r->owner != d->cfg.node_id && !r->in_flight &&
                    (running(r->state) || !mine))
                        continue;
                if (d->multi && !mine && !r->opened)
                        continue;
                if (r->in_flight || running(r->state))
                        anything = true;
                if (r->in_flight)
                        continue;
                bool wished = is(jstr(g, "desired"), "online") && is(jstr(o, "desired"), "online");
                bool should = want && wished && !r->held_failed;
                if (should) {
                        if (running(r->state) || r->restart_timer)
                                continue;
                        if (r->opened && r->reopen) {
                                /* Opened again, in the monitor SeparateMonitor now says. */
                                r->reopen = false;
                                request(d, r, "close");
                                anything = true;
                                continue;
                        }
                        if (!r->opened) {
                                open_resource(d, r, o);
                                anything = true;
                                continue;
                        }
                        if (!deps_online(d, o, res))
                                continue;
                        /* What its CheckpointPaths held where it ran last. */
                        char err[512];
                        if (checkpoint_restore(d, o, err, sizeof(err)) < 0) {
                                clusterlog_printf(d->log, "error", "CHECKPOINT_RESTORE_FAILED", r->id, jstr(o, "name"),
                                                  "%s", err);
                                rt_set_state(d, r, "Failed", err);
                                r->held_failed = true;
                                continue;
                        }
                        r->stopping = false;
                        r->owner = d->cfg.node_id;
                        request(d, r, "online");
                        anything = true;
                } else {
                        if (is(r->state, "Failed") && r->opened && !wished) {
                                /* Failed and no longer wanted: Offline, so
                                 * the group can settle. */
                                r->stopping = true;
                                r->held_failed = false;
                                restart_cancel(r);
                                request(d, r, "offline");
                                anything = true;
                                continue;
                        }
                        if (!running(r->state))
                                continue;
                        if (dependents_running(d, o, res))
                                continue;
                        r->stopping = true;
                        /* An offline would wait behind the pending online,
                         * up to its PendingTimeout; nothing of it serves yet. */
                        request(d, r, is(r->state, "OnlinePending") ? "terminate" : "offline");
                        anything = true;
                }
        }
        if (!d->multi && !want && !anything)
                rg->owner = 0;
        if (rg->placed_usec && (rg->owner != d->cfg.node_id || !want))
                rg->placed_usec = 0;
        else if (rg->placed_usec && strcmp(rt_group_state(d, gid, res), "Online") == 0) {
                /* How long it took, as the administrator waits for it. */
                uint64_t ms = (now_monotonic_usec() - rg->placed_usec) / 1000;
                const char *k = rg->placed_kind;
                clusterlog_printf(d->log, "info", "GROUP_ONLINE", gid, jstr(g, "name"), "online on %s %" PRIu64 " ms after %s%s",
                                  node_name(d, d->cfg.node_id), ms,
                                  !k ? "it was placed here" : is(k, "failback") ? "its failback from " : "its move from ",
                                  k ? node_name(d, rg->placed_from) : "");
                rg->placed_usec = 0;
        }
        if (d->multi && mine && rg->lost && !rg->releasing && !anything) {
                /* Everything of it has stopped since the lease ran out:
                 * let it go, for the coordinator to place again; here
                 * alone when no member can be told. */
                if (share_release(d, rg, false, NULL, 0) < 0) {
                        rg->owner = 0;
                        rg->lost = false;
                }
        }
        *ret_busy = *ret_busy || anything;
        json_decref(res);
}

static int on_evaluate(sd_event_source *s, void *userdata) {
        Daemon *d = userdata;
        /* Nothing is decided before the first view, nor while resources
         * an earlier run left are being adopted: starting one of them
         * again would run it twice. */
        if (!d->have_view || d->reattaching)
                return 0;
        db_read_begin(d->db);
        json_t *groups = db_groups(d->db);
        bool busy = false;
        size_t i;
        json_t *g;
        json_array_foreach(groups, i, g)
                evaluate_group(d, g, &busy);
        coordinator_evaluate(d, groups);
        json_decref(groups);
        db_read_end(d->db);
        if (d->stopping && !busy && d->multi && d->view.quorate) {
                /* Leaving: what this node owned is for others to take now,
                 * without waiting for the takeover delay. */
                size_t it = 0;
                RtGroup *rg;
                while ((rg = hashmap_next(d->groups, &it, NULL)))
                        if (rg->owner == d->cfg.node_id && !rg->releasing)
                                (void) share_release(d, rg, false, NULL, 0);
        }
        if (d->stopping && !busy) {
                clusterlog_printf(d->log, "notice", "NODE_STOPPED", NULL, NULL, "every resource of this node is offline");
                sd_event_exit(d->event, 0);
        }
        return 0;
}

void fm_kick(Daemon *d) {
        if (!d->evaluate && sd_event_add_defer(d->event, &d->evaluate, on_evaluate, d) < 0)
                return;
        sd_event_source_set_enabled(d->evaluate, SD_EVENT_ONESHOT);
}

void fm_apply_deadlock_timeout(Daemon *d, const char *id) {
        json_t *res = db_resource(d->db, id);
        ResourceCommon rc;
        if (res && decide_resource_common(json_object_get(res, "common"), &rc, NULL, NULL, 0) >= 0) {
                (void) monitors_set_deadlock_timeout(d->monitors, id, rc.deadlock_timeout);
                resource_common_done(&rc);
        }
        json_decref(res);
}

void fm_fail(Daemon *d, const char *id) {
        RtResource *r = hashmap_get(d->resources, id);
        if (!r || !r->opened)
                return;
        r->fail_requested = true;
        r->stopping = false;
        request(d, r, "terminate");
}

void fm_shutdown(Daemon *d) {
        if (d->stopping)
                return;
        d->stopping = true;
        clusterlog_printf(d->log, "notice", "NODE_STOPPING", NULL, NULL,
                          "stopping this node's resources in dependency order; their desired state is kept");
        fm_kick(d);
}

void fm_resource_state(Daemon *d, const char *id, const char *state, const char *reason, json_t *readonly) {
        RtResource *r = rt_resource(d, id);
        if (!r)
                return;
        /* Stopped, the values are what the run left (a job's accounting,
         * no ProcessId), kept until the next run; without them, none. */
        if (readonly)
                readonly_set(r, readonly);
        else if (!running(state) || !running(r->state))
                readonly_set(r, NULL);
        if (d->multi && !running(state) && r->owner && r->owner != d->cfg.node_id) {
                /* A run here has ended while another node runs it (this node
                 * was frozen, or cut off, and taken over): that run is what
                 * the cluster shows, and this is no failure of it. */
                r->stopping = false;
                r->fail_requested = false;
                fm_kick(d);
                return;
        }
        if (running(state))
                r->owner = d->cfg.node_id;
        else if (is(state, "Offline"))
                r->owner = 0;
        /* Its CheckpointPaths copied while it is Online here. */
        if (is(state, "Online"))
                checkpoint_watch(d, r);
        else if (!running(state))
                checkpoint_unwatch(d, r);
        if (r->fail_requested && (is(state, "Offline") || is(state, "Failed"))) {
                r->fail_requested = false;
                state = "Failed";
                reason = "failed on the administrator's request";
        }
        bool unexpected = is(state, "Failed") && !r->stopping && !d->stopping;
        if (d->multi && unexpected) {
                /* Its group is no longer this node's (taken over while its
                 * lease ran out): not a failure for the policy. */
                json_t *res = db_resource(d->db, id);
                RtGroup *g = res ? hashmap_get(d->groups, jstr(res, "group_id")) : NULL;
                unexpected = g && g->owner == d->cfg.node_id && !g->lost;
                json_decref(res);
        }
        /* Decided before the state is told, so that the Failed state says
         * whether a restart follows (a waiting online rides through it). */
        ResourceDecision dec;
        unsigned of = 0;
        bool decided = unexpected && failure_decide(d, r, &dec, &of) >= 0;
        r->restart_attempt = 0;
        if (decided && dec.action == RESOURCE_RESTART) {
                r->restart_attempt = dec.restarts_in_window < UINT32_MAX ? dec.restarts_in_window + 1 : UINT32_MAX;
                r->restart_of = of;
                r->restart_at_usec = now_monotonic_usec() + dec.delay_ms * 1000;
        }
        rt_set_state(d, r, state, reason);
        share_resource_state(d, r);
        if (!running(state))
                share_local_stopped(d, r);
        if (decided)
                failure_act(d, r, &dec);
        fm_kick(d);
}

/* An administrator's online of a resource tries it now, as WSFC does: its
 * group is no longer Failed, and neither it nor what it needs (however
 * deep) is held Failed by the restart policy. */
static void release_for_online(Daemon *d, NameLookup *l, const json_t *res) {
        RtResource *r = hashmap_get(d->resources, jstr(res, "id"));
        if (r)
                r->held_failed = false;
        _cleanup_depexpr_ DepExpr *e = NULL;
        _cleanup_strv_free_ char **names = NULL;
        if (l->depth > 64 || ++l->visits > NAME_LOOKUP_MAX_VISITS || depexpr_parse(jstr(res, "depends"), &e, NULL, 0) < 0 ||
            depexpr_names(e, &names) < 0)
                return;
        l->depth++;
        for (char **n = names; *n; n++) {
                json_t *o = by_name_json(l, *n);
                if (o)
                        release_for_online(d, l, o);
        }
        l->depth--;
}

/* Placement failed for want of a node: a change of the nodes or of the
 * properties placement reads may have made room. */
static void retry_placement(Daemon *d) {
        size_t it = 0;
        RtGroup *g;
        while ((g = hashmap_next(d->groups, &it, NULL)))
                if (g->failed && g->no_node)
                        rt_group_clear(d, g);
}

void fm_applied(Daemon *d, const json_t *msg) {
        const char *type = jstr(msg, "type"), *id = jstr(msg, "id");
        if (is(type, "group.desire")) {
                /* An administrator's online clears what policy held; an
                 * offline ends the Failed state (the group is then Offline). */
                RtGroup *g = rt_group(d, id);
                if (g) {
                        rt_group_clear(d, g);
                        g->cold_held = false;
                }
                /* A move: the coordinator takes it there (coordinator.c). */
                json_t *to = json_object_get(msg, "node");
                if (g) {
                        g->move_to = is(jstr(msg, "state"), "online") && json_is_integer(to) ? (uint32_t) json_integer_value(to) : 0;
                        g->move_kind = g->move_to && is(jstr(msg, "kind"), "drain") ? "drain" : NULL;
                }
                if (!is(jstr(msg, "state"), "online")) {
                        fm_kick(d);
                        return;
                }
                json_t *res = db_resources(d->db, id);
                size_t i;
                json_t *o;
                json_array_foreach(res, i, o) {
                        RtResource *r = hashmap_get(d->resources, jstr(o, "id"));
                        if (r)
                                r->held_failed = false;
                }
                json_decref(res);
        } else if (is(type, "resource.desire") && is(jstr(msg, "state"), "online") &&
                   !json_is_true(json_object_get(msg, "stand_in"))) {
                json_t *res = db_resource(d->db, id);
                json_t *group = res ? db_resources(d->db, jstr(res, "group_id")) : NULL;
                RtGroup *g = res ? hashmap_get(d->groups, jstr(res, "group_id")) : NULL;
                if (g)
                        rt_group_clear(d, g);
                NameLookup l = { d, group, 0, 0 };
                if (res)
                        release_for_online(d, &l, res);
                json_decref(group);
                json_decref(res);
        } else if (is(type, "resource.delete")) {
                RtResource *r = hashmap_get(d->resources, id);
                if (r && r->opened)
                        (void) monitors_close(d->monitors, id, NULL, NULL);
                rt_forget_resource(d, id);
        } else if (is(type, "group.delete"))
                rt_forget_group(d, id);
        else if (is(type, "node.delete"))
                evict_applied(d, msg);
        if (is(type, "node.set") || is(type, "group.set") || is(type, "resource.set"))
                retry_placement(d);
        if (is(type, "resource.set")) {
                /* New values reach an open resource through its monitor:
                 * private ones and the monitor's timing at once (live or at
                 * the next online, as its type says), DeadlockTimeout (ours)
                 * at once, SeparateMonitor at the next online. */
                RtResource *r = hashmap_get(d->resources, id);
                json_t *common = json_object_get(msg, "common");
                json_t *priv = json_object_get(msg, "private");
                json_t *p = !r || !r->opened ? NULL : json_is_object(priv) ? json_deep_copy(priv) : json_object();
                for (size_t i = 0; p && i < ELEMENTSOF(monitor_common); i++) {
                        json_t *v = json_object_get(common, monitor_common[i]);
                        if (v)
                                json_object_set(p, monitor_common[i], v);
                }
                if (json_object_size(p) > 0)
                        (void) monitors_set_properties(d->monitors, id, p, NULL, NULL);
                json_decref(p);
                if (r && r->opened && json_object_get(common, "DeadlockTimeout"))
                        fm_apply_deadlock_timeout(d, id);
                if (r && r->opened && json_object_get(common, "SeparateMonitor"))
                        r->reopen = true;
        }
        fm_kick(d);
}
