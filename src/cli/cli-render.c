/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Human output of `wolfpack`: status trees, lists, property lists, log and
 * event lines, built from the API's JSON. Owns how objects look on a
 * terminal; never talks to the server and never prints by itself.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli-render.h"
#include "cli-table.h"
#include "macro.h"
#include "props.h"

static const char *jstr(const json_t *o, const char *key) {
        return json_string_value(json_object_get(o, key));
}

char *render_value(const json_t *v) {
        char *s = NULL;

        if (!v || json_is_null(v))
                return NULL;
        if (json_is_string(v))
                return strdup(json_string_value(v));
        if (json_is_integer(v)) {
                if (asprintf(&s, "%" JSON_INTEGER_FORMAT, json_integer_value(v)) < 0)
                        return NULL;
                return s;
        }
        if (json_is_real(v)) {
                if (asprintf(&s, "%g", json_real_value(v)) < 0)
                        return NULL;
                return s;
        }
        if (json_is_boolean(v))
                return strdup(json_is_true(v) ? "yes" : "no");
        if (json_is_array(v)) {
                bool scalars = true;
                size_t i;
                json_t *e;
                json_array_foreach(v, i, e)
                        if (json_is_object(e) || json_is_array(e))
                                scalars = false;
                if (scalars) {
                        char *buf = NULL;
                        size_t size = 0;
                        FILE *f = open_memstream(&buf, &size);
                        if (!f)
                                return NULL;
                        json_array_foreach(v, i, e) {
                                _cleanup_free_ char *t = render_value(e);
                                fprintf(f, "%s%s", i ? ", " : "", t ? t : "-");
                        }
                        if (fclose(f) != 0) {
                                free(buf);
                                return NULL;
                        }
                        return buf;
                }
        }
        return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
}

static int add_value(Table *t, const json_t *v, TableColor color) {
        _cleanup_free_ char *s = render_value(v);
        if (!s && v && !json_is_null(v))
                return -ENOMEM;
        return table_add(t, s, color);
}

static int add_member(Table *t, const json_t *o, const char *key) {
        return add_value(t, json_object_get(o, key), TABLE_PLAIN);
}

static int add_state(Table *t, const char *state, bool color) {
        return table_add(t, state, color ? table_state_color(state) : TABLE_PLAIN);
}

/* Table t's text onto f, each line after indent. */
static int put_table(FILE *f, const Table *t, bool color, const char *indent) {
        _cleanup_free_ char *s = NULL;
        int r = table_format(t, color, &s);
        if (r < 0)
                return r;
        for (char *line = s; *line;) {
                char *nl = strchr(line, '\n');
                size_t n = nl ? (size_t) (nl - line) : strlen(line);
                fprintf(f, "%s%.*s\n", indent, (int) n, line);
                line += n + (nl ? 1 : 0);
        }
        return 0;
}

typedef struct Out {
        char *buf;
        size_t size;
        FILE *f;
} Out;

static int out_open(Out *o) {
        *o = (Out) {};
        o->f = open_memstream(&o->buf, &o->size);
        return o->f ? 0 : -ENOMEM;
}

static int out_close(Out *o, int r, char **ret) {
        if (fclose(o->f) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0) {
                free(o->buf);
                return r;
        }
        *ret = o->buf;
        return 0;
}

/* A node's state as people read it: paused shows even while Up. */
static const char *node_state(const json_t *n, char *buf, size_t len) {
        const char *state = jstr(n, "state");
        if (json_is_true(json_object_get(n, "paused")) && (!state || strcmp(state, "Paused") != 0)) {
                snprintf(buf, len, "%s (paused)", state ? state : "Paused");
                return buf;
        }
        return state;
}

static int nodes_table(const json_t *nodes, bool color, Table **ret) {
        static const char *const headers[] = { "NODE", "ID", "STATE", "GROUPS" };
        Table *t = table_new(4, headers);
        if (!t)
                return -ENOMEM;
        size_t i;
        json_t *n;
        int r = 0;
        json_array_foreach(nodes, i, n) {
                char buf[64];
                const char *state = node_state(n, buf, sizeof buf);
                if ((r = add_member(t, n, "name")) < 0 || (r = add_member(t, n, "id")) < 0 ||
                    (r = table_add(t, state, color ? table_state_color(jstr(n, "state")) : TABLE_PLAIN)) < 0 ||
                    (r = add_member(t, n, "groups")) < 0)
                        break;
        }
        if (r < 0) {
                table_free(t);
                return r;
        }
        *ret = t;
        return 0;
}

