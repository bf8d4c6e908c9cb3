/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The timings that keep a group from running on two nodes at once, and
 * the rule that ties them together. Pure: the engine's timings and the
 * configuration in, the timings wolfpackd runs with (or why they are
 * refused) out.
 *
 * A node renews its monitors' lease each time one of its own heartbeats
 * comes back to it through the ring while it is quorate, until the
 * heartbeat's send time plus the lease. So a node cut off, frozen or
 * without quorum has terminated what it runs by
 *     its last heartbeat + lease + stop budget,
 * and the others, which saw that heartbeat at most one heartbeat interval
 * before it was the last, start its groups no sooner than
 *     the last heartbeat they saw from it + takeover delay.
 * Hence takeover delay >= heartbeat + lease + stop budget + margin.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ClusterTiming {
        uint64_t lease_usec;          /* the monitors' lease */
        uint64_t heartbeat_usec;      /* how often a node says it is alive */
        uint64_t stop_budget_usec;    /* how long terminating what a node runs may take */
        uint64_t takeover_delay_usec; /* from a lost node's last heartbeat to its groups starting elsewhere */
        uint64_t margin_usec;         /* what the rule leaves over for delivery and clock rates */
} ClusterTiming;

#define CLUSTER_STOP_BUDGET_DEFAULT_USEC (1000u * 1000u)

/* token, consensus: the engine's (Engine.token_usec, consensus_usec);
 * verdict: how long a new ring's quorum verdict may take once it formed
 * (Engine.verdict_usec: a quorum device's vote, 0 without one). The
 * default lease outlasts the time the ring may stay silent while it
 * re-forms after a failure, so that the nodes that keep quorum keep their
 * resources. lease 0 with lease_given: the lease turned off, refused.
 * stop, takeover: 0 for the defaults. 0 and *ret; -EINVAL with err saying
 * which setting breaks the rule and what to set. warn (may be NULL) gets
 * a warning for a person when a lease given is shorter than that (a
 * healthy node would then stop its resources when the ring re-forms),
 * else "". */
int cluster_timing(uint64_t token, uint64_t consensus, uint64_t verdict, uint64_t lease, bool lease_given,
                   uint64_t stop, uint64_t takeover, ClusterTiming *ret, char *err, size_t errlen, char *warn,
                   size_t warnlen);
