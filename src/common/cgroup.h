/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup v2 tree operations for resource cgroups: find the v2 mount and the
 * calling process's own cgroup on it, create, kill, signal, list, remove.
 * Every file operation goes through this module so that other backends
 * (v1 controllers, a test directory laid out like cgroupfs) can sit behind
 * the same calls. Never touches a cgroup outside the path it is given;
 * never logs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The cgroup2 mount point (from /proc/self/mountinfo): "/sys/fs/cgroup" on
 * unified hosts, "/sys/fs/cgroup/unified" on hybrid ones. -ENOMEDIUM when
 * there is no v2 tree. *ret malloc'ed. */
int cg_v2_mount(char **ret);
/* The calling process's cgroup on the v2 tree as an absolute path
 * ("/sys/fs/cgroup/unified/user.slice/x"). */
int cg_own_path(char **ret);

int cg_create(const char *path);        /* mkdir -p; 0 when it exists */
int cg_remove(const char *path);        /* rmdir; 0 when absent; -EBUSY while populated */
int cg_populated(const char *path);     /* 1, 0 (also when absent), -errno */
int cg_kill(const char *path);          /* cgroup.kill, or freeze + SIGKILL each + thaw */
int cg_signal(const char *path, int sig); /* every process in cgroup.procs, recursively */
int cg_pids(const char *path, pid_t **ret, size_t *ret_n); /* sorted; recursive */
int cg_attach(const char *path, pid_t pid);  /* write pid to cgroup.procs */
/* Open cgroup.events for EPOLLPRI notification of populated changes. */
int cg_open_events(const char *path);
/* Open the cgroup directory for clone3(CLONE_INTO_CGROUP). */
int cg_open_dir(const char *path);
