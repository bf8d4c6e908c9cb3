/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Who owns what between nodes: one member's view of ownership, and the rules
 * that keep the views of all members of a ring alike. Pure: a view or one
 * delivered rt.* message in (with the time, read by the caller), what
 * changed out; no I/O, no clock, no database. share.c feeds it from the
 * engine and acts on what changed; coordinator.c decides with
 * owners_decide() and sends owners_place_message(); test-owners.c runs one
 * per member of a simulated cluster.
 *
 * The runtime messages (type rt.*), as every node of this version sends and
 * reads them; they change no database and are applied whatever the quorum,
 * in the order the engine delivers them:
 *   rt.alive  {n, t}          every heartbeat interval; n counts, t is the
 *                             sender's CLOCK_MONOTONIC send time, read by
 *                             the sender alone: its own heartbeat, back
 *                             through the ring under a quorate view,
 *                             renews its lease until t + lease
 *   rt.report {groups, resources, view_ring, members, known}   at each
 *                             view change, once re-attached: the groups
 *                             the sender owns and the states of what it
 *                             runs, in the view it names; it alone speaks
 *                             for itself. When members joined since its
 *                             last report, known: what it holds of the
 *                             others' groups, {group: {owner, resources:
 *                             [{id, owner, state, reason}]}}, for a joiner
 *                             to learn what no one else can tell it (an
 *                             owner that left or is frozen). Since this
 *                             version: view_ring, members and known; a
 *                             report without a view is applied in
 *                             whatever view it comes
 *   rt.state  {id, state, reason}   each state change of what it runs
 *   rt.release {group, failover, failed, retry_at_ms}   its owner let a
 *                             group go: it stopped it when its lease ran
 *                             out, or the group failed there (failover:
 *                             to another node; failed: Failed everywhere
 *                             until retry_at_ms, UTC)
 *   rt.suspect {node, hb}     a member whose heartbeats stopped coming for
 *                             a lease after heartbeat hb: it is down for
 *                             every member from here on, unless another
 *                             heartbeat than hb was the last to come (a
 *                             newer one, or hb was of an earlier view) or
 *                             a newer one comes later; the coordinator
 *                             is the lowest member that is not down
 *   rt.fail   {id, node}      `wolfpack resource fail` on another node:
 *                             node, its owner, fails it (not applied here)
 *   rt.place  {group, from, to, takeover, hb, view_ring, version, reason, kind}
 *                             a coordinator's decision, made in view_ring;
 *                             hb: the last heartbeat of from it had seen;
 *                             to 0 with a reason: no node can take it;
 *                             kind (since this version, optional): what
 *                             moves it from a node that runs it, "move"
 *                             (asked), "failback" or "drain"
 *   rt.started {}             the coordinator ended a cluster start
 *                             (coordinator.c)
 *   rt.log.ask, rt.log.part, rt.log.new   the cluster log across nodes:
 *                             formats in clusterlog-merge.h, handled by
 *                             clusterlog-gather.c, never by these tables
 *
 * The rules:
 *   - a placement is applied by every member of a ring or by none: it must
 *     come from the coordinator of the view it is delivered in, carry that
 *     view's ring, and, for a takeover, the node it takes from must not be
 *     up nor have sent, in this ring, a heartbeat newer than hb;
 *   - a member said silent by rt.suspect is down on every member from the
 *     same point of the stream until a heartbeat newer than the suspected
 *     one comes; a suspicion made in an earlier view is not applied (its
 *     heartbeat is not the last one seen here), and a view change makes
 *     every member up again;
 *   - a report or an rt.state speaks for its sender alone: the groups a
 *     report lists are its own, those it no longer lists are no longer its
 *     own, and that it does not run a resource says nothing of another
 *     node running it. A report says so as things were when the view
 *     began: a group placed since, one its sender released since, or a
 *     resource a takeover took, keeps what that made of it; a report made
 *     for an earlier view
 *     (another change came before it was ordered) is not applied, its
 *     sender reports again;
 *   - a member that let a group go neither runs nor claims it until its
 *     rt.release comes back (OwnersGroup.releasing, set by the caller);
 *   - a member that has no owner for a group takes it from another's
 *     report (known) only while the named owner has not reported in this
 *     view and no placement or release of it came; its takeover then
 *     waits the whole delay from then;
 *   - what a node runs is known there better than anyone can say;
 *   - the coordinator takes over a group of a node that is not up only a
 *     takeover delay after it last heard from that node (cluster-timing.h:
 *     by then the node's lease has stopped what it ran).
 * Every member of a ring applies the same messages in the same order, so
 * all reach the same tables. Must never start or stop anything, nor send:
 * the caller acts on what changed.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "hashmap.h"

#define OWNERS_NODE_MAX 32

/* What this member knows of another member's wolfpackd. */
typedef struct NodeLive {
        uint64_t hb;            /* the highest heartbeat count it sent that came in this view (0: none) */
        uint64_t hb_any;        /* ... in any view */
        uint64_t last_usec;     /* when one of its heartbeats last came (or when it was first seen: its
                                 * groups wait as long for a takeover) */
        bool reported;          /* its report of what it runs came in this view */
        bool down;              /* a member said to be silent (rt.suspect), in this view */
        uint64_t down_hb;       /* ... on its heartbeat number this */
        bool suspected;         /* this member said so in this view */
} NodeLive;

/* A group's ownership. A caller's own record of a group may begin with
 * these members (the daemon's RtGroup does, in a union with OwnersGroup),
 * so that the table works on the caller's records. */
#define OWNERS_GROUP_MEMBERS                                                                                    \
        char *id;                                                                                               \
        uint32_t owner;        /* node it runs on, 0: none */                                                   \
        bool placing;          /* the coordinator sent a decision for it that has not come back yet */          \
        uint32_t move_to;      /* an administrator asked to move it there (0: no move asked) */                 \
        uint32_t failed_from;  /* its owner failed it over: place it anywhere but there (0: none) */            \
        bool lost;             /* owned here, but this node's lease ran out: stopped, then let go */           \
        bool releasing;        /* owned here, and this node's rt.release of it is on its way: neither run   \
                                * here again nor claimed */                                                 \
        bool moved;            /* a placement of it came in this view: newer than what the reports made at \
                                * the view's start say of it */                                             \
        uint32_t released_by;  /* ... a release of it from this node: newer than that node's report */

typedef struct OwnersGroup {
        OWNERS_GROUP_MEMBERS
} OwnersGroup;

/* A resource's owner and state, as for OwnersGroup. */
#define OWNERS_RESOURCE_MEMBERS                                                                                 \
        char *id;                                                                                               \
        char *state;           /* "Offline", "OnlinePending", "Online", "OfflinePending", "Failed" */           \
        char *reason;          /* StateReason, or NULL */                                                       \
        uint32_t owner;        /* node running it, 0: none */                                                   \
        bool in_flight;        /* a request to this node's monitor is under way */                              \
        bool taken;            /* a takeover in this view took it from its owner: newer than what that      \
                                * owner's report made at the view's start says */                           \
        /* What another node said of it while it still ran here, shown once                                 \
         * it stops here (owners_local_stopped). */                                                        \
        uint32_t shadow_owner;                                                                              \
        char *shadow_state, *shadow_reason;

typedef struct OwnersResource {
        OWNERS_RESOURCE_MEMBERS
} OwnersResource;

typedef struct OwnersConfig {
        uint32_t self;          /* this member's node id */
        /* The tables (id → OwnersGroup *, id → OwnersResource *): NULL to
         * have the table keep its own; given, the caller's, whose values
         * begin with OwnersGroup / OwnersResource and are made by
         * new_group / new_resource (both then required). */
        Hashmap *groups, *resources;
        OwnersGroup *(*new_group)(const char *id, void *userdata);
        OwnersResource *(*new_resource)(const char *id, void *userdata);
        /* Records a resource's new state (NULL: recorded here). */
        void (*set_state)(OwnersResource *r, const char *state, const char *reason, void *userdata);
        /* The resources of a group: an array of objects with "id" (a new
         * reference; NULL: none). Required. */
        json_t *(*group_resources)(const char *group, void *userdata);
        void *userdata;
} OwnersConfig;

typedef struct Owners {
        OwnersConfig cfg;
        EngineView view;        /* the view the tables are for */
        NodeLive live[OWNERS_NODE_MAX + 1];
        Hashmap *groups, *resources;
        bool own_tables;
        uint64_t told;          /* the members (bit id) of the view this member last reported in */
} Owners;

int owners_new(const OwnersConfig *cfg, Owners **ret);
Owners *owners_free(Owners *o);

/* Made on first use; NULL when out of memory. */
OwnersGroup *owners_group(Owners *o, const char *id);
OwnersResource *owners_resource(Owners *o, const char *id);

bool owners_member(const Owners *o, uint32_t id);
/* A member not said to be silent: the same answer on every member at the
 * same point of the stream. */
bool owners_node_up(const Owners *o, uint32_t id);
/* The lowest member that is up in a quorate view, 0: none. */
uint32_t owners_coordinator(const Owners *o);
/* Every member that is up has reported what it runs in this view. */
bool owners_all_reported(const Owners *o);

/* A view came: true when its ring or members differ from the last one's,
 * and the tables started over for it (heartbeats, reports and suspicions
 * are per view; every member gets a whole lease from now to be heard). */
bool owners_view(Owners *o, const EngineView *v, uint64_t now_usec);

/* What one delivered message changed. Strings are the message's: valid
 * while it is. */
typedef struct OwnersChange {
        uint32_t sender;
        /* rt.alive */
        bool heard_again;       /* the sender was down and sends heartbeats again */
        bool own_heartbeat;     /* this member's own, back under a quorate view: the lease may run
                                 * until sent_usec + lease */
        uint64_t sent_usec;
        /* rt.suspect */
        uint32_t down;          /* this node is down from here on (0: none) */
        /* rt.place, rt.release */
        OwnersGroup *group;     /* the group it was about, NULL: none */
        bool placed;            /* rt.place applied: the group is on to (0: none, see reason) */
        bool takeover;
        uint32_t from, to;
        const char *reason;     /* placed on no node: why no node can take it; else why there */
        const char *kind;       /* what moved it, from a node that runs it: "move", "failback", "drain"
                                 * (a static string); NULL: a placement or a takeover */
        const char *dropped;    /* rt.place not applied: why, for a person */
        bool released;          /* rt.release applied: the group has no owner */
        const char *failed;     /* ... and is Failed everywhere for this reason */
        uint64_t retry_at_ms;   /* ... until then (UTC) */
        unsigned resources;     /* resources whose owner or state changed */
} OwnersChange;

/* Apply a delivered rt.* message (its origin is its sender): 0 and *ret
 * says what changed (nothing, for rt.fail and types it does not know);
 * -EINVAL when it names no sender. */
int owners_deliver(Owners *o, const json_t *msg, uint64_t now_usec, OwnersChange *ret);
/* r, which ran here, has stopped here: what another node said of it
 * meanwhile is its owner and state now. True when that changed them. */
bool owners_local_stopped(Owners *o, OwnersResource *r);

/* Why a delivered rt.place from sender would not be applied here now, for
 * a person; NULL: it would be. */
const char *owners_place_refusal(const Owners *o, uint32_t sender, const json_t *msg);

/* Members other than this one not heard from for a lease and not yet
 * suspected by this one in this view: marked suspected, their ids in
 * ret_nodes (room for OWNERS_NODE_MAX); how many. Each is to be told
 * with owners_suspect_message(). */
size_t owners_silent(Owners *o, uint64_t now_usec, uint64_t lease_usec, uint32_t *ret_nodes);
/* This member's lease ran out: the groups it owns are lost (stopped, then
 * let go); how many were not lost yet. */
unsigned owners_lease_lost(Owners *o);

/* What the coordinator does about one group now. */
typedef enum OwnersAction {
        OWNERS_KEEP,            /* nothing */
        OWNERS_WAIT,            /* its owner is not up: look again at at_usec */
        OWNERS_TAKE_OVER,       /* from is not up and its time is over: place it on the best node but
                                 * from if wanted, else on none; takeover */
        OWNERS_PLACE,           /* no owner, wanted: place it on the best node but avoid */
        OWNERS_MOVE,            /* a move asked: from to to */
} OwnersAction;

typedef struct OwnersDecision {
        OwnersAction action;
        uint32_t from, to, avoid;
        uint64_t at_usec;
} OwnersDecision;

/* want: the group is to be online (desired so, and not Failed). */
OwnersDecision owners_decide(const Owners *o, const OwnersGroup *g, bool want, uint64_t now_usec,
                             uint64_t takeover_delay_usec);

/* The messages, as owners_deliver() reads them (NULL: out of memory). */
json_t *owners_alive_message(uint64_t n, uint64_t sent_usec);
json_t *owners_suspect_message(const Owners *o, uint32_t node);
/* This member's report for the current view; it then counts as told to
 * the view's members. */
json_t *owners_report_message(Owners *o);
json_t *owners_state_message(const OwnersResource *r);
/* failover: to another node; failed (may be NULL): Failed everywhere, for
 * this reason, until retry_at_ms. Once it is sent, the group is releasing
 * until it comes back. */
json_t *owners_release_message(const char *group, bool failover, const char *failed, uint64_t retry_at_ms);
/* A decision for g made now, in this view; version: the database's;
 * reason: to 0, why no node can take it (or NULL). */
json_t *owners_place_message(const Owners *o, const OwnersGroup *g, uint32_t from, uint32_t to, bool takeover,
                             const char *reason, uint64_t version);
