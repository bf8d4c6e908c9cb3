/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The view of a ring-based engine (ring-view.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "ring-view.h"

/* A message, or (msg NULL) a change of members that came after held
 * messages and so must not overtake them. */
struct RingViewHeld {
        RingViewHeld *next;
        json_t *msg;
        size_t n_ids;
        uint32_t ids[];
};

void ring_view_init(RingView *v, const EngineCallbacks *cb, void *userdata, unsigned n_nodes) {
        memset(v, 0, sizeof(*v));
        v->cb = *cb;
        v->userdata = userdata;
        v->n_nodes = n_nodes;
        v->held_tail = &v->held;
}

void ring_view_done(RingView *v) {
        while (v->held) {
                RingViewHeld *h = v->held;
                v->held = h->next;
                json_decref(h->msg);
                free(h);
        }
        v->held_tail = &v->held;
        v->n_held = 0;
}

bool ring_view_verdict_known(const RingView *v) {
        return v->have_ring && v->have_verdict && v->verdict_node == v->ring_node && v->verdict_seq == v->ring_seq;
}

bool ring_view_quorate(const RingView *v) {
        return !v->lost && ring_view_verdict_known(v) && v->verdict_quorate;
}

static void show(RingView *v) {
        EngineView e;
        memset(&e, 0, sizeof(e)); /* compared whole, padding included */
        e.ring = v->ring_seq;
        e.ring_node = v->ring_node;
        e.n_members = v->lost ? 0 : v->n_members;
        if (!v->lost)
                memcpy(e.members, v->members, sizeof(e.members));
        e.quorate = ring_view_quorate(v);
        e.n_nodes = v->n_nodes;
        if (v->have_shown && memcmp(&e, &v->shown, sizeof(e)) == 0)
                return;
        v->shown = e;
        v->have_shown = true;
        v->cb.view(&e, v->userdata);
}

static void set_members(RingView *v, const uint32_t *ids, size_t n);

void ring_view_nodes(RingView *v, unsigned n_nodes) {
        v->n_nodes = n_nodes;
        if (v->have_shown)
                show(v);
}

static void release_held(RingView *v) {
        if (v->n_held > 0 && !ring_view_quorate(v) && v->cb.log) {
                char text[160];
                snprintf(text, sizeof(text),
                         "%zu message(s) of ring %" PRIx32 ".%" PRIx64 " came without a quorate verdict for their ring: "
                         "not applied",
                         v->n_held, v->ring_node, v->ring_seq);
                v->cb.log("warning", "MESSAGES_WITHOUT_QUORUM", text, v->userdata);
        }
        RingViewHeld *h = v->held;
        v->held = NULL;
        v->held_tail = &v->held;
        v->n_held = 0;
        while (h) {
                RingViewHeld *next = h->next;
                if (h->msg)
                        v->cb.deliver(h->msg, v->userdata);
                else
                        set_members(v, h->ids, h->n_ids);
                json_decref(h->msg);
                free(h);
                h = next;
        }
}

static void hold(RingView *v, RingViewHeld *h) {
        *v->held_tail = h;
        v->held_tail = &h->next;
}

static int cmp_u32(const void *a, const void *b) {
        uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
        return x < y ? -1 : x > y;
}

static void set_members(RingView *v, const uint32_t *ids, size_t n) {
        /* Several processes of one node (a restart within a token) count once. */
        unsigned k = 0;
        for (size_t i = 0; i < n; i++) {
                bool seen = false;
                for (unsigned j = 0; j < k; j++)
                        seen = seen || v->members[j] == ids[i];
                if (!seen && k < ELEMENTSOF(v->members))
                        v->members[k++] = ids[i];
        }
        qsort(v->members, k, sizeof(uint32_t), cmp_u32);
        memset(v->members + k, 0, sizeof(v->members) - k * sizeof(uint32_t));
        v->n_members = k;
        show(v);
}

void ring_view_node_left(RingView *v) {
        /* CPG tells of it before the ring change: until then the old
         * ring's verdict would make a partition of one look quorate. */
        if (ring_view_verdict_known(v))
                v->have_verdict = false;
}

void ring_view_members(RingView *v, const uint32_t *ids, size_t n) {
        /* CPG reports members in the stream's order: messages held before
         * the change come before it, on every member. */
        if (v->n_held > 0 && !v->lost && !ring_view_verdict_known(v)) {
                RingViewHeld *h = calloc(1, sizeof(*h) + n * sizeof(uint32_t));
                if (h) {
                        memcpy(h->ids, ids, n * sizeof(uint32_t));
                        h->n_ids = n;
                        hold(v, h);
                        return;
                }
        }
        set_members(v, ids, n);
}

bool ring_view_ring(RingView *v, uint32_t node, uint64_t seq) {
        if (v->have_ring && node == v->ring_node && seq == v->ring_seq)
                return false;
        /* What is held belongs to the old ring, which never got its verdict. */
        release_held(v);
        v->ring_node = node;
        v->ring_seq = seq;
        v->have_ring = true;
        show(v);
        return true;
}

void ring_view_verdict(RingView *v, bool quorate, uint32_t node, uint64_t seq) {
        v->have_verdict = true;
        v->verdict_quorate = quorate;
        v->verdict_node = node;
        v->verdict_seq = seq;
        /* A verdict for a ring not announced yet waits for it. */
        if (!ring_view_verdict_known(v))
                return;
        show(v);
        release_held(v);
}

void ring_view_message(RingView *v, json_t *msg) {
        if (!v->lost && !ring_view_verdict_known(v) && v->n_held < RING_VIEW_HELD_MAX) {
                RingViewHeld *h = calloc(1, sizeof(*h));
                if (h) {
                        h->msg = msg;
                        hold(v, h);
                        v->n_held++;
                        return;
                }
        }
        v->cb.deliver(msg, v->userdata);
        json_decref(msg);
}

void ring_view_lost(RingView *v) {
        if (v->lost)
                return;
        v->lost = true;
        show(v);
        release_held(v);
}
