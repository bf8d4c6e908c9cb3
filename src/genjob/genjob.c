/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The life of a job around the application core's state machine: the
 * instance, the hooks through which the core calls in, and the entry
 * points the core does not cover (probe, which adopts the job; control).
 * Owns the job's cgroups (JobCgroup), what each process is started with
 * (JobPlan, the identity taken over from the core's launch), the private
 * /tmp directories, and the instance's copy of the job's properties.
 * Must never let a process of the job run outside its limits: every
 * process is created in the job's v2 cgroup and joins the v1 ones in
 * child_setup, before execve.
 *
 * job × event → action (the core's states in genapp.c):
 *
 *   inactive  online (before_start)  check limits against the layout,
 *                                    create the cgroups, write the limits,
 *                                    build the plan, start events and
 *                                    breakaway → active
 *   inactive  probe found running    the same, adopting the cgroups
 *             (or resume_online)     (then the core waits again for
 *                                    readiness)
 *   active    child_setup            job_plan_run in the new process
 *   active    main process started   track it; log GENJOB_STARTED
 *   active    main process ended     read the job's counters first (so a
 *                                    JobMemoryLimit kill is the reason),
 *                                    its per-process events
 *   active    every process gone     (after_stop) events off, totals
 *                                    kept, v1 cgroups and private /tmp
 *                                    removed → inactive
 *   any       close                  as after_stop, then free
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "genjob-caps.h"
#include "genjob.h"
#include "macro.h"
#include "strv.h"

/* ---- private /tmp ------------------------------------------------------ */

/* Remove name below dirfd, a directory tree written by the job's
 * processes: nothing is followed, every entry is unlinked where it is. */
static int rm_tree_at(int parent_fd, const char *name) {
        int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *d;
        struct dirent *de;

        if (fd < 0) {
                if (errno == ENOENT)
                        return 0;
                if (errno == ENOTDIR || errno == ELOOP)
                        return unlinkat(parent_fd, name, 0) < 0 && errno != ENOENT ? negative_errno() : 0;
                return negative_errno();
        }
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return negative_errno();
        }
        while ((de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN)
                        (void) rm_tree_at(dirfd(d), de->d_name);
                else
                        (void) unlinkat(dirfd(d), de->d_name, 0);
        }
        closedir(d);
        return unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? negative_errno() : 0;
}

static void tmp_remove(Genjob *j) {
        _cleanup_free_ char *parent = NULL;
        char *slash;
        int fd;

        if (!j->tmp_dir)
                return;
        parent = strdup(j->tmp_dir);
        slash = parent ? strrchr(parent, '/') : NULL;
        if (slash) {
                *slash = '\0';
                fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd >= 0) {
                        (void) rm_tree_at(fd, slash + 1);
                        close(fd);
                }
        }
        free(j->tmp_dir);
        j->tmp_dir = NULL;
}

/* <state>/job-tmp (0700) holding tmp and var-tmp (1777), fresh. */
static int tmp_create(Genjob *j) {
        const char *state = j->host->state_dir(j->r);
        _cleanup_free_ char *tmp = NULL, *var_tmp = NULL;
        int r;

        if (!state)
                return j->host->error(j->r, -ENOENT, "PrivateTmp: the resource has no state directory");
        if (asprintf(&j->tmp_dir, "%s/job-tmp", state) < 0) {
                j->tmp_dir = NULL;
                return -ENOMEM;
        }
        tmp_remove(j);
        if (asprintf(&j->tmp_dir, "%s/job-tmp", state) < 0 || asprintf(&tmp, "%s/tmp", j->tmp_dir) < 0 ||
            asprintf(&var_tmp, "%s/var-tmp", j->tmp_dir) < 0)
                return -ENOMEM;
        if (mkdir(j->tmp_dir, 0700) < 0 || mkdir(tmp, 01777) < 0 || chmod(tmp, 01777) < 0 ||
            mkdir(var_tmp, 01777) < 0 || chmod(var_tmp, 01777) < 0) {
                r = negative_errno();
                return j->host->error(j->r, r, "PrivateTmp: cannot create %s: %s", j->tmp_dir, strerror(-r));
        }
        j->plan.tmp_dir = TAKE_PTR(tmp);
        if (access("/var/tmp", F_OK) == 0)
                j->plan.var_tmp_dir = TAKE_PTR(var_tmp);
        return 0;
}

/* ---- identity ---------------------------------------------------------- */

