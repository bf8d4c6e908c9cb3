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
/* The same from the texts of /proc/self/mountinfo and /proc/self/cgroup.
 * ret_root (may be NULL): the cgroup the mount shows as its root. Pure. */
int cg_parse_v2_mount(const char *mountinfo, char **ret_where, char **ret_root);
int cg_parse_own_path(const char *mountinfo, const char *proc_cgroup, char **ret);
/* A cgroup path from /proc/self/cgroup, relative to a mount, has no "." or
 * ".." component, so joined to the mount it stays inside it. A process
 * outside its cgroup namespace's root sees "/../..." there: its cgroup is
 * not on the tree it can see (-ENOENT above). */
bool cg_path_stays_inside(const char *rel);

int cg_create(const char *path);        /* mkdir -p (0755); 0 when it exists; absolute paths only */
/* rmdir, child cgroups first (deepest first); 0 when absent; -EBUSY while
 * it or a child cgroup is populated. */
int cg_remove(const char *path);
int cg_populated(const char *path);     /* 1, 0 (also when absent), -errno */
/* SIGKILL every process of the cgroup and its descendants: cgroup.kill, or
 * where the kernel has none (before 5.14) cg_kill_by_freezing. Returns once
 * the signals are sent; the processes are gone when cg_populated says 0.
 * 0 when absent. */
int cg_kill(const char *path);
/* The fallback of cg_kill, also callable on kernels with cgroup.kill:
 * freeze (waiting a bounded time for "frozen 1", so that nothing forks
 * away), SIGKILL every pid recursively, thaw. Where the kernel has no
 * freezer (before 5.2), signals every pid until no new one appears. -EPERM
 * for the root cgroup (it has no cgroup.events): that would kill the whole
 * system. 0 when absent. */
int cg_kill_by_freezing(const char *path);
/* Send sig to every process in cgroup.procs of the cgroup and of its
 * descendants (processes that exit meanwhile are skipped). 0 when absent. */
int cg_signal(const char *path, int sig);
/* Every pid of the cgroup and its descendants, ascending, no duplicates;
 * *ret malloc'ed (NULL when there is none). Empty when absent. */
int cg_pids(const char *path, pid_t **ret, size_t *ret_n);
int cg_attach(const char *path, pid_t pid);  /* write pid to cgroup.procs */
/* Open cgroup.events (O_RDONLY|O_CLOEXEC) for poll/epoll: POLLPRI (EPOLLPRI)
 * is reported when the file changed since it was last opened or read —
 * "populated" and "frozen" flips. */
int cg_open_events(const char *path);
/* Open the cgroup directory (O_DIRECTORY|O_CLOEXEC, not O_PATH) for
 * clone3(CLONE_INTO_CGROUP). */
int cg_open_dir(const char *path);
