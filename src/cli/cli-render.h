/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The API's objects (docs/api.md) as text for people: tables for lists,
 * property lists for single objects, one line per event. Defensive about
 * shape: a member that is missing shows as "-", members it does not know
 * are still shown on single objects. Pure: every function returns a
 * malloc'ed string in *ret (0 or -ENOMEM).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

/* A scalar as text: strings as they are, numbers, booleans "yes"/"no";
 * arrays of scalars joined with ", "; objects as compact JSON. NULL for
 * null or absent. Malloc'ed. */
char *render_value(const json_t *v);

int render_status(const json_t *status, bool color, char **ret);
int render_cluster(const json_t *cluster, bool color, char **ret);
/* An object's time as text: its "time" as it is, or its "time_ms" as UTC
 * ("2026-12-03T14:00:00.000Z"). Malloc'ed; NULL without either. */
char *render_time_text(const json_t *e);
int render_nodes(const json_t *nodes, bool color, char **ret);
int render_node(const json_t *node, bool color, char **ret);
int render_groups(const json_t *groups, bool color, char **ret);
int render_group(const json_t *group, bool color, char **ret);
int render_resources(const json_t *resources, bool color, char **ret);
int render_resource(const json_t *resource, bool color, char **ret);
int render_types(const json_t *types, bool color, char **ret);
int render_type(const json_t *type, bool color, char **ret);
/* GET /v1/groups/{}/why (or /v1/resources/{}/why): the summary, then one
 * row per node: NODE, VERDICT (the rule code), DETAIL. */
int render_why(const json_t *why, bool color, char **ret);
int render_log(const json_t *entries, bool color, char **ret);
/* One event of GET /v1/events, one line with its '\n'. */
int render_event(const json_t *event, char **ret);
/* The names of a list's objects, one a line (completion, scripts). */
int render_names(const json_t *list, char **ret);
/* "K=V" lines: every member of each of the given objects (NULL-ended),
 * null values as "K=". */
int render_kv_lines(const json_t *const *objects, char **ret);
