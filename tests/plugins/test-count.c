/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-count: a resource type that counts how many of its entry points run
 * at once for one resource, to check the monitor's rule "never two entry
 * points of one resource at once" under stress. A pending online or offline
 * counts as running until a worker (host->queue_work) finishes it with
 * set_status after PendingDelay. terminate, the one entry point allowed to
 * overlap, is not counted: it cancels the pending operation instead. The
 * highest count seen is the read-only property MaxConcurrent, and any count
 * above one is logged as TEST_COUNT_VIOLATION; Polls counts the looks_alive
 * and is_alive calls, so a test can tell that the polls really ran;
 * ProbeRunning makes probe find the resource running.
 *
 * Owns its instance, shared with its worker by a reference count; the
 * worker never calls the host after terminate has cancelled it. Must never
 * be shipped or loaded outside tests.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <wolfpack/resapi.h>

/* How long terminate waits for a worker that already decided to report a
 * final state to get out of set_status: bounded, as terminate must be. */
#define SET_STATUS_WAIT_USEC (2 * WP_USEC_PER_SEC)

typedef struct count_params {
        wp_usec_t pending_delay;
        int64_t max_concurrent;
        int64_t polls;
        bool probe_running;
} count_params;

typedef struct count_instance {
        wp_resource *r;
        atomic_int refs;
        atomic_int running;
        atomic_int max_seen;
        atomic_int polls;            /* looks_alive and is_alive calls */

        pthread_mutex_t lock;
        pthread_cond_t cond;         /* CLOCK_MONOTONIC */
        /* Guarded by lock: */
        wp_usec_t pending_delay;
        bool probe_running;          /* set at open */
        unsigned generation;         /* bumped when a pending operation ends or is cancelled */
        bool pending;                /* an online or offline waits on its worker */
        bool in_set_status;          /* a worker is reporting the final state */
} count_instance;

typedef struct count_work {
        count_instance *inst;
        unsigned generation;
        wp_state final;
        wp_usec_t delay;
        const char *what;
} count_work;

static const wp_host *host;

static void count_unref(count_instance *inst) {
        if (atomic_fetch_sub(&inst->refs, 1) != 1)
                return;
        pthread_cond_destroy(&inst->cond);
        pthread_mutex_destroy(&inst->lock);
        free(inst);
}

static void count_enter(count_instance *inst, const char *entry_point) {
        int n = atomic_fetch_add(&inst->running, 1) + 1;
        int max = atomic_load(&inst->max_seen);

        while (n > max && !atomic_compare_exchange_weak(&inst->max_seen, &max, n))
                ;
        if (n > 1)
                host->log(inst->r, WP_LOG_ERROR, "TEST_COUNT_VIOLATION",
                          "%d entry points of one resource running at once (entering %s)", n,
                          entry_point);
}

static void count_leave(count_instance *inst) {
        atomic_fetch_sub(&inst->running, 1);
}

static struct timespec deadline_after(wp_usec_t usec) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += usec / WP_USEC_PER_SEC;
        ts.tv_nsec += (long) (usec % WP_USEC_PER_SEC) * 1000;
        if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
        }
        return ts;
}

/* Ends the pending operation if it is still the one this worker serves:
 * the count drops before set_status, because the monitor may start the next
 * entry point as soon as it sees the final state. */
static int count_work_run(void *userdata) {
        count_work *w = userdata;
        count_instance *inst = w->inst;
        struct timespec deadline = deadline_after(w->delay);
        bool ours;

        pthread_mutex_lock(&inst->lock);
        while (inst->pending && inst->generation == w->generation &&
               pthread_cond_timedwait(&inst->cond, &inst->lock, &deadline) != ETIMEDOUT)
                ;
        ours = inst->pending && inst->generation == w->generation;
        if (ours) {
                inst->pending = false;
                inst->generation++;
                inst->in_set_status = true;
        }
        pthread_mutex_unlock(&inst->lock);

        if (ours) {
                count_leave(inst);
                host->set_status(inst->r, w->final, "%s finished by a worker", w->what);
                pthread_mutex_lock(&inst->lock);
                inst->in_set_status = false;
                pthread_cond_broadcast(&inst->cond);
                pthread_mutex_unlock(&inst->lock);
        }

        count_unref(inst);
        free(w);
        return 0;
}

