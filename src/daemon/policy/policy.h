/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a failure leads to, as pure functions of (properties, failure
 * history, now): restart a failed resource or fail its group over, fail a
 * group over or leave it failed and retry later, and whether failback may
 * happen at this hour. Time is always an argument, in milliseconds of UTC
 * as the replicated failure history carries it; nothing here reads a clock.
 *
 * Sliding windows. A restart or failover recorded at time t counts within
 * a period P at time now when now - t < P: an event exactly P ago no longer
 * counts (the window is (now - P, now]). Counts expire by themselves; no
 * one ever resets them. An event stamped after now (a sender whose clock
 * runs ahead) counts as if it happened now.
 *
 * Pure: no I/O, no logging. 0 or -EINVAL (a NULL argument).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy-props.h"

/* One entry of the failure history: a restart of a resource or a failover
 * of a group, when (UTC ms) and on which node (id) the failure was. */
typedef struct PolicyEvent {
        uint64_t time_ms;
        unsigned node;
} PolicyEvent;

/* Events within the window of period_ms ending at now_ms; on node only,
 * or on any node when node is 0. */
size_t policy_count_recent(const PolicyEvent *events, size_t n, unsigned node, uint64_t period_ms,
                           uint64_t now_ms);

typedef enum ResourceVerdict {
        RESOURCE_RESTART,      /* online again after delay_ms, on the same node */
        RESOURCE_LEAVE_FAILED, /* stays Failed; the group is not affected */
        RESOURCE_FAIL_GROUP,   /* the group fails (and fails over, policy_group_failure) */
} ResourceVerdict;

/* Back-off of a resource that keeps failing soon after each restart: a
 * restart whose resource then ran for less than POLICY_RESTART_STABLE_MS
 * before it failed again continues a streak. The first
 * POLICY_RESTART_FREE restarts of a streak wait RestartDelay; each later
 * one waits twice as long as the one before, starting from RestartDelay or
 * POLICY_RESTART_FLOOR_MS, whichever is longer, up to
 * POLICY_RESTART_CAP_MS (or RestartDelay, if that is longer still). A
 * resource that stays up POLICY_RESTART_STABLE_MS starts a new streak. */
#define POLICY_RESTART_STABLE_MS (60 * 1000)
#define POLICY_RESTART_FREE 5
#define POLICY_RESTART_FLOOR_MS 100
#define POLICY_RESTART_CAP_MS (5 * 60 * 1000)

/* The streak before a failure at now_ms (0: the resource had been up for a
 * while, or never restarted) and the delay it earns, replayed from the
 * restart history on node: each restart's own delay is worked out the same
 * way, so the result does not depend on how the history was trimmed at its
 * old end beyond a few restarts. Events in any order. */
uint64_t policy_restart_delay_ms(const ResourceCommon *c, const PolicyEvent *restarts, size_t n, unsigned node,
                                 uint64_t now_ms, unsigned *ret_streak);

typedef struct ResourceDecision {
        ResourceVerdict action;
        uint64_t delay_ms;           /* RESTART: RestartDelay, or longer when backing off */
        unsigned streak;             /* quick failures in a row before this one (see above) */
        unsigned restarts_in_window; /* restarts on this node within RestartPeriod, before this failure */
        char reason[256];
} ResourceDecision;

/* A resource failed on node at now_ms; restarts is its restart history
 * (each restart the policy granted, with the node it was on). Only the
 * restarts on this node count: a group that failed over starts afresh on
 * its new node.
 *   RestartAction 0: LEAVE_FAILED.
 *   RestartAction 1: RESTART after RestartDelay (backing off), always.
 *   RestartAction 2: RESTART after RestartDelay (backing off) while fewer than
 *                    RestartThreshold restarts happened within RestartPeriod,
 *                    else FAIL_GROUP (RestartThreshold 0: FAIL_GROUP at once). */
int policy_resource_failure(const ResourceCommon *c, const PolicyEvent *restarts, size_t n, unsigned node,
                            uint64_t now_ms, ResourceDecision *ret);

typedef enum GroupVerdict {
        GROUP_FAILOVER,    /* move to another node (placement_choose, excluding where it failed) */
        GROUP_STAY_FAILED, /* stays Failed until retry_at_ms */
} GroupVerdict;

typedef struct GroupDecision {
        GroupVerdict action;
        unsigned failovers_in_window; /* within FailoverPeriod, on any node, before this failure */
        unsigned threshold;           /* FailoverThreshold in effect */
        uint64_t retry_at_ms;         /* when to try again if the group stays Failed, on this
                                       * decision or because no node can take it; 0: never */
        char reason[256];
} GroupDecision;

/* The threshold in effect: FailoverThreshold, or for -1 one fewer than the
 * nodes of the cluster. A one-node cluster gets 0: there is nowhere to fail
 * over to. */
unsigned policy_failover_threshold(const GroupCommon *c, size_t n_nodes);

/* A group failed at now_ms in a cluster of n_nodes; failovers is its
 * failover history. FAILOVER while fewer than the threshold failovers
 * happened within FailoverPeriod, else STAY_FAILED. retry_period_ms
 * (policy_retry_period_ms) sets retry_at_ms: a retry brings the group
 * online where placement says, whatever its failover count, and is not a
 * failover itself. */
int policy_group_failure(const GroupCommon *c, size_t n_nodes, const PolicyEvent *failovers, size_t n,
                         uint64_t retry_period_ms, uint64_t now_ms, GroupDecision *ret);

/* When the failovers within FailoverPeriod at now_ms fall below the
 * threshold in effect, as the window slides past the older ones (UTC ms);
 * 0 when they are below it now, or never will be (threshold 0). */
uint64_t policy_failover_until_ms(const GroupCommon *c, size_t n_nodes, const PolicyEvent *failovers, size_t n,
                                  uint64_t now_ms);

/* A length of time for a message, as the property text forms write it:
 * "500ms", "15min", "1h 30min". */
typedef struct PolicySpan {
        char s[64];
} PolicySpan;
PolicySpan policy_span(uint64_t ms);

/* The retry period of a group: the shortest non-zero RetryPeriodOnFailure
 * of its resources, in ms; 0 (never) when each of them says never or there
 * are none. */
uint64_t policy_retry_period_ms(const ResourceCommon *const *resources, size_t n);

/* Whether hour (0-23, the cluster's time zone) lies in the failback window
 * [start, end], both ends inclusive, wrapping midnight when start > end
 * (22 to 6: 22:00 to 06:59); start == end is that one hour. -1 at either
 * end: any hour. An hour outside 0-23 lies in no window. */
bool policy_failback_window_open(int64_t start, int64_t end, int hour);

/* Whether the group may fail back at this hour: AutoFailbackType allow and
 * the window open. The caller finds where to (placement_failback_target).
 * reason (optional) says why or why not. */
bool policy_failback_allowed(const GroupCommon *c, int hour, char *reason, size_t reasonlen);
