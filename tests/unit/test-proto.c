/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the monitor protocol's framing (src/common/proto.c): frames
 * that round-trip whole, split at every byte and packed many to a feed, and
 * every way a peer can send a stream that must be refused.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "macro.h"
#include "proto.h"

/* A growable byte string to assemble streams in. */
typedef struct Bytes {
        uint8_t *p;
        size_t len, cap;
} Bytes;

static void bytes_append(Bytes *b, const void *data, size_t n) {
        if (b->cap - b->len < n) {
                size_t cap = b->cap ? b->cap : 64;
                while (cap - b->len < n)
                        cap *= 2;
                b->p = realloc(b->p, cap);
                assert_non_null(b->p);
                b->cap = cap;
        }
        memcpy(b->p + b->len, data, n);
        b->len += n;
}

static void bytes_free(Bytes *b) {
        free(b->p);
        *b = (Bytes) {};
}

/* A frame with a hand-made header, to send what proto_encode never would. */
static void append_raw_frame(Bytes *b, uint8_t version, uint8_t reserved, uint32_t len_field,
                             const void *body, size_t body_len) {
        uint8_t h[PROTO_HEADER_SIZE] = {
                'W', 'P', version, reserved,
                (uint8_t) (len_field >> 24), (uint8_t) (len_field >> 16),
                (uint8_t) (len_field >> 8), (uint8_t) len_field,
        };
        bytes_append(b, h, sizeof h);
        if (body_len > 0)
                bytes_append(b, body, body_len);
}

static void append_body_frame(Bytes *b, const char *body, size_t len) {
        append_raw_frame(b, PROTO_VERSION, 0, (uint32_t) len, body, len);
}

static void append_encoded(Bytes *b, const json_t *msg) {
        uint8_t *f = NULL;
        size_t n = 0;
        assert_int_equal(proto_encode(msg, &f, &n), 0);
        bytes_append(b, f, n);
        free(f);
}

/* Message number i: varied sizes and kinds of value, non-ASCII text too. */
static json_t *sample_message(unsigned i) {
        char pad[600];
        size_t padlen = (i * 37u) % sizeof pad;
        memset(pad, 'a' + (int) (i % 26), padlen);
        pad[padlen] = 0;
        json_t *m = json_pack("{s:s, s:I, s:s, s:[I, b, n, f], s:{s:s}}",
                              "type", i % 3 == 0 ? "state" : "reply",
                              "id", (json_int_t) i,
                              "text", pad,
                              "list", -(json_int_t) i, (int) (i % 2), 0.5 * i,
                              "nested", "name", "r\xc3\xa9sum\xc3\xa9 \xe2\x9c\x93");
        assert_non_null(m);
        return m;
}

/* Feed the whole stream at once and expect one error from next. */
static int next_error(const void *data, size_t n, char *err, size_t errlen) {
        ProtoReader r;
        json_t *m = NULL;
        proto_reader_init(&r);
        assert_int_equal(proto_reader_feed(&r, data, n), 0);
        int k = proto_reader_next(&r, &m, err, errlen);
        assert_null(m);
        /* Nothing was consumed: asking again gives the same answer. */
        char again[256] = "";
        assert_int_equal(proto_reader_next(&r, &m, again, sizeof again), k);
        if (k < 0 && err && errlen > 0)
                assert_int_equal(strncmp(again, err, errlen - 1), 0);
        proto_reader_done(&r);
        return k;
}

static void assert_body_refused(const char *body, size_t len, int expected, const char *needle) {
        Bytes b = {};
        char err[256] = "";
        append_body_frame(&b, body, len);
        assert_int_equal(next_error(b.p, b.len, err, sizeof err), expected);
        if (!strstr(err, needle))
                fail_msg("error \"%s\" does not mention \"%s\"", err, needle);
        bytes_free(&b);
}

static void test_encode_header(void **state) {
        json_t *m = json_pack("{s:s}", "type", "hello");
        uint8_t *f = NULL;
        size_t n = 0;
        assert_int_equal(proto_encode(m, &f, &n), 0);
        const char body[] = "{\"type\":\"hello\"}";
        assert_int_equal(n, PROTO_HEADER_SIZE + strlen(body));
        assert_memory_equal(f, "WP\x01\x00\x00\x00\x00\x10", PROTO_HEADER_SIZE);
        assert_memory_equal(f + PROTO_HEADER_SIZE, body, strlen(body));
        free(f);
        json_decref(m);
}

