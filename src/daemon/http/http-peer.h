/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Who is on the other end of a unix socket, and may they use the API:
 * root, or a member (primary or supplementary) of the access group.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#define HTTP_NO_GID ((gid_t) -1)

typedef struct HttpPeer {
        pid_t pid;
        uid_t uid;
        gid_t gid;
        bool authorised; /* by credentials (unix socket); on TCP a token decides, per request */
        char address[64]; /* "local", or the TCP peer's "ADDR:PORT" */
} HttpPeer;

/* The TCP peer's address for people ("192.0.2.1:40000", "[2001:db8::1]:40000";
 * an IPv4-mapped IPv6 address is written as IPv4). */
void http_peer_address(const struct sockaddr *sa, socklen_t len, char *buf, size_t buflen);

/* The decision itself: uid 0, or gid or one of groups equal to
 * access_gid (HTTP_NO_GID: root only). */
bool http_peer_allowed(uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups, gid_t access_gid);

/* The supplementary groups on the "Groups:" line of a /proc/PID/status
 * text. -ENOENT when there is no such line, -EINVAL when it is garbled,
 * -ENOMEM. An empty line gives *ret_n = 0 and *ret = NULL. */
int http_peer_parse_status_groups(const char *status, gid_t **ret, size_t *ret_n);

/* The peer's supplementary groups as they were when it connected
 * (SO_PEERGROUPS), or, on kernels without it, as /proc/PID/status says now. */
int http_peer_groups(int fd, pid_t pid, gid_t **ret, size_t *ret_n);

/* Fill ret from the connected socket fd (SO_PEERCRED) and decide.
 * Never blocks. A negative errno when the credentials cannot be read. */
int http_peer_from_fd(int fd, gid_t access_gid, HttpPeer *ret);
