/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The HTTP server of wolfpackd: libmicrohttpd in external-epoll mode inside
 * the sd-event loop, on a unix socket with access by peer credentials (root
 * or the `wolfpack` group; others get 403 before any route runs), or on TCP
 * with TLS and bearer tokens (no token or a bad one: 401; a role below the
 * route's: 403; both before any route runs), JSON request bodies of at most
 * 1 MiB, a route table in which every route says who may use it, replies
 * that may come later (the connection is suspended meanwhile), and
 * server-sent event streams. Knows nothing of clusters: routes and the
 * token check are given by the caller.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <systemd/sd-event.h>

typedef struct HttpServer HttpServer;
typedef struct HttpRequest HttpRequest;
typedef struct HttpStream HttpStream;

/* A handler answers with http_reply* (or http_stream_start) now or later:
 * keep req until then. If the client goes away first and on_gone was set
 * with http_request_on_gone, on_gone is called once and req must not be
 * used after it returns (answering from inside on_gone is allowed and
 * dropped). Without on_gone, req stays valid until it is answered, and
 * that answer is dropped. Handlers run on the event loop and must not
 * block it, nor free the server. */
typedef void (*http_handler_fn)(HttpRequest *req, void *userdata);

/* Who may use a route, lowest first; a caller holds one of the roles.
 * Every route names one (a table with HTTP_ACCESS_UNSET is refused), so
 * that no route is open by omission. On the unix socket an authorised peer
 * holds HTTP_ACCESS_ADMIN; on TCP the token's role decides. PUBLIC routes
 * (the console's static files) need no token. */
typedef enum HttpAccess {
        HTTP_ACCESS_UNSET = 0,
        HTTP_ACCESS_PUBLIC,
        HTTP_ACCESS_READ,
        HTTP_ACCESS_OPERATOR,
        HTTP_ACCESS_ADMIN,
} HttpAccess;

/* "public", "read", "operator", "admin"; NULL for anything else. */
const char *http_access_name(HttpAccess a);
/* The role named s ("read", "operator", "admin"); HTTP_ACCESS_UNSET when
 * s names none of them. */
HttpAccess http_access_from_name(const char *s);

typedef struct HttpRoute {
        const char *method;   /* "GET", "POST", "PATCH", "DELETE", "PUT" */
        const char *pattern;  /* "/v1/groups/{}/online": {} captures one path segment */
        http_handler_fn fn;
        HttpAccess access;    /* the lowest role that may use it */
} HttpRoute;

/* The token check of a TCP server: token is what followed "Bearer " in
 * the Authorization header (at most HTTP_TOKEN_MAX bytes of visible ASCII;
 * anything else is refused before this is called). 0 with the token's
 * role and name (for the log and GET /v1/whoami; at most namelen - 1
 * bytes), or a negative errno: -ENOENT for a token that is unknown or
 * revoked. Called on the event loop for every request: must not block. */
#define HTTP_TOKEN_MAX 256u
typedef int (*http_auth_fn)(const char *token, void *userdata, HttpAccess *ret_role, char *ret_name,
                            size_t namelen);

/* Serve routes (terminated by an entry with method NULL; they must outlive
 * the server) on the unix socket at socket_path (created 0660, group
 * wolfpack when that group exists; a stale socket is replaced, a live one
 * is not: -EADDRINUSE). userdata goes to every handler. On failure a
 * negative errno, a message for a person in err, and *ret untouched. */
int http_server_new(sd_event *event, const char *socket_path, const HttpRoute *routes, void *userdata,
                    HttpServer **ret, char *err, size_t errlen);
/* Closes every connection (on_gone is called for pending requests and
 * streams that set one) and removes the socket file. Requests and streams
 * still held without on_gone stay valid until answered or closed, and
 * their answers are dropped. Accepts NULL, returns NULL. */
/* Serve routes on TCP at address ("HOST:PORT": "*:7443", "127.0.0.1:7443",
 * "[::1]:7443"; "*" listens on every IPv4 and IPv6 address) with TLS,
 * given the server's certificate chain and key as PEM text. Every request
 * but to a PUBLIC route needs "Authorization: Bearer TOKEN", checked by
 * auth. On failure a negative errno and a message in err. */
int http_server_new_tls(sd_event *event, const char *address, const char *cert_pem, const char *key_pem,
                        const HttpRoute *routes, http_auth_fn auth, void *userdata, HttpServer **ret, char *err,
                        size_t errlen);
HttpServer *http_server_free(HttpServer *s);
static inline void http_server_freep(HttpServer **s) {
        http_server_free(*s);
}

const char *http_request_method(HttpRequest *r);
/* The path as the client sent it: without the query, not decoded. */
const char *http_request_path(HttpRequest *r);
/* The i-th {} capture of the matched pattern, URL-decoded. */
const char *http_request_param(HttpRequest *r, unsigned i);
/* A query-string value, URL-decoded ('+' is a space); the first one when
 * the key is repeated, "" for a key without '='; NULL when absent. */
const char *http_request_query(HttpRequest *r, const char *key);
/* The parsed body: a JSON object, or NULL when the request had no body.
 * (A body that is not a JSON object never reaches a handler: 400.) */
json_t *http_request_body(HttpRequest *r);
/* The peer's credentials, as they were when it connected; (uid_t) -1 on TCP. */
uid_t http_request_uid(HttpRequest *r);
/* Who asked: the token's name on TCP, "uid N" on the unix socket; and the
 * role they hold (HTTP_ACCESS_PUBLIC when a public route was asked without
 * a token). */
const char *http_request_who(HttpRequest *r);
HttpAccess http_request_role(HttpRequest *r);
/* The peer's address for people: "192.0.2.1:40000", "[::1]:40000", or
 * "local" on the unix socket. */
const char *http_request_peer(HttpRequest *r);
/* Told of every request other than GET and HEAD from a peer the server
 * authorised (by credentials or by a token; a 401 is not told), once,
 * with the status of its answer: what was asked of the cluster, and by
 * whom, for the log. The request is valid during the call only. */
typedef void (*http_audit_fn)(HttpRequest *r, unsigned status, void *userdata);
void http_server_set_audit(HttpServer *s, http_audit_fn fn, void *userdata);
/* A request header's value (the first when repeated), or NULL. */
const char *http_request_header(HttpRequest *r, const char *name);
void http_request_on_gone(HttpRequest *r, void (*fn)(HttpRequest *r, void *userdata), void *userdata);

/* Answer with status and a JSON body (reference taken; NULL: no body),
 * sent compact with Content-Type: application/json. req must not be used
 * after. */
void http_reply(HttpRequest *r, int status, json_t *body);
/* Answer 200 with text (taken: freed after it is sent) of Content-Type
 * content_type. NULL text: 500. req must not be used after. */
void http_reply_text(HttpRequest *r, char *text, const char *content_type);
/* Answer 200 with len bytes at data, which outlive the server (static
 * files), and the given Content-Type and Cache-Control (NULL: none), with
 * a Content-Security-Policy allowing only this origin, nosniff, and no
 * framing. */
void http_reply_static(HttpRequest *r, const void *data, size_t len, const char *content_type,
                       const char *cache_control);
/* {"error":{"status","code","message"}} plus "property" when given (see
 * docs/api.md for the codes). req must not be used after. */
void http_reply_error(HttpRequest *r, int status, const char *code, const char *property, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));