static int lookup_gid(const char *name, gid_t *ret) {
        long size = sysconf(_SC_GETGR_R_SIZE_MAX);
        size_t n = size > 0 ? (size_t) size : 16384;

        for (;;) {
                _cleanup_free_ char *buf = malloc(n);
                struct group gr, *res = NULL;
                int e;

                if (!buf)
                        return -ENOMEM;
                e = getgrnam_r(name, &gr, buf, n, &res);
                if (e == ERANGE && n < (1u << 20)) {
                        n *= 2;
                        continue;
                }
                if (e != 0 && e != ENOENT && e != ESRCH)
                        return -e;
                if (!res)
                        return -ESRCH;
                *ret = gr.gr_gid;
                return 0;
        }
}

/* SupplementaryGroups, resolved in the monitor: the child must not call
 * NSS. */
static int resolve_groups(Genjob *j, gid_t **ret, size_t *ret_n) {
        char *const *list = j->limits.supplementary_groups;
        size_t n = strv_length(list);
        _cleanup_free_ gid_t *groups = calloc(n + 1, sizeof(gid_t));
        size_t k = 0;

        if (!groups)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char *end;
                unsigned long v;
                int r;

                if (strcmp(list[i], "none") == 0)
                        continue;
                errno = 0;
                v = strtoul(list[i], &end, 10);
                if (errno == 0 && *end == '\0' && end != list[i]) {
                        groups[k++] = (gid_t) v;
                        continue;
                }
                r = lookup_gid(list[i], &groups[k]);
                if (r == -ESRCH)
                        return j->host->error(j->r, r, "SupplementaryGroups: no such group \"%s\"", list[i]);
                if (r < 0)
                        return j->host->error(j->r, r, "SupplementaryGroups: cannot look up \"%s\": %s", list[i],
                                              strerror(-r));
                k++;
        }
        *ret = TAKE_PTR(groups);
        *ret_n = k;
        return 0;
}

/* KEY=VALUE into env, replacing an entry with the same key. Takes
 * entry. */
static int env_set(char ***env, char *entry) {
        size_t kl = strcspn(entry, "=") + 1;

        for (char **e = *env; e && *e; e++)
                if (strncmp(*e, entry, kl) == 0) {
                        free(*e);
                        *e = entry;
                        return 0;
                }
        return strv_push(env, entry);
}

/* What the plan takes from the identity; the plan points into j. */
static void plan_identity(Genjob *j) {
        j->plan.set_uid = j->identity_set && j->uid != (uid_t) -1;
        j->plan.uid = j->uid;
        j->plan.set_gid = j->identity_set && j->gid != (gid_t) -1;
        j->plan.gid = j->gid;
        j->plan.set_groups = j->identity_set && j->groups;
        j->plan.groups = j->groups;
        j->plan.n_groups = j->n_groups;
}

/* The core resolved User and Group and built the environment. Take the
 * identity: every process changes it itself in child_setup, after the
 * steps that need root (the v1 cgroups, the mount namespace, seccomp, the
 * bounding set). */
static int hook_launch_prepared(Genapp *g) {
        Genjob *j = g->ext;
        const wp_host *host = j->host;
        char *entry = NULL;
        int r;

        free(j->groups);
        j->groups = TAKE_PTR(g->launch.groups);
        j->n_groups = g->launch.n_groups;
        g->launch.n_groups = 0;
        j->uid = g->launch.uid;
        j->gid = g->launch.gid;
        if (j->limits.supplementary_groups) {
                gid_t *groups = NULL;
                size_t n = 0;
                if ((r = resolve_groups(j, &groups, &n)) < 0)
                        return r;
                free(j->groups);
                j->groups = groups;
                j->n_groups = n;
        }
        if (j->limits.no_admin && (j->uid == (uid_t) -1 || j->uid == 0))
                return host->error(j->r, -EPERM,
                                   "NoAdmin: the job would run as root: set User to an unprivileged user, or "
                                   "turn NoAdmin off");
        g->launch.uid = (uid_t) -1;
        g->launch.gid = (gid_t) -1;
        j->identity_set = true;
        plan_identity(j);

        if (asprintf(&entry, "WOLFPACK_BREAKAWAY_SOCKET=%s", job_breakaway_address(j)) < 0)
                return -ENOMEM;
        if (env_set(&g->launch.env, entry) < 0) {
                free(entry);
                return -ENOMEM;
        }
        return 0;
}

/* ---- the plan ---------------------------------------------------------- */

