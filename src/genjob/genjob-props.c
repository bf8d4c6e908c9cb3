/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The job's property values: the names of its enums, the check hooks of
 * its property table, the validation of a whole set of values, copies,
 * and the mapping of PriorityClass to a nice value and of SchedulingClass
 * to a cpu weight. Owns the messages that refuse a value; each says what
 * is allowed. Pure: no I/O, no host callbacks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genjob-caps.h"
#include "genjob-cpulist.h"
#include "genjob.h"
#include "macro.h"
#include "strv.h"

const char *const job_eoj_action_names[] = { "Terminate", "Post", NULL };
const int job_eoj_action_values[] = { JOB_EOJ_TERMINATE, JOB_EOJ_POST };
const char *const job_priority_names[] = { "Idle", "BelowNormal", "Normal", "AboveNormal", "High", NULL };
const int job_priority_values[] = { JOB_PRIO_IDLE, JOB_PRIO_BELOW_NORMAL, JOB_PRIO_NORMAL, JOB_PRIO_ABOVE_NORMAL,
                                    JOB_PRIO_HIGH };
const char *const job_memory_action_names[] = { "KillJob", "KillProcess", NULL };
const int job_memory_action_values[] = { JOB_MEM_KILL_JOB, JOB_MEM_KILL_PROCESS };

/* nice values: the NT classes spread over Linux's range. */
static const int priority_nice[] = {
        [JOB_PRIO_IDLE] = 19,
        [JOB_PRIO_BELOW_NORMAL] = 10,
        [JOB_PRIO_NORMAL] = 0,
        [JOB_PRIO_ABOVE_NORMAL] = -5,
        [JOB_PRIO_HIGH] = -10,
};

/* cpu.weight per SchedulingClass: 5 is the kernel's default weight, each
 * step about half again as much. */
static const uint64_t class_weight[10] = { 10, 20, 35, 50, 75, 100, 150, 250, 400, 700 };

int job_priority_nice(int priority_class) {
        if (priority_class < 0 || (size_t) priority_class >= ELEMENTSOF(priority_nice))
                return 0;
        return priority_nice[priority_class];
}

const char *job_priority_name(int priority_class) {
        return priority_class >= 0 && (size_t) priority_class < ELEMENTSOF(priority_nice)
                       ? job_priority_names[priority_class]
                       : "?";
}

uint64_t job_scheduling_weight(int64_t scheduling_class) {
        return scheduling_class >= 0 && scheduling_class <= 9 ? class_weight[scheduling_class] : 100;
}

int job_check_affinity(const void *member, char *err, size_t errlen) {
        const char *text = *(const char *const *) member;
        JobCpuSet s;
        char msg[256];
        int r;

        if (!text)
                return 0;
        r = job_cpulist_parse(text, &s, msg, sizeof msg);
        if (r < 0) {
                snprintf(err, errlen, "\"%s\" is not a CPU list: %s", text, msg);
                return r;
        }
        if (job_cpuset_empty(&s)) {
                snprintf(err, errlen, "empty: give CPUs and ranges like 0-3,6, or leave it unset for every CPU");
                return -EINVAL;
        }
        return 0;
}

int job_check_capabilities(const void *member, char *err, size_t errlen) {
        char *const *list = *(char *const *const *) member;
        uint64_t mask;

        return job_caps_parse(list, &mask, err, errlen);
}

static bool group_word(const char *s) {
        if (!*s)
                return false;
        if (strspn(s, "0123456789") == strlen(s))
                return true;
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
                return false;
        for (const char *p = s + 1; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      *p == '_' || *p == '-' || *p == '.' || (*p == '$' && p[1] == '\0')))
                        return false;
        return true;
}

