/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What goes into a node's TLS certificate (src/cli/cli-cert-names.c):
 * --host values as IP or DNS names, the rule in every refusal, the set of
 * names each once, and --days. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli-cert-names.h"
#include "macro.h"

static char err[1024];

static void test_addresses(void **state) {
        static const struct {
                const char *in, *text;
                size_t len;
        } cases[] = {
                { "10.0.0.1", "10.0.0.1", 4 },
                { "127.0.0.1", "127.0.0.1", 4 },
                { "::1", "::1", 16 },
                { "[::1]", "::1", 16 },
                { "fd00:0:0::0003", "fd00::3", 16 },
                { "[FE80::1]", "fe80::1", 16 },
                { "::ffff:10.0.0.1", "::ffff:10.0.0.1", 16 },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                CertSan s;
                assert_int_equal(cert_san_parse(cases[i].in, &s, err, sizeof err), 0);
                assert_int_equal(s.type, CERT_SAN_IP);
                assert_string_equal(s.text, cases[i].text);
                assert_int_equal(s.ip_len, cases[i].len);
                assert_string_equal(cert_san_kind(&s), "IP");
        }
        CertSan s;
        assert_int_equal(cert_san_parse("10.1.2.3", &s, err, sizeof err), 0);
        assert_memory_equal(s.ip, "\x0a\x01\x02\x03", 4);
}

static void test_names(void **state) {
        static const char *const good[] = {
                "localhost", "alpha", "n1", "web-1.example.com", "*.example.com", "A.B.C", "x",
                "1host.example", "a.b-c.d", "xn--bcher-kva.example", "10.0.0.a",
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                CertSan s;
                if (cert_san_parse(good[i], &s, err, sizeof err) < 0)
                        fail_msg("%s: %s", good[i], err);
                assert_int_equal(s.type, CERT_SAN_DNS);
                assert_string_equal(s.text, good[i]);
                assert_int_equal(s.ip_len, 0);
                assert_string_equal(cert_san_kind(&s), "DNS");
        }
}

static void test_refused(void **state) {
        char long_label[80], too_long[300];
        memset(long_label, 'a', 64);
        long_label[64] = 0;
        for (size_t i = 0; i < 254; i += 2)
                memcpy(too_long + i, "a.", 2);
        too_long[253] = 'a';
        too_long[254] = 0;
        const char *const bad[] = {
                "",
                "a_b",                  /* underscore */
                "web server",
                "-web",
                "web-",
                "a..b",
                ".a",
                "a.",
                "*",
                "*.",
                "a.*.example.com",      /* '*' only as the first label */
                "w*.example.com",
                "**.example.com",
                "10.0.0.300",           /* a mistyped address, not a name */
                "1.2.3",
                "01.2.3.4",
                "0.0.0.0",              /* unspecified */
                "::",
                "[::",
                "fe80::1%eth0",
                "[10.0.0.1]x",
                "café.example",
                "a/b",
                long_label,
                too_long,
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                CertSan s = { .type = CERT_SAN_DNS, .text = "untouched" };
                err[0] = 0;
                int r = cert_san_parse(bad[i], &s, err, sizeof err);
                if (r != -EINVAL)
                        fail_msg("%s: %d (%s)", bad[i], r, s.text);
                assert_string_equal(s.text, "untouched");
                assert_true(strncmp(err, "--host \"", 8) == 0);
        }
        /* The rule is said, whole. */
        CertSan s;
        assert_int_equal(cert_san_parse("a_b", &s, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "give an IPv4 or IPv6 address, or a DNS name: letters, digits, '-' and '.'"));
        assert_non_null(strstr(err, "'*' only as the whole first label (*.example.com)"));
        assert_int_equal(cert_san_parse("0.0.0.0", &s, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "the unspecified address"));
}

