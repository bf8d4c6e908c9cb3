/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A resource monitor that died or was killed. Its where page names the
 * resource and entry point it was in: that resource alone is charged. Its
 * processes are killed, it is reported Failed ("the resource monitor
 * crashed in online (signal 11)", "the resource monitor hung in
 * looks_alive for 300.2s and was killed (DeadlockTimeout 5min)": the time
 * it really spent, never rounded up) and it is opened again, Offline,
 * in a monitor of its own. Every other resource of the dead monitor is
 * opened again in a new monitor of the same name and probed: still
 * running, it is reported Online with its properties (ProcessId: the same
 * process, never restarted); not running, Offline, or Failed when it was
 * meant to run. One that was OnlinePending is probed with resume_online:
 * found running, it stays OnlinePending while the plug-in waits again for
 * it to be ready (a type that cannot do that has it terminated: Failed),
 * so that nothing is Online, and no dependent starts, on a readiness
 * nobody saw. See the table in monitors-internal.h.
 *
 * Must never start anything: only open, probe and (without a lease)
 * terminate are sent, and nothing for a resource goes before them. Must
 * never loop: a resource whose new monitor dies while it is re-opened
 * alone, or three times in a row, is killed and left without a monitor.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "monitors-internal.h"
#include "props.h"
#include "time-util.h"

#define MAX_RECOVERIES 3

/* Tenths of a second, cut rather than rounded: never more than it was. */
static void format_span(uint64_t usec, char *buf, size_t len) {
        if (usec >= 1000000)
                snprintf(buf, len, "%llu.%llus", (unsigned long long) (usec / 1000000),
                         (unsigned long long) (usec % 1000000 / 100000));
        else
                snprintf(buf, len, "%llums", (unsigned long long) (usec / 1000));
}

/* A signal the process raised on itself by a fault, rather than one sent
 * to it. */
static bool crash_signal(int sig) {
        return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGABRT ||
               sig == SIGSYS || sig == SIGTRAP;
}

static void death_reason(const Monitor *mon, const ResmonEnd *end, char *buf, size_t len) {
        const char *ep = end->where.entry_point;
        char in[64] = "";

        if (ep[0])
                snprintf(in, sizeof in, " in %s", ep);
        if (!mon->attached) {
                char how[128] = "";
                if (end->have_status && end->signal)
                        snprintf(how, sizeof how, "killed by signal %d", end->signal);
                else if (end->have_status)
                        snprintf(how, sizeof how, "exit status %d", end->exit_code);
                snprintf(buf, len, "the resource monitor %s could not start (%s)", mon->name,
                         mon->death_reason ? mon->death_reason : how[0] ? how : "it ended before hello");
                return;
        }
        if (end->deadlocked) {
                char span[32];
                _cleanup_free_ char *limit = NULL;
                uint64_t now = now_monotonic_usec();
                uint64_t spent = ep[0] && end->where.since_usec > 0 && now > end->where.since_usec
                                         ? now - end->where.since_usec
                                         : mon->deadlock_usec;
                format_span(spent, span, sizeof span);
                (void) format_duration(mon->deadlock_usec, &limit);
                if (ep[0])
                        snprintf(buf, len, "the resource monitor hung in %s for %s and was killed (DeadlockTimeout %s)",
                                 ep, span, limit ? limit : "?");
                else
                        snprintf(buf, len, "the resource monitor did not answer for %s and was killed (DeadlockTimeout %s)",
                                 span, limit ? limit : "?");
        } else if (end->have_status && end->signal && crash_signal(end->signal))
                snprintf(buf, len, "the resource monitor crashed%s (signal %d)", in, end->signal);
        else if (end->have_status && end->signal)
                snprintf(buf, len, "the resource monitor was killed%s (signal %d)", in, end->signal);
        else if (end->have_status)
                snprintf(buf, len, "the resource monitor exited with status %d%s", end->exit_code, in);
        else
                snprintf(buf, len, "the resource monitor ended%s", in);
}

