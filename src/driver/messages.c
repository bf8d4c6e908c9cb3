/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the driver sends to the monitor and what it makes of the answers:
 * every request gets the next id and a record of why it was sent; replies
 * are matched to their request, printed (annotated with the request's type
 * and resource so a reader need not know the ids), and update the last
 * known state of the resource; the hello reply becomes `attached`; events
 * are printed as they come; the monitor's end becomes `monitor-exit`.
 *
 * Never prints a heartbeat's or a lease renewal's reply unless it carries
 * an error: they would drown everything else.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "driver.h"
#include "macro.h"
#include "proto.h"
#include "time-util.h"
#include "where-page.h"

static const char *string_member(const json_t *o, const char *key) {
        return json_string_value(json_object_get(o, key));
}

int driver_send(Driver *d, json_t *msg, RequestKind kind) {
        uint64_t id = ++d->next_id;
        int r;

        if (json_object_set_new(msg, "id", json_integer((json_int_t) id)) < 0)
                return -ENOMEM;
        r = requests_add(&d->requests, id, kind, string_member(msg, "type"),
                         string_member(msg, "resource"), now_monotonic_usec(), d->states.seq);
        if (r < 0)
                return r;
        r = monitor_link_send(d->link, msg);
        if (r < 0 && r != -EPIPE && r != -ECONNRESET && r != -ENOTCONN) {
                Request gone;
                if (requests_take(&d->requests, id, &gone))
                        request_done(&gone);
                return r;
        }
        /* A connection that just broke is reported by the link as the
         * monitor's end; the request stays unanswered until then. */
        return 0;
}

int driver_send_hello(Driver *d) {
        json_t *msg = json_pack("{s:s, s:[i]}", "type", "hello", "versions", PROTO_VERSION);
        if (!msg)
                return -ENOMEM;
        int r = driver_send(d, msg, REQUEST_HELLO);
        json_decref(msg);
        if (r >= 0)
                liveness_update(d);
        return r;
}

static void track_snapshot(Driver *d, const json_t *snap) {
        const char *resource = string_member(snap, "resource");
        const char *state = string_member(snap, "state");
        if (resource && state)
                (void) resource_states_set(&d->states, resource, state);
}

static void on_hello_reply(Driver *d, json_t *msg, json_int_t error) {
        if (error != 0) {
                json_object_set_new(msg, "request", json_string("hello"));
                driver_emit(d, json_incref(msg));
                if (monitor_link_started(d->link))
                        (void) monitor_link_signal(d->link, SIGKILL);
                else
                        driver_exit(d, 1);
                return;
        }

        json_int_t version = json_integer_value(json_object_get(msg, "version"));
        json_int_t pid = json_integer_value(json_object_get(msg, "pid"));
        if (version != PROTO_VERSION)
                driver_emit_error(d, "The monitor chose protocol version %lld, not %d",
                                  (long long) version, PROTO_VERSION);
        if (pid > 0) {
                if (!monitor_link_started(d->link)) {
                        int r = monitor_link_adopt_pid(d->link, (pid_t) pid);
                        if (r < 0)
                                driver_emit_error(d, "Cannot watch the monitor's pid %lld: %s",
                                                  (long long) pid, strerror(-r));
                }
                d->monitor_pid = (pid_t) pid;
        }

        _cleanup_close_ int fd = monitor_link_take_fd(d->link);
        if (fd < 0)
                driver_emit_error(d, "The hello reply carried no where page: a crash or hang "
                                     "cannot be charged to a resource");
        else {
                int r = where_page_map(fd, &d->where);
                if (r < 0)
                        driver_emit_error(d, "Cannot map the monitor's where page: %s",
                                          strerror(-r));
        }

        json_t *resources = json_object_get(msg, "resources");
        size_t i;
        json_t *snap;
        json_array_foreach(resources, i, snap)
                track_snapshot(d, snap);

        json_t *out = json_pack("{s:s, s:I, s:I}", "type", "attached", "pid", (json_int_t) pid,
                                "version", version);
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
        int r = liveness_start(d);
        if (r < 0)
                driver_emit_error(d, "Cannot start heartbeats: %s", strerror(-r));
        driver_kick(d);
}

