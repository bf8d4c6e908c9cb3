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
        /* token 3650 ms and consensus 4380 ms, as corosync runs token 3000
         * on three nodes: the ring may stay silent 3650 + 4380 + 365 (its
         * forming) = 8395 ms after a failure, and the last heartbeat before
         * it may be one heartbeat old: lease - lease / 8 >= 8395 ms. */
        assert_int_equal(cluster_timing(3650 * MS, 4380 * MS, 0, 0, false, 0, 0, &t, err, sizeof err, warn, sizeof warn),
                         0);
        assert_int_equal(t.lease_usec, 9595 * MS);
        assert_int_equal(t.heartbeat_usec, 9595 * MS / 8);
        assert_true(t.lease_usec - t.heartbeat_usec >= 8395 * MS);
        assert_int_equal(t.stop_budget_usec, 1 * S);
        assert_int_equal(t.margin_usec, 9595 * MS / 10);
        /* The least that holds, rounded up to a tenth of a second. */
        uint64_t least = t.heartbeat_usec + t.lease_usec + t.stop_budget_usec + t.margin_usec;
        assert_true(t.takeover_delay_usec >= least && t.takeover_delay_usec < least + 100 * MS);
        assert_string_equal(warn, "");
        /* A quorum device votes within its timeout after the ring formed:
         * the lease outlasts that too. */
        assert_int_equal(cluster_timing(3000 * MS, 3600 * MS, 10 * S, 0, false, 0, 0, &t, err, sizeof err, warn,
                                        sizeof warn),
                         0);
        assert_true(t.lease_usec - t.heartbeat_usec >= (3000 + 3600 + 300 + 10000) * MS);
        assert_true(t.lease_usec - t.heartbeat_usec < (3000 + 3600 + 300 + 10000 + 10) * MS);
        /* No ring timings known: a lease of at least a second. */
        assert_int_equal(cluster_timing(0, 0, 0, 0, false, 0, 0, &t, err, sizeof err, NULL, 0), 0);
        assert_int_equal(t.lease_usec, 1 * S);
        assert_int_equal(t.heartbeat_usec, 125 * MS);
        assert_int_equal(t.margin_usec, 200 * MS);
}

static void test_given_values(void **state) {
        ClusterTiming t;
        char err[512], warn[512];
        assert_int_equal(cluster_timing(1000 * MS, 1200 * MS, 0, 4 * S, true, 2 * S, 20 * S, &t, err, sizeof err, warn,
                                        sizeof warn), 0);
        assert_int_equal(t.lease_usec, 4 * S);
        assert_int_equal(t.stop_budget_usec, 2 * S);
        assert_int_equal(t.takeover_delay_usec, 20 * S);
        assert_string_equal(warn, "");
        /* A lease shorter than a ring may stay silent: allowed, with a warning. */
        assert_int_equal(cluster_timing(3000 * MS, 3600 * MS, 0, 2 * S, true, 0, 0, &t, err, sizeof err, warn,
                                        sizeof warn),
                         0);
        assert_non_null(strstr(warn, "lease-timeout = 2000ms is shorter than the ring may stay silent while it "
                                     "re-forms (token, consensus, its forming: 6900ms) and a heartbeat"));
        assert_non_null(strstr(warn, "give 7886ms or more"));
        /* That lease, given, holds without a warning. */
        assert_int_equal(cluster_timing(3000 * MS, 3600 * MS, 0, 7886 * MS, true, 0, 0, &t, err, sizeof err, warn,
                                        sizeof warn),
                         0);
        assert_string_equal(warn, "");
}

static void test_refusals(void **state) {
        ClusterTiming t = { .lease_usec = 12345 };
        char err[512];
        assert_int_equal(cluster_timing(1000 * MS, 1200 * MS, 0, 0, true, 0, 0, &t, err, sizeof err, NULL, 0), -EINVAL);
        assert_non_null(strstr(err, "lease-timeout = 0 turns the lease off"));
        /* heartbeat 250 + lease 2000 + stop 1000 + margin 200 = 3450 ms. */
        assert_int_equal(cluster_timing(1000 * MS, 1200 * MS, 0, 2 * S, true, 1 * S, 3 * S, &t, err, sizeof err, NULL,
                                        0),
                         -EINVAL);
        assert_string_equal(err, "takeover-delay = 3000ms is shorter than one heartbeat (250ms), the lease (2000ms), the "
                                 "stop budget (1000ms) and a margin (200ms) together, 3450ms: a lost node's applications "
                                 "could still run when another node starts them; set takeover-delay to 3450ms or more, "
                                 "or shorten lease-timeout or stop-budget");
        assert_int_equal(t.lease_usec, 12345); /* untouched */
        assert_int_equal(cluster_timing(1000 * MS, 1200 * MS, 0, 2 * S, true, 1 * S, 3450 * MS, &t, err, sizeof err,
                                        NULL, 0),
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
