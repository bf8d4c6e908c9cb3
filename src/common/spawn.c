/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Process creation: clone3(CLONE_INTO_CGROUP | CLONE_PIDFD | CLONE_VFORK),
 * then the child sets up signals, session, identity, working directory and
 * standard fds, runs the caller's hook and execs. Everything that can be
 * checked or looked up (program, directory, user, groups) is done in the
 * parent first, so that errors carry precise messages and the child needs
 * no allocation or NSS. Owns only the pipe and /dev/null fd of one spawn.
 * The child must never call anything that is not async-signal-safe, and
 * never return into the caller's code: it execs or _exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"
#include "spawn.h"
#include "text-quote.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* The kernel's struct clone_args up to the cgroup member (CLONE_ARGS_SIZE_VER2),
 * declared here so that <linux/sched.h> and <sched.h> need not meet. */
struct spawn_clone_args {
        uint64_t flags;
        uint64_t pidfd;
        uint64_t child_tid;
        uint64_t parent_tid;
        uint64_t exit_signal;
        uint64_t stack;
        uint64_t stack_size;
        uint64_t tls;
        uint64_t set_tid;
        uint64_t set_tid_size;
        uint64_t cgroup;
};

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

extern char **environ;

/* The child's steps, in order; the number travels back with the errno. */
enum spawn_step {
        STEP_SIGNALS,
        STEP_SESSION,
        STEP_GROUPS,
        STEP_SETGID,
        STEP_SETUID,
        STEP_CHDIR,
        STEP_STDIO,
        STEP_CLOSE_FDS,
        STEP_CHILD_SETUP,
        STEP_EXEC,
        _STEP_MAX,
};

/* Everything the child needs, prepared by the parent. */
struct spawn_plan {
        const char *path; /* resolved program */
        char *const *argv;
        char *const *envp;
        const char *cwd;
        bool set_groups, set_gid, set_uid, new_session;
        const gid_t *groups;
        size_t n_groups;
        gid_t gid;
        uid_t uid;
        int stdin_fd, stdout_fd, error_fd;
        int (*child_setup)(void *userdata);
        void *child_setup_userdata;
};

struct spawn_failure {
        int error; /* positive errno */
        int step;
};

_printf_(4, 5) static int fail(int r, char *err, size_t errlen, const char *fmt, ...) {
        if (err && errlen > 0) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(err, errlen, fmt, ap);
                va_end(ap);
        }
        return r;
}

/* ------------------------------------------------------------------------
 * Looking up the program
 * ------------------------------------------------------------------------ */

/* 0: a regular executable file; otherwise a negative errno and the message. */
static int check_executable(const char *path, char *err, size_t errlen) {
        struct stat st;
        if (stat(path, &st) < 0) {
                int r = negative_errno();
                if (r == -ENOENT)
                        return fail(r, err, errlen, "program \"%s\" not found", path);
                return fail(r, err, errlen, "cannot use program \"%s\": %s", path, strerror(-r));
        }
        if (S_ISDIR(st.st_mode))
                return fail(-EISDIR, err, errlen, "\"%s\" is a directory, not a program", path);
        if (!S_ISREG(st.st_mode))
                return fail(-EACCES, err, errlen, "\"%s\" is not a regular file, not a program", path);
        if (access(path, X_OK) < 0) {
                int r = negative_errno();
                if (r == -EACCES)
                        return fail(r, err, errlen, "\"%s\" is not executable", path);
                return fail(r, err, errlen, "cannot use program \"%s\": %s", path, strerror(-r));
        }
        return 0;
}

/* Like execvp: a name with a '/' is taken as it is; otherwise the first
 * executable regular file of that name in search_path. Directories of the
 * name are skipped; a match that is not executable is reported only when
 * nothing else matches. */
