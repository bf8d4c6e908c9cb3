/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CLI's HTTP client: JSON requests to wolfpackd over its unix socket
 * or to a node's remote API over https with a token (libcurl, one
 * connection kept open between requests), and the event
 * stream (GET /v1/events) on a connection of its own, driven without
 * blocking so a caller can poll between events.
 *
 * Every failure is printed here, once, as "wolfpack: <message>" — the
 * API's own message for an error status, or what kept the request from
 * being answered — and returned as a negative errno: the status's
 * (cli_errno_from_status: 404 is -ENOENT) or, when wolfpackd could not be
 * reached, -ECONNREFUSED (never -ENOENT, whatever the socket's errno was).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "cli-sse.h"
#include "cli.h"

/* timeout bounds the wait for each answer: of a request, and of an event
 * stream until its headers came (a stream then lasts while its keep-alives
 * come). Connecting is bounded apart, and a full backlog is told as such. */
int cli_http_new(const char *socket_path, wp_usec_t timeout, CliHttp **ret);
/* The same with a node's remote API: url "https://HOST:PORT", verified
 * against the CA in ca_file only, every request carrying token. */
int cli_http_new_remote(const char *url, const char *ca_file, const char *token, wp_usec_t timeout, CliHttp **ret);
CliHttp *cli_http_free(CliHttp *h);

/* method "GET", "POST", "PATCH" or "DELETE"; body NULL or a JSON object.
 * On a status below 400: 0, the status and the answer's JSON (NULL when
 * it has no body) in the outputs (either may be NULL). */
int cli_http_request(CliHttp *h, const char *method, const char *path, const json_t *body, long *ret_status,
                     json_t **ret_json);

/* The same, but an error status is not printed: its errno is returned
 * and the API's message put in *ret_error (malloc'ed; NULL for any other
 * failure, which is printed as ever). */
int cli_http_try(CliHttp *h, const char *method, const char *path, const json_t *body, json_t **ret_json,
                 char **ret_error);

typedef struct CliStream CliStream;

/* Open GET path as an event stream; events go to fn. Nothing is sent
 * until the first cli_stream_run. */
int cli_stream_open(CliHttp *h, const char *path, sse_event_fn fn, void *userdata, CliStream **ret);
CliStream *cli_stream_free(CliStream *s);

/* Move the stream on for at most timeout_ms, calling fn for each event.
 * 1 while it lives; 0 when it ended cleanly (the server closed it); a
 * negative errno when it failed or was refused (an error status, or a
 * body that is not text/event-stream) — printed unless quiet. */
int cli_stream_run(CliStream *s, int timeout_ms, bool quiet);
/* The server answered 200 with an event stream. */
bool cli_stream_established(const CliStream *s);
