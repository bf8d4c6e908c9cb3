/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Resource-type plug-ins: find <type>.so on the plug-in path, dlopen it,
 * call its startup, check the API version and the property table (names,
 * offsets, defaults that parse) before anything uses it.
 */
#pragma once

#include <jansson.h>

#include "manager.h"

struct PluginType {
        char *name;
        char *path;
        void *dl;
        const wp_type *type;
};

/* The loaded type, loading it on first use. On failure err says why. */
int plugin_get(Manager *m, const char *name, PluginType **ret, char *err, size_t errlen);
PluginType *plugin_free(PluginType *p);
/* Names of every *.so on the plug-in path (without loading them). */
json_t *plugin_list(Manager *m);

/* A parameter struct filled with defaults and then the given text values
 * (a JSON object of strings). On failure err names the property. */
int plugin_params_new(PluginType *p, json_t *values, void **ret, char *err, size_t errlen,
                      const char **ret_bad_property);
void plugin_params_free(PluginType *p, void *params);
