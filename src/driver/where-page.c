/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reads the monitor's "where" page: a seqlock whose writer may have died
 * inside its critical section, so a read retries a few times for an even,
 * unchanged sequence number and then takes what it sees. Maps the page
 * read-only; never writes it.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "where-page.h"

#define WHERE_READ_TRIES 100

int where_page_map(int fd, const struct resmon_where **ret) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_size < (off_t) sizeof(struct resmon_where))
                return -EBADMSG;
        void *p = mmap(NULL, sizeof(struct resmon_where), PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
                return -errno;
        *ret = p;
        return 0;
}

void where_page_unmap(const struct resmon_where *w) {
        if (w)
                (void) munmap((void *) w, sizeof *w);
}

static void copy_field(char *dst, const volatile char *src, size_t n) {
        size_t i;
        for (i = 0; i < n && src[i]; i++)
                dst[i] = src[i];
        dst[i] = '\0';
}

void where_page_read(const struct resmon_where *w, WhereSnapshot *ret) {
        WhereSnapshot s = {};

        if (!w || __atomic_load_n(&w->magic, __ATOMIC_ACQUIRE) != RESMON_WHERE_MAGIC) {
                *ret = s;
                return;
        }
        const volatile struct resmon_where *v = w;
        for (int i = 0; i < WHERE_READ_TRIES; i++) {
                uint32_t seq = __atomic_load_n(&w->seq, __ATOMIC_ACQUIRE);
                copy_field(s.resource, v->resource, sizeof v->resource);
                copy_field(s.entry_point, v->entry_point, sizeof v->entry_point);
                s.since_usec = v->since_usec;
                __atomic_thread_fence(__ATOMIC_ACQUIRE);
                if ((seq & 1) == 0 && __atomic_load_n(&w->seq, __ATOMIC_RELAXED) == seq)
                        break;
        }
        *ret = s;
}
