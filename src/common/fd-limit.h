/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wolfpackd's file descriptor limit. The daemon holds a descriptor per API
 * connection, monitor, event source and database file, so it raises its
 * own soft RLIMIT_NOFILE to the hard limit at start, as systemd does for
 * itself. What it starts must not inherit that: many programs use select(),
 * which breaks on descriptors past 1,024, so a child gets the soft limit
 * the daemon was started with back before it executes anything.
 */
#pragma once

#include <sys/resource.h>

/* The limit to raise cur to: the soft limit up to the hard one, but never
 * past nr_open (the kernel's fs.nr_open, the most a process may have; an
 * unlimited hard limit means that). A soft limit already there is kept. */
struct rlimit fd_limit_raised(struct rlimit cur, rlim_t nr_open);

/* Raise this process's soft limit (fd_limit_raised) and remember the one
 * it had for fd_limit_restore. 0 or a negative errno; on failure the limit
 * is unchanged and there is nothing to restore. */
int fd_limit_raise(void);

/* In a child between fork and exec (async-signal-safe): put back the soft
 * limit the process had before fd_limit_raise. Nothing when it was never
 * raised. 0 or a negative errno. */
int fd_limit_restore(void);