static void test_encode_refuses(void **state) {
        uint8_t *f = (uint8_t *) "untouched";
        size_t n = 12345;
        json_t *cases[] = {
                json_pack("[s]", "type"),
                json_pack("{s:s}", "kind", "hello"),
                json_pack("{s:i}", "type", 1),
                json_pack("{s:n}", "type"),
                json_string("hello"),
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                assert_non_null(cases[i]);
                assert_int_equal(proto_encode(cases[i], &f, &n), -EINVAL);
                json_decref(cases[i]);
        }
        assert_int_equal(proto_encode(NULL, &f, &n), -EINVAL);

        /* A string jansson was told not to check: not UTF-8, not encodable. */
        json_t *bad = json_pack("{s:o}", "type", json_stringn_nocheck("\xff\xfe", 2));
        assert_non_null(bad);
        assert_int_equal(proto_encode(bad, &f, &n), -EINVAL);
        json_decref(bad);

        assert_string_equal((char *) f, "untouched");
        assert_int_equal(n, 12345);
}

/* A message whose compact body is exactly `size` bytes. */
static json_t *message_of_size(size_t size) {
        const size_t overhead = strlen("{\"type\":\"big\",\"pad\":\"\"}");
        assert_true(size >= overhead);
        char *pad = malloc(size - overhead + 1);
        assert_non_null(pad);
        memset(pad, 'x', size - overhead);
        pad[size - overhead] = 0;
        json_t *m = json_object();
        assert_non_null(m);
        assert_int_equal(json_object_set_new(m, "type", json_string("big")), 0);
        assert_int_equal(json_object_set_new(m, "pad", json_string(pad)), 0);
        free(pad);
        return m;
}

static void test_max_body(void **state) {
        json_t *m = message_of_size(PROTO_MAX_BODY);
        uint8_t *f = NULL;
        size_t n = 0;
        assert_int_equal(proto_encode(m, &f, &n), 0);
        assert_int_equal(n, PROTO_HEADER_SIZE + PROTO_MAX_BODY);
        assert_memory_equal(f + 4, "\x00\x10\x00\x00", 4);

        ProtoReader r;
        proto_reader_init(&r);
        json_t *got = NULL;
        char err[256] = "";
        /* In two halves: the first must not be taken for a whole message. */
        assert_int_equal(proto_reader_feed(&r, f, n / 2), 0);
        assert_int_equal(proto_reader_next(&r, &got, err, sizeof err), 0);
        assert_int_equal(proto_reader_feed(&r, f + n / 2, n - n / 2), 0);
        assert_int_equal(proto_reader_next(&r, &got, err, sizeof err), 1);
        assert_true(json_equal(got, m));
        assert_int_equal(proto_reader_pending(&r), 0);
        /* Emptied after a large message, the buffer is given back. */
        assert_null(r.buf);
        assert_int_equal(r.cap, 0);
        json_decref(got);
        proto_reader_done(&r);
        free(f);
        json_decref(m);

        m = message_of_size(PROTO_MAX_BODY + 1);
        f = NULL;
        assert_int_equal(proto_encode(m, &f, &n), -EMSGSIZE);
        assert_null(f);
        json_decref(m);
}

static void test_roundtrip_many(void **state) {
        enum { N = 2000 };
        json_t *sent[N];
        Bytes b = {};
        for (unsigned i = 0; i < N; i++) {
                sent[i] = sample_message(i);
                append_encoded(&b, sent[i]);
        }

        ProtoReader r;
        proto_reader_init(&r);
        assert_int_equal(proto_reader_feed(&r, b.p, b.len), 0);
        assert_int_equal(proto_reader_pending(&r), b.len);
        const uint8_t *buf = r.buf;

        char err[256] = "";
        size_t consumed = 0;
        for (unsigned i = 0; i < N; i++) {
                json_t *got = NULL;
                assert_int_equal(proto_reader_next(&r, &got, err, sizeof err), 1);
                if (!json_equal(got, sent[i]))
                        fail_msg("message %u differs", i);
                json_decref(got);
                uint8_t *f;
                size_t n;
                assert_int_equal(proto_encode(sent[i], &f, &n), 0);
                free(f);
                consumed += n;
                assert_int_equal(proto_reader_pending(&r), b.len - consumed);
                /* Taking messages out moves no bytes: the buffer stays put
                 * and only the read offset advances. */
                if (i + 1 < N) {
                        assert_ptr_equal(r.buf, buf);
                        assert_int_equal(r.start, consumed);
                }
                json_decref(sent[i]);
        }
        json_t *none = NULL;
        assert_int_equal(proto_reader_next(&r, &none, err, sizeof err), 0);
        assert_null(none);
        assert_int_equal(proto_reader_pending(&r), 0);
        proto_reader_done(&r);
        bytes_free(&b);
}