static int find_executable_in(const char *name, const char *search_path, char **ret, char *err,
                              size_t errlen) {
        if (!name || !*name)
                return fail(-EINVAL, err, errlen, "no program given");
        if (strlen(name) >= PATH_MAX)
                return fail(-ENAMETOOLONG, err, errlen, "program name too long: %s", text_quote(name).s);

        if (strchr(name, '/')) {
                int r = check_executable(name, err, errlen);
                if (r < 0)
                        return r;
                char *p = strdup(name);
                if (!p)
                        return fail(-ENOMEM, err, errlen, "out of memory");
                *ret = p;
                return 0;
        }

        _cleanup_free_ char *not_executable = NULL;
        for (const char *dir = search_path, *end;; dir = end + 1) {
                end = strchrnul(dir, ':');
                size_t dl = (size_t) (end - dir);
                _cleanup_free_ char *p = NULL;
                /* An empty entry is the current directory, as for execvp. */
                if (asprintf(&p, "%.*s%s%s", (int) dl, dir, dl > 0 ? "/" : "", name) < 0)
                        return fail(-ENOMEM, err, errlen, "out of memory");
                struct stat st;
                if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
                        if (access(p, X_OK) == 0) {
                                *ret = TAKE_PTR(p);
                                return 0;
                        }
                        if (!not_executable)
                                not_executable = TAKE_PTR(p);
                }
                if (*end == 0)
                        break;
        }
        if (not_executable)
                return fail(-EACCES, err, errlen, "\"%s\" is not executable", not_executable);
        return fail(-ENOENT, err, errlen, "program \"%s\" not found in PATH (%s)", name, search_path);
}

int find_executable(const char *name, char **ret, char *err, size_t errlen) {
        const char *search_path = getenv("PATH");
        return find_executable_in(name, search_path ? search_path : DEFAULT_PATH, ret, err, errlen);
}

/* The program is looked up in the PATH it will run with. */
static const char *search_path_of(char *const *env) {
        if (!env) {
                const char *p = getenv("PATH");
                return p ? p : DEFAULT_PATH;
        }
        for (char *const *e = env; *e; e++)
                if (strncmp(*e, "PATH=", 5) == 0)
                        return *e + 5;
        return DEFAULT_PATH;
}

/* ------------------------------------------------------------------------
 * The child
 * ------------------------------------------------------------------------ */

/* fd as a number >= 3, so that installing 0, 1 and 2 cannot overwrite it. */
static int fd_above_stdio(int fd) {
        return fd >= 3 ? fd : fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

/* Returns only on failure: a positive errno, the step in *ret_step. */
static int child_run(struct spawn_plan *p, int *ret_step) {
        sigset_t none;
        struct sigaction dfl = {.sa_handler = SIG_DFL};

        /* Signals were blocked by the parent around clone; reset every
         * disposition before unblocking, so that no handler of the parent
         * ever runs here. glibc refuses its internal signals (32, 33) with
         * EINVAL, yet they can arrive ignored from whoever started us, and
         * an ignored signal stays ignored across execve: reset those with
         * the raw system call. All-zero is SIG_DFL with no flags and an
         * empty mask on every layout of the kernel's struct. */
        *ret_step = STEP_SIGNALS;
        for (int sig = 1; sig < NSIG; sig++) {
                if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, &dfl, NULL) >= 0)
                        continue;
                if (errno != EINVAL)
                        return errno;
                uint64_t kernel_sigaction[4] = {};
                (void) syscall(SYS_rt_sigaction, sig, kernel_sigaction, NULL, (size_t) 8);
        }
        sigemptyset(&none);
        if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
                return errno;

        *ret_step = STEP_SESSION;
        if (p->new_session && setsid() < 0)
                return errno;

        /* Raw system calls: glibc's wrappers would try to change the
         * credentials of every thread of the parent's thread list, taking
         * locks another thread of the parent may have held at clone time.
         * The child has one thread. */
        *ret_step = STEP_GROUPS;
        if (p->set_groups && syscall(SYS_setgroups, p->n_groups, p->groups) < 0)
                return errno;
        *ret_step = STEP_SETGID;
        if (p->set_gid && syscall(SYS_setresgid, p->gid, p->gid, p->gid) < 0)
                return errno;
        *ret_step = STEP_SETUID;
        if (p->set_uid && syscall(SYS_setresuid, p->uid, p->uid, p->uid) < 0)
                return errno;

        /* After the identity change: the directory must be usable by the
         * user (on NFS with root squashing, only by the user). */
        *ret_step = STEP_CHDIR;
        if (chdir(p->cwd) < 0)
                return errno;

        *ret_step = STEP_STDIO;
        int in = fd_above_stdio(p->stdin_fd), out = fd_above_stdio(p->stdout_fd);
        int efd = fd_above_stdio(p->error_fd);
        if (in < 0 || out < 0 || efd < 0)
                return errno;
        p->error_fd = efd; /* report through the moved copy from now on */
        if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
                return errno;
        if (efd != 3) {
                if (dup3(efd, 3, O_CLOEXEC) < 0)
                        return errno;
                p->error_fd = 3;
        }

        /* Close-on-exec rather than close: the hook may still use what the
         * caller opened for it; the program gets only 0, 1 and 2. */
        *ret_step = STEP_CLOSE_FDS;
        if (close_range(4, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
                if (errno != EINVAL && errno != ENOSYS)
                        return errno;
                /* Before Linux 5.11 (flag) or 5.9 (call): close them. */
                struct rlimit rl;
                int max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
                                          rl.rlim_max < (1 << 20)
                                  ? (int) rl.rlim_max
                                  : (1 << 20);
                for (int fd = 4; fd < max; fd++)
                        close(fd);
        }

        *ret_step = STEP_CHILD_SETUP;
        if (p->child_setup) {
                int r = p->child_setup(p->child_setup_userdata);
                if (r < 0)
                        return r > -4096 ? -r : EIO;
        }

        *ret_step = STEP_EXEC;
        execve(p->path, p->argv, p->envp);
        return errno;
}

