/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-hang: a resource type whose entry point named by the HangIn property
 * (online by default; offline, terminate, probe, looks_alive, is_alive or
 * control) never returns: it sleeps in a loop. The integration tests use it
 * to check that the parent's DeadlockTimeout catches a stuck monitor and
 * names the resource and entry point. Owns only its instance; must never be
 * shipped or loaded outside tests.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include <wolfpack/resapi.h>

enum {
        HANG_IN_ONLINE,
        HANG_IN_OFFLINE,
        HANG_IN_TERMINATE,
        HANG_IN_PROBE,
        HANG_IN_LOOKS_ALIVE,
        HANG_IN_IS_ALIVE,
        HANG_IN_CONTROL,
};

typedef struct hang_params {
        int hang_in;
} hang_params;

typedef struct hang_instance {
        wp_resource *r;
        int hang_in;
} hang_instance;

static const wp_host *host;

static void hang_if(const hang_instance *inst, int where) {
        if (inst->hang_in != where)
                return;
        for (;;)
                sleep(1);
}

static int hang_open(wp_resource *r, const void *params, wp_instance *ret) {
        const hang_params *p = params;
        hang_instance *inst = calloc(1, sizeof(*inst));
        if (!inst)
                return host->error(r, -ENOMEM, "out of memory");
        inst->r = r;
        inst->hang_in = p->hang_in;
        *ret = inst;
        return 0;
}

static void hang_close(wp_instance i) {
        free(i);
}

static int hang_probe(wp_instance i) {
        hang_if(i, HANG_IN_PROBE);
        return 0;
}

static int hang_online(wp_instance i) {
        hang_if(i, HANG_IN_ONLINE);
        return 0;
}

static int hang_offline(wp_instance i) {
        hang_if(i, HANG_IN_OFFLINE);
        return 0;
}

static void hang_terminate(wp_instance i) {
        hang_if(i, HANG_IN_TERMINATE);
}

static int hang_looks_alive(wp_instance i) {
        hang_if(i, HANG_IN_LOOKS_ALIVE);
        return 1;
}

static int hang_is_alive(wp_instance i) {
        hang_if(i, HANG_IN_IS_ALIVE);
        return 1;
}

static int hang_control(wp_instance i, wp_resource *r, wp_control_code code, void *params,
                        const char *const *changed) {
        hang_instance *inst = i;

        if (!inst)
                return 0;
        hang_if(inst, HANG_IN_CONTROL);
        if (code == WP_CONTROL_SET_PROPERTIES)
                inst->hang_in = ((const hang_params *) params)->hang_in;
        return 0;
}

static const char *const hang_in_names[] = {
        "online", "offline", "terminate", "probe", "looks_alive", "is_alive", "control", NULL,
};
static const int hang_in_values[] = {
        HANG_IN_ONLINE,      HANG_IN_OFFLINE,  HANG_IN_TERMINATE, HANG_IN_PROBE,
        HANG_IN_LOOKS_ALIVE, HANG_IN_IS_ALIVE, HANG_IN_CONTROL,
};

static const wp_prop hang_props[] = {
        {
                .name = "HangIn",
                .type = WP_PROP_ENUM,
                .flags = WP_PROP_LIVE,
                .offset = offsetof(hang_params, hang_in),
                .default_value = "online",
                .enum_names = hang_in_names,
                .enum_values = hang_in_values,
                .description = "The entry point that never returns",
        },
        {},
};

static const wp_entry_points hang_ep = {
        .open = hang_open,
        .close = hang_close,
        .probe = hang_probe,
        .online = hang_online,
        .offline = hang_offline,
        .terminate = hang_terminate,
        .looks_alive = hang_looks_alive,
        .is_alive = hang_is_alive,
        .control = hang_control,
};

static const wp_type hang_type = {
        .api_version = WP_RESAPI_VERSION,
        .name = "test-hang",
        .description = "Blocks forever in one entry point (tests only)",
        .props = hang_props,
        .params_size = sizeof(hang_params),
        .ep = &hang_ep,
};

int wp_resapi_startup(const wp_host *h, const wp_type **ret) {
        if (WP_RESAPI_VERSION < h->api_min || WP_RESAPI_VERSION > h->api_max)
                return -EPROTONOSUPPORT;
        host = h;
        *ret = &hang_type;
        return 0;
}
