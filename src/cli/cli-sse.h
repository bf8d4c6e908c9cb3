/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A server-sent events parser (the text/event-stream format of the HTML
 * standard): bytes in, in pieces of any size, whole events out. Lines end
 * in LF, CRLF or CR; "data:" lines are joined with '\n'; an empty line
 * ends an event; ':' lines (keep-alives) and fields other than "data" and
 * "event" are ignored. Pure.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* One event: its "event:" name (NULL when none) and its data, both
 * NUL-terminated. A negative return stops the feed with that value. */
typedef int (*sse_event_fn)(const char *event, const char *data, void *userdata);

typedef struct SseParser {
        sse_event_fn fn;
        void *userdata;
        char *line;
        size_t line_len, line_alloc;
        char *data;
        size_t data_len, data_alloc;
        bool has_data;
        char *event;
        bool after_cr;   /* the last byte was CR: a following LF ends nothing */
} SseParser;

/* Lines longer than this (4 MiB) are refused: -E2BIG. */
#define SSE_LINE_MAX (4u << 20)

void sse_parser_init(SseParser *p, sse_event_fn fn, void *userdata);
void sse_parser_done(SseParser *p);
/* 0, the callback's negative value, -E2BIG or -ENOMEM. */
int sse_parser_feed(SseParser *p, const char *buf, size_t len);