int render_nodes(const json_t *nodes, bool color, char **ret) {
        _cleanup_table_ Table *t = NULL;
        int r = nodes_table(nodes, color, &t);
        if (r < 0)
                return r;
        return table_format(t, color, ret);
}

static bool any_reason(const json_t *groups) {
        size_t i, k;
        json_t *g, *res;
        json_array_foreach(groups, i, g)
                json_array_foreach(json_object_get(g, "resources"), k, res) {
                        const char *why = jstr(res, "state_reason");
                        if (why && *why)
                                return true;
                }
        return false;
}

/* "Failover: coordinator n1; lease 8.0s, stop budget 1.0s, takeover
 * delay 11.9s", for a cluster of many nodes; NULL otherwise. */
static char *failover_line(const json_t *cluster) {
        const json_t *t = json_object_get(cluster, "timings");
        if (!json_is_object(t))
                return NULL;
        const char *coord = jstr(cluster, "coordinator");
        char *s = NULL;
        if (asprintf(&s, "Failover: coordinator %s; lease %.1fs, stop budget %.1fs, takeover delay %.1fs",
                     coord ? coord : "none (no quorum)",
                     (double) json_integer_value(json_object_get(t, "lease_ms")) / 1000,
                     (double) json_integer_value(json_object_get(t, "stop_budget_ms")) / 1000,
                     (double) json_integer_value(json_object_get(t, "takeover_delay_ms")) / 1000) < 0)
                s = NULL;
        return s;
}

int render_status(const json_t *status, bool color, char **ret) {
        Out o;
        int r = out_open(&o);
        if (r < 0)
                return r;

        const json_t *cluster = json_object_get(status, "cluster");
        if (json_is_object(cluster)) {
                const char *name = jstr(cluster, "name");
                const char *node = jstr(cluster, "node");
                json_t *q = json_object_get(cluster, "quorate");
                fprintf(o.f, "Cluster %s", name ? name : "-");
                if (json_is_boolean(q)) {
                        const char *c = color ? json_is_true(q) ? "\033[32m" : "\033[1;31m" : "";
                        fprintf(o.f, ", %s%s%s", c, json_is_true(q) ? "quorate" : "NO QUORUM", color ? "\033[0m" : "");
                }
                if (node)
                        fprintf(o.f, ", seen from %s", node);
                fputc('\n', o.f);
                char *f = failover_line(cluster);
                if (f)
                        fprintf(o.f, "%s\n", f);
                free(f);
                fputc('\n', o.f);
        }

        _cleanup_table_ Table *nt = NULL;
        r = nodes_table(json_object_get(status, "nodes"), color, &nt);
        if (r >= 0)
                r = put_table(o.f, nt, color, "");

        const json_t *groups = json_object_get(status, "groups");
        bool reasons = any_reason(groups);
        static const char *const headers[] = { "GROUP/RESOURCE", "TYPE", "STATE", "OWNER", "REASON" };
        _cleanup_table_ Table *gt = r < 0 ? NULL : table_new(reasons ? 5 : 4, headers);
        if (r >= 0 && !gt)
                r = -ENOMEM;

        size_t i;
        json_t *g;
        json_array_foreach(groups, i, g) {
                if (r < 0)
                        break;
                if ((r = add_member(gt, g, "name")) < 0 || (r = table_add(gt, "", TABLE_PLAIN)) < 0 ||
                    (r = add_state(gt, jstr(g, "state"), color)) < 0 || (r = add_member(gt, g, "owner")) < 0 ||
                    (reasons && (r = table_add(gt, "", TABLE_PLAIN)) < 0))
                        break;
                size_t k;
                json_t *res;
                json_array_foreach(json_object_get(g, "resources"), k, res) {
                        _cleanup_free_ char *name = NULL;
                        const char *n = json_is_string(res) ? json_string_value(res) : jstr(res, "name");
                        if (asprintf(&name, "  %s", n ? n : "-") < 0) {
                                r = -ENOMEM;
                                break;
                        }
                        if ((r = table_add(gt, name, TABLE_PLAIN)) < 0 || (r = add_member(gt, res, "type")) < 0 ||
                            (r = add_state(gt, jstr(res, "state"), color)) < 0 ||
                            (r = add_member(gt, res, "owner")) < 0 ||
                            (reasons && (r = table_add(gt, jstr(res, "state_reason") ? jstr(res, "state_reason") : "",
                                                       TABLE_PLAIN)) < 0))
                                break;
                }
        }
        if (r >= 0) {
                if (json_array_size(groups) > 0) {
                        fputc('\n', o.f);
                        r = put_table(o.f, gt, color, "");
                } else
                        fputs("\nNo groups.\n", o.f);
        }
        return out_close(&o, r, ret);
}

