/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target of the monitor protocol's framing (src/common/proto.c). The
 * input is a byte stream as a peer would send it. It is decoded twice — fed
 * whole, and fed in pieces whose sizes come from the input — and both ways
 * must give the same messages and end the same way; every message decoded
 * must encode and decode back to itself. Any difference aborts.
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
#include "macro.h"
#include "proto.h"

/* The stream decoded is the input said over and over up to this many
 * bytes: several times the reader's first buffer, so that taking messages
 * out while more come in makes the reader compact and grow its buffer. */
#define STREAM_MIN (16u * 1024u)
/* Round trips cost as much as decoding; the first messages suffice. */
#define ROUND_TRIPS 64u

/* Piece sizes for the second pass: a cycle of the stream's first bytes, so
 * the fuzzer controls where the stream is cut, down to one byte at a time,
 * and now and then feeds pieces larger than the reader's buffer. */
static size_t piece_size(const uint8_t *data, size_t size, size_t i) {
        size_t n = size < 16 ? size : 16;
        if (n == 0)
                return 1;
        uint8_t b = data[i % n];
        if (b & 0x80)
                return 1 + (size_t) (b & 0x7f) * 97;
        return 1 + b % 64;
}

/* Decode the stream; the messages go into `out` (an array), and the result
 * is that of the last proto_reader_next call: 0 or a negative errno. */
static int decode(const uint8_t *data, size_t size, int whole, json_t *out, char *err, size_t errlen) {
        ProtoReader r;
        size_t at = 0, piece = 0, consumed = 0;
        int k = 0;

        proto_reader_init(&r);
        while (at < size || whole) {
                if (whole) {
                        check(proto_reader_feed(&r, data, size) == 0);
                        at = size;
                        whole = 0;
                } else {
                        size_t n = piece_size(data, size, piece++);
                        if (n > size - at)
                                n = size - at;
                        check(proto_reader_feed(&r, data + at, n) == 0);
                        at += n;
                }
                for (;;) {
                        json_t *msg = NULL;
                        err[0] = 0;
                        k = proto_reader_next(&r, &msg, err, errlen);
                        if (k <= 0) {
                                check(!msg);
                                break;
                        }
                        check(json_is_object(msg));
                        check(json_is_string(json_object_get(msg, "type")));
                        check(json_array_append_new(out, msg) == 0);
                        /* The frame taken is the one at the front of the stream. */
                        check(size - consumed >= PROTO_HEADER_SIZE);
                        const uint8_t *h = data + consumed;
                        check(h[0] == 'W' && h[1] == 'P' && h[2] == PROTO_VERSION && h[3] == 0);
                        consumed += PROTO_HEADER_SIZE + ((size_t) h[4] << 24 | (size_t) h[5] << 16 |
                                                         (size_t) h[6] << 8 | (size_t) h[7]);
                        check(consumed <= at);
                }
                if (k < 0) {
                        /* A corrupt stream says why, and says it again. */
                        check(err[0] != 0);
                        check(k == -EBADMSG || k == -EPROTONOSUPPORT || k == -EMSGSIZE);
                        json_t *msg = NULL;
                        check(proto_reader_next(&r, &msg, err, errlen) == k);
                        check(!msg);
                        break;
                }
        }
        /* A stream that is not corrupt keeps all it has not handed out. */
        if (k == 0)
                check(proto_reader_pending(&r) == size - consumed);
        proto_reader_done(&r);
        return k;
}

/* What encoding a decoded message gives must decode to the same message. */
static void check_round_trip(const json_t *msg) {
        _cleanup_free_ uint8_t *frame = NULL;
        size_t len = 0;
        int k = proto_encode(msg, &frame, &len);
        /* Compact output can still be longer than what came in ("1e5" is
         * dumped as "100000.0"), so a body near the limit may not fit. */
        if (k == -EMSGSIZE)
                return;
        check(k == 0);
        check(len >= PROTO_HEADER_SIZE && len - PROTO_HEADER_SIZE <= PROTO_MAX_BODY);

        ProtoReader r;
        proto_reader_init(&r);
        check(proto_reader_feed(&r, frame, len) == 0);
        json_t *back = NULL;
        char err[256];
        check(proto_reader_next(&r, &back, err, sizeof err) == 1);
        check(json_equal(back, msg));
        check(proto_reader_pending(&r) == 0);
        json_decref(back);
        proto_reader_done(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* Streams past a few frames add nothing the fuzzer can find faster;
         * the empty stream has its unit test. */
        if (size == 0 || size > 4 * (PROTO_HEADER_SIZE + 4096))
                return 0;

        size_t copies = size >= STREAM_MIN ? 1 : STREAM_MIN / size + 1;
        size_t len = size * copies;
        _cleanup_free_ uint8_t *stream = malloc(len);
        check(stream);
        for (size_t c = 0; c < copies; c++)
                memcpy(stream + c * size, data, size);

        json_t *whole = json_array(), *pieces = json_array();
        check(whole && pieces);
        char err_whole[256], err_pieces[256];

        int k_whole = decode(stream, len, 1, whole, err_whole, sizeof err_whole);
        int k_pieces = decode(stream, len, 0, pieces, err_pieces, sizeof err_pieces);

        /* Where the stream is cut changes nothing. */
        check(k_whole == k_pieces);
        if (k_whole < 0)
                check(strcmp(err_whole, err_pieces) == 0);
        check(json_equal(whole, pieces));

        size_t i;
        json_t *msg;
        json_array_foreach(whole, i, msg) {
                if (i >= ROUND_TRIPS)
                        break;
                check_round_trip(msg);
        }

        json_decref(whole);
        json_decref(pieces);
        return 0;
}
