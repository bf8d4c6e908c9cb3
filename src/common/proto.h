/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The framing of the monitor protocol (docs/resmon-protocol.md): each
 * message is an 8-byte header — 'W' 'P', the protocol version, a reserved
 * zero byte, the body length as a big-endian uint32 — followed by a UTF-8
 * JSON object body that has a string member "type". Owns encoding and
 * incremental decoding; knows nothing of sockets or of what messages mean.
 */
#pragma once

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION 1
#define PROTO_HEADER_SIZE 8
#define PROTO_MAX_BODY (1024u * 1024u)
/* The longest lease a monitor takes (`lease`, duration_ms): one day. */
#define PROTO_LEASE_MAX_MS (24u * 3600u * 1000u)

/* Encode msg into a malloc'ed frame. -EINVAL (not an object, no string
 * "type", or a value jansson cannot encode), -EMSGSIZE (body over
 * PROTO_MAX_BODY), -ENOMEM. */
int proto_encode(const json_t *msg, uint8_t **ret, size_t *ret_len);

/* buf[start, len) is what has been fed and not yet returned; the consumed
 * prefix buf[0, start) is reclaimed lazily, so taking many messages out of
 * one feed costs no copying. */
typedef struct ProtoReader {
        uint8_t *buf;
        size_t start, len, cap;
} ProtoReader;

void proto_reader_init(ProtoReader *r);
void proto_reader_done(ProtoReader *r);
/* Append received bytes. -ENOMEM. Once the buffered stream starts with a
 * bad header, further bytes are dropped: the body of an oversized frame is
 * never kept. */
int proto_reader_feed(ProtoReader *r, const void *data, size_t n);
/* Take the next complete message out of the buffer: 1 and *ret, 0 when more
 * bytes are needed, or a negative errno with err set when the stream is
 * corrupt (the connection must then be closed): -EBADMSG (bad magic,
 * reserved byte not 0, a NUL byte, not UTF-8 JSON, duplicate keys, not an
 * object, no string "type"), -EPROTONOSUPPORT (other version), -EMSGSIZE
 * (body over PROTO_MAX_BODY, refused as soon as the header is in). Header
 * errors come at the first wrong byte. On error nothing is consumed: the same
 * call gives the same error again; -ENOMEM (err set too) may be retried. */
int proto_reader_next(ProtoReader *r, json_t **ret, char *err, size_t errlen);
/* Bytes buffered but not yet returned: a stream that ends with some is
 * truncated. */
size_t proto_reader_pending(const ProtoReader *r);
