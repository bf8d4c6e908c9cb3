/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One resource in the monitor: the state machine that calls its plug-in's
 * entry points, never two at once (terminate aside), with the request
 * queue, the LooksAlive/IsAlive polls, PendingTimeout and failure handling.
 *
 *   state          event                       action → next state
 *   Offline/Failed online request              online(): 0 → Online, -EINPROGRESS → OnlinePending,
 *                                              error → terminate() → Failed
 *   Offline        probe request               probe(): 1 → Online, 0 → Offline
 *   Offline        probe request, resume_online or check_ready
 *                                              resume_online(): 1 → Online, 0 → Offline,
 *                                              -EINPROGRESS → OnlinePending, error → terminate();
 *                                              a type without it: probe(), and with resume_online
 *                                              1 → terminate() → Offline
 *   OnlinePending  set_status(Online)          → Online, polls start
 *   OnlinePending  set_status(Failed/Offline)  terminate() → Failed
 *   OnlinePending  PendingTimeout              terminate() → Failed
 *   Online         offline request             offline(): 0 → Offline, -EINPROGRESS → OfflinePending,
 *                                              error → terminate() → Offline
 *   OfflinePending set_status(Offline)         → Offline
 *   OfflinePending set_status(Failed), PendingTimeout   terminate() → Failed
 *   Online         looks_alive/is_alive say no, set_status(Failed), lease expired
 *                                              terminate() → Failed
 *   Online         failure fd readable         is_alive() (at once, or when the running call ends)
 *   any            terminate request           terminate() → Offline
 *
 * Requests other than terminate and close wait in the queue while an entry
 * point runs, an online or offline is pending or an is_alive answer is due.
 * Ending a pending operation early bumps the generation, so that late
 * reports of the abandoned operation are ignored.
 *
 * Must never: call an entry point while another one of the same resource
 * runs (except terminate); keep a resource Online whose plug-in said it
 * failed; free a resource while work it queued is outstanding.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cgroup.h"
#include "link.h"
#include "macro.h"
#include "props.h"
#include "queue.h"
#include "resource.h"
#include "text-quote.h"
#include "time-util.h"

#define SLOW_CALL_USEC (300 * WP_USEC_PER_MSEC)

static const char *const state_names[_WP_STATE_MAX] = {
        [WP_STATE_OFFLINE] = "Offline",
        [WP_STATE_ONLINE_PENDING] = "OnlinePending",
        [WP_STATE_ONLINE] = "Online",
        [WP_STATE_OFFLINE_PENDING] = "OfflinePending",
        [WP_STATE_FAILED] = "Failed",
        [WP_STATE_INITIALIZING] = "Initializing",
};

const char *state_name(wp_state s) {
        return (unsigned) s < _WP_STATE_MAX ? state_names[s] : "Unknown";
}

/* ---- common properties ---- */

typedef struct CommonProp {
        const char *name;
        size_t offset;
        wp_usec_t def, min, max;
} CommonProp;

static const CommonProp common_props[] = {
        { "LooksAlivePollInterval", offsetof(Resource, looks_interval), 5 * WP_USEC_PER_SEC, 10 * WP_USEC_PER_MSEC,
          24 * 3600 * WP_USEC_PER_SEC },
        { "IsAlivePollInterval", offsetof(Resource, isalive_interval), 60 * WP_USEC_PER_SEC, 10 * WP_USEC_PER_MSEC,
          24 * 3600 * WP_USEC_PER_SEC },
        { "PendingTimeout", offsetof(Resource, pending_timeout), 180 * WP_USEC_PER_SEC, 10 * WP_USEC_PER_MSEC,
          24 * 3600 * WP_USEC_PER_SEC },
};

static const CommonProp *common_find(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(common_props); i++)
                if (strcasecmp(common_props[i].name, name) == 0)
                        return &common_props[i];
        return NULL;
}

static int common_set(Resource *r, const CommonProp *c, json_t *v, char *err, size_t errlen) {
        wp_usec_t u;
        if (!json_is_string(v)) {
                snprintf(err, errlen, "%s: values are given as text, such as \"5s\"", c->name);
                return -EINVAL;
        }
        const char *s = json_string_value(v);
        int k = parse_duration(s, &u);
        if (k < 0) {
                snprintf(err, errlen, "%s: %s %s", c->name, text_quote(s).s, parse_duration_error(k));
                return k == -ERANGE ? -ERANGE : -EINVAL;
        }
        if (u < c->min || u > c->max) {
                _cleanup_free_ char *lo = NULL, *hi = NULL;
                format_duration(c->min, &lo);
                format_duration(c->max, &hi);
                snprintf(err, errlen, "%s: %s is out of range; allowed %s to %s", c->name, text_quote(s).s, lo ? lo : "?",
                         hi ? hi : "?");
                return -ERANGE;
        }
        *(wp_usec_t *) ((char *) r + c->offset) = u;
        return 0;
}

