/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Messages on their way to the ring (send-queue.h). */
#include <errno.h>
#include <stdlib.h>

#include "send-queue.h"

struct SendQueueItem {
        SendQueueItem *next;
        char *buf;
        size_t len;
};

void send_queue_init(SendQueue *q, size_t max_bytes, send_queue_send_fn send, void *userdata) {
        *q = (SendQueue) { .tail = &q->head, .max_bytes = max_bytes, .send = send, .userdata = userdata };
}

static void pop(SendQueue *q) {
        SendQueueItem *it = q->head;
        q->head = it->next;
        if (!q->head)
                q->tail = &q->head;
        q->n--;
        q->bytes -= it->len;
        free(it->buf);
        free(it);
}

void send_queue_done(SendQueue *q) {
        while (q->head)
                pop(q);
}

int send_queue_flush(SendQueue *q) {
        while (q->head) {
                int k = q->send(q->head->buf, q->head->len, q->userdata);
                if (k == -EAGAIN)
                        return 1;
                if (k < 0)
                        return k;
                pop(q);
        }
        return 0;
}

int send_queue_push(SendQueue *q, char *buf, size_t len) {
        if (q->bytes + len > q->max_bytes) {
                free(buf);
                return -ENOBUFS;
        }
        /* Nothing waits: straight out, or refused without queueing. */
        if (!q->head) {
                int k = q->send(buf, len, q->userdata);
                if (k != -EAGAIN) {
                        free(buf);
                        return k < 0 ? k : 0;
                }
        }
        SendQueueItem *it = calloc(1, sizeof(*it));
        if (!it) {
                free(buf);
                return -ENOMEM;
        }
        it->buf = buf;
        it->len = len;
        *q->tail = it;
        q->tail = &it->next;
        q->n++;
        q->bytes += len;
        return 1;
}
