/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The driver's end of the connection to one wolfpack-resmon: start the
 * monitor on a socketpair (or connect to its named socket), frame messages
 * both ways (src/common/proto.h), keep the first file descriptor the monitor
 * passes (the "where" memfd of the hello reply), and watch the monitor's
 * process through a pidfd so its end is reported once, after every message
 * it sent was delivered. Knows nothing of what the messages mean.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <systemd/sd-event.h>

typedef struct MonitorLink MonitorLink;

typedef struct MonitorEnd {
        pid_t pid;        /* 0 when never known */
        bool have_status; /* we started it and reaped it */
        int exit_code;    /* when it exited */
        int signal;       /* when a signal ended it, else 0 */
} MonitorEnd;

typedef struct MonitorLinkOps {
        /* A message from the monitor; borrowed for the call. */
        void (*message)(json_t *msg, void *userdata);
        /* The monitor sent bytes that are not a valid frame; the
         * connection is already closed. */
        void (*broken)(const char *why, void *userdata);
        /* The connection is closed and the process (when known) is gone.
         * Called once. */
        void (*ended)(const MonitorEnd *end, void *userdata);
} MonitorLinkOps;

typedef struct MonitorSpawn {
        const char *monitor;
        const char *name;
        const char *plugin_dir;
        const char *runtime_dir;
        const char *state_dir;
        const char *cgroup;           /* NULL: not passed */
        const char *reattach_timeout; /* NULL: not passed */
} MonitorSpawn;

/* Start the monitor with the child end of a socketpair on its fd 3. A
 * program that cannot be executed is reported here, with err saying why. */
int monitor_link_spawn(sd_event *e, const MonitorSpawn *s, const MonitorLinkOps *ops,
                       void *userdata, MonitorLink **ret, char *err, size_t errlen);
/* Connect to the named socket of a monitor that lost its parent. */
int monitor_link_connect(sd_event *e, const char *path, const MonitorLinkOps *ops, void *userdata,
                         MonitorLink **ret, char *err, size_t errlen);

/* Queue one message; -ENOTCONN once the connection is closed. */
int monitor_link_send(MonitorLink *l, const json_t *msg);
/* A connected (not started) monitor: watch and signal this pid, which
 * the hello reply named. */
int monitor_link_adopt_pid(MonitorLink *l, pid_t pid);
/* -ESRCH when the pid is not known. */
int monitor_link_signal(MonitorLink *l, int sig);
/* The first fd the monitor passed, handed over; -1 when none came. */
int monitor_link_take_fd(MonitorLink *l);
pid_t monitor_link_pid(const MonitorLink *l);
bool monitor_link_started(const MonitorLink *l);
MonitorLink *monitor_link_free(MonitorLink *l);
