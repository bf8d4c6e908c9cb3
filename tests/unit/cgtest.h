/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scaffolding for unit tests that run real processes in real cgroups: a
 * scratch cgroup of the test program's own (<own>/<prefix><pid>, where
 * orphans come back to be reaped), removal of scratch cgroups left by
 * earlier runs that died, and small waits. Header-only, for tests.
 */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "cgroup.h"
#include "macro.h"

#define WAIT_MS 5000

static inline char *join(const char *a, const char *b) {
        char *s;
        assert_true(asprintf(&s, "%s/%s", a, b) > 0);
        return s;
}

static inline bool is_dir(const char *p) {
        struct stat st;
        return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static inline void sleep_ms(unsigned ms) {
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000};
        nanosleep(&ts, NULL);
}

/* Reap whatever exited: our children and the orphans we adopt as
 * subreaper. */
static inline void reap_all(void) {
        while (waitpid(-1, NULL, WNOHANG) > 0)
                ;
}

/* Wait until cg_populated(path) == want; false on timeout. Reaps adopted
 * orphans meanwhile only when reap is set. */
static inline bool wait_populated(const char *path, int want, bool reap) {
        for (int waited = 0; waited < WAIT_MS; waited += 10) {
                if (cg_populated(path) == want)
                        return true;
                if (reap)
                        reap_all();
                sleep_ms(10);
        }
        return false;
}

/* Kill and remove a cgroup tree a test made, whatever state it is in. */
static inline void destroy_cgroup(const char *path) {
        if (!is_dir(path))
                return;
        cg_kill(path);
        wait_populated(path, 0, true);
        reap_all();
        int r = cg_remove(path);
        if (r < 0)
                fprintf(stderr, "cannot remove test cgroup %s: %s\n", path, strerror(-r));
}

/* The scratch cgroup <own>/<prefix><pid>, after removing those of earlier
 * runs whose process is gone. The caller becomes a subreaper so that
 * orphaned grandchildren (daemons) come back to it. */
static inline int scratch_cgroup_new(const char *prefix, char **ret) {
        _cleanup_free_ char *own = NULL;
        int r = cg_own_path(&own);
        if (r < 0) {
                fprintf(stderr, "no cgroup2 tree: %s\n", strerror(-r));
                return r;
        }
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        DIR *d = opendir(own);
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
                        continue;
                int pid = atoi(de->d_name + strlen(prefix));
                if (pid <= 0 || kill(pid, 0) == 0 || errno != ESRCH)
                        continue;
                _cleanup_free_ char *p = join(own, de->d_name);
                destroy_cgroup(p);
        }
        if (d)
                closedir(d);
        if (asprintf(ret, "%s/%s%d", own, prefix, (int) getpid()) < 0)
                return -ENOMEM;
        r = cg_create(*ret);
        if (r < 0)
                fprintf(stderr, "cannot create %s: %s\n", *ret, strerror(-r));
        return r;
}
