/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The view of a ring-based engine, as a pure state machine: what corosync
 * reports (members, ring changes, quorum verdicts tagged with their ring,
 * messages) in, views and messages for wolfpackd out, through the
 * engine's callbacks. No I/O, so that every order corosync may report
 * things in can be scripted in a unit test.
 *
 *   event                       state change                    what wolfpackd sees
 *   ring change, new ring       ring := new, verdict unknown    view, not quorate
 *   verdict, this ring          verdict := it                   view, quorate or not; held messages
 *   verdict, other ring         kept until its ring arrives     nothing
 *   members change              members := them                 view (same verdict)
 *   a node left (CPG: NODEDOWN) verdict distrusted              view, not quorate
 *   members change, messages    held behind them                in its place among them
 *     held
 *   message, verdict known      -                               the message
 *   message, verdict unknown    held (up to RING_VIEW_HELD_MAX) nothing yet
 *   lost                        lost                            view, no members, not quorate
 *
 * Held messages are delivered once their ring's verdict came: under a
 * quorate view (applied), or under a view that is not (refused by
 * wolfpackd) when the verdict says so or another ring comes first. A
 * change of members waits behind what is held, so that every member sees
 * it at the same point of the stream as CPG reported it. Every
 * member of a ring holds and releases the same messages at the same point,
 * so applying stays deterministic although verdicts reach nodes at
 * different moments. A view is given only when it differs from the last.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

#define RING_VIEW_HELD_MAX 100000u

typedef struct RingViewHeld RingViewHeld;

typedef struct RingView {
        EngineCallbacks cb;
        void *userdata;
        unsigned n_nodes;
        bool have_ring, have_verdict, verdict_quorate, lost;
        uint32_t ring_node, verdict_node;
        uint64_t ring_seq, verdict_seq;
        uint32_t members[64];
        unsigned n_members;
        EngineView shown;
        bool have_shown;
        RingViewHeld *held, **held_tail;
        size_t n_held;
} RingView;

/* n_nodes: how many nodes the cluster's node list has (0: unknown). */
void ring_view_init(RingView *v, const EngineCallbacks *cb, void *userdata, unsigned n_nodes);
/* Drops what is still held. */
void ring_view_done(RingView *v);
/* The node list changed: n_nodes nodes now; the view shows it, when one
 * was shown. */
void ring_view_nodes(RingView *v, unsigned n_nodes);

void ring_view_members(RingView *v, const uint32_t *ids, size_t n);
/* A node left (not only a process): a new ring follows, so the verdict
 * in force is no longer trusted — the view is not quorate until the new
 * ring's verdict comes. Call before ring_view_members, which shows the
 * view. */
void ring_view_node_left(RingView *v);
/* True when it is a new ring. */
bool ring_view_ring(RingView *v, uint32_t node, uint64_t seq);
void ring_view_verdict(RingView *v, bool quorate, uint32_t node, uint64_t seq);
/* Takes the reference. */
void ring_view_message(RingView *v, json_t *msg);
void ring_view_lost(RingView *v);

bool ring_view_verdict_known(const RingView *v);
bool ring_view_quorate(const RingView *v);
