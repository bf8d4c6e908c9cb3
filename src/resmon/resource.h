/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One resource in the monitor: its plug-in instance, its state machine, its
 * queue of requests and its poll timers. See resource.c for the state
 * table.
 */
#pragma once

#include <jansson.h>
#include <stdatomic.h>

#include "manager.h"
#include "plugin.h"

typedef enum PendingOp {
        PENDING_NONE,
        PENDING_ONLINE,
        PENDING_OFFLINE,
} PendingOp;

typedef struct Request Request;
struct Request {
        json_t *msg;
        uint64_t link_id; /* who asked: a reply to a parent that left is dropped */
        Request *next;
};

typedef struct Source Source;

struct Resource {
        Manager *m;
        char *id, *name;
        PluginType *type;
        void *params;              /* current values, as the plug-in was given them */
        json_t *next_online;       /* names whose new value waits for the next online */
        json_t *readonly;          /* last read-only values, text */
        wp_instance inst;
        char *state_dir, *cgroup;

        wp_state state;
        PendingOp pending;
        bool in_call;              /* an entry point is executing */
        bool alive_pending;        /* an is_alive answer is due through alive_result */
        bool failure_check_wanted; /* a failure fd fired while busy */
        bool closing;
        _Atomic uint64_t gen;      /* bumped when a pending operation ends early */

        wp_usec_t looks_interval, isalive_interval, pending_timeout;
        sd_event_source *looks_timer, *isalive_timer, *pending_timer;

        Source *sources;           /* watches, timers, children of the plug-in */
        atomic_int work_outstanding;

        Request *queue, **queue_tail;
        Request *close_request;    /* a close waiting for outstanding work */

        char *error;               /* message recorded by host->error */
};

/* Create and open the resource (the open request). On failure err says why
 * and *ret_property names the property at fault, if one is. */
int resource_open(Manager *m, json_t *req, Resource **ret, char *err, size_t errlen, const char **ret_property);
/* Queue a request (online, offline, probe, set-properties ...) and run what
 * can run. terminate and close never wait. */
void resource_request(Resource *r, Link *link, json_t *req);
/* Drop the resource: terminate, close the instance, free. */
void resource_free(Resource *r);

/* Terminate every running resource (lease expiry, shutdown). reason is
 * what the state event says. fail: Failed rather than Offline. */
void resource_terminate(Resource *r, bool fail, const char *reason);

/* From the event queue (loop thread). */
void resource_status(Resource *r, uint64_t gen, wp_state state, const char *reason);
void resource_alive_result(Resource *r, uint64_t gen, bool alive, const char *reason);
/* A failure fd became readable. */
void resource_failure_signalled(Resource *r);
/* Outstanding work finished: a waiting close may go on. */
void resource_work_done(Resource *r);

/* The snapshot sent with hello: id, name, rtype, state, properties. */
json_t *resource_snapshot(Resource *r);

const char *state_name(wp_state s);

/* Sources the plug-in created (host.c). */
void resource_release_sources(Resource *r);
