/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Join and merge (sync.h). Every member sees the same views at the same
 * points of the stream and the same messages between them, so each one
 * decides alone and all decide alike. Owns the round's offers, the held
 * changes and, on a member behind, the chunks received; must never read
 * a clock or the database except through its callbacks.
 *
 *   phase       event                                  action
 *   any         view not quorate                       refuse what is held; NONE
 *   any         quorate view of the current round      nothing
 *   any         quorate view of a new round            refuse what is held; a cluster of one: decide
 *                                                      at once, else multicast sync.offer; OFFERING
 *   OFFERING    offer of this round, from a member,    keep it; every member's in: decide
 *               its first
 *   OFFERING    change                                 hold (past the bound: refuse)
 *   decide      own version is the best one            record the new epoch; the best node, with
 *                                                      members behind: snapshot and multicast it;
 *                                                      apply what is held; IN_SYNC
 *   decide      own version is older                   BEHIND
 *   BEHIND      change                                 hold (past the bound: refuse)
 *   BEHIND      chunk of this round from the best      keep it; the last: install, apply what is
 *                                                      held; IN_SYNC
 *   BEHIND      malformed chunk, install refused,      refuse what is held; OUT
 *               sync.failed from the best
 *   IN_SYNC     change                                 apply (while the snapshot is on its way:
 *                                                      past the bound, refuse)
 *   OUT         change                                 refuse: this node is not in sync
 *   NONE        change                                 apply (refused there: no quorum)
 *   any         rt.*                                   runtime, at once
 *   any         sync.* of another round, or late       ignored
 *
 * Every member, behind or not, follows the best node's chunks (their
 * order, their end), so that all count the same changes against the bound
 * and so refuse the same ones.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "sync.h"

#define MEMBERS_MAX ELEMENTSOF(((EngineView *) 0)->members)

typedef enum Phase {
        PHASE_NONE,     /* no quorate view */
        PHASE_OFFERING, /* the members' versions being collected */
        PHASE_BEHIND,   /* decided; waiting for the best node's snapshot */
        PHASE_IN_SYNC,
        PHASE_OUT,      /* quorate, but this node's database could not be brought in sync */
} Phase;

typedef struct Held {
        struct Held *next;
        json_t *msg;
} Held;

struct Sync {
        SyncCallbacks cb;
        void *userdata;
        uint32_t self;
        SyncLimits limits;
        Phase phase;

        /* The round: the ring and members of the quorate view. */
        bool have_round;
        uint32_t ring_node;
        uint64_t ring_seq;
        uint32_t members[MEMBERS_MAX];
        unsigned n_members;
        bool offered[MEMBERS_MAX];
        unsigned n_nodes;  /* in the cluster's node list (the view's), 0: not known */
        bool proceed_sent; /* this node asked to decide without the silent */
        /* The round's attempt: 0 at the view, one more each time a member
         * left out asks to compare again (sync.again). */
        uint64_t attempt;
        SyncVersion offers[MEMBERS_MAX];
        bool fresh[MEMBERS_MAX];
        unsigned n_offered;
        uint64_t round_usec;

        /* Decided: who sends, the version every member holds after the
         * round; whether the round is complete (no snapshot due, or it
         * came to its end). */
        uint32_t best;
        SyncVersion target;
        bool complete;
        /* started: this node has seen the cluster run — in sync in a
         * round that was no cluster start, or told the start is over
         * (sync_started). cold: every member of the round offered before
         * it had (the cluster starts). */
        bool started, cold;
        /* The round's members are no majority of the cluster's nodes: its
         * changes are refused and its epoch not raised (see decide). */
        bool minority;
        char minority_reason[256];
        /* The best node's chunks as every member follows them. */
        size_t chunk_next, chunk_count, chunk_bytes;
        json_t *chunks; /* kept by a member behind */

        /* Changes counted against the bound in this round. */
        size_t counted, counted_bytes, n_over;
        Held *held, **held_tail;
        size_t n_held;
        char out_reason[768];
};

static void logf_(Sync *s, const char *level, const char *code, const char *fmt, ...) _printf_(4, 5);
static void logf_(Sync *s, const char *level, const char *code, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        engine_vlog(s->cb.log, s->userdata, level, code, fmt, ap);
        va_end(ap);
}

