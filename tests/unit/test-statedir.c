/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wolfpackd's configuration defaults (the directories and the socket follow
 * the state directory) and its state directory (the lock, the identity).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "daemon-config.h"
#include "statedir.h"

typedef struct Case {
        const char *state, *runtime, *log, *socket;                     /* given; NULL: not given */
        const char *want_runtime, *want_log, *want_socket;
} Case;

static void test_defaults_follow_the_state_dir(void **state) {
        static const Case cases[] = {
                /* The default state directory keeps the traditional places. */
                { NULL, NULL, NULL, NULL, "/run/wolfpack", "/var/log/wolfpack", "/run/wolfpack/wolfpack.sock" },
                { "/var/lib/wolfpack/", NULL, NULL, NULL, "/run/wolfpack", "/var/log/wolfpack",
                  "/run/wolfpack/wolfpack.sock" },
                /* Any other one: under it. */
                { "/srv/a", NULL, NULL, NULL, "/srv/a/run", "/srv/a/log", "/srv/a/run/wolfpack.sock" },
                { "/srv/b//", NULL, NULL, NULL, "/srv/b/run", "/srv/b/log", "/srv/b/run/wolfpack.sock" },
                { "/var/lib/wolfpack2", NULL, NULL, NULL, "/var/lib/wolfpack2/run", "/var/lib/wolfpack2/log",
                  "/var/lib/wolfpack2/run/wolfpack.sock" },
                /* What is given is kept; the socket follows the runtime directory. */
                { "/srv/a", "/run/x", NULL, NULL, "/run/x", "/srv/a/log", "/run/x/wolfpack.sock" },
                { "/srv/a", NULL, "/var/log/a", "/s.sock", "/srv/a/run", "/var/log/a", "/s.sock" },
                { NULL, "/run/y", "/l", NULL, "/run/y", "/l", "/run/y/wolfpack.sock" },
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                const Case *t = &cases[i];
                DaemonConfig c;
                char err[256];
                assert_int_equal(config_defaults(&c), 0);
                const char *keys[] = { "state-dir", "runtime-dir", "log-dir", "socket" };
                const char *values[] = { t->state, t->runtime, t->log, t->socket };
                for (size_t k = 0; k < 4; k++)
                        if (values[k])
                                assert_int_equal(config_set(&c, keys[k], values[k], "test", err, sizeof err), 0);
                assert_int_equal(config_finish(&c), 0);
                assert_string_equal(c.runtime_dir, t->want_runtime);
                assert_string_equal(c.log_dir, t->want_log);
                assert_string_equal(c.socket_path, t->want_socket);
                config_done(&c);
        }
}

/* The file settings count as given, and so does the environment's. */
static void test_file_settings_are_kept(void **state) {
        char dir[] = "/tmp/test-daemon-config-XXXXXX", path[64], err[256];
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof path, "%s/conf", dir);
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        fputs("state-dir = /srv/c\nlog-dir = /var/log/c\n", f);
        fclose(f);
        DaemonConfig c;
        assert_int_equal(config_defaults(&c), 0);
        assert_int_equal(config_load_file(&c, path, true, err, sizeof err), 0);
        assert_int_equal(config_finish(&c), 0);
        assert_string_equal(c.runtime_dir, "/srv/c/run");
        assert_string_equal(c.log_dir, "/var/log/c");
        config_done(&c);
        unlink(path);
        rmdir(dir);
}

static char *scratch(void) {
        char *dir = strdup("/tmp/test-statedir-XXXXXX");
        assert_non_null(dir);
        assert_non_null(mkdtemp(dir));
        return dir;
}

static void cleanup(char *dir) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
        free(dir);
}

static void test_lock_is_exclusive_and_names_the_holder(void **state) {
        char *dir = scratch(), err[512] = "", want[64];
        int first = -1, second = -1;

        assert_int_equal(statedir_lock(dir, &first, err, sizeof err), 0);
        assert_true(first >= 0);
        assert_true(fcntl(first, F_GETFD) & FD_CLOEXEC);
        /* A second open of the lock file conflicts, even in this process. */
        assert_int_equal(statedir_lock(dir, &second, err, sizeof err), -EBUSY);
        assert_int_equal(second, -1);
        snprintf(want, sizeof want, "in use by another wolfpackd (pid %ld)", (long) getpid());
        assert_non_null(strstr(err, want));
        assert_non_null(strstr(err, dir));
        assert_non_null(strstr(err, "--state-dir"));
        /* Released with its fd. */
        close(first);
        assert_int_equal(statedir_lock(dir, &second, err, sizeof err), 0);
        close(second);
        cleanup(dir);
}

static void test_identity_is_made_once_and_kept(void **state) {
        char *dir = scratch(), err[512] = "", *one = NULL, *two = NULL, path[128];

        assert_int_equal(statedir_identity(dir, &one, err, sizeof err), 0);
        assert_true(statedir_id_valid(one));
        assert_int_equal(statedir_identity(dir, &two, err, sizeof err), 0);
        assert_string_equal(one, two);
        free(two);

        /* Another state directory, another identity. */
        char *other = scratch();
        assert_int_equal(statedir_identity(other, &two, err, sizeof err), 0);
        assert_string_not_equal(one, two);
        free(two);
        cleanup(other);

        /* A file that holds something else is not taken for one. */
        snprintf(path, sizeof path, "%s/daemon-id", dir);
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        fputs("../../etc\n", f);
        fclose(f);
        two = NULL;
        assert_int_equal(statedir_identity(dir, &two, err, sizeof err), -EINVAL);
        assert_null(two);
        assert_non_null(strstr(err, path));
        free(one);
        cleanup(dir);
}

static void test_id_valid(void **state) {
        assert_true(statedir_id_valid("0123456789abcdef"));
        assert_true(statedir_id_valid("0123456789abcdef0123456789abcdef"));
        assert_false(statedir_id_valid(""));
        assert_false(statedir_id_valid("0123456789abcde"));
        assert_false(statedir_id_valid("0123456789ABCDEF"));
        assert_false(statedir_id_valid("0123456789abcdef-"));
        assert_false(statedir_id_valid("main"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults_follow_the_state_dir),
                cmocka_unit_test(test_file_settings_are_kept),
                cmocka_unit_test(test_lock_is_exclusive_and_names_the_holder),
                cmocka_unit_test(test_identity_is_made_once_and_kept),
                cmocka_unit_test(test_id_valid),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
