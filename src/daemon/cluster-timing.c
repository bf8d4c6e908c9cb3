/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The timings of failover between nodes (cluster-timing.h). */
#include <errno.h>
#include <stdio.h>

#include "cluster-timing.h"

#define MS(u) ((unsigned long long) (((u) + 999) / 1000))

int cluster_timing(uint64_t token, uint64_t consensus, uint64_t lease, bool lease_given, uint64_t stop,
                   uint64_t takeover, ClusterTiming *ret, char *err, size_t errlen, char *warn, size_t warnlen) {
        if (warn && warnlen)
                warn[0] = 0;
        if (lease_given && lease == 0) {
                snprintf(err, errlen, "lease-timeout = 0 turns the lease off, but with engine = corosync the lease is "
                         "what stops a frozen or cut-off node's resources before another node starts them; "
                         "leave lease-timeout out (it then follows corosync's token and consensus) or give a duration");
                return -EINVAL;
        }
        uint64_t silent = token + consensus;
        ClusterTiming t = {};
        t.lease_usec = lease_given ? lease : silent > 1000000 ? silent : 1000000;
        t.heartbeat_usec = t.lease_usec / 4 < 50000 ? 50000 : t.lease_usec / 4;
        t.stop_budget_usec = stop ? stop : CLUSTER_STOP_BUDGET_DEFAULT_USEC;
        t.margin_usec = t.lease_usec / 10 < 200000 ? 200000 : t.lease_usec / 10;
        uint64_t least = t.heartbeat_usec + t.lease_usec + t.stop_budget_usec + t.margin_usec;
        if (takeover && takeover < least) {
                snprintf(err, errlen,
                         "takeover-delay = %llums is shorter than one heartbeat (%llums), the lease (%llums), the stop "
                         "budget (%llums) and a margin (%llums) together, %llums: a lost node's applications could "
                         "still run when another node starts them; set takeover-delay to %llums or more, or shorten "
                         "lease-timeout or stop-budget",
                         MS(takeover), MS(t.heartbeat_usec), MS(t.lease_usec), MS(t.stop_budget_usec), MS(t.margin_usec),
                         MS(least), MS(least));
                return -EINVAL;
        }
        /* The default: the least that holds, in whole tenths of a second. */
        t.takeover_delay_usec = takeover ? takeover : (least + 99999) / 100000 * 100000;
        if (warn && warnlen && silent > 0 && t.lease_usec < silent)
                snprintf(warn, warnlen,
                         "lease-timeout = %llums is shorter than corosync's token and consensus together (%llums): "
                         "when the ring re-forms under load this node may stop its resources although nothing failed",
                         MS(t.lease_usec), MS(silent));
        *ret = t;
        return 0;
}