static json_t *common_to_json(Resource *r) {
        json_t *o = json_object();
        for (size_t i = 0; i < ELEMENTSOF(common_props); i++) {
                _cleanup_free_ char *s = NULL;
                if (format_duration(*(wp_usec_t *) ((char *) r + common_props[i].offset), &s) >= 0)
                        json_object_set_new(o, common_props[i].name, json_string(s));
        }
        return o;
}

/* ---- calling entry points ---- */

static void call_enter(Resource *r, const char *ep) {
        r->in_call = true;
        free(r->error);
        r->error = NULL;
        manager_where_enter(r->m, r->id, ep);
}

static void call_leave(Resource *r, const char *ep) {
        struct resmon_where *w = r->m->where;
        uint64_t took = w ? now_monotonic_usec() - w->since_usec : 0;
        manager_where_leave(r->m);
        r->in_call = false;
        if (took > SLOW_CALL_USEC)
                manager_log(r->m, r, WP_LOG_WARNING, "RESMON_SLOW_CALL",
                            "%s took %llu ms; entry points must return within 300 ms and go pending for longer work",
                            ep, (unsigned long long) (took / 1000));
}

/* The message for an error an entry point returned. */
static char *call_error(Resource *r, const char *ep, int k) {
        char *s = NULL;
        if (r->error)
                s = strdup(r->error);
        else if (asprintf(&s, "%s failed: %s", ep, strerror(k < 0 ? -k : EIO)) < 0)
                s = NULL;
        return s;
}

static const wp_entry_points *EP(Resource *r) {
        return r->type->type->ep;
}

static void refresh_readonly(Resource *r) {
        const wp_type *t = r->type->type;
        if (!t->props || !EP(r)->control || !r->inst)
                return;
        call_enter(r, "control");
        int k = EP(r)->control(r->inst, (wp_resource *) r, WP_CONTROL_GET_READONLY, r->params, NULL);
        call_leave(r, "control");
        if (k < 0)
                return;
        json_t *all = props_to_json(t->props, r->params);
        json_t *ro = json_object();
        for (const wp_prop *p = t->props; p->name; p++)
                if (p->flags & WP_PROP_READONLY) {
                        json_t *v = json_object_get(all, p->name);
                        if (v)
                                json_object_set(ro, p->name, v);
                }
        json_decref(all);
        json_decref(r->readonly);
        r->readonly = ro;
}

/* ---- state changes ---- */

static bool busy(Resource *r);

static void set_state(Resource *r, wp_state s, const char *reason) {
        wp_state prev = r->state;
        r->state = s;
        json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?}", "type", "state", "resource", r->id, "name", r->name,
                               "state", state_name(s), "previous", state_name(prev), "reason", reason);
        if (!ev)
                return;
        /* Online: the values now. Offline, Failed: what the run left (a
         * job's accounting), which the plug-in keeps until the next online
         * and the parent shows until then. */
        if ((s == WP_STATE_OFFLINE || s == WP_STATE_FAILED) && !busy(r))
                refresh_readonly(r);
        if ((s == WP_STATE_ONLINE || s == WP_STATE_OFFLINE || s == WP_STATE_FAILED) && r->readonly)
                json_object_set(ev, "properties", r->readonly);
        manager_send(r->m, ev);
}

static int on_looks_timer(sd_event_source *s, uint64_t usec, void *userdata);
static int on_isalive_timer(sd_event_source *s, uint64_t usec, void *userdata);
static int on_pending_timer(sd_event_source *s, uint64_t usec, void *userdata);
static void dispatch(Resource *r);

static void arm(Resource *r, sd_event_source **s, wp_usec_t after, sd_event_time_handler_t cb) {
        /* Poll timers may fire up to a tenth of their interval late, so
         * that thousands of resources share wake-ups. */
        wp_usec_t accuracy = cb == on_pending_timer ? WP_USEC_PER_MSEC : after / 10;
        if (*s) {
                sd_event_source_set_time_relative(*s, after);
                sd_event_source_set_time_accuracy(*s, accuracy);
                sd_event_source_set_enabled(*s, SD_EVENT_ONESHOT);
                return;
        }
        if (sd_event_add_time_relative(r->m->event, s, CLOCK_MONOTONIC, after, accuracy, cb, r) < 0)
                manager_log(r->m, r, WP_LOG_ERROR, "RESMON_TIMER", "cannot arm a timer: out of resources");
}

static void disarm(sd_event_source *s) {
        if (s)
                sd_event_source_set_enabled(s, SD_EVENT_OFF);
}

static void polls_start(Resource *r) {
        arm(r, &r->looks_timer, r->looks_interval, on_looks_timer);
        arm(r, &r->isalive_timer, r->isalive_interval, on_isalive_timer);
}

static void polls_stop(Resource *r) {
        disarm(r->looks_timer);
        disarm(r->isalive_timer);
}