/* Callbacks may issue requests, and a close of a resource without a monitor
 * forgets it at once: r is not touched after the report, and the log goes
 * first, while r still names its monitor. */
void recovery_lose(MonResource *r, const char *reason) {
        bool report = !r->state || strcmp(r->state, "Failed") != 0;

        mon_resource_kill_cgroup(r);
        monitors_log(r->owner, "error", "RESOURCE_LOST", r,
                     "resource %s is left without a resource monitor: %s; close it and open it again",
                     r->id, reason);
        Monitor *old = r->monitor;
        r->monitor = NULL;
        r->recovery = RECOVERY_NONE;
        free(r->lost_reason);
        r->lost_reason = strdup(reason);
        if (old) {
                monitor_update_deadlock(old);
                if (strcmp(old->name, MONITORS_MAIN) != 0 && monitor_count_resources(old) == 0)
                        monitor_exit(old);
        }
        if (report)
                mon_resource_report(r, "Failed", reason, NULL);
}

static int set_text(char **field, const char *value) {
        char *copy = strdup(value ? value : "");
        if (!copy)
                return -ENOMEM;
        free(*field);
        *field = copy;
        return 0;
}

/* Send a recovery request for r on mon. */
static int recovery_send(Monitor *mon, MonResource *r, CallKind kind, json_t *msg) {
        Call *call = msg ? call_new(mon->owner, kind, json_string_value(json_object_get(msg, "type")), r)
                         : NULL;
        int k = call ? call_send(mon, msg, call) : -ENOMEM;
        if (k < 0)
                call_free(call);
        json_decref(msg);
        return k;
}

/* The resource the crash is charged to: killed, opened again alone in a
 * new monitor, reported Failed (last: see recovery_lose). */
static void recover_alone(MonResource *r, const char *reason) {
        Monitors *m = r->owner;
        char err[1024], why[1400];
        _cleanup_free_ char *name = NULL;
        Monitor *mon = NULL;
        int k;

        mon_resource_kill_cgroup(r);
        r->separate = true;
        r->recovery = RECOVERY_ALONE;
        (void) set_text(&r->recovery_reason, reason);

        k = monitor_name_for(r->id, &name);
        if (k >= 0) {
                mon = monitor_find(m, name);
                if (!mon)
                        k = monitor_spawn(m, name, &mon, err, sizeof err);
        } else
                snprintf(err, sizeof err, "%s", strerror(-k));
        if (k < 0) {
                snprintf(why, sizeof why, "%s; a resource monitor of its own cannot start: %s", reason, err);
                recovery_lose(r, why);
                return;
        }
        r->monitor = mon;
        monitor_update_deadlock(mon);
        if (recovery_send(mon, r, CALL_RECOVER_OPEN, open_message(r, NULL)) < 0) {
                snprintf(why, sizeof why, "%s; it cannot be opened in resource monitor %s", reason, mon->name);
                recovery_lose(r, why);
                return;
        }
        mon_resource_report(r, "Failed", reason, NULL);
}

/* A resource the crash is not charged to: open it in the new monitor and
 * probe it. */
static void recover_probe(MonResource *r, Monitor *mon, const char *reason) {
        if (set_text(&r->recovery_prev, r->state ? r->state : "Offline") < 0 ||
            set_text(&r->recovery_reason, reason) < 0) {
                recovery_lose(r, "out of memory while opening it again");
                return;
        }
        r->monitor = mon;
        r->recovery = RECOVERY_PROBE;
        /* Found running, a pending online is Online only once it is seen
         * ready: the plug-in waits for that again (resume_online). */
        bool pending = strcmp(r->recovery_prev, "OnlinePending") == 0;
        if (recovery_send(mon, r, CALL_RECOVER_OPEN, open_message(r, NULL)) < 0 ||
            recovery_send(mon, r, CALL_RECOVER_PROBE,
                          json_pack("{s:s, s:s, s:b}", "type", "probe", "resource", r->id, "resume_online",
                                    pending)) < 0) {
                char why[1400];
                snprintf(why, sizeof why, "%s; it cannot be opened again in resource monitor %s", reason,
                         mon->name);
                recovery_lose(r, why);
        }
}

