/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One readiness attempt of an application resource: a non-blocking TCP
 * connect to 127.0.0.1:ReadyPort, or one run of ReadyCheck in the
 * resource's cgroup with the application's identity. At most one attempt is
 * in flight per instance (GenappAttempt); its result always arrives from
 * the loop, bounded by a timeout, never from inside the call that started
 * it. Owns the attempt's socket, its sources and the check's pidfd; a
 * cancelled check is killed, never left running.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "genapp-internal.h"
#include "macro.h"

static void attempt_clear(Genapp *g) {
        GenappAttempt *a = &g->attempt;
        const wp_host *host = g->host;

        if (a->io)
                host->release(a->io);
        if (a->timer)
                host->release(a->timer);
        if (a->child)
                host->release(a->child);
        if (a->fd >= 0)
                close(a->fd);
        if (a->pidfd >= 0)
                close(a->pidfd);
        *a = (GenappAttempt) { .fd = -1, .pidfd = -1 };
}

bool genapp_attempt_busy(const Genapp *g) {
        return g->attempt.done != NULL;
}

void genapp_attempt_cancel(Genapp *g) {
        GenappAttempt *a = &g->attempt;

        if (a->pidfd >= 0)
                (void) syscall(SYS_pidfd_send_signal, a->pidfd, SIGKILL, NULL, 0);
        attempt_clear(g);
}

/* End the attempt and hand its result over; the attempt is free again
 * before done runs, so done may start the next one. */
static void attempt_finish(Genapp *g, bool ok, const char *why) {
        GenappAttemptDone done = g->attempt.done;
        char buf[sizeof g->attempt.result_why];

        snprintf(buf, sizeof buf, "%s", why ?: "");
        genapp_attempt_cancel(g);
        if (done)
                done(g, ok, buf);
}

static int on_deliver(wp_source *s, void *userdata) {
        Genapp *g = userdata;

        attempt_finish(g, g->attempt.result_ok, g->attempt.result_why);
        return 0;
}

/* A result known at once is delivered from a zero timer. */
static int deliver_later(Genapp *g, bool ok, const char *why) {
        GenappAttempt *a = &g->attempt;

        a->result_ok = ok;
        snprintf(a->result_why, sizeof a->result_why, "%s", why);
        if (a->timer) {
                g->host->release(a->timer);
                a->timer = NULL;
        }
        return g->host->add_timer(g->r, 0, on_deliver, g, &a->timer);
}

/* --- ReadyPort -------------------------------------------------------- */

static int on_port_timeout(wp_source *s, void *userdata) {
        Genapp *g = userdata;
        char why[128];

        snprintf(why, sizeof why, "127.0.0.1:%lld did not accept a connection within %llu s",
                 (long long) g->params.ready_port,
                 (unsigned long long) (GENAPP_CONNECT_TIMEOUT_USEC / WP_USEC_PER_SEC));
        attempt_finish(g, false, why);
        return 0;
}

static int on_port_io(wp_source *s, int fd, uint32_t revents, void *userdata) {
        Genapp *g = userdata;
        int err = 0;
        socklen_t len = sizeof err;
        char why[160];

        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                err = errno;
        if (err == 0 && (revents & (EPOLLERR | EPOLLHUP)))
                err = ECONNREFUSED;
        if (err == 0) {
                attempt_finish(g, true, NULL);
                return 0;
        }
        snprintf(why, sizeof why, "127.0.0.1:%lld: %s", (long long) g->params.ready_port, strerror(err));
        attempt_finish(g, false, why);
        return 0;
}

