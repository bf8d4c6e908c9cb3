/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's requests about resources: open (in the shared monitor or
 * one of the resource's own, started on demand), online, offline,
 * terminate, close, probe, get-properties, set-properties. Each goes to
 * the monitor that holds the resource and completes exactly once, from
 * the loop: with the monitor's reply, or with a refusal made here (an
 * unknown resource, no lease for online, a resource without a monitor, a
 * monitor that ended before answering).
 *
 * A request about types (validate, describe-type, list-types) goes to the
 * shared monitor, which every create and set of every resource needs: it
 * is answered here, with the monitor named, when the monitor does not
 * answer within TYPE_REQUEST_TIMEOUT_USEC, so that one busy or hung
 * plug-in never holds configuration changes up for its DeadlockTimeout.
 *
 * Keeps the resource table true to the replies: a refused open or a done
 * close forgets the resource (and a monitor of its own then exits); a
 * set-properties that took is remembered, so that the resource can be
 * opened again as it is. Never sends anything for a resource before what
 * was already sent for it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "monitors-internal.h"
#include "props.h"

#define TYPE_REQUEST_TIMEOUT_USEC (5ULL * 1000000ULL)

/* ---- calls ---- */

Call *call_new_for(Monitors *m, CallKind kind, const char *type, const char *resource) {
        Call *call = calloc(1, sizeof *call);
        if (!call)
                return NULL;
        call->owner = m;
        call->kind = kind;
        call->type = strdup(type);
        call->resource = resource ? strdup(resource) : NULL;
        if (!call->type || (resource && !call->resource))
                return call_free(call);
        return call;
}

Call *call_new(Monitors *m, CallKind kind, const char *type, MonResource *r) {
        Call *call = call_new_for(m, kind, type, r ? r->id : NULL);
        if (call && r) {
                call->incarnation = r->incarnation;
                call->event_seq = r->event_seq;
        }
        return call;
}

Call *call_free(Call *call) {
        if (!call)
                return NULL;
        sd_event_source_disable_unref(call->timeout);
        free(call->type);
        free(call->resource);
        json_decref(call->properties);
        free(call->rtype);
        free(call->message);
        free(call);
        return NULL;
}

int call_send(Monitor *mon, json_t *msg, Call *call) {
        call->monitor = mon;
        return resmon_client_call(mon->client, msg, call_on_reply, call, NULL);
}

static void call_complete(Call *call, int error, const char *message, json_t *reply) {
        Monitors *m = call->owner;

        if (m->leaving || !call->fn)
                return;
        MonitorsReply r = {
                .error = error,
                .message = message,
                .reply = reply,
        };
        if (reply) {
                r.property = json_string_value(json_object_get(reply, "property"));
                r.state = json_string_value(json_object_get(reply, "state"));
        }
        call->fn(m, call->resource, &r, call->userdata);
}

void call_defer(Call *call, int error, const char *fmt, ...) {
        Monitors *m = call->owner;

        call->error = error;
        if (fmt) {
                va_list ap;
                va_start(ap, fmt);
                if (vasprintf(&call->message, fmt, ap) < 0)
                        call->message = NULL;
                va_end(ap);
        }
        call->next = NULL;
        *m->deferred_tail = call;
        m->deferred_tail = &call->next;
        monitors_kick(m);
}

void calls_run_deferred(Monitors *m) {
        while (m->deferred && !m->leaving) {
                Call *call = m->deferred;
                m->deferred = call->next;
                if (!m->deferred)
                        m->deferred_tail = &m->deferred;
                call_complete(call, call->error,
                              call->message ? call->message : (call->error ? strerror(-call->error) : NULL),
                              NULL);
                call_free(call);
        }
}

void calls_drop_deferred(Monitors *m) {
        while (m->deferred) {
                Call *call = m->deferred;
                m->deferred = call->next;
                call_free(call);
        }
        m->deferred_tail = &m->deferred;
}

/* The resource a call was for, unless it was closed (or closed and opened
 * again) since. */
static MonResource *call_resource(Call *call) {
        MonResource *r = mon_resource_get(call->owner, call->resource);
        return r && r->incarnation == call->incarnation ? r : NULL;
}

/* ---- what replies change ---- */

static void forget_and_release(MonResource *r) {
        Monitor *mon = r->monitor;
        bool own = r->separate;

        mon_resource_forget(r);
        if (mon && own && strcmp(mon->name, MONITORS_MAIN) != 0 && monitor_count_resources(mon) == 0)
                monitor_exit(mon);
}

