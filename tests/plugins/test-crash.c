/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-crash: a resource type that crashes its monitor on purpose with a
 * real SIGSEGV (a store through a NULL pointer) in the entry point its
 * CrashIn property names: online (the default), looks_alive or offline.
 * The integration tests use it to check that a crashing plug-in takes down
 * only its monitor and that the parent charges the crash to the right
 * resource and entry point. Owns only its instance; must never be shipped
 * or loaded outside tests.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include <wolfpack/resapi.h>

enum {
        CRASH_IN_ONLINE,
        CRASH_IN_LOOKS_ALIVE,
        CRASH_IN_OFFLINE,
};

typedef struct crash_params {
        int crash_in;
} crash_params;

typedef struct crash_instance {
        wp_resource *r;
        int crash_in;
} crash_instance;

static const wp_host *host;

/* Read through a volatile object: the compiler cannot prove it NULL and
 * replace the store with a trap instruction (SIGILL). The point is a
 * genuine SIGSEGV. */
static int *volatile null_pointer;

static void crash_if(const crash_instance *inst, int where) {
        if (inst->crash_in == where)
                *null_pointer = 1;
}

static int crash_open(wp_resource *r, const void *params, wp_instance *ret) {
        const crash_params *p = params;
        crash_instance *inst = calloc(1, sizeof(*inst));
        if (!inst)
                return host->error(r, -ENOMEM, "out of memory");
        inst->r = r;
        inst->crash_in = p->crash_in;
        *ret = inst;
        return 0;
}

static void crash_close(wp_instance i) {
        free(i);
}

static int crash_probe(wp_instance i) {
        return 0;
}

static int crash_online(wp_instance i) {
        crash_if(i, CRASH_IN_ONLINE);
        return 0;
}

static int crash_offline(wp_instance i) {
        crash_if(i, CRASH_IN_OFFLINE);
        return 0;
}

static void crash_terminate(wp_instance i) {
}

static int crash_looks_alive(wp_instance i) {
        crash_if(i, CRASH_IN_LOOKS_ALIVE);
        return 1;
}

static int crash_is_alive(wp_instance i) {
        return 1;
}

static int crash_control(wp_instance i, wp_resource *r, wp_control_code code, void *params,
                         const char *const *changed) {
        crash_instance *inst = i;
        const crash_params *p = params;

        if (code == WP_CONTROL_SET_PROPERTIES && inst)
                inst->crash_in = p->crash_in;
        return 0;
}

static const char *const crash_in_names[] = { "online", "looks_alive", "offline", NULL };
static const int crash_in_values[] = { CRASH_IN_ONLINE, CRASH_IN_LOOKS_ALIVE, CRASH_IN_OFFLINE };

static const wp_prop crash_props[] = {
        {
                .name = "CrashIn",
                .type = WP_PROP_ENUM,
                .flags = WP_PROP_LIVE,
                .offset = offsetof(crash_params, crash_in),
                .default_value = "online",
                .enum_names = crash_in_names,
                .enum_values = crash_in_values,
                .description = "The entry point that dereferences NULL",
        },
        {},
};

static const wp_entry_points crash_ep = {
        .open = crash_open,
        .close = crash_close,
        .probe = crash_probe,
        .online = crash_online,
        .offline = crash_offline,
        .terminate = crash_terminate,
        .looks_alive = crash_looks_alive,
        .is_alive = crash_is_alive,
        .control = crash_control,
};

static const wp_type crash_type = {
        .api_version = WP_RESAPI_VERSION,
        .name = "test-crash",
        .description = "Crashes its monitor with SIGSEGV (tests only)",
        .props = crash_props,
        .params_size = sizeof(crash_params),
        .ep = &crash_ep,
};

int wp_resapi_startup(const wp_host *h, const wp_type **ret) {
        if (WP_RESAPI_VERSION < h->api_min || WP_RESAPI_VERSION > h->api_max)
                return -EPROTONOSUPPORT;
        host = h;
        *ret = &crash_type;
        return 0;
}
