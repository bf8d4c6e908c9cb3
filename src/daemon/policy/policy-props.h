/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The common properties every resource and every group has, whatever its
 * type, as wp_prop tables (include/wolfpack/resapi.h) over the structs
 * below: the daemon validates an administrator's values with them
 * (props_set from src/common/props.h), fills the structs the policies read
 * (props_init, then props_set for each stored value), and describes them
 * for `wolfpack type show` / the console (props_describe).
 *
 * Resources (ResourceCommon, resource_common_props):
 *   RestartAction          0 do not restart | 1 restart, never touching the
 *                          group | 2 restart, then fail the group over  (2)
 *   RestartThreshold       restarts within RestartPeriod before the group
 *                          fails over (RestartAction 2)                   (3)
 *   RestartPeriod          the sliding window of RestartThreshold      (15min)
 *   RestartDelay           wait before each restart                    (500ms)
 *   RetryPeriodOnFailure   try again this long after the group failed on
 *                          every node; 0: never                           (1h)
 *   PendingTimeout         bound of an online/offline                   (3min)
 *   LooksAlivePollInterval                                                (5s)
 *   IsAlivePollInterval                                                 (1min)
 *   DeadlockTimeout        a monitor that does not answer this long is
 *                          killed                                       (5min)
 *   SeparateMonitor        run in a monitor of its own                    (no)
 *   PossibleOwners         node names; empty: every node                   ()
 *   CheckpointPaths        files or directories that move with it          ()
 *   CheckpointMaxSize      the most they may hold together                (1M)
 * Groups (GroupCommon, group_common_props):
 *   PreferredOwners        node names, most preferred first                ()
 *   FailoverThreshold      failovers within FailoverPeriod; -1: one fewer
 *                          than the nodes in the cluster                  (-1)
 *   FailoverPeriod                                                        (6h)
 *   AutoFailbackType       prevent | allow                          (prevent)
 *   FailbackWindowStart    hour 0-23 of the cluster's time zone; -1 any   (-1)
 *   FailbackWindowEnd      last hour of the window, inclusive; -1 any     (-1)
 *   PersistentState        a group taken offline stays offline after a
 *                          restart of the cluster service                (yes)
 *   AntiAffinityClassNames groups sharing a class avoid sharing a node    ()
 *
 * Node names and class names follow the name rule; a list naming one twice
 * is refused. Pure: no I/O, no logging.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wolfpack/resapi.h>

enum {
        RESTART_ACTION_NONE = 0,     /* stay Failed; the group is unaffected */
        RESTART_ACTION_RESTART = 1,  /* restart, every time, never the group */
        RESTART_ACTION_FAILOVER = 2, /* restart up to the threshold, then the group */
};

typedef enum FailbackType {
        FAILBACK_PREVENT = 0,
        FAILBACK_ALLOW = 1,
} FailbackType;

typedef struct ResourceCommon {
        int64_t restart_action;
        int64_t restart_threshold;
        wp_usec_t restart_period;
        wp_usec_t restart_delay;
        wp_usec_t retry_period_on_failure;
        wp_usec_t pending_timeout;
        wp_usec_t looks_alive_poll_interval;
        wp_usec_t is_alive_poll_interval;
        wp_usec_t deadlock_timeout;
        bool separate_monitor;
        char **possible_owners; /* NULL or empty: every node */
        char **checkpoint_paths; /* copied into the cluster while online (checkpoint.c) */
        uint64_t checkpoint_max_size;
} ResourceCommon;

typedef struct GroupCommon {
        char **preferred_owners;
        int64_t failover_threshold; /* -1: nodes - 1 */
        wp_usec_t failover_period;
        int failback_type;          /* FailbackType */
        int64_t failback_window_start;
        int64_t failback_window_end;
        bool persistent_state;
        char **anti_affinity_class_names;
} GroupCommon;

/* Terminated by an entry whose name is NULL. */
extern const wp_prop resource_common_props[];
extern const wp_prop group_common_props[];

/* Defaults filled in (props_init); free with the matching _done. */
int resource_common_init(ResourceCommon *ret, char *err, size_t errlen);
void resource_common_done(ResourceCommon *c);
int group_common_init(GroupCommon *ret, char *err, size_t errlen);
void group_common_done(GroupCommon *c);

/* Checks across properties, after each one passed its own: the failback
 * window needs both ends or neither. 0 or -EINVAL with a message. */
int group_common_validate(const GroupCommon *c, char *err, size_t errlen);

/* Whether node is in PossibleOwners (every node is, when it is empty).
 * Node names match ignoring case. */
bool resource_common_allows(const ResourceCommon *c, const char *node);
