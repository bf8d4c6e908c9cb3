/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The common property tables of resources and groups (see policy-props.h):
 * names, types, defaults, ranges and the checks of node and class lists.
 * Owns the defaults of every restart, failover and failback setting, so no
 * other file may hard-code one. Never does I/O, never logs.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "policy-props.h"
#include "props.h"

#define MSEC ((int64_t) WP_USEC_PER_MSEC)
#define SEC ((int64_t) WP_USEC_PER_SEC)
#define HOUR (3600 * SEC)
#define DAY (24 * HOUR)

/* A list of names: each follows the name rule, none twice (ignoring case). */
static int check_name_list(const char *what, const void *member, char *err, size_t errlen) {
        char *const *l = *(char **const *) member;
        for (size_t i = 0; l && l[i]; i++) {
                int r = name_validate(what, l[i], err, errlen);
                if (r < 0)
                        return r;
                for (size_t j = 0; j < i; j++)
                        if (strcasecmp(l[i], l[j]) == 0) {
                                snprintf(err, errlen, "%s \"%s\" is listed twice", what, l[i]);
                                return -EINVAL;
                        }
        }
        return 0;
}

static int check_nodes(const void *member, char *err, size_t errlen) {
        return check_name_list("node", member, err, errlen);
}

/* Absolute paths, none of whose parts is "." or "..". */
static int check_paths(const void *member, char *err, size_t errlen) {
        char *const *l = *(char *const *const *) member;
        for (size_t i = 0; l && l[i]; i++) {
                const char *p = l[i];
                bool ok = p[0] == '/' && strlen(p) < 4096;
                for (const char *q = p; ok && (q = strstr(q, "/.")); q++)
                        ok = !(q[2] == 0 || q[2] == '/' || (q[2] == '.' && (q[3] == 0 || q[3] == '/')));
                if (!ok) {
                        snprintf(err, errlen, "CheckpointPaths: \"%.200s\" is not an absolute path without . or .. "
                                 "parts; give files or directories such as /etc/myapp/app.conf", p);
                        return -EINVAL;
                }
        }
        return 0;
}

static int check_classes(const void *member, char *err, size_t errlen) {
        return check_name_list("class", member, err, errlen);
}

static const char *const failback_names[] = { "prevent", "allow", NULL };
static const int failback_values[] = { FAILBACK_PREVENT, FAILBACK_ALLOW };

const wp_prop resource_common_props[] = {
        { .name = "RestartAction", .type = WP_PROP_INT, .flags = WP_PROP_LIVE,
          .offset = offsetof(ResourceCommon, restart_action), .default_value = "2", .min = 0, .max = 2,
          .description = "After a failure: 0 stay failed, 1 restart without affecting the group, "
                         "2 restart, then fail the group over" },
        { .name = "RestartThreshold", .type = WP_PROP_INT, .flags = WP_PROP_LIVE,
          .offset = offsetof(ResourceCommon, restart_threshold), .default_value = "3", .min = 0, .max = 1000,
          .description = "Restarts within RestartPeriod before the group fails over (RestartAction 2)" },
        { .name = "RestartPeriod", .type = WP_PROP_DURATION, .flags = WP_PROP_LIVE,
          .offset = offsetof(ResourceCommon, restart_period), .default_value = "900s", .min = SEC,
          .max = 30 * DAY, .description = "The sliding window in which RestartThreshold counts restarts" },
        { .name = "RestartDelay", .type = WP_PROP_DURATION, .flags = WP_PROP_LIVE,
          .offset = offsetof(ResourceCommon, restart_delay), .default_value = "500ms", .min = 0, .max = HOUR,
          .description = "Wait this long before each restart" },
        { .name = "RetryPeriodOnFailure", .type = WP_PROP_DURATION, .flags = WP_PROP_LIVE,
          .offset = offsetof(ResourceCommon, retry_period_on_failure), .default_value = "3600s", .min = 0,
          .max = 30 * DAY,
          .description = "Try again this long after the group failed on every node; 0 never" },
        { .name = "PendingTimeout", .type = WP_PROP_DURATION, .flags = WP_PROP_LIVE,
          .offset = offsetof(ResourceCommon, pending_timeout), .default_value = "180s", .min = 10 * MSEC,
          .max = DAY, .description = "Longest an online or offline may take before the resource is terminated" },
        { .name = "LooksAlivePollInterval", .type = WP_PROP_DURATION, .flags = WP_PROP_LIVE,
          .offset = offsetof(ResourceCommon, looks_alive_poll_interval), .default_value = "5s",
          .min = 10 * MSEC, .max = DAY, .description = "How often the cheap LooksAlive check runs" },
        { .name = "IsAlivePollInterval", .type = WP_PROP_DURATION, .flags = WP_PROP_LIVE,
          .offset = offsetof(ResourceCommon, is_alive_poll_interval), .default_value = "60s",
          .min = 10 * MSEC, .max = DAY, .description = "How often the thorough IsAlive check runs" },
        { .name = "DeadlockTimeout", .type = WP_PROP_DURATION, .flags = WP_PROP_LIVE,
          .offset = offsetof(ResourceCommon, deadlock_timeout), .default_value = "300s", .min = SEC,
          .max = DAY, .description = "A resource monitor that does not answer this long is killed" },
        { .name = "SeparateMonitor", .type = WP_PROP_BOOL,
          .offset = offsetof(ResourceCommon, separate_monitor), .default_value = "no",
          .description = "Run the resource in a resource monitor of its own" },
        { .name = "CheckpointPaths", .type = WP_PROP_LIST, .flags = WP_PROP_LIVE,
          .offset = offsetof(ResourceCommon, checkpoint_paths), .check = check_paths,
          .description = "Files or directories copied into the cluster while the resource is online, and put "
                         "back before it comes online on another node" },
        { .name = "CheckpointMaxSize", .type = WP_PROP_SIZE, .flags = WP_PROP_LIVE,
          .offset = offsetof(ResourceCommon, checkpoint_max_size), .default_value = "1M", .min = 0,
          .max = 64 * 1024 * 1024, .description = "The most the CheckpointPaths together may hold" },
        { .name = "PossibleOwners", .type = WP_PROP_LIST, .flags = WP_PROP_LIVE,
          .offset = offsetof(ResourceCommon, possible_owners), .check = check_nodes,
          .description = "Nodes the resource may run on; empty: every node" },
        {},
};

