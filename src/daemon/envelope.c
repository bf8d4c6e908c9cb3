/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Envelopes of messages between nodes (envelope.h): JSON, so that a person
 * reading a capture sees what was said, with the routing members at the
 * top level and the message as it was sent inside:
 *
 *   {"wolfpack":1, "node":2, "incarnation":N, "ring":[1, 140], "msg":{...}}
 *   {"wolfpack":1, "node":2, "incarnation":N, "ring":[1, 140], "msgs":[{...}, ...]}
 *
 * The second carries several messages of one sender, in their order: what
 * a node sends together travels as one multicast.
 *
 * Integers travel as JSON integers (jansson reads 64-bit signed), so
 * incarnations and ring sequences are kept below 2^63.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "json-int.h"

static bool typed(const json_t *msg) {
        return json_is_object(msg) && json_is_string(json_object_get(msg, "type"));
}

/* key "msg" with one message, or "msgs" with an array of them. */
static int encode(const EnvelopeHeader *h, const char *key, const json_t *what, const char *type, char **ret,
                  size_t *ret_len, char *err, size_t errlen) {
        if (h->incarnation > INT64_MAX || h->ring_seq > INT64_MAX) {
                snprintf(err, errlen, "incarnation or ring sequence out of range");
                return -EINVAL;
        }
        json_t *o = json_pack("{s:i, s:I, s:I, s:[I, I], s:O}", "wolfpack", ENVELOPE_VERSION, "node", (json_int_t) h->node,
                              "incarnation", (json_int_t) h->incarnation, "ring", (json_int_t) h->ring_node,
                              (json_int_t) h->ring_seq, key, what);
        if (!o)
                return -ENOMEM;
        size_t n = json_dumpb(o, NULL, 0, JSON_COMPACT);
        if (n == 0) {
                json_decref(o);
                return -ENOMEM;
        }
        if (n > ENVELOPE_MAX) {
                json_decref(o);
                snprintf(err, errlen,
                         "the message (%s) is %zu bytes; messages between nodes are limited to %u bytes", type, n,
                         ENVELOPE_MAX);
                return -EMSGSIZE;
        }
        char *buf = malloc(n);
        if (!buf) {
                json_decref(o);
                return -ENOMEM;
        }
        size_t m = json_dumpb(o, buf, n, JSON_COMPACT);
        json_decref(o);
        if (m != n) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        *ret_len = n;
        return 0;
}

int envelope_encode(const EnvelopeHeader *h, const json_t *msg, char **ret, size_t *ret_len, char *err, size_t errlen) {
        if (!typed(msg)) {
                snprintf(err, errlen, "a message is an object with a type");
                return -EINVAL;
        }
        return encode(h, "msg", msg, json_string_value(json_object_get(msg, "type")), ret, ret_len, err, errlen);
}

int envelope_encode_batch(const EnvelopeHeader *h, const json_t *msgs, char **ret, size_t *ret_len, char *err,
                          size_t errlen) {
        size_t i;
        json_t *m;
        if (!json_is_array(msgs) || json_array_size(msgs) == 0) {
                snprintf(err, errlen, "a batch is an array of messages");
                return -EINVAL;
        }
        json_array_foreach(msgs, i, m)
                if (!typed(m)) {
                        snprintf(err, errlen, "a message is an object with a type");
                        return -EINVAL;
                }
        return encode(h, "msgs", msgs, "a batch", ret, ret_len, err, errlen);
}

int envelope_encode_outgoing(const EnvelopeHeader *h, const json_t *msg, char **ret, size_t *ret_len,
                             void (*log)(const char *level, const char *code, const char *text, void *userdata),
                             void *userdata) {
        char err[256], text[300];
        int k = envelope_encode(h, msg, ret, ret_len, err, sizeof(err));
        if (k == -EMSGSIZE && log) {
                snprintf(text, sizeof(text), "%s; not sent", err);
                log("warning", "MESSAGE_TOO_LARGE", text, userdata);
        }
        return k;
}

/* A message in an envelope from node, incarnation: typed, and its own
 * origin and incarnation the envelope's. */
