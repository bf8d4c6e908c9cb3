/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The job's cgroups: one small interface for every cgroup file operation a
 * job makes, with a backend per hierarchy version.
 *
 *   layout   where the hierarchies are (from /proc/self/mountinfo and
 *            /proc/self/cgroup) and which one holds each controller a job
 *            uses: the cgroup2 tree when it offers the controller to
 *            wolfpack's own cgroup, else a cgroup v1 hierarchy, else none
 *   job      the job's directory on every hierarchy it uses, at the same
 *            path relative to the monitor's own cgroup on each; knobs
 *            (limits) written, counters read, notifications opened, the
 *            job's processes joined and moved out
 *   backend  what differs between v1 and v2: the file behind each knob and
 *            counter and its text, preparing a directory (enabling
 *            controllers on v2; filling a new v1 cpuset), notifications
 *
 * Every file access goes through genjob-cgfs.c. A backend works on any
 * directory laid out like its cgroupfs, which is how the v2 backend is
 * tested on hosts whose cgroup2 tree has no controllers. Returns 0 or a
 * negative errno; functions that take err write a message for a person
 * there. Never logs, never touches a directory outside the job's own but
 * the controller files of its ancestors up to wolfpack's own cgroup.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The controllers a job uses. */
typedef enum JobController {
        JOB_CTL_MEMORY,
        JOB_CTL_PIDS,
        JOB_CTL_CPU,
        JOB_CTL_CPUSET,
        _JOB_CTL_MAX,
} JobController;

#define JOB_CTL_BIT(c) (1u << (c))

/* Limits, written. Numeric knobs take a value, JOB_UNLIMITED for none;
 * text knobs (CPUSET_*) take text. */
typedef enum JobKnob {
        JOB_KNOB_MEMORY_MAX,       /* bytes */
        JOB_KNOB_MEMORY_HIGH,      /* bytes; v1: the soft limit */
        JOB_KNOB_MEMORY_LOW,       /* bytes; v2 only */
        JOB_KNOB_MEMORY_OOM_GROUP, /* 0/1; v2 only */
        JOB_KNOB_PIDS_MAX,
        JOB_KNOB_CPU_WEIGHT,       /* 1..10000, 100 the default; v1: cpu.shares */
        JOB_KNOB_CPUSET_CPUS,      /* CPU list */
        JOB_KNOB_CPUSET_MEMS,      /* memory node list */
        _JOB_KNOB_MAX,
} JobKnob;

#define JOB_UNLIMITED UINT64_MAX

/* Counters, read. */
typedef enum JobCounter {
        JOB_COUNTER_MEMORY_CURRENT,  /* bytes */
        JOB_COUNTER_MEMORY_PEAK,     /* bytes */
        JOB_COUNTER_MEMORY_OOM_KILLS,/* processes the OOM killer killed in the job */
        JOB_COUNTER_PIDS_CURRENT,
        JOB_COUNTER_PIDS_LIMIT_HITS, /* forks refused at pids.max */
        _JOB_COUNTER_MAX,
} JobCounter;

JobController job_knob_controller(JobKnob k);
JobController job_counter_controller(JobCounter c);
const char *job_controller_name(JobController c);   /* "memory" ... */

/* ---- the file seam (genjob-cgfs.c) ------------------------------------ */

/* path/file (file NULL: path), close-on-exec. */
int job_cgfs_open(const char *path, const char *file, int flags);
/* The whole file, NUL-terminated; *ret malloc'ed. */
int job_cgfs_read(const char *path, const char *file, char **ret);
/* Read an open file again from its start (re-arms kernfs notification). */
int job_cgfs_read_fd(int fd, char **ret);
/* One write of value; the kernel's refusal is write()'s errno. */
int job_cgfs_write(const char *path, const char *file, const char *value);
int job_cgfs_write_fd(int fd, const char *value);
int job_cgfs_mkdir(const char *path);   /* 0 when it exists */
int job_cgfs_rmdir(const char *path);   /* 0 when absent */
int job_cgfs_exists(const char *path);  /* 1 directory, 0 absent, -errno */
/* The value of "key N" in flat-keyed text (memory.events, cpu.stat,
 * memory.oom_control): 0, -ENOENT when the key is missing, -EINVAL. */
