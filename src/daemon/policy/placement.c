/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Placement of groups on nodes (see placement.h for the rules): the node a
 * group comes online on, the node a `move` takes it to, the node it fails
 * back to, each with the reason a person reads in the cluster log or in
 * the answer to `move`. Owns the order of the placement rules. Never does
 * I/O, never logs, never keeps state between calls.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "placement.h"

/* The reason being written: appends that stop quietly at the end. */
typedef struct Text {
        char *s;
        size_t len, o;
} Text;

static Text text_on(Placement *p) {
        p->reason[0] = 0;
        return (Text) { p->reason, sizeof p->reason, 0 };
}

static void add(Text *t, const char *fmt, ...) _printf_(2, 3);
static void add(Text *t, const char *fmt, ...) {
        if (t->o + 1 >= t->len)
                return;
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(t->s + t->o, t->len - t->o, fmt, ap);
        va_end(ap);
        if (w < 0)
                return;
        t->o += (size_t) w;
        if (t->o >= t->len)
                t->o = t->len - 1;
}

static const char *node_name(const PlacementNode *n) {
        return n->name ? n->name : "(unnamed)";
}

static const char *group_name(const PlacementGroup *g) {
        return g->name ? g->name : "the group";
}

static bool strv_has(char *const *l, const char *s) {
        for (size_t i = 0; l && s && l[i]; i++)
                if (strcasecmp(l[i], s) == 0)
                        return true;
        return false;
}

static bool resource_allows(const PlacementResource *r, const char *node) {
        if (!r->possible_owners || !r->possible_owners[0])
                return true;
        return strv_has(r->possible_owners, node);
}

static bool owner_of_all(const PlacementGroup *g, const PlacementNode *n) {
        for (size_t i = 0; i < g->n_resources; i++)
                if (!resource_allows(&g->resources[i], n->name))
                        return false;
        return true;
}

/* "db, ip": the resources that do not allow node n. */
static void add_refusers(Text *t, const PlacementGroup *g, const PlacementNode *n) {
        bool first = true;
        for (size_t i = 0; i < g->n_resources; i++)
                if (!resource_allows(&g->resources[i], n->name)) {
                        add(t, "%s%s", first ? "" : ", ",
                            g->resources[i].name ? g->resources[i].name : "(unnamed)");
                        first = false;
                }
}

static bool is_excluded(const PlacementGroup *g, unsigned id) {
        for (size_t i = 0; g->excluded && i < g->n_excluded; i++)
                if (g->excluded[i] == id)
                        return true;
        return false;
}

/* A class of the group that a group on node n also has, or NULL. */
static const char *conflict(const PlacementGroup *g, const PlacementNode *n) {
        for (size_t i = 0; g->classes && g->classes[i]; i++)
                if (strv_has(n->classes, g->classes[i]))
                        return g->classes[i];
        return NULL;
}

static const PlacementNode *by_id(const PlacementNode *nodes, size_t n, unsigned id) {
        for (size_t i = 0; id != 0 && i < n; i++)
                if (nodes[i].id == id)
                        return &nodes[i];
        return NULL;
}

static const PlacementNode *by_name(const PlacementNode *nodes, size_t n, const char *name) {
        for (size_t i = 0; name && i < n; i++)
                if (nodes[i].name && strcasecmp(nodes[i].name, name) == 0)
                        return &nodes[i];
        return NULL;
}

/* No node of the cluster is a possible owner of every resource: name the
 * resources that restrict it and where each may run. */
static void add_no_owner(Text *t, const PlacementGroup *g) {
        add(t, "no node is a possible owner of every resource of %s:", group_name(g));
        bool first = true;
        for (size_t i = 0; i < g->n_resources; i++) {
                const PlacementResource *r = &g->resources[i];
                if (!r->possible_owners || !r->possible_owners[0])
                        continue;
                add(t, "%s %s may run on ", first ? "" : ";", r->name ? r->name : "(unnamed)");
                for (size_t j = 0; r->possible_owners[j]; j++)
                        add(t, "%s%s", j ? ", " : "", r->possible_owners[j]);
                first = false;
        }
}

