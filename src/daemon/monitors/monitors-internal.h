/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The types the files of the monitors module share: the Monitors, one
 * Monitor per wolfpack-resmon child (or adopted orphan), one MonResource
 * per resource the daemon opened or adopted, and one Call per request on
 * its way. Not for use outside src/daemon/monitors/.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "hashmap.h"
#include "monitors.h"
#include "resmon-client.h"

typedef struct Monitor Monitor;
typedef struct MonResource MonResource;
typedef struct Call Call;

struct Monitor {
        Monitors *owner;
        char *name;
        ResmonClient *client;
        bool adopted;      /* found by monitors_reattach, not started here */
        bool said_hello;   /* hello answered, yes or no */
        bool attached;     /* hello answered yes */
        bool exiting;      /* asked to exit, or given up on: its end is expected */
        uint64_t deadlock_usec;
        char *death_reason; /* set when it died: told to calls it never answered */
        Monitor *next;
};

/* Why a resource is being opened again, in a new monitor, after its
 * monitor died:
 *
 *   recovery  sent          reply                      then
 *   NONE      -             -                          requests flow as usual
 *   ALONE     open          ok                         NONE (it stays Failed)
 *                           error                      lost
 *   PROBE     open, probe   open error                 lost
 *                           probe: running             Online (or terminated, Failed, without lease);
 *                                                      OnlinePending when it was, until it is ready
 *                           probe: not running         Offline, or Failed when it was meant to run
 *   any       its new monitor dies                     again (ALONE: lost; 3 times: lost)
 */
typedef enum Recovery {
        RECOVERY_NONE,
        RECOVERY_ALONE,
        RECOVERY_PROBE,
} Recovery;

struct MonResource {
        Monitors *owner;
        char *id, *name, *rtype;
        json_t *properties;    /* object of text values, to open it again */
        json_t *common;
        bool from_snapshot;    /* properties hold read-only ones too */
        bool separate;
        uint64_t deadlock_usec;
        uint64_t incarnation;  /* tells a re-opened resource from the one a call was for */
        Monitor *monitor;      /* NULL: lost */
        char *lost_reason;
        char *state;           /* last reported; NULL until opened */
        uint64_t event_seq;    /* state events seen */
        json_t *readonly;      /* read-only properties of the last Online */

        Recovery recovery;
        unsigned recoveries;   /* in a row, without one that completed */
        char *recovery_reason;
        char *recovery_prev;   /* the state before its monitor died */
};

typedef enum CallKind {
        CALL_USER,
        CALL_RECOVER_OPEN,
        CALL_RECOVER_PROBE,
        CALL_DESCRIBE,
        CALL_QUIET,            /* exit, lease, a terminate of our own: only errors are logged */
} CallKind;

struct Call {
        Monitors *owner;
        CallKind kind;
        char *type;
        char *resource;
        uint64_t incarnation;
        uint64_t event_seq;    /* of the resource when sent */
        Monitor *monitor;      /* valid until the reply or its NULL */
        monitors_reply_fn fn;
        void *userdata;
        json_t *properties;    /* set-properties: merged on success */
        char *rtype;           /* describe-type */
        sd_event_source *timeout; /* a request about types: answered here when the monitor does not */
        /* a reply made here (deferred) */
        int error;
        char *message;
        Call *next;
};

typedef struct ReattachState {
        bool running;
        unsigned pending; /* hellos and describe-types unanswered */
        unsigned n_monitors, n_resources;
        void (*done)(Monitors *m, unsigned n_monitors, unsigned n_resources, void *userdata);
        void *userdata;
} ReattachState;

struct Monitors {
        sd_event *event;
        MonitorsCallbacks cb;
        void *userdata;

        char *monitor_path, *plugin_dir, *runtime_dir, *state_dir;
        char *daemon_id;           /* or NULL */
        char *resource_cgroup;     /* in the cgroup2 file system */
        char *resource_cgroup_arg; /* rooted at the v2 tree: --cgroup */
        char *monitor_cgroup;      /* in the cgroup2 file system, or NULL */
        char *reattach_arg;        /* --reattach-timeout, or NULL */
        uint64_t lease_usec, stop_usec;

