/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* corosync.conf's nodelist edited as text (src/daemon/corosync-nodelist.c):
 * the evicted node's block goes, everything else stays byte for byte. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "corosync-nodelist.h"

static const char conf[] =
        "# written by hand\n"
        "totem {\n"
        "  version: 2\n"
        "  cluster_name: web\n"
        "  interface {\n"
        "    linknumber: 0\n"
        "  }\n"
        "}\n"
        "nodelist {\n"
        "  node {\n"
        "    ring0_addr: 10.0.0.1\n"
        "    nodeid: 1\n"
        "    name: n1\n"
        "  }\n"
        "  # the second one\n"
        "\tnode\t{\n"
        "    name: n2\n"
        "    nodeid :  2 \n"
        "  }\n"
        "  node {\n"
        "    nodeid: 3\n"
        "    name: n3\n"
        "  }\n"
        "}\n"
        "quorum {\n"
        "  provider: corosync_votequorum\n"
        "}\n";

static void test_drops_one_block_and_keeps_the_rest(void **state) {
        char *out = NULL, err[128] = "";
        size_t left = 0;
        assert_int_equal(corosync_nodelist_drop(conf, 2, &out, &left, err, sizeof(err)), 0);
        assert_int_equal(left, 2);
        const char *start = strstr(conf, "\tnode\t{"), *end = strstr(start, "  }\n") + 4;
        size_t before = (size_t) (start - conf);
        assert_int_equal(strlen(out), strlen(conf) - (size_t) (end - start));
        assert_memory_equal(out, conf, before);
        assert_string_equal(out + before, end);
        assert_null(strstr(out, "n2"));
        assert_non_null(strstr(out, "# the second one"));
        free(out);

        assert_int_equal(corosync_nodelist_drop(conf, 3, &out, &left, err, sizeof(err)), 0);
        assert_null(strstr(out, "n3"));
        assert_non_null(strstr(out, "name: n2\n    nodeid :  2 \n  }\n}\nquorum {"));
        free(out);
}

static void test_an_id_not_listed_is_enoent(void **state) {
        char *out = NULL, err[128] = "";
        assert_int_equal(corosync_nodelist_drop(conf, 4, &out, NULL, err, sizeof(err)), -ENOENT);
        assert_null(out);
        /* A nodeid outside the nodelist is not a node. */
        const char other[] = "totem {\n  nodeid: 5\n}\nnodelist {\n  node {\n    nodeid: 1\n  }\n}\n";
        assert_int_equal(corosync_nodelist_drop(other, 5, &out, NULL, err, sizeof(err)), -ENOENT);
        assert_int_equal(corosync_nodelist_drop(other, 1, &out, NULL, err, sizeof(err)), 0);
        assert_string_equal(out, "totem {\n  nodeid: 5\n}\nnodelist {\n}\n");
        free(out);
}

static void test_bad_files_say_where(void **state) {
        char *out = NULL, err[128] = "";
        assert_int_equal(corosync_nodelist_drop("nodelist {\n  node {\n    nodeid: 1\n  }\n", 1, &out, NULL, err,
                                                sizeof(err)),
                         -EINVAL);
        assert_non_null(strstr(err, "not closed"));
        assert_int_equal(corosync_nodelist_drop("}\n", 1, &out, NULL, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "line 1"));
        assert_int_equal(corosync_nodelist_drop("nodelist {\n  node {\n    name: a\n  }\n}\n", 1, &out, NULL, err,
                                                sizeof(err)),
                         -EINVAL);
        assert_non_null(strstr(err, "line 2") && strstr(err, "no nodeid"));
        assert_int_equal(corosync_nodelist_drop("nodelist {\n  node {\n    nodeid: x1\n  }\n}\n", 1, &out, NULL, err,
                                                sizeof(err)),
                         -EINVAL);
        assert_null(out);
}

static void test_no_final_newline(void **state) {
        char *out = NULL, err[128] = "";
        assert_int_equal(corosync_nodelist_drop("nodelist {\n node {\n nodeid: 7\n }\n}", 7, &out, NULL, err,
                                                sizeof(err)),
                         0);
        assert_string_equal(out, "nodelist {\n}");
        free(out);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_drops_one_block_and_keeps_the_rest),
                cmocka_unit_test(test_an_id_not_listed_is_enoent),
                cmocka_unit_test(test_bad_files_say_where),
                cmocka_unit_test(test_no_final_newline),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
