/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Job Object resource (genjob): the application core (genapp.h) with
 * the application and every process it starts held in a job — one cgroup
 * per resource on every hierarchy that holds a controller it uses — with
 * limits, events and accounting set from the resource's properties, and
 * restrictions set in each process before it runs.
 *
 * What the files of the type share. The plug-in file (genjob-plugin.c)
 * declares the property table; genjob.c is the job's life around the
 * core's state machine, through its hooks; the other files each own one
 * part of a running job: limits (genjob-limits.c), events
 * (genjob-events.c), accounting (genjob-account.c), breakaway
 * (genjob-breakaway.c), what each process is started with
 * (genjob-restrict.h), the kernel's process events (genjob-port.h) and the
 * cgroups (genjob-cgroup.h). Everything runs on the monitor's loop thread.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <wolfpack/resapi.h>

#include "genapp.h"
#include "genjob-cgroup.h"
#include "genjob-pidmap.h"
#include "genjob-port.h"
#include "genjob-restrict.h"

typedef enum JobEndOfJobTimeAction {
        JOB_EOJ_TERMINATE,
        JOB_EOJ_POST,
} JobEndOfJobTimeAction;

typedef enum JobPriorityClass {
        JOB_PRIO_IDLE,
        JOB_PRIO_BELOW_NORMAL,
        JOB_PRIO_NORMAL,
        JOB_PRIO_ABOVE_NORMAL,
        JOB_PRIO_HIGH,
} JobPriorityClass;

typedef enum JobMemoryLimitAction {
        JOB_MEM_KILL_JOB,
        JOB_MEM_KILL_PROCESS,
} JobMemoryLimitAction;

/* The job's properties (names as in the property table). 0 is "no limit"
 * for every limit. */
typedef struct JobLimits {
        wp_usec_t per_process_user_time_limit;
        wp_usec_t per_job_user_time_limit;
        int end_of_job_time_action;      /* JobEndOfJobTimeAction */
        uint64_t minimum_working_set_size;
        uint64_t maximum_working_set_size;
        int64_t active_process_limit;
        char *affinity;                  /* CPU list; NULL: every CPU */
        int priority_class;              /* JobPriorityClass */
        int64_t scheduling_class;        /* 0..9, 5 the default */
        uint64_t process_memory_limit;
        uint64_t job_memory_limit;
        int job_memory_limit_action;     /* JobMemoryLimitAction */
        bool die_on_unhandled_exception;
        bool breakaway_ok;
        bool silent_breakaway_ok;
        bool no_reboot;
        bool no_clock_change;
        bool no_hostname_change;
        bool no_mount;
        bool private_tmp;
        bool no_new_privileges;
        bool no_admin;
        char **capabilities_to_drop;
        char **supplementary_groups;
        /* read-only */
        int64_t active_processes;
        int64_t total_processes;
        wp_usec_t total_user_time;
        wp_usec_t total_kernel_time;
        uint64_t peak_process_memory_used;
        uint64_t peak_job_memory_used;
        uint64_t memory_used;
} JobLimits;

typedef struct JobParams {
        GenappParams app;
        JobLimits job;
} JobParams;

/* ---- genjob-props.c: values, pure ------------------------------------ */

extern const char *const job_eoj_action_names[];
extern const int job_eoj_action_values[];
extern const char *const job_priority_names[];
extern const int job_priority_values[];
extern const char *const job_memory_action_names[];
extern const int job_memory_action_values[];

int job_check_affinity(const void *member, char *err, size_t errlen);
int job_check_capabilities(const void *member, char *err, size_t errlen);
int job_check_groups(const void *member, char *err, size_t errlen);
int job_check_process_time(const void *member, char *err, size_t errlen);
int job_check_job_time(const void *member, char *err, size_t errlen);
int job_check_memory_size(const void *member, char *err, size_t errlen);
/* The values as a whole (WP_CONTROL_VALIDATE); err names the properties. */
int job_limits_validate(const JobLimits *l, const GenappParams *app, char *err, size_t errlen);
int job_limits_copy(JobLimits *dst, const JobLimits *src);
void job_limits_done(JobLimits *l);
/* The nice value of a PriorityClass; the cpu.weight of a SchedulingClass. */
int job_priority_nice(int priority_class);
uint64_t job_scheduling_weight(int64_t scheduling_class);
const char *job_priority_name(int priority_class);

/* ---- the instance ------------------------------------------------------ */

/* A per-process event seen by the kernel's process events, or by sampling
 * where those are missing. */
typedef struct Genjob Genjob;

struct Genjob {
        const wp_host *host;
        wp_resource *r;
        Genapp *g;
        const JobLayout *layout;
        int layout_error;            /* why there is no layout */
        JobLimits limits;            /* in force */
        JobLimits next;              /* set while running: applies at the next online */
        bool have_next;

        /* The identity every process takes in child_setup, moved out of
         * the core's launch (see genjob.c). */
        bool identity_set;
        uid_t uid;                   /* (uid_t) -1: stays root */
        gid_t gid;                   /* (gid_t) -1: keeps the monitor's */
        gid_t *groups;               /* NULL: keeps the monitor's */
        size_t n_groups;