static void test_dns_name_valid(void **state) {
        assert_true(cert_dns_name_valid("alpha", false));
        assert_false(cert_dns_name_valid("*.example.com", false));
        assert_true(cert_dns_name_valid("*.example.com", true));
        assert_false(cert_dns_name_valid("al_pha", false));
        assert_false(cert_dns_name_valid("123", false));
        char max[254];
        /* 253 characters: labels of 63, 63, 63 and 61. */
        memset(max, 'a', 253);
        max[63] = max[127] = max[191] = '.';
        max[253] = 0;
        assert_true(cert_dns_name_valid(max, false));
}

static void test_sans(void **state) {
        CertSans s = {};
        assert_int_equal(cert_sans_add(&s, "alpha", err, sizeof err), 0);
        assert_int_equal(cert_sans_add(&s, "ALPHA", err, sizeof err), 0);      /* the same name */
        assert_int_equal(cert_sans_add(&s, "10.0.0.1", err, sizeof err), 0);
        assert_int_equal(cert_sans_add(&s, "[::1]", err, sizeof err), 0);
        cert_sans_add_local(&s);                                                /* ::1 once */
        assert_int_equal(s.n, 5);
        assert_string_equal(s.san[0].text, "alpha");
        assert_string_equal(s.san[1].text, "10.0.0.1");
        assert_string_equal(s.san[2].text, "::1");
        assert_string_equal(s.san[3].text, "localhost");
        assert_string_equal(s.san[4].text, "127.0.0.1");
        assert_int_equal(cert_sans_add(&s, "bad name", err, sizeof err), -EINVAL);
        assert_int_equal(s.n, 5);

        CertSans t = {};
        cert_sans_add_local(&t);
        assert_int_equal(cert_sans_add(&t, "0:0::1", err, sizeof err), 0);
        assert_int_equal(cert_sans_add(&t, "10.0.0.1", err, sizeof err), 0);
        assert_false(cert_sans_same(&s, &t));
        assert_int_equal(cert_sans_add(&t, "Alpha", err, sizeof err), 0);
        assert_true(cert_sans_same(&s, &t));
        assert_true(cert_sans_same(&t, &s));
        assert_int_equal(cert_sans_add(&t, "beta", err, sizeof err), 0);
        assert_false(cert_sans_same(&s, &t));
        assert_false(cert_sans_same(&t, &s));

        /* An address and a name spelling it are not the same. */
        CertSan a, b;
        assert_int_equal(cert_san_parse("10.0.0.1", &a, err, sizeof err), 0);
        assert_int_equal(cert_san_parse("ten.example", &b, err, sizeof err), 0);
        assert_false(cert_san_equal(&a, &b));

        CertSans full = {};
        char name[16];
        for (int i = 0; i < CERT_SANS_MAX; i++) {
                snprintf(name, sizeof name, "n%d", i);
                assert_int_equal(cert_sans_add(&full, name, err, sizeof err), 0);
        }
        assert_int_equal(cert_sans_add(&full, "n0", err, sizeof err), 0);
        assert_int_equal(cert_sans_add(&full, "one-more", err, sizeof err), -E2BIG);
        assert_non_null(strstr(err, "at most 64 names"));
}

static void test_days(void **state) {
        unsigned d = 7;
        assert_int_equal(cert_days_parse("1", &d, err, sizeof err), 0);
        assert_int_equal(d, 1);
        assert_int_equal(cert_days_parse("825", &d, err, sizeof err), 0);
        assert_int_equal(d, 825);
        assert_int_equal(cert_days_parse("36500", &d, err, sizeof err), 0);
        assert_int_equal(d, 36500);
        static const char *const bad[] = { "0", "-1", "36501", "", "ten", "1.5", "30d", "99999999999999999999" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                d = 7;
                assert_int_equal(cert_days_parse(bad[i], &d, err, sizeof err), -EINVAL);
                assert_int_equal(d, 7);
                assert_non_null(strstr(err, "a whole number of days from 1 to 36500 (default 825)"));
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_addresses),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_refused),
                cmocka_unit_test(test_dns_name_valid),
                cmocka_unit_test(test_sans),
                cmocka_unit_test(test_days),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