/* A node for people: its name, or "node N". */
typedef struct NodeText {
        char s[80];
} NodeText;

static NodeText node_text(const Sync *s, uint32_t id) {
        NodeText t;
        const char *n = s->cb.node_name ? s->cb.node_name(id, s->userdata) : NULL;
        if (n)
                snprintf(t.s, sizeof(t.s), "%s", n);
        else
                snprintf(t.s, sizeof(t.s), "node %" PRIu32, id);
        return t;
}

static uint64_t now(const Sync *s) {
        return s->cb.now_usec ? s->cb.now_usec(s->userdata) : 0;
}

static int version_cmp(SyncVersion a, SyncVersion b) {
        if (a.epoch != b.epoch)
                return a.epoch < b.epoch ? -1 : 1;
        return a.seq < b.seq ? -1 : a.seq > b.seq;
}

int sync_new(const SyncCallbacks *cb, void *userdata, uint32_t self, const SyncLimits *limits, Sync **ret) {
        Sync *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->cb = *cb;
        s->userdata = userdata;
        s->self = self;
        s->limits = limits ? *limits : (SyncLimits) { SYNC_HELD_MAX, SYNC_HELD_BYTES };
        s->held_tail = &s->held;
        *ret = s;
        return 0;
}

static Held *take_held(Sync *s) {
        Held *h = s->held;
        s->held = NULL;
        s->held_tail = &s->held;
        s->n_held = 0;
        return h;
}

Sync *sync_free(Sync *s) {
        if (!s)
                return NULL;
        for (Held *h = take_held(s), *next; h; h = next) {
                next = h->next;
                json_decref(h->msg);
                free(h);
        }
        json_decref(s->chunks);
        free(s);
        return NULL;
}

bool sync_ready(const Sync *s) {
        return s->phase == PHASE_IN_SYNC;
}

const char *sync_out_reason(const Sync *s) {
        return s->phase == PHASE_OUT ? s->out_reason : NULL;
}

bool sync_cold_start(const Sync *s) {
        return s->phase == PHASE_IN_SYNC && s->cold && !s->minority;
}

bool sync_cold_pending(const Sync *s) {
        return s->phase == PHASE_IN_SYNC && s->cold && s->minority;
}

bool sync_takes_changes(const Sync *s) {
        return s->phase == PHASE_IN_SYNC && !s->minority;
}

void sync_started(Sync *s) {
        s->started = true;
        s->cold = false;
}

const char *sync_state(const Sync *s) {
        static const char *const names[] = {
                [PHASE_NONE] = "no quorum", [PHASE_OFFERING] = "comparing", [PHASE_BEHIND] = "behind",
                [PHASE_IN_SYNC] = "in sync", [PHASE_OUT] = "out of sync",
        };
        return names[s->phase];
}

/* ---- held changes ---- */

/* Refuse every held change with error and text (reaching their senders). */
static void refuse_held(Sync *s, int error, const char *text) {
        for (Held *h = take_held(s), *next; h; h = next) {
                next = h->next;
                s->cb.refuse(h->msg, error, text, s->userdata);
                json_decref(h->msg);
                free(h);
        }
}

static void apply_held(Sync *s) {
        for (Held *h = take_held(s), *next; h; h = next) {
                next = h->next;
                if (s->minority)
                        s->cb.refuse(h->msg, -EPERM, s->minority_reason, s->userdata);
                else
                        s->cb.apply(h->msg, s->userdata);
                json_decref(h->msg);
                free(h);
        }
}

static bool hold(Sync *s, const json_t *msg) {
        Held *h = calloc(1, sizeof(*h));
        if (!h)
                return false;
        h->msg = json_incref((json_t *) msg);
        *s->held_tail = h;
        s->held_tail = &h->next;
        s->n_held++;
        return true;
}

/* Whether a change still fits this round's bound; counted if so. Every
 * member counts the same changes, so all answer alike. */
