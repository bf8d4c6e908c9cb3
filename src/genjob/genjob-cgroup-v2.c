/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup v2 backend of the job's cgroups: which file holds each limit
 * and counter on the unified hierarchy and in what text, enabling the
 * controllers a job needs in the subtree_control files from wolfpack's own
 * cgroup down to the job's parent, and the kernfs notifications of
 * memory.events and pids.events. Works on any directory laid out like a
 * cgroup2 tree. Never creates or removes a directory (the monitor owns the
 * job's v2 cgroup) and never writes above wolfpack's own cgroup.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "genjob-cgroup.h"
#include "macro.h"

static int v2_knob(JobKnob k, uint64_t value, const char *text, const char **ret_file, char *buf, size_t len) {
        static const char *const files[_JOB_KNOB_MAX] = {
                [JOB_KNOB_MEMORY_MAX] = "memory.max",
                [JOB_KNOB_MEMORY_HIGH] = "memory.high",
                [JOB_KNOB_MEMORY_LOW] = "memory.low",
                [JOB_KNOB_MEMORY_OOM_GROUP] = "memory.oom.group",
                [JOB_KNOB_PIDS_MAX] = "pids.max",
                [JOB_KNOB_CPU_WEIGHT] = "cpu.weight",
                [JOB_KNOB_CPUSET_CPUS] = "cpuset.cpus",
                [JOB_KNOB_CPUSET_MEMS] = "cpuset.mems",
        };

        if ((unsigned) k >= _JOB_KNOB_MAX)
                return -EINVAL;
        *ret_file = files[k];
        switch (k) {
        case JOB_KNOB_CPUSET_CPUS:
        case JOB_KNOB_CPUSET_MEMS:
                /* An empty list gives the cgroup its parent's again. */
                snprintf(buf, len, "%s\n", text ?: "");
                return 0;
        case JOB_KNOB_MEMORY_OOM_GROUP:
                snprintf(buf, len, "%d", value ? 1 : 0);
                return 0;
        case JOB_KNOB_CPU_WEIGHT:
                if (value < 1 || value > 10000)
                        return -ERANGE;
                snprintf(buf, len, "%" PRIu64, value);
                return 0;
        default:
                if (value == JOB_UNLIMITED)
                        snprintf(buf, len, "max");
                else
                        snprintf(buf, len, "%" PRIu64, value);
                return 0;
        }
}

static int v2_counter(const char *dir, JobCounter k, uint64_t *ret) {
        _cleanup_free_ char *text = NULL;
        int r;

        switch (k) {
        case JOB_COUNTER_MEMORY_CURRENT:
                r = job_cgfs_read(dir, "memory.current", &text);
                return r < 0 ? r : job_parse_number(text, ret);
        case JOB_COUNTER_MEMORY_PEAK:
                r = job_cgfs_read(dir, "memory.peak", &text);
                return r < 0 ? r : job_parse_number(text, ret);
        case JOB_COUNTER_MEMORY_OOM_KILLS:
                r = job_cgfs_read(dir, "memory.events", &text);
                return r < 0 ? r : job_keyed_value(text, "oom_kill", ret);
        case JOB_COUNTER_PIDS_CURRENT:
                r = job_cgfs_read(dir, "pids.current", &text);
                return r < 0 ? r : job_parse_number(text, ret);
        case JOB_COUNTER_PIDS_LIMIT_HITS:
                r = job_cgfs_read(dir, "pids.events", &text);
                return r < 0 ? r : job_keyed_value(text, "max", ret);
        default:
                return -EINVAL;
        }
}

/* Enable controller name in dir's subtree_control unless it already is. */
static int enable_in(const char *dir, const char *name, char *err, size_t errlen) {
        _cleanup_free_ char *have = NULL, *offered = NULL;
        char value[32];
        int r;

        r = job_cgfs_read(dir, "cgroup.subtree_control", &have);
        if (r < 0) {
                snprintf(err, errlen, "cannot read %s/cgroup.subtree_control: %s", dir, strerror(-r));
                return r;
        }
        if (job_list_has(have, name))
                return 0;
        r = job_cgfs_read(dir, "cgroup.controllers", &offered);
        if (r < 0) {
                snprintf(err, errlen, "cannot read %s/cgroup.controllers: %s", dir, strerror(-r));
                return r;
        }
        if (!job_list_has(offered, name)) {
                offered[strcspn(offered, "\n")] = '\0';
                snprintf(err, errlen,
                         "the %s controller is not offered to %s (its cgroup.controllers: %s): "
                         "the service manager must delegate it to wolfpack's cgroup",
                         name, dir, offered[0] ? offered : "none");
                return -ENODEV;
        }
        snprintf(value, sizeof value, "+%s", name);
        r = job_cgfs_write(dir, "cgroup.subtree_control", value);
        if (r == -EBUSY)
                snprintf(err, errlen,
                         "cannot enable the %s controller below %s: that cgroup holds processes itself, and "
                         "cgroup v2 gives controllers only to the children of cgroups without processes; run "
                         "the monitor in a cgroup of its own beside the resources' cgroups",
                         name, dir);
        else if (r < 0)
                snprintf(err, errlen, "cannot enable the %s controller in %s/cgroup.subtree_control: %s", name,
                         dir, strerror(-r));
        return r;
}

static int v2_prepare(const char *top, const char *dir, unsigned controllers, bool *ret_created, char *err,
                      size_t errlen) {
        _cleanup_free_ char *parent = strdup(dir);
        size_t tl = strlen(top);
        char *slash;
        int r;

        if (ret_created)
                *ret_created = false;
        if (!parent)
                return -ENOMEM;
        slash = strrchr(parent, '/');
        if (!slash || slash == parent)
                return -EINVAL;
        *slash = '\0';
        /* top must be parent or one of its ancestors. */
        if (strncmp(parent, top, tl) != 0 || (parent[tl] != '\0' && parent[tl] != '/'))
                return -EINVAL;

        for (JobController c = 0; c < _JOB_CTL_MAX; c++) {
                if (!(controllers & JOB_CTL_BIT(c)))
                        continue;
                /* From top down: a controller reaches a cgroup only through
                 * its parent's subtree_control. */
                for (char *p = parent + tl;;) {
                        char saved = *p;
                        *p = '\0';
                        r = enable_in(parent, job_controller_name(c), err, errlen);
                        *p = saved;
                        if (r < 0)
                                return r;
                        if (saved == '\0')
                                break;
                        p = strchr(p + 1, '/');
                        if (!p)
                                p = parent + strlen(parent);
                }
        }
        return 0;
}

static int v2_notify(const char *dir, JobController c, JobNotify *ret) {
        const char *file = c == JOB_CTL_MEMORY ? "memory.events" : c == JOB_CTL_PIDS ? "pids.events" : NULL;
        int fd;

        if (!file)
                return -EOPNOTSUPP;
        fd = job_cgfs_open(dir, file, O_RDONLY);
        if (fd < 0)
                return fd;
        *ret = (JobNotify) { .fd = fd, .aux_fd = -1, .events = EPOLLPRI, .version = 2 };
        return 0;
}

const JobBackend job_backend_v2 = {
        .version = 2,
        .knob = v2_knob,
        .counter = v2_counter,
        .prepare = v2_prepare,
        .notify = v2_notify,
};
