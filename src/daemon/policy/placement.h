/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where a group should run: a pure function of the group (its resources'
 * PossibleOwners, its PreferredOwners, its AntiAffinityClassNames, the
 * nodes its recent failures exclude) and the nodes (up, paused, the groups
 * they own now).
 *
 * Rules, in order:
 *   1. A node that is not Up, is Paused, or is excluded (the group failed
 *      there within FailoverPeriod, as the caller reckons) takes no group.
 *   2. A node must be a possible owner of every resource of the group (a
 *      resource with no PossibleOwners allows every node).
 *   3. Anti-affinity is a preference: nodes owning a group that shares an
 *      AntiAffinityClassNames entry with this one are avoided while another
 *      node is possible.
 *   4. PreferredOwners in their order: the first one still possible wins.
 *   5. Otherwise the node owning the fewest groups, then the lowest id.
 *
 * Node and class names match ignoring ASCII case. Every answer carries a
 * reason for a person: why this node, or why none (naming the resources
 * whose possible owners leave no node, or what keeps each node out).
 * Pure: no I/O, no logging.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct PlacementNode {
        unsigned id;              /* 1..n; 0 is "no node" */
        const char *name;
        bool up;                  /* Up; Down and Joining are not */
        bool paused;
        size_t n_groups;          /* groups it owns now, not counting the one being placed */
        char *const *classes;     /* AntiAffinityClassNames of those groups, NULL-terminated
                                   * (repeats allowed); NULL: none */
} PlacementNode;

typedef struct PlacementResource {
        const char *name;
        char *const *possible_owners; /* node names, NULL-terminated; NULL or empty: every node */
} PlacementResource;

typedef struct PlacementGroup {
        const char *name;
        const PlacementResource *resources;
        size_t n_resources;
        char *const *preferred_owners; /* node names, most preferred first; NULL: none */
        char *const *classes;          /* AntiAffinityClassNames; NULL: none */
        const unsigned *excluded;      /* node ids the group failed on within FailoverPeriod */
        size_t n_excluded;
} PlacementGroup;

typedef struct Placement {
        unsigned node;    /* the node chosen; 0: none */
        char reason[512];
} Placement;

/* Where the group should come online. 0 with ret->node set, or -ENODEV
 * when no node can take it (ret->node 0, the reason says why); -EINVAL for
 * bad arguments. ret is always filled. */
int placement_choose(const PlacementGroup *g, const PlacementNode *nodes, size_t n, Placement *ret);

/* `move`: the group runs on current (0: nowhere). With a target to (a node
 * id), check it may go there: Up, not Paused, a possible owner of every
 * resource; anti-affinity and recent failures do not stop an administrator,
 * though the reason mentions a class conflict. Without (to 0): the best
 * node other than current, by the rules above. 0 with ret->node, or
 *   -ENOENT    no node has id to
 *   -EALREADY  to is current
 *   -ENODEV    to cannot take the group / no other node can; the reason says why */
int placement_best_for_move(const PlacementGroup *g, const PlacementNode *nodes, size_t n, unsigned current,
                            unsigned to, Placement *ret);

/* Failback: the most preferred node the group should move back to from
 * current, that is, the first PreferredOwners entry before current's own
 * place in the list (or any, when current is not listed) that can take the
 * group by rules 1-3, anti-affinity here being a hard stop (current is a
 * possible node). 0 always (but -EINVAL), ret->node 0 when the group should
 * stay. Whether failback may happen now is policy_failback_allowed's call. */
int placement_failback_target(const PlacementGroup *g, const PlacementNode *nodes, size_t n, unsigned current,
                              Placement *ret);
