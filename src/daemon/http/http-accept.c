/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Accepting API connections. The listening socket is watched by sd-event
 * itself (level-triggered), not by libmicrohttpd: libmicrohttpd 0.9.75 in
 * external epoll mode takes its listening socket out of its epoll set when
 * it reaches its connection limit, and puts it back only at the start of a
 * later MHD_run. When every client closes at once, nothing calls that run:
 * the backlog is never accepted again. Here every connection is accepted as
 * it comes and handed over with MHD_add_connection while fewer than the cap
 * are served; past the cap it is answered 503 at once, so a client over the
 * limit hears why instead of waiting in the backlog. The cap stays below
 * the file descriptor limit so that wolfpackd keeps descriptors for its
 * monitors, its database and its logs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http-internal.h"
#include "macro.h"

#define ACCEPT_BATCH 64u                         /* per wake-up, so the loop serves others too */
#define ACCEPT_RETRY_USEC (100u * 1000u)         /* after running out of descriptors */
#define REFUSALS_MAX 64u                         /* refused connections kept open at a time */
#define REFUSAL_LINGER_USEC (500u * 1000u)
#define FDS_KEPT_MIN 64u

unsigned http_connection_max(uint64_t nofile) {
        uint64_t kept = nofile / 4 > FDS_KEPT_MIN ? nofile / 4 : FDS_KEPT_MIN;
        uint64_t n = nofile > kept ? nofile - kept : 0;
        if (n > HTTP_CONNECTIONS_MAX)
                n = HTTP_CONNECTIONS_MAX;
        return n > HTTP_CONNECTIONS_MIN ? (unsigned) n : HTTP_CONNECTIONS_MIN;
}

/* ---- refusals ---- */

/* A refused connection is kept open, write side shut, until its client has
 * sent its request and hung up (or for REFUSAL_LINGER_USEC): closed at once,
 * a client still sending would see EPIPE instead of the answer. */
struct HttpRefusal {
        HttpServer *server;
        HttpRefusal *prev, *next;
        int fd;
        sd_event_source *io;
        sd_event_source *timer;
};

static void refusal_free(HttpRefusal *f) {
        HttpServer *s = f->server;
        if (f->prev)
                f->prev->next = f->next;
        else
                s->refusals = f->next;
        if (f->next)
                f->next->prev = f->prev;
        else
                s->refusals_tail = f->prev;
        s->n_refusals--;
        sd_event_source_disable_unref(f->io);
        sd_event_source_disable_unref(f->timer);
        close(f->fd);
        free(f);
}

static int on_refusal_io(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        char buf[4096];
        for (unsigned i = 0; i < 4; i++) {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN && !(revents & (EPOLLHUP | EPOLLERR)))
                        return 0;
                if (n <= 0)
                        break;
        }
        refusal_free(userdata);
        return 0;
}

static int on_refusal_timer(sd_event_source *src, uint64_t usec, void *userdata) {
        refusal_free(userdata);
        return 0;
}

static void refuse(HttpServer *s, int fd) {
        /* A fresh socket's buffer holds the answer whole; a short write
         * leaves the client with a partial answer, which it reports. */
        (void) send(fd, s->refusal, s->refusal_len, MSG_NOSIGNAL | MSG_DONTWAIT);
        (void) shutdown(fd, SHUT_WR);

        /* All kept: the oldest has had its time (a client that sends
         * nothing is most likely one of a flood), the newest gets it. */
        if (s->n_refusals >= REFUSALS_MAX)
                refusal_free(s->refusals);
        HttpRefusal *f = calloc(1, sizeof(HttpRefusal));
        if (!f) {
                close(fd);
                return;
        }
        *f = (HttpRefusal) { .server = s, .fd = fd, .prev = s->refusals_tail };
        if (sd_event_add_io(s->event, &f->io, fd, EPOLLIN | EPOLLRDHUP, on_refusal_io, f) < 0 ||
            sd_event_add_time_relative(s->event, &f->timer, CLOCK_MONOTONIC, REFUSAL_LINGER_USEC, 10000,
                                       on_refusal_timer, f) < 0) {
                sd_event_source_disable_unref(f->io);
                sd_event_source_disable_unref(f->timer);
                free(f);
                close(fd);
                return;
        }
        if (s->refusals_tail)
                s->refusals_tail->next = f;
        else
                s->refusals = f;
        s->refusals_tail = f;
        s->n_refusals++;
}

