/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Envelopes of messages between nodes (src/daemon/envelope.c): what is
 * encoded decodes to itself, and every way bytes from another node can be
 * wrong is refused with a reason, leaving the outputs untouched. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "envelope.h"
#include "macro.h"

static const EnvelopeHeader H = { .node = 2, .incarnation = 0x3fffffffffffffffull, .ring_node = 1, .ring_seq = 0x9c };

static json_t *message(uint32_t origin, uint64_t incarnation) {
        json_t *m = json_pack("{s:s, s:s, s:I, s:I, s:I}", "type", "group.create", "name", "web", "origin",
                              (json_int_t) origin, "incarnation", (json_int_t) incarnation, "seq", (json_int_t) 7);
        assert_non_null(m);
        return m;
}

static void test_round_trip(void **state) {
        json_t *m = message(H.node, H.incarnation);
        char *buf = NULL, err[256] = "";
        size_t len = 0;
        assert_int_equal(envelope_encode(&H, m, &buf, &len, err, sizeof(err)), 0);
        EnvelopeHeader h;
        json_t *out = NULL;
        assert_int_equal(envelope_decode(buf, len, 2, &h, &out, err, sizeof(err)), 0);
        assert_int_equal(h.node, H.node);
        assert_true(h.incarnation == H.incarnation);
        assert_int_equal(h.ring_node, H.ring_node);
        assert_true(h.ring_seq == H.ring_seq);
        assert_true(json_equal(out, m));
        json_decref(out);
        /* Not NUL-terminated: exactly len bytes are read. */
        char *copy = malloc(len + 1);
        memcpy(copy, buf, len);
        copy[len] = '}';
        assert_int_equal(envelope_decode(copy, len, 2, &h, &out, err, sizeof(err)), 0);
        json_decref(out);
        free(copy);
        free(buf);
        json_decref(m);
}

static void test_encode_refuses(void **state) {
        char *buf = NULL, err[256] = "";
        size_t len = 0;
        json_t *notype = json_pack("{s:i}", "x", 1);
        assert_int_equal(envelope_encode(&H, notype, &buf, &len, err, sizeof(err)), -EINVAL);
        json_decref(notype);
        /* Over the limit: refused before it is sent, saying how large. */
        json_t *m = message(H.node, H.incarnation);
        char *big = malloc(ENVELOPE_MAX + 1);
        memset(big, 'a', ENVELOPE_MAX);
        big[ENVELOPE_MAX] = 0;
        json_object_set_new(m, "props", json_string(big));
        free(big);
        assert_int_equal(envelope_encode(&H, m, &buf, &len, err, sizeof(err)), -EMSGSIZE);
        assert_null(buf);
        assert_non_null(strstr(err, "group.create"));
        assert_non_null(strstr(err, "limited to 1048575 bytes"));
        json_decref(m);
}

static void count_log(const char *level, const char *code, const char *text, void *userdata) {
        assert_string_equal(level, "warning");
        assert_string_equal(code, "MESSAGE_TOO_LARGE");
        assert_non_null(strstr(text, "limited to 1048575 bytes; not sent"));
        (*(unsigned *) userdata)++;
}

/* What a node sends: a message too large is also logged, once; other
 * refusals are not (they are the sender's own mistakes). */
static void test_encode_outgoing(void **state) {
        char *buf = NULL;
        size_t len = 0;
        unsigned logged = 0;
        json_t *m = message(H.node, H.incarnation);
        assert_int_equal(envelope_encode_outgoing(&H, m, &buf, &len, count_log, &logged), 0);
        assert_int_equal(logged, 0);
        free(buf);
        buf = NULL;
        char *big = malloc(ENVELOPE_MAX + 1);
        memset(big, 'a', ENVELOPE_MAX);
        big[ENVELOPE_MAX] = 0;
        json_object_set_new(m, "props", json_string(big));
        free(big);
        assert_int_equal(envelope_encode_outgoing(&H, m, &buf, &len, count_log, &logged), -EMSGSIZE);
        assert_int_equal(logged, 1);
        assert_int_equal(envelope_encode_outgoing(&H, m, &buf, &len, NULL, NULL), -EMSGSIZE);
        assert_null(buf);
        json_decref(m);
        json_t *notype = json_pack("{s:i}", "x", 1);
        assert_int_equal(envelope_encode_outgoing(&H, notype, &buf, &len, count_log, &logged), -EINVAL);
        assert_int_equal(logged, 1);
        json_decref(notype);
}