        Hashmap *resources;        /* id → MonResource */
        Monitor *monitors;         /* running, and exiting ones until they end */
        Monitor *graveyard;        /* freed from the loop */
        Hashmap *types;            /* rtype → TypeInfo, from describe-type */
        uint64_t next_incarnation;
        bool lease_held;
        /* The lease runs until this CLOCK_MONOTONIC time, granted anew by
         * each monitors_lease_until and never renewed by a timer (0: the
         * lease is renewed on a timer while held, monitors_set_lease). */
        uint64_t lease_until;
        bool leaving;              /* free or detach: no more callbacks */

        Call *deferred, **deferred_tail;
        json_t *logs;              /* this module's log events, told from the loop */
        sd_event_source *defer;

        ReattachState reattach;
};

/* monitors.c */
Monitor *monitor_find(Monitors *m, const char *name);
/* Start a monitor called name. err says why not. */
int monitor_spawn(Monitors *m, const char *name, Monitor **ret, char *err, size_t errlen);
/* Unlink from the running ones and free from the loop. */
void monitor_bury(Monitor *mon);
Monitor *monitor_free(Monitor *mon);
void monitor_update_deadlock(Monitor *mon);
void monitor_exit(Monitor *mon);
unsigned monitor_count_resources(Monitor *mon);
void monitor_grant_lease(Monitor *mon);
/* Whether this node holds the lease now (no lease at all: true). */
bool monitors_lease_valid(const Monitors *m);
/* The monitor name for a resource of its own. */
int monitor_name_for(const char *id, char **ret);
void monitors_kick(Monitors *m);

MonResource *mon_resource_get(Monitors *m, const char *id);
int mon_resource_new(Monitors *m, const char *id, const char *name, const char *rtype,
                     MonResource **ret);
/* Remove from the table and free. */
void mon_resource_forget(MonResource *r);
/* Report a state (previous: what was last reported) and remember it. */
void mon_resource_report(MonResource *r, const char *state, const char *reason, json_t *properties);
/* SIGKILL every process of the resource's cgroup. */
void mon_resource_kill_cgroup(MonResource *r);
/* The properties to open it with again (from a snapshot: read-only ones
 * and unset ones left out). */
json_t *mon_resource_open_properties(MonResource *r);
bool mon_is_common(const char *key, const char **ret_canonical);

void monitors_log(Monitors *m, const char *level, const char *code, const MonResource *r,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Connect to the named socket of a monitor that lost its parent. */
int monitor_connect(Monitors *m, const char *name, const char *path, Monitor **ret, char *err,
                    size_t errlen);
/* What describe-type told about a type: its "properties" array
 * (reference taken; NULL: asked, no answer yet). */
void monitors_remember_type(Monitors *m, const char *rtype, json_t *props);
/* Known, or asked already. */
bool monitors_knows_type(Monitors *m, const char *rtype);

/* monitors-requests.c */
/* r may be NULL; resource is then the id asked for (may be NULL). */
Call *call_new(Monitors *m, CallKind kind, const char *type, MonResource *r);
Call *call_new_for(Monitors *m, CallKind kind, const char *type, const char *resource);
Call *call_free(Call *c);
/* Send msg on mon for call. 0: the call is the client's now (freed after
 * its reply); a negative errno: it is still the caller's. */
int call_send(Monitor *mon, json_t *msg, Call *call);
/* The reply callback of every Call (resmon_reply_fn). */
void call_on_reply(ResmonClient *client, json_t *reply, void *userdata);
/* Complete call from the loop with this error (0 too). */
void call_defer(Call *call, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void calls_run_deferred(Monitors *m);
void calls_drop_deferred(Monitors *m);
/* An open request for r (its stored properties when props is NULL). */
json_t *open_message(MonResource *r, json_t *props);

/* monitors-events.c */
extern const ResmonClientOps monitor_client_ops;

/* monitors-recovery.c */
void recovery_monitor_ended(Monitor *mon, const ResmonEnd *end);
void recovery_open_reply(Call *call, json_t *reply);
void recovery_probe_reply(Call *call, json_t *reply);
/* A resource that cannot have a monitor: killed, Failed, left without. */
void recovery_lose(MonResource *r, const char *reason);

/* monitors-reattach.c */
void reattach_hello(Monitor *mon, json_t *reply);
void reattach_describe_reply(Call *call, json_t *reply);
/* An adopted monitor ended before its hello reply. */
void reattach_monitor_lost(Monitors *m);
/* From the loop: done() once nothing is outstanding. */
void reattach_check_done(Monitors *m);