static bool busy(Resource *r) {
        return r->in_call || r->pending != PENDING_NONE || r->alive_pending || r->closing;
}

/* End whatever runs, with terminate(). */
static void do_terminate(Resource *r) {
        atomic_fetch_add(&r->gen, 1);
        polls_stop(r);
        disarm(r->pending_timer);
        r->pending = PENDING_NONE;
        r->alive_pending = false;
        r->failure_check_wanted = false;
        if (r->inst) {
                call_enter(r, "terminate");
                EP(r)->terminate(r->inst);
                call_leave(r, "terminate");
        }
}

static void fail(Resource *r, const char *reason) {
        manager_log(r->m, r, WP_LOG_WARNING, "RESOURCE_FAILED", "%s", reason ? reason : "failed");
        do_terminate(r);
        set_state(r, WP_STATE_FAILED, reason);
}

void resource_terminate(Resource *r, bool failed, const char *reason) {
        if (r->state == WP_STATE_OFFLINE && r->pending == PENDING_NONE)
                return;
        if (failed && r->state == WP_STATE_FAILED)
                return;
        do_terminate(r);
        set_state(r, failed ? WP_STATE_FAILED : WP_STATE_OFFLINE, reason);
        dispatch(r);
}

static void went_online(Resource *r, const char *reason) {
        r->pending = PENDING_NONE;
        disarm(r->pending_timer);
        refresh_readonly(r);
        polls_start(r);
        set_state(r, WP_STATE_ONLINE, reason);
}

static void went_offline(Resource *r, const char *reason) {
        r->pending = PENDING_NONE;
        disarm(r->pending_timer);
        set_state(r, WP_STATE_OFFLINE, reason);
}

/* ---- checks ---- */

static void check_result(Resource *r, const char *ep, int k) {
        if (k > 0)
                return;
        if (k == -EINPROGRESS && strcmp(ep, "is_alive") == 0) {
                r->alive_pending = true;
                arm(r, &r->pending_timer, r->pending_timeout, on_pending_timer);
                return;
        }
        _cleanup_free_ char *msg = call_error(r, ep, k);
        if (!r->error && k == 0) {
                free(msg);
                msg = NULL;
                if (asprintf(&msg, "%s reported a failure", strcmp(ep, "is_alive") == 0 ? "IsAlive" : "LooksAlive") < 0)
                        msg = NULL;
        }
        fail(r, msg);
}

static void run_is_alive(Resource *r) {
        call_enter(r, "is_alive");
        int k = EP(r)->is_alive(r->inst);
        call_leave(r, "is_alive");
        check_result(r, "is_alive", k);
}

static int on_looks_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Resource *r = userdata;
        if (r->state != WP_STATE_ONLINE)
                return 0;
        if (!busy(r)) {
                call_enter(r, "looks_alive");
                int k = EP(r)->looks_alive(r->inst);
                call_leave(r, "looks_alive");
                check_result(r, "looks_alive", k);
        }
        if (r->state == WP_STATE_ONLINE)
                arm(r, &r->looks_timer, r->looks_interval, on_looks_timer);
        return 0;
}

static int on_isalive_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Resource *r = userdata;
        if (r->state != WP_STATE_ONLINE)
                return 0;
        if (!busy(r))
                run_is_alive(r);
        if (r->state == WP_STATE_ONLINE)
                arm(r, &r->isalive_timer, r->isalive_interval, on_isalive_timer);
        return 0;
}

static int on_pending_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Resource *r = userdata;
        _cleanup_free_ char *timeout = NULL, *msg = NULL;
        format_duration(r->pending_timeout, &timeout);
        const char *what = r->pending == PENDING_ONLINE ? "online" : r->pending == PENDING_OFFLINE ? "offline" : NULL;
        if (what) {
                if (asprintf(&msg, "%s did not complete within PendingTimeout (%s); terminated", what,
                             timeout ? timeout : "?") < 0)
                        msg = NULL;
        } else if (r->alive_pending) {
                if (asprintf(&msg, "IsAlive did not answer within PendingTimeout (%s); terminated", timeout ? timeout : "?") < 0)
                        msg = NULL;
        } else
                return 0;
        fail(r, msg);
        dispatch(r);
        return 0;
}

void resource_failure_signalled(Resource *r) {
        if (r->state != WP_STATE_ONLINE)
                return;
        if (busy(r)) {
                r->failure_check_wanted = true;
                return;
        }
        run_is_alive(r);
        dispatch(r);
}

/* ---- reports from the plug-in ---- */

