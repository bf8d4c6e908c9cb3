/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The HTTP server of wolfpackd: libmicrohttpd in external-epoll mode inside
 * the sd-event loop, on a unix socket, with access by peer credentials (root
 * or the `wolfpack` group; others get 403 before any route runs), JSON
 * request bodies of at most 1 MiB, a route table, replies that may come
 * later (the connection is suspended meanwhile), and server-sent event
 * streams. Knows nothing of clusters: routes are given by the caller.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <systemd/sd-event.h>

typedef struct HttpServer HttpServer;
typedef struct HttpRequest HttpRequest;
typedef struct HttpStream HttpStream;

/* A handler answers with http_reply* now or later (keep req until then;
 * it stays valid until answered, or until the client goes away, in which
 * case on_gone — if set with http_request_on_gone — is called and the
 * answer is dropped). */
typedef void (*http_handler_fn)(HttpRequest *req, void *userdata);

typedef struct HttpRoute {
        const char *method;   /* "GET", "POST", "PATCH", "DELETE", "PUT" */
        const char *pattern;  /* "/v1/groups/{}/online": {} captures one path segment */
        http_handler_fn fn;
} HttpRoute;

/* Serve routes (terminated by an entry with method NULL) on the unix socket
 * at socket_path (created 0660, group wolfpack when that group exists;
 * a stale socket is replaced). userdata goes to every handler. */
int http_server_new(sd_event *event, const char *socket_path, const HttpRoute *routes, void *userdata,
                    HttpServer **ret, char *err, size_t errlen);
HttpServer *http_server_free(HttpServer *s);

const char *http_request_method(HttpRequest *r);
const char *http_request_path(HttpRequest *r);
/* The i-th {} capture of the matched pattern, URL-decoded. */
const char *http_request_param(HttpRequest *r, unsigned i);
/* A query-string value, URL-decoded; NULL when absent. */
const char *http_request_query(HttpRequest *r, const char *key);
/* The parsed body: a JSON object, or NULL when the request had no body.
 * (A body that is not a JSON object never reaches a handler: 400.) */
json_t *http_request_body(HttpRequest *r);
/* The peer's credentials. */
uid_t http_request_uid(HttpRequest *r);
void http_request_on_gone(HttpRequest *r, void (*fn)(HttpRequest *r, void *userdata), void *userdata);

/* Answer with status and a JSON body (reference taken; NULL: no body).
 * Frees req. */
void http_reply(HttpRequest *r, int status, json_t *body);
/* {"error":{"status","code","message"}} plus "property" when given. */
void http_reply_error(HttpRequest *r, int status, const char *code, const char *property, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));

/* Turn the request into a text/event-stream response. Frees req; the
 * stream lives until http_stream_close or until the client goes away
 * (on_gone is then called once; do not use the stream after). */
HttpStream *http_stream_start(HttpRequest *r, void (*on_gone)(HttpStream *s, void *userdata), void *userdata);
/* Queue one event: "data: <compact json>\n\n". Reference not taken. */
int http_stream_send(HttpStream *s, const json_t *event);
void http_stream_close(HttpStream *s);
