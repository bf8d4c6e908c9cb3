/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The job's cgroups on the real cgroup v1 hierarchies of this host (memory,
 * pids, cpu, cpuset), through the layout found from /proc: placement under
 * the test's own cgroup on each, creation (a new cpuset filled from its
 * parent), limits, counters, the OOM notification, joining through the
 * cgroup.procs fds a new process writes to, moving out, removal. Every
 * test works in <own>/wptest-genjob-<pid>/job on each hierarchy and the
 * teardown kills and removes what is left. Needs root and v1 controllers;
 * skipped otherwise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "genjob-cgroup.h"
#include "macro.h"

static JobLayout layout = { .v2 = -1 };
static JobCgroup *job;
static char v2_dir[512];
static pid_t kids[8];
static size_t n_kids;

static bool usable(void) {
        if (geteuid() != 0 || layout.v2 < 0)
                return false;
        for (JobController c = 0; c < _JOB_CTL_MAX; c++) {
                int i = layout.by_controller[c];
                if (i < 0 || layout.hier[i].version != 1)
                        return false;
        }
        return true;
}

static const char *dir_of(JobController c) {
        return job->dir[layout.by_controller[c]];
}

static char *read_file(const char *dir, const char *file) {
        static char buf[4096];
        char *text = NULL;

        if (job_cgfs_read(dir, file, &text) < 0)
                return NULL;
        snprintf(buf, sizeof buf, "%s", text);
        free(text);
        buf[strcspn(buf, "\n")] = '\0';
        return buf;
}

static int setup(void **state) {
        char err[512];
        const JobHierarchy *v2;

        if (!usable())
                return 0;
        v2 = &layout.hier[layout.v2];
        snprintf(v2_dir, sizeof v2_dir, "%s%s%s/wptest-genjob-%d/job", v2->mount, v2->own[0] ? "/" : "", v2->own,
                 (int) getpid());
        assert_int_equal(job_cgroup_new(&layout, v2_dir, &job, err, sizeof err), 0);
        assert_int_equal(job_cgroup_create(job, 0, err, sizeof err), 0);
        return 0;
}

/* SIGKILL whatever is in the job's cgroups; true once they are empty. */
static bool kill_job(void) {
        bool empty = true;

        for (size_t i = 0; i < layout.n_hier; i++) {
                char *text = NULL;
                if (!job->dir[i] || layout.hier[i].version != 1 ||
                    job_cgfs_read(job->dir[i], "cgroup.procs", &text) < 0)
                        continue;
                for (char *p = text; *p;) {
                        pid_t k = (pid_t) strtol(p, &p, 10);
                        if (k <= 0)
                                break;
                        kill(k, SIGKILL);
                        empty = false;
                        while (*p == '\n')
                                p++;
                }
                free(text);
        }
        return empty;
}

static int teardown(void **state) {
        for (size_t i = 0; i < n_kids; i++)
                kill(kids[i], SIGKILL);
        for (size_t i = 0; i < n_kids; i++)
                waitpid(kids[i], NULL, 0);
        n_kids = 0;
        for (int i = 0; job && i < 200 && !kill_job(); i++)
                usleep(10000);
        if (job) {
                job_cgroup_close_join(job);
                /* The job's and the base: both gone. */
                assert_int_equal(job_cgroup_remove(job), 0);
                for (size_t i = 0; i < layout.n_hier; i++)
                        if (job->dir[i] && layout.hier[i].version == 1) {
                                char base[600];
                                assert_int_equal(job_cgfs_exists(job->dir[i]), 0);
                                snprintf(base, sizeof base, "%s", job->dir[i]);
                                *strrchr(base, '/') = '\0';
                                assert_int_equal(job_cgfs_exists(base), 0);
                        }
                job = job_cgroup_free(job);
        }
        return 0;
}

/* A child in the job: it writes itself to every v1 cgroup.procs fd, as
 * a job's process does before execve, then runs fn. */
static pid_t child_in_job(void (*fn)(void)) {
        int sync[2];
        pid_t pid;
        char c;

        assert_int_equal(pipe2(sync, O_CLOEXEC), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                for (size_t i = 0; i < JOB_HIER_MAX; i++)
                        if (job->join_fd[i] >= 0 && write(job->join_fd[i], "0", 1) != 1)
                                _exit(3);
                c = 1;
                (void) !write(sync[1], &c, 1);
                fn();
                _exit(0);
        }
        close(sync[1]);
        assert_int_equal(read(sync[0], &c, 1), 1);
        close(sync[0]);
        kids[n_kids++] = pid;
        return pid;
}