/* A property list: "Label:  value" lines. */
typedef struct Plist {
        Table *t;
        int r;
} Plist;

static void pl_text(Plist *p, const char *label, const char *text, TableColor color) {
        if (p->r < 0)
                return;
        _cleanup_free_ char *l = NULL;
        if (asprintf(&l, "%s:", label) < 0) {
                p->r = -ENOMEM;
                return;
        }
        if ((p->r = table_add(p->t, l, TABLE_PLAIN)) >= 0)
                p->r = table_add(p->t, text, color);
}

static void pl_value(Plist *p, const char *label, const json_t *v) {
        if (p->r < 0)
                return;
        _cleanup_free_ char *s = render_value(v);
        pl_text(p, label, s, TABLE_PLAIN);
}

/* Members of o not in known, by their own key (scalars and arrays). */
static void pl_rest(Plist *p, const json_t *o, const char *const *known) {
        const char *key;
        json_t *v;
        json_object_foreach((json_t *) o, key, v) {
                bool k = false;
                for (const char *const *i = known; *i; i++)
                        if (strcmp(*i, key) == 0)
                                k = true;
                if (!k && !json_is_object(v))
                        pl_value(p, key, v);
        }
}

/* "Title:" and the members of props as an indented two-column list. */
static int put_props(FILE *f, const char *title, const json_t *props, bool color) {
        if (!json_is_object(props))
                return 0;
        fprintf(f, "\n%s:\n", title);
        if (json_object_size(props) == 0) {
                fputs("  (none)\n", f);
                return 0;
        }
        _cleanup_table_ Table *t = table_new(2, NULL);
        if (!t)
                return -ENOMEM;
        const char *key;
        json_t *v;
        int r;
        json_object_foreach((json_t *) props, key, v) {
                if ((r = table_add(t, key, TABLE_PLAIN)) < 0)
                        return r;
                _cleanup_free_ char *s = render_value(v);
                if ((r = table_add(t, s ? s : "", TABLE_PLAIN)) < 0)
                        return r;
        }
        return put_table(f, t, color, "  ");
}

static int plist_finish(Plist *p, const json_t *o, const char *const *sections, const char *const *titles, bool color,
                        char **ret) {
        if (p->r < 0) {
                table_free(p->t);
                return p->r;
        }
        Out out;
        int r = out_open(&out);
        if (r < 0) {
                table_free(p->t);
                return r;
        }
        r = put_table(out.f, p->t, color, "");
        table_free(p->t);
        for (size_t i = 0; sections && sections[i] && r >= 0; i++)
                r = put_props(out.f, titles[i], json_object_get(o, sections[i]), color);
        return out_close(&out, r, ret);
}

static int plist_new(Plist *p) {
        p->t = table_new(2, NULL);
        p->r = p->t ? 0 : -ENOMEM;
        return p->r;
}