static void merge_properties(MonResource *r, json_t *props) {
        const char *key, *canonical;
        json_t *v;

        json_object_foreach(props, key, v) {
                if (mon_is_common(key, &canonical)) {
                        if (json_is_string(v))
                                json_object_set(r->common, canonical, v);
                        else
                                json_object_del(r->common, canonical);
                        continue;
                }
                /* Names are matched ignoring case: one entry per property. */
                const char *old;
                json_t *ov;
                void *tmp;
                json_object_foreach_safe(r->properties, tmp, old, ov)
                        if (strcasecmp(old, key) == 0)
                                json_object_del(r->properties, old);
                if (json_is_string(v))
                        json_object_set(r->properties, key, v);
        }
}

static void user_reply(Call *call, json_t *reply) {
        Monitors *m = call->owner;
        MonResource *r = call_resource(call);

        if (!reply) {
                if (m->leaving)
                        return;
                const Monitor *mon = call->monitor;
                char message[1024];
                snprintf(message, sizeof message,
                         "the resource monitor %s ended before answering%s%s",
                         mon ? mon->name : "?", mon && mon->death_reason ? ": " : "",
                         mon && mon->death_reason ? mon->death_reason : "");
                call_complete(call, -ECONNRESET, message, NULL);
                return;
        }

        int error = (int) json_integer_value(json_object_get(reply, "error"));
        const char *message = json_string_value(json_object_get(reply, "message"));
        const char *state = json_string_value(json_object_get(reply, "state"));

        if (strcmp(call->type, "open") == 0) {
                if (r && error < 0)
                        forget_and_release(r);
                else if (r && !r->state)
                        r->state = strdup(state ? state : "Offline");
                r = NULL;
        } else if (strcmp(call->type, "close") == 0) {
                if (r && (error == 0 || error == -ENOENT))
                        forget_and_release(r);
                r = NULL;
        } else if (strcmp(call->type, "set-properties") == 0 && r && error == 0 && call->properties)
                merge_properties(r, call->properties);

        /* A reply tells the state when the monitor answered; a state event
         * that came after the request was sent is newer. */
        if (r && state && r->state && r->event_seq == call->event_seq && r->recovery == RECOVERY_NONE &&
            strcmp(r->state, state) != 0)
                mon_resource_report(r, state, NULL, NULL);

        call_complete(call, error, error && !message ? strerror(-error) : message, reply);
}

static void quiet_reply(Call *call, json_t *reply) {
        if (!reply || json_integer_value(json_object_get(reply, "error")) == 0)
                return;
        monitors_log(call->owner, "warning", "MONITOR_REFUSED", mon_resource_get(call->owner, call->resource),
                     "resource monitor %s refused %s: %s", call->monitor ? call->monitor->name : "?",
                     call->type, json_string_value(json_object_get(reply, "message")) ?: "no reason given");
}

void call_on_reply(ResmonClient *client, json_t *reply, void *userdata) {
        Call *call = userdata;

        switch (call->kind) {
        case CALL_USER:
                user_reply(call, reply);
                break;
        case CALL_RECOVER_OPEN:
                recovery_open_reply(call, reply);
                break;
        case CALL_RECOVER_PROBE:
                recovery_probe_reply(call, reply);
                break;
        case CALL_DESCRIBE:
                reattach_describe_reply(call, reply);
                break;
        case CALL_QUIET:
                quiet_reply(call, reply);
                break;
        }
        call_free(call);
}

/* ---- requests ---- */

json_t *open_message(MonResource *r, json_t *props) {
        json_t *p = props ? json_incref(props) : mon_resource_open_properties(r);
        if (!p)
                return NULL;
        return json_pack("{s:s, s:s, s:s, s:s, s:o, s:O}", "type", "open", "resource", r->id, "name",
                         r->name, "rtype", r->rtype, "properties", p, "common", r->common);
}

/* true: sent; false: completed (deferred) with the error. */
static bool send_or_defer(Monitor *mon, json_t *msg, Call *call) {
        if (!msg) {
                call_defer(call, -ENOMEM, "out of memory");
                return false;
        }
        int k = call_send(mon, msg, call);
        json_decref(msg);
        if (k < 0) {
                call_defer(call, k, "cannot send %s to the resource monitor %s: %s", call->type,
                           mon->name, strerror(-k));
                return false;
        }
        return true;
}

