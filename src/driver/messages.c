/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the driver sends to the monitor and what it makes of the answers.
 * The connection itself (ids, hello, heartbeats, DeadlockTimeout, lease
 * renewal, the where page) is src/common/resmon-client.c; here every
 * request remembers why it was sent, and its reply is printed (annotated
 * with the request's type and resource so a reader need not know the ids)
 * and updates the last known state of the resource; the hello reply
 * becomes `attached`; events are printed as they come; a deadlock and the
 * monitor's end become `deadlock` and `monitor-exit`.
 *
 * Never prints a heartbeat's or a lease renewal's reply unless it carries
 * an error: they would drown everything else.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "macro.h"
#include "proto.h"

typedef struct Request {
        Driver *d;
        RequestKind kind;
        char *type;
        char *resource;     /* NULL when the request named none */
        uint64_t state_seq; /* ResourceStates.seq when sent */
} Request;

static const char *string_member(const json_t *o, const char *key) {
        return json_string_value(json_object_get(o, key));
}

static Request *request_free(Request *req) {
        if (!req)
                return NULL;
        free(req->type);
        free(req->resource);
        free(req);
        return NULL;
}

static Request *request_new(Driver *d, RequestKind kind, const char *type, const char *resource) {
        Request *req = calloc(1, sizeof *req);
        if (!req)
                return NULL;
        req->d = d;
        req->kind = kind;
        req->type = strdup(type ? type : "");
        req->resource = resource ? strdup(resource) : NULL;
        req->state_seq = d->states.seq;
        if (!req->type || (resource && !req->resource))
                return request_free(req);
        return req;
}

static void annotate(json_t *msg, const char *type, const char *resource) {
        json_object_set_new(msg, "request", json_string(type));
        if (resource && !json_object_get(msg, "resource"))
                json_object_set_new(msg, "resource", json_string(resource));
}

static void on_request_reply(ResmonClient *c, json_t *msg, void *userdata) {
        Request *req = userdata;
        Driver *d = req->d;

        d->awaited--;
        if (!msg) {
                /* The connection ended before the reply; its end was
                 * reported already. */
                request_free(req);
                return;
        }

        json_int_t error = json_integer_value(json_object_get(msg, "error"));
        const char *state = string_member(msg, "state");

        if (error == 0 && req->resource) {
                if (driver_streq(req->type, "close"))
                        resource_states_forget(&d->states, req->resource);
                else if (state)
                        (void) resource_states_set_reply(&d->states, req->resource, state,
                                                         req->state_seq);
        }
        if (req->kind == REQUEST_EXIT)
                d->exit_replied = error == 0;
        annotate(msg, req->type, req->resource);
        driver_emit(d, json_incref(msg));
        request_free(req);
        commands_check_block(d);
}

static int send_request(Driver *d, json_t *msg, RequestKind kind) {
        Request *req = request_new(d, kind, string_member(msg, "type"), string_member(msg, "resource"));
        if (!req)
                return -ENOMEM;
        int r = resmon_client_call(d->client, msg, on_request_reply, req, NULL);
        if (r < 0) {
                request_free(req);
                return r;
        }
        d->awaited++;
        return 0;
}

int driver_send(Driver *d, json_t *msg, RequestKind kind) {
        return send_request(d, msg, kind);
}

int driver_lease_start(Driver *d, uint64_t duration_usec, uint64_t renew_usec) {
        Request *req = request_new(d, REQUEST_LEASE_GRANT, "lease", NULL);
        if (!req)
                return -ENOMEM;
        int r = resmon_client_lease_start(d->client, duration_usec, renew_usec, on_request_reply, req);
        if (r < 0) {
                request_free(req);
                return r;
        }
        d->awaited++;
        return 0;
}

static void track_snapshot(Driver *d, const json_t *snap) {
        const char *resource = string_member(snap, "resource");
        const char *state = string_member(snap, "state");
        if (resource && state)
                (void) resource_states_set(&d->states, resource, state);
}

static void on_hello(ResmonClient *c, json_t *msg, void *userdata) {
        Driver *d = userdata;

        if (json_integer_value(json_object_get(msg, "error")) != 0) {
                annotate(msg, "hello", NULL);
                driver_emit(d, json_incref(msg));
                if (resmon_client_started(c))
                        (void) resmon_client_kill(c, SIGKILL);
                else
                        driver_exit(d, 1);
                return;
        }

        json_t *resources = json_object_get(msg, "resources");
        size_t i;
        json_t *snap;
        json_array_foreach(resources, i, snap)
                track_snapshot(d, snap);

        json_t *out = json_pack("{s:s, s:I, s:I}", "type", "attached", "pid",
                                json_integer_value(json_object_get(msg, "pid")), "version",
                                json_integer_value(json_object_get(msg, "version")));
        if (out) {
                const char *keys[] = { "name", "api_min", "api_max" };
                for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
                        json_t *v = json_object_get(msg, keys[k]);
                        if (v)
                                json_object_set(out, keys[k], v);
                }
                json_object_set_new(out, "resources",
                                    resources ? json_incref(resources) : json_array());
        }
        driver_emit(d, out);

        d->attached = true;
        driver_kick(d);
}