int render_node(const json_t *node, bool color, char **ret) {
        Plist p;
        if (plist_new(&p) < 0)
                return -ENOMEM;
        char buf[64];
        const char *state = node_state(node, buf, sizeof buf);
        pl_value(&p, "Name", json_object_get(node, "name"));
        pl_value(&p, "Id", json_object_get(node, "id"));
        pl_text(&p, "State", state, color ? table_state_color(jstr(node, "state")) : TABLE_PLAIN);
        pl_value(&p, "Paused", json_object_get(node, "paused"));
        pl_value(&p, "Groups", json_object_get(node, "groups"));
        static const char *const known[] = { "name", "id", "state", "paused", "groups", NULL };
        pl_rest(&p, node, known);
        return plist_finish(&p, node, NULL, NULL, color, ret);
}

int render_cluster(const json_t *cluster, bool color, char **ret) {
        Plist p;
        if (plist_new(&p) < 0)
                return -ENOMEM;
        json_t *q = json_object_get(cluster, "quorate");
        pl_value(&p, "Name", json_object_get(cluster, "name"));
        pl_value(&p, "This node", json_object_get(cluster, "node"));
        pl_text(&p, "Quorum", json_is_boolean(q) ? json_is_true(q) ? "quorate" : "NO QUORUM" : NULL,
                color && json_is_boolean(q) ? json_is_true(q) ? TABLE_GREEN : TABLE_RED : TABLE_PLAIN);
        pl_value(&p, "Nodes", json_object_get(cluster, "nodes"));
        pl_value(&p, "Groups", json_object_get(cluster, "groups"));
        pl_value(&p, "Resources", json_object_get(cluster, "resources"));
        pl_value(&p, "Version", json_object_get(cluster, "version"));
        char *f = failover_line(cluster);
        if (f)
                pl_text(&p, "Failover", f + strlen("Failover: "), TABLE_PLAIN);
        free(f);
        static const char *const known[] = { "name", "node", "quorate", "nodes", "groups", "resources", "version",
                                              "coordinator", "timings", NULL };
        pl_rest(&p, cluster, known);
        return plist_finish(&p, cluster, NULL, NULL, color, ret);
}

int render_groups(const json_t *groups, bool color, char **ret) {
        static const char *const headers[] = { "GROUP", "STATE", "OWNER", "PREFERRED", "RESOURCES" };
        _cleanup_table_ Table *t = table_new(5, headers);
        if (!t)
                return -ENOMEM;
        size_t i;
        json_t *g;
        int r;
        json_array_foreach(groups, i, g) {
                json_t *props = json_object_get(g, "properties");
                if ((r = add_member(t, g, "name")) < 0 || (r = add_state(t, jstr(g, "state"), color)) < 0 ||
                    (r = add_member(t, g, "owner")) < 0 || (r = add_member(t, props, "PreferredOwners")) < 0)
                        return r;
                _cleanup_(json_decrefp) json_t *names = json_array();
                if (!names)
                        return -ENOMEM;
                size_t k;
                json_t *res;
                json_array_foreach(json_object_get(g, "resources"), k, res) {
                        json_t *n = json_is_object(res) ? json_object_get(res, "name") : res;
                        if (n && json_array_append(names, n) < 0)
                                return -ENOMEM;
                }
                if ((r = add_value(t, names, TABLE_PLAIN)) < 0)
                        return r;
        }
        return table_format(t, color, ret);
}

int render_group(const json_t *group, bool color, char **ret) {
        /* Status-shaped groups hold resource objects; show their names. */
        _cleanup_(json_decrefp) json_t *names = json_array();
        if (!names)
                return -ENOMEM;
        size_t k;
        json_t *res;
        json_array_foreach(json_object_get(group, "resources"), k, res) {
                json_t *n = json_is_object(res) ? json_object_get(res, "name") : res;
                if (n && json_array_append(names, n) < 0)
                        return -ENOMEM;
        }

        Plist p;
        if (plist_new(&p) < 0)
                return -ENOMEM;
        pl_value(&p, "Name", json_object_get(group, "name"));
        pl_value(&p, "Id", json_object_get(group, "id"));
        pl_text(&p, "State", jstr(group, "state"), color ? table_state_color(jstr(group, "state")) : TABLE_PLAIN);
        pl_value(&p, "Owner", json_object_get(group, "owner"));
        pl_value(&p, "Desired", json_object_get(group, "desired"));
        if (json_array_size(names) > 0)
                pl_value(&p, "Resources", names);
        else
                pl_text(&p, "Resources", "(none)", TABLE_PLAIN);
        static const char *const known[] = { "name", "id", "state", "owner", "desired", "resources", "properties", NULL };
        pl_rest(&p, group, known);
        static const char *const sections[] = { "properties", NULL };
        static const char *const titles[] = { "Properties" };
        return plist_finish(&p, group, sections, titles, color, ret);
}