static int on_call_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Call *call = userdata;
        const Monitor *mon = call->monitor;
        _cleanup_free_ char *wait = NULL, *limit = NULL;
        char message[1024];

        call->timeout = sd_event_source_disable_unref(call->timeout);
        (void) format_duration(TYPE_REQUEST_TIMEOUT_USEC, &wait);
        (void) format_duration(mon ? mon->deadlock_usec : RESMON_DEFAULT_DEADLOCK_TIMEOUT_USEC, &limit);
        snprintf(message, sizeof message,
                 "resource monitor %s (pid %d) did not answer %s within %s: a plug-in in it is busy or hung "
                 "(the monitor is killed and restarted once it has not answered for its DeadlockTimeout of %s); "
                 "try again later",
                 mon ? mon->name : "?", mon ? (int) resmon_client_pid(mon->client) : 0, call->type,
                 wait ? wait : "?", limit ? limit : "?");
        call_complete(call, -ETIMEDOUT, message, NULL);
        /* Answered: the reply, should it come, changes nothing. */
        call->fn = NULL;
        return 0;
}

static int resource_request(Monitors *m, const char *type, const char *resource, json_t *props,
                            monitors_reply_fn fn, void *userdata) {
        MonResource *r = mon_resource_get(m, resource);
        Call *call = r ? call_new(m, CALL_USER, type, r) : call_new_for(m, CALL_USER, type, resource);

        if (!call)
                return -ENOMEM;
        call->fn = fn;
        call->userdata = userdata;

        if (!r) {
                call_defer(call, -ENOENT, "no resource %s is open on this node; open it first",
                           resource ? resource : "(none)");
                return 0;
        }
        if (!r->monitor) {
                if (strcmp(type, "close") == 0) {
                        /* Nothing runs it any more: closing is forgetting. */
                        mon_resource_forget(r);
                        call_defer(call, 0, NULL);
                        return 0;
                }
                call_defer(call, -ENOTCONN,
                           "resource %s has no resource monitor (%s); close it and open it again",
                           r->id, r->lost_reason ? r->lost_reason : "its monitor is gone");
                return 0;
        }
        if (strcmp(type, "online") == 0 && !monitors_lease_valid(m)) {
                call_defer(call, -ENOLCK,
                           "this node holds no lease (it may not own resources now): resource %s "
                           "cannot go online",
                           r->id);
                return 0;
        }

        json_t *msg = json_pack("{s:s, s:s}", "type", type, "resource", r->id);
        /* Whether what a probe finds was ready before, nobody here knows. */
        if (msg && strcmp(type, "probe") == 0)
                json_object_set_new(msg, "check_ready", json_true());
        if (msg && props) {
                call->properties = json_deep_copy(props);
                if (!call->properties || json_object_set(msg, "properties", props) < 0) {
                        json_decref(msg);
                        msg = NULL;
                }
        }
        send_or_defer(r->monitor, msg, call);
        return 0;
}

int monitors_online(Monitors *m, const char *resource, monitors_reply_fn fn, void *userdata) {
        return resource_request(m, "online", resource, NULL, fn, userdata);
}

int monitors_offline(Monitors *m, const char *resource, monitors_reply_fn fn, void *userdata) {
        return resource_request(m, "offline", resource, NULL, fn, userdata);
}

int monitors_terminate(Monitors *m, const char *resource, monitors_reply_fn fn, void *userdata) {
        return resource_request(m, "terminate", resource, NULL, fn, userdata);
}

int monitors_close(Monitors *m, const char *resource, monitors_reply_fn fn, void *userdata) {
        return resource_request(m, "close", resource, NULL, fn, userdata);
}

int monitors_probe(Monitors *m, const char *resource, monitors_reply_fn fn, void *userdata) {
        return resource_request(m, "probe", resource, NULL, fn, userdata);
}

int monitors_get_properties(Monitors *m, const char *resource, monitors_reply_fn fn,
                            void *userdata) {
        return resource_request(m, "get-properties", resource, NULL, fn, userdata);
}

int monitors_set_properties(Monitors *m, const char *resource, json_t *properties,
                            monitors_reply_fn fn, void *userdata) {
        if (!json_is_object(properties)) {
                Call *call = call_new_for(m, CALL_USER, "set-properties", resource);
                if (!call)
                        return -ENOMEM;
                call->fn = fn;
                call->userdata = userdata;
                call_defer(call, -EINVAL, "set-properties needs an object of text values");
                return 0;
        }
        return resource_request(m, "set-properties", resource, properties, fn, userdata);
}

