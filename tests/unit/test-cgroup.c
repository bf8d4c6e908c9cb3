/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup.c against the real kernel: every test works in its own cgroup
 * under <own cgroup>/wptest-cgroup-<pid>, which the teardowns kill and
 * remove even when a test fails. Needs root and a cgroup2 tree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgtest.h"

#define CGROUP2_MAGIC 0x63677270

static char *base;              /* <own>/wptest-cgroup-<pid> */
static pid_t children[64];      /* forked by the tests; killed by the teardown */
static size_t n_children;

/* ------------------------------------------------------------------------ */

/* Kill the tests' own children, then the cgroup tree. */
static void destroy(const char *path) {
        for (size_t i = 0; i < n_children; i++) {
                kill(children[i], SIGKILL);
                waitpid(children[i], NULL, 0);
        }
        n_children = 0;
        destroy_cgroup(path);
}

enum proc_mode {
        PROC_PAUSE,       /* waits for a signal */
        PROC_IGNORE_TERM, /* ignores SIGTERM, then waits */
        PROC_DAEMON,      /* forks twice with setsid between; the grandchild stays */
        PROC_FORKER,      /* keeps forking children that wait */
};

_Noreturn static void proc_main(enum proc_mode mode, int ready_fd) {
        pid_t me = getpid();
        switch (mode) {
        case PROC_IGNORE_TERM:
                signal(SIGTERM, SIG_IGN);
                break;
        case PROC_DAEMON: {
                pid_t p = fork();
                if (p != 0)
                        _exit(p < 0);
                setsid();
                p = fork();
                if (p != 0)
                        _exit(p < 0);
                me = getpid();
                break;
        }
        default:
                break;
        }
        if (write(ready_fd, &me, sizeof me) != sizeof me)
                _exit(1);
        close(ready_fd);
        if (mode == PROC_FORKER)
                for (int i = 0; i < 500; i++) {
                        if (fork() == 0)
                                for (;;)
                                        pause();
                        sleep_ms(2);
                }
        for (;;)
                pause();
}

/* Fork a process, move it into cg before it does anything, and return its
 * pid; *ret_reported: the pid it reports when ready (the daemon's). */
static pid_t start_proc(const char *cg, enum proc_mode mode, pid_t *ret_reported) {
        int go[2], ready[2];
        assert_int_equal(pipe2(go, O_CLOEXEC), 0);
        assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
        assert_true(n_children < ELEMENTSOF(children));
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char c;
                close(go[1]);
                close(ready[0]);
                if (read(go[0], &c, 1) != 1)
                        _exit(1);
                proc_main(mode, ready[1]);
        }
        children[n_children++] = pid;
        close(go[0]);
        close(ready[1]);
        int r = cg_attach(cg, pid);
        assert_int_equal(write(go[1], "x", 1), 1);
        close(go[1]);
        pid_t reported = 0;
        ssize_t n = read(ready[0], &reported, sizeof reported);
        close(ready[0]);
        assert_int_equal(r, 0);
        assert_int_equal(n, sizeof reported);
        if (ret_reported)
                *ret_reported = reported;
        return pid;
}

static void forget_child(pid_t pid) {
        for (size_t i = 0; i < n_children; i++)
                if (children[i] == pid) {
                        children[i] = children[--n_children];
                        return;
                }
}

/* Wait for a child of ours and return its raw wait status. */
static int wait_child(pid_t pid) {
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        forget_child(pid);
        return status;
}

static bool alive(pid_t pid) {
        char p[64], state = 0;
        snprintf(p, sizeof p, "/proc/%d/stat", (int) pid);
        _cleanup_fclose_ FILE *f = fopen(p, "re");
        if (!f)
                return false;
        if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
                return false;
        return state != 'Z' && state != 'X';
}

static bool pids_contain(const pid_t *pids, size_t n, pid_t pid) {
        for (size_t i = 0; i < n; i++)
                if (pids[i] == pid)
                        return true;
        return false;
}

static char *read_text(const char *dir, const char *file) {
        _cleanup_free_ char *p = join(dir, file);
        _cleanup_fclose_ FILE *f = fopen(p, "re");
        assert_non_null(f);
        char *buf = calloc(1, 4096);
        assert_non_null(buf);
        size_t n = fread(buf, 1, 4095, f);
        buf[n] = 0;
        return buf;
}

