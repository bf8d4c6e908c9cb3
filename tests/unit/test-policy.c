/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Restart, failover and failback policy, and the common property tables:
 * defaults, refused values, RestartAction 0/1/2, thresholds at their
 * boundary, sliding windows expiring exactly at the period, events on other
 * nodes and from the future, one-node clusters, failback windows that wrap
 * midnight. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "macro.h"
#include "policy.h"
#include "props.h"
#include "strv.h"

#define SEC_MS UINT64_C(1000)
#define MIN_MS (60 * SEC_MS)
#define HOUR_MS (60 * MIN_MS)
/* Some Tuesday afternoon, in ms since the epoch. */
#define NOW UINT64_C(1767225600000)

/* Apply "Name=value Name=value" (values without blanks) to params. */
static void apply(const wp_prop *table, void *params, const char *settings) {
        if (!settings)
                return;
        _cleanup_free_ char *c = strdup(settings);
        assert_non_null(c);
        char *save = NULL;
        for (char *w = strtok_r(c, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
                char *eq = strchr(w, '=');
                assert_non_null(eq);
                *eq = 0;
                char err[256] = "";
                int r = props_set(table, params, w, eq + 1, err, sizeof err);
                if (r != 0)
                        fail_msg("props_set(%s, %s) = %d: %s", w, eq + 1, r, err);
        }
}

static void resource_with(ResourceCommon *c, const char *settings) {
        char err[256] = "";
        int r = resource_common_init(c, err, sizeof err);
        if (r != 0)
                fail_msg("resource_common_init: %d %s", r, err);
        apply(resource_common_props, c, settings);
}

static void group_with(GroupCommon *c, const char *settings) {
        char err[256] = "";
        int r = group_common_init(c, err, sizeof err);
        if (r != 0)
                fail_msg("group_common_init: %d %s", r, err);
        apply(group_common_props, c, settings);
}

/* ------------------------------------------------------------------------
 * Property tables
 * ------------------------------------------------------------------------ */

static void test_resource_defaults(void **state) {
        ResourceCommon c;
        resource_with(&c, NULL);
        assert_int_equal(c.restart_action, RESTART_ACTION_FAILOVER);
        assert_int_equal(c.restart_threshold, 3);
        assert_int_equal(c.restart_period, 900 * WP_USEC_PER_SEC);
        assert_int_equal(c.restart_delay, 500 * WP_USEC_PER_MSEC);
        assert_int_equal(c.retry_period_on_failure, 3600 * WP_USEC_PER_SEC);
        assert_int_equal(c.pending_timeout, 180 * WP_USEC_PER_SEC);
        assert_int_equal(c.looks_alive_poll_interval, 5 * WP_USEC_PER_SEC);
        assert_int_equal(c.is_alive_poll_interval, 60 * WP_USEC_PER_SEC);
        assert_int_equal(c.deadlock_timeout, 300 * WP_USEC_PER_SEC);
        assert_false(c.separate_monitor);
        assert_int_equal(strv_length(c.possible_owners), 0);
        assert_true(resource_common_allows(&c, "n1"));
        assert_int_equal(strv_length(c.checkpoint_paths), 0);
        assert_int_equal(c.checkpoint_max_size, 1024 * 1024);
        resource_common_done(&c);

        /* Every property has a description and formats back. */
        for (const wp_prop *p = resource_common_props; p->name; p++)
                assert_non_null(p->description);
        json_t *d = props_describe(resource_common_props);
        assert_non_null(d);
        assert_int_equal(json_array_size(d), 13);
        json_decref(d);
}

static void test_group_defaults(void **state) {
        GroupCommon c;
        group_with(&c, NULL);
        assert_int_equal(strv_length(c.preferred_owners), 0);
        assert_int_equal(c.failover_threshold, -1);
        assert_int_equal(c.failover_period, 6 * 3600 * WP_USEC_PER_SEC);
        assert_int_equal(c.failback_type, FAILBACK_PREVENT);
        assert_int_equal(c.failback_window_start, -1);
        assert_int_equal(c.failback_window_end, -1);
        assert_true(c.persistent_state);
        assert_int_equal(strv_length(c.anti_affinity_class_names), 0);
        assert_int_equal(group_common_validate(&c, NULL, 0), 0);

        json_t *o = props_to_json(group_common_props, &c);
        assert_non_null(o);
        assert_string_equal(json_string_value(json_object_get(o, "AutoFailbackType")), "prevent");
        assert_string_equal(json_string_value(json_object_get(o, "FailoverPeriod")), "6h");
        assert_string_equal(json_string_value(json_object_get(o, "PersistentState")), "yes");
        json_decref(o);
        group_common_done(&c);

        for (const wp_prop *p = group_common_props; p->name; p++)
                assert_non_null(p->description);
}

static void test_values(void **state) {
        static const struct {
                bool group;
                const char *name, *value;
                int rc;
                const char *msg; /* start of the message */
        } rows[] = {
                { false, "RestartAction", "0", 0, "" },
                { false, "RestartAction", "2", 0, "" },
                { false, "RestartAction", "3", -ERANGE, "RestartAction: \"3\" is out of range; allowed 0 to 2" },
                { false, "RestartAction", "-1", -ERANGE, "RestartAction: \"-1\" is out of range" },
                { false, "RestartAction", "restart", -EINVAL, "RestartAction: \"restart\" is not an integer" },
                { false, "restartthreshold", "0", 0, "" },
                { false, "RestartThreshold", "-1", -ERANGE, "RestartThreshold: \"-1\" is out of range" },
                { false, "RestartPeriod", "15min", 0, "" },
                { false, "RestartPeriod", "0", -ERANGE, "RestartPeriod: \"0\" is out of range; allowed 1s to" },
                { false, "RestartDelay", "0", 0, "" },
                { false, "RestartDelay", "2h", -ERANGE, "RestartDelay: \"2h\" is out of range; allowed 0s to 1h" },
                { false, "RetryPeriodOnFailure", "0", 0, "" },
                { false, "PendingTimeout", "5ms", -ERANGE, "PendingTimeout: \"5ms\" is out of range" },
                { false, "DeadlockTimeout", "10min", 0, "" },
                { false, "SeparateMonitor", "yes", 0, "" },
                { false, "SeparateMonitor", "perhaps", -EINVAL, "SeparateMonitor: \"perhaps\" is not a boolean" },
                { false, "PossibleOwners", "n1 n2", 0, "" },
                { false, "PossibleOwners", "", 0, "" },
                { false, "PossibleOwners", "n1 N1", -EINVAL, "PossibleOwners: node \"N1\" is listed twice" },
                { false, "PossibleOwners", "n1 'bad name'", -EINVAL,
                  "PossibleOwners: node \"bad name\" is invalid: names are 1 to 63 characters" },
                { false, "PossibleOwner", "n1", -ENOENT, "no such property \"PossibleOwner\"; did you mean" },
                { true, "PreferredOwners", "n3 n1 n2", 0, "" },
                { true, "PreferredOwners", "n1 n2 n1", -EINVAL, "PreferredOwners: node \"n1\" is listed twice" },
                { true, "FailoverThreshold", "-1", 0, "" },
                { true, "FailoverThreshold", "0", 0, "" },
                { true, "FailoverThreshold", "-2", -ERANGE, "FailoverThreshold: \"-2\" is out of range" },
                { true, "FailoverPeriod", "1h", 0, "" },
                { true, "AutoFailbackType", "Allow", 0, "" },
                { true, "AutoFailbackType", "sometimes", -EINVAL,
                  "AutoFailbackType: \"sometimes\" is not one of prevent, allow" },
                { true, "FailbackWindowStart", "23", 0, "" },
                { true, "FailbackWindowStart", "24", -ERANGE,
                  "FailbackWindowStart: \"24\" is out of range; allowed -1 to 23" },
                { true, "FailbackWindowEnd", "-2", -ERANGE, "FailbackWindowEnd: \"-2\" is out of range" },
                { true, "PersistentState", "no", 0, "" },
                { true, "AntiAffinityClassNames", "sql web", 0, "" },
                { true, "AntiAffinityClassNames", "sql SQL", -EINVAL,
                  "AntiAffinityClassNames: class \"SQL\" is listed twice" },
                { true, "AntiAffinityClassNames", "a/b", -EINVAL, "AntiAffinityClassNames: class \"a/b\" is invalid" },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                ResourceCommon rc;
                GroupCommon gc;
                const wp_prop *table = rows[i].group ? group_common_props : resource_common_props;
                void *params = rows[i].group ? (void *) &gc : (void *) &rc;
                if (rows[i].group)
                        group_with(&gc, NULL);
                else
                        resource_with(&rc, NULL);
                char err[512] = "";
                int r = props_set(table, params, rows[i].name, rows[i].value, err, sizeof err);
                if (r != rows[i].rc)
                        fail_msg("row %zu %s=%s: got %d (%s), want %d", i, rows[i].name, rows[i].value, r, err,
                                 rows[i].rc);
                if (strncmp(err, rows[i].msg, strlen(rows[i].msg)) != 0)
                        fail_msg("row %zu %s=%s\n  got:  %s\n  want: %s...", i, rows[i].name, rows[i].value, err,
                                 rows[i].msg);
                if (rows[i].group)
                        group_common_done(&gc);
                else
                        resource_common_done(&rc);
        }
}

static void test_group_validate(void **state) {
        static const struct {
                const char *settings;
                int rc;
        } rows[] = {
                { NULL, 0 },
                { "FailbackWindowStart=22 FailbackWindowEnd=6", 0 },
                { "FailbackWindowStart=5 FailbackWindowEnd=5", 0 },
                { "FailbackWindowStart=22", -EINVAL },
                { "FailbackWindowEnd=6", -EINVAL },
                { "FailbackWindowStart=0 FailbackWindowEnd=-1", -EINVAL },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                GroupCommon c;
                group_with(&c, rows[i].settings);
                char err[256] = "";
                int r = group_common_validate(&c, err, sizeof err);
                if (r != rows[i].rc)
                        fail_msg("row %zu (%s): got %d", i, rows[i].settings, r);
                if (r < 0)
                        assert_string_equal(err, "FailbackWindowStart and FailbackWindowEnd go together: set both to "
                                                 "hours (0-23) for a window, or both to -1 for any time");
                group_common_done(&c);
        }
        assert_int_equal(group_common_validate(NULL, NULL, 0), -EINVAL);
}

static void test_allows(void **state) {
        ResourceCommon c;
        resource_with(&c, "PossibleOwners=n2");
        assert_false(resource_common_allows(&c, "n1"));
        assert_true(resource_common_allows(&c, "n2"));
        assert_true(resource_common_allows(&c, "N2"));
        assert_false(resource_common_allows(&c, NULL));
        resource_common_done(&c);
        assert_true(resource_common_allows(NULL, "n1"));
}

/* ------------------------------------------------------------------------
 * Sliding windows
 * ------------------------------------------------------------------------ */

static void test_count_recent(void **state) {
        const PolicyEvent ev[] = {
                { NOW - 10 * SEC_MS, 1 },
                { NOW - 15 * MIN_MS, 1 },      /* exactly the period ago: gone */
                { NOW - 15 * MIN_MS + 1, 2 },  /* one ms inside */
                { NOW - 15 * MIN_MS - 1, 1 },  /* one ms outside */
                { NOW, 2 },                    /* now */
                { NOW + 5 * SEC_MS, 1 },       /* from a clock ahead */
                { 0, 1 },                      /* the epoch */
        };
        static const struct {
                unsigned node;
                uint64_t period, now;
                size_t want;
        } rows[] = {
                { 0, 15 * MIN_MS, NOW, 4 },
                { 1, 15 * MIN_MS, NOW, 2 },
                { 2, 15 * MIN_MS, NOW, 2 },
                { 3, 15 * MIN_MS, NOW, 0 },
                { 0, 15 * MIN_MS + 1, NOW, 5 },
                { 0, 15 * MIN_MS + 2, NOW, 6 },
                { 0, 1, NOW, 2 },   /* now and the future only */
                { 0, 0, NOW, 2 },
                { 0, UINT64_MAX, NOW, 7 },
                { 0, 15 * MIN_MS, 0, 7 }, /* at the epoch, everything is now or later */
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                size_t got = policy_count_recent(ev, ELEMENTSOF(ev), rows[i].node, rows[i].period, rows[i].now);
                if (got != rows[i].want)
                        fail_msg("row %zu: got %zu, want %zu", i, got, rows[i].want);
        }
        assert_int_equal(policy_count_recent(NULL, 5, 0, HOUR_MS, NOW), 0);
}

/* ------------------------------------------------------------------------
 * Resource failures
 * ------------------------------------------------------------------------ */

#define MAXEV 8
typedef struct Hist {
        int64_t ago_ms; /* negative: in the future */
        unsigned node;
} Hist;

static size_t history(const Hist *h, PolicyEvent *ev) {
        size_t n = 0;
        for (; n < MAXEV && h[n].node; n++)
                ev[n] = (PolicyEvent) { (uint64_t) ((int64_t) NOW - h[n].ago_ms), h[n].node };
        return n;
}

static const char *verdict_name(ResourceVerdict v) {
        return v == RESOURCE_RESTART ? "RESTART" : v == RESOURCE_LEAVE_FAILED ? "LEAVE_FAILED" : "FAIL_GROUP";
}

static void test_resource_failure(void **state) {
        static const struct {
                const char *title;
                const char *settings;
                Hist hist[MAXEV];
                unsigned node;
                ResourceVerdict want;
                uint64_t delay;
                unsigned count;
                const char *reason;
        } rows[] = {
                { "action 0", "RestartAction=0", {}, 1, RESOURCE_LEAVE_FAILED, 0, 0,
                  "RestartAction is 0 (do not restart): the resource stays Failed and its group is not affected" },
                { "action 0, with history", "RestartAction=0", { { 1000, 1 } }, 1, RESOURCE_LEAVE_FAILED, 0, 1,
                  "RestartAction is 0" },
                { "action 1", "RestartAction=1", {}, 1, RESOURCE_RESTART, 500, 0,
                  "RestartAction is 1 (restart without affecting the group): restarting in 500ms" },
                { "action 1 ignores the threshold", "RestartAction=1 RestartThreshold=1",
                  { { 1, 1 }, { 2, 1 }, { 3, 1 }, { 4, 1 }, { 5, 1 } }, 1, RESOURCE_RESTART, 500, 5, "RestartAction is 1" },
                { "action 1, threshold 0", "RestartAction=1 RestartThreshold=0", {}, 1, RESOURCE_RESTART, 500, 0, "" },
                { "action 1, delay 2s", "RestartAction=1 RestartDelay=2s", {}, 1, RESOURCE_RESTART, 2000, 0,
                  "restarting in 2s" },
                { "default, first failure", NULL, {}, 1, RESOURCE_RESTART, 500, 0,
                  "restart 1 of 3 within RestartPeriod 15min: restarting in 500ms" },
                { "default, one before", NULL, { { 60000, 1 } }, 1, RESOURCE_RESTART, 500, 1, "restart 2 of 3" },
                { "default, two before: the last restart", NULL, { { 60000, 1 }, { 120000, 1 } }, 1, RESOURCE_RESTART,
                  500, 2, "restart 3 of 3" },
                { "default, three before: threshold reached", NULL, { { 60000, 1 }, { 120000, 1 }, { 180000, 1 } }, 1,
                  RESOURCE_FAIL_GROUP, 0, 3,
                  "3 restarts within RestartPeriod 15min reached RestartThreshold 3: failing the group over" },
                { "four before", NULL, { { 1, 1 }, { 2, 1 }, { 3, 1 }, { 4, 1 } }, 1, RESOURCE_FAIL_GROUP, 0, 4, "" },
                { "one exactly RestartPeriod ago no longer counts", NULL,
                  { { 60000, 1 }, { 120000, 1 }, { 900000, 1 } }, 1, RESOURCE_RESTART, 500, 2, "restart 3 of 3" },
                { "one a ms inside the period counts", NULL, { { 60000, 1 }, { 120000, 1 }, { 899999, 1 } }, 1,
                  RESOURCE_FAIL_GROUP, 0, 3, "" },
                { "one a ms past the period", NULL, { { 60000, 1 }, { 120000, 1 }, { 900001, 1 } }, 1,
                  RESOURCE_RESTART, 500, 2, "" },
                { "all expired", NULL, { { 900000, 1 }, { 1000000, 1 }, { 86400000, 1 } }, 1, RESOURCE_RESTART, 500, 0,
                  "restart 1 of 3" },
                { "restarts on another node do not count", NULL, { { 1, 2 }, { 2, 2 }, { 3, 2 } }, 1,
                  RESOURCE_RESTART, 500, 0, "" },
                { "mixed nodes", NULL, { { 1, 2 }, { 2, 1 }, { 3, 2 }, { 4, 1 } }, 1, RESOURCE_RESTART, 500, 2, "" },
                { "node 0 counts every node", NULL, { { 1, 2 }, { 2, 1 }, { 3, 3 } }, 0, RESOURCE_FAIL_GROUP, 0, 3, "" },
                { "restarts from the future count", NULL, { { -5000, 1 }, { -1, 1 }, { 0, 1 } }, 1,
                  RESOURCE_FAIL_GROUP, 0, 3, "" },
                { "threshold 0", "RestartThreshold=0", {}, 1, RESOURCE_FAIL_GROUP, 0, 0,
                  "RestartThreshold is 0: failing the group over without a restart" },
                { "threshold 1, first", "RestartThreshold=1", {}, 1, RESOURCE_RESTART, 500, 0, "restart 1 of 1" },
                { "threshold 1, second", "RestartThreshold=1", { { 1000, 1 } }, 1, RESOURCE_FAIL_GROUP, 0, 1,
                  "1 restart within RestartPeriod 15min reached RestartThreshold 1" },
                { "period 1min, expired", "RestartThreshold=1 RestartPeriod=1min", { { 60000, 1 } }, 1,
                  RESOURCE_RESTART, 500, 0, "within RestartPeriod 1min" },
                { "period 1min, inside", "RestartThreshold=1 RestartPeriod=1min", { { 59999, 1 } }, 1,
                  RESOURCE_FAIL_GROUP, 0, 1, "" },
                { "period 1h30m", "RestartPeriod=1h30min", {}, 1, RESOURCE_RESTART, 500, 0,
                  "within RestartPeriod 1h 30min" },
                { "delay 0", "RestartDelay=0", {}, 1, RESOURCE_RESTART, 0, 0, "restarting in 0s" },
                { "delay 1.5s", "RestartDelay=1.5s", {}, 1, RESOURCE_RESTART, 1500, 0, "restarting in 1s 500ms" },
                { "threshold 5, four before", "RestartThreshold=5", { { 1, 1 }, { 2, 1 }, { 3, 1 }, { 4, 1 } }, 1,
                  RESOURCE_RESTART, 500, 4, "restart 5 of 5" },
                { "threshold 5, five before", "RestartThreshold=5",
                  { { 1, 1 }, { 2, 1 }, { 3, 1 }, { 4, 1 }, { 5, 1 } }, 1, RESOURCE_FAIL_GROUP, 0, 5, "" },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                ResourceCommon c;
                resource_with(&c, rows[i].settings);
                PolicyEvent ev[MAXEV];
                size_t n = history(rows[i].hist, ev);
                ResourceDecision d;
                memset(&d, 0xaa, sizeof d);
                assert_int_equal(policy_resource_failure(&c, ev, n, rows[i].node, NOW, &d), 0);
                if (d.action != rows[i].want || d.delay_ms != rows[i].delay || d.restarts_in_window != rows[i].count)
                        fail_msg("%s: got %s delay %" PRIu64 " count %u (%s), want %s delay %" PRIu64 " count %u",
                                 rows[i].title, verdict_name(d.action), d.delay_ms, d.restarts_in_window, d.reason,
                                 verdict_name(rows[i].want), rows[i].delay, rows[i].count);
                if (strncmp(d.reason, rows[i].reason, strlen(rows[i].reason)) != 0 &&
                    !strstr(d.reason, rows[i].reason))
                        fail_msg("%s\n  got:  %s\n  want: %s", rows[i].title, d.reason, rows[i].reason);
                assert_true(d.reason[0] != 0);
                resource_common_done(&c);
        }

        ResourceDecision d;
        ResourceCommon c;
        resource_with(&c, NULL);
        assert_int_equal(policy_resource_failure(NULL, NULL, 0, 1, NOW, &d), -EINVAL);
        assert_int_equal(policy_resource_failure(&c, NULL, 0, 1, NOW, NULL), -EINVAL);
        resource_common_done(&c);
}

/* Failures over time with the default policy: restart, restart, restart,
 * fail over; 15 minutes after the first restart, one more restart is
 * available again without anyone resetting anything. */
static void test_resource_failure_timeline(void **state) {
        ResourceCommon c;
        resource_with(&c, NULL);
        PolicyEvent ev[16];
        size_t n = 0;
        static const struct {
                uint64_t at;
                ResourceVerdict want;
        } steps[] = {
                { 0, RESOURCE_RESTART },
                { 1 * MIN_MS, RESOURCE_RESTART },
                { 2 * MIN_MS, RESOURCE_RESTART },
                { 3 * MIN_MS, RESOURCE_FAIL_GROUP },
                { 15 * MIN_MS - 1, RESOURCE_FAIL_GROUP },
                { 15 * MIN_MS, RESOURCE_RESTART },   /* the first restart expired */
                { 15 * MIN_MS + 1, RESOURCE_FAIL_GROUP },
                { 16 * MIN_MS, RESOURCE_RESTART },   /* the second one expired */
                { 60 * MIN_MS, RESOURCE_RESTART },
        };
        for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
                ResourceDecision d;
                uint64_t now = NOW + steps[i].at;
                assert_int_equal(policy_resource_failure(&c, ev, n, 1, now, &d), 0);
                if (d.action != steps[i].want)
                        fail_msg("step %zu: got %s (%s)", i, verdict_name(d.action), d.reason);
                if (d.action == RESOURCE_RESTART)
                        ev[n++] = (PolicyEvent) { now, 1 };
        }
        resource_common_done(&c);
}

