/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Finding OCF agents and running their meta-data: see ocf-agent.h. */
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
#include "ocf-exit.h"
#include "spawn.h"
#include "strv.h"
#include "time-util.h"

extern char **environ;

const char *ocf_root(void) {
        const char *r = getenv("OCF_ROOT");
        return r && *r ? r : OCF_ROOT_DEFAULT;
}

int ocf_agent_find(const char *subtype, char **ret_provider, char **ret_agent, char **ret_path, char *err,
                   size_t errlen) {
        const char *colon = strchr(subtype, ':');
        if (!colon || strchr(colon + 1, ':')) {
                snprintf(err, errlen, "ocf types are named ocf:<provider>:<agent> (ocf:heartbeat:Dummy), not ocf:%s",
                         subtype);
                return -EINVAL;
        }
        _cleanup_free_ char *provider = strndup(subtype, (size_t) (colon - subtype));
        _cleanup_free_ char *agent = strdup(colon + 1);
        _cleanup_free_ char *dirs = NULL;
        const char *ra_path = getenv("OCF_RA_PATH");
        if (ra_path && *ra_path)
                dirs = strdup(ra_path);
        else if (asprintf(&dirs, "%s/resource.d", ocf_root()) < 0)
                dirs = NULL;
        if (!provider || !agent || !dirs)
                return -ENOMEM;
        _cleanup_free_ char *searched = strdup(dirs);
        char *save = NULL;
        for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s/%s/%s", d, provider, agent) < 0)
                        return -ENOMEM;
                if (access(path, F_OK) != 0)
                        continue;
                if (access(path, X_OK) != 0) {
                        snprintf(err, errlen, "OCF agent %s is not executable: %m", path);
                        return -EACCES;
                }
                *ret_provider = TAKE_PTR(provider);
                *ret_agent = TAKE_PTR(agent);
                *ret_path = TAKE_PTR(path);
                return 0;
        }
        snprintf(err, errlen, "no OCF agent %s of provider %s in %s (OCF_RA_PATH, or $OCF_ROOT/resource.d)", agent,
                 provider, searched ? searched : "");
        return -ENOENT;
}

