/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A map from pid to a pointer: the processes of the jobs, looked up for
 * every fork and exit the kernel reports. Open addressing; resized on
 * insertion. Not thread-safe. Pure.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

typedef struct JobPidmap JobPidmap;

JobPidmap *job_pidmap_new(void);
JobPidmap *job_pidmap_free(JobPidmap *m);
/* Set (or replace) the value of pid (> 0, value not NULL). */
int job_pidmap_put(JobPidmap *m, pid_t pid, void *value);
void *job_pidmap_get(const JobPidmap *m, pid_t pid);
/* The value removed, NULL when pid was not there. */
void *job_pidmap_remove(JobPidmap *m, pid_t pid);
size_t job_pidmap_size(const JobPidmap *m);
/* Iterate: *i = 0 first; 0 at the end. Removing the entry just returned
 * is allowed. */
pid_t job_pidmap_next(const JobPidmap *m, size_t *i, void **ret_value);