/* A resource that fails the moment it starts, RestartAction 1 and
 * RestartDelay 0: five restarts at once, then the waits double from the
 * floor up to the cap; restarts a minute apart (up for longer than the
 * stable time) never back off. */
static void test_restart_backoff(void **state) {
        ResourceCommon c;
        resource_with(&c, "RestartAction=1 RestartDelay=0");
        PolicyEvent ev[64];
        size_t n = 0;
        uint64_t now = NOW, want[] = { 0, 0, 0, 0, 0, 100, 200, 400, 800, 1600, 3200, 6400 };
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                ResourceDecision d;
                assert_int_equal(policy_resource_failure(&c, ev, n, 1, now, &d), 0);
                assert_int_equal(d.action, RESOURCE_RESTART);
                if (d.delay_ms != want[i] || d.streak != i)
                        fail_msg("failure %zu: delay %" PRIu64 " streak %u (%s), want %" PRIu64, i, d.delay_ms,
                                 d.streak, d.reason, want[i]);
                if (want[i] > 0)
                        assert_non_null(strstr(d.reason, "backing off"));
                ev[n++] = (PolicyEvent) { now, 1 };
                now += d.delay_ms + 5; /* fails 5 ms after each start */
        }
        /* Up to the cap, and no further however long the streak. */
        for (size_t i = 0; i < 30; i++) {
                ResourceDecision d;
                assert_int_equal(policy_resource_failure(&c, ev, n, 1, now, &d), 0);
                assert_true(d.delay_ms <= POLICY_RESTART_CAP_MS);
                if (n < ELEMENTSOF(ev))
                        ev[n++] = (PolicyEvent) { now, 1 };
                now += d.delay_ms + 5;
        }
        assert_int_equal(policy_restart_delay_ms(&c, ev, n, 1, now, NULL), POLICY_RESTART_CAP_MS);
        /* The same history in another order gives the same answer. */
        PolicyEvent rev[64];
        for (size_t i = 0; i < n; i++)
                rev[i] = ev[n - 1 - i];
        assert_int_equal(policy_restart_delay_ms(&c, rev, n, 1, now, NULL), POLICY_RESTART_CAP_MS);
        /* Restarts on another node are not this node's streak. */
        assert_int_equal(policy_restart_delay_ms(&c, ev, n, 2, now, NULL), 0);
        /* Up for the stable time after the last restart: afresh. */
        unsigned streak = 99;
        uint64_t last = ev[n - 1].time_ms, last_delay = POLICY_RESTART_CAP_MS;
        assert_int_equal(policy_restart_delay_ms(&c, ev, n, 1, last + last_delay + POLICY_RESTART_STABLE_MS, &streak),
                         0);
        assert_int_equal(streak, 0);
        resource_common_done(&c);

        /* A minute between failures, each after a stable run: never backs off. */
        resource_with(&c, "RestartAction=1 RestartDelay=2s");
        n = 0;
        now = NOW;
        for (size_t i = 0; i < 20; i++) {
                ResourceDecision d;
                assert_int_equal(policy_resource_failure(&c, ev, n, 1, now, &d), 0);
                assert_int_equal(d.delay_ms, 2000);
                assert_int_equal(d.streak, 0);
                ev[n++] = (PolicyEvent) { now, 1 };
                now += 2000 + POLICY_RESTART_STABLE_MS;
        }
        resource_common_done(&c);

        /* A RestartDelay longer than the floor is where doubling starts;
         * one longer than the cap is the cap. */
        resource_with(&c, "RestartDelay=1s");
        PolicyEvent quick[6];
        for (size_t i = 0; i < 6; i++)
                quick[i] = (PolicyEvent) { NOW - 6000 + i * 1000, 1 };
        assert_int_equal(policy_restart_delay_ms(&c, quick, 5, 1, NOW - 1000, NULL), 1000);
        assert_int_equal(policy_restart_delay_ms(&c, quick, 6, 1, NOW, NULL), 2000);
        resource_common_done(&c);
        resource_with(&c, "RestartDelay=1h");
        assert_int_equal(policy_restart_delay_ms(&c, quick, 6, 1, NOW, NULL), 3600 * 1000);
        resource_common_done(&c);
}

