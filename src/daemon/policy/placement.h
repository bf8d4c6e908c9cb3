/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where a group should run: a pure function of the group (its resources'
 * PossibleOwners, its PreferredOwners, its AntiAffinityClassNames, the
 * nodes its recent failures exclude, whether FailoverThreshold holds it
 * Failed) and the nodes (up, in a partition with quorum, paused, the
 * groups they own now).
 *
 * Rules, in order; the first that keeps a node out is its verdict
 * (PlacementRule, whose codes `wolfpack why` shows):
 *   1. down                 a node that is not Up takes no group;
 *      no_quorum            nor one in a partition without quorum;
 *      paused               nor a Paused one;
 *      leaving              nor the node that let the group go without a
 *                           failure (it is stopping, or its lease ran out);
 *      failed_recently      nor one the caller excludes (the node a group
 *                           failed over from);
 *   2. not_possible_owner   a node must be a possible owner of every
 *                           resource of the group (a resource with no
 *                           PossibleOwners allows every node);
 *   3. failover_threshold   a group held Failed after FailoverThreshold
 *                           failovers within FailoverPeriod goes nowhere
 *                           until it is tried again;
 *   4. failed_recently      nodes the group failed on within FailoverPeriod
 *                           are passed over while another node can take it
 *                           (when it failed on all of them, as when it is
 *                           tried again, they take it by the rules below);
 *   5. anti_affinity        nodes owning a group that shares an
 *                           AntiAffinityClassNames entry with this one are
 *                           avoided while another node is possible;
 *   6. less_preferred       PreferredOwners in their order: the first one
 *                           still possible wins;
 *   7. more_groups          otherwise the node owning the fewest groups,
 *                           then the lowest id.
 *
 * Node and class names match ignoring ASCII case. Every answer carries a
 * reason for a person: why this node, or why none (naming the resources
 * whose possible owners leave no node, or what keeps each node out).
 * placement_explain() gives every node's verdict from the same evaluation
 * placement_choose() makes, so the two cannot disagree.
 * Pure: no I/O, no clock, no logging.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct PlacementNode {
        unsigned id;              /* 1..n; 0 is "no node" */
        const char *name;
        bool up;                  /* Up; Down and Joining are not */
        bool no_quorum;           /* Up, but in a partition without quorum: it may own nothing */
        bool paused;
        size_t n_groups;          /* groups it owns now, not counting the one being placed */
        char *const *classes;     /* AntiAffinityClassNames of those groups, NULL-terminated
                                   * (repeats allowed); NULL: none */
        char *const *class_groups; /* the group each entry of classes comes from (as many
                                    * entries); NULL: not known */
} PlacementNode;

typedef struct PlacementResource {
        const char *name;
        char *const *possible_owners; /* node names, NULL-terminated; NULL or empty: every node */
} PlacementResource;

/* A node the group failed on within FailoverPeriod, and when that failure
 * leaves the window (UTC ms; 0: not known). */
typedef struct PlacementFailure {
        unsigned node;
        uint64_t until_ms;
} PlacementFailure;

/* The group stays Failed: failovers within FailoverPeriod reached
 * threshold (policy_group_failure). Times in UTC ms, 0: never / not known. */
typedef struct PlacementThreshold {
        bool reached;
        unsigned failovers, threshold;
        uint64_t period_ms;
        uint64_t until_ms;    /* the count falls below the threshold */
        uint64_t retry_at_ms; /* it is tried again (RetryPeriodOnFailure) */
} PlacementThreshold;

typedef struct PlacementGroup {
        const char *name;
        const PlacementResource *resources;
        size_t n_resources;
        char *const *preferred_owners; /* node names, most preferred first; NULL: none */
        char *const *classes;          /* AntiAffinityClassNames; NULL: none */
        unsigned released_by;          /* let it go without a failure: takes it in no case (0: none) */
        const unsigned *excluded;      /* node ids that take it in no case (it failed over from there) */
        size_t n_excluded;
        const PlacementFailure *recent; /* the nodes it failed on within FailoverPeriod (rule 4) */
        size_t n_recent;
        PlacementThreshold threshold;  /* rule 3 */
} PlacementGroup;

/* Each node's verdict. The stable code of each (placement_rule_code) is
 * what `wolfpack why --json` and the API show. */
typedef enum PlacementRule {
        PLACEMENT_CHOSEN,             /* it takes the group */
        PLACEMENT_OWNER,              /* it runs the group now and keeps it */
        PLACEMENT_AVAILABLE,          /* it could take the group, which runs elsewhere */
        PLACEMENT_DOWN,
        PLACEMENT_NO_QUORUM,
        PLACEMENT_PAUSED,
        PLACEMENT_LEAVING,
        PLACEMENT_NOT_POSSIBLE_OWNER,
        PLACEMENT_FAILOVER_THRESHOLD,
        PLACEMENT_FAILED_RECENTLY,
        PLACEMENT_ANTI_AFFINITY,
        PLACEMENT_LESS_PREFERRED,
        PLACEMENT_MORE_GROUPS,
        _PLACEMENT_RULE_MAX,
} PlacementRule;

/* "chosen", "not_possible_owner", ...; NULL for a value out of range. */
const char *placement_rule_code(PlacementRule r);

typedef struct PlacementVerdict {
        unsigned node;
        PlacementRule rule;
        uint64_t until_ms;    /* failed_recently, failover_threshold: until when (UTC ms); 0: not known */
        char text[320];
} PlacementVerdict;

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

/* Why the group is where it is, or why it runs nowhere: ret_verdicts
 * (room for n) gets one verdict per node, in the order of nodes. With
 * current (the node running the group now, 0: none) Up and with quorum,
 * that node's verdict is owner, the others' the first rule that keeps
 * them out or available; ret->node is current. Otherwise the group is
 * placed as placement_choose() places it: the same return, ret->node and
 * ret->reason, and the node chosen is the one verdict chosen. */
int placement_explain(const PlacementGroup *g, const PlacementNode *nodes, size_t n, unsigned current,
                      PlacementVerdict *ret_verdicts, Placement *ret);