static bool within_bound(Sync *s, const json_t *msg) {
        size_t bytes = json_dumpb(msg, NULL, 0, JSON_COMPACT);
        if (s->counted < s->limits.held_max && s->counted_bytes + bytes <= s->limits.held_bytes) {
                s->counted++;
                s->counted_bytes += bytes;
                return true;
        }
        if (s->n_over++ == 0)
                logf_(s, "warning", "SYNC_HOLD_FULL",
                      "%zu change(s) of %zu bytes came while the members of ring %" PRIx32 ".%" PRIx64
                      " bring their databases in sync, the most this round holds (%zu changes, %zu bytes): "
                      "later changes are refused on every member until it is done; send them again then",
                      s->counted, s->counted_bytes, s->ring_node, s->ring_seq, s->limits.held_max,
                      s->limits.held_bytes);
        return false;
}

static void refuse_over_bound(Sync *s, const json_t *msg) {
        char text[320];
        snprintf(text, sizeof(text),
                 "too many changes (%zu) came while the members brought their databases in sync; this one was not "
                 "applied on any node: send it again",
                 s->counted);
        s->cb.refuse(msg, -EBUSY, text, s->userdata);
}

/* ---- rounds ---- */

static void drop_chunks(Sync *s) {
        json_decref(s->chunks);
        s->chunks = NULL;
}

/* The round ends before it is complete: what is held is refused. */
static void end_round(Sync *s, const char *why) {
        if (s->n_held > 0) {
                logf_(s, "warning", "SYNC_RESTARTED",
                      "%zu change(s) held in ring %" PRIx32 ".%" PRIx64 " were not applied: %s before the members' "
                      "databases were in sync",
                      s->n_held, s->ring_node, s->ring_seq, why);
                char text[320];
                snprintf(text, sizeof(text),
                         "%s before the databases of the members were compared and brought in sync; the change was "
                         "not applied: send it again",
                         why);
                refuse_held(s, -EBUSY, text);
        }
        drop_chunks(s);
        s->have_round = false;
}

/* This node cannot be in sync in this round: every change is refused
 * here until the next round. */
static void go_out(Sync *s, const char *why) {
        snprintf(s->out_reason, sizeof(s->out_reason),
                 "this node's database is not in sync with the cluster (%s); it applies no change until the "
                 "membership changes (restarting wolfpackd on this node joins again)",
                 why);
        logf_(s, "error", "SYNC_OUT", "%s", s->out_reason);
        s->phase = PHASE_OUT;
        drop_chunks(s);
        refuse_held(s, -ESTALE, s->out_reason);
}

static int member_index(const Sync *s, uint32_t id) {
        for (unsigned i = 0; i < s->n_members; i++)
                if (s->members[i] == id)
                        return (int) i;
        return -1;
}

/* {"type":type, "ring":[node, seq], "members":[...], "attempt":A}: the
 * round a message of the protocol belongs to (no attempt: 0). */
static json_t *round_message(const Sync *s, const char *type) {
        json_t *members = json_array();
        for (unsigned i = 0; members && i < s->n_members; i++)
                json_array_append_new(members, json_integer(s->members[i]));
        return json_pack("{s:s, s:[I, I], s:o, s:I}", "type", type, "ring", (json_int_t) s->ring_node,
                         (json_int_t) s->ring_seq, "members", members, "attempt", (json_int_t) s->attempt);
}

static bool count_value(const json_t *v, uint64_t *ret) {
        if (!json_is_integer(v) || json_integer_value(v) < 0)
                return false;
        *ret = (uint64_t) json_integer_value(v);
        return true;
}

static bool of_this_round(const Sync *s, const json_t *m) {
        const json_t *ring = json_object_get(m, "ring"), *members = json_object_get(m, "members");
        uint64_t node, seq;
        if (!s->have_round || !json_is_array(ring) || json_array_size(ring) != 2 ||
            !count_value(json_array_get(ring, 0), &node) || !count_value(json_array_get(ring, 1), &seq) ||
            node != s->ring_node || seq != s->ring_seq || !json_is_array(members) ||
            json_array_size(members) != s->n_members)
                return false;
        for (unsigned i = 0; i < s->n_members; i++) {
                uint64_t id;
                if (!count_value(json_array_get(members, i), &id) || id != s->members[i])
                        return false;
        }
        const json_t *a = json_object_get(m, "attempt");
        uint64_t attempt = 0;
        return (!a || count_value(a, &attempt)) && attempt == s->attempt;
}

