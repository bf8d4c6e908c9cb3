/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The connection to one monitor: start it (fork + exec with the child end
 * of a socketpair on fd 3) or connect to its named socket, frame messages
 * both ways, keep the fd that comes with the hello reply, and report the
 * monitor's end — once the socket is closed and its process, when known,
 * is gone (reaped through the pidfd when we are its parent).
 *
 * Owns the socket, the pidfd and the received fd. Never interprets a
 * message and never kills the monitor on its own: signals are sent only
 * when the caller asks.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"
#include "monitor-link.h"
#include "proto.h"

#define LINK_MAX_FDS 8

struct MonitorLink {
        sd_event *event;
        MonitorLinkOps ops;
        void *userdata;

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

static bool loop_exiting(MonitorLink *l) {
        int code;
        return sd_event_get_exit_code(l->event, &code) >= 0;
}

static void link_maybe_end(MonitorLink *l) {
        if (l->ended || !l->disconnected)
                return;
        if (l->pidfd >= 0 && !l->exited)
                return;

        MonitorEnd end = { .pid = l->pid };
        if (l->started && l->pidfd >= 0) {
                siginfo_t si = {};
                if (waitid((idtype_t) P_PIDFD, (id_t) l->pidfd, &si, WEXITED | WNOHANG) >= 0 &&
                    si.si_pid != 0) {
                        end.have_status = true;
                        if (si.si_code == CLD_EXITED)
                                end.exit_code = si.si_status;
                        else
                                end.signal = si.si_status;
                }
        }
        l->ended = true;
        if (l->ops.ended)
                l->ops.ended(&end, l->userdata);
}

static void link_disconnect(MonitorLink *l) {
        if (l->disconnected)
                return;
        l->disconnected = true;
        l->io = sd_event_source_disable_unref(l->io);
        close_fd(&l->fd);
        l->out_len = 0;
}

static void link_keep_fds(MonitorLink *l, struct msghdr *mh) {
        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                int fds[LINK_MAX_FDS];
                if (n > ELEMENTSOF(fds))
                        n = ELEMENTSOF(fds);
                memcpy(fds, CMSG_DATA(c), n * sizeof(int));
                for (size_t i = 0; i < n; i++) {
                        if (l->received_fd < 0)
                                l->received_fd = fds[i];
                        else
                                close(fds[i]);
                }
        }
}

/* Hand every complete message to the caller. 0, or -EBADMSG after the
 * stream turned out corrupt (reported and disconnected). */
static int link_deliver(MonitorLink *l) {
        for (;;) {
                if (loop_exiting(l))
                        return 0;
                json_t *msg = NULL;
                char err[256] = "";
                int r = proto_reader_next(&l->reader, &msg, err, sizeof err);
                if (r == 0)
                        return 0;
                if (r < 0) {
                        link_disconnect(l);
                        if (l->ops.broken)
                                l->ops.broken(err[0] ? err : strerror(-r), l->userdata);
                        return -EBADMSG;
                }
                if (l->ops.message)
                        l->ops.message(msg, l->userdata);
                json_decref(msg);
        }
}

/* Read until the socket has nothing more. 0 when it may have more later;
 * -ECONNRESET when it ended (and was disconnected). */
static int link_read(MonitorLink *l) {
        while (!l->disconnected) {
                uint8_t buf[65536];
                union {
                        struct cmsghdr h;
                        char b[CMSG_SPACE(sizeof(int) * LINK_MAX_FDS)];
                } control;
                struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
                struct msghdr mh = {
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = &control,
                        .msg_controllen = sizeof control,
                };

                ssize_t n = recvmsg(l->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return 0;
                        link_disconnect(l);
                        return -ECONNRESET;
                }
                link_keep_fds(l, &mh);
                if (n == 0) {
                        link_disconnect(l);
                        return -ECONNRESET;
                }
                if (proto_reader_feed(&l->reader, buf, (size_t) n) < 0) {
                        link_disconnect(l);
                        if (l->ops.broken)
                                l->ops.broken("out of memory buffering the monitor's messages",
                                              l->userdata);
                        return -ECONNRESET;
                }
                if (link_deliver(l) < 0)
                        return -ECONNRESET;
                if (loop_exiting(l))
                        return 0;
        }
        return -ECONNRESET;
}

