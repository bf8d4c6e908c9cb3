/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Binding the API's sockets: the unix socket and the TCP one. Owns a socket
 * until it hands the fd over. Must never remove a socket another server
 * still listens on, nor leave the socket file more open than 0660 at any
 * moment.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
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

int http_listen_parse(const char *address, struct sockaddr_storage *ret, socklen_t *ret_len, char *err,
                      size_t errlen) {
        static const char form[] = "give HOST:PORT, with HOST * (every address), an IPv4 address or an IPv6 "
                                   "address in brackets, such as *:7443, 127.0.0.1:7443 or [::1]:7443";
        const char *colon = address ? strrchr(address, ':') : NULL;
        if (!colon || colon == address) {
                snprintf(err, errlen, "listen address \"%.80s\": %s", address ? address : "", form);
                return -EINVAL;
        }
        char *end;
        errno = 0;
        unsigned long port = colon[1] >= '0' && colon[1] <= '9' ? strtoul(colon + 1, &end, 10) : 0;
        if (port == 0 || port > 65535 || errno != 0 || *end != '\0') {
                snprintf(err, errlen, "listen address \"%.80s\": the port must be a number from 1 to 65535; %s",
                         address, form);
                return -EINVAL;
        }
        char host[INET6_ADDRSTRLEN + 2];
        size_t hl = (size_t) (colon - address);
        if (hl >= sizeof(host)) {
                snprintf(err, errlen, "listen address \"%.80s\": %s", address, form);
                return -EINVAL;
        }
        memcpy(host, address, hl);
        host[hl] = '\0';

        memset(ret, 0, sizeof(*ret));
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *) ret;
        struct sockaddr_in *s4 = (struct sockaddr_in *) ret;
        if (strcmp(host, "*") == 0) {
                *s6 = (struct sockaddr_in6) { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t) port),
                                              .sin6_addr = in6addr_any };
                *ret_len = sizeof(*s6);
                return 0;
        }
        if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
                host[hl - 1] = '\0';
                if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) == 1) {
                        s6->sin6_family = AF_INET6;
                        s6->sin6_port = htons((uint16_t) port);
                        *ret_len = sizeof(*s6);
                        return 0;
                }
        } else if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
                s4->sin_family = AF_INET;
                s4->sin_port = htons((uint16_t) port);
                *ret_len = sizeof(*s4);
                return 0;
        }
        snprintf(err, errlen, "listen address \"%.80s\": \"%s\" is not an address (names are not looked up); %s",
                 address, host, form);
        return -EINVAL;
}

static int bind_tcp(const struct sockaddr_storage *sa, socklen_t salen, bool dual) {
        _cleanup_close_ int fd = socket(sa->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return negative_errno();
        int one = 1, zero = 0;
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (dual)
                (void) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
        if (bind(fd, (const struct sockaddr *) sa, salen) < 0 || listen(fd, SOMAXCONN) < 0)
                return negative_errno();
        return TAKE_FD(fd);
}

int http_listen_tcp(const char *address, HttpListen *ret, char *err, size_t errlen) {
        struct sockaddr_storage sa;
        socklen_t salen;
        int r = http_listen_parse(address, &sa, &salen, err, errlen);
        if (r < 0)
                return r;
        bool any = strncmp(address, "*:", 2) == 0;
        int fd = bind_tcp(&sa, salen, any);
        if (fd == -EAFNOSUPPORT && any) {
                /* No IPv6 here: every IPv4 address, then. */
                struct sockaddr_in s4 = { .sin_family = AF_INET,
                                          .sin_port = ((struct sockaddr_in6 *) &sa)->sin6_port,
                                          .sin_addr.s_addr = htonl(INADDR_ANY) };
                memset(&sa, 0, sizeof(sa));
                memcpy(&sa, &s4, sizeof(s4));
                fd = bind_tcp(&sa, sizeof(s4), false);
        }
        if (fd < 0) {
                snprintf(err, errlen, "cannot listen on %s: %s%s", address, strerror(-fd),
                         fd == -EADDRINUSE ? " (another program holds the port; stop it or choose another port)"
                         : fd == -EADDRNOTAVAIL ? " (no interface of this host has that address)"
                                                 : "");
                return fd;
        }
        *ret = (HttpListen) { .fd = fd };
        return 0;
}
