/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's file descriptor limit: the raised limit for each kind of
 * starting limit, and a raise in this process whose child gets the
 * original soft limit back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fd-limit.h"

static void test_raised(void **state) {
        static const struct {
                struct rlimit cur;
                rlim_t nr_open;
                rlim_t want;
        } cases[] = {
                { { 1024, 524288 }, 1048576, 524288 },           /* the usual: up to the hard limit */
                { { 1024, 4096 }, 1048576, 4096 },
                { { 1024, RLIM_INFINITY }, 1048576, 1048576 },   /* unlimited: what the kernel allows */
                { { 1024, 2097152 }, 1048576, 1048576 },         /* past fs.nr_open: up to it */
                { { 4096, 4096 }, 1048576, 4096 },               /* already there */
                { { 8192, 4096 * 4 }, 4096, 8192 },              /* above nr_open already: never lowered */
                { { RLIM_INFINITY, RLIM_INFINITY }, 1048576, RLIM_INFINITY },
                { { 0, 0 }, 1048576, 0 },
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                struct rlimit r = fd_limit_raised(cases[i].cur, cases[i].nr_open);
                assert_int_equal(r.rlim_cur, cases[i].want);
                assert_int_equal(r.rlim_max, cases[i].cur.rlim_max); /* the hard limit stays */
        }
}

static void test_restore_without_raise(void **state) {
        struct rlimit before, after;
        assert_int_equal(getrlimit(RLIMIT_NOFILE, &before), 0);
        assert_int_equal(fd_limit_restore(), 0);
        assert_int_equal(getrlimit(RLIMIT_NOFILE, &after), 0);
        assert_int_equal(after.rlim_cur, before.rlim_cur);
}

/* Raise this process's limit from a lowered soft limit; a child that
 * restores sees that soft limit again, the parent keeps the raised one. */
static void test_raise_and_restore(void **state) {
        struct rlimit orig;
        assert_int_equal(getrlimit(RLIMIT_NOFILE, &orig), 0);
        if (orig.rlim_max != RLIM_INFINITY && orig.rlim_max < 200)
                skip();
        struct rlimit low = { 100, orig.rlim_max };
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);

        assert_int_equal(fd_limit_raise(), 0);
        struct rlimit now;
        assert_int_equal(getrlimit(RLIMIT_NOFILE, &now), 0);
        assert_true(now.rlim_cur > 100);
        assert_int_equal(now.rlim_max, orig.rlim_max);

        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct rlimit child;
                _exit(fd_limit_restore() == 0 && getrlimit(RLIMIT_NOFILE, &child) == 0 && child.rlim_cur == 100 &&
                                      child.rlim_max == orig.rlim_max
                              ? 0
                              : 1);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);

        struct rlimit parent;
        assert_int_equal(getrlimit(RLIMIT_NOFILE, &parent), 0);
        assert_int_equal(parent.rlim_cur, now.rlim_cur);
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &orig), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_raised),
                cmocka_unit_test(test_restore_without_raise),
                cmocka_unit_test(test_raise_and_restore),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