void resource_status(Resource *r, uint64_t gen, wp_state st, const char *reason) {
        if (gen != atomic_load(&r->gen) || r->closing)
                return; /* a report of an operation that has ended */
        switch (r->state) {
        case WP_STATE_ONLINE_PENDING:
                if (st == WP_STATE_ONLINE)
                        went_online(r, reason);
                else if (st == WP_STATE_ONLINE_PENDING)
                        set_state(r, st, reason);
                else if (st == WP_STATE_FAILED || st == WP_STATE_OFFLINE)
                        fail(r, reason ? reason : "online failed");
                break;
        case WP_STATE_OFFLINE_PENDING:
                if (st == WP_STATE_OFFLINE)
                        went_offline(r, reason);
                else if (st == WP_STATE_OFFLINE_PENDING)
                        set_state(r, st, reason);
                else if (st == WP_STATE_FAILED)
                        fail(r, reason ? reason : "offline failed");
                break;
        case WP_STATE_ONLINE:
                if (st == WP_STATE_FAILED)
                        fail(r, reason ? reason : "the resource reported a failure");
                break;
        default:
                break;
        }
        dispatch(r);
}

void resource_alive_result(Resource *r, uint64_t gen, bool alive, const char *reason) {
        if (gen != atomic_load(&r->gen) || !r->alive_pending)
                return;
        r->alive_pending = false;
        disarm(r->pending_timer);
        if (!alive)
                fail(r, reason ? reason : "IsAlive reported a failure");
        dispatch(r);
}

/* ---- requests ---- */

static void finish_close(Resource *r, Link *link, json_t *req);

static json_t *properties_json(Resource *r) {
        const wp_type *t = r->type->type;
        json_t *o = t->props ? props_to_json(t->props, r->params) : json_object();
        if (r->readonly)
                json_object_update(o, r->readonly);
        return o;
}

/* Give the plug-in new values while the resource is not running: through
 * control, or by opening the instance again. */
static int apply_offline(Resource *r, void *params, const char *const *names, char *err, size_t errlen) {
        const wp_entry_points *ep = EP(r);
        int k;
        if (ep->control) {
                call_enter(r, "control");
                k = ep->control(r->inst, (wp_resource *) r, WP_CONTROL_SET_PROPERTIES, params, names);
                call_leave(r, "control");
        } else {
                wp_instance inst = NULL;
                call_enter(r, "open");
                k = ep->open((wp_resource *) r, params, &inst);
                call_leave(r, "open");
                if (k >= 0) {
                        call_enter(r, "close");
                        ep->close(r->inst);
                        call_leave(r, "close");
                        r->inst = inst;
                }
        }
        if (k < 0) {
                _cleanup_free_ char *m = call_error(r, "control", k);
                snprintf(err, errlen, "%s", m ? m : "refused");
        }
        return k;
}

static void req_online(Resource *r, Link *l, json_t *req) {
        if (r->state == WP_STATE_ONLINE) {
                reply(l, req, 0, NULL, json_pack("{s:s}", "state", "Online"));
                return;
        }
        if (r->m->lease == LEASE_EXPIRED) {
                reply(l, req, -EPERM, "this monitor's lease has expired; it brings nothing online until its parent renews the lease", NULL);
                return;
        }
        size_t n = json_array_size(r->next_online);
        if (n > 0) {
                const char **names = calloc(n + 1, sizeof(char *));
                char err[512] = "";
                for (size_t i = 0; names && i < n; i++)
                        names[i] = json_string_value(json_array_get(r->next_online, i));
                int k = names ? apply_offline(r, r->params, names, err, sizeof(err)) : -ENOMEM;
                free(names);
                if (k < 0) {
                        reply(l, req, k, err, NULL);
                        return;
                }
                json_array_clear(r->next_online);
        }
        call_enter(r, "online");
        int k = EP(r)->online(r->inst);
        call_leave(r, "online");
        if (k == 0) {
                went_online(r, NULL);
                reply(l, req, 0, NULL, json_pack("{s:s}", "state", "Online"));
        } else if (k == -EINPROGRESS) {
                r->pending = PENDING_ONLINE;
                arm(r, &r->pending_timer, r->pending_timeout, on_pending_timer);
                set_state(r, WP_STATE_ONLINE_PENDING, NULL);
                reply(l, req, 0, NULL, json_pack("{s:s}", "state", "OnlinePending"));
        } else {
                _cleanup_free_ char *msg = call_error(r, "online", k);
                fail(r, msg);
                reply(l, req, k, msg, json_pack("{s:s}", "state", "Failed"));
        }
}