static void report_death(Monitor *mon, const ResmonEnd *end, const char *reason) {
        Monitors *m = mon->owner;
        const ResmonWhere *w = &end->where;

        if (m->leaving || !m->cb.monitor_died)
                return;
        MonitorsDeath d = {
                .monitor = mon->name,
                .pid = end->pid,
                .status_known = end->have_status,
                .exit_code = end->exit_code,
                .signal = end->signal,
                .killed = end->deadlocked,
                .resource = w->resource[0] ? w->resource : NULL,
                .entry_point = w->entry_point[0] ? w->entry_point : NULL,
                .reason = reason,
        };
        m->cb.monitor_died(m, &d, m->userdata);
}

void recovery_monitor_ended(Monitor *mon, const ResmonEnd *end) {
        Monitors *m = mon->owner;
        char reason[1024];
        size_t n = 0, i = 0;
        MonResource *r;

        if (mon->adopted && !mon->said_hello)
                reattach_monitor_lost(m);
        bool expected = mon->exiting;
        /* Freed from the loop: calls it never answered are completed then,
         * with the reason set below. */
        monitor_bury(mon);
        if (expected && mon->attached && monitor_count_resources(mon) == 0 && !end->deadlocked)
                return; /* told to exit, holding nothing */

        death_reason(mon, end, reason, sizeof reason);
        free(mon->death_reason);
        mon->death_reason = strdup(reason);

        /* Its resources, before anything moves. */
        unsigned count = monitor_count_resources(mon);
        _cleanup_free_ MonResource **list = count ? calloc(count, sizeof *list) : NULL;
        if (count && !list) {
                while ((r = hashmap_next(m->resources, &i, NULL)))
                        if (r->monitor == mon)
                                recovery_lose(r, "out of memory after its resource monitor ended");
                return;
        }
        while ((r = hashmap_next(m->resources, &i, NULL)) && n < count)
                if (r->monitor == mon)
                        list[n++] = r;

        report_death(mon, end, reason);

        if (!mon->attached) {
                for (size_t k = 0; k < n; k++)
                        recovery_lose(list[k], reason);
                return;
        }

        MonResource *charged = mon_resource_get(m, end->where.resource);
        if (charged && charged->monitor != mon)
                charged = NULL;

        Monitor *fresh = NULL;
        char err[1024] = "";
        for (size_t k = 0; k < n; k++) {
                r = list[k];
                if (r == charged) {
                        if (r->recovery == RECOVERY_ALONE) {
                                char why[1200];
                                snprintf(why, sizeof why, "%s while it was being opened again", reason);
                                recovery_lose(r, why);
                        } else
                                recover_alone(r, reason);
                        continue;
                }
                if (r->recovery != RECOVERY_NONE && ++r->recoveries >= MAX_RECOVERIES) {
                        char why[1200];
                        snprintf(why, sizeof why, "%s, %u times in a row", reason, r->recoveries);
                        recovery_lose(r, why);
                        continue;
                }
                if (!fresh && !err[0]) {
                        fresh = monitor_find(m, mon->name);
                        if (!fresh && monitor_spawn(m, mon->name, &fresh, err, sizeof err) < 0)
                                fresh = NULL;
                }
                if (!fresh) {
                        char why[1400];
                        snprintf(why, sizeof why, "%s; a new resource monitor cannot start: %s", reason, err);
                        recovery_lose(r, why);
                        continue;
                }
                recover_probe(r, fresh, reason);
        }
        monitor_update_deadlock(fresh);
}

/* ---- replies of the new monitor ---- */

