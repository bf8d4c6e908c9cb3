/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target of genjob's value parsers: the Affinity CPU list
 * (src/genjob/genjob-cpulist.c) and the CapabilitiesToDrop names
 * (genjob-caps.c). The input's first byte picks one; the rest is the text
 * (for capabilities, names separated by NUL bytes). Invariants: a CPU list
 * that parses formats to the shortest form, which parses to the same set;
 * formatting into a short buffer fails cleanly with a prefix; capability
 * names map to their numbers and back; every refusal has a message that is
 * valid UTF-8 (it is sent back in JSON). Any difference aborts.
 *
 * Built with libFuzzer (clang -fsanitize=fuzzer, see README.md), or with
 * -DFUZZ_STANDALONE as a plain program that replays files and corpora.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "genjob-caps.h"
#include "genjob-cpulist.h"
#include "macro.h"
#include "strv.h"

static void check_cpulist(const char *text) {
        static JobCpuSet s, t;
        static char buf[JOB_CPU_MAX * 6];
        char err[256] = "";
        int r = job_cpulist_parse(text, &s, err, sizeof err);
        check(r == 0 || r == -EINVAL || r == -ERANGE);
        if (r < 0) {
                check_message(err, sizeof err);
                return;
        }
        check(job_cpulist_format(&s, buf, sizeof buf) == 0);
        check(job_cpulist_parse(buf, &t, err, sizeof err) == 0);
        check(job_cpuset_equal(&s, &t));
        check(job_cpuset_empty(&s) == (buf[0] == '\0'));
        /* Shortest form: no CPU twice, no range of one or of neighbours. */
        size_t n = 0;
        for (const char *p = buf; *p; p++)
                n += *p == ',' || p == buf;
        check(n <= job_cpuset_count(&s));

        char small[64];
        r = job_cpulist_format(&s, small, sizeof small);
        check(r == 0 || r == -ENOBUFS);
        check(strlen(small) < sizeof small);
        check(strncmp(buf, small, strlen(small)) == 0);
        if (r == 0)
                check(strcmp(buf, small) == 0);
}

static void check_caps(const uint8_t *data, size_t size) {
        char **names = fuzz_words(data, size);
        uint64_t mask = 42;
        char err[256] = "";
        int r = job_caps_parse(names, &mask, err, sizeof err);
        check(r == 0 || r == -EINVAL);
        if (r < 0) {
                check(mask == 42);
                check_message(err, sizeof err);
        } else {
                check(mask >> JOB_CAP_NAMED == 0);
                for (size_t i = 0; names[i]; i++) {
                        int c = job_cap_from_name(names[i]);
                        check(c >= 0 && c < JOB_CAP_NAMED && (mask >> c & 1));
                        check(job_cap_from_name(job_cap_name(c)) == c);
                }
        }
        strv_free(names);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size == 0)
                return 0;
        if (data[0] & 1) {
                check_caps(data + 1, size - 1);
                return 0;
        }
        char *text = malloc(size);
        check(text);
        memcpy(text, data + 1, size - 1);
        text[size - 1] = '\0';
        check_cpulist(text);
        free(text);
        return 0;
}
