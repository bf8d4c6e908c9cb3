/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Request targets and route matching for the HTTP server. Owns nothing but
 * the HttpTarget it fills. Pure: it must never do I/O, keep state between
 * calls, or trust a byte of the target — a client wrote it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http-route.h"
#include "macro.h"
#include "text-quote.h"

static int hex_value(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int http_url_decode(const char *s, size_t len, bool plus_is_space, char **ret) {
        char *out = malloc(len + 1), *o = out;
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < len; i++) {
                if (s[i] == '%') {
                        /* Two hex digits must follow; %00 would cut the string short. */
                        if (len - i < 3) {
                                free(out);
                                return -EINVAL;
                        }
                        int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
                        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                                free(out);
                                return -EINVAL;
                        }
                        *o++ = (char) (hi << 4 | lo);
                        i += 2;
                } else if (s[i] == '\0') {
                        free(out);
                        return -EINVAL;
                } else if (plus_is_space && s[i] == '+')
                        *o++ = ' ';
                else
                        *o++ = s[i];
        }
        *o = '\0';
        *ret = out;
        return 0;
}

static int fail(char *err, size_t errlen, int r, const char *fmt, const char *what, size_t len);

/* Decoded text must be UTF-8: names and values go into JSON answers and
 * messages. Names the first bad byte. */
static int utf8_check(const char *decoded, const char *what, const char *raw, size_t rawlen, char *err,
                      size_t errlen) {
        size_t n = strlen(decoded), ok = utf8_valid_prefix(decoded, n);
        if (ok == n)
                return 0;
        char fmt[160];
        snprintf(fmt, sizeof fmt, "%s \"%%s%%s\" is not valid UTF-8: byte 0x%02x at offset %zu once decoded", what,
                 (unsigned char) decoded[ok], ok);
        return fail(err, errlen, -EINVAL, fmt, raw, rawlen);
}

void http_target_done(HttpTarget *t) {
        if (!t)
                return;
        for (size_t i = 0; i < t->n_segments; i++)
                free(t->segments[i]);
        free(t->segments);
        for (size_t i = 0; i < 2 * t->n_query; i++)
                free(t->query[i]);
        free(t->query);
        *t = (HttpTarget) {};
}

/* Append to a vector of strings whose length is *n (growing by doubling). */
static int push(char ***v, size_t *n, char *s) {
        if ((*n & (*n - 1)) == 0) { /* 0, 1, 2, 4, …: full */
                size_t cap = *n ? *n * 2 : 4;
                char **nv = reallocarray(*v, cap, sizeof(char *));
                if (!nv)
                        return -ENOMEM;
                *v = nv;
        }
        (*v)[(*n)++] = s;
        return 0;
}

static int fail(char *err, size_t errlen, int r, const char *fmt, const char *what, size_t len) {
        if (err && errlen > 0) {
                /* What the client sent is quoted, cut short and without control bytes. */
                char shown[64];
                size_t k = 0;
                for (size_t i = 0; i < len && k + 1 < sizeof(shown); i++)
                        shown[k++] = (unsigned char) what[i] < 0x20 || what[i] == 0x7f ? '?' : what[i];
                shown[k] = '\0';
                snprintf(err, errlen, fmt, shown, len > k ? "…" : "");
        }
        return r;
}

static int parse_path(const char *p, size_t len, HttpTarget *t, char *err, size_t errlen) {
        /* p[0] is '/'; each segment runs to the next '/'. */
        size_t i = 1;
        for (;;) {
                size_t j = i;
                while (j < len && p[j] != '/')
                        j++;
                char *seg = NULL;
                int r = http_url_decode(p + i, j - i, false, &seg);
                if (r == -EINVAL)
                        return fail(err, errlen, r, "bad %%-escape in path segment \"%s%s\"", p + i, j - i);
                if (r < 0)
                        return r;
                r = utf8_check(seg, "path segment", p + i, j - i, err, errlen);
                if (r < 0) {
                        free(seg);
                        return r;
                }
                r = push(&t->segments, &t->n_segments, seg);
                if (r < 0) {
                        free(seg);
                        return r;
                }
                if (j >= len)
                        return 0;
                i = j + 1;
        }
}

