/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cluster log: JSON lines with stable event codes (clusterlog.c). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct ClusterLog ClusterLog;
typedef void (*clusterlog_fn)(const json_t *entry, void *userdata);

int clusterlog_new(const char *dir, uint32_t node, ClusterLog **ret);
ClusterLog *clusterlog_free(ClusterLog *l);
/* Every entry added is also handed to the listener (the event stream). */
void clusterlog_set_listener(ClusterLog *l, clusterlog_fn fn, void *userdata);
/* Add an entry (reference taken): {level, code, text, resource?, name?};
 * time and node are filled in. */
void clusterlog_add(ClusterLog *l, json_t *entry);
void clusterlog_printf(ClusterLog *l, const char *level, const char *code, const char *object_id,
                       const char *object_name, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Entries kept in memory, oldest first, at or after since_utc (RFC 3339
 * text; NULL: all). */
json_t *clusterlog_recent(ClusterLog *l, const char *since_utc);
/* The newest limit entries at or after since (as above), oldest first:
 * from memory, or from the log files when memory does not reach back so
 * far (after a restart, or past what memory keeps). *ret_more: older
 * entries were left out by the limit. 0 or -ENOMEM. */
int clusterlog_query(ClusterLog *l, const char *since, unsigned limit, json_t **ret, bool *ret_more);
