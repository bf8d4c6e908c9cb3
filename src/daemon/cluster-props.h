/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cluster's own properties (cluster-props.c), replicated with the
 * database (its cluster table) and set with PATCH /v1/cluster:
 *
 *   TimeZone   the zone failback windows are reckoned in, a name of the
 *              tz database (Europe/Berlin, UTC); empty: the local time
 *              of the node that coordinates
 */
#pragma once

#include <stdbool.h>
#include <time.h>

#include <jansson.h>
#include <wolfpack/resapi.h>

typedef struct ClusterProps {
        char *time_zone;
} ClusterProps;

extern const wp_prop cluster_props[];

/* From the database's text values (db_cluster()) over the defaults; a
 * value that does not parse any more counts as its default. */
int cluster_props_load(const json_t *values, ClusterProps *ret);
void cluster_props_done(ClusterProps *c);

/* Check values set together, {name: text}: each a cluster property
 * (spelled as the table has it when exact, else in any case) with a value
 * it takes. 0, and the names as the table spells them into spelled (when
 * given); -EINVAL with *bad (when given) naming the value and err saying
 * what is wrong; -ENOMEM. */
int cluster_props_check(const json_t *values, bool exact, json_t *spelled, const char **bad, char *err,
                        size_t errlen);

/* The hour (0-23) at t in zone (a TimeZone value; NULL or empty: local
 * time). -EINVAL for a zone that is not in the tz database. */
int cluster_hour(const char *zone, time_t t, int *ret_hour, struct tm *ret_tm);