static int group_setup(void **state) {
        return scratch_cgroup_new("wptest-cgroup-", &base) < 0 ? -1 : 0;
}

static int group_teardown(void **state) {
        destroy(base);
        int gone = !is_dir(base);
        free(base);
        return gone ? 0 : -1;
}

static int setup(void **state) {
        static unsigned counter;
        char name[32];
        snprintf(name, sizeof name, "t%u", ++counter);
        char *p = join(base, name);
        if (cg_create(p) < 0)
                return -1;
        *state = p;
        return 0;
}

static int teardown(void **state) {
        char *p = *state;
        destroy(p);
        int gone = !is_dir(p);
        free(p);
        return gone ? 0 : -1;
}

/* ------------------------------------------------------------------------ */

static void test_v2_mount(void **state) {
        _cleanup_free_ char *mnt = NULL;
        assert_int_equal(cg_v2_mount(&mnt), 0);
        assert_true(mnt[0] == '/');
        struct statfs sf;
        assert_int_equal(statfs(mnt, &sf), 0);
        assert_true(sf.f_type == CGROUP2_MAGIC);
        /* The root of the tree, not some cgroup in it. */
        _cleanup_free_ char *ctl = join(mnt, "cgroup.controllers");
        assert_int_equal(access(ctl, F_OK), 0);
        _cleanup_free_ char *events = join(mnt, "cgroup.events");
        assert_int_equal(access(events, F_OK), -1);
}

static void test_own_path(void **state) {
        _cleanup_free_ char *mnt = NULL, *own = NULL;
        assert_int_equal(cg_v2_mount(&mnt), 0);
        assert_int_equal(cg_own_path(&own), 0);
        assert_memory_equal(own, mnt, strlen(mnt));
        struct statfs sf;
        assert_int_equal(statfs(own, &sf), 0);
        assert_true(sf.f_type == CGROUP2_MAGIC);
        pid_t *pids;
        size_t n;
        /* Our own cgroup (without the test cgroups below it) lists us. */
        _cleanup_free_ char *procs = read_text(own, "cgroup.procs");
        char me[32];
        snprintf(me, sizeof me, "%d\n", (int) getpid());
        bool found = strncmp(procs, me, strlen(me)) == 0;
        for (char *p = strchr(procs, '\n'); !found && p; p = strchr(p + 1, '\n'))
                found = strncmp(p + 1, me, strlen(me)) == 0;
        assert_true(found);
        assert_int_equal(cg_pids(own, &pids, &n), 0);
        assert_true(pids_contain(pids, n, getpid()));
        free(pids);
}

