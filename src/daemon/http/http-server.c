/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The HTTP server: libmicrohttpd in external-epoll mode driven by sd-event
 * (its epoll fd is an io source, its timeout an sd-event timer re-armed
 * after every run), the listening socket (accepted by http-accept.c, not by
 * libmicrohttpd), peer credentials per connection on the unix socket, TLS
 * (libmicrohttpd's, with GnuTLS) on TCP, and the keep-alive timer of event
 * streams. Owns the libmicrohttpd daemon and the socket file. Must never
 * block the loop, never run libmicrohttpd from inside one of its own
 * callbacks, and never free the server from a handler.
 */
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "http-internal.h"
#include "macro.h"

/* ---- libmicrohttpd's callbacks ---- */

static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
        HttpServer *s = cls;
        vsnprintf(s->mhd_error, sizeof(s->mhd_error), fmt, ap);
        s->mhd_error[strcspn(s->mhd_error, "\n")] = '\0';
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe) {
        HttpServer *s = cls;
        if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
                free(*socket_context);
                *socket_context = NULL;
                s->n_connections--;
                http_accept_resume(s);
                return;
        }
        s->n_connections++;
        HttpPeer *peer = calloc(1, sizeof(HttpPeer));
        if (!peer)
                return;
        if (s->auth) {
                /* TCP: a token decides, request by request. */
                *peer = (HttpPeer) { .uid = (uid_t) -1, .gid = (gid_t) -1, .authorised = false };
                const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
                http_peer_address(ci ? ci->client_addr : NULL, sizeof(struct sockaddr_storage), peer->address,
                                  sizeof(peer->address));
                *socket_context = peer;
                return;
        }
        /* Credentials are read once, as they were at connect(). A peer
         * whose credentials cannot be read is refused (authorised false). */
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!ci || http_peer_from_fd(ci->connect_fd, s->access_gid, peer) < 0)
                *peer = (HttpPeer) { .uid = (uid_t) -1, .gid = (gid_t) -1, .authorised = false, .address = "local" };
        *socket_context = peer;
}

static void *on_request_line(void *cls, const char *uri, struct MHD_Connection *c) {
        /* NULL on allocation failure: the access handler then closes. */
        return http_request_new(cls, c, uri);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                 const char *version, const char *upload_data, size_t *upload_data_size,
                                 void **con_cls) {
        return http_request_access(*con_cls, c, method, upload_data, upload_data_size);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe) {
        http_request_completed(*con_cls);
        *con_cls = NULL;
}

/* libmicrohttpd's URL unescaping is not used: targets are decoded by
 * http-route.c, which must see "%2F" as it was sent. */
static size_t unescape_none(void *cls, struct MHD_Connection *c, char *s) {
        return strlen(s);
}

/* ---- sd-event glue ---- */

