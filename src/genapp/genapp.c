/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The life of an application resource: the state machine behind the entry
 * points of every type built on the application core. Owns the instance,
 * its main and watched processes (pids, pidfds, exit notifications), the
 * cgroup watch and the stop timer. Every process it starts goes through
 * host->spawn into the resource's own cgroup, and every stop ends with that
 * cgroup empty and removed: nothing the resource started outlives it. Never
 * blocks the loop except in terminate (bounded, ~1 s), and never calls
 * set_status for an operation that terminate already ended.
 *
 * state × event → action (anything not listed is ignored):
 *
 *   STOPPED   online          spawn; no readiness stage → RUNNING (0),
 *                             else STARTING (-EINPROGRESS)
 *   STOPPED   probe           cgroup holds the main process → RUNNING (1)
 *   STOPPED   offline         kill leftovers like RUNNING, or 0 at once
 *   STARTING  ready           → RUNNING, set_status(Online)
 *   STARTING  main exit       PidFile and exit 0: keep waiting; else → FAILED
 *   STARTING  cgroup empty    → FAILED
 *   RUNNING   main exit       it is the watched process → FAILED
 *   RUNNING   cgroup empty    → FAILED
 *   RUNNING   offline         StopSignal + SIGCONT to the cgroup, arm
 *                             StopTimeout → STOPPING (-EINPROGRESS)
 *   STOPPING  stop timeout    cgroup.kill
 *   STOPPING  cgroup empty    remove cgroup → STOPPED, set_status(Offline)
 *   FAILED    (the monitor calls terminate)
 *   any       terminate       cancel everything, cgroup.kill, wait ≤ 1 s,
 *                             remove cgroup → STOPPED
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "genapp-internal.h"
#include "macro.h"
#include "shell-split.h"
#include "strv.h"

static const char *const state_names[_GENAPP_STATE_MAX] = {
        [GENAPP_STOPPED] = "stopped",
        [GENAPP_STARTING] = "starting",
        [GENAPP_RUNNING] = "running",
        [GENAPP_STOPPING] = "stopping",
        [GENAPP_FAILED] = "failed",
};

const char *genapp_state_name(GenappState s) {
        return s < _GENAPP_STATE_MAX ? state_names[s] : "?";
}

static wp_usec_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (wp_usec_t) ts.tv_sec * WP_USEC_PER_SEC + (wp_usec_t) ts.tv_nsec / 1000;
}

static void release(Genapp *g, wp_source **s) {
        if (*s) {
                g->host->release(*s);
                *s = NULL;
        }
}

/* --- processes ---------------------------------------------------------- */

int genapp_pidfd_open(pid_t pid) {
        int fd = (int) syscall(SYS_pidfd_open, pid, 0);
        return fd < 0 ? negative_errno() : fd;
}

bool genapp_pidfd_exited(int pidfd) {
        struct pollfd p = { .fd = pidfd, .events = POLLIN };

        return poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR));
}

int genapp_pid_in_cgroup(Genapp *g, pid_t pid) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r = g->host->cgroup_pids(g->r, &pids, &n);

        if (r < 0)
                return r == -ENOENT ? 0 : r;
        for (size_t i = 0; i < n; i++)
                if (pids[i] == pid)
                        return 1;
        return 0;
}