static int plan_build(Genjob *j) {
        const JobLimits *l = &j->limits;
        JobPlan *p = &j->plan;
        char err[512];
        uint64_t caps = 0;
        int r;

        job_plan_done(p);
        p->report = j->report;
        for (size_t i = 0; i < JOB_HIER_MAX; i++)
                if (j->cg->join_fd[i] >= 0) {
                        p->join_fd[p->n_join] = j->cg->join_fd[i];
                        p->join_dir[p->n_join] = j->cg->dir[i];
                        p->n_join++;
                }
        if (l->per_process_user_time_limit) {
                rlim_t s = (rlim_t) ((l->per_process_user_time_limit + WP_USEC_PER_SEC - 1) / WP_USEC_PER_SEC);
                /* SIGXCPU at the limit, SIGKILL a second later for a
                 * process that handles it. */
                p->rlimit[p->n_rlimit++] = (typeof(p->rlimit[0])) { RLIMIT_CPU, { s, s + 1 } };
        }
        if (l->process_memory_limit)
                p->rlimit[p->n_rlimit++] = (typeof(p->rlimit[0])) {
                        RLIMIT_AS, { (rlim_t) l->process_memory_limit, (rlim_t) l->process_memory_limit }
                };
        if (l->die_on_unhandled_exception)
                p->rlimit[p->n_rlimit++] = (typeof(p->rlimit[0])) { RLIMIT_CORE, { 0, 0 } };
        p->set_nice = true;
        p->nice = job_priority_nice(l->priority_class);

        r = job_plan_seccomp(p, l->no_reboot, l->no_clock_change, l->no_hostname_change, l->no_mount, err,
                             sizeof err);
        if (r < 0)
                return j->host->error(j->r, r, "%s", err);
        r = job_caps_parse(l->capabilities_to_drop, &caps, err, sizeof err);
        if (r < 0)
                return j->host->error(j->r, r, "CapabilitiesToDrop: %s", err);
        if (l->no_reboot)
                caps |= UINT64_C(1) << 22; /* CAP_SYS_BOOT */
        if (l->no_clock_change)
                caps |= UINT64_C(1) << 25; /* CAP_SYS_TIME */
        p->cap_last = job_cap_last();
        if (l->no_admin)
                caps = p->cap_last >= 63 ? ~UINT64_C(0) : (UINT64_C(1) << (p->cap_last + 1)) - 1;
        p->drop_caps = caps;
        p->lock_root = l->no_admin;
        p->no_new_privs = l->no_new_privileges;
        plan_identity(j);
        if (j->g->params.current_directory && !(p->cwd = strdup(j->g->params.current_directory)))
                return -ENOMEM;
        if (l->private_tmp)
                return tmp_create(j);
        return 0;
}

static int hook_child_setup(Genapp *g, GenappChild kind) {
        Genjob *j = g->ext;

        return j->active ? job_plan_run(&j->plan) : -ESRCH;
}

static int hook_spawn_failed(Genapp *g, int err) {
        Genjob *j = g->ext;
        char msg[512];

        if (!j->report || j->report->step == JOB_STEP_NONE)
                return err;
        job_plan_describe_failure(&j->plan, j->report, msg, sizeof msg);
        return j->host->error(j->r, err, "%s", msg);
}

/* ---- start and stop ------------------------------------------------------ */

static void job_stop(Genjob *j) {
        int r;

        job_breakaway_stop(j);
        job_events_stop(j);
        if (j->cg) {
                job_account_keep(j);
                job_cgroup_close_join(j->cg);
                r = job_cgroup_remove(j->cg);
                if (r < 0)
                        j->host->log(j->r, WP_LOG_WARNING, "GENJOB_CGROUP_REMOVE",
                                     "cannot remove the job's cgroups: %s", strerror(-r));
                j->cg = job_cgroup_free(j->cg);
        }
        tmp_remove(j);
        job_plan_done(&j->plan);
        j->active = false;
}

static int job_start(Genjob *j, bool adopt) {
        const wp_host *host = j->host;
        char err[1024];
        int r;

        if (!j->layout)
                return host->error(j->r, j->layout_error ?: -ENOMEDIUM,
                                   "cannot find the cgroup hierarchies of this host: %s",
                                   strerror(-(j->layout_error ?: -ENOMEDIUM)));
        if ((r = job_limits_check_layout(j, &j->limits)) < 0)
                return r;
        if (!adopt && (r = host->cgroup_create(j->r)) < 0)
                return r;
        r = job_cgroup_new(j->layout, host->cgroup_path(j->r), &j->cg, err, sizeof err);
        if (r < 0)
                return host->error(j->r, r, "cannot place the job: %s", err);
        r = job_cgroup_create(j->cg, job_limits_needs(&j->limits), err, sizeof err);
        if (r < 0) {
                r = host->error(j->r, r, "cannot create the job's cgroups: %s", err);
                goto fail;
        }
        if ((r = job_limits_write(j, &j->limits)) < 0)
                goto fail;
        r = job_cgroup_open_join(j->cg, err, sizeof err);
        if (r < 0) {
                r = host->error(j->r, r, "%s", err);
                goto fail;
        }
        if ((r = plan_build(j)) < 0)
                goto fail;
        j->active = true;
        if ((r = job_events_start(j)) < 0 || (r = job_breakaway_start(j)) < 0)
                goto fail;
        return 0;
fail:
        job_stop(j);
        return r;
}

