/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An OCF agent's parameters as a Wolfpack property table (resapi.h): one
 * property per parameter, typed (string, integer, boolean) with the agent's
 * default, required where the agent says so, described by its shortdesc;
 * then StartActionTimeout, StopActionTimeout and MonitorActionTimeout,
 * whose defaults are the timeouts the agent advises for those actions (20s
 * where it advises none). Not StartTimeout: agents have parameters of that
 * name (anything's stop_timeout).
 *
 * Each parameter has an 8-byte slot in the parameter struct (char *,
 * int64_t or bool), the timeouts follow. An integer or boolean parameter
 * without a default (or with one that does not parse, or a required one)
 * is a string property whose check refuses text of the wrong type: its
 * member must tell "not given" from 0 or false. Owns the table and the
 * environment it turns values into; pure.
 */
#pragma once

#include <stddef.h>

#include <wolfpack/resapi.h>

#include "ocf-meta.h"

#define OCF_DEFAULT_TIMEOUT (20 * WP_USEC_PER_SEC)

typedef struct OcfTable {
        wp_prop *props;          /* terminated by a NULL name */
        size_t params_size;
        size_t timeouts_offset;  /* StartActionTimeout; the other two follow */
        char **strings;          /* descriptions and defaults the table points at */
} OcfTable;

int ocf_table_new(const OcfMeta *m, OcfTable **ret, char *err, size_t errlen);
OcfTable *ocf_table_free(OcfTable *t);

typedef struct OcfTimeouts {
        wp_usec_t start, stop, monitor;
} OcfTimeouts;
OcfTimeouts ocf_table_timeouts(const OcfTable *t, const void *params);

/* "OCF_RESKEY_<name>=<value>" for every parameter given a value, appended
 * to *env. As Pacemaker does, a parameter not given is not passed, so that
 * the agent applies its own default (which may be computed: Dummy's state
 * file is named after the instance); a value equal to the advertised
 * default is taken as not given. */
int ocf_table_env(const OcfMeta *m, const OcfTable *t, const void *params, char ***env);