static bool own(const json_t *msg, json_int_t node, json_int_t incarnation) {
        json_int_t origin, inc;
        return typed(msg) && json_int_in(json_object_get(msg, "origin"), 0, UINT32_MAX, &origin) && origin == node &&
               json_int_in(json_object_get(msg, "incarnation"), 0, INT64_MAX, &inc) && inc == incarnation;
}

int envelope_decode_all(const void *data, size_t len, uint32_t sender, EnvelopeHeader *ret_header, json_t **ret_msgs,
                        char *err, size_t errlen) {
        if (len > ENVELOPE_MAX) {
                snprintf(err, errlen, "a message of %zu bytes from node %u: over the limit of %u", len, sender,
                         ENVELOPE_MAX);
                return -EMSGSIZE;
        }
        json_error_t je;
        /* Duplicate keys would let two readers see two messages in one. */
        json_t *o = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
        if (!o) {
                snprintf(err, errlen, "a message from node %u is not JSON: %s", sender, je.text);
                return -EBADMSG;
        }
        int k = -EBADMSG;
        json_int_t version, node, incarnation, ring_node, ring_seq;
        json_t *ring = json_object_get(o, "ring"), *msg = json_object_get(o, "msg"), *msgs = json_object_get(o, "msgs");
        bool batch = json_is_array(msgs) && json_array_size(msgs) > 0 && !msg;
        size_t i;
        json_t *m;
        if (!json_is_object(o) || !json_int_in(json_object_get(o, "wolfpack"), 0, INT64_MAX, &version))
                snprintf(err, errlen, "a message from node %u is not a Wolfpack envelope", sender);
        else if (version != ENVELOPE_VERSION) {
                snprintf(err, errlen, "a message from node %u has format version %lld; this node reads version %d",
                         sender, (long long) version, ENVELOPE_VERSION);
                k = -EPROTO;
        } else if (!json_int_in(json_object_get(o, "node"), 1, UINT32_MAX, &node) ||
                   !json_int_in(json_object_get(o, "incarnation"), 0, INT64_MAX, &incarnation) || !json_is_array(ring) ||
                   json_array_size(ring) != 2 || !json_int_in(json_array_get(ring, 0), 0, UINT32_MAX, &ring_node) ||
                   !json_int_in(json_array_get(ring, 1), 0, INT64_MAX, &ring_seq))
                snprintf(err, errlen, "a message from node %u lacks a valid node, incarnation or ring", sender);
        else if ((uint32_t) node != sender)
                snprintf(err, errlen, "a message from node %u claims to come from node %lld", sender, (long long) node);
        else if (!batch && !typed(msg))
                snprintf(err, errlen, "a message from node %u carries no message with a type", sender);
        else {
                bool ok = batch ? true : own(msg, node, incarnation), all_typed = true;
                json_array_foreach(batch ? msgs : NULL, i, m) {
                        all_typed = all_typed && typed(m);
                        ok = ok && own(m, node, incarnation);
                }
                if (!all_typed)
                        snprintf(err, errlen, "a message from node %u carries one without a type", sender);
                else if (!ok)
                        snprintf(err, errlen, "a message from node %u names another origin or incarnation than its envelope",
                                 sender);
                else if (batch || (msgs = json_pack("[O]", msg))) {
                        *ret_header = (EnvelopeHeader) { .node = (uint32_t) node, .incarnation = (uint64_t) incarnation,
                                                         .ring_node = (uint32_t) ring_node,
                                                         .ring_seq = (uint64_t) ring_seq };
                        *ret_msgs = batch ? json_incref(msgs) : msgs;
                        k = 0;
                } else
                        k = -ENOMEM;
        }
        json_decref(o);
        return k;
}

int envelope_decode(const void *data, size_t len, uint32_t sender, EnvelopeHeader *ret_header, json_t **ret_msg,
                    char *err, size_t errlen) {
        EnvelopeHeader h;
        json_t *msgs = NULL;
        int k = envelope_decode_all(data, len, sender, &h, &msgs, err, errlen);
        if (k < 0)
                return k;
        if (json_array_size(msgs) != 1) {
                snprintf(err, errlen, "a message from node %u carries %zu messages where one was expected", sender,
                         json_array_size(msgs));
                json_decref(msgs);
                return -EBADMSG;
        }
        *ret_header = h;
        *ret_msg = json_incref(json_array_get(msgs, 0));
        json_decref(msgs);
        return 0;
}
