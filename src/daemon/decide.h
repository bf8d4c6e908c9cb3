/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Glue between the database's JSON view and the pure code in policy/. */
#pragma once

#include <jansson.h>

#include "depexpr.h"
#include "depgraph.h"
#include "placement.h"
#include "policy.h"

/* Common properties from text values over their defaults. On failure *bad
 * (when given) names the property and err says what is wrong. */
int decide_resource_common(const json_t *values, ResourceCommon *ret, const char **bad, char *err, size_t errlen);
int decide_group_common(const json_t *values, GroupCommon *ret, const char **bad, char *err, size_t errlen);
/* A group's (a db_groups row) PersistentState; true, the default, when its
 * properties do not parse. */
bool decide_group_persistent(const json_t *group);
/* The canonical spelling of a resource common property, or NULL when name
 * is not one (it is then the type's own). */
const char *decide_common_name(const char *name);
/* Whether a change of that resource common property takes effect while the
 * resource is online (else at its next online). */
bool decide_common_live(const char *name);
/* The same for a group common property; NULL when name is not one. */
const char *decide_group_common_name(const char *name);
/* The node names in the owner lists of props (PreferredOwners,
 * PossibleOwners, spelled so) as the nodes (db_nodes) spell them, where
 * such a node is known: the same letters, so the text keeps its form. */
void decide_respell_owners(json_t *props, const json_t *nodes);

/* The group's dependency graph still holds when resource `name` depends on
 * next: every name in the group, no cycle. -ENOENT, -ELOOP with err. */
int decide_check_depends(const json_t *group_resources, const char *name, const DepExpr *next, char *err,
                         size_t errlen);

/* The resource of resources (db_resources) with this name, ignoring
 * case as names compare; NULL when none. Borrowed. */
json_t *decide_resource_named(const json_t *resources, const char *name);

/* The failures of one kind as policy events; *ret malloc'ed. */
size_t decide_events(const json_t *failures, const char *kind, PolicyEvent **ret);
