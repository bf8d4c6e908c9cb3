/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-badabi: a plug-in that claims to speak Resource API version 999,
 * which no monitor supports. Its startup answers regardless of the range
 * the monitor offers, so the monitor itself must check the version and
 * refuse the type with a message naming both versions. The entry points
 * are complete and harmless, so that a monitor that forgets the check loads
 * the type without crashing and the test fails cleanly. Must never be
 * shipped or loaded outside tests.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <wolfpack/resapi.h>

#define BADABI_VERSION 999

typedef struct badabi_params {
        int64_t value;
} badabi_params;

static const wp_host *host;

static int badabi_open(wp_resource *r, const void *params, wp_instance *ret) {
        int *inst = calloc(1, sizeof(*inst));
        if (!inst)
                return host->error(r, -ENOMEM, "out of memory");
        *ret = inst;
        return 0;
}

static void badabi_close(wp_instance i) {
        free(i);
}

static int badabi_probe(wp_instance i) {
        return 0;
}

static int badabi_online(wp_instance i) {
        return 0;
}

static int badabi_offline(wp_instance i) {
        return 0;
}

static void badabi_terminate(wp_instance i) {
}

static int badabi_alive(wp_instance i) {
        return 1;
}

static int badabi_control(wp_instance i, wp_resource *r, wp_control_code code, void *params,
                          const char *const *changed) {
        return 0;
}

static const wp_prop badabi_props[] = {
        {
                .name = "Value",
                .type = WP_PROP_INT,
                .offset = offsetof(badabi_params, value),
                .default_value = "0",
                .description = "Unused",
        },
        {},
};

static const wp_entry_points badabi_ep = {
        .open = badabi_open,
        .close = badabi_close,
        .probe = badabi_probe,
        .online = badabi_online,
        .offline = badabi_offline,
        .terminate = badabi_terminate,
        .looks_alive = badabi_alive,
        .is_alive = badabi_alive,
        .control = badabi_control,
};

static const wp_type badabi_type = {
        .api_version = BADABI_VERSION,
        .name = "test-badabi",
        .description = "Speaks a Resource API version no monitor supports (tests only)",
        .props = badabi_props,
        .params_size = sizeof(badabi_params),
        .ep = &badabi_ep,
};

int wp_resapi_startup(const wp_host *h, const wp_type **ret) {
        host = h;
        *ret = &badabi_type;
        return 0;
}