static void send_snapshot(Sync *s, const char *behind) {
        uint64_t t0 = now(s);
        json_t *chunks = NULL;
        SyncVersion v;
        char err[512] = "";
        int k = s->cb.snapshot(&chunks, &v, err, sizeof(err), s->userdata);
        if (k >= 0 && version_cmp(v, s->target) != 0) {
                snprintf(err, sizeof(err), "it holds version (%" PRIu64 ", %" PRIu64 "), not the (%" PRIu64 ", %" PRIu64 ") decided",
                         v.epoch, v.seq, s->target.epoch, s->target.seq);
                k = -ESTALE;
        }
        size_t n = k >= 0 ? json_array_size(chunks) : 0, bytes = 0, sent = 0;
        if (k >= 0 && (n == 0 || n > SYNC_CHUNKS_MAX)) {
                snprintf(err, sizeof(err), "%zu chunks, not 1 to %u", n, SYNC_CHUNKS_MAX);
                k = -EFBIG;
        }
        for (; k >= 0 && sent < n; sent++) {
                json_t *data = json_array_get(chunks, sent);
                bytes += json_string_length(data);
                json_t *m = round_message(s, "sync.snapshot");
                if (!m || json_object_update_new(m, json_pack("{s:I, s:I, s:I, s:I, s:O}", "index", (json_int_t) sent,
                                                          "count", (json_int_t) n, "epoch", (json_int_t) v.epoch,
                                                          "seq", (json_int_t) v.seq, "data", data)) < 0) {
                        json_decref(m);
                        k = -ENOMEM;
                        break;
                }
                k = s->cb.send(m, s->userdata);
                if (k < 0)
                        snprintf(err, sizeof(err), "chunk %zu of %zu could not be sent: %s", sent + 1, n, strerror(-k));
        }
        json_decref(chunks);
        if (k < 0) {
                logf_(s, "error", "SYNC_SNAPSHOT_FAILED",
                      "the database could not be sent to %s, who stay out of sync until the membership changes: %s",
                      behind, err);
                json_t *m = round_message(s, "sync.failed");
                if (m && json_object_set_new(m, "reason", json_string(err)) >= 0)
                        (void) s->cb.send(m, s->userdata);
                else
                        json_decref(m);
                return;
        }
        logf_(s, "notice", "SYNC_SNAPSHOT_SENT",
              "sent the database (epoch %" PRIu64 ", seq %" PRIu64 ") to %s: %zu chunk(s), %zu bytes, in %.1f ms",
              v.epoch, v.seq, behind, n, bytes, (double) (now(s) - t0) / 1000.0);
}

static void in_sync(Sync *s) {
        s->phase = PHASE_IN_SYNC;
        if (!s->cold)
                s->started = true;
        apply_held(s);
        if (s->cb.ready)
                s->cb.ready(s->userdata);
}

/* Every member's offer is in, or those of a majority when the others
 * stayed silent (on_proceed): every member decides the same here, from
 * the offers delivered (members not offered take no part). */
