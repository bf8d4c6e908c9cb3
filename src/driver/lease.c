/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The lease guard, parent's side: lease-start grants a lease of a given
 * duration and renews it on a timer; lease-stop only stops renewing, so
 * the lease runs out by itself as it would for a parent that lost quorum
 * or froze. Never withdraws a lease on its own.
 */
#include <errno.h>
#include <string.h>

#include "driver.h"

static int lease_send(Driver *d, RequestKind kind) {
        json_t *msg = json_pack("{s:s, s:I}", "type", "lease", "duration_ms",
                                (json_int_t) (d->lease_duration_usec / 1000));
        if (!msg)
                return -ENOMEM;
        int r = driver_send(d, msg, kind);
        json_decref(msg);
        return r;
}

static int on_renew(sd_event_source *s, uint64_t usec, void *userdata) {
        Driver *d = userdata;

        int r = lease_send(d, REQUEST_LEASE_RENEW);
        if (r < 0)
                driver_emit_error(d, "Cannot renew the lease: %s", strerror(-r));
        (void) driver_timer_arm(d, &d->lease_timer, d->lease_renew_usec, on_renew);
        return 0;
}

int lease_start(Driver *d, uint64_t duration_usec, uint64_t renew_usec) {
        d->lease_duration_usec = duration_usec;
        d->lease_renew_usec = renew_usec;

        int r = lease_send(d, REQUEST_LEASE_GRANT);
        if (r < 0)
                return r;
        if (duration_usec == 0) {
                lease_stop(d);
                return 0;
        }
        return driver_timer_arm(d, &d->lease_timer, renew_usec, on_renew);
}

void lease_stop(Driver *d) {
        (void) sd_event_source_set_enabled(d->lease_timer, SD_EVENT_OFF);
}
