/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup v1 backend of the job's cgroups: the files of the memory,
 * pids, cpu and cpuset controllers and their text (-1 for "no limit",
 * cpu.shares for a weight), creating the job's directory on a v1 hierarchy
 * (a new cpuset is empty and takes no process: its cpus and mems are
 * filled from the parent first), and the OOM notification, an eventfd
 * registered through cgroup.event_control with memory.oom_control. v1 has
 * no memory.low, no group OOM kill and no notification for pids.events:
 * those answer -EOPNOTSUPP and the caller does without or reads on a
 * timer. Never touches a directory above the job's but its parent's
 * cpuset files, read to fill a new cpuset.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "genjob-cgroup.h"
#include "macro.h"

static int v1_knob(JobKnob k, uint64_t value, const char *text, const char **ret_file, char *buf, size_t len) {
        switch (k) {
        case JOB_KNOB_MEMORY_MAX:
                *ret_file = "memory.limit_in_bytes";
                break;
        case JOB_KNOB_MEMORY_HIGH:
                /* The nearest v1 has: reclaimed down to it under memory
                 * pressure, not throttled. */
                *ret_file = "memory.soft_limit_in_bytes";
                break;
        case JOB_KNOB_PIDS_MAX:
                *ret_file = "pids.max";
                if (value == JOB_UNLIMITED)
                        snprintf(buf, len, "max");
                else
                        snprintf(buf, len, "%" PRIu64, value);
                return 0;
        case JOB_KNOB_CPU_WEIGHT: {
                /* cpu.weight 100 is cpu.shares 1024; shares run 2..262144. */
                uint64_t shares;
                if (value < 1 || value > 10000)
                        return -ERANGE;
                shares = value * 1024 / 100;
                if (shares < 2)
                        shares = 2;
                if (shares > 262144)
                        shares = 262144;
                *ret_file = "cpu.shares";
                snprintf(buf, len, "%" PRIu64, shares);
                return 0;
        }
        case JOB_KNOB_CPUSET_CPUS:
        case JOB_KNOB_CPUSET_MEMS:
                *ret_file = k == JOB_KNOB_CPUSET_CPUS ? "cpuset.cpus" : "cpuset.mems";
                snprintf(buf, len, "%s\n", text ?: "");
                return 0;
        case JOB_KNOB_MEMORY_LOW:
        case JOB_KNOB_MEMORY_OOM_GROUP:
                *ret_file = NULL;
                return -EOPNOTSUPP;
        default:
                return -EINVAL;
        }
        /* memory.*: bytes, -1 for none. */
        if (value == JOB_UNLIMITED)
                snprintf(buf, len, "-1");
        else
                snprintf(buf, len, "%" PRIu64, value);
        return 0;
}

static int read_number(const char *dir, const char *file, uint64_t *ret) {
        _cleanup_free_ char *text = NULL;
        int r = job_cgfs_read(dir, file, &text);

        return r < 0 ? r : job_parse_number(text, ret);
}

static int v1_counter(const char *dir, JobCounter k, uint64_t *ret) {
        _cleanup_free_ char *text = NULL;
        int r;

        switch (k) {
        case JOB_COUNTER_MEMORY_CURRENT:
                return read_number(dir, "memory.usage_in_bytes", ret);
        case JOB_COUNTER_MEMORY_PEAK:
                return read_number(dir, "memory.max_usage_in_bytes", ret);
        case JOB_COUNTER_MEMORY_OOM_KILLS:
                r = job_cgfs_read(dir, "memory.oom_control", &text);
                return r < 0 ? r : job_keyed_value(text, "oom_kill", ret);
        case JOB_COUNTER_PIDS_CURRENT:
                return read_number(dir, "pids.current", ret);
        case JOB_COUNTER_PIDS_LIMIT_HITS:
                r = job_cgfs_read(dir, "pids.events", &text);
                return r < 0 ? r : job_keyed_value(text, "max", ret);
        default:
                return -EINVAL;
        }
}