static void req_offline(Resource *r, Link *l, json_t *req) {
        if (r->state == WP_STATE_OFFLINE) {
                reply(l, req, 0, NULL, json_pack("{s:s}", "state", "Offline"));
                return;
        }
        if (r->state == WP_STATE_FAILED) {
                set_state(r, WP_STATE_OFFLINE, NULL);
                reply(l, req, 0, NULL, json_pack("{s:s}", "state", "Offline"));
                return;
        }
        polls_stop(r);
        call_enter(r, "offline");
        int k = EP(r)->offline(r->inst);
        call_leave(r, "offline");
        if (k == 0) {
                went_offline(r, NULL);
                reply(l, req, 0, NULL, json_pack("{s:s}", "state", "Offline"));
        } else if (k == -EINPROGRESS) {
                r->pending = PENDING_OFFLINE;
                arm(r, &r->pending_timer, r->pending_timeout, on_pending_timer);
                set_state(r, WP_STATE_OFFLINE_PENDING, NULL);
                reply(l, req, 0, NULL, json_pack("{s:s}", "state", "OfflinePending"));
        } else {
                _cleanup_free_ char *msg = call_error(r, "offline", k), *why = NULL;
                if (asprintf(&why, "%s; terminated", msg ? msg : "offline failed") < 0)
                        why = NULL;
                do_terminate(r);
                set_state(r, WP_STATE_OFFLINE, why);
                reply(l, req, k, why, json_pack("{s:s}", "state", "Offline"));
        }
}

/* resume_online, from a plug-in that speaks a version that has it. */
static int (*resume_entry(Resource *r))(wp_instance) {
        return r->type->type->api_version >= 2 ? EP(r)->resume_online : NULL;
}

/* probe, or with "resume_online" (the resource was OnlinePending when its
 * earlier monitor ended) resume_online: a resource found running is Online
 * only once it is seen ready; a type that cannot tell has it terminated.
 * "check_ready" (nobody knows whether it was ready) uses resume_online
 * where the type has it, and probe otherwise. */
static void req_probe(Resource *r, Link *l, json_t *req) {
        bool resume = json_is_true(json_object_get(req, "resume_online"));
        bool check = resume || json_is_true(json_object_get(req, "check_ready"));
        int (*resume_fn)(wp_instance) = check ? resume_entry(r) : NULL;
        const char *ep = resume_fn ? "resume_online" : "probe";

        if (r->state == WP_STATE_ONLINE) {
                reply(l, req, 0, NULL, json_pack("{s:b, s:s}", "running", 1, "state", "Online"));
                return;
        }
        if (r->state != WP_STATE_OFFLINE) {
                reply(l, req, -EBUSY, "probe runs only on an Offline resource; take it offline or terminate it first", NULL);
                return;
        }
        if (!EP(r)->probe && !resume_fn) {
                reply(l, req, -EOPNOTSUPP, "this resource type cannot probe", NULL);
                return;
        }
        call_enter(r, ep);
        int k = resume_fn ? resume_fn(r->inst) : EP(r)->probe(r->inst);
        call_leave(r, ep);
        if (k < 0 && !(k == -EINPROGRESS && resume_fn)) { /* probe has no pending form */
                _cleanup_free_ char *msg = call_error(r, ep, k);
                if (resume_fn)
                        do_terminate(r);
                reply(l, req, k, msg, NULL);
                return;
        }
        if (k > 0 && resume && !resume_fn) {
                _cleanup_free_ char *msg = NULL;
                do_terminate(r);
                if (asprintf(&msg,
                             "it was OnlinePending when its resource monitor ended, and type %s (Resource API "
                             "version %u) cannot resume waiting for it to be ready; terminated",
                             r->type->name, r->type->type->api_version) < 0)
                        msg = NULL;
                manager_log(r->m, r, WP_LOG_WARNING, "RESOURCE_RESUME_UNSUPPORTED", "%s", msg ? msg : "terminated");
                reply(l, req, -EOPNOTSUPP, msg ? msg : "cannot resume a pending online; terminated", NULL);
                return;
        }
        if (k == -EINPROGRESS) {
                r->pending = PENDING_ONLINE;
                arm(r, &r->pending_timer, r->pending_timeout, on_pending_timer);
                set_state(r, WP_STATE_ONLINE_PENDING, "found running; waiting again for it to be ready");
        } else if (k > 0)
                went_online(r, "found running");
        reply(l, req, 0, NULL, json_pack("{s:b, s:s}", "running", k != 0, "state", state_name(r->state)));
}

