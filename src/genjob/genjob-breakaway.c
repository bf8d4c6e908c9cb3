/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Leaving the job. With BreakawayOk, a process of the job asks through the
 * job's socket (an abstract unix socket named in the job's environment as
 * WOLFPACK_BREAKAWAY_SOCKET; wolfpack-breakaway is the command that does
 * it): the monitor checks from the peer's credentials that the caller is
 * in the job and moves it out. With SilentBreakawayOk every new process
 * leaves at once (genjob-events.c calls job_breakaway_move).
 *
 * Moving out: into the monitor's own cgroups, v1 hierarchies first and
 * the v2 tree last; the per-process limits the job gave (RLIMIT_CPU,
 * RLIMIT_AS, RLIMIT_CORE, the nice value) become the monitor's own. The
 * process keeps its identity, capabilities, seccomp filter, no_new_privs
 * and mount namespace: breaking away never gains a privilege. Owns the
 * socket and its watch. Never moves a process that is not in the job.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "genjob.h"
#include "macro.h"

/* The socket's name is the same for every monitor that runs the
 * resource on this node, so that an application adopted after a restart
 * of the monitor still reaches it: the resource's id and a hash of its
 * state directory (unique per node, also when several nodes share a
 * machine). */
static const char *name_of(Genjob *j) {
        const char *state = j->host->state_dir(j->r) ?: "";
        uint64_t h = 0xcbf29ce484222325ULL;

        if (j->breakaway_name[0])
                return j->breakaway_name;
        for (const char *p = state; *p; p++)
                h = (h ^ (unsigned char) *p) * 0x100000001b3ULL;
        snprintf(j->breakaway_name, sizeof j->breakaway_name, "wolfpack/breakaway/%.64s/%016llx",
                 j->host->id(j->r) ?: "?", (unsigned long long) h);
        return j->breakaway_name;
}

const char *job_breakaway_address(Genjob *j) {
        static __thread char buf[sizeof j->breakaway_name + 1];

        snprintf(buf, sizeof buf, "@%s", name_of(j));
        return buf;
}

static void process_name(pid_t pid, char *buf, size_t len) {
        char path[64];
        int fd;
        ssize_t n;

        snprintf(path, sizeof path, "/proc/%d/comm", (int) pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        n = fd >= 0 ? read(fd, buf, len - 1) : -1;
        if (fd >= 0)
                close(fd);
        if (n <= 0)
                snprintf(buf, len, "?");
        else {
                buf[n] = '\0';
                buf[strcspn(buf, "\n")] = '\0';
        }
}

/* The limits the job gave the process become the monitor's own. */
static void lift_process_limits(pid_t pid) {
        static const int resources[] = { RLIMIT_CPU, RLIMIT_AS, RLIMIT_CORE };
        char path[64];
        DIR *d;
        struct dirent *de;
        int nice;

        for (size_t i = 0; i < ELEMENTSOF(resources); i++) {
                struct rlimit l;
                if (getrlimit(resources[i], &l) >= 0)
                        (void) prlimit(pid, resources[i], &l, NULL);
        }
        errno = 0;
        nice = getpriority(PRIO_PROCESS, 0);
        if (errno != 0)
                return;
        snprintf(path, sizeof path, "/proc/%d/task", (int) pid);
        d = opendir(path);
        if (!d)
                return;
        while ((de = readdir(d))) {
                int tid = atoi(de->d_name);
                if (tid > 0)
                        (void) setpriority(PRIO_PROCESS, (id_t) tid, nice);
        }
        closedir(d);
}

int job_breakaway_move(Genjob *j, pid_t pid, const char *why, bool keep_tracking) {
        char err[512], name[64];
        int r;

        if (!j->active || !j->cg)
                return -ESRCH;
        r = job_cgroup_move_out(j->cg, pid, err, sizeof err);
        if (r < 0) {
                j->host->log(j->r, WP_LOG_WARNING, "GENJOB_BREAKAWAY_FAILED",
                             "process %d cannot leave the job (%s): %s", (int) pid, why, err);
                return r;
        }
        lift_process_limits(pid);
        if (!keep_tracking)
                job_port_untrack(&j->port, pid);
        if (j->sampled)
                job_pidmap_remove(j->sampled, pid);
        j->broken_away++;
        process_name(pid, name, sizeof name);
        j->host->log(j->r, WP_LOG_INFO, "GENJOB_BREAKAWAY",
                     "process %d (%s) left the job (%s): it is no longer counted, limited or killed with the job",
                     (int) pid, name, why);
        return 0;
}

static void answer(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void answer(int fd, const char *fmt, ...) {
        char msg[512];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        if (n > 0)
                (void) send(fd, msg, strnlen(msg, sizeof msg), MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void serve(Genjob *j, int fd) {
        struct ucred cred = {};
        socklen_t len = sizeof cred;
        int r;

        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.pid <= 0) {
                answer(fd, "error: cannot tell which process is asking");
                return;
        }
        if (!j->limits.breakaway_ok && !j->limits.silent_breakaway_ok) {
                answer(fd, "error: BreakawayOk is off for resource %s: process %d stays in the job",
                       j->host->name(j->r) ?: "?", (int) cred.pid);
                return;
        }
        r = job_cgroup_has_pid(j->cg, cred.pid);
        if (r <= 0) {
                answer(fd, "error: process %d is not in the job of resource %s", (int) cred.pid,
                       j->host->name(j->r) ?: "?");
                return;
        }
        r = job_breakaway_move(j, cred.pid, "BreakawayOk", false);
        if (r < 0)
                answer(fd, "error: process %d cannot leave the job: %s", (int) cred.pid, strerror(-r));
        else
                answer(fd, "ok");
}

static int on_accept(wp_source *s, int fd, uint32_t revents, void *userdata) {
        Genjob *j = userdata;

        for (;;) {
                int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                if (c < 0)
                        return 0;
                serve(j, c);
                close(c);
        }
}

int job_breakaway_start(Genjob *j) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        const char *name = name_of(j);
        size_t n = strlen(name);
        socklen_t len;
        int r;

        if (n + 1 > sizeof sa.sun_path)
                return -ENAMETOOLONG;
        memcpy(sa.sun_path + 1, name, n);
        j->breakaway_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (j->breakaway_fd < 0) {
                r = negative_errno();
                return j->host->error(j->r, r, "cannot create the job's breakaway socket: %s", strerror(-r));
        }
        len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + 1 + n);
        if (bind(j->breakaway_fd, (struct sockaddr *) &sa, len) < 0 || listen(j->breakaway_fd, 16) < 0) {
                r = negative_errno();
                job_breakaway_stop(j);
                return j->host->error(j->r, r, "cannot listen on the job's breakaway socket @%s: %s",
                                      j->breakaway_name, strerror(-r));
        }
        r = j->host->watch_fd(j->r, j->breakaway_fd, EPOLLIN, on_accept, j, &j->breakaway_watch);
        if (r < 0) {
                job_breakaway_stop(j);
                return j->host->error(j->r, r, "cannot watch the job's breakaway socket: %s", strerror(-r));
        }
        return 0;
}

void job_breakaway_stop(Genjob *j) {
        if (j->breakaway_watch) {
                j->host->release(j->breakaway_watch);
                j->breakaway_watch = NULL;
        }
        if (j->breakaway_fd >= 0) {
                close(j->breakaway_fd);
                j->breakaway_fd = -1;
        }
}