int ocf_env_base(char ***ret) {
        _cleanup_(strv_freep) char **env = calloc(1, sizeof(char *));
        if (!env)
                return -ENOMEM;
        for (char **e = environ; e && *e; e++) {
                if (strncmp(*e, "OCF_", 4) == 0)
                        continue;
                char *c = strdup(*e);
                if (!c || strv_push(&env, c) < 0)
                        return -ENOMEM;
        }
        char *root = NULL;
        if (asprintf(&root, "OCF_ROOT=%s", ocf_root()) < 0 || strv_push(&env, root) < 0)
                return -ENOMEM;
        char *major = strdup("OCF_RA_VERSION_MAJOR=1"), *minor = strdup("OCF_RA_VERSION_MINOR=0");
        if (strv_push(&env, major) < 0 || strv_push(&env, minor) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(env);
        return 0;
}

/* Read all of fd until EOF, the deadline or the size cap. */
static int read_until(int fd, uint64_t deadline, char **buf, size_t *len) {
        size_t cap = 0;
        for (;;) {
                uint64_t now = now_monotonic_usec();
                if (now >= deadline)
                        return -ETIME;
                struct pollfd p = { .fd = fd, .events = POLLIN };
                int n = poll(&p, 1, (int) ((deadline - now + 999) / 1000));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        continue;
                if (*len + 4096 + 1 > cap) {
                        cap = cap ? cap * 2 : 16384;
                        char *g = realloc(*buf, cap);
                        if (!g)
                                return -ENOMEM;
                        *buf = g;
                }
                ssize_t r = read(fd, *buf + *len, cap - *len - 1);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                if (r == 0)
                        return 0;
                *len += (size_t) r;
                if (*len > OCF_META_DATA_MAX)
                        return -EFBIG;
        }
}

/* In the child: standard error apart from the meta-data on standard output
 * (agents log warnings there). Async-signal-safe. */
static int stderr_apart(void *userdata) {
        int fd = *(const int *) userdata;
        return dup2(fd, STDERR_FILENO) < 0 ? -errno : 0;
}

/* Run path action with env, its standard output (and its standard error
 * too, with_stderr) read into *ret, for at most budget: past it the agent
 * is killed (-ETIME). *how says how it ended. */
static int run_capture(const char *path, const char *action, char **env, bool with_stderr, wp_usec_t budget,
                       char **ret, size_t *ret_len, wp_exit *how, char *err, size_t errlen) {
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        _cleanup_close_ int rfd = pipefd[0];
        _cleanup_close_ int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null_fd < 0) {
                close(pipefd[1]);
                return -errno;
        }
        char *argv[] = { (char *) path, (char *) action, NULL };
        wp_spawn spec = {
                .argv = argv,
                .env = env,
                .uid = (uid_t) -1,
                .gid = (gid_t) -1,
                .stdout_fd = pipefd[1],
                .new_session = true,
                .child_setup = with_stderr ? NULL : stderr_apart,
                .child_setup_userdata = &null_fd,
        };
        pid_t pid;
        int pidfd;
        char serr[256] = "";
        int k = spawn_process(&spec, -1, &pid, &pidfd, serr, sizeof(serr));
        close(pipefd[1]);
        if (k < 0) {
                snprintf(err, errlen, "cannot run %s %s: %s", path, action, serr[0] ? serr : strerror(-k));
                return k;
        }
        _cleanup_close_ int pfd = pidfd;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        uint64_t deadline = now_monotonic_usec() + budget;
        int r = read_until(rfd, deadline, &buf, &len);
        if (r < 0)
                kill(-pid, SIGKILL);
        /* The agent closed its output: it ends at once, or is made to by
         * the deadline. */
        siginfo_t si = {};
        for (;;) {
                struct pollfd p = { .fd = pfd, .events = POLLIN };
                uint64_t now = now_monotonic_usec();
                int n = poll(&p, 1, now < deadline ? (int) ((deadline - now + 999) / 1000) : 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0 && r >= 0) {
                        r = -ETIME;
                        kill(-pid, SIGKILL);
                        deadline = now_monotonic_usec() + WP_USEC_PER_SEC;
                        continue;
                }
                break;
        }
        if (waitid((idtype_t) P_PIDFD, (id_t) pfd, &si, WEXITED) < 0 && r >= 0)
                r = -errno;
        if (r == -ETIME) {
                bool secs = budget % WP_USEC_PER_SEC == 0;
                snprintf(err, errlen, "%s %s did not finish within %llu %s; killed", path, action,
                         (unsigned long long) (budget / (secs ? WP_USEC_PER_SEC : WP_USEC_PER_MSEC)), secs ? "s" : "ms");
                return -ETIME;
        }
        if (r == -EFBIG) {
                snprintf(err, errlen, "%s %s printed more than %d bytes", path, action, OCF_META_DATA_MAX);
                return -EFBIG;
        }
        if (r < 0) {
                snprintf(err, errlen, "cannot read what %s %s printed: %s", path, action, strerror(-r));
                return r;
        }
        *how = (wp_exit) { .code = si.si_code, .status = si.si_status };
        buf = buf ? buf : strdup("");
        if (!buf)
                return -ENOMEM;
        buf[len] = 0;
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

int ocf_agent_meta_data(const char *path, char **ret, size_t *ret_len, char *err, size_t errlen) {
        _cleanup_(strv_freep) char **env = NULL;
        int k = ocf_env_base(&env);
        if (k < 0)
                return k;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        wp_exit how;
        k = run_capture(path, "meta-data", env, false, OCF_META_DATA_TIMEOUT, &buf, &len, &how, err, errlen);
        if (k < 0)
                return k;
        char text[160];
        if (ocf_outcome(&how, false, text, sizeof(text)) != OCF_OUTCOME_SUCCESS) {
                snprintf(err, errlen, "%s meta-data failed: %s", path, text);
                return -EIO;
        }
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

int ocf_agent_validate(const char *path, char **env, wp_usec_t budget, char *err, size_t errlen) {
        _cleanup_free_ char *out = NULL;
        size_t len = 0;
        wp_exit how;
        int k = run_capture(path, "validate-all", env, true, budget, &out, &len, &how, err, errlen);
        if (k < 0)
                return k == -ETIME ? 0 : k; /* slow to answer: not a refusal */
        if (how.code != CLD_EXITED || how.status == 0)
                return 0;
        /* Only arguments the agent calls invalid (OCF_ERR_ARGS): "not
         * configured" and what this node lacks (not installed, no
         * permission) may depend on what is not there yet — an address
         * another resource of the group brings — or is there on the node
         * the resource runs on. Those the caller is told of, as a warning
         * (1). */
        if (how.status != 2 && how.status != 6)
                return 0;
        char text[160];
        (void) ocf_outcome(&how, false, text, sizeof(text));
        /* The agent's own reason: its ocf-exit-reason line, else its last. */
        const char *why = strstr(out, "ocf-exit-reason:");
        why = why ? why + strlen("ocf-exit-reason:") : NULL;
        if (!why) {
                while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
                        out[--len] = 0;
                why = strrchr(out, '\n') ? strrchr(out, '\n') + 1 : out;
        }
        size_t n = strcspn(why, "\n");
        snprintf(err, errlen, "the agent's validate-all %s these values: %s%s%.*s",
                 how.status == 2 ? "refuses" : "doubts", text, n ? ": " : "", (int) n, why);
        return how.status == 2 ? -EINVAL : 1;
}
