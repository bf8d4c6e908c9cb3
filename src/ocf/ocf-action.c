/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One action of an OCF agent for one resource: the environment the OCF
 * standard gives it, a child process in the resource's cgroup (started by
 * the monitor's host->spawn, reaped by the monitor), the timer of its
 * timeout, and the outcome of its exit code.
 *
 *   state     event              action → next
 *   idle      start              spawn, arm the timer → running
 *   running   exit               release the timer, done(outcome) → idle
 *   running   timeout            kill the resource's cgroup → running (its exit follows, timed out)
 *   running   cancel             kill the action's session, release child and timer → idle
 *
 * Must never wait for an agent on the loop (probe aside, bounded by its
 * budget, the 300 ms rule), nor leave an agent running past its timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"
#include "ocf-agent.h"
#include "ocf.h"
#include "strv.h"
#include "time-util.h"

static int push_fmt(char ***env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int push_fmt(char ***env, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        char *s = NULL;
        int k = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        return strv_push(env, s);
}

int ocf_action_env(const Ocf *o, const char *action, int depth, wp_usec_t timeout, wp_usec_t interval,
                   char ***ret) {
        _cleanup_(strv_freep) char **env = NULL;
        int k = ocf_env_base(&env);
        for (char **p = o->reskeys; k >= 0 && p && *p; p++) {
                char *c = strdup(*p);
                k = c ? strv_push(&env, c) : -ENOMEM;
        }
        if (k >= 0)
                k = push_fmt(&env, "OCF_RESOURCE_INSTANCE=%s", o->host->id(o->r));
        if (k >= 0)
                k = push_fmt(&env, "OCF_RESOURCE_TYPE=%s", o->t->agent);
        if (k >= 0)
                k = push_fmt(&env, "OCF_RESOURCE_PROVIDER=%s", o->t->provider);
        if (k >= 0)
                k = push_fmt(&env, "OCF_RESKEY_CRM_meta_timeout=%llu",
                             (unsigned long long) (timeout / WP_USEC_PER_MSEC));
        if (k >= 0)
                k = push_fmt(&env, "OCF_RESKEY_CRM_meta_interval=%llu",
                             (unsigned long long) (interval / WP_USEC_PER_MSEC));
        if (k >= 0 && strcmp(action, "monitor") == 0)
                k = push_fmt(&env, "OCF_CHECK_LEVEL=%d", depth);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(env);
        return 0;
}

static void action_clear(Ocf *o) {
        if (o->act.timer)
                o->host->release(o->act.timer);
        if (o->act.child)
                o->host->release(o->act.child);
        memset(&o->act, 0, sizeof(o->act));
}

static void on_action_exit(wp_source *s, pid_t pid, const wp_exit *how, void *userdata) {
        Ocf *o = userdata;
        char text[200];
        OcfOutcome outcome = ocf_outcome(how, o->act.timed_out, text, sizeof(text));
        char full[300];
        if (o->act.timed_out)
                snprintf(full, sizeof(full), "%s %s (after %llu ms)", o->act.name, text,
                         (unsigned long long) (o->act.timeout / WP_USEC_PER_MSEC));
        else
                snprintf(full, sizeof(full), "%s: %s", o->act.name, text);
        ocf_done_fn done = o->act.done;
        bool alive_wanted = o->act.alive_wanted;
        action_clear(o); /* releasing the child from its own callback is allowed */
        done(o, outcome, full, alive_wanted);
        if (!o->act.name && o->idle)
                o->idle(o);
}

static int on_timeout(wp_source *s, void *userdata) {
        Ocf *o = userdata;
        o->act.timed_out = true;
        o->host->log(o->r, WP_LOG_ERROR, "OCF_ACTION_TIMEOUT", "%s %s did not finish within %llu ms; killing it",
                     o->t->name, o->act.name, (unsigned long long) (o->act.timeout / WP_USEC_PER_MSEC));
        /* A hung agent may have children of its own: the whole cgroup goes. */
        if (o->host->cgroup_kill(o->r) < 0)
                kill(-o->act.pid, SIGKILL);
        return 0;
}

/* The agent's output goes to ocf.log in the resource's state directory. */
static int open_log(Ocf *o) {
        const char *dir = o->host->state_dir(o->r);
        if (!dir)
                return -1;
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/ocf.log", dir) < 0)
                return -1;
        return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
}

static int spawn_action(Ocf *o, const char *action, int depth, wp_usec_t timeout, wp_usec_t interval,
                        wp_exit_fn on_exit_fn, pid_t *ret_pid, int *ret_pidfd, wp_source **ret_child) {
        _cleanup_(strv_freep) char **env = NULL;
        int k = ocf_action_env(o, action, depth, timeout, interval, &env);
        if (k < 0)
                return o->host->error(o->r, k, "cannot build the environment of %s: %s", action, strerror(-k));
        char *argv[] = { o->t->path, (char *) action, NULL };
        _cleanup_close_ int log = open_log(o);
        wp_spawn spec = {
                .argv = argv,
                .env = env,
                .uid = (uid_t) -1,
                .gid = (gid_t) -1,
                .stdout_fd = log,
                .new_session = true,
        };
        /* host->spawn sets the message of its own errors. */
        return o->host->spawn(o->r, &spec, on_exit_fn, o, ret_pid, ret_pidfd, ret_child);
}

int ocf_action_start(Ocf *o, const char *action, int depth, wp_usec_t timeout, wp_usec_t interval,
                     ocf_done_fn done) {
        if (o->act.name)
                return o->host->error(o->r, -EBUSY, "%s cannot start: %s is still running", action, o->act.name);
        pid_t pid;
        wp_source *child = NULL, *timer = NULL;
        int k = spawn_action(o, action, depth, timeout, interval, on_action_exit, &pid, NULL, &child);
        if (k < 0)
                return k;
        o->act.name = action;
        o->act.pid = pid;
        o->act.child = child;
        o->act.timeout = timeout;
        o->act.done = done;
        k = o->host->add_timer(o->r, timeout, on_timeout, o, &timer);
        if (k < 0) {
                ocf_action_cancel(o);
                return o->host->error(o->r, k, "cannot arm the timeout of %s: %s", action, strerror(-k));
        }
        o->act.timer = timer;
        return 0;
}

void ocf_action_cancel(Ocf *o) {
        if (!o->act.name)
                return;
        kill(-o->act.pid, SIGKILL);
        action_clear(o);
}

int ocf_cgroup_clear(Ocf *o, wp_usec_t limit) {
        int p = o->host->cgroup_populated(o->r);
        if (p > 0) {
                (void) o->host->cgroup_kill(o->r);
                uint64_t until = now_monotonic_usec() + limit;
                while ((p = o->host->cgroup_populated(o->r)) > 0 && now_monotonic_usec() < until)
                        usleep(5000);
        }
        if (p != 0)
                return 0;
        /* A cgroup once killed can kill what is cloned into it later: the
         * next action gets a fresh one. */
        int k = o->host->cgroup_remove(o->r);
        if (k < 0)
                o->host->log(o->r, WP_LOG_WARNING, "OCF_CGROUP_REMOVE", "cannot remove the cgroup %s: %s",
                             o->host->cgroup_path(o->r) ?: "?", strerror(-k));
        return k >= 0;
}

int ocf_action_probe(Ocf *o, wp_usec_t budget) {
        if (o->act.name)
                return o->host->error(o->r, -EBUSY, "cannot probe: %s is still running", o->act.name);
        pid_t pid;
        int pidfd = -1;
        wp_source *child = NULL;
        int k = spawn_action(o, "monitor", 0, budget, 0, on_action_exit, &pid, &pidfd, &child);
        if (k < 0)
                return k;
        _cleanup_close_ int pfd = pidfd;
        uint64_t deadline = now_monotonic_usec() + budget;
        siginfo_t si = {};
        for (;;) {
                uint64_t now = now_monotonic_usec();
                struct pollfd p = { .fd = pfd, .events = POLLIN };
                int n = now < deadline ? poll(&p, 1, (int) ((deadline - now + 999) / 1000)) : 0;
                if (n < 0 && errno == EINTR)
                        continue;
                if (n > 0 && waitid((idtype_t) P_PIDFD, (id_t) pfd, &si, WEXITED | WNOWAIT | WNOHANG) >= 0 &&
                    si.si_pid != 0)
                        break;
                if (n > 0)
                        continue;
                /* The monitor reaps it once released. */
                kill(-pid, SIGKILL);
                o->host->release(child);
                return o->host->error(o->r, -ETIME,
                                      "probe: the agent's monitor did not answer within %llu ms; killed; cannot tell "
                                      "whether the resource runs",
                                      (unsigned long long) (budget / WP_USEC_PER_MSEC));
        }
        o->host->release(child);
        wp_exit how = { .code = si.si_code, .status = si.si_status };
        char text[200];
        switch (ocf_outcome(&how, false, text, sizeof(text))) {
        case OCF_OUTCOME_SUCCESS:
                return 1;
        case OCF_OUTCOME_NOT_RUNNING:
                return 0;
        default:
                o->host->log(o->r, WP_LOG_ERROR, "OCF_PROBE_FAILED", "%s probe (monitor): %s", o->t->name, text);
                return o->host->error(o->r, -EIO, "probe (monitor): %s", text);
        }
}
