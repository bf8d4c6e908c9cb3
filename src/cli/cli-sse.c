/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Parsing the API's event stream (GET /v1/events). Owns the line and event
 * framing of text/event-stream; never looks inside an event's data.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli-sse.h"

void sse_parser_init(SseParser *p, sse_event_fn fn, void *userdata) {
        *p = (SseParser) { .fn = fn, .userdata = userdata };
}

void sse_parser_done(SseParser *p) {
        free(p->line);
        free(p->data);
        free(p->event);
        *p = (SseParser) {};
}

static int append(char **buf, size_t *len, size_t *alloc, const char *s, size_t n) {
        if (*len + n + 1 > SSE_LINE_MAX)
                return -E2BIG;
        if (*len + n + 1 > *alloc) {
                size_t a = *alloc ? *alloc : 256;
                while (a < *len + n + 1)
                        a *= 2;
                char *b = realloc(*buf, a);
                if (!b)
                        return -ENOMEM;
                *buf = b;
                *alloc = a;
        }
        memcpy(*buf + *len, s, n);
        *len += n;
        (*buf)[*len] = '\0';
        return 0;
}

static int dispatch(SseParser *p) {
        int r = 0;
        if (p->has_data)
                r = p->fn(p->event, p->data ? p->data : "", p->userdata);
        p->data_len = 0;
        if (p->data)
                p->data[0] = '\0';
        p->has_data = false;
        free(p->event);
        p->event = NULL;
        return r < 0 ? r : 0;
}

static int line_done(SseParser *p) {
        const char *l = p->line ? p->line : "";
        size_t n = p->line_len;
        int r;

        p->line_len = 0;
        if (n == 0)
                return dispatch(p);
        if (l[0] == ':')
                return 0;

        const char *colon = memchr(l, ':', n);
        size_t name_len = colon ? (size_t) (colon - l) : n;
        const char *value = colon ? colon + 1 : l + n;
        if (*value == ' ')
                value++;
        size_t value_len = (size_t) (l + n - value);

        if (name_len == 4 && memcmp(l, "data", 4) == 0) {
                if (p->has_data) {
                        r = append(&p->data, &p->data_len, &p->data_alloc, "\n", 1);
                        if (r < 0)
                                return r;
                }
                r = append(&p->data, &p->data_len, &p->data_alloc, value, value_len);
                if (r < 0)
                        return r;
                p->has_data = true;
        } else if (name_len == 5 && memcmp(l, "event", 5) == 0) {
                free(p->event);
                p->event = strndup(value, value_len);
                if (!p->event)
                        return -ENOMEM;
        }
        return 0;
}

int sse_parser_feed(SseParser *p, const char *buf, size_t len) {
        size_t i = 0;
        int r;

        while (i < len) {
                if (p->after_cr && buf[i] == '\n') {
                        p->after_cr = false;
                        i++;
                        continue;
                }
                p->after_cr = false;

                size_t n = 0;
                while (i + n < len && buf[i + n] != '\n' && buf[i + n] != '\r')
                        n++;
                r = append(&p->line, &p->line_len, &p->line_alloc, buf + i, n);
                if (r < 0)
                        return r;
                i += n;
                if (i == len)
                        break;
                p->after_cr = buf[i] == '\r';
                i++;
                r = line_done(p);
                if (r < 0)
                        return r;
        }
        return 0;
}