static void decide(Sync *s) {
        unsigned b = 0;
        while (b < s->n_members && !s->offered[b])
                b++;
        assert(b < s->n_members);
        uint64_t max_epoch = 0;
        for (unsigned i = 0; i < s->n_members; i++) {
                if (!s->offered[i])
                        continue;
                /* Strictly newer: of equal versions the lowest id (members are sorted). */
                if (version_cmp(s->offers[i], s->offers[b]) > 0)
                        b = i;
                if (s->offers[i].epoch > max_epoch)
                        max_epoch = s->offers[i].epoch;
        }
        s->best = s->members[b];
        /* Only a majority of the cluster's nodes takes changes and raises
         * the epoch: any two such rounds share a member, so the highest
         * version always holds every change made. A minority of running
         * wolfpackds (the others stopped while their corosync runs) would
         * otherwise take changes on a database that may lack the last
         * ones, or raise its epoch over a database that has them, and a
         * later merge would drop changes that were answered. */
        unsigned base = s->n_nodes ? s->n_nodes : s->n_members;
        s->minority = s->n_offered * 2 <= base;
        if (s->minority)
                snprintf(s->minority_reason, sizeof(s->minority_reason),
                         "only %u of the cluster's %u nodes run wolfpackd in this view; changes need %u: start "
                         "wolfpackd on more nodes",
                         s->n_offered, base, base / 2 + 1);
        s->target = (SyncVersion) { s->minority ? s->offers[b].epoch : max_epoch + 1, s->offers[b].seq };
        s->cold = true;
        for (unsigned i = 0; i < s->n_members; i++)
                s->cold = s->cold && s->offered[i] && s->fresh[i];
        char behind[512] = "";
        size_t len = 0;
        unsigned n_behind = 0;
        for (unsigned i = 0; i < s->n_members; i++)
                if (s->offered[i] && version_cmp(s->offers[i], s->offers[b]) != 0 && len < sizeof(behind)) {
                        NodeText t = node_text(s, s->members[i]);
                        len += (size_t) snprintf(behind + len, sizeof(behind) - len, "%s%s (epoch %" PRIu64 ", seq %" PRIu64 ")",
                                                 n_behind++ ? ", " : "", t.s, s->offers[i].epoch, s->offers[i].seq);
                }
        NodeText best = node_text(s, s->best);
        logf_(s, s->n_members == 1 ? "info" : "notice", "SYNC_DECIDED",
              "ring %" PRIx32 ".%" PRIx64 ", %u member(s): %s has the most recent database (epoch %" PRIu64 ", seq %" PRIu64
              "); %s%s; new epoch %" PRIu64,
              s->ring_node, s->ring_seq, s->n_members, best.s, s->offers[b].epoch, s->offers[b].seq,
              n_behind ? "behind: " : "no member is behind", behind, s->target.epoch);
        if (s->minority)
                logf_(s, "warning", "SYNC_MINORITY", "%s", s->minority_reason);
        s->complete = n_behind == 0;
        s->chunk_next = s->chunk_count = s->chunk_bytes = 0;
        int me = member_index(s, s->self);
        if (version_cmp(s->offers[me], s->offers[b]) != 0) {
                /* The new epoch comes with the snapshot: recorded now, it
                 * would make this old database look new. */
                s->phase = PHASE_BEHIND;
                return;
        }
        char err[512] = "";
        if (!s->minority && s->cb.set_epoch(s->target.epoch, err, sizeof(err), s->userdata) < 0)
                logf_(s, "error", "SYNC_EPOCH_FAILED", "the new epoch %" PRIu64 " could not be recorded: %s", s->target.epoch,
                      err);
        /* At this point of the stream, before what is held. */
        if (s->self == s->best && n_behind > 0)
                send_snapshot(s, behind);
        in_sync(s);
}

static void start_round(Sync *s);

void sync_view(Sync *s, const EngineView *v) {
        if (!v->quorate) {
                end_round(s, "the view lost quorum");
                s->phase = PHASE_NONE;
                return;
        }
        unsigned n = v->n_members < MEMBERS_MAX ? v->n_members : MEMBERS_MAX;
        if (s->have_round && v->ring_node == s->ring_node && v->ring == s->ring_seq && n == s->n_members &&
            memcmp(v->members, s->members, n * sizeof(uint32_t)) == 0)
                return;
        end_round(s, "the membership changed");
        s->have_round = true;
        s->ring_node = v->ring_node;
        s->ring_seq = v->ring;
        s->n_members = n;
        s->n_nodes = v->n_nodes;
        memcpy(s->members, v->members, n * sizeof(uint32_t));
        s->attempt = 0;
        start_round(s);
}