static MonResource *recovering(Call *call, json_t *reply) {
        MonResource *r = mon_resource_get(call->owner, call->resource);

        /* No reply: that monitor ended too, and its end dealt with r. */
        if (!reply || !r || r->incarnation != call->incarnation || r->monitor != call->monitor)
                return NULL;
        return r;
}

void recovery_open_reply(Call *call, json_t *reply) {
        MonResource *r = recovering(call, reply);

        if (!r || r->recovery == RECOVERY_NONE)
                return;
        if (json_integer_value(json_object_get(reply, "error")) != 0) {
                char why[1400];
                snprintf(why, sizeof why, "%s; it cannot be opened again in resource monitor %s: %s",
                         r->recovery_reason ? r->recovery_reason : "its resource monitor ended",
                         call->monitor->name,
                         json_string_value(json_object_get(reply, "message")) ?: "no reason given");
                recovery_lose(r, why);
                return;
        }
        if (r->recovery == RECOVERY_ALONE) {
                r->recovery = RECOVERY_NONE;
                r->recoveries = 0;
                monitors_log(r->owner, "notice", "RESOURCE_REOPENED", r,
                             "resource %s is open again, Offline, in resource monitor %s of its own", r->id,
                             call->monitor->name);
        }
}

static void report_if_changed(MonResource *r, const char *state, const char *reason) {
        if (!r->state || strcmp(r->state, state) != 0)
                mon_resource_report(r, state, reason, NULL);
}

static bool meant_to_run(const char *state) {
        return state && (strcmp(state, "Online") == 0 || strcmp(state, "OnlinePending") == 0);
}

void recovery_probe_reply(Call *call, json_t *reply) {
        MonResource *r = recovering(call, reply);
        Monitors *m = call->owner;
        char text[1400];

        if (!r || r->recovery != RECOVERY_PROBE)
                return;
        r->recovery = RECOVERY_NONE;
        r->recoveries = 0;
        _cleanup_free_ char *prev = TAKE_PTR(r->recovery_prev);
        const char *reason = r->recovery_reason ? r->recovery_reason : "its resource monitor ended";

        if (json_integer_value(json_object_get(reply, "error")) != 0) {
                /* Cannot tell whether it runs: make sure it does not. */
                mon_resource_kill_cgroup(r);
                snprintf(text, sizeof text, "%s; probing it in a new resource monitor failed (%s)", reason,
                         json_string_value(json_object_get(reply, "message")) ?: "no reason given");
                bool failed = meant_to_run(prev) || (prev && strcmp(prev, "Failed") == 0);
                report_if_changed(r, failed ? "Failed" : "Offline", text);
                return;
        }

        if (json_is_true(json_object_get(reply, "running"))) {
                if (!monitors_lease_valid(m)) {
                        (void) recovery_send(call->monitor, r, CALL_QUIET,
                                             json_pack("{s:s, s:s}", "type", "terminate", "resource", r->id));
                        mon_resource_kill_cgroup(r);
                        snprintf(text, sizeof text,
                                 "found running after %s, but this node holds no lease: terminated", reason);
                        mon_resource_report(r, "Failed", text, NULL);
                        return;
                }
                if (strcmp(json_string_value(json_object_get(reply, "state")) ?: "", "OnlinePending") == 0) {
                        /* Its Online comes as a state event, once it is ready. */
                        snprintf(text, sizeof text, "still running after %s; waiting again for it to be ready",
                                 reason);
                        mon_resource_report(r, "OnlinePending", text, NULL);
                        return;
                }
                snprintf(text, sizeof text, "still running after %s", reason);
                mon_resource_report(r, "Online", text, r->readonly);
                return;
        }

        if (meant_to_run(prev)) {
                snprintf(text, sizeof text, "no longer running after %s", reason);
                report_if_changed(r, "Failed", text);
        } else if (!prev || strcmp(prev, "Failed") != 0) {
                snprintf(text, sizeof text, "not running after %s", reason);
                report_if_changed(r, "Offline", text);
        }
}