static int parse_query(const char *q, size_t len, HttpTarget *t, char *err, size_t errlen) {
        size_t i = 0;
        while (i < len) {
                size_t j = i;
                while (j < len && q[j] != '&')
                        j++;
                if (j > i) {
                        const char *eq = memchr(q + i, '=', j - i);
                        size_t klen = eq ? (size_t) (eq - (q + i)) : j - i;
                        _cleanup_free_ char *k = NULL, *v = NULL;
                        int r = http_url_decode(q + i, klen, true, &k);
                        if (r >= 0)
                                r = eq ? http_url_decode(eq + 1, j - i - klen - 1, true, &v)
                                       : (v = strdup("")) ? 0 : -ENOMEM;
                        if (r == -EINVAL)
                                return fail(err, errlen, r, "bad %%-escape in query parameter \"%s%s\"", q + i, j - i);
                        if (r < 0)
                                return r;
                        r = utf8_check(k, "query parameter", q + i, j - i, err, errlen);
                        if (r >= 0)
                                r = utf8_check(v, "query parameter", q + i, j - i, err, errlen);
                        if (r < 0)
                                return r;
                        size_t n = 2 * t->n_query;
                        r = push(&t->query, &n, k);
                        if (r < 0)
                                return r;
                        k = NULL;
                        r = push(&t->query, &n, v);
                        if (r < 0) {
                                /* The key went in alone: take it back out. */
                                free(t->query[--n]);
                                return r;
                        }
                        v = NULL;
                        t->n_query++;
                }
                i = j + 1;
        }
        return 0;
}

int http_target_parse(const char *raw, HttpTarget *ret, char *err, size_t errlen) {
        HttpTarget t = {};
        if (!raw || raw[0] != '/') {
                *ret = t;
                return fail(err, errlen, -EINVAL, "the request target \"%s%s\" is not a path", raw ? raw : "",
                            raw ? strlen(raw) : 0);
        }
        size_t end = strcspn(raw, "#");
        size_t path_len = strcspn(raw, "?#");
        int r = parse_path(raw, path_len, &t, err, errlen);
        if (r >= 0 && path_len < end)
                r = parse_query(raw + path_len + 1, end - path_len - 1, &t, err, errlen);
        if (r < 0) {
                http_target_done(&t);
                *ret = t;
                return r;
        }
        *ret = t;
        return 0;
}

const char *http_target_query(const HttpTarget *t, const char *key) {
        if (!t || !key)
                return NULL;
        for (size_t i = 0; i < t->n_query; i++)
                if (strcmp(t->query[2 * i], key) == 0)
                        return t->query[2 * i + 1];
        return NULL;
}

const char *http_access_name(HttpAccess a) {
        switch (a) {
        case HTTP_ACCESS_PUBLIC:
                return "public";
        case HTTP_ACCESS_READ:
                return "read";
        case HTTP_ACCESS_OPERATOR:
                return "operator";
        case HTTP_ACCESS_ADMIN:
                return "admin";
        case HTTP_ACCESS_UNSET:
                break;
        }
        return NULL;
}

HttpAccess http_access_from_name(const char *s) {
        if (!s)
                return HTTP_ACCESS_UNSET;
        for (HttpAccess a = HTTP_ACCESS_READ; a <= HTTP_ACCESS_ADMIN; a++)
                if (strcmp(s, http_access_name(a)) == 0)
                        return a;
        return HTTP_ACCESS_UNSET;
}

