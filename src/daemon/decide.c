/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The glue between the database's JSON view and the pure decision code in
 * policy/: common properties loaded into their structs (and validated as an
 * administrator types them), a group's dependency graph checked after a
 * change, the failure history as policy events. No decision is taken here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decide.h"
#include "macro.h"
#include "props.h"
#include "strv.h"
#include "text-quote.h"

static int load(const wp_prop *table, void *params, const json_t *values, const char **bad, char *err, size_t errlen) {
        const char *key;
        json_t *v;
        json_object_foreach((json_t *) values, key, v) {
                const char *text = json_string_value(v);
                int k = text ? props_set(table, params, key, text, err, errlen) : -EINVAL;
                if (k < 0) {
                        if (!text)
                                snprintf(err, errlen, "%s: values are text", text_quote(key).s);
                        if (bad)
                                *bad = key;
                        return k;
                }
        }
        return 0;
}

int decide_resource_common(const json_t *values, ResourceCommon *ret, const char **bad, char *err, size_t errlen) {
        char scratch[256];
        if (!err) {
                err = scratch;
                errlen = sizeof(scratch);
        }
        int k = resource_common_init(ret, err, errlen);
        if (k < 0)
                return k;
        k = load(resource_common_props, ret, values, bad, err, errlen);
        if (k < 0) {
                resource_common_done(ret);
                return k;
        }
        return 0;
}

int decide_group_common(const json_t *values, GroupCommon *ret, const char **bad, char *err, size_t errlen) {
        char scratch[256];
        if (!err) {
                err = scratch;
                errlen = sizeof(scratch);
        }
        int k = group_common_init(ret, err, errlen);
        if (k < 0)
                return k;
        k = load(group_common_props, ret, values, bad, err, errlen);
        if (k >= 0)
                k = group_common_validate(ret, err, errlen);
        if (k < 0) {
                group_common_done(ret);
                return k;
        }
        return 0;
}

bool decide_group_persistent(const json_t *group) {
        GroupCommon gc;
        if (decide_group_common(json_object_get(group, "properties"), &gc, NULL, NULL, 0) < 0)
                return true;
        bool persistent = gc.persistent_state;
        group_common_done(&gc);
        return persistent;
}

const char *decide_common_name(const char *name) {
        const wp_prop *p = props_find(resource_common_props, name);
        return p ? p->name : NULL;
}

bool decide_common_live(const char *name) {
        const wp_prop *p = props_find(resource_common_props, name);
        return p && (p->flags & WP_PROP_LIVE);
}

const char *decide_group_common_name(const char *name) {
        const wp_prop *p = props_find(group_common_props, name);
        return p ? p->name : NULL;
}

static bool name_char(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '-';
}

void decide_respell_owners(json_t *props, const json_t *nodes) {
        static const char *const lists[] = { "PreferredOwners", "PossibleOwners" };
        for (size_t l = 0; l < ELEMENTSOF(lists); l++) {
                const char *text = json_string_value(json_object_get(props, lists[l]));
                _cleanup_free_ char *c = text ? strdup(text) : NULL;
                for (char *p = c; p && *p;) {
                        size_t n = 0;
                        while (name_char(p[n]))
                                n++;
                        size_t i;
                        json_t *node;
                        json_array_foreach(nodes, i, node) {
                                const char *name = json_string_value(json_object_get(node, "name"));
                                if (n > 0 && name && strlen(name) == n && strncasecmp(name, p, n) == 0)
                                        memcpy(p, name, n);
                        }
                        p += n ? n : 1;
                }
                if (c)
                        json_object_set_new(props, lists[l], json_string(c));
        }
}

/* ---- dependencies ---- */

typedef struct Graph {
        DepResource *r;
        DepExpr **owned;
        size_t n;
} Graph;

static void graph_done(Graph *g) {
        for (size_t i = 0; i < g->n; i++)
                depexpr_free(g->owned[i]);
        free(g->owned);
        free(g->r);
}

/* The group's graph, with `name`'s expression replaced by next (not owned). */
static int graph_build(const json_t *resources, const char *name, const DepExpr *next, Graph *g, char *err,
                       size_t errlen) {
        size_t n = json_array_size(resources);
        *g = (Graph) { .r = calloc(n + 1, sizeof(DepResource)), .owned = calloc(n + 1, sizeof(DepExpr *)), .n = n };
        if (!g->r || !g->owned) {
                graph_done(g);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                json_t *o = json_array_get(resources, i);
                g->r[i].name = json_string_value(json_object_get(o, "name"));
                if (name && strcasecmp(g->r[i].name, name) == 0) {
                        g->r[i].expr = next;
                        continue;
                }
                int k = depexpr_parse(json_string_value(json_object_get(o, "depends")), &g->owned[i], err, errlen);
                if (k < 0) {
                        graph_done(g);
                        return k;
                }
                g->r[i].expr = g->owned[i];
        }
        return 0;
}

int decide_check_depends(const json_t *group_resources, const char *name, const DepExpr *next, char *err,
                         size_t errlen) {
        Graph g;
        int k = graph_build(group_resources, name, next, &g, err, errlen);
        if (k < 0)
                return k;
        k = depgraph_check(g.r, g.n, err, errlen, NULL, NULL);
        graph_done(&g);
        return k;
}

json_t *decide_resource_named(const json_t *resources, const char *name) {
        size_t i;
        json_t *o;
        json_array_foreach((json_t *) resources, i, o)
                if (name && strcasecmp(json_string_value(json_object_get(o, "name")), name) == 0)
                        return o;
        return NULL;
}

/* ---- failure history ---- */

size_t decide_events(const json_t *failures, const char *kind, PolicyEvent **ret) {
        size_t n = json_array_size(failures), m = 0;
        PolicyEvent *e = calloc(n + 1, sizeof(PolicyEvent));
        if (!e) {
                *ret = NULL;
                return 0;
        }
        for (size_t i = 0; i < n; i++) {
                json_t *f = json_array_get(failures, i);
                if (strcmp(json_string_value(json_object_get(f, "kind")), kind) != 0)
                        continue;
                e[m++] = (PolicyEvent) { .time_ms = (uint64_t) json_integer_value(json_object_get(f, "time_ms")),
                                         .node = (unsigned) json_integer_value(json_object_get(f, "node")) };
        }
        *ret = e;
        return m;
}
