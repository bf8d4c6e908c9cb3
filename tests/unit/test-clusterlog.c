/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cluster log (src/daemon/clusterlog.c): what a node answers for its
 * own entries — from memory, and from its files once memory does not
 * reach back so far (after a restart) — the newest ones up to the limit,
 * oldest first, saying when older ones were left out. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "clusterlog.h"
#include "macro.h"

static char dir[] = "/tmp/test-clusterlog-XXXXXX";

static void add(ClusterLog *l, const char *time, int i) {
        json_t *e = json_pack("{s:s, s:s, s:s, s:s}", "level", "info", "code", "TEST", "text", "x", "time", time);
        char t[16];
        snprintf(t, sizeof(t), "%d", i);
        json_object_set_new(e, "text", json_string(t));
        clusterlog_add(l, e);
}

static void expect(json_t *got, int first, int last) {
        assert_int_equal(json_array_size(got), last - first + 1);
        for (int i = first; i <= last; i++) {
                char t[16];
                snprintf(t, sizeof(t), "%d", i);
                assert_string_equal(json_string_value(json_object_get(json_array_get(got, i - first), "text")), t);
        }
}

/* The query answers entries first..last, and says more as given. */
static void query_is(ClusterLog *l, const char *since, unsigned limit, int first, int last, bool more) {
        json_t *got = NULL;
        bool got_more = !more;
        assert_int_equal(clusterlog_query(l, since, limit, &got, &got_more), 0);
        if (last < first)
                assert_int_equal(json_array_size(got), 0);
        else
                expect(got, first, last);
        assert_int_equal(got_more, more);
        for (size_t i = 0; i < json_array_size(got); i++)
                assert_int_equal(json_integer_value(json_object_get(json_array_get(got, i), "node")), 2);
        json_decref(got);
}

static void times(int i, char *buf, size_t len) {
        snprintf(buf, len, "2026-12-03T10:%02d:%02d.000000Z", i / 60, i % 60);
}

static void test_query(void **state) {
        assert_non_null(mkdtemp(dir));
        ClusterLog *l = NULL;
        assert_int_equal(clusterlog_new(dir, 2, &l), 0);
        char t[40];
        for (int i = 0; i < 100; i++) {
                times(i, t, sizeof(t));
                add(l, t, i);
        }
        query_is(l, NULL, 2000, 0, 99, false);
        query_is(l, NULL, 10, 90, 99, true);
        query_is(l, "2026-12-03T10:01:30", 2000, 90, 99, false);
        l = clusterlog_free(l);

        /* Restarted: memory is empty, the file still has them all. */
        assert_int_equal(clusterlog_new(dir, 2, &l), 0);
        times(100, t, sizeof(t));
        add(l, t, 100);
        query_is(l, NULL, 2000, 0, 100, false);
        query_is(l, NULL, 5, 96, 100, true);
        query_is(l, "2026-12-03T10:01:00", 2000, 60, 100, false);
        query_is(l, "2026-12-03T11:00:00", 2000, 1, 0, false);
        l = clusterlog_free(l);

        /* The rotated file is read after the current one; a line that is
         * no entry is skipped. */
        char from[200], to[200];
        snprintf(from, sizeof(from), "%s/cluster.log", dir);
        snprintf(to, sizeof(to), "%s/cluster.log.1", dir);
        assert_int_equal(rename(from, to), 0);
        FILE *f = fopen(from, "w");
        fputs("not json\n\n", f);
        fclose(f);
        assert_int_equal(clusterlog_new(dir, 2, &l), 0);
        times(101, t, sizeof(t));
        add(l, t, 101);
        query_is(l, "2026-12-03T10:01:35", 2000, 95, 101, false);
        l = clusterlog_free(l);
        unlink(from);
        unlink(to);
        rmdir(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_query),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