int job_keyed_value(const char *text, const char *key, uint64_t *ret);
/* A single number, or "max" (JOB_UNLIMITED). */
int job_parse_number(const char *text, uint64_t *ret);
/* Is word one of the blank-separated words of list (cgroup.controllers)? */
bool job_list_has(const char *list, const char *word);

/* ---- the layout (genjob-cgroup.c) ------------------------------------- */

#define JOB_HIER_MAX 8

typedef struct JobHierarchy {
        int version;         /* 1 or 2 */
        char *mount;         /* mount point */
        char *own;           /* the monitor's cgroup on it, relative to mount: "" or "a/b" */
        unsigned controllers;/* JOB_CTL_BIT mask of what it gives jobs */
} JobHierarchy;

typedef struct JobLayout {
        JobHierarchy hier[JOB_HIER_MAX];
        size_t n_hier;
        int v2;                        /* index of the cgroup2 tree; -1 none */
        int by_controller[_JOB_CTL_MAX]; /* index of the hierarchy; -1 missing */
        char *root;                    /* only hierarchies at or directly under it count; NULL: all */
        char *v2_offered;              /* what the cgroup2 tree offers to own ("" none) */
} JobLayout;

/* Build the layout from the text of /proc/self/mountinfo and
 * /proc/self/cgroup. root: see JobLayout. v2_controllers: the text of
 * cgroup.controllers of the monitor's own v2 cgroup (NULL: read it).
 * Pure when v2_controllers is given. */
int job_layout_parse(const char *mountinfo, const char *proc_cgroup, const char *root,
                     const char *v2_controllers, JobLayout *ret);
/* The same from this process's files. root NULL: $WOLFPACK_CGROUP_ROOT. */
int job_layout_detect(const char *root, JobLayout *ret);
void job_layout_done(JobLayout *l);
/* "memory: cgroup v1 at /sys/fs/cgroup/memory" style, for logs. */
void job_layout_describe(const JobLayout *l, JobController c, char *buf, size_t len);
/* Why c is missing, for a person: names the controller and where it was
 * looked for. */
void job_layout_missing(const JobLayout *l, JobController c, char *buf, size_t len);

/* ---- a job (genjob-cgroup.c) ------------------------------------------ */

typedef struct JobBackend JobBackend;

typedef struct JobCgroup {
        const JobLayout *layout;
        char *v2_dir;                 /* the job's cgroup on the v2 tree (the monitor's) */
        char *dir[JOB_HIER_MAX];      /* the job's directory per hierarchy used; NULL unused */
        bool created[JOB_HIER_MAX];   /* made by job_cgroup_create (v1) */
        int join_fd[JOB_HIER_MAX];    /* v1: its cgroup.procs open for writing; -1 */
} JobCgroup;

/* The job whose v2 cgroup is v2_dir (absolute, the monitor's resource
 * cgroup). On every v1 hierarchy the job is below the monitor's own
 * cgroup there by the same relative path as on the v2 tree. A job beside
 * the monitor's cgroup ("../../res/ID": wolfpackd's <own>/res/ID with the
 * monitor in <own>/monitor/N) goes up on v1 only as far as the v1 cgroup
 * mirrors the v2 one; a v1 cgroup that is an ancestor of their common v2
 * cgroup (the service's, not placed further on v1) gives the job its v2
 * path; any other v1 cgroup is the job's base. */
