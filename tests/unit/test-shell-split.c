/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* shell_split and shell_join: word splitting, errors with columns, and
 * shell_split(shell_join(v)) == v for awkward words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "macro.h"
#include "shell-split.h"
#include "strv.h"

#define W(...) ((const char *const[]) { __VA_ARGS__, NULL })
#define NONE ((const char *const[]) { NULL })

static void assert_words(const char *input, const char *const *want) {
        char err[256] = "";
        char **got = NULL;
        int r = shell_split(input, &got, err, sizeof err);
        if (r != 0)
                fail_msg("shell_split(\"%s\") failed: %d %s", input, r, err);
        assert_non_null(got);
        size_t n = 0;
        while (want[n])
                n++;
        if (strv_length(got) != n)
                fail_msg("shell_split(\"%s\"): %zu words, want %zu", input, strv_length(got), n);
        for (size_t i = 0; i < n; i++)
                if (strcmp(got[i], want[i]) != 0)
                        fail_msg("shell_split(\"%s\") word %zu: \"%s\", want \"%s\"", input, i, got[i], want[i]);
        assert_null(got[n]);
        strv_free(got);
}

static void test_split_words(void **state) {
        assert_words("", NONE);
        assert_words("   \t\n  ", NONE);
        assert_words("a", W("a"));
        assert_words("  a   b  ", W("a", "b"));
        assert_words("a\tb\nc\r\nd", W("a", "b", "c", "d"));
        assert_words("/usr/bin/prog --opt=1 -x", W("/usr/bin/prog", "--opt=1", "-x"));
}

static void test_split_single_quotes(void **state) {
        assert_words("'a b'", W("a b"));
        assert_words("''", W(""));
        assert_words("a '' b", W("a", "", "b"));
        assert_words("a''b", W("ab"));
        assert_words("'it'\\''s'", W("it's"));
        assert_words("'a\"b'", W("a\"b"));
        assert_words("'a\\b'", W("a\\b"));
        assert_words("'$HOME `x` \\n'", W("$HOME `x` \\n"));
        assert_words("'multi\nline'", W("multi\nline"));
        assert_words("'a\\\nb'", W("a\\\nb"));
        assert_words("x'y z'w", W("xy zw"));
}

static void test_split_double_quotes(void **state) {
        assert_words("\"a b\"", W("a b"));
        assert_words("\"\"", W(""));
        assert_words("\"\" \"\"", W("", ""));
        assert_words("\"a\\\"b\"", W("a\"b"));
        assert_words("\"a\\\\b\"", W("a\\b"));
        assert_words("\"\\$HOME\"", W("$HOME"));
        assert_words("\"\\`x\\`\"", W("`x`"));
        /* Other escapes keep their backslash, as in sh. */
        assert_words("\"a\\nb\"", W("a\\nb"));
        assert_words("\"a\\'b\"", W("a\\'b"));
        assert_words("\"a'b\"", W("a'b"));
        assert_words("\"a\\\nb\"", W("ab"));
        assert_words("\"x\ny\"", W("x\ny"));
        assert_words("pre\"mid dle\"post", W("premid dlepost"));
}

static void test_split_backslash(void **state) {
        assert_words("a\\ b", W("a b"));
        assert_words("a\\\\b", W("a\\b"));
        assert_words("\\'", W("'"));
        assert_words("\\\"", W("\""));
        assert_words("\\a\\b", W("ab"));
        /* Line continuation. */
        assert_words("a\\\nb", W("ab"));
        assert_words("a \\\n b", W("a", "b"));
        assert_words("\\ ", W(" "));
}

static void test_split_nothing_expanded(void **state) {
        assert_words("$HOME *.c ~ a;b | > < & #x (y)", W("$HOME", "*.c", "~", "a;b", "|", ">", "<", "&", "#x", "(y)"));
        assert_words("echo ${X:-y} $(id) `id`", W("echo", "${X:-y}", "$(id)", "`id`"));
}

static void test_split_realistic(void **state) {
        assert_words("/bin/sh -c 'echo \"hi there\"; exit 3'",
                     W("/bin/sh", "-c", "echo \"hi there\"; exit 3"));
        assert_words("A=1 B='two words' C=\"x y\" D=", W("A=1", "B=two words", "C=x y", "D="));
        assert_words("héllo 'wörld ü' 日本語", W("héllo", "wörld ü", "日本語"));
}

static void assert_split_error(const char *input, const char *want) {
        char err[256] = "";
        char **sentinel = (char **) (uintptr_t) 0x1;
        char **got = sentinel;
        int r = shell_split(input, &got, err, sizeof err);
        assert_int_equal(r, -EINVAL);
        assert_ptr_equal(got, sentinel); /* untouched on failure */
        if (!strstr(err, want))
                fail_msg("shell_split(\"%s\"): message \"%s\" lacks \"%s\"", input, err, want);
}