_Noreturn static void child_main(struct spawn_plan *p) {
        int step = STEP_SIGNALS;
        struct spawn_failure f = {.error = child_run(p, &step)};
        f.step = step;
        if (f.error <= 0)
                f.error = EIO;
        /* Nothing to do if this fails: the parent sees exit status 127. */
        ssize_t w _unused_ = write(p->error_fd, &f, sizeof f);
        _exit(127);
}

/* ------------------------------------------------------------------------
 * The parent
 * ------------------------------------------------------------------------ */

static int describe_failure(const struct spawn_failure *f, const struct spawn_plan *p, char *err,
                            size_t errlen) {
        int r = -f->error;
        const char *why = strerror(f->error);
        switch (f->step) {
        case STEP_SIGNALS:
                return fail(r, err, errlen, "cannot reset signal handling: %s", why);
        case STEP_SESSION:
                return fail(r, err, errlen, "cannot start a new session: %s", why);
        case STEP_GROUPS:
                return fail(r, err, errlen, "cannot set supplementary groups: %s", why);
        case STEP_SETGID:
                return fail(r, err, errlen, "cannot set group %u: %s", (unsigned) p->gid, why);
        case STEP_SETUID:
                return fail(r, err, errlen, "cannot set user %u: %s", (unsigned) p->uid, why);
        case STEP_CHDIR:
                return fail(r, err, errlen, "cannot change directory to \"%s\": %s", p->cwd, why);
        case STEP_STDIO:
                return fail(r, err, errlen, "cannot set up standard input and output: %s", why);
        case STEP_CLOSE_FDS:
                return fail(r, err, errlen, "cannot close inherited file descriptors: %s", why);
        case STEP_CHILD_SETUP:
                return fail(r, err, errlen, "child setup failed: %s", why);
        case STEP_EXEC:
                return fail(r, err, errlen, "cannot execute \"%s\": %s", p->path, why);
        default:
                return fail(r, err, errlen, "process setup failed: %s", why);
        }
}

/* The user's primary group (or gid when given) and, when ret_groups is
 * not NULL, the groups initgroups() would set: the user's supplementary
 * groups and that group. */
