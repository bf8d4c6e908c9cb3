/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parent's end of the connection to one wolfpack-resmon
 * (docs/resmon-protocol.md), used by wolfpackd and by the test driver:
 *
 *   - the link: start the monitor (fork + exec with the child end of a
 *     socketpair on fd 3, moved into a cgroup first when asked) or connect
 *     to its named socket; frame messages both ways; keep the fd that comes
 *     with the hello reply; watch the process through a pidfd so that its
 *     end is reported once, after every message it sent was delivered;
 *   - requests: ids 1, 2, 3 ... in the order sent (hello, heartbeats and
 *     lease renewals included), each reply matched to its callback;
 *   - liveness: hello, then a heartbeat every interval; the oldest one
 *     unanswered for DeadlockTimeout gets the monitor SIGKILLed;
 *   - the lease: granted, then renewed on a timer until told to stop;
 *   - the where page: mapped read-only, read when the monitor hangs or ends.
 *
 * Owns the socket, the pidfd, the received fd and the mapping. Never
 * interprets a resource's state, and never signals the monitor except for
 * DeadlockTimeout, a corrupt stream, a start that failed half way, or when
 * the caller asks.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "fd-limit.h"
#include "macro.h"
#include "proto.h"
#include "resmon-client.h"
#include "time-util.h"

#define CLIENT_MAX_FDS 8
/* Timers fire within a millisecond: the driver's t_ms and waited_ms are
 * read by tests. */
#define TIMER_ACCURACY_USEC 1000
#define WHERE_READ_TRIES 100

typedef enum PendingKind {
        PENDING_CALL,      /* the caller's; fn gets the reply */
        PENDING_HELLO,     /* liveness */
        PENDING_HEARTBEAT, /* liveness */
        PENDING_RENEW,     /* a lease renewal */
} PendingKind;

typedef struct Pending {
        uint64_t id;
        PendingKind kind;
        uint64_t sent_usec;
        resmon_reply_fn fn;
        void *userdata;
} Pending;

struct ResmonClient {
        sd_event *event;
        ResmonClientOps ops;
        void *userdata;
        uint64_t heartbeat_usec;
        uint64_t deadlock_usec;

        /* the link */
        int fd;
        sd_event_source *io;
        ProtoReader reader;
        uint8_t *out;
        size_t out_len, out_cap;
        int received_fd;

        pid_t pid;
        int pidfd;
        sd_event_source *pid_source;
        bool started; /* we are the monitor's parent */
        bool exited;
        bool disconnected;
        bool ended;
        bool freeing;

        /* the protocol */
        uint64_t next_id;
        Pending *pending; /* oldest first: ids only grow */
        size_t n_pending, cap_pending;
        const struct resmon_where *where;
        bool attached;
        bool deadlocked;

        sd_event_source *heartbeat_timer;
        sd_event_source *deadlock_timer;
        sd_event_source *lease_timer;
        uint64_t lease_duration_usec;
        uint64_t lease_renew_usec;
};

static int pidfd_open_(pid_t pid) {
        return (int) syscall(SYS_pidfd_open, pid, 0);
}

static int pidfd_send_signal_(int pidfd, int sig) {
        return (int) syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

static void close_fd(int *fd) {
        if (*fd >= 0) {
                close(*fd);
                *fd = -1;
        }
}

static bool loop_exiting(ResmonClient *c) {
        int code;
        return sd_event_get_exit_code(c->event, &code) >= 0;
}

static void problem(ResmonClient *c, const char *fmt, ...) _printf_(2, 3);
static void problem(ResmonClient *c, const char *fmt, ...) {
        char message[512];
        va_list ap;

        if (!c->ops.problem)
                return;
        va_start(ap, fmt);
        vsnprintf(message, sizeof message, fmt, ap);
        va_end(ap);
        c->ops.problem(c, message, c->userdata);
}

static int timer_arm(ResmonClient *c, sd_event_source **s, uint64_t after_usec,
                     sd_event_time_handler_t fn) {
        int r;

        if (!*s)
                return sd_event_add_time_relative(c->event, s, CLOCK_MONOTONIC, after_usec,
                                                  TIMER_ACCURACY_USEC, fn, c);
        r = sd_event_source_set_time_relative(*s, after_usec);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(*s, SD_EVENT_ONESHOT);
}

/* ---- the where page ---- */

static int where_map(int fd, const struct resmon_where **ret) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_size < (off_t) sizeof(struct resmon_where))
                return -EBADMSG;
        void *p = mmap(NULL, sizeof(struct resmon_where), PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
                return -errno;
        *ret = p;
        return 0;
}