static void server_arm_timer(HttpServer *s) {
        MHD_UNSIGNED_LONG_LONG timeout_ms;
        uint64_t now;

        if (MHD_get_timeout(s->mhd, &timeout_ms) != MHD_YES) {
                (void) sd_event_source_set_enabled(s->timer_source, SD_EVENT_OFF);
                return;
        }
        if (sd_event_now(s->event, CLOCK_MONOTONIC, &now) < 0) {
                struct timespec ts;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                now = (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
        }
        uint64_t usec = timeout_ms > (UINT64_MAX - now) / 1000u ? UINT64_MAX - 1 : now + timeout_ms * 1000u;
        (void) sd_event_source_set_time(s->timer_source, usec);
        (void) sd_event_source_set_enabled(s->timer_source, SD_EVENT_ONESHOT);
}

static void server_run(HttpServer *s) {
        /* A failing run (epoll_wait trouble) is retried at the next wake-up;
         * returning an error would disable the source for good. */
        (void) MHD_run(s->mhd);
        server_arm_timer(s);
}

static int on_mhd_io(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        server_run(userdata);
        return 0;
}

static int on_mhd_timer(sd_event_source *src, uint64_t usec, void *userdata) {
        server_run(userdata);
        return 0;
}

/* A resumed connection is picked up by the next MHD_run: libmicrohttpd's
 * epoll fd does not wake for it in external mode. The run happens on the
 * next loop iteration, never from inside one of libmicrohttpd's callbacks. */
static int on_wake(sd_event_source *src, void *userdata) {
        server_run(userdata);
        return 0;
}

void http_server_wake(HttpServer *s) {
        if (s && s->wake_source)
                (void) sd_event_source_set_enabled(s->wake_source, SD_EVENT_ONESHOT);
}

static int on_keepalive(sd_event_source *src, uint64_t usec, void *userdata) {
        HttpServer *s = userdata;
        for (HttpStream *st = s->streams; st; st = st->next)
                http_stream_keepalive(st);
        (void) sd_event_source_set_time(src, usec + s->keepalive_usec);
        (void) sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
        return 0;
}

/* ---- life cycle ---- */

static gid_t lookup_access_gid(void) {
        struct group grp, *result = NULL;
        char buf[4096];
        if (getgrnam_r("wolfpack", &grp, buf, sizeof(buf), &result) != 0 || !result)
                return HTTP_NO_GID;
        return result->gr_gid;
}

/* What both kinds of server start with; the listening socket comes after. */
static int server_alloc(sd_event *event, const HttpRoute *routes, void *userdata, HttpServer **ret, char *err,
                        size_t errlen) {
        int r = http_routes_check(routes, err, errlen);
        if (r < 0)
                return r;
        HttpServer *s = calloc(1, sizeof(HttpServer));
        if (!s) {
                snprintf(err, errlen, "out of memory");
                return -ENOMEM;
        }
        s->event = sd_event_ref(event);
        s->routes = routes;
        s->userdata = userdata;
        s->listen.fd = -1;
        s->access_gid = HTTP_NO_GID;
        s->body_max = HTTP_BODY_MAX;
        s->stream_queue_max = HTTP_STREAM_QUEUE_MAX;
        s->stream_memory_max = HTTP_STREAM_MEMORY_MAX;
        s->keepalive_usec = HTTP_KEEPALIVE_USEC;
        *ret = s;
        return 0;
}

/* libmicrohttpd and the loop's sources, once the socket listens. */
static int server_start(HttpServer *s, const char *cert_pem, const char *key_pem, char *err, size_t errlen) {
        const char *where = s->socket_path ? s->socket_path : s->address;
        int r = http_accept_start(s, err, errlen);
        if (r < 0)
                return r;

        unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG | MHD_USE_NO_LISTEN_SOCKET;
        if (cert_pem)
                flags |= MHD_USE_TLS;
        s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_access, s,
                                  MHD_OPTION_CONNECTION_LIMIT, s->connection_max,
                                  MHD_OPTION_URI_LOG_CALLBACK, on_request_line, s,
                                  MHD_OPTION_UNESCAPE_CALLBACK, unescape_none, s,
                                  MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                                  MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
                                  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) HTTP_CONNECTION_TIMEOUT_SEC,
                                  MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
                                  /* Given only with TLS: an option libmicrohttpd does not use
                                   * for plain HTTP is still refused without MHD_USE_TLS. */
                                  cert_pem ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert_pem,
                                  MHD_OPTION_HTTPS_MEM_KEY, key_pem,
                                  MHD_OPTION_HTTPS_PRIORITIES, HTTP_TLS_PRIORITIES,
                                  MHD_OPTION_END);
        if (!s->mhd) {
                snprintf(err, errlen, "cannot start the HTTP server on %s: %s%s", where,
                         s->mhd_error[0] ? s->mhd_error : "libmicrohttpd refused",
                         cert_pem ? " (are tls-cert and tls-key a PEM certificate and its key?)" : "");
                return -EIO;
        }

        const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD);
        if (!info || info->epoll_fd < 0) {
                snprintf(err, errlen, "libmicrohttpd has no epoll fd to give");
                return -EIO;
        }
        r = sd_event_add_io(s->event, &s->io_source, info->epoll_fd, EPOLLIN, on_mhd_io, s);
        if (r >= 0)
                r = sd_event_add_time(s->event, &s->timer_source, CLOCK_MONOTONIC, UINT64_MAX, 1000, on_mhd_timer, s);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->timer_source, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_defer(s->event, &s->wake_source, on_wake, s);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->wake_source, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_time_relative(s->event, &s->keepalive_source, CLOCK_MONOTONIC, s->keepalive_usec,
                                               100000, on_keepalive, s);
        if (r < 0) {
                snprintf(err, errlen, "cannot add the HTTP server to the event loop: %s", strerror(-r));
                return r;
        }
        (void) sd_event_source_set_description(s->io_source, "http");
        (void) sd_event_source_set_description(s->timer_source, "http-timeout");
        (void) sd_event_source_set_description(s->wake_source, "http-wake");
        (void) sd_event_source_set_description(s->keepalive_source, "http-keepalive");
        server_arm_timer(s);
        return 0;
}

