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
#include <stdio.h>
#include <systemd/sd-event.h>

#include "cluster-timing.h"
#include "clusterlog.h"
#include "clusterlog-merge.h"
#include "db.h"
#include "engine.h"
#include "hashmap.h"
#include "metrics.h"
#include "sync.h"
#include "owners.h"

typedef struct Daemon Daemon;
typedef struct Monitors Monitors;
typedef struct HttpServer HttpServer;
typedef struct HttpStream HttpStream;
typedef struct CommandBatch CommandBatch;

/* A resource as this node sees it now. */
typedef struct RtResource {
        /* Its owner and state, which the owners' tables keep (owners.h):
         * id, state, reason, owner, in_flight, taken. */
        union {
                OwnersResource own;
                struct {
                        OWNERS_RESOURCE_MEMBERS
                };
        };
        json_t *readonly;      /* read-only properties last reported (ProcessId ...); NULL: not running */
        uint64_t readonly_usec; /* CLOCK_MONOTONIC when they were read */
        bool readonly_stale;   /* the last attempt to read them anew got no answer */
        bool opened;           /* open in a monitor of this node */
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
        uint64_t restarts;     /* restarts by its policy on this node since wolfpackd started (metrics) */
        struct CheckpointWatch *checkpoint; /* its CheckpointPaths watched while Online here (checkpoint.c) */
} RtResource;

/* A group as this node sees it now. */
typedef struct RtGroup {
        /* Its ownership, which the owners' tables keep (owners.h): id,
         * owner, placing, move_to, failed_from, lost, releasing, moved,
         * released_by. */
        union {
                OwnersGroup own;
                struct {
                        OWNERS_GROUP_MEMBERS
                };
        };
        bool failed;           /* failed on every node it may run on */
        bool no_node;          /* failed because no node could take it: placement is tried again when a
                                * node or a property that placement reads changes */
        char *reason;          /* while failed: why, when it is tried again and what to do */
        bool failing_over;     /* being taken down to move elsewhere */
        bool cold_held;        /* PersistentState=0 at a cluster start: taken offline, not placed */
        /* Placed on this node (CLOCK_MONOTONIC; 0: not since it was last
         * Online here) by a placement of kind placed_kind (NULL: placed or
         * taken over): its time to Online is logged. */
        uint64_t placed_usec;
        const char *placed_kind;
        uint32_t placed_from;
        /* An administrator's move put it on its owner: failback leaves it
         * there until it is placed anew (a failover, a takeover). */
        bool asked_here;
        /* The move asked (move_to) drains a node: "drain", else NULL. */
        const char *move_kind;
        sd_event_source *retry_timer;
        uint64_t failovers;    /* failures of it on this node since wolfpackd started (metrics) */
} RtGroup;

#define NODE_ID_MAX OWNERS_NODE_MAX