static void copy_field(char *dst, const volatile char *src, size_t n) {
        size_t i;
        for (i = 0; i < n && src[i]; i++)
                dst[i] = src[i];
        dst[i] = '\0';
}

/* A seqlock whose writer may have died inside its critical section: retry
 * a few times for an even, unchanged sequence number, then take what is
 * there. */
static void where_read(const struct resmon_where *w, ResmonWhere *ret) {
        ResmonWhere s = {};

        if (!w || __atomic_load_n(&w->magic, __ATOMIC_ACQUIRE) != RESMON_WHERE_MAGIC) {
                *ret = s;
                return;
        }
        const volatile struct resmon_where *v = w;
        for (int i = 0; i < WHERE_READ_TRIES; i++) {
                uint32_t seq = __atomic_load_n(&w->seq, __ATOMIC_ACQUIRE);
                copy_field(s.resource, v->resource, sizeof v->resource);
                copy_field(s.entry_point, v->entry_point, sizeof v->entry_point);
                s.since_usec = v->since_usec;
                __atomic_thread_fence(__ATOMIC_ACQUIRE);
                if ((seq & 1) == 0 && __atomic_load_n(&w->seq, __ATOMIC_RELAXED) == seq)
                        break;
        }
        *ret = s;
}

void resmon_client_where(const ResmonClient *c, ResmonWhere *ret) {
        where_read(c->where, ret);
}

/* ---- outstanding requests ---- */

static int pending_add(ResmonClient *c, const Pending *p) {
        if (c->n_pending == c->cap_pending) {
                size_t cap = c->cap_pending ? c->cap_pending * 2 : 16;
                Pending *a = realloc(c->pending, cap * sizeof *a);
                if (!a)
                        return -ENOMEM;
                c->pending = a;
                c->cap_pending = cap;
        }
        c->pending[c->n_pending++] = *p;
        return 0;
}

static bool pending_take(ResmonClient *c, uint64_t id, Pending *ret) {
        for (size_t i = 0; i < c->n_pending; i++)
                if (c->pending[i].id == id) {
                        *ret = c->pending[i];
                        memmove(c->pending + i, c->pending + i + 1,
                                (c->n_pending - i - 1) * sizeof *c->pending);
                        c->n_pending--;
                        return true;
                }
        return false;
}

static const Pending *pending_oldest_liveness(const ResmonClient *c) {
        for (size_t i = 0; i < c->n_pending; i++)
                if (c->pending[i].kind == PENDING_HELLO || c->pending[i].kind == PENDING_HEARTBEAT)
                        return &c->pending[i];
        return NULL;
}

/* ---- the link ---- */

static void liveness_stop(ResmonClient *c);

static void link_maybe_end(ResmonClient *c) {
        if (c->ended || !c->disconnected)
                return;
        if (c->pidfd >= 0 && !c->exited)
                return;

        ResmonEnd end = { .pid = c->pid, .deadlocked = c->deadlocked };
        if (c->pidfd >= 0) {
                /* Our child (started, or adopted by a parent that is also
                 * its parent): reap it and tell how it ended. */
                siginfo_t si = {};
                if (waitid((idtype_t) P_PIDFD, (id_t) c->pidfd, &si, WEXITED | WNOHANG) >= 0 &&
                    si.si_pid != 0) {
                        end.have_status = true;
                        if (si.si_code == CLD_EXITED)
                                end.exit_code = si.si_status;
                        else
                                end.signal = si.si_status;
                }
        }
        liveness_stop(c);
        resmon_client_lease_stop(c);
        where_read(c->where, &end.where);
        c->ended = true;
        if (c->ops.ended)
                c->ops.ended(c, &end, c->userdata); /* may free c */
}

static void link_disconnect(ResmonClient *c) {
        if (c->disconnected)
                return;
        c->disconnected = true;
        c->io = sd_event_source_disable_unref(c->io);
        close_fd(&c->fd);
        c->out_len = 0;
}

static void link_keep_fds(ResmonClient *c, struct msghdr *mh) {
        for (struct cmsghdr *h = CMSG_FIRSTHDR(mh); h; h = CMSG_NXTHDR(mh, h)) {
                if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t n = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                int fds[CLIENT_MAX_FDS];
                if (n > ELEMENTSOF(fds))
                        n = ELEMENTSOF(fds);
                memcpy(fds, CMSG_DATA(h), n * sizeof(int));
                for (size_t i = 0; i < n; i++) {
                        if (c->received_fd < 0)
                                c->received_fd = fds[i];
                        else
                                close(fds[i]);
                }
        }
}

static void client_on_message(ResmonClient *c, json_t *msg);
static int on_deadlock(sd_event_source *s, uint64_t usec, void *userdata);