/* The round (ring, members, attempt) set: compare from the start. */
static void start_round(Sync *s) {
        unsigned n = s->n_members;
        memset(s->offered, 0, sizeof(s->offered));
        s->n_offered = 0;
        s->proceed_sent = false;
        s->complete = false;
        s->counted = s->counted_bytes = s->n_over = 0;
        s->round_usec = now(s);
        s->phase = PHASE_OFFERING;
        if (member_index(s, s->self) < 0) {
                go_out(s, "the view does not list this node among its members");
                return;
        }
        SyncVersion mine = s->cb.version(s->userdata);
        if (n == 1 && s->n_nodes <= 1) {
                /* A cluster of one: nobody to compare with, nothing to
                 * send. Alone in a larger one, this node waits for its own
                 * offer: CPG reports the others gone under the old ring,
                 * just before the ring changes, and this view must not be
                 * taken for a quorate one. */
                s->offered[0] = true;
                s->offers[0] = mine;
                s->fresh[0] = !s->started;
                s->n_offered = 1;
                decide(s);
                return;
        }
        json_t *m = round_message(s, "sync.offer");
        int k = m ? json_object_update_new(m, json_pack("{s:I, s:I, s:b}", "epoch", (json_int_t) mine.epoch, "seq",
                                                    (json_int_t) mine.seq, "fresh", !s->started))
                  : -ENOMEM;
        k = k < 0 ? -ENOMEM : s->cb.send(m, s->userdata);
        if (k < 0)
                logf_(s, "error", "SYNC_OFFER_FAILED",
                      "this node's version could not be sent (%s): changes wait until the membership changes",
                      strerror(-k));
}

/* ---- the protocol's messages ---- */

static void on_offer(Sync *s, const json_t *m, uint32_t origin) {
        if (s->phase != PHASE_OFFERING || !of_this_round(s, m))
                return;
        int i = member_index(s, origin);
        if (i < 0 || s->offered[i])
                return;
        SyncVersion v;
        if (!count_value(json_object_get(m, "epoch"), &v.epoch) || !count_value(json_object_get(m, "seq"), &v.seq)) {
                NodeText t = node_text(s, origin);
                logf_(s, "warning", "SYNC_INVALID", "an offer from %s carries no valid version: ignored", t.s);
                return;
        }
        s->offered[i] = true;
        s->offers[i] = v;
        /* A member that says nothing (an older wolfpackd) has been up. */
        s->fresh[i] = json_is_true(json_object_get(m, "fresh"));
        if (++s->n_offered == s->n_members)
                decide(s);
}

/* The snapshot came to its end here, complete (chunks NULL: it did not). */
static void snapshot_done(Sync *s, const char *why) {
        s->complete = true;
        if (s->phase != PHASE_BEHIND)
                return;
        NodeText best = node_text(s, s->best);
        char text[640];
        if (why) {
                snprintf(text, sizeof(text), "the database from %s was refused: %s", best.s, why);
                go_out(s, text);
                return;
        }
        uint64_t t0 = now(s);
        char err[512] = "";
        int k = s->cb.install(s->chunks, s->target, err, sizeof(err), s->userdata);
        size_t n = json_array_size(s->chunks);
        drop_chunks(s);
        if (k < 0) {
                snprintf(text, sizeof(text), "the database from %s was refused: %s", best.s, err);
                go_out(s, text);
                return;
        }
        uint64_t t1 = now(s);
        logf_(s, "notice", "SYNC_INSTALLED",
              "installed the database from %s (epoch %" PRIu64 ", seq %" PRIu64 "): %zu chunk(s), %zu bytes, in %.1f ms, "
              "%.1f ms after the view; applying %zu change(s) held meanwhile",
              best.s, s->target.epoch, s->target.seq, n, s->chunk_bytes, (double) (t1 - t0) / 1000.0,
              (double) (t1 - s->round_usec) / 1000.0, s->n_held);
        in_sync(s);
}

