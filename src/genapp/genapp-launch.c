/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What every process of an application resource is started with: the
 * identity (User, Group and supplementary groups, resolved here in the
 * monitor so that the child never calls NSS), the environment, the
 * working directory and the log file. Owns the GenappLaunch of an instance
 * and its log fd. Never starts a process itself (genapp.c and
 * genapp-attempt.c do, through host->spawn).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "genapp-internal.h"
#include "macro.h"
#include "strv.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

typedef struct Identity {
        uid_t uid;          /* (uid_t) -1: stay root */
        gid_t gid;          /* (gid_t) -1: keep */
        bool has_entry;     /* the user database knows the user */
        char *name, *home, *shell;
        gid_t *groups;
        size_t n_groups;
        bool keep_groups;
} Identity;

static void identity_done(Identity *id) {
        free(id->name);
        free(id->home);
        free(id->shell);
        free(id->groups);
}

static size_t nss_buffer_size(int name) {
        long n = sysconf(name);
        return n > 0 ? (size_t) n : 16384;
}

/* getpwnam_r / getpwuid_r with a growing buffer. 1 found, 0 not found,
 * -errno. */
static int lookup_user(const char *name, uid_t uid, Identity *id) {
        size_t size = nss_buffer_size(_SC_GETPW_R_SIZE_MAX);

        for (;;) {
                _cleanup_free_ char *buf = malloc(size);
                struct passwd pw, *res = NULL;
                int r;

                if (!buf)
                        return -ENOMEM;
                r = name ? getpwnam_r(name, &pw, buf, size, &res) : getpwuid_r(uid, &pw, buf, size, &res);
                if (r == ERANGE && size < (1u << 20)) {
                        size *= 2;
                        continue;
                }
                if (r != 0 && r != ENOENT && r != ESRCH)
                        return -r;
                if (!res)
                        return 0;
                id->uid = pw.pw_uid;
                id->gid = pw.pw_gid;
                id->has_entry = true;
                id->name = strdup(pw.pw_name);
                id->home = strdup(pw.pw_dir ?: "/");
                id->shell = strdup(pw.pw_shell && pw.pw_shell[0] ? pw.pw_shell : "/bin/sh");
                if (!id->name || !id->home || !id->shell)
                        return -ENOMEM;
                return 1;
        }
}

static int lookup_group(const char *name, gid_t *ret) {
        size_t size = nss_buffer_size(_SC_GETGR_R_SIZE_MAX);

        for (;;) {
                _cleanup_free_ char *buf = malloc(size);
                struct group gr, *res = NULL;
                int r;

                if (!buf)
                        return -ENOMEM;
                r = getgrnam_r(name, &gr, buf, size, &res);
                if (r == ERANGE && size < (1u << 20)) {
                        size *= 2;
                        continue;
                }
                if (r != 0 && r != ENOENT && r != ESRCH)
                        return -r;
                if (!res)
                        return 0;
                *ret = gr.gr_gid;
                return 1;
        }
}

static int resolve_identity(Genapp *g, Identity *id) {
        const wp_host *host = g->host;
        const char *user = g->params.user, *group = g->params.group;
        uint32_t n;
        int r;

        *id = (Identity) { .uid = (uid_t) -1, .gid = (gid_t) -1 };

        if (!user) {
                r = lookup_user(NULL, 0, id);
                if (r < 0)
                        return host->error(g->r, r, "User: cannot read the entry of root: %s", strerror(-r));
                id->uid = (uid_t) -1;
                id->gid = (gid_t) -1;
                id->keep_groups = !group;
        } else if (genapp_parse_id(user, &n) == 0) {
                r = lookup_user(NULL, n, id);
                if (r < 0)
                        return host->error(g->r, r, "User: cannot look up uid %u: %s", n, strerror(-r));
                id->uid = n;
                if (r == 0 && !group)
                        return host->error(g->r, -EINVAL,
                                           "User: uid %u has no entry in the user database: set Group as well", n);
        } else {
                r = lookup_user(user, 0, id);
                if (r < 0)
                        return host->error(g->r, r, "User: cannot look up \"%s\": %s", user, strerror(-r));
                if (r == 0)
                        return host->error(g->r, -ESRCH, "User: no such user \"%s\"", user);
        }

        if (group) {
                if (genapp_parse_id(group, &n) == 0)
                        id->gid = n;
                else {
                        gid_t gid = (gid_t) -1;
                        r = lookup_group(group, &gid);
                        if (r < 0)
                                return host->error(g->r, r, "Group: cannot look up \"%s\": %s", group, strerror(-r));
                        if (r == 0)
                                return host->error(g->r, -ESRCH, "Group: no such group \"%s\"", group);
                        id->gid = gid;
                }
        }

        if (id->keep_groups)
                return 0;

        /* Supplementary groups: the user's memberships when the user database
         * knows the user, none otherwise. Resolved here: the child must not
         * call NSS (initgroups) between clone and execve. */
        id->groups = calloc(1, sizeof(gid_t));
        if (!id->groups)
                return -ENOMEM;
        if (user && id->has_entry) {
                int count = 1;
                if (getgrouplist(id->name, id->gid, id->groups, &count) < 0) {
                        gid_t *more = reallocarray(id->groups, (size_t) count, sizeof(gid_t));
                        if (!more)
                                return -ENOMEM;
                        id->groups = more;
                        if (getgrouplist(id->name, id->gid, id->groups, &count) < 0)
                                return host->error(g->r, -EIO, "User: cannot list the groups of \"%s\"", id->name);
                }
                id->n_groups = (size_t) count;
        }
        return 0;
}

