/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The monitor as a whole: the loop and its signals, the parent link and
 * what happens when the parent goes away (the re-attach socket and
 * ReattachTimeout), the lease guard, the log, and the "where" page.
 * Must never let a resource outlive both its parent and ReattachTimeout,
 * nor one outlive an expired lease.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cgroup.h"
#include "link.h"
#include "macro.h"
#include "props.h"
#include "queue.h"
#include "resource.h"
#include "strv.h"
#include "time-util.h"

static const char *const level_names[] = {
        [WP_LOG_ERROR] = "error", [WP_LOG_WARNING] = "warning", [WP_LOG_NOTICE] = "notice",
        [WP_LOG_INFO] = "info",   [WP_LOG_DEBUG] = "debug",
};

void manager_send(Manager *m, json_t *msg) {
        if (!msg)
                return;
        /* Nothing goes to a connection whose hello was not accepted: it
         * may be another daemon's. */
        if (m->link && link_said_hello(m->link)) {
                (void) link_send(m->link, msg, -1);
                return;
        }
        if (strcmp(json_string_value(json_object_get(msg, "type")), "log") == 0) {
                char *s = json_dumps(msg, JSON_COMPACT);
                if (s)
                        fprintf(stderr, "%s\n", s);
                free(s);
        }
        json_decref(msg);
}

void manager_log(Manager *m, Resource *r, wp_level level, const char *code, const char *fmt, ...) {
        char *text = NULL, when[40];
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&text, fmt, ap) < 0)
                text = NULL;
        va_end(ap);
        if (level < WP_LOG_ERROR || level > WP_LOG_DEBUG)
                level = WP_LOG_INFO;
        json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "log", "time", format_utc_now(when, sizeof(when)),
                               "level", level_names[level], "code", code, "text", text ? text : "");
        free(text);
        if (ev && r) {
                json_object_set_new(ev, "resource", json_string(r->id));
                json_object_set_new(ev, "name", json_string(r->name));
        }
        manager_send(m, ev);
}

/* ---- where ---- */

void manager_where_enter(Manager *m, const char *resource, const char *entry_point) {
        struct resmon_where *w = m->where;
        if (!w)
                return;
        __atomic_store_n(&w->seq, w->seq + 1, __ATOMIC_RELEASE);
        w->since_usec = now_monotonic_usec();
        snprintf(w->resource, sizeof(w->resource), "%s", resource);
        snprintf(w->entry_point, sizeof(w->entry_point), "%s", entry_point);
        __atomic_store_n(&w->seq, w->seq + 1, __ATOMIC_RELEASE);
}

void manager_where_leave(Manager *m) {
        struct resmon_where *w = m->where;
        if (!w)
                return;
        __atomic_store_n(&w->seq, w->seq + 1, __ATOMIC_RELEASE);
        w->resource[0] = 0;
        w->entry_point[0] = 0;
        __atomic_store_n(&w->seq, w->seq + 1, __ATOMIC_RELEASE);
}

static int where_init(Manager *m) {
        m->where_fd = memfd_create("resmon-where", MFD_CLOEXEC);
        if (m->where_fd < 0)
                return -errno;
        if (ftruncate(m->where_fd, sizeof(struct resmon_where)) < 0)
                return -errno;
        void *p = mmap(NULL, sizeof(struct resmon_where), PROT_READ | PROT_WRITE, MAP_SHARED, m->where_fd, 0);
        if (p == MAP_FAILED)
                return -errno;
        m->where = p;
        m->where->magic = RESMON_WHERE_MAGIC;
        return 0;
}

/* ---- terminating everything ---- */

static void terminate_all(Manager *m, bool failed, const char *why) {
        size_t it = 0;
        Resource *r;
        while ((r = hashmap_next(m->resources, &it, NULL)))
                resource_terminate(r, failed, why);
}

void manager_shutdown(Manager *m, const char *why) {
        if (m->exiting)
                return;
        m->exiting = true;
        manager_log(m, NULL, WP_LOG_NOTICE, "RESMON_EXIT", "terminating every resource and exiting: %s", why);
        terminate_all(m, false, why);
        sd_event_exit(m->event, 0);
}

/* ---- lease ---- */

static int on_lease_expired(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        m->lease = LEASE_EXPIRED;
        manager_log(m, NULL, WP_LOG_WARNING, "RESMON_LEASE_EXPIRED",
                    "the lease from the parent ran out; every resource is terminated at once");
        terminate_all(m, true, "the monitor's lease expired");
        return 0;
}

void manager_lease(Manager *m, wp_usec_t duration) {
        if (duration > 0) {
                int k = 0;
                if (m->lease_timer)
                        k = sd_event_source_set_time_relative(m->lease_timer, duration);
                else
                        k = sd_event_add_time_relative(m->event, &m->lease_timer, CLOCK_MONOTONIC, duration, 1000,
                                                       on_lease_expired, m);
                if (k >= 0 && sd_event_source_set_enabled(m->lease_timer, SD_EVENT_ONESHOT) >= 0) {
                        m->lease = LEASE_VALID;
                        return;
                }
                /* A lease that cannot be guarded is treated as expired. */
        }
        if (m->lease_timer)
                sd_event_source_set_enabled(m->lease_timer, SD_EVENT_OFF);
        if (m->lease != LEASE_EXPIRED)
                on_lease_expired(NULL, 0, m);
}

/* ---- parent lost, re-attach ---- */

static void stop_listening(Manager *m) {
        m->listen_source = sd_event_source_disable_unref(m->listen_source);
        m->reattach_timer = sd_event_source_disable_unref(m->reattach_timer);
        if (m->listen_fd >= 0) {
                close(m->listen_fd);
                m->listen_fd = -1;
                if (m->listen_path)
                        unlink(m->listen_path);
        }
}

