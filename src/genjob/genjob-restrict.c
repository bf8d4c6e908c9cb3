/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The steps a job's process takes between clone and execve, and the
 * seccomp program they install. The program is built in the parent with
 * libseccomp and exported as BPF; the child only issues system calls, in
 * an order where each step still has the privilege it needs: cgroups,
 * limits, namespace and mounts, securebits, seccomp and the bounding set
 * as root, then the identity, then what is left of the capabilities, the
 * working directory (as the user, in the job's mount namespace) and
 * no_new_privs. Never allocates, locks or calls into NSS in the child.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <linux/securebits.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "genjob-caps.h"
#include "genjob-restrict.h"
#include "macro.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

/* ---- the parent -------------------------------------------------------- */

static const char *const reboot_calls[] = { "reboot", "kexec_load", "kexec_file_load", NULL };
/* adjtimex and clock_adjtime also read the clock: they are left to the
 * capability (CAP_SYS_TIME is dropped), which refuses only changes. */
static const char *const clock_calls[] = { "settimeofday", "clock_settime", "clock_settime64", "stime", NULL };
static const char *const hostname_calls[] = { "sethostname", "setdomainname", NULL };
static const char *const mount_calls[] = { "mount", "umount", "umount2", "pivot_root", "fsopen", "fsconfig",
                                            "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
                                            NULL };

static int add_calls(scmp_filter_ctx ctx, const char *const *calls) {
        for (const char *const *c = calls; *c; c++) {
                int nr = seccomp_syscall_resolve_name(*c), r;
                if (nr == __NR_SCMP_ERROR)
                        continue; /* not a system call libseccomp knows */
                r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
                /* A call some architecture of the filter lacks is skipped
                 * for it. */
                if (r < 0 && r != -EDOM && r != -EOPNOTSUPP)
                        return r;
        }
        return 0;
}

int job_plan_seccomp(JobPlan *p, bool no_reboot, bool no_clock_change, bool no_hostname_change, bool no_mount,
                     char *err, size_t errlen) {
        scmp_filter_ctx ctx;
        _cleanup_close_ int fd = -1;
        _cleanup_free_ struct sock_filter *prog = NULL;
        off_t size;
        int r;

        free(p->seccomp.filter);
        p->seccomp = (struct sock_fprog) {};
        if (!no_reboot && !no_clock_change && !no_hostname_change && !no_mount)
                return 0;

        ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx) {
                snprintf(err, errlen, "cannot build the seccomp filter: out of memory");
                return -ENOMEM;
        }
        /* A 32-bit program on a 64-bit kernel makes the same calls under
         * other numbers: the filter covers those too. */
        if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
                (void) seccomp_arch_add(ctx, SCMP_ARCH_X86);
                (void) seccomp_arch_add(ctx, SCMP_ARCH_X32);
        } else if (seccomp_arch_native() == SCMP_ARCH_AARCH64)
                (void) seccomp_arch_add(ctx, SCMP_ARCH_ARM);
        r = 0;
        if (no_reboot)
                r = add_calls(ctx, reboot_calls);
        if (r >= 0 && no_clock_change)
                r = add_calls(ctx, clock_calls);
        if (r >= 0 && no_hostname_change)
                r = add_calls(ctx, hostname_calls);
        if (r >= 0 && no_mount)
                r = add_calls(ctx, mount_calls);
        if (r >= 0) {
                fd = memfd_create("genjob-seccomp", MFD_CLOEXEC);
                r = fd < 0 ? negative_errno() : seccomp_export_bpf(ctx, fd);
        }
        seccomp_release(ctx);
        if (r < 0) {
                snprintf(err, errlen, "cannot build the seccomp filter: %s", strerror(-r));
                return r;
        }
        size = lseek(fd, 0, SEEK_END);
        if (size <= 0 || size % (off_t) sizeof(struct sock_filter) != 0 || size > 65536) {
                snprintf(err, errlen, "cannot build the seccomp filter: libseccomp exported %lld bytes",
                         (long long) size);
                return -EIO;
        }
        prog = malloc((size_t) size);
        if (!prog)
                return -ENOMEM;
        if (pread(fd, prog, (size_t) size, 0) != (ssize_t) size) {
                r = negative_errno();
                snprintf(err, errlen, "cannot read the seccomp filter back: %s", strerror(-r));
                return r;
        }
        p->seccomp.len = (unsigned short) (size / (off_t) sizeof(struct sock_filter));
        p->seccomp.filter = TAKE_PTR(prog);
        return 0;
}