static void test_byte_by_byte(void **state) {
        enum { N = 60 };
        json_t *sent[N];
        size_t ends[N];
        Bytes b = {};
        for (unsigned i = 0; i < N; i++) {
                sent[i] = sample_message(i * 7);
                append_encoded(&b, sent[i]);
                ends[i] = b.len;
        }

        ProtoReader r;
        proto_reader_init(&r);
        char err[256] = "";
        unsigned got_n = 0;
        for (size_t at = 0; at < b.len; at++) {
                assert_int_equal(proto_reader_feed(&r, b.p + at, 1), 0);
                json_t *got = NULL;
                int k = proto_reader_next(&r, &got, err, sizeof err);
                if (at + 1 == ends[got_n]) {
                        /* The last byte of a frame, and only it, completes it. */
                        assert_int_equal(k, 1);
                        assert_true(json_equal(got, sent[got_n]));
                        json_decref(got);
                        assert_int_equal(proto_reader_pending(&r), 0);
                        got_n++;
                } else {
                        assert_int_equal(k, 0);
                        assert_null(got);
                        assert_true(proto_reader_pending(&r) > 0);
                }
        }
        assert_int_equal(got_n, N);
        for (unsigned i = 0; i < N; i++)
                json_decref(sent[i]);
        proto_reader_done(&r);
        bytes_free(&b);
}

/* Chunks of every size from 1 to a few frames long, messages taken out only
 * now and then: the buffer fills, is compacted and grows in every order. */
static void test_random_chunks(void **state) {
        enum { N = 3000 };
        Bytes b = {};
        for (unsigned i = 0; i < N; i++) {
                json_t *m = sample_message(i);
                append_encoded(&b, m);
                json_decref(m);
        }

        unsigned seed = 12345;
        ProtoReader r;
        proto_reader_init(&r);
        char err[256] = "";
        unsigned got_n = 0;
        size_t at = 0, max_pending = 0;
        while (at < b.len) {
                seed = seed * 1103515245u + 12345u;
                size_t chunk = 1 + (seed >> 8) % 3000;
                if (chunk > b.len - at)
                        chunk = b.len - at;
                assert_int_equal(proto_reader_feed(&r, b.p + at, chunk), 0);
                at += chunk;
                if (proto_reader_pending(&r) > max_pending)
                        max_pending = proto_reader_pending(&r);
                /* The buffer grows only to fit what is pending. */
                assert_true(r.cap <= 4096 || r.cap < 2 * max_pending);
                /* Take out a few messages, so some stay buffered, or now and
                 * then all there are, so the reader catches up and its
                 * buffer holds a consumed prefix and a partial frame. */
                unsigned take = (seed >> 20) % 8;
                if (take == 7)
                        take = UINT32_MAX;
                for (unsigned t = 0; t < take; t++) {
                        json_t *got = NULL;
                        int k = proto_reader_next(&r, &got, err, sizeof err);
                        assert_true(k >= 0);
                        if (k == 0)
                                break;
                        json_t *want = sample_message(got_n++);
                        assert_true(json_equal(got, want));
                        json_decref(want);
                        json_decref(got);
                }
        }
        for (;;) {
                json_t *got = NULL;
                int k = proto_reader_next(&r, &got, err, sizeof err);
                assert_true(k >= 0);
                if (k == 0)
                        break;
                json_t *want = sample_message(got_n++);
                assert_true(json_equal(got, want));
                json_decref(want);
                json_decref(got);
        }
        assert_int_equal(got_n, N);
        assert_int_equal(proto_reader_pending(&r), 0);
        proto_reader_done(&r);
        bytes_free(&b);
}

