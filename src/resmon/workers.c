/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The worker pool: a few threads, started on first use, for the blocking
 * work plug-ins hand over with host->queue_work. Results go back to the loop
 * through the event queue. A thread-local remembers which resource and
 * generation the running work belongs to, so that a set_status from an
 * operation that terminate already ended is recognised as late. Never runs
 * anything but queued work; never touches a resource beyond its counters.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include "queue.h"
#include "resource.h"

typedef struct Work Work;
struct Work {
        Resource *r;
        uint64_t gen;
        wp_work_fn fn;
        wp_work_done_fn done;
        void *userdata;
        Work *next;
};

struct WorkerPool {
        Manager *m;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        Work *head, **tail;
        pthread_t *threads;
        unsigned n, started;
        bool stop;
};

static _Thread_local Work *current_work;

uint64_t worker_current_gen(Resource *r) {
        if (current_work && current_work->r == r)
                return current_work->gen;
        return atomic_load(&r->gen);
}

static void *worker_main(void *arg) {
        WorkerPool *p = arg;
        for (;;) {
                pthread_mutex_lock(&p->lock);
                while (!p->head && !p->stop)
                        pthread_cond_wait(&p->cond, &p->lock);
                if (!p->head) {
                        pthread_mutex_unlock(&p->lock);
                        return NULL;
                }
                Work *w = p->head;
                p->head = w->next;
                if (!p->head)
                        p->tail = &p->head;
                pthread_mutex_unlock(&p->lock);

                current_work = w;
                int result = w->fn(w->userdata);
                current_work = NULL;
                event_queue_push_work(p->m->queue, w->r, w->done, result, w->userdata);
                free(w);
        }
}

int worker_pool_new(Manager *m, unsigned n, WorkerPool **ret) {
        WorkerPool *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->threads = calloc(n, sizeof(pthread_t));
        if (!p->threads) {
                free(p);
                return -ENOMEM;
        }
        p->m = m;
        p->n = n;
        p->tail = &p->head;
        pthread_mutex_init(&p->lock, NULL);
        pthread_cond_init(&p->cond, NULL);
        *ret = p;
        return 0;
}

int worker_pool_queue(WorkerPool *p, Resource *r, wp_work_fn fn, wp_work_done_fn done, void *userdata) {
        Work *w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        *w = (Work) { .r = r, .gen = atomic_load(&r->gen), .fn = fn, .done = done, .userdata = userdata };

        pthread_mutex_lock(&p->lock);
        /* One more thread while there are fewer than n and work waits. */
        if (p->started < p->n) {
                sigset_t all, old;
                sigfillset(&all);
                pthread_sigmask(SIG_BLOCK, &all, &old);
                int k = pthread_create(&p->threads[p->started], NULL, worker_main, p);
                pthread_sigmask(SIG_SETMASK, &old, NULL);
                if (k == 0)
                        p->started++;
                else if (p->started == 0) {
                        pthread_mutex_unlock(&p->lock);
                        free(w);
                        return -k;
                }
        }
        *p->tail = w;
        p->tail = &w->next;
        atomic_fetch_add(&r->work_outstanding, 1);
        pthread_cond_signal(&p->cond);
        pthread_mutex_unlock(&p->lock);
        return 0;
}

WorkerPool *worker_pool_free(WorkerPool *p) {
        if (!p)
                return NULL;
        pthread_mutex_lock(&p->lock);
        p->stop = true;
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
        /* Work still queued runs to the end: its plug-in expects it to. */
        for (unsigned i = 0; i < p->started; i++)
                pthread_join(p->threads[i], NULL);
        free(p->threads);
        pthread_mutex_destroy(&p->lock);
        pthread_cond_destroy(&p->cond);
        free(p);
        return NULL;
}