/* decode must refuse text with k and a message containing what. */
static void refused(const char *text, uint32_t sender, int k, const char *what) {
        EnvelopeHeader h = { .node = 77 };
        json_t *out = (json_t *) 0x1;
        char err[256] = "";
        assert_int_equal(envelope_decode(text, strlen(text), sender, &h, &out, err, sizeof(err)), k);
        if (!strstr(err, what))
                fail_msg("%s: \"%s\" lacks \"%s\"", text, err, what);
        assert_int_equal(h.node, 77);
        assert_ptr_equal(out, (json_t *) 0x1);
}

static void test_decode_refuses(void **state) {
        const char *ok_msg = "\"msg\":{\"type\":\"t\",\"origin\":2,\"incarnation\":5}";
        char text[512];
        refused("", 2, -EBADMSG, "not JSON");
        refused("{\"wolfpack\":1", 2, -EBADMSG, "not JSON");
        refused("[1]", 2, -EBADMSG, "not a Wolfpack envelope");
        refused("{}", 2, -EBADMSG, "not a Wolfpack envelope");
        refused("{\"wolfpack\":\"1\"}", 2, -EBADMSG, "not a Wolfpack envelope");
        refused("{\"wolfpack\":2}", 2, -EPROTO, "format version 2; this node reads version 1");
        /* Envelopes around a good message: header members wrong one at a
         * time, and corosync's sender against the envelope's node. */
        static const struct {
                const char *head;
                uint32_t sender;
                const char *what;
        } heads[] = {
                { "\"node\":2,\"incarnation\":5,\"ring\":[1]", 2, "lacks a valid node, incarnation or ring" },
                { "\"node\":2,\"incarnation\":-5,\"ring\":[1,2]", 2, "lacks a valid node" },
                { "\"node\":0,\"incarnation\":5,\"ring\":[1,2]", 2, "lacks a valid node" },
                { "\"node\":4294967296,\"incarnation\":5,\"ring\":[1,2]", 2, "lacks a valid node" },
                { "\"node\":2,\"incarnation\":5,\"ring\":[1,2.5]", 2, "lacks a valid node" },
                { "\"node\":2,\"incarnation\":5,\"ring\":[1,2]", 3, "from node 3 claims to come from node 2" },
        };
        for (size_t i = 0; i < ELEMENTSOF(heads); i++) {
                snprintf(text, sizeof(text), "{\"wolfpack\":1,%s,%s}", heads[i].head, ok_msg);
                refused(text, heads[i].sender, -EBADMSG, heads[i].what);
        }
        refused("{\"wolfpack\":1,\"node\":2,\"incarnation\":5,\"ring\":[1,2],\"msg\":[]}", 2, -EBADMSG,
                "carries no message with a type");
        refused("{\"wolfpack\":1,\"node\":2,\"incarnation\":5,\"ring\":[1,2],\"msg\":{\"type\":1}}", 2, -EBADMSG,
                "carries no message with a type");
        refused("{\"wolfpack\":1,\"node\":2,\"incarnation\":5,\"ring\":[1,2],"
                "\"msg\":{\"type\":\"t\",\"origin\":1,\"incarnation\":5}}",
                2, -EBADMSG, "names another origin or incarnation");
        refused("{\"wolfpack\":1,\"node\":2,\"incarnation\":5,\"ring\":[1,2],"
                "\"msg\":{\"type\":\"t\",\"origin\":2,\"incarnation\":6}}",
                2, -EBADMSG, "names another origin or incarnation");
        refused("{\"wolfpack\":1,\"node\":2,\"incarnation\":5,\"ring\":[1,2],\"msg\":{\"type\":\"t\"}}", 2, -EBADMSG,
                "names another origin or incarnation");
        /* Two readers could see two messages in one: duplicates are refused. */
        snprintf(text, sizeof(text), "{\"wolfpack\":1,\"node\":2,\"incarnation\":5,\"ring\":[1,2],%s,%s}", ok_msg, ok_msg);
        refused(text, 2, -EBADMSG, "not JSON");
        snprintf(text, sizeof(text), "{\"wolfpack\":1,\"node\":2,\"incarnation\":5,\"ring\":[1,2],%s}", ok_msg);
        EnvelopeHeader h;
        json_t *out = NULL;
        char err[256];
        assert_int_equal(envelope_decode(text, strlen(text), 2, &h, &out, err, sizeof(err)), 0);
        json_decref(out);
        /* Over the limit: refused unread. */
        assert_int_equal(envelope_decode(text, ENVELOPE_MAX + 1, 2, &h, &out, err, sizeof(err)), -EMSGSIZE);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_encode_refuses),
                cmocka_unit_test(test_encode_outgoing),
                cmocka_unit_test(test_decode_refuses),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
