/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Placement of groups on nodes (see placement.h for the rules): the node a
 * group comes online on, the node a `move` takes it to, the node it fails
 * back to, each with the reason a person reads in the cluster log or in
 * the answer to `move`, and every node's verdict for `wolfpack why`. Owns
 * the order of the placement rules and their codes. Never does I/O, never
 * reads a clock, never logs, never keeps state between calls.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <time.h>

#include "macro.h"
#include "placement.h"
#include "policy.h"

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

/* The group's failure on node id within FailoverPeriod, or NULL. */
static const PlacementFailure *recent_failure(const PlacementGroup *g, unsigned id) {
        for (size_t i = 0; g->recent && i < g->n_recent; i++)
                if (g->recent[i].node == id)
                        return &g->recent[i];
        return NULL;
}

/* The index in n->classes of a class the group shares with a group on
 * node n, or -1. */
static ssize_t conflict_at(const PlacementGroup *g, const PlacementNode *n) {
        for (size_t i = 0; g->classes && g->classes[i]; i++)
                for (size_t j = 0; n->classes && n->classes[j]; j++)
                        if (strcasecmp(n->classes[j], g->classes[i]) == 0)
                                return (ssize_t) j;
        return -1;
}

/* A class of the group that a group on node n also has, or NULL. */
static const char *conflict(const PlacementGroup *g, const PlacementNode *n) {
        ssize_t j = conflict_at(g, n);
        return j < 0 ? NULL : n->classes[j];
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

/* Its place in PreferredOwners, from 1; 0: not listed. */
static size_t preferred_rank(const PlacementGroup *g, const PlacementNode *n) {
        for (size_t k = 0; g->preferred_owners && g->preferred_owners[k]; k++)
                if (n->name && strcasecmp(g->preferred_owners[k], n->name) == 0)
                        return k + 1;
        return 0;
}

/* "2026-12-03 16:21:09 UTC" */
static void add_time(Text *t, uint64_t ms) {
        time_t s = (time_t) (ms / 1000);
        struct tm tm;
        char buf[32];
        if (gmtime_r(&s, &tm) && strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm) > 0)
                add(t, "%s", buf);
        else
                add(t, "(a time out of range)");
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

/* Rules 1-3 for node n: the rule that keeps it out, or PLACEMENT_CHOSEN
 * when none does. skip (0: none) is the node the group runs on now. */
static PlacementRule hard_rule(const PlacementGroup *g, const PlacementNode *n, unsigned skip) {
        if (n->id == skip)
                return PLACEMENT_OWNER;
        if (!n->up)
                return PLACEMENT_DOWN;
        if (n->no_quorum)
                return PLACEMENT_NO_QUORUM;
        if (n->paused)
                return PLACEMENT_PAUSED;
        if (g->released_by && n->id == g->released_by)
                return PLACEMENT_LEAVING;
        if (is_excluded(g, n->id))
                return PLACEMENT_FAILED_RECENTLY;
        if (!owner_of_all(g, n))
                return PLACEMENT_NOT_POSSIBLE_OWNER;
        if (g->threshold.reached)
                return PLACEMENT_FAILOVER_THRESHOLD;
        return PLACEMENT_CHOSEN;
}

static void add_threshold(Text *t, const PlacementGroup *g) {
        const PlacementThreshold *h = &g->threshold;
        if (h->threshold == 0)
                add(t, "%s stays Failed: the FailoverThreshold in effect is 0, so it does not fail over", group_name(g));
        else if (h->failovers >= h->threshold)
                add(t, "%s stays Failed: %u failover%s within FailoverPeriod %s reached FailoverThreshold %u",
                    group_name(g), h->failovers, h->failovers == 1 ? "" : "s", policy_span(h->period_ms).s,
                    h->threshold);
        else
                add(t, "%s stays Failed: its failovers reached FailoverThreshold %u (%u within FailoverPeriod %s now)",
                    group_name(g), h->threshold, h->failovers, policy_span(h->period_ms).s);
        if (h->until_ms) {
                add(t, " (they count until ");
                add_time(t, h->until_ms);
                add(t, ")");
        }
        if (h->retry_at_ms) {
                add(t, "; it is tried again at ");
                add_time(t, h->retry_at_ms);
                add(t, " (RetryPeriodOnFailure)");
        }
        add(t, "; `wolfpack group online %s` tries it now", group_name(g));
}

/* Why node n, kept out by rule r (a rule of hard_rule), cannot take the
 * group. */
static void add_hard(Text *t, const PlacementGroup *g, const PlacementNode *n, PlacementRule r) {
        switch (r) {
        case PLACEMENT_OWNER:
                add(t, "%s owns it now", node_name(n));
                break;
        case PLACEMENT_DOWN:
                add(t, "%s is down", node_name(n));
                break;
        case PLACEMENT_NO_QUORUM:
                add(t, "%s has no quorum: a partition without quorum owns no group", node_name(n));
                break;
        case PLACEMENT_PAUSED:
                add(t, "%s is paused", node_name(n));
                break;
        case PLACEMENT_LEAVING:
                add(t, "%s let %s go: it is stopping, or its lease ran out", node_name(n), group_name(g));
                break;
        case PLACEMENT_FAILED_RECENTLY:
                add(t, "%s failed on %s recently", group_name(g), node_name(n));
                break;
        case PLACEMENT_NOT_POSSIBLE_OWNER:
                add(t, "%s is not a possible owner of ", node_name(n));
                add_refusers(t, g, n);
                break;
        case PLACEMENT_FAILOVER_THRESHOLD:
                add_threshold(t, g);
                break;
        default:
                break;
        }
}

/* Why node n cannot take the group (rules 1-3), or false when it can. */
static bool add_why_not(Text *t, const PlacementGroup *g, const PlacementNode *n, unsigned skip) {
        PlacementRule r = hard_rule(g, n, skip);
        if (r == PLACEMENT_CHOSEN)
                return false;
        add_hard(t, g, n, r);
        return true;
}

/* One evaluation of the rules over every node: what placement_choose
 * answers and placement_explain shows. */
typedef struct Eval {
        PlacementRule *rule;        /* per node: its verdict */
        bool any_owner;             /* some node is a possible owner of every resource */
        const PlacementNode *chosen;
        size_t rank;                /* chosen by PreferredOwners: its place, from 1; 0: by groups */
        size_t ties;                /* chosen by groups: nodes that own as few */
        bool recent_everywhere;     /* rule 4 yielded: it failed recently on every node left */
        const PlacementNode *avoided; /* rule 5 passed it over (the first such) */
        bool conflict_everywhere;   /* rule 5 yielded: every node left has a conflict */
} Eval;

static void evaluate(const PlacementGroup *g, const PlacementNode *nodes, size_t n, unsigned skip, Eval *e) {
        e->any_owner = false;
        e->chosen = e->avoided = NULL;
        e->rank = e->ties = 0;
        e->recent_everywhere = e->conflict_everywhere = false;

        size_t n_cand = 0;
        for (size_t i = 0; i < n; i++) {
                e->any_owner = e->any_owner || owner_of_all(g, &nodes[i]);
                e->rule[i] = hard_rule(g, &nodes[i], skip);
                n_cand += e->rule[i] == PLACEMENT_CHOSEN;
        }
        if (!e->any_owner || n_cand == 0)
                return;

        /* Rule 4: recent failures, while another node is possible. */
        size_t fresh = 0;
        for (size_t i = 0; i < n; i++)
                fresh += e->rule[i] == PLACEMENT_CHOSEN && !recent_failure(g, nodes[i].id);
        if (fresh > 0 && fresh < n_cand)
                for (size_t i = 0; i < n; i++)
                        if (e->rule[i] == PLACEMENT_CHOSEN && recent_failure(g, nodes[i].id)) {
                                e->rule[i] = PLACEMENT_FAILED_RECENTLY;
                                n_cand--;
                        }
        e->recent_everywhere = fresh == 0;

        /* Rule 5: class conflicts, while another node is possible. */
        size_t free_ = 0;
        for (size_t i = 0; i < n; i++)
                free_ += e->rule[i] == PLACEMENT_CHOSEN && !conflict(g, &nodes[i]);
        if (free_ > 0 && free_ < n_cand)
                for (size_t i = 0; i < n; i++)
                        if (e->rule[i] == PLACEMENT_CHOSEN && conflict(g, &nodes[i])) {
                                e->rule[i] = PLACEMENT_ANTI_AFFINITY;
                                if (!e->avoided)
                                        e->avoided = &nodes[i];
                        }
        e->conflict_everywhere = free_ == 0;

        /* Rule 6: preferred owners in their order. */
        for (size_t k = 0; g->preferred_owners && g->preferred_owners[k] && !e->chosen; k++) {
                const PlacementNode *p = by_name(nodes, n, g->preferred_owners[k]);
                if (p && e->rule[p - nodes] == PLACEMENT_CHOSEN) {
                        e->chosen = p;
                        e->rank = k + 1;
                }
        }
        /* Rule 7: fewest groups, then lowest id. */
        for (size_t i = 0; i < n && e->rank == 0; i++) {
                const PlacementNode *c = &nodes[i];
                if (e->rule[i] == PLACEMENT_CHOSEN &&
                    (!e->chosen || c->n_groups < e->chosen->n_groups ||
                     (c->n_groups == e->chosen->n_groups && c->id < e->chosen->id)))
                        e->chosen = c;
        }
        for (size_t i = 0; i < n; i++) {
                if (e->rule[i] != PLACEMENT_CHOSEN)
                        continue;
                if (e->rank == 0 && nodes[i].n_groups == e->chosen->n_groups)
                        e->ties++;
                if (&nodes[i] != e->chosen)
                        e->rule[i] = e->rank ? PLACEMENT_LESS_PREFERRED : PLACEMENT_MORE_GROUPS;
        }
}

/* Why the chosen node, with what rules 4 and 5 did. */
static void add_choice(Text *t, const PlacementGroup *g, const Eval *e) {
        const PlacementNode *c = e->chosen;
        if (e->rank == 1)
                add(t, "%s is the most preferred owner of %s", node_name(c), group_name(g));
        else if (e->rank > 1)
                add(t, "%s is preferred owner %zu of %s, the first that can take it", node_name(c), e->rank,
                    group_name(g));
        else
                add(t, "%s owns the fewest groups (%zu) of the nodes that can take %s%s", node_name(c), c->n_groups,
                    group_name(g), e->ties > 1 ? ", and the lowest id among equals" : "");
        if (e->recent_everywhere && recent_failure(g, c->id))
                add(t, "; %s failed recently on every node that can take it", group_name(g));
        if (e->avoided)
                add(t, "; avoided %s, which runs a group of anti-affinity class %s", node_name(e->avoided),
                    conflict(g, e->avoided));
        else if (e->conflict_everywhere && conflict(g, c))
                add(t, "; every node that can take it runs a group of anti-affinity class %s", conflict(g, c));
}

/* Rules 1-7 over every node but skip (0: none), into e (rule: room for
 * n). what opens the reason when no node can take the group. */
static int choose_in(const PlacementGroup *g, const PlacementNode *nodes, size_t n, unsigned skip, const char *what,
                     Eval *e, Placement *ret) {
        Text t = text_on(ret);
        ret->node = 0;
        evaluate(g, nodes, n, skip, e);
        if (!e->any_owner) {
                if (n == 0)
                        add(&t, "the cluster has no nodes");
                else
                        add_no_owner(&t, g);
                return -ENODEV;
        }
        if (!e->chosen) {
                add(&t, "%s %s: ", what, group_name(g));
                for (size_t i = 0; i < n; i++) {
                        if (i > 0)
                                add(&t, "; ");
                        add_hard(&t, g, &nodes[i], e->rule[i]);
                }
                return -ENODEV;
        }
        add_choice(&t, g, e);
        ret->node = e->chosen->id;
        return 0;
}

static int choose(const PlacementGroup *g, const PlacementNode *nodes, size_t n, unsigned skip, const char *what,
                  Placement *ret) {
        PlacementRule rule[n + 1];
        Eval e = { .rule = rule };
        return choose_in(g, nodes, n, skip, what, &e, ret);
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

static const char *const rule_codes[_PLACEMENT_RULE_MAX] = {
        [PLACEMENT_CHOSEN] = "chosen",
        [PLACEMENT_OWNER] = "owner",
        [PLACEMENT_AVAILABLE] = "available",
        [PLACEMENT_DOWN] = "down",
        [PLACEMENT_NO_QUORUM] = "no_quorum",
        [PLACEMENT_PAUSED] = "paused",
        [PLACEMENT_LEAVING] = "leaving",
        [PLACEMENT_NOT_POSSIBLE_OWNER] = "not_possible_owner",
        [PLACEMENT_FAILOVER_THRESHOLD] = "failover_threshold",
        [PLACEMENT_FAILED_RECENTLY] = "failed_recently",
        [PLACEMENT_ANTI_AFFINITY] = "anti_affinity",
        [PLACEMENT_LESS_PREFERRED] = "less_preferred",
        [PLACEMENT_MORE_GROUPS] = "more_groups",
};

const char *placement_rule_code(PlacementRule r) {
        return r >= 0 && r < _PLACEMENT_RULE_MAX ? rule_codes[r] : NULL;
}

/* The verdict of node n (index i) after the evaluation e. */
static void verdict(const PlacementGroup *g, const PlacementNode *nodes, size_t i, const Eval *e, unsigned current,
                    PlacementVerdict *v) {
        const PlacementNode *n = &nodes[i], *c = e->chosen;
        *v = (PlacementVerdict) { .node = n->id, .rule = e->rule[i] };
        Text t = { v->text, sizeof v->text, 0 };
        const PlacementFailure *f;
        ssize_t j;
        switch (v->rule) {
        case PLACEMENT_CHOSEN:
                if (current) {
                        /* Where it goes when the owner lets it go. */
                        v->rule = PLACEMENT_AVAILABLE;
                        add(&t, "next in line if %s leaves its owner: ", group_name(g));
                }
                add_choice(&t, g, e);
                break;
        case PLACEMENT_OWNER:
                add(&t, "%s runs on %s, which keeps it: a group stays where it runs until it fails over, fails back "
                    "or is moved",
                    group_name(g), node_name(n));
                break;
        case PLACEMENT_FAILED_RECENTLY:
                f = recent_failure(g, n->id);
                if (!f) {
                        add(&t, "%s failed over from %s just now", group_name(g), node_name(n));
                        break;
                }
                v->until_ms = f->until_ms;
                add(&t, "%s failed on %s within FailoverPeriod", group_name(g), node_name(n));
                if (f->until_ms) {
                        add(&t, " (it counts until ");
                        add_time(&t, f->until_ms);
                        add(&t, ")");
                }
                add(&t, "; another node can take it");
                break;
        case PLACEMENT_FAILOVER_THRESHOLD:
                v->until_ms = g->threshold.until_ms;
                add_threshold(&t, g);
                break;
        case PLACEMENT_ANTI_AFFINITY:
                j = conflict_at(g, n);
                if (n->class_groups && n->class_groups[j])
                        add(&t, "anti-affinity with group %s: it runs on %s and shares class %s with %s",
                            n->class_groups[j], node_name(n), n->classes[j], group_name(g));
                else
                        add(&t, "%s runs a group of anti-affinity class %s", node_name(n), n->classes[j]);
                add(&t, "; another node can take %s", group_name(g));
                break;
        case PLACEMENT_LESS_PREFERRED:
                if (preferred_rank(g, n))
                        add(&t, "%s is preferred owner %zu of %s; %s comes before it", node_name(n),
                            preferred_rank(g, n), group_name(g), node_name(c));
                else
                        add(&t, "%s is not a preferred owner of %s; %s is preferred owner %zu", node_name(n),
                            group_name(g), node_name(c), e->rank);
                break;
        case PLACEMENT_MORE_GROUPS:
                if (n->n_groups > c->n_groups)
                        add(&t, "%s owns %zu group%s, more than %s (%zu)", node_name(n), n->n_groups,
                            n->n_groups == 1 ? "" : "s", node_name(c), c->n_groups);
                else
                        add(&t, "%s owns as many groups (%zu) as %s, whose id is lower", node_name(n), n->n_groups,
                            node_name(c));
                break;
        default:
                add_hard(&t, g, n, v->rule);
                break;
        }
}

int placement_explain(const PlacementGroup *g, const PlacementNode *nodes, size_t n, unsigned current,
                      PlacementVerdict *ret_verdicts, Placement *ret) {
        if (!args_ok(g, nodes, n, ret) || (!ret_verdicts && n > 0))
                return -EINVAL;
        const PlacementNode *cur = by_id(nodes, n, current);
        bool keeps = cur && cur->up && !cur->no_quorum;
        PlacementRule rule[n + 1];
        Eval e = { .rule = rule };
        int k;
        if (keeps) {
                /* The others as a move or a failover from it would see them. */
                Placement next;
                (void) choose_in(g, nodes, n, current, "no other node can take", &e, &next);
                Text t = text_on(ret);
                add(&t, "%s runs on %s, which keeps it", group_name(g), node_name(cur));
                ret->node = current;
                k = 0;
        } else
                k = choose_in(g, nodes, n, 0, "no node can take", &e, ret);
        for (size_t i = 0; i < n; i++)
                verdict(g, nodes, i, &e, keeps ? current : 0, &ret_verdicts[i]);
        return k;
}
