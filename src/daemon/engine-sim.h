/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated engine: a cluster of N nodes (ids 1..N, N <= 32) inside one
 * test process, each with an Engine that code written against engine.h uses
 * unchanged. A test scripts what corosync would do — partitions, merges,
 * processes that stop, freeze or lose corosync, late quorum verdicts, slow
 * senders — and advances a virtual clock; nothing else happens. No real
 * time, no threads, no event loop: every callback comes from sim_run*(),
 * never from inside a send or a script call, so a script is deterministic.
 *
 * The model is corosync's as measured (docs/engine-sim.md has the table):
 *   - a partition is a set of components; each is a ring (lowest member,
 *     sequence = the highest sequence its nodes had + 4, so two components
 *     can reach the same sequence);
 *   - a message takes its sender's latency (1 ms unless scripted) to be
 *     ordered, FIFO per sender, then goes in one agreed order to every
 *     process of the sender's component at that moment;
 *   - at a ring change a process is told: members (only if its CPG
 *     membership changed), the ring, messages; the quorum verdict comes on
 *     its own, by default at once after what the change flushed, or later
 *     (virtual time, or after a number of the ring's messages), or never;
 *   - messages still in flight at a change are ordered in the sender's new
 *     component right after the ring change, tagged with the old ring, so
 *     each side of a split gets its own senders' tail and a merged ring
 *     gets the tails of everyone; what a component ordered while apart
 *     never reaches the other side;
 *   - a frozen process is buffered for without limit, slows nobody, and
 *     gets its backlog when thawed; its timers (sim_timer) wait with it.
 * Every member's view is made by ring-view.c and every message goes through
 * envelope.c, as on the corosync engine.
 *
 * Node sets are bit masks: bit (id - 1) for node id, SIM_NODE(id).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "ring-view.h"

#define SIM_NODES_MAX 32u
/* Time from a send to its place in the agreed order, unless scripted
 * (measured: about 1 ms for a sender's own delivery). */
#define SIM_LATENCY_USEC 1000u
/* Events one sim_run* call delivers before it gives up (-ELOOP), unless
 * sim_set_max_steps says otherwise: a script whose callbacks answer every
 * message at once never goes quiet. */
#define SIM_STEPS_MAX 10000000u
#define SIM_NODE(id) (UINT32_C(1) << ((id) - 1))

typedef struct SimCluster SimCluster;

/* The quorum verdict a process of a ring gets. The default is filled in
 * (majority of the cluster's votes, the scripted delays); a hook may change
 * any of it. */
typedef struct SimVerdict {
        bool quorate;
        bool never;              /* no verdict for this ring on this member */
        bool early;              /* comes before the ring change (libquorum read first) */
        uint64_t delay_usec;     /* after the ring change */
        unsigned after_messages; /* >0: right after this many of the ring's messages
                                  * (or at delay_usec if that is sooner and not 0) */
} SimVerdict;

/* What the hook is asked about: one member's process entering a ring. */
typedef struct SimRing {
        uint32_t node;     /* the member that is told */
        uint32_t ring_node;
        uint64_t ring_seq;
        uint32_t members;  /* the ring's nodes (corosync's, processes or not) */
        unsigned votes;    /* one per node of the ring */
        unsigned expected; /* one per node of the cluster */
        bool joining;      /* a process starting in a formed ring: the current verdict */
} SimRing;

typedef void (*SimQuorumFn)(const SimRing *ring, SimVerdict *v, void *userdata);

/* N nodes in one ring, every process started; what starting tells each
 * process (members, ring, verdict) comes at the first run. */
int sim_new(unsigned n, SimCluster **ret);
SimCluster *sim_free(SimCluster *sim);

/* The member's engine, NULL for an id not in the cluster. It belongs to the
 * cluster: engine_free() on it is the process exiting (as sim_crash). Its
 * event is NULL: the simulation has no loop. */
Engine *sim_engine(SimCluster *sim, uint32_t node);
/* Where the member's views, messages and log lines go (until then, or
 * with NULL, nowhere). */
void sim_set_callbacks(SimCluster *sim, uint32_t node, const EngineCallbacks *cb, void *userdata);
/* The incarnation of the member's process: new at every sim_restart. */
uint64_t sim_incarnation(const SimCluster *sim, uint32_t node);
/* A new message {type, origin, incarnation} as the member's wolfpackd
 * would send it; add fields and engine_send() it. */
json_t *sim_message(const SimCluster *sim, uint32_t node, const char *type);

/* ---- the script: each takes effect at sim_now(); -EINVAL etc. with
 * sim_error() saying why ---- */

/* The components, as node ids: "1|2,3" (every node once, spaces allowed). */
int sim_partition(SimCluster *sim, const char *spec);
/* One component of every node. */
int sim_heal(SimCluster *sim);
/* A new ring for every component, same members (corosync under load):
 * processes are told the ring only. */
int sim_reform(SimCluster *sim);
/* The member's process exits (in the group or cut off from it): it leaves
 * CPG, its node still votes. What it
 * had sent is ordered before its leave. -EBUSY from inside the member's
 * own engine callbacks (another member's, or its own timer, may crash it). */
int sim_crash(SimCluster *sim, uint32_t node);
/* The process starts again (new incarnation, a fresh view): members, ring,
 * the ring's current verdict; the others see it join. -EBUSY from inside
 * the member's own engine callbacks. */
int sim_restart(SimCluster *sim, uint32_t node);
/* The member's corosync stops: its process is told it lost corosync (a
 * view with no members), sends fail with -ENOTCONN, and the rest of its
 * component forms a ring without it. sim_restart starts both again (after
 * a sim_heal or sim_partition puts the node back with the others). */
int sim_lose(SimCluster *sim, uint32_t node);
/* The process stops dispatching (SIGSTOP) / resumes: what comes meanwhile
 * waits for it, and the next run delivers the backlog. */
int sim_freeze(SimCluster *sim, uint32_t node);
int sim_thaw(SimCluster *sim, uint32_t node);
/* The default verdict of rings formed from now on: after usec, or right
 * after n of the ring's messages (0: by time only). */
void sim_delay_verdict(SimCluster *sim, uint64_t usec);
void sim_delay_verdict_messages(SimCluster *sim, unsigned n);
/* Asked for every verdict from now on; NULL: the default. */
void sim_set_quorum(SimCluster *sim, SimQuorumFn fn, void *userdata);
/* Time from the member's sends to their place in the order. */
int sim_delay_messages(SimCluster *sim, uint32_t node, uint64_t usec);
void sim_set_max_steps(SimCluster *sim, unsigned steps);
/* Bytes multicast as if by the member's process, not made by envelope.c:
 * a bad or hostile peer. */
int sim_send_raw(SimCluster *sim, uint32_t node, const void *data, size_t len);

/* ---- time ---- */

typedef void (*SimTimerFn)(SimCluster *sim, uint32_t node, void *userdata);

/* fn is called on the member's process at virtual time usec (or at once,
 * if that has passed): from the run functions, in line with what the
 * process is told, so a frozen process runs it late, at its thaw, after
 * what it was told before usec; it is gone with a crash or a restart.
 * ret_id (may be NULL) names it for sim_timer_cancel. */
int sim_timer(SimCluster *sim, uint32_t node, uint64_t usec, SimTimerFn fn, void *userdata, uint64_t *ret_id);
/* -ENOENT when it fired already or never was. */
int sim_timer_cancel(SimCluster *sim, uint64_t id);

uint64_t sim_now(const SimCluster *sim);
/* Deliver everything due up to usec, then the clock is usec. */
int sim_run_until(SimCluster *sim, uint64_t usec);
int sim_run_for(SimCluster *sim, uint64_t usec);
/* Until nothing is due any more (a frozen member's backlog waits); the
 * clock stops at the last event. */
int sim_run(SimCluster *sim);

/* ---- what is there ---- */

const char *sim_error(const SimCluster *sim);
/* The member's view as its process knows it (ring_view_quorate() etc.). */
const RingView *sim_view(const SimCluster *sim, uint32_t node);
/* Corosync's ring of the node now, whatever its process knows. */
int sim_ring(const SimCluster *sim, uint32_t node, uint32_t *ret_node, uint64_t *ret_seq);
/* The nodes of its component (SIM_NODE bits). */
uint32_t sim_component(const SimCluster *sim, uint32_t node);
/* Events waiting for the member's process (a frozen one's backlog). */
size_t sim_backlog(const SimCluster *sim, uint32_t node);
