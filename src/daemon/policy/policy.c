/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The restart, failover and failback policies (see policy.h): sliding
 * window counts over the replicated failure history, and the decisions
 * they lead to, each with a reason for the cluster log. Owns the meaning of
 * RestartAction, RestartThreshold/Period, FailoverThreshold/Period,
 * RetryPeriodOnFailure and the failback window. Never reads a clock (time
 * is an argument), never does I/O, never logs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "policy.h"

static void set_reason(char *buf, size_t len, const char *fmt, ...) _printf_(3, 4);
static void set_reason(char *buf, size_t len, const char *fmt, ...) {
        if (!buf || len == 0)
                return;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, len, fmt, ap);
        va_end(ap);
}

static uint64_t usec_to_ms(wp_usec_t u) {
        return u / WP_USEC_PER_MSEC;
}

PolicySpan policy_span(uint64_t ms) {
        static const struct {
                const char *unit;
                uint64_t ms;
        } units[] = {
                { "d", 86400000 }, { "h", 3600000 }, { "min", 60000 }, { "s", 1000 }, { "ms", 1 },
        };
        PolicySpan t = { "" };
        size_t o = 0;
        if (ms == 0)
                return (PolicySpan) { "0s" };
        for (size_t i = 0; i < ELEMENTSOF(units) && o < sizeof t.s; i++) {
                uint64_t k = ms / units[i].ms;
                if (k == 0)
                        continue;
                ms -= k * units[i].ms;
                int w = snprintf(t.s + o, sizeof t.s - o, "%s%" PRIu64 "%s", o ? " " : "", k, units[i].unit);
                if (w < 0)
                        break;
                o += (size_t) w;
        }
        return t;
}

size_t policy_count_recent(const PolicyEvent *events, size_t n, unsigned node, uint64_t period_ms,
                           uint64_t now_ms) {
        size_t k = 0;
        for (size_t i = 0; events && i < n; i++) {
                if (node != 0 && events[i].node != node)
                        continue;
                /* now - t < period, without wrapping for t > now. */
                if (events[i].time_ms >= now_ms || now_ms - events[i].time_ms < period_ms)
                        k++;
        }
        return k;
}

static uint64_t streak_delay(uint64_t base, unsigned streak) {
        if (streak < POLICY_RESTART_FREE)
                return base;
        uint64_t cap = base > POLICY_RESTART_CAP_MS ? base : POLICY_RESTART_CAP_MS;
        uint64_t d = base > POLICY_RESTART_FLOOR_MS ? base : POLICY_RESTART_FLOOR_MS;
        for (unsigned k = POLICY_RESTART_FREE; k < streak && d < cap; k++)
                d *= 2;
        return d < cap ? d : cap;
}

static int by_time(const void *a, const void *b) {
        uint64_t x = ((const PolicyEvent *) a)->time_ms, y = ((const PolicyEvent *) b)->time_ms;
        return x < y ? -1 : x > y;
}

/* Did the failure at t follow a restart granted at prev (with its delay)
 * before the resource had been up for the stable time? */
static bool quick(uint64_t prev, uint64_t delay, uint64_t t) {
        return t < prev || t - prev < delay + POLICY_RESTART_STABLE_MS;
}

uint64_t policy_restart_delay_ms(const ResourceCommon *c, const PolicyEvent *restarts, size_t n, unsigned node,
                                 uint64_t now_ms, unsigned *ret_streak) {
        uint64_t base = c ? usec_to_ms(c->restart_delay) : 0;
        PolicyEvent *sorted = n > 0 && restarts ? malloc(n * sizeof(PolicyEvent)) : NULL;
        const PolicyEvent *ev = restarts;
        if (sorted) {
                memcpy(sorted, restarts, n * sizeof(PolicyEvent));
                qsort(sorted, n, sizeof(PolicyEvent), by_time);
                ev = sorted;
        }
        bool have = false;
        uint64_t prev = 0, prev_delay = 0;
        unsigned streak = 0;
        for (size_t i = 0; ev && i < n; i++) {
                if (node != 0 && ev[i].node != node)
                        continue;
                streak = have && quick(prev, prev_delay, ev[i].time_ms) ? (streak < UINT32_MAX ? streak + 1 : streak) : 0;
                prev = ev[i].time_ms;
                prev_delay = streak_delay(base, streak);
                have = true;
        }
        free(sorted);
        streak = have && quick(prev, prev_delay, now_ms) ? (streak < UINT32_MAX ? streak + 1 : streak) : 0;
        if (ret_streak)
                *ret_streak = streak;
        return streak_delay(base, streak);
}

