/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Raising the daemon's file descriptor limit and giving its children the
 * original one back (fd-limit.h). Owns the one saved limit of the process:
 * set once, by the daemon's main thread before anything is started, and
 * read after fork, so that it needs no lock.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "fd-limit.h"
#include "macro.h"

static struct rlimit saved;
static bool raised;

struct rlimit fd_limit_raised(struct rlimit cur, rlim_t nr_open) {
        rlim_t want = cur.rlim_max == RLIM_INFINITY || cur.rlim_max > nr_open ? nr_open : cur.rlim_max;
        if (cur.rlim_cur != RLIM_INFINITY && cur.rlim_cur < want)
                cur.rlim_cur = want;
        return cur;
}

/* fs.nr_open, or the kernel's default when it cannot be read. */
static rlim_t nr_open(void) {
        unsigned long long v = 1024 * 1024;
        FILE *f = fopen("/proc/sys/fs/nr_open", "re");
        if (f) {
                if (fscanf(f, "%llu", &v) != 1)
                        v = 1024 * 1024;
                fclose(f);
        }
        return (rlim_t) v;
}

int fd_limit_raise(void) {
        struct rlimit cur;
        if (getrlimit(RLIMIT_NOFILE, &cur) < 0)
                return negative_errno();
        struct rlimit want = fd_limit_raised(cur, nr_open());
        if (want.rlim_cur == cur.rlim_cur)
                return 0;
        if (setrlimit(RLIMIT_NOFILE, &want) < 0)
                return negative_errno();
        saved = cur;
        raised = true;
        return 0;
}

int fd_limit_restore(void) {
        if (!raised)
                return 0;
        /* The hard limit as it is now: lowering the soft limit alone can
         * never fail for want of privilege. */
        struct rlimit cur;
        if (getrlimit(RLIMIT_NOFILE, &cur) < 0)
                return negative_errno();
        cur.rlim_cur = saved.rlim_cur < cur.rlim_max ? saved.rlim_cur : cur.rlim_max;
        return setrlimit(RLIMIT_NOFILE, &cur) < 0 ? negative_errno() : 0;
}