/* ------------------------------------------------------------------------
 * Group failures
 * ------------------------------------------------------------------------ */

static void test_failover_threshold(void **state) {
        static const struct {
                const char *settings;
                size_t nodes;
                unsigned want;
        } rows[] = {
                { NULL, 0, 0 },
                { NULL, 1, 0 },
                { NULL, 2, 1 },
                { NULL, 3, 2 },
                { NULL, 16, 15 },
                { "FailoverThreshold=0", 5, 0 },
                { "FailoverThreshold=4", 1, 4 },
                { "FailoverThreshold=10", 3, 10 },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                GroupCommon c;
                group_with(&c, rows[i].settings);
                unsigned got = policy_failover_threshold(&c, rows[i].nodes);
                if (got != rows[i].want)
                        fail_msg("row %zu: got %u, want %u", i, got, rows[i].want);
                group_common_done(&c);
        }
        assert_int_equal(policy_failover_threshold(NULL, 4), 3);
}

/* When the failovers within FailoverPeriod fall below the threshold. */
static void test_failover_until(void **state) {
        static const struct {
                const char *settings;
                size_t nodes;
                uint64_t ago_min[4]; /* 0 ends */
                uint64_t want_in_min; /* from NOW; 0: not reached */
        } rows[] = {
                { "FailoverPeriod=1h", 3, { 0 }, 0 },
                { "FailoverPeriod=1h", 3, { 10, 0 }, 0 },             /* 1 of 2 */
                { "FailoverPeriod=1h", 3, { 10, 20, 0 }, 40 },        /* the older leaves at 60 */
                { "FailoverPeriod=1h", 3, { 20, 10, 0 }, 40 },        /* in any order */
                { "FailoverPeriod=1h", 3, { 5, 10, 30, 0 }, 50 },     /* 3 of 2: the second newest leaves */
                { "FailoverPeriod=1h", 3, { 10, 90, 20, 0 }, 40 },    /* one outside the window */
                { "FailoverPeriod=1h FailoverThreshold=1", 3, { 15, 0 }, 45 },
                { "FailoverPeriod=1h FailoverThreshold=0", 3, { 15, 0 }, 0 },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                GroupCommon c;
                group_with(&c, rows[i].settings);
                PolicyEvent ev[4];
                size_t n = 0;
                for (; n < 4 && rows[i].ago_min[n]; n++)
                        ev[n] = (PolicyEvent) { NOW - rows[i].ago_min[n] * 60000, 1 };
                uint64_t got = policy_failover_until_ms(&c, rows[i].nodes, ev, n, NOW);
                uint64_t want = rows[i].want_in_min ? NOW + rows[i].want_in_min * 60000 : 0;
                if (got != want)
                        fail_msg("row %zu: got %" PRIu64 ", want %" PRIu64, i, got, want);
                group_common_done(&c);
        }
        assert_int_equal(policy_failover_until_ms(NULL, 3, NULL, 0, NOW), 0);
}

