/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Plug-in loading. A type named T is the file T.so in the first directory
 * of the plug-in path that has one; a type of a class, C:S, is the subtype
 * S of the class plug-in C.so, started with its class startup. It is loaded once per monitor, on first
 * use, and checked before anything calls it: the startup symbol, the API
 * version, the type's name, the entry points the monitor needs, and a
 * property table whose names are unique, whose members fit the parameter
 * struct and whose defaults parse. A plug-in that fails any check is
 * refused with a message that says which, and is not loaded again.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "macro.h"
#include "plugin.h"
#include "props.h"
#include "text-quote.h"
#include "type-name.h"

PluginType *plugin_free(PluginType *p) {
        if (!p)
                return NULL;
        /* Never dlclose: a plug-in's threads or atexit handlers may still
         * point into it. */
        free(p->name);
        free(p->path);
        free(p);
        return NULL;
}

static int check_table(const wp_type *t, char *err, size_t errlen) {
        if (!t->ep || !t->ep->open || !t->ep->close || !t->ep->online || !t->ep->offline || !t->ep->terminate ||
            !t->ep->looks_alive || !t->ep->is_alive) {
                snprintf(err, errlen, "lacks a required entry point (open, close, online, offline, terminate, looks_alive and is_alive are required)");
                return -EINVAL;
        }
        if (t->params_size > 1024 * 1024) {
                snprintf(err, errlen, "declares a parameter struct of %zu bytes", t->params_size);
                return -EINVAL;
        }
        if (!t->props)
                return 0;
        _cleanup_free_ void *params = calloc(1, t->params_size ? t->params_size : 1);
        if (!params)
                return -ENOMEM;
        for (const wp_prop *p = t->props; p->name; p++) {
                if ((unsigned) p->type >= _WP_PROP_TYPE_MAX) {
                        snprintf(err, errlen, "property %s has an unknown type %d", p->name, (int) p->type);
                        return -EINVAL;
                }
                for (const wp_prop *q = t->props; q < p; q++)
                        if (strcasecmp(q->name, p->name) == 0) {
                                snprintf(err, errlen, "declares property %s twice", p->name);
                                return -EINVAL;
                        }
                if (p->offset >= t->params_size) {
                        snprintf(err, errlen, "property %s lies outside the parameter struct", p->name);
                        return -EINVAL;
                }
                if (p->type == WP_PROP_ENUM && (!p->enum_names || !p->enum_values)) {
                        snprintf(err, errlen, "enum property %s has no names or values", p->name);
                        return -EINVAL;
                }
        }
        char perr[512];
        int k = props_init(t->props, params, perr, sizeof(perr));
        props_free(t->props, params);
        if (k < 0) {
                snprintf(err, errlen, "has a default that does not parse: %s", perr);
                return -EINVAL;
        }
        return 0;
}

/* The startup of a class plug-in for one subtype. */
static int start_subtype(Manager *m, void *dl, const char *name, const char *path, const char *subtype,
                         const wp_type **ret, char *err, size_t errlen) {
        wp_startup_class_fn startup = (wp_startup_class_fn) dlsym(dl, WP_RESAPI_STARTUP_CLASS_SYMBOL);
        if (!startup) {
                snprintf(err, errlen, "resource type %s: %s does not export %s; it is not a class of types", name,
                         path, WP_RESAPI_STARTUP_CLASS_SYMBOL);
                return -ENOENT;
        }
        char serr[400] = "";
        int k = startup(&m->host, subtype, ret, serr, sizeof(serr));
        if (k < 0 && k != -EPROTONOSUPPORT) {
                snprintf(err, errlen, "resource type %s: %s", name, serr[0] ? serr : strerror(-k));
                return k;
        }
        return k;
}