static void on_event(ResmonClient *c, json_t *msg, void *userdata) {
        Driver *d = userdata;

        driver_emit(d, json_incref(msg));
        if (driver_streq(string_member(msg, "type"), "state")) {
                track_snapshot(d, msg);
                commands_check_block(d);
        }
}

static void on_refused(ResmonClient *c, const char *request, json_t *reply, void *userdata) {
        Driver *d = userdata;

        annotate(reply, request, NULL);
        driver_emit(d, json_incref(reply));
}

static void on_problem(ResmonClient *c, const char *message, void *userdata) {
        driver_emit_error(userdata, "%s", message);
}

static json_t *string_or_null(const char *s) {
        return s && s[0] ? json_string(s) : json_null();
}

static void on_deadlock(ResmonClient *c, const ResmonWhere *where, uint64_t after_usec,
                        int kill_result, void *userdata) {
        Driver *d = userdata;

        driver_emit(d, json_pack("{s:s, s:o, s:o, s:I}", "type", "deadlock", "resource",
                                 string_or_null(where->resource), "entry_point",
                                 string_or_null(where->entry_point), "after_ms",
                                 (json_int_t) (after_usec / 1000)));
        if (kill_result < 0) {
                driver_emit_error(d, "Cannot kill the monitor: %s", strerror(-kill_result));
                driver_exit(d, 1);
        }
}

static void on_broken(ResmonClient *c, const char *why, int kill_result, void *userdata) {
        Driver *d = userdata;

        driver_emit_error(d, "The monitor sent a corrupt message (%s); the connection is closed",
                          why);
        /* Nothing to wait for when it cannot be ended. */
        if (kill_result < 0 && !resmon_client_started(c))
                driver_exit(d, 1);
}

static void on_ended(ResmonClient *c, const ResmonEnd *end, void *userdata) {
        Driver *d = userdata;

        json_t *out = json_pack("{s:s, s:I}", "type", "monitor-exit", "pid", (json_int_t) end->pid);
        if (out) {
                if (end->have_status) {
                        if (end->signal)
                                json_object_set_new(out, "signal", json_integer(end->signal));
                        else
                                json_object_set_new(out, "exit_code", json_integer(end->exit_code));
                }
                json_object_set_new(out, "resource", string_or_null(end->where.resource));
                json_object_set_new(out, "entry_point", string_or_null(end->where.entry_point));
        }
        driver_emit(d, out);

        /* A quit succeeded when the monitor acknowledged exit and then
         * ended well (its status is known only to its parent). */
        bool clean = d->quitting && d->exit_replied && !end->deadlocked &&
                     (!end->have_status || (end->signal == 0 && end->exit_code == 0));
        driver_exit(d, clean ? d->quit_status : 1);
}

const ResmonClientOps driver_client_ops = {
        .hello = on_hello,
        .event = on_event,
        .refused = on_refused,
        .problem = on_problem,
        .deadlock = on_deadlock,
        .broken = on_broken,
        .ended = on_ended,
};
