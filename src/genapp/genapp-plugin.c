/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The genapp resource type (Generic Application): its name, its property
 * table and its entry points, all taken from the application core
 * (genapp.h), and the plug-in's one exported symbol, wp_resapi_startup.
 * Holds the host table the monitor hands over at startup. Must never grow
 * behaviour of its own: what genapp does lives in the core, shared with
 * genjob.
 */
#include <errno.h>
#include <stddef.h>

#include <wolfpack/resapi.h>

#include "genapp.h"

static const wp_host *host;

static const wp_prop genapp_props[] = {
        GENAPP_PROPS(0),
        {},
};

static int genapp_plugin_open(wp_resource *r, const void *params, wp_instance *ret) {
        Genapp *g;
        int k = genapp_new(host, r, params, NULL, NULL, &g);

        if (k < 0)
                return host->error(r, k, "cannot create the instance: out of memory");
        *ret = g;
        return 0;
}

static int genapp_plugin_control(wp_instance inst, wp_resource *r, wp_control_code code, void *params,
                                 const char *const *changed) {
        return genapp_control(host, inst, r, code, params, changed);
}

static const wp_entry_points genapp_entry_points = {
        .open = genapp_plugin_open,
        .close = genapp_ep_close,
        .probe = genapp_ep_probe,
        .online = genapp_ep_online,
        .offline = genapp_ep_offline,
        .terminate = genapp_ep_terminate,
        .looks_alive = genapp_ep_looks_alive,
        .is_alive = genapp_ep_is_alive,
        .control = genapp_plugin_control,
        .resume_online = genapp_ep_resume_online,
};

static const wp_type genapp_type = {
        .api_version = WP_RESAPI_VERSION,
        .name = "genapp",
        .description = "Generic Application: runs a command line in its own session and cgroup",
        .props = genapp_props,
        .params_size = sizeof(GenappParams),
        .params_done = NULL,
        .ep = &genapp_entry_points,
};

int wp_resapi_startup(const wp_host *h, const wp_type **ret) {
        int k = wp_resapi_check(h, ret);
        if (k < 0)
                return k;
        host = h;
        *ret = &genapp_type;
        return 0;
}
