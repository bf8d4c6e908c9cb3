/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hashmap.h"

static void test_put_get_remove(void **state) {
        Hashmap *h = hashmap_new();
        assert_non_null(h);
        static char keys[5000][16];
        for (int i = 0; i < 5000; i++) {
                snprintf(keys[i], sizeof(keys[i]), "k%d", i);
                assert_int_equal(hashmap_put(h, keys[i], keys[i]), 0);
        }
        assert_int_equal(hashmap_size(h), 5000);
        assert_int_equal(hashmap_put(h, "k17", NULL), -EEXIST);
        for (int i = 0; i < 5000; i++)
                assert_ptr_equal(hashmap_get(h, keys[i]), keys[i]);
        assert_null(hashmap_get(h, "nope"));
        for (int i = 0; i < 5000; i += 2)
                assert_ptr_equal(hashmap_remove(h, keys[i]), keys[i]);
        assert_null(hashmap_remove(h, "k0"));
        assert_int_equal(hashmap_size(h), 2500);
        for (int i = 0; i < 5000; i++)
                assert_true((hashmap_get(h, keys[i]) != NULL) == (i % 2 == 1));
        hashmap_free(h);
}

static void test_iterate_visits_each_once(void **state) {
        Hashmap *h = hashmap_new();
        static char keys[300][8];
        int seen[300] = {};
        for (int i = 0; i < 300; i++) {
                snprintf(keys[i], sizeof(keys[i]), "%d", i);
                assert_int_equal(hashmap_put(h, keys[i], &seen[i]), 0);
        }
        size_t it = 0;
        const char *k;
        int *v, n = 0;
        while ((v = hashmap_next(h, &it, &k))) {
                (*v)++;
                assert_int_equal(atoi(k), (int) (v - seen));
                n++;
        }
        assert_int_equal(n, 300);
        for (int i = 0; i < 300; i++)
                assert_int_equal(seen[i], 1);
        /* The remove-first-and-restart pattern empties the table. */
        while ((it = 0, v = hashmap_next(h, &it, &k)))
                hashmap_remove(h, k);
        assert_int_equal(hashmap_size(h), 0);
        hashmap_free(h);
        assert_null(hashmap_free(NULL));
}

static int freed;
static void count_free(void *v) {
        freed++;
        free(v);
}

static void test_free_with_frees_every_value(void **state) {
        Hashmap *h = hashmap_new();
        for (int i = 0; i < 100; i++) {
                char *k = malloc(8);
                snprintf(k, 8, "%d", i);
                assert_int_equal(hashmap_put(h, k, k), 0);
        }
        freed = 0;
        assert_null(hashmap_free_with(h, count_free));
        assert_int_equal(freed, 100);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_put_get_remove),
                cmocka_unit_test(test_iterate_visits_each_once),
                cmocka_unit_test(test_free_with_frees_every_value),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
