/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Heartbeats and DeadlockTimeout: a heartbeat every --heartbeat-interval
 * once attached, and a timer on the oldest unanswered hello or heartbeat.
 * When it is older than --deadlock-timeout the monitor's loop is stuck
 * (in a plug-in, says the where page): print `deadlock`, SIGKILL the
 * monitor and let its end be reported as `monitor-exit`.
 *
 * Never kills the monitor for anything but an unanswered heartbeat.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "driver.h"
#include "time-util.h"
#include "where-page.h"

static int on_heartbeat(sd_event_source *s, uint64_t usec, void *userdata) {
        Driver *d = userdata;

        json_t *msg = json_pack("{s:s}", "type", "heartbeat");
        int r = msg ? driver_send(d, msg, REQUEST_HEARTBEAT) : -ENOMEM;
        json_decref(msg);
        if (r < 0)
                driver_emit_error(d, "Cannot send a heartbeat: %s", strerror(-r));
        liveness_update(d);
        (void) driver_timer_arm(d, &d->heartbeat_timer, d->opts.heartbeat_interval_usec,
                                on_heartbeat);
        return 0;
}

static int on_deadlock(sd_event_source *s, uint64_t usec, void *userdata) {
        Driver *d = userdata;
        const Request *oldest = requests_oldest_liveness(&d->requests);
        WhereSnapshot where;

        if (!oldest || d->deadlocked)
                return 0;

        uint64_t now = now_monotonic_usec();
        uint64_t after = now > oldest->sent_usec ? now - oldest->sent_usec : 0;
        where_page_read(d->where, &where);
        driver_emit(d, json_pack("{s:s, s:o, s:o, s:I}", "type", "deadlock", "resource",
                                 where.resource[0] ? json_string(where.resource) : json_null(),
                                 "entry_point",
                                 where.entry_point[0] ? json_string(where.entry_point)
                                                      : json_null(),
                                 "after_ms", (json_int_t) (after / 1000)));

        d->deadlocked = true;
        liveness_stop(d);
        int r = monitor_link_signal(d->link, SIGKILL);
        if (r < 0) {
                driver_emit_error(d, "Cannot kill the monitor: %s", strerror(-r));
                driver_exit(d, 1);
        }
        return 0;
}

int liveness_setup(Driver *d) {
        int r = sd_event_add_time(d->event, &d->deadlock_timer, CLOCK_MONOTONIC, 0,
                                  TIMER_ACCURACY_USEC, on_deadlock, d);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(d->deadlock_timer, SD_EVENT_OFF);
}

int liveness_start(Driver *d) {
        return driver_timer_arm(d, &d->heartbeat_timer, d->opts.heartbeat_interval_usec,
                                on_heartbeat);
}

void liveness_stop(Driver *d) {
        (void) sd_event_source_set_enabled(d->heartbeat_timer, SD_EVENT_OFF);
        (void) sd_event_source_set_enabled(d->deadlock_timer, SD_EVENT_OFF);
}

void liveness_update(Driver *d) {
        const Request *oldest = requests_oldest_liveness(&d->requests);

        if (!d->deadlock_timer)
                return;
        if (!oldest || d->deadlocked) {
                (void) sd_event_source_set_enabled(d->deadlock_timer, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_set_time(d->deadlock_timer,
                                        oldest->sent_usec + d->opts.deadlock_timeout_usec);
        (void) sd_event_source_set_enabled(d->deadlock_timer, SD_EVENT_ONESHOT);
}