/* Why node n cannot take the group (rules 1 and 2), or false when it can. */
static bool add_why_not(Text *t, const PlacementGroup *g, const PlacementNode *n, unsigned skip) {
        if (n->id == skip) {
                add(t, "%s owns it now", node_name(n));
                return true;
        }
        if (!n->up) {
                add(t, "%s is down", node_name(n));
                return true;
        }
        if (n->paused) {
                add(t, "%s is paused", node_name(n));
                return true;
        }
        if (is_excluded(g, n->id)) {
                add(t, "%s failed on %s recently", group_name(g), node_name(n));
                return true;
        }
        if (!owner_of_all(g, n)) {
                add(t, "%s is not a possible owner of ", node_name(n));
                add_refusers(t, g, n);
                return true;
        }
        return false;
}

static bool can_take(const PlacementGroup *g, const PlacementNode *n, unsigned skip) {
        return n->id != skip && n->up && !n->paused && !is_excluded(g, n->id) && owner_of_all(g, n);
}

/* Rules 1-5 over every node but skip (0: none). what opens the reason when
 * no node can take the group. */
static int choose(const PlacementGroup *g, const PlacementNode *nodes, size_t n, unsigned skip,
                  const char *what, Placement *ret) {
        Text t = text_on(ret);
        ret->node = 0;

        bool any_owner = false;
        for (size_t i = 0; i < n && !any_owner; i++)
                any_owner = owner_of_all(g, &nodes[i]);
        if (!any_owner) {
                if (n == 0)
                        add(&t, "the cluster has no nodes");
                else
                        add_no_owner(&t, g);
                return -ENODEV;
        }

        bool cand[n];
        size_t n_cand = 0, n_free = 0;
        for (size_t i = 0; i < n; i++) {
                cand[i] = can_take(g, &nodes[i], skip);
                if (cand[i]) {
                        n_cand++;
                        if (!conflict(g, &nodes[i]))
                                n_free++;
                }
        }
        if (n_cand == 0) {
                /* Every node has its reason: can_take is add_why_not's negation. */
                add(&t, "%s %s: ", what, group_name(g));
                for (size_t i = 0; i < n; i++) {
                        if (i > 0)
                                add(&t, "; ");
                        add_why_not(&t, g, &nodes[i], skip);
                }
                return -ENODEV;
        }

        /* Rule 3: avoid class conflicts while another node is possible. */
        const PlacementNode *avoided = NULL;
        const char *avoided_class = NULL;
        if (n_free > 0 && n_free < n_cand)
                for (size_t i = 0; i < n; i++)
                        if (cand[i] && conflict(g, &nodes[i])) {
                                cand[i] = false;
                                if (!avoided) {
                                        avoided = &nodes[i];
                                        avoided_class = conflict(g, &nodes[i]);
                                }
                        }

        /* Rule 4: preferred owners in their order. */
        const PlacementNode *chosen = NULL;
        size_t rank = 0;
        for (size_t k = 0; g->preferred_owners && g->preferred_owners[k] && !chosen; k++) {
                const PlacementNode *p = by_name(nodes, n, g->preferred_owners[k]);
                if (p && cand[p - nodes]) {
                        chosen = p;
                        rank = k + 1;
                }
        }
        if (chosen) {
                if (rank == 1)
                        add(&t, "%s is the most preferred owner of %s", node_name(chosen), group_name(g));
                else
                        add(&t, "%s is preferred owner %zu of %s, the first that can take it", node_name(chosen),
                            rank, group_name(g));
        } else {
                /* Rule 5: fewest groups, then lowest id. */
                for (size_t i = 0; i < n; i++) {
                        if (!cand[i])
                                continue;
                        const PlacementNode *c = &nodes[i];
                        if (!chosen || c->n_groups < chosen->n_groups ||
                            (c->n_groups == chosen->n_groups && c->id < chosen->id))
                                chosen = c;
                }
                size_t ties = 0;
                for (size_t i = 0; i < n; i++)
                        if (cand[i] && nodes[i].n_groups == chosen->n_groups)
                                ties++;
                add(&t, "%s owns the fewest groups (%zu) of the nodes that can take %s%s", node_name(chosen),
                    chosen->n_groups, group_name(g), ties > 1 ? ", and the lowest id among equals" : "");
        }
        if (avoided)
                add(&t, "; avoided %s, which runs a group of anti-affinity class %s", node_name(avoided),
                    avoided_class);
        else if (n_free == 0 && conflict(g, chosen))
                add(&t, "; every node that can take it runs a group of anti-affinity class %s",
                    conflict(g, chosen));
        ret->node = chosen->id;
        return 0;
}

