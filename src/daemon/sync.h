/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Join and merge: at each quorate view the members compare the versions of
 * their databases, and those behind are brought up to date with a
 * snapshot of the most recent one, taken at one point of the ordered
 * stream. A pure state machine, in the style of ring-view.h: it is fed the
 * views and every message the engine delivers, and acts through
 * callbacks; it does no I/O, so that every order can be scripted in a
 * unit test. docs/engine-corosync.md ("Join and merge") tells the
 * protocol; sync.c has its table of states and events.
 *
 * A round is one quorate view: its ring and its members (a wolfpackd
 * joining or leaving changes the members, not the ring). Messages of type
 * sync.* are the protocol's own; rt.* are runtime reports, neither held
 * nor versioned, passed on at once; every other message is a change, held
 * while the members compare (and, on a member behind, until it installed
 * the snapshot), applied after.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

typedef struct Sync Sync;

/* A database version: (epoch, seq), compared in that order. */
typedef struct SyncVersion {
        uint64_t epoch, seq;
} SyncVersion;

/* What a round holds at most: changes (count and JSON bytes) that come
 * before this node's database is in sync, counted alike on every member
 * from the view until the round is complete (decided, and the snapshot
 * delivered if one is due). Past it a change is refused on every member. */
#define SYNC_HELD_MAX 10000u
#define SYNC_HELD_BYTES (64u * 1024u * 1024u)
/* A snapshot has at most this many chunks and bytes of text. */
#define SYNC_CHUNKS_MAX 8192u
#define SYNC_SNAPSHOT_BYTES (1024u * 1024u * 1024u)

/* How long the members wait for every member's version at a view before
 * those heard, if a majority of the nodes, compare without the others. */
#define SYNC_OFFER_TIMEOUT_USEC (5u * 1000000u)

typedef struct SyncLimits {
        size_t held_max, held_bytes;
} SyncLimits;

typedef struct SyncCallbacks {
        /* This node's database: its version now; record a new epoch (seq
         * unchanged, persisted); a snapshot (a JSON array of text chunks,
         * each small enough for one message) with the version it holds;
         * install chunks holding version v, replacing everything in one
         * transaction or, refused, changing nothing. */
        SyncVersion (*version)(void *userdata);
        int (*set_epoch)(uint64_t epoch, char *err, size_t errlen, void *userdata);
        int (*snapshot)(json_t **ret_chunks, SyncVersion *ret_version, char *err, size_t errlen, void *userdata);
        int (*install)(const json_t *chunks, SyncVersion v, char *err, size_t errlen, void *userdata);
        /* Multicast a message of the protocol (reference taken). */
        int (*send)(json_t *msg, void *userdata);
        /* A change to apply now (wolfpackd refuses it there without quorum). */
        void (*apply)(const json_t *msg, void *userdata);
        /* A change that is not applied here: error and why, for its sender. */
        void (*refuse)(const json_t *msg, int error, const char *text, void *userdata);
        /* A runtime report (rt.*). */
        void (*runtime)(const json_t *msg, void *userdata);
        /* This node's database is in sync for the view now (once a round). */
        void (*ready)(void *userdata);
        void (*log)(const char *level, const char *code, const char *text, void *userdata);
        /* Optional: a node's name for the log; the clock for timings. */
        const char *(*node_name)(uint32_t id, void *userdata);
        uint64_t (*now_usec)(void *userdata);
} SyncCallbacks;

/* self: this node's id. limits NULL: SYNC_HELD_MAX, SYNC_HELD_BYTES. */
int sync_new(const SyncCallbacks *cb, void *userdata, uint32_t self, const SyncLimits *limits, Sync **ret);
/* Drops what is held (without refusing it). Accepts NULL, returns NULL. */
Sync *sync_free(Sync *s);

/* The engine gave a view / delivered a message (borrowed). Never call
 * these from inside a callback. */
void sync_view(Sync *s, const EngineView *v);
void sync_message(Sync *s, const json_t *msg);

/* This node's database is in sync for the current quorate view: the
 * members compared and this node had the most recent version, or
 * installed it. Nothing that acts on the database's contents for the
 * cluster (placement) should decide before. */
bool sync_ready(const Sync *s);
/* In sync in a round of a majority of the cluster's nodes: changes are
 * applied. In a round of fewer, the database is in sync among them but
 * every change is refused (no quorum, with the reason). */
bool sync_takes_changes(const Sync *s);
/* In sync, in a round whose members had all just started: the cluster
 * starts as a whole. A member has started once it was in sync in a round
 * that was no cluster start, or was told by sync_started (what the cluster
 * does at its start is done); until then every round of such members is
 * one, so that members starting one after another still make one start.
 * Every member tells the same for a round. */
bool sync_cold_start(const Sync *s);
/* In sync in a round that would be a cluster start but for too few
 * members to take changes: what the start decides must wait. */
bool sync_cold_pending(const Sync *s);
void sync_started(Sync *s);
/* Call now and then (every heartbeat): asks the members to decide without
 * those silent past SYNC_OFFER_TIMEOUT_USEC (sync.proceed). */
void sync_tick(Sync *s);
/* Out of sync: why, and what brings it back (changes from this node are
 * then not sent: the others would apply what this node refuses); NULL
 * otherwise. */
const char *sync_out_reason(const Sync *s);
/* For people: "no quorum", "comparing", "behind", "in sync", "out of sync". */
const char *sync_state(const Sync *s);