typedef struct DaemonConfig {
        char *state_dir;       /* cluster.db, resource files */
        char *runtime_dir;     /* monitor sockets */
        char *socket_path;     /* the API */
        char *listen;          /* the remote API's TCP address (TLS, tokens); NULL: none */
        char *tls_cert, *tls_key; /* its certificate chain and key, PEM */
        char *log_dir;
        char *node_name;
        uint32_t node_id;
        bool node_name_given, node_id_given; /* set in the file or on the command line */
        bool engine_corosync;  /* engine = corosync; node id and name then come from corosync */
        char *plugin_path;     /* NULL: the default */
        char *monitor_path;    /* wolfpack-resmon */
        char *corosync_conf;   /* the corosync.conf corosync reads here: an evicted node leaves its nodelist */
        uint64_t lease_timeout_usec;  /* 0: no lease (the default on the local engine) */
        bool lease_given;             /* lease-timeout was set (on corosync the default follows its timings) */
        /* On corosync (0: the default, see cluster-timing.c): how long a node
         * may take to terminate what it runs once its lease has run out,
         * and how long the others wait before starting a lost node's
         * groups. */
        uint64_t stop_budget_usec, takeover_delay_usec;
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
        bool have_view;        /* db was in sync in a quorate view */
        bool announced;        /* this node wrote itself into the database (node.set) */
        bool cold_start;       /* the view is the cluster's start (sync_cold_start): until the coordinator
                                * took its PersistentState=0 groups offline */
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

        /* Many nodes (share.c, coordinator.c; unused on the local engine). */
        bool multi;                  /* an engine with other nodes: one coordinator places groups */
        ClusterTiming timing;
        Owners *owners;              /* who owns what, the members' heartbeats (owners.h); the tables are
                                      * groups and resources above */
        uint64_t hb_sent;            /* heartbeats this node has sent */
        uint64_t lease_until;        /* this node may own groups until then (CLOCK_MONOTONIC) */
        bool report_sent;            /* this node's report for the current view went out */
        sd_event_source *hb_timer, *lease_timer, *takeover_timer;
        bool stopping;               /* SIGTERM: stop this node's resources, then exit */
        HttpServer *https;           /* the remote API (cfg.listen), or NULL */
        HttpStream **streams;        /* event stream subscribers */
        size_t n_streams;
        struct Refresh *refreshes;   /* read-only values being read (readonly.c) */
        struct FmCall *calls;        /* the failover manager's requests to the monitors (fm.c) */
        struct EvictReload *evict_reloads; /* corosync-cfgtool -R running after an eviction (evict.c) */
        Metrics metrics;             /* what GET /metrics adds up (metrics.c) */
        struct Pending *pendings;    /* API requests waiting for a message or a monitor (api.c) */
        CommandBatch *batch;         /* changes applied, waiting for their commit (commands.c) */
        struct LogGather *gathers;   /* GET /v1/log requests waiting for members' answers (clusterlog-gather.c) */
        uint64_t gather_seq;
        json_t *relay;               /* this node's new log entries, waiting to go to the others */
        size_t relay_bytes;
        sd_event_source *relay_timer;
        bool relay_closed;           /* the daemon ends: nothing more is relayed */
        ClusterLogLimit log_invalid[NODE_ID_MAX + 1]; /* lines about each node's bad rt.log.* messages */
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
json_t *rt_node_find(Daemon *d, uint32_t id);               /* the node with id, as rt_node_json; NULL: none */
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
/* Close the streams a revoked token opened (who: "token NAME"). */
void events_close_who(Daemon *d, const char *who);

/* ---- clusterlog-gather.c: every node's cluster log, on any node ---- */
typedef struct LogGather LogGather;
/* reply: {entries, missing, truncated} (a reference to take; NULL with
 * error -ENOMEM, or -ECANCELED when the daemon ends first). */
typedef void (*log_gather_fn)(Daemon *d, json_t *reply, int error, void *userdata);
/* The nodes of the cluster (bit id): this one, those in the database,
 * those corosync lists and the view's members. */
uint64_t log_known_nodes(Daemon *d);
/* Ask nodes (bit id) for their newest limit entries at or after since
 * ("YYYY-MM-DDTHH:MM:SS" UTC, NULL: all): done follows once every member
 * asked answered, left the view, or the wait is over; at once (before
 * this returns) when no other member is asked. 0, -ENOMEM, or -EBUSY when
 * LOG_GATHERS_MAX requests wait already (done is then not called). */
#define LOG_GATHERS_MAX 16
int log_gather_start(Daemon *d, const char *since, uint64_t nodes, unsigned limit, log_gather_fn done,
                     void *userdata);
/* A delivered rt.log.* message. */
void log_gather_delivered(Daemon *d, const json_t *msg);
/* A new view: members asked that left it are missing. */
void log_gather_view(Daemon *d);
/* An entry this node added to its log: to the other members. */
void log_gather_relay(Daemon *d, const json_t *entry);
/* The daemon ends: every request waiting is told (-ECANCELED), and the
 * entries waiting to be relayed are sent. Before the engine is freed. */
void log_gather_stop(Daemon *d);

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
/* Commit the changes applied since the last commit (what the engine
 * delivered together shares one transaction), then answer them and let
 * the failover manager react, in order. */
void command_flush(Daemon *d);
/* The daemon ends: commit what was applied, answer nobody. */
void command_batch_free(Daemon *d);

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
/* The group is Failed for reason, and tried again at at_ms (UTC). */
void fm_group_failed_until(Daemon *d, RtGroup *rg, const char *reason, uint64_t at_ms);
/* Stop this node's resources (SIGTERM); calls sd_event_exit when done. */
void fm_shutdown(Daemon *d);
/* The daemon ends: forget the requests the monitors left unanswered. Only
 * once the monitors can answer no more. */
void fm_free(Daemon *d);
/* A resource.desire message for resource id, with "failed": the ids of
 * the group's resources left Failed, which stand in no OR-group when the
 * wish spreads. NULL when out of memory. */
json_t *fm_desire_message(Daemon *d, const char *id, const char *state);

/* ---- share.c: runtime state between nodes ---- */
/* Start the heartbeat and the lease on an engine with other nodes. */
int share_start(Daemon *d, char *err, size_t errlen);
void share_stop(Daemon *d);
/* A view came (after d->view is set). */
void share_view(Daemon *d);
/* A message of type rt.*: applied whatever the quorum (runtime state is
 * facts, not changes). */
void share_delivered(Daemon *d, const json_t *msg);
/* This node's resource changed state: tell the others. */
void share_resource_state(Daemon *d, const RtResource *r);
/* It stopped here: what another node said of it meanwhile is its state. */
void share_local_stopped(Daemon *d, RtResource *r);
/* This node lets group g go (owners_release_message()): g is releasing
 * until the release comes back, and is not run here meanwhile. 0, or a
 * negative errno when no member can be told (-ENOTCONN: none in reach). */
int share_release(Daemon *d, RtGroup *g, bool failover, const char *failed, uint64_t retry_at_ms);
/* Whether this node may start resources now: it holds the lease. */
bool share_may_run(Daemon *d);
/* Whether node id is up: a member not said to be silent. The same answer
 * on every member at the same point of the stream. */
bool share_node_up(const Daemon *d, uint32_t id);
/* Whether node id is a member of the current view. */
bool share_in_view(const Daemon *d, uint32_t id);

/* ---- coordinator.c: placement across nodes ---- */
/* The coordinator of the current view (lowest member id), 0 when none. */
uint32_t coordinator_of(const Daemon *d);
/* If this node is the coordinator: place what needs a node, take over
 * lost nodes' groups once their takeover delay has passed; groups: every
 * group of the database, as db_groups gives them. */
void coordinator_evaluate(Daemon *d, json_t *groups);
/* rt.started came: what the cluster does at its start has been done. */
void coordinator_started(Daemon *d);
/* The best up node for group g (database view, with its resources res)
 * other than not (0: any); 0 and why for a person when there is none. */
uint32_t coordinator_choose(Daemon *d, json_t *g, json_t *res, uint32_t not, char *why, size_t whylen);
/* The same, counting extra[id] (NODE_ID_MAX + 1 of them) more groups on
 * node id: groups being sent there, so that several placed at once spread. */
uint32_t coordinator_choose_spread(Daemon *d, json_t *g, json_t *res, uint32_t not, const unsigned *extra, char *why,
                                   size_t whylen);

/* ---- api.c ---- */
int api_start(Daemon *d, char *err, size_t errlen);
/* "METHOD PATTERN ROLE" for every route (wolfpackd --routes). */
void api_print_routes(FILE *f);
/* The remote API (api-remote.c) on cfg.listen with TLS, when set. */
typedef struct HttpRoute HttpRoute;
int api_remote_start(Daemon *d, const HttpRoute *routes, char *err, size_t errlen);
/* The daemon ends: forget the requests still waiting (their clients are
 * gone with the server). Only once nothing can answer them any more. */
void api_stop(Daemon *d);
