/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dependency graph of one group's resources: resolves the names of
 * every expression to resources, refuses duplicates, outsiders and cycles
 * (naming the cycle), and computes online and offline waves, the dependents
 * an offline drags down and the prerequisites an online pulls up. Owns the
 * ordering rules written in depgraph.h. Never does I/O, never logs, never
 * keeps state between calls.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "depgraph.h"
#include "macro.h"

static void set_error(char *err, size_t errlen, const char *fmt, ...) _printf_(3, 4);
static void set_error(char *err, size_t errlen, const char *fmt, ...) {
        if (!err || errlen == 0)
                return;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
}

/* One resource's expression with names resolved: OR-group k is
 * m[off[k]] .. m[off[k + 1] - 1]. */
typedef struct Node {
        size_t n_groups;
        size_t *off;
        size_t *m;
} Node;

typedef struct Graph {
        const DepResource *r;
        size_t n;
        Node *nodes;
        size_t *post; /* every index, dependencies before their dependents */
} Graph;

static void graph_done(Graph *g) {
        for (size_t i = 0; g->nodes && i < g->n; i++) {
                free(g->nodes[i].off);
                free(g->nodes[i].m);
        }
        free(g->nodes);
        free(g->post);
        *g = (Graph) {};
}

static int by_name(const void *a, const void *b, void *userdata) {
        const DepResource *r = userdata;
        size_t x = *(const size_t *) a, y = *(const size_t *) b;
        int c = strcasecmp(r[x].name, r[y].name);
        if (c != 0)
                return c;
        return x < y ? -1 : x > y;
}

static size_t find(const DepResource *r, const size_t *sorted, size_t n, const char *name) {
        size_t lo = 0, hi = n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcasecmp(r[sorted[mid]].name, name);
                if (c == 0)
                        return sorted[mid];
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return SIZE_MAX;
}

/* Append "name" to the message being built in err. */
static void err_append(char *err, size_t errlen, const char *s) {
        if (!err || errlen == 0)
                return;
        size_t o = strnlen(err, errlen);
        if (o + 1 < errlen)
                snprintf(err + o, errlen - o, "%s", s);
}

/* Depth first, iteratively (a group may be large and the stack is not):
 * finds a cycle, or leaves the post-order in g->post. */
static int find_cycle(Graph *g, char *err, size_t errlen) {
        size_t n = g->n;
        _cleanup_free_ unsigned char *colour = calloc(n ? n : 1, 1); /* 0 new, 1 on the path, 2 done */
        _cleanup_free_ size_t *stack = malloc((n ? n : 1) * sizeof(size_t));
        _cleanup_free_ size_t *next = calloc(n ? n : 1, sizeof(size_t)); /* next edge of each node on the path */
        g->post = malloc((n ? n : 1) * sizeof(size_t));
        if (!colour || !stack || !next || !g->post)
                return -ENOMEM;
        size_t n_post = 0;

        for (size_t s = 0; s < n; s++) {
                if (colour[s])
                        continue;
                size_t depth = 0;
                stack[depth++] = s;
                colour[s] = 1;
                while (depth > 0) {
                        size_t v = stack[depth - 1];
                        const Node *nv = &g->nodes[v];
                        size_t n_edges = nv->off[nv->n_groups];
                        if (next[v] == n_edges) {
                                colour[v] = 2;
                                g->post[n_post++] = v;
                                depth--;
                                continue;
                        }
                        size_t w = nv->m[next[v]++];
                        if (colour[w] == 2)
                                continue;
                        if (colour[w] == 0) {
                                colour[w] = 1;
                                stack[depth++] = w;
                                continue;
                        }
                        /* w is on the path: the cycle runs from w to v and back. */
                        size_t from = 0;
                        while (stack[from] != w)
                                from++;
                        set_error(err, errlen, "dependency cycle: ");
                        for (size_t i = from; i < depth; i++) {
                                err_append(err, errlen, g->r[stack[i]].name);
                                err_append(err, errlen, " -> ");
                        }
                        err_append(err, errlen, g->r[w].name);
                        return -ELOOP;
                }
        }
        return 0;
}