        /* The running job. */
        bool active;
        JobCgroup *cg;
        JobPlan plan;
        JobChildReport *report;      /* a shared page the child writes its failing step to */
        char *tmp_dir;               /* PrivateTmp: <state>/job-tmp */
        pid_t main_pid;
        bool main_gone;

        /* Events. */
        JobNotify mem_notify, pids_notify;
        wp_source *mem_watch, *pids_watch, *tick, *flush_timer, *oom_recheck, *zero_watch;
        unsigned oom_rechecks;
        uint64_t oom_kills, pids_hits;   /* counters as last seen */
        bool end_of_job_posted;
        bool zero_logged;
        bool failing;                    /* a job event failed the resource */

        /* Processes. */
        JobPortClient port;              /* the kernel's process events */
        bool exact;                      /* port.joined: per-process events are exact */
        JobPidmap *sampled;              /* without them: the pids seen by sampling */
        JobPidmap *away;                 /* moved out silently, still tracked for their forks */
        uint64_t total_processes;
        uint64_t new_pending, exit_pending;
        unsigned abnormal_logged;        /* in the current flush period */
        uint64_t abnormal_suppressed;
        uint64_t broken_away;

        /* Accounting kept past the job's end. */
        uint64_t user_usec, system_usec;
        uint64_t peak_job_memory, peak_process_memory;

        /* Breakaway. */
        int breakaway_fd;
        wp_source *breakaway_watch;
        char breakaway_name[108];        /* abstract socket name, without the leading NUL */
};

/* ---- genjob-limits.c ---------------------------------------------------- */

/* The controllers the limits in l need (JOB_CTL_BIT mask). */
unsigned job_limits_needs(const JobLimits *l);
/* Check that every limit set has its controller (and that v1 is not asked
 * for memory.low); error through host->error naming the property. */
int job_limits_check_layout(Genjob *j, const JobLimits *l);
/* The CPUs Affinity gives on this node: requested ∩ online ∩ the parent
 * cpuset. A warning in the log when narrowed, an error naming both lists
 * when empty. *ret is the list to write (malloc'ed). */
int job_affinity_resolve(Genjob *j, const char *affinity, char **ret);
/* Write every cgroup limit of l into the job (online, adopt). */
int job_limits_write(Genjob *j, const JobLimits *l);
/* Live change from the limits in force to l: written at once, logged.
 * Nothing changes when it fails. */
int job_limits_apply_live(Genjob *j, const JobLimits *l, const char *const *changed);
/* One line with every limit set, for the log. */
void job_limits_describe(const JobLimits *l, char *buf, size_t len);

/* ---- genjob-events.c ---------------------------------------------------- */

int job_events_start(Genjob *j);
void job_events_stop(Genjob *j);
/* Re-arm the timer after a change of the limits that need it. */
void job_events_rearm(Genjob *j);
/* Read the counters now and post what changed (memory, pids, job time). */
void job_events_poll(Genjob *j);
/* The process events, from the port or from sampling. */
void job_event_new_process(Genjob *j, pid_t parent, pid_t pid);
void job_event_exit_process(Genjob *j, pid_t pid, int exit_code);
/* Log the counts gathered so far. */
void job_events_flush(Genjob *j);
/* A job event that fails the resource: kill the job, report Failed. */
void job_fail(Genjob *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- genjob-account.c ---------------------------------------------------- */

/* Fill the read-only members of out from the running job, or from what
 * was kept of the last one. */
void job_account_read(Genjob *j, JobLimits *out);
/* Keep the totals before the cgroups go. */
void job_account_keep(Genjob *j);
/* Sample the peak memory of every process (VmPeak). */
void job_account_sample_processes(Genjob *j);

/* ---- genjob-breakaway.c ------------------------------------------------- */

int job_breakaway_start(Genjob *j);
void job_breakaway_stop(Genjob *j);
/* Move pid out of the job; why is logged. Resets the per-process limits
 * the job gave it. It stops being tracked unless keep_tracking (silent
 * breakaway follows the forks it made before it moved: see
 * genjob-events.c). */
int job_breakaway_move(Genjob *j, pid_t pid, const char *why, bool keep_tracking);
/* The name to put in the job's environment, "@wolfpack/..." */
const char *job_breakaway_address(Genjob *j);

/* ---- genjob.c: the instance and the entry points beyond the core's ----- */

/* open: layout NULL when finding it failed (layout_error says why; every
 * online then fails with that). */
int genjob_open(const wp_host *host, wp_resource *r, const JobParams *params, const JobLayout *layout,
                int layout_error, wp_instance *ret);
int genjob_ep_online(wp_instance inst);
int genjob_ep_probe(wp_instance inst);
int genjob_ep_resume_online(wp_instance inst);
int genjob_control(const wp_host *host, wp_instance inst, wp_resource *r, wp_control_code code, void *params,
                   const char *const *changed);
