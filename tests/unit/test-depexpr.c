/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Dependency expressions and graphs: parsing with the column of each
 * error, the normal form and canonical text, and/remove/rename/names/eval,
 * then cycles, outsiders, online and offline waves, dependents and
 * prerequisites over groups of resources written as "name: expression". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "depexpr.h"
#include "depgraph.h"
#include "macro.h"
#include "strv.h"

/* "a b c" → strv; NULL → NULL. */
static char **words(const char *s) {
        if (!s)
                return NULL;
        char **l = calloc(1, sizeof(char *));
        assert_non_null(l);
        _cleanup_free_ char *c = strdup(s);
        assert_non_null(c);
        char *save = NULL;
        for (char *w = strtok_r(c, " ", &save); w; w = strtok_r(NULL, " ", &save))
                assert_int_equal(strv_push(&l, strdup(w)), 0);
        return l;
}

static DepExpr *parse_ok(const char *text) {
        char err[256] = "";
        DepExpr *e = NULL;
        int r = depexpr_parse(text, &e, err, sizeof err);
        if (r != 0)
                fail_msg("depexpr_parse(\"%s\") = %d: %s", text, r, err);
        return e;
}

static char *format(const DepExpr *e) {
        char *s = NULL;
        assert_int_equal(depexpr_format(e, &s), 0);
        assert_non_null(s);
        return s;
}

/* ------------------------------------------------------------------------ */

static void test_parse_ok(void **state) {
        static const struct {
                const char *in, *want;
        } rows[] = {
                { "", "" },
                { "   \t\n", "" },
                { "ip", "ip" },
                { "IP", "IP" },
                { " ip ", "ip" },
                { "a and b", "a and b" },
                { "a AND b", "a and b" },
                { "a aNd b And c", "a and b and c" },
                { "(a or b)", "(a or b)" },
                { "a or b", "(a or b)" },
                { "a OR b Or c", "(a or b or c)" },
                { "(db1 or db2) and ip", "(db1 or db2) and ip" },
                { "ip and (db1 or db2)", "ip and (db1 or db2)" },
                { "(db1 OR db2)AND ip", "(db1 or db2) and ip" },
                { "(a)or(b)", "(a or b)" },
                { "(a) and (b)", "a and b" },
                { "((a))", "a" },
                { "((a or b)) and (c and d)", "(a or b) and c and d" },
                { "(a and b) and c", "a and b and c" },
                { "(a or (b or c)) and d", "(a or b or c) and d" },
                { "(a or b) and (c or d) and e", "(a or b) and (c or d) and e" },
                { "  a   and\tb\n", "a and b" },
                { "web-1.x_y and DB_2", "web-1.x_y and DB_2" },
                { "andy and orange", "andy and orange" },
                { "or1 or and2", "(or1 or and2)" },
                { "0 and 1", "0 and 1" },
                /* Duplicates and absorption. */
                { "a and a", "a" },
                { "a and A", "a" },
                { "(a or a)", "a" },
                { "(a or A or b)", "(a or b)" },
                { "(a or b) and (b or a)", "(a or b)" },
                { "(a or b) and (B or A) and c", "(a or b) and c" },
                { "ip and (ip or db)", "ip" },
                { "(ip or db) and ip", "ip" },
                { "(a or b or c) and (a or b) and d", "(a or b) and d" },
                { "(a or b or c) and (c or a) and (b or d)", "(c or a) and (b or d)" },
                { "(a or b) and (c or d)", "(a or b) and (c or d)" },
                { "a and (b or c) and a", "a and (b or c)" },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_depexpr_ DepExpr *e = parse_ok(rows[i].in);
                _cleanup_free_ char *s = format(e);
                if (strcmp(s, rows[i].want) != 0)
                        fail_msg("row %zu \"%s\": got \"%s\", want \"%s\"", i, rows[i].in, s, rows[i].want);
                /* The canonical text parses back to itself. */
                _cleanup_depexpr_ DepExpr *again = parse_ok(s);
                _cleanup_free_ char *s2 = format(again);
                assert_string_equal(s, s2);
                assert_true(depexpr_equal(e, again));
                assert_int_equal(depexpr_is_empty(e), rows[i].want[0] == 0);
        }
}

