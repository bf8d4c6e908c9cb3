/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Agents' meta-data read on threads: see ocf-meta-read.h. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "macro.h"
#include "ocf-agent.h"
#include "ocf-meta-read.h"

typedef struct Read {
        struct Read *next;
        char *path;
        bool done;
        int result;
        char *xml;
        size_t len;
        char err[512];
} Read;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static Read *reads;

static void *run(void *userdata) {
        Read *r = userdata;
        char *xml = NULL;
        size_t len = 0;
        char err[512] = "";
        int k = ocf_agent_meta_data(r->path, &xml, &len, err, sizeof(err));
        pthread_mutex_lock(&lock);
        r->result = k;
        r->xml = xml;
        r->len = len;
        memcpy(r->err, err, sizeof(err));
        r->done = true;
        pthread_cond_broadcast(&changed);
        pthread_mutex_unlock(&lock);
        return NULL;
}

static int start(const char *path, Read **ret) {
        Read *r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->path = strdup(path);
        if (!r->path) {
                free(r);
                return -ENOMEM;
        }
        pthread_attr_t attr;
        pthread_t t;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int k = -pthread_create(&t, &attr, run, r);
        pthread_attr_destroy(&attr);
        if (k < 0) {
                free(r->path);
                free(r);
                return k;
        }
        r->next = reads;
        reads = r;
        *ret = r;
        return 0;
}

static void unlink_read(Read *r) {
        for (Read **p = &reads; *p; p = &(*p)->next)
                if (*p == r) {
                        *p = r->next;
                        return;
                }
}

int ocf_meta_read(const char *path, wp_usec_t budget, char **ret, size_t *ret_len, char *err, size_t errlen) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += (time_t) (budget / WP_USEC_PER_SEC);
        until.tv_nsec += (long) (budget % WP_USEC_PER_SEC) * 1000;
        if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&lock);
        Read *r = reads;
        while (r && strcmp(r->path, path) != 0)
                r = r->next;
        int k = r ? 0 : start(path, &r);
        while (k >= 0 && !r->done)
                if (pthread_cond_timedwait(&changed, &lock, &until) == ETIMEDOUT)
                        break;
        if (k >= 0 && !r->done) {
                pthread_mutex_unlock(&lock);
                snprintf(err, errlen,
                         "%s meta-data is still running after %llu ms (it may take up to %llu s); try again", path,
                         (unsigned long long) (budget / WP_USEC_PER_MSEC),
                         (unsigned long long) (OCF_META_DATA_TIMEOUT / WP_USEC_PER_SEC));
                return -EAGAIN;
        }
        if (k >= 0)
                unlink_read(r);
        pthread_mutex_unlock(&lock);
        if (k < 0) {
                snprintf(err, errlen, "cannot read the meta-data of %s: %s", path, strerror(-k));
                return k;
        }
        k = r->result;
        if (k < 0)
                snprintf(err, errlen, "%s", r->err);
        else {
                *ret = r->xml;
                *ret_len = r->len;
                r->xml = NULL;
        }
        free(r->xml);
        free(r->path);
        free(r);
        return k < 0 ? k : 1;
}
