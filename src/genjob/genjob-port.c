/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's process events for every job of the monitor: one netlink
 * connector socket (the job object's completion port), the registry of
 * joined jobs under a lock, and the map of tracked processes. Owns the
 * socket, its watch (lent by one joined job's resource) and the map. Never
 * acts on a process: it tells the job that owns it.
 */
#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "genjob-pidmap.h"
#include "genjob-port.h"
#include "macro.h"

#define PORT_RCVBUF (8 * 1024 * 1024)

static pthread_mutex_t port_lock = PTHREAD_MUTEX_INITIALIZER;
static JobPortClient *clients;
static size_t n_clients;
static int port_fd = -1;
static wp_source *port_watch;
static JobPortClient *watch_owner;
static JobPidmap *tracked;   /* pid -> JobPortClient */

size_t job_port_decode(const void *buf, size_t len, JobPortEvent *out, size_t max) {
        size_t n = 0;

        for (const struct nlmsghdr *h = buf; n < max && NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
                const struct cn_msg *cn;
                struct proc_event ev = {};
                size_t have;

                if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_NOOP)
                        continue;
                if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct cn_msg)))
                        continue;
                cn = NLMSG_DATA(h);
                if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC)
                        continue;
                /* The event's own part must be there, as the header says
                 * and as the datagram holds. It sits 4 bytes past an
                 * 8-byte boundary: copied out, not read in place. */
                have = h->nlmsg_len - NLMSG_LENGTH(sizeof(struct cn_msg));
                if (cn->len < have)
                        have = cn->len;
                if (have < offsetof(struct proc_event, event_data))
                        continue;
                memcpy(&ev, cn->data, have < sizeof ev ? have : sizeof ev);
                have -= offsetof(struct proc_event, event_data);
                switch (ev.what) {
                case PROC_EVENT_FORK:
                        if (have < sizeof ev.event_data.fork)
                                continue;
                        if (ev.event_data.fork.child_pid != ev.event_data.fork.child_tgid)
                                continue; /* a new thread */
                        out[n++] = (JobPortEvent) {
                                .what = JOB_PORT_FORK,
                                .parent = ev.event_data.fork.parent_tgid,
                                .pid = ev.event_data.fork.child_tgid,
                        };
                        break;
                case PROC_EVENT_EXIT:
                        if (have < sizeof ev.event_data.exit)
                                continue;
                        if (ev.event_data.exit.process_pid != ev.event_data.exit.process_tgid)
                                continue; /* a thread */
                        out[n++] = (JobPortEvent) {
                                .what = JOB_PORT_EXIT,
                                .pid = ev.event_data.exit.process_tgid,
                                .exit_code = (int) ev.event_data.exit.exit_code,
                        };
                        break;
                default:
                        break;
                }
        }
        return n;
}

static void dispatch(const JobPortEvent *e) {
        JobPortClient *c;

        switch (e->what) {
        case JOB_PORT_FORK:
                c = job_pidmap_get(tracked, e->parent);
                if (!c)
                        return;
                if (job_pidmap_put(tracked, e->pid, c) < 0) {
                        if (c->on_lost)
                                c->on_lost(c);
                        return;
                }
                if (c->on_fork)
                        c->on_fork(c, e->parent, e->pid);
                return;
        case JOB_PORT_EXIT:
                c = job_pidmap_remove(tracked, e->pid);
                if (c && c->on_exit)
                        c->on_exit(c, e->pid, e->exit_code);
                return;
        }
}

static void lost(void) {
        for (JobPortClient *c = clients; c; c = c->next)
                if (c->on_lost)
                        c->on_lost(c);
}

void job_port_pump(void) {
        union {
                struct nlmsghdr h;
                char buf[8192];
        } u;

        if (port_fd < 0)
                return;
        for (;;) {
                JobPortEvent ev[64];
                ssize_t k = recv(port_fd, u.buf, sizeof u.buf, MSG_DONTWAIT);
                size_t n;

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == ENOBUFS) {
                                lost();
                                continue;
                        }
                        return;
                }
                if (k == 0)
                        return;
                n = job_port_decode(u.buf, (size_t) k, ev, ELEMENTSOF(ev));
                for (size_t i = 0; i < n && port_fd >= 0; i++)
                        dispatch(&ev[i]);
        }
}

static int on_port(wp_source *s, int fd, uint32_t revents, void *userdata) {
        job_port_pump();
        return 0;
}