static void test_parse_errors(void **state) {
        static const struct {
                const char *in, *want;
        } rows[] = {
                { "a or (b and c)",
                  "column 6: \"(b and c)\" is an AND inside an OR-group; a dependency is an AND of OR-groups, "
                  "such as (a or b) and c" },
                { "(b and c) or a", "column 1: \"(b and c)\" is an AND inside an OR-group" },
                { "a or ((b and c))", "column 6: \"((b and c))\" is an AND inside an OR-group" },
                { "((a and b) or c)", "column 2: \"(a and b)\" is an AND inside an OR-group" },
                { "a or (b and b)", "column 6: " },
                { "a or b and c", "column 8: 'and' mixed with 'or' needs parentheses, such as (a or b) and c" },
                { "a and b or c", "column 9: 'or' mixed with 'and' needs parentheses" },
                { "(a or b and c) and d", "column 9: 'and' mixed with 'or'" },
                { "a b", "column 3: expected 'and', 'or' or the end after \"a\", found \"b\"" },
                { "(a b)", "column 4: expected 'and', 'or' or ')' after \"a\", found \"b\"" },
                { "(a or b) (c)", "column 10: expected 'and', 'or' or the end after \"(a or b)\", found '('" },
                { "a and", "column 6: expected a name or '(' after 'and', found the end" },
                { "a or ", "column 6: expected a name or '(' after 'or', found the end" },
                { "a and or", "column 7: expected a name or '(' after 'and', found 'or'" },
                { "a and )", "column 7: expected a name or '(' after 'and', found ')'" },
                { "and a", "column 1: expected a name or '(', found 'and'" },
                { "OR", "column 1: expected a name or '(', found 'OR'" },
                { ")", "column 1: expected a name or '(', found ')'" },
                { "(a or b", "column 1: '(' is never closed" },
                { "a and ((b or c)", "column 7: '(' is never closed" },
                { "a)", "column 2: ')' has no matching '('" },
                { "(a))", "column 4: ')' has no matching '('" },
                { "()", "column 1: empty parentheses" },
                { "a and ()", "column 7: empty parentheses" },
                { "a & b", "column 3: unexpected character '&'; names are 1 to 63 characters of A-Z a-z 0-9 . _ -" },
                { "a and b$", "column 8: unexpected character '$'" },
                { "a,b", "column 2: unexpected character ','" },
                { "a and b c $", "column 9: expected 'and', 'or' or the end after \"b\", found \"c\"" },
                { "\xc3\xa9", "column 1: unexpected byte 0xc3" },
                { "a\x01", "column 2: unexpected byte 0x01" },
                { "a and 0123456789012345678901234567890123456789012345678901234567890123",
                  "column 7: name \"01234567890123456789012345678...\" is longer than 63 characters" },
                { "(((((((((((((((((((((((((((((((((a)))))))))))))))))))))))))))))))))",
                  "column 33: parentheses nested deeper than 32" },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                char err[512] = "";
                DepExpr *e = (DepExpr *) 0x1;
                int r = depexpr_parse(rows[i].in, &e, err, sizeof err);
                if (r != -EINVAL)
                        fail_msg("row %zu \"%s\": got %d, want -EINVAL", i, rows[i].in, r);
                assert_ptr_equal(e, (DepExpr *) 0x1); /* untouched */
                if (strncmp(err, rows[i].want, strlen(rows[i].want)) != 0)
                        fail_msg("row %zu \"%s\"\n  got:  %s\n  want: %s...", i, rows[i].in, err, rows[i].want);
        }
}

static void test_parse_limits(void **state) {
        /* 63 characters is a name, 32 levels of parentheses are fine. */
        const char *n63 = "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij123";
        assert_int_equal(strlen(n63), 63);
        _cleanup_depexpr_ DepExpr *e = parse_ok(n63);
        assert_string_equal(e->groups[0].names[0], n63);

        char deep[128] = "";
        for (int i = 0; i < 32; i++)
                strcat(deep, "(");
        strcat(deep, "a");
        for (int i = 0; i < 32; i++)
                strcat(deep, ")");
        _cleanup_depexpr_ DepExpr *d = parse_ok(deep);
        _cleanup_free_ char *s = format(d);
        assert_string_equal(s, "a");

        /* DEPEXPR_TEXT_MAX bytes parse; one more does not. */
        _cleanup_free_ char *big = malloc(DEPEXPR_TEXT_MAX + 2);
        assert_non_null(big);
        memset(big, ' ', DEPEXPR_TEXT_MAX + 1);
        big[0] = 'x';
        big[DEPEXPR_TEXT_MAX] = 0;
        _cleanup_depexpr_ DepExpr *b = parse_ok(big);
        big[DEPEXPR_TEXT_MAX] = ' ';
        big[DEPEXPR_TEXT_MAX + 1] = 0;
        char err[256];
        DepExpr *x = NULL;
        assert_int_equal(depexpr_parse(big, &x, err, sizeof err), -EINVAL);
        assert_null(x);
        assert_string_equal(err, "column 4097: the expression is longer than 4096 characters");

        /* Many names: the normal form keeps each once. */
        _cleanup_free_ char *many = malloc(DEPEXPR_TEXT_MAX + 1);
        assert_non_null(many);
        size_t o = 0;
        for (int i = 0; o + 16 < DEPEXPR_TEXT_MAX; i++)
                o += (size_t) sprintf(many + o, "%sr%d", i ? " and " : "", i % 50);
        _cleanup_depexpr_ DepExpr *m = parse_ok(many);
        assert_int_equal(m->n_groups, 50);

        /* Canonical text must parse again: "a or b" of the full length
         * would gain two parentheses. */
        o = 0;
        for (int i = 0; DEPEXPR_TEXT_MAX - o > 67; i++)
                o += (size_t) sprintf(many + o, "%sq%d", i ? " or " : "", i);
        o += (size_t) sprintf(many + o, " or ");
        while (o < DEPEXPR_TEXT_MAX)
                many[o++] = 'z';
        many[o] = 0;
        assert_int_equal(depexpr_parse(many, &x, err, sizeof err), -EINVAL);
        assert_null(x);
        assert_string_equal(err, "column 1: written in canonical form the expression is longer than 4096 characters");

        /* and and rename never make what cannot be parsed again. */
        _cleanup_free_ char *half = malloc(DEPEXPR_TEXT_MAX);
        assert_non_null(half);
        o = 0;
        for (int i = 0; o < DEPEXPR_TEXT_MAX / 2 + 100; i++)
                o += (size_t) sprintf(half + o, "%sa%d", i ? " and " : "", i);
        _cleanup_depexpr_ DepExpr *h1 = parse_ok(half);
        o = 0;
        for (int i = 0; o < DEPEXPR_TEXT_MAX / 2 + 100; i++)
                o += (size_t) sprintf(half + o, "%sb%d", i ? " and " : "", i);
        _cleanup_depexpr_ DepExpr *h2 = parse_ok(half);
        assert_int_equal(depexpr_and(h1, h2, &x), -E2BIG);
        assert_null(x);
        assert_int_equal(depexpr_and(h1, h1, &x), 0);
        depexpr_free(TAKE_PTR(x));
        _cleanup_free_ char *long_name = strdup("abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij123");
        int k = 0;
        for (o = 0; o + 70 < DEPEXPR_TEXT_MAX; k++)
                o += (size_t) sprintf(many + o, "%s(a or n%d)", k ? " and " : "", k);
        _cleanup_depexpr_ DepExpr *near = parse_ok(many);
        assert_int_equal(depexpr_rename(near, "a", long_name, &x, err, sizeof err), -E2BIG);
        assert_null(x);
        assert_non_null(strstr(err, "would be longer than 4096 characters"));

        assert_int_equal(depexpr_parse(NULL, &x, err, sizeof err), -EINVAL);
        assert_int_equal(depexpr_parse("a", NULL, err, sizeof err), -EINVAL);
        /* No message buffer is fine. */
        assert_int_equal(depexpr_parse("a or", &x, NULL, 0), -EINVAL);
}

