/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a job's process is started with, applied in real forked children:
 * resource limits, nice value, no_new_privs, the seccomp filter of the
 * system restrictions (against a child without it), capabilities dropped
 * from a root job and every capability gone with NoAdmin and another
 * user, the private /tmp, and the report of a failing step with its
 * message. Each child answers through its exit status. Needs root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "genjob-restrict.h"

#define CAP_NET_RAW_BIT 13

/* Run the plan in a child, then check(); the child's exit status: 0 when
 * both went well, 100 + errno when the plan failed, else check's code. */
static int in_child(const JobPlan *p, int (*check)(void)) {
        pid_t pid = fork();
        int status;

        assert_true(pid >= 0);
        if (pid == 0) {
                int r = job_plan_run(p);
                if (r < 0)
                        _exit(100 + (-r & 0x7f));
                _exit(check ? check() : 0);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static bool root(void) {
        return geteuid() == 0;
}

/* ---- limits ---------------------------------------------------------------- */

static int check_limits(void) {
        struct rlimit l;

        if (getrlimit(RLIMIT_CPU, &l) < 0 || l.rlim_cur != 5 || l.rlim_max != 6)
                return 1;
        if (getrlimit(RLIMIT_AS, &l) < 0 || l.rlim_cur != (1u << 30) || l.rlim_max != (1u << 30))
                return 2;
        if (getrlimit(RLIMIT_CORE, &l) < 0 || l.rlim_cur != 0 || l.rlim_max != 0)
                return 3;
        errno = 0;
        if (getpriority(PRIO_PROCESS, 0) != 10 || errno)
                return 4;
        if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
                return 5;
        return 0;
}

static void test_limits(void **state) {
        JobPlan p = JOB_PLAN_NULL;

        p.rlimit[0].resource = RLIMIT_CPU;
        p.rlimit[0].limit = (struct rlimit) { 5, 6 };
        p.rlimit[1].resource = RLIMIT_AS;
        p.rlimit[1].limit = (struct rlimit) { 1u << 30, 1u << 30 };
        p.rlimit[2].resource = RLIMIT_CORE;
        p.rlimit[2].limit = (struct rlimit) { 0, 0 };
        p.n_rlimit = 3;
        p.set_nice = true;
        p.nice = 10;
        p.no_new_privs = true;
        assert_int_equal(in_child(&p, check_limits), 0);
}

/* ---- seccomp ---------------------------------------------------------------- */

/* Each probe is harmless whether or not the filter is there. */
static int probe(bool filtered) {
        int want = filtered ? EPERM : 0;
        struct timespec ts = {};
        char name[64];

        errno = 0;
        if (syscall(SYS_reboot, 0, 0, 0, NULL) >= 0 || errno != (filtered ? EPERM : EINVAL))
                return 1;
        errno = 0;
        if (clock_settime(CLOCK_MONOTONIC, &ts) >= 0 || errno != (filtered ? EPERM : EINVAL))
                return 2;
        if (gethostname(name, sizeof name) < 0)
                return 3;
        errno = 0;
        if ((sethostname(name, strlen(name)) < 0 ? errno : 0) != want)
                return 4;
        errno = 0;
        if (mount("none", "/nonexistent-wptest", "tmpfs", 0, NULL) >= 0 ||
            errno != (filtered ? EPERM : ENOENT))
                return 5;
        return getpid() > 0 ? 0 : 6;
}

static int probe_filtered(void) {
        return probe(true);
}

static int probe_open(void) {
        return probe(false);
}

static void test_seccomp(void **state) {
        JobPlan p = JOB_PLAN_NULL;
        char err[256];

        if (!root())
                skip();
        assert_int_equal(job_plan_seccomp(&p, false, false, false, false, err, sizeof err), 0);
        assert_int_equal(p.seccomp.len, 0);
        assert_int_equal(in_child(&p, probe_open), 0);
        assert_int_equal(job_plan_seccomp(&p, true, true, true, true, err, sizeof err), 0);
        assert_true(p.seccomp.len > 0);
        assert_int_equal(in_child(&p, probe_filtered), 0);
        job_plan_done(&p);
}

/* ---- capabilities and identity ---------------------------------------------- */

static bool has_cap(int cap, bool effective) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2];

        if (syscall(SYS_capget, &h, d) < 0)
                return true;
        return (effective ? d[cap / 32].effective : d[cap / 32].permitted) & (1u << (cap % 32));
}

static int check_no_net_raw(void) {
        if (has_cap(CAP_NET_RAW_BIT, true) || has_cap(CAP_NET_RAW_BIT, false))
                return 1;
        if (prctl(PR_CAPBSET_READ, CAP_NET_RAW_BIT, 0, 0, 0) != 0)
                return 2;
        if (!has_cap(0, true)) /* CAP_CHOWN stays */
                return 3;
        return 0;
}

