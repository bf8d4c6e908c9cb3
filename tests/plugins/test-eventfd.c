/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-eventfd: a resource type that fails through a failure fd. online
 * creates an eventfd, registers it with watch_failure and arms a timer;
 * FailAfter later the timer writes the eventfd and marks the resource dead,
 * and from then on is_alive says no ("signalled failure"). looks_alive
 * always says yes and nothing calls set_status, so the only way the monitor
 * can learn of the failure is the fd followed by is_alive: the integration
 * tests check that Failed arrives at once, not at the next poll. Owns its
 * eventfd and its two sources; must never be shipped or loaded outside
 * tests.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <wolfpack/resapi.h>

typedef struct eventfd_params {
        wp_usec_t fail_after;
} eventfd_params;

typedef struct eventfd_instance {
        wp_resource *r;
        wp_usec_t fail_after;
        int efd;
        wp_source *watch;
        wp_source *timer;
        bool dead;
} eventfd_instance;

static const wp_host *host;

/* Unwatch before closing, as watch_failure requires. */
static void eventfd_stop(eventfd_instance *inst) {
        if (inst->timer) {
                host->release(inst->timer);
                inst->timer = NULL;
        }
        if (inst->watch) {
                host->release(inst->watch);
                inst->watch = NULL;
        }
        if (inst->efd >= 0) {
                close(inst->efd);
                inst->efd = -1;
        }
        inst->dead = false;
}

static int eventfd_open(wp_resource *r, const void *params, wp_instance *ret) {
        const eventfd_params *p = params;
        eventfd_instance *inst = calloc(1, sizeof(*inst));
        if (!inst)
                return host->error(r, -ENOMEM, "out of memory");
        inst->r = r;
        inst->fail_after = p->fail_after;
        inst->efd = -1;
        *ret = inst;
        return 0;
}

static void eventfd_close(wp_instance i) {
        eventfd_instance *inst = i;
        if (!inst)
                return;
        eventfd_stop(inst);
        free(inst);
}

static int eventfd_probe(wp_instance i) {
        return 0;
}

static int on_fail_timer(wp_source *s, void *userdata) {
        eventfd_instance *inst = userdata;
        uint64_t one = 1;

        inst->dead = true;
        if (write(inst->efd, &one, sizeof(one)) != sizeof(one)) {
                int r = errno > 0 ? -errno : -EIO;
                host->log(inst->r, WP_LOG_ERROR, "TEST_EVENTFD_WRITE_FAILED",
                          "cannot write the failure eventfd: %s", strerror(-r));
                return r;
        }
        host->log(inst->r, WP_LOG_NOTICE, "TEST_EVENTFD_SIGNALLED", "failure signalled on the eventfd");
        return 0;
}

static int eventfd_online(wp_instance i) {
        eventfd_instance *inst = i;
        int r;

        eventfd_stop(inst);
        inst->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (inst->efd < 0) {
                r = errno > 0 ? -errno : -EIO;
                return host->error(inst->r, r, "cannot create an eventfd: %s", strerror(-r));
        }
        r = host->watch_failure(inst->r, inst->efd, &inst->watch);
        if (r < 0) {
                eventfd_stop(inst);
                return host->error(inst->r, r, "cannot watch the failure eventfd: %s", strerror(-r));
        }
        r = host->add_timer(inst->r, inst->fail_after, on_fail_timer, inst, &inst->timer);
        if (r < 0) {
                eventfd_stop(inst);
                return host->error(inst->r, r, "cannot arm the FailAfter timer: %s", strerror(-r));
        }
        return 0;
}

static int eventfd_offline(wp_instance i) {
        eventfd_stop(i);
        return 0;
}

static void eventfd_terminate(wp_instance i) {
        eventfd_stop(i);
}

/* Sees nothing: the failure must come through the fd. */
static int eventfd_looks_alive(wp_instance i) {
        return 1;
}

static int eventfd_is_alive(wp_instance i) {
        eventfd_instance *inst = i;

        if (!inst->dead)
                return 1;
        host->error(inst->r, -EIO, "signalled failure");
        return 0;
}

static int eventfd_control(wp_instance i, wp_resource *r, wp_control_code code, void *params,
                           const char *const *changed) {
        eventfd_instance *inst = i;

        if (code == WP_CONTROL_SET_PROPERTIES && inst)
                inst->fail_after = ((const eventfd_params *) params)->fail_after;
        return 0;
}

static const wp_prop eventfd_props[] = {
        {
                .name = "FailAfter",
                .type = WP_PROP_DURATION,
                .offset = offsetof(eventfd_params, fail_after),
                .default_value = "1s",
                .description = "Time from online to the failure signalled on the eventfd",
        },
        {},
};

static const wp_entry_points eventfd_ep = {
        .open = eventfd_open,
        .close = eventfd_close,
        .probe = eventfd_probe,
        .online = eventfd_online,
        .offline = eventfd_offline,
        .terminate = eventfd_terminate,
        .looks_alive = eventfd_looks_alive,
        .is_alive = eventfd_is_alive,
        .control = eventfd_control,
};

static const wp_type eventfd_type = {
        .api_version = WP_RESAPI_VERSION,
        .name = "test-eventfd",
        .description = "Fails through an eventfd watched for failure (tests only)",
        .props = eventfd_props,
        .params_size = sizeof(eventfd_params),
        .ep = &eventfd_ep,
};

int wp_resapi_startup(const wp_host *h, const wp_type **ret) {
        if (WP_RESAPI_VERSION < h->api_min || WP_RESAPI_VERSION > h->api_max)
                return -EPROTONOSUPPORT;
        host = h;
        *ret = &eventfd_type;
        return 0;
}