/* "restarting in 400ms", with the back-off said when it is at work. */
static void restart_in(char *buf, size_t len, const ResourceDecision *d, uint64_t base) {
        if (d->delay_ms > base)
                snprintf(buf, len, "restarting in %s (backing off: failure %u in a row within %s of a start)",
                         policy_span(d->delay_ms).s, d->streak + 1, policy_span(POLICY_RESTART_STABLE_MS).s);
        else
                snprintf(buf, len, "restarting in %s", policy_span(d->delay_ms).s);
}

int policy_resource_failure(const ResourceCommon *c, const PolicyEvent *restarts, size_t n, unsigned node,
                            uint64_t now_ms, ResourceDecision *ret) {
        if (!c || !ret)
                return -EINVAL;
        uint64_t period = usec_to_ms(c->restart_period), delay = usec_to_ms(c->restart_delay);
        size_t count = policy_count_recent(restarts, n, node, period, now_ms);
        ResourceDecision d = { .restarts_in_window = count > UINT32_MAX ? UINT32_MAX : (unsigned) count };
        uint64_t backoff = policy_restart_delay_ms(c, restarts, n, node, now_ms, &d.streak);
        char in[160];

        switch (c->restart_action) {
        case RESTART_ACTION_NONE:
                d.action = RESOURCE_LEAVE_FAILED;
                set_reason(d.reason, sizeof d.reason,
                           "RestartAction is 0 (do not restart): the resource stays Failed and its group is not "
                           "affected");
                break;
        case RESTART_ACTION_RESTART:
                d.action = RESOURCE_RESTART;
                d.delay_ms = backoff;
                restart_in(in, sizeof in, &d, delay);
                set_reason(d.reason, sizeof d.reason, "RestartAction is 1 (restart without affecting the group): %s",
                           in);
                break;
        default:
                if (c->restart_threshold <= 0) {
                        d.action = RESOURCE_FAIL_GROUP;
                        set_reason(d.reason, sizeof d.reason,
                                   "RestartThreshold is 0: failing the group over without a restart");
                } else if ((int64_t) count < c->restart_threshold) {
                        d.action = RESOURCE_RESTART;
                        d.delay_ms = backoff;
                        restart_in(in, sizeof in, &d, delay);
                        set_reason(d.reason, sizeof d.reason, "restart %zu of %" PRId64 " within RestartPeriod %s: %s",
                                   count + 1, c->restart_threshold, policy_span(period).s, in);
                } else {
                        d.action = RESOURCE_FAIL_GROUP;
                        set_reason(d.reason, sizeof d.reason,
                                   "%zu restart%s within RestartPeriod %s reached RestartThreshold %" PRId64
                                   ": failing the group over",
                                   count, count == 1 ? "" : "s", policy_span(period).s, c->restart_threshold);
                }
                break;
        }
        *ret = d;
        return 0;
}

unsigned policy_failover_threshold(const GroupCommon *c, size_t n_nodes) {
        if (c && c->failover_threshold >= 0)
                return c->failover_threshold > UINT32_MAX ? UINT32_MAX : (unsigned) c->failover_threshold;
        if (n_nodes <= 1)
                return 0;
        return n_nodes - 1 > UINT32_MAX ? UINT32_MAX : (unsigned) (n_nodes - 1);
}

