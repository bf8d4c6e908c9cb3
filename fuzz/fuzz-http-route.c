/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target of the API's request targets and routing
 * (src/daemon/http/http-route.c). The input's first byte picks a method;
 * the rest is a request target as a client would send it. The target must
 * parse or be refused with a message; a parsed one is matched against a
 * route table shaped like the API's, and the match must be consistent
 * (captures non-empty segments, 405 only with an Allow list, a refused
 * capture really holding '/'). Every decoded segment and query pair,
 * %-encoded again, must parse back to itself. Any difference aborts.
 *
 * Built with libFuzzer (clang -fsanitize=fuzzer, see README.md), or with
 * -DFUZZ_STANDALONE as a plain program that replays files and corpora.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "src/daemon/http/http-route.h"
#include "macro.h"

static void nop(HttpRequest *r, void *userdata) {
}

static const HttpRoute routes[] = {
        { "GET", "/v1/cluster", nop, HTTP_ACCESS_READ },
        { "GET", "/v1/groups", nop, HTTP_ACCESS_READ },
        { "POST", "/v1/groups", nop, HTTP_ACCESS_READ },
        { "GET", "/v1/groups/{}", nop, HTTP_ACCESS_READ },
        { "PATCH", "/v1/groups/{}", nop, HTTP_ACCESS_READ },
        { "DELETE", "/v1/groups/{}", nop, HTTP_ACCESS_READ },
        { "POST", "/v1/groups/{}/online", nop, HTTP_ACCESS_READ },
        { "POST", "/v1/groups/{}/move", nop, HTTP_ACCESS_READ },
        { "POST", "/v1/resources/{}/depend", nop, HTTP_ACCESS_READ },
        { "GET", "/v1/a/{}/{}/{}", nop, HTTP_ACCESS_READ },
        { "GET", "/", nop, HTTP_ACCESS_READ },
        {},
};

static const char *const methods[] = { "GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "" };

/* Append s %-encoded (every byte but unreserved ones) to out at *n. */
static void encode(const char *s, char *out, size_t *n) {
        static const char hex[] = "0123456789ABCDEF";
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                    *p == '-' || *p == '.' || *p == '_' || *p == '~')
                        out[(*n)++] = (char) *p;
                else {
                        out[(*n)++] = '%';
                        out[(*n)++] = hex[*p >> 4];
                        out[(*n)++] = hex[*p & 15];
                }
        }
}

static size_t encoded_size(const HttpTarget *t) {
        size_t n = 2;
        for (size_t i = 0; i < t->n_segments; i++)
                n += 1 + 3 * strlen(t->segments[i]);
        for (size_t i = 0; i < 2 * t->n_query; i++)
                n += 2 + 3 * strlen(t->query[i]);
        return n;
}

/* Encode t again and parse the result: it must come back the same. */
static void round_trip(const HttpTarget *t) {
        size_t n = 0;
        char *raw = malloc(encoded_size(t));
        check(raw);
        for (size_t i = 0; i < t->n_segments; i++) {
                raw[n++] = '/';
                encode(t->segments[i], raw, &n);
        }
        for (size_t i = 0; i < t->n_query; i++) {
                raw[n++] = i == 0 ? '?' : '&';
                encode(t->query[2 * i], raw, &n);
                raw[n++] = '=';
                encode(t->query[2 * i + 1], raw, &n);
        }
        raw[n] = '\0';

        HttpTarget u;
        char err[256];
        check(http_target_parse(raw, &u, err, sizeof(err)) == 0);
        check(u.n_segments == t->n_segments);
        for (size_t i = 0; i < t->n_segments; i++)
                check(strcmp(u.segments[i], t->segments[i]) == 0);
        check(u.n_query == t->n_query);
        for (size_t i = 0; i < 2 * t->n_query; i++)
                check(strcmp(u.query[i], t->query[i]) == 0);
        http_target_done(&u);
        free(raw);
}

/* Is method one of the ", "-separated methods of allow? */
static bool allow_has(const char *allow, const char *method) {
        size_t len = strlen(method);
        for (const char *a = allow; *a;) {
                size_t l = strcspn(a, ",");
                if (l == len && strncmp(a, method, len) == 0)
                        return true;
                a += l;
                a += strspn(a, ", ");
        }
        return false;
}

static void check_match(const char *method, const HttpTarget *t) {
        HttpMatch m;
        http_route_match(routes, method, t, &m);
        switch (m.result) {
        case HTTP_MATCH_OK:
        case HTTP_MATCH_BAD_CAPTURE: {
                check(m.route);
                check(strcmp(m.route->method, method) == 0);
                check(m.allow[0] == '\0');
                bool slash = false;
                for (size_t i = 0; i < m.n_params; i++) {
                        check(m.params[i] < t->n_segments);
                        check(t->segments[m.params[i]][0] != '\0');
                        if (strchr(t->segments[m.params[i]], '/'))
                                slash = true;
                        if (i > 0)
                                check(m.params[i] > m.params[i - 1]);
                }
                check(slash == (m.result == HTTP_MATCH_BAD_CAPTURE));
                break;
        }
        case HTTP_MATCH_NO_METHOD:
                check(m.allow[0] != '\0');
                check(!allow_has(m.allow, method));
                break;
        case HTTP_MATCH_NO_PATH:
                check(m.allow[0] == '\0');
                break;
        default:
                check(!"unknown match result");
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char err[256];
        char *s = NULL;

        /* Decoding raw bytes, NULs included. */
        for (int plus = 0; plus < 2; plus++) {
                int r = http_url_decode((const char *) data, size, plus, &s);
                check(r == 0 || r == -EINVAL || r == -ENOMEM);
                if (r == 0) {
                        check(strlen(s) <= size);
                        free(s);
                        s = NULL;
                }
        }

        if (size == 0)
                return 0;
        const char *method = methods[data[0] % ELEMENTSOF(methods)];
        /* The target as libmicrohttpd hands it over: a C string. */
        char *raw = malloc(size);
        check(raw);
        memcpy(raw, data + 1, size - 1);
        raw[size - 1] = '\0';

        HttpTarget t;
        err[0] = '\0';
        int r = http_target_parse(raw, &t, err, sizeof(err));
        if (r < 0) {
                check(r == -EINVAL || r == -ENOMEM);
                check(r == -ENOMEM || err[0] != '\0');
                check(t.n_segments == 0 && !t.segments && t.n_query == 0 && !t.query);
        } else {
                check(raw[0] == '/');
                check(t.n_segments >= 1);
                for (size_t i = 0; i < t.n_segments; i++)
                        check(strlen(t.segments[i]) < size);
                for (size_t i = 0; i < t.n_query; i++)
                        check(http_target_query(&t, t.query[2 * i]) != NULL);
                check_match(method, &t);
                round_trip(&t);
                http_target_done(&t);
        }
        free(raw);
        return 0;
}
