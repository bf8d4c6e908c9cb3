/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The HTTP server's parts as they see each other: the server (http-server.c),
 * a request (http-request.c) and an event stream (http-stream.c). Not for
 * users of http.h, except unit tests, which also use the knobs at the end.
 *
 * Lifetimes. A request is referenced by libmicrohttpd from the request
 * line until its completion callback, and by the handler from dispatch
 * until it answers (http_reply*, http_stream_start) or until on_gone. A
 * stream is referenced by its user until http_stream_close or on_gone, and
 * by its libmicrohttpd response until that is destroyed; it references its
 * request. Whatever is still referenced when the server is freed is cut
 * loose from it (server = NULL) and freed by its last reference.
 */
#pragma once

#include <microhttpd.h>
#include <stdint.h>

#include "http-listen.h"
#include "http-peer.h"
#include "http-route.h"
#include "http.h"

#define HTTP_BODY_MAX (1024u * 1024u)
#define HTTP_STREAM_QUEUE_MAX (4u * 1024u * 1024u)
/* What every stream's queue together may hold (http_server_set_stream_memory_max). */
#define HTTP_STREAM_MEMORY_MAX (64u * 1024u * 1024u)
/* TLS 1.2 and 1.3 only, GnuTLS's NORMAL suites otherwise. */
#define HTTP_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
/* Static files (the console) load nothing from elsewhere and are never
 * framed by another site. */
#define HTTP_STATIC_CSP \
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; base-uri 'none'; " \
        "form-action 'self'; frame-ancestors 'none'"
#define HTTP_KEEPALIVE_USEC (15u * 1000000u)
/* Idle connections, and clients that stop reading, are dropped after this. */
#define HTTP_CONNECTION_TIMEOUT_SEC 60u
/* Connections served at a time: at most this many, fewer when the file
 * descriptor limit is low (http_connection_max). */
#define HTTP_CONNECTIONS_MAX 1024u
#define HTTP_CONNECTIONS_MIN 4u

typedef struct HttpRefusal HttpRefusal;

struct HttpServer {
        sd_event *event;
        struct MHD_Daemon *mhd;
        sd_event_source *io_source;        /* libmicrohttpd's epoll fd */
        sd_event_source *timer_source;     /* libmicrohttpd's next timeout */
        sd_event_source *wake_source;      /* a run for resumed connections */
        sd_event_source *keepalive_source; /* ": keepalive" on every stream */

        const HttpRoute *routes;
        void *userdata;

        char *socket_path; /* the unix socket; NULL on TCP */
        char *address;     /* TCP: "HOST:PORT", as configured */
        http_auth_fn auth; /* TCP: the token check */
        http_audit_fn audit; /* told of each change asked (http_server_set_audit) */
        void *audit_userdata;
        HttpListen listen; /* ours: libmicrohttpd gets each accepted connection */
        gid_t access_gid;  /* HTTP_NO_GID: root only */

        sd_event_source *listen_source;       /* accepting, http-accept.c */
        sd_event_source *accept_retry_source; /* after running out of descriptors */
        unsigned connection_max;              /* served at a time; the rest are refused */
        unsigned n_connections;               /* that libmicrohttpd holds now */
        char *refusal;                        /* the 503 for those over the cap */
        size_t refusal_len;
        HttpRefusal *refusals, *refusals_tail; /* refused, until their client has read; oldest first */
        unsigned n_refusals;

        size_t body_max;
        size_t stream_queue_max;
        size_t stream_memory_max; /* all queues together */
        size_t stream_memory;     /* the buffers every stream holds now */
        uint64_t keepalive_usec;

        HttpRequest *requests; /* every live request, for http_server_free */
        HttpStream *streams;   /* every live stream, for keep-alives */

        char mhd_error[256]; /* libmicrohttpd's last complaint */
};

typedef enum HttpRequestState {
        HTTP_REQUEST_NEW,       /* request line seen */
        HTTP_REQUEST_RECEIVING, /* headers accepted, body arriving */
        HTTP_REQUEST_HANDLING,  /* the handler holds it; suspended once it returned */
        HTTP_REQUEST_ANSWERED,  /* a response waits to be queued */
        HTTP_REQUEST_SENDING,   /* the response is queued (a stream stays here) */
        HTTP_REQUEST_DONE,      /* libmicrohttpd is finished with it */
} HttpRequestState;