static void test_group_failure(void **state) {
        static const struct {
                const char *title;
                const char *settings;
                size_t nodes;
                Hist hist[MAXEV];
                uint64_t retry;
                GroupVerdict want;
                unsigned threshold, count;
                const char *reason;
        } rows[] = {
                { "3 nodes, first failure", NULL, 3, {}, HOUR_MS, GROUP_FAILOVER, 2, 0,
                  "failover 1 of 2 within FailoverPeriod 6h" },
                { "3 nodes, one before", NULL, 3, { { HOUR_MS, 1 } }, HOUR_MS, GROUP_FAILOVER, 2, 1,
                  "failover 2 of 2" },
                { "3 nodes, two before", NULL, 3, { { HOUR_MS, 1 }, { 2 * HOUR_MS, 2 } }, HOUR_MS, GROUP_STAY_FAILED,
                  2, 2,
                  "2 failovers within FailoverPeriod 6h reached FailoverThreshold 2: the group stays Failed; trying "
                  "again in 1h (RetryPeriodOnFailure)" },
                { "3 nodes, one exactly 6h ago", NULL, 3, { { HOUR_MS, 1 }, { 6 * HOUR_MS, 2 } }, HOUR_MS,
                  GROUP_FAILOVER, 2, 1, "" },
                { "3 nodes, one a ms inside 6h", NULL, 3, { { HOUR_MS, 1 }, { 6 * HOUR_MS - 1, 2 } }, HOUR_MS,
                  GROUP_STAY_FAILED, 2, 2, "" },
                { "failovers count on every node", NULL, 3, { { 1, 3 }, { 2, 3 } }, HOUR_MS, GROUP_STAY_FAILED, 2, 2,
                  "" },
                { "from the future", NULL, 3, { { -1000, 1 }, { 0, 2 } }, HOUR_MS, GROUP_STAY_FAILED, 2, 2, "" },
                { "1 node", NULL, 1, {}, HOUR_MS, GROUP_STAY_FAILED, 0, 0,
                  "the cluster has one node, so there is nowhere to fail over to; trying again in 1h" },
                { "2 nodes, first", NULL, 2, {}, HOUR_MS, GROUP_FAILOVER, 1, 0, "failover 1 of 1" },
                { "2 nodes, second", NULL, 2, { { 5 * HOUR_MS, 1 } }, HOUR_MS, GROUP_STAY_FAILED, 1, 1,
                  "1 failover within FailoverPeriod 6h reached FailoverThreshold 1" },
                { "threshold 0", "FailoverThreshold=0", 4, {}, HOUR_MS, GROUP_STAY_FAILED, 0, 0,
                  "FailoverThreshold is 0: the group stays Failed; trying again in 1h" },
                { "threshold 5 on 2 nodes", "FailoverThreshold=5", 2, { { 1, 1 }, { 2, 2 }, { 3, 1 }, { 4, 2 } },
                  HOUR_MS, GROUP_FAILOVER, 5, 4, "failover 5 of 5" },
                { "period 1h, expired", "FailoverThreshold=1 FailoverPeriod=1h", 3, { { HOUR_MS, 1 } }, HOUR_MS,
                  GROUP_FAILOVER, 1, 0, "within FailoverPeriod 1h" },
                { "period 1h, inside", "FailoverThreshold=1 FailoverPeriod=1h", 3, { { HOUR_MS - 1, 1 } }, HOUR_MS,
                  GROUP_STAY_FAILED, 1, 1, "" },
                { "no retry", NULL, 1, {}, 0, GROUP_STAY_FAILED, 0, 0, "no retry (RetryPeriodOnFailure is 0)" },
                { "retry 90s", NULL, 1, {}, 90 * SEC_MS, GROUP_STAY_FAILED, 0, 0, "trying again in 1min 30s" },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                GroupCommon c;
                group_with(&c, rows[i].settings);
                PolicyEvent ev[MAXEV];
                size_t n = history(rows[i].hist, ev);
                GroupDecision d;
                memset(&d, 0xaa, sizeof d);
                assert_int_equal(policy_group_failure(&c, rows[i].nodes, ev, n, rows[i].retry, NOW, &d), 0);
                if (d.action != rows[i].want || d.threshold != rows[i].threshold ||
                    d.failovers_in_window != rows[i].count)
                        fail_msg("%s: got %s threshold %u count %u (%s)", rows[i].title,
                                 d.action == GROUP_FAILOVER ? "FAILOVER" : "STAY_FAILED", d.threshold,
                                 d.failovers_in_window, d.reason);
                uint64_t retry_at = rows[i].retry ? NOW + rows[i].retry : 0;
                assert_int_equal(d.retry_at_ms, retry_at);
                if (!strstr(d.reason, rows[i].reason))
                        fail_msg("%s\n  got:  %s\n  want: %s", rows[i].title, d.reason, rows[i].reason);
                group_common_done(&c);
        }

        GroupCommon c;
        group_with(&c, NULL);
        GroupDecision d;
        assert_int_equal(policy_group_failure(NULL, 3, NULL, 0, 0, NOW, &d), -EINVAL);
        assert_int_equal(policy_group_failure(&c, 3, NULL, 0, 0, NOW, NULL), -EINVAL);
        /* retry_at never wraps. */
        assert_int_equal(policy_group_failure(&c, 1, NULL, 0, UINT64_MAX, NOW, &d), 0);
        assert_int_equal(d.retry_at_ms, UINT64_MAX);
        group_common_done(&c);
}