static int resolve_user(uid_t uid, gid_t gid, gid_t *ret_gid, gid_t **ret_groups, size_t *ret_n,
                        char *err, size_t errlen) {
        long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
        size_t bufsz = sz > 0 ? (size_t) sz : 16384;
        struct passwd pw, *found = NULL;
        _cleanup_free_ char *buf = NULL;
        for (;;) {
                buf = malloc(bufsz);
                if (!buf)
                        return fail(-ENOMEM, err, errlen, "out of memory");
                int e = getpwuid_r(uid, &pw, buf, bufsz, &found);
                if (e != ERANGE) {
                        if (e != 0)
                                return fail(-e, err, errlen, "cannot set user %u: cannot read the user database: %s",
                                            (unsigned) uid, strerror(e));
                        break;
                }
                free(buf);
                buf = NULL;
                bufsz *= 2;
        }
        if (!found)
                return fail(-ESRCH, err, errlen,
                            "cannot set user %u: no such user in the user database "
                            "(a numeric user needs an explicit group and supplementary groups)",
                            (unsigned) uid);
        if (gid == (gid_t) -1)
                gid = pw.pw_gid;
        *ret_gid = gid;
        if (!ret_groups)
                return 0;

        int n = 32;
        _cleanup_free_ gid_t *groups = NULL;
        for (;;) {
                gid_t *g = realloc(groups, (size_t) n * sizeof(gid_t));
                if (!g)
                        return fail(-ENOMEM, err, errlen, "out of memory");
                groups = g;
                int want = n;
                if (getgrouplist(pw.pw_name, gid, groups, &want) >= 0) {
                        n = want;
                        break;
                }
                if (want <= n) /* no growth: a lookup failure, not a short buffer */
                        return fail(-EIO, err, errlen, "cannot read the groups of user \"%s\"", pw.pw_name);
                n = want;
        }
        *ret_groups = TAKE_PTR(groups);
        *ret_n = (size_t) n;
        return 0;
}

static int check_directory(const char *cwd, char *err, size_t errlen) {
        struct stat st;
        if (stat(cwd, &st) < 0) {
                int r = negative_errno();
                return fail(r, err, errlen, "cannot change directory to \"%s\": %s", cwd, strerror(-r));
        }
        if (!S_ISDIR(st.st_mode))
                return fail(-ENOTDIR, err, errlen, "cannot change directory to \"%s\": %s", cwd,
                            strerror(ENOTDIR));
        return 0;
}

static void describe_cgroup(int cgroup_fd, char *buf, size_t size) {
        char link[64];
        snprintf(link, sizeof link, "/proc/self/fd/%d", cgroup_fd);
        ssize_t n = readlink(link, buf, size - 1);
        if (n <= 0)
                snprintf(buf, size, "(fd %d)", cgroup_fd);
        else
                buf[n] = 0;
}

