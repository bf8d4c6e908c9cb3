/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The monitor's one source of per-process events for every job (the job
 * object's completion port): the kernel's process events connector
 * (NETLINK_CONNECTOR, CN_IDX_PROC). Opened with the first job that joins,
 * closed with the last; the count of joined jobs is kept under a lock.
 * Each job tracks its processes: a fork whose parent is tracked tracks the
 * child too and is reported to that job, as is the exit of a tracked
 * process. The connector works only in the initial network namespace and
 * for root: elsewhere joining fails with the reason, and the job falls back
 * to counts (genjob-events.c).
 *
 * The socket's watch belongs to the resource of one joined job and moves
 * to another when that one leaves. Loop thread only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <wolfpack/resapi.h>

typedef struct JobPortClient JobPortClient;

struct JobPortClient {
        const wp_host *host;
        wp_resource *r;
        void *userdata;
        /* A tracked process forked: child is tracked now. */
        void (*on_fork)(JobPortClient *c, pid_t parent, pid_t child);
        /* A tracked process exited (exit_code as wait status: the signal in
         * the low 7 bits, 0x80 for a core dump, else the status << 8); it is
         * no longer tracked. */
        void (*on_exit)(JobPortClient *c, pid_t pid, int exit_code);
        /* The kernel dropped events (the socket overflowed): forks and
         * exits were missed; the client resynchronises from its cgroup. */
        void (*on_lost)(JobPortClient *c);
        /* owned by genjob-port.c */
        bool joined;
        JobPortClient *prev, *next;
};

/* Join; 0, or a negative errno with the reason in err. */
int job_port_join(JobPortClient *c, char *err, size_t errlen);
/* Leave; untracks every process of c. The last one closes the socket. */
void job_port_leave(JobPortClient *c);
int job_port_track(JobPortClient *c, pid_t pid);
void job_port_untrack(JobPortClient *c, pid_t pid);
bool job_port_tracks(const JobPortClient *c, pid_t pid);
/* Handle every event already queued on the socket (before reading state
 * the events would change). */
void job_port_pump(void);
/* How many jobs are joined. */
size_t job_port_clients(void);

/* One decoded event. */
typedef enum JobPortWhat {
        JOB_PORT_FORK = 1,   /* parent and pid are thread group ids */
        JOB_PORT_EXIT,       /* pid: the thread group that ended */
} JobPortWhat;

typedef struct JobPortEvent {
        JobPortWhat what;
        pid_t parent;
        pid_t pid;
        int exit_code;
} JobPortEvent;

/* Decode one datagram: the fork and exit events of whole processes (thread
 * creation and thread exits are skipped). Pure. Returns how many were put
 * in out (at most max). */
size_t job_port_decode(const void *buf, size_t len, JobPortEvent *out, size_t max);