static void test_and(void **state) {
        static const struct {
                const char *a, *b, *want;
        } rows[] = {
                { "", "", "" },
                { "ip", "", "ip" },
                { "", "db", "db" },
                { "ip", "db", "ip and db" },
                { "ip", "IP", "ip" },
                { "(db1 or db2)", "ip", "(db1 or db2) and ip" },
                { "ip", "(db1 or db2)", "ip and (db1 or db2)" },
                { "(a or b)", "a", "a" },
                { "a and b", "(b or c) and d", "a and b and d" },
                { "(a or b) and c", "(b or a)", "(a or b) and c" },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_depexpr_ DepExpr *a = parse_ok(rows[i].a);
                _cleanup_depexpr_ DepExpr *b = parse_ok(rows[i].b);
                _cleanup_depexpr_ DepExpr *c = NULL;
                assert_int_equal(depexpr_and(a, b, &c), 0);
                _cleanup_free_ char *s = format(c);
                if (strcmp(s, rows[i].want) != 0)
                        fail_msg("row %zu: \"%s\" and \"%s\": got \"%s\", want \"%s\"", i, rows[i].a, rows[i].b, s,
                                 rows[i].want);
                /* The inputs are not modified. */
                _cleanup_free_ char *sa = format(a);
                _cleanup_depexpr_ DepExpr *a2 = parse_ok(rows[i].a);
                _cleanup_free_ char *sa2 = format(a2);
                assert_string_equal(sa, sa2);
        }
        /* NULL reads as the empty expression. */
        _cleanup_depexpr_ DepExpr *ip = parse_ok("ip");
        _cleanup_depexpr_ DepExpr *c = NULL;
        assert_int_equal(depexpr_and(NULL, ip, &c), 0);
        assert_true(depexpr_equal(c, ip));
        assert_int_equal(depexpr_and(NULL, NULL, NULL), -EINVAL);
}

static void test_remove(void **state) {
        static const struct {
                const char *e, *names, *want;
        } rows[] = {
                { "ip", "ip", "" },
                { "ip", "IP", "" },
                { "(db1 or db2) and ip", "db1", "db2 and ip" },
                { "(db1 or db2) and ip", "db1 db2", "ip" },
                { "(db1 or db2) and ip", "ip", "(db1 or db2)" },
                { "(db1 or db2) and ip", "DB1 IP", "db2" },
                { "(db1 or db2) and ip", "db1 db2 ip", "" },
                { "(a or b) and (b or c)", "a", "b" },
                { "(a or b) and (a or c)", "a", "b and c" },
                { "(a or b or c) and d", "b", "(a or c) and d" },
                { "a and b", "x", "a and b" },
                { "a and b", "", "a and b" },
                { "", "a", "" },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_depexpr_ DepExpr *e = parse_ok(rows[i].e);
                _cleanup_strv_free_ char **names = words(rows[i].names);
                _cleanup_depexpr_ DepExpr *c = NULL;
                assert_int_equal(depexpr_remove(e, names, &c), 0);
                _cleanup_free_ char *s = format(c);
                if (strcmp(s, rows[i].want) != 0)
                        fail_msg("row %zu: \"%s\" without %s: got \"%s\", want \"%s\"", i, rows[i].e, rows[i].names,
                                 s, rows[i].want);
        }
        _cleanup_depexpr_ DepExpr *e = parse_ok("a and b");
        _cleanup_depexpr_ DepExpr *c = NULL;
        assert_int_equal(depexpr_remove(e, NULL, &c), 0);
        assert_true(depexpr_equal(e, c));
}