void genapp_main_exit_reason(Genapp *g, char *buf, size_t len) {
        if (g->main_exited) {
                genapp_describe_exit(g->main_pid, &g->main_exit, buf, len);
                return;
        }
        /* The monitor reaps it; peek at how it ended without reaping. */
        if (g->main_pidfd >= 0) {
                siginfo_t si = {};
                if (waitid(P_PIDFD, (id_t) g->main_pidfd, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                    si.si_pid != 0) {
                        wp_exit how = { .code = si.si_code, .status = si.si_status };
                        genapp_describe_exit(g->main_pid, &how, buf, len);
                        return;
                }
        }
        snprintf(buf, len, "process %d exited", (int) g->main_pid);
}

/* Why the watched process is gone. */
static void watched_exit_reason(Genapp *g, char *buf, size_t len) {
        if (g->watched_pid == g->main_pid && g->main_pid > 0)
                genapp_main_exit_reason(g, buf, len);
        else if (g->params.pid_file)
                snprintf(buf, len, "process %d (from PidFile %s) exited", (int) g->watched_pid,
                         g->params.pid_file);
        else
                snprintf(buf, len, "process %d exited", (int) g->watched_pid);
}

static void drop_watched(Genapp *g) {
        release(g, &g->watched_failure);
        if (g->watched_pidfd >= 0)
                close(g->watched_pidfd);
        g->watched_pidfd = -1;
        g->watched_pid = 0;
}

static void drop_main(Genapp *g) {
        release(g, &g->main_child);
        if (g->main_pidfd >= 0)
                close(g->main_pidfd);
        g->main_pidfd = -1;
        g->main_pid = 0;
        g->main_exited = false;
        g->main_exit = (wp_exit) {};
}

int genapp_watch_pid(Genapp *g, pid_t pid, int pidfd) {
        int r;

        drop_watched(g);
        g->watched_pid = pid;
        g->watched_pidfd = pidfd;
        r = g->host->watch_failure(g->r, pidfd, &g->watched_failure);
        if (r < 0) {
                drop_watched(g);
                return r;
        }
        return 0;
}

/* Every source and process handle of the instance, and any readiness or
 * aliveness work in flight. */
static void drop_everything(Genapp *g) {
        genapp_ready_cancel(g);
        release(g, &g->spent_child);
        release(g, &g->stop_timer);
        release(g, &g->cgroup_watch);
        drop_watched(g);
        drop_main(g);
        genapp_launch_done(&g->launch);
}

/* --- reporting -------------------------------------------------------- */

void genapp_fail(Genapp *g, const char *reason_fmt, ...) {
        va_list ap;

        if (g->state != GENAPP_STARTING && g->state != GENAPP_RUNNING)
                return;
        va_start(ap, reason_fmt);
        vsnprintf(g->reason, sizeof g->reason, reason_fmt, ap);
        va_end(ap);

        /* Stop what would report again; processes and watches stay for
         * terminate, which the monitor calls next. */
        genapp_ready_cancel(g);
        release(g, &g->stop_timer);
        g->state = GENAPP_FAILED;
        g->host->set_status(g->r, WP_STATE_FAILED, "%s", g->reason);
}

void genapp_became_ready(Genapp *g) {
        if (g->state != GENAPP_STARTING)
                return;
        genapp_ready_cancel(g);
        g->state = GENAPP_RUNNING;
        g->host->log(g->r, WP_LOG_INFO, "GENAPP_READY", "process %d is ready after %llu ms",
                     (int) g->watched_pid,
                     (unsigned long long) ((now_usec() - g->started_usec) / WP_USEC_PER_MSEC));
        g->host->set_status(g->r, WP_STATE_ONLINE, NULL);
}

/* --- stopping --------------------------------------------------------- */

/* The cgroup is empty: remove it and forget every process. */
static void stopped(Genapp *g) {
        int r;

        drop_everything(g);
        if (g->hooks && g->hooks->after_stop)
                g->hooks->after_stop(g);
        r = g->host->cgroup_remove(g->r);
        if (r < 0)
                g->host->log(g->r, WP_LOG_WARNING, "GENAPP_CGROUP_REMOVE", "cannot remove the cgroup %s: %s",
                             g->host->cgroup_path(g->r) ?: "?", strerror(-r));
        g->state = GENAPP_STOPPED;
}

/* cgroup.kill, then wait for the cgroup to empty with short sleeps, at
 * most `limit`. 1 when empty. */
static int kill_and_wait(Genapp *g, wp_usec_t limit) {
        wp_usec_t until;
        int p;

        p = g->host->cgroup_populated(g->r);
        if (p == 0)
                return 1;
        (void) g->host->cgroup_kill(g->r);
        until = now_usec() + limit;
        for (;;) {
                p = g->host->cgroup_populated(g->r);
                if (p <= 0)
                        return p == 0;
                if (now_usec() >= until)
                        return 0;
                usleep(5000);
        }
}

/* An offline that ended before it returned (the processes died as they
 * were signalled): logged as the one that ends later is, so that every
 * stop of a running resource says so in the log. */
static void stopped_now(Genapp *g) {
        stopped(g);
        g->host->log(g->r, WP_LOG_INFO, "GENAPP_STOPPED", "every process of the resource has exited");
}

static void on_cgroup_change(Genapp *g);

static int on_cgroup(wp_source *s, void *userdata) {
        on_cgroup_change(userdata);
        return 0;
}

static int ensure_cgroup_watch(Genapp *g) {
        if (g->cgroup_watch)
                return 0;
        return g->host->watch_cgroup(g->r, on_cgroup, g, &g->cgroup_watch);
}

static void on_cgroup_change(Genapp *g) {
        char why[256];

        if (g->host->cgroup_populated(g->r) != 0)
                return;

        switch (g->state) {
        case GENAPP_STARTING:
        case GENAPP_RUNNING:
                /* The cgroup empties before the exit of its last process is
                 * notified: when that is the main process, its exit
                 * notification follows and says how it ended. */
                if (g->main_child && !g->main_exited && (g->watched_pid == g->main_pid || g->watched_pid == 0))
                        return;
                if (g->watched_pid > 0)
                        watched_exit_reason(g, why, sizeof why);
                else if (g->params.pid_file)
                        snprintf(why, sizeof why, "every process exited before PidFile %s named one",
                                 g->params.pid_file);
                else
                        snprintf(why, sizeof why, "every process of the resource has exited");
                g->host->log(g->r, WP_LOG_ERROR, "GENAPP_EXITED", "%s", why);
                genapp_fail(g, "%s", why);
                return;
        case GENAPP_STOPPING:
                stopped(g);
                g->host->log(g->r, WP_LOG_INFO, "GENAPP_STOPPED", "every process of the resource has exited");
                g->host->set_status(g->r, WP_STATE_OFFLINE, NULL);
                return;
        default:
                return;
        }
}

static int on_stop_timeout(wp_source *s, void *userdata) {
        Genapp *g = userdata;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r;

        release(g, &g->stop_timer);
        if (g->state != GENAPP_STOPPING)
                return 0;
        (void) g->host->cgroup_pids(g->r, &pids, &n);
        g->host->log(g->r, WP_LOG_WARNING, "GENAPP_STOP_TIMEOUT",
                     "%zu process(es) still running %llu ms after StopSignal %s: killing every process of the resource",
                     n, (unsigned long long) (g->params.stop_timeout / WP_USEC_PER_MSEC),
                     genapp_signal_name(g->params.stop_signal) ?: "?");
        r = g->host->cgroup_kill(g->r);
        if (r < 0)
                g->host->log(g->r, WP_LOG_ERROR, "GENAPP_KILL_FAILED", "cannot kill the processes of %s: %s",
                             g->host->cgroup_path(g->r) ?: "the resource's cgroup", strerror(-r));
        /* The cgroup watch completes the offline; PendingTimeout bounds a
         * process that cannot die. */
        on_cgroup_change(g);
        return 0;
}

/* --- main process ------------------------------------------------------- */

static void on_main_exit(wp_source *s, pid_t pid, const wp_exit *how, void *userdata) {
        Genapp *g = userdata;
        bool expected;
        char desc[224];

        /* main_child stays until the stop: a child source is not released
         * from inside its own exit callback. */
        g->main_exited = true;
        g->main_exit = *how;
        if (g->hooks && g->hooks->main_exited)
                g->hooks->main_exited(g, pid, how);
        genapp_describe_exit(pid, how, desc, sizeof desc);

        switch (g->state) {
        case GENAPP_STARTING:
                /* A program that forks into the background: its launcher
                 * exits 0 and PidFile names the process to watch. */
                expected = g->params.pid_file && g->watched_pid != pid && how->code == CLD_EXITED &&
                           how->status == 0;
                break;
        case GENAPP_RUNNING:
                expected = g->watched_pid != pid;
                break;
        default:
                expected = true;
        }

        if (expected && g->state == GENAPP_STARTING && g->host->cgroup_populated(g->r) == 0) {
                expected = false;
                strncat(desc, "; no process was left to write PidFile", sizeof desc - strlen(desc) - 1);
        }
        g->host->log(g->r, expected ? WP_LOG_INFO : WP_LOG_ERROR, "GENAPP_EXITED", "%s", desc);
        if (!expected)
                genapp_fail(g, "%s", desc);
}

/* --- entry points ------------------------------------------------------- */

int genapp_new(const wp_host *host, wp_resource *r, const GenappParams *params,
               const GenappHooks *hooks, void *ext, Genapp **ret) {
        Genapp *g = calloc(1, sizeof *g);
        int k;

        if (!g)
                return -ENOMEM;
        *g = (Genapp) {
                .host = host,
                .r = r,
                .hooks = hooks,
                .ext = ext,
                .state = GENAPP_STOPPED,
                .main_pidfd = -1,
                .watched_pidfd = -1,
                .launch = { .log_fd = -1 },
                .stage = GENAPP_STAGE_DONE,
                .attempt = { .fd = -1, .pidfd = -1 },
        };
        k = genapp_params_copy(&g->params, params);
        if (k < 0) {
                g->ext = NULL;
                free(g);
                return k;
        }
        *ret = g;
        return 0;
}

Genapp *genapp_free(Genapp *g) {
        if (!g)
                return NULL;
        drop_everything(g);
        genapp_params_done(&g->params);
        if (g->have_next)
                genapp_params_done(&g->next);
        if (g->ext && g->hooks && g->hooks->free_ext)
                g->hooks->free_ext(g->ext);
        free(g);
        return NULL;
}

void genapp_ep_close(wp_instance inst) {
        genapp_free(inst);
}

/* Processes left in the cgroup by an earlier run that nobody adopted
 * (online without probe): none of them may run beside the new one. */
static int clear_leftovers(Genapp *g) {
        int p = g->host->cgroup_populated(g->r);

        if (p < 0)
                return g->host->error(g->r, p, "cannot read the state of the resource's cgroup %s: %s",
                                      g->host->cgroup_path(g->r) ?: "?", strerror(-p));
        if (p == 0)
                return 0;
        g->host->log(g->r, WP_LOG_WARNING, "GENAPP_LEFTOVER_KILLED",
                     "the resource's cgroup %s still held processes from an earlier run: killing them",
                     g->host->cgroup_path(g->r) ?: "?");
        if (kill_and_wait(g, GENAPP_LEFTOVER_WAIT_USEC) != 1)
                return g->host->error(g->r, -EBUSY,
                                      "the resource's cgroup %s still holds processes that do not die; "
                                      "see its cgroup.procs",
                                      g->host->cgroup_path(g->r) ?: "?");
        return 0;
}

/* Undo a start that cannot complete; the error is already recorded. */
static int abort_start(Genapp *g, int err) {
        (void) kill_and_wait(g, GENAPP_TERMINATE_WAIT_USEC);
        stopped(g);
        return err;
}

static int remove_stale_pid_file(Genapp *g) {
        if (!g->params.pid_file || unlink(g->params.pid_file) >= 0 || errno == ENOENT)
                return 0;
        int r = negative_errno();
        return g->host->error(g->r, r, "PidFile: cannot remove the stale %s: %s", g->params.pid_file,
                              strerror(-r));
}

int genapp_ep_online(wp_instance inst) {
        Genapp *g = inst;
        const wp_host *host = g->host;
        _cleanup_strv_free_ char **argv = NULL;
        GenappChildContext ctx = { .g = g, .kind = GENAPP_CHILD_MAIN };
        wp_spawn spec = {};
        int r, dup_fd;

        if (g->state != GENAPP_STOPPED)
                return host->error(g->r, -EBUSY, "online: the application is %s, not stopped",
                                   genapp_state_name(g->state));
        if (g->have_next) {
                genapp_params_done(&g->params);
                g->params = g->next;
                g->next = (GenappParams) {};
                g->have_next = false;
        }
        g->reason[0] = '\0';

        char why[256];
        r = genapp_command_argv(g->params.command_line, g->params.use_shell, &argv, why, sizeof why);
        if (r == -EINVAL)
                return host->error(g->r, r, "CommandLine: %s", why);
        if (r < 0)
                return r;
        if ((r = genapp_launch_prepare(g)) < 0 || (r = clear_leftovers(g)) < 0 ||
            (r = remove_stale_pid_file(g)) < 0)
                goto fail;
        if (g->hooks && g->hooks->before_start && (r = g->hooks->before_start(g)) < 0)
                goto fail;

        genapp_launch_spec(g, &spec);
        spec.argv = argv;
        spec.new_session = true;
        if (g->hooks && g->hooks->child_setup) {
                spec.child_setup = genapp_child_setup;
                spec.child_setup_userdata = &ctx;
        }
        r = host->spawn(g->r, &spec, on_main_exit, g, &g->main_pid, &g->main_pidfd, &g->main_child);
        if (r < 0) {
                g->main_pid = 0;
                g->main_pidfd = -1;
                g->main_child = NULL;
                if (g->hooks && g->hooks->spawn_failed)
                        r = g->hooks->spawn_failed(g, r);
                return abort_start(g, r);
        }
        g->started_usec = now_usec();
        g->state = GENAPP_STARTING;
        {
                /* Quoted, so that the log shows what runs, word for word. */
                _cleanup_free_ char *cmd = shell_join(argv);
                host->log(g->r, WP_LOG_NOTICE, "GENAPP_STARTED", "started process %d: %s", (int) g->main_pid,
                          cmd ?: argv[0]);
        }

        r = ensure_cgroup_watch(g);
        if (r < 0)
                return abort_start(g, host->error(g->r, r, "cannot watch the resource's cgroup %s: %s",
                                                  host->cgroup_path(g->r) ?: "?", strerror(-r)));
        if (!g->params.pid_file) {
                dup_fd = fcntl(g->main_pidfd, F_DUPFD_CLOEXEC, 3);
                if (dup_fd < 0)
                        r = negative_errno();
                else
                        r = genapp_watch_pid(g, g->main_pid, dup_fd);
                if (r < 0)
                        return abort_start(g, host->error(g->r, r, "cannot watch process %d: %s",
                                                          (int) g->main_pid, strerror(-r)));
        }
        if (g->hooks && g->hooks->after_spawn && (r = g->hooks->after_spawn(g, g->main_pid)) < 0)
                return abort_start(g, r);

        if (!genapp_has_ready_stages(g)) {
                g->state = GENAPP_RUNNING;
                return 0;
        }
        r = genapp_ready_start(g);
        if (r < 0)
                return abort_start(g, r);
        return -EINPROGRESS;

fail:
        genapp_launch_done(&g->launch);
        return r;
}

int genapp_ep_offline(wp_instance inst) {
        Genapp *g = inst;
        const wp_host *host = g->host;
        int r, p;

        switch (g->state) {
        case GENAPP_STOPPING:
                return -EINPROGRESS;
        case GENAPP_STOPPED:
                if (host->cgroup_populated(g->r) == 0) {
                        (void) host->cgroup_remove(g->r);
                        return 0;
                }
                break;
        default:
                break;
        }

        genapp_ready_cancel(g);
        if (g->hooks && g->hooks->before_stop)
                g->hooks->before_stop(g);
        g->state = GENAPP_STOPPING;

        /* Watch first, then look: an emptying between the two is not
         * missed. */
        r = ensure_cgroup_watch(g);
        if (r < 0)
                host->log(g->r, WP_LOG_WARNING, "GENAPP_CGROUP_WATCH", "cannot watch the resource's cgroup: %s",
                          strerror(-r));
        p = host->cgroup_populated(g->r);
        if (p == 0) {
                /* Gone before it was signalled, its end not yet noticed. */
                stopped_now(g);
                return 0;
        }

        r = host->cgroup_signal(g->r, g->params.stop_signal);
        if (r >= 0)
                /* A stopped process acts on StopSignal only once continued. */
                (void) host->cgroup_signal(g->r, SIGCONT);
        if (r < 0 || g->params.stop_timeout == 0 || !g->cgroup_watch) {
                if (r < 0)
                        host->log(g->r, WP_LOG_WARNING, "GENAPP_STOP_SIGNAL",
                                  "cannot send StopSignal %s to the resource's processes: %s; killing them",
                                  genapp_signal_name(g->params.stop_signal) ?: "?", strerror(-r));
                if (!g->cgroup_watch) {
                        /* Without a watch, offline can only end here. */
                        if (kill_and_wait(g, GENAPP_TERMINATE_WAIT_USEC) != 1) {
                                stopped(g);
                                return host->error(g->r, -EBUSY,
                                                   "processes of the resource's cgroup do not die");
                        }
                        stopped_now(g);
                        return 0;
                }
                (void) host->cgroup_kill(g->r);
        } else {
                r = host->add_timer(g->r, g->params.stop_timeout, on_stop_timeout, g, &g->stop_timer);
                if (r < 0) {
                        host->log(g->r, WP_LOG_WARNING, "GENAPP_STOP_TIMEOUT",
                                  "cannot wait StopTimeout for the processes to stop: %s; killing them now",
                                  strerror(-r));
                        (void) host->cgroup_kill(g->r);
                }
        }

        if (host->cgroup_populated(g->r) == 0) {
                stopped_now(g);
                return 0;
        }
        return -EINPROGRESS;
}

void genapp_ep_terminate(wp_instance inst) {
        Genapp *g = inst;

        genapp_ready_cancel(g);
        release(g, &g->stop_timer);
        release(g, &g->cgroup_watch);
        if (kill_and_wait(g, GENAPP_TERMINATE_WAIT_USEC) != 1)
                g->host->log(g->r, WP_LOG_ERROR, "GENAPP_KILL_FAILED",
                             "processes of the resource's cgroup %s survive cgroup.kill after %llu ms "
                             "(uninterruptible sleep?)",
                             g->host->cgroup_path(g->r) ?: "?",
                             (unsigned long long) (GENAPP_TERMINATE_WAIT_USEC / WP_USEC_PER_MSEC));
        stopped(g);
}

/* The main process of a running resource found by probe: PidFile's pid, or
 * the session leader of the session online created. */
static int find_main(Genapp *g, pid_t *ret) {
        const wp_host *host = g->host;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r;

        if (g->params.pid_file) {
                _cleanup_close_ int fd = open(g->params.pid_file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                char text[64];
                ssize_t k;
                pid_t pid;

                if (fd < 0)
                        return host->error(g->r, -ESRCH,
                                           "the resource's cgroup holds processes but PidFile %s cannot be read (%s): "
                                           "cannot tell which one is the application",
                                           g->params.pid_file, strerror(errno));
                k = read(fd, text, sizeof text - 1);
                text[k > 0 ? k : 0] = '\0';
                if (genapp_parse_pid(text, &pid) < 0)
                        return host->error(g->r, -ESRCH, "PidFile %s holds no process id", g->params.pid_file);
                r = genapp_pid_in_cgroup(g, pid);
                if (r < 0)
                        return host->error(g->r, r, "cannot list the processes of the resource's cgroup: %s",
                                           strerror(-r));
                if (r == 0)
                        return host->error(g->r, -ESRCH,
                                           "PidFile %s names process %d, which is not in the resource's cgroup",
                                           g->params.pid_file, (int) pid);
                *ret = pid;
                return 0;
        }

        r = host->cgroup_pids(g->r, &pids, &n);
        if (r < 0)
                return host->error(g->r, r, "cannot list the processes of the resource's cgroup: %s", strerror(-r));
        for (size_t i = 0; i < n; i++) {
                char path[64], text[1024];
                _cleanup_close_ int fd = -1;
                ssize_t k;
                pid_t sid;

                snprintf(path, sizeof path, "/proc/%d/stat", (int) pids[i]);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                k = read(fd, text, sizeof text - 1);
                if (k <= 0)
                        continue;
                text[k] = '\0';
                if (genapp_parse_stat_session(text, &sid) == 0 && sid == pids[i]) {
                        *ret = pids[i];
                        return 0;
                }
        }
        return host->error(g->r, -ESRCH,
                           "the resource's cgroup holds %zu process(es) but none leads a session: cannot tell "
                           "which one is the application",
                           n);
}

int genapp_ep_probe(wp_instance inst) {
        Genapp *g = inst;
        const wp_host *host = g->host;
        pid_t pid;
        int r, fd;

        if (g->state != GENAPP_STOPPED)
                return host->error(g->r, -EBUSY, "probe: the application is %s", genapp_state_name(g->state));
        r = host->cgroup_populated(g->r);
        if (r < 0)
                return host->error(g->r, r, "cannot read the state of the resource's cgroup %s: %s",
                                   host->cgroup_path(g->r) ?: "?", strerror(-r));
        if (r == 0)
                return 0;

        r = find_main(g, &pid);
        if (r < 0)
                return r;
        fd = genapp_pidfd_open(pid);
        if (fd < 0 || genapp_pid_in_cgroup(g, pid) != 1) {
                if (fd >= 0)
                        close(fd);
                return host->error(g->r, -ESRCH, "process %d of the resource's cgroup is gone", (int) pid);
        }
        r = ensure_cgroup_watch(g);
        if (r >= 0)
                r = genapp_watch_pid(g, pid, fd);
        else
                close(fd);
        if (r < 0) {
                drop_everything(g);
                return host->error(g->r, r, "cannot watch process %d: %s", (int) pid, strerror(-r));
        }
        g->started_usec = now_usec();
        g->state = GENAPP_RUNNING;
        host->log(g->r, WP_LOG_NOTICE, "GENAPP_FOUND", "process %d is running: adopted", (int) pid);
        return 1;
}

int genapp_resume_ready(Genapp *g) {
        int r;

        if (g->state != GENAPP_RUNNING)
                return g->host->error(g->r, -EBUSY, "resume: the application is %s, not found running",
                                      genapp_state_name(g->state));
        g->state = GENAPP_STARTING;
        r = genapp_ready_resume(g);
        if (r > 0) {
                g->state = GENAPP_RUNNING;
                return 1;
        }
        if (r < 0)
                return r; /* terminate follows */
        g->host->log(g->r, WP_LOG_NOTICE, "GENAPP_RESUMED", "waiting again for process %d to be ready",
                     (int) g->watched_pid);
        return -EINPROGRESS;
}

int genapp_ep_resume_online(wp_instance inst) {
        int r = genapp_ep_probe(inst);

        return r > 0 ? genapp_resume_ready(inst) : r;
}

int genapp_ep_looks_alive(wp_instance inst) {
        Genapp *g = inst;
        const wp_host *host = g->host;
        char why[256];
        int p;

        switch (g->state) {
        case GENAPP_RUNNING:
                break;
        case GENAPP_STARTING:
        case GENAPP_STOPPING:
                return 1;
        case GENAPP_FAILED:
                return host->error(g->r, -ESRCH, "%s", g->reason);
        default:
                return host->error(g->r, -ESRCH, "the application is not running");
        }

        if (g->watched_pidfd >= 0 && genapp_pidfd_exited(g->watched_pidfd)) {
                watched_exit_reason(g, why, sizeof why);
                return host->error(g->r, -ESRCH, "%s", why);
        }
        p = host->cgroup_populated(g->r);
        if (p == 0)
                return host->error(g->r, -ESRCH, "every process of the resource has exited");
        if (g->hooks && g->hooks->check_alive)
                return g->hooks->check_alive(g);
        return 1;
}

int genapp_ep_is_alive(wp_instance inst) {
        Genapp *g = inst;
        int r = genapp_ep_looks_alive(g);

        if (r <= 0 || g->state != GENAPP_RUNNING)
                return r;
        return genapp_alive_start(g);
}

int genapp_control(const wp_host *host, Genapp *g, wp_resource *r, wp_control_code code,
                   GenappParams *params, const char *const *changed) {
        char err[512];
        int k;

        switch (code) {
        case WP_CONTROL_VALIDATE:
                k = genapp_params_validate(params, err, sizeof err);
                return k < 0 ? host->error(r, k, "%s", err) : 0;

        case WP_CONTROL_GET_READONLY:
                params->process_id = 0;
                if (g && (g->state == GENAPP_STARTING || g->state == GENAPP_RUNNING || g->state == GENAPP_STOPPING))
                        params->process_id = g->watched_pid > 0 ? g->watched_pid : g->main_pid;
                return 0;

        case WP_CONTROL_SET_PROPERTIES: {
                GenappParams copy;

                if (!g)
                        return host->error(r, -EINVAL, "no instance to set properties on");
                k = genapp_params_validate(params, err, sizeof err);
                if (k < 0)
                        return host->error(r, k, "%s", err);
                k = genapp_params_copy(&copy, params);
                if (k < 0)
                        return k;
                if (g->state == GENAPP_STOPPED) {
                        genapp_params_done(&g->params);
                        g->params = copy;
                        if (g->have_next)
                                genapp_params_done(&g->next);
                        g->have_next = false;
                        return 0;
                }
                /* Running: LIVE values apply now, the rest at the next
                 * online. */
                k = genapp_params_copy_live(&g->params, params);
                if (k < 0) {
                        genapp_params_done(&copy);
                        return k;
                }
                if (g->have_next)
                        genapp_params_done(&g->next);
                g->next = copy;
                g->have_next = true;
                return 0;
        }
        default:
                return host->error(r, -EOPNOTSUPP, "control code %d is not supported", (int) code);
        }
}