int render_resources(const json_t *resources, bool color, char **ret) {
        static const char *const headers[] = { "RESOURCE", "TYPE", "GROUP", "STATE", "OWNER" };
        _cleanup_table_ Table *t = table_new(5, headers);
        if (!t)
                return -ENOMEM;
        size_t i;
        json_t *res;
        int r;
        json_array_foreach(resources, i, res)
                if ((r = add_member(t, res, "name")) < 0 || (r = add_member(t, res, "type")) < 0 ||
                    (r = add_member(t, res, "group")) < 0 || (r = add_state(t, jstr(res, "state"), color)) < 0 ||
                    (r = add_member(t, res, "owner")) < 0)
                        return r;
        return table_format(t, color, ret);
}

int render_resource(const json_t *res, bool color, char **ret) {
        Plist p;
        if (plist_new(&p) < 0)
                return -ENOMEM;
        pl_value(&p, "Name", json_object_get(res, "name"));
        pl_value(&p, "Id", json_object_get(res, "id"));
        pl_value(&p, "Type", json_object_get(res, "type"));
        pl_value(&p, "Group", json_object_get(res, "group"));
        pl_text(&p, "State", jstr(res, "state"), color ? table_state_color(jstr(res, "state")) : TABLE_PLAIN);
        json_t *reason = json_object_get(res, "state_reason");
        if (reason && !json_is_null(reason))
                pl_value(&p, "Reason", reason);
        pl_value(&p, "Owner", json_object_get(res, "owner"));
        pl_value(&p, "Desired", json_object_get(res, "desired"));
        pl_value(&p, "Restarts", json_object_get(res, "restart_count"));
        /* The restart the policy scheduled: "1 of 3 in 500ms". */
        json_t *rs = json_object_get(res, "restarting");
        if (json_is_object(rs)) {
                json_t *of = json_object_get(rs, "of");
                json_int_t in_ms = json_integer_value(json_object_get(rs, "in_ms"));
                _cleanup_free_ char *in = NULL;
                if (in_ms > 0 && format_duration((uint64_t) in_ms * 1000, &in) < 0)
                        in = NULL;
                char text[128], count[48] = "";
                if (json_is_integer(of))
                        snprintf(count, sizeof count, " of %" JSON_INTEGER_FORMAT, json_integer_value(of));
                snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT "%s %s%s",
                         json_integer_value(json_object_get(rs, "attempt")), count, in ? "in " : "now", in ? in : "");
                pl_text(&p, "Restart", text, TABLE_PLAIN);
        }
        json_t *dep = json_object_get(res, "depends");
        pl_text(&p, "Depends on", json_string_value(dep) && *json_string_value(dep) ? json_string_value(dep) : "(nothing)",
                TABLE_PLAIN);
        /* Read-only values are read anew for each show; say so only when
         * they could not be. */
        char stale[96];
        if (json_is_true(json_object_get(res, "readonly_stale"))) {
                json_int_t ms = json_integer_value(json_object_get(res, "readonly_age_ms"));
                snprintf(stale, sizeof(stale), "as of %lld.%llds ago: the resource monitor did not answer",
                         (long long) (ms / 1000), (long long) (ms % 1000 / 100));
                pl_text(&p, "Read-only values", stale, TABLE_PLAIN);
        }
        static const char *const known[] = { "name",         "id",          "type",           "group",
                                             "state",        "state_reason", "owner",         "desired",
                                             "restart_count", "depends",    "properties",     "common",
                                             "readonly_age_ms", "readonly_stale", "restarting", NULL };
        pl_rest(&p, res, known);
        static const char *const sections[] = { "properties", "common", NULL };
        static const char *const titles[] = { "Properties", "Common properties" };
        return plist_finish(&p, res, sections, titles, color, ret);
}

