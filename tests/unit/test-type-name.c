/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Resource type names: plain types, classes and their subtypes, and the
 * names refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "type-name.h"

static void test_plain(void **state) {
        size_t n = 0;
        const char *sub = "x";
        char err[512];
        assert_int_equal(type_name_split("genapp", &n, &sub, err, sizeof(err)), 0);
        assert_int_equal(n, 6);
        assert_null(sub);
}

static void test_class(void **state) {
        size_t n = 0;
        const char *sub = NULL;
        char err[512];
        const char *name = "ocf:heartbeat:Dummy";
        assert_int_equal(type_name_split(name, &n, &sub, err, sizeof(err)), 0);
        assert_int_equal(n, 3);
        assert_ptr_equal(sub, name + 4);
        assert_string_equal(sub, "heartbeat:Dummy");
        assert_int_equal(type_name_split("ocf:pacemaker:Stateful.v2_x-1", &n, &sub, err, sizeof(err)), 0);
        assert_string_equal(sub, "pacemaker:Stateful.v2_x-1");
}

static void test_refused(void **state) {
        static const char *const bad[] = {
                "", "Genapp", "gen app", ":heartbeat:Dummy", "ocf:", "ocf::Dummy", "ocf:heartbeat:",
                "ocf:../x:Dummy", "ocf:heartbeat:..", "ocf:.:Dummy", "ocf:heart/beat:Dummy", "ocf:a b",
                "ocf:heartbeat:Dum\nmy", "Ocf:heartbeat:Dummy",
                "a123456789012345678901234567890123456789012345678901234567890123",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                size_t n = 99;
                const char *sub = "untouched";
                char err[512] = "";
                assert_int_equal(type_name_split(bad[i], &n, &sub, err, sizeof(err)), -EINVAL);
                assert_non_null(strstr(err, "is invalid"));
                assert_int_equal(n, 99);
                assert_string_equal(sub, "untouched");
        }
        char longname[300];
        memset(longname, 'a', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = 0;
        memcpy(longname, "ocf:", 4);
        size_t n;
        const char *sub;
        char err[512];
        assert_int_equal(type_name_split(longname, &n, &sub, err, sizeof(err)), -EINVAL);
        longname[TYPE_NAME_MAX] = 0;
        assert_int_equal(type_name_split(longname, &n, &sub, err, sizeof(err)), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_plain),
                cmocka_unit_test(test_class),
                cmocka_unit_test(test_refused),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
