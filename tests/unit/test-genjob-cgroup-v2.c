/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup v2 backend of the job's cgroups, and the layout and placement
 * above both backends.
 *
 * The project's hosts have a cgroup2 tree without controllers, so the v2
 * backend cannot meet a real kernel here. Its writes are checked against
 * a CGROUP2 STAND-IN: a plain directory laid out like a cgroup2 tree
 * (cgroup.controllers, cgroup.subtree_control, memory.max ... as regular
 * files), the one stand-in for the real thing this project allows. A
 * regular file keeps only the last value written to it, where the kernel
 * would merge "+memory" into subtree_control: the tests look at one write
 * at a time. Everything else is tested against the real hierarchies
 * (test-genjob-cgroup-v1.c, tests/integration/test_genjob.py).
 *
 * The layout tests parse canned /proc/self/mountinfo and /proc/self/cgroup
 * texts: pure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "genjob-cgroup.h"
#include "macro.h"

/* ---- the stand-in ------------------------------------------------------------ */

static char standin[256];   /* the stand-in's root, mounted "at" this path */

static void put(const char *rel, const char *text) {
        char path[512];
        FILE *f;

        snprintf(path, sizeof path, "%s/%s", standin, rel);
        f = fopen(path, "we");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static char *get(const char *rel) {
        static char buf[4096];
        char path[512];
        FILE *f;
        size_t n;

        snprintf(path, sizeof path, "%s/%s", standin, rel);
        f = fopen(path, "re");
        assert_non_null(f);
        n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        return buf;
}

static void dir(const char *rel) {
        char path[512];

        snprintf(path, sizeof path, "%s/%s", standin, rel);
        assert_int_equal(mkdir(path, 0755), 0);
}

static const char *const job_files[] = {
        "memory.max", "memory.high", "memory.low", "memory.oom.group", "pids.max", "cpu.weight",
        "cpuset.cpus", "cpuset.mems", "memory.current", "memory.peak", "pids.current", "cgroup.procs",
};

/* <root>/own (the monitor's cgroup) / base / job, laid out like cgroup2. */
static int setup(void **state) {
        char rel[128];

        snprintf(standin, sizeof standin, "/tmp/wptest-cgroup2-standin-%d", (int) getpid());
        assert_int_equal(mkdir(standin, 0755), 0);
        put("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
        put("cgroup.subtree_control", "\n");
        dir("own");
        put("own/cgroup.controllers", "cpuset cpu io memory pids\n");
        put("own/cgroup.subtree_control", "\n");
        put("own/cgroup.procs", "");
        dir("own/base");
        put("own/base/cgroup.controllers", "\n");
        put("own/base/cgroup.subtree_control", "\n");
        put("own/base/cpuset.cpus.effective", "0-3\n");
        put("own/base/cpuset.mems.effective", "0\n");
        dir("own/base/job");
        for (size_t i = 0; i < ELEMENTSOF(job_files); i++) {
                snprintf(rel, sizeof rel, "own/base/job/%s", job_files[i]);
                put(rel, "");
        }
        put("own/base/job/memory.events", "low 0\nhigh 4\nmax 3\noom 1\noom_kill 2\noom_group_kill 0\n");
        put("own/base/job/pids.events", "max 5\n");
        put("own/base/job/memory.current", "1048576\n");
        put("own/base/job/memory.peak", "2097152\n");
        put("own/base/job/pids.current", "3\n");
        put("own/base/job/cgroup.procs", "17\n42\n");
        put("own/base/job/cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnice_usec 0\n");
        return 0;
}

static int teardown(void **state) {
        char cmd[300];

        snprintf(cmd, sizeof cmd, "rm -rf '%s'", standin);
        return system(cmd) == 0 ? 0 : -1;
}

/* A layout whose cgroup2 tree is the stand-in, offering what own's
 * cgroup.controllers says. */
static void standin_layout(JobLayout *l) {
        char mountinfo[600];

        snprintf(mountinfo, sizeof mountinfo,
                 "30 25 0:26 / %s rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n", standin);
        assert_int_equal(job_layout_parse(mountinfo, "0::/own\n", NULL, "cpuset cpu io memory pids\n", l), 0);
}

/* ---- the v2 backend's writes ------------------------------------------------ */

static void test_standin_knobs(void **state) {
        JobLayout l;
        JobCgroup *c;
        char err[512], path[512];

        standin_layout(&l);
        for (JobController k = 0; k < _JOB_CTL_MAX; k++)
                assert_int_equal(l.by_controller[k], l.v2);
        snprintf(path, sizeof path, "%s/own/base/job", standin);
        assert_int_equal(job_cgroup_new(&l, path, &c, err, sizeof err), 0);
        assert_string_equal(c->dir[l.v2], path);

        assert_int_equal(job_cgroup_set(c, JOB_KNOB_MEMORY_MAX, 64 << 20, NULL, err, sizeof err), 0);
        assert_string_equal(get("own/base/job/memory.max"), "67108864");
        assert_int_equal(job_cgroup_set(c, JOB_KNOB_MEMORY_MAX, JOB_UNLIMITED, NULL, err, sizeof err), 0);
        assert_string_equal(get("own/base/job/memory.max"), "max");
        assert_int_equal(job_cgroup_set(c, JOB_KNOB_MEMORY_HIGH, 48 << 20, NULL, err, sizeof err), 0);
        assert_string_equal(get("own/base/job/memory.high"), "50331648");
        assert_int_equal(job_cgroup_set(c, JOB_KNOB_MEMORY_LOW, 16 << 20, NULL, err, sizeof err), 0);
        assert_string_equal(get("own/base/job/memory.low"), "16777216");
        assert_int_equal(job_cgroup_set(c, JOB_KNOB_MEMORY_OOM_GROUP, 1, NULL, err, sizeof err), 0);
        assert_string_equal(get("own/base/job/memory.oom.group"), "1");
        assert_int_equal(job_cgroup_set(c, JOB_KNOB_MEMORY_OOM_GROUP, 0, NULL, err, sizeof err), 0);
        assert_string_equal(get("own/base/job/memory.oom.group"), "0");
        assert_int_equal(job_cgroup_set(c, JOB_KNOB_PIDS_MAX, 20, NULL, err, sizeof err), 0);
        assert_string_equal(get("own/base/job/pids.max"), "20");
        assert_int_equal(job_cgroup_set(c, JOB_KNOB_PIDS_MAX, JOB_UNLIMITED, NULL, err, sizeof err), 0);
        assert_string_equal(get("own/base/job/pids.max"), "max");
        assert_int_equal(job_cgroup_set(c, JOB_KNOB_CPU_WEIGHT, 250, NULL, err, sizeof err), 0);
        assert_string_equal(get("own/base/job/cpu.weight"), "250");
        assert_int_equal(job_cgroup_set(c, JOB_KNOB_CPU_WEIGHT, 0, NULL, err, sizeof err), -ERANGE);
        assert_int_equal(job_cgroup_set(c, JOB_KNOB_CPUSET_CPUS, 0, "0-1", err, sizeof err), 0);
        assert_string_equal(get("own/base/job/cpuset.cpus"), "0-1\n");
        assert_int_equal(job_cgroup_set(c, JOB_KNOB_CPUSET_MEMS, 0, "0", err, sizeof err), 0);
        assert_string_equal(get("own/base/job/cpuset.mems"), "0\n");

        /* A file the kernel would have but this tree has not: the error
         * names it. */
        snprintf(path, sizeof path, "%s/own/base/job/cpu.weight", standin);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(job_cgroup_set(c, JOB_KNOB_CPU_WEIGHT, 100, NULL, err, sizeof err), -ENOENT);
        assert_non_null(strstr(err, "cpu.weight"));

        job_cgroup_free(c);
        job_layout_done(&l);
}

static void test_standin_counters(void **state) {
        JobLayout l;
        JobCgroup *c;
        JobNotify n = JOB_NOTIFY_NULL;
        char err[512], path[512], *text = NULL;
        uint64_t v, user, system;

        standin_layout(&l);
        snprintf(path, sizeof path, "%s/own/base/job", standin);
        assert_int_equal(job_cgroup_new(&l, path, &c, err, sizeof err), 0);
        assert_int_equal(job_cgroup_read(c, JOB_COUNTER_MEMORY_OOM_KILLS, &v), 0);
        assert_int_equal(v, 2);
        assert_int_equal(job_cgroup_read(c, JOB_COUNTER_PIDS_LIMIT_HITS, &v), 0);
        assert_int_equal(v, 5);
        assert_int_equal(job_cgroup_read(c, JOB_COUNTER_MEMORY_CURRENT, &v), 0);
        assert_int_equal(v, 1 << 20);
        assert_int_equal(job_cgroup_read(c, JOB_COUNTER_MEMORY_PEAK, &v), 0);
        assert_int_equal(v, 2 << 20);
        assert_int_equal(job_cgroup_read(c, JOB_COUNTER_PIDS_CURRENT, &v), 0);
        assert_int_equal(v, 3);
        assert_int_equal(job_cgroup_cpu_usec(c, &user, &system), 0);
        assert_int_equal(user, 1000);
        assert_int_equal(system, 500);
        assert_int_equal(job_cgroup_parent_cpuset(c, false, &text), 0);
        assert_string_equal(text, "0-3");
        free(text);
        assert_int_equal(job_cgroup_has_pid(c, 42), 1);
        assert_int_equal(job_cgroup_has_pid(c, 4), 0);

        /* v2 notifies through the events files themselves. */
        assert_int_equal(job_cgroup_notify(c, JOB_CTL_MEMORY, &n), 0);
        assert_true(n.fd >= 0);
        assert_int_equal(n.events, EPOLLPRI);
        assert_int_equal(n.version, 2);
        job_notify_drain(&n);
        job_notify_close(&n);
        assert_int_equal(job_cgroup_notify(c, JOB_CTL_PIDS, &n), 0);
        job_notify_close(&n);
        assert_int_equal(job_cgroup_notify(c, JOB_CTL_CPU, &n), -EOPNOTSUPP);

        /* Breaking away: into the monitor's own cgroup. */
        assert_int_equal(job_cgroup_move_out(c, 42, err, sizeof err), 0);
        assert_string_equal(get("own/cgroup.procs"), "42");

        /* The job's v2 directory is the monitor's: never removed here. */
        assert_int_equal(job_cgroup_remove(c), 0);
        assert_int_equal(job_cgfs_exists(path), 1);
        job_cgroup_free(c);
        job_layout_done(&l);
}

/* Enabling a controller: "+name" into every subtree_control from the
 * monitor's cgroup down to the job's parent, where it is not yet. */
static void test_standin_enable(void **state) {
        char err[512], top[512], job[512];
        bool created = true;

        snprintf(top, sizeof top, "%s/own", standin);
        snprintf(job, sizeof job, "%s/own/base/job", standin);
        put("own/base/cgroup.controllers", "memory\n");
        assert_int_equal(job_backend_v2.prepare(top, job, JOB_CTL_BIT(JOB_CTL_MEMORY), &created, err, sizeof err), 0);
        assert_false(created);
        assert_string_equal(get("own/cgroup.subtree_control"), "+memory");
        assert_string_equal(get("own/base/cgroup.subtree_control"), "+memory");

        /* Already enabled in own: only base is written. */
        put("own/cgroup.subtree_control", "cpu memory\n");
        put("own/base/cgroup.subtree_control", "\n");
        assert_int_equal(job_backend_v2.prepare(top, job, JOB_CTL_BIT(JOB_CTL_MEMORY), NULL, err, sizeof err), 0);
        assert_string_equal(get("own/cgroup.subtree_control"), "cpu memory\n");
        assert_string_equal(get("own/base/cgroup.subtree_control"), "+memory");

        /* Not offered to own: refused, naming the controller and what is
         * offered. */
        put("own/cgroup.controllers", "cpu io\n");
        put("own/cgroup.subtree_control", "\n");
        assert_int_equal(job_backend_v2.prepare(top, job, JOB_CTL_BIT(JOB_CTL_PIDS), NULL, err, sizeof err), -ENODEV);
        assert_non_null(strstr(err, "pids controller is not offered"));
        assert_non_null(strstr(err, "cpu io"));

        /* A subtree_control that cannot be written: the error says where. */
        put("own/cgroup.controllers", "pids\n");
        snprintf(job, sizeof job, "%s/own/cgroup.subtree_control", standin);
        assert_int_equal(unlink(job), 0);
        dir("own/cgroup.subtree_control");
        snprintf(job, sizeof job, "%s/own/base/job", standin);
        assert_true(job_backend_v2.prepare(top, job, JOB_CTL_BIT(JOB_CTL_PIDS), NULL, err, sizeof err) < 0);
        assert_non_null(strstr(err, "own/cgroup.subtree_control"));

        /* The top must be the job's parent or above it. */
        snprintf(top, sizeof top, "%s/elsewhere", standin);
        assert_int_equal(job_backend_v2.prepare(top, job, JOB_CTL_BIT(JOB_CTL_PIDS), NULL, err, sizeof err), -EINVAL);
}

/* ---- layout and placement: parsed from canned texts ----------------------- */

static const char hybrid_mountinfo[] =
        "24 30 0:22 / /sys rw,nosuid - sysfs sysfs rw\n"
        "25 24 0:23 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755\n"
        "26 25 0:24 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate\n"
        "27 25 0:25 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
        "28 25 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
        "29 25 0:27 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
        "30 25 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
        "31 25 0:29 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset\n"
        "32 25 0:26 /deep /srv/memory-bind rw - cgroup cgroup rw,memory\n";

static const char hybrid_cgroup[] =
        "12:pids:/system.slice/wolfpack.service\n"
        "11:memory:/system.slice/wolfpack.service\n"
        "10:cpu,cpuacct:/\n"
        "9:cpuset:/\n"
        "1:name=systemd:/system.slice/wolfpack.service\n"
        "0::/system.slice/wolfpack.service/monitor/1\n";

static void test_layout_hybrid(void **state) {
        JobLayout l;
        JobCgroup *c;
        char err[512], buf[512];
        int m;

        assert_int_equal(job_layout_parse(hybrid_mountinfo, hybrid_cgroup, NULL, "", &l), 0);
        assert_true(l.v2 >= 0);
        assert_string_equal(l.hier[l.v2].mount, "/sys/fs/cgroup/unified");
        assert_string_equal(l.hier[l.v2].own, "system.slice/wolfpack.service/monitor/1");
        m = l.by_controller[JOB_CTL_MEMORY];
        assert_true(m >= 0);
        assert_int_equal(l.hier[m].version, 1);
        /* The whole-tree mount, not the bind mount of a subtree. */
        assert_string_equal(l.hier[m].mount, "/sys/fs/cgroup/memory");
        assert_string_equal(l.hier[m].own, "system.slice/wolfpack.service");
        assert_string_equal(l.hier[l.by_controller[JOB_CTL_CPU]].mount, "/sys/fs/cgroup/cpu,cpuacct");
        assert_string_equal(l.hier[l.by_controller[JOB_CTL_CPUSET]].own, "");
        job_layout_describe(&l, JOB_CTL_PIDS, buf, sizeof buf);
        assert_string_equal(buf, "pids: cgroup v1 at /sys/fs/cgroup/pids");

        /* The job beside the monitor's cgroup (<own>/res/ID with the
         * monitor in <own>/monitor/1 on v2 only): on v1 it goes below the
         * service's cgroup, where the monitor is there; where the monitor
         * is in the root cgroup, at the job's v2 path. */
        assert_int_equal(job_cgroup_new(&l, "/sys/fs/cgroup/unified/system.slice/wolfpack.service/res/r1", &c, err,
                                        sizeof err),
                         0);
        assert_string_equal(c->dir[m], "/sys/fs/cgroup/memory/system.slice/wolfpack.service/res/r1");
        assert_string_equal(c->dir[l.by_controller[JOB_CTL_CPUSET]],
                            "/sys/fs/cgroup/cpuset/system.slice/wolfpack.service/res/r1");
        job_cgroup_free(c);

        /* Below the monitor's cgroup. */
        assert_int_equal(job_cgroup_new(&l, "/sys/fs/cgroup/unified/system.slice/wolfpack.service/monitor/1/wp/r2",
                                        &c, err, sizeof err),
                         0);
        assert_string_equal(c->dir[m], "/sys/fs/cgroup/memory/system.slice/wolfpack.service/wp/r2");
        assert_string_equal(c->dir[l.by_controller[JOB_CTL_PIDS]],
                            "/sys/fs/cgroup/pids/system.slice/wolfpack.service/wp/r2");
        job_cgroup_free(c);

        /* Never the monitor's own cgroup, never off the tree. */
        assert_int_equal(job_cgroup_new(&l, "/sys/fs/cgroup/unified/system.slice", &c, err, sizeof err), -EINVAL);
        assert_int_equal(job_cgroup_new(&l, "/elsewhere/r3", &c, err, sizeof err), -EINVAL);
        job_layout_done(&l);
}

/* A v1 cgroup that mirrors the v2 one, and one unrelated to it. */
static void test_layout_placement(void **state) {
        static const char mirror[] = "11:memory:/svc/monitor/1\n9:pids:/box/7\n0::/svc/monitor/1\n";
        JobLayout l;
        JobCgroup *c;
        char err[256];

        assert_int_equal(job_layout_parse(hybrid_mountinfo, mirror, NULL, "", &l), 0);
        assert_int_equal(job_cgroup_new(&l, "/sys/fs/cgroup/unified/svc/res/r1", &c, err, sizeof err), 0);
        assert_string_equal(c->dir[l.by_controller[JOB_CTL_MEMORY]], "/sys/fs/cgroup/memory/svc/res/r1");
        assert_string_equal(c->dir[l.by_controller[JOB_CTL_PIDS]], "/sys/fs/cgroup/pids/box/7/res/r1");
        job_cgroup_free(c);
        assert_int_equal(job_cgroup_new(&l, "/sys/fs/cgroup/unified/svc/monitor/1/res/r2", &c, err, sizeof err), 0);
        assert_string_equal(c->dir[l.by_controller[JOB_CTL_MEMORY]], "/sys/fs/cgroup/memory/svc/monitor/1/res/r2");
        assert_string_equal(c->dir[l.by_controller[JOB_CTL_PIDS]], "/sys/fs/cgroup/pids/box/7/res/r2");
        job_cgroup_free(c);
        job_layout_done(&l);
}

static void test_layout_root_filter(void **state) {
        JobLayout l;
        char buf[600];

        /* Pointed at the controller-less cgroup2 tree: nothing to limit
         * with, and the message says where it looked. */
        assert_int_equal(job_layout_parse(hybrid_mountinfo, hybrid_cgroup, "/sys/fs/cgroup/unified", "", &l), 0);
        for (JobController c = 0; c < _JOB_CTL_MAX; c++)
                assert_int_equal(l.by_controller[c], -1);
        job_layout_missing(&l, JOB_CTL_MEMORY, buf, sizeof buf);
        assert_non_null(strstr(buf, "the memory controller is missing"));
        assert_non_null(strstr(buf, "/sys/fs/cgroup/unified offers no controller"));
        assert_non_null(strstr(buf, "WOLFPACK_CGROUP_ROOT"));
        job_layout_done(&l);

        /* Pointed at /sys/fs/cgroup: the same as no filter. */
        assert_int_equal(job_layout_parse(hybrid_mountinfo, hybrid_cgroup, "/sys/fs/cgroup", "", &l), 0);
        assert_true(l.by_controller[JOB_CTL_MEMORY] >= 0);
        job_layout_done(&l);
}

static void test_layout_unified(void **state) {
        JobLayout l;

        assert_int_equal(job_layout_parse("26 25 0:24 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", "0::/wolfpack\n",
                                          NULL, "cpuset cpu io memory pids\n", &l),
                         0);
        for (JobController c = 0; c < _JOB_CTL_MAX; c++)
                assert_int_equal(l.by_controller[c], l.v2);
        assert_string_equal(l.v2_offered, "cpuset cpu io memory pids");
        job_layout_done(&l);

        /* A controller bound to v1 is not offered on v2: taken from v1. */
        assert_int_equal(job_layout_parse(hybrid_mountinfo, hybrid_cgroup, NULL, "cpu\n", &l), 0);
        assert_int_equal(l.by_controller[JOB_CTL_CPU], l.v2);
        assert_int_equal(l.hier[l.by_controller[JOB_CTL_MEMORY]].version, 1);
        job_layout_done(&l);
}

static void test_parsers(void **state) {
        uint64_t v;

        assert_int_equal(job_parse_number("max\n", &v), 0);
        assert_true(v == JOB_UNLIMITED);
        assert_int_equal(job_parse_number(" 42\n", &v), 0);
        assert_int_equal(v, 42);
        assert_int_equal(job_parse_number("-1", &v), -EINVAL);
        assert_int_equal(job_parse_number("4x", &v), -EINVAL);
        assert_int_equal(job_keyed_value("max 3\noom_kill 7\n", "oom_kill", &v), 0);
        assert_int_equal(v, 7);
        assert_int_equal(job_keyed_value("max 3\noom_kill 7\n", "oom", &v), -ENOENT);
        assert_int_equal(job_keyed_value("oom_kill\n", "oom_kill", &v), -ENOENT);
        assert_true(job_list_has("cpuset cpu memory\n", "cpu"));
        assert_false(job_list_has("cpuset cpuacct", "cpu"));
}

/* A cgroup outside the cgroup namespace's root shows as "/..": that
 * hierarchy does not count, and no path climbs out of its mount. */
static void test_layout_outside_namespace(void **state) {
        static const char mountinfo[] = "26 25 0:23 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
                                        "27 25 0:24 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
        JobLayout l;

        assert_int_equal(job_layout_parse(mountinfo, "4:memory:/../x\n0::/../../y\n", NULL, "memory", &l), 0);
        assert_int_equal(l.n_hier, 0);
        assert_int_equal(l.v2, -1);
        assert_int_equal(l.by_controller[JOB_CTL_MEMORY], -1);
        job_layout_done(&l);
}

/* A mount root written with a trailing slash still takes off exactly
 * itself from our cgroup's path. */
static void test_layout_mount_root_slash(void **state) {
        static const char mountinfo[] = "26 25 0:23 /sys/ /mnt/cg rw - cgroup2 cgroup2 rw\n";
        JobLayout l;

        assert_int_equal(job_layout_parse(mountinfo, "0::/sys", NULL, "", &l), 0);
        assert_int_equal(l.n_hier, 1);
        assert_string_equal(l.hier[0].own, "");
        job_layout_done(&l);
        assert_int_equal(job_layout_parse(mountinfo, "0::/sys/a/b\n", NULL, "", &l), 0);
        assert_string_equal(l.hier[0].own, "a/b");
        job_layout_done(&l);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_standin_knobs, setup, teardown),
                cmocka_unit_test_setup_teardown(test_standin_counters, setup, teardown),
                cmocka_unit_test_setup_teardown(test_standin_enable, setup, teardown),
                cmocka_unit_test(test_layout_hybrid),
                cmocka_unit_test(test_layout_placement),
                cmocka_unit_test(test_layout_root_filter),
                cmocka_unit_test(test_layout_unified),
                cmocka_unit_test(test_parsers),
                cmocka_unit_test(test_layout_outside_namespace),
                cmocka_unit_test(test_layout_mount_root_slash),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
