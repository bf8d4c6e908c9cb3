/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The job's property values: capability names, the check hooks and their
 * messages, the validation of a whole set, copies, and the mappings of
 * PriorityClass and SchedulingClass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "genjob-caps.h"
#include "genjob.h"
#include "strv.h"

#define assert_says(err, fragment)                                                \
        do {                                                                      \
                if (!strstr((err), (fragment)))                                   \
                        fail_msg("\"%s\" does not say \"%s\"", (err), (fragment)); \
        } while (0)

static void test_capability_names(void **state) {
        char err[256] = "";
        uint64_t mask = 0;
        char *list[] = { "CAP_NET_RAW", "sys_admin", "cap_chown", NULL };
        char *bad[] = { "CAP_NET_RAW", "CAP_FLY", NULL };

        assert_int_equal(job_cap_from_name("CAP_SYS_ADMIN"), 21);
        assert_int_equal(job_cap_from_name("sys_boot"), 22);
        assert_int_equal(job_cap_from_name("Cap_Sys_Time"), 25);
        assert_int_equal(job_cap_from_name("CAP_CHECKPOINT_RESTORE"), 40);
        assert_int_equal(job_cap_from_name("CAP_"), -EINVAL);
        assert_int_equal(job_cap_from_name("21"), -EINVAL);
        assert_string_equal(job_cap_name(13), "CAP_NET_RAW");
        assert_null(job_cap_name(41));
        assert_int_equal(job_caps_parse(list, &mask, err, sizeof err), 0);
        assert_int_equal(mask, (1ull << 13) | (1ull << 21) | 1ull);
        assert_int_equal(job_caps_parse(bad, &mask, err, sizeof err), -EINVAL);
        assert_says(err, "\"CAP_FLY\" is not a capability");
        char *ctl[] = { "CAP_\x01\n", NULL };
        assert_int_equal(job_caps_parse(ctl, &mask, err, sizeof err), -EINVAL);
        assert_says(err, "\"CAP_\\x01\\n\" is not a capability");
        assert_int_equal(job_caps_parse(NULL, &mask, err, sizeof err), 0);
        assert_int_equal(mask, 0);
}

static void test_checks(void **state) {
        char err[256];
        const char *aff;
        char **groups;
        wp_usec_t t;
        uint64_t size;

        aff = "0-3,6";
        assert_int_equal(job_check_affinity(&aff, err, sizeof err), 0);
        aff = NULL;
        assert_int_equal(job_check_affinity(&aff, err, sizeof err), 0);
        aff = "3-1";
        assert_int_equal(job_check_affinity(&aff, err, sizeof err), -EINVAL);
        assert_says(err, "not a CPU list");
        aff = " ";
        assert_int_equal(job_check_affinity(&aff, err, sizeof err), -EINVAL);
        assert_says(err, "empty");

        groups = (char *[]) { "wheel", "100", "www-data", NULL };
        assert_int_equal(job_check_groups(&groups, err, sizeof err), 0);
        groups = (char *[]) { "none", NULL };
        assert_int_equal(job_check_groups(&groups, err, sizeof err), 0);
        groups = (char *[]) { "wheel", "none", NULL };
        assert_int_equal(job_check_groups(&groups, err, sizeof err), -EINVAL);
        assert_says(err, "stands alone");
        groups = (char *[]) { "a:b", NULL };
        assert_int_equal(job_check_groups(&groups, err, sizeof err), -EINVAL);
        assert_says(err, "neither a group name nor a numeric gid");

        t = 0;
        assert_int_equal(job_check_process_time(&t, err, sizeof err), 0);
        t = 999 * WP_USEC_PER_MSEC;
        assert_int_equal(job_check_process_time(&t, err, sizeof err), -ERANGE);
        assert_says(err, "1s or more");
        t = WP_USEC_PER_SEC;
        assert_int_equal(job_check_process_time(&t, err, sizeof err), 0);
        t = 9 * WP_USEC_PER_MSEC;
        assert_int_equal(job_check_job_time(&t, err, sizeof err), -ERANGE);
        assert_says(err, "10ms or more");

        size = 0;
        assert_int_equal(job_check_memory_size(&size, err, sizeof err), 0);
        size = 4096;
        assert_int_equal(job_check_memory_size(&size, err, sizeof err), -ERANGE);
        assert_says(err, "1M or more");
        size = 1 << 20;
        assert_int_equal(job_check_memory_size(&size, err, sizeof err), 0);
}

