/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parent's side of the resource monitor protocol
 * (docs/resmon-protocol.md), shared by wolfpackd and wolfpack-resmon-driver:
 * start a wolfpack-resmon on a socketpair (or connect to the named socket
 * of one that lost its parent), say hello, map the "where" page of the
 * hello reply, number requests and match their replies, send heartbeats
 * and kill a monitor whose loop does not answer within DeadlockTimeout,
 * renew a lease, and report the monitor's end once its socket is closed
 * and its process is gone (reaped through a pidfd).
 *
 * Knows nothing of what resources are or what their states mean. Runs on
 * the caller's sd-event loop; every callback comes from that loop.
 *
 * Callbacks may send requests. Only `ended` may free the client; a client
 * freed elsewhere must not be freed from inside its own callbacks.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <systemd/sd-event.h>

#include "resmon-where.h"

typedef struct ResmonClient ResmonClient;

#define RESMON_DEFAULT_DEADLOCK_TIMEOUT_USEC (300ULL * 1000000ULL)
#define RESMON_DEFAULT_HEARTBEAT_INTERVAL_USEC (1ULL * 1000000ULL)

/* What the where page said: empty strings when the monitor was idle (or
 * there is no page). */
typedef struct ResmonWhere {
        char resource[sizeof(((struct resmon_where *) 0)->resource) + 1];
        char entry_point[sizeof(((struct resmon_where *) 0)->entry_point) + 1];
        uint64_t since_usec; /* CLOCK_MONOTONIC, when the entry point was entered */
} ResmonWhere;

typedef struct ResmonEnd {
        pid_t pid;        /* 0 when never known */
        bool have_status; /* we reaped it: exit_code or signal is known */
        int exit_code;
        int signal;       /* the signal that ended it, else 0 */
        bool deadlocked;  /* killed by this client for DeadlockTimeout */
        ResmonWhere where;
} ResmonEnd;

typedef struct ResmonClientOps {
        /* The hello reply (borrowed). On success (error 0) the where page
         * is mapped, the pid is watched and heartbeats have started; on
         * error nothing more happens and the caller decides (kill it). */
        void (*hello)(ResmonClient *c, json_t *reply, void *userdata);
        /* A `state` or `log` event, or a reply that matches no request. */
        void (*event)(ResmonClient *c, json_t *msg, void *userdata);
        /* A heartbeat ("heartbeat") or lease renewal ("lease") that the
         * monitor answered with an error. */
        void (*refused)(ResmonClient *c, const char *request, json_t *reply, void *userdata);
        /* Something the client could not do on its own (send a heartbeat,
         * map the where page, ...): a sentence for a person. */
        void (*problem)(ResmonClient *c, const char *message, void *userdata);
        /* The oldest hello or heartbeat went unanswered for DeadlockTimeout:
         * the client stopped heartbeats and sent SIGKILL (kill_result is 0 or
         * why it could not). The end follows as `ended`. */
        void (*deadlock)(ResmonClient *c, const ResmonWhere *where, uint64_t after_usec,
                         int kill_result, void *userdata);
        /* The monitor sent bytes that are not a valid frame: the connection
         * is closed and the client sent SIGKILL (kill_result as above). */
        void (*broken)(ResmonClient *c, const char *why, int kill_result, void *userdata);
        /* The connection is closed and the process (when known) is gone.
         * Called once; heartbeats and lease renewals have stopped. Requests
         * still unanswered get their NULL reply when the client is freed. */
        void (*ended)(ResmonClient *c, const ResmonEnd *end, void *userdata);
} ResmonClientOps;

typedef struct ResmonClientConfig {
        const ResmonClientOps *ops;
        void *userdata;
        uint64_t heartbeat_interval_usec; /* 0: 1 s; at most a quarter of the deadlock timeout */
        uint64_t deadlock_timeout_usec;   /* 0: 300 s */
        /* The parent's identity, sent with hello: a monitor started by a
         * parent with another identity refuses it. NULL: none sent. */
        const char *daemon_id;
} ResmonClientConfig;

/* How to start a monitor: `MONITOR --fd 3 --name NAME [--plugin-dir DIR]
 * --runtime-dir DIR --state-dir DIR [--daemon-id ID] [--cgroup PATH]
 * [--reattach-timeout D]`
 * with standard input from /dev/null, standard output on the caller's
 * standard error, in a process group of its own. */