static int graph_build(const DepResource *r, size_t n, Graph *ret, char *err, size_t errlen,
                       size_t *ret_resource, const char **ret_missing) {
        if (n > 0 && !r)
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (!r[i].name) {
                        set_error(err, errlen, "resource %zu has no name", i);
                        return -EINVAL;
                }

        _cleanup_free_ size_t *sorted = malloc((n ? n : 1) * sizeof(size_t));
        if (!sorted)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                sorted[i] = i;
        qsort_r(sorted, n, sizeof(size_t), by_name, (void *) r);
        for (size_t i = 1; i < n; i++)
                if (strcasecmp(r[sorted[i - 1]].name, r[sorted[i]].name) == 0) {
                        set_error(err, errlen, "two resources of the group are named \"%s\"", r[sorted[i]].name);
                        return -EEXIST;
                }

        Graph g = { .r = r, .n = n, .nodes = calloc(n ? n : 1, sizeof(Node)) };
        if (!g.nodes)
                return -ENOMEM;
        int rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++) {
                const DepExpr *e = r[i].expr;
                Node *nd = &g.nodes[i];
                size_t total = 0, ng = e ? e->n_groups : 0;
                for (size_t k = 0; k < ng; k++)
                        total += e->groups[k].n_names;
                nd->off = malloc((ng + 1) * sizeof(size_t));
                nd->m = malloc((total ? total : 1) * sizeof(size_t));
                if (!nd->off || !nd->m) {
                        rc = -ENOMEM;
                        break;
                }
                nd->n_groups = ng;
                size_t o = 0;
                for (size_t k = 0; k < ng && rc == 0; k++) {
                        nd->off[k] = o;
                        for (size_t j = 0; j < e->groups[k].n_names; j++) {
                                const char *name = e->groups[k].names[j];
                                size_t w = find(r, sorted, n, name);
                                if (w == SIZE_MAX) {
                                        set_error(err, errlen,
                                                  "resource %s depends on %s, which is not in its group; "
                                                  "dependencies stay inside a group",
                                                  r[i].name, name);
                                        if (ret_resource)
                                                *ret_resource = i;
                                        if (ret_missing)
                                                *ret_missing = name;
                                        rc = -ENOENT;
                                        break;
                                }
                                nd->m[o++] = w;
                        }
                }
                nd->off[ng] = o;
        }
        if (rc == 0)
                rc = find_cycle(&g, err, errlen);
        if (rc < 0) {
                graph_done(&g);
                return rc;
        }
        *ret = g;
        return 0;
}

int depgraph_check(const DepResource *r, size_t n, char *err, size_t errlen, size_t *ret_resource,
                   const char **ret_missing) {
        Graph g;
        int rc = graph_build(r, n, &g, err, errlen, ret_resource, ret_missing);
        if (rc < 0)
                return rc;
        graph_done(&g);
        return 0;
}

static void online_waves(const Graph *g, unsigned *wave) {
        for (size_t p = 0; p < g->n; p++) {
                size_t v = g->post[p];
                const Node *nv = &g->nodes[v];
                unsigned w = 0;
                for (size_t k = 0; k < nv->n_groups; k++) {
                        unsigned best = (unsigned) -1;
                        for (size_t j = nv->off[k]; j < nv->off[k + 1]; j++)
                                if (wave[nv->m[j]] < best)
                                        best = wave[nv->m[j]];
                        if (best + 1 > w)
                                w = best + 1;
                }
                wave[v] = w;
        }
}

static void offline_waves(const Graph *g, unsigned *wave) {
        for (size_t i = 0; i < g->n; i++)
                wave[i] = 0;
        /* Dependents come after their dependencies in post-order, so going
         * backwards each one is final before it is passed on. */
        for (size_t p = g->n; p-- > 0;) {
                size_t d = g->post[p];
                const Node *nd = &g->nodes[d];
                for (size_t j = 0; j < nd->off[nd->n_groups]; j++)
                        if (wave[nd->m[j]] < wave[d] + 1)
                                wave[nd->m[j]] = wave[d] + 1;
        }
}

static unsigned count_waves(const unsigned *wave, size_t n) {
        unsigned m = 0;
        for (size_t i = 0; i < n; i++)
                if (wave[i] + 1 > m)
                        m = wave[i] + 1;
        return m;
}

int depgraph_online_waves(const DepResource *r, size_t n, unsigned *ret_wave, unsigned *ret_n_waves,
                          char *err, size_t errlen) {
        if (!ret_wave && n > 0)
                return -EINVAL;
        Graph g;
        int rc = graph_build(r, n, &g, err, errlen, NULL, NULL);
        if (rc < 0)
                return rc;
        online_waves(&g, ret_wave);
        if (ret_n_waves)
                *ret_n_waves = count_waves(ret_wave, n);
        graph_done(&g);
        return 0;
}

int depgraph_offline_waves(const DepResource *r, size_t n, unsigned *ret_wave, unsigned *ret_n_waves,
                           char *err, size_t errlen) {
        if (!ret_wave && n > 0)
                return -EINVAL;
        Graph g;
        int rc = graph_build(r, n, &g, err, errlen, NULL, NULL);
        if (rc < 0)
                return rc;
        offline_waves(&g, ret_wave);
        if (ret_n_waves)
                *ret_n_waves = count_waves(ret_wave, n);
        graph_done(&g);
        return 0;
}

/* The indices marked in set, x excepted, ordered by wave then index. */
typedef struct WaveOrder {
        const unsigned *wave;
} WaveOrder;

static int by_wave(const void *a, const void *b, void *userdata) {
        const WaveOrder *o = userdata;
        size_t x = *(const size_t *) a, y = *(const size_t *) b;
        if (o->wave[x] != o->wave[y])
                return o->wave[x] < o->wave[y] ? -1 : 1;
        return x < y ? -1 : x > y;
}

