/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's process events for jobs: decoding datagrams (canned bytes),
 * then the real connector — forks and exits of tracked processes reported
 * to the client that tracks them, the socket's watch handed from a client
 * that leaves to one that stays, and the socket closed with the last. The
 * monitor's loop is played by a small table of watches (the host callbacks
 * the port uses); the kernel is the real one. Where the connector is not
 * available (not root, a network namespace of its own), joining must fail
 * with the reason, and the live tests are skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "genjob-port.h"

/* ---- decoding ----------------------------------------------------------------- */

typedef struct Datagram {
        struct nlmsghdr h;
        struct cn_msg cn;
        struct proc_event ev;
} __attribute__((packed)) Datagram;

static Datagram datagram(unsigned what) {
        Datagram d = {};

        d.h.nlmsg_len = sizeof d;
        d.h.nlmsg_type = NLMSG_DONE;
        d.cn.id.idx = CN_IDX_PROC;
        d.cn.id.val = CN_VAL_PROC;
        d.cn.len = sizeof d.ev;
        d.ev.what = what;
        return d;
}

static void test_decode(void **state) {
        JobPortEvent out[4];
        Datagram d;

        d = datagram(PROC_EVENT_FORK);
        d.ev.event_data.fork.parent_pid = 10;
        d.ev.event_data.fork.parent_tgid = 10;
        d.ev.event_data.fork.child_pid = 11;
        d.ev.event_data.fork.child_tgid = 11;
        assert_int_equal(job_port_decode(&d, sizeof d, out, 4), 1);
        assert_int_equal(out[0].what, JOB_PORT_FORK);
        assert_int_equal(out[0].parent, 10);
        assert_int_equal(out[0].pid, 11);

        /* A new thread of a thread: the parent process is its tgid. */
        d.ev.event_data.fork.parent_pid = 12;
        d.ev.event_data.fork.child_pid = 13;
        assert_int_equal(job_port_decode(&d, sizeof d, out, 4), 0);

        d = datagram(PROC_EVENT_EXIT);
        d.ev.event_data.exit.process_pid = 20;
        d.ev.event_data.exit.process_tgid = 20;
        d.ev.event_data.exit.exit_code = SIGSEGV | 0x80;
        assert_int_equal(job_port_decode(&d, sizeof d, out, 4), 1);
        assert_int_equal(out[0].what, JOB_PORT_EXIT);
        assert_int_equal(out[0].pid, 20);
        assert_int_equal(out[0].exit_code, SIGSEGV | 0x80);
        /* A thread's exit is not the process's. */
        d.ev.event_data.exit.process_pid = 21;
        assert_int_equal(job_port_decode(&d, sizeof d, out, 4), 0);

        /* Other events, other connectors, truncated datagrams. */
        d = datagram(PROC_EVENT_EXEC);
        assert_int_equal(job_port_decode(&d, sizeof d, out, 4), 0);
        d = datagram(PROC_EVENT_EXIT);
        d.cn.id.idx = CN_IDX_PROC + 1;
        assert_int_equal(job_port_decode(&d, sizeof d, out, 4), 0);
        d = datagram(PROC_EVENT_EXIT);
        d.cn.len = 8;
        assert_int_equal(job_port_decode(&d, sizeof d, out, 4), 0);
        d = datagram(PROC_EVENT_FORK);
        assert_int_equal(job_port_decode(&d, 20, out, 4), 0);
}

/* ---- the loop's part: watches of fds ----------------------------------------- */

typedef struct Watch {
        wp_resource *r;
        int fd;
        wp_io_fn fn;
        void *userdata;
        bool used;
} Watch;

static Watch watches[4];

static int fake_watch_fd(wp_resource *r, int fd, uint32_t events, wp_io_fn fn, void *userdata, wp_source **ret) {
        for (size_t i = 0; i < 4; i++)
                if (!watches[i].used) {
                        watches[i] = (Watch) { r, fd, fn, userdata, true };
                        *ret = (wp_source *) &watches[i];
                        return 0;
                }
        return -ENOMEM;
}

static void fake_release(wp_source *s) {
        ((Watch *) s)->used = false;
}

static const wp_host host = { .watch_fd = fake_watch_fd, .release = fake_release };

static size_t n_watches(void) {
        size_t n = 0;
        for (size_t i = 0; i < 4; i++)
                n += watches[i].used;
        return n;
}