static int kill_for_good(ResmonClient *c) {
        return resmon_client_kill(c, SIGKILL);
}

static void link_broken(ResmonClient *c, const char *why) {
        link_disconnect(c);
        liveness_stop(c);
        /* A monitor that cannot speak the protocol is of no use: end it so
         * that its end can be reported. */
        int k = kill_for_good(c);
        if (c->ops.broken)
                c->ops.broken(c, why, k, c->userdata);
}

/* Hand every complete message on. 0, or -EBADMSG after the stream turned
 * out corrupt (reported and disconnected). */
static int link_deliver(ResmonClient *c) {
        for (;;) {
                if (loop_exiting(c))
                        return 0;
                json_t *msg = NULL;
                char err[256] = "";
                int r = proto_reader_next(&c->reader, &msg, err, sizeof err);
                if (r == 0)
                        return 0;
                if (r < 0) {
                        link_broken(c, err[0] ? err : strerror(-r));
                        return -EBADMSG;
                }
                client_on_message(c, msg);
                json_decref(msg);
                if (c->disconnected)
                        return -ECONNRESET;
        }
}

/* Read until the socket has nothing more. 0 when it may have more later;
 * -ECONNRESET when it ended (and was disconnected). */
static int link_read(ResmonClient *c) {
        while (!c->disconnected) {
                uint8_t buf[65536];
                union {
                        struct cmsghdr h;
                        char b[CMSG_SPACE(sizeof(int) * CLIENT_MAX_FDS)];
                } control;
                struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
                struct msghdr mh = {
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = &control,
                        .msg_controllen = sizeof control,
                };

                ssize_t n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return 0;
                        link_disconnect(c);
                        return -ECONNRESET;
                }
                link_keep_fds(c, &mh);
                if (n == 0) {
                        link_disconnect(c);
                        return -ECONNRESET;
                }
                if (proto_reader_feed(&c->reader, buf, (size_t) n) < 0) {
                        link_broken(c, "out of memory buffering the monitor's messages");
                        return -ECONNRESET;
                }
                if (link_deliver(c) < 0)
                        return -ECONNRESET;
                if (loop_exiting(c))
                        return 0;
        }
        return -ECONNRESET;
}

static int link_update_events(ResmonClient *c) {
        if (!c->io)
                return 0;
        return sd_event_source_set_io_events(c->io, EPOLLIN | (c->out_len > 0 ? EPOLLOUT : 0));
}

static int link_flush(ResmonClient *c) {
        size_t done = 0;
        while (done < c->out_len) {
                ssize_t n = send(c->fd, c->out + done, c->out_len - done, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                break;
                        /* The peer is gone; reading will see the end. */
                        int r = -errno;
                        c->out_len = 0;
                        (void) link_update_events(c);
                        return r;
                }
                done += (size_t) n;
        }
        memmove(c->out, c->out + done, c->out_len - done);
        c->out_len -= done;
        return link_update_events(c);
}

static int on_link_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        ResmonClient *c = userdata;

        if (revents & EPOLLOUT)
                (void) link_flush(c);
        if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                if (link_read(c) < 0)
                        link_maybe_end(c); /* may free c */
        }
        return 0;
}

static int on_pidfd(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        ResmonClient *c = userdata;

        c->exited = true;
        c->pid_source = sd_event_source_disable_unref(c->pid_source);
        /* Whatever the monitor wrote before it died is delivered first; a
         * socket some descendant still holds open is closed here. */
        if (!c->disconnected) {
                (void) link_read(c);
                if (loop_exiting(c))
                        return 0;
                link_disconnect(c);
        }
        link_maybe_end(c); /* may free c */
        return 0;
}

static int link_watch_pid(ResmonClient *c) {
        if (c->pidfd < 0)
                return 0;
        return sd_event_add_io(c->event, &c->pid_source, c->pidfd, EPOLLIN, on_pidfd, c);
}

static int link_send(ResmonClient *c, const json_t *msg) {
        if (c->disconnected)
                return -ENOTCONN;

        _cleanup_free_ uint8_t *frame = NULL;
        size_t len;
        int r = proto_encode(msg, &frame, &len);
        if (r < 0)
                return r;

        if (c->out_len + len > c->out_cap) {
                size_t cap = c->out_cap ? c->out_cap : 4096;
                while (cap < c->out_len + len)
                        cap *= 2;
                uint8_t *p = realloc(c->out, cap);
                if (!p)
                        return -ENOMEM;
                c->out = p;
                c->out_cap = cap;
        }
        memcpy(c->out + c->out_len, frame, len);
        c->out_len += len;
        return link_flush(c);
}

