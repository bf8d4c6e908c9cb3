/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Deciding when a change the API accepted with 202 (online, offline, move,
 * fail, drain) has come to its end, from what GET and the event stream
 * show. Pure: the caller brings the objects, the events and the time.
 *
 * A change is done when the object reaches the state it aims at (for a
 * move: on another node, or on --to; for fail: the failure was seen and
 * the object has settled again; for drain: the node is paused and owns no
 * group). It has failed when the object is Failed — unless it was Failed
 * already when the change began and nothing has moved since, in which case
 * the verdict waits a short grace period for the change to take effect.
 *
 * An online, move or fail rides through the restarts the restart policy
 * has scheduled: a resource that is Failed with "restarting" set is on its
 * way back, and the wait goes on; it ends when the policy gives up (the
 * resource is Failed with no restart scheduled, or its group is Failed).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum WatchOp {
        WATCH_ONLINE,
        WATCH_OFFLINE,
        WATCH_MOVE,
        WATCH_FAIL,
        WATCH_DRAIN,
} WatchOp;

typedef enum WatchKind {
        WATCH_GROUP,
        WATCH_RESOURCE,
        WATCH_NODE,
} WatchKind;

typedef enum WatchVerdict {
        WATCH_PENDING,
        WATCH_DONE,
        WATCH_FAILED,
} WatchVerdict;

/* How long a Failed state that was there before the change is trusted to
 * be the change's own result without any other sign. */
#define WATCH_FAILED_GRACE_USEC (2 * 1000 * 1000)

typedef struct Watch {
        WatchOp op;
        WatchKind kind;
        char *id, *name;
        char *start_state, *start_owner;
        char *to;                    /* move target, NULL for the best node */
        long long start_restarts;
        bool seen_change;            /* a state other than start_state was seen */
        bool seen_failed;            /* WATCH_FAIL: the failure was seen */
        uint64_t grace_until;        /* monotonic usec */
        json_t *told;                /* resource id → the restart attempt said (watch_progress) */
        unsigned restarts;           /* restarts said */
} Watch;

/* typed: the name or id the user gave; accepted: the object the 202
 * carried (the state before the change took effect); now: monotonic usec. */
int watch_init(Watch *w, WatchOp op, WatchKind kind, const char *typed, const json_t *accepted, const char *to,
               uint64_t now);
void watch_done(Watch *w);

/* The object's name or id to GET it by (its id when known). */
const char *watch_ref(const Watch *w);

/* An event from GET /v1/events: a state it reports for the watched object
 * counts as seen. */
void watch_note_event(Watch *w, const json_t *event);

/* Judge the object as GET shows it now (a group with "resources" holding
 * resource objects, so their states and reasons count). *ret_message, for
 * DONE and FAILED: "group web is Online on n1", "resource httpd failed on
 * n1: exited with status 1". Malloc'ed; NULL for PENDING. */
WatchVerdict watch_judge(Watch *w, const json_t *obj, uint64_t now, char **ret_message);

/* The restarts scheduled since the last call, one line each ("resource
 * httpd failed: process 12 exited with code 1; restart 1 of 3 in 500ms"),
 * or NULL when none is new. Malloc'ed. */
char *watch_progress(Watch *w, const json_t *obj);

/* "group web to come online; it is OnlinePending on n1" for a timeout. */
char *watch_describe_pending(const Watch *w, const json_t *obj);
