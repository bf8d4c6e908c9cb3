/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pid → pointer, open addressing with linear probing and tombstones. When
 * an insertion would make the table 3/4 full (tombstones included) it is
 * rebuilt at most half full: bigger, or smaller, so a fork bomb that came
 * and went leaves no big table behind. Removal never rebuilds, so it is
 * safe while iterating. Owns nothing but the table.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "genjob-pidmap.h"

#define TOMBSTONE ((pid_t) -1)
#define MIN_CAP 16

typedef struct Slot {
        pid_t pid;      /* 0 free, -1 tombstone */
        void *value;
} Slot;

struct JobPidmap {
        Slot *slots;
        size_t cap;     /* a power of two */
        size_t used;    /* live entries */
        size_t dead;    /* tombstones */
};

static size_t slot_of(pid_t pid, size_t cap) {
        uint32_t h = (uint32_t) pid * 2654435761u;
        return (size_t) h & (cap - 1);
}

JobPidmap *job_pidmap_new(void) {
        JobPidmap *m = calloc(1, sizeof *m);

        if (!m)
                return NULL;
        m->slots = calloc(MIN_CAP, sizeof(Slot));
        if (!m->slots) {
                free(m);
                return NULL;
        }
        m->cap = MIN_CAP;
        return m;
}

JobPidmap *job_pidmap_free(JobPidmap *m) {
        if (m) {
                free(m->slots);
                free(m);
        }
        return NULL;
}

static int rebuild(JobPidmap *m, size_t cap) {
        Slot *slots = calloc(cap, sizeof(Slot));

        if (!slots)
                return -ENOMEM;
        for (size_t i = 0; i < m->cap; i++) {
                size_t j;
                if (m->slots[i].pid <= 0)
                        continue;
                for (j = slot_of(m->slots[i].pid, cap); slots[j].pid != 0; j = (j + 1) & (cap - 1))
                        ;
                slots[j] = m->slots[i];
        }
        free(m->slots);
        m->slots = slots;
        m->cap = cap;
        m->dead = 0;
        return 0;
}

static Slot *find(const JobPidmap *m, pid_t pid) {
        for (size_t i = slot_of(pid, m->cap), n = 0; n < m->cap; i = (i + 1) & (m->cap - 1), n++) {
                if (m->slots[i].pid == 0)
                        return NULL;
                if (m->slots[i].pid == pid)
                        return &m->slots[i];
        }
        return NULL;
}

int job_pidmap_put(JobPidmap *m, pid_t pid, void *value) {
        Slot *s;
        size_t i;

        if (pid <= 0 || !value)
                return -EINVAL;
        s = find(m, pid);
        if (s) {
                s->value = value;
                return 0;
        }
        if ((m->used + m->dead + 1) * 4 > m->cap * 3) {
                /* Rebuilt at most half full: bigger, or smaller once the
                 * tombstones of many exits are dropped. */
                size_t cap = MIN_CAP;
                while ((m->used + 1) * 2 > cap)
                        cap *= 2;
                int r = rebuild(m, cap);
                if (r < 0)
                        return r;
        }
        for (i = slot_of(pid, m->cap); m->slots[i].pid > 0; i = (i + 1) & (m->cap - 1))
                ;
        if (m->slots[i].pid == TOMBSTONE)
                m->dead--;
        m->slots[i] = (Slot) { .pid = pid, .value = value };
        m->used++;
        return 0;
}

void *job_pidmap_get(const JobPidmap *m, pid_t pid) {
        Slot *s = pid > 0 ? find(m, pid) : NULL;
        return s ? s->value : NULL;
}

void *job_pidmap_remove(JobPidmap *m, pid_t pid) {
        Slot *s = pid > 0 ? find(m, pid) : NULL;
        void *v;

        if (!s)
                return NULL;
        v = s->value;
        *s = (Slot) { .pid = TOMBSTONE };
        m->used--;
        m->dead++;
        return v;
}

size_t job_pidmap_size(const JobPidmap *m) {
        return m->used;
}

pid_t job_pidmap_next(const JobPidmap *m, size_t *i, void **ret_value) {
        for (; *i < m->cap; (*i)++)
                if (m->slots[*i].pid > 0) {
                        if (ret_value)
                                *ret_value = m->slots[*i].value;
                        return m->slots[(*i)++].pid;
                }
        return 0;
}
