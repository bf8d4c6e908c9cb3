/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The genjob resource type (Job Object): its name, its property table (the
 * application core's properties and the job's), its entry points, and the
 * plug-in's one exported symbol, wp_resapi_startup, which also finds the
 * cgroup layout once per monitor. Holds the host table and the layout.
 * Must never grow behaviour of its own: the job lives in genjob.c and the
 * files it names, the application in the core (src/genapp).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <wolfpack/resapi.h>

#include "genjob.h"

static const wp_host *host;
static JobLayout layout = { .v2 = -1 };
static int layout_error;

#define JOB_MEMBER(field) (offsetof(JobParams, job) + offsetof(JobLimits, field))
#define JOB_BOOL(prop, field, def, live, text)                                                      \
        { .name = prop, .type = WP_PROP_BOOL, .flags = (live), .offset = JOB_MEMBER(field),         \
          .default_value = def, .description = text }

static const wp_prop genjob_props[] = {
        GENAPP_PROPS(offsetof(JobParams, app)),
        { .name = "PerProcessUserTimeLimit", .type = WP_PROP_DURATION, .flags = WP_PROP_LIVE,
          .offset = JOB_MEMBER(per_process_user_time_limit), .default_value = "0",
          .check = job_check_process_time,
          .description = "CPU time each process may use (RLIMIT_CPU, user and system time, whole seconds): "
                         "SIGXCPU at the limit, SIGKILL a second later; the EndOfProcessTime event is exact "
                         "for the main process, and for the others where the kernel's process events are "
                         "available; 0: none" },
        { .name = "PerJobUserTimeLimit", .type = WP_PROP_DURATION, .flags = WP_PROP_LIVE,
          .offset = JOB_MEMBER(per_job_user_time_limit), .default_value = "0", .check = job_check_job_time,
          .description = "user CPU time the whole job may use since online (cpu.stat user_usec, checked on a "
                         "timer); then EndOfJobTimeAction; 0: none" },
        { .name = "EndOfJobTimeAction", .type = WP_PROP_ENUM, .flags = WP_PROP_LIVE,
          .offset = JOB_MEMBER(end_of_job_time_action), .default_value = "Terminate",
          .enum_names = job_eoj_action_names, .enum_values = job_eoj_action_values,
          .description = "at PerJobUserTimeLimit: Terminate (kill the job; the resource fails) or Post "
                         "(log the EndOfJobTime event once, nothing else)" },
        { .name = "MinimumWorkingSetSize", .type = WP_PROP_SIZE, .flags = WP_PROP_LIVE,
          .offset = JOB_MEMBER(minimum_working_set_size), .default_value = "0",
          .description = "memory protected from reclaim (memory.low; cgroup v2 only: online fails on a "
                         "cgroup v1 memory controller); 0: none" },
        { .name = "MaximumWorkingSetSize", .type = WP_PROP_SIZE, .flags = WP_PROP_LIVE,
          .offset = JOB_MEMBER(maximum_working_set_size), .default_value = "0",
          .description = "memory above which the job is throttled and reclaimed (memory.high; cgroup v1: "
                         "memory.soft_limit_in_bytes); 0: none" },
        { .name = "ActiveProcessLimit", .type = WP_PROP_INT, .flags = WP_PROP_LIVE,
          .offset = JOB_MEMBER(active_process_limit), .default_value = "0", .min = 0, .max = 4194304,
          .description = "processes (and threads) the job may hold at once (pids.max): a fork beyond it "
                         "fails and the ActiveProcessLimit event is logged; 0: none" },
        { .name = "Affinity", .type = WP_PROP_STRING, .flags = WP_PROP_LIVE, .offset = JOB_MEMBER(affinity),
          .check = job_check_affinity,
          .description = "CPUs the job may run on, like 0-3,6 (cpuset.cpus), intersected with this node's "
                         "online CPUs at online: narrowed with a warning, an error when nothing is left; "
                         "unset: every CPU" },
        { .name = "PriorityClass", .type = WP_PROP_ENUM, .flags = WP_PROP_LIVE,
          .offset = JOB_MEMBER(priority_class), .default_value = "Normal", .enum_names = job_priority_names,
          .enum_values = job_priority_values,
          .description = "nice value of every process: Idle 19, BelowNormal 10, Normal 0, AboveNormal -5, "
                         "High -10" },
        { .name = "SchedulingClass", .type = WP_PROP_INT, .flags = WP_PROP_LIVE,
          .offset = JOB_MEMBER(scheduling_class), .default_value = "5", .min = 0, .max = 9,
          .description = "the job's CPU share against other jobs, 0-9 (cpu.weight 10..700, 5 is 100, the "
                         "default; cgroup v1: cpu.shares)" },
        { .name = "ProcessMemoryLimit", .type = WP_PROP_SIZE, .flags = WP_PROP_LIVE,
          .offset = JOB_MEMBER(process_memory_limit), .default_value = "0", .check = job_check_memory_size,
          .description = "address space each process may have (RLIMIT_AS): allocations beyond it fail in "
                         "the process, which the kernel does not report, so there is no event; 0: none" },
        { .name = "JobMemoryLimit", .type = WP_PROP_SIZE, .flags = WP_PROP_LIVE,
          .offset = JOB_MEMBER(job_memory_limit), .default_value = "0", .check = job_check_memory_size,
          .description = "memory the whole job may use (memory.max; cgroup v1: memory.limit_in_bytes); "
                         "reaching it logs the JobMemoryLimit event and applies JobMemoryLimitAction; "
                         "0: none" },
        { .name = "JobMemoryLimitAction", .type = WP_PROP_ENUM, .flags = WP_PROP_LIVE,
          .offset = JOB_MEMBER(job_memory_limit_action), .default_value = "KillJob",
          .enum_names = job_memory_action_names, .enum_values = job_memory_action_values,
          .description = "at JobMemoryLimit: KillJob (the whole job is killed and the resource fails) or "
                         "KillProcess (only the OOM killer's victim dies; the job goes on while its main "
                         "process lives)" },
        JOB_BOOL("DieOnUnhandledException", die_on_unhandled_exception, "1", WP_PROP_LIVE,
                 "no core dumps (RLIMIT_CORE 0), and a process of the job killed by a fault signal (SEGV, "
                 "BUS, ILL, FPE, ABRT, SYS, TRAP) fails the resource; exact for the main process, for the "
                 "others where the kernel's process events are available"),
        JOB_BOOL("BreakawayOk", breakaway_ok, "0", WP_PROP_LIVE,
                 "a process of the job may leave it with wolfpack-breakaway COMMAND (the socket is in "
                 "$WOLFPACK_BREAKAWAY_SOCKET); it is then no longer counted, limited or killed with the job"),
        JOB_BOOL("SilentBreakawayOk", silent_breakaway_ok, "0", WP_PROP_LIVE,
                 "every process the main process starts leaves the job at once (when the kernel's process "
                 "events are missing: on the job's 250ms timer)"),
        JOB_BOOL("NoReboot", no_reboot, "0", 0,
                 "reboot and kexec fail with EPERM (seccomp; CAP_SYS_BOOT dropped)"),
        JOB_BOOL("NoClockChange", no_clock_change, "0", 0,
                 "setting the clock fails with EPERM (seccomp; CAP_SYS_TIME dropped, so adjtimex may only "
                 "read)"),
        JOB_BOOL("NoHostnameChange", no_hostname_change, "0", 0,
                 "sethostname and setdomainname fail with EPERM (seccomp)"),
        JOB_BOOL("NoMount", no_mount, "0", 0, "mount, umount and the new mount API fail with EPERM (seccomp)"),
        JOB_BOOL("PrivateTmp", private_tmp, "0", 0,
                 "the job sees a /tmp and /var/tmp of its own (a mount namespace; the directories live in "
                 "the resource's state directory and are emptied at every start and stop)"),
        JOB_BOOL("NoNewPrivileges", no_new_privileges, "0", 0,
                 "no process of the job gains privileges through execve (no_new_privs: setuid bits and file "
                 "capabilities are ignored)"),
        JOB_BOOL("NoAdmin", no_admin, "0", 0,
                 "refuse to run as root (User must be another user) and drop every capability, from the "
                 "bounding set too; root gains nothing by exec"),
        { .name = "CapabilitiesToDrop", .type = WP_PROP_LIST, .offset = JOB_MEMBER(capabilities_to_drop),
          .check = job_check_capabilities,
          .description = "capabilities the job never has, like CAP_SYS_ADMIN CAP_NET_RAW (dropped from the "
                         "bounding set, and from every set of a job that runs as root)" },
        { .name = "SupplementaryGroups", .type = WP_PROP_LIST, .offset = JOB_MEMBER(supplementary_groups),
          .check = job_check_groups,
          .description = "the supplementary groups (names or gids) instead of the user's from the user "
                         "database; none: no supplementary group" },
        { .name = "ActiveProcesses", .type = WP_PROP_INT, .flags = WP_PROP_READONLY,
          .offset = JOB_MEMBER(active_processes),
          .description = "processes in the job now (cgroup.procs; exact)" },
        { .name = "TotalProcesses", .type = WP_PROP_INT, .flags = WP_PROP_READONLY,
          .offset = JOB_MEMBER(total_processes),
          .description = "processes the job has held since online: exact where the kernel's process events "
                         "are available (not in a network namespace of its own), otherwise counted from "
                         "the job's processes sampled every 250ms, a lower bound" },
        { .name = "TotalUserTime", .type = WP_PROP_DURATION, .flags = WP_PROP_READONLY,
          .offset = JOB_MEMBER(total_user_time),
          .description = "user CPU time of every process the job held since online (cpu.stat; exact)" },
        { .name = "TotalKernelTime", .type = WP_PROP_DURATION, .flags = WP_PROP_READONLY,
          .offset = JOB_MEMBER(total_kernel_time),
          .description = "system CPU time of every process the job held since online (cpu.stat; exact)" },
        { .name = "PeakProcessMemoryUsed", .type = WP_PROP_SIZE, .flags = WP_PROP_READONLY,
          .offset = JOB_MEMBER(peak_process_memory_used),
          .description = "largest address space (VmPeak) seen of one process, sampled when asked and on the "
                         "job's timer: a lower bound for processes that already ended" },
        { .name = "PeakJobMemoryUsed", .type = WP_PROP_SIZE, .flags = WP_PROP_READONLY,
          .offset = JOB_MEMBER(peak_job_memory_used),
          .description = "the job's highest memory use since online (memory.peak; cgroup v1: "
                         "memory.max_usage_in_bytes)" },
        { .name = "MemoryUsed", .type = WP_PROP_SIZE, .flags = WP_PROP_READONLY,
          .offset = JOB_MEMBER(memory_used),
          .description = "the job's memory use now (memory.current; cgroup v1: memory.usage_in_bytes)" },
        {},
};