static bool args_ok(const PlacementGroup *g, const PlacementNode *nodes, size_t n, Placement *ret) {
        if (!ret)
                return false;
        ret->node = 0;
        ret->reason[0] = 0;
        return g && (nodes || n == 0) && (g->resources || g->n_resources == 0);
}

int placement_choose(const PlacementGroup *g, const PlacementNode *nodes, size_t n, Placement *ret) {
        if (!args_ok(g, nodes, n, ret))
                return -EINVAL;
        return choose(g, nodes, n, 0, "no node can take", ret);
}

int placement_best_for_move(const PlacementGroup *g, const PlacementNode *nodes, size_t n, unsigned current,
                            unsigned to, Placement *ret) {
        if (!args_ok(g, nodes, n, ret))
                return -EINVAL;
        if (to == 0)
                return choose(g, nodes, n, current, "no other node can take", ret);

        Text t = text_on(ret);
        const PlacementNode *target = by_id(nodes, n, to);
        if (!target) {
                add(&t, "no node has id %u", to);
                return -ENOENT;
        }
        if (to == current) {
                add(&t, "%s already runs on %s", group_name(g), node_name(target));
                return -EALREADY;
        }
        if (!target->up || target->paused || !owner_of_all(g, target)) {
                add(&t, "%s cannot move to %s: ", group_name(g), node_name(target));
                if (!target->up)
                        add(&t, "%s is down", node_name(target));
                else if (target->paused)
                        add(&t, "%s is paused; resume it first", node_name(target));
                else {
                        add(&t, "it is not a possible owner of ");
                        add_refusers(&t, g, target);
                }
                return -ENODEV;
        }
        add(&t, "moving %s to %s as asked", group_name(g), node_name(target));
        const char *c = conflict(g, target);
        if (c)
                add(&t, "; %s runs a group of anti-affinity class %s", node_name(target), c);
        ret->node = target->id;
        return 0;
}

int placement_failback_target(const PlacementGroup *g, const PlacementNode *nodes, size_t n, unsigned current,
                              Placement *ret) {
        if (!args_ok(g, nodes, n, ret))
                return -EINVAL;
        const PlacementNode *cur = by_id(nodes, n, current);

        /* Why the preferred owners before the answer were passed over. */
        char notes_buf[256] = "";
        Text notes = { notes_buf, sizeof notes_buf, 0 };
        const PlacementNode *target = NULL;

        for (size_t k = 0; g->preferred_owners && g->preferred_owners[k] && !target; k++) {
                const PlacementNode *p = by_name(nodes, n, g->preferred_owners[k]);
                if (!p)
                        continue;
                if (p == cur)
                        break;
                if (notes.o > 0)
                        add(&notes, "; ");
                if (add_why_not(&notes, g, p, 0))
                        continue;
                const char *c = conflict(g, p);
                if (c) {
                        add(&notes, "%s runs a group of anti-affinity class %s", node_name(p), c);
                        continue;
                }
                target = p;
        }

        Text t = text_on(ret);
        if (target) {
                /* Drop the "; " written before the target. */
                if (notes.o >= 2 && strcmp(notes_buf + notes.o - 2, "; ") == 0)
                        notes_buf[notes.o - 2] = 0;
                add(&t, "%s is the most preferred owner of %s that can take it", node_name(target), group_name(g));
                ret->node = target->id;
        } else if (!g->preferred_owners || !g->preferred_owners[0])
                add(&t, "%s has no preferred owners", group_name(g));
        else if (cur && strv_has(g->preferred_owners, cur->name))
                add(&t, "%s runs on %s, its most preferred owner that can take it", group_name(g),
                    node_name(cur));
        else
                add(&t, "no preferred owner of %s can take it", group_name(g));
        if (notes_buf[0])
                add(&t, " (%s)", notes_buf);
        return 0;
}