int job_cap_last(void) {
        char buf[16] = "";
        int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC), v;
        ssize_t n;

        if (fd < 0)
                return JOB_CAP_NAMED - 1;
        n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n <= 0 || sscanf(buf, "%d", &v) != 1 || v < 0 || v > 63)
                return JOB_CAP_NAMED - 1;
        return v;
}

void job_plan_done(JobPlan *p) {
        free(p->seccomp.filter);
        free(p->cwd);
        free(p->tmp_dir);
        free(p->var_tmp_dir);
        *p = JOB_PLAN_NULL;
}

JobChildReport *job_report_new(void) {
        void *m = mmap(NULL, sizeof(JobChildReport), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        return m == MAP_FAILED ? NULL : m;
}

void job_report_free(JobChildReport *rep) {
        if (rep)
                munmap(rep, sizeof *rep);
}

static const char *rlimit_name(int resource) {
        switch (resource) {
        case RLIMIT_CPU:
                return "RLIMIT_CPU (PerProcessUserTimeLimit)";
        case RLIMIT_AS:
                return "RLIMIT_AS (ProcessMemoryLimit)";
        case RLIMIT_CORE:
                return "RLIMIT_CORE (DieOnUnhandledException)";
        default:
                return "a resource limit";
        }
}

void job_plan_describe_failure(const JobPlan *p, const JobChildReport *rep, char *buf, size_t len) {
        const char *why = strerror(rep->error > 0 ? rep->error : EIO);

        switch (rep->step) {
        case JOB_STEP_JOIN:
                snprintf(buf, len, "cannot join the job's cgroup %s: %s",
                         rep->arg >= 0 && rep->arg < (int) p->n_join ? p->join_dir[rep->arg] : "?", why);
                return;
        case JOB_STEP_RLIMIT:
                snprintf(buf, len, "cannot set %s: %s", rlimit_name(rep->arg), why);
                return;
        case JOB_STEP_NICE:
                snprintf(buf, len, "PriorityClass: cannot set nice value %d: %s", p->nice, why);
                return;
        case JOB_STEP_NAMESPACE:
                snprintf(buf, len, "PrivateTmp: cannot create a mount namespace: %s", why);
                return;
        case JOB_STEP_PRIVATE_TMP:
                snprintf(buf, len, "PrivateTmp: cannot mount %s on /tmp and /var/tmp: %s", p->tmp_dir ?: "?", why);
                return;
        case JOB_STEP_SECUREBITS:
                snprintf(buf, len, "NoAdmin: cannot lock root out of its capabilities (securebits): %s", why);
                return;
        case JOB_STEP_SECCOMP:
                snprintf(buf, len, "cannot install the seccomp filter of the system restrictions: %s", why);
                return;
        case JOB_STEP_BOUNDING:
                snprintf(buf, len, "cannot drop %s from the bounding set: %s", job_cap_name(rep->arg) ?: "a capability",
                         why);
                return;
        case JOB_STEP_GROUPS:
                snprintf(buf, len, "cannot set the supplementary groups: %s", why);
                return;
        case JOB_STEP_GID:
                snprintf(buf, len, "cannot set group %u: %s", (unsigned) p->gid, why);
                return;
        case JOB_STEP_UID:
                snprintf(buf, len, "cannot set user %u: %s", (unsigned) p->uid, why);
                return;
        case JOB_STEP_CAPS:
                snprintf(buf, len, "CapabilitiesToDrop: cannot drop the capabilities: %s", why);
                return;
        case JOB_STEP_CHDIR:
                snprintf(buf, len, "cannot change directory to \"%s\" as the job's user%s: %s", p->cwd ?: "/",
                         p->tmp_dir ? " (in the job's private /tmp)" : "", why);
                return;
        case JOB_STEP_NO_NEW_PRIVS:
                snprintf(buf, len, "NoNewPrivileges: cannot set no_new_privs: %s", why);
                return;
        default:
                snprintf(buf, len, "process setup failed: %s", why);
        }
}

/* ---- the child: system calls only ------------------------------------ */

static int fail(const JobPlan *p, JobStep step, int arg) {
        int e = errno > 0 ? errno : EIO;

        if (p->report) {
                p->report->step = step;
                p->report->error = e;
                p->report->arg = arg;
        }
        return -e;
}

/* "/proc/self/fd/N" without stdio. */
static void fd_path(int fd, char buf[32]) {
        char digits[12];
        size_t n = 0, at = 0;
        const char *prefix = "/proc/self/fd/";

        do {
                digits[n++] = (char) ('0' + fd % 10);
                fd /= 10;
        } while (fd > 0 && n < sizeof digits);
        while (*prefix)
                buf[at++] = *prefix++;
        while (n > 0)
                buf[at++] = digits[--n];
        buf[at] = '\0';
}

static int bind_tmp(int from_fd, const char *to) {
        char from[32];

        fd_path(from_fd, from);
        if (mount(from, to, NULL, MS_BIND | MS_REC, NULL) < 0)
                return -1;
        return mount(NULL, to, NULL, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV, NULL);
}

/* Both sources are opened in the new namespace before either is covered:
 * the directories may live below /tmp or /var/tmp themselves. */
static int private_tmp(const JobPlan *p) {
        int t = open(p->tmp_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        int v = p->var_tmp_dir ? open(p->var_tmp_dir, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
        int r = -1;

        if (t >= 0 && (!p->var_tmp_dir || v >= 0) && bind_tmp(t, "/tmp") >= 0 &&
            (v < 0 || bind_tmp(v, "/var/tmp") >= 0))
                r = 0;
        if (t >= 0)
                close(t);
        if (v >= 0)
                close(v);
        return r;
}

static int drop_capabilities(const JobPlan *p) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
        struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

        if (syscall(SYS_capget, &h, d) < 0)
                return -1;
        for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
                uint32_t keep = ~(uint32_t) (p->drop_caps >> (32 * i));
                d[i].effective &= keep;
                d[i].permitted &= keep;
                d[i].inheritable &= keep;
        }
        if (syscall(SYS_capset, &h, d) < 0)
                return -1;
        /* Ambient capabilities would survive execve: none. */
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return -1;
        return 0;
}

int job_plan_run(const JobPlan *p) {
        if (p->report)
                p->report->step = JOB_STEP_NONE;

        /* The v2 cgroup was joined at clone; every v1 one now, before
         * anything runs. */
        for (size_t i = 0; i < p->n_join; i++)
                if (write(p->join_fd[i], "0", 1) != 1)
                        return fail(p, JOB_STEP_JOIN, (int) i);

        for (size_t i = 0; i < p->n_rlimit; i++)
                if (syscall(SYS_prlimit64, 0, p->rlimit[i].resource, &p->rlimit[i].limit, NULL) < 0)
                        return fail(p, JOB_STEP_RLIMIT, p->rlimit[i].resource);

        if (p->set_nice) {
                errno = 0;
                if (setpriority(PRIO_PROCESS, 0, p->nice) < 0 && errno != 0)
                        return fail(p, JOB_STEP_NICE, 0);
        }

        if (p->tmp_dir) {
                if (unshare(CLONE_NEWNS) < 0)
                        return fail(p, JOB_STEP_NAMESPACE, 0);
                /* Nothing mounted here reaches the host. */
                if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                        return fail(p, JOB_STEP_NAMESPACE, 0);
                if (private_tmp(p) < 0)
                        return fail(p, JOB_STEP_PRIVATE_TMP, 0);
        }

        if (p->lock_root &&
            prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
                                             SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
                  0, 0, 0) < 0)
                return fail(p, JOB_STEP_SECUREBITS, 0);

        /* As root, CAP_SYS_ADMIN stands in for no_new_privs. */
        if (p->seccomp.len > 0 && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p->seccomp, 0, 0) < 0)
                return fail(p, JOB_STEP_SECCOMP, 0);

        for (int c = 0; c <= p->cap_last && c < 64; c++)
                if ((p->drop_caps >> c) & 1)
                        if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
                                return fail(p, JOB_STEP_BOUNDING, c);

        /* Raw system calls: the child has one thread, and glibc's wrappers
         * would try to change every thread of the parent's list. */
        if (p->set_groups && syscall(SYS_setgroups, p->n_groups, p->groups) < 0)
                return fail(p, JOB_STEP_GROUPS, 0);
        if (p->set_gid && syscall(SYS_setresgid, p->gid, p->gid, p->gid) < 0)
                return fail(p, JOB_STEP_GID, 0);
        if (p->set_uid && syscall(SYS_setresuid, p->uid, p->uid, p->uid) < 0)
                return fail(p, JOB_STEP_UID, 0);

        /* A user other than root lost every capability with setresuid; a
         * root job drops the chosen ones from what it holds. */
        if (p->drop_caps && (!p->set_uid || p->uid == 0) && drop_capabilities(p) < 0)
                return fail(p, JOB_STEP_CAPS, 0);

        if (chdir(p->cwd ?: "/") < 0)
                return fail(p, JOB_STEP_CHDIR, 0);

        if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return fail(p, JOB_STEP_NO_NEW_PRIVS, 0);
        return 0;
}