/* The 503 for a client over the cap, as the API's errors look. */
static int refusal_build(HttpServer *s) {
        char message[256];
        free(s->refusal);
        s->refusal = NULL;
        snprintf(message, sizeof(message),
                 "wolfpackd already serves its maximum of %u connections; try again when other clients have "
                 "closed theirs",
                 s->connection_max);
        json_t *o = http_error_json(503, "busy", NULL, message);
        _cleanup_free_ char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
        json_decref(o);
        if (!body)
                return -ENOMEM;
        int n = asprintf(&s->refusal,
                         "HTTP/1.1 503 Service Unavailable\r\n"
                         "Content-Type: application/json\r\n"
                         "Content-Length: %zu\r\n"
                         "Connection: close\r\n"
                         "Retry-After: 1\r\n"
                         "\r\n"
                         "%s\n",
                         strlen(body) + 1, body);
        if (n < 0) {
                s->refusal = NULL;
                return -ENOMEM;
        }
        s->refusal_len = (size_t) n;
        return 0;
}

/* ---- accepting ---- */

static int on_accept_retry(sd_event_source *src, uint64_t usec, void *userdata) {
        http_accept_resume(userdata);
        return 0;
}

/* Out of descriptors (or memory): a level-triggered socket with a backlog
 * would wake the loop again at once, so stop watching it for a moment. A
 * connection that closes frees a descriptor and resumes sooner. */
static void accept_pause(HttpServer *s) {
        (void) sd_event_source_set_enabled(s->listen_source, SD_EVENT_OFF);
        (void) sd_event_source_set_time_relative(s->accept_retry_source, ACCEPT_RETRY_USEC);
        (void) sd_event_source_set_enabled(s->accept_retry_source, SD_EVENT_ONESHOT);
}

static int on_listen(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        HttpServer *s = userdata;
        bool added = false;

        for (unsigned i = 0; i < ACCEPT_BATCH; i++) {
                struct sockaddr_storage sa;
                socklen_t salen = sizeof(sa);
                int c = accept4(fd, (struct sockaddr *) &sa, &salen, SOCK_CLOEXEC | SOCK_NONBLOCK);
                if (c < 0) {
                        if (errno == EINTR || errno == ECONNABORTED)
                                continue;
                        if (errno != EAGAIN)
                                accept_pause(s);
                        break;
                }
                if (s->n_connections >= s->connection_max) {
                        refuse(s, c);
                        continue;
                }
                /* libmicrohttpd closes the socket if it cannot take it. */
                (void) MHD_add_connection(s->mhd, c, (const struct sockaddr *) &sa, salen);
                added = true;
        }
        if (added)
                http_server_wake(s);
        return 0;
}

void http_accept_resume(HttpServer *s) {
        if (s->listen_source)
                (void) sd_event_source_set_enabled(s->listen_source, SD_EVENT_ON);
}

int http_accept_start(HttpServer *s, char *err, size_t errlen) {
        struct rlimit rl;
        uint64_t nofile = getrlimit(RLIMIT_NOFILE, &rl) >= 0 && rl.rlim_cur != RLIM_INFINITY ? rl.rlim_cur : UINT64_MAX;
        s->connection_max = http_connection_max(nofile);

        int r = refusal_build(s);
        if (r < 0) {
                snprintf(err, errlen, "out of memory");
                return r;
        }
        r = sd_event_add_io(s->event, &s->listen_source, s->listen.fd, EPOLLIN, on_listen, s);
        if (r >= 0)
                r = sd_event_add_time(s->event, &s->accept_retry_source, CLOCK_MONOTONIC, UINT64_MAX, 10000,
                                      on_accept_retry, s);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->accept_retry_source, SD_EVENT_OFF);
        if (r < 0) {
                snprintf(err, errlen, "cannot watch the socket %s: %s", s->socket_path ? s->socket_path : s->address,
                         strerror(-r));
                return r;
        }
        (void) sd_event_source_set_description(s->listen_source, "http-listen");
        (void) sd_event_source_set_description(s->accept_retry_source, "http-accept-retry");
        return 0;
}

void http_accept_stop(HttpServer *s) {
        s->listen_source = sd_event_source_disable_unref(s->listen_source);
        s->accept_retry_source = sd_event_source_disable_unref(s->accept_retry_source);
        while (s->refusals)
                refusal_free(s->refusals);
        free(s->refusal);
        s->refusal = NULL;
}

int http_server_set_connection_max(HttpServer *s, unsigned max) {
        /* libmicrohttpd's own limit was set at start: lower only. */
        if (max == 0 || max > s->connection_max)
                return -EINVAL;
        s->connection_max = max;
        return refusal_build(s);
}
