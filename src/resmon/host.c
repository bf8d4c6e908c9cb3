/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host callbacks a plug-in gets (wp_host): reports, the loop (fd
 * watches, timers, children), the resource's cgroup and the worker pool.
 * Every source a plug-in creates is owned by its resource and released with
 * it. The monitor reaps every child it spawns here, through pidfds: one
 * reaper for all resources, no thread per resource. Never calls an entry
 * point: what a plug-in reports goes through the event queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "macro.h"
#include "props.h"
#include "queue.h"
#include "resource.h"
#include "spawn.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

typedef enum SourceKind {
        SOURCE_IO,
        SOURCE_TIMER,
        SOURCE_CHILD,
        SOURCE_FAILURE,
        SOURCE_CGROUP,
} SourceKind;

struct Source {
        Resource *r;
        SourceKind kind;
        sd_event_source *s;
        int owned_fd;            /* pidfd or cgroup.events fd we opened; -1 */
        pid_t pid;
        bool auto_free;          /* the plug-in kept no handle */
        bool in_exit_callback, released;
        union {
                wp_io_fn io;
                wp_timer_fn timer;
                wp_exit_fn exit;
        } fn;
        void *userdata;
        Source **head;           /* the list it is on: its resource's, or the orphans' */
        Source *prev, *next;
};

/* Children whose resource let go of them before they were reaped: still
 * watched, so that they are reaped and never linger as zombies. */
static Source *orphans;

static void source_link(Source *s, Source **head) {
        s->head = head;
        s->prev = NULL;
        s->next = *head;
        if (*head)
                (*head)->prev = s;
        *head = s;
}

static void source_unlink(Source *s) {
        if (s->prev)
                s->prev->next = s->next;
        else
                *s->head = s->next;
        if (s->next)
                s->next->prev = s->prev;
        s->prev = s->next = NULL;
}

/* A child not reaped yet goes on being watched, without its callback. */
static bool orphan_child(Source *s) {
        if (s->kind != SOURCE_CHILD || !s->s || sd_event_source_get_enabled(s->s, NULL) <= 0)
                return false;
        source_unlink(s);
        s->fn.exit = NULL;
        s->auto_free = true;
        s->r = NULL;
        source_link(s, &orphans);
        return true;
}

static Source *source_new(Resource *r, SourceKind kind, void *userdata) {
        Source *s = calloc(1, sizeof(*s));
        if (!s)
                return NULL;
        s->r = r;
        s->kind = kind;
        s->owned_fd = -1;
        s->userdata = userdata;
        source_link(s, &r->sources);
        return s;
}

static void source_free(Source *s) {
        if (!s)
                return;
        source_unlink(s);
        sd_event_source_disable_unref(s->s);
        if (s->owned_fd >= 0)
                close(s->owned_fd);
        free(s);
}

static void host_release(wp_source *ws) {
        Source *s = (Source *) ws;
        if (s && s->in_exit_callback) {
                s->released = true;
                return;
        }
        if (s && orphan_child(s))
                return;
        source_free(s);
}

void resource_release_sources(Resource *r) {
        while (r->sources)
                if (!orphan_child(r->sources))
                        source_free(r->sources);
}

void host_release_orphans(void) {
        while (orphans)
                source_free(orphans);
}

static char *vformat(const char *fmt, va_list ap) {
        char *s = NULL;
        if (!fmt || vasprintf(&s, fmt, ap) < 0)
                return NULL;
        return s;
}

static void host_set_status(wp_resource *wr, wp_state state, const char *fmt, ...) {
        Resource *r = (Resource *) wr;
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *reason = vformat(fmt, ap);
        va_end(ap);
        if ((unsigned) state >= _WP_STATE_MAX)
                return;
        event_queue_push(r->m->queue, QUEUED_STATUS, r, worker_current_gen(r), state, NULL, reason);
}

static void host_alive_result(wp_resource *wr, bool alive, const char *fmt, ...) {
        Resource *r = (Resource *) wr;
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *reason = vformat(fmt, ap);
        va_end(ap);
        event_queue_push(r->m->queue, QUEUED_ALIVE, r, worker_current_gen(r), alive, NULL, reason);
}

static void host_log(wp_resource *wr, wp_level level, const char *code, const char *fmt, ...) {
        Resource *r = (Resource *) wr;
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *text = vformat(fmt, ap);
        va_end(ap);
        event_queue_push(r->m->queue, QUEUED_LOG, r, 0, level, code, text);
}

static int host_error(wp_resource *wr, int err, const char *fmt, ...) {
        Resource *r = (Resource *) wr;
        va_list ap;
        va_start(ap, fmt);
        char *msg = vformat(fmt, ap);
        va_end(ap);
        free(r->error);
        r->error = msg;
        return err;
}

