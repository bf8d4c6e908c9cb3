/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* API paths built from typed names: escaped so no name reaches another
 * route. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "cli-path.h"

static void assert_escape(const char *in, const char *want) {
        char *s = cli_url_escape(in);
        assert_string_equal(s, want);
        free(s);
}

static void test_escape(void **state) {
        assert_escape("web-1.a_b~", "web-1.a_b~");
        assert_escape("../a b/?#%é", "..%2Fa%20b%2F%3F%23%25%C3%A9");
        assert_escape("", "");
        /* "." and ".." as a whole segment would be removed by any URL
         * normaliser (RFC 3986 section 5.2.4): encoded, they stay a name. */
        assert_escape(".", "%2E");
        assert_escape("..", "%2E%2E");
        assert_escape("...", "...");
        assert_escape(".a", ".a");
}

static void assert_path(const char *want, const char *collection, const char *name, const char *action,
                        const char *key, const char *value) {
        char *p;
        assert_int_equal(cli_path(&p, collection, name, action, key, value), 0);
        assert_string_equal(p, want);
        free(p);
}

static void test_paths(void **state) {
        assert_path("/v1/groups", "groups", NULL, NULL, NULL, NULL);
        assert_path("/v1/groups/web", "groups", "web", NULL, NULL, NULL);
        assert_path("/v1/groups/web/online", "groups", "web", "online", NULL, NULL);
        assert_path("/v1/resources/a%2F..%2Fb/fail", "resources", "a/../b", "fail", NULL, NULL);
        assert_path("/v1/resources?group=web%26x%3D1", "resources", NULL, NULL, "group", "web&x=1");
        assert_path("/v1/log?since=1h%2030m", "log", NULL, NULL, "since", "1h 30m");
        assert_path("/v1/groups/%2E%2E/online", "groups", "..", "online", NULL, NULL);
        assert_path("/v1/resources?group=%2E", "resources", NULL, NULL, "group", ".");
        /* An action without a name is left out. */
        assert_path("/v1/nodes", "nodes", NULL, "drain", NULL, NULL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_escape),
                cmocka_unit_test(test_paths),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