static void req_set_properties(Resource *r, Link *l, json_t *req) {
        json_t *values = json_object_get(req, "properties");
        if (!json_is_object(values)) {
                reply(l, req, -EINVAL, "set-properties needs \"properties\", an object of text values", NULL);
                return;
        }
        const wp_type *t = r->type->type;
        char err[512] = "";
        const char *key;
        json_t *v;
        _cleanup_free_ void *copy = calloc(1, t->params_size ? t->params_size : 1);
        if (!copy) {
                reply(l, req, -ENOMEM, "out of memory", NULL);
                return;
        }
        int k = t->props ? props_copy(t->props, copy, r->params, t->params_size) : 0;
        Resource shadow = *r; /* common values are checked on a copy first */
        json_t *live = json_array(), *later = json_array(), *applied = json_array();
        json_object_foreach(values, key, v) {
                if (k < 0)
                        break;
                const CommonProp *c = common_find(key);
                if (c) {
                        k = common_set(&shadow, c, v, err, sizeof(err));
                        if (k < 0)
                                break;
                        json_array_append_new(applied, json_string(c->name));
                        continue;
                }
                const wp_prop *p = t->props ? props_find(t->props, key) : NULL;
                if (!json_is_string(v)) {
                        snprintf(err, sizeof(err), "%s: values are given as text, as an administrator types them", key);
                        k = -EINVAL;
                        break;
                }
                k = t->props ? props_set(t->props, copy, key, json_string_value(v), err, sizeof(err)) : -ENOENT;
                if (k == -ENOENT && !t->props)
                        snprintf(err, sizeof(err), "no such property \"%s\": type %s has no properties", key, r->type->name);
                if (k < 0)
                        break;
                bool online = r->state == WP_STATE_ONLINE;
                json_array_append_new(online && !(p->flags & WP_PROP_LIVE) ? later : live, json_string(p->name));
        }
        if (k >= 0 && t->props)
                k = props_check_required(t->props, copy, err, sizeof(err));
        if (k >= 0 && EP(r)->control) {
                call_enter(r, "control");
                k = EP(r)->control(r->inst, (wp_resource *) r, WP_CONTROL_VALIDATE, copy, NULL);
                call_leave(r, "control");
                if (k < 0) {
                        _cleanup_free_ char *m = call_error(r, "validate", k);
                        snprintf(err, sizeof(err), "%s", m ? m : "refused");
                }
        }
        size_t n = json_array_size(live);
        if (k >= 0 && n > 0) {
                const char **names = calloc(n + 1, sizeof(char *));
                for (size_t i = 0; names && i < n; i++)
                        names[i] = json_string_value(json_array_get(live, i));
                if (!names)
                        k = -ENOMEM;
                else if (r->state == WP_STATE_ONLINE) {
                        call_enter(r, "control");
                        k = EP(r)->control ? EP(r)->control(r->inst, (wp_resource *) r, WP_CONTROL_SET_PROPERTIES, copy, names)
                                           : -EOPNOTSUPP;
                        call_leave(r, "control");
                        if (k < 0) {
                                _cleanup_free_ char *m = call_error(r, "control", k);
                                snprintf(err, sizeof(err), "%s", m ? m : "refused");
                        }
                } else
                        k = apply_offline(r, copy, names, err, sizeof(err));
                free(names);
        }
        if (k < 0) {
                if (t->props)
                        props_free(t->props, copy);
                json_decref(live);
                json_decref(later);
                json_decref(applied);
                reply(l, req, k, err, key ? json_pack("{s:s}", "property", key) : NULL);
                return;
        }
        /* Commit. */
        /* Re-arm the polls only when their intervals changed: a stream of
         * other changes must not keep postponing them. */
        bool intervals = shadow.looks_interval != r->looks_interval || shadow.isalive_interval != r->isalive_interval;
        r->looks_interval = shadow.looks_interval;
        r->isalive_interval = shadow.isalive_interval;
        r->pending_timeout = shadow.pending_timeout;
        if (intervals && r->state == WP_STATE_ONLINE)
                polls_start(r);
        if (t->props)
                props_free(t->props, r->params);
        free(r->params);
        r->params = TAKE_PTR(copy);
        json_array_extend(applied, live);
        for (size_t i = 0; i < json_array_size(later); i++) {
                json_t *name = json_array_get(later, i);
                bool seen = false;
                for (size_t j = 0; j < json_array_size(r->next_online); j++)
                        seen = seen || json_equal(json_array_get(r->next_online, j), name);
                if (!seen)
                        json_array_append(r->next_online, name);
        }
        if (json_array_size(later) > 0)
                manager_log(r->m, r, WP_LOG_NOTICE, "RESOURCE_PROPERTIES_DEFERRED",
                            "%zu changed properties cannot change while online and apply at the next online",
                            json_array_size(later));
        json_decref(live);
        reply(l, req, 0, NULL, json_pack("{s:o, s:o}", "applied", applied, "next_online", later));
}

static void req_get_properties(Resource *r, Link *l, json_t *req) {
        if (!busy(r) && r->state != WP_STATE_OFFLINE)
                refresh_readonly(r);
        json_t *o = json_pack("{s:o, s:o, s:s, s:O}", "properties", properties_json(r), "common", common_to_json(r),
                              "state", state_name(r->state), "next_online", r->next_online);
        /* The read-only ones apart too, so that a parent need not know the
         * type's table to pick them out. */
        if (o && r->readonly)
                json_object_set_new(o, "readonly", json_deep_copy(r->readonly));
        reply(l, req, 0, NULL, o);
}

static void run_request(Resource *r, Link *l, json_t *req) {
        const char *type = json_string_value(json_object_get(req, "type"));
        if (strcmp(type, "online") == 0)
                req_online(r, l, req);
        else if (strcmp(type, "offline") == 0)
                req_offline(r, l, req);
        else if (strcmp(type, "probe") == 0)
                req_probe(r, l, req);
        else if (strcmp(type, "set-properties") == 0)
                req_set_properties(r, l, req);
        else if (strcmp(type, "get-properties") == 0)
                req_get_properties(r, l, req);
        else
                reply(l, req, -EOPNOTSUPP, "not a resource request", NULL);
}

