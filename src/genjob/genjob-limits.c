/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The job's limits: which controller each needs and whether the layout
 * has it, Affinity against the node's CPUs, writing every limit at online,
 * and live changes while online — cgroup knobs written at once, per-process
 * limits (RLIMIT_CPU, RLIMIT_AS, RLIMIT_CORE, nice) set on every process of
 * the job and in the plan for the processes to come — each logged with
 * where it went. A live change that fails puts back what it had changed.
 * Never leaves a limit that is set without its controller unreported.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include "genjob-cpulist.h"
#include "genjob.h"
#include "macro.h"
#include "props.h"

#define SCHEDULING_CLASS_DEFAULT 5

/* ---- what needs what ---------------------------------------------------- */

typedef struct Need {
        const char *name;
        JobController controller;
        bool (*set)(const JobLimits *l);
} Need;

static bool set_min_ws(const JobLimits *l) {
        return l->minimum_working_set_size != 0;
}

static bool set_max_ws(const JobLimits *l) {
        return l->maximum_working_set_size != 0;
}

static bool set_job_mem(const JobLimits *l) {
        return l->job_memory_limit != 0;
}

static bool set_procs(const JobLimits *l) {
        return l->active_process_limit != 0;
}

static bool set_class(const JobLimits *l) {
        return l->scheduling_class != SCHEDULING_CLASS_DEFAULT;
}

static bool set_affinity(const JobLimits *l) {
        return l->affinity != NULL;
}

static const Need needs[] = {
        { "MinimumWorkingSetSize", JOB_CTL_MEMORY, set_min_ws },
        { "MaximumWorkingSetSize", JOB_CTL_MEMORY, set_max_ws },
        { "JobMemoryLimit", JOB_CTL_MEMORY, set_job_mem },
        { "ActiveProcessLimit", JOB_CTL_PIDS, set_procs },
        { "SchedulingClass", JOB_CTL_CPU, set_class },
        { "Affinity", JOB_CTL_CPUSET, set_affinity },
};

unsigned job_limits_needs(const JobLimits *l) {
        unsigned m = 0;

        for (size_t i = 0; i < ELEMENTSOF(needs); i++)
                if (needs[i].set(l))
                        m |= JOB_CTL_BIT(needs[i].controller);
        return m;
}

static bool memory_on_v1(const JobLayout *layout) {
        int i = layout->by_controller[JOB_CTL_MEMORY];
        return i >= 0 && layout->hier[i].version == 1;
}

int job_limits_check_layout(Genjob *j, const JobLimits *l) {
        char msg[768];

        for (size_t i = 0; i < ELEMENTSOF(needs); i++) {
                if (!needs[i].set(l) || j->layout->by_controller[needs[i].controller] >= 0)
                        continue;
                job_layout_missing(j->layout, needs[i].controller, msg, sizeof msg);
                return j->host->error(j->r, -ENODEV, "%s cannot be enforced: %s", needs[i].name, msg);
        }
        if (l->minimum_working_set_size && memory_on_v1(j->layout))
                return j->host->error(j->r, -EOPNOTSUPP,
                                      "MinimumWorkingSetSize needs memory.low, which only the cgroup v2 memory "
                                      "controller has; on this host the memory controller is on cgroup v1 (%s): "
                                      "unset MinimumWorkingSetSize",
                                      j->layout->hier[j->layout->by_controller[JOB_CTL_MEMORY]].mount);
        return 0;
}

/* ---- Affinity ------------------------------------------------------------ */

static int read_cpulist(const char *path, JobCpuSet *ret) {
        _cleanup_free_ char *text = NULL;
        char err[128];
        int r = job_cgfs_read(path, NULL, &text);

        return r < 0 ? r : job_cpulist_parse(text, ret, err, sizeof err);
}

