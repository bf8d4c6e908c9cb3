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

int ocf_agent_meta_data(const char *path, char **ret, size_t *ret_len, char *err, size_t errlen) {
        _cleanup_(strv_freep) char **env = NULL;
        int k = ocf_env_base(&env);
        if (k < 0)
                return k;
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        _cleanup_close_ int rfd = pipefd[0];
        _cleanup_close_ int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null_fd < 0) {
                close(pipefd[1]);
                return -errno;
        }
        char *argv[] = { (char *) path, (char *) "meta-data", NULL };
        wp_spawn spec = {
                .argv = argv,
                .env = env,
                .uid = (uid_t) -1,
                .gid = (gid_t) -1,
                .stdout_fd = pipefd[1],
                .new_session = true,
                .child_setup = stderr_apart,
                .child_setup_userdata = &null_fd,
        };
        pid_t pid;
        int pidfd;
        char serr[256] = "";
        k = spawn_process(&spec, -1, &pid, &pidfd, serr, sizeof(serr));
        close(pipefd[1]);
        if (k < 0) {
                snprintf(err, errlen, "cannot run %s meta-data: %s", path, serr[0] ? serr : strerror(-k));
                return k;
        }
        _cleanup_close_ int pfd = pidfd;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        uint64_t deadline = now_monotonic_usec() + OCF_META_DATA_TIMEOUT;
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
                snprintf(err, errlen, "%s meta-data did not finish within %llu s; killed", path,
                         (unsigned long long) (OCF_META_DATA_TIMEOUT / WP_USEC_PER_SEC));
                return -ETIME;
        }
        if (r == -EFBIG) {
                snprintf(err, errlen, "%s meta-data printed more than %d bytes", path, OCF_META_DATA_MAX);
                return -EFBIG;
        }
        if (r < 0) {
                snprintf(err, errlen, "cannot read %s meta-data: %s", path, strerror(-r));
                return r;
        }
        wp_exit how = { .code = si.si_code, .status = si.si_status };
        char text[160];
        if (ocf_outcome(&how, false, text, sizeof(text)) != OCF_OUTCOME_SUCCESS) {
                snprintf(err, errlen, "%s meta-data failed: %s", path, text);
                return -EIO;
        }
        buf = buf ? buf : strdup("");
        if (!buf)
                return -ENOMEM;
        buf[len] = 0;
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}
