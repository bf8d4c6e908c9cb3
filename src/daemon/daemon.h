/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wolfpackd's parts and the runtime state they share: who runs what now.
 * Replicated state lives in the database (db.h); runtime state lives here,
 * in memory, rebuilt from the monitors' reports; node-local state (monitor
 * sockets, cgroups) belongs to the monitors module.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "clusterlog.h"
#include "db.h"
#include "engine.h"
#include "hashmap.h"
#include "sync.h"

typedef struct Daemon Daemon;
typedef struct Monitors Monitors;
typedef struct HttpServer HttpServer;
typedef struct HttpStream HttpStream;

/* A resource as this node sees it now. */
typedef struct RtResource {
        char *id;
        char *state;           /* "Offline", "OnlinePending", "Online", "OfflinePending", "Failed" */
        char *reason;          /* StateReason, or NULL */
        uint32_t owner;        /* node running it, 0: none */
        json_t *readonly;      /* read-only properties last reported (ProcessId ...); NULL: not running */
        uint64_t readonly_usec; /* CLOCK_MONOTONIC when they were read */
        bool readonly_stale;   /* the last attempt to read them anew got no answer */
        bool opened;           /* open in a monitor of this node */
        bool in_flight;        /* a request to the monitor is under way */
        bool held_failed;      /* Failed and left so by policy (RestartAction 0 ...) */
        bool stopping;         /* taken offline or terminated by us: its Offline/Failed is expected */
        bool fail_requested;   /* `wolfpack resource fail`: the coming Offline is a failure */
        bool reopen;           /* SeparateMonitor changed: closed and opened again before its next online */
        sd_event_source *restart_timer;
        /* The restart the policy scheduled, shown until the resource
         * leaves Failed: restart restart_attempt (0: none scheduled) of
         * restart_of (0: no limit) at restart_at_usec (CLOCK_MONOTONIC). */
        unsigned restart_attempt, restart_of;
        uint64_t restart_at_usec;
} RtResource;

/* A group as this node sees it now. */
typedef struct RtGroup {
        char *id;
        uint32_t owner;        /* node it runs on, 0: none */
        bool failed;           /* failed on every node it may run on */
        bool no_node;          /* failed because no node could take it: placement is tried again when a
                                * node or a property that placement reads changes */
        char *reason;          /* while failed: why, when it is tried again and what to do */
        bool failing_over;     /* being taken down to move elsewhere */
        sd_event_source *retry_timer;
} RtGroup;

typedef struct DaemonConfig {
        char *state_dir;       /* cluster.db, resource files */
        char *runtime_dir;     /* monitor sockets */
        char *socket_path;     /* the API */
        char *log_dir;
        char *node_name;
        uint32_t node_id;
        bool node_name_given, node_id_given; /* set in the file or on the command line */
        bool engine_corosync;  /* engine = corosync; node id and name then come from corosync */
        char *plugin_path;     /* NULL: the default */
        char *monitor_path;    /* wolfpack-resmon */
        uint64_t lease_timeout_usec;  /* 0: no lease (the default on the local engine) */
        uint64_t reattach_timeout_usec;
        uint64_t event_stream_memory; /* all event streams' queues together */
} DaemonConfig;

struct Daemon {
        sd_event *event;
        DaemonConfig cfg;
        int state_lock_fd;     /* holds the state directory's lock, -1 */
        int log_lock_fd;       /* holds the log directory's lock, -1 */
        char *daemon_id;       /* this daemon's identity, carried by its monitors */
        char *corosync_name;   /* this node's name as corosync gives it (cfg.node_name points here) */
        Db *db;
        Sync *sync;            /* join and merge: whether db is in sync with the view's members */
        Engine *engine;
        EngineView view;
        bool have_view;        /* db was in sync in a quorate view: this node announced itself */
        bool reattaching;            /* adopting what monitors left by an earlier wolfpackd run */
        ClusterLog *log;
        Monitors *monitors;
        HttpServer *http;

        Hashmap *resources;    /* id → RtResource */
        Hashmap *groups;       /* id → RtGroup */
        Hashmap *waiters;      /* "origin:seq" → Waiter (commands waiting for their message) */
        Hashmap *types;        /* type name → description json (describe-type), a cache */

        uint64_t incarnation, seq;
        sd_event_source *evaluate;   /* deferred: the failover manager looks again */
        bool stopping;               /* SIGTERM: stop this node's resources, then exit */
        HttpStream **streams;        /* event stream subscribers */
        size_t n_streams;
        struct Refresh *refreshes;   /* read-only values being read (readonly.c) */
        struct FmCall *calls;        /* the failover manager's requests to the monitors (fm.c) */
        struct Pending *pendings;    /* API requests waiting for a message or a monitor (api.c) */
};

/* ---- wolfpackd.c / daemon.c ---- */
int daemon_new(const DaemonConfig *cfg, Daemon **ret, char *err, size_t errlen);
Daemon *daemon_free(Daemon *d);
int daemon_start(Daemon *d, char *err, size_t errlen);
/* This node's database is in sync with the view's members (sync.h). */
void daemon_synced(Daemon *d);

/* ---- replica.c: this node's copy of the cluster database ---- */
/* Open d->db (a corrupt one set aside on the corosync engine) and set up
 * d->sync, which keeps it in sync with the other members. */
int replica_open(Daemon *d, char *err, size_t errlen);

/* ---- runtime.c ---- */
RtResource *rt_resource(Daemon *d, const char *id);   /* created on first use */
RtGroup *rt_group(Daemon *d, const char *id);
void rt_forget_resource(Daemon *d, const char *id);
void rt_forget_group(Daemon *d, const char *id);
/* Set a resource's state as reported; emits the state event (with the
 * restart scheduled, if any). A state other than Failed ends the restart
 * scheduled. */