int render_types(const json_t *types, bool color, char **ret) {
        static const char *const headers[] = { "TYPE", "DESCRIPTION" };
        _cleanup_table_ Table *t = table_new(2, headers);
        if (!t)
                return -ENOMEM;
        size_t i;
        json_t *ty;
        int r;
        json_array_foreach(types, i, ty)
                if ((r = add_member(t, ty, "name")) < 0 || (r = add_member(t, ty, "description")) < 0)
                        return r;
        return table_format(t, color, ret);
}

/* "1..100", "10ms or more", "at most 5", or NULL. */
static char *range_text(const json_t *prop) {
        _cleanup_free_ char *min = render_value(json_object_get(prop, "min"));
        _cleanup_free_ char *max = render_value(json_object_get(prop, "max"));
        char *s = NULL;
        int r = 0;
        if (min && max)
                r = asprintf(&s, "%s..%s", min, max);
        else if (min)
                r = asprintf(&s, "%s or more", min);
        else if (max)
                r = asprintf(&s, "at most %s", max);
        return r < 0 ? NULL : s;
}

static int put_prop_table(FILE *f, const char *title, const json_t *props, bool color) {
        static const char *const headers[] = { "PROPERTY", "TYPE", "DEFAULT", "ALLOWED", "FLAGS", "DESCRIPTION" };
        _cleanup_table_ Table *t = table_new(6, headers);
        if (!t)
                return -ENOMEM;
        size_t i;
        json_t *p;
        int r;
        json_array_foreach(props, i, p) {
                _cleanup_free_ char *range = json_is_array(json_object_get(p, "enum"))
                                                     ? render_value(json_object_get(p, "enum"))
                                                     : range_text(p);
                char flags[64] = "";
                if (json_is_true(json_object_get(p, "required")))
                        strcat(flags, "required,");
                if (json_is_true(json_object_get(p, "readonly")))
                        strcat(flags, "read-only,");
                if (json_is_true(json_object_get(p, "live")))
                        strcat(flags, "live,");
                if (*flags)
                        flags[strlen(flags) - 1] = '\0';
                if ((r = add_member(t, p, "name")) < 0 || (r = add_member(t, p, "type")) < 0 ||
                    (r = add_member(t, p, "default")) < 0 || (r = table_add(t, range, TABLE_PLAIN)) < 0 ||
                    (r = table_add(t, *flags ? flags : NULL, TABLE_PLAIN)) < 0 ||
                    (r = add_member(t, p, "description")) < 0)
                        return r;
        }
        fprintf(f, "\n%s:\n", title);
        return put_table(f, t, color, "  ");
}

int render_type(const json_t *type, bool color, char **ret) {
        Plist p;
        if (plist_new(&p) < 0)
                return -ENOMEM;
        pl_value(&p, "Name", json_object_get(type, "name"));
        pl_value(&p, "Description", json_object_get(type, "description"));
        /* Other scalars; the property tables come below. */
        const char *key;
        json_t *v;
        json_object_foreach((json_t *) type, key, v)
                if (strcmp(key, "name") != 0 && strcmp(key, "description") != 0 && !json_is_array(v) &&
                    !json_is_object(v))
                        pl_value(&p, key, v);
        if (p.r < 0) {
                table_free(p.t);
                return p.r;
        }

        Out o;
        int r = out_open(&o);
        if (r < 0) {
                table_free(p.t);
                return r;
        }
        r = put_table(o.f, p.t, color, "");
        table_free(p.t);
        json_object_foreach((json_t *) type, key, v) {
                if (r < 0 || !json_is_array(v))
                        continue;
                char title[96];
                if (strcmp(key, "properties") == 0)
                        snprintf(title, sizeof title, "Properties");
                else if (strcmp(key, "common") == 0)
                        snprintf(title, sizeof title, "Common properties");
                else
                        snprintf(title, sizeof title, "%s", key);
                r = put_prop_table(o.f, title, v, color);
        }
        return out_close(&o, r, ret);
}

