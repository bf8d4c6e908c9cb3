/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spawn.c with real processes: each test starts programs in its own cgroup
 * under <own cgroup>/wptest-spawn-<pid> and checks what the programs see
 * (their cgroup, directory, environment, identity, session, fds, signals)
 * from their captured output, and every error message. The teardowns kill
 * and remove the cgroups and temporary directories even when a test fails.
 * Needs root and a cgroup2 tree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgtest.h"
#include "spawn.h"

#define NO_SUCH_UID 12345

static char *base; /* <own>/wptest-spawn-<pid> */
static size_t base_rel; /* length of the mount point prefix of base */

struct fixture {
        char *cg;      /* this test's cgroup */
        int cgfd;
        char *tmp;     /* this test's scratch directory */
        int out;       /* memfd capturing stdout and stderr */
        int pidfds[8]; /* of the processes spawned */
        size_t n_pidfds;
};

/* ------------------------------------------------------------------------ */

/* Reap every child and adopted orphan (all killed by now), so that the
 * next test starts with none. */
static void reap_everything(void) {
        for (int waited = 0; waited < WAIT_MS; waited += 10) {
                pid_t p;
                while ((p = waitpid(-1, NULL, WNOHANG)) > 0)
                        ;
                if (p < 0 && errno == ECHILD)
                        return;
                sleep_ms(10);
        }
}

static int remove_entry(const char *p, const struct stat *st, int type, struct FTW *ftw) {
        return remove(p) < 0 ? -1 : 0;
}

static int group_setup(void **state) {
        _cleanup_free_ char *mnt = NULL;
        if (cg_v2_mount(&mnt) < 0) {
                fprintf(stderr, "no cgroup2 tree\n");
                return -1;
        }
        base_rel = strlen(mnt);
        return scratch_cgroup_new("wptest-spawn-", &base) < 0 ? -1 : 0;
}

static int group_teardown(void **state) {
        destroy_cgroup(base);
        bool gone = !is_dir(base);
        free(base);
        return gone ? 0 : -1;
}

static int setup(void **state) {
        static unsigned counter;
        char name[32];
        snprintf(name, sizeof name, "t%u", ++counter);
        struct fixture *f = calloc(1, sizeof *f);
        if (!f)
                return -1;
        f->cg = join(base, name);
        f->cgfd = -1;
        f->out = memfd_create("wptest-out", MFD_CLOEXEC);
        f->tmp = strdup("/tmp/wptest-spawn-XXXXXX");
        *state = f;
        if (cg_create(f->cg) < 0 || f->out < 0 || !mkdtemp(f->tmp))
                return -1;
        f->cgfd = cg_open_dir(f->cg);
        return f->cgfd >= 0 ? 0 : -1;
}

