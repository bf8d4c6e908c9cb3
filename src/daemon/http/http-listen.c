/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Binding the API's unix socket. Owns the socket until it hands the fd over.
 * Must never remove a socket another server still listens on, nor leave the
 * socket file more open than 0660 at any moment.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "http-listen.h"
#include "http-peer.h"
#include "macro.h"

static int fill_address(const char *path, struct sockaddr_un *sa, socklen_t *ret_len) {
        size_t len = strlen(path);
        if (len == 0 || len >= sizeof(sa->sun_path))
                return -ENAMETOOLONG;
        *sa = (struct sockaddr_un) { .sun_family = AF_UNIX };
        memcpy(sa->sun_path, path, len);
        *ret_len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + len + 1);
        return 0;
}

/* Is a server answering on the socket file at path? 1 yes, 0 no (stale),
 * negative errno when that cannot be told. */
static int socket_is_live(const struct sockaddr_un *sa, socklen_t salen) {
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return negative_errno();
        if (connect(fd, (const struct sockaddr *) sa, salen) >= 0)
                return 1;
        /* A full backlog (EAGAIN) still means someone listens. */
        if (errno == EAGAIN || errno == EINPROGRESS)
                return 1;
        if (errno == ECONNREFUSED)
                return 0;
        return negative_errno();
}

int http_listen_unix(const char *path, gid_t gid, HttpListen *ret, char *err, size_t errlen) {
        struct sockaddr_un sa;
        socklen_t salen;
        struct stat st;
        int r;

        if (!path || fill_address(path, &sa, &salen) < 0) {
                snprintf(err, errlen, "socket path \"%s\" is empty or longer than %zu bytes", path ? path : "",
                         sizeof(sa.sun_path) - 1);
                return -ENAMETOOLONG;
        }

        if (lstat(path, &st) >= 0) {
                if (!S_ISSOCK(st.st_mode)) {
                        snprintf(err, errlen, "%s exists and is not a socket; remove it or choose another path",
                                 path);
                        return -EEXIST;
                }
                r = socket_is_live(&sa, salen);
                if (r > 0) {
                        snprintf(err, errlen,
                                 "another server is listening on %s; stop it first, or choose another socket path",
                                 path);
                        return -EADDRINUSE;
                }
                if (r < 0) {
                        snprintf(err, errlen, "cannot tell whether a server still listens on %s: %s", path,
                                 strerror(-r));
                        return r;
                }
                if (unlink(path) < 0 && errno != ENOENT) {
                        r = negative_errno();
                        snprintf(err, errlen, "cannot remove the stale socket %s: %s", path, strerror(-r));
                        return r;
                }
        } else if (errno != ENOENT) {
                r = negative_errno();
                snprintf(err, errlen, "cannot look at %s: %s", path, strerror(-r));
                return r;
        }

        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
                r = negative_errno();
                snprintf(err, errlen, "cannot create a unix socket: %s", strerror(-r));
                return r;
        }
        /* Linux creates the file with the socket inode's mode (less the
         * umask): start owner-only, open up to the group once it is chowned. */
        (void) fchmod(fd, 0600);
        if (bind(fd, (const struct sockaddr *) &sa, salen) < 0) {
                r = negative_errno();
                snprintf(err, errlen, "cannot bind %s: %s%s", path, strerror(-r),
                         r == -ENOENT ? " (does its directory exist?)" : "");
                return r;
        }
        if (gid != HTTP_NO_GID && chown(path, (uid_t) -1, gid) < 0) {
                r = negative_errno();
                snprintf(err, errlen, "cannot give %s to group %u: %s", path, (unsigned) gid, strerror(-r));
                goto fail;
        }
        if (chmod(path, 0660) < 0 || lstat(path, &st) < 0) {
                r = negative_errno();
                snprintf(err, errlen, "cannot set the mode of %s: %s", path, strerror(-r));
                goto fail;
        }
        if (listen(fd, SOMAXCONN) < 0) {
                r = negative_errno();
                snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(-r));
                goto fail;
        }
        *ret = (HttpListen) { .fd = TAKE_FD(fd), .dev = st.st_dev, .ino = st.st_ino };
        return 0;

fail:
        (void) unlink(path);
        return r;
}

void http_listen_unlink(const char *path, const HttpListen *l) {
        struct stat st;
        if (path && lstat(path, &st) >= 0 && S_ISSOCK(st.st_mode) && st.st_dev == l->dev && st.st_ino == l->ino)
                (void) unlink(path);
}
