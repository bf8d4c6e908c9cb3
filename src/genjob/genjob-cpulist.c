/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CPU lists ("0-3,6"): the Affinity property's text, cpuset.cpus and
 * /sys/devices/system/cpu/online all use it. Parsing refuses anything the
 * kernel would refuse and says which part is wrong; formatting gives the
 * shortest ranges. Pure: no I/O.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genjob-cpulist.h"
#include "text-quote.h"

static const char *skip_blanks(const char *p) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
                p++;
        return p;
}

static int parse_cpu(const char **p, unsigned *ret, char *err, size_t errlen) {
        const char *s = *p;
        unsigned long v;
        char *end;

        if (*s < '0' || *s > '9') {
                snprintf(err, errlen, "expected a CPU number at %s", text_quote(s).s);
                return -EINVAL;
        }
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno != 0 || v >= JOB_CPU_MAX) {
                snprintf(err, errlen, "CPU %s is out of range (0-%d)", text_quote_n(s, (size_t) (end - s)).s,
                         JOB_CPU_MAX - 1);
                return -ERANGE;
        }
        *ret = (unsigned) v;
        *p = end;
        return 0;
}

int job_cpulist_parse(const char *text, JobCpuSet *ret, char *err, size_t errlen) {
        JobCpuSet s = {};
        const char *p = skip_blanks(text ?: "");
        int r;

        while (*p) {
                unsigned a, b;

                if ((r = parse_cpu(&p, &a, err, errlen)) < 0)
                        return r;
                b = a;
                p = skip_blanks(p);
                if (*p == '-') {
                        p = skip_blanks(p + 1);
                        if ((r = parse_cpu(&p, &b, err, errlen)) < 0)
                                return r;
                        if (b < a) {
                                snprintf(err, errlen, "range %u-%u runs backwards", a, b);
                                return -EINVAL;
                        }
                        p = skip_blanks(p);
                }
                for (unsigned c = a; c <= b; c++)
                        job_cpuset_add(&s, c);
                if (*p == ',') {
                        p = skip_blanks(p + 1);
                        if (!*p) {
                                snprintf(err, errlen, "a CPU must follow the last ','");
                                return -EINVAL;
                        }
                } else if (*p) {
                        snprintf(err, errlen, "unexpected %s: write CPUs and ranges separated by ',' (0-3,6)",
                                 text_quote(p).s);
                        return -EINVAL;
                }
        }
        *ret = s;
        return 0;
}

int job_cpulist_format(const JobCpuSet *s, char *buf, size_t len) {
        size_t at = 0;

        if (len == 0)
                return -ENOBUFS;
        buf[0] = '\0';
        for (unsigned c = 0; c < JOB_CPU_MAX; c++) {
                unsigned e;
                int n;

                if (!job_cpuset_has(s, c))
                        continue;
                for (e = c; e + 1 < JOB_CPU_MAX && job_cpuset_has(s, e + 1); e++)
                        ;
                if (e == c)
                        n = snprintf(buf + at, len - at, "%s%u", at ? "," : "", c);
                else
                        n = snprintf(buf + at, len - at, "%s%u-%u", at ? "," : "", c, e);
                if (n < 0 || (size_t) n >= len - at) {
                        buf[at] = '\0';
                        return -ENOBUFS;
                }
                at += (size_t) n;
                c = e;
        }
        return 0;
}

void job_cpuset_and(JobCpuSet *a, const JobCpuSet *b) {
        for (size_t i = 0; i < JOB_CPU_MAX / 64; i++)
                a->bits[i] &= b->bits[i];
}

bool job_cpuset_equal(const JobCpuSet *a, const JobCpuSet *b) {
        return memcmp(a->bits, b->bits, sizeof a->bits) == 0;
}

bool job_cpuset_empty(const JobCpuSet *s) {
        for (size_t i = 0; i < JOB_CPU_MAX / 64; i++)
                if (s->bits[i])
                        return false;
        return true;
}

size_t job_cpuset_count(const JobCpuSet *s) {
        size_t n = 0;

        for (size_t i = 0; i < JOB_CPU_MAX / 64; i++)
                n += (size_t) __builtin_popcountll(s->bits[i]);
        return n;
}
