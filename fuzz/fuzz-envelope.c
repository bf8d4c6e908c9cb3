/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target of the envelope of messages between nodes
 * (src/daemon/envelope.c): the bytes another node multicast, as corosync
 * delivers them. The first byte chooses the sender corosync names (1..8),
 * the rest is the message. Whatever the input, decoding returns 0 or a
 * negative errno with a reason; what it accepts must encode and decode
 * back to the same header and message.
 *
 * Built with libFuzzer (clang -fsanitize=fuzzer, see README.md), or with
 * -DFUZZ_STANDALONE as a plain program that replays files and corpora.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "envelope.h"
#include "fuzz.h"

static void batch(const uint8_t *data, size_t size, uint32_t sender);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 1)
                return 0;
        uint32_t sender = 1 + data[0] % 8;
        batch(data + 1, size - 1, sender);
        EnvelopeHeader h;
        json_t *msg = NULL;
        char err[256] = "";
        int k = envelope_decode(data + 1, size - 1, sender, &h, &msg, err, sizeof(err));
        if (k < 0) {
                check(k == -EBADMSG || k == -EPROTO || k == -EMSGSIZE);
                check(err[0] != '\0');
                check(msg == NULL);
                return 0;
        }
        check(h.node == sender);
        check(json_is_object(msg) && json_is_string(json_object_get(msg, "type")));
        char *buf = NULL;
        size_t len = 0;
        k = envelope_encode(&h, msg, &buf, &len, err, sizeof(err));
        /* Re-encoding may only grow past the limit (escapes written out). */
        if (k == -EMSGSIZE) {
                json_decref(msg);
                return 0;
        }
        check(k == 0);
        EnvelopeHeader h2;
        json_t *msg2 = NULL;
        check(envelope_decode(buf, len, sender, &h2, &msg2, err, sizeof(err)) == 0);
        check(h.node == h2.node && h.incarnation == h2.incarnation && h.ring_node == h2.ring_node &&
              h.ring_seq == h2.ring_seq);
        check(json_equal(msg, msg2));
        json_decref(msg2);
        json_decref(msg);
        free(buf);
        return 0;
}

/* The batch reader on the same bytes: every message it gives is checked
 * as the single reader checks its one, and a batch round-trips. */
static void batch(const uint8_t *data, size_t size, uint32_t sender) {
        EnvelopeHeader h;
        json_t *msgs = NULL;
        char err[256] = "";
        int k = envelope_decode_all(data, size, sender, &h, &msgs, err, sizeof(err));
        if (k < 0) {
                check(k == -EBADMSG || k == -EPROTO || k == -EMSGSIZE || k == -ENOMEM);
                check(err[0] != '\0' || k == -ENOMEM);
                return;
        }
        check(h.node == sender && json_array_size(msgs) > 0);
        size_t i;
        json_t *m;
        json_array_foreach(msgs, i, m)
                check(json_is_object(m) && json_is_string(json_object_get(m, "type")));
        char *buf = NULL;
        size_t len = 0;
        if (envelope_encode_batch(&h, msgs, &buf, &len, err, sizeof(err)) == 0) {
                json_t *again = NULL;
                EnvelopeHeader h2;
                check(envelope_decode_all(buf, len, sender, &h2, &again, err, sizeof(err)) == 0);
                check(json_equal(msgs, again));
                json_decref(again);
                free(buf);
        }
        json_decref(msgs);
}