static Monitor *shared_monitor(Monitors *m, char *err, size_t errlen, int *ret_error) {
        Monitor *mon = monitor_find(m, MONITORS_MAIN);
        if (!mon) {
                *ret_error = monitor_spawn(m, MONITORS_MAIN, &mon, err, errlen);
                if (*ret_error < 0)
                        return NULL;
        }
        return mon;
}

int monitors_call(Monitors *m, const json_t *request, monitors_reply_fn fn, void *userdata) {
        static const char *const allowed[] = { "list-types", "describe-type", "validate" };
        const char *type = json_string_value(json_object_get(request, "type"));
        char err[1024];
        int k = 0;

        Call *call = call_new_for(m, CALL_USER, type ? type : "(none)", NULL);
        if (!call)
                return -ENOMEM;
        call->fn = fn;
        call->userdata = userdata;

        bool ok = false;
        for (size_t i = 0; type && i < ELEMENTSOF(allowed); i++)
                ok = ok || strcmp(type, allowed[i]) == 0;
        if (!ok) {
                call_defer(call, -EINVAL,
                           "\"%s\" is not a request about types: monitors_call sends list-types, "
                           "describe-type and validate; resources have calls of their own",
                           call->type);
                return 0;
        }
        Monitor *mon = shared_monitor(m, err, sizeof err, &k);
        if (!mon) {
                call_defer(call, k, "cannot start resource monitor %s: %s", MONITORS_MAIN, err);
                return 0;
        }
        json_t *msg = json_deep_copy(request);
        if (msg)
                json_object_del(msg, "id");
        /* Without the timer the request is merely unbounded: no reason
         * to refuse it. */
        if (send_or_defer(mon, msg, call))
                (void) sd_event_add_time_relative(m->event, &call->timeout, CLOCK_MONOTONIC,
                                                  TYPE_REQUEST_TIMEOUT_USEC, 10000, on_call_timeout, call);
        return 0;
}

int monitors_open(Monitors *m, const MonitorsOpen *o, monitors_reply_fn fn, void *userdata) {
        char err[1024];
        MonResource *r;
        Monitor *mon;
        int k;

        Call *call = call_new_for(m, CALL_USER, "open", o->resource);
        if (!call)
                return -ENOMEM;
        call->fn = fn;
        call->userdata = userdata;

        if (!o->resource || !o->rtype) {
                call_defer(call, -EINVAL, "open needs the resource's id and type");
                return 0;
        }
        if (id_validate("resource id", o->resource, err, sizeof err) < 0) {
                call_defer(call, -EINVAL, "%s", err);
                return 0;
        }
        if ((o->properties && !json_is_object(o->properties)) || (o->common && !json_is_object(o->common))) {
                call_defer(call, -EINVAL, "properties and common properties are objects of text values");
                return 0;
        }
        r = mon_resource_get(m, o->resource);
        if (r) {
                call_defer(call, -EEXIST, "resource %s is already open on this node (in resource monitor %s)",
                           r->id, r->monitor ? r->monitor->name : "none");
                return 0;
        }

        k = mon_resource_new(m, o->resource, o->name, o->rtype, &r);
        if (k < 0) {
                call_free(call);
                return k;
        }
        if (o->properties)
                json_object_update(r->properties, o->properties);
        if (o->common)
                json_object_update(r->common, o->common);
        r->separate = o->separate;
        r->deadlock_usec = o->deadlock_timeout_usec;
        call->incarnation = r->incarnation;
        call->event_seq = r->event_seq;

        _cleanup_free_ char *name = NULL;
        if (o->separate)
                k = monitor_name_for(r->id, &name);
        else
                k = (name = strdup(MONITORS_MAIN)) ? 0 : -ENOMEM;
        if (k < 0) {
                mon_resource_forget(r);
                call_free(call);
                return k;
        }
        mon = monitor_find(m, name);
        if (!mon) {
                k = monitor_spawn(m, name, &mon, err, sizeof err);
                if (k < 0) {
                        mon_resource_forget(r);
                        call_defer(call, k, "cannot start resource monitor %s: %s", name, err);
                        return 0;
                }
        }
        r->monitor = mon;
        monitor_update_deadlock(mon);

        json_t *msg = open_message(r, NULL);
        if (!msg || call_send(mon, msg, call) < 0) {
                json_decref(msg);
                forget_and_release(r);
                call_defer(call, -EIO, "cannot send open to the resource monitor %s", name);
                return 0;
        }
        json_decref(msg);
        return 0;
}
