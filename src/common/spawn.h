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
 * caller's cgroup. On success *ret_pid and *ret_pidfd (close-on-exec); the
 * caller reaps the process. Blocks until the child has exec'd or failed
 * (CLONE_VFORK), so a child_setup that hangs hangs the caller.
 *
 * Checked in the parent, with the messages of find_executable and
 * "cannot change directory to ...": the program (looked up in the PATH of
 * the environment it will run with; a relative path with a '/' is relative
 * to cwd) and the directory. Identity: uid set: gid (-1: the user's primary
 * group) and groups (NULL: the user's groups, as initgroups would set them)
 * come from the user database, read in the parent; a uid without an entry
 * needs both given (-ESRCH otherwise). uid -1: a gid or groups given are
 * set, the rest is kept.
 *
 * In the child, in this order: signal dispositions to default and mask
 * empty, setsid (new_session), setgroups, setgid, setuid, chdir (as the
 * user), stdin from /dev/null, stdout_fd (or /dev/null) on 1 and 2, every
 * other fd close-on-exec (child_setup may still use them), child_setup,
 * execve. A failure there comes back as its errno, the process already
 * reaped, with a message naming the step and its argument ("cannot set
 * user 1000: ...", "cannot execute \"/x\": Exec format error", "child setup
 * failed: ..."). err may be NULL. */
int spawn_process(const wp_spawn *spec, int cgroup_fd, pid_t *ret_pid, int *ret_pidfd, char *err,
                  size_t errlen);

/* Resolve a program name like execvp would (the caller's PATH, or a
 * default when unset; as given when it has a '/'), checking it exists and
 * is an executable regular file: -ENOENT 'program "x" not found in PATH
 * (...)', -EACCES '"/etc/passwd" is not executable', -EISDIR '"/tmp" is a
 * directory, not a program'. *ret malloc'ed. */
int find_executable(const char *name, char **ret, char *err, size_t errlen);