static void on_chunk(Sync *s, const json_t *m, uint32_t origin) {
        if (s->complete || (s->phase != PHASE_BEHIND && s->phase != PHASE_IN_SYNC) || origin != s->best ||
            !of_this_round(s, m))
                return;
        uint64_t index = 0, count = 0;
        SyncVersion v;
        const json_t *data = json_object_get(m, "data");
        char why[256] = "";
        if (!count_value(json_object_get(m, "index"), &index) || !count_value(json_object_get(m, "count"), &count) ||
            !count_value(json_object_get(m, "epoch"), &v.epoch) || !count_value(json_object_get(m, "seq"), &v.seq) ||
            !json_is_string(data))
                snprintf(why, sizeof(why), "chunk %zu lacks its index, count, version or data", s->chunk_next);
        else if (index != s->chunk_next)
                snprintf(why, sizeof(why), "chunk %" PRIu64 " came where chunk %zu was due", index, s->chunk_next);
        else if (count == 0 || count > SYNC_CHUNKS_MAX || (index > 0 && count != s->chunk_count) || index >= count)
                snprintf(why, sizeof(why), "chunk %" PRIu64 " says %" PRIu64 " chunks", index, count);
        else if (version_cmp(v, s->target) != 0)
                snprintf(why, sizeof(why), "chunk %" PRIu64 " holds version (%" PRIu64 ", %" PRIu64 "), not (%" PRIu64
                         ", %" PRIu64 ") as decided", index, v.epoch, v.seq, s->target.epoch, s->target.seq);
        else if (s->chunk_bytes + json_string_length(data) > SYNC_SNAPSHOT_BYTES)
                snprintf(why, sizeof(why), "over %u bytes", SYNC_SNAPSHOT_BYTES);
        if (why[0]) {
                snapshot_done(s, why);
                return;
        }
        s->chunk_count = count;
        s->chunk_next++;
        s->chunk_bytes += json_string_length(data);
        if (s->phase == PHASE_BEHIND) {
                if (!s->chunks)
                        s->chunks = json_array();
                if (!s->chunks || json_array_append(s->chunks, (json_t *) data) < 0) {
                        snapshot_done(s, "out of memory");
                        return;
                }
        }
        if (s->chunk_next == count)
                snapshot_done(s, NULL);
}

/* Members offered but not all, past SYNC_OFFER_TIMEOUT_USEC: a member
 * whose wolfpackd is stopped (SIGSTOP) or stuck while its corosync runs
 * stays a member and would hold every change of the cluster. Those that
 * offered decide without it if they are a majority of the cluster's
 * nodes: then one of them was in the last view that made changes, so the
 * most recent database is among theirs. The silent member, once it runs
 * again, finds itself left out and goes out of sync until the membership
 * changes. Every member sees the same offers before this message. */
static bool offers_of_majority(const Sync *s) {
        return s->n_offered * 2 > (s->n_nodes ? s->n_nodes : s->n_members);
}

static void on_proceed(Sync *s, const json_t *m, uint32_t origin) {
        if (s->phase != PHASE_OFFERING || !of_this_round(s, m) || member_index(s, origin) < 0 ||
            !s->offered[member_index(s, origin)] || !offers_of_majority(s))
                return;
        char silent[512] = "";
        size_t len = 0;
        for (unsigned i = 0; i < s->n_members; i++)
                if (!s->offered[i] && len < sizeof(silent)) {
                        NodeText t = node_text(s, s->members[i]);
                        len += (size_t) snprintf(silent + len, sizeof(silent) - len, "%s%s", len ? ", " : "", t.s);
                }
        int me = member_index(s, s->self);
        if (!s->offered[me]) {
                char why[640];
                snprintf(why, sizeof(why),
                         "its version was not heard within %u s of the view, and the others went on without it (was "
                         "wolfpackd stopped or stuck?)",
                         (unsigned) (SYNC_OFFER_TIMEOUT_USEC / 1000000));
                go_out(s, why);
                snprintf(s->out_reason, sizeof(s->out_reason),
                         "this node's database is not in sync with the cluster (%s); it applies no change until the "
                         "members have compared again, which it has asked for",
                         why);
                /* Running again now: ask the members to compare again, this
                 * node included, rather than wait for a membership change. */
                json_t *again = round_message(s, "sync.again");
                if (again)
                        (void) s->cb.send(again, s->userdata);
                return;
        }
        logf_(s, "warning", "SYNC_SILENT",
              "no version from %s within %u s of the view: the %u other member(s) compare without it; it goes out of "
              "sync until the membership changes",
              silent, (unsigned) (SYNC_OFFER_TIMEOUT_USEC / 1000000), s->n_offered);
        decide(s);
}

/* A member left out of this round (on_proceed) runs again: every member,
 * at this same point of the stream, compares again in a new attempt of
 * the round. Only a member out of sync asks; the others' state is the same
 * on every member, so nothing else can tell them apart. */