static int oom(char *err, size_t errlen) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
}

/* The end of both constructors: the server in *ret, or freed and r. */
static int server_done(HttpServer *s, int r, HttpServer **ret) {
        if (r >= 0) {
                *ret = s;
                return 0;
        }
        http_server_free(s);
        return r;
}

int http_server_new(sd_event *event, const char *socket_path, const HttpRoute *routes, void *userdata,
                    HttpServer **ret, char *err, size_t errlen) {
        HttpServer *s = NULL;
        if (!event || !socket_path || !ret) {
                snprintf(err, errlen, "http_server_new needs an event loop, a socket path and somewhere to put the server");
                return -EINVAL;
        }
        int r = server_alloc(event, routes, userdata, &s, err, errlen);
        if (r < 0)
                return r;
        s->access_gid = lookup_access_gid();
        s->socket_path = strdup(socket_path);
        r = s->socket_path ? http_listen_unix(socket_path, s->access_gid, &s->listen, err, errlen) : oom(err, errlen);
        if (r >= 0)
                r = server_start(s, NULL, NULL, err, errlen);
        return server_done(s, r, ret);
}

int http_server_new_tls(sd_event *event, const char *address, const char *cert_pem, const char *key_pem,
                        const HttpRoute *routes, http_auth_fn auth, void *userdata, HttpServer **ret, char *err,
                        size_t errlen) {
        HttpServer *s = NULL;
        if (!event || !address || !cert_pem || !key_pem || !auth || !ret) {
                snprintf(err, errlen, "http_server_new_tls needs an event loop, an address, a certificate, a key, "
                                      "a token check and somewhere to put the server");
                return -EINVAL;
        }
        int r = server_alloc(event, routes, userdata, &s, err, errlen);
        if (r < 0)
                return r;
        s->auth = auth;
        s->address = strdup(address);
        r = s->address ? http_listen_tcp(address, &s->listen, err, errlen) : oom(err, errlen);
        if (r >= 0)
                r = server_start(s, cert_pem, key_pem, err, errlen);
        return server_done(s, r, ret);
}

HttpServer *http_server_free(HttpServer *s) {
        if (!s)
                return NULL;

        /* libmicrohttpd must not be stopped with suspended connections. */
        for (HttpRequest *r = s->requests; r; r = r->next)
                http_request_resume(r);
        if (s->mhd) {
                /* Completion callbacks run here: pending requests and
                 * streams see their clients go. */
                MHD_stop_daemon(s->mhd);
                s->mhd = NULL;
        }
        http_accept_stop(s);
        if (s->listen.fd >= 0)
                close(TAKE_FD(s->listen.fd));
        sd_event_source_disable_unref(s->io_source);
        sd_event_source_disable_unref(s->timer_source);
        sd_event_source_disable_unref(s->wake_source);
        sd_event_source_disable_unref(s->keepalive_source);

        /* What handlers and stream users still hold outlives the server. */
        for (HttpRequest *r = s->requests, *next; r; r = next) {
                next = r->next;
                r->server = NULL;
                r->connection = NULL;
                r->prev = r->next = NULL;
        }
        for (HttpStream *st = s->streams, *next; st; st = next) {
                next = st->next;
                http_stream_detach(st);
        }
        if (s->socket_path && s->listen.ino != 0)
                http_listen_unlink(s->socket_path, &s->listen);
        free(s->socket_path);
        free(s->address);
        sd_event_unref(s->event);
        free(s);
        return NULL;
}

void http_server_set_access_gid(HttpServer *s, gid_t gid) {
        s->access_gid = gid;
}

void http_server_set_limits(HttpServer *s, size_t body_max, size_t stream_queue_max) {
        if (body_max > 0)
                s->body_max = body_max;
        if (stream_queue_max > 0)
                s->stream_queue_max = stream_queue_max;
}

void http_server_set_stream_memory_max(HttpServer *s, size_t max) {
        if (max > 0)
                s->stream_memory_max = max;
}

int http_server_set_keepalive(HttpServer *s, uint64_t usec) {
        uint64_t now;
        if (usec == 0)
                return -EINVAL;
        s->keepalive_usec = usec;
        int r = sd_event_now(s->event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return r;
        r = sd_event_source_set_time(s->keepalive_source, now + usec);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(s->keepalive_source, SD_EVENT_ONESHOT);
}