static int link_update_events(MonitorLink *l) {
        if (!l->io)
                return 0;
        return sd_event_source_set_io_events(l->io, EPOLLIN | (l->out_len > 0 ? EPOLLOUT : 0));
}

static int link_flush(MonitorLink *l) {
        size_t done = 0;
        while (done < l->out_len) {
                ssize_t n = send(l->fd, l->out + done, l->out_len - done, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                break;
                        /* The peer is gone; reading will see the end. */
                        int r = -errno;
                        l->out_len = 0;
                        (void) link_update_events(l);
                        return r;
                }
                done += (size_t) n;
        }
        memmove(l->out, l->out + done, l->out_len - done);
        l->out_len -= done;
        return link_update_events(l);
}

static int on_link_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        MonitorLink *l = userdata;

        if (revents & EPOLLOUT)
                (void) link_flush(l);
        if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                if (link_read(l) < 0)
                        link_maybe_end(l);
        }
        return 0;
}

static int on_pidfd(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        MonitorLink *l = userdata;

        l->exited = true;
        l->pid_source = sd_event_source_disable_unref(l->pid_source);
        /* Whatever the monitor wrote before it died is delivered first; a
         * socket some descendant still holds open is closed here. */
        if (!l->disconnected) {
                (void) link_read(l);
                if (loop_exiting(l))
                        return 0;
                link_disconnect(l);
        }
        link_maybe_end(l);
        return 0;
}

static int link_watch_pid(MonitorLink *l) {
        if (l->pidfd < 0)
                return 0;
        return sd_event_add_io(l->event, &l->pid_source, l->pidfd, EPOLLIN, on_pidfd, l);
}

static int link_new(sd_event *e, int fd, const MonitorLinkOps *ops, void *userdata,
                    MonitorLink **ret) {
        MonitorLink *l = calloc(1, sizeof *l);
        if (!l)
                return -ENOMEM;
        l->event = sd_event_ref(e);
        l->ops = *ops;
        l->userdata = userdata;
        l->fd = fd;
        l->received_fd = -1;
        l->pidfd = -1;
        proto_reader_init(&l->reader);

        int r = sd_event_add_io(e, &l->io, fd, EPOLLIN, on_link_io, l);
        if (r < 0) {
                l->fd = -1; /* the caller still owns it */
                monitor_link_free(l);
                return r;
        }
        *ret = l;
        return 0;
}

static int set_cloexec(int fd, bool on) {
        int flags = fcntl(fd, F_GETFD);
        if (flags < 0)
                return -errno;
        flags = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
        return fcntl(fd, F_SETFD, flags) < 0 ? -errno : 0;
}

/* In the forked child: only async-signal-safe calls. Reports errno on
 * errfd and never returns. */
_Noreturn static void child_exec(const char *path, char *const *argv, int sock, int errfd) {
        sigset_t none;
        int r;

        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        (void) signal(SIGPIPE, SIG_DFL);
        /* A terminal's ^C reaches the driver only, which then quits the
         * monitor in order. */
        (void) setpgid(0, 0);

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
         * mix with the driver's JSON lines. */
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
                r = -errno;
                goto fail;
        }

        execv(path, argv);
        r = -errno;
fail:;
        int e = -r;
        (void) !write(errfd, &e, sizeof e);
        _exit(127);
}

