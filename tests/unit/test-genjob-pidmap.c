/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pid map: put, get, remove, iteration with removal, growth and the
 * shrink after many removals, against a plain array as the reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "genjob-pidmap.h"

#define N 5000

static void test_basic(void **state) {
        JobPidmap *m = job_pidmap_new();
        int a, b;

        assert_non_null(m);
        assert_int_equal(job_pidmap_put(m, 0, &a), -EINVAL);
        assert_int_equal(job_pidmap_put(m, 7, NULL), -EINVAL);
        assert_int_equal(job_pidmap_put(m, 7, &a), 0);
        assert_int_equal(job_pidmap_put(m, 7, &b), 0);
        assert_ptr_equal(job_pidmap_get(m, 7), &b);
        assert_int_equal(job_pidmap_size(m), 1);
        assert_null(job_pidmap_get(m, 8));
        assert_ptr_equal(job_pidmap_remove(m, 7), &b);
        assert_null(job_pidmap_remove(m, 7));
        assert_int_equal(job_pidmap_size(m), 0);
        job_pidmap_free(m);
}

static void test_many(void **state) {
        JobPidmap *m = job_pidmap_new();
        static char present[N * 7 + 1];
        size_t it = 0, seen = 0;
        pid_t pid;
        void *v;

        for (int i = 1; i <= N; i++) {
                assert_int_equal(job_pidmap_put(m, i * 7, (void *) (uintptr_t) i), 0);
                present[i * 7] = 1;
        }
        assert_int_equal(job_pidmap_size(m), N);
        /* Remove every other one while iterating. */
        while ((pid = job_pidmap_next(m, &it, &v))) {
                assert_int_equal((uintptr_t) v * 7, pid);
                seen++;
                if ((pid / 7) % 2 == 0) {
                        assert_ptr_equal(job_pidmap_remove(m, pid), v);
                        present[pid] = 0;
                }
        }
        assert_int_equal(seen, N);
        assert_int_equal(job_pidmap_size(m), (N + 1) / 2);
        for (int i = 1; i <= N; i++)
                if (present[i * 7])
                        assert_ptr_equal(job_pidmap_get(m, i * 7), (void *) (uintptr_t) i);
                else
                        assert_null(job_pidmap_get(m, i * 7));
        /* Churn: tombstones never fill the table. */
        for (int round = 0; round < 20; round++)
                for (int i = 1; i <= N; i++) {
                        assert_int_equal(job_pidmap_put(m, 100000 + i, m), 0);
                        assert_ptr_equal(job_pidmap_remove(m, 100000 + i), m);
                }
        assert_int_equal(job_pidmap_size(m), (N + 1) / 2);
        job_pidmap_free(m);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_basic),
                cmocka_unit_test(test_many),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