static int hook_before_start(Genapp *g) {
        Genjob *j = g->ext;

        /* What the main process's child_setup reports is about it alone. */
        if (j->report)
                *j->report = (JobChildReport) {};
        return job_start(j, false);
}

static int hook_after_spawn(Genapp *g, pid_t pid) {
        Genjob *j = g->ext;
        char limits[1024];

        j->main_pid = pid;
        j->main_gone = false;
        j->total_processes = 1;
        if (j->exact)
                (void) job_port_track(&j->port, pid);
        else if (j->sampled)
                (void) job_pidmap_put(j->sampled, pid, j);
        job_limits_describe(&j->limits, limits, sizeof limits);
        j->host->log(j->r, WP_LOG_INFO, "GENJOB_STARTED", "process %d runs in job %s; %s; per-process events: %s",
                     (int) pid, j->cg->v2_dir, limits,
                     j->exact ? "exact (the kernel's process events)" : "counts (sampled every 250ms)");
        return 0;
}

static void hook_main_exited(Genapp *g, pid_t pid, const wp_exit *how) {
        Genjob *j = g->ext;

        if (!j->active || pid != j->main_pid)
                return;
        /* What the kernel reported before this exit first: an OOM kill of
         * the main process is the JobMemoryLimit's doing. */
        job_port_pump();
        job_events_poll(j);
        job_port_untrack(&j->port, pid);
        if (j->sampled)
                job_pidmap_remove(j->sampled, pid);
        j->main_gone = true;
        job_event_exit_process(j, pid,
                               how->code == CLD_EXITED ? (how->status & 0xff) << 8
                                                       : (how->status & 0x7f) | (how->code == CLD_DUMPED ? 0x80 : 0));
}

static void hook_after_stop(Genapp *g) {
        Genjob *j = g->ext;

        if (!j->active && !j->cg)
                return;
        if (!j->zero_logged)
                j->host->log(j->r, WP_LOG_INFO, "GENJOB_ACTIVE_PROCESS_ZERO",
                             "the job has no process left (%llu process(es) in all)",
                             (unsigned long long) j->total_processes);
        j->zero_logged = true;
        job_stop(j);
}

static void genjob_free(void *ext) {
        Genjob *j = ext;

        if (!j)
                return;
        job_stop(j);
        job_limits_done(&j->limits);
        if (j->have_next)
                job_limits_done(&j->next);
        free(j->groups);
        job_report_free(j->report);
        job_pidmap_free(j->sampled);
        job_pidmap_free(j->away);
        free(j);
}

static const GenappHooks genjob_hooks = {
        .before_start = hook_before_start,
        .child_setup = hook_child_setup,
        .after_spawn = hook_after_spawn,
        .after_stop = hook_after_stop,
        .free_ext = genjob_free,
        .launch_prepared = hook_launch_prepared,
        .main_exited = hook_main_exited,
        .spawn_failed = hook_spawn_failed,
};

/* ---- entry points ----------------------------------------------------- */

int genjob_open(const wp_host *host, wp_resource *r, const JobParams *params, const JobLayout *layout,
                int layout_error, wp_instance *ret) {
        Genjob *j = calloc(1, sizeof *j);
        Genapp *g = NULL;
        int k;

        if (!j)
                return host->error(r, -ENOMEM, "cannot create the instance: out of memory");
        *j = (Genjob) {
                .host = host,
                .r = r,
                .layout = layout,
                .layout_error = layout_error,
                .uid = (uid_t) -1,
                .gid = (gid_t) -1,
                .plan = JOB_PLAN_NULL,
                .mem_notify = JOB_NOTIFY_NULL,
                .pids_notify = JOB_NOTIFY_NULL,
                .breakaway_fd = -1,
        };
        j->report = job_report_new();
        if (!j->report || job_limits_copy(&j->limits, &params->job) < 0) {
                genjob_free(j);
                return host->error(r, -ENOMEM, "cannot create the instance: out of memory");
        }

        k = genapp_new(host, r, &params->app, &genjob_hooks, j, &g);
        if (k < 0) {
                genjob_free(j);
                return host->error(r, k, "cannot create the instance: out of memory");
        }
        j->g = g;
        *ret = g;
        return 0;
}

