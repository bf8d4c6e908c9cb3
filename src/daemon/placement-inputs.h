/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Everything placement reads about one group, gathered in one place from
 * the database, the runtime state and the membership: the coordinator's
 * choice (coordinator_choose) and `wolfpack why` (why.c) both read these
 * inputs, so that why explains exactly what the coordinator decides.
 *
 *   nodes      Up / Down as this node sees them, Paused, without quorum
 *              when this partition has none, the groups each owns now
 *              (not counting this one) and, when this group has
 *              AntiAffinityClassNames, the classes of those groups and
 *              their names;
 *   resources  each one's PossibleOwners;
 *   group      PreferredOwners, AntiAffinityClassNames, the nodes it
 *              failed on within FailoverPeriod (the replicated failure
 *              history), whether FailoverThreshold holds it Failed, and
 *              the node that let it go without a failure (stopping).
 */
#pragma once

#include <jansson.h>

#include "daemon.h"
#include "placement.h"
#include "policy.h"

typedef struct PlacementInputs {
        PlacementGroup group;
        PlacementNode *nodes;
        size_t n_nodes;
        unsigned current;           /* the node running it now (0: none) */

        /* What the above points into. */
        json_t *node_rows;
        GroupCommon gc;
        bool gc_loaded;
        ResourceCommon *rc;
        size_t n_rc;
        PlacementResource *pr;
        char ***classes, ***class_groups; /* per node */
        PlacementFailure *recent;
        unsigned excluded[1];
} PlacementInputs;

/* The inputs for group (a db_groups row) with its resources (db_resources)
 * now; leaving (0: none) is a node that takes it in no case, the one it is
 * taken from. 0, or a negative errno with err saying what is wrong (the
 * group's properties do not parse). Free with placement_inputs_done(),
 * also after a failure. */
int placement_inputs_build(Daemon *d, const json_t *group, const json_t *resources, uint32_t leaving,
                           PlacementInputs *ret, char *err, size_t errlen);
void placement_inputs_done(PlacementInputs *in);