static void test_truncated(void **state) {
        json_t *m = sample_message(5);
        Bytes b = {};
        append_encoded(&b, m);

        /* Cut inside the header, at its end, and inside the body. */
        size_t cuts[] = { 1, 3, PROTO_HEADER_SIZE - 1, PROTO_HEADER_SIZE, PROTO_HEADER_SIZE + 1, b.len - 1 };
        for (size_t i = 0; i < ELEMENTSOF(cuts); i++) {
                ProtoReader r;
                proto_reader_init(&r);
                json_t *got = NULL;
                char err[64] = "";
                assert_int_equal(proto_reader_feed(&r, b.p, cuts[i]), 0);
                assert_int_equal(proto_reader_next(&r, &got, err, sizeof err), 0);
                assert_null(got);
                assert_int_equal(proto_reader_pending(&r), cuts[i]);
                proto_reader_done(&r);
        }

        /* A whole message followed by half of one. */
        ProtoReader r;
        proto_reader_init(&r);
        json_t *got = NULL;
        assert_int_equal(proto_reader_feed(&r, b.p, b.len), 0);
        assert_int_equal(proto_reader_feed(&r, b.p, b.len / 2), 0);
        assert_int_equal(proto_reader_next(&r, &got, NULL, 0), 1);
        json_decref(got);
        got = NULL;
        assert_int_equal(proto_reader_next(&r, &got, NULL, 0), 0);
        assert_null(got);
        assert_int_equal(proto_reader_pending(&r), b.len / 2);
        proto_reader_done(&r);
        assert_int_equal(proto_reader_pending(&r), 0);

        json_decref(m);
        bytes_free(&b);
}

static void test_empty_reader(void **state) {
        ProtoReader r;
        proto_reader_init(&r);
        json_t *got = NULL;
        assert_int_equal(proto_reader_next(&r, &got, NULL, 0), 0);
        assert_int_equal(proto_reader_feed(&r, "", 0), 0);
        assert_int_equal(proto_reader_next(&r, &got, NULL, 0), 0);
        assert_null(got);
        assert_int_equal(proto_reader_pending(&r), 0);
        proto_reader_done(&r);
        proto_reader_done(&r);
}

static void test_oversized(void **state) {
        uint32_t sizes[] = { PROTO_MAX_BODY + 1, 2000000, UINT32_MAX };
        for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
                Bytes b = {};
                append_raw_frame(&b, PROTO_VERSION, 0, sizes[i], NULL, 0);
                char err[256] = "", want[256];
                assert_int_equal(next_error(b.p, b.len, err, sizeof err), -EMSGSIZE);
                snprintf(want, sizeof want, "frame body is %" PRIu32 " bytes; the limit is 1048576", sizes[i]);
                assert_string_equal(err, want);
                bytes_free(&b);
        }

        /* Refused at the header: the body is never kept, whether it comes
         * with the header or after it. */
        Bytes b = {};
        static uint8_t body[2000000];
        memset(body, '{', sizeof body);
        append_raw_frame(&b, PROTO_VERSION, 0, sizeof body, body, sizeof body);

        ProtoReader r;
        proto_reader_init(&r);
        json_t *got = NULL;
        char err[256] = "";
        assert_int_equal(proto_reader_feed(&r, b.p, b.len), 0);
        assert_int_equal(proto_reader_pending(&r), PROTO_HEADER_SIZE);
        assert_int_equal(proto_reader_next(&r, &got, err, sizeof err), -EMSGSIZE);
        assert_string_equal(err, "frame body is 2000000 bytes; the limit is 1048576");
        proto_reader_done(&r);

        proto_reader_init(&r);
        for (size_t at = 0; at < 100; at++)
                assert_int_equal(proto_reader_feed(&r, b.p + at, 1), 0);
        assert_int_equal(proto_reader_next(&r, &got, err, sizeof err), -EMSGSIZE);
        assert_int_equal(proto_reader_feed(&r, b.p + 100, b.len - 100), 0);
        assert_int_equal(proto_reader_pending(&r), PROTO_HEADER_SIZE);
        assert_int_equal(proto_reader_next(&r, &got, err, sizeof err), -EMSGSIZE);
        assert_null(got);
        proto_reader_done(&r);
        bytes_free(&b);
}

