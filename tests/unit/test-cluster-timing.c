/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The timings of failover between nodes and the rule between them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "cluster-timing.h"

#define MS 1000ull
#define S (1000ull * MS)

static void test_defaults_follow_corosync(void **state) {
        ClusterTiming t;
        char err[512], warn[512];
        /* token 3650 ms and consensus 4380 ms, as corosync runs token 3000 on three nodes. */
        assert_int_equal(cluster_timing(3650 * MS, 4380 * MS, 0, false, 0, 0, &t, err, sizeof err, warn, sizeof warn), 0);
        assert_int_equal(t.lease_usec, 8030 * MS);
        assert_int_equal(t.heartbeat_usec, 8030 * MS / 4);
        assert_int_equal(t.stop_budget_usec, 1 * S);
        assert_int_equal(t.margin_usec, 803 * MS);
        /* The least that holds, rounded up to a tenth of a second. */
        uint64_t least = t.heartbeat_usec + t.lease_usec + t.stop_budget_usec + t.margin_usec;
        assert_true(t.takeover_delay_usec >= least && t.takeover_delay_usec < least + 100 * MS);
        assert_string_equal(warn, "");
        /* No ring timings known: a lease of at least a second. */
        assert_int_equal(cluster_timing(0, 0, 0, false, 0, 0, &t, err, sizeof err, NULL, 0), 0);
        assert_int_equal(t.lease_usec, 1 * S);
        assert_int_equal(t.heartbeat_usec, 250 * MS);
        assert_int_equal(t.margin_usec, 200 * MS);
}

static void test_given_values(void **state) {
        ClusterTiming t;
        char err[512], warn[512];
        assert_int_equal(cluster_timing(1000 * MS, 1200 * MS, 4 * S, true, 2 * S, 20 * S, &t, err, sizeof err, warn,
                                        sizeof warn), 0);
        assert_int_equal(t.lease_usec, 4 * S);
        assert_int_equal(t.stop_budget_usec, 2 * S);
        assert_int_equal(t.takeover_delay_usec, 20 * S);
        assert_string_equal(warn, "");
        /* A lease shorter than a ring may stay silent: allowed, with a warning. */
        assert_int_equal(cluster_timing(3000 * MS, 3600 * MS, 2 * S, true, 0, 0, &t, err, sizeof err, warn, sizeof warn),
                         0);
        assert_non_null(strstr(warn, "lease-timeout = 2000ms is shorter than corosync's token and consensus together (6600ms)"));
}

static void test_refusals(void **state) {
        ClusterTiming t = { .lease_usec = 12345 };
        char err[512];
        assert_int_equal(cluster_timing(1000 * MS, 1200 * MS, 0, true, 0, 0, &t, err, sizeof err, NULL, 0), -EINVAL);
        assert_non_null(strstr(err, "lease-timeout = 0 turns the lease off"));
        /* heartbeat 500 + lease 2000 + stop 1000 + margin 200 = 3700 ms. */
        assert_int_equal(cluster_timing(1000 * MS, 1200 * MS, 2 * S, true, 1 * S, 3 * S, &t, err, sizeof err, NULL, 0),
                         -EINVAL);
        assert_string_equal(err, "takeover-delay = 3000ms is shorter than one heartbeat (500ms), the lease (2000ms), the "
                                 "stop budget (1000ms) and a margin (200ms) together, 3700ms: a lost node's applications "
                                 "could still run when another node starts them; set takeover-delay to 3700ms or more, "
                                 "or shorten lease-timeout or stop-budget");
        assert_int_equal(t.lease_usec, 12345); /* untouched */
        assert_int_equal(cluster_timing(1000 * MS, 1200 * MS, 2 * S, true, 1 * S, 3700 * MS, &t, err, sizeof err, NULL, 0),
                         0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults_follow_corosync),
                cmocka_unit_test(test_given_values),
                cmocka_unit_test(test_refusals),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
