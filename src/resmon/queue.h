/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cross-thread event queue: set_status, alive_result and log calls from
 * any thread, and finished work items, are queued here and handled on the
 * loop thread, never re-entrantly inside the caller. An eventfd wakes the
 * loop.
 */
#pragma once

#include "manager.h"

typedef enum QueuedKind {
        QUEUED_STATUS,
        QUEUED_ALIVE,
        QUEUED_LOG,
        QUEUED_WORK_DONE,
} QueuedKind;

int event_queue_new(Manager *m, EventQueue **ret);
EventQueue *event_queue_free(EventQueue *q);
/* Thread-safe. text is copied. */
void event_queue_push(EventQueue *q, QueuedKind kind, Resource *r, uint64_t gen, int state_or_level,
                      const char *code, const char *text);
void event_queue_push_work(EventQueue *q, Resource *r, wp_work_done_fn done, int result, void *userdata);
/* Forget every queued entry of r (it is being freed). */
void event_queue_forget(EventQueue *q, Resource *r);

/* workers.c */
int worker_pool_new(Manager *m, unsigned n, WorkerPool **ret);
WorkerPool *worker_pool_free(WorkerPool *p);
int worker_pool_queue(WorkerPool *p, Resource *r, wp_work_fn fn, wp_work_done_fn done, void *userdata);
/* The generation captured when the work running on this thread was queued,
 * when it belongs to r; otherwise r's current one. */
uint64_t worker_current_gen(Resource *r);
