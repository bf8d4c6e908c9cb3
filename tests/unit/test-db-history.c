/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cluster database's failure history stays bounded however fast
 * failures come: the newest DB_FAILURES_PER_OBJECT rows of an object and
 * kind are kept, rows older than the longest period before the message's
 * time go, and other objects' rows are untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "db.h"
#include "macro.h"

#define T0 INT64_C(1767225600000)

static char dir[] = "/tmp/wp-test-db-XXXXXX";

static Db *open_db(void) {
        char path[256], err[256] = "";
        snprintf(path, sizeof path, "%s/cluster.db", dir);
        Db *db = NULL;
        if (db_open(path, &db, err, sizeof err) < 0)
                fail_msg("db_open: %s", err);
        return db;
}

static void record(Db *db, const char *object, const char *kind, int64_t t) {
        char err[256] = "";
        json_t *m = json_pack("{s:s, s:s, s:s, s:i, s:I}", "type", "failure.record", "object", object, "kind", kind,
                              "node", 1, "time_ms", (json_int_t) t);
        assert_non_null(m);
        if (db_apply(db, m, err, sizeof err) < 0)
                fail_msg("failure.record: %s", err);
        json_decref(m);
}

static size_t rows(Db *db, const char *object, const char *kind, int64_t *ret_first) {
        json_t *a = db_failures(db, object, 0);
        size_t n = 0, i;
        json_t *f;
        json_array_foreach(a, i, f) {
                if (strcmp(json_string_value(json_object_get(f, "kind")), kind) != 0)
                        continue;
                if (n++ == 0 && ret_first)
                        *ret_first = json_integer_value(json_object_get(f, "time_ms"));
        }
        json_decref(a);
        return n;
}

static void test_failures_per_object_capped(void **state) {
        Db *db = open_db();
        const size_t extra = 100;
        for (size_t i = 0; i < DB_FAILURES_PER_OBJECT + extra; i++)
                record(db, "r-1", "restart", T0 + (int64_t) i);
        record(db, "r-2", "restart", T0);
        record(db, "r-1", "failover", T0);
        int64_t first = 0;
        assert_int_equal(rows(db, "r-1", "restart", &first), DB_FAILURES_PER_OBJECT);
        /* The oldest went; the newest stayed. */
        assert_int_equal(first, T0 + (int64_t) extra);
        assert_int_equal(rows(db, "r-2", "restart", NULL), 1);
        assert_int_equal(rows(db, "r-1", "failover", NULL), 1);
        db_free(db);
}

static void test_failures_expire_by_message_time(void **state) {
        Db *db = open_db();
        record(db, "r-3", "restart", T0);
        record(db, "r-3", "restart", T0 + 1000);
        /* Just inside the longest period: kept. */
        record(db, "r-4", "restart", T0 + DB_FAILURE_HISTORY_MS);
        assert_int_equal(rows(db, "r-3", "restart", NULL), 2);
        /* A message past it trims by its own time, whatever the clock says. */
        record(db, "r-4", "restart", T0 + DB_FAILURE_HISTORY_MS + 1);
        int64_t first = 0;
        assert_int_equal(rows(db, "r-3", "restart", &first), 1);
        assert_int_equal(first, T0 + 1000);
        db_free(db);
}

static int setup(void **state) {
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_failures_per_object_capped),
                cmocka_unit_test(test_failures_expire_by_message_time),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
