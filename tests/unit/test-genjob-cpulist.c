/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CPU lists: parsing, its messages, formatting, intersection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "genjob-cpulist.h"

static void roundtrip(const char *in, const char *out) {
        JobCpuSet s;
        char err[256], buf[256];

        assert_int_equal(job_cpulist_parse(in, &s, err, sizeof err), 0);
        assert_int_equal(job_cpulist_format(&s, buf, sizeof buf), 0);
        assert_string_equal(buf, out);
}

static void test_parse_format(void **state) {
        roundtrip("0-3,6", "0-3,6");
        roundtrip("0", "0");
        roundtrip("", "");
        roundtrip("1,0", "0-1");
        roundtrip(" 0 - 2 , 4\n", "0-2,4");
        roundtrip("5,3-4,7-7", "3-5,7");
        roundtrip("8191", "8191");
}

static void refused(const char *in, int err_no, const char *fragment) {
        JobCpuSet s;
        char err[256] = "";

        assert_int_equal(job_cpulist_parse(in, &s, err, sizeof err), -err_no);
        if (!strstr(err, fragment))
                fail_msg("%s: \"%s\" does not say \"%s\"", in, err, fragment);
}

static void test_refused(void **state) {
        refused("3-1", EINVAL, "backwards");
        refused("0,,2", EINVAL, "expected a CPU number");
        refused("0,", EINVAL, "must follow");
        refused("a", EINVAL, "expected a CPU number");
        refused("1-", EINVAL, "expected a CPU number");
        refused("0 1", EINVAL, "unexpected");
        refused("8192", ERANGE, "out of range");
        refused("99999999999999999999", ERANGE, "out of range");
}

/* What is refused is quoted with escapes, never cut inside a character:
 * the message goes back to the API in JSON, which must be UTF-8. */
static void test_refused_quoted(void **state) {
        JobCpuSet set;
        char err[256];

        assert_int_equal(job_cpulist_parse("0-3xéééééééé", &set, err, sizeof err), -EINVAL);
        assert_string_equal(err, "unexpected \"xéééééééé\": write CPUs and ranges separated by ',' (0-3,6)");
        assert_int_equal(job_cpulist_parse("0,\x01ééééééééé", &set, err, sizeof err), -EINVAL);
        assert_string_equal(err, "expected a CPU number at \"\\x01ééééééééé\"");
        /* However many digits, the message keeps what is allowed. */
        char digits[1024];
        memset(digits, '7', sizeof digits - 1);
        digits[sizeof digits - 1] = '\0';
        assert_int_equal(job_cpulist_parse(digits, &set, err, sizeof err), -ERANGE);
        assert_non_null(strstr(err, "7\"... is out of range (0-8191)"));
}

static void test_sets(void **state) {
        JobCpuSet a, b;
        char err[64], buf[64];

        assert_int_equal(job_cpulist_parse("0-7", &a, err, sizeof err), 0);
        assert_int_equal(job_cpulist_parse("0-1", &b, err, sizeof err), 0);
        assert_int_equal(job_cpuset_count(&a), 8);
        job_cpuset_and(&a, &b);
        assert_true(job_cpuset_equal(&a, &b));
        assert_int_equal(job_cpulist_parse("5", &a, err, sizeof err), 0);
        job_cpuset_and(&a, &b);
        assert_true(job_cpuset_empty(&a));
        assert_int_equal(job_cpulist_format(&a, buf, sizeof buf), 0);
        assert_string_equal(buf, "");
}

static void test_format_too_small(void **state) {
        JobCpuSet s;
        char err[64], buf[8];

        assert_int_equal(job_cpulist_parse("0,2,4,6,8,10", &s, err, sizeof err), 0);
        assert_int_equal(job_cpulist_format(&s, buf, sizeof buf), -ENOBUFS);
        assert_true(strlen(buf) < sizeof buf);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_format),
                cmocka_unit_test(test_refused),
                cmocka_unit_test(test_refused_quoted),
                cmocka_unit_test(test_sets),
                cmocka_unit_test(test_format_too_small),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