static void test_garbage(void **state) {
        char err[256] = "";
        const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_int_equal(next_error(http, strlen(http), err, sizeof err), -EBADMSG);
        assert_non_null(strstr(err, "magic"));
        assert_non_null(strstr(err, "0x47"));

        /* Refused at the first wrong byte, before a whole header is in. */
        assert_int_equal(next_error("X", 1, err, sizeof err), -EBADMSG);
        assert_int_equal(next_error("WX", 2, err, sizeof err), -EBADMSG);
        assert_non_null(strstr(err, "second byte is 0x58"));
        assert_int_equal(next_error("WP", 2, err, sizeof err), 0);

        /* A good message, then garbage: the message comes out first. */
        Bytes b = {};
        json_t *m = sample_message(1);
        append_encoded(&b, m);
        bytes_append(&b, "\0\0\0\0\0\0\0\0", 8);
        ProtoReader r;
        proto_reader_init(&r);
        json_t *got = NULL;
        assert_int_equal(proto_reader_feed(&r, b.p, b.len), 0);
        assert_int_equal(proto_reader_next(&r, &got, err, sizeof err), 1);
        assert_true(json_equal(got, m));
        json_decref(got);
        got = NULL;
        assert_int_equal(proto_reader_next(&r, &got, err, sizeof err), -EBADMSG);
        assert_null(got);
        /* Once the stream is known bad, more bytes are not kept. */
        size_t pending = proto_reader_pending(&r);
        assert_int_equal(proto_reader_feed(&r, b.p, b.len), 0);
        assert_int_equal(proto_reader_pending(&r), pending);
        proto_reader_done(&r);
        json_decref(m);
        bytes_free(&b);

        /* An error message is cut to the room it is given, or not written. */
        char small[8];
        memset(small, '#', sizeof small);
        assert_int_equal(next_error("Z", 1, small, sizeof small), -EBADMSG);
        assert_int_equal(strlen(small), sizeof small - 1);
        assert_int_equal(next_error("Z", 1, NULL, 0), -EBADMSG);
}

static void test_wrong_version(void **state) {
        const char body[] = "{\"type\":\"hello\"}";
        uint8_t versions[] = { 0, 2, 255 };
        for (size_t i = 0; i < ELEMENTSOF(versions); i++) {
                Bytes b = {};
                append_raw_frame(&b, versions[i], 0, strlen(body), body, strlen(body));
                char err[256] = "", want[256];
                assert_int_equal(next_error(b.p, b.len, err, sizeof err), -EPROTONOSUPPORT);
                snprintf(want, sizeof want, "frame has protocol version %u; this side speaks version 1 only",
                         versions[i]);
                assert_string_equal(err, want);
                /* Known from the third byte on. */
                assert_int_equal(next_error(b.p, 3, err, sizeof err), -EPROTONOSUPPORT);
                bytes_free(&b);
        }
}

static void test_reserved_byte(void **state) {
        const char body[] = "{\"type\":\"hello\"}";
        Bytes b = {};
        append_raw_frame(&b, PROTO_VERSION, 0x80, strlen(body), body, strlen(body));
        char err[256] = "";
        assert_int_equal(next_error(b.p, b.len, err, sizeof err), -EBADMSG);
        assert_string_equal(err, "frame header's reserved byte is 0x80, not 0");
        bytes_free(&b);
}

#define REFUSE(body, expected, needle) assert_body_refused(body, sizeof(body) - 1, expected, needle)

static void test_not_object(void **state) {
        REFUSE("[1,2]", -EBADMSG, "frame body is an array, not a JSON object");
        REFUSE("\"hello\"", -EBADMSG, "frame body is a string, not a JSON object");
        REFUSE("42", -EBADMSG, "frame body is an integer, not a JSON object");
        REFUSE("1.5", -EBADMSG, "is a real number");
        REFUSE("null", -EBADMSG, "is null");
        REFUSE("true", -EBADMSG, "is true");
}