/* The work item is freed by count_work_run; nothing is left to do here. */
static void count_work_done(int result, void *userdata) {
}

/* Called with the count already raised by the entry point; on success the
 * count stays raised until the worker or terminate ends the operation. */
static int count_start_pending(count_instance *inst, wp_state final, const char *what) {
        count_work *w = calloc(1, sizeof(*w));
        int r;

        if (!w)
                return host->error(inst->r, -ENOMEM, "out of memory");

        pthread_mutex_lock(&inst->lock);
        inst->pending = true;
        inst->generation++;
        w->generation = inst->generation;
        w->delay = inst->pending_delay;
        pthread_mutex_unlock(&inst->lock);

        w->inst = inst;
        w->final = final;
        w->what = what;
        atomic_fetch_add(&inst->refs, 1);

        r = host->queue_work(inst->r, count_work_run, count_work_done, w);
        if (r < 0) {
                pthread_mutex_lock(&inst->lock);
                inst->pending = false;
                inst->generation++;
                pthread_mutex_unlock(&inst->lock);
                atomic_fetch_sub(&inst->refs, 1);
                free(w);
                return host->error(inst->r, r, "cannot queue the pending %s: %s", what, strerror(-r));
        }
        return -EINPROGRESS;
}

/* Cancels the pending operation, if any, and takes its place in the count
 * off. Waits (bounded) for a worker that is inside set_status. */
static void count_cancel(count_instance *inst) {
        struct timespec deadline = deadline_after(SET_STATUS_WAIT_USEC);
        bool was_pending;

        pthread_mutex_lock(&inst->lock);
        was_pending = inst->pending;
        if (was_pending) {
                inst->pending = false;
                inst->generation++;
                pthread_cond_broadcast(&inst->cond);
        }
        while (inst->in_set_status &&
               pthread_cond_timedwait(&inst->cond, &inst->lock, &deadline) != ETIMEDOUT)
                ;
        if (inst->in_set_status)
                host->log(inst->r, WP_LOG_WARNING, "TEST_COUNT_SET_STATUS_STUCK",
                          "a worker has been inside set_status for %llu ms",
                          (unsigned long long) (SET_STATUS_WAIT_USEC / WP_USEC_PER_MSEC));
        pthread_mutex_unlock(&inst->lock);

        if (was_pending)
                count_leave(inst);
}

static int count_open(wp_resource *r, const void *params, wp_instance *ret) {
        const count_params *p = params;
        pthread_condattr_t attr;
        count_instance *inst = calloc(1, sizeof(*inst));

        if (!inst)
                return host->error(r, -ENOMEM, "out of memory");
        inst->r = r;
        atomic_init(&inst->refs, 1);
        atomic_init(&inst->running, 0);
        atomic_init(&inst->max_seen, 0);
        atomic_init(&inst->polls, 0);
        inst->pending_delay = p->pending_delay;
        inst->probe_running = p->probe_running;
        pthread_mutex_init(&inst->lock, NULL);
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&inst->cond, &attr);
        pthread_condattr_destroy(&attr);
        *ret = inst;
        return 0;
}

static void count_close(wp_instance i) {
        count_instance *inst = i;

        if (!inst)
                return;
        count_enter(inst, "close");
        /* A pending operation here is a monitor bug (already counted);
         * make sure its worker stays quiet from now on. */
        count_cancel(inst);
        count_leave(inst);
        count_unref(inst);
}

static int count_probe(wp_instance i) {
        count_instance *inst = i;

        count_enter(inst, "probe");
        count_leave(inst);
        return inst->probe_running ? 1 : 0;
}

