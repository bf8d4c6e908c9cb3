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

static void test_escape(void **state) {
        char *s = cli_url_escape("web-1.a_b~");
        assert_string_equal(s, "web-1.a_b~");
        free(s);
        s = cli_url_escape("../a b/?#%é");
        assert_string_equal(s, "..%2Fa%20b%2F%3F%23%25%C3%A9");
        free(s);
        s = cli_url_escape("");
        assert_string_equal(s, "");
        free(s);
}

static void test_paths(void **state) {
        char *p;
        assert_int_equal(cli_path(&p, "groups", NULL, NULL, NULL, NULL), 0);
        assert_string_equal(p, "/v1/groups");
        free(p);
        assert_int_equal(cli_path(&p, "groups", "web", NULL, NULL, NULL), 0);
        assert_string_equal(p, "/v1/groups/web");
        free(p);
        assert_int_equal(cli_path(&p, "groups", "web", "online", NULL, NULL), 0);
        assert_string_equal(p, "/v1/groups/web/online");
        free(p);
        assert_int_equal(cli_path(&p, "resources", "a/../b", "fail", NULL, NULL), 0);
        assert_string_equal(p, "/v1/resources/a%2F..%2Fb/fail");
        free(p);
        assert_int_equal(cli_path(&p, "resources", NULL, NULL, "group", "web&x=1"), 0);
        assert_string_equal(p, "/v1/resources?group=web%26x%3D1");
        free(p);
        assert_int_equal(cli_path(&p, "log", NULL, NULL, "since", "1h 30m"), 0);
        assert_string_equal(p, "/v1/log?since=1h%2030m");
        free(p);
        /* An action without a name is left out. */
        assert_int_equal(cli_path(&p, "nodes", NULL, "drain", NULL, NULL), 0);
        assert_string_equal(p, "/v1/nodes");
        free(p);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_escape),
                cmocka_unit_test(test_paths),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