struct HttpRequest {
        unsigned n_ref;
        HttpServer *server; /* NULL once the server is freed */
        HttpRequest *prev, *next;
        struct MHD_Connection *connection; /* NULL once DONE */
        int fd;                            /* the connection's socket, for hang-up watching */

        HttpRequestState state;
        bool handler_owns; /* the handler has not answered yet */
        bool in_handler;
        bool suspended;
        bool gone; /* the client went away before the answer was sent */
        bool audited; /* the audit callback was told of it */

        HttpPeer peer;
        HttpAccess role;  /* what the peer or its token may do */
        char who[80];     /* the token's name, or "uid N" */
        char *target; /* as the client sent it */
        char *path;   /* target without query, not decoded */
        char *method;
        HttpTarget parsed;
        HttpMatch match;

        char *body_buf;
        size_t body_len, body_alloc;
        bool body_too_large;
        json_t *body;

        struct MHD_Response *response; /* ANSWERED: waiting to be queued */
        unsigned status;

        sd_event_source *hangup_source; /* while suspended */
        void (*on_gone)(HttpRequest *r, void *userdata);
        void *on_gone_userdata;

        HttpStream *stream; /* not a reference: the stream references us */
};

struct HttpStream {
        unsigned n_ref;
        HttpServer *server; /* NULL once the server is freed */
        HttpStream *prev, *next;
        HttpRequest *request; /* referenced */

        char *buf; /* queued bytes: buf[start, end) */
        size_t start, end, alloc;

        bool user_owns; /* until http_stream_close or on_gone */
        bool closed;    /* end the response once the queue is sent */
        bool gone;      /* the client went away */
        bool overflow;  /* the client fell too far behind: cut it off */
        char why[200];  /* when overflow: why, for the stream's user */

        void (*on_gone)(HttpStream *st, void *userdata);
        void *userdata;
};

/* http-server.c: run libmicrohttpd on the next loop iteration. */
void http_server_wake(HttpServer *s);

/* http-accept.c: watch the listening socket; hand each connection to
 * libmicrohttpd, or refuse it past the cap. */
int http_accept_start(HttpServer *s, char *err, size_t errlen);
void http_accept_stop(HttpServer *s);
/* A connection closed, or descriptors may be free again: accept again. */
void http_accept_resume(HttpServer *s);
/* The cap for a file descriptor limit of nofile: a quarter of it (at
 * least 64) is kept for the rest of wolfpackd, and at most
 * HTTP_CONNECTIONS_MAX are served. */
unsigned http_connection_max(uint64_t nofile);

/* http-request.c, for the server's libmicrohttpd callbacks. */
HttpRequest *http_request_new(HttpServer *s, struct MHD_Connection *c, const char *target);
enum MHD_Result http_request_access(HttpRequest *r, struct MHD_Connection *c, const char *method,
                                    const char *upload_data, size_t *upload_data_size);
void http_request_completed(HttpRequest *r);
HttpRequest *http_request_ref(HttpRequest *r);
HttpRequest *http_request_unref(HttpRequest *r);
/* Stop reading and writing the connection until http_request_resume;
 * meanwhile a hang-up of the client counts as gone. */
void http_request_suspend(HttpRequest *r);
void http_request_resume(HttpRequest *r);
/* Give the answer: queued now if inside the access handler, else the
 * connection is resumed for it. Takes resp. */
void http_request_set_response(HttpRequest *r, unsigned status, struct MHD_Response *resp);
/* The handler's hold ends (it answered, or started a stream). */
void http_request_release(HttpRequest *r);
/* The JSON error response, as the API documents it; and its body. */
struct MHD_Response *http_error_response(unsigned status, const char *code, const char *property,
                                         const char *message);
json_t *http_error_json(unsigned status, const char *code, const char *property, const char *message);

/* http-stream.c */
void http_stream_gone(HttpStream *st);
void http_stream_detach(HttpStream *st);
/* Queue ": keepalive" on a stream with nothing queued. */
void http_stream_keepalive(HttpStream *st);

/* Knobs for tests: the access group, the body limit, the stream queue
 * limit, the keep-alive period, and a lower connection cap. */
void http_server_set_access_gid(HttpServer *s, gid_t gid);
void http_server_set_limits(HttpServer *s, size_t body_max, size_t stream_queue_max);
int http_server_set_keepalive(HttpServer *s, uint64_t usec);
int http_server_set_connection_max(HttpServer *s, unsigned max);
