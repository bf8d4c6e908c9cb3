/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The job's events, each logged with a stable code and the resource's
 * name:
 *
 *   GENJOB_ACTIVE_PROCESS_ZERO     the job has no process left
 *   GENJOB_ACTIVE_PROCESS_LIMIT    a fork was refused at pids.max
 *   GENJOB_JOB_MEMORY_LIMIT        the OOM killer acted in the job
 *   GENJOB_END_OF_JOB_TIME         PerJobUserTimeLimit used up
 *   GENJOB_END_OF_PROCESS_TIME     a process died of SIGXCPU
 *   GENJOB_ABNORMAL_EXIT_PROCESS   a process was killed by a signal
 *   GENJOB_NEW_PROCESS, GENJOB_EXIT_PROCESS   counts, at most once a second
 *   GENJOB_EVENTS_LOST             the kernel dropped process events
 *
 * Sources: the memory controller's OOM notification (v2 memory.events,
 * v1 an eventfd on memory.oom_control), pids.events (notified on v2, read
 * on the job's timer on v1), cpu.stat on the timer for PerJobUserTimeLimit,
 * the cgroup's populated flag, and per-process events from the kernel's
 * process events (genjob-port.h), or, where those are missing, from the
 * job's processes sampled on the timer. The timer runs only while
 * something needs it. Owns those sources and the counters; acts on the
 * job only through job_fail and breakaway.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "genjob.h"
#include "macro.h"
#include "props.h"

#define TICK_USEC (250 * WP_USEC_PER_MSEC)
#define TICK_MIN_USEC (20 * WP_USEC_PER_MSEC)
#define FLUSH_USEC (1 * WP_USEC_PER_SEC)
#define OOM_RECHECK_USEC (5 * WP_USEC_PER_MSEC)
#define OOM_RECHECKS 40
#define ABNORMAL_PER_PERIOD 10

static void release(Genjob *j, wp_source **s) {
        if (*s) {
                j->host->release(*s);
                *s = NULL;
        }
}

static const char *signal_text(int sig, char *buf, size_t len) {
        const char *abbrev = sigabbrev_np(sig);

        if (abbrev)
                snprintf(buf, len, "signal %d (%s)", sig, abbrev);
        else
                snprintf(buf, len, "signal %d", sig);
        return buf;
}

static bool running(Genjob *j) {
        return j->g->state == GENAPP_STARTING || j->g->state == GENAPP_RUNNING;
}

void job_fail(Genjob *j, const char *fmt, ...) {
        char reason[512];
        va_list ap;

        if (j->failing)
                return;
        va_start(ap, fmt);
        vsnprintf(reason, sizeof reason, fmt, ap);
        va_end(ap);
        j->failing = true;
        /* The whole job, now: the monitor's terminate follows. */
        (void) j->host->cgroup_kill(j->r);
        genapp_fail(j->g, "%s", reason);
}

/* ---- counts ------------------------------------------------------------ */

static int on_flush(wp_source *s, void *userdata) {
        Genjob *j = userdata;

        release(j, &j->flush_timer);
        job_events_flush(j);
        return 0;
}

static void schedule_flush(Genjob *j) {
        if (!j->flush_timer)
                (void) j->host->add_timer(j->r, FLUSH_USEC, on_flush, j, &j->flush_timer);
}

void job_events_flush(Genjob *j) {
        if (j->new_pending)
                j->host->log(j->r, WP_LOG_INFO, "GENJOB_NEW_PROCESS", "%llu new process(es) in the job (%llu in all)%s",
                             (unsigned long long) j->new_pending, (unsigned long long) j->total_processes,
                             j->exact ? "" : " (counted by sampling)");
        if (j->exit_pending)
                j->host->log(j->r, WP_LOG_INFO, "GENJOB_EXIT_PROCESS", "%llu process(es) of the job exited%s",
                             (unsigned long long) j->exit_pending, j->exact ? "" : " (counted by sampling)");
        if (j->abnormal_suppressed)
                j->host->log(j->r, WP_LOG_WARNING, "GENJOB_ABNORMAL_EXIT_PROCESS",
                             "%llu more process(es) of the job were killed by a signal",
                             (unsigned long long) j->abnormal_suppressed);
        j->new_pending = j->exit_pending = j->abnormal_suppressed = 0;
        j->abnormal_logged = 0;
}

/* ---- per-process events ------------------------------------------------- */

/* SilentBreakawayOk: the child leaves. Its own forks may be reported
 * after it moved yet have happened before, in the job: it stays tracked
 * (in away) so that those are found and moved too; a fork found outside
 * the job is followed no further. */
static bool silent_breakaway(Genjob *j, pid_t parent, pid_t pid) {
        bool from_away = j->away && job_pidmap_get(j->away, parent);

        if (!j->limits.silent_breakaway_ok && !from_away)
                return false;
        if (!j->away && !(j->away = job_pidmap_new()))
                return false;
        if (job_cgroup_has_pid(j->cg, pid) != 1) {
                job_port_untrack(&j->port, pid);
                return true;
        }
        if (job_breakaway_move(j, pid, "SilentBreakawayOk", true) < 0)
                return false;
        (void) job_pidmap_put(j->away, pid, j);
        return true;
}

void job_event_new_process(Genjob *j, pid_t parent, pid_t pid) {
        if (!j->active)
                return;
        if (silent_breakaway(j, parent, pid))
                return;
        j->total_processes++;
        j->new_pending++;
        schedule_flush(j);
}

static bool fault_signal(int sig) {
        return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGABRT || sig == SIGSYS ||
               sig == SIGTRAP;
}

static void process_exit(Genjob *j, pid_t pid, int exit_code) {
        int sig = exit_code & 0x7f;
        bool main = pid == j->main_pid;
        char sigbuf[64], limit[64];

        j->exit_pending++;
        schedule_flush(j);
        if (sig == 0 || sig == 0x7f)
                return;
        /* Deaths while the job is being stopped are the stop's doing. */
        if (!running(j) || j->failing)
                return;
        signal_text(sig, sigbuf, sizeof sigbuf);
        if (sig == SIGXCPU && j->limits.per_process_user_time_limit) {
                _cleanup_free_ char *t = NULL;
                snprintf(limit, sizeof limit, "%s",
                         format_duration(j->limits.per_process_user_time_limit, &t) >= 0 ? t : "?");
                j->host->log(j->r, WP_LOG_WARNING, "GENJOB_END_OF_PROCESS_TIME",
                             "%sprocess %d used up PerProcessUserTimeLimit %s and was killed by %s",
                             main ? "the main " : "", (int) pid, limit, sigbuf);
                return;
        }
        if (j->abnormal_logged < ABNORMAL_PER_PERIOD) {
                j->abnormal_logged++;
                j->host->log(j->r, WP_LOG_WARNING, "GENJOB_ABNORMAL_EXIT_PROCESS", "%sprocess %d was killed by %s%s",
                             main ? "the main " : "", (int) pid, sigbuf, exit_code & 0x80 ? " and dumped core" : "");
        } else
                j->abnormal_suppressed++;
        /* The main process's death fails the resource in the core. */
        if (!main && j->limits.die_on_unhandled_exception && fault_signal(sig))
                job_fail(j, "process %d of the job was killed by %s (DieOnUnhandledException)", (int) pid, sigbuf);
}

void job_event_exit_process(Genjob *j, pid_t pid, int exit_code) {
        if (!j->active)
                return;
        /* The main process is reported by the core, exactly (main_exited). */
        if (pid == j->main_pid && !j->main_gone)
                return;
        process_exit(j, pid, exit_code);
}

static void port_fork(JobPortClient *c, pid_t parent, pid_t child) {
        job_event_new_process(c->userdata, parent, child);
}

static void port_exit(JobPortClient *c, pid_t pid, int exit_code) {
        Genjob *j = c->userdata;

        if (pid == j->main_pid && !j->main_gone)
                return;
        /* Not the job's any more. */
        if (j->away && job_pidmap_remove(j->away, pid))
                return;
        process_exit(j, pid, exit_code);
}

/* The kernel dropped events: take the job's processes as they are now. */
static void port_lost(JobPortClient *c) {
        Genjob *j = c->userdata;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0, added = 0;

        if (j->host->cgroup_pids(j->r, &pids, &n) < 0)
                return;
        for (size_t i = 0; i < n; i++)
                if (!job_port_tracks(&j->port, pids[i]) && job_port_track(&j->port, pids[i]) >= 0) {
                        added++;
                        j->total_processes++;
                }
        j->new_pending += added;
        j->host->log(j->r, WP_LOG_WARNING, "GENJOB_EVENTS_LOST",
                     "the kernel dropped process events: %zu process(es) found in the job afterwards; counts "
                     "may be low",
                     added);
}

/* Without process events: what changed in the job since the last look. */
static void sample(Genjob *j) {
        _cleanup_free_ pid_t *pids = NULL;
        JobPidmap *now = job_pidmap_new();
        size_t n = 0, it = 0;
        pid_t pid;

        if (!now || j->host->cgroup_pids(j->r, &pids, &n) < 0) {
                job_pidmap_free(now);
                return;
        }
        for (size_t i = 0; i < n; i++) {
                if (job_pidmap_get(j->sampled, pids[i])) {
                        (void) job_pidmap_put(now, pids[i], j);
                        continue;
                }
                if (j->limits.silent_breakaway_ok && pids[i] != j->main_pid &&
                    job_breakaway_move(j, pids[i], "SilentBreakawayOk", false) >= 0)
                        continue;
                (void) job_pidmap_put(now, pids[i], j);
                j->total_processes++;
                j->new_pending++;
        }
        while ((pid = job_pidmap_next(j->sampled, &it, NULL)))
                if (!job_pidmap_get(now, pid) && pid != j->main_pid)
                        j->exit_pending++;
        job_pidmap_free(j->sampled);
        j->sampled = now;
        if (j->new_pending || j->exit_pending)
                schedule_flush(j);
}

/* ---- counters ------------------------------------------------------------ */

static void post_memory(Genjob *j, uint64_t kills) {
        _cleanup_free_ char *t = NULL;
        char limit[96];
        bool kill_job = j->limits.job_memory_limit_action == JOB_MEM_KILL_JOB;

        if (j->limits.job_memory_limit)
                snprintf(limit, sizeof limit, "JobMemoryLimit %s",
                         format_size(j->limits.job_memory_limit, &t) >= 0 ? t : "?");
        else
                snprintf(limit, sizeof limit, "the memory limit of a cgroup above the job");
        j->host->log(j->r, kill_job ? WP_LOG_ERROR : WP_LOG_WARNING, "GENJOB_JOB_MEMORY_LIMIT",
                     "%s reached: the OOM killer killed %llu process(es) of the job; JobMemoryLimitAction %s%s", limit,
                     (unsigned long long) kills, kill_job ? "KillJob" : "KillProcess",
                     kill_job ? ": killing the whole job" : ": the job goes on");
        if (kill_job && running(j))
                job_fail(j, "%s reached: the job was killed (JobMemoryLimitAction KillJob)", limit);
}

static bool poll_memory(Genjob *j) {
        uint64_t v;

        if (!j->cg || job_cgroup_read(j->cg, JOB_COUNTER_MEMORY_OOM_KILLS, &v) < 0 || v <= j->oom_kills)
                return false;
        uint64_t kills = v - j->oom_kills;
        j->oom_kills = v;
        post_memory(j, kills);
        return true;
}

static void poll_pids(Genjob *j) {
        uint64_t v;

        if (!j->cg || job_cgroup_read(j->cg, JOB_COUNTER_PIDS_LIMIT_HITS, &v) < 0 || v <= j->pids_hits)
                return;
        j->host->log(j->r, WP_LOG_WARNING, "GENJOB_ACTIVE_PROCESS_LIMIT",
                     "ActiveProcessLimit %lld reached: %llu new process(es) refused",
                     (long long) j->limits.active_process_limit, (unsigned long long) (v - j->pids_hits));
        j->pids_hits = v;
}

/* How long until the job could use up its time; 0 when past it. */
static wp_usec_t poll_job_time(Genjob *j) {
        wp_usec_t limit = j->limits.per_job_user_time_limit;
        uint64_t user, system;
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        _cleanup_free_ char *t = NULL, *u = NULL;

        if (!limit || j->end_of_job_posted || !j->cg || job_cgroup_cpu_usec(j->cg, &user, &system) < 0)
                return TICK_USEC;
        if (user < limit)
                return (limit - user) / (wp_usec_t) (cpus > 0 ? cpus : 1);
        j->end_of_job_posted = true;
        (void) format_duration(limit, &t);
        (void) format_duration(user - user % 1000, &u);
        if (j->limits.end_of_job_time_action == JOB_EOJ_POST) {
                j->host->log(j->r, WP_LOG_WARNING, "GENJOB_END_OF_JOB_TIME",
                             "PerJobUserTimeLimit %s used up (user time %s); EndOfJobTimeAction Post: the job goes on",
                             t ?: "?", u ?: "?");
                return TICK_USEC;
        }
        j->host->log(j->r, WP_LOG_ERROR, "GENJOB_END_OF_JOB_TIME",
                     "PerJobUserTimeLimit %s used up (user time %s); EndOfJobTimeAction Terminate: killing the job",
                     t ?: "?", u ?: "?");
        if (running(j))
                job_fail(j, "PerJobUserTimeLimit %s used up: the job was terminated", t ?: "?");
        return TICK_USEC;
}

void job_events_poll(Genjob *j) {
        if (!j->active)
                return;
        (void) poll_memory(j);
        poll_pids(j);
        (void) poll_job_time(j);
}

/* ---- sources ------------------------------------------------------------ */

static int on_oom_recheck(wp_source *s, void *userdata) {
        Genjob *j = userdata;

        release(j, &j->oom_recheck);
        if (poll_memory(j) || ++j->oom_rechecks >= OOM_RECHECKS)
                return 0;
        (void) j->host->add_timer(j->r, OOM_RECHECK_USEC, on_oom_recheck, j, &j->oom_recheck);
        return 0;
}

static int on_memory(wp_source *s, int fd, uint32_t revents, void *userdata) {
        Genjob *j = userdata;

        job_notify_drain(&j->mem_notify);
        /* v1 notifies when the job is under OOM, before the kill is
         * counted: look again shortly. */
        if (poll_memory(j) || j->oom_recheck)
                return 0;
        j->oom_rechecks = 0;
        (void) j->host->add_timer(j->r, OOM_RECHECK_USEC, on_oom_recheck, j, &j->oom_recheck);
        return 0;
}

static int on_pids(wp_source *s, int fd, uint32_t revents, void *userdata) {
        Genjob *j = userdata;

        job_notify_drain(&j->pids_notify);
        poll_pids(j);
        return 0;
}

static int on_cgroup(wp_source *s, void *userdata) {
        Genjob *j = userdata;

        if (j->zero_logged || j->host->cgroup_populated(j->r) != 0)
                return 0;
        j->zero_logged = true;
        if (running(j) && !j->failing)
                j->host->log(j->r, WP_LOG_ERROR, "GENJOB_ACTIVE_PROCESS_ZERO",
                             "the job has no process left while online (%llu process(es) in all): the resource fails",
                             (unsigned long long) j->total_processes);
        else
                j->host->log(j->r, WP_LOG_INFO, "GENJOB_ACTIVE_PROCESS_ZERO",
                             "the job has no process left (%llu process(es) in all)",
                             (unsigned long long) j->total_processes);
        return 0;
}

static bool tick_needed(Genjob *j) {
        return j->active && ((j->limits.per_job_user_time_limit && !j->end_of_job_posted) || !j->exact ||
                             (j->limits.active_process_limit && j->pids_notify.fd < 0));
}

static int on_tick(wp_source *s, void *userdata) {
        Genjob *j = userdata;

        release(j, &j->tick);
        if (!j->active)
                return 0;
        if (!j->exact && j->sampled)
                sample(j);
        job_events_poll(j);
        job_events_rearm(j);
        return 0;
}

void job_events_rearm(Genjob *j) {
        wp_usec_t next = TICK_USEC;

        if (!tick_needed(j)) {
                release(j, &j->tick);
                return;
        }
        if (j->limits.per_job_user_time_limit && !j->end_of_job_posted) {
                wp_usec_t left = poll_job_time(j);
                if (left < next)
                        next = left < TICK_MIN_USEC ? TICK_MIN_USEC : left;
        }
        release(j, &j->tick);
        (void) j->host->add_timer(j->r, next, on_tick, j, &j->tick);
}

int job_events_start(Genjob *j) {
        const wp_host *host = j->host;
        char err[256];
        int r;

        j->oom_kills = j->pids_hits = 0;
        j->new_pending = j->exit_pending = j->abnormal_suppressed = 0;
        j->abnormal_logged = 0;
        j->zero_logged = false;

        j->port = (JobPortClient) {
                .host = host, .r = j->r, .userdata = j,
                .on_fork = port_fork, .on_exit = port_exit, .on_lost = port_lost,
        };
        r = job_port_join(&j->port, err, sizeof err);
        j->exact = r >= 0;
        if (!j->exact) {
                j->sampled = job_pidmap_free(j->sampled);
                j->sampled = job_pidmap_new();
                if (!j->sampled)
                        return -ENOMEM;
                host->log(j->r, WP_LOG_INFO, "GENJOB_PROCESS_EVENTS",
                          "per-process events other than the main process's are counts sampled every 250ms: %s",
                          err);
        }

        if (job_cgroup_notify(j->cg, JOB_CTL_MEMORY, &j->mem_notify) >= 0) {
                (void) job_cgroup_read(j->cg, JOB_COUNTER_MEMORY_OOM_KILLS, &j->oom_kills);
                r = host->watch_fd(j->r, j->mem_notify.fd, j->mem_notify.events, on_memory, j, &j->mem_watch);
                if (r < 0)
                        return host->error(j->r, r, "cannot watch the job's memory events: %s", strerror(-r));
        }
        if (job_cgroup_notify(j->cg, JOB_CTL_PIDS, &j->pids_notify) >= 0) {
                r = host->watch_fd(j->r, j->pids_notify.fd, j->pids_notify.events, on_pids, j, &j->pids_watch);
                if (r < 0)
                        return host->error(j->r, r, "cannot watch the job's pids events: %s", strerror(-r));
        }
        (void) job_cgroup_read(j->cg, JOB_COUNTER_PIDS_LIMIT_HITS, &j->pids_hits);
        r = host->watch_cgroup(j->r, on_cgroup, j, &j->zero_watch);
        if (r < 0)
                return r;
        job_events_rearm(j);
        return 0;
}

void job_events_stop(Genjob *j) {
        /* The last word of the kernel about the job's processes. */
        if (j->port.joined)
                job_port_leave(&j->port);
        j->exact = false;
        release(j, &j->mem_watch);
        release(j, &j->pids_watch);
        release(j, &j->tick);
        release(j, &j->flush_timer);
        release(j, &j->oom_recheck);
        release(j, &j->zero_watch);
        job_notify_close(&j->mem_notify);
        job_notify_close(&j->pids_notify);
        j->sampled = job_pidmap_free(j->sampled);
        j->away = job_pidmap_free(j->away);
        job_events_flush(j);
}