/* An entry's time as text: "time" as it is, or "time_ms" (UTC). */
char *render_time_text(const json_t *e) {
        const char *s = jstr(e, "time");
        if (s)
                return strdup(s);
        json_t *ms = json_object_get(e, "time_ms");
        if (!json_is_integer(ms))
                return NULL;
        json_int_t v = json_integer_value(ms);
        time_t sec = (time_t) (v / 1000);
        struct tm tm;
        char buf[64], *out = NULL;
        if (!gmtime_r(&sec, &tm) || strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
                return NULL;
        if (asprintf(&out, "%s.%03dZ", buf, (int) (v % 1000)) < 0)
                return NULL;
        return out;
}

static const char *first_str(const json_t *o, const char *const *keys) {
        for (; *keys; keys++) {
                const char *s = jstr(o, *keys);
                if (s)
                        return s;
        }
        return NULL;
}

static const char *const text_keys[] = { "text", "message", "msg", NULL };
/* A log entry's node: its name when wolfpackd gave it, else its id. */
static const char *const node_keys[] = { "node_name", "node", NULL };

static int add_node(Table *t, const json_t *e) {
        const char *name = first_str(e, node_keys);
        return name ? table_add(t, name, TABLE_PLAIN) : add_member(t, e, "node");
}
static const char *const object_keys[] = { "name", "resource", "group", "object_name", NULL };

int render_log(const json_t *entries, bool color, char **ret) {
        static const char *const headers[] = { "TIME", "NODE", "LEVEL", "CODE", "OBJECT", "MESSAGE" };
        _cleanup_table_ Table *t = table_new(6, headers);
        if (!t)
                return -ENOMEM;
        size_t i;
        json_t *e;
        int r;
        json_array_foreach(entries, i, e) {
                _cleanup_free_ char *time = render_time_text(e);
                if ((r = table_add(t, time, TABLE_PLAIN)) < 0 || (r = add_node(t, e)) < 0 ||
                    (r = add_member(t, e, "level")) < 0 || (r = add_member(t, e, "code")) < 0 ||
                    (r = table_add(t, first_str(e, object_keys), TABLE_PLAIN)) < 0 ||
                    (r = table_add(t, first_str(e, text_keys), TABLE_PLAIN)) < 0)
                        return r;
        }
        return table_format(t, color, ret);
}

int render_event(const json_t *event, char **ret) {
        static const char *const kind_keys[] = { "kind", "object", NULL };
        static const char *const owner_keys[] = { "owner", "node", NULL };
        static const char *const reason_keys[] = { "reason", "state_reason", NULL };
        static const char *const action_keys[] = { "action", "op", "change", NULL };

        _cleanup_free_ char *time = render_time_text(event);
        const char *type = jstr(event, "type");
        const char *kind = first_str(event, kind_keys);
        /* wolfpackd's state events name the resource's id as "resource". */
        if (!kind && jstr(event, "resource"))
                kind = "resource";
        const char *name = first_str(event, object_keys);
        char *line = NULL;
        int r = -EPROTO;

        if (type && strcmp(type, "state") == 0 && name && jstr(event, "state")) {
                const char *owner = first_str(event, owner_keys);
                const char *reason = first_str(event, reason_keys);
                r = asprintf(&line, "%s%s%s%s%s is %s%s%s%s%s\n", time ? time : "", time ? " " : "", kind ? kind : "",
                             kind ? " " : "", name, jstr(event, "state"), owner ? " on " : "", owner ? owner : "",
                             reason ? ": " : "", reason ? reason : "");
        } else if (type && strcmp(type, "log") == 0 && first_str(event, text_keys)) {
                const char *level = jstr(event, "level"), *code = jstr(event, "code");
                char id[24];
                const char *node = first_str(event, node_keys);
                if (!node && json_is_integer(json_object_get(event, "node"))) {
                        snprintf(id, sizeof id, "%lld", (long long) json_integer_value(json_object_get(event, "node")));
                        node = id;
                }
                r = asprintf(&line, "%s%s%s%s%s%s%s%s%s%s%s\n", time ? time : "", time ? " " : "", node ? node : "",
                             node ? " " : "", level ? level : "", level ? " " : "", code ? code : "", code ? " " : "",
                             name ? name : "", name ? ": " : "", first_str(event, text_keys));
        } else if (type && strcmp(type, "object") == 0 && name && first_str(event, action_keys)) {
                r = asprintf(&line, "%s%s%s%s%s %s\n", time ? time : "", time ? " " : "", kind ? kind : "",
                             kind ? " " : "", name, first_str(event, action_keys));
        }
        if (r == -EPROTO) {
                /* A shape not known here: the event as it came. */
                _cleanup_free_ char *j = json_dumps(event, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
                if (!j)
                        return -ENOMEM;
                r = asprintf(&line, "%s%s%s\n", time ? time : "", time ? " " : "", j);
        }
        if (r < 0)
                return -ENOMEM;
        *ret = line;
        return 0;
}

int render_names(const json_t *list, char **ret) {
        Out o;
        int r = out_open(&o);
        if (r < 0)
                return r;
        size_t i;
        json_t *e;
        json_array_foreach(list, i, e) {
                const char *n = json_is_string(e) ? json_string_value(e) : jstr(e, "name");
                if (n)
                        fprintf(o.f, "%s\n", n);
        }
        return out_close(&o, 0, ret);
}

int render_kv_lines(const json_t *const *objects, char **ret) {
        Out o;
        int r = out_open(&o);
        if (r < 0)
                return r;
        for (; *objects; objects++) {
                const char *key;
                json_t *v;
                json_object_foreach((json_t *) *objects, key, v) {
                        _cleanup_free_ char *s = render_value(v);
                        fprintf(o.f, "%s=%s\n", key, s ? s : "");
                }
        }
        return out_close(&o, 0, ret);
}

/* ---- why ---- */

static TableColor rule_color(const char *rule) {
        static const char *const good[] = { "chosen", "owner", "online" };
        static const char *const bad[] = { "down", "no_quorum", "failover_threshold", "dependency_failed", "failed" };
        for (size_t i = 0; rule && i < ELEMENTSOF(good); i++)
                if (strcmp(rule, good[i]) == 0)
                        return TABLE_GREEN;
        for (size_t i = 0; rule && i < ELEMENTSOF(bad); i++)
                if (strcmp(rule, bad[i]) == 0)
                        return TABLE_RED;
        return TABLE_PLAIN;
}

int render_why(const json_t *why, bool color, char **ret) {
        Out o;
        int r = out_open(&o);
        if (r < 0)
                return r;
        const char *group = jstr(why, "group"), *state = jstr(why, "state"), *owner = jstr(why, "owner");
        fprintf(o.f, "Group %s: %s%s%s\n", group ? group : "-", state ? state : "-", owner ? " on " : "",
                owner ? owner : "");
        const char *summary = jstr(why, "summary");
        if (summary)
                fprintf(o.f, "%s\n", summary);
        const char *state_reason = jstr(why, "state_reason");
        if (state_reason && *state_reason)
                fprintf(o.f, "Reason: %s\n", state_reason);
        const json_t *res = json_object_get(why, "resource");
        if (json_is_object(res)) {
                const char *rs = jstr(res, "state"), *rule = jstr(res, "rule"), *text = jstr(res, "text");
                fprintf(o.f, "Resource %s: %s (%s)\n%s\n", jstr(res, "resource") ? jstr(res, "resource") : "-",
                        rs ? rs : "-", rule ? rule : "-", text ? text : "");
        }
        fputc('\n', o.f);
        static const char *const headers[] = { "NODE", "VERDICT", "DETAIL" };
        _cleanup_table_ Table *t = table_new(3, headers);
        if (!t)
                r = -ENOMEM;
        size_t i;
        json_t *n;
        json_array_foreach(json_object_get(why, "nodes"), i, n) {
                if (r < 0)
                        break;
                const char *rule = jstr(n, "rule");
                if ((r = add_member(t, n, "name")) < 0 || (r = table_add(t, rule, color ? rule_color(rule) : TABLE_PLAIN)) < 0)
                        break;
                r = add_member(t, n, "text");
        }
        if (r >= 0)
                r = put_table(o.f, t, color, "");
        return out_close(&o, r, ret);
}