static void test_split_errors(void **state) {
        assert_split_error("echo 'hi", "unterminated single quote at column 6");
        assert_split_error("'", "unterminated single quote at column 1");
        assert_split_error("a \"b", "unterminated double quote at column 3");
        assert_split_error("\"a\\\"", "unterminated double quote at column 1");
        assert_split_error("abc\\", "trailing backslash at column 4");
        assert_split_error("a b \\", "trailing backslash at column 5");
        /* Columns count characters, not bytes. */
        assert_split_error("'é' 'x", "unterminated single quote at column 5");
        assert_split_error("日本 \"x", "unterminated double quote at column 4");
        /* A closed quote inside the other kind is fine; an unclosed one
         * is reported at its own column. */
        assert_split_error("\"it's\" 'x", "unterminated single quote at column 8");

        /* No err buffer, and NULL input. */
        char **got = NULL;
        assert_int_equal(shell_split("'x", &got, NULL, 0), -EINVAL);
        assert_null(got);
        char err[64];
        assert_int_equal(shell_split(NULL, &got, err, sizeof err), -EINVAL);
        assert_null(got);
        /* A tiny buffer is cut, never overrun. */
        char tiny[8];
        memset(tiny, 'X', sizeof tiny);
        assert_int_equal(shell_split("'x", &got, tiny, 4), -EINVAL);
        assert_int_equal(strlen(tiny), 3);
        assert_int_equal(tiny[4], 'X');
}

static void assert_join(const char *const *words, const char *want) {
        char *s = shell_join((char *const *) words);
        assert_non_null(s);
        assert_string_equal(s, want);
        free(s);
}

static void test_join_text(void **state) {
        assert_join(NONE, "");
        assert_join(W("a"), "a");
        assert_join(W("/bin/echo", "hello world"), "/bin/echo 'hello world'");
        assert_join(W("it's"), "'it'\\''s'");
        assert_join(W(""), "''");
        assert_join(W("", ""), "'' ''");
        assert_join(W("--opt=a,b:c@d%e+f"), "--opt=a,b:c@d%e+f");
        assert_join(W("$HOME"), "'$HOME'");
        assert_join(W("~"), "'~'");
        assert_join(W("#x"), "'#x'");
        assert_join(W("a\nb"), "'a\nb'");
        assert_join(W("héllo"), "héllo");
        char *s = shell_join(NULL);
        assert_string_equal(s, "");
        free(s);
}

static void assert_round_trip(char *const *v) {
        char *s = shell_join(v);
        assert_non_null(s);
        char err[256] = "";
        char **back = NULL;
        int r = shell_split(s, &back, err, sizeof err);
        if (r != 0)
                fail_msg("shell_split(shell_join()) = \"%s\" failed: %s", s, err);
        if (!strv_equal(v, back))
                fail_msg("round trip through \"%s\" changed the words", s);
        strv_free(back);
        free(s);
}

static void test_join_round_trip(void **state) {
        const char *const *cases[] = {
                NONE,
                W(""),
                W("", ""),
                W("", "a", ""),
                W("a b"),
                W(" "),
                W("  leading", "trailing  "),
                W("it's"),
                W("'"),
                W("''"),
                W("'\"'"),
                W("\""),
                W("\\"),
                W("\\\\"),
                W("a\\"),
                W("\\'"),
                W("\n"),
                W("a\nb", "c\n"),
                W("\\\n"),
                W("\t"),
                W("\r\n"),
                W("\"'\\$`"),
                W("$HOME", "${X}", "$(id)", "`id`"),
                W("*", "?", "[a]", "~", "#", "!", ";", "&", "|", "<", ">", "(", ")", "{", "}"),
                W("héllo wörld"),
                W("日本語", "ü'ö\"ä"),
                W("\xff\xfe", "\x80"),
                W("\x01\x02\x1f\x7f"),
                W("A=1", "B=two words", "C="),
                W("/bin/sh", "-c", "echo \"hi there\"; exit 3"),
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                assert_round_trip((char *const *) cases[i]);
}

/* Deterministic random words over every byte but NUL. */
static uint32_t rng = 12345;
static uint32_t next_rand(void) {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        return rng;
}

static void test_join_round_trip_random(void **state) {
        static const char alphabet[] = " \t\n'\"\\$`a=-";
        for (int iter = 0; iter < 3000; iter++) {
                size_t n = next_rand() % 5;
                char **v = calloc(n + 1, sizeof(char *));
                assert_non_null(v);
                for (size_t i = 0; i < n; i++) {
                        size_t len = next_rand() % 12;
                        v[i] = malloc(len + 1);
                        assert_non_null(v[i]);
                        for (size_t j = 0; j < len; j++) {
                                /* Half the characters from the troublesome
                                 * ones, half any byte 1..255. */
                                uint32_t x = next_rand();
                                v[i][j] = (x & 1) ? alphabet[(x >> 1) % (sizeof alphabet - 1)]
                                                  : (char) (1 + (x >> 1) % 255);
                        }
                        v[i][len] = 0;
                }
                assert_round_trip(v);
                strv_free(v);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_split_words),
                cmocka_unit_test(test_split_single_quotes),
                cmocka_unit_test(test_split_double_quotes),
                cmocka_unit_test(test_split_backslash),
                cmocka_unit_test(test_split_nothing_expanded),
                cmocka_unit_test(test_split_realistic),
                cmocka_unit_test(test_split_errors),
                cmocka_unit_test(test_join_text),
                cmocka_unit_test(test_join_round_trip),
                cmocka_unit_test(test_join_round_trip_random),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