static void test_rename(void **state) {
        static const struct {
                const char *e, *from, *to, *want;
        } rows[] = {
                { "(db1 or db2) and ip", "db1", "db3", "(db3 or db2) and ip" },
                { "(db1 or db2) and ip", "IP", "addr", "(db1 or db2) and addr" },
                { "(a or b)", "a", "b", "b" },
                { "a and (a or c)", "a", "x", "x" },
                { "a and b", "x", "y", "a and b" },
                { "web", "web", "Web", "Web" },
                { "", "a", "b", "" },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_depexpr_ DepExpr *e = parse_ok(rows[i].e);
                _cleanup_depexpr_ DepExpr *c = NULL;
                char err[256] = "";
                int r = depexpr_rename(e, rows[i].from, rows[i].to, &c, err, sizeof err);
                if (r != 0)
                        fail_msg("row %zu: %d %s", i, r, err);
                _cleanup_free_ char *s = format(c);
                if (strcmp(s, rows[i].want) != 0)
                        fail_msg("row %zu: got \"%s\", want \"%s\"", i, s, rows[i].want);
        }

        static const struct {
                const char *to, *want;
        } bad[] = {
                { "or", "\"or\" is a keyword of dependency expressions" },
                { "AND", "\"AND\" is a keyword" },
                { "", "\"\" is invalid: names are 1 to 63 characters" },
                { "a b", "\"a b\" is invalid" },
                { "a/b", "\"a/b\" is invalid" },
                { "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij1234", "is invalid" },
        };
        _cleanup_depexpr_ DepExpr *e = parse_ok("a");
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                DepExpr *c = NULL;
                char err[256] = "";
                assert_int_equal(depexpr_rename(e, "a", bad[i].to, &c, err, sizeof err), -EINVAL);
                assert_null(c);
                if (!strstr(err, bad[i].want))
                        fail_msg("row %zu: got \"%s\", want \"%s\"", i, err, bad[i].want);
        }
        DepExpr *c = NULL;
        assert_int_equal(depexpr_rename(e, "a", NULL, &c, NULL, 0), -EINVAL);
}

static void test_respell(void **state) {
        static const struct {
                const char *e, *spellings, *want;
        } rows[] = {
                { "DB", "db web", "db" },
                { "(D_L or d_r) and IP", "d_l d_r ip", "(d_l or d_r) and ip" },
                { "b or B", "b", "b" },
                { "(a or B) and (A or b)", "A b", "(A or b)" },
                { "x and Y", "y", "x and y" },
                { "a", "", "a" },
                { "", "a", "" },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_depexpr_ DepExpr *e = parse_ok(rows[i].e);
                _cleanup_strv_free_ char **l = words(rows[i].spellings);
                _cleanup_depexpr_ DepExpr *c = NULL;
                assert_int_equal(depexpr_respell(e, l, &c), 0);
                _cleanup_free_ char *s = format(c);
                if (strcmp(s, rows[i].want) != 0)
                        fail_msg("row %zu: \"%s\" spelled as %s: got \"%s\", want \"%s\"", i, rows[i].e,
                                 rows[i].spellings, s, rows[i].want);
        }
        _cleanup_depexpr_ DepExpr *e = parse_ok("A");
        _cleanup_depexpr_ DepExpr *c = NULL;
        assert_int_equal(depexpr_respell(e, NULL, &c), 0);
        assert_true(depexpr_equal(e, c));
        assert_int_equal(depexpr_respell(e, NULL, NULL), -EINVAL);
}

static void test_names(void **state) {
        static const struct {
                const char *e, *want;
        } rows[] = {
                { "", "" },
                { "ip", "ip" },
                { "(db1 or db2) and ip", "db1 db2 ip" },
                { "(db1 or db2) and ip and (ip or db1)", "db1 db2 ip" },
                { "(b or a) and (c or a)", "b a c" },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_depexpr_ DepExpr *e = parse_ok(rows[i].e);
                _cleanup_strv_free_ char **l = NULL;
                assert_int_equal(depexpr_names(e, &l), 0);
                assert_non_null(l);
                _cleanup_free_ char *s = strv_join(l, " ");
                if (strcmp(s, rows[i].want) != 0)
                        fail_msg("row %zu: got \"%s\", want \"%s\"", i, s, rows[i].want);
        }
        _cleanup_strv_free_ char **l = NULL;
        assert_int_equal(depexpr_names(NULL, &l), 0);
        assert_int_equal(strv_length(l), 0);

        _cleanup_depexpr_ DepExpr *e = parse_ok("(db1 or db2) and ip");
        assert_true(depexpr_references(e, "db2"));
        assert_true(depexpr_references(e, "DB2"));
        assert_true(depexpr_references(e, "ip"));
        assert_false(depexpr_references(e, "db"));
        assert_false(depexpr_references(e, NULL));
        assert_false(depexpr_references(NULL, "ip"));
}

static bool in_set(const char *name, void *userdata) {
        char *const *l = userdata;
        for (size_t i = 0; l && l[i]; i++)
                if (strcasecmp(l[i], name) == 0)
                        return true;
        return false;
}