static void on_again(Sync *s, const json_t *m, uint32_t origin) {
        int i = member_index(s, origin);
        if (!s->have_round || !of_this_round(s, m) || i < 0 || s->offered[i])
                return;
        NodeText t = node_text(s, origin);
        logf_(s, "notice", "SYNC_AGAIN", "%s, left out of the comparison, runs again: the members compare again", t.s);
        end_round(s, "a member asked to compare again");
        s->have_round = true;
        s->attempt++;
        start_round(s);
}

void sync_tick(Sync *s) {
        if (s->phase != PHASE_OFFERING || s->proceed_sent || s->n_offered == s->n_members || !offers_of_majority(s))
                return;
        int me = member_index(s, s->self);
        if (me < 0 || !s->offered[me])
                return;
        /* The first of those offered asks after the timeout, the next
         * one timeout later, should the first be silent too. */
        unsigned rank = 0;
        for (int i = 0; i < me; i++)
                rank += s->offered[i];
        if (now(s) < s->round_usec + SYNC_OFFER_TIMEOUT_USEC * (rank + 1))
                return;
        json_t *msg = round_message(s, "sync.proceed");
        if (msg && s->cb.send(msg, s->userdata) >= 0)
                s->proceed_sent = true;
}

static void on_failed(Sync *s, const json_t *m, uint32_t origin) {
        if (s->complete || (s->phase != PHASE_BEHIND && s->phase != PHASE_IN_SYNC) || origin != s->best ||
            !of_this_round(s, m))
                return;
        const char *reason = json_string_value(json_object_get(m, "reason"));
        char why[400];
        snprintf(why, sizeof(why), "it could not be sent: %s", reason ? reason : "no reason given");
        snapshot_done(s, why);
}

static const struct {
        const char *type;
        void (*fn)(Sync *s, const json_t *m, uint32_t origin);
} handlers[] = {
        { "sync.offer", on_offer },
        { "sync.snapshot", on_chunk },
        { "sync.failed", on_failed },
        { "sync.proceed", on_proceed },
        { "sync.again", on_again },
};

static void on_protocol(Sync *s, const char *type, const json_t *m) {
        const json_t *o = json_object_get(m, "origin");
        uint64_t origin;
        if (!count_value(o, &origin) || origin == 0 || origin > UINT32_MAX) {
                logf_(s, "warning", "SYNC_INVALID", "%s without a valid origin: ignored", type);
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(handlers); i++)
                if (strcmp(handlers[i].type, type) == 0) {
                        handlers[i].fn(s, m, (uint32_t) origin);
                        return;
                }
        NodeText t = node_text(s, (uint32_t) origin);
        logf_(s, "warning", "SYNC_INVALID", "%s from %s is not a message this node knows: ignored", type, t.s);
}

static void on_change(Sync *s, const json_t *msg) {
        switch (s->phase) {
        case PHASE_NONE:
                s->cb.apply(msg, s->userdata);
                return;
        case PHASE_OUT:
                s->cb.refuse(msg, -ESTALE, s->out_reason, s->userdata);
                return;
        case PHASE_IN_SYNC:
                if (s->minority)
                        s->cb.refuse(msg, -EPERM, s->minority_reason, s->userdata);
                else if (!s->complete && !within_bound(s, msg))
                        refuse_over_bound(s, msg);
                else
                        s->cb.apply(msg, s->userdata);
                return;
        case PHASE_OFFERING:
        case PHASE_BEHIND:
                if (!within_bound(s, msg))
                        refuse_over_bound(s, msg);
                else if (!hold(s, msg))
                        s->cb.refuse(msg, -ENOMEM, "out of memory while the members compare databases",
                                     s->userdata);
                return;
        }
}

void sync_message(Sync *s, const json_t *msg) {
        const char *type = json_string_value(json_object_get(msg, "type"));
        if (type && strncmp(type, "rt.", 3) == 0)
                s->cb.runtime(msg, s->userdata);
        else if (type && strncmp(type, "sync.", 5) == 0)
                on_protocol(s, type, msg);
        else
                on_change(s, msg);
}