int job_cgroup_new(const JobLayout *l, const char *v2_dir, JobCgroup **ret, char *err, size_t errlen);
JobCgroup *job_cgroup_free(JobCgroup *c);
/* Make the job's directories on the v1 hierarchies (a new cpuset gets its
 * parent's cpus and mems) and enable the v2 controllers it uses (needs
 * is a JOB_CTL_BIT mask) on the way from wolfpack's own cgroup down to the
 * job's parent. The v2 directory itself is the monitor's to create. */
int job_cgroup_create(JobCgroup *c, unsigned needs, char *err, size_t errlen);
/* Open the v1 cgroup.procs files a new process writes itself to. */
int job_cgroup_open_join(JobCgroup *c, char *err, size_t errlen);
void job_cgroup_close_join(JobCgroup *c);
/* Remove the v1 directories (and their parent when it is empty and not
 * the monitor's own); 0, or the first error other than "absent". */
int job_cgroup_remove(JobCgroup *c);

/* Write a knob. -ENODEV: the controller is missing (err from
 * job_layout_missing); -EOPNOTSUPP: the hierarchy has no such knob. */
int job_cgroup_set(JobCgroup *c, JobKnob k, uint64_t value, const char *text, char *err, size_t errlen);
/* Read a knob's current text; *ret malloc'ed. */
int job_cgroup_get_text(JobCgroup *c, JobKnob k, char **ret);
int job_cgroup_read(JobCgroup *c, JobCounter k, uint64_t *ret);
/* user_usec and system_usec of the v2 cpu.stat (present with or without
 * the cpu controller). */
int job_cgroup_cpu_usec(JobCgroup *c, uint64_t *ret_user, uint64_t *ret_system);
/* The list of CPUs (or memory nodes with mems) the job's parent cpuset
 * allows: what a new cpuset is filled with. */
int job_cgroup_parent_cpuset(JobCgroup *c, bool mems, char **ret);

/* A notification fd for c's events (memory: OOM; pids: pids.max hits).
 * -EOPNOTSUPP where the kernel gives none (v1 pids.events): read it on a
 * timer. Drain it with job_notify_drain before reading the counters. */
typedef struct JobNotify {
        int fd;
        int aux_fd;          /* v1: memory.oom_control, kept open while registered */
        uint32_t events;     /* for epoll: EPOLLPRI (kernfs) or EPOLLIN (eventfd) */
        int version;
} JobNotify;
#define JOB_NOTIFY_NULL ((JobNotify) { .fd = -1, .aux_fd = -1 })
int job_cgroup_notify(JobCgroup *c, JobController ctl, JobNotify *ret);
void job_notify_drain(JobNotify *n);
void job_notify_close(JobNotify *n);

/* Move pid out of the job on every hierarchy, into the monitor's own
 * cgroups: v1 ones first, the v2 tree last. */
int job_cgroup_move_out(JobCgroup *c, pid_t pid, char *err, size_t errlen);
/* Is pid in the job's v2 cgroup? 1, 0, -errno. */
int job_cgroup_has_pid(JobCgroup *c, pid_t pid);

/* ---- backends (genjob-cgroup-v1.c, genjob-cgroup-v2.c) --------------- */

struct JobBackend {
        int version;
        /* The file of knob k and the text for value/text; -EOPNOTSUPP when
         * this version has none. */
        int (*knob)(JobKnob k, uint64_t value, const char *text, const char **ret_file, char *buf,
                    size_t len);
        /* Read counter k of the directory dir. */
        int (*counter)(const char *dir, JobCounter k, uint64_t *ret);
        /* Make dir ready for controllers (mask): v1 creates it (and a
         * cpuset's cpus and mems); v2 enables them in the subtree_control
         * files from top down to dir's parent (top is wolfpack's own
         * cgroup, or dir's parent when dir is not below it). */
        int (*prepare)(const char *top, const char *dir, unsigned controllers, bool *ret_created, char *err,
                       size_t errlen);
        int (*notify)(const char *dir, JobController c, JobNotify *ret);
};

extern const JobBackend job_backend_v1;
extern const JobBackend job_backend_v2;
const JobBackend *job_backend(int version);