static void test_eval(void **state) {
        static const struct {
                const char *e, *online;
                bool want;
        } rows[] = {
                { "", "", true },
                { "", "x", true },
                { "ip", "", false },
                { "ip", "ip", true },
                { "ip", "IP", true },
                { "ip", "db", false },
                { "a and b and c", "a b c", true },
                { "a and b and c", "a c", false },
                { "(db1 or db2) and ip", "db2 ip", true },
                { "(db1 or db2) and ip", "db1 ip", true },
                { "(db1 or db2) and ip", "db1 db2 ip", true },
                { "(db1 or db2) and ip", "db1 db2", false },
                { "(db1 or db2) and ip", "ip", false },
                { "(a or b) and (c or d)", "b c", true },
                { "(a or b) and (c or d)", "a b", false },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_depexpr_ DepExpr *e = parse_ok(rows[i].e);
                _cleanup_strv_free_ char **on = words(rows[i].online);
                bool got = depexpr_eval(e, in_set, on);
                if (got != rows[i].want)
                        fail_msg("row %zu: \"%s\" with %s online: got %d", i, rows[i].e, rows[i].online, got);
        }
        _cleanup_depexpr_ DepExpr *e = parse_ok("a");
        assert_false(depexpr_eval(e, NULL, NULL));
        assert_true(depexpr_eval(NULL, NULL, NULL));
}

static void test_equal(void **state) {
        static const struct {
                const char *a, *b;
                bool want;
        } rows[] = {
                { "", "", true },
                { "a", "a", true },
                { "a", "A", true },
                { "(a or b) and c", "c and (b or a)", true },
                { "a and (a or b)", "a", true },
                { "a", "a and b", false },
                { "(a or b)", "(a or c)", false },
                { "(a or b)", "a and b", false },
                { "", "a", false },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_depexpr_ DepExpr *a = parse_ok(rows[i].a);
                _cleanup_depexpr_ DepExpr *b = parse_ok(rows[i].b);
                if (depexpr_equal(a, b) != rows[i].want || depexpr_equal(b, a) != rows[i].want)
                        fail_msg("row %zu: \"%s\" vs \"%s\"", i, rows[i].a, rows[i].b);
        }
        _cleanup_depexpr_ DepExpr *e = parse_ok("");
        assert_true(depexpr_equal(e, NULL));
        assert_true(depexpr_equal(NULL, NULL));

        _cleanup_depexpr_ DepExpr *x = parse_ok("(a or b) and c");
        _cleanup_depexpr_ DepExpr *c = NULL;
        assert_int_equal(depexpr_copy(x, &c), 0);
        assert_true(depexpr_equal(x, c));
        assert_ptr_not_equal(x->groups, c->groups);
        _cleanup_free_ char *s = format(NULL);
        assert_string_equal(s, "");
}

static void test_name_ok(void **state) {
        assert_true(depexpr_name_ok("web"));
        assert_true(depexpr_name_ok("a.b-c_d"));
        assert_true(depexpr_name_ok("andor"));
        assert_false(depexpr_name_ok("and"));
        assert_false(depexpr_name_ok("Or"));
        assert_false(depexpr_name_ok(""));
        assert_false(depexpr_name_ok(NULL));
        assert_false(depexpr_name_ok("a b"));
        assert_false(depexpr_name_ok("(a)"));
}

/* ------------------------------------------------------------------------
 * Graphs. A group is written as rows "name: expression".
 * ------------------------------------------------------------------------ */

#define MAXR 8

typedef struct Group {
        DepResource r[MAXR];
        DepExpr *e[MAXR];
        char *names[MAXR];
        size_t n;
} Group;

static void group_load(Group *g, const char *const *spec) {
        *g = (Group) {};
        for (size_t i = 0; i < MAXR && spec[i]; i++) {
                const char *colon = strchr(spec[i], ':');
                assert_non_null(colon);
                g->names[i] = strndup(spec[i], (size_t) (colon - spec[i]));
                g->e[i] = parse_ok(colon + 1);
                g->r[i] = (DepResource) { g->names[i], g->e[i] };
                g->n++;
        }
}

static void group_done(Group *g) {
        for (size_t i = 0; i < g->n; i++) {
                free(g->names[i]);
                depexpr_free(g->e[i]);
        }
}

static size_t group_index(const Group *g, const char *name) {
        for (size_t i = 0; i < g->n; i++)
                if (strcmp(g->names[i], name) == 0)
                        return i;
        fail_msg("no resource %s", name);
        return 0;
}

/* "0 1 1 2" */
static void waves_text(const unsigned *w, size_t n, char *buf, size_t len) {
        size_t o = 0;
        buf[0] = 0;
        for (size_t i = 0; i < n; i++)
                o += (size_t) snprintf(buf + o, len - o, "%s%u", i ? " " : "", w[i]);
}