static void dispatch(Resource *r) {
        while (!busy(r) && r->queue) {
                Request *q = r->queue;
                r->queue = q->next;
                if (!r->queue)
                        r->queue_tail = &r->queue;
                run_request(r, link_find(r->m, q->link_id), q->msg);
                json_decref(q->msg);
                free(q);
        }
        if (!busy(r) && r->failure_check_wanted) {
                r->failure_check_wanted = false;
                if (r->state == WP_STATE_ONLINE) {
                        run_is_alive(r);
                        dispatch(r);
                }
        }
}

void resource_request(Resource *r, Link *l, json_t *req) {
        const char *type = json_string_value(json_object_get(req, "type"));
        if (r->closing) {
                reply(l, req, -ESHUTDOWN, "the resource is being closed", NULL);
                return;
        }
        if (strcmp(type, "terminate") == 0) {
                if (r->state != WP_STATE_OFFLINE || r->pending != PENDING_NONE) {
                        do_terminate(r);
                        set_state(r, WP_STATE_OFFLINE, "terminated");
                }
                reply(l, req, 0, NULL, json_pack("{s:s}", "state", "Offline"));
                dispatch(r);
                return;
        }
        if (strcmp(type, "close") == 0) {
                if (r->state != WP_STATE_OFFLINE && r->state != WP_STATE_FAILED) {
                        do_terminate(r);
                        set_state(r, WP_STATE_OFFLINE, "closed");
                } else if (r->pending != PENDING_NONE || r->alive_pending)
                        do_terminate(r);
                /* Requests still queued are answered: the resource is going. */
                while (r->queue) {
                        Request *q = r->queue;
                        r->queue = q->next;
                        reply(link_find(r->m, q->link_id), q->msg, -ESHUTDOWN, "the resource was closed", NULL);
                        json_decref(q->msg);
                        free(q);
                }
                r->queue_tail = &r->queue;
                r->closing = true;
                if (atomic_load(&r->work_outstanding) > 0) {
                        r->close_request = calloc(1, sizeof(Request));
                        if (r->close_request) {
                                r->close_request->msg = json_incref(req);
                                r->close_request->link_id = link_id(l);
                        }
                        return;
                }
                finish_close(r, l, req);
                return;
        }
        if (strcmp(type, "get-properties") == 0 && busy(r)) {
                /* Answer at once from what is known: the plug-in is busy. */
                req_get_properties(r, l, req);
                return;
        }
        Request *q = calloc(1, sizeof(*q));
        if (!q) {
                reply(l, req, -ENOMEM, "out of memory", NULL);
                return;
        }
        q->msg = json_incref(req);
        q->link_id = link_id(l);
        *r->queue_tail = q;
        r->queue_tail = &q->next;
        dispatch(r);
}

void resource_work_done(Resource *r) {
        if (atomic_fetch_sub(&r->work_outstanding, 1) == 1 && r->closing && r->close_request) {
                Request *q = TAKE_PTR(r->close_request);
                finish_close(r, link_find(r->m, q->link_id), q->msg);
                json_decref(q->msg);
                free(q);
        }
}

static void finish_close(Resource *r, Link *l, json_t *req) {
        hashmap_remove(r->m->resources, r->id);
        if (l && req)
                reply(l, req, 0, NULL, NULL);
        resource_free(r);
}

/* ---- open, snapshot, free ---- */

static void resource_free_struct(Resource *r) {
        if (!r)
                return;
        sd_event_source_disable_unref(r->looks_timer);
        sd_event_source_disable_unref(r->isalive_timer);
        sd_event_source_disable_unref(r->pending_timer);
        if (r->params)
                plugin_params_free(r->type, r->params);
        json_decref(r->next_online);
        json_decref(r->readonly);
        free(r->id);
        free(r->name);
        free(r->state_dir);
        free(r->cgroup);
        free(r->error);
        free(r);
}

void resource_free(Resource *r) {
        if (!r)
                return;
        if (r->inst) {
                if (r->state != WP_STATE_OFFLINE || r->pending != PENDING_NONE)
                        do_terminate(r);
                resource_release_sources(r);
                call_enter(r, "close");
                EP(r)->close(r->inst);
                call_leave(r, "close");
                r->inst = NULL;
        }
        resource_release_sources(r);
        while (r->queue) {
                Request *q = r->queue;
                r->queue = q->next;
                json_decref(q->msg);
                free(q);
        }
        if (r->close_request) {
                json_decref(r->close_request->msg);
                free(r->close_request);
        }
        /* Whatever the plug-in left running in the resource's cgroup goes
         * with the resource: nothing it started may outlive it. */
        if (cg_populated(r->cgroup) > 0) {
                manager_log(r->m, r, WP_LOG_WARNING, "RESOURCE_LEFTOVERS_KILLED",
                            "processes were left in the resource's cgroup at close; killed");
                (void) cg_kill(r->cgroup);
                for (int i = 0; i < 100 && cg_populated(r->cgroup) > 0; i++)
                        usleep(10000);
        }
        (void) cg_remove(r->cgroup);
        event_queue_forget(r->m->queue, r);
        resource_free_struct(r);
}

