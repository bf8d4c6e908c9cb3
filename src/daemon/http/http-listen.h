/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The API's listening sockets: the unix socket, created or taken over from
 * a server that died but never from one that still answers; and the TCP
 * socket of the remote API. */
#pragma once

#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

typedef struct HttpListen {
        int fd;     /* listening, non-blocking, close-on-exec */
        dev_t dev;  /* the socket file, so that it is removed only while it is ours */
        ino_t ino;
} HttpListen;

/* Bind and listen on path, mode 0660, group gid (unchanged when
 * HTTP_NO_GID). A socket file that refuses connections is stale and
 * replaced; one that accepts them is live: -EADDRINUSE. Any other file at
 * path: -EEXIST. A message for a person in err on failure. */
int http_listen_unix(const char *path, gid_t gid, HttpListen *ret, char *err, size_t errlen);

/* Remove path if it is still the socket that l bound. Does not close l->fd. */
void http_listen_unlink(const char *path, const HttpListen *l);

/* Parse a TCP listen address: "HOST:PORT" with HOST "*" (every IPv6 and
 * IPv4 address), an IPv4 address, or an IPv6 address in brackets, and PORT
 * from 1 to 65535. Names are not looked up: -EINVAL with a message saying
 * the form, as for anything else. */
int http_listen_parse(const char *address, struct sockaddr_storage *ret, socklen_t *ret_len, char *err,
                      size_t errlen);
/* Bind and listen on address (SO_REUSEADDR; "*" falls back to IPv4 alone
 * on a host without IPv6). A message for a person in err on failure. */
int http_listen_tcp(const char *address, HttpListen *ret, char *err, size_t errlen);