static void annotate(json_t *msg, const Request *req) {
        json_object_set_new(msg, "request", json_string(req->type));
        if (req->resource && !json_object_get(msg, "resource"))
                json_object_set_new(msg, "resource", json_string(req->resource));
}

static void on_reply(Driver *d, json_t *msg) {
        json_int_t id = json_integer_value(json_object_get(msg, "id"));
        Request req;

        if (id <= 0 || !requests_take(&d->requests, (uint64_t) id, &req)) {
                driver_emit(d, json_incref(msg));
                return;
        }

        json_int_t error = json_integer_value(json_object_get(msg, "error"));
        const char *state = string_member(msg, "state");

        if (error == 0 && req.resource) {
                if (driver_streq(req.type, "close"))
                        resource_states_forget(&d->states, req.resource);
                else if (state)
                        (void) resource_states_set_reply(&d->states, req.resource, state,
                                                         req.state_seq);
        }

        switch (req.kind) {
        case REQUEST_HELLO:
                on_hello_reply(d, msg, error);
                break;
        case REQUEST_HEARTBEAT:
                liveness_update(d);
                if (error != 0) {
                        annotate(msg, &req);
                        driver_emit(d, json_incref(msg));
                }
                break;
        case REQUEST_LEASE_RENEW:
                if (error == 0)
                        break;
                __attribute__((fallthrough));
        case REQUEST_EXIT:
                d->exit_replied = error == 0;
                __attribute__((fallthrough));
        case REQUEST_COMMAND:
        case REQUEST_LEASE_GRANT:
                annotate(msg, &req);
                driver_emit(d, json_incref(msg));
                break;
        }
        request_done(&req);
        commands_check_block(d);
}

void driver_on_message(json_t *msg, void *userdata) {
        Driver *d = userdata;
        const char *type = string_member(msg, "type");

        if (driver_streq(type, "reply")) {
                on_reply(d, msg);
                return;
        }

        driver_emit(d, json_incref(msg));
        if (driver_streq(type, "state")) {
                track_snapshot(d, msg);
                commands_check_block(d);
        }
}

void driver_on_broken(const char *why, void *userdata) {
        Driver *d = userdata;

        driver_emit_error(d, "The monitor sent a corrupt message (%s); the connection is closed",
                          why);
        liveness_stop(d);
        /* A monitor that cannot speak the protocol is of no use: end it so
         * its end can be reported. */
        if (monitor_link_signal(d->link, SIGKILL) < 0 && !monitor_link_started(d->link))
                driver_exit(d, 1);
}

static json_t *string_or_null(const char *s) {
        return s && s[0] ? json_string(s) : json_null();
}

void driver_on_ended(const MonitorEnd *end, void *userdata) {
        Driver *d = userdata;
        WhereSnapshot where;

        liveness_stop(d);
        lease_stop(d);
        where_page_read(d->where, &where);

        pid_t pid = end->pid > 0 ? end->pid : d->monitor_pid;
        json_t *out = json_pack("{s:s, s:I}", "type", "monitor-exit", "pid", (json_int_t) pid);
        if (out) {
                if (end->have_status) {
                        if (end->signal)
                                json_object_set_new(out, "signal", json_integer(end->signal));
                        else
                                json_object_set_new(out, "exit_code", json_integer(end->exit_code));
                }
                json_object_set_new(out, "resource", string_or_null(where.resource));
                json_object_set_new(out, "entry_point", string_or_null(where.entry_point));
        }
        driver_emit(d, out);

        /* A quit succeeded when the monitor acknowledged exit and then
         * ended well (its status is known only to its parent). */
        bool clean = d->quitting && d->exit_replied && !d->deadlocked &&
                     (!end->have_status || (end->signal == 0 && end->exit_code == 0));
        driver_exit(d, clean ? d->quit_status : 1);
}