static void sleep_forever(void) {
        for (;;)
                pause();
}

static void test_placement_and_create(void **state) {
        if (!usable())
                skip();
        for (JobController c = 0; c < _JOB_CTL_MAX; c++) {
                const JobHierarchy *h = &layout.hier[layout.by_controller[c]];
                char want[600];
                snprintf(want, sizeof want, "%s%s%s/wptest-genjob-%d/job", h->mount, h->own[0] ? "/" : "", h->own,
                         (int) getpid());
                assert_string_equal(dir_of(c), want);
                assert_int_equal(job_cgfs_exists(dir_of(c)), 1);
        }
        /* Filled from the parent, so that a process can join. */
        assert_true(read_file(dir_of(JOB_CTL_CPUSET), "cpuset.cpus")[0] != '\0');
        assert_true(read_file(dir_of(JOB_CTL_CPUSET), "cpuset.mems")[0] != '\0');
}

static void test_knobs(void **state) {
        char err[512], *text = NULL;

        if (!usable())
                skip();
        assert_int_equal(job_cgroup_set(job, JOB_KNOB_MEMORY_MAX, 64 << 20, NULL, err, sizeof err), 0);
        assert_string_equal(read_file(dir_of(JOB_CTL_MEMORY), "memory.limit_in_bytes"), "67108864");
        assert_int_equal(job_cgroup_set(job, JOB_KNOB_MEMORY_HIGH, 32 << 20, NULL, err, sizeof err), 0);
        assert_string_equal(read_file(dir_of(JOB_CTL_MEMORY), "memory.soft_limit_in_bytes"), "33554432");
        assert_int_equal(job_cgroup_set(job, JOB_KNOB_MEMORY_MAX, JOB_UNLIMITED, NULL, err, sizeof err), 0);
        assert_true(strtoull(read_file(dir_of(JOB_CTL_MEMORY), "memory.limit_in_bytes"), NULL, 10) > (1ull << 60));
        /* v1 has neither memory.low nor a group OOM kill. */
        assert_int_equal(job_cgroup_set(job, JOB_KNOB_MEMORY_LOW, 1 << 20, NULL, err, sizeof err), -EOPNOTSUPP);
        assert_non_null(strstr(err, "cgroup v1"));
        assert_int_equal(job_cgroup_set(job, JOB_KNOB_MEMORY_OOM_GROUP, 1, NULL, err, sizeof err), -EOPNOTSUPP);
        assert_int_equal(job_cgroup_set(job, JOB_KNOB_PIDS_MAX, 10, NULL, err, sizeof err), 0);
        assert_string_equal(read_file(dir_of(JOB_CTL_PIDS), "pids.max"), "10");
        assert_int_equal(job_cgroup_get_text(job, JOB_KNOB_PIDS_MAX, &text), 0);
        assert_string_equal(text, "10\n");
        free(text);
        assert_int_equal(job_cgroup_set(job, JOB_KNOB_PIDS_MAX, JOB_UNLIMITED, NULL, err, sizeof err), 0);
        assert_string_equal(read_file(dir_of(JOB_CTL_PIDS), "pids.max"), "max");
        assert_int_equal(job_cgroup_set(job, JOB_KNOB_CPU_WEIGHT, 250, NULL, err, sizeof err), 0);
        assert_string_equal(read_file(dir_of(JOB_CTL_CPU), "cpu.shares"), "2560");
        assert_int_equal(job_cgroup_set(job, JOB_KNOB_CPUSET_CPUS, 0, "0", err, sizeof err), 0);
        assert_string_equal(read_file(dir_of(JOB_CTL_CPUSET), "cpuset.cpus"), "0");
        assert_int_equal(job_cgroup_parent_cpuset(job, false, &text), 0);
        assert_true(text[0] != '\0');
        free(text);
        /* The kernel's refusal comes back with what and where. */
        assert_true(job_cgroup_set(job, JOB_KNOB_CPUSET_CPUS, 0, "4000", err, sizeof err) < 0);
        assert_non_null(strstr(err, "cpuset.cpus"));
}