static int count_online(wp_instance i) {
        count_instance *inst = i;
        int r;

        count_enter(inst, "online");
        r = count_start_pending(inst, WP_STATE_ONLINE, "online");
        if (r != -EINPROGRESS)
                count_leave(inst);
        return r;
}

static int count_offline(wp_instance i) {
        count_instance *inst = i;
        int r;

        count_enter(inst, "offline");
        r = count_start_pending(inst, WP_STATE_OFFLINE, "offline");
        if (r != -EINPROGRESS)
                count_leave(inst);
        return r;
}

static void count_terminate(wp_instance i) {
        count_cancel(i);
}

/* The checks stay in the count for a moment, so that an overlap with
 * another entry point has a window to be seen. */
static int count_check(count_instance *inst, const char *entry_point) {
        atomic_fetch_add(&inst->polls, 1);
        count_enter(inst, entry_point);
        usleep(1000);
        count_leave(inst);
        return 1;
}

static int count_looks_alive(wp_instance i) {
        return count_check(i, "looks_alive");
}

static int count_is_alive(wp_instance i) {
        return count_check(i, "is_alive");
}

static int count_control(wp_instance i, wp_resource *r, wp_control_code code, void *params,
                         const char *const *changed) {
        count_instance *inst = i;
        count_params *p = params;

        if (!inst)
                return 0;
        count_enter(inst, "control");
        usleep(1000);
        switch (code) {
        case WP_CONTROL_SET_PROPERTIES:
                pthread_mutex_lock(&inst->lock);
                inst->pending_delay = p->pending_delay;
                pthread_mutex_unlock(&inst->lock);
                break;
        case WP_CONTROL_GET_READONLY:
                p->max_concurrent = atomic_load(&inst->max_seen);
                p->polls = atomic_load(&inst->polls);
                break;
        case WP_CONTROL_VALIDATE:
                break;
        }
        count_leave(inst);
        return 0;
}

static const wp_prop count_props[] = {
        {
                .name = "PendingDelay",
                .type = WP_PROP_DURATION,
                .flags = WP_PROP_LIVE,
                .offset = offsetof(count_params, pending_delay),
                .default_value = "50ms",
                .min = 0,
                .max = 10 * WP_USEC_PER_SEC,
                .description = "How long a pending online or offline lasts",
        },
        {
                .name = "ProbeRunning",
                .type = WP_PROP_BOOL,
                .offset = offsetof(count_params, probe_running),
                .default_value = "0",
                .description = "probe says the resource runs",
        },
        {
                .name = "MaxConcurrent",
                .type = WP_PROP_INT,
                .flags = WP_PROP_READONLY,
                .offset = offsetof(count_params, max_concurrent),
                .description = "The most entry points seen running at once",
        },
        {
                .name = "Polls",
                .type = WP_PROP_INT,
                .flags = WP_PROP_READONLY,
                .offset = offsetof(count_params, polls),
                .description = "How many looks_alive and is_alive calls were made",
        },
        {},
};

static const wp_entry_points count_ep = {
        .open = count_open,
        .close = count_close,
        .probe = count_probe,
        .online = count_online,
        .offline = count_offline,
        .terminate = count_terminate,
        .looks_alive = count_looks_alive,
        .is_alive = count_is_alive,
        .control = count_control,
};

/* Version 1 on purpose: a plug-in of the first version still loads, and
 * has no resume_online. */
static const wp_type count_type = {
        .api_version = 1,
        .name = "test-count",
        .description = "Counts its entry points running at once (tests only)",
        .props = count_props,
        .params_size = sizeof(count_params),
        .ep = &count_ep,
};

int wp_resapi_startup(const wp_host *h, const wp_type **ret) {
        if (count_type.api_version < h->api_min || count_type.api_version > h->api_max)
                return -EPROTONOSUPPORT;
        host = h;
        *ret = &count_type;
        return 0;
}