static void test_graph_check(void **state) {
        static const struct {
                const char *spec[MAXR];
                int rc;
                const char *msg;
        } rows[] = {
                { { NULL }, 0, "" },
                { { "a:" }, 0, "" },
                { { "a: b", "b:" }, 0, "" },
                { { "Web: DB", "db:" }, 0, "" },
                { { "a: a" }, -ELOOP, "dependency cycle: a -> a" },
                { { "a: A" }, -ELOOP, "dependency cycle: a -> a" },
                { { "a: b", "b: a" }, -ELOOP, "dependency cycle: a -> b -> a" },
                { { "a: b", "b: c", "c: a" }, -ELOOP, "dependency cycle: a -> b -> c -> a" },
                { { "x:", "a: b", "b: c", "c: b" }, -ELOOP, "dependency cycle: b -> c -> b" },
                { { "c: a", "a: b", "b: c" }, -ELOOP, "dependency cycle: c -> a -> b -> c" },
                { { "a: (b or c)", "b: a", "c:" }, -ELOOP, "dependency cycle: a -> b -> a" },
                { { "a: c and (x or b)", "b: c", "c:", "x: y", "y: a" }, -ELOOP,
                  "dependency cycle: a -> x -> y -> a" },
                { { "top: left and right", "left: base", "right: base", "base:" }, 0, "" },
                { { "web: db" }, -ENOENT,
                  "resource web depends on db, which is not in its group; dependencies stay inside a group" },
                { { "web: (db1 or db2)", "db1:" }, -ENOENT, "resource web depends on db2, which is not in its group" },
                { { "a:", "A:" }, -EEXIST, "two resources of the group are named \"" },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                Group g;
                group_load(&g, rows[i].spec);
                char err[256] = "";
                size_t who = SIZE_MAX;
                const char *missing = NULL;
                int r = depgraph_check(g.r, g.n, err, sizeof err, &who, &missing);
                if (r != rows[i].rc)
                        fail_msg("row %zu: got %d (%s), want %d", i, r, err, rows[i].rc);
                if (strncmp(err, rows[i].msg, strlen(rows[i].msg)) != 0)
                        fail_msg("row %zu\n  got:  %s\n  want: %s", i, err, rows[i].msg);
                if (r == -ENOENT) {
                        assert_int_equal(who, 0);
                        assert_non_null(missing);
                        assert_non_null(strstr(err, missing));
                } else {
                        assert_int_equal(who, SIZE_MAX);
                        assert_null(missing);
                }
                /* Every other graph function refuses the same way. */
                if (r < 0 && g.n > 0) {
                        unsigned w[MAXR];
                        size_t *l = NULL, nl = 0;
                        assert_int_equal(depgraph_online_waves(g.r, g.n, w, NULL, NULL, 0), r);
                        assert_int_equal(depgraph_offline_waves(g.r, g.n, w, NULL, NULL, 0), r);
                        assert_int_equal(depgraph_dependents(g.r, g.n, 0, NULL, NULL, &l, &nl, NULL, 0), r);
                        assert_int_equal(depgraph_prerequisites(g.r, g.n, 0, NULL, NULL, &l, &nl, NULL, 0), r);
                }
                group_done(&g);
        }
}

static void test_graph_waves(void **state) {
        static const struct {
                const char *title;
                const char *spec[MAXR];
                const char *online;
                unsigned n_online;
                const char *offline;
                unsigned n_offline;
        } rows[] = {
                { "empty", { NULL }, "", 0, "", 0 },
                { "one", { "a:" }, "0", 1, "0", 1 },
                { "independent", { "a:", "b:", "c:" }, "0 0 0", 1, "0 0 0", 1 },
                { "chain", { "d: c", "c: b", "b: a", "a:" }, "3 2 1 0", 4, "0 1 2 3", 4 },
                { "diamond", { "base:", "left: base", "right: base", "top: left and right" }, "0 1 1 2", 3,
                  "2 1 1 0", 3 },
                { "diamond with a shortcut", { "base:", "left: base", "right: left", "top: base and right" },
                  "0 1 2 3", 4, "3 2 1 0", 4 },
                /* d needs c or a: a is up in wave 0, so d comes in wave 1;
                 * offline, d still goes before both. */
                { "or picks the earliest", { "a:", "b: a", "c: b", "d: (c or a)" }, "0 1 2 1", 3, "3 2 1 0", 4 },
                { "or, earliest written first", { "a:", "b: a", "c: b", "d: a or c" }, "0 1 2 1", 3, "3 2 1 0", 4 },
                { "or, earliest in the middle", { "a:", "b: a", "c: b", "d: c or a or b" }, "0 1 2 1", 3, "3 2 1 0",
                  4 },
                { "or and and", { "ip:", "db1: ip", "db2:", "web: (db1 or db2) and ip" }, "0 1 0 1", 2,
                  "2 1 1 0", 3 },
                { "or of late members", { "a:", "b: a", "c: a", "d: b or c" }, "0 1 1 2", 3, "2 1 1 0", 3 },
                { "two branches", { "ip1:", "web1: ip1", "ip2:", "web2: ip2", "lb: web1 and web2" },
                  "0 1 0 1 2", 3, "2 1 2 1 0", 3 },
                { "case", { "IP:", "web: ip" }, "0 1", 2, "1 0", 2 },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                Group g;
                group_load(&g, rows[i].spec);
                unsigned w[MAXR], nw = 99;
                char got[64], err[256] = "";
                assert_int_equal(depgraph_online_waves(g.r, g.n, w, &nw, err, sizeof err), 0);
                waves_text(w, g.n, got, sizeof got);
                if (strcmp(got, rows[i].online) != 0 || nw != rows[i].n_online)
                        fail_msg("%s: online waves \"%s\" (%u), want \"%s\" (%u)", rows[i].title, got, nw,
                                 rows[i].online, rows[i].n_online);
                nw = 99;
                assert_int_equal(depgraph_offline_waves(g.r, g.n, w, &nw, err, sizeof err), 0);
                waves_text(w, g.n, got, sizeof got);
                if (strcmp(got, rows[i].offline) != 0 || nw != rows[i].n_offline)
                        fail_msg("%s: offline waves \"%s\" (%u), want \"%s\" (%u)", rows[i].title, got, nw,
                                 rows[i].offline, rows[i].n_offline);
                /* Every dependency comes online in an earlier wave than at
                 * least one member of each OR-group, and goes offline later. */
                unsigned on[MAXR], off[MAXR];
                assert_int_equal(depgraph_online_waves(g.r, g.n, on, NULL, NULL, 0), 0);
                assert_int_equal(depgraph_offline_waves(g.r, g.n, off, NULL, NULL, 0), 0);
                for (size_t k = 0; k < g.n; k++)
                        for (size_t j = 0; g.e[k] && j < g.e[k]->n_groups; j++) {
                                bool earlier = false;
                                for (size_t m = 0; m < g.e[k]->groups[j].n_names; m++) {
                                        size_t d = SIZE_MAX;
                                        for (size_t q = 0; q < g.n; q++)
                                                if (strcasecmp(g.names[q], g.e[k]->groups[j].names[m]) == 0)
                                                        d = q;
                                        assert_true(d != SIZE_MAX);
                                        earlier = earlier || on[d] < on[k];
                                        assert_true(off[d] > off[k]);
                                }
                                assert_true(earlier);
                        }
                group_done(&g);
        }
}