static void test_join_and_move_out(void **state) {
        char err[512], path[64], line[512];
        pid_t pid;
        FILE *f;
        size_t found = 0;
        uint64_t v;

        if (!usable())
                skip();
        assert_int_equal(job_cgroup_open_join(job, err, sizeof err), 0);
        pid = child_in_job(sleep_forever);
        snprintf(path, sizeof path, "/proc/%d/cgroup", (int) pid);
        f = fopen(path, "re");
        assert_non_null(f);
        while (fgets(line, sizeof line, f))
                for (JobController c = 0; c < _JOB_CTL_MAX; c++) {
                        const JobHierarchy *h = &layout.hier[layout.by_controller[c]];
                        if (strstr(line, dir_of(c) + strlen(h->mount)) && strstr(line, job_controller_name(c)))
                                found++;
                }
        fclose(f);
        assert_true(found >= _JOB_CTL_MAX);
        assert_int_equal(job_cgroup_read(job, JOB_COUNTER_PIDS_CURRENT, &v), 0);
        assert_int_equal(v, 1);
        assert_int_equal(job_cgroup_move_out(job, pid, err, sizeof err), 0);
        assert_int_equal(job_cgroup_read(job, JOB_COUNTER_PIDS_CURRENT, &v), 0);
        assert_int_equal(v, 0);
}

static void hog(void) {
        for (size_t total = 0; total < (256u << 20); total += 1 << 20) {
                char *p = malloc(1 << 20);
                if (!p)
                        break;
                memset(p, 1, 1 << 20);
        }
}

static void test_oom_notification(void **state) {
        char err[512];
        JobNotify n = JOB_NOTIFY_NULL;
        struct pollfd p;
        uint64_t kills = 0;
        int status;
        pid_t pid;

        if (!usable())
                skip();
        assert_int_equal(job_cgroup_set(job, JOB_KNOB_MEMORY_MAX, 32 << 20, NULL, err, sizeof err), 0);
        assert_int_equal(job_cgroup_notify(job, JOB_CTL_MEMORY, &n), 0);
        assert_int_equal(n.version, 1);
        assert_int_equal(job_cgroup_read(job, JOB_COUNTER_MEMORY_OOM_KILLS, &kills), 0);
        assert_int_equal(kills, 0);
        assert_int_equal(job_cgroup_open_join(job, err, sizeof err), 0);
        pid = child_in_job(hog);
        p = (struct pollfd) { .fd = n.fd, .events = POLLIN };
        assert_int_equal(poll(&p, 1, 5000), 1);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        n_kids--;
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        job_notify_drain(&n);
        assert_int_equal(job_cgroup_read(job, JOB_COUNTER_MEMORY_OOM_KILLS, &kills), 0);
        assert_int_equal(kills, 1);
        assert_int_equal(job_cgroup_read(job, JOB_COUNTER_MEMORY_PEAK, &kills), 0);
        assert_true(kills >= 16 << 20);
        job_notify_close(&n);
        /* pids.events has no notification on v1. */
        assert_int_equal(job_cgroup_notify(job, JOB_CTL_PIDS, &n), -EOPNOTSUPP);
}

static void fork_three(void) {
        for (int i = 0; i < 3; i++)
                if (fork() == 0)
                        pause();
}

static void test_pids_limit_hits(void **state) {
        char err[512];
        uint64_t hits = 0;

        if (!usable())
                skip();
        assert_int_equal(job_cgroup_set(job, JOB_KNOB_PIDS_MAX, 2, NULL, err, sizeof err), 0);
        assert_int_equal(job_cgroup_open_join(job, err, sizeof err), 0);
        (void) child_in_job(fork_three);
        for (int i = 0; i < 200 && hits == 0; i++) {
                usleep(10000);
                assert_int_equal(job_cgroup_read(job, JOB_COUNTER_PIDS_LIMIT_HITS, &hits), 0);
        }
        assert_true(hits >= 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_placement_and_create, setup, teardown),
                cmocka_unit_test_setup_teardown(test_knobs, setup, teardown),
                cmocka_unit_test_setup_teardown(test_join_and_move_out, setup, teardown),
                cmocka_unit_test_setup_teardown(test_oom_notification, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pids_limit_hits, setup, teardown),
        };
        int r;

        (void) job_layout_detect(NULL, &layout);
        r = cmocka_run_group_tests(tests, NULL, NULL);
        job_layout_done(&layout);
        return r;
}
