/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A test plug-in that releases a child source from inside that child's own
 * exit callback, as the Resource API allows: online spawns /bin/true and
 * finishes when it has exited, releasing the source there. Under a monitor
 * built with AddressSanitizer, a reaper that touches the source after the
 * callback is caught. Tests only.
 */
#include <errno.h>
#include <stdlib.h>

#include <wolfpack/resapi.h>

typedef struct release_instance {
        wp_resource *r;
        wp_source *child;
} release_instance;

static const wp_host *host;

static int release_open(wp_resource *r, const void *params, wp_instance *ret) {
        release_instance *inst = calloc(1, sizeof(*inst));
        if (!inst)
                return host->error(r, -ENOMEM, "out of memory");
        inst->r = r;
        *ret = inst;
        return 0;
}

static void release_drop(release_instance *inst) {
        if (inst->child) {
                host->release(inst->child);
                inst->child = NULL;
        }
}

static void release_close(wp_instance i) {
        release_drop(i);
        free(i);
}

static void on_exit_release(wp_source *s, pid_t pid, const wp_exit *how, void *userdata) {
        release_instance *inst = userdata;
        /* Released from its own callback: the monitor must wait until the
         * callback has returned before freeing it. */
        host->release(s);
        inst->child = NULL;
        host->set_status(inst->r, WP_STATE_ONLINE, "the helper process %d has ended", (int) pid);
}

static int release_online(wp_instance i) {
        release_instance *inst = i;
        char *argv[] = { "/bin/true", NULL };
        wp_spawn spec = { .argv = argv, .uid = (uid_t) -1, .gid = (gid_t) -1, .stdout_fd = -1 };
        release_drop(inst);
        int r = host->spawn(inst->r, &spec, on_exit_release, inst, NULL, NULL, &inst->child);
        return r < 0 ? r : -EINPROGRESS;
}

static int release_offline(wp_instance i) {
        release_drop(i);
        return 0;
}

static void release_terminate(wp_instance i) {
        release_drop(i);
}

static int release_alive(wp_instance i) {
        return 1;
}

static const wp_entry_points release_ep = {
        .open = release_open,
        .close = release_close,
        .online = release_online,
        .offline = release_offline,
        .terminate = release_terminate,
        .looks_alive = release_alive,
        .is_alive = release_alive,
};

static const wp_prop release_props[] = { {} };

static const wp_type release_type = {
        .api_version = WP_RESAPI_VERSION,
        .name = "test-release",
        .description = "Releases a child source inside its exit callback (tests only)",
        .props = release_props,
        .params_size = 1,
        .ep = &release_ep,
};

int wp_resapi_startup(const wp_host *h, const wp_type **ret) {
        if (h->api_min > WP_RESAPI_VERSION || h->api_max < WP_RESAPI_VERSION)
                return -EPROTONOSUPPORT;
        host = h;
        *ret = &release_type;
        return 0;
}