static void test_retry_period(void **state) {
        ResourceCommon a, b, z;
        resource_with(&a, NULL);
        resource_with(&b, "RetryPeriodOnFailure=10min");
        resource_with(&z, "RetryPeriodOnFailure=0");
        const ResourceCommon *l1[] = { &a };
        const ResourceCommon *l2[] = { &a, &b, &z };
        const ResourceCommon *l3[] = { &z, &z };
        const ResourceCommon *l4[] = { &z, NULL, &a };
        assert_int_equal(policy_retry_period_ms(l1, 1), HOUR_MS);
        assert_int_equal(policy_retry_period_ms(l2, 3), 10 * MIN_MS);
        assert_int_equal(policy_retry_period_ms(l3, 2), 0);
        assert_int_equal(policy_retry_period_ms(l4, 3), HOUR_MS);
        assert_int_equal(policy_retry_period_ms(NULL, 0), 0);
        resource_common_done(&a);
        resource_common_done(&b);
        resource_common_done(&z);
}

/* ------------------------------------------------------------------------
 * Failback
 * ------------------------------------------------------------------------ */

static void test_failback_window(void **state) {
        static const struct {
                int64_t start, end;
                const char *open; /* hours 0..23: 1 open, . closed */
        } rows[] = {
                { -1, -1, "111111111111111111111111" },
                { -1, 5, "111111111111111111111111" },
                { 7, -1, "111111111111111111111111" },
                /*        0         1         2   */
                /*        012345678901234567890123 */
                { 22, 6, "1111111..............." "11" },
                { 1, 3, ".111...................." },
                { 5, 5, ".....1.................." },
                { 0, 23, "111111111111111111111111" },
                { 23, 0, "1......................1" },
                { 0, 0, "1......................." },
                { 23, 23, ".......................1" },
                { 9, 17, ".........111111111......" },
                { 18, 16, "11111111111111111.111111" },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                assert_int_equal(strlen(rows[i].open), 24);
                for (int h = 0; h < 24; h++) {
                        bool want = rows[i].open[h] == '1';
                        if (policy_failback_window_open(rows[i].start, rows[i].end, h) != want)
                                fail_msg("window %" PRId64 "-%" PRId64 " at %d: want %s", rows[i].start, rows[i].end,
                                         h, want ? "open" : "closed");
                }
                assert_false(policy_failback_window_open(rows[i].start, rows[i].end, 24));
                assert_false(policy_failback_window_open(rows[i].start, rows[i].end, -1));
        }
}