int job_affinity_resolve(Genjob *j, const char *affinity, char **ret) {
        JobCpuSet want, online, parent, have;
        _cleanup_free_ char *parent_text = NULL;
        char err[256], want_text[512], online_text[512], have_text[512];
        int r;

        r = job_cpulist_parse(affinity, &want, err, sizeof err);
        if (r < 0)
                return j->host->error(j->r, r, "Affinity: \"%s\" is not a CPU list: %s", affinity, err);
        r = read_cpulist("/sys/devices/system/cpu/online", &online);
        if (r < 0)
                return j->host->error(j->r, r, "Affinity: cannot read this node's online CPUs: %s", strerror(-r));
        have = want;
        job_cpuset_and(&have, &online);
        /* A cpuset can only narrow its parent's. */
        if (job_cgroup_parent_cpuset(j->cg, false, &parent_text) >= 0 && parent_text[0] &&
            job_cpulist_parse(parent_text, &parent, err, sizeof err) >= 0) {
                job_cpuset_and(&online, &parent);
                job_cpuset_and(&have, &parent);
        }
        (void) job_cpulist_format(&want, want_text, sizeof want_text);
        (void) job_cpulist_format(&online, online_text, sizeof online_text);
        if (job_cpuset_empty(&have))
                return j->host->error(j->r, -EINVAL,
                                      "Affinity: none of the CPUs %s is available on this node, which has CPUs %s; "
                                      "give CPUs every possible owner has",
                                      want_text, online_text);
        (void) job_cpulist_format(&have, have_text, sizeof have_text);
        if (!job_cpuset_equal(&have, &want))
                j->host->log(j->r, WP_LOG_WARNING, "GENJOB_AFFINITY_NARROWED",
                             "Affinity %s narrowed to %s: this node has CPUs %s", want_text, have_text,
                             online_text);
        *ret = strdup(have_text);
        return *ret ? 0 : -ENOMEM;
}

/* ---- cgroup knobs ------------------------------------------------------ */

static uint64_t or_unlimited(uint64_t v) {
        return v ? v : JOB_UNLIMITED;
}

static bool has_controller(Genjob *j, JobController c) {
        return j->layout->by_controller[c] >= 0;
}

static bool on_v2(Genjob *j, JobController c) {
        int i = j->layout->by_controller[c];
        return i >= 0 && j->layout->hier[i].version == 2;
}

static int knob(Genjob *j, const char *prop, JobKnob k, uint64_t value, const char *text) {
        char err[768];
        int r = job_cgroup_set(j->cg, k, value, text, err, sizeof err);

        return r < 0 ? j->host->error(j->r, r, "%s: %s", prop, err) : 0;
}

static int write_affinity(Genjob *j, const char *affinity) {
        _cleanup_free_ char *cpus = NULL;
        int r;

        if (affinity) {
                r = job_affinity_resolve(j, affinity, &cpus);
                if (r < 0)
                        return r;
        } else {
                /* Every CPU the parent has. */
                r = job_cgroup_parent_cpuset(j->cg, false, &cpus);
                if (r < 0)
                        return j->host->error(j->r, r, "Affinity: cannot read the CPUs of the job's parent cpuset: %s",
                                              strerror(-r));
        }
        return knob(j, "Affinity", JOB_KNOB_CPUSET_CPUS, 0, cpus);
}

int job_limits_write(Genjob *j, const JobLimits *l) {
        int r;

        if (has_controller(j, JOB_CTL_MEMORY)) {
                if (l->job_memory_limit &&
                    (r = knob(j, "JobMemoryLimit", JOB_KNOB_MEMORY_MAX, l->job_memory_limit, NULL)) < 0)
                        return r;
                if (l->maximum_working_set_size &&
                    (r = knob(j, "MaximumWorkingSetSize", JOB_KNOB_MEMORY_HIGH, l->maximum_working_set_size, NULL)) < 0)
                        return r;
                if (l->minimum_working_set_size &&
                    (r = knob(j, "MinimumWorkingSetSize", JOB_KNOB_MEMORY_LOW, l->minimum_working_set_size, NULL)) < 0)
                        return r;
                /* v1 has no group OOM kill: genjob-events.c kills the job. */
                if (on_v2(j, JOB_CTL_MEMORY) &&
                    (r = knob(j, "JobMemoryLimitAction", JOB_KNOB_MEMORY_OOM_GROUP,
                              l->job_memory_limit_action == JOB_MEM_KILL_JOB, NULL)) < 0)
                        return r;
        }
        if (l->active_process_limit &&
            (r = knob(j, "ActiveProcessLimit", JOB_KNOB_PIDS_MAX, (uint64_t) l->active_process_limit, NULL)) < 0)
                return r;
        if (l->scheduling_class != SCHEDULING_CLASS_DEFAULT &&
            (r = knob(j, "SchedulingClass", JOB_KNOB_CPU_WEIGHT, job_scheduling_weight(l->scheduling_class), NULL)) < 0)
                return r;
        if (l->affinity && (r = write_affinity(j, l->affinity)) < 0)
                return r;
        return 0;
}