static int send_op(int fd, enum proc_cn_mcast_op op) {
        struct {
                struct nlmsghdr h;
                struct cn_msg cn;
                enum proc_cn_mcast_op op;
        } __attribute__((packed)) msg = {
                .h = { .nlmsg_len = sizeof msg, .nlmsg_type = NLMSG_DONE, .nlmsg_pid = 0 },
                .cn = { .id = { .idx = CN_IDX_PROC, .val = CN_VAL_PROC }, .len = sizeof(enum proc_cn_mcast_op) },
                .op = op,
        };

        if (send(fd, &msg, sizeof msg, MSG_NOSIGNAL) < 0)
                return negative_errno();
        return 0;
}

static int port_open(char *err, size_t errlen) {
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC };
        int size = PORT_RCVBUF, r;
        _cleanup_close_ int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);

        if (fd < 0) {
                r = negative_errno();
                snprintf(err, errlen, "cannot open the process events connector: %s", strerror(-r));
                return r;
        }
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
                (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                r = negative_errno();
                snprintf(err, errlen, "cannot join the process events connector: %s", strerror(-r));
                return r;
        }
        r = send_op(fd, PROC_CN_MCAST_LISTEN);
        if (r < 0) {
                if (r == -ECONNREFUSED)
                        snprintf(err, errlen,
                                 "the kernel's process events connector refuses this monitor (it serves only "
                                 "the initial network namespace)");
                else
                        snprintf(err, errlen, "cannot subscribe to the kernel's process events: %s", strerror(-r));
                return r;
        }
        return TAKE_FD(fd);
}

/* The socket's watch belongs to a joined job's resource. */
static int watch_with(JobPortClient *c) {
        int r = c->host->watch_fd(c->r, port_fd, EPOLLIN, on_port, NULL, &port_watch);

        if (r < 0) {
                port_watch = NULL;
                watch_owner = NULL;
                return r;
        }
        watch_owner = c;
        return 0;
}

int job_port_join(JobPortClient *c, char *err, size_t errlen) {
        int r = 0;

        if (c->joined)
                return 0;
        pthread_mutex_lock(&port_lock);
        if (!tracked && !(tracked = job_pidmap_new())) {
                r = -ENOMEM;
                goto out;
        }
        if (port_fd < 0) {
                int fd = port_open(err, errlen);
                if (fd < 0) {
                        r = fd;
                        goto out;
                }
                port_fd = fd;
        }
        if (!port_watch && (r = watch_with(c)) < 0) {
                snprintf(err, errlen, "cannot watch the process events connector: %s", strerror(-r));
                if (n_clients == 0) {
                        close(port_fd);
                        port_fd = -1;
                }
                goto out;
        }
        c->prev = NULL;
        c->next = clients;
        if (clients)
                clients->prev = c;
        clients = c;
        n_clients++;
        c->joined = true;
out:
        pthread_mutex_unlock(&port_lock);
        return r;
}

void job_port_leave(JobPortClient *c) {
        size_t i = 0;
        void *v;
        pid_t pid;

        if (!c->joined)
                return;
        /* What the kernel said before the job left is still the job's. */
        job_port_pump();
        pthread_mutex_lock(&port_lock);
        while ((pid = job_pidmap_next(tracked, &i, &v)))
                if (v == c)
                        job_pidmap_remove(tracked, pid);
        if (c->prev)
                c->prev->next = c->next;
        else
                clients = c->next;
        if (c->next)
                c->next->prev = c->prev;
        c->prev = c->next = NULL;
        c->joined = false;
        n_clients--;
        if (watch_owner == c) {
                c->host->release(port_watch);
                port_watch = NULL;
                watch_owner = NULL;
                if (clients)
                        (void) watch_with(clients);
        }
        if (n_clients == 0) {
                if (port_watch)
                        watch_owner->host->release(port_watch);
                port_watch = NULL;
                watch_owner = NULL;
                (void) send_op(port_fd, PROC_CN_MCAST_IGNORE);
                close(port_fd);
                port_fd = -1;
                tracked = job_pidmap_free(tracked);
        }
        pthread_mutex_unlock(&port_lock);
}

int job_port_track(JobPortClient *c, pid_t pid) {
        if (!c->joined || !tracked)
                return -ENOTCONN;
        return job_pidmap_put(tracked, pid, c);
}

void job_port_untrack(JobPortClient *c, pid_t pid) {
        if (c->joined && tracked && job_pidmap_get(tracked, pid) == c)
                job_pidmap_remove(tracked, pid);
}

bool job_port_tracks(const JobPortClient *c, pid_t pid) {
        return c->joined && tracked && job_pidmap_get(tracked, pid) == c;
}

size_t job_port_clients(void) {
        size_t n;

        pthread_mutex_lock(&port_lock);
        n = n_clients;
        pthread_mutex_unlock(&port_lock);
        return n;
}