static void test_drop_capabilities(void **state) {
        JobPlan p = JOB_PLAN_NULL;

        if (!root())
                skip();
        p.drop_caps = 1ull << CAP_NET_RAW_BIT;
        p.cap_last = job_cap_last();
        assert_int_equal(in_child(&p, check_no_net_raw), 0);
}

static int check_nobody(void) {
        FILE *f = fopen("/proc/self/status", "re");
        char line[256];
        int ok = 0;

        if (getuid() != 65534 || geteuid() != 65534 || getgid() != 65534 || getgroups(0, NULL) != 0)
                return 1;
        if (!f)
                return 2;
        while (fgets(line, sizeof line, f))
                if (strcmp(line, "CapEff:\t0000000000000000\n") == 0 ||
                    strcmp(line, "CapPrm:\t0000000000000000\n") == 0 ||
                    strcmp(line, "CapBnd:\t0000000000000000\n") == 0)
                        ok++;
        fclose(f);
        if (ok != 3)
                return 3;
        if (!(prctl(PR_GET_SECUREBITS, 0, 0, 0, 0) & (1 << 0))) /* SECBIT_NOROOT */
                return 4;
        return 0;
}

static void test_no_admin_nobody(void **state) {
        JobPlan p = JOB_PLAN_NULL;
        static const gid_t none[1];

        if (!root())
                skip();
        p.cap_last = job_cap_last();
        p.drop_caps = p.cap_last >= 63 ? ~0ull : (1ull << (p.cap_last + 1)) - 1;
        p.lock_root = true;
        p.set_groups = p.set_gid = p.set_uid = true;
        p.groups = none;
        p.n_groups = 0;
        p.gid = 65534;
        p.uid = 65534;
        assert_int_equal(in_child(&p, check_nobody), 0);
}

/* ---- private /tmp -------------------------------------------------------------- */

static int check_private_tmp(void) {
        int fd = open("/tmp/wptest-restrict-marker", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

        if (fd < 0)
                return 1;
        close(fd);
        return 0;
}

static void test_private_tmp(void **state) {
        JobPlan p = JOB_PLAN_NULL;
        char base[] = "/tmp/wptest-restrict-XXXXXX", path[128], cmd[160];

        if (!root())
                skip();
        assert_non_null(mkdtemp(base));
        snprintf(path, sizeof path, "%s/tmp", base);
        assert_int_equal(mkdir(path, 01777), 0);
        p.tmp_dir = strdup(path);
        assert_int_equal(in_child(&p, check_private_tmp), 0);
        /* Written in the job's /tmp, which is the directory. */
        assert_int_equal(access("/tmp/wptest-restrict-marker", F_OK), -1);
        snprintf(path, sizeof path, "%s/tmp/wptest-restrict-marker", base);
        assert_int_equal(access(path, F_OK), 0);
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
        assert_int_equal(system(cmd), 0);
        job_plan_done(&p);
}

/* ---- failures -------------------------------------------------------------------- */

static void test_failure_report(void **state) {
        JobPlan p = JOB_PLAN_NULL;
        char msg[512];

        p.report = job_report_new();
        assert_non_null(p.report);

        p.join_fd[0] = 999;
        p.join_dir[0] = "/sys/fs/cgroup/memory/x/job";
        p.n_join = 1;
        assert_int_equal(in_child(&p, NULL), 100 + EBADF);
        assert_int_equal(p.report->step, JOB_STEP_JOIN);
        assert_int_equal(p.report->error, EBADF);
        job_plan_describe_failure(&p, p.report, msg, sizeof msg);
        assert_string_equal(msg, "cannot join the job's cgroup /sys/fs/cgroup/memory/x/job: Bad file descriptor");

        p.n_join = 0;
        p.cwd = strdup("/nonexistent-wptest-dir");
        assert_int_equal(in_child(&p, NULL), 100 + ENOENT);
        assert_int_equal(p.report->step, JOB_STEP_CHDIR);
        job_plan_describe_failure(&p, p.report, msg, sizeof msg);
        assert_non_null(strstr(msg, "cannot change directory to \"/nonexistent-wptest-dir\""));

        free(p.cwd);
        p.cwd = NULL;
        assert_int_equal(in_child(&p, NULL), 0);
        assert_int_equal(p.report->step, JOB_STEP_NONE);
        job_report_free(p.report);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_seccomp),
                cmocka_unit_test(test_drop_capabilities),
                cmocka_unit_test(test_no_admin_nobody),
                cmocka_unit_test(test_private_tmp),
                cmocka_unit_test(test_failure_report),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
