/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target of the parsers of /proc/self/mountinfo and /proc/self/cgroup:
 * the monitor's (src/common/cgroup.c: cg_parse_v2_mount, cg_parse_own_path)
 * and genjob's (src/genjob/genjob-cgroup.c: job_layout_parse). The input is
 * the mountinfo text, a NUL byte, the /proc/self/cgroup text, a NUL byte
 * and the v2 cgroup.controllers text. Invariants: a cgroup found lies
 * inside the mount it was found on (no ".." climbs out of it); genjob's
 * layout is consistent (indexes in range, every controller on exactly the
 * hierarchy named for it, v1 hierarchies keeping only theirs) and its
 * descriptions fit their buffers. Any difference aborts.
 *
 * Built with libFuzzer (clang -fsanitize=fuzzer, see README.md), or with
 * -DFUZZ_STANDALONE as a plain program that replays files and corpora.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "fuzz.h"
#include "genjob-cgroup.h"
#include "macro.h"

/* No "." or ".." component: the path stays where it is put. */
static bool stays(const char *rel) {
        _cleanup_free_ char *s = NULL;
        check(asprintf(&s, "/%s/", rel) >= 0);
        return !strstr(s, "/../") && !strstr(s, "/./");
}

static void check_common(const char *mountinfo, const char *proc_cgroup) {
        _cleanup_free_ char *where = NULL, *root = NULL, *own = NULL;
        int r = cg_parse_v2_mount(mountinfo, &where, &root);
        check(r == 0 || r == -ENOMEDIUM || r == -ENOMEM);
        int k = cg_parse_own_path(mountinfo, proc_cgroup, &own);
        check(k == 0 || k == -ENOMEDIUM || k == -ENOENT || k == -ENOMEM);
        if (r < 0) {
                check(k == r);
                return;
        }
        if (k < 0)
                return;
        size_t wl = strlen(where);
        check(strncmp(own, where, wl) == 0);
        check(own[wl] == '\0' || own[wl] == '/');
        check(stays(own + wl));
}

static void check_layout(const char *mountinfo, const char *proc_cgroup, const char *controllers) {
        JobLayout l;
        int r = job_layout_parse(mountinfo, proc_cgroup, NULL, controllers, &l);
        check(r == 0 || r == -ENOMEM);
        if (r < 0)
                return;
        check(l.n_hier <= JOB_HIER_MAX);
        check(l.v2 >= -1 && l.v2 < (int) l.n_hier);
        check(l.v2_offered && !strchr(l.v2_offered, '\n'));
        for (size_t i = 0; i < l.n_hier; i++) {
                const JobHierarchy *h = &l.hier[i];
                check(h->version == 1 || h->version == 2);
                check((h->version == 2) == (l.v2 == (int) i));
                check(h->mount && h->own);
                check(h->own[0] != '/');
                check(stays(h->own));
        }
        for (JobController c = 0; c < _JOB_CTL_MAX; c++) {
                int i = l.by_controller[c];
                check(i >= -1 && i < (int) l.n_hier);
                for (size_t j = 0; j < l.n_hier; j++)
                        check(((l.hier[j].controllers & JOB_CTL_BIT(c)) != 0) == (i == (int) j));
                char buf[64];
                job_layout_describe(&l, c, buf, sizeof buf);
                check(strlen(buf) < sizeof buf);
                job_layout_missing(&l, c, buf, sizeof buf);
                check(strlen(buf) < sizeof buf);
        }
        job_layout_done(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* Three texts, NUL-terminated. */
        char *text = malloc(size + 3);
        check(text);
        memcpy(text, data, size);
        memset(text + size, 0, 3);
        const char *mountinfo = text;
        const char *proc_cgroup = mountinfo + strlen(mountinfo) + 1;
        if (proc_cgroup > text + size)
                proc_cgroup = text + size + 1;
        const char *controllers = proc_cgroup + strlen(proc_cgroup) + 1;
        if (controllers > text + size + 2)
                controllers = text + size + 2;

        check_common(mountinfo, proc_cgroup);
        check_layout(mountinfo, proc_cgroup, controllers);
        free(text);
        return 0;
}
