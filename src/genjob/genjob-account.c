/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The job's accounting, its read-only properties: processes now (the v2
 * cgroup's), processes in all (from the events), user and system time
 * (cpu.stat of the v2 cgroup, which has it with or without the cpu
 * controller), the job's memory now and at its peak (the memory
 * controller), and the largest address space of one process (VmPeak,
 * sampled). What the job used is kept past its end, until the next
 * online. Reads only; never fails a resource.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "genjob.h"
#include "macro.h"

static void read_cpu(Genjob *j) {
        uint64_t user, system;

        if (j->cg && job_cgroup_cpu_usec(j->cg, &user, &system) >= 0) {
                j->user_usec = user;
                j->system_usec = system;
        }
}

static void read_peak(Genjob *j) {
        uint64_t v;

        if (j->cg && job_cgroup_read(j->cg, JOB_COUNTER_MEMORY_PEAK, &v) >= 0 && v != JOB_UNLIMITED &&
            v > j->peak_job_memory)
                j->peak_job_memory = v;
}

/* VmPeak of /proc/PID/status, in bytes; 0 when unknown. */
static uint64_t vm_peak(pid_t pid) {
        char path[64], buf[4096];
        ssize_t n;
        int fd;
        const char *p;
        unsigned long long kib;

        snprintf(path, sizeof path, "/proc/%d/status", (int) pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n <= 0)
                return 0;
        buf[n] = '\0';
        p = strstr(buf, "\nVmPeak:");
        if (!p || sscanf(p + 8, "%llu", &kib) != 1)
                return 0;
        return (uint64_t) kib * 1024;
}

void job_account_sample_processes(Genjob *j) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;

        if (!j->active || j->host->cgroup_pids(j->r, &pids, &n) < 0)
                return;
        for (size_t i = 0; i < n; i++) {
                uint64_t v = vm_peak(pids[i]);
                if (v > j->peak_process_memory)
                        j->peak_process_memory = v;
        }
}

void job_account_keep(Genjob *j) {
        read_cpu(j);
        read_peak(j);
}

void job_account_read(Genjob *j, JobLimits *out) {
        out->active_processes = 0;
        out->memory_used = 0;
        if (j->active && j->cg) {
                _cleanup_free_ pid_t *pids = NULL;
                size_t n = 0;
                uint64_t v;

                if (j->host->cgroup_pids(j->r, &pids, &n) >= 0)
                        out->active_processes = (int64_t) n;
                if (job_cgroup_read(j->cg, JOB_COUNTER_MEMORY_CURRENT, &v) >= 0)
                        out->memory_used = v;
                read_cpu(j);
                read_peak(j);
                job_account_sample_processes(j);
        }
        out->total_processes = (int64_t) j->total_processes;
        out->total_user_time = j->user_usec;
        out->total_kernel_time = j->system_usec;
        out->peak_job_memory_used = j->peak_job_memory;
        out->peak_process_memory_used = j->peak_process_memory;
}
