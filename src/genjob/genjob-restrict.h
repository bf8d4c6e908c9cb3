/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What every process of a job is started with, applied in the child
 * between clone and execve (the core's child_setup hook), while it is
 * still root: joining the job's v1 cgroups (the v2 one it was created in),
 * per-process limits (RLIMIT_CPU, RLIMIT_AS, RLIMIT_CORE), the nice value,
 * a private /tmp in a mount namespace of its own, the system restrictions
 * (a seccomp filter and capabilities dropped from the bounding set), the
 * identity (groups, group, user), the remaining capabilities, the working
 * directory and no_new_privs.
 *
 * The parent builds a JobPlan (the seccomp program included: nothing is
 * allocated or looked up in the child); job_plan_run is async-signal-safe
 * and reports the step that failed through a page shared with the parent
 * (JobChildReport), so that the failure gets a precise message.
 */
#pragma once

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "genjob-cgroup.h"

typedef enum JobStep {
        JOB_STEP_NONE,
        JOB_STEP_JOIN,         /* arg: the hierarchy index */
        JOB_STEP_RLIMIT,       /* arg: the resource */
        JOB_STEP_NICE,
        JOB_STEP_NAMESPACE,
        JOB_STEP_PRIVATE_TMP,
        JOB_STEP_SECUREBITS,
        JOB_STEP_SECCOMP,
        JOB_STEP_BOUNDING,     /* arg: the capability */
        JOB_STEP_GROUPS,
        JOB_STEP_GID,
        JOB_STEP_UID,
        JOB_STEP_CAPS,
        JOB_STEP_CHDIR,
        JOB_STEP_NO_NEW_PRIVS,
        _JOB_STEP_MAX,
} JobStep;

typedef struct JobChildReport {
        int step;    /* JobStep, JOB_STEP_NONE when nothing failed */
        int error;   /* positive errno */
        int arg;
} JobChildReport;

#define JOB_PLAN_RLIMITS 3

typedef struct JobPlan {
        /* v1 cgroups: cgroup.procs fds, written "0" (the writer itself). */
        int join_fd[JOB_HIER_MAX];
        const char *join_dir[JOB_HIER_MAX];
        size_t n_join;
        struct {
                int resource;
                struct rlimit limit;
        } rlimit[JOB_PLAN_RLIMITS];
        size_t n_rlimit;
        bool set_nice;
        int nice;
        /* PrivateTmp: directories bind-mounted on /tmp and /var/tmp
         * (var_tmp_dir NULL: the host has no /var/tmp). */
        char *tmp_dir;
        char *var_tmp_dir;
        /* System restrictions. */
        struct sock_fprog seccomp;   /* len 0: none */
        uint64_t drop_caps;          /* from the bounding set; from every set of a root job */
        int cap_last;                /* /proc/sys/kernel/cap_last_cap */
        bool lock_root;              /* NoAdmin: uid 0 gains nothing by exec */
        /* Identity. */
        bool set_groups, set_gid, set_uid;
        const gid_t *groups;
        size_t n_groups;
        gid_t gid;
        uid_t uid;
        char *cwd;                   /* "/" when NULL */
        bool no_new_privs;
        JobChildReport *report;      /* shared with the parent */
} JobPlan;

#define JOB_PLAN_NULL ((JobPlan) { .cap_last = -1 })

/* The seccomp program refusing (EPERM) the system calls of the chosen
 * restrictions, for the native architecture and its compat ones. 0 and
 * nothing set when none is chosen. */
int job_plan_seccomp(JobPlan *p, bool no_reboot, bool no_clock_change, bool no_hostname_change, bool no_mount,
                     char *err, size_t errlen);
/* /proc/sys/kernel/cap_last_cap, or the highest capability we name. */
int job_cap_last(void);
/* In the child: apply the plan. 0 or a negative errno (report filled). */
int job_plan_run(const JobPlan *p);
/* The failure the child reported, for a person. */
void job_plan_describe_failure(const JobPlan *p, const JobChildReport *rep, char *buf, size_t len);
/* Free what the plan owns (the program, the directory names). */
void job_plan_done(JobPlan *p);

/* A shared anonymous page for JobChildReport; NULL on failure. */
JobChildReport *job_report_new(void);
void job_report_free(JobChildReport *rep);
