/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CPU lists as the kernel writes them ("0-3,6", "" for none): parse into a
 * set, format back in the shortest form, intersect. Pure.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JOB_CPU_MAX 8192

typedef struct JobCpuSet {
        uint64_t bits[JOB_CPU_MAX / 64];
} JobCpuSet;

/* Blanks and a trailing newline are allowed; ranges "a-b" with a <= b;
 * CPUs below JOB_CPU_MAX. err says what is wrong with which part. 0 or
 * -EINVAL/-ERANGE. */
int job_cpulist_parse(const char *text, JobCpuSet *ret, char *err, size_t errlen);
/* "0-3,6"; "" for an empty set. buf at least 64 bytes; -ENOBUFS when the
 * list does not fit. */
int job_cpulist_format(const JobCpuSet *s, char *buf, size_t len);
void job_cpuset_and(JobCpuSet *a, const JobCpuSet *b);
bool job_cpuset_equal(const JobCpuSet *a, const JobCpuSet *b);
bool job_cpuset_empty(const JobCpuSet *s);
size_t job_cpuset_count(const JobCpuSet *s);
static inline void job_cpuset_add(JobCpuSet *s, unsigned cpu) {
        if (cpu < JOB_CPU_MAX)
                s->bits[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}
static inline bool job_cpuset_has(const JobCpuSet *s, unsigned cpu) {
        return cpu < JOB_CPU_MAX && (s->bits[cpu / 64] >> (cpu % 64)) & 1;
}