int policy_group_failure(const GroupCommon *c, size_t n_nodes, const PolicyEvent *failovers, size_t n,
                         uint64_t retry_period_ms, uint64_t now_ms, GroupDecision *ret) {
        if (!c || !ret)
                return -EINVAL;
        uint64_t period = usec_to_ms(c->failover_period);
        size_t count = policy_count_recent(failovers, n, 0, period, now_ms);
        GroupDecision d = {
                .failovers_in_window = count > UINT32_MAX ? UINT32_MAX : (unsigned) count,
                .threshold = policy_failover_threshold(c, n_nodes),
        };
        if (retry_period_ms > 0)
                d.retry_at_ms = retry_period_ms > UINT64_MAX - now_ms ? UINT64_MAX : now_ms + retry_period_ms;

        char retry[96];
        if (retry_period_ms > 0)
                snprintf(retry, sizeof retry, "trying again in %s (RetryPeriodOnFailure)", policy_span(retry_period_ms).s);
        else
                snprintf(retry, sizeof retry, "no retry (RetryPeriodOnFailure is 0)");

        if (d.threshold == 0) {
                d.action = GROUP_STAY_FAILED;
                if (c->failover_threshold < 0)
                        set_reason(d.reason, sizeof d.reason,
                                   "the cluster has one node, so there is nowhere to fail over to; %s", retry);
                else
                        set_reason(d.reason, sizeof d.reason, "FailoverThreshold is 0: the group stays Failed; %s",
                                   retry);
        } else if (count < d.threshold) {
                d.action = GROUP_FAILOVER;
                set_reason(d.reason, sizeof d.reason, "failover %zu of %u within FailoverPeriod %s", count + 1,
                           d.threshold, policy_span(period).s);
        } else {
                d.action = GROUP_STAY_FAILED;
                set_reason(d.reason, sizeof d.reason,
                           "%zu failover%s within FailoverPeriod %s reached FailoverThreshold %u: the group stays "
                           "Failed; %s",
                           count, count == 1 ? "" : "s", policy_span(period).s, d.threshold, retry);
        }
        *ret = d;
        return 0;
}

static int by_time_desc(const void *a, const void *b) {
        return by_time(b, a);
}

uint64_t policy_failover_until_ms(const GroupCommon *c, size_t n_nodes, const PolicyEvent *failovers, size_t n,
                                  uint64_t now_ms) {
        if (!c || !failovers || n == 0)
                return 0;
        uint64_t period = usec_to_ms(c->failover_period);
        unsigned threshold = policy_failover_threshold(c, n_nodes);
        PolicyEvent *in = malloc(n * sizeof(PolicyEvent));
        if (!in)
                return 0;
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
                if (policy_count_recent(&failovers[i], 1, 0, period, now_ms) == 1)
                        in[k++] = failovers[i];
        uint64_t until = 0;
        if (threshold > 0 && k >= threshold) {
                /* Newest first: once the threshold-th newest has left the
                 * window, fewer than threshold remain. */
                qsort(in, k, sizeof(PolicyEvent), by_time_desc);
                uint64_t t = in[threshold - 1].time_ms > now_ms ? now_ms : in[threshold - 1].time_ms;
                until = period > UINT64_MAX - t ? UINT64_MAX : t + period;
        }
        free(in);
        return until;
}

uint64_t policy_retry_period_ms(const ResourceCommon *const *resources, size_t n) {
        uint64_t best = 0;
        for (size_t i = 0; resources && i < n; i++) {
                if (!resources[i])
                        continue;
                uint64_t p = usec_to_ms(resources[i]->retry_period_on_failure);
                if (p > 0 && (best == 0 || p < best))
                        best = p;
        }
        return best;
}

bool policy_failback_window_open(int64_t start, int64_t end, int hour) {
        if (hour < 0 || hour > 23)
                return false;
        if (start < 0 || end < 0)
                return true;
        if (start <= end)
                return hour >= start && hour <= end;
        return hour >= start || hour <= end;
}

bool policy_failback_allowed(const GroupCommon *c, int hour, char *reason, size_t reasonlen) {
        if (!c) {
                set_reason(reason, reasonlen, "no group properties");
                return false;
        }
        if (c->failback_type != FAILBACK_ALLOW) {
                set_reason(reason, reasonlen, "AutoFailbackType is prevent");
                return false;
        }
        int64_t s = c->failback_window_start, e = c->failback_window_end;
        if (hour < 0 || hour > 23) {
                set_reason(reason, reasonlen, "hour %d is not an hour of the day (0-23)", hour);
                return false;
        }
        if (s < 0 || e < 0) {
                set_reason(reason, reasonlen, "failback is allowed at any time");
                return true;
        }
        bool open = policy_failback_window_open(s, e, hour);
        set_reason(reason, reasonlen, "%02d:xx is %s the failback window %02" PRId64 ":00 to %02" PRId64 ":59",
                   hour, open ? "inside" : "outside", s, e);
        return open;
}