/* ---- per-process limits on the running processes ---------------------- */

static int for_each_process(Genjob *j, int (*fn)(Genjob *j, pid_t pid, const void *arg), const void *arg) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r = j->host->cgroup_pids(j->r, &pids, &n);

        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                r = fn(j, pids[i], arg);
                if (r < 0 && r != -ESRCH)
                        return r;
        }
        return 0;
}

typedef struct RlimitArg {
        int resource;
        struct rlimit limit;
} RlimitArg;

static int set_rlimit(Genjob *j, pid_t pid, const void *arg) {
        const RlimitArg *a = arg;
        return prlimit(pid, a->resource, &a->limit, NULL) < 0 ? negative_errno() : 0;
}

static int set_nice(Genjob *j, pid_t pid, const void *arg) {
        int nice = *(const int *) arg;
        char path[64];
        DIR *d;
        struct dirent *de;

        /* The nice value belongs to each thread. */
        snprintf(path, sizeof path, "/proc/%d/task", (int) pid);
        d = opendir(path);
        if (!d)
                return errno == ENOENT ? -ESRCH : negative_errno();
        while ((de = readdir(d))) {
                int tid = atoi(de->d_name);
                if (tid > 0 && setpriority(PRIO_PROCESS, (id_t) tid, nice) < 0 && errno != ESRCH) {
                        int r = negative_errno();
                        closedir(d);
                        return r;
                }
        }
        closedir(d);
        return 0;
}

/* The plan's entry for resource, removed when limit is NULL. */
static void plan_rlimit(Genjob *j, int resource, const struct rlimit *limit) {
        JobPlan *p = &j->plan;
        size_t i;

        for (i = 0; i < p->n_rlimit && p->rlimit[i].resource != resource; i++)
                ;
        if (!limit) {
                if (i < p->n_rlimit) {
                        memmove(&p->rlimit[i], &p->rlimit[i + 1], (p->n_rlimit - i - 1) * sizeof p->rlimit[0]);
                        p->n_rlimit--;
                }
                return;
        }
        if (i == p->n_rlimit) {
                if (p->n_rlimit >= JOB_PLAN_RLIMITS)
                        return;
                p->n_rlimit++;
        }
        p->rlimit[i].resource = resource;
        p->rlimit[i].limit = *limit;
}

/* Every process of the job and every one to come. With limit NULL, the
 * running ones get the monitor's own limit back. */
static int rlimit_live(Genjob *j, const char *prop, int resource, const struct rlimit *limit) {
        RlimitArg a = { .resource = resource };
        int r;

        if (limit)
                a.limit = *limit;
        else if (getrlimit(resource, &a.limit) < 0)
                return negative_errno();
        r = for_each_process(j, set_rlimit, &a);
        if (r == -EPERM)
                return j->host->error(j->r, r,
                                      "%s: cannot raise the limit of the job's running processes: raising a hard "
                                      "limit needs CAP_SYS_RESOURCE, which the monitor lacks; lower it while "
                                      "online, raise it while offline",
                                      prop);
        if (r < 0)
                return j->host->error(j->r, r, "%s: cannot set the limit of the job's processes: %s", prop,
                                      strerror(-r));
        plan_rlimit(j, resource, limit);
        return 0;
}

/* ---- live changes ---------------------------------------------------------- */

typedef struct Live {
        const char *name;
        /* Put `to`'s value in force; where it went into `where`. */
        int (*apply)(Genjob *j, const JobLimits *to, char *where, size_t len);
        /* The value as text, for the log. */
        void (*format)(const JobLimits *l, char *buf, size_t len);
} Live;

static void fmt_size(uint64_t v, char *buf, size_t len) {
        _cleanup_free_ char *s = NULL;

        if (v == 0)
                snprintf(buf, len, "none");
        else
                snprintf(buf, len, "%s", format_size(v, &s) >= 0 ? s : "?");
}

static void fmt_duration(wp_usec_t v, char *buf, size_t len) {
        _cleanup_free_ char *s = NULL;

        if (v == 0)
                snprintf(buf, len, "none");
        else
                snprintf(buf, len, "%s", format_duration(v, &s) >= 0 ? s : "?");
}

