/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writing a cluster's configuration files: all of them or none, never a
 * half-written one (a temporary file in the same directory, synced, then
 * renamed over the old), never over a file that holds something else
 * unless asked to. And corosync's key: random bytes from getrandom, or the
 * key another node already has, checked for the sizes corosync takes.
 * Must never print: the caller says what was written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli-cluster-files.h"
#include "file-read.h"
#include "macro.h"
#include "text-quote.h"

int cluster_fail(int r, char *err, size_t errlen, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        return r;
}

int cluster_authkey_new(uint8_t key[static CLUSTER_AUTHKEY_SIZE], char *err, size_t errlen) {
        size_t got = 0;
        while (got < CLUSTER_AUTHKEY_SIZE) {
                ssize_t k = getrandom(key + got, CLUSTER_AUTHKEY_SIZE - got, 0);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        int r = negative_errno();
                        return cluster_fail(r, err, errlen, "cannot make a key: getrandom: %s", strerror(-r));
                }
                got += (size_t) k;
        }
        return 0;
}

int cluster_authkey_read(const char *path, uint8_t **ret, size_t *ret_size, char *err, size_t errlen) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                int r = negative_errno();
                return cluster_fail(r, err, errlen, "--authkey %s: %s", text_quote(path).s, strerror(-r));
        }
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return cluster_fail(-EINVAL, err, errlen, "--authkey %s: not a regular file; give the authkey written on "
                            "the first node", text_quote(path).s);

        /* One byte more than the largest key, to see a file too long. */
        _cleanup_free_ uint8_t *key = malloc(CLUSTER_AUTHKEY_MAX + 1);
        if (!key)
                return -ENOMEM;
        size_t n;
        int r = fd_read_all(fd, key, CLUSTER_AUTHKEY_MAX + 1, &n);
        if (r < 0)
                return cluster_fail(r, err, errlen, "--authkey %s: %s", text_quote(path).s, strerror(-r));
        if (n < CLUSTER_AUTHKEY_MIN || n > CLUSTER_AUTHKEY_MAX)
                return cluster_fail(-EINVAL, err, errlen, "--authkey %s: %s bytes; corosync takes a key of %d to %d bytes "
                            "(the authkey `wolfpack cluster init` or corosync-keygen wrote)", text_quote(path).s,
                            n > CLUSTER_AUTHKEY_MAX ? "more than 4096" : n == 0 ? "0" : "fewer than 128",
                            CLUSTER_AUTHKEY_MIN, CLUSTER_AUTHKEY_MAX);
        *ret = TAKE_PTR(key);
        *ret_size = n;
        return 0;
}

char *cluster_dir_trim(const char *dir) {
        size_t n = strlen(dir);
        while (n > 1 && dir[n - 1] == '/')
                n--;
        return strndup(dir, n);
}

/* Whether path holds exactly content. */
static bool holds(const char *path, const void *content, size_t size) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t) st.st_size != size)
                return false;
        _cleanup_free_ uint8_t *buf = malloc(size + 1);
        size_t n;
        return buf && fd_read_all(fd, buf, size + 1, &n) == 0 && n == size && memcmp(buf, content, size) == 0;
}

/* The directory part of path, "." when it has none. */
static char *dir_of(const char *path) {
        const char *slash = strrchr(path, '/');
        if (!slash)
                return strdup(".");
        return slash == path ? strdup("/") : strndup(path, (size_t) (slash - path));
}

static int mkdir_parents(const char *dir, char *err, size_t errlen) {
        _cleanup_free_ char *p = strdup(dir);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1;; s++) {
                bool end = !*s;
                if (*s == '/' || end) {
                        char c = *s;
                        *s = 0;
                        /* 0755 whatever the umask: others read the
                         * certificates and configuration in there. */
                        if (mkdir(p, 0755) == 0)
                                (void) chmod(p, 0755);
                        else if (errno != EEXIST) {
                                int r = negative_errno();
                                return cluster_fail(r, err, errlen, "cannot make the directory %s: %s", p, strerror(-r));
                        }
                        *s = c;
                }
                if (end)
                        break;
        }
        struct stat st;
        if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
                return cluster_fail(-ENOTDIR, err, errlen, "%s is not a directory", dir);
        return 0;
}

static int write_temp(const ClusterFile *f, char **ret_temp, char *err, size_t errlen) {
        _cleanup_free_ char *dir = dir_of(f->path), *temp = NULL;
        if (!dir)
                return -ENOMEM;
        const char *base = strrchr(f->path, '/') ? strrchr(f->path, '/') + 1 : f->path;
        if (asprintf(&temp, "%s/.%s.XXXXXX", dir, base) < 0)
                return -ENOMEM;
        int r = mkdir_parents(dir, err, errlen);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = mkostemp(temp, O_CLOEXEC);
        if (fd < 0) {
                r = negative_errno();
                return cluster_fail(r, err, errlen, "cannot write %s: %s", f->path, strerror(-r));
        }
        const uint8_t *p = f->content;
        size_t left = f->size;
        r = fchmod(fd, f->mode) < 0 ? negative_errno() : 0;
        while (r == 0 && left > 0) {
                ssize_t k = write(fd, p, left);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        r = negative_errno();
                else {
                        p += k;
                        left -= (size_t) k;
                }
        }
        if (r == 0 && fsync(fd) < 0)
                r = negative_errno();
        if (r < 0) {
                (void) unlink(temp);
                return cluster_fail(r, err, errlen, "cannot write %s: %s", f->path, strerror(-r));
        }
        *ret_temp = TAKE_PTR(temp);
        return 0;
}

int cluster_files_write(const ClusterFile *files, size_t n, bool force, char *err, size_t errlen) {
        int r = 0;

        if (!force) {
                char list[1024] = "";
                size_t len = 0, conflicts = 0;
                for (size_t i = 0; i < n; i++) {
                        if (access(files[i].path, F_OK) < 0 && errno == ENOENT)
                                continue;
                        if (holds(files[i].path, files[i].content, files[i].size))
                                continue;
                        conflicts++;
                        if (len < sizeof list)
                                len += (size_t) snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "",
                                                         files[i].path);
                }
                if (conflicts)
                        return cluster_fail(-EEXIST, err, errlen, "%s %s already; nothing was written (--force overwrites %s, "
                                    "--output DIR writes elsewhere)", list, conflicts > 1 ? "exist" : "exists",
                                    conflicts > 1 ? "them" : "it");
        }

        char **temps = calloc(n ? n : 1, sizeof *temps);
        if (!temps)
                return -ENOMEM;
        size_t made = 0;
        for (; made < n; made++) {
                r = write_temp(&files[made], &temps[made], err, errlen);
                if (r < 0)
                        break;
        }
        for (size_t i = 0; r == 0 && i < n; i++)
                if (rename(temps[i], files[i].path) < 0) {
                        r = negative_errno();
                        cluster_fail(r, err, errlen, "cannot write %s: %s", files[i].path, strerror(-r));
                } else {
                        free(temps[i]);
                        temps[i] = NULL;
                }
        /* The renames themselves on disk. */
        for (size_t i = 0; r == 0 && i < n; i++) {
                _cleanup_free_ char *dir = dir_of(files[i].path);
                _cleanup_close_ int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
                if (fd >= 0)
                        (void) fsync(fd);
        }
        for (size_t i = 0; i < made; i++)
                if (temps[i]) {
                        (void) unlink(temps[i]);
                        free(temps[i]);
                }
        free(temps);
        return r;
}