static int teardown(void **state) {
        struct fixture *f = *state;
        if (!f)
                return 0;
        for (size_t i = 0; i < f->n_pidfds; i++) {
                pidfd_send_signal(f->pidfds[i], SIGKILL, NULL, 0);
                close(f->pidfds[i]);
        }
        if (f->cgfd >= 0)
                close(f->cgfd);
        if (f->out >= 0)
                close(f->out);
        destroy_cgroup(f->cg);
        reap_everything();
        bool gone = !is_dir(f->cg);
        if (f->tmp && is_dir(f->tmp))
                nftw(f->tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(f->cg);
        free(f->tmp);
        free(f);
        return gone ? 0 : -1;
}

/* Spawn and remember the pidfd for the teardown. */
static int spawn(struct fixture *f, const wp_spawn *spec, int cgfd, pid_t *ret_pid, int *ret_pidfd,
                 char *err, size_t errlen) {
        pid_t pid = 0;
        int pidfd = -1;
        err[0] = 0;
        int r = spawn_process(spec, cgfd, &pid, &pidfd, err, errlen);
        if (r < 0) {
                assert_int_equal(pid, 0); /* outputs untouched on failure */
                assert_int_equal(pidfd, -1);
                assert_true(err[0] != 0);
                return r;
        }
        assert_true(f->n_pidfds < ELEMENTSOF(f->pidfds));
        f->pidfds[f->n_pidfds++] = pidfd;
        *ret_pid = pid;
        if (ret_pidfd)
                *ret_pidfd = pidfd;
        return 0;
}

/* Wait for the process behind pidfd; its siginfo. */
static siginfo_t wait_exit(int pidfd) {
        siginfo_t si = {};
        assert_int_equal(waitid(P_PIDFD, (id_t) pidfd, &si, WEXITED), 0);
        return si;
}

/* Run spec to its end and return what it wrote (stdout_fd: f->out). */
static char *run_output(struct fixture *f, wp_spawn *spec, int expected_status) {
        char err[512];
        pid_t pid;
        int pidfd;
        /* Empty, and the shared offset back at 0 for the child. */
        assert_int_equal(ftruncate(f->out, 0), 0);
        assert_int_equal(lseek(f->out, 0, SEEK_SET), 0);
        spec->stdout_fd = f->out;
        int r = spawn(f, spec, f->cgfd, &pid, &pidfd, err, sizeof err);
        if (r < 0)
                fail_msg("spawn failed: %s", err);
        siginfo_t si = wait_exit(pidfd);
        assert_int_equal(si.si_pid, pid);
        assert_int_equal(si.si_code, CLD_EXITED);
        assert_int_equal(si.si_status, expected_status);
        char *buf = calloc(1, 8192);
        assert_non_null(buf);
        ssize_t n = pread(f->out, buf, 8191, 0);
        assert_true(n >= 0);
        return buf;
}

/* A spawn that must fail: its errno and message. */
static void expect_failure(struct fixture *f, const wp_spawn *spec, int want_r, const char *want_msg) {
        char err[512];
        pid_t pid;
        int r = spawn(f, spec, f->cgfd, &pid, NULL, err, sizeof err);
        if (r != want_r || strcmp(err, want_msg) != 0)
                fail_msg("got %d \"%s\", wanted %d \"%s\"", r, err, want_r, want_msg);
        /* Nothing left behind: no zombie, nothing in the cgroup. */
        siginfo_t si = {};
        assert_int_equal(waitid(P_ALL, 0, &si, WEXITED | WNOHANG), -1);
        assert_int_equal(errno, ECHILD);
        assert_int_equal(cg_populated(f->cg), 0);
}

static char *write_file(const char *dir, const char *name, const char *text, mode_t mode) {
        char *p = join(dir, name);
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        assert_int_equal(fchmod(fd, mode), 0);
        close(fd);
        return p;
}

static struct passwd *nobody(void) {
        struct passwd *pw = getpwnam("nobody");
        assert_non_null(pw);
        assert_true(pw->pw_uid != 0);
        return pw;
}

/* Field n (1-based) of /proc/pid/stat, after the command name. */
static long stat_field(pid_t pid, int n) {
        char p[64], buf[1024];
        snprintf(p, sizeof p, "/proc/%d/stat", (int) pid);
        _cleanup_fclose_ FILE *fs = fopen(p, "re");
        assert_non_null(fs);
        assert_non_null(fgets(buf, sizeof buf, fs));
        char *s = strrchr(buf, ')');
        assert_non_null(s);
        s += 2; /* field 3, the state */
        for (int i = 3; i < n; i++) {
                s = strchr(s, ' ');
                assert_non_null(s);
                s++;
        }
        return strtol(s, NULL, 10);
}

/* ------------------------------------------------------------------------ */

static void test_true_in_cgroup(void **state) {
        struct fixture *f = *state;
        char *argv[] = {"true", NULL};
        wp_spawn spec = {.argv = argv, .uid = (uid_t) -1, .gid = (gid_t) -1, .stdout_fd = -1};
        char err[512];
        pid_t pid;
        int pidfd;
        assert_int_equal(spawn(f, &spec, f->cgfd, &pid, &pidfd, err, sizeof err), 0);
        assert_true(pid > 0);
        int fl = fcntl(pidfd, F_GETFD);
        assert_true(fl >= 0 && (fl & FD_CLOEXEC));
        siginfo_t si = wait_exit(pidfd);
        assert_int_equal(si.si_pid, pid);
        assert_int_equal(si.si_code, CLD_EXITED);
        assert_int_equal(si.si_status, 0);
        assert_true(wait_populated(f->cg, 0, false));

        /* It starts in the cgroup: it sees itself there. */
        char *cat[] = {"cat", "/proc/self/cgroup", NULL};
        spec.argv = cat;
        _cleanup_free_ char *out = run_output(f, &spec, 0);
        char want[PATH_MAX + 8];
        snprintf(want, sizeof want, "0::%s\n", f->cg + base_rel);
        assert_non_null(strstr(out, want));
        assert_true(wait_populated(f->cg, 0, false));
        assert_int_equal(cg_remove(f->cg), 0);
}

static void test_running_in_cgroup(void **state) {
        struct fixture *f = *state;
        char *argv[] = {"sleep", "30", NULL};
        wp_spawn spec = {.argv = argv, .uid = (uid_t) -1, .gid = (gid_t) -1, .stdout_fd = -1};
        char err[512];
        pid_t pid;
        int pidfd;
        assert_int_equal(spawn(f, &spec, f->cgfd, &pid, &pidfd, err, sizeof err), 0);

        /* The pidfd is the child's. */
        char fdinfo[64], line[256], want[64];
        snprintf(fdinfo, sizeof fdinfo, "/proc/self/fdinfo/%d", pidfd);
        snprintf(want, sizeof want, "Pid:\t%d\n", (int) pid);
        _cleanup_fclose_ FILE *fi = fopen(fdinfo, "re");
        assert_non_null(fi);
        bool found = false;
        while (!found && fgets(line, sizeof line, fi))
                found = strcmp(line, want) == 0;
        assert_true(found);

        _cleanup_free_ char *procs_path = join(f->cg, "cgroup.procs");
        _cleanup_fclose_ FILE *pf = fopen(procs_path, "re");
        assert_non_null(pf);
        assert_non_null(fgets(line, sizeof line, pf));
        assert_int_equal(atoi(line), pid);
        assert_null(fgets(line, sizeof line, pf)); /* only it */
        assert_int_equal(cg_populated(f->cg), 1);
        pid_t *pids;
        size_t n;
        assert_int_equal(cg_pids(f->cg, &pids, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(pids[0], pid);
        free(pids);
        assert_int_equal(cg_remove(f->cg), -EBUSY);

        assert_int_equal(pidfd_send_signal(pidfd, SIGTERM, NULL, 0), 0);
        siginfo_t si = wait_exit(pidfd);
        assert_int_equal(si.si_code, CLD_KILLED);
        assert_int_equal(si.si_status, SIGTERM);
        assert_true(wait_populated(f->cg, 0, false));
        assert_int_equal(cg_remove(f->cg), 0);
}

static void test_no_cgroup(void **state) {
        struct fixture *f = *state;
        char *argv[] = {"cat", "/proc/self/cgroup", NULL};
        wp_spawn spec = {.argv = argv, .uid = (uid_t) -1, .gid = (gid_t) -1};
        char err[512];
        pid_t pid;
        int pidfd;
        assert_int_equal(ftruncate(f->out, 0), 0);
        spec.stdout_fd = f->out;
        assert_int_equal(spawn(f, &spec, -1, &pid, &pidfd, err, sizeof err), 0);
        wait_exit(pidfd);
        char out[4096] = "", mine[4096] = "";
        assert_true(pread(f->out, out, sizeof out - 1, 0) > 0);
        int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_true(read(fd, mine, sizeof mine - 1) > 0);
        close(fd);
        assert_string_equal(out, mine);
}

static void test_cwd(void **state) {
        struct fixture *f = *state;
        char *argv[] = {"pwd", NULL};
        wp_spawn spec = {.argv = argv, .uid = (uid_t) -1, .gid = (gid_t) -1};
        _cleanup_free_ char *root = run_output(f, &spec, 0);
        assert_string_equal(root, "/\n");

        spec.cwd = f->tmp;
        _cleanup_free_ char *out = run_output(f, &spec, 0);
        char real[PATH_MAX], want[PATH_MAX + 2];
        assert_non_null(realpath(f->tmp, real));
        snprintf(want, sizeof want, "%s\n", real);
        assert_string_equal(out, want);

        /* A relative program path is relative to the directory it starts in. */
        _cleanup_free_ char *script = write_file(f->tmp, "hello", "#!/bin/sh\necho hello from \"$0\"\n", 0755);
        char *rel[] = {"./hello", NULL};
        spec.argv = rel;
        _cleanup_free_ char *hello = run_output(f, &spec, 0);
        char want_hello[PATH_MAX + 32];
        snprintf(want_hello, sizeof want_hello, "hello from %s\n", script);
        assert_string_equal(hello, want_hello);
}

static void test_env(void **state) {
        struct fixture *f = *state;
        char *argv[] = {"/usr/bin/env", NULL};
        char *env[] = {"FOO=bar", "EMPTY=", NULL};
        wp_spawn spec = {.argv = argv, .env = env, .uid = (uid_t) -1, .gid = (gid_t) -1};
        _cleanup_free_ char *out = run_output(f, &spec, 0);
        assert_string_equal(out, "FOO=bar\nEMPTY=\n");

        /* NULL: ours. */
        assert_int_equal(setenv("WPTEST_SPAWN_VAR", "forty two", 1), 0);
        char *sh[] = {"/bin/sh", "-c", "echo \"$WPTEST_SPAWN_VAR\"", NULL};
        spec.argv = sh;
        spec.env = NULL;
        _cleanup_free_ char *inherited = run_output(f, &spec, 0);
        unsetenv("WPTEST_SPAWN_VAR");
        assert_string_equal(inherited, "forty two\n");

        /* The program is looked up in the PATH it is given. */
        char *bare[] = {"printenv", "PATH", NULL};
        char *path_env[] = {"PATH=/usr/bin", NULL};
        spec.argv = bare;
        spec.env = path_env;
        _cleanup_free_ char *p = run_output(f, &spec, 0);
        assert_string_equal(p, "/usr/bin\n");
        char *nowhere[] = {"PATH=/nonexistent-wptest", NULL};
        spec.env = nowhere;
        expect_failure(f, &spec, -ENOENT, "program \"printenv\" not found in PATH (/nonexistent-wptest)");
}

static void test_user(void **state) {
        struct fixture *f = *state;
        struct passwd *pw = nobody();
        uid_t uid = pw->pw_uid;
        gid_t gid = pw->pw_gid;
        char name[64];
        snprintf(name, sizeof name, "%s", pw->pw_name);
        char *argv[] = {"/bin/sh", "-c", "id -u; id -g; id -G", NULL};
        wp_spawn spec = {.argv = argv, .uid = uid, .gid = (gid_t) -1};

        /* The user's primary group and groups, as initgroups would set. */
        gid_t groups[64];
        int ng = ELEMENTSOF(groups);
        assert_true(getgrouplist(name, gid, groups, &ng) >= 0);
        char want[1024];
        int len = snprintf(want, sizeof want, "%u\n%u\n%u", (unsigned) uid, (unsigned) gid, (unsigned) gid);
        for (int i = 0; i < ng; i++)
                if (groups[i] != gid)
                        len += snprintf(want + len, sizeof want - (size_t) len, " %u", (unsigned) groups[i]);
        snprintf(want + len, sizeof want - (size_t) len, "\n");
        _cleanup_free_ char *out = run_output(f, &spec, 0);
        assert_string_equal(out, want);

        /* Explicit group and supplementary groups. */
        gid_t extra[] = {4242, 4243};
        spec.gid = 4241;
        spec.groups = extra;
        spec.n_groups = ELEMENTSOF(extra);
        snprintf(want, sizeof want, "%u\n4241\n4241 4242 4243\n", (unsigned) uid);
        _cleanup_free_ char *explicit = run_output(f, &spec, 0);
        assert_string_equal(explicit, want);

        /* An empty supplementary list is a list: no groups. */
        spec.n_groups = 0;
        snprintf(want, sizeof want, "%u\n4241\n4241\n", (unsigned) uid);
        _cleanup_free_ char *none = run_output(f, &spec, 0);
        assert_string_equal(none, want);

        /* A numeric user with no entry works when everything is given. */
        assert_null(getpwuid(NO_SUCH_UID));
        spec.uid = NO_SUCH_UID;
        spec.gid = NO_SUCH_UID;
        snprintf(want, sizeof want, "%u\n%u\n%u\n", NO_SUCH_UID, NO_SUCH_UID, NO_SUCH_UID);
        _cleanup_free_ char *numeric = run_output(f, &spec, 0);
        assert_string_equal(numeric, want);

        /* ... and not otherwise. */
        spec.groups = NULL;
        expect_failure(f, &spec, -ESRCH,
                       "cannot set user 12345: no such user in the user database "
                       "(a numeric user needs an explicit group and supplementary groups)");

        /* Nothing given: stays root, keeps our groups. */
        wp_spawn keep = {.argv = argv, .uid = (uid_t) -1, .gid = (gid_t) -1};
        _cleanup_free_ char *root = run_output(f, &keep, 0);
        assert_memory_equal(root, "0\n0\n", 4);
}

static void test_session(void **state) {
        struct fixture *f = *state;
        char *argv[] = {"sleep", "30", NULL};
        wp_spawn spec = {.argv = argv, .uid = (uid_t) -1, .gid = (gid_t) -1, .stdout_fd = -1,
                         .new_session = true};
        char err[512];
        pid_t pid;
        int pidfd;
        assert_int_equal(spawn(f, &spec, f->cgfd, &pid, &pidfd, err, sizeof err), 0);
        assert_int_equal(stat_field(pid, 6), pid); /* session */
        assert_int_equal(stat_field(pid, 5), pid); /* process group */
        assert_int_equal(getsid(pid), pid);

        spec.new_session = false;
        pid_t pid2;
        assert_int_equal(spawn(f, &spec, f->cgfd, &pid2, NULL, err, sizeof err), 0);
        assert_int_equal(stat_field(pid2, 6), getsid(0));
        assert_int_equal(cg_kill(f->cg), 0);
        assert_true(wait_populated(f->cg, 0, false));
}

static void test_parent_errors(void **state) {
        struct fixture *f = *state;
        char err[512];
        char *found = NULL;
        const char *saved = getenv("PATH");
        _cleanup_free_ char *saved_path = saved ? strdup(saved) : NULL;

        assert_int_equal(setenv("PATH", "/usr/bin:/bin", 1), 0);
        int r = find_executable("nope-wptest", &found, err, sizeof err);
        int r2 = find_executable("true", &found, NULL, 0);
        if (saved_path)
                setenv("PATH", saved_path, 1);
        assert_int_equal(r, -ENOENT);
        assert_string_equal(err, "program \"nope-wptest\" not found in PATH (/usr/bin:/bin)");
        assert_int_equal(r2, 0);
        assert_string_equal(found, "/usr/bin/true");
        free(found);
        found = NULL;

        /* A name too long is shown cut on a character boundary: the
         * message must stay valid UTF-8 for the JSON reply. */
        char *longname = malloc(PATH_MAX + 1);
        assert_non_null(longname);
        memset(longname, 'a', PATH_MAX);
        longname[PATH_MAX] = '\0';
        memcpy(longname + 63, "\xc3\xa9", 2);
        assert_int_equal(find_executable(longname, &found, err, sizeof err), -ENAMETOOLONG);
        char cut[512];
        snprintf(cut, sizeof cut, "program name too long: \"%.63s\xc3\xa9\"...", longname);
        assert_string_equal(err, cut);
        free(longname);

        assert_int_equal(find_executable("/etc/passwd", &found, err, sizeof err), -EACCES);
        assert_string_equal(err, "\"/etc/passwd\" is not executable");
        assert_int_equal(find_executable("/tmp", &found, err, sizeof err), -EISDIR);
        assert_string_equal(err, "\"/tmp\" is a directory, not a program");
        assert_int_equal(find_executable("/nope-wptest/x", &found, err, sizeof err), -ENOENT);
        assert_string_equal(err, "program \"/nope-wptest/x\" not found");
        assert_int_equal(find_executable("/dev/null", &found, err, sizeof err), -EACCES);
        assert_string_equal(err, "\"/dev/null\" is not a regular file, not a program");
        assert_int_equal(find_executable("", &found, err, sizeof err), -EINVAL);
        assert_null(found);

        /* A name found only without execute permission says so. */
        _cleanup_free_ char *plain = write_file(f->tmp, "plain-wptest", "data\n", 0644);
        assert_int_equal(setenv("PATH", f->tmp, 1), 0);
        r = find_executable("plain-wptest", &found, err, sizeof err);
        if (saved_path)
                setenv("PATH", saved_path, 1);
        assert_int_equal(r, -EACCES);
        char want[PATH_MAX + 64];
        snprintf(want, sizeof want, "\"%s\" is not executable", plain);
        assert_string_equal(err, want);

        /* The same through spawn_process. */
        char *argv[] = {"nope-wptest", NULL};
        char *env[] = {"PATH=/usr/bin:/bin", NULL};
        wp_spawn spec = {.argv = argv, .env = env, .uid = (uid_t) -1, .gid = (gid_t) -1, .stdout_fd = -1};
        expect_failure(f, &spec, -ENOENT, "program \"nope-wptest\" not found in PATH (/usr/bin:/bin)");
        char *passwd[] = {"/etc/passwd", NULL};
        spec.argv = passwd;
        expect_failure(f, &spec, -EACCES, "\"/etc/passwd\" is not executable");
        char *tmp[] = {"/tmp", NULL};
        spec.argv = tmp;
        expect_failure(f, &spec, -EISDIR, "\"/tmp\" is a directory, not a program");

        char *tru[] = {"true", NULL};
        spec.argv = tru;
        spec.cwd = "/nope";
        expect_failure(f, &spec, -ENOENT, "cannot change directory to \"/nope\": No such file or directory");
        spec.cwd = "/etc/passwd";
        expect_failure(f, &spec, -ENOTDIR, "cannot change directory to \"/etc/passwd\": Not a directory");

        spec.cwd = NULL;
        char *empty[] = {NULL};
        spec.argv = empty;
        expect_failure(f, &spec, -EINVAL, "no command given");
}

static int setup_fails(void *userdata) {
        return -EPERM;
}

/* Runs in the child: checks what it may rely on, says so on stdout. */
static int setup_reports(void *userdata) {
        const uid_t *want_uid = userdata;
        struct stat out, in;
        if (getuid() != *want_uid || geteuid() != *want_uid)
                return -EBADE;
        if (getsid(0) != getpid())
                return -EBADR;
        if (fstat(0, &in) < 0 || !S_ISCHR(in.st_mode) || in.st_rdev != makedev(1, 3))
                return -EBADF;
        if (fstat(1, &out) < 0 || !S_ISREG(out.st_mode)) /* the memfd */
                return -EBADFD;
        static const char msg[] = "setup ran\n";
        return write(1, msg, sizeof msg - 1) == sizeof msg - 1 ? 0 : -EIO;
}

static int setup_checks_devnull(void *userdata) {
        struct stat st;
        for (int fd = 1; fd <= 2; fd++)
                if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
                        return -EBADF;
        return 0;
}

static void test_child_errors(void **state) {
        struct fixture *f = *state;
        struct passwd *pw = nobody();
        char want[PATH_MAX + 128];

        /* Passes every check in the parent; execve says no. */
        _cleanup_free_ char *garbage = write_file(f->tmp, "garbage", "not a program\n", 0755);
        char *argv[] = {garbage, NULL};
        wp_spawn spec = {.argv = argv, .uid = (uid_t) -1, .gid = (gid_t) -1, .stdout_fd = -1};
        snprintf(want, sizeof want, "cannot execute \"%s\": Exec format error", garbage);
        expect_failure(f, &spec, -ENOEXEC, want);

        /* Executable for root (who checks in the parent), not for nobody. */
        assert_int_equal(chmod(f->tmp, 0755), 0);
        _cleanup_free_ char *private = write_file(f->tmp, "private", "#!/bin/sh\nexit 0\n", 0700);
        argv[0] = private;
        spec.uid = pw->pw_uid;
        snprintf(want, sizeof want, "cannot execute \"%s\": Permission denied", private);
        expect_failure(f, &spec, -EACCES, want);

        /* A directory root may enter, nobody may not. */
        _cleanup_free_ char *closed = join(f->tmp, "closed");
        assert_int_equal(mkdir(closed, 0700), 0);
        char *tru[] = {"true", NULL};
        spec.argv = tru;
        spec.cwd = closed;
        snprintf(want, sizeof want, "cannot change directory to \"%s\": Permission denied", closed);
        expect_failure(f, &spec, -EACCES, want);

        /* The hook's error stops the spawn. */
        spec.cwd = NULL;
        spec.uid = (uid_t) -1;
        spec.child_setup = setup_fails;
        expect_failure(f, &spec, -EPERM, "child setup failed: Operation not permitted");

        /* The hook runs with identity, session and fds set up, before exec. */
        uid_t uid = pw->pw_uid;
        char *echo[] = {"echo", "program ran", NULL};
        spec.argv = echo;
        spec.uid = uid;
        spec.new_session = true;
        spec.child_setup = setup_reports;
        spec.child_setup_userdata = &uid;
        _cleanup_free_ char *out = run_output(f, &spec, 0);
        assert_string_equal(out, "setup ran\nprogram ran\n");

        /* stdout_fd -1: output and errors go to /dev/null. */
        wp_spawn quiet = {.argv = tru, .uid = (uid_t) -1, .gid = (gid_t) -1, .stdout_fd = -1,
                          .child_setup = setup_checks_devnull};
        char err[512];
        pid_t pid;
        int pidfd;
        int r = spawn(f, &quiet, f->cgfd, &pid, &pidfd, err, sizeof err);
        if (r < 0)
                fail_msg("%s", err);
        wait_exit(pidfd);
}

static void test_fds(void **state) {
        struct fixture *f = *state;
        /* Inheritable fds of ours, low and high, must not reach the program. */
        int leak = open("/dev/zero", O_RDONLY); /* no O_CLOEXEC on purpose */
        assert_true(leak >= 0);
        assert_true(dup2(leak, 50) == 50);
        char *argv[] = {"ls", "-1", "/proc/self/fd", NULL};
        wp_spawn spec = {.argv = argv, .uid = (uid_t) -1, .gid = (gid_t) -1};
        char *out = run_output(f, &spec, 0);
        close(leak);
        close(50);
        /* 3 is ls's own directory fd. */
        assert_string_equal(out, "0\n1\n2\n3\n");
        free(out);

        char *sh[] = {"/bin/sh", "-c", "readlink /proc/self/fd/0; echo to-stderr >&2", NULL};
        spec.argv = sh;
        out = run_output(f, &spec, 0);
        assert_string_equal(out, "/dev/null\nto-stderr\n");
        free(out);

        /* Whatever fd numbers the caller's fds have, 0 1 2 come out right:
         * give the output as fd 0 of ours. */
        int saved_stdin = fcntl(0, F_DUPFD_CLOEXEC, 3);
        assert_true(saved_stdin >= 0);
        assert_int_equal(dup2(f->out, 0), 0);
        int out_fd = f->out;
        f->out = 0;
        char *echo[] = {"echo", "via fd 0", NULL};
        spec.argv = echo;
        out = run_output(f, &spec, 0);
        f->out = out_fd;
        assert_int_equal(dup2(saved_stdin, 0), 0);
        close(saved_stdin);
        assert_string_equal(out, "via fd 0\n");
        free(out);
}

static void test_signals_reset(void **state) {
        struct fixture *f = *state;
        struct sigaction ign = {.sa_handler = SIG_IGN}, old_usr1;
        sigset_t block, old_mask, now;
        sigemptyset(&block);
        sigaddset(&block, SIGUSR2);
        assert_int_equal(sigaction(SIGUSR1, &ign, &old_usr1), 0);
        assert_int_equal(sigprocmask(SIG_BLOCK, &block, &old_mask), 0);
        /* glibc's internal signal 32 ignored, as some launchers (the
         * sanitizer runtimes among them) leave it: glibc's sigaction cannot
         * reset it, so the child must use the raw call. */
        uint64_t ign32[4] = {(uint64_t) (uintptr_t) SIG_IGN}, old32[4] = {};
        assert_int_equal(syscall(SYS_rt_sigaction, 32, ign32, old32, (size_t) 8), 0);

        char *argv[] = {"grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status", NULL};
        wp_spawn spec = {.argv = argv, .uid = (uid_t) -1, .gid = (gid_t) -1};
        char *out = run_output(f, &spec, 0);

        /* Our own mask is as it was. */
        sigprocmask(SIG_SETMASK, NULL, &now);
        bool usr2_blocked = sigismember(&now, SIGUSR2), term_blocked = sigismember(&now, SIGTERM);
        sigprocmask(SIG_SETMASK, &old_mask, NULL);
        sigaction(SIGUSR1, &old_usr1, NULL);
        syscall(SYS_rt_sigaction, 32, old32, NULL, (size_t) 8);
        assert_true(usr2_blocked);
        assert_false(term_blocked);
        assert_string_equal(out, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
        free(out);
}

static void test_kill_spawned(void **state) {
        struct fixture *f = *state;
        /* Ignores SIGTERM (inherited by sleep through exec), with a daemon
         * started by a double fork. */
        char *argv[] = {"/bin/sh", "-c", "trap '' TERM; (setsid sleep 1000 &); exec sleep 1000", NULL};
        wp_spawn spec = {.argv = argv, .uid = (uid_t) -1, .gid = (gid_t) -1, .stdout_fd = -1,
                         .new_session = true};
        char err[512];
        pid_t pid;
        int pidfd;
        assert_int_equal(spawn(f, &spec, f->cgfd, &pid, &pidfd, err, sizeof err), 0);
        pid_t *pids = NULL;
        size_t n = 0;
        for (int waited = 0; waited < WAIT_MS && n < 2; waited += 10) {
                free(pids);
                assert_int_equal(cg_pids(f->cg, &pids, &n), 0);
                sleep_ms(10);
        }
        free(pids);
        assert_int_equal(n, 2);

        assert_int_equal(cg_signal(f->cg, SIGTERM), 0);
        sleep_ms(100);
        assert_int_equal(cg_pids(f->cg, &pids, &n), 0);
        free(pids);
        assert_int_equal(n, 2);

        assert_int_equal(cg_kill(f->cg), 0);
        siginfo_t si = wait_exit(pidfd);
        assert_int_equal(si.si_code, CLD_KILLED);
        assert_int_equal(si.si_status, SIGKILL);
        assert_true(wait_populated(f->cg, 0, false));
        reap_all();
        assert_int_equal(cg_remove(f->cg), 0);
}

static void test_bad_cgroup(void **state) {
        struct fixture *f = *state;
        char *argv[] = {"true", NULL};
        wp_spawn spec = {.argv = argv, .uid = (uid_t) -1, .gid = (gid_t) -1, .stdout_fd = -1};
        char err[512], want[PATH_MAX + 64];
        pid_t pid;
        /* A directory that is not a cgroup. */
        int fd = open(f->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        int r = spawn(f, &spec, fd, &pid, NULL, err, sizeof err);
        close(fd);
        assert_true(r < 0);
        snprintf(want, sizeof want, "cannot start a process in cgroup %s: ", f->tmp);
        assert_memory_equal(err, want, strlen(want));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_true_in_cgroup, setup, teardown),
                cmocka_unit_test_setup_teardown(test_running_in_cgroup, setup, teardown),
                cmocka_unit_test_setup_teardown(test_no_cgroup, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cwd, setup, teardown),
                cmocka_unit_test_setup_teardown(test_env, setup, teardown),
                cmocka_unit_test_setup_teardown(test_user, setup, teardown),
                cmocka_unit_test_setup_teardown(test_session, setup, teardown),
                cmocka_unit_test_setup_teardown(test_parent_errors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_child_errors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fds, setup, teardown),
                cmocka_unit_test_setup_teardown(test_signals_reset, setup, teardown),
                cmocka_unit_test_setup_teardown(test_kill_spawned, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_cgroup, setup, teardown),
        };
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
