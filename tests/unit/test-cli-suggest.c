/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* "Did you mean": the edit distance and the closeness rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli-suggest.h"
#include "macro.h"

static void test_distance(void **state) {
        assert_int_equal(cli_edit_distance("", ""), 0);
        assert_int_equal(cli_edit_distance("group", "group"), 0);
        assert_int_equal(cli_edit_distance("Group", "gROUP"), 0);
        assert_int_equal(cli_edit_distance("grop", "group"), 1);      /* deletion */
        assert_int_equal(cli_edit_distance("groupp", "group"), 1);    /* insertion */
        assert_int_equal(cli_edit_distance("grxup", "group"), 1);     /* substitution */
        assert_int_equal(cli_edit_distance("gorup", "group"), 1);     /* transposition */
        assert_int_equal(cli_edit_distance("onlnie", "online"), 1);
        assert_int_equal(cli_edit_distance("kitten", "sitting"), 3);
        assert_int_equal(cli_edit_distance("", "abc"), 3);
        assert_int_equal(cli_edit_distance("abc", ""), 3);
        char big[80];
        memset(big, 'a', sizeof big - 1);
        big[sizeof big - 1] = '\0';
        assert_int_equal(cli_edit_distance(big, "a"), SIZE_MAX);
}

static void test_suggest(void **state) {
        static const char *const nouns[] = { "status", "cluster", "node", "group", "resource", "type", "events",
                                             "log", NULL };
        assert_string_equal(cli_suggest("grup", nouns), "group");
        assert_string_equal(cli_suggest("resorce", nouns), "resource");
        assert_string_equal(cli_suggest("evnets", nouns), "events");
        assert_string_equal(cli_suggest("nod", nouns), "node");
        assert_string_equal(cli_suggest("lg", nouns), "log");
        /* A unique prefix is a suggestion even when far. */
        assert_string_equal(cli_suggest("res", nouns), "resource");
        assert_string_equal(cli_suggest("clus", nouns), "cluster");
        /* Too far, or nothing typed. */
        assert_null(cli_suggest("frobnicate", nouns));
        assert_null(cli_suggest("xyz", nouns));
        assert_null(cli_suggest("", nouns));
        assert_null(cli_suggest(NULL, nouns));
        assert_null(cli_suggest("x", NULL));
        /* One letter never turns into a whole other word. */
        static const char *const short_words[] = { "a", "b", NULL };
        assert_null(cli_suggest("c", short_words));
}

static void test_suggest_ties_and_prefixes(void **state) {
        static const char *const verbs[] = { "online", "offline", "set", "show", NULL };
        /* "sho" is a prefix of show only; "s" of two: no prefix guess. */
        assert_string_equal(cli_suggest("sho", verbs), "show");
        assert_null(cli_suggest("o", verbs));
        assert_string_equal(cli_suggest("sew", verbs), "set");
        /* One edit from online and from offline: the one that begins alike. */
        assert_string_equal(cli_suggest("ofline", verbs), "offline");
        assert_string_equal(cli_suggest("onlie", verbs), "online");
        /* Just as close, beginning just as alike: the earlier. */
        static const char *const twins[] = { "abcd", "abce", NULL };
        assert_string_equal(cli_suggest("abcf", twins), "abcd");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_distance),
                cmocka_unit_test(test_suggest),
                cmocka_unit_test(test_suggest_ties_and_prefixes),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