static int collect(const bool *set, size_t n, size_t x, const unsigned *wave, size_t **ret, size_t *ret_n) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
                if (set[i] && i != x)
                        k++;
        if (k == 0) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        size_t *l = malloc(k * sizeof(size_t));
        if (!l)
                return -ENOMEM;
        k = 0;
        for (size_t i = 0; i < n; i++)
                if (set[i] && i != x)
                        l[k++] = i;
        WaveOrder o = { wave };
        qsort_r(l, k, sizeof(size_t), by_wave, &o);
        *ret = l;
        *ret_n = k;
        return 0;
}

/* Whether resource d's expression holds with the resources in down offline
 * and the others as is_online says. */
static bool satisfied_without(const Graph *g, size_t d, const bool *down, depgraph_online_fn is_online,
                              void *userdata) {
        const Node *nd = &g->nodes[d];
        for (size_t k = 0; k < nd->n_groups; k++) {
                bool any = false;
                for (size_t j = nd->off[k]; j < nd->off[k + 1] && !any; j++) {
                        size_t m = nd->m[j];
                        any = !down[m] && is_online(m, userdata);
                }
                if (!any)
                        return false;
        }
        return true;
}

static bool references_any(const Graph *g, size_t d, const bool *set) {
        const Node *nd = &g->nodes[d];
        for (size_t j = 0; j < nd->off[nd->n_groups]; j++)
                if (set[nd->m[j]])
                        return true;
        return false;
}

int depgraph_dependents(const DepResource *r, size_t n, size_t x, depgraph_online_fn is_online,
                        void *userdata, size_t **ret, size_t *ret_n, char *err, size_t errlen) {
        if (!ret || !ret_n)
                return -EINVAL;
        if (x >= n) {
                set_error(err, errlen, "resource index %zu is out of range (%zu resources)", x, n);
                return -EINVAL;
        }
        _cleanup_(graph_done) Graph g = {};
        int rc = graph_build(r, n, &g, err, errlen, NULL, NULL);
        if (rc < 0)
                return rc;

        _cleanup_free_ bool *down = calloc(n, sizeof(bool));
        _cleanup_free_ unsigned *wave = malloc(n * sizeof(unsigned));
        if (!down || !wave)
                return -ENOMEM;
        down[x] = true;
        /* Until nothing changes: a resource dropped may take down another
         * one written before it in the array. */
        for (bool changed = true; changed;) {
                changed = false;
                for (size_t d = 0; d < n; d++) {
                        if (down[d] || !references_any(&g, d, down))
                                continue;
                        if (is_online) {
                                if (!is_online(d, userdata))
                                        continue;
                                if (satisfied_without(&g, d, down, is_online, userdata))
                                        continue;
                        }
                        down[d] = true;
                        changed = true;
                }
        }
        offline_waves(&g, wave);
        return collect(down, n, x, wave, ret, ret_n);
}

int depgraph_prerequisites(const DepResource *r, size_t n, size_t x, depgraph_online_fn is_online,
                           void *userdata, size_t **ret, size_t *ret_n, char *err, size_t errlen) {
        if (!ret || !ret_n)
                return -EINVAL;
        if (x >= n) {
                set_error(err, errlen, "resource index %zu is out of range (%zu resources)", x, n);
                return -EINVAL;
        }
        _cleanup_(graph_done) Graph g = {};
        int rc = graph_build(r, n, &g, err, errlen, NULL, NULL);
        if (rc < 0)
                return rc;

        _cleanup_free_ bool *need = calloc(n, sizeof(bool));
        _cleanup_free_ size_t *todo = malloc(n * sizeof(size_t));
        _cleanup_free_ unsigned *wave = malloc(n * sizeof(unsigned));
        if (!need || !todo || !wave)
                return -ENOMEM;
        online_waves(&g, wave);

        size_t n_todo = 0;
        need[x] = true;
        todo[n_todo++] = x;
        while (n_todo > 0) {
                const Node *nv = &g.nodes[todo[--n_todo]];
                for (size_t k = 0; k < nv->n_groups; k++) {
                        size_t pick = SIZE_MAX;
                        bool satisfied = false;
                        for (size_t j = nv->off[k]; j < nv->off[k + 1]; j++) {
                                size_t m = nv->m[j];
                                if ((is_online && is_online(m, userdata)) || need[m]) {
                                        /* Online already, or coming up anyway. */
                                        satisfied = true;
                                        break;
                                }
                                if (pick == SIZE_MAX || wave[m] < wave[pick])
                                        pick = m;
                        }
                        if (satisfied || pick == SIZE_MAX)
                                continue;
                        need[pick] = true;
                        todo[n_todo++] = pick;
                }
        }
        return collect(need, n, x, wave, ret, ret_n);
}