int job_check_groups(const void *member, char *err, size_t errlen) {
        char *const *list = *(char *const *const *) member;
        size_t n = strv_length(list);

        for (size_t i = 0; i < n; i++) {
                if (strcmp(list[i], "none") == 0) {
                        if (n > 1) {
                                snprintf(err, errlen, "\"none\" stands alone: it means no supplementary group");
                                return -EINVAL;
                        }
                        continue;
                }
                if (!group_word(list[i])) {
                        snprintf(err, errlen, "\"%s\" is neither a group name nor a numeric gid", list[i]);
                        return -EINVAL;
                }
        }
        return 0;
}

int job_check_process_time(const void *member, char *err, size_t errlen) {
        wp_usec_t v = *(const wp_usec_t *) member;

        if (v != 0 && v < WP_USEC_PER_SEC) {
                snprintf(err, errlen, "must be 1s or more (the kernel counts a process's CPU time in whole "
                                      "seconds), or 0 for no limit");
                return -ERANGE;
        }
        return 0;
}

int job_check_job_time(const void *member, char *err, size_t errlen) {
        wp_usec_t v = *(const wp_usec_t *) member;

        if (v != 0 && v < 10 * WP_USEC_PER_MSEC) {
                snprintf(err, errlen, "must be 10ms or more, or 0 for no limit");
                return -ERANGE;
        }
        return 0;
}

int job_check_memory_size(const void *member, char *err, size_t errlen) {
        uint64_t v = *(const uint64_t *) member;

        if (v != 0 && v < 1024 * 1024) {
                snprintf(err, errlen, "%llu bytes is too small for a process to run in: give 1M or more, or 0 "
                                      "for no limit",
                         (unsigned long long) v);
                return -ERANGE;
        }
        return 0;
}

static bool is_root_name(const char *user) {
        return !user || strcmp(user, "root") == 0 || strspn(user, "0") == strlen(user);
}

int job_limits_validate(const JobLimits *l, const GenappParams *app, char *err, size_t errlen) {
        if (l->minimum_working_set_size && l->maximum_working_set_size &&
            l->minimum_working_set_size > l->maximum_working_set_size) {
                snprintf(err, errlen,
                         "MinimumWorkingSetSize (%llu bytes) is above MaximumWorkingSetSize (%llu bytes): the "
                         "minimum must not exceed the maximum",
                         (unsigned long long) l->minimum_working_set_size,
                         (unsigned long long) l->maximum_working_set_size);
                return -EINVAL;
        }
        if (l->minimum_working_set_size && l->job_memory_limit &&
            l->minimum_working_set_size > l->job_memory_limit) {
                snprintf(err, errlen, "MinimumWorkingSetSize (%llu bytes) is above JobMemoryLimit (%llu bytes)",
                         (unsigned long long) l->minimum_working_set_size, (unsigned long long) l->job_memory_limit);
                return -EINVAL;
        }
        if (l->no_admin && is_root_name(app ? app->user : NULL)) {
                snprintf(err, errlen,
                         "NoAdmin: the job would run as root: set User to an unprivileged user, or turn NoAdmin "
                         "off");
                return -EINVAL;
        }
        return 0;
}

void job_limits_done(JobLimits *l) {
        free(l->affinity);
        strv_free(l->capabilities_to_drop);
        strv_free(l->supplementary_groups);
        l->affinity = NULL;
        l->capabilities_to_drop = NULL;
        l->supplementary_groups = NULL;
}

int job_limits_copy(JobLimits *dst, const JobLimits *src) {
        JobLimits c = *src;

        c.affinity = NULL;
        c.capabilities_to_drop = NULL;
        c.supplementary_groups = NULL;
        if ((src->affinity && !(c.affinity = strdup(src->affinity))) ||
            (src->capabilities_to_drop && !(c.capabilities_to_drop = strv_copy(src->capabilities_to_drop))) ||
            (src->supplementary_groups && !(c.supplementary_groups = strv_copy(src->supplementary_groups)))) {
                job_limits_done(&c);
                return -ENOMEM;
        }
        *dst = c;
        return 0;
}