static const char *host_id(wp_resource *wr) {
        return ((Resource *) wr)->id;
}

static const char *host_name(wp_resource *wr) {
        return ((Resource *) wr)->name;
}

static int mkdir_p(const char *path, mode_t mode) {
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++)
                if (*s == '/') {
                        *s = 0;
                        if (mkdir(p, mode) < 0 && errno != EEXIST)
                                return -errno;
                        *s = '/';
                }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static const char *host_state_dir(wp_resource *wr) {
        Resource *r = (Resource *) wr;
        (void) mkdir_p(r->state_dir, 0750);
        return r->state_dir;
}

static int on_io(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        Source *s = userdata;
        return s->fn.io((wp_source *) s, fd, revents, s->userdata);
}

static int host_watch_fd(wp_resource *wr, int fd, uint32_t events, wp_io_fn fn, void *userdata, wp_source **ret) {
        Resource *r = (Resource *) wr;
        Source *s = source_new(r, SOURCE_IO, userdata);
        if (!s)
                return -ENOMEM;
        s->fn.io = fn;
        int k = sd_event_add_io(r->m->event, &s->s, fd, events, on_io, s);
        if (k < 0) {
                source_free(s);
                return k;
        }
        if (ret)
                *ret = (wp_source *) s;
        return 0;
}

static int on_timer(sd_event_source *es, uint64_t usec, void *userdata) {
        Source *s = userdata;
        return s->fn.timer((wp_source *) s, s->userdata);
}

static int host_add_timer(wp_resource *wr, wp_usec_t after, wp_timer_fn fn, void *userdata, wp_source **ret) {
        Resource *r = (Resource *) wr;
        Source *s = source_new(r, SOURCE_TIMER, userdata);
        if (!s)
                return -ENOMEM;
        s->fn.timer = fn;
        /* A plug-in's own arithmetic may ask for more than a duration can
         * be: it waits the longest one instead of failing to wait (now +
         * after would overflow, and sd-event refuse it). */
        if (after > DURATION_MAX_USEC)
                after = DURATION_MAX_USEC;
        int k = sd_event_add_time_relative(r->m->event, &s->s, CLOCK_MONOTONIC, after, 1000, on_timer, s);
        if (k < 0) {
                source_free(s);
                return k;
        }
        if (ret)
                *ret = (wp_source *) s;
        return 0;
}

static int on_failure(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        Source *s = userdata;
        resource_failure_signalled(s->r);
        return 0;
}

static int host_watch_failure(wp_resource *wr, int fd, wp_source **ret) {
        Resource *r = (Resource *) wr;
        Source *s = source_new(r, SOURCE_FAILURE, NULL);
        if (!s)
                return -ENOMEM;
        int k = sd_event_add_io(r->m->event, &s->s, fd, EPOLLIN | EPOLLET, on_failure, s);
        if (k < 0) {
                source_free(s);
                return k;
        }
        if (ret)
                *ret = (wp_source *) s;
        return 0;
}