static void where_knob(Genjob *j, JobKnob k, char *where, size_t len) {
        int i = j->layout->by_controller[job_knob_controller(k)];
        const char *file = NULL;
        char buf[64];

        if (i >= 0 && job_backend(j->layout->hier[i].version)->knob(k, 100, "", &file, buf, sizeof buf) >= 0)
                snprintf(where, len, "written to %s/%s", j->cg->dir[i], file);
        else
                snprintf(where, len, "written");
}

static int apply_ppu(Genjob *j, const JobLimits *to, char *where, size_t len) {
        rlim_t s = (rlim_t) ((to->per_process_user_time_limit + WP_USEC_PER_SEC - 1) / WP_USEC_PER_SEC);
        struct rlimit l = { s, s + 1 };

        snprintf(where, len, "RLIMIT_CPU of every process of the job");
        return rlimit_live(j, "PerProcessUserTimeLimit", RLIMIT_CPU, to->per_process_user_time_limit ? &l : NULL);
}

static void format_ppu(const JobLimits *l, char *b, size_t n) {
        fmt_duration(l->per_process_user_time_limit, b, n);
}

static int apply_pju(Genjob *j, const JobLimits *to, char *where, size_t len) {
        /* A new limit is a new chance: EndOfJobTime is posted again. */
        j->end_of_job_posted = false;
        snprintf(where, len, "checked against cpu.stat user_usec");
        return 0;
}

static void format_pju(const JobLimits *l, char *b, size_t n) {
        fmt_duration(l->per_job_user_time_limit, b, n);
}

static int apply_eoj(Genjob *j, const JobLimits *to, char *where, size_t len) {
        snprintf(where, len, "applies at PerJobUserTimeLimit");
        return 0;
}

static void format_eoj(const JobLimits *l, char *b, size_t n) {
        snprintf(b, n, "%s", job_eoj_action_names[l->end_of_job_time_action == JOB_EOJ_POST]);
}

static int apply_min_ws(Genjob *j, const JobLimits *to, char *where, size_t len) {
        if (to->minimum_working_set_size && memory_on_v1(j->layout))
                return job_limits_check_layout(j, to);
        if (!has_controller(j, JOB_CTL_MEMORY) && !to->minimum_working_set_size)
                return 0;
        where_knob(j, JOB_KNOB_MEMORY_LOW, where, len);
        if (memory_on_v1(j->layout))
                return 0; /* unset on v1: nothing was written */
        return knob(j, "MinimumWorkingSetSize", JOB_KNOB_MEMORY_LOW, to->minimum_working_set_size, NULL);
}

static void format_min_ws(const JobLimits *l, char *b, size_t n) {
        fmt_size(l->minimum_working_set_size, b, n);
}

static int apply_max_ws(Genjob *j, const JobLimits *to, char *where, size_t len) {
        if (!has_controller(j, JOB_CTL_MEMORY) && !to->maximum_working_set_size)
                return 0;
        where_knob(j, JOB_KNOB_MEMORY_HIGH, where, len);
        return knob(j, "MaximumWorkingSetSize", JOB_KNOB_MEMORY_HIGH, or_unlimited(to->maximum_working_set_size),
                    NULL);
}

static void format_max_ws(const JobLimits *l, char *b, size_t n) {
        fmt_size(l->maximum_working_set_size, b, n);
}

static int apply_procs(Genjob *j, const JobLimits *to, char *where, size_t len) {
        if (!has_controller(j, JOB_CTL_PIDS) && !to->active_process_limit)
                return 0;
        where_knob(j, JOB_KNOB_PIDS_MAX, where, len);
        return knob(j, "ActiveProcessLimit", JOB_KNOB_PIDS_MAX,
                    to->active_process_limit ? (uint64_t) to->active_process_limit : JOB_UNLIMITED, NULL);
}

static void format_procs(const JobLimits *l, char *b, size_t n) {
        if (l->active_process_limit)
                snprintf(b, n, "%lld", (long long) l->active_process_limit);
        else
                snprintf(b, n, "none");
}

static int apply_affinity(Genjob *j, const JobLimits *to, char *where, size_t len) {
        if (!has_controller(j, JOB_CTL_CPUSET) && !to->affinity)
                return 0;
        where_knob(j, JOB_KNOB_CPUSET_CPUS, where, len);
        return write_affinity(j, to->affinity);
}

static void format_affinity(const JobLimits *l, char *b, size_t n) {
        snprintf(b, n, "%s", l->affinity ?: "every CPU");
}

