/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Start a process directly inside a cgroup: clone3(CLONE_INTO_CGROUP |
 * CLONE_PIDFD | CLONE_VFORK), then in the child the session, identity,
 * working directory, output, the caller's setup hook and execve. Whatever
 * fails before execve comes back to the caller as an errno and a message
 * naming the cause (through a close-on-exec pipe), so "no such program",
 * "not executable", "no such directory", "no such user" are told apart.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include <wolfpack/resapi.h>

/* cgroup_fd: an O_DIRECTORY fd of the v2 cgroup, or -1 to stay in the
 * caller's cgroup. On success *ret_pid and *ret_pidfd (close-on-exec). */
int spawn_process(const wp_spawn *spec, int cgroup_fd, pid_t *ret_pid, int *ret_pidfd, char *err,
                  size_t errlen);

/* Resolve a program name like execvp would (PATH, or as given when it
 * has a '/'), checking it exists and is executable. */
int find_executable(const char *name, char **ret, char *err, size_t errlen);
