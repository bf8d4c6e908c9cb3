/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The state directory belongs to one wolfpackd. Two daemons on one
 * database would each run, restart and fail the other's resources, so the
 * directory is locked: an exclusive flock on <state-dir>/wolfpackd.lock,
 * held for the daemon's life (the fd is O_CLOEXEC: monitors never hold it),
 * with the holder's pid written in the file for the message of the next
 * one that tries.
 *
 * The directory also keeps the daemon's identity, <state-dir>/daemon-id: a
 * random id made on first start. Every monitor the daemon starts carries
 * it, so that a daemon re-attaches only to monitors it started itself and
 * never to those of another daemon on the same host.
 */
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <unistd.h>

#include "macro.h"
#include "statedir.h"

#define LOCK_FILE "wolfpackd.lock"
#define ID_FILE "daemon-id"
#define ID_BYTES 8

static int join(const char *dir, const char *file, char **ret) {
        return asprintf(ret, "%s/%s", dir, file) < 0 ? -ENOMEM : 0;
}

/* The pid the holder wrote, 0 when none can be read. */
static long holder_pid(int fd) {
        char buf[32] = "";
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        char *end;
        long pid = n > 0 ? strtol(buf, &end, 10) : 0;
        return n > 0 && end != buf && pid > 0 ? pid : 0;
}

int statedir_lock(const char *dir, int *ret_fd, char *err, size_t errlen) {
        _cleanup_free_ char *path = NULL;
        if (join(dir, LOCK_FILE, &path) < 0)
                return -ENOMEM;
        _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
        if (fd < 0) {
                int k = -errno;
                snprintf(err, errlen, "cannot open the state directory's lock file %s: %s", path, strerror(-k));
                return k;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                int k = -errno;
                if (k != -EWOULDBLOCK) {
                        snprintf(err, errlen, "cannot lock the state directory's lock file %s: %s", path,
                                 strerror(-k));
                        return k;
                }
                long pid = holder_pid(fd);
                char who[40] = "";
                if (pid > 0)
                        snprintf(who, sizeof who, " (pid %ld)", pid);
                snprintf(err, errlen,
                         "the state directory %s is in use by another wolfpackd%s: stop that one first, or give "
                         "this one a --state-dir of its own",
                         dir, who);
                return -EBUSY;
        }
        char pid[32];
        int n = snprintf(pid, sizeof pid, "%ld\n", (long) getpid());
        if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t) n, 0) != n) {
                int k = -errno;
                snprintf(err, errlen, "cannot write to the state directory's lock file %s: %s", path, strerror(-k));
                return k;
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

bool statedir_id_valid(const char *id) {
        size_t n = strlen(id);
        if (n < 2 * ID_BYTES || n > 64)
                return false;
        return strspn(id, "0123456789abcdef") == n;
}

static int read_id(const char *path, char **ret, char *err, size_t errlen) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f) {
                int k = -errno;
                if (k != -ENOENT)
                        snprintf(err, errlen, "cannot read this daemon's identity from %s: %s", path, strerror(-k));
                return k;
        }
        char line[80] = "";
        if (!fgets(line, sizeof line, f))
                line[0] = '\0';
        line[strcspn(line, "\n")] = '\0';
        if (!statedir_id_valid(line)) {
                snprintf(err, errlen,
                         "%s does not hold a daemon identity (16 to 64 lowercase hexadecimal digits); remove it and a "
                         "new one is made, but resource monitors left running under the old one are then not "
                         "re-attached",
                         path);
                return -EINVAL;
        }
        *ret = strdup(line);
        return *ret ? 0 : -ENOMEM;
}

static int write_id(const char *dir, const char *path, char **ret, char *err, size_t errlen) {
        uint8_t raw[ID_BYTES];
        char id[2 * ID_BYTES + 2];
        _cleanup_free_ char *tmp = NULL;

        if (getrandom(raw, sizeof raw, 0) != (ssize_t) sizeof raw) {
                int k = errno ? -errno : -EIO;
                snprintf(err, errlen, "cannot make this daemon's identity: %s", strerror(-k));
                return k;
        }
        for (size_t i = 0; i < sizeof raw; i++)
                snprintf(id + 2 * i, 3, "%02x", raw[i]);
        if (join(dir, ID_FILE ".new", &tmp) < 0)
                return -ENOMEM;
        _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
        size_t n = strlen(id);
        id[n] = '\n';
        if (fd < 0 || write(fd, id, n + 1) != (ssize_t) (n + 1) || fsync(fd) < 0 || rename(tmp, path) < 0) {
                int k = -errno;
                (void) unlink(tmp);
                snprintf(err, errlen, "cannot write this daemon's identity to %s: %s", path, strerror(-k));
                return k;
        }
        id[n] = '\0';
        *ret = strdup(id);
        return *ret ? 0 : -ENOMEM;
}

int statedir_identity(const char *dir, char **ret_id, char *err, size_t errlen) {
        _cleanup_free_ char *path = NULL;
        if (join(dir, ID_FILE, &path) < 0)
                return -ENOMEM;
        int k = read_id(path, ret_id, err, errlen);
        if (k != -ENOENT)
                return k;
        return write_id(dir, path, ret_id, err, errlen);
}