static void set_liveness(ResmonClient *c, uint64_t heartbeat_usec, uint64_t deadlock_usec) {
        c->deadlock_usec = deadlock_usec ? deadlock_usec : RESMON_DEFAULT_DEADLOCK_TIMEOUT_USEC;
        c->heartbeat_usec = heartbeat_usec ? heartbeat_usec : RESMON_DEFAULT_HEARTBEAT_INTERVAL_USEC;
        if (c->heartbeat_usec > c->deadlock_usec / 4)
                c->heartbeat_usec = c->deadlock_usec / 4;
        if (c->heartbeat_usec == 0)
                c->heartbeat_usec = 1;
}

static int client_new(sd_event *e, const ResmonClientConfig *cfg, int fd, ResmonClient **ret) {
        ResmonClient *c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->event = sd_event_ref(e);
        if (cfg->ops)
                c->ops = *cfg->ops;
        c->userdata = cfg->userdata;
        set_liveness(c, cfg->heartbeat_interval_usec, cfg->deadlock_timeout_usec);
        c->fd = fd;
        c->received_fd = -1;
        c->pidfd = -1;
        proto_reader_init(&c->reader);

        int r = sd_event_add_io(e, &c->io, fd, EPOLLIN, on_link_io, c);
        if (r >= 0) {
                r = sd_event_add_time(e, &c->deadlock_timer, CLOCK_MONOTONIC, 0, TIMER_ACCURACY_USEC,
                                      on_deadlock, c);
                if (r >= 0)
                        r = sd_event_source_set_enabled(c->deadlock_timer, SD_EVENT_OFF);
        }
        if (r < 0) {
                c->fd = -1; /* the caller still owns it */
                resmon_client_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

/* ---- liveness ---- */

static void liveness_update(ResmonClient *c) {
        const Pending *oldest = pending_oldest_liveness(c);

        if (!c->deadlock_timer)
                return;
        if (!oldest || c->deadlocked || c->ended) {
                (void) sd_event_source_set_enabled(c->deadlock_timer, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_set_time(c->deadlock_timer, oldest->sent_usec + c->deadlock_usec);
        (void) sd_event_source_set_enabled(c->deadlock_timer, SD_EVENT_ONESHOT);
}

static void liveness_stop(ResmonClient *c) {
        (void) sd_event_source_set_enabled(c->heartbeat_timer, SD_EVENT_OFF);
        (void) sd_event_source_set_enabled(c->deadlock_timer, SD_EVENT_OFF);
}

static int on_deadlock(sd_event_source *s, uint64_t usec, void *userdata) {
        ResmonClient *c = userdata;
        ResmonWhere where;

        /* Our own loop may have been busy while the answer waited in the
         * socket: what arrived counts. */
        if (!c->disconnected && link_read(c) < 0) {
                link_maybe_end(c); /* may free c */
                return 0;
        }
        const Pending *oldest = pending_oldest_liveness(c);
        if (!oldest || c->deadlocked || c->ended || loop_exiting(c))
                return 0;

        uint64_t now = now_monotonic_usec();
        if (now < oldest->sent_usec + c->deadlock_usec) {
                liveness_update(c);
                return 0;
        }
        uint64_t after = now > oldest->sent_usec ? now - oldest->sent_usec : 0;
        where_read(c->where, &where);
        c->deadlocked = true;
        liveness_stop(c);
        int k = kill_for_good(c);
        if (c->ops.deadlock)
                c->ops.deadlock(c, &where, after, k, c->userdata);
        return 0;
}

/* Send a request of the client's own or the caller's. */
static int client_send(ResmonClient *c, json_t *msg, PendingKind kind, resmon_reply_fn fn,
                       void *userdata, uint64_t *ret_id) {
        if (c->ended || c->freeing)
                return -ENOTCONN;

        uint64_t id = c->next_id + 1;
        if (json_object_set_new(msg, "id", json_integer((json_int_t) id)) < 0)
                return -ENOMEM;
        Pending p = {
                .id = id, .kind = kind, .sent_usec = now_monotonic_usec(),
                .fn = fn, .userdata = userdata,
        };
        int r = pending_add(c, &p);
        if (r < 0)
                return r;
        c->next_id = id;
        r = link_send(c, msg);
        if (r < 0 && r != -EPIPE && r != -ECONNRESET && r != -ENOTCONN) {
                Pending gone;
                (void) pending_take(c, id, &gone);
                return r;
        }
        /* A connection that just broke is reported as the monitor's end;
         * the request stays unanswered until then. */
        if (ret_id)
                *ret_id = id;
        return 0;
}

static int send_simple(ResmonClient *c, const char *type, PendingKind kind) {
        json_t *msg = json_pack("{s:s}", "type", type);
        if (!msg)
                return -ENOMEM;
        int r = client_send(c, msg, kind, NULL, NULL, NULL);
        json_decref(msg);
        return r;
}

static int on_heartbeat(sd_event_source *s, uint64_t usec, void *userdata) {
        ResmonClient *c = userdata;

        int r = send_simple(c, "heartbeat", PENDING_HEARTBEAT);
        if (r < 0)
                problem(c, "Cannot send a heartbeat: %s", strerror(-r));
        liveness_update(c);
        (void) timer_arm(c, &c->heartbeat_timer, c->heartbeat_usec, on_heartbeat);
        return 0;
}

void resmon_client_set_liveness(ResmonClient *c, uint64_t heartbeat_interval_usec,
                                uint64_t deadlock_timeout_usec) {
        uint64_t old_heartbeat = c->heartbeat_usec;

        set_liveness(c, heartbeat_interval_usec, deadlock_timeout_usec);
        liveness_update(c);
        if (c->attached && !c->deadlocked && !c->ended && c->heartbeat_usec != old_heartbeat)
                (void) timer_arm(c, &c->heartbeat_timer, c->heartbeat_usec, on_heartbeat);
}

/* ---- the lease ---- */

static int lease_send(ResmonClient *c, PendingKind kind, resmon_reply_fn fn, void *userdata) {
        json_t *msg = json_pack("{s:s, s:I}", "type", "lease", "duration_ms",
                                (json_int_t) (c->lease_duration_usec / 1000));
        if (!msg)
                return -ENOMEM;
        int r = client_send(c, msg, kind, fn, userdata, NULL);
        json_decref(msg);
        return r;
}

static int on_renew(sd_event_source *s, uint64_t usec, void *userdata) {
        ResmonClient *c = userdata;

        int r = lease_send(c, PENDING_RENEW, NULL, NULL);
        if (r < 0)
                problem(c, "Cannot renew the lease: %s", strerror(-r));
        (void) timer_arm(c, &c->lease_timer, c->lease_renew_usec, on_renew);
        return 0;
}

int resmon_client_lease_start(ResmonClient *c, uint64_t duration_usec, uint64_t renew_usec,
                              resmon_reply_fn fn, void *userdata) {
        bool renew = duration_usec > 0 && renew_usec > 0;
        int r;

        if (c->ended || c->freeing)
                return -ENOTCONN;
        /* The timer first: a grant that went out is never taken back. */
        if (renew) {
                r = timer_arm(c, &c->lease_timer, renew_usec, on_renew);
                if (r < 0) {
                        resmon_client_lease_stop(c);
                        return r;
                }
        } else
                resmon_client_lease_stop(c);

        uint64_t old_duration = c->lease_duration_usec, old_renew = c->lease_renew_usec;
        c->lease_duration_usec = duration_usec;
        c->lease_renew_usec = renew_usec;
        r = lease_send(c, PENDING_CALL, fn, userdata);
        if (r < 0) {
                c->lease_duration_usec = old_duration;
                c->lease_renew_usec = old_renew;
                if (renew)
                        resmon_client_lease_stop(c);
                return r;
        }
        return 0;
}

void resmon_client_lease_stop(ResmonClient *c) {
        (void) sd_event_source_set_enabled(c->lease_timer, SD_EVENT_OFF);
}

/* ---- messages ---- */

static int adopt_pid(ResmonClient *c, pid_t pid) {
        if (c->started || pid <= 0 || c->pidfd >= 0)
                return 0;
        c->pid = pid;
        int fd = pidfd_open_(pid);
        if (fd < 0)
                return -errno;
        c->pidfd = fd;
        int r = link_watch_pid(c);
        if (r < 0) {
                close_fd(&c->pidfd);
                return r;
        }
        return 0;
}

static void on_hello_reply(ResmonClient *c, json_t *msg) {
        liveness_update(c);
        if (json_integer_value(json_object_get(msg, "error")) != 0) {
                if (c->ops.hello)
                        c->ops.hello(c, msg, c->userdata);
                return;
        }

        json_int_t version = json_integer_value(json_object_get(msg, "version"));
        json_int_t pid = json_integer_value(json_object_get(msg, "pid"));
        if (version != PROTO_VERSION)
                problem(c, "The monitor chose protocol version %lld, not %d", (long long) version,
                        PROTO_VERSION);
        if (pid > 0 && !c->started) {
                int r = adopt_pid(c, (pid_t) pid);
                if (r < 0)
                        problem(c, "Cannot watch the monitor's pid %lld: %s", (long long) pid,
                                strerror(-r));
                c->pid = (pid_t) pid;
        }

        _cleanup_close_ int fd = TAKE_FD(c->received_fd);
        if (fd < 0)
                problem(c, "The hello reply carried no where page: a crash or hang cannot be "
                           "charged to a resource");
        else if (!c->where) {
                int r = where_map(fd, &c->where);
                if (r < 0)
                        problem(c, "Cannot map the monitor's where page: %s", strerror(-r));
        }

        c->attached = true;
        int r = timer_arm(c, &c->heartbeat_timer, c->heartbeat_usec, on_heartbeat);
        if (r < 0)
                problem(c, "Cannot start heartbeats: %s", strerror(-r));
        if (c->ops.hello)
                c->ops.hello(c, msg, c->userdata);
}

static void client_on_message(ResmonClient *c, json_t *msg) {
        const char *type = json_string_value(json_object_get(msg, "type"));
        json_int_t id = json_integer_value(json_object_get(msg, "id"));
        Pending p;

        if (!type || strcmp(type, "reply") != 0 || id <= 0 || !pending_take(c, (uint64_t) id, &p)) {
                if (c->ops.event)
                        c->ops.event(c, msg, c->userdata);
                return;
        }

        bool failed = json_integer_value(json_object_get(msg, "error")) != 0;
        switch (p.kind) {
        case PENDING_HELLO:
                on_hello_reply(c, msg);
                break;
        case PENDING_HEARTBEAT:
                liveness_update(c);
                if (failed && c->ops.refused)
                        c->ops.refused(c, "heartbeat", msg, c->userdata);
                break;
        case PENDING_RENEW:
                if (failed && c->ops.refused)
                        c->ops.refused(c, "lease", msg, c->userdata);
                break;
        case PENDING_CALL:
                if (p.fn)
                        p.fn(c, msg, p.userdata);
                break;
        }
}

int resmon_client_call(ResmonClient *c, json_t *msg, resmon_reply_fn fn, void *userdata,
                       uint64_t *ret_id) {
        return client_send(c, msg, PENDING_CALL, fn, userdata, ret_id);
}

/* ---- starting and connecting ---- */

static int set_cloexec(int fd, bool on) {
        int flags = fcntl(fd, F_GETFD);
        if (flags < 0)
                return -errno;
        flags = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
        return fcntl(fd, F_SETFD, flags) < 0 ? -errno : 0;
}

/* In the forked child: only async-signal-safe calls. Waits for the parent
 * to move it into its cgroup (gofd >= 0), then executes the monitor;
 * reports errno on errfd and never returns. */
_Noreturn static void child_exec(const char *path, char *const *argv, int sock, int errfd,
                                 int gofd) {
        sigset_t none;
        int r;

        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        (void) signal(SIGPIPE, SIG_DFL);
        /* A terminal's ^C reaches the parent only, which then stops the
         * monitor in order. */
        (void) setpgid(0, 0);

        if (gofd >= 0) {
                char go;
                ssize_t k;
                do
                        k = read(gofd, &go, 1);
                while (k < 0 && errno == EINTR);
                if (k != 1)
                        _exit(127); /* the parent gave up and says why */
        }

        if (errfd == 3) {
                errfd = fcntl(errfd, F_DUPFD_CLOEXEC, 4);
                if (errfd < 0)
                        _exit(127);
        }
        if (sock == 3)
                r = set_cloexec(sock, false);
        else
                r = dup2(sock, 3) < 0 ? -errno : 0;
        if (r < 0)
                goto fail;

        /* Standard input is not the monitor's; its standard output must not
         * mix with what the parent prints. */
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
                r = -errno;
                goto fail;
        }

        /* wolfpackd's raised descriptor limit is not for the monitor and
         * what it starts. */
        r = fd_limit_restore();
        if (r < 0)
                goto fail;

        execv(path, argv);
        r = -errno;
fail:;
        int e = -r;
        (void) !write(errfd, &e, sizeof e);
        _exit(127);
}

static void reap_killed(pid_t pid) {
        (void) kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
}

static int send_hello(ResmonClient *c, const char *daemon_id, char *err, size_t errlen) {
        json_t *msg = json_pack("{s:s, s:[i], s:s*}", "type", "hello", "versions", PROTO_VERSION, "daemon",
                                daemon_id);
        if (!msg)
                return -ENOMEM;
        int r = client_send(c, msg, PENDING_HELLO, NULL, NULL, NULL);
        json_decref(msg);
        if (r < 0) {
                snprintf(err, errlen, "Cannot send hello to the monitor: %s", strerror(-r));
                return r;
        }
        liveness_update(c);
        return 0;
}

int resmon_client_spawn(sd_event *e, const ResmonClientConfig *cfg, const ResmonSpawn *s,
                        ResmonClient **ret, char *err, size_t errlen) {
        const char *argv[20];
        size_t n = 0;
        int pair[2], errpipe[2], gopipe[2] = { -1, -1 };

        argv[n++] = s->monitor;
        argv[n++] = "--fd";
        argv[n++] = "3";
        argv[n++] = "--name";
        argv[n++] = s->name;
        if (s->plugin_dir) {
                argv[n++] = "--plugin-dir";
                argv[n++] = s->plugin_dir;
        }
        argv[n++] = "--runtime-dir";
        argv[n++] = s->runtime_dir;
        argv[n++] = "--state-dir";
        argv[n++] = s->state_dir;
        if (s->daemon_id) {
                argv[n++] = "--daemon-id";
                argv[n++] = s->daemon_id;
        }
        if (s->cgroup) {
                argv[n++] = "--cgroup";
                argv[n++] = s->cgroup;
        }
        if (s->reattach_timeout) {
                argv[n++] = "--reattach-timeout";
                argv[n++] = s->reattach_timeout;
        }
        argv[n] = NULL;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
                int r = -errno;
                snprintf(err, errlen, "Cannot create the monitor's socketpair: %s", strerror(-r));
                return r;
        }
        _cleanup_close_ int ours = pair[0], theirs = pair[1];

        if (pipe2(errpipe, O_CLOEXEC) < 0) {
                int r = -errno;
                snprintf(err, errlen, "Cannot create a pipe: %s", strerror(-r));
                return r;
        }
        _cleanup_close_ int err_read = errpipe[0], err_write = errpipe[1];

        if (s->process_cgroup && pipe2(gopipe, O_CLOEXEC) < 0) {
                int r = -errno;
                snprintf(err, errlen, "Cannot create a pipe: %s", strerror(-r));
                return r;
        }
        _cleanup_close_ int go_read = gopipe[0], go_write = gopipe[1];

        pid_t pid = fork();
        if (pid < 0) {
                int r = -errno;
                snprintf(err, errlen, "Cannot fork the monitor: %s", strerror(-r));
                return r;
        }
        if (pid == 0)
                child_exec(s->monitor, (char *const *) argv, theirs, err_write, go_read);

        close_fd(&theirs);
        close_fd(&err_write);
        close_fd(&go_read);

        if (s->process_cgroup) {
                int r = cg_attach(s->process_cgroup, pid);
                if (r < 0) {
                        reap_killed(pid);
                        snprintf(err, errlen, "Cannot move the monitor into cgroup %s: %s",
                                 s->process_cgroup, strerror(-r));
                        return r;
                }
                ssize_t k;
                do
                        k = write(go_write, "g", 1);
                while (k < 0 && errno == EINTR);
                if (k != 1) {
                        r = k < 0 ? -errno : -EIO;
                        reap_killed(pid);
                        snprintf(err, errlen, "Cannot start the monitor: %s", strerror(-r));
                        return r;
                }
                close_fd(&go_write);
        }

        int child_errno = 0;
        ssize_t k;
        do
                k = read(err_read, &child_errno, sizeof child_errno);
        while (k < 0 && errno == EINTR);
        if (k == (ssize_t) sizeof child_errno) {
                (void) waitpid(pid, NULL, 0);
                snprintf(err, errlen, "Cannot execute the monitor %s: %s", s->monitor,
                         strerror(child_errno));
                return -child_errno;
        }

        int pidfd = pidfd_open_(pid);
        if (pidfd < 0) {
                int r = -errno;
                reap_killed(pid);
                snprintf(err, errlen, "Cannot open a pidfd for the monitor (pid %d): %s", (int) pid,
                         strerror(-r));
                return r;
        }

        ResmonClient *c = NULL;
        int r = client_new(e, cfg, ours, &c);
        if (r < 0) {
                (void) pidfd_send_signal_(pidfd, SIGKILL);
                (void) waitid((idtype_t) P_PIDFD, (id_t) pidfd, &(siginfo_t) {}, WEXITED);
                close(pidfd);
                snprintf(err, errlen, "Cannot watch the monitor's socket: %s", strerror(-r));
                return r;
        }
        ours = -1;
        c->pid = pid;
        c->pidfd = pidfd;
        c->started = true;
        r = link_watch_pid(c);
        if (r >= 0)
                r = send_hello(c, cfg->daemon_id, err, errlen);
        else
                snprintf(err, errlen, "Cannot watch the monitor's process: %s", strerror(-r));
        if (r < 0) {
                (void) pidfd_send_signal_(pidfd, SIGKILL);
                (void) waitid((idtype_t) P_PIDFD, (id_t) pidfd, &(siginfo_t) {}, WEXITED);
                c->exited = true;
                c->ops = (ResmonClientOps) {};
                resmon_client_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

int resmon_client_connect(sd_event *e, const ResmonClientConfig *cfg, const char *path,
                          ResmonClient **ret, char *err, size_t errlen) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        if (strlen(path) >= sizeof sa.sun_path) {
                snprintf(err, errlen, "The socket path %s is longer than %zu bytes", path,
                         sizeof sa.sun_path - 1);
                return -ENAMETOOLONG;
        }
        strcpy(sa.sun_path, path);

        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                int r = -errno;
                snprintf(err, errlen, "Cannot create a socket: %s", strerror(-r));
                return r;
        }
        if (connect(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                int r = -errno;
                snprintf(err, errlen,
                         "Cannot connect to the monitor's socket %s: %s (is a monitor without "
                         "a parent waiting there?)",
                         path, strerror(-r));
                return r;
        }

        ResmonClient *c = NULL;
        int r = client_new(e, cfg, fd, &c);
        if (r < 0) {
                snprintf(err, errlen, "Cannot watch the monitor's socket: %s", strerror(-r));
                return r;
        }
        fd = -1;
        r = send_hello(c, cfg->daemon_id, err, errlen);
        if (r < 0) {
                c->ops = (ResmonClientOps) {};
                resmon_client_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

/* ---- the rest ---- */

int resmon_client_kill(ResmonClient *c, int sig) {
        if (c->exited)
                return -ESRCH;
        if (c->pidfd >= 0)
                return pidfd_send_signal_(c->pidfd, sig) < 0 ? -errno : 0;
        if (c->pid > 0)
                return kill(c->pid, sig) < 0 ? -errno : 0;
        return -ESRCH;
}

pid_t resmon_client_pid(const ResmonClient *c) {
        return c->pid;
}

bool resmon_client_started(const ResmonClient *c) {
        return c->started;
}

bool resmon_client_attached(const ResmonClient *c) {
        return c->attached;
}

static int poll_one(int fd, short events, uint64_t deadline_usec) {
        for (;;) {
                uint64_t now = now_monotonic_usec();
                if (now >= deadline_usec)
                        return -ETIMEDOUT;
                uint64_t left_ms = (deadline_usec - now + 999) / 1000;
                struct pollfd p = { .fd = fd, .events = events };
                int k = poll(&p, 1, left_ms > INT32_MAX ? INT32_MAX : (int) left_ms);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k > 0)
                        return p.revents;
        }
}

int resmon_client_flush(ResmonClient *c, uint64_t timeout_usec) {
        uint64_t deadline = now_monotonic_usec() + timeout_usec;

        if (c->disconnected)
                return -ENOTCONN;
        while (c->out_len > 0) {
                int k = poll_one(c->fd, POLLOUT, deadline);
                if (k < 0)
                        return k;
                if (k & (POLLERR | POLLHUP))
                        return -EPIPE;
                k = link_flush(c);
                if (k < 0)
                        return k;
        }
        return 0;
}

int resmon_client_wait_exit(ResmonClient *c, uint64_t timeout_usec) {
        if (c->exited)
                return 0;
        if (c->pidfd < 0)
                return -ESRCH;
        int k = poll_one(c->pidfd, POLLIN, now_monotonic_usec() + timeout_usec);
        if (k < 0)
                return k;
        /* Our child is reaped here; anyone else's is gone all the same. */
        (void) waitid((idtype_t) P_PIDFD, (id_t) c->pidfd, &(siginfo_t) {}, WEXITED | WNOHANG);
        c->exited = true;
        c->pid_source = sd_event_source_disable_unref(c->pid_source);
        return 0;
}

ResmonClient *resmon_client_free(ResmonClient *c) {
        if (!c)
                return NULL;

        /* Unanswered requests are told first, while the client still
         * refuses new ones. */
        c->freeing = true;
        while (c->n_pending > 0) {
                Pending p = c->pending[0];
                memmove(c->pending, c->pending + 1, (c->n_pending - 1) * sizeof *c->pending);
                c->n_pending--;
                if (p.kind == PENDING_CALL && p.fn)
                        p.fn(c, NULL, p.userdata);
        }

        sd_event_source_disable_unref(c->io);
        sd_event_source_disable_unref(c->pid_source);
        sd_event_source_disable_unref(c->heartbeat_timer);
        sd_event_source_disable_unref(c->deadlock_timer);
        sd_event_source_disable_unref(c->lease_timer);
        closep(&c->fd);
        closep(&c->pidfd);
        closep(&c->received_fd);
        if (c->where)
                (void) munmap((void *) c->where, sizeof *c->where);
        proto_reader_done(&c->reader);
        free(c->out);
        free(c->pending);
        sd_event_unref(c->event);
        free(c);
        return NULL;
}