static void test_create_remove(void **state) {
        const char *cg = *state;
        _cleanup_free_ char *a = join(cg, "a"), *abc = join(cg, "a/b/c"), *ab2 = join(cg, "a/b2");
        assert_int_equal(cg_create(abc), 0);
        assert_true(is_dir(abc));
        assert_int_equal(cg_create(abc), 0); /* exists */
        assert_int_equal(cg_create(ab2), 0);
        /* A real cgroup: the kernel filled it. */
        _cleanup_free_ char *procs = join(abc, "cgroup.procs");
        assert_int_equal(access(procs, F_OK), 0);
        _cleanup_free_ char *mode_of = join(cg, "a/b");
        struct stat st;
        assert_int_equal(stat(mode_of, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0755);

        /* Files are not cgroups. */
        _cleanup_free_ char *under_file = join(procs, "x");
        assert_int_equal(cg_create(under_file), -ENOTDIR);
        assert_int_equal(cg_create(procs), -ENOTDIR);
        assert_int_equal(cg_create("relative-cgroup-name/x"), -EINVAL);
        assert_int_equal(access("relative-cgroup-name", F_OK), -1);

        assert_int_equal(cg_remove(a), 0);
        assert_false(is_dir(a));
        assert_true(is_dir(cg));
        assert_int_equal(cg_remove(a), 0); /* absent */
        _cleanup_free_ char *deep = join(cg, "no/such/cgroup");
        assert_int_equal(cg_remove(deep), 0);
}

static void test_populated(void **state) {
        const char *cg = *state;
        _cleanup_free_ char *sub = join(cg, "sub"), *absent = join(cg, "absent");
        assert_int_equal(cg_populated(absent), 0);
        assert_int_equal(cg_create(sub), 0);
        assert_int_equal(cg_populated(sub), 0);
        assert_int_equal(cg_populated(cg), 0);

        pid_t pid = start_proc(sub, PROC_PAUSE, NULL);
        assert_int_equal(cg_populated(sub), 1);
        assert_int_equal(cg_populated(cg), 1); /* a descendant counts */
        assert_int_equal(cg_remove(cg), -EBUSY);
        assert_int_equal(cg_remove(sub), -EBUSY);
        assert_true(is_dir(sub));

        assert_int_equal(kill(pid, SIGKILL), 0);
        int status = wait_child(pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        assert_true(wait_populated(sub, 0, false));
        assert_int_equal(cg_populated(cg), 0);
        assert_int_equal(cg_remove(sub), 0);
        assert_int_equal(cg_populated(sub), 0);
}

static void test_pids(void **state) {
        const char *cg = *state;
        _cleanup_free_ char *b = join(cg, "b"), *c = join(cg, "b/c"), *absent = join(cg, "absent");
        assert_int_equal(cg_create(c), 0);
        pid_t want[4];
        want[0] = start_proc(cg, PROC_PAUSE, NULL);
        want[1] = start_proc(c, PROC_PAUSE, NULL);
        want[2] = start_proc(b, PROC_PAUSE, NULL);
        want[3] = start_proc(cg, PROC_PAUSE, NULL);

        pid_t *pids;
        size_t n;
        assert_int_equal(cg_pids(cg, &pids, &n), 0);
        assert_int_equal(n, 4);
        for (size_t i = 0; i < 4; i++)
                assert_true(pids_contain(pids, n, want[i]));
        for (size_t i = 1; i < n; i++)
                assert_true(pids[i - 1] < pids[i]);
        free(pids);

        assert_int_equal(cg_pids(b, &pids, &n), 0);
        assert_int_equal(n, 2);
        assert_true(pids_contain(pids, n, want[1]) && pids_contain(pids, n, want[2]));
        free(pids);

        pids = (pid_t *) 1;
        assert_int_equal(cg_pids(absent, &pids, &n), 0);
        assert_int_equal(n, 0);
        assert_null(pids);
}

static void test_attach(void **state) {
        const char *cg = *state;
        _cleanup_free_ char *absent = join(cg, "absent");
        /* A pid that just ended. */
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                _exit(0);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
        assert_int_equal(cg_attach(cg, pid), -ESRCH);
        assert_int_equal(cg_attach(cg, 0), -EINVAL);

        pid = start_proc(cg, PROC_PAUSE, NULL);
        assert_int_equal(cg_attach(absent, pid), -ENOENT);
        _cleanup_free_ char *procs = read_text(cg, "cgroup.procs");
        char line[32];
        snprintf(line, sizeof line, "%d\n", (int) pid);
        assert_string_equal(procs, line);
}

static void test_signal(void **state) {
        const char *cg = *state;
        _cleanup_free_ char *sub = join(cg, "sub"), *absent = join(cg, "absent");
        assert_int_equal(cg_create(sub), 0);
        pid_t a = start_proc(cg, PROC_PAUSE, NULL);
        pid_t b = start_proc(sub, PROC_PAUSE, NULL);
        pid_t stubborn = start_proc(sub, PROC_IGNORE_TERM, NULL);

        assert_int_equal(cg_signal(cg, SIGTERM), 0);
        int status = wait_child(a);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
        status = wait_child(b);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
        sleep_ms(100);
        assert_true(alive(stubborn));
        assert_int_equal(cg_populated(cg), 1);

        assert_int_equal(cg_signal(cg, SIGKILL), 0);
        status = wait_child(stubborn);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        assert_true(wait_populated(cg, 0, false));

        assert_int_equal(cg_signal(absent, SIGTERM), 0);
        assert_int_equal(cg_signal(cg, SIGTERM), 0); /* empty */
}

/* A process ignoring SIGTERM, a double-forked daemon that left its parent,
 * a process forking as fast as it can, in a nested layout. */
static void kill_scenario(const char *cg, int (*kill_fn)(const char *)) {
        _cleanup_free_ char *sub = join(cg, "sub"), *deeper = join(cg, "sub/deeper");
        assert_int_equal(cg_create(deeper), 0);
        pid_t stubborn = start_proc(cg, PROC_IGNORE_TERM, NULL);
        pid_t daemon_pid = 0;
        pid_t starter = start_proc(sub, PROC_DAEMON, &daemon_pid);
        pid_t forker = start_proc(deeper, PROC_FORKER, NULL);
        assert_int_equal(wait_child(starter), 0); /* exited normally: the daemon left it */
        assert_true(daemon_pid > 0 && daemon_pid != starter);
        assert_true(alive(daemon_pid));
        sleep_ms(50); /* let the forker fork */

        pid_t *pids;
        size_t n;
        assert_int_equal(cg_pids(cg, &pids, &n), 0);
        assert_true(pids_contain(pids, n, daemon_pid));
        assert_true(pids_contain(pids, n, stubborn));
        assert_true(n >= 4);
        free(pids);
        assert_int_equal(cg_remove(cg), -EBUSY);

        assert_int_equal(kill_fn(cg), 0);
        int status = wait_child(stubborn);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        status = wait_child(forker);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        assert_true(wait_populated(cg, 0, true));
        reap_all();
        assert_false(alive(daemon_pid));
        assert_int_equal(cg_pids(cg, &pids, &n), 0);
        assert_int_equal(n, 0);
        assert_int_equal(cg_remove(cg), 0);
        assert_false(is_dir(cg));
}

static void test_kill(void **state) {
        const char *cg = *state;
        /* This kernel has cgroup.kill: the direct path is the one tested. */
        _cleanup_free_ char *killfile = join(cg, "cgroup.kill");
        assert_int_equal(access(killfile, W_OK), 0);
        kill_scenario(cg, cg_kill);
        assert_int_equal(cg_kill(cg), 0); /* absent now */
}

static void test_kill_by_freezing(void **state) {
        const char *cg = *state;
        kill_scenario(cg, cg_kill_by_freezing);
        assert_int_equal(cg_kill_by_freezing(cg), 0); /* absent now */
}

static void test_kill_by_freezing_thaws(void **state) {
        const char *cg = *state;
        _cleanup_free_ char *sub = join(cg, "sub");
        assert_int_equal(cg_create(sub), 0);
        pid_t survivor_parent = start_proc(cg, PROC_PAUSE, NULL);
        pid_t victim = start_proc(sub, PROC_PAUSE, NULL);
        assert_int_equal(cg_kill_by_freezing(sub), 0);
        int status = wait_child(victim);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        assert_true(wait_populated(sub, 0, false));
        /* Thawed: the cgroup is usable again; its sibling was never touched. */
        _cleanup_free_ char *freeze = read_text(sub, "cgroup.freeze");
        assert_string_equal(freeze, "0\n");
        _cleanup_free_ char *events = read_text(sub, "cgroup.events");
        assert_non_null(strstr(events, "frozen 0\n"));
        assert_true(alive(survivor_parent));
        pid_t again = start_proc(sub, PROC_PAUSE, NULL);
        assert_true(alive(again));
}

static void test_events_pollpri(void **state) {
        const char *cg = *state;
        _cleanup_free_ char *absent = join(cg, "absent");
        assert_int_equal(cg_open_events(absent), -ENOENT);

        pid_t pid = start_proc(cg, PROC_PAUSE, NULL);
        _cleanup_close_ int fd = cg_open_events(cg);
        assert_true(fd >= 0);
        int fl = fcntl(fd, F_GETFD);
        assert_true(fl >= 0 && (fl & FD_CLOEXEC));
        assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
        char buf[256];
        ssize_t n = read(fd, buf, sizeof buf - 1);
        assert_true(n > 0);
        buf[n] = 0;
        assert_non_null(strstr(buf, "populated 1\n"));

        /* Nothing changed since the read: no POLLPRI. */
        struct pollfd p = {.fd = fd, .events = POLLPRI};
        assert_int_equal(poll(&p, 1, 0), 0);

        assert_int_equal(kill(pid, SIGKILL), 0);
        wait_child(pid);
        p.revents = 0;
        assert_int_equal(poll(&p, 1, WAIT_MS), 1);
        assert_true(p.revents & POLLPRI);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        n = read(fd, buf, sizeof buf - 1);
        assert_true(n > 0);
        buf[n] = 0;
        assert_non_null(strstr(buf, "populated 0\n"));
}

static void test_open_dir(void **state) {
        const char *cg = *state;
        _cleanup_free_ char *absent = join(cg, "absent"), *procs = join(cg, "cgroup.procs");
        _cleanup_close_ int fd = cg_open_dir(cg);
        assert_true(fd >= 0);
        int fl = fcntl(fd, F_GETFD);
        assert_true(fl >= 0 && (fl & FD_CLOEXEC));
        assert_false(fcntl(fd, F_GETFL) & O_PATH);
        struct stat a, b;
        assert_int_equal(fstat(fd, &a), 0);
        assert_int_equal(stat(cg, &b), 0);
        assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
        assert_int_equal(cg_open_dir(absent), -ENOENT);
        assert_int_equal(cg_open_dir(procs), -ENOTDIR);
}

/* The parsers behind cg_v2_mount and cg_own_path, on canned texts. */
static void test_parse_own_path(void **state) {
        static const char hybrid[] = "25 1 0:22 / /sys/fs/cgroup ro - tmpfs tmpfs ro\n"
                                     "26 25 0:23 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
                                     "27 25 0:24 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
        static const char sub[] = "40 1 0:26 /sub /mnt/my\\040cg rw - cgroup2 cgroup2 rw\n";
        _cleanup_free_ char *where = NULL, *root = NULL, *own = NULL, *own2 = NULL, *none = NULL;

        assert_int_equal(cg_parse_v2_mount(hybrid, &where, &root), 0);
        assert_string_equal(where, "/sys/fs/cgroup/unified");
        assert_string_equal(root, "/");
        assert_int_equal(cg_parse_own_path(hybrid, "4:memory:/x\n0::/user.slice/s\n", &own), 0);
        assert_string_equal(own, "/sys/fs/cgroup/unified/user.slice/s");
        /* A subtree mount, with an escaped blank in its mount point. */
        assert_int_equal(cg_parse_own_path(sub, "0::/sub/a", &own2), 0);
        assert_string_equal(own2, "/mnt/my cg/a");
        assert_int_equal(cg_parse_own_path(sub, "0::/other", &none), -ENOENT);
        assert_int_equal(cg_parse_own_path(hybrid, "4:memory:/x\n", &none), -ENOMEDIUM);
        assert_int_equal(cg_parse_own_path("27 25 0:24 / /m rw - cgroup cgroup rw,memory\n", "0::/", &none),
                         -ENOMEDIUM);
        /* Outside our cgroup namespace's root (/proc/self/cgroup then shows
         * "/.."): not on the tree we can see, never a path above it. */
        assert_int_equal(cg_parse_own_path(hybrid, "0::/../../escape\n", &none), -ENOENT);
        assert_int_equal(cg_parse_own_path(hybrid, "0::/a/./b\n", &none), -ENOENT);
        assert_null(none);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_v2_mount),
                cmocka_unit_test(test_own_path),
                cmocka_unit_test_setup_teardown(test_create_remove, setup, teardown),
                cmocka_unit_test_setup_teardown(test_populated, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pids, setup, teardown),
                cmocka_unit_test_setup_teardown(test_attach, setup, teardown),
                cmocka_unit_test_setup_teardown(test_signal, setup, teardown),
                cmocka_unit_test_setup_teardown(test_kill, setup, teardown),
                cmocka_unit_test_setup_teardown(test_kill_by_freezing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_kill_by_freezing_thaws, setup, teardown),
                cmocka_unit_test_setup_teardown(test_events_pollpri, setup, teardown),
                cmocka_unit_test_setup_teardown(test_open_dir, setup, teardown),
                cmocka_unit_test(test_parse_own_path),
        };
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
