/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The monitor protocol's framing (docs/resmon-protocol.md, "Framing"):
 * encoding a JSON object into a header + body frame, and decoding frames
 * out of a byte stream fed in arbitrary pieces. Owns the reader's buffer and
 * the frames it hands out; knows nothing of sockets or of what a message
 * means. It must never trust a length or a byte from the peer: a header is
 * judged before its body is kept, and a bad stream is reported, not skipped
 * (the receiver cannot resynchronise, it must close the connection).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "proto.h"

/* The reader's buffer starts at this size and, once emptied, is given back
 * when it grew past PROTO_READER_KEEP (after a large message), so an idle
 * connection does not hold a megabyte. */
#define PROTO_READER_INITIAL 4096u
#define PROTO_READER_KEEP (64u * 1024u)

static int fail(int r, char *err, size_t errlen, const char *fmt, ...) _printf_(4, 5);
static int fail(int r, char *err, size_t errlen, const char *fmt, ...) {
        if (err && errlen > 0) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(err, errlen, fmt, ap);
                va_end(ap);
        }
        return r;
}

static const char *json_type_name(const json_t *j) {
        switch (json_typeof(j)) {
        case JSON_OBJECT:
                return "an object";
        case JSON_ARRAY:
                return "an array";
        case JSON_STRING:
                return "a string";
        case JSON_INTEGER:
                return "an integer";
        case JSON_REAL:
                return "a real number";
        case JSON_TRUE:
                return "true";
        case JSON_FALSE:
                return "false";
        case JSON_NULL:
                return "null";
        }
        return "an unknown value";
}

static void put_be32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t) (v >> 24);
        p[1] = (uint8_t) (v >> 16);
        p[2] = (uint8_t) (v >> 8);
        p[3] = (uint8_t) v;
}

static uint32_t get_be32(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | (uint32_t) p[3];
}

/* The body is dumped straight after room for the header, and the dump stops
 * as soon as it passes PROTO_MAX_BODY instead of building a huge string. */
typedef struct FrameBuilder {
        uint8_t *buf;
        size_t len, cap;
        int error;
} FrameBuilder;

static int frame_builder_append(const char *data, size_t size, void *userdata) {
        FrameBuilder *b = userdata;

        if (size > PROTO_HEADER_SIZE + (size_t) PROTO_MAX_BODY - b->len) {
                b->error = -EMSGSIZE;
                return -1;
        }
        if (b->cap - b->len < size) {
                size_t cap = b->cap;
                while (cap - b->len < size)
                        cap *= 2;
                if (cap > PROTO_HEADER_SIZE + (size_t) PROTO_MAX_BODY)
                        cap = PROTO_HEADER_SIZE + (size_t) PROTO_MAX_BODY;
                uint8_t *n = realloc(b->buf, cap);
                if (!n) {
                        b->error = -ENOMEM;
                        return -1;
                }
                b->buf = n;
                b->cap = cap;
        }
        memcpy(b->buf + b->len, data, size);
        b->len += size;
        return 0;
}

int proto_encode(const json_t *msg, uint8_t **ret, size_t *ret_len) {
        if (!msg || !ret || !ret_len)
                return -EINVAL;
        if (!json_is_object(msg) || !json_is_string(json_object_get(msg, "type")))
                return -EINVAL;

        FrameBuilder b = {
                .cap = PROTO_HEADER_SIZE + 256,
                .len = PROTO_HEADER_SIZE,
        };
        b.buf = malloc(b.cap);
        if (!b.buf)
                return -ENOMEM;

        if (json_dump_callback(msg, frame_builder_append, &b, JSON_COMPACT) < 0) {
                free(b.buf);
                /* Without an error of ours, jansson refused the value itself:
                 * a string that is not UTF-8, a cycle. */
                return b.error < 0 ? b.error : -EINVAL;
        }

        b.buf[0] = 'W';
        b.buf[1] = 'P';
        b.buf[2] = PROTO_VERSION;
        b.buf[3] = 0;
        put_be32(b.buf + 4, (uint32_t) (b.len - PROTO_HEADER_SIZE));

        *ret = b.buf;
        *ret_len = b.len;
        return 0;
}

void proto_reader_init(ProtoReader *r) {
        *r = (ProtoReader) {};
}

void proto_reader_done(ProtoReader *r) {
        free(r->buf);
        proto_reader_init(r);
}

size_t proto_reader_pending(const ProtoReader *r) {
        return r->len - r->start;
}

/* Judge as much of a header as has arrived, byte by byte, so a peer that
 * speaks something else is refused at its first wrong byte. 1 with
 * *ret_body_len when the whole header is there and good, 0 when more bytes
 * are needed, negative when it is bad. */
