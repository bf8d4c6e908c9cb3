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
        json_t *readonly;      /* read-only properties last reported (ProcessId ...) */
        bool opened;           /* open in a monitor of this node */
        bool in_flight;        /* a request to the monitor is under way */
        bool held_failed;      /* Failed and left so by policy (RestartAction 0 ...) */
        bool stopping;         /* taken offline or terminated by us: its Offline/Failed is expected */
        bool fail_requested;   /* `wolfpack resource fail`: the coming Offline is a failure */
        bool reopen;           /* SeparateMonitor changed: closed and opened again before its next online */
        sd_event_source *restart_timer;
} RtResource;

/* A group as this node sees it now. */
typedef struct RtGroup {
        char *id;
        uint32_t owner;        /* node it runs on, 0: none */
        bool failed;           /* failed on every node it may run on */
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
        char *plugin_path;     /* NULL: the default */
        char *monitor_path;    /* wolfpack-resmon */
        uint64_t lease_timeout_usec;  /* 0: no lease (the default on the local engine) */
        uint64_t reattach_timeout_usec;
} DaemonConfig;

struct Daemon {
        sd_event *event;
        DaemonConfig cfg;
        Db *db;
        Engine *engine;
        EngineView view;
        bool have_view;
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
};

/* ---- wolfpackd.c / daemon.c ---- */
int daemon_new(const DaemonConfig *cfg, Daemon **ret, char *err, size_t errlen);
Daemon *daemon_free(Daemon *d);
int daemon_start(Daemon *d, char *err, size_t errlen);

/* ---- runtime.c ---- */
RtResource *rt_resource(Daemon *d, const char *id);   /* created on first use */
RtGroup *rt_group(Daemon *d, const char *id);
void rt_forget_resource(Daemon *d, const char *id);
void rt_forget_group(Daemon *d, const char *id);
/* Set a resource's state as reported; emits the state event. */
void rt_set_state(Daemon *d, RtResource *r, const char *state, const char *reason);
/* The group's state from its resources: Online, Offline, PartialOnline,
 * Failed, Pending. */
const char *rt_group_state(Daemon *d, const char *group_id, json_t *resources);
/* The API objects: database view plus runtime. */
json_t *rt_resource_json(Daemon *d, json_t *db_resource);   /* takes the reference */
json_t *rt_group_json(Daemon *d, json_t *db_group);         /* takes the reference */
json_t *rt_node_json(Daemon *d, json_t *db_node);           /* takes the reference */
const char *node_name(Daemon *d, uint32_t id);
/* The name of a resource or a group (kind), for the cluster log's OBJECT:
 * malloc'ed, NULL when unknown. */
char *rt_object_name(Daemon *d, const char *kind, const char *id);

/* ---- events.c: the event stream ---- */
void events_emit(Daemon *d, json_t *event);   /* takes the reference */
void events_subscribe(Daemon *d, HttpStream *s);
void events_unsubscribe(Daemon *d, HttpStream *s);

/* ---- commands.c: changes, as messages ---- */
typedef void (*command_done_fn)(Daemon *d, int error, const char *message, void *userdata);
/* Send a message (members filled in: v, origin, incarnation, seq,
 * time_ms) and call done when it has been applied here (error 0) or
 * refused. Takes the reference of msg. */
int command_send(Daemon *d, json_t *msg, command_done_fn done, void *userdata);
/* The engine delivered msg: apply it here and answer its waiter. */
void command_delivered(Daemon *d, const json_t *msg);

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
/* Fail an Online resource on purpose (terminate, then the restart policy). */
void fm_fail(Daemon *d, const char *id);
/* Stop this node's resources (SIGTERM); calls sd_event_exit when done. */
void fm_shutdown(Daemon *d);

/* ---- api.c ---- */
int api_start(Daemon *d, char *err, size_t errlen);