static int genjob_plugin_open(wp_resource *r, const void *params, wp_instance *ret) {
        return genjob_open(host, r, params, layout_error < 0 ? NULL : &layout, layout_error, ret);
}

static int genjob_plugin_control(wp_instance inst, wp_resource *r, wp_control_code code, void *params,
                                 const char *const *changed) {
        return genjob_control(host, inst, r, code, params, changed);
}

static const wp_entry_points genjob_entry_points = {
        .open = genjob_plugin_open,
        .close = genapp_ep_close,
        .probe = genjob_ep_probe,
        .online = genjob_ep_online,
        .offline = genapp_ep_offline,
        .terminate = genapp_ep_terminate,
        .looks_alive = genapp_ep_looks_alive,
        .is_alive = genapp_ep_is_alive,
        .control = genjob_plugin_control,
        .resume_online = genjob_ep_resume_online,
};

static const wp_type genjob_type = {
        .api_version = WP_RESAPI_VERSION,
        .name = "genjob",
        .description = "Job Object: a Generic Application held in a job, one cgroup per resource with "
                       "limits, events, accounting and restrictions",
        .props = genjob_props,
        .params_size = sizeof(JobParams),
        .params_done = NULL,
        .ep = &genjob_entry_points,
};

int wp_resapi_startup(const wp_host *h, const wp_type **ret) {
        int k = wp_resapi_check(h, ret);
        if (k < 0)
                return k;
        host = h;
        if (layout.n_hier == 0 && layout_error == 0)
                layout_error = job_layout_detect(NULL, &layout);
        *ret = &genjob_type;
        return 0;
}