static int build_env(Genapp *g, const Identity *id, char ***ret) {
        _cleanup_strv_free_ char **env = NULL;
        const wp_host *host = g->host;
        const char *rid = host->id(g->r), *rname = host->name(g->r);
        char *e;

#define PUT(...)                                                 \
        do {                                                     \
                if (asprintf(&e, __VA_ARGS__) < 0)               \
                        return -ENOMEM;                          \
                if (genapp_env_put(&env, e) < 0)                 \
                        return -ENOMEM;                          \
        } while (0)

        PUT("PATH=%s", DEFAULT_PATH);
        if (id->home)
                PUT("HOME=%s", id->home);
        if (id->name) {
                PUT("USER=%s", id->name);
                PUT("LOGNAME=%s", id->name);
        }
        if (id->shell)
                PUT("SHELL=%s", id->shell);
        if (rid)
                PUT("WOLFPACK_RESOURCE_ID=%s", rid);
        if (rname)
                PUT("WOLFPACK_RESOURCE_NAME=%s", rname);
#undef PUT

        for (char **i = g->params.environment; i && *i; i++) {
                char msg[512];
                int r = genapp_env_entry_check(*i, msg, sizeof msg);
                if (r < 0)
                        return host->error(g->r, r, "Environment: %s", msg);
                e = strdup(*i);
                if (!e || genapp_env_put(&env, e) < 0)
                        return -ENOMEM;
        }
        if (!env && !(env = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret = TAKE_PTR(env);
        return 0;
}

static int open_log(Genapp *g, int *ret_fd) {
        const wp_host *host = g->host;
        _cleanup_free_ char *path = NULL;
        int fd;

        if (g->params.log_file)
                path = strdup(g->params.log_file);
        else {
                const char *dir = host->state_dir(g->r);
                if (!dir)
                        return host->error(g->r, -ENOENT,
                                           "LogFile: the resource has no state directory; set LogFile");
                if (asprintf(&path, "%s/output.log", dir) < 0)
                        path = NULL;
        }
        if (!path)
                return -ENOMEM;

        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);
        if (fd < 0) {
                int r = negative_errno();
                return host->error(g->r, r, "LogFile: %s: %s", path, strerror(-r));
        }
        *ret_fd = fd;
        return 0;
}

static int check_directory(Genapp *g) {
        const char *dir = g->params.current_directory;
        struct stat st;

        if (!dir)
                return 0;
        if (stat(dir, &st) < 0) {
                int r = negative_errno();
                return g->host->error(g->r, r, "CurrentDirectory: %s: %s", dir, strerror(-r));
        }
        if (!S_ISDIR(st.st_mode))
                return g->host->error(g->r, -ENOTDIR, "CurrentDirectory: %s: not a directory", dir);
        return 0;
}

void genapp_launch_done(GenappLaunch *l) {
        free(l->groups);
        strv_free(l->env);
        if (l->log_fd >= 0)
                close(l->log_fd);
        *l = (GenappLaunch) { .log_fd = -1 };
}

int genapp_launch_prepare(Genapp *g) {
        _cleanup_(identity_done) Identity id = {};
        GenappLaunch l = { .log_fd = -1 };
        int r;

        genapp_launch_done(&g->launch);

        if ((r = resolve_identity(g, &id)) < 0 || (r = check_directory(g)) < 0 ||
            (r = build_env(g, &id, &l.env)) < 0 || (r = open_log(g, &l.log_fd)) < 0) {
                genapp_launch_done(&l);
                return r;
        }
        l.uid = id.uid;
        l.gid = id.gid;
        l.groups = TAKE_PTR(id.groups);
        l.n_groups = id.n_groups;
        l.ready = true;
        g->launch = l;
        if (g->hooks && g->hooks->launch_prepared && (r = g->hooks->launch_prepared(g)) < 0) {
                genapp_launch_done(&g->launch);
                return r;
        }
        return 0;
}

void genapp_launch_spec(Genapp *g, wp_spawn *spec) {
        spec->env = g->launch.env;
        spec->cwd = g->params.current_directory;
        spec->uid = g->launch.uid;
        spec->gid = g->launch.gid;
        spec->groups = g->launch.groups;
        spec->n_groups = g->launch.n_groups;
        spec->stdout_fd = g->launch.log_fd;
}

int genapp_child_setup(void *userdata) {
        GenappChildContext *c = userdata;

        return c->g->hooks && c->g->hooks->child_setup ? c->g->hooks->child_setup(c->g, c->kind) : 0;
}