static void test_type_member(void **state) {
        REFUSE("{}", -EBADMSG, "frame body has no \"type\" member");
        REFUSE("{\"Type\":\"hello\"}", -EBADMSG, "no \"type\" member");
        REFUSE("{\"type\":1}", -EBADMSG, "frame body's \"type\" member is an integer, not a string");
        REFUSE("{\"type\":null}", -EBADMSG, "\"type\" member is null");
        REFUSE("{\"type\":{\"a\":\"b\"}}", -EBADMSG, "\"type\" member is an object");
        REFUSE("{\"type\":[\"hello\"]}", -EBADMSG, "\"type\" member is an array");
        REFUSE("{\"type\":false}", -EBADMSG, "\"type\" member is false");
}

static void test_not_json(void **state) {
        REFUSE("", -EBADMSG, "not valid JSON");
        REFUSE("{\"type\":", -EBADMSG, "not valid JSON");
        REFUSE("{\"type\":\"a\"} x", -EBADMSG, "not valid JSON");
        REFUSE("{\"type\":\"a\"}{\"type\":\"b\"}", -EBADMSG, "not valid JSON");
        REFUSE("{type:\"a\"}", -EBADMSG, "not valid JSON");
        REFUSE("{\"type\":\"a\",\"type\":\"b\"}", -EBADMSG, "duplicate");
}

static void test_invalid_utf8(void **state) {
        REFUSE("{\"type\":\"\xff\"}", -EBADMSG, "not valid JSON");
        REFUSE("{\"type\":\"a\",\"x\":\"\xc3\"}", -EBADMSG, "not valid JSON");
        /* Overlong encoding of '/', and a UTF-16 surrogate written in UTF-8. */
        REFUSE("{\"type\":\"\xc0\xaf\"}", -EBADMSG, "not valid JSON");
        REFUSE("{\"type\":\"\xed\xa0\x80\"}", -EBADMSG, "not valid JSON");
        REFUSE("{\"\xfe\":1,\"type\":\"a\"}", -EBADMSG, "not valid JSON");
}

static void test_nul(void **state) {
        REFUSE("{\"type\":\"a\0b\"}", -EBADMSG, "frame body contains a NUL byte at offset 10");
        REFUSE("{\"type\":\"a\"}\0", -EBADMSG, "NUL byte at offset 12");
        REFUSE("\0{\"type\":\"a\"}", -EBADMSG, "NUL byte at offset 0");
        /* Escaped, it would cut "type" short for a reader in C. */
        REFUSE("{\"type\":\"a\\u0000b\"}", -EBADMSG, "not valid JSON");
}

static void test_accepts_plain_json(void **state) {
        /* Whitespace, escapes and key order that proto_encode would not
         * produce are still JSON objects with a "type". */
        const char body[] = " {\n\t\"id\" : 7 , \"type\" : \"r\\u00e9ply\\n\" }\r\n";
        Bytes b = {};
        append_body_frame(&b, body, strlen(body));
        ProtoReader r;
        proto_reader_init(&r);
        json_t *got = NULL;
        assert_int_equal(proto_reader_feed(&r, b.p, b.len), 0);
        assert_int_equal(proto_reader_next(&r, &got, NULL, 0), 1);
        assert_string_equal(json_string_value(json_object_get(got, "type")), "r\xc3\xa9ply\n");
        assert_int_equal(json_integer_value(json_object_get(got, "id")), 7);
        json_decref(got);
        proto_reader_done(&r);
        bytes_free(&b);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_encode_header),
                cmocka_unit_test(test_encode_refuses),
                cmocka_unit_test(test_max_body),
                cmocka_unit_test(test_roundtrip_many),
                cmocka_unit_test(test_byte_by_byte),
                cmocka_unit_test(test_random_chunks),
                cmocka_unit_test(test_truncated),
                cmocka_unit_test(test_empty_reader),
                cmocka_unit_test(test_oversized),
                cmocka_unit_test(test_garbage),
                cmocka_unit_test(test_wrong_version),
                cmocka_unit_test(test_reserved_byte),
                cmocka_unit_test(test_not_object),
                cmocka_unit_test(test_type_member),
                cmocka_unit_test(test_not_json),
                cmocka_unit_test(test_invalid_utf8),
                cmocka_unit_test(test_nul),
                cmocka_unit_test(test_accepts_plain_json),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
