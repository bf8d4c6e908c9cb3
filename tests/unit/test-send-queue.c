/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Messages on their way to the ring (src/daemon/send-queue.c) under flow
 * control: nothing is dropped, the order holds, nothing blocks, the bound
 * refuses new messages only. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "send-queue.h"

/* A transport that says "try again" `busy` times, then sends (recording
 * what it sent), or refuses with `error`. */
typedef struct Wire {
        int busy, error, calls;
        char sent[1024];
} Wire;

static int wire_send(const void *buf, size_t len, void *userdata) {
        Wire *w = userdata;
        w->calls++;
        if (w->busy > 0) {
                w->busy--;
                return -EAGAIN;
        }
        if (w->error)
                return w->error;
        size_t n = strlen(w->sent);
        snprintf(w->sent + n, sizeof(w->sent) - n, "%.*s ", (int) len, (const char *) buf);
        return 0;
}

static int push(SendQueue *q, const char *text) {
        return send_queue_push(q, strdup(text), strlen(text));
}

static void test_straight_through(void **state) {
        Wire w = { 0 };
        SendQueue q;
        send_queue_init(&q, 1024, wire_send, &w);
        assert_int_equal(push(&q, "a"), 0);
        assert_int_equal(push(&q, "b"), 0);
        assert_string_equal(w.sent, "a b ");
        assert_int_equal(q.n, 0);
        send_queue_done(&q);
}

/* Corosync says try again: the message waits, every later one waits behind
 * it without being tried, and the retries send them all in order. */
static void test_try_again_keeps_order(void **state) {
        Wire w = { .busy = 3 };
        SendQueue q;
        send_queue_init(&q, 1024, wire_send, &w);
        assert_int_equal(push(&q, "a"), 1);
        assert_int_equal(push(&q, "b"), 1);
        assert_int_equal(push(&q, "c"), 1);
        assert_int_equal(w.calls, 1); /* b and c were not sent before a */
        assert_int_equal(q.n, 3);
        assert_int_equal(send_queue_flush(&q), 1);
        assert_int_equal(send_queue_flush(&q), 1);
        assert_string_equal(w.sent, "");
        assert_int_equal(send_queue_flush(&q), 0);
        assert_string_equal(w.sent, "a b c ");
        assert_int_equal(q.n, 0);
        assert_int_equal(q.bytes, 0);
        assert_int_equal(push(&q, "d"), 0);
        assert_string_equal(w.sent, "a b c d ");
        send_queue_done(&q);
}

/* A refusal of a new message reaches its sender and queues nothing; a
 * refusal while flushing leaves the message at the head. */
static void test_refused(void **state) {
        Wire w = { .error = -ENOTCONN };
        SendQueue q;
        send_queue_init(&q, 1024, wire_send, &w);
        assert_int_equal(push(&q, "a"), -ENOTCONN);
        assert_int_equal(q.n, 0);
        w = (Wire) { .busy = 1, .error = -EBADF };
        assert_int_equal(push(&q, "b"), 1);
        assert_int_equal(send_queue_flush(&q), -EBADF);
        assert_int_equal(q.n, 1);
        w.error = 0;
        assert_int_equal(send_queue_flush(&q), 0);
        assert_string_equal(w.sent, "b ");
        send_queue_done(&q);
}

/* Past the bound new messages are refused; queued ones all go out. */
static void test_bound(void **state) {
        Wire w = { .busy = 1 };
        SendQueue q;
        send_queue_init(&q, 4, wire_send, &w);
        assert_int_equal(push(&q, "ab"), 1);
        assert_int_equal(push(&q, "cd"), 1);
        assert_int_equal(push(&q, "e"), -ENOBUFS);
        assert_int_equal(q.n, 2);
        assert_int_equal(send_queue_flush(&q), 0);
        assert_string_equal(w.sent, "ab cd ");
        assert_int_equal(push(&q, "e"), 0);
        /* What never went out is freed with the queue. */
        w.busy = 5;
        assert_int_equal(push(&q, "f"), 1);
        send_queue_done(&q);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_straight_through),
                cmocka_unit_test(test_try_again_keeps_order),
                cmocka_unit_test(test_refused),
                cmocka_unit_test(test_bound),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
