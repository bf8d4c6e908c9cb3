/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wolfpackd's resource monitors: the wolfpack-resmon children that run the
 * node's resources (docs/resource-monitor.md, docs/resmon-protocol.md).
 *
 * Resources live in the shared monitor "main", or, opened with separate,
 * in a monitor of their own named after the resource id. A request names
 * a resource; it goes to the monitor that holds it. Each monitor gets
 * heartbeats and is SIGKILLed when one goes unanswered for its
 * DeadlockTimeout (the smallest of its resources', 300 s by default; a
 * change applies at once, monitors_set_deadlock_timeout).
 * With a LeaseTimeout, every monitor's lease is renewed while the daemon
 * says it may own resources (monitors_set_lease) and runs out otherwise,
 * and `online` is refused while the lease is not held.
 *
 * A monitor that dies or is killed: the resource whose entry point it was
 * in (its where page says) has its cgroup killed, is reported Failed
 * ("the resource monitor crashed in online (signal 11)", "the resource
 * monitor hung in looks_alive for 300.2s and was killed (DeadlockTimeout
 * 5min)") and is re-opened, Offline, in a monitor of its own; what next is the daemon's policy.
 * Every other resource of that monitor is re-opened in a new monitor and
 * probed: one still running is reported Online (its processes were never
 * touched) — or OnlinePending, until it is seen ready, when it was
 * OnlinePending — one that is not is reported Offline, or Failed when it
 * was meant to be running. A resource that cannot be re-opened (its monitor
 * cannot start, or dies again while re-opening it) is killed, reported
 * Failed and left without a monitor: requests for it fail until it is
 * closed. Nothing is ever started twice: a resource is probed before
 * anything else is sent for it, in order, on one connection.
 *
 * Everything runs on the caller's sd-event loop; every callback comes from
 * it, never from inside the call that caused it. Never call monitors_free
 * or monitors_detach from a callback. Never runs resource code.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <systemd/sd-event.h>

typedef struct Monitors Monitors;

#define MONITORS_MAIN "main"

/* Cgroup paths are either paths in the cgroup2 file system
 * ("/sys/fs/cgroup/unified/wolfpack/res") or paths rooted at the top of
 * the v2 tree ("/wolfpack/res"). */
typedef struct MonitorsConfig {
        const char *monitor_path;        /* NULL: wolfpack-resmon next to this program, else installed */
        const char *plugin_dir;          /* DIR[:DIR...]; NULL: the monitor's default */
        const char *runtime_dir;         /* re-attach sockets; NULL: /run/wolfpack */
        const char *state_dir;           /* NULL: /var/lib/wolfpack */
        /* The daemon's identity: every monitor started here carries it and
         * listens on <runtime_dir>/resmon-<daemon_id>-<name>.sock, and only
         * monitors carrying it are re-attached. NULL: none (monitors of
         * any parent are re-attached, on resmon-<name>.sock). */
        const char *daemon_id;
        const char *resource_cgroup;     /* resources go in <this>/<id> */
        const char *monitor_cgroup;      /* NULL: monitors stay in the daemon's cgroup */
        uint64_t reattach_timeout_usec;  /* 0: the monitor's default (10 s) */
        uint64_t lease_timeout_usec;     /* 0: no lease */
        uint64_t stop_timeout_usec;      /* how long monitors_free waits; 0: 30 s */
} MonitorsConfig;

/* How a request ended. message, property and state are NULL when the
 * reply has none; reply is the whole reply (NULL when the monitor never
 * answered). Everything is borrowed for the call. */
typedef struct MonitorsReply {
        int error; /* 0 or a negative errno */
        const char *message;
        const char *property;
        const char *state;
        json_t *reply;
} MonitorsReply;

typedef void (*monitors_reply_fn)(Monitors *m, const char *resource, const MonitorsReply *reply,
                                  void *userdata);

/* A monitor that died or was killed. */
typedef struct MonitorsDeath {
        const char *monitor;     /* its name */
        pid_t pid;
        bool status_known;       /* exit_code / signal are meaningful */
        int exit_code;
        int signal;              /* 0 when it exited */
        bool killed;             /* SIGKILLed for DeadlockTimeout */
        const char *resource;    /* the resource it was in, NULL when idle */
        const char *entry_point; /* NULL when idle */
        const char *reason;      /* the sentence Failed is reported with */
} MonitorsDeath;

/* A resource found in a monitor that lost its parent (monitors_reattach). */
typedef struct MonitorsSnapshot {
        const char *monitor;
        const char *resource;
        const char *name;
        const char *rtype;
        const char *state;
        json_t *properties; /* every property, read-only ones included, as text */
        json_t *common;
} MonitorsSnapshot;

typedef struct MonitorsCallbacks {
        /* A resource changed state. previous is the state last reported
         * here (or by a reply, a snapshot); properties: the read-only
         * properties after Online (ProcessId ...), else NULL. */
        void (*state)(Monitors *m, const char *resource, const char *state, const char *previous,
                      const char *reason, json_t *properties, void *userdata);
        /* A `log` event of a monitor, or of this module
         * ("MONITOR_DIED", ...): same members. */
        void (*log)(Monitors *m, json_t *event, void *userdata);
        /* A monitor died or was killed, before the Failed of its resource. */
        void (*monitor_died)(Monitors *m, const MonitorsDeath *death, void *userdata);
        /* A resource adopted by monitors_reattach. */
        void (*adopted)(Monitors *m, const MonitorsSnapshot *snapshot, void *userdata);
} MonitorsCallbacks;

/* err says what is wrong with the configuration. */
int monitors_new(sd_event *e, const MonitorsConfig *cfg, const MonitorsCallbacks *cb,
                 void *userdata, Monitors **ret, char *err, size_t errlen);

/* At start, before anything is opened: connect to every resmon-*.sock in
 * the runtime directory (monitors whose parent went away; a socket nobody
 * listens on any more is removed), say hello and adopt every resource of
 * their snapshots as it is, reporting each through `adopted`. done (may be
 * NULL) follows once every monitor answered or failed. -EBUSY when
 * monitors already run. */
int monitors_reattach(Monitors *m,
                      void (*done)(Monitors *m, unsigned n_monitors, unsigned n_resources,
                                   void *userdata),
                      void *userdata);

typedef struct MonitorsOpen {
        const char *resource;       /* the id */
        const char *name;           /* NULL: the id */
        const char *rtype;
        json_t *properties;         /* object of text values; borrowed, NULL: none */
        json_t *common;             /* LooksAlivePollInterval ...; borrowed, NULL: none */
        bool separate;              /* a monitor of its own */
        uint64_t deadlock_timeout_usec; /* 0: 300 s */
} MonitorsOpen;

/* Every request returns 0, and fn (may be NULL) is then called exactly
 * once from the loop; or a negative errno (-ENOMEM), and fn is not
 * called. Refusals (an unknown resource, an id already open, a monitor
 * that cannot start, online without the lease) come through fn. */
int monitors_open(Monitors *m, const MonitorsOpen *o, monitors_reply_fn fn, void *userdata);
int monitors_online(Monitors *m, const char *resource, monitors_reply_fn fn, void *userdata);
int monitors_offline(Monitors *m, const char *resource, monitors_reply_fn fn, void *userdata);
int monitors_terminate(Monitors *m, const char *resource, monitors_reply_fn fn, void *userdata);
/* Forgets the resource once closed; a separate monitor then exits. */
int monitors_close(Monitors *m, const char *resource, monitors_reply_fn fn, void *userdata);
/* Found running, a resource whose type can check its readiness
 * (resume_online) is OnlinePending until it is seen ready, which the reply's
 * state says: whether it was ready before, nobody here knows. */
int monitors_probe(Monitors *m, const char *resource, monitors_reply_fn fn, void *userdata);
int monitors_get_properties(Monitors *m, const char *resource, monitors_reply_fn fn,
                            void *userdata);
/* properties: object of text values (common ones allowed), borrowed. */
int monitors_set_properties(Monitors *m, const char *resource, json_t *properties,
                            monitors_reply_fn fn, void *userdata);

/* A request about types rather than resources — list-types,
 * describe-type, validate (docs/resmon-protocol.md) — answered by the
 * shared monitor (started when needed), or with -ETIMEDOUT, naming the
 * monitor, when it does not answer within 5 s. request is borrowed; its
 * "id" is ours to set. The callback's resource is NULL. */
int monitors_call(Monitors *m, const json_t *request, monitors_reply_fn fn, void *userdata);

/* The resource's DeadlockTimeout (0: 300 s); its monitor's is the smallest
 * of its resources'. -ENOENT for an unknown resource. */
int monitors_set_deadlock_timeout(Monitors *m, const char *resource, uint64_t usec);

/* Held: grant every monitor a lease of LeaseTimeout now and renew it every
 * third of it. Not held: stop renewing; the monitors terminate everything
 * when it runs out. No effect without a LeaseTimeout. */
void monitors_set_lease(Monitors *m, bool held);
/* Grant every monitor the lease until until_usec (CLOCK_MONOTONIC), once,
 * and every monitor started before then what is left of it: nothing renews
 * it but the next call. A time already past, or not later than the last
 * one granted, changes nothing. From the first call on, monitors_set_lease
 * has no effect. No effect without a LeaseTimeout. */
void monitors_lease_until(Monitors *m, uint64_t until_usec);
/* Whether this node holds the lease now (true without a LeaseTimeout). */
bool monitors_lease_held(Monitors *m);

/* The last state reported for the resource, NULL when unknown. */
const char *monitors_resource_state(Monitors *m, const char *resource);
/* The name of the monitor that holds it, NULL when none does. */
const char *monitors_resource_monitor(Monitors *m, const char *resource);
/* The pid of a running monitor, 0 when there is no such monitor. */
pid_t monitors_monitor_pid(Monitors *m, const char *monitor);

/* wolfpackd stops: every monitor is told to exit (terminating its
 * resources) and waited for up to the stop timeout; one that does not
 * exit in time is killed, and its resources' cgroups with it. Unanswered
 * requests are dropped without their callbacks. Accepts NULL. */
Monitors *monitors_free(Monitors *m);
/* wolfpackd goes away leaving everything running (an upgrade): the
 * connections are closed without a word, so every monitor keeps its
 * resources and waits ReattachTimeout for a new parent. Accepts NULL. */
Monitors *monitors_detach(Monitors *m);
