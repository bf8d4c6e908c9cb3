/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Addresses of the ipaddr type (src/ipaddr/ipaddr-addr.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "ipaddr-addr.h"

static void test_parse(void **state) {
        IpAddr a;
        char err[256], buf[64];
        assert_int_equal(ipaddr_parse("192.0.2.10/24", &a, err, sizeof err), 0);
        assert_int_equal(a.family, AF_INET);
        assert_int_equal(a.prefix, 24);
        assert_string_equal(ipaddr_format(&a, buf, sizeof buf), "192.0.2.10");
        assert_int_equal(ipaddr_parse("192.0.2.10", &a, err, sizeof err), 0);
        assert_int_equal(a.prefix, -1);
        assert_int_equal(ipaddr_parse("2001:db8::10/64", &a, err, sizeof err), 0);
        assert_int_equal(a.family, AF_INET6);
        assert_int_equal(ipaddr_len(&a), 16);
        assert_string_equal(ipaddr_format(&a, buf, sizeof buf), "2001:db8::10");
        static const char *const bad[] = { "", "192.0.2", "192.0.2.300", "192.0.2.1/0", "192.0.2.1/33", "192.0.2.1/",
                                           "192.0.2.1/2x", "::1/129", "host.example", NULL };
        for (const char *const *b = bad; *b; b++)
                assert_int_equal(ipaddr_parse(*b, &a, err, sizeof err), -EINVAL);
        assert_int_equal(ipaddr_parse(NULL, &a, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "give an IPv4 or IPv6 address"));
        assert_int_equal(ipaddr_parse("10.0.0.1/40", &a, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "1 to 32"));
}

static void test_subnet(void **state) {
        IpAddr net, a;
        char err[256];
        assert_int_equal(ipaddr_parse("10.1.2.3/23", &net, err, sizeof err), 0);
        assert_int_equal(ipaddr_parse("10.1.3.200", &a, err, sizeof err), 0);
        assert_true(ipaddr_in_subnet(&net, &a));
        assert_int_equal(ipaddr_parse("10.1.4.1", &a, err, sizeof err), 0);
        assert_false(ipaddr_in_subnet(&net, &a));
        assert_int_equal(ipaddr_parse("2001:db8::1/64", &net, err, sizeof err), 0);
        assert_false(ipaddr_in_subnet(&net, &a)); /* another family */
        assert_int_equal(ipaddr_parse("2001:db8::ffff:1", &a, err, sizeof err), 0);
        assert_true(ipaddr_in_subnet(&net, &a));
        assert_int_equal(ipaddr_parse("2001:db9::1", &a, err, sizeof err), 0);
        assert_false(ipaddr_in_subnet(&net, &a));
        /* No prefix: no subnet. */
        assert_int_equal(ipaddr_parse("10.1.2.3", &net, err, sizeof err), 0);
        assert_false(ipaddr_in_subnet(&net, &net));
        IpAddr b;
        assert_int_equal(ipaddr_parse("10.1.2.3/8", &b, err, sizeof err), 0);
        assert_true(ipaddr_equal(&net, &b));
}

int main(void) {
        const struct CMUnitTest tests[] = { cmocka_unit_test(test_parse), cmocka_unit_test(test_subnet) };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