static int on_child(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        Source *s = userdata;
        siginfo_t si = {};
        if (waitid((idtype_t) P_PIDFD, (id_t) fd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
                return 0; /* not yet: a spurious wake-up */
        sd_event_source_set_enabled(s->s, SD_EVENT_OFF);
        wp_exit how = { .code = si.si_code, .status = si.si_status };
        /* The plug-in may release the source from its own callback: the
         * release then waits until the callback has returned. */
        s->in_exit_callback = true;
        if (s->fn.exit)
                s->fn.exit((wp_source *) s, s->pid, &how, s->userdata);
        s->in_exit_callback = false;
        if (s->auto_free || s->released)
                source_free(s);
        return 0;
}

static int host_spawn(wp_resource *wr, const wp_spawn *spec, wp_exit_fn on_exit, void *userdata, pid_t *ret_pid,
                      int *ret_pidfd, wp_source **ret) {
        Resource *r = (Resource *) wr;
        char err[512] = "";
        int k = cg_create(r->cgroup);
        if (k < 0)
                return host_error(wr, k, "cannot create cgroup %s: %s", r->cgroup, strerror(-k));
        _cleanup_close_ int dfd = cg_open_dir(r->cgroup);
        if (dfd < 0)
                return host_error(wr, dfd, "cannot open cgroup %s: %s", r->cgroup, strerror(-dfd));

        pid_t pid;
        _cleanup_close_ int pidfd = -1;
        k = spawn_process(spec, dfd, &pid, &pidfd, err, sizeof(err));
        if (k < 0)
                return host_error(wr, k, "%s", err[0] ? err : strerror(-k));

        _cleanup_close_ int dup_fd = -1;
        if (ret_pidfd) {
                dup_fd = fcntl(pidfd, F_DUPFD_CLOEXEC, 3);
                if (dup_fd < 0)
                        k = -errno;
        }
        Source *s = source_new(r, SOURCE_CHILD, userdata);
        if (!s)
                k = -ENOMEM;
        if (k >= 0) {
                s->fn.exit = on_exit;
                s->pid = pid;
                s->auto_free = !ret;
                s->owned_fd = TAKE_FD(pidfd);
                k = sd_event_add_io(r->m->event, &s->s, s->owned_fd, EPOLLIN, on_child, s);
                if (k >= 0)
                        sd_event_source_set_priority(s->s, -10);
        }
        if (k < 0) {
                /* The process runs but cannot be watched: do not leave it. */
                (void) cg_kill(r->cgroup);
                source_free(s);
                return host_error(wr, k, "cannot watch process %d: %s", (int) pid, strerror(-k));
        }
        if (ret_pid)
                *ret_pid = pid;
        if (ret_pidfd)
                *ret_pidfd = TAKE_FD(dup_fd);
        if (ret)
                *ret = (wp_source *) s;
        return 0;
}

static const char *host_cgroup_path(wp_resource *wr) {
        return ((Resource *) wr)->cgroup;
}

static int host_cgroup_signal(wp_resource *wr, int sig) {
        return cg_signal(((Resource *) wr)->cgroup, sig);
}

static int host_cgroup_kill(wp_resource *wr) {
        return cg_kill(((Resource *) wr)->cgroup);
}

static int host_cgroup_populated(wp_resource *wr) {
        return cg_populated(((Resource *) wr)->cgroup);
}

static int host_cgroup_remove(wp_resource *wr) {
        return cg_remove(((Resource *) wr)->cgroup);
}

static int host_cgroup_pids(wp_resource *wr, pid_t **ret, size_t *ret_n) {
        return cg_pids(((Resource *) wr)->cgroup, ret, ret_n);
}

static int on_cgroup(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        Source *s = userdata;
        /* kernfs keeps reporting EPOLLPRI until this very fd reads the
         * file again: read it, or the loop spins. */
        char buf[256];
        if (lseek(fd, 0, SEEK_SET) == 0)
                (void) !read(fd, buf, sizeof(buf));
        return s->fn.timer((wp_source *) s, s->userdata);
}

static int host_watch_cgroup(wp_resource *wr, wp_timer_fn fn, void *userdata, wp_source **ret) {
        Resource *r = (Resource *) wr;
        int k = cg_create(r->cgroup);
        if (k < 0)
                return host_error(wr, k, "cannot create cgroup %s: %s", r->cgroup, strerror(-k));
        int fd = cg_open_events(r->cgroup);
        if (fd < 0)
                return host_error(wr, fd, "cannot watch cgroup %s: %s", r->cgroup, strerror(-fd));
        Source *s = source_new(r, SOURCE_CGROUP, userdata);
        if (!s) {
                close(fd);
                return -ENOMEM;
        }
        s->owned_fd = fd;
        s->fn.timer = fn;
        k = sd_event_add_io(r->m->event, &s->s, fd, EPOLLPRI, on_cgroup, s);
        if (k < 0) {
                source_free(s);
                return k;
        }
        if (ret)
                *ret = (wp_source *) s;
        return 0;
}

static const char *host_type_name(wp_resource *wr) {
        return ((Resource *) wr)->type->name;
}

static int host_cgroup_create(wp_resource *wr) {
        Resource *r = (Resource *) wr;
        int k = cg_create(r->cgroup);
        return k < 0 ? host_error(wr, k, "cannot create cgroup %s: %s", r->cgroup, strerror(-k)) : 0;
}

static int host_queue_work(wp_resource *wr, wp_work_fn fn, wp_work_done_fn done, void *userdata) {
        Resource *r = (Resource *) wr;
        return worker_pool_queue(r->m->workers, r, fn, done, userdata);
}

void host_init(wp_host *h) {
        *h = (wp_host) {
                .api_min = 1,
                .api_max = WP_RESAPI_VERSION,
                .set_status = host_set_status,
                .alive_result = host_alive_result,
                .log = host_log,
                .error = host_error,
                .id = host_id,
                .name = host_name,
                .state_dir = host_state_dir,
                .watch_fd = host_watch_fd,
                .add_timer = host_add_timer,
                .release = host_release,
                .watch_failure = host_watch_failure,
                .spawn = host_spawn,
                .cgroup_path = host_cgroup_path,
                .cgroup_signal = host_cgroup_signal,
                .cgroup_kill = host_cgroup_kill,
                .cgroup_populated = host_cgroup_populated,
                .cgroup_remove = host_cgroup_remove,
                .cgroup_pids = host_cgroup_pids,
                .watch_cgroup = host_watch_cgroup,
                .queue_work = host_queue_work,
                .cgroup_create = host_cgroup_create,
                .type_name = host_type_name,
        };
}
