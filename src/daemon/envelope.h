/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The envelope of a message between nodes: who sent it (node id and the
 * incarnation of its wolfpackd), in which ring, in which format, around the
 * message itself. Bytes from the network are untrusted: decoding checks
 * everything an applier relies on and refuses the rest with a reason, so a
 * bad or hostile peer can make this node log, never crash or apply.
 */
#pragma once

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define ENVELOPE_VERSION 1
/* Larger messages block the sender while corosync fragments them; every
 * message between nodes stays below this (snapshots go in chunks). */
#define ENVELOPE_MAX (1024u * 1024u - 1u)

typedef struct EnvelopeHeader {
        uint32_t node;          /* the sender's node id */
        uint64_t incarnation;   /* random per start of the sender's wolfpackd */
        uint32_t ring_node;     /* the ring the sender was in when it sent */
        uint64_t ring_seq;
} EnvelopeHeader;

/* The envelope as bytes (JSON text, not NUL-terminated), malloc'ed.
 * -EMSGSIZE (err says how large) when over ENVELOPE_MAX, -EINVAL when msg
 * is not an object with a type. */
int envelope_encode(const EnvelopeHeader *h, const json_t *msg, char **ret, size_t *ret_len, char *err, size_t errlen);

/* envelope_encode for a message this node sends: a message too large is
 * also said to log (level, code MESSAGE_TOO_LARGE, text), the engine's
 * cluster log callback, which may be NULL. */
int envelope_encode_outgoing(const EnvelopeHeader *h, const json_t *msg, char **ret, size_t *ret_len,
                             void (*log)(const char *level, const char *code, const char *text, void *userdata),
                             void *userdata);

/* Decode what node `sender` (the id corosync gives) multicast. 0, the
 * header and the message (a new reference), or -EBADMSG / -EPROTO (a format
 * version this node does not read) / -EMSGSIZE with err for the log; the
 * outputs are untouched on failure. The message must be an object with a
 * type and its own origin and incarnation must be the envelope's: a node
 * cannot speak for another. */
int envelope_decode(const void *data, size_t len, uint32_t sender, EnvelopeHeader *ret_header, json_t **ret_msg,
                    char *err, size_t errlen);