int monitor_link_spawn(sd_event *e, const MonitorSpawn *s, const MonitorLinkOps *ops,
                       void *userdata, MonitorLink **ret, char *err, size_t errlen) {
        const char *argv[20];
        size_t n = 0;
        int pair[2], errpipe[2];

        argv[n++] = s->monitor;
        argv[n++] = "--fd";
        argv[n++] = "3";
        argv[n++] = "--name";
        argv[n++] = s->name;
        argv[n++] = "--plugin-dir";
        argv[n++] = s->plugin_dir;
        argv[n++] = "--runtime-dir";
        argv[n++] = s->runtime_dir;
        argv[n++] = "--state-dir";
        argv[n++] = s->state_dir;
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

        pid_t pid = fork();
        if (pid < 0) {
                int r = -errno;
                snprintf(err, errlen, "Cannot fork the monitor: %s", strerror(-r));
                return r;
        }
        if (pid == 0)
                child_exec(s->monitor, (char *const *) argv, theirs, err_write);

        close_fd(&theirs);
        close_fd(&err_write);

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
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                snprintf(err, errlen, "Cannot open a pidfd for the monitor (pid %d): %s", (int) pid,
                         strerror(-r));
                return r;
        }

        MonitorLink *l = NULL;
        int r = link_new(e, ours, ops, userdata, &l);
        if (r < 0) {
                (void) pidfd_send_signal_(pidfd, SIGKILL);
                (void) waitid((idtype_t) P_PIDFD, (id_t) pidfd, &(siginfo_t) {}, WEXITED);
                close(pidfd);
                snprintf(err, errlen, "Cannot watch the monitor's socket: %s", strerror(-r));
                return r;
        }
        ours = -1;
        l->pid = pid;
        l->pidfd = pidfd;
        l->started = true;
        r = link_watch_pid(l);
        if (r < 0) {
                (void) pidfd_send_signal_(pidfd, SIGKILL);
                (void) waitid((idtype_t) P_PIDFD, (id_t) pidfd, &(siginfo_t) {}, WEXITED);
                monitor_link_free(l);
                snprintf(err, errlen, "Cannot watch the monitor's process: %s", strerror(-r));
                return r;
        }
        *ret = l;
        return 0;
}

int monitor_link_connect(sd_event *e, const char *path, const MonitorLinkOps *ops, void *userdata,
                         MonitorLink **ret, char *err, size_t errlen) {
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

        MonitorLink *l = NULL;
        int r = link_new(e, fd, ops, userdata, &l);
        if (r < 0) {
                snprintf(err, errlen, "Cannot watch the monitor's socket: %s", strerror(-r));
                return r;
        }
        fd = -1;
        *ret = l;
        return 0;
}

int monitor_link_send(MonitorLink *l, const json_t *msg) {
        if (l->disconnected)
                return -ENOTCONN;

        _cleanup_free_ uint8_t *frame = NULL;
        size_t len;
        int r = proto_encode(msg, &frame, &len);
        if (r < 0)
                return r;

        if (l->out_len + len > l->out_cap) {
                size_t cap = l->out_cap ? l->out_cap : 4096;
                while (cap < l->out_len + len)
                        cap *= 2;
                uint8_t *p = realloc(l->out, cap);
                if (!p)
                        return -ENOMEM;
                l->out = p;
                l->out_cap = cap;
        }
        memcpy(l->out + l->out_len, frame, len);
        l->out_len += len;
        return link_flush(l);
}

int monitor_link_adopt_pid(MonitorLink *l, pid_t pid) {
        if (l->started || pid <= 0)
                return 0;
        if (l->pidfd >= 0)
                return 0;
        l->pid = pid;
        int fd = pidfd_open_(pid);
        if (fd < 0)
                return -errno;
        l->pidfd = fd;
        int r = link_watch_pid(l);
        if (r < 0) {
                close_fd(&l->pidfd);
                return r;
        }
        return 0;
}

int monitor_link_signal(MonitorLink *l, int sig) {
        if (l->exited)
                return -ESRCH;
        if (l->pidfd >= 0)
                return pidfd_send_signal_(l->pidfd, sig) < 0 ? -errno : 0;
        if (l->pid > 0)
                return kill(l->pid, sig) < 0 ? -errno : 0;
        return -ESRCH;
}

int monitor_link_take_fd(MonitorLink *l) {
        return TAKE_FD(l->received_fd);
}

pid_t monitor_link_pid(const MonitorLink *l) {
        return l->pid;
}

bool monitor_link_started(const MonitorLink *l) {
        return l->started;
}

MonitorLink *monitor_link_free(MonitorLink *l) {
        if (!l)
                return NULL;
        sd_event_source_disable_unref(l->io);
        sd_event_source_disable_unref(l->pid_source);
        closep(&l->fd);
        closep(&l->pidfd);
        closep(&l->received_fd);
        proto_reader_done(&l->reader);
        free(l->out);
        sd_event_unref(l->event);
        free(l);
        return NULL;
}