/* A new cpuset has no cpus and no mems, and a process cannot join it:
 * give it its parent's. */
static int fill_cpuset(const char *dir, char *err, size_t errlen) {
        static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
        _cleanup_free_ char *parent = strdup(dir);
        char *slash;

        if (!parent)
                return -ENOMEM;
        slash = strrchr(parent, '/');
        if (!slash || slash == parent)
                return -EINVAL;
        *slash = '\0';
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *have = NULL, *from = NULL;
                int r = job_cgfs_read(dir, files[i], &have);

                if (r < 0) {
                        snprintf(err, errlen, "cannot read %s/%s: %s", dir, files[i], strerror(-r));
                        return r;
                }
                if (have[strspn(have, " \n")] != '\0')
                        continue;
                r = job_cgfs_read(parent, files[i], &from);
                if (r >= 0)
                        r = job_cgfs_write(dir, files[i], from);
                if (r < 0) {
                        snprintf(err, errlen, "cannot fill %s/%s from its parent's: %s", dir, files[i],
                                 strerror(-r));
                        return r;
                }
        }
        return 0;
}

/* mkdir -p below the hierarchy's mount, each new cpuset filled from its
 * parent before its child is made. *created when path itself is new. */
static int mkdir_parents(char *path, bool cpuset, bool *created, char *err, size_t errlen) {
        int r = job_cgfs_exists(path);

        if (r != 0) {
                if (r < 0)
                        snprintf(err, errlen, "cannot use the cgroup %s: %s", path, strerror(-r));
                return r < 0 ? r : 0;
        }
        r = job_cgfs_mkdir(path);
        if (r == -ENOENT) {
                char *slash = strrchr(path, '/');
                if (!slash || slash == path) {
                        snprintf(err, errlen, "cannot create the cgroup %s: %s", path, strerror(ENOENT));
                        return -ENOENT;
                }
                *slash = '\0';
                r = mkdir_parents(path, cpuset, NULL, err, errlen);
                *slash = '/';
                if (r < 0)
                        return r;
                r = job_cgfs_mkdir(path);
        }
        if (r < 0) {
                snprintf(err, errlen, "cannot create the cgroup %s: %s", path, strerror(-r));
                return r;
        }
        if (created)
                *created = true;
        return cpuset ? fill_cpuset(path, err, errlen) : 0;
}

static int v1_prepare(const char *top, const char *dir, unsigned controllers, bool *ret_created, char *err,
                      size_t errlen) {
        _cleanup_free_ char *path = strdup(dir);
        bool cpuset = controllers & JOB_CTL_BIT(JOB_CTL_CPUSET), created = false;
        int r;

        if (!path)
                return -ENOMEM;
        r = mkdir_parents(path, cpuset, &created, err, errlen);
        if (r < 0)
                return r;
        if (ret_created)
                *ret_created = created;
        /* One that existed (adopted, or left by a crash) may be empty. */
        return cpuset ? fill_cpuset(dir, err, errlen) : 0;
}

static int v1_notify(const char *dir, JobController c, JobNotify *ret) {
        _cleanup_close_ int efd = -1, ofd = -1;
        char line[64];
        int r;

        if (c != JOB_CTL_MEMORY)
                return -EOPNOTSUPP;
        efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (efd < 0)
                return negative_errno();
        ofd = job_cgfs_open(dir, "memory.oom_control", O_RDONLY);
        if (ofd < 0)
                return ofd;
        snprintf(line, sizeof line, "%d %d", efd, ofd);
        r = job_cgfs_write(dir, "cgroup.event_control", line);
        if (r < 0)
                return r;
        *ret = (JobNotify) { .fd = TAKE_FD(efd), .aux_fd = TAKE_FD(ofd), .events = EPOLLIN, .version = 1 };
        return 0;
}

const JobBackend job_backend_v1 = {
        .version = 1,
        .knob = v1_knob,
        .counter = v1_counter,
        .prepare = v1_prepare,
        .notify = v1_notify,
};
