/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The timings of failover between nodes (cluster-timing.h). */
#include <errno.h>
#include <stdio.h>

#include "cluster-timing.h"

#define MS(u) ((unsigned long long) (((u) + 999) / 1000))

/* How long the ring may deliver nothing while it re-forms: the token lost
 * (token), the new membership agreed (consensus), the new ring formed (a
 * tenth of a token, at least 200 ms) and its quorum verdict given
 * (verdict). */
static uint64_t ring_silence(uint64_t token, uint64_t consensus, uint64_t verdict) {
        if (token + consensus == 0)
                return 0;
        return token + consensus + (token / 10 < 200000 ? 200000 : token / 10) + verdict;
}

int cluster_timing(uint64_t token, uint64_t consensus, uint64_t verdict, uint64_t lease, bool lease_given,
                   uint64_t stop, uint64_t takeover, ClusterTiming *ret, char *err, size_t errlen, char *warn,
                   size_t warnlen) {
        if (warn && warnlen)
                warn[0] = 0;
        if (lease_given && lease == 0) {
                snprintf(err, errlen, "lease-timeout = 0 turns the lease off, but with engine = corosync the lease is "
                         "what stops a frozen or cut-off node's resources before another node starts them; "
                         "leave lease-timeout out (it then follows corosync's token and consensus) or give a duration");
                return -EINVAL;
        }
        /* A lease renewed by the last heartbeat before the ring went
         * silent (sent up to one heartbeat earlier) must outlast the
         * silence: lease - heartbeat >= silence, heartbeat = lease / 8. */
        uint64_t silent = ring_silence(token, consensus, verdict);
        uint64_t need = (silent * 8 + 6) / 7;
        ClusterTiming t = {};
        t.lease_usec = lease_given ? lease : need > 1000000 ? (need + 999) / 1000 * 1000 : 1000000;
        t.heartbeat_usec = t.lease_usec / 8 < 50000 ? 50000 : t.lease_usec / 8;
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
        if (warn && warnlen && silent > 0 && t.lease_usec < need)
                snprintf(warn, warnlen,
                         "lease-timeout = %llums is shorter than the ring may stay silent while it re-forms (token, "
                         "consensus, its forming%s: %llums) and a heartbeat: when a node fails, the others may stop "
                         "their resources too; leave lease-timeout out, or give %llums or more",
                         MS(t.lease_usec), verdict ? " and the quorum device's vote" : "", MS(silent), MS(need));
        *ret = t;
        return 0;
}