static void test_validate(void **state) {
        JobLimits l = { .scheduling_class = 5 };
        GenappParams app = {};
        char err[512];

        assert_int_equal(job_limits_validate(&l, &app, err, sizeof err), 0);
        l.minimum_working_set_size = 64 << 20;
        l.maximum_working_set_size = 32 << 20;
        assert_int_equal(job_limits_validate(&l, &app, err, sizeof err), -EINVAL);
        assert_says(err, "MinimumWorkingSetSize");
        assert_says(err, "above MaximumWorkingSetSize");
        l.maximum_working_set_size = 0;
        l.job_memory_limit = 16 << 20;
        assert_int_equal(job_limits_validate(&l, &app, err, sizeof err), -EINVAL);
        assert_says(err, "above JobMemoryLimit");
        l = (JobLimits) { .no_admin = true };
        assert_int_equal(job_limits_validate(&l, &app, err, sizeof err), -EINVAL);
        assert_says(err, "NoAdmin: the job would run as root");
        app.user = "root";
        assert_int_equal(job_limits_validate(&l, &app, err, sizeof err), -EINVAL);
        app.user = "0";
        assert_int_equal(job_limits_validate(&l, &app, err, sizeof err), -EINVAL);
        app.user = "nobody";
        assert_int_equal(job_limits_validate(&l, &app, err, sizeof err), 0);
}

static void test_copy(void **state) {
        char *caps[] = { "CAP_NET_RAW", NULL }, *groups[] = { "100", NULL };
        JobLimits src = { .affinity = "0-1", .capabilities_to_drop = caps, .supplementary_groups = groups,
                          .job_memory_limit = 5 }, dst;

        assert_int_equal(job_limits_copy(&dst, &src), 0);
        assert_ptr_not_equal(dst.affinity, src.affinity);
        assert_string_equal(dst.affinity, "0-1");
        assert_true(strv_equal(dst.capabilities_to_drop, caps));
        assert_true(strv_equal(dst.supplementary_groups, groups));
        assert_int_equal(dst.job_memory_limit, 5);
        job_limits_done(&dst);
        assert_null(dst.affinity);
}

static void test_mappings(void **state) {
        assert_int_equal(job_priority_nice(JOB_PRIO_IDLE), 19);
        assert_int_equal(job_priority_nice(JOB_PRIO_BELOW_NORMAL), 10);
        assert_int_equal(job_priority_nice(JOB_PRIO_NORMAL), 0);
        assert_int_equal(job_priority_nice(JOB_PRIO_ABOVE_NORMAL), -5);
        assert_int_equal(job_priority_nice(JOB_PRIO_HIGH), -10);
        assert_string_equal(job_priority_name(JOB_PRIO_HIGH), "High");
        assert_int_equal(job_scheduling_weight(5), 100);
        assert_int_equal(job_scheduling_weight(0), 10);
        assert_int_equal(job_scheduling_weight(9), 700);
        for (int c = 1; c <= 9; c++)
                assert_true(job_scheduling_weight(c) > job_scheduling_weight(c - 1));
        assert_string_equal(job_eoj_action_names[job_eoj_action_values[1]], "Post");
        assert_string_equal(job_memory_action_names[job_memory_action_values[0]], "KillJob");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_capability_names),
                cmocka_unit_test(test_checks),
                cmocka_unit_test(test_validate),
                cmocka_unit_test(test_copy),
                cmocka_unit_test(test_mappings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