int http_routes_check(const HttpRoute *routes, char *err, size_t errlen) {
        if (!routes) {
                snprintf(err, errlen, "no route table");
                return -EINVAL;
        }
        for (const HttpRoute *rt = routes; rt->method; rt++) {
                const char *p = rt->pattern;
                size_t n_params = 0;
                if (rt->method[0] == '\0' || strpbrk(rt->method, " \t\r\n,")) {
                        snprintf(err, errlen, "route %zu: bad method \"%s\"", (size_t) (rt - routes), rt->method);
                        return -EINVAL;
                }
                if (!rt->fn || !p || p[0] != '/') {
                        snprintf(err, errlen, "route %zu (%s %s): %s", (size_t) (rt - routes), rt->method,
                                 p ? p : "(null)", rt->fn ? "the pattern must start with '/'" : "no handler");
                        return -EINVAL;
                }
                for (const char *s = p + 1;;) {
                        const char *e = strchrnul(s, '/');
                        size_t len = (size_t) (e - s);
                        if (len == 2 && s[0] == '{' && s[1] == '}')
                                n_params++;
                        else if (memchr(s, '{', len) || memchr(s, '}', len) || memchr(s, '%', len)) {
                                snprintf(err, errlen, "route %s %s: a segment is either literal or exactly {}",
                                         rt->method, p);
                                return -EINVAL;
                        }
                        if (*e == '\0')
                                break;
                        s = e + 1;
                }
                if (!http_access_name(rt->access)) {
                        snprintf(err, errlen, "route %s %s: no access (public, read, operator or admin) given", rt->method,
                                 p);
                        return -EINVAL;
                }
                if (n_params > HTTP_ROUTE_MAX_PARAMS) {
                        snprintf(err, errlen, "route %s %s: more than %u captures", rt->method, p,
                                 HTTP_ROUTE_MAX_PARAMS);
                        return -EINVAL;
                }
        }
        return 0;
}

/* Does pattern match the segments? Fills params with the capture indexes. */
static bool pattern_matches(const char *pattern, const HttpTarget *t, size_t *params, size_t *n_params) {
        size_t i = 0, n = 0;
        for (const char *s = pattern + 1;; i++) {
                const char *e = strchrnul(s, '/');
                size_t len = (size_t) (e - s);
                if (i >= t->n_segments)
                        return false;
                const char *seg = t->segments[i];
                if (len == 2 && s[0] == '{' && s[1] == '}') {
                        if (seg[0] == '\0' || n >= HTTP_ROUTE_MAX_PARAMS)
                                return false;
                        params[n++] = i;
                } else if (strlen(seg) != len || memcmp(seg, s, len) != 0)
                        return false;
                if (*e == '\0')
                        break;
                s = e + 1;
        }
        if (i + 1 != t->n_segments)
                return false;
        *n_params = n;
        return true;
}

static void allow_add(char *allow, size_t size, const char *method) {
        size_t len = strlen(method), used = strlen(allow);
        /* Each method once, whole or not at all. */
        for (const char *a = allow; *a;) {
                size_t l = strcspn(a, ",");
                if (l == len && memcmp(a, method, len) == 0)
                        return;
                a += l;
                a += strspn(a, ", ");
        }
        if (used + (used ? 2 : 0) + len + 1 > size)
                return;
        if (used) {
                memcpy(allow + used, ", ", 2);
                used += 2;
        }
        memcpy(allow + used, method, len + 1);
}

void http_route_match(const HttpRoute *routes, const char *method, const HttpTarget *t, HttpMatch *ret) {
        HttpMatch m = { .result = HTTP_MATCH_NO_PATH };
        for (const HttpRoute *rt = routes; rt && rt->method; rt++) {
                size_t params[HTTP_ROUTE_MAX_PARAMS], n = 0;
                if (!pattern_matches(rt->pattern, t, params, &n))
                        continue;
                if (strcmp(rt->method, method) != 0) {
                        m.result = HTTP_MATCH_NO_METHOD;
                        allow_add(m.allow, sizeof(m.allow), rt->method);
                        continue;
                }
                m.result = HTTP_MATCH_OK;
                m.route = rt;
                memcpy(m.params, params, n * sizeof(size_t));
                m.n_params = n;
                for (size_t k = 0; k < n; k++)
                        if (strchr(t->segments[params[k]], '/'))
                                m.result = HTTP_MATCH_BAD_CAPTURE;
                break;
        }
        if (m.result != HTTP_MATCH_NO_METHOD)
                m.allow[0] = '\0';
        *ret = m;
}
