/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* K=V arguments of wolfpack: split at the first '=', keys are property
 * names, values any text, every refusal names the argument. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli-kv.h"
#include "macro.h"

static void test_is(void **state) {
        assert_true(cli_kv_is("A=1"));
        assert_true(cli_kv_is("=1"));
        assert_false(cli_kv_is("web"));
        assert_false(cli_kv_is(""));
        assert_false(cli_kv_is(NULL));
}

static void test_good(void **state) {
        char err[256];
        json_t *p = json_object();
        assert_int_equal(cli_kv_add(p, "StopTimeout=30s", err, sizeof err), 0);
        assert_int_equal(cli_kv_add(p, "CommandLine=/bin/sh -c 'a=b; echo $a'", err, sizeof err), 0);
        assert_int_equal(cli_kv_add(p, "Empty=", err, sizeof err), 0);
        assert_int_equal(cli_kv_add(p, "X9=é", err, sizeof err), 0);
        assert_string_equal(json_string_value(json_object_get(p, "StopTimeout")), "30s");
        assert_string_equal(json_string_value(json_object_get(p, "CommandLine")), "/bin/sh -c 'a=b; echo $a'");
        assert_string_equal(json_string_value(json_object_get(p, "Empty")), "");
        assert_string_equal(json_string_value(json_object_get(p, "X9")), "é");
        assert_int_equal(json_object_size(p), 4);
        json_decref(p);
}

static void test_bad(void **state) {
        static const struct {
                const char *arg;
                const char *says;
        } cases[] = {
                { "NoEquals", "\"NoEquals\" is not K=V" },
                { "=value", "\"=value\" has no property name" },
                { "Stop-Timeout=1", "\"Stop-Timeout=1\": \"Stop-Timeout\" is not a property name" },
                { "Stop Timeout=1", "\"Stop Timeout=1\"" },
                { "a.b=1", "\"a.b=1\"" },
                { "Ünï=1", "is not a property name" },
                { "Bad=\xff\xfe", "not valid UTF-8" },
                /* What was typed is shown escaped. */
                { "Bad=\xff\xfe", "\"Bad=\\xff\\xfe\": the value is not valid UTF-8" },
                { "A\x1b[2J", "\"A\\x1b[2J\" is not K=V" },
                { "A\nB=1", "\"A\\nB=1\": \"A\\nB\" is not a property name" },
        };
        char err[256];
        json_t *p = json_object();
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                err[0] = '\0';
                assert_int_equal(cli_kv_add(p, cases[i].arg, err, sizeof err), -EINVAL);
                if (!strstr(err, cases[i].says))
                        fail_msg("%s: \"%s\" does not say \"%s\"", cases[i].arg, err, cases[i].says);
        }
        assert_int_equal(json_object_size(p), 0);
        json_decref(p);
}

static void test_twice(void **state) {
        char err[256];
        json_t *p = json_object();
        assert_int_equal(cli_kv_add(p, "StopTimeout=1s", err, sizeof err), 0);
        assert_int_equal(cli_kv_add(p, "stoptimeout=2s", err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "\"stoptimeout=2s\": StopTimeout is given twice"));
        assert_string_equal(json_string_value(json_object_get(p, "StopTimeout")), "1s");
        assert_int_equal(json_object_size(p), 1);
        json_decref(p);
}

static void test_get_nocase(void **state) {
        json_t *o = json_pack("{sssi}", "ProcessId", "12", "Other", 3);
        const char *key = NULL;
        assert_string_equal(json_string_value(cli_json_get_nocase(o, "processid", &key)), "12");
        assert_string_equal(key, "ProcessId");
        assert_null(cli_json_get_nocase(o, "Process", NULL));
        assert_null(cli_json_get_nocase(NULL, "x", NULL));
        json_decref(o);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_is),    cmocka_unit_test(test_good),       cmocka_unit_test(test_bad),
                cmocka_unit_test(test_twice), cmocka_unit_test(test_get_nocase),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
