/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The event-stream parser: framing, line ends, pieces of any size. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli-sse.h"

typedef struct Seen {
        char data[8][128];
        char event[8][32];
        int n;
        int stop_after;
} Seen;

static int collect(const char *event, const char *data, void *userdata) {
        Seen *s = userdata;
        assert_true(s->n < 8);
        snprintf(s->data[s->n], sizeof s->data[0], "%s", data);
        snprintf(s->event[s->n], sizeof s->event[0], "%s", event ? event : "");
        s->n++;
        return s->stop_after && s->n >= s->stop_after ? -ECANCELED : 0;
}

static const char stream[] = ": hello\n\n"
                             "data: {\"type\":\"state\"}\n\n"
                             "event: log\r\ndata: line one\r\ndata:line two\r\n\r\n"
                             "data: cr only\r\r"
                             "id: 7\nretry: 10\ndata:  two spaces\n\n"
                             "data\n\n"
                             "data: unfinished";

static void check(const Seen *s) {
        assert_int_equal(s->n, 5);
        assert_string_equal(s->data[0], "{\"type\":\"state\"}");
        assert_string_equal(s->event[0], "");
        assert_string_equal(s->data[1], "line one\nline two");
        assert_string_equal(s->event[1], "log");
        assert_string_equal(s->data[2], "cr only");
        assert_string_equal(s->event[2], "");
        /* Only one space after the colon is dropped. */
        assert_string_equal(s->data[3], " two spaces");
        /* A "data" line without colon is an empty data line. */
        assert_string_equal(s->data[4], "");
}

static void test_whole(void **state) {
        Seen s = {};
        SseParser p;
        sse_parser_init(&p, collect, &s);
        assert_int_equal(sse_parser_feed(&p, stream, strlen(stream)), 0);
        check(&s);
        sse_parser_done(&p);
}

static void test_byte_by_byte(void **state) {
        /* Every split point, including between CR and LF. */
        for (size_t piece = 1; piece < 8; piece++) {
                Seen s = {};
                SseParser p;
                sse_parser_init(&p, collect, &s);
                for (size_t i = 0; i < strlen(stream); i += piece) {
                        size_t n = strlen(stream) - i < piece ? strlen(stream) - i : piece;
                        assert_int_equal(sse_parser_feed(&p, stream + i, n), 0);
                }
                check(&s);
                sse_parser_done(&p);
        }
}

static void test_stop(void **state) {
        Seen s = { .stop_after = 1 };
        SseParser p;
        sse_parser_init(&p, collect, &s);
        assert_int_equal(sse_parser_feed(&p, stream, strlen(stream)), -ECANCELED);
        assert_int_equal(s.n, 1);
        sse_parser_done(&p);
}

static void test_too_long(void **state) {
        Seen s = {};
        SseParser p;
        sse_parser_init(&p, collect, &s);
        size_t n = 1 << 20;
        char *chunk = malloc(n);
        memset(chunk, 'x', n);
        int r = 0;
        for (int i = 0; i < 5 && r == 0; i++)
                r = sse_parser_feed(&p, chunk, n);
        assert_int_equal(r, -E2BIG);
        assert_int_equal(s.n, 0);
        free(chunk);
        sse_parser_done(&p);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_whole),
                cmocka_unit_test(test_byte_by_byte),
                cmocka_unit_test(test_stop),
                cmocka_unit_test(test_too_long),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
