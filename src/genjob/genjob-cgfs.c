/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The file seam of the job's cgroups: every open, read, write, mkdir and
 * rmdir of a cgroup file or directory a job makes, and the parsers of the
 * flat-keyed and single-number files. Owns only the fds and buffers it
 * returns. Knows nothing of hierarchies or controllers; never logs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "genjob-cgroup.h"
#include "macro.h"

int job_cgfs_open(const char *path, const char *file, int flags) {
        _cleanup_free_ char *p = NULL;
        int fd;

        if (file && asprintf(&p, "%s/%s", path, file) < 0)
                return -ENOMEM;
        fd = open(p ?: path, flags | O_CLOEXEC | O_NOCTTY);
        return fd < 0 ? negative_errno() : fd;
}

int job_cgfs_read_fd(int fd, char **ret) {
        size_t len = 0, cap = 1024;
        _cleanup_free_ char *buf = malloc(cap);

        if (!buf)
                return -ENOMEM;
        if (lseek(fd, 0, SEEK_SET) < 0)
                return negative_errno();
        for (;;) {
                ssize_t n;

                if (cap - len < 2) {
                        char *b = realloc(buf, cap * 2);
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                        cap *= 2;
                }
                n = read(fd, buf + len, cap - len - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        buf[len] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

int job_cgfs_read(const char *path, const char *file, char **ret) {
        _cleanup_close_ int fd = job_cgfs_open(path, file, O_RDONLY);

        if (fd < 0)
                return fd;
        return job_cgfs_read_fd(fd, ret);
}

int job_cgfs_write_fd(int fd, const char *value) {
        size_t n = strlen(value);
        ssize_t w = write(fd, value, n);

        if (w < 0)
                return negative_errno();
        return (size_t) w == n ? 0 : -EIO;
}

int job_cgfs_write(const char *path, const char *file, const char *value) {
        _cleanup_close_ int fd = job_cgfs_open(path, file, O_WRONLY | O_TRUNC);

        if (fd < 0)
                return fd;
        return job_cgfs_write_fd(fd, value);
}

int job_cgfs_exists(const char *path) {
        struct stat st;

        if (stat(path, &st) < 0)
                return errno == ENOENT ? 0 : negative_errno();
        return S_ISDIR(st.st_mode) ? 1 : -ENOTDIR;
}

int job_cgfs_mkdir(const char *path) {
        int r;

        if (mkdir(path, 0755) == 0)
                return 0;
        if (errno != EEXIST)
                return negative_errno();
        r = job_cgfs_exists(path);
        return r < 0 ? r : 0;
}

int job_cgfs_rmdir(const char *path) {
        if (rmdir(path) == 0 || errno == ENOENT)
                return 0;
        return negative_errno();
}

int job_parse_number(const char *text, uint64_t *ret) {
        const char *p = text;
        char *end;
        unsigned long long v;

        while (*p == ' ' || *p == '\t')
                p++;
        if (strncmp(p, "max", 3) == 0) {
                end = (char *) p + 3;
                v = JOB_UNLIMITED;
        } else {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                errno = 0;
                v = strtoull(p, &end, 10);
                if (errno != 0)
                        return -ERANGE;
        }
        while (*end == ' ' || *end == '\t' || *end == '\n')
                end++;
        if (*end != '\0')
                return -EINVAL;
        *ret = (uint64_t) v;
        return 0;
}

int job_keyed_value(const char *text, const char *key, uint64_t *ret) {
        size_t kl = strlen(key);

        for (const char *p = text; p && *p;) {
                const char *nl = strchr(p, '\n');
                if (strncmp(p, key, kl) == 0 && p[kl] == ' ') {
                        char num[32];
                        size_t n = nl ? (size_t) (nl - p) - kl - 1 : strlen(p + kl + 1);
                        if (n == 0 || n >= sizeof num)
                                return -EINVAL;
                        memcpy(num, p + kl + 1, n);
                        num[n] = '\0';
                        return job_parse_number(num, ret);
                }
                p = nl ? nl + 1 : NULL;
        }
        return -ENOENT;
}

bool job_list_has(const char *list, const char *word) {
        size_t wl = strlen(word);

        for (const char *p = list; p && *p;) {
                size_t n;

                p += strspn(p, " \t\n");
                n = strcspn(p, " \t\n");
                if (n == wl && strncmp(p, word, wl) == 0)
                        return true;
                p += n;
        }
        return false;
}
