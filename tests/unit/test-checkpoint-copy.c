/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A checkpoint's copy (src/daemon/checkpoint-copy.c): a tree captured and
 * written back elsewhere holds the same files, links, modes and times. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "checkpoint-copy.h"

static void put(const char *path, const char *text, mode_t mode, time_t mtime) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        assert_int_equal(chmod(path, mode), 0);
        struct timespec t[2] = { { mtime - 5, 0 }, { mtime, 123456789 } };
        assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
}

static char *slurp(const char *path) {
        FILE *f = fopen(path, "r");
        if (!f)
                return NULL;
        static char buf[4096];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = 0;
        fclose(f);
        return buf;
}

static void test_round_trip(void **state) {
        char src[] = "/tmp/ckpt-src-XXXXXX", dst[] = "/tmp/ckpt-dst-XXXXXX";
        assert_non_null(mkdtemp(src));
        assert_non_null(mkdtemp(dst));
        char a[256], dir[256], b[256], link[256], missing[256];
        snprintf(a, sizeof a, "%s/app.conf", src);
        snprintf(dir, sizeof dir, "%s/data", src);
        snprintf(b, sizeof b, "%s/data/state.bin", src);
        snprintf(link, sizeof link, "%s/data/current", src);
        snprintf(missing, sizeof missing, "%s/not-yet", src);
        put(a, "listen 8080\n", 0640, 1700000000);
        assert_int_equal(mkdir(dir, 0750), 0);
        put(b, "\x01\x02\xff binary", 0600, 1700000100);
        assert_int_equal(symlink("state.bin", link), 0);
        char *const paths[] = { a, dir, missing, NULL };
        char *text = NULL, err[512];
        assert_int_equal(checkpoint_capture(paths, 1 << 20, &text, err, sizeof err), 0);
        /* The same tree, the same text. */
        char *again = NULL;
        assert_int_equal(checkpoint_capture(paths, 1 << 20, &again, err, sizeof err), 0);
        assert_string_equal(text, again);
        free(again);

        assert_int_equal(checkpoint_write(text, dst, err, sizeof err), 0);
        char out[512];
        struct stat st;
        snprintf(out, sizeof out, "%s%s", dst, a);
        assert_string_equal(slurp(out), "listen 8080\n");
        assert_int_equal(stat(out, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0640);
        assert_int_equal(st.st_mtim.tv_sec, 1700000000);
        assert_int_equal(st.st_mtim.tv_nsec, 123456789);
        snprintf(out, sizeof out, "%s%s", dst, b);
        assert_string_equal(slurp(out), "\x01\x02\xff binary");
        assert_int_equal(stat(out, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
        snprintf(out, sizeof out, "%s%s", dst, dir);
        assert_int_equal(stat(out, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0750);
        snprintf(out, sizeof out, "%s%s", dst, link);
        char target[64] = "";
        assert_int_equal(readlink(out, target, sizeof target - 1), 9);
        assert_string_equal(target, "state.bin");
        snprintf(out, sizeof out, "%s%s", dst, missing);
        assert_int_equal(access(out, F_OK), -1);
        /* Written again over itself: the same. */
        assert_int_equal(checkpoint_write(text, dst, err, sizeof err), 0);
        free(text);

        /* Past the size cap: refused, naming the file. */
        assert_int_equal(checkpoint_capture(paths, 16, &text, err, sizeof err), -EFBIG);
        assert_non_null(strstr(err, "state.bin") ? strstr(err, "state.bin") : strstr(err, "app.conf"));
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf %s %s", src, dst);
        assert_int_equal(system(cmd), 0);
}

static void test_bad_text_is_refused(void **state) {
        char err[512];
        assert_int_equal(checkpoint_write("not json", "/tmp/nowhere", err, sizeof err), -EINVAL);
        assert_int_equal(checkpoint_write("{}", "/tmp/nowhere", err, sizeof err), -EINVAL);
        assert_int_equal(checkpoint_write("[{\"type\":\"file\"}]", "/tmp/nowhere", err, sizeof err), -EINVAL);
        assert_int_equal(checkpoint_write("[{\"path\":\"rel\",\"type\":\"file\"}]", "/tmp/nowhere", err, sizeof err),
                         -EINVAL);
        assert_int_equal(checkpoint_write("[{\"path\":\"/x\",\"type\":\"file\",\"data\":\"zz\"}]", "/tmp/ckpt-bad-root",
                                          err, sizeof err),
                         -EINVAL);
        (void) system("rm -rf /tmp/ckpt-bad-root");
}

int main(void) {
        const struct CMUnitTest tests[] = { cmocka_unit_test(test_round_trip), cmocka_unit_test(test_bad_text_is_refused) };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