int resource_open(Manager *m, json_t *req, Resource **ret, char *err, size_t errlen, const char **ret_property) {
        const char *id = json_string_value(json_object_get(req, "resource"));
        const char *name = json_string_value(json_object_get(req, "name"));
        const char *rtype = json_string_value(json_object_get(req, "rtype"));
        json_t *props = json_object_get(req, "properties");
        json_t *common = json_object_get(req, "common");
        int k;

        if (!id || !rtype) {
                snprintf(err, errlen, "open needs \"resource\" (the id) and \"rtype\" (the resource type)");
                return -EINVAL;
        }
        if ((k = id_validate("resource id", id, err, errlen)) < 0)
                return k;
        if (!name)
                name = id;
        if ((k = name_validate("resource name", name, err, errlen)) < 0)
                return k;
        if (hashmap_get(m->resources, id)) {
                snprintf(err, errlen, "resource %s is already open in this monitor", id);
                return -EEXIST;
        }
        if ((props && !json_is_object(props)) || (common && !json_is_object(common))) {
                snprintf(err, errlen, "\"properties\" and \"common\" are objects of text values");
                return -EINVAL;
        }
        PluginType *pt;
        if ((k = plugin_get(m, rtype, &pt, err, errlen)) < 0)
                return k;

        Resource *r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->m = m;
        r->type = pt;
        r->state = WP_STATE_INITIALIZING;
        r->queue_tail = &r->queue;
        r->id = strdup(id);
        r->name = strdup(name);
        r->next_online = json_array();
        for (size_t i = 0; i < ELEMENTSOF(common_props); i++)
                *(wp_usec_t *) ((char *) r + common_props[i].offset) = common_props[i].def;
        if (asprintf(&r->state_dir, "%s/resources/%s", m->state_dir, id) < 0)
                r->state_dir = NULL;
        if (asprintf(&r->cgroup, "%s/%s", m->cgroup_base, id) < 0)
                r->cgroup = NULL;
        if (!r->id || !r->name || !r->state_dir || !r->cgroup || !r->next_online) {
                resource_free_struct(r);
                return -ENOMEM;
        }
        const char *key;
        json_t *v;
        json_object_foreach(common, key, v) {
                const CommonProp *c = common_find(key);
                if (ret_property)
                        *ret_property = key;
                if (!c) {
                        snprintf(err, errlen,
                                 "no such common property %s; common properties are LooksAlivePollInterval, "
                                 "IsAlivePollInterval, PendingTimeout",
                                 text_quote(key).s);
                        resource_free_struct(r);
                        return -ENOENT;
                }
                if ((k = common_set(r, c, v, err, errlen)) < 0) {
                        resource_free_struct(r);
                        return k;
                }
                if (ret_property)
                        *ret_property = NULL;
        }
        if ((k = plugin_params_new(pt, props, &r->params, err, errlen, ret_property)) < 0) {
                resource_free_struct(r);
                return k;
        }
        const wp_entry_points *ep = pt->type->ep;
        if (ep->control) {
                call_enter(r, "control");
                k = ep->control(NULL, (wp_resource *) r, WP_CONTROL_VALIDATE, r->params, NULL);
                call_leave(r, "control");
                if (k < 0) {
                        _cleanup_free_ char *msg = call_error(r, "validate", k);
                        snprintf(err, errlen, "%s", msg ? msg : "invalid properties");
                        resource_free_struct(r);
                        return k;
                }
        }
        if (hashmap_put(m->resources, r->id, r) < 0) {
                resource_free_struct(r);
                return -ENOMEM;
        }
        call_enter(r, "open");
        k = ep->open((wp_resource *) r, r->params, &r->inst);
        call_leave(r, "open");
        if (k < 0) {
                _cleanup_free_ char *msg = call_error(r, "open", k);
                snprintf(err, errlen, "%s", msg ? msg : "open failed");
                hashmap_remove(m->resources, r->id);
                resource_release_sources(r);
                event_queue_forget(m->queue, r);
                resource_free_struct(r);
                return k;
        }
        r->state = WP_STATE_OFFLINE;
        *ret = r;
        return 0;
}

json_t *resource_snapshot(Resource *r) {
        if (!busy(r) && r->state == WP_STATE_ONLINE)
                refresh_readonly(r);
        return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "resource", r->id, "name", r->name, "rtype", r->type->name,
                         "state", state_name(r->state), "properties", properties_json(r), "common", common_to_json(r));
}