typedef struct ResmonSpawn {
        const char *monitor;
        const char *name;
        const char *plugin_dir;       /* NULL: not passed (the monitor's default) */
        const char *runtime_dir;
        const char *state_dir;
        const char *daemon_id;        /* --daemon-id; NULL: not passed */
        const char *cgroup;           /* --cgroup; NULL: not passed */
        const char *reattach_timeout; /* --reattach-timeout; NULL: not passed */
        /* A v2 cgroup (absolute path in the cgroup2 file system) the
         * process is moved into before it executes the monitor; NULL: it
         * stays in the caller's cgroup. */
        const char *process_cgroup;
} ResmonSpawn;

/* Start a monitor and send hello. A program that cannot be executed, or a
 * cgroup it cannot be moved into, is reported here with err saying why. */
int resmon_client_spawn(sd_event *e, const ResmonClientConfig *cfg, const ResmonSpawn *s,
                        ResmonClient **ret, char *err, size_t errlen);
/* Connect to <runtime-dir>/resmon-<name>.sock and send hello. */
int resmon_client_connect(sd_event *e, const ResmonClientConfig *cfg, const char *path,
                          ResmonClient **ret, char *err, size_t errlen);

/* The reply to one request (borrowed), or NULL when none will come: the
 * client is being freed. Called exactly once per request sent. */
typedef void (*resmon_reply_fn)(ResmonClient *c, json_t *reply, void *userdata);

/* Send msg (a JSON object with a string "type"; its "id" is set here, so
 * msg is changed). fn may be NULL. 0 and *ret_id (may be NULL): sent, or
 * queued behind a connection that just broke (its end is reported next;
 * fn then gets NULL when the client is freed). -ENOTCONN after the end was
 * reported, -EINVAL or -EMSGSIZE for a message that cannot be framed,
 * -ENOMEM: nothing was sent and fn will not be called. */
int resmon_client_call(ResmonClient *c, json_t *msg, resmon_reply_fn fn, void *userdata,
                       uint64_t *ret_id);

/* Change the heartbeat interval and DeadlockTimeout (0: the defaults). */
void resmon_client_set_liveness(ResmonClient *c, uint64_t heartbeat_interval_usec,
                                uint64_t deadlock_timeout_usec);

/* Grant a lease of duration_usec now (fn gets the grant's reply, as with
 * resmon_client_call) and renew it every renew_usec (0: never) until
 * resmon_client_lease_stop. A duration of 0 withdraws the lease and stops
 * renewing. A negative errno: nothing was sent, fn will not be called, and
 * a renewal that was running has stopped. */
int resmon_client_lease_start(ResmonClient *c, uint64_t duration_usec, uint64_t renew_usec,
                              resmon_reply_fn fn, void *userdata);
/* Stop renewing: the lease runs out by itself. */
void resmon_client_lease_stop(ResmonClient *c);

/* Signal the monitor (through its pidfd when known). -ESRCH when its pid
 * is not known or it already ended. */
int resmon_client_kill(ResmonClient *c, int sig);
/* The monitor's pid: from the start, or from the hello reply; 0 when not
 * known yet. */
pid_t resmon_client_pid(const ResmonClient *c);
/* We started it (and will reap it). */
bool resmon_client_started(const ResmonClient *c);
/* The hello reply said yes. */
bool resmon_client_attached(const ResmonClient *c);
/* Read the where page now (all empty without one). */
void resmon_client_where(const ResmonClient *c, ResmonWhere *ret);

/* Outside the loop, when leaving: write what is queued, waiting at most
 * timeout_usec. 0, -ETIMEDOUT, -ENOTCONN or the send error. */
int resmon_client_flush(ResmonClient *c, uint64_t timeout_usec);
/* Outside the loop, when leaving: wait at most timeout_usec for the
 * monitor's process to end, and reap it when it is our child. 0 (ended),
 * -ETIMEDOUT, -ESRCH (no process to watch). */
int resmon_client_wait_exit(ResmonClient *c, uint64_t timeout_usec);

/* Close the connection without a word (the monitor then waits for a new
 * parent) and give every unanswered request its NULL reply. Accepts NULL. */
ResmonClient *resmon_client_free(ResmonClient *c);