const wp_prop group_common_props[] = {
        { .name = "PreferredOwners", .type = WP_PROP_LIST, .flags = WP_PROP_LIVE,
          .offset = offsetof(GroupCommon, preferred_owners), .check = check_nodes,
          .description = "Nodes the group prefers, most preferred first" },
        { .name = "FailoverThreshold", .type = WP_PROP_INT, .flags = WP_PROP_LIVE,
          .offset = offsetof(GroupCommon, failover_threshold), .default_value = "-1", .min = -1, .max = 1000,
          .description = "Failovers within FailoverPeriod before the group stays failed; "
                         "-1: one fewer than the nodes of the cluster" },
        { .name = "FailoverPeriod", .type = WP_PROP_DURATION, .flags = WP_PROP_LIVE,
          .offset = offsetof(GroupCommon, failover_period), .default_value = "6h", .min = SEC, .max = 30 * DAY,
          .description = "The sliding window in which FailoverThreshold counts failovers" },
        { .name = "AutoFailbackType", .type = WP_PROP_ENUM, .flags = WP_PROP_LIVE,
          .offset = offsetof(GroupCommon, failback_type), .default_value = "prevent",
          .enum_names = failback_names, .enum_values = failback_values,
          .description = "Whether the group moves back to its most preferred node when that node returns" },
        { .name = "FailbackWindowStart", .type = WP_PROP_INT, .flags = WP_PROP_LIVE,
          .offset = offsetof(GroupCommon, failback_window_start), .default_value = "-1", .min = -1, .max = 23,
          .description = "First hour (0-23, cluster time zone) at which failback may happen; -1 any time" },
        { .name = "FailbackWindowEnd", .type = WP_PROP_INT, .flags = WP_PROP_LIVE,
          .offset = offsetof(GroupCommon, failback_window_end), .default_value = "-1", .min = -1, .max = 23,
          .description = "Last hour (0-23, inclusive) at which failback may happen; -1 any time" },
        { .name = "PersistentState", .type = WP_PROP_BOOL, .flags = WP_PROP_LIVE,
          .offset = offsetof(GroupCommon, persistent_state), .default_value = "yes",
          .description = "A group taken offline stays offline after the cluster service restarts" },
        { .name = "AntiAffinityClassNames", .type = WP_PROP_LIST, .flags = WP_PROP_LIVE,
          .offset = offsetof(GroupCommon, anti_affinity_class_names), .check = check_classes,
          .description = "Groups sharing a class avoid running on the same node" },
        {},
};

int resource_common_init(ResourceCommon *ret, char *err, size_t errlen) {
        if (!ret)
                return -EINVAL;
        return props_init(resource_common_props, ret, err, errlen);
}

void resource_common_done(ResourceCommon *c) {
        props_free(resource_common_props, c);
}

int group_common_init(GroupCommon *ret, char *err, size_t errlen) {
        if (!ret)
                return -EINVAL;
        return props_init(group_common_props, ret, err, errlen);
}

void group_common_done(GroupCommon *c) {
        props_free(group_common_props, c);
}

int group_common_validate(const GroupCommon *c, char *err, size_t errlen) {
        if (!c)
                return -EINVAL;
        bool start = c->failback_window_start >= 0, end = c->failback_window_end >= 0;
        if (start != end) {
                if (err && errlen > 0)
                        snprintf(err, errlen,
                                 "FailbackWindowStart and FailbackWindowEnd go together: set both to hours "
                                 "(0-23) for a window, or both to -1 for any time");
                return -EINVAL;
        }
        return 0;
}

bool resource_common_allows(const ResourceCommon *c, const char *node) {
        if (!c || !c->possible_owners || !c->possible_owners[0])
                return true;
        for (char **i = c->possible_owners; node && *i; i++)
                if (strcasecmp(*i, node) == 0)
                        return true;
        return false;
}