int genjob_ep_online(wp_instance inst) {
        Genapp *g = inst;
        Genjob *j = g->ext;

        if (g->state == GENAPP_STOPPED) {
                if (j->have_next) {
                        job_limits_done(&j->limits);
                        j->limits = j->next;
                        j->next = (JobLimits) {};
                        j->have_next = false;
                }
                j->total_processes = 0;
                j->user_usec = j->system_usec = 0;
                j->peak_job_memory = j->peak_process_memory = 0;
                j->end_of_job_posted = j->zero_logged = j->failing = false;
                j->broken_away = 0;
        }
        return genapp_ep_online(g);
}

int genjob_ep_probe(wp_instance inst) {
        Genapp *g = inst;
        Genjob *j = g->ext;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r = genapp_ep_probe(g), k;

        if (r <= 0)
                return r;
        k = job_start(j, true);
        if (k < 0) {
                /* The application runs: stopping it because its job cannot
                 * be taken over would be worse than running it as it is. */
                j->host->log(j->r, WP_LOG_ERROR, "GENJOB_ADOPT_FAILED",
                             "the application runs, but its job cannot be taken over (limits and events are "
                             "not enforced until the next online): %s", strerror(-k));
                return r;
        }
        j->main_pid = g->watched_pid;
        if (j->host->cgroup_pids(j->r, &pids, &n) >= 0)
                for (size_t i = 0; i < n; i++) {
                        if (j->exact)
                                (void) job_port_track(&j->port, pids[i]);
                        else if (j->sampled)
                                (void) job_pidmap_put(j->sampled, pids[i], j);
                }
        j->total_processes = n;
        j->host->log(j->r, WP_LOG_NOTICE, "GENJOB_ADOPTED", "job %s with %zu process(es) taken over",
                     j->cg->v2_dir, n);
        return r;
}

int genjob_ep_resume_online(wp_instance inst) {
        int r = genjob_ep_probe(inst);

        /* The job is taken over first: a ReadyCheck runs in it. */
        return r > 0 ? genapp_resume_ready(inst) : r;
}

int genjob_control(const wp_host *host, wp_instance inst, wp_resource *r, wp_control_code code, void *params,
                   const char *const *changed) {
        Genapp *g = inst;
        Genjob *j = g ? g->ext : NULL;
        JobParams *p = params;
        char err[512];
        int k;

        switch (code) {
        case WP_CONTROL_VALIDATE:
                k = job_limits_validate(&p->job, &p->app, err, sizeof err);
                if (k < 0)
                        return host->error(r, k, "%s", err);
                return genapp_control(host, g, r, code, &p->app, changed);

        case WP_CONTROL_GET_READONLY:
                k = genapp_control(host, g, r, code, &p->app, changed);
                if (k < 0)
                        return k;
                if (j)
                        job_account_read(j, &p->job);
                return 0;

        case WP_CONTROL_SET_PROPERTIES: {
                JobLimits copy;
                bool running;

                if (!j)
                        return host->error(r, -EINVAL, "no instance to set properties on");
                k = job_limits_validate(&p->job, &p->app, err, sizeof err);
                if (k < 0)
                        return host->error(r, k, "%s", err);
                k = genapp_params_validate(&p->app, err, sizeof err);
                if (k < 0)
                        return host->error(r, k, "%s", err);
                running = g->state != GENAPP_STOPPED;
                if (running && j->active && (k = job_limits_apply_live(j, &p->job, changed)) < 0)
                        return k;
                k = genapp_control(host, g, r, code, &p->app, changed);
                if (k < 0)
                        return k;
                if (job_limits_copy(&copy, &p->job) < 0)
                        return -ENOMEM;
                if (!running) {
                        job_limits_done(&j->limits);
                        j->limits = copy;
                        if (j->have_next)
                                job_limits_done(&j->next);
                        j->have_next = false;
                        return 0;
                }
                /* The live values are in force now (apply_live); the rest
                 * waits for the next online. */
                if (j->have_next)
                        job_limits_done(&j->next);
                j->next = copy;
                j->have_next = true;
                return 0;
        }
        default:
                return host->error(r, -EOPNOTSUPP, "control code %d is not supported", (int) code);
        }
}
