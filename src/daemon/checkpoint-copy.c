/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A checkpoint's copy (checkpoint-copy.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint-copy.h"
#include "macro.h"

#define DEPTH_MAX 16

/* ---- the copy: JSON, data in hex ---- */

static char *hex_of(const uint8_t *b, size_t n) {
        static const char digits[] = "0123456789abcdef";
        char *s = malloc(2 * n + 1);
        for (size_t i = 0; s && i < n; i++) {
                s[2 * i] = digits[b[i] >> 4];
                s[2 * i + 1] = digits[b[i] & 15];
        }
        if (s)
                s[2 * n] = 0;
        return s;
}

static int hex_digit(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int read_all(int fd, size_t size, uint8_t **ret) {
        uint8_t *b = malloc(size + 1);
        size_t n = 0;
        while (b && n < size) {
                ssize_t k = read(fd, b + n, size - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                n += (size_t) k;
        }
        if (!b)
                return -ENOMEM;
        if (n != size) {
                free(b);
                return -EIO; /* it changed while read: the next copy has it */
        }
        *ret = b;
        return 0;
}

static int strcmp_ptr(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static json_t *entry_of(const char *path, const struct stat *st) {
        /* Not the access time: reading for the copy changes it. */
        return json_pack("{s:s, s:I, s:I, s:I, s:I}", "path", path, "mode", (json_int_t) (st->st_mode & 07777), "uid",
                         (json_int_t) st->st_uid, "gid", (json_int_t) st->st_gid, "mtime_ns",
                         (json_int_t) st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec);
}

static int add_path(json_t *entries, const char *path, int depth, size_t *used, size_t max, char *err, size_t errlen) {
        struct stat st;
        if (lstat(path, &st) < 0)
                return errno == ENOENT ? 0 : -errno; /* not there (yet): nothing to copy */
        json_t *e = entry_of(path, &st);
        if (!e)
                return -ENOMEM;
        int k = 0;
        if (S_ISLNK(st.st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlink(path, target, sizeof(target) - 1);
                if (n < 0)
                        k = -errno;
                else {
                        target[n] = 0;
                        json_object_set_new(e, "type", json_string("link"));
                        json_object_set_new(e, "target", json_string(target));
                }
        } else if (S_ISREG(st.st_mode)) {
                if (*used + (size_t) st.st_size > max) {
                        snprintf(err, errlen, "%s would bring the checkpoint past CheckpointMaxSize (%zu bytes)", path,
                                 max);
                        json_decref(e);
                        return -EFBIG;
                }
                *used += (size_t) st.st_size;
                _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                uint8_t *b = NULL;
                k = fd < 0 ? -errno : read_all(fd, (size_t) st.st_size, &b);
                char *hex = k >= 0 ? hex_of(b, (size_t) st.st_size) : NULL;
                free(b);
                if (k >= 0 && !hex)
                        k = -ENOMEM;
                if (k >= 0) {
                        json_object_set_new(e, "type", json_string("file"));
                        json_object_set_new(e, "data", json_string(hex));
                }
                free(hex);
        } else if (S_ISDIR(st.st_mode)) {
                json_object_set_new(e, "type", json_string("dir"));
                json_array_append(entries, e);
                json_decref(e);
                e = NULL;
                DIR *dp = depth < DEPTH_MAX ? opendir(path) : NULL;
                struct dirent *de;
                /* In name order: the same tree, the same text. */
                json_t *names = json_array();
                while (dp && names && (de = readdir(dp)))
                        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, ".."))
                                json_array_append_new(names, json_string(de->d_name));
                if (dp)
                        closedir(dp);
                size_t n = json_array_size(names);
                const char **sorted = calloc(n + 1, sizeof(char *));
                for (size_t i = 0; sorted && i < n; i++)
                        sorted[i] = json_string_value(json_array_get(names, i));
                if (sorted)
                        qsort(sorted, n, sizeof(char *), strcmp_ptr);
                for (size_t i = 0; sorted && k >= 0 && i < n; i++) {
                        _cleanup_free_ char *child = NULL;
                        if (asprintf(&child, "%s/%s", strcmp(path, "/") == 0 ? "" : path, sorted[i]) < 0)
                                k = -ENOMEM;
                        else
                                k = add_path(entries, child, depth + 1, used, max, err, errlen);
                }
                free(sorted);
                json_decref(names);
                return k;
        } else {
                json_decref(e); /* a socket, a fifo, a device: not a file to carry */
                return 0;
        }
        if (k >= 0)
                json_array_append(entries, e);
        json_decref(e);
        if (k < 0 && !err[0])
                snprintf(err, errlen, "cannot read %s: %s", path, strerror(-k));
        return k;
}

int checkpoint_capture(char *const *paths, size_t max, char **ret, char *err, size_t errlen) {
        json_t *entries = json_array();
        size_t used = 0;
        int k = entries ? 0 : -ENOMEM;
        err[0] = 0;
        for (size_t i = 0; k >= 0 && paths && paths[i]; i++)
                k = add_path(entries, paths[i], 0, &used, max, err, errlen);
        char *text = k >= 0 ? json_dumps(entries, JSON_COMPACT) : NULL;
        json_decref(entries);
        if (k >= 0 && !text)
                k = -ENOMEM;
        if (k < 0)
                return k;
        *ret = text;
        return 0;
}

/* ---- putting it back ---- */

static int mkdir_parents(char *path) {
        for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
                *p = 0;
                int k = mkdir(path, 0755) < 0 && errno != EEXIST ? -errno : 0;
                *p = '/';
                if (k < 0)
                        return k;
        }
        return 0;
}

static struct timespec ts_of(json_int_t ns) {
        return (struct timespec) { .tv_sec = (time_t) (ns / 1000000000), .tv_nsec = (long) (ns % 1000000000) };
}

static int write_file(const char *path, const json_t *e) {
        const char *hex = json_string_value(json_object_get(e, "data"));
        size_t n = hex ? strlen(hex) : 1;
        if (n % 2)
                return -EINVAL;
        _cleanup_free_ uint8_t *b = malloc(n / 2 + 1);
        if (!b)
                return -ENOMEM;
        for (size_t i = 0; i < n / 2; i++) {
                int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
                if (hi < 0 || lo < 0)
                        return -EINVAL;
                b[i] = (uint8_t) (hi << 4 | lo);
        }
        _cleanup_free_ char *tmp = NULL;
        if (asprintf(&tmp, "%s.wolfpack-XXXXXX", path) < 0)
                return -ENOMEM;
        int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int k = 0;
        for (size_t o = 0; k >= 0 && o < n / 2;) {
                ssize_t w = write(fd, b + o, n / 2 - o);
                if (w < 0 && errno != EINTR)
                        k = -errno;
                else if (w > 0)
                        o += (size_t) w;
        }
        struct timespec t[2] = { { .tv_nsec = UTIME_OMIT }, ts_of(json_integer_value(json_object_get(e, "mtime_ns"))) };
        if (k >= 0 && (fchown(fd, (uid_t) json_integer_value(json_object_get(e, "uid")),
                              (gid_t) json_integer_value(json_object_get(e, "gid"))) < 0 ||
                       fchmod(fd, (mode_t) json_integer_value(json_object_get(e, "mode"))) < 0 || fsync(fd) < 0 ||
                       futimens(fd, t) < 0))
                k = -errno;
        close(fd);
        if (k >= 0 && rename(tmp, path) < 0)
                k = -errno;
        if (k < 0)
                (void) unlink(tmp);
        return k;
}

static int set_attrs(const char *path, const json_t *e) {
        struct timespec t[2] = { { .tv_nsec = UTIME_OMIT }, ts_of(json_integer_value(json_object_get(e, "mtime_ns"))) };
        if (lchown(path, (uid_t) json_integer_value(json_object_get(e, "uid")),
                   (gid_t) json_integer_value(json_object_get(e, "gid"))) < 0)
                return -errno;
        const char *type = json_string_value(json_object_get(e, "type"));
        if (strcmp(type, "link") != 0 && chmod(path, (mode_t) json_integer_value(json_object_get(e, "mode"))) < 0)
                return -errno;
        return utimensat(AT_FDCWD, path, t, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

int checkpoint_write(const char *text, const char *root, char *err, size_t errlen) {
        json_error_t je;
        json_t *entries = json_loads(text, 0, &je);
        if (!json_is_array(entries)) {
                json_decref(entries);
                snprintf(err, errlen, "the checkpoint is not one this version reads: %s", je.text);
                return -EINVAL;
        }
        int k = 0;
        size_t i;
        json_t *e;
        /* Files and links first, then each directory's own attributes
         * (writing into it changes its times), deepest first. */
        for (int pass = 0; pass < 2 && k >= 0; pass++) {
                size_t n = json_array_size(entries);
                for (size_t j = 0; j < n && k >= 0; j++) {
                        i = pass == 0 ? j : n - 1 - j;
                        e = json_array_get(entries, i);
                        const char *p = json_string_value(json_object_get(e, "path"));
                        const char *type = json_string_value(json_object_get(e, "type"));
                        if (!p || p[0] != '/' || !type) {
                                k = -EINVAL;
                                snprintf(err, errlen, "the checkpoint holds an entry without a path or a type");
                                break;
                        }
                        _cleanup_free_ char *path = NULL;
                        if (asprintf(&path, "%s%s", root ? root : "", p) < 0) {
                                k = -ENOMEM;
                                break;
                        }
                        bool dir = strcmp(type, "dir") == 0;
                        if (pass == 0) {
                                k = mkdir_parents(path);
                                if (k >= 0 && dir && mkdir(path, 0700) < 0 && errno != EEXIST)
                                        k = -errno;
                                if (k >= 0 && strcmp(type, "file") == 0)
                                        k = write_file(path, e);
                                if (k >= 0 && strcmp(type, "link") == 0) {
                                        (void) unlink(path);
                                        const char *target = json_string_value(json_object_get(e, "target"));
                                        k = target && symlink(target, path) >= 0 ? 0 : -errno;
                                }
                                if (k >= 0 && !dir)
                                        k = set_attrs(path, e);
                        } else if (dir)
                                k = set_attrs(path, e);
                        if (k < 0)
                                snprintf(err, errlen, "cannot put back %s: %s", path, strerror(-k));
                }
        }
        json_decref(entries);
        return k;
}

