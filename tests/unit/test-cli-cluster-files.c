/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The files of `wolfpack cluster init` (src/cli/cli-cluster-files.c), in a
 * directory of the test's own: all or none, modes, never over other
 * content without force, the key's sizes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli-cluster-files.h"
#include "macro.h"
#include "scratch-dir.h"

static char err[1024];

static char *path_of(const char *name) {
        char *p;
        assert_true(asprintf(&p, "%s/%s", scratch_dir, name) > 0);
        return p;
}

static char *slurp(const char *path, size_t *ret_size) {
        FILE *f = fopen(path, "re");
        if (!f)
                return NULL;
        char *buf = calloc(1, 8192);
        size_t n = fread(buf, 1, 8191, f);
        fclose(f);
        if (ret_size)
                *ret_size = n;
        return buf;
}

static void put(const char *path, const char *text, mode_t mode) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        close(fd);
}

/* Names in d (and its sub directory "sub"), for "nothing else was left". */
static size_t count_entries(const char *d) {
        DIR *dd = opendir(d);
        if (!dd)
                return 0;
        size_t n = 0;
        for (struct dirent *e; (e = readdir(dd));)
                if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                        n++;
        closedir(dd);
        return n;
}

static void test_write_all(void **state) {
        _cleanup_free_ char *a = path_of("a.conf"), *k = path_of("sub/deeper/authkey");
        uint8_t key[CLUSTER_AUTHKEY_SIZE];
        assert_int_equal(cluster_authkey_new(key, err, sizeof err), 0);
        ClusterFile files[] = { { a, "a = 1\n", 6, 0644 }, { k, key, sizeof key, 0400 } };
        assert_int_equal(cluster_files_write(files, 2, false, err, sizeof err), 0);

        struct stat st;
        assert_int_equal(stat(a, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0644);
        assert_int_equal(stat(k, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0400);
        assert_int_equal(st.st_size, CLUSTER_AUTHKEY_SIZE);
        size_t n;
        _cleanup_free_ char *got = slurp(k, &n);
        assert_int_equal(n, sizeof key);
        assert_memory_equal(got, key, sizeof key);
        /* The directory made on the way, and no temporary file left. */
        _cleanup_free_ char *sub = path_of("sub/deeper");
        assert_int_equal(stat(sub, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0755);
        assert_int_equal(count_entries(scratch_dir), 2);
        assert_int_equal(count_entries(sub), 1);

        /* The same again: nothing differs, nothing refused. */
        assert_int_equal(cluster_files_write(files, 2, false, err, sizeof err), 0);
}

static void test_refuses_other_content(void **state) {
        _cleanup_free_ char *a = path_of("a.conf"), *b = path_of("b.conf"), *c = path_of("c.conf");
        put(a, "mine\n", 0600);
        put(c, "also mine\n", 0644);
        ClusterFile files[] = { { a, "new a\n", 6, 0644 }, { b, "new b\n", 6, 0644 }, { c, "new c\n", 6, 0644 } };
        assert_int_equal(cluster_files_write(files, 3, false, err, sizeof err), -EEXIST);
        /* Every file in the way is named, and nothing at all was written. */
        char want[512];
        snprintf(want, sizeof want, "%s, %s exist already; nothing was written", a, c);
        if (!strstr(err, want))
                fail_msg("%s", err);
        assert_non_null(strstr(err, "--force"));
        _cleanup_free_ char *ga = slurp(a, NULL), *gc = slurp(c, NULL);
        assert_string_equal(ga, "mine\n");
        assert_string_equal(gc, "also mine\n");
        assert_int_equal(access(b, F_OK), -1);
        assert_int_equal(count_entries(scratch_dir), 2);

        /* One file: said in the singular. */
        assert_int_equal(cluster_files_write(files, 1, false, err, sizeof err), -EEXIST);
        assert_non_null(strstr(err, "a.conf exists already"));

        /* --force: overwritten, with the mode asked for. */
        assert_int_equal(cluster_files_write(files, 3, true, err, sizeof err), 0);
        _cleanup_free_ char *na = slurp(a, NULL), *nb = slurp(b, NULL);
        assert_string_equal(na, "new a\n");
        assert_string_equal(nb, "new b\n");
        struct stat st;
        assert_int_equal(stat(a, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0644);
        assert_int_equal(count_entries(scratch_dir), 3);
}

/* A file that cannot be written: an error naming it, and the files before
 * it not written either. */
static void test_failure_writes_none(void **state) {
        _cleanup_free_ char *a = path_of("a.conf"), *blocker = path_of("file"), *b = path_of("file/b.conf");
        put(blocker, "x", 0644);
        ClusterFile files[] = { { a, "a\n", 2, 0644 }, { b, "b\n", 2, 0644 } };
        assert_true(cluster_files_write(files, 2, false, err, sizeof err) < 0);
        assert_non_null(strstr(err, "file"));
        assert_int_equal(access(a, F_OK), -1);
        assert_int_equal(count_entries(scratch_dir), 1);
}

static void test_authkey(void **state) {
        uint8_t k1[CLUSTER_AUTHKEY_SIZE], k2[CLUSTER_AUTHKEY_SIZE];
        assert_int_equal(cluster_authkey_new(k1, err, sizeof err), 0);
        assert_int_equal(cluster_authkey_new(k2, err, sizeof err), 0);
        assert_memory_not_equal(k1, k2, sizeof k1);

        _cleanup_free_ char *good = path_of("key");
        ClusterFile f = { good, k1, sizeof k1, 0400 };
        assert_int_equal(cluster_files_write(&f, 1, false, err, sizeof err), 0);
        uint8_t *got = NULL;
        size_t n = 0;
        assert_int_equal(cluster_authkey_read(good, &got, &n, err, sizeof err), 0);
        assert_int_equal(n, sizeof k1);
        assert_memory_equal(got, k1, n);
        free(got);

        static const struct {
                size_t size;
                bool ok;
        } sizes[] = { { 0, false }, { 127, false }, { 128, true }, { 4096, true }, { 4097, false }, { 100000, false } };
        for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
                _cleanup_free_ char *p = path_of("sized");
                _cleanup_free_ char *bytes = calloc(1, sizes[i].size + 1);
                ClusterFile s = { p, bytes, sizes[i].size, 0600 };
                assert_int_equal(cluster_files_write(&s, 1, true, err, sizeof err), 0);
                got = NULL;
                int r = cluster_authkey_read(p, &got, &n, err, sizeof err);
                if (sizes[i].ok) {
                        assert_int_equal(r, 0);
                        assert_int_equal(n, sizes[i].size);
                        free(got);
                } else {
                        assert_int_equal(r, -EINVAL);
                        assert_null(got);
                        assert_non_null(strstr(err, "corosync takes a key of 128 to 4096 bytes"));
                }
        }

        _cleanup_free_ char *missing = path_of("none");
        assert_int_equal(cluster_authkey_read(missing, &got, &n, err, sizeof err), -ENOENT);
        assert_non_null(strstr(err, "--authkey \""));
        assert_non_null(strstr(err, "No such file"));
        assert_int_equal(cluster_authkey_read(scratch_dir, &got, &n, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "not a regular file"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_write_all, scratch_dir_make, scratch_dir_remove),
                cmocka_unit_test_setup_teardown(test_refuses_other_content, scratch_dir_make, scratch_dir_remove),
                cmocka_unit_test_setup_teardown(test_failure_writes_none, scratch_dir_make, scratch_dir_remove),
                cmocka_unit_test_setup_teardown(test_authkey, scratch_dir_make, scratch_dir_remove),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
