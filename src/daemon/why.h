/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wolfpack why`: why a group is where it is, or why it runs nowhere, as
 * every node's verdict from placement_explain() over the inputs the
 * coordinator places with (placement-inputs.h); and for a resource, its
 * own state on top of its group's (a dependency that failed, a failure of
 * its own). The answers of GET /v1/groups/{}/why and
 * GET /v1/resources/{}/why (docs/api.md). Reads only; never changes state.
 */
#pragma once

#include <jansson.h>

#include "daemon.h"

/* The explanation for the group with this id (NULL when it is gone, or
 * err says what failed). */
json_t *why_group(Daemon *d, const char *group_id, char *err, size_t errlen);
/* The same for the resource with this id: its group's, with "resource". */
json_t *why_resource(Daemon *d, const char *resource_id, char *err, size_t errlen);