static int apply_priority(Genjob *j, const JobLimits *to, char *where, size_t len) {
        int nice = job_priority_nice(to->priority_class), r;

        snprintf(where, len, "nice %d on every thread of the job", nice);
        r = for_each_process(j, set_nice, &nice);
        if (r < 0)
                return j->host->error(j->r, r, "PriorityClass: cannot set the nice value of the job's processes: %s",
                                      strerror(-r));
        j->plan.set_nice = true;
        j->plan.nice = nice;
        return 0;
}

static void format_priority(const JobLimits *l, char *b, size_t n) {
        snprintf(b, n, "%s", job_priority_name(l->priority_class));
}

static int apply_class(Genjob *j, const JobLimits *to, char *where, size_t len) {
        if (!has_controller(j, JOB_CTL_CPU) && to->scheduling_class == SCHEDULING_CLASS_DEFAULT)
                return 0;
        where_knob(j, JOB_KNOB_CPU_WEIGHT, where, len);
        return knob(j, "SchedulingClass", JOB_KNOB_CPU_WEIGHT, job_scheduling_weight(to->scheduling_class), NULL);
}

static void format_class(const JobLimits *l, char *b, size_t n) {
        snprintf(b, n, "%lld", (long long) l->scheduling_class);
}

static int apply_pml(Genjob *j, const JobLimits *to, char *where, size_t len) {
        struct rlimit l = { (rlim_t) to->process_memory_limit, (rlim_t) to->process_memory_limit };

        snprintf(where, len, "RLIMIT_AS of every process of the job");
        return rlimit_live(j, "ProcessMemoryLimit", RLIMIT_AS, to->process_memory_limit ? &l : NULL);
}

static void format_pml(const JobLimits *l, char *b, size_t n) {
        fmt_size(l->process_memory_limit, b, n);
}

static int apply_job_mem(Genjob *j, const JobLimits *to, char *where, size_t len) {
        if (!has_controller(j, JOB_CTL_MEMORY) && !to->job_memory_limit)
                return 0;
        where_knob(j, JOB_KNOB_MEMORY_MAX, where, len);
        return knob(j, "JobMemoryLimit", JOB_KNOB_MEMORY_MAX, or_unlimited(to->job_memory_limit), NULL);
}

static void format_job_mem(const JobLimits *l, char *b, size_t n) {
        fmt_size(l->job_memory_limit, b, n);
}

static int apply_mem_action(Genjob *j, const JobLimits *to, char *where, size_t len) {
        if (!on_v2(j, JOB_CTL_MEMORY)) {
                snprintf(where, len, "applied by genjob at the OOM event (cgroup v1 has no group OOM kill)");
                return 0;
        }
        where_knob(j, JOB_KNOB_MEMORY_OOM_GROUP, where, len);
        return knob(j, "JobMemoryLimitAction", JOB_KNOB_MEMORY_OOM_GROUP,
                    to->job_memory_limit_action == JOB_MEM_KILL_JOB, NULL);
}

static void format_mem_action(const JobLimits *l, char *b, size_t n) {
        snprintf(b, n, "%s", job_memory_action_names[l->job_memory_limit_action == JOB_MEM_KILL_PROCESS]);
}

static int apply_die(Genjob *j, const JobLimits *to, char *where, size_t len) {
        struct rlimit none = { 0, 0 };

        snprintf(where, len, "RLIMIT_CORE of every process of the job");
        return rlimit_live(j, "DieOnUnhandledException", RLIMIT_CORE, to->die_on_unhandled_exception ? &none : NULL);
}

static void format_die(const JobLimits *l, char *b, size_t n) {
        snprintf(b, n, "%s", l->die_on_unhandled_exception ? "on" : "off");
}

static int apply_flag(Genjob *j, const JobLimits *to, char *where, size_t len) {
        snprintf(where, len, "in force");
        return 0;
}

static void format_breakaway(const JobLimits *l, char *b, size_t n) {
        snprintf(b, n, "%s", l->breakaway_ok ? "on" : "off");
}

static void format_silent(const JobLimits *l, char *b, size_t n) {
        snprintf(b, n, "%s", l->silent_breakaway_ok ? "on" : "off");
}

