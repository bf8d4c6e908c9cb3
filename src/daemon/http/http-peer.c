/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Peer credentials of API connections and the access decision (root or the
 * access group). Owns no state. Must never grant access on credentials it
 * could not read, and never block: it reads socket options and, only on
 * kernels without SO_PEERGROUPS, one small /proc file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http-peer.h"
#include "macro.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif

bool http_peer_allowed(uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups, gid_t access_gid) {
        if (uid == 0)
                return true;
        if (access_gid == HTTP_NO_GID)
                return false;
        if (gid == access_gid)
                return true;
        for (size_t i = 0; i < n_groups; i++)
                if (groups[i] == access_gid)
                        return true;
        return false;
}

int http_peer_parse_status_groups(const char *status, gid_t **ret, size_t *ret_n) {
        const char *line = NULL;
        for (const char *p = status; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (strncmp(p, "Groups:", 7) == 0) {
                        line = p + 7;
                        break;
                }
        if (!line)
                return -ENOENT;

        _cleanup_free_ gid_t *groups = NULL;
        size_t n = 0, cap = 0;
        const char *p = line;
        for (;;) {
                p += strspn(p, " \t");
                if (*p == '\n' || *p == '\0')
                        break;
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                errno = 0;
                char *end;
                unsigned long v = strtoul(p, &end, 10);
                if (errno != 0 || v >= (unsigned long) HTTP_NO_GID || (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\0'))
                        return -EINVAL;
                if (n == cap) {
                        cap = cap ? cap * 2 : 16;
                        gid_t *ng = reallocarray(groups, cap, sizeof(gid_t));
                        if (!ng)
                                return -ENOMEM;
                        groups = ng;
                }
                groups[n++] = (gid_t) v;
                p = end;
        }
        *ret = n ? TAKE_PTR(groups) : NULL;
        *ret_n = n;
        return 0;
}

static int groups_from_proc(pid_t pid, gid_t **ret, size_t *ret_n) {
        char path[64], buf[8192];
        if (pid <= 0)
                return -ESRCH;
        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        size_t len = 0;
        for (;;) {
                ssize_t k = read(fd, buf + len, sizeof(buf) - 1 - len);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (k == 0 || (len += (size_t) k) == sizeof(buf) - 1)
                        break;
        }
        buf[len] = '\0';
        return http_peer_parse_status_groups(buf, ret, ret_n);
}

int http_peer_groups(int fd, pid_t pid, gid_t **ret, size_t *ret_n) {
        socklen_t len = 64 * sizeof(gid_t);
        for (int attempt = 0; attempt < 4; attempt++) {
                _cleanup_free_ gid_t *groups = malloc(len ? len : sizeof(gid_t));
                if (!groups)
                        return -ENOMEM;
                socklen_t l = len;
                if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &l) >= 0) {
                        size_t n = l / sizeof(gid_t);
                        *ret = n ? TAKE_PTR(groups) : NULL;
                        *ret_n = n;
                        return 0;
                }
                if (errno == ERANGE && l > len) {
                        len = l; /* the kernel says how much it needs */
                        continue;
                }
                if (errno == ENOPROTOOPT)
                        return groups_from_proc(pid, ret, ret_n);
                return negative_errno();
        }
        return -ERANGE;
}

int http_peer_from_fd(int fd, gid_t access_gid, HttpPeer *ret) {
        struct ucred cred = {};
        socklen_t l = sizeof(cred);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &l) < 0)
                return negative_errno();
        if (l != sizeof(cred))
                return -EIO;

        HttpPeer p = { .pid = cred.pid, .uid = cred.uid, .gid = cred.gid, .address = "local" };
        p.authorised = http_peer_allowed(cred.uid, cred.gid, NULL, 0, access_gid);
        if (!p.authorised && access_gid != HTTP_NO_GID) {
                _cleanup_free_ gid_t *groups = NULL;
                size_t n = 0;
                int r = http_peer_groups(fd, cred.pid, &groups, &n);
                if (r < 0)
                        return r;
                p.authorised = http_peer_allowed(cred.uid, cred.gid, groups, n, access_gid);
        }
        *ret = p;
        return 0;
}

void http_peer_address(const struct sockaddr *sa, socklen_t len, char *buf, size_t buflen) {
        char a[INET6_ADDRSTRLEN] = "?";
        if (sa && sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
                const struct sockaddr_in *s4 = (const struct sockaddr_in *) sa;
                (void) inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
                snprintf(buf, buflen, "%s:%u", a, (unsigned) ntohs(s4->sin_port));
        } else if (sa && sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
                const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *) sa;
                if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
                        (void) inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], a, sizeof(a));
                        snprintf(buf, buflen, "%s:%u", a, (unsigned) ntohs(s6->sin6_port));
                } else {
                        (void) inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
                        snprintf(buf, buflen, "[%s]:%u", a, (unsigned) ntohs(s6->sin6_port));
                }
        } else
                snprintf(buf, buflen, "unknown");
}