int spawn_process(const wp_spawn *spec, int cgroup_fd, pid_t *ret_pid, int *ret_pidfd, char *err,
                  size_t errlen) {
        if (!spec || !spec->argv || !spec->argv[0])
                return fail(-EINVAL, err, errlen, "no command given");

        struct spawn_plan p = {
                .argv = spec->argv,
                .envp = spec->env ? spec->env : environ,
                .cwd = spec->cwd ? spec->cwd : "/",
                .new_session = spec->new_session,
                .child_setup = spec->child_setup,
                .child_setup_userdata = spec->child_setup_userdata,
                .error_fd = -1,
        };

        int r = check_directory(p.cwd, err, errlen);
        if (r < 0)
                return r;

        /* A relative path with a '/' means relative to the directory the
         * program starts in. */
        _cleanup_free_ char *path = NULL, *joined = NULL;
        const char *name = spec->argv[0];
        if (strchr(name, '/') && name[0] != '/') {
                while (strncmp(name, "./", 2) == 0)
                        name += 2;
                size_t cl = strlen(p.cwd);
                bool slash = cl > 0 && p.cwd[cl - 1] == '/';
                if (asprintf(&joined, "%s%s%s", p.cwd, slash ? "" : "/", name) < 0)
                        return fail(-ENOMEM, err, errlen, "out of memory");
                name = joined;
        }
        r = find_executable_in(name, search_path_of(spec->env), &path, err, errlen);
        if (r < 0)
                return r;
        p.path = path;

        /* Identity: see wp_spawn. With uid set, a gid or group list left
         * open comes from the user database, looked up here because NSS
         * cannot run in the child. */
        _cleanup_free_ gid_t *user_groups = NULL;
        if (spec->uid != (uid_t) -1) {
                p.set_uid = true;
                p.uid = spec->uid;
                p.set_gid = p.set_groups = true;
                if (spec->gid == (gid_t) -1 || !spec->groups) {
                        r = resolve_user(spec->uid, spec->gid, &p.gid,
                                         spec->groups ? NULL : &user_groups, &p.n_groups, err, errlen);
                        if (r < 0)
                                return r;
                        p.groups = user_groups;
                }
        }
        if (spec->gid != (gid_t) -1) {
                p.set_gid = true;
                p.gid = spec->gid;
        }
        if (spec->groups) {
                p.set_groups = true;
                p.groups = spec->groups;
                p.n_groups = spec->n_groups;
        }

        _cleanup_close_ int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (devnull < 0) {
                r = negative_errno();
                return fail(r, err, errlen, "cannot open /dev/null: %s", strerror(-r));
        }
        p.stdin_fd = devnull;
        p.stdout_fd = spec->stdout_fd >= 0 ? spec->stdout_fd : devnull;

        /* Non-blocking read end: once clone returns, the child has exec'd or
         * exited, so whatever it had to say is already in the pipe. Reading
         * never waits for another process that may hold a copy of the write
         * end through a concurrent fork. */
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0) {
                r = negative_errno();
                return fail(r, err, errlen, "cannot create a pipe: %s", strerror(-r));
        }
        _cleanup_close_ int rd = pipefd[0], wr = pipefd[1];
        p.error_fd = wr;

        int pidfd = -1;
        struct spawn_clone_args args = {
                .flags = CLONE_PIDFD | CLONE_VFORK | (cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0),
                .pidfd = (uint64_t) (uintptr_t) &pidfd,
                .exit_signal = SIGCHLD,
                .cgroup = cgroup_fd >= 0 ? (uint64_t) cgroup_fd : 0,
        };

        /* Block every signal so that none is handled in the child before
         * it has reset the dispositions. */
        sigset_t all, saved;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &saved);
        long pid = syscall(SYS_clone3, &args, sizeof args);
        if (pid == 0)
                child_main(&p);
        int clone_errno = errno;
        pthread_sigmask(SIG_SETMASK, &saved, NULL);

        if (pid < 0) {
                if (clone_errno == ENOSYS || clone_errno == E2BIG)
                        return fail(-clone_errno, err, errlen,
                                    "cannot start a process: clone3 with CLONE_INTO_CGROUP needs Linux 5.7 or later");
                if (cgroup_fd >= 0) {
                        char where[PATH_MAX];
                        describe_cgroup(cgroup_fd, where, sizeof where);
                        return fail(-clone_errno, err, errlen, "cannot start a process in cgroup %s: %s", where,
                                    strerror(clone_errno));
                }
                return fail(-clone_errno, err, errlen, "cannot start a process: %s", strerror(clone_errno));
        }
        _cleanup_close_ int owned_pidfd = pidfd;

        struct spawn_failure f;
        ssize_t n = read(rd, &f, sizeof f);
        if (n != 0 && !(n < 0 && errno == EAGAIN)) {
                /* A full report: the child failed before exec and has exited.
                 * Anything else cannot happen with an 8-byte pipe write;
                 * should it, the child's state is unknown: kill it rather than
                 * wait for a program that may run for ever. */
                if (n != (ssize_t) sizeof f)
                        syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
                siginfo_t si;
                while (waitid(P_PIDFD, (id_t) pidfd, &si, WEXITED) < 0 && errno == EINTR)
                        ;
                if (n != (ssize_t) sizeof f)
                        return fail(-EIO, err, errlen, "cannot read why the process could not start");
                return describe_failure(&f, &p, err, errlen);
        }

        *ret_pid = (pid_t) pid;
        *ret_pidfd = TAKE_FD(owned_pidfd);
        return 0;
}
