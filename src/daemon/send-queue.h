/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Messages on their way to the ring, in order, under flow control: a send
 * the transport refuses for now (-EAGAIN, corosync's CS_ERR_TRY_AGAIN) is
 * kept with everything sent after it and tried again later, from the
 * loop, never by blocking and never by dropping one. Bounded in bytes: past
 * the bound a new message is refused, and nothing queued is lost. Pure:
 * the transport is a function, the retry timer the caller's.
 */
#pragma once

#include <stddef.h>

/* 0 sent, -EAGAIN try again later, another negative errno: refused. */
typedef int (*send_queue_send_fn)(const void *buf, size_t len, void *userdata);

typedef struct SendQueueItem SendQueueItem;

typedef struct SendQueue {
        SendQueueItem *head, **tail;
        size_t n, bytes, max_bytes;
        send_queue_send_fn send;
        void *userdata;
} SendQueue;

void send_queue_init(SendQueue *q, size_t max_bytes, send_queue_send_fn send, void *userdata);
/* Frees what was never sent. */
void send_queue_done(SendQueue *q);

/* Send buf (malloc'ed; taken) after everything queued before it: 0 sent,
 * 1 queued (arm the retry timer), -ENOBUFS over the bound, or the error of
 * a send refused outright; on error buf is freed and nothing is queued. */
int send_queue_push(SendQueue *q, char *buf, size_t len);
/* Send from the head in order until the transport says wait: 0 all sent,
 * 1 some still wait (arm the timer again), or the error of a send refused
 * (the message stays at the head). */
int send_queue_flush(SendQueue *q);