static void test_failback_allowed(void **state) {
        static const struct {
                const char *settings;
                int hour;
                bool want;
                const char *reason;
        } rows[] = {
                { NULL, 12, false, "AutoFailbackType is prevent" },
                { "FailbackWindowStart=22 FailbackWindowEnd=6", 23, false, "AutoFailbackType is prevent" },
                { "AutoFailbackType=allow", 12, true, "failback is allowed at any time" },
                { "AutoFailbackType=allow", 0, true, "" },
                { "AutoFailbackType=allow FailbackWindowStart=22 FailbackWindowEnd=6", 3, true,
                  "03:xx is inside the failback window 22:00 to 06:59" },
                { "AutoFailbackType=allow FailbackWindowStart=22 FailbackWindowEnd=6", 6, true, "inside" },
                { "AutoFailbackType=allow FailbackWindowStart=22 FailbackWindowEnd=6", 7, false,
                  "07:xx is outside the failback window 22:00 to 06:59" },
                { "AutoFailbackType=allow FailbackWindowStart=22 FailbackWindowEnd=6", 12, false, "outside" },
                { "AutoFailbackType=allow FailbackWindowStart=22 FailbackWindowEnd=6", 22, true, "inside" },
                { "AutoFailbackType=allow FailbackWindowStart=22 FailbackWindowEnd=6", 21, false, "outside" },
                { "AutoFailbackType=allow FailbackWindowStart=2 FailbackWindowEnd=2", 2, true, "02:00 to 02:59" },
                { "AutoFailbackType=allow", 24, false, "hour 24 is not an hour of the day (0-23)" },
                { "AutoFailbackType=allow", -1, false, "hour -1 is not" },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                GroupCommon c;
                group_with(&c, rows[i].settings);
                char reason[128] = "";
                bool got = policy_failback_allowed(&c, rows[i].hour, reason, sizeof reason);
                if (got != rows[i].want)
                        fail_msg("row %zu (%s at %d): got %d (%s)", i, rows[i].settings, rows[i].hour, got, reason);
                if (!strstr(reason, rows[i].reason))
                        fail_msg("row %zu\n  got:  %s\n  want: %s", i, reason, rows[i].reason);
                /* The reason is optional. */
                assert_int_equal(policy_failback_allowed(&c, rows[i].hour, NULL, 0), got);
                group_common_done(&c);
        }
        assert_false(policy_failback_allowed(NULL, 3, NULL, 0));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_resource_defaults),
                cmocka_unit_test(test_group_defaults),
                cmocka_unit_test(test_values),
                cmocka_unit_test(test_group_validate),
                cmocka_unit_test(test_allows),
                cmocka_unit_test(test_count_recent),
                cmocka_unit_test(test_resource_failure),
                cmocka_unit_test(test_resource_failure_timeline),
                cmocka_unit_test(test_restart_backoff),
                cmocka_unit_test(test_failover_threshold),
                cmocka_unit_test(test_failover_until),
                cmocka_unit_test(test_group_failure),
                cmocka_unit_test(test_retry_period),
                cmocka_unit_test(test_failback_window),
                cmocka_unit_test(test_failback_allowed),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