static bool index_in(size_t index, void *userdata) {
        const Group *g = ((void **) userdata)[0];
        char *const *on = ((void **) userdata)[1];
        return in_set(g->names[index], (void *) on);
}

static void list_text(const Group *g, const size_t *l, size_t n, char *buf, size_t len) {
        size_t o = 0;
        buf[0] = 0;
        for (size_t i = 0; i < n; i++)
                o += (size_t) snprintf(buf + o, len - o, "%s%s", i ? " " : "", g->names[l[i]]);
}

#define DIAMOND { "base:", "left: base", "right: base", "top: left and right" }
#define CHAIN { "a:", "b: a", "c: b" }
#define ORDB { "db1:", "db2:", "web: db1 or db2" }

static void test_graph_dependents(void **state) {
        static const struct {
                const char *title;
                const char *spec[MAXR];
                const char *x;
                const char *online; /* NULL: structural */
                const char *want;
        } rows[] = {
                { "diamond base", DIAMOND, "base", NULL, "top left right" },
                { "diamond left", DIAMOND, "left", NULL, "top" },
                { "diamond top", DIAMOND, "top", NULL, "" },
                { "diamond base, all online", DIAMOND, "base", "base left right top", "top left right" },
                { "chain", CHAIN, "a", NULL, "c b" },
                { "chain, middle", CHAIN, "b", "a b c", "c" },
                { "chain, b already offline", CHAIN, "a", "a c", "" },
                { "or, other member up", ORDB, "db1", "db1 db2 web", "" },
                { "or, other member down", ORDB, "db1", "db1 web", "web" },
                { "or, structural", ORDB, "db1", NULL, "web" },
                { "or, dependent offline", ORDB, "db1", "db1", "" },
                { "or, transitive", { "db1:", "db2:", "app: db1 or db2", "web: app" }, "db1", "db1 app web", "web app" },
                { "or, transitive, covered", { "db1:", "db2:", "app: db1 or db2", "web: app" }, "db1",
                  "db1 db2 app web", "" },
                { "written before", { "web: app", "app: db", "db:" }, "db", "web app db", "web app" },
                { "or of two dependents",
                  { "ip:", "a: ip", "b: ip", "c: a or b", "d: c" }, "ip", "ip a b c d", "d c a b" },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                Group g;
                group_load(&g, rows[i].spec);
                _cleanup_strv_free_ char **on = words(rows[i].online);
                void *ud[2] = { &g, on };
                size_t *l = NULL, nl = 99;
                char err[256] = "", got[128];
                int r = depgraph_dependents(g.r, g.n, group_index(&g, rows[i].x), rows[i].online ? index_in : NULL,
                                            ud, &l, &nl, err, sizeof err);
                if (r != 0)
                        fail_msg("%s: %d %s", rows[i].title, r, err);
                list_text(&g, l, nl, got, sizeof got);
                if (strcmp(got, rows[i].want) != 0)
                        fail_msg("%s: got \"%s\", want \"%s\"", rows[i].title, got, rows[i].want);
                assert_true(nl > 0 || l == NULL);
                free(l);
                group_done(&g);
        }
}