static Watch *the_watch(void) {
        for (size_t i = 0; i < 4; i++)
                if (watches[i].used)
                        return &watches[i];
        return NULL;
}

typedef struct Seen {
        pid_t forked[8], exited[8];
        int codes[8];
        size_t n_forked, n_exited;
        bool lost;
} Seen;

static void on_fork(JobPortClient *c, pid_t parent, pid_t child) {
        Seen *s = c->userdata;
        if (s->n_forked < 8)
                s->forked[s->n_forked++] = child;
}

static void on_exit_(JobPortClient *c, pid_t pid, int code) {
        Seen *s = c->userdata;
        if (s->n_exited < 8) {
                s->codes[s->n_exited] = code;
                s->exited[s->n_exited++] = pid;
        }
}

static void on_lost(JobPortClient *c) {
        ((Seen *) c->userdata)->lost = true;
}

/* Run the loop until cond or 3 s. */
static void run_until(bool (*cond)(const Seen *), const Seen *s) {
        for (int i = 0; i < 300 && !cond(s); i++) {
                Watch *w = the_watch();
                struct pollfd p = { .fd = w->fd, .events = POLLIN };
                if (poll(&p, 1, 10) > 0)
                        w->fn((wp_source *) w, w->fd, POLLIN, w->userdata);
        }
}

static bool two_exits(const Seen *s) {
        return s->n_exited >= 2;
}

static void test_live(void **state) {
        Seen a = {}, b = {};
        JobPortClient ca = { .host = &host, .r = (wp_resource *) 1, .userdata = &a, .on_fork = on_fork,
                             .on_exit = on_exit_, .on_lost = on_lost };
        JobPortClient cb = ca;
        char err[256] = "";
        pid_t parent, child = 0;
        int pipefd[2], r;

        cb.r = (wp_resource *) 2;
        cb.userdata = &b;
        r = job_port_join(&ca, err, sizeof err);
        if (r < 0) {
                /* Not root, or a network namespace: said so. */
                assert_true(err[0] != '\0');
                skip();
        }
        assert_true(ca.joined);
        assert_int_equal(job_port_clients(), 1);
        assert_int_equal(n_watches(), 1);
        assert_int_equal(job_port_join(&cb, err, sizeof err), 0);
        assert_int_equal(job_port_clients(), 2);
        assert_int_equal(n_watches(), 1);

        /* parent (tracked by a) forks child, which exits 3; parent then
         * dies of SIGSEGV. b tracks nothing. */
        assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
        parent = fork();
        assert_true(parent >= 0);
        if (parent == 0) {
                char c;
                (void) !read(pipefd[0], &c, 1);
                pid_t k = fork();
                if (k == 0)
                        _exit(3);
                waitpid(k, NULL, 0);
                signal(SIGSEGV, SIG_DFL);
                raise(SIGSEGV);
                _exit(0);
        }
        assert_int_equal(job_port_track(&ca, parent), 0);
        assert_true(job_port_tracks(&ca, parent));
        assert_false(job_port_tracks(&cb, parent));
        assert_int_equal(write(pipefd[1], "x", 1), 1);
        close(pipefd[0]);
        close(pipefd[1]);
        run_until(two_exits, &a);
        waitpid(parent, NULL, 0);
        assert_int_equal(a.n_forked, 1);
        child = a.forked[0];
        assert_int_equal(a.n_exited, 2);
        assert_int_equal(a.exited[0], child);
        assert_int_equal(a.codes[0], 3 << 8);
        assert_int_equal(a.exited[1], parent);
        assert_int_equal(a.codes[1] & 0x7f, SIGSEGV);
        assert_int_equal(b.n_forked + b.n_exited, 0);
        assert_false(job_port_tracks(&ca, parent));

        /* a lent the watch; b keeps the port when a leaves. */
        assert_ptr_equal(the_watch()->r, ca.r);
        assert_int_equal(job_port_track(&ca, getpid()), 0);
        job_port_leave(&ca);
        assert_false(ca.joined);
        assert_false(job_port_tracks(&ca, getpid()));
        assert_int_equal(n_watches(), 1);
        assert_ptr_equal(the_watch()->r, cb.r);
        job_port_leave(&cb);
        assert_int_equal(job_port_clients(), 0);
        assert_int_equal(n_watches(), 0);
        assert_int_equal(job_port_track(&cb, getpid()), -ENOTCONN);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_decode),
                cmocka_unit_test(test_live),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
