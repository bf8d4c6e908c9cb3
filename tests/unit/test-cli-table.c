/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Aligned tables for people: widths, padding, colour only when asked. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli-table.h"

static char *format(Table *t, bool color) {
        char *s = NULL;
        assert_int_equal(table_format(t, color, &s), 0);
        assert_non_null(s);
        return s;
}

static void test_aligned(void **state) {
        static const char *const headers[] = { "NAME", "STATE", "OWNER" };
        Table *t = table_new(3, headers);
        assert_non_null(t);
        assert_int_equal(table_add(t, "web", TABLE_PLAIN), 0);
        assert_int_equal(table_add(t, "Online", TABLE_GREEN), 0);
        assert_int_equal(table_add(t, "n1", TABLE_PLAIN), 0);
        static const char *const row[] = { "database", "OfflinePending", NULL };
        assert_int_equal(table_add_row(t, row), 0);
        assert_int_equal(table_rows(t), 2);

        char *s = format(t, false);
        assert_string_equal(s,
                            "NAME      STATE           OWNER\n"
                            "web       Online          n1\n"
                            "database  OfflinePending  -\n");
        free(s);
        table_free(t);
}

static void test_no_trailing_blanks(void **state) {
        Table *t = table_new(3, NULL);
        assert_int_equal(table_add(t, "a", TABLE_PLAIN), 0);
        assert_int_equal(table_add(t, "long cell", TABLE_PLAIN), 0);
        assert_int_equal(table_add(t, "", TABLE_PLAIN), 0);
        assert_int_equal(table_add(t, "bbbb", TABLE_PLAIN), 0);
        assert_int_equal(table_add(t, "", TABLE_PLAIN), 0);
        /* The last row is left incomplete. */
        char *s = format(t, false);
        assert_string_equal(s,
                            "a     long cell\n"
                            "bbbb\n");
        free(s);
        table_free(t);
}

static void test_empty(void **state) {
        static const char *const headers[] = { "A", "B" };
        Table *t = table_new(2, headers);
        char *s = format(t, false);
        assert_string_equal(s, "A  B\n");
        free(s);
        table_free(t);

        t = table_new(2, NULL);
        s = format(t, false);
        assert_string_equal(s, "");
        free(s);
        table_free(t);
        assert_null(table_new(0, NULL));
        assert_null(table_free(NULL));
}

static void test_utf8_width(void **state) {
        assert_int_equal(table_text_width("abc"), 3);
        assert_int_equal(table_text_width("é"), 1);
        assert_int_equal(table_text_width("nœud→"), 5);
        Table *t = table_new(2, NULL);
        assert_int_equal(table_add(t, "é", TABLE_PLAIN), 0);
        assert_int_equal(table_add(t, "x", TABLE_PLAIN), 0);
        assert_int_equal(table_add(t, "ab", TABLE_PLAIN), 0);
        assert_int_equal(table_add(t, "y", TABLE_PLAIN), 0);
        char *s = format(t, false);
        assert_string_equal(s, "é   x\nab  y\n");
        free(s);
        table_free(t);
}

static void test_color(void **state) {
        static const char *const headers[] = { "STATE", "X" };
        Table *t = table_new(2, headers);
        assert_int_equal(table_add(t, "Failed", table_state_color("Failed")), 0);
        assert_int_equal(table_add(t, "x", TABLE_PLAIN), 0);
        char *plain = format(t, false);
        assert_null(strchr(plain, '\033'));
        char *colored = format(t, true);
        /* Colour codes do not count in the width: padding stays the same. */
        assert_string_equal(colored, "\033[1mSTATE\033[0m   \033[1mX\033[0m\n\033[1;31mFailed\033[0m  x\n");
        assert_string_equal(plain, "STATE   X\nFailed  x\n");
        free(plain);
        free(colored);
        table_free(t);
}

static void test_state_colors(void **state) {
        assert_int_equal(table_state_color("Online"), TABLE_GREEN);
        assert_int_equal(table_state_color("Up"), TABLE_GREEN);
        assert_int_equal(table_state_color("OnlinePending"), TABLE_YELLOW);
        assert_int_equal(table_state_color("PartialOnline"), TABLE_YELLOW);
        assert_int_equal(table_state_color("Failed"), TABLE_RED);
        assert_int_equal(table_state_color("Down"), TABLE_RED);
        assert_int_equal(table_state_color("Offline"), TABLE_GREY);
        assert_int_equal(table_state_color("Whatever"), TABLE_PLAIN);
        assert_int_equal(table_state_color(NULL), TABLE_PLAIN);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_aligned),    cmocka_unit_test(test_no_trailing_blanks),
                cmocka_unit_test(test_empty),      cmocka_unit_test(test_utf8_width),
                cmocka_unit_test(test_color),      cmocka_unit_test(test_state_colors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