static void test_graph_prerequisites(void **state) {
        static const struct {
                const char *title;
                const char *spec[MAXR];
                const char *x;
                const char *online;
                const char *want;
        } rows[] = {
                { "chain", CHAIN, "c", NULL, "a b" },
                { "chain, a up", CHAIN, "c", "a", "b" },
                { "chain, b up", CHAIN, "c", "b", "" },
                { "chain, root", CHAIN, "a", NULL, "" },
                { "diamond", DIAMOND, "top", NULL, "base left right" },
                { "diamond, left up", DIAMOND, "top", "base left", "right" },
                { "or picks the earliest wave", { "ip:", "db1: ip", "db2:", "web: (db1 or db2) and ip" }, "web",
                  NULL, "ip db2" },
                { "or, a member up", { "ip:", "db1: ip", "db2:", "web: (db1 or db2) and ip" }, "web", "db1",
                  "ip" },
                { "or, first written among equals", { "a:", "b:", "c: a or b" }, "c", NULL, "a" },
                { "or, second member up", { "a:", "b:", "c: a or b" }, "c", "b", "" },
                { "or, member needed anyway", { "a:", "b:", "c: (b or a) and a" }, "c", NULL, "a" },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                Group g;
                group_load(&g, rows[i].spec);
                _cleanup_strv_free_ char **on = words(rows[i].online);
                void *ud[2] = { &g, on };
                size_t *l = NULL, nl = 99;
                char err[256] = "", got[128];
                int r = depgraph_prerequisites(g.r, g.n, group_index(&g, rows[i].x),
                                               rows[i].online ? index_in : NULL, ud, &l, &nl, err, sizeof err);
                if (r != 0)
                        fail_msg("%s: %d %s", rows[i].title, r, err);
                list_text(&g, l, nl, got, sizeof got);
                if (strcmp(got, rows[i].want) != 0)
                        fail_msg("%s: got \"%s\", want \"%s\"", rows[i].title, got, rows[i].want);
                free(l);
                group_done(&g);
        }
}

static void test_graph_args(void **state) {
        Group g;
        group_load(&g, (const char *const[]) { "a:", "b: a", NULL });
        size_t *l = NULL, nl = 0;
        char err[256] = "";
        assert_int_equal(depgraph_dependents(g.r, g.n, 2, NULL, NULL, &l, &nl, err, sizeof err), -EINVAL);
        assert_string_equal(err, "resource index 2 is out of range (2 resources)");
        assert_int_equal(depgraph_prerequisites(g.r, g.n, 5, NULL, NULL, &l, &nl, NULL, 0), -EINVAL);
        assert_int_equal(depgraph_dependents(g.r, g.n, 0, NULL, NULL, NULL, &nl, NULL, 0), -EINVAL);
        assert_int_equal(depgraph_online_waves(g.r, g.n, NULL, NULL, NULL, 0), -EINVAL);
        DepResource unnamed[] = { { NULL, NULL } };
        assert_int_equal(depgraph_check(unnamed, 1, err, sizeof err, NULL, NULL), -EINVAL);
        assert_int_equal(depgraph_check(NULL, 0, NULL, 0, NULL, NULL), 0);
        group_done(&g);
}

/* A larger group: a long chain and a wide fan, no recursion limits. */
static void test_graph_large(void **state) {
        enum { N = 2000 };
        DepResource *r = calloc(N, sizeof(DepResource));
        DepExpr **e = calloc(N, sizeof(DepExpr *));
        char (*names)[16] = calloc(N, 16);
        assert_non_null(r);
        assert_non_null(e);
        assert_non_null(names);
        for (size_t i = 0; i < N; i++) {
                snprintf(names[i], 16, "r%zu", i);
                char text[64];
                if (i == 0)
                        text[0] = 0;
                else if (i % 2)
                        snprintf(text, sizeof text, "r%zu", i - 1);
                else
                        snprintf(text, sizeof text, "r%zu or r0", i - 1);
                e[i] = parse_ok(text);
                r[i] = (DepResource) { names[i], e[i] };
        }
        unsigned *w = calloc(N, sizeof(unsigned)), nw = 0;
        assert_non_null(w);
        assert_int_equal(depgraph_online_waves(r, N, w, &nw, NULL, 0), 0);
        /* Odd ones follow their even predecessor, even ones come right after r0. */
        assert_int_equal(w[0], 0);
        assert_int_equal(w[1], 1);
        assert_int_equal(w[2], 1);
        assert_int_equal(w[3], 2);
        assert_int_equal(nw, 3);
        assert_int_equal(depgraph_offline_waves(r, N, w, &nw, NULL, 0), 0);
        assert_int_equal(nw, N);
        assert_int_equal(w[0], N - 1);

        /* Close the chain into one long cycle. */
        depexpr_free(e[0]);
        char text[32];
        snprintf(text, sizeof text, "r%d", N - 1);
        e[0] = parse_ok(text);
        r[0].expr = e[0];
        char err[128];
        assert_int_equal(depgraph_check(r, N, err, sizeof err, NULL, NULL), -ELOOP);
        assert_non_null(strstr(err, "dependency cycle: r0 -> r"));

        for (size_t i = 0; i < N; i++)
                depexpr_free(e[i]);
        free(w);
        free(e);
        free(r);
        free(names);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_ok),
                cmocka_unit_test(test_parse_errors),
                cmocka_unit_test(test_parse_limits),
                cmocka_unit_test(test_and),
                cmocka_unit_test(test_remove),
                cmocka_unit_test(test_rename),
                cmocka_unit_test(test_respell),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_eval),
                cmocka_unit_test(test_equal),
                cmocka_unit_test(test_name_ok),
                cmocka_unit_test(test_graph_check),
                cmocka_unit_test(test_graph_waves),
                cmocka_unit_test(test_graph_dependents),
                cmocka_unit_test(test_graph_prerequisites),
                cmocka_unit_test(test_graph_args),
                cmocka_unit_test(test_graph_large),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
