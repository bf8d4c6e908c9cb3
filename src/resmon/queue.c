/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Cross-thread event queue. Plug-ins report from workers and from their own
 * threads; everything they report is handled here, on the loop thread, one
 * entry at a time, at a priority above ordinary watches so that a state a
 * plug-in already knows is applied before a failure fd asks is_alive.
 * Must never call a plug-in entry point while holding the lock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "macro.h"
#include "queue.h"
#include "resource.h"

typedef struct Queued Queued;
struct Queued {
        QueuedKind kind;
        Resource *r;
        uint64_t gen;
        int value;
        char *code, *text;
        wp_work_done_fn done;
        void *userdata;
        Queued *next;
};

struct EventQueue {
        Manager *m;
        pthread_mutex_t lock;
        Queued *head, **tail;
        int efd;
        sd_event_source *source;
};

static void queued_free(Queued *e) {
        free(e->code);
        free(e->text);
        free(e);
}

static void push(EventQueue *q, Queued *e) {
        pthread_mutex_lock(&q->lock);
        *q->tail = e;
        q->tail = &e->next;
        pthread_mutex_unlock(&q->lock);
        uint64_t one = 1;
        (void) !write(q->efd, &one, sizeof(one));
}

void event_queue_push(EventQueue *q, QueuedKind kind, Resource *r, uint64_t gen, int value, const char *code,
                      const char *text) {
        Queued *e = calloc(1, sizeof(*e));
        if (!e)
                return; /* out of memory: the report is lost; polls catch failures */
        *e = (Queued) { .kind = kind, .r = r, .gen = gen, .value = value };
        e->code = code ? strdup(code) : NULL;
        e->text = text ? strdup(text) : NULL;
        push(q, e);
}

void event_queue_push_work(EventQueue *q, Resource *r, wp_work_done_fn done, int result, void *userdata) {
        Queued *e = calloc(1, sizeof(*e));
        if (!e)
                abort(); /* a lost completion would leak the resource forever */
        *e = (Queued) { .kind = QUEUED_WORK_DONE, .r = r, .value = result, .done = done, .userdata = userdata };
        push(q, e);
}

void event_queue_forget(EventQueue *q, Resource *r) {
        pthread_mutex_lock(&q->lock);
        Queued **p = &q->head;
        q->tail = &q->head;
        while (*p) {
                Queued *e = *p;
                if (e->r == r && e->kind != QUEUED_WORK_DONE) {
                        *p = e->next;
                        queued_free(e);
                        continue;
                }
                p = &e->next;
                q->tail = p;
        }
        pthread_mutex_unlock(&q->lock);
}

static Queued *pop(EventQueue *q) {
        pthread_mutex_lock(&q->lock);
        Queued *e = q->head;
        if (e) {
                q->head = e->next;
                if (!q->head)
                        q->tail = &q->head;
        }
        pthread_mutex_unlock(&q->lock);
        return e;
}

static void handle(EventQueue *q, Queued *e) {
        switch (e->kind) {
        case QUEUED_STATUS:
                resource_status(e->r, e->gen, (wp_state) e->value, e->text);
                break;
        case QUEUED_ALIVE:
                resource_alive_result(e->r, e->gen, e->value != 0, e->text);
                break;
        case QUEUED_LOG:
                manager_log(q->m, e->r, (wp_level) e->value, e->code ? e->code : "PLUGIN_LOG", "%s",
                            e->text ? e->text : "");
                break;
        case QUEUED_WORK_DONE:
                if (e->done)
                        e->done(e->value, e->userdata);
                resource_work_done(e->r);
                break;
        }
}

static int on_wake(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        EventQueue *q = userdata;
        uint64_t n;
        (void) !read(fd, &n, sizeof(n));
        /* Handle what is queued now; later arrivals wake us again. A bound
         * keeps a flood of reports from starving the rest of the loop. */
        for (int i = 0; i < 256; i++) {
                Queued *e = pop(q);
                if (!e)
                        return 0;
                handle(q, e);
                queued_free(e);
        }
        uint64_t one = 1;
        (void) !write(q->efd, &one, sizeof(one));
        return 0;
}

int event_queue_new(Manager *m, EventQueue **ret) {
        EventQueue *q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        q->m = m;
        q->tail = &q->head;
        pthread_mutex_init(&q->lock, NULL);
        q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (q->efd < 0) {
                int r = -errno;
                free(q);
                return r;
        }
        int r = sd_event_add_io(m->event, &q->source, q->efd, EPOLLIN, on_wake, q);
        if (r < 0) {
                close(q->efd);
                free(q);
                return r;
        }
        sd_event_source_set_priority(q->source, -5);
        *ret = q;
        return 0;
}

EventQueue *event_queue_free(EventQueue *q) {
        if (!q)
                return NULL;
        Queued *e;
        while ((e = pop(q)))
                queued_free(e);
        sd_event_source_disable_unref(q->source);
        close(q->efd);
        pthread_mutex_destroy(&q->lock);
        free(q);
        return NULL;
}