void rt_set_state(Daemon *d, RtResource *r, const char *state, const char *reason);
/* The group is Failed (reason: why, when it is tried again, what to do),
 * or is no longer (its retry timer is cancelled); each emits a state
 * event for the group. */
void rt_group_fail(Daemon *d, RtGroup *g, const char *reason, bool no_node);
void rt_group_clear(Daemon *d, RtGroup *g);
/* The group's state from its resources: Online, Offline, PartialOnline,
 * Failed, Pending. */
const char *rt_group_state(Daemon *d, const char *group_id, json_t *resources);
/* The API objects: database view plus runtime. */
json_t *rt_resource_json(Daemon *d, json_t *db_resource);   /* takes the reference */
json_t *rt_group_json(Daemon *d, json_t *db_group);         /* takes the reference */
json_t *rt_node_json(Daemon *d, json_t *db_node);           /* takes the reference */
const char *node_name(Daemon *d, uint32_t id);
/* Why a change is refused without quorum, for a person: which nodes this
 * node sees (the view's members) of how many. */
void rt_no_quorum_message(Daemon *d, char *buf, size_t len);
/* The name of a resource or a group (kind), for the cluster log's OBJECT:
 * malloc'ed, NULL when unknown. */
char *rt_object_name(Daemon *d, const char *kind, const char *id);

/* ---- readonly.c: read-only properties, read anew for the API ---- */
/* Keep values (a reference is taken; NULL: none, the resource does not
 * run) as read just now. */
void readonly_set(RtResource *r, json_t *values);
/* "readonly_age_ms" and "readonly_stale" into the API object o, when r has
 * read-only values. */
void readonly_annotate(const RtResource *r, json_t *o);
typedef void (*readonly_done_fn)(Daemon *d, const char *id, void *userdata);
/* Ask the monitor of a running resource for its read-only values: 1, and
 * done follows from the loop once they came or after a bounded wait (the
 * values are then the last known, marked stale); 0 when there is nothing
 * to ask (done is not called); -ENOMEM. */
int readonly_refresh(Daemon *d, const char *id, readonly_done_fn done, void *userdata);
/* The daemon ends: every read still waiting is done (with the values
 * known) and forgotten. Only once the monitors can answer no more. */
void readonly_stop(Daemon *d);

/* ---- events.c: the event stream ---- */
void events_emit(Daemon *d, json_t *event);   /* takes the reference */
void events_subscribe(Daemon *d, HttpStream *s);
void events_unsubscribe(Daemon *d, HttpStream *s);

/* ---- commands.c: changes, as messages ---- */
typedef void (*command_done_fn)(Daemon *d, int error, const char *message, void *userdata);
/* Send a message (members filled in: v, origin, incarnation, seq,
 * time_ms) and call done when it has been applied here (error 0) or
 * refused: db_apply's errors, -EPERM no quorum, -EPROTO a message format
 * this node does not understand. Takes the reference of msg. */
int command_send(Daemon *d, json_t *msg, command_done_fn done, void *userdata);
/* The engine delivered msg: through join and merge (sync.h) to one of
 * the three below. */
void command_delivered(Daemon *d, const json_t *msg);
/* Apply a change here and answer its waiter. */
void command_apply(Daemon *d, const json_t *msg);
/* A change not applied here (error, text: why): its waiter is told. */
void command_refuse(Daemon *d, const json_t *msg, int error, const char *text);
/* A runtime report (rt.*): its waiter is told it was delivered. */
void command_runtime(Daemon *d, const json_t *msg);
/* The members every message between nodes carries: v, origin, incarnation. */
void command_stamp(Daemon *d, json_t *msg);

/* ---- fm.c: the failover manager ---- */
/* Look again at every group, soon (coalesced). */
void fm_kick(Daemon *d);
/* A message was applied: react to it. */
void fm_applied(Daemon *d, const json_t *msg);
/* The monitors reported a state change of a resource. */
void fm_resource_state(Daemon *d, const char *id, const char *state, const char *reason, json_t *readonly);
/* Give the monitors the resource's DeadlockTimeout from the database (a
 * resource adopted from an earlier wolfpackd's monitor: its snapshot does
 * not carry it). */
void fm_apply_deadlock_timeout(Daemon *d, const char *id);
/* What keeps a resource (the database's view of it) from its desired
 * state where waiting will not help: its group is Failed, or it needs a
 * resource its restart policy left Failed. Malloc'ed text with what to do,
 * or NULL. */
char *fm_blocked(Daemon *d, const json_t *res);
/* Fail an Online resource on purpose (terminate, then the restart policy). */
void fm_fail(Daemon *d, const char *id);
/* Stop this node's resources (SIGTERM); calls sd_event_exit when done. */
void fm_shutdown(Daemon *d);
/* The daemon ends: forget the requests the monitors left unanswered. Only
 * once the monitors can answer no more. */
void fm_free(Daemon *d);
/* A resource.desire message for resource id, with "failed": the ids of
 * the group's resources left Failed, which stand in no OR-group when the
 * wish spreads. NULL when out of memory. */
json_t *fm_desire_message(Daemon *d, const char *id, const char *state);
/* Whether this node may place groups itself (see fm.c). */
bool fm_places_groups(const Daemon *d);

/* ---- api.c ---- */
int api_start(Daemon *d, char *err, size_t errlen);
/* The daemon ends: forget the requests still waiting (their clients are
 * gone with the server). Only once nothing can answer them any more. */
void api_stop(Daemon *d);