static int load(Manager *m, const char *name, const char *path, const char *subtype, PluginType **ret, char *err,
                size_t errlen) {
        void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!dl) {
                snprintf(err, errlen, "resource type %s: cannot load %s: %s", name, path, dlerror());
                return -ELIBBAD;
        }
        const wp_type *t = NULL;
        int k;
        wp_startup_fn startup = (wp_startup_fn) dlsym(dl, WP_RESAPI_STARTUP_SYMBOL);
        if (subtype || (!startup && dlsym(dl, WP_RESAPI_STARTUP_CLASS_SYMBOL))) {
                /* A type of a class, or the class itself (subtype ""). */
                k = start_subtype(m, dl, name, path, subtype ? subtype : "", &t, err, errlen);
                if (k < 0 && k != -EPROTONOSUPPORT)
                        return k;
        } else {
                if (!startup) {
                        snprintf(err, errlen, "resource type %s: %s does not export %s; it is not a Wolfpack plug-in",
                                 name, path, WP_RESAPI_STARTUP_SYMBOL);
                        dlclose(dl);
                        return -ELIBBAD;
                }
                k = startup(&m->host, &t);
        }
        if (k < 0 || !t) {
                if (k == -EPROTONOSUPPORT || k >= 0)
                        snprintf(err, errlen,
                                 "resource type %s: %s speaks no Resource API version this monitor supports (%u to %u)",
                                 name, path, m->host.api_min, m->host.api_max);
                else
                        snprintf(err, errlen, "resource type %s: startup of %s failed: %s", name, path, strerror(-k));
                return k < 0 ? k : -EPROTONOSUPPORT;
        }
        if (t->api_version < m->host.api_min || t->api_version > m->host.api_max) {
                snprintf(err, errlen,
                         "resource type %s: %s is built for Resource API version %u; this monitor supports %u to %u; rebuild the plug-in against this Wolfpack",
                         name, path, t->api_version, m->host.api_min, m->host.api_max);
                return -EPROTONOSUPPORT;
        }
        if (!t->name || strcmp(t->name, name) != 0) {
                snprintf(err, errlen, "resource type %s: %s calls itself \"%s\"; the file must be named after its type",
                         name, path, t->name ? t->name : "");
                return -EINVAL;
        }
        char terr[400];
        k = check_table(t, terr, sizeof(terr));
        if (k < 0) {
                snprintf(err, errlen, "resource type %s: %s %s", name, path, terr);
                return k;
        }
        PluginType *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->name = strdup(name);
        p->path = strdup(path);
        p->dl = dl;
        p->type = t;
        if (!p->name || !p->path || hashmap_put(m->types, p->name, p) < 0) {
                plugin_free(p);
                return -ENOMEM;
        }
        *ret = p;
        return 0;
}

int plugin_get(Manager *m, const char *name, PluginType **ret, char *err, size_t errlen) {
        PluginType *p = hashmap_get(m->types, name);
        if (p) {
                *ret = p;
                return 0;
        }
        size_t class_len;
        const char *subtype;
        int k = type_name_split(name, &class_len, &subtype, err, errlen);
        if (k < 0)
                return k;
        for (char **d = m->plugin_dirs; d && *d; d++) {
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s/%.*s.so", *d, (int) class_len, name) < 0)
                        return -ENOMEM;
                if (access(path, F_OK) == 0)
                        return load(m, name, path, subtype, ret, err, errlen);
        }
        _cleanup_free_ char *dirs = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&dirs, &len);
        for (char **d = m->plugin_dirs; f && d && *d; d++)
                fprintf(f, "%s%s", d == m->plugin_dirs ? "" : ":", *d);
        if (f)
                fclose(f);
        snprintf(err, errlen, "no resource type \"%s\": there is no %.*s.so in the plug-in path %s", name,
                 (int) class_len, name, dirs ? dirs : "");
        return -ENOENT;
}

json_t *plugin_list(Manager *m) {
        json_t *a = json_array();
        for (char **d = m->plugin_dirs; d && *d; d++) {
                DIR *dir = opendir(*d);
                if (!dir)
                        continue;
                struct dirent *de;
                while ((de = readdir(dir))) {
                        size_t l = strlen(de->d_name);
                        if (l < 4 || strcmp(de->d_name + l - 3, ".so") != 0)
                                continue;
                        json_array_append_new(a, json_stringn(de->d_name, l - 3));
                }
                closedir(dir);
        }
        return a;
}

int plugin_params_new(PluginType *p, json_t *values, void **ret, char *err, size_t errlen,
                      const char **ret_bad_property) {
        const wp_type *t = p->type;
        void *params = calloc(1, t->params_size ? t->params_size : 1);
        if (!params)
                return -ENOMEM;
        int k = t->props ? props_init(t->props, params, err, errlen) : 0;
        const char *key;
        json_t *v;
        if (k >= 0 && values)
                json_object_foreach(values, key, v) {
                        if (!json_is_string(v)) {
                                snprintf(err, errlen, "%s: values are given as text, as an administrator types them",
                                         text_quote(key).s);
                                k = -EINVAL;
                        } else if (!t->props) {
                                snprintf(err, errlen, "no such property %s: type %s has no properties", text_quote(key).s,
                                         p->name);
                                k = -ENOENT;
                        } else
                                k = props_set(t->props, params, key, json_string_value(v), err, errlen);
                        if (k < 0) {
                                if (ret_bad_property)
                                        *ret_bad_property = key;
                                break;
                        }
                }
        if (k >= 0 && t->props) {
                k = props_check_required(t->props, params, err, errlen);
                /* Name the first missing one; the message names them all. */
                for (const wp_prop *q = t->props; k < 0 && ret_bad_property && q->name; q++) {
                        char scratch[8];
                        const wp_prop one[2] = { *q, {} };
                        if ((q->flags & WP_PROP_REQUIRED) && props_check_required(one, params, scratch, sizeof(scratch)) < 0) {
                                *ret_bad_property = q->name;
                                break;
                        }
                }
        }
        if (k < 0) {
                plugin_params_free(p, params);
                return k;
        }
        *ret = params;
        return 0;
}

void plugin_params_free(PluginType *p, void *params) {
        if (!params)
                return;
        if (p->type->params_done)
                p->type->params_done(params);
        else if (p->type->props)
                props_free(p->type->props, params);
        free(params);
}