int genapp_attempt_port(Genapp *g, GenappAttemptDone done, char *err, size_t errlen) {
        GenappAttempt *a = &g->attempt;
        const wp_host *host = g->host;
        struct sockaddr_in sa = {
                .sin_family = AF_INET,
                .sin_port = htons((uint16_t) g->params.ready_port),
                .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
        };
        char why[160];
        int r;

        genapp_attempt_cancel(g);
        a->done = done;

        a->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (a->fd < 0) {
                r = negative_errno();
                snprintf(err, errlen, "ReadyPort: cannot create a socket: %s", strerror(-r));
                attempt_clear(g);
                return r;
        }
        if (connect(a->fd, (struct sockaddr *) &sa, sizeof sa) == 0)
                r = deliver_later(g, true, "");
        else if (errno == EINPROGRESS) {
                r = host->watch_fd(g->r, a->fd, EPOLLOUT, on_port_io, g, &a->io);
                if (r >= 0)
                        r = host->add_timer(g->r, GENAPP_CONNECT_TIMEOUT_USEC, on_port_timeout, g, &a->timer);
        } else {
                snprintf(why, sizeof why, "127.0.0.1:%lld: %s", (long long) g->params.ready_port,
                         strerror(errno));
                r = deliver_later(g, false, why);
        }
        if (r < 0) {
                snprintf(err, errlen, "ReadyPort: cannot wait for the connection: %s", strerror(-r));
                attempt_clear(g);
                return r;
        }
        return 0;
}

/* --- ReadyCheck ------------------------------------------------------- */

static int on_check_timeout(wp_source *s, void *userdata) {
        Genapp *g = userdata;
        char why[128];

        snprintf(why, sizeof why, "ReadyCheck did not finish within %llu s and was killed",
                 (unsigned long long) (GENAPP_CHECK_TIMEOUT_USEC / WP_USEC_PER_SEC));
        attempt_finish(g, false, why);
        return 0;
}

static void on_check_exit(wp_source *s, pid_t pid, const wp_exit *how, void *userdata) {
        Genapp *g = userdata;
        wp_source *older = g->spent_child;
        char desc[160], why[200];

        /* A child source is not released from inside its own exit callback:
         * keep it until the next check ends or the resource stops, and
         * release the one kept before, whose callback is long over. */
        g->spent_child = g->attempt.child;
        g->attempt.child = NULL;
        if (older)
                g->host->release(older);

        if (how->code == CLD_EXITED && how->status == 0) {
                attempt_finish(g, true, NULL);
                return;
        }
        genapp_describe_exit(0, how, desc, sizeof desc);
        snprintf(why, sizeof why, "ReadyCheck %s", desc);
        attempt_finish(g, false, why);
}

int genapp_attempt_check(Genapp *g, GenappAttemptDone done, char *err, size_t errlen) {
        GenappAttempt *a = &g->attempt;
        const wp_host *host = g->host;
        GenappChildContext ctx = { .g = g, .kind = GENAPP_CHILD_READY_CHECK };
        wp_spawn spec = {};
        int r;

        genapp_attempt_cancel(g);
        a->done = done;

        if (!g->launch.ready && (r = genapp_launch_prepare(g)) < 0) {
                snprintf(err, errlen, "ReadyCheck: cannot prepare the identity, environment or log of the check");
                attempt_clear(g);
                return r;
        }
        genapp_launch_spec(g, &spec);
        spec.argv = g->params.ready_check;
        spec.new_session = false;
        if (g->hooks && g->hooks->child_setup) {
                spec.child_setup = genapp_child_setup;
                spec.child_setup_userdata = &ctx;
        }
        r = host->spawn(g->r, &spec, on_check_exit, g, &a->pid, &a->pidfd, &a->child);
        if (r < 0) {
                snprintf(err, errlen, "ReadyCheck: cannot start \"%s\": %s", g->params.ready_check[0],
                         strerror(-r));
                attempt_clear(g);
                return r;
        }
        r = host->add_timer(g->r, GENAPP_CHECK_TIMEOUT_USEC, on_check_timeout, g, &a->timer);
        if (r < 0) {
                snprintf(err, errlen, "ReadyCheck: cannot arm its timeout: %s", strerror(-r));
                genapp_attempt_cancel(g);
                return r;
        }
        return 0;
}
