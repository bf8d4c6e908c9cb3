/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A resource's read-only properties (ProcessId, a job's processes, memory
 * and CPU time) as the API serves them. They change all the time while the
 * resource runs, so a read of one resource asks its monitor for them anew
 * (get-properties), waiting at most READONLY_WAIT_USEC: a monitor that is
 * busy answers at once from what it knows, and one that does not answer
 * at all (hung, stopped) gets the reader the last values known, marked
 * stale and with their age, rather than a read that waits for
 * DeadlockTimeout. Once the resource has stopped, the values are those its
 * run left (a job's accounting; no process, no ProcessId), as the state
 * that stopped it brought them, until its next run.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "monitors.h"
#include "time-util.h"

#define READONLY_WAIT_USEC (1000 * 1000)

/* Each one is on the daemon's list until the monitor answers, or until
 * the daemon ends (a monitor that leaves answers nothing). */
typedef struct Refresh {
        Daemon *d;
        char *id;
        sd_event_source *timer;
        readonly_done_fn done;  /* NULL once called */
        void *userdata;
        struct Refresh *next, **prevp;
} Refresh;

void readonly_set(RtResource *r, json_t *values) {
        json_decref(r->readonly);
        r->readonly = json_incref(values);
        r->readonly_usec = values ? now_monotonic_usec() : 0;
        r->readonly_stale = false;
}

static bool running(const char *state);

void readonly_annotate(const RtResource *r, json_t *o) {
        /* Values a stopped resource left do not change: no age. */
        if (!r || !r->readonly || !o || !running(r->state))
                return;
        uint64_t now = now_monotonic_usec();
        uint64_t age = r->readonly_usec && now > r->readonly_usec ? now - r->readonly_usec : 0;
        json_object_set_new(o, "readonly_age_ms", json_integer((json_int_t) (age / 1000)));
        json_object_set_new(o, "readonly_stale", json_boolean(r->readonly_stale));
}

static bool running(const char *state) {
        return state && (strcmp(state, "Online") == 0 || strcmp(state, "OnlinePending") == 0 ||
                         strcmp(state, "OfflinePending") == 0);
}

static void finish(Refresh *f) {
        readonly_done_fn done = f->done;

        f->done = NULL;
        f->timer = sd_event_source_disable_unref(f->timer);
        if (done)
                done(f->d, f->id, f->userdata);
}

/* The values of the reply, when the resource still runs: its "readonly"
 * member, or, from a monitor that does not send one, the properties known
 * to be read-only. */
static void take_reply(Daemon *d, const char *id, const MonitorsReply *reply) {
        RtResource *r = hashmap_get(d->resources, id);

        if (!r || !r->readonly || !running(r->state))
                return;
        if (reply->error < 0 || !reply->reply) {
                r->readonly_stale = true;
                return;
        }
        json_t *values = json_object_get(reply->reply, "readonly");
        if (json_is_object(values)) {
                readonly_set(r, values);
                return;
        }
        json_t *all = json_object_get(reply->reply, "properties");
        json_t *copy = json_copy(r->readonly);
        const char *key;
        json_t *v;
        if (!copy)
                return;
        json_object_foreach(r->readonly, key, v) {
                json_t *now = json_object_get(all, key);
                if (json_is_string(now))
                        json_object_set(copy, key, now);
        }
        readonly_set(r, copy);
        json_decref(copy);
}

static void refresh_free(Refresh *f) {
        finish(f);
        *f->prevp = f->next;
        if (f->next)
                f->next->prevp = f->prevp;
        free(f->id);
        free(f);
}

static void on_reply(Monitors *m, const char *resource, const MonitorsReply *reply, void *userdata) {
        Refresh *f = userdata;

        take_reply(f->d, f->id, reply);
        refresh_free(f);
}

void readonly_stop(Daemon *d) {
        while (d->refreshes)
                refresh_free(d->refreshes);
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Refresh *f = userdata;
        RtResource *r = hashmap_get(f->d->resources, f->id);

        /* The reply may still come: on_reply frees f then. */
        if (r && r->readonly)
                r->readonly_stale = true;
        finish(f);
        return 0;
}

int readonly_refresh(Daemon *d, const char *id, readonly_done_fn done, void *userdata) {
        RtResource *r = hashmap_get(d->resources, id);
        int k;

        if (!r || !r->opened || !r->readonly || !running(r->state) || !d->monitors)
                return 0;
        Refresh *f = calloc(1, sizeof(*f));
        if (!f || !(f->id = strdup(id))) {
                free(f);
                return -ENOMEM;
        }
        f->d = d;
        f->done = done;
        f->userdata = userdata;
        /* A tight accuracy: the default (250 ms) would stretch the wait. */
        k = sd_event_add_time_relative(d->event, &f->timer, CLOCK_MONOTONIC, READONLY_WAIT_USEC, 10 * 1000,
                                       on_timeout, f);
        if (k >= 0)
                k = monitors_get_properties(d->monitors, id, on_reply, f);
        if (k < 0) {
                sd_event_source_disable_unref(f->timer);
                free(f->id);
                free(f);
                /* Not asked: what is known is all there is. */
                r->readonly_stale = true;
                return 0;
        }
        f->next = d->refreshes;
        if (f->next)
                f->next->prevp = &f->next;
        f->prevp = &d->refreshes;
        d->refreshes = f;
        return 1;
}