/* Turn the request into a text/event-stream response (Cache-Control:
 * no-cache; a ": keepalive" comment every 15 s). req must not be used
 * after. The stream lives until http_stream_close or until the client goes
 * away, falls more than 4 MiB behind or is cut for the memory bound of all
 * streams (http_server_set_stream_memory_max): on_gone is then called once, and
 * the stream must not be used after it returns. Without on_gone the stream
 * stays valid, refusing events, until http_stream_close. NULL when the
 * client is already gone, or when memory ran out (the request is then
 * answered 500). */
HttpStream *http_stream_start(HttpRequest *r, void (*on_gone)(HttpStream *s, void *userdata), void *userdata);
/* Bound the memory the queues of all streams together may hold (default
 * 64 MiB; 0 keeps it): past it the stream furthest behind is disconnected
 * first, so that clients that do not read cannot grow the process
 * without end. */
void http_server_set_stream_memory_max(HttpServer *s, size_t max);
/* Why the stream was disconnected by the server (it fell too far behind,
 * or was furthest behind when the streams together held too much), for
 * on_gone to tell; NULL when its client went away on its own. */
const char *http_stream_why_cut(const HttpStream *s);
/* Queue one event: "data: <compact json>\n\n". Reference not taken.
 * Never blocks. 0, or -EPIPE (the client is gone or going), -ENOBUFS (it
 * fell too far behind and is being disconnected: on_gone follows),
 * -ENOMEM, -EINVAL. */
int http_stream_send(HttpStream *s, const json_t *event);
/* Who opened the stream (http_request_who of its request); NULL once its
 * request is gone. */
const char *http_stream_who(const HttpStream *s);
/* End the response once the queued events are sent; s must not be used
 * after, and its on_gone will not be called. */
void http_stream_close(HttpStream *s);