static int header_check(const uint8_t *p, size_t avail, uint32_t *ret_body_len, char *err, size_t errlen) {
        if (avail >= 1 && p[0] != 'W')
                return fail(-EBADMSG, err, errlen,
                            "frame does not start with the magic 'W' 'P' (first byte is 0x%02x); "
                            "the peer does not speak the monitor protocol", p[0]);
        if (avail >= 2 && p[1] != 'P')
                return fail(-EBADMSG, err, errlen,
                            "frame does not start with the magic 'W' 'P' (second byte is 0x%02x); "
                            "the peer does not speak the monitor protocol", p[1]);
        if (avail >= 3 && p[2] != PROTO_VERSION)
                return fail(-EPROTONOSUPPORT, err, errlen,
                            "frame has protocol version %u; this side speaks version %u only",
                            p[2], PROTO_VERSION);
        if (avail >= 4 && p[3] != 0)
                return fail(-EBADMSG, err, errlen, "frame header's reserved byte is 0x%02x, not 0", p[3]);
        if (avail < PROTO_HEADER_SIZE)
                return 0;

        uint32_t body_len = get_be32(p + 4);
        if (body_len > PROTO_MAX_BODY)
                return fail(-EMSGSIZE, err, errlen, "frame body is %" PRIu32 " bytes; the limit is %u",
                            body_len, PROTO_MAX_BODY);
        *ret_body_len = body_len;
        return 1;
}

static int body_parse(const uint8_t *p, size_t len, json_t **ret, char *err, size_t errlen) {
        /* jansson stops at a NUL in some places and reports it oddly in
         * others; say plainly what is wrong. */
        const uint8_t *nul = memchr(p, 0, len);
        if (nul)
                return fail(-EBADMSG, err, errlen, "frame body contains a NUL byte at offset %zu",
                            (size_t) (nul - p));

        json_error_t e;
        json_t *msg = json_loadb((const char *) p, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &e);
        if (!msg) {
                if (json_error_code(&e) == json_error_out_of_memory)
                        return fail(-ENOMEM, err, errlen, "out of memory decoding a %zu-byte frame body", len);
                return fail(-EBADMSG, err, errlen, "frame body is not valid JSON: %s (at byte %d)",
                            e.text, e.position);
        }

        int r;
        if (!json_is_object(msg))
                r = fail(-EBADMSG, err, errlen, "frame body is %s, not a JSON object", json_type_name(msg));
        else {
                json_t *type = json_object_get(msg, "type");
                if (!type)
                        r = fail(-EBADMSG, err, errlen, "frame body has no \"type\" member");
                else if (!json_is_string(type))
                        r = fail(-EBADMSG, err, errlen, "frame body's \"type\" member is %s, not a string",
                                 json_type_name(type));
                else {
                        *ret = msg;
                        return 0;
                }
        }
        json_decref(msg);
        return r;
}

int proto_reader_feed(ProtoReader *r, const void *data, size_t n) {
        size_t pending = r->len - r->start;

        if (n == 0)
                return 0;

        /* A stream whose next header is bad is dead: keep its header, for
         * proto_reader_next to say why, and nothing after it. This is what
         * stops a peer from making us buffer the body of an oversized frame. */
        uint8_t header[PROTO_HEADER_SIZE];
        uint32_t body_len;
        size_t seen = pending < PROTO_HEADER_SIZE ? pending : PROTO_HEADER_SIZE;
        size_t add = n < PROTO_HEADER_SIZE - seen ? n : PROTO_HEADER_SIZE - seen;
        if (seen > 0)
                memcpy(header, r->buf + r->start, seen);
        memcpy(header + seen, data, add);
        if (header_check(header, seen + add, &body_len, NULL, 0) < 0) {
                if (add == 0)
                        return 0;
                n = add;
        }

        if (r->cap - r->len < n) {
                if (r->start >= pending && r->cap - pending >= n) {
                        /* Compact only when at least as much is reclaimed as is
                         * moved, so copying stays linear in the bytes fed. */
                        memmove(r->buf, r->buf + r->start, pending);
                } else {
                        if (n > SIZE_MAX / 2 - pending)
                                return -ENOMEM;
                        size_t need = pending + n;
                        size_t cap = r->cap > PROTO_READER_INITIAL ? r->cap : PROTO_READER_INITIAL;
                        while (cap < need)
                                cap *= 2;
                        uint8_t *b = malloc(cap);
                        if (!b)
                                return -ENOMEM;
                        if (pending > 0)
                                memcpy(b, r->buf + r->start, pending);
                        free(r->buf);
                        r->buf = b;
                        r->cap = cap;
                }
                r->start = 0;
                r->len = pending;
        }

        memcpy(r->buf + r->len, data, n);
        r->len += n;
        return 0;
}

int proto_reader_next(ProtoReader *r, json_t **ret, char *err, size_t errlen) {
        size_t avail = r->len - r->start;
        uint32_t body_len;
        int k;

        if (avail == 0)
                return 0;

        const uint8_t *p = r->buf + r->start;
        k = header_check(p, avail, &body_len, err, errlen);
        if (k <= 0)
                return k;
        if (avail - PROTO_HEADER_SIZE < body_len)
                return 0;

        /* On error nothing is consumed: asking again gives the same answer,
         * and after -ENOMEM asking again may succeed. */
        json_t *msg;
        k = body_parse(p + PROTO_HEADER_SIZE, body_len, &msg, err, errlen);
        if (k < 0)
                return k;

        r->start += PROTO_HEADER_SIZE + body_len;
        if (r->start == r->len) {
                r->start = r->len = 0;
                if (r->cap > PROTO_READER_KEEP) {
                        free(r->buf);
                        r->buf = NULL;
                        r->cap = 0;
                }
        }

        *ret = msg;
        return 1;
}