static const Live lives[] = {
        { "PerProcessUserTimeLimit", apply_ppu, format_ppu },
        { "PerJobUserTimeLimit", apply_pju, format_pju },
        { "EndOfJobTimeAction", apply_eoj, format_eoj },
        { "MinimumWorkingSetSize", apply_min_ws, format_min_ws },
        { "MaximumWorkingSetSize", apply_max_ws, format_max_ws },
        { "ActiveProcessLimit", apply_procs, format_procs },
        { "Affinity", apply_affinity, format_affinity },
        { "PriorityClass", apply_priority, format_priority },
        { "SchedulingClass", apply_class, format_class },
        { "ProcessMemoryLimit", apply_pml, format_pml },
        { "JobMemoryLimit", apply_job_mem, format_job_mem },
        { "JobMemoryLimitAction", apply_mem_action, format_mem_action },
        { "DieOnUnhandledException", apply_die, format_die },
        { "BreakawayOk", apply_flag, format_breakaway },
        { "SilentBreakawayOk", apply_flag, format_silent },
};

static const Live *live_find(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(lives); i++)
                if (strcasecmp(lives[i].name, name) == 0)
                        return &lives[i];
        return NULL;
}

int job_limits_apply_live(Genjob *j, const JobLimits *l, const char *const *changed) {
        const Live *done[ELEMENTSOF(lives)];
        size_t n_done = 0;
        JobLimits keep;
        int r;

        /* Nothing is written unless everything can be. */
        if ((r = job_limits_check_layout(j, l)) < 0)
                return r;
        for (const char *const *c = changed; c && *c; c++) {
                const Live *lv = live_find(*c);
                char where[512] = "", before[128], after[128];

                if (!lv)
                        continue;
                lv->format(&j->limits, before, sizeof before);
                lv->format(l, after, sizeof after);
                r = lv->apply(j, l, where, sizeof where);
                if (r < 0) {
                        /* Put back what was changed before this one. */
                        while (n_done > 0) {
                                char ignored[512];
                                done[--n_done]->apply(j, &j->limits, ignored, sizeof ignored);
                        }
                        return r;
                }
                done[n_done++] = lv;
                if (strcmp(before, after) != 0)
                        j->host->log(j->r, WP_LOG_NOTICE, "GENJOB_LIMIT_CHANGED", "%s changed from %s to %s: %s",
                                     lv->name, before, after, where);
        }
        /* The live values are in force: keep them. */
        if (job_limits_copy(&keep, l) < 0)
                return -ENOMEM;
        job_limits_done(&j->limits);
        j->limits = keep;
        job_events_rearm(j);
        return 0;
}

void job_limits_describe(const JobLimits *l, char *buf, size_t len) {
        size_t at = 0;
        char v[128];

#define ADD(cond, name, fmtfn)                                                                  \
        do {                                                                                   \
                if ((cond) && at < len) {                                                      \
                        fmtfn(l, v, sizeof v);                                                 \
                        int n_ = snprintf(buf + at, len - at, "%s%s=%s", at ? ", " : "limits: ", \
                                          name, v);                                            \
                        if (n_ > 0)                                                            \
                                at += (size_t) n_;                                             \
                }                                                                              \
        } while (0)

        buf[0] = '\0';
        ADD(l->per_process_user_time_limit, "PerProcessUserTimeLimit", format_ppu);
        ADD(l->per_job_user_time_limit, "PerJobUserTimeLimit", format_pju);
        ADD(l->per_job_user_time_limit, "EndOfJobTimeAction", format_eoj);
        ADD(l->minimum_working_set_size, "MinimumWorkingSetSize", format_min_ws);
        ADD(l->maximum_working_set_size, "MaximumWorkingSetSize", format_max_ws);
        ADD(l->active_process_limit, "ActiveProcessLimit", format_procs);
        ADD(l->affinity, "Affinity", format_affinity);
        ADD(l->priority_class != JOB_PRIO_NORMAL, "PriorityClass", format_priority);
        ADD(l->scheduling_class != SCHEDULING_CLASS_DEFAULT, "SchedulingClass", format_class);
        ADD(l->process_memory_limit, "ProcessMemoryLimit", format_pml);
        ADD(l->job_memory_limit, "JobMemoryLimit", format_job_mem);
        ADD(l->job_memory_limit, "JobMemoryLimitAction", format_mem_action);
#undef ADD
        if (at == 0)
                snprintf(buf, len, "no limits");
        else if (at >= len)
                buf[len - 1] = '\0';
}
