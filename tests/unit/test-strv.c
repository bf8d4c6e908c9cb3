/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* String vectors: length, copy, push, equal, join, free. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strv.h"

static void test_length(void **state) {
        char *const empty[] = { NULL };
        char *const three[] = { "a", "b", "", NULL };
        assert_int_equal(strv_length(NULL), 0);
        assert_int_equal(strv_length(empty), 0);
        assert_int_equal(strv_length(three), 3);
}

static void test_free_null(void **state) {
        assert_null(strv_free(NULL));
}

static void test_copy(void **state) {
        char *const src[] = { "one", "", "three words", NULL };
        char **c = strv_copy(src);
        assert_non_null(c);
        assert_int_equal(strv_length(c), 3);
        for (size_t i = 0; i < 3; i++) {
                assert_string_equal(c[i], src[i]);
                assert_ptr_not_equal(c[i], src[i]);
        }
        assert_null(c[3]);
        assert_true(strv_equal(c, src));
        strv_free(c);

        /* NULL in, empty vector out. */
        c = strv_copy(NULL);
        assert_non_null(c);
        assert_null(c[0]);
        strv_free(c);
}

static void test_push(void **state) {
        char **l = NULL;
        assert_int_equal(strv_push(&l, strdup("a")), 0);
        assert_int_equal(strv_push(&l, strdup("b")), 0);
        assert_int_equal(strv_push(&l, strdup("")), 0);
        assert_int_equal(strv_length(l), 3);
        assert_string_equal(l[0], "a");
        assert_string_equal(l[1], "b");
        assert_string_equal(l[2], "");
        assert_null(l[3]);
        strv_free(l);
}

static void test_equal(void **state) {
        char *const a[] = { "x", "y", NULL };
        char *const b[] = { "x", "y", NULL };
        char *const c[] = { "x", "z", NULL };
        char *const d[] = { "x", NULL };
        char *const empty[] = { NULL };
        assert_true(strv_equal(a, b));
        assert_false(strv_equal(a, c));
        assert_false(strv_equal(a, d));
        assert_false(strv_equal(d, a));
        assert_true(strv_equal(NULL, empty));
        assert_true(strv_equal(NULL, NULL));
        assert_false(strv_equal(NULL, d));
}

static void test_join(void **state) {
        char *const a[] = { "x", "y", "", "z", NULL };
        char *const one[] = { "only", NULL };
        char *s = strv_join(a, ", ");
        assert_string_equal(s, "x, y, , z");
        free(s);
        s = strv_join(one, ":");
        assert_string_equal(s, "only");
        free(s);
        s = strv_join(NULL, ":");
        assert_string_equal(s, "");
        free(s);
        s = strv_join(a, "");
        assert_string_equal(s, "xyz");
        free(s);
}

static void test_cleanup(void **state) {
        /* Freed at scope end; ASan reports a leak if it is not. */
        _cleanup_strv_free_ char **l = NULL;
        assert_int_equal(strv_push(&l, strdup("kept until scope end")), 0);
        assert_int_equal(strv_length(l), 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_length), cmocka_unit_test(test_free_null), cmocka_unit_test(test_copy),
                cmocka_unit_test(test_push),   cmocka_unit_test(test_equal),     cmocka_unit_test(test_join),
                cmocka_unit_test(test_cleanup),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