int manager_attach(Manager *m, int fd) {
        /* An accepted connection is the parent only once its hello is
         * accepted; until then the monitor keeps listening. */
        m->link = link_free(m->link);
        m->link = link_new(m, fd);
        return m->link ? 0 : -ENOMEM;
}

void manager_parent_found(Manager *m) {
        if (m->listen_fd < 0)
                return; /* the parent that started it */
        stop_listening(m);
        manager_log(m, NULL, WP_LOG_NOTICE, "RESMON_REATTACHED", "a new parent (pid %d) attached",
                    (int) m->candidate_pid);
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (c < 0)
                return 0;
        struct ucred cred;
        socklen_t len = sizeof(cred);
        if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || (cred.uid != 0 && cred.uid != getuid())) {
                close(c);
                return 0;
        }
        m->candidate_pid = cred.pid;
        if (manager_attach(m, c) < 0)
                manager_shutdown(m, "cannot take the new parent's connection");
        return 0;
}

static int on_reattach_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        manager_shutdown(userdata, "no parent re-attached within ReattachTimeout");
        return 0;
}

void manager_parent_lost(Manager *m) {
        m->link = link_free(m->link);
        if (m->exiting) {
                sd_event_exit(m->event, 0);
                return;
        }
        if (m->listen_fd >= 0)
                return; /* a connection that never became the parent */
        _cleanup_free_ char *t = NULL;
        format_duration(m->reattach_timeout, &t);
        manager_log(m, NULL, WP_LOG_WARNING, "RESMON_PARENT_LOST",
                    "the parent went away; resources keep running for %s while the monitor waits on %s", t ? t : "?",
                    m->listen_path);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(m->listen_path) >= sizeof(sa.sun_path)) {
                manager_shutdown(m, "the re-attach socket path is too long");
                return;
        }
        strcpy(sa.sun_path, m->listen_path);
        (void) mkdir(m->runtime_dir, 0755);
        m->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        (void) unlink(m->listen_path);
        mode_t old = umask(0177); /* the socket is 0600: only root re-attaches */
        int k = m->listen_fd < 0 ? -1 : bind(m->listen_fd, (struct sockaddr *) &sa, sizeof(sa));
        umask(old);
        if (k < 0 || listen(m->listen_fd, 4) < 0 ||
            sd_event_add_io(m->event, &m->listen_source, m->listen_fd, EPOLLIN, on_accept, m) < 0 ||
            sd_event_add_time_relative(m->event, &m->reattach_timer, CLOCK_MONOTONIC, m->reattach_timeout, 1000,
                                       on_reattach_timeout, m) < 0) {
                manager_log(m, NULL, WP_LOG_ERROR, "RESMON_REATTACH_FAILED", "cannot listen on %s: %s", m->listen_path,
                            strerror(errno));
                manager_shutdown(m, "nobody can re-attach");
        }
}

/* ---- signals, life cycle ---- */

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        manager_shutdown(userdata, si->ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
        return 0;
}

int manager_new(Manager **ret) {
        _cleanup_(manager_freep) Manager *m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->listen_fd = -1;
        m->where_fd = -1;
        m->reattach_timeout = 10 * WP_USEC_PER_SEC;
        host_init(&m->host);
        int k = sd_event_new(&m->event);
        if (k < 0)
                return k;
        m->types = hashmap_new();
        m->resources = hashmap_new();
        if (!m->types || !m->resources)
                return -ENOMEM;
        if ((k = where_init(m)) < 0 || (k = event_queue_new(m, &m->queue)) < 0 ||
            (k = worker_pool_new(m, 4, &m->workers)) < 0)
                return k;
        sigset_t ss;
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigprocmask(SIG_BLOCK, &ss, NULL);
        signal(SIGPIPE, SIG_IGN);
        if ((k = sd_event_add_signal(m->event, NULL, SIGTERM, on_signal, m)) < 0 ||
            (k = sd_event_add_signal(m->event, NULL, SIGINT, on_signal, m)) < 0)
                return k;
        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        if (m->link)
                link_flush(m->link);
        terminate_all(m, false, "the monitor is exiting");
        /* Work in flight finishes before anything it points to goes. */
        m->workers = worker_pool_free(m->workers);
        size_t it = 0;
        Resource *r;
        while ((it = 0, r = hashmap_next(m->resources, &it, NULL))) {
                hashmap_remove(m->resources, r->id);
                resource_free(r);
        }
        if (m->link)
                link_flush(m->link);
        m->link = link_free(m->link);
        stop_listening(m);
        it = 0;
        PluginType *p;
        while ((p = hashmap_next(m->types, &it, NULL)))
                plugin_free(p);
        hashmap_free(m->types);
        hashmap_free(m->resources);
        m->queue = event_queue_free(m->queue);
        host_release_orphans();
        sd_event_source_disable_unref(m->lease_timer);
        sd_event_unref(m->event);
        if (m->where)
                munmap(m->where, sizeof(*m->where));
        if (m->where_fd >= 0)
                close(m->where_fd);
        /* Only the base itself, and only when empty: other monitors may
         * share it and be creating resource cgroups under it right now. */
        if (m->cgroup_base)
                (void) rmdir(m->cgroup_base);
        strv_free(m->plugin_dirs);
        free(m->name);
        free(m->runtime_dir);
        free(m->state_dir);
        free(m->daemon_id);
        free(m->cgroup_base);
        free(m->listen_path);
        free(m);
        return NULL;
}
