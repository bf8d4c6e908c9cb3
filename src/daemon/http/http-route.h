/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Request targets and the route table, as pure functions (no I/O, no
 * libmicrohttpd): split and %-decode a target into path segments and query
 * pairs, and find the route a method and path go to. Everything here takes
 * bytes a client sent, so every input is either accepted or refused with
 * a message; fuzz/fuzz-http-route.c holds it to that.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "http.h"

/* A pattern has at most this many {} captures. */
#define HTTP_ROUTE_MAX_PARAMS 8u

typedef struct HttpTarget {
        char **segments;   /* the path's segments, decoded: "/a/b%20c" → "a", "b c" */
        size_t n_segments; /* "/" is one empty segment */
        char **query;      /* decoded pairs: key, value, key, value, …; "k" alone has value "" */
        size_t n_query;    /* number of pairs */
} HttpTarget;

/* %XX-decode s[0, len) into a new string; '+' becomes ' ' when
 * plus_is_space (query strings). -EINVAL for a '%' not followed by two hex
 * digits or for %00, -ENOMEM. *ret is untouched on failure. */
int http_url_decode(const char *s, size_t len, bool plus_is_space, char **ret);

/* Parse an origin-form request target ("/v1/x?k=v"; a "#fragment" is
 * ignored). -EINVAL with a message in err when it is not a path, holds a
 * bad %-escape, or decodes to text that is not UTF-8 (the message names
 * the byte); -ENOMEM. *ret is zeroed on failure. */
int http_target_parse(const char *raw, HttpTarget *ret, char *err, size_t errlen);
void http_target_done(HttpTarget *t);
/* The value of the first pair named key, or NULL. */
const char *http_target_query(const HttpTarget *t, const char *key);

/* Check a route table (terminated by method NULL): methods non-empty,
 * handlers set, patterns made of "/"-separated segments each either
 * literal text without '{', '}' or '%', or exactly "{}", at most
 * HTTP_ROUTE_MAX_PARAMS captures. -EINVAL with a message naming the route. */
int http_routes_check(const HttpRoute *routes, char *err, size_t errlen);

typedef enum HttpMatchResult {
        HTTP_MATCH_OK,
        HTTP_MATCH_NO_PATH,     /* no route has this path: 404 */
        HTTP_MATCH_NO_METHOD,   /* routes have this path, with other methods: 405 */
        HTTP_MATCH_BAD_CAPTURE, /* a capture holds '/' once decoded: 400 */
} HttpMatchResult;

typedef struct HttpMatch {
        HttpMatchResult result;
        const HttpRoute *route;                /* HTTP_MATCH_OK, HTTP_MATCH_BAD_CAPTURE */
        size_t params[HTTP_ROUTE_MAX_PARAMS];  /* segment index of each capture */
        size_t n_params;
        char allow[128];                       /* HTTP_MATCH_NO_METHOD: "GET, POST" */
} HttpMatch;

/* Find the route for method and t in a checked table. A {} capture matches
 * one non-empty segment; literal segments compare with the decoded ones. */
void http_route_match(const HttpRoute *routes, const char *method, const HttpTarget *t, HttpMatch *ret);
