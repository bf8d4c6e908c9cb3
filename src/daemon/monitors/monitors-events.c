/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What each monitor's connection reports (src/common/resmon-client.h),
 * turned into the daemon's callbacks: the hello reply, `state` events
 * (held back while a resource is being probed in a new monitor, whose end
 * says what it is), `log` events (named with the monitor), refused
 * heartbeats and lease renewals, deadlocks, corrupt streams, and the end
 * of the monitor, which monitors-recovery.c deals with.
 *
 * Never reports a state event of a monitor that no longer holds the
 * resource.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitors-internal.h"

static const char *message_of(const json_t *reply) {
        return json_string_value(json_object_get(reply, "message")) ?: "no reason given";
}

static void on_hello(ResmonClient *c, json_t *reply, void *userdata) {
        Monitor *mon = userdata;
        Monitors *m = mon->owner;

        mon->said_hello = true;
        if (json_integer_value(json_object_get(reply, "error")) != 0) {
                monitors_log(m, "error", "MONITOR_HELLO_REFUSED", NULL,
                             "resource monitor %s refused hello: %s", mon->name, message_of(reply));
                free(mon->death_reason);
                if (asprintf(&mon->death_reason, "it refused hello: %s", message_of(reply)) < 0)
                        mon->death_reason = NULL;
        } else
                mon->attached = true;

        if (mon->adopted) {
                reattach_hello(mon, reply);
                return;
        }
        /* Of no use without the protocol: its end is dealt with as a
         * monitor that could not start. */
        if (!mon->attached)
                (void) resmon_client_kill(c, SIGKILL);
}

static void on_state(Monitor *mon, json_t *msg) {
        MonResource *r = mon_resource_get(mon->owner, json_string_value(json_object_get(msg, "resource")));
        const char *state = json_string_value(json_object_get(msg, "state"));
        json_t *properties = json_object_get(msg, "properties");

        if (!r || r->monitor != mon || !state)
                return;
        r->event_seq++;
        if (r->recovery != RECOVERY_NONE) {
                /* The probe's reply says what the daemon is told. */
                if (strcmp(state, "Online") == 0 && json_is_object(properties)) {
                        json_t *old = r->readonly;
                        r->readonly = json_incref(properties);
                        json_decref(old);
                }
                return;
        }
        mon_resource_report(r, state, json_string_value(json_object_get(msg, "reason")),
                            json_is_object(properties) ? properties : NULL);
}

static void on_event(ResmonClient *c, json_t *msg, void *userdata) {
        Monitor *mon = userdata;
        Monitors *m = mon->owner;
        const char *type = json_string_value(json_object_get(msg, "type"));

        if (!type)
                return;
        if (strcmp(type, "state") == 0)
                on_state(mon, msg);
        else if (strcmp(type, "log") == 0 && !m->leaving && m->cb.log) {
                json_object_set_new(msg, "monitor", json_string(mon->name));
                m->cb.log(m, msg, m->userdata);
        }
}

static void on_refused(ResmonClient *c, const char *request, json_t *reply, void *userdata) {
        Monitor *mon = userdata;

        monitors_log(mon->owner, "warning", "MONITOR_REFUSED", NULL, "resource monitor %s refused a %s: %s",
                     mon->name, request, message_of(reply));
}

static void on_problem(ResmonClient *c, const char *message, void *userdata) {
        Monitor *mon = userdata;

        monitors_log(mon->owner, "error", "MONITOR_PROBLEM", NULL, "resource monitor %s: %s", mon->name,
                     message);
}

static void on_deadlock(ResmonClient *c, const ResmonWhere *where, uint64_t after_usec,
                        int kill_result, void *userdata) {
        Monitor *mon = userdata;
        Monitors *m = mon->owner;

        monitors_log(m, "error", "MONITOR_DEADLOCK", mon_resource_get(m, where->resource),
                     "resource monitor %s (pid %d) did not answer for %llu ms%s%s%s%s; killing it",
                     mon->name, (int) resmon_client_pid(c), (unsigned long long) (after_usec / 1000),
                     where->entry_point[0] ? ": stuck in " : "", where->entry_point,
                     where->resource[0] ? " of " : "", where->resource);
        if (kill_result < 0)
                monitors_log(m, "error", "MONITOR_KILL_FAILED", NULL,
                             "cannot kill resource monitor %s: %s", mon->name, strerror(-kill_result));
}

static void on_broken(ResmonClient *c, const char *why, int kill_result, void *userdata) {
        Monitor *mon = userdata;

        monitors_log(mon->owner, "error", "MONITOR_PROTOCOL_ERROR", NULL,
                     "resource monitor %s sent a corrupt message (%s); it is killed", mon->name, why);
        if (kill_result < 0)
                monitors_log(mon->owner, "error", "MONITOR_KILL_FAILED", NULL,
                             "cannot kill resource monitor %s: %s", mon->name, strerror(-kill_result));
}

static void on_ended(ResmonClient *c, const ResmonEnd *end, void *userdata) {
        recovery_monitor_ended(userdata, end);
}

const ResmonClientOps monitor_client_ops = {
        .hello = on_hello,
        .event = on_event,
        .refused = on_refused,
        .problem = on_problem,
        .deadlock = on_deadlock,
        .broken = on_broken,
        .ended = on_ended,
};
