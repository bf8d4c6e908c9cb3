/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The engine: what wolfpackd knows of the other nodes. It delivers two
 * things: membership views (ring id, members, quorate) and a totally ordered
 * stream of messages that every member sees in the same order. An engine
 * never delivers from inside send: a message comes back from the loop, so
 * the code meets the same ordering on one node as on many.
 */
#pragma once

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-event.h>

typedef struct Engine Engine;

typedef struct EngineView {
        uint64_t ring;          /* the ring's sequence ... */
        uint32_t ring_node;     /* ... and its representative: a ring id is the pair */
        uint32_t members[64];
        unsigned n_members;
        bool quorate;
        unsigned n_nodes;       /* nodes in the cluster's node list, 0: not known */
} EngineView;

typedef struct EngineCallbacks {
        void (*view)(const EngineView *v, void *userdata);
        /* msg is the message as sent, borrowed for the call. */
        void (*deliver)(const json_t *msg, void *userdata);
        /* Optional: what the engine has to say to the cluster log (a
         * message refused, the connection to corosync lost). */
        void (*log)(const char *level, const char *code, const char *text, void *userdata);
} EngineCallbacks;

typedef struct EngineOps {
        const char *name;
        int (*send)(Engine *e, const json_t *msg);
        void (*free)(Engine *e);
        /* Optional: the name of a node the engine knows, or NULL. */
        const char *(*node_name)(Engine *e, uint32_t id);
        /* Optional: read the node list again (it was reloaded); a view
         * follows when the node count changed. */
        void (*reload_nodes)(Engine *e);
} EngineOps;

struct Engine {
        const EngineOps *ops;
        sd_event *event;
        EngineCallbacks cb;
        void *userdata;
        uint32_t node_id;
        /* How long a ring can stay silent: corosync's totem token and
         * consensus timeouts as it runs them (0: no ring, as on the local
         * engine). The lease and the takeover delay are set from them. */
        uint64_t token_usec, consensus_usec;
        /* How long a new ring's quorum verdict may take once the ring
         * formed: a quorum device's vote (0: none to wait for). */
        uint64_t verdict_usec;
        /* The cluster's name as the engine knows it (corosync's
         * totem.cluster_name); empty: the engine has none. */
        char cluster_name[64];
};

/* The local engine: one node, this one, always quorate. */
int engine_local_new(sd_event *event, uint32_t node_id, const EngineCallbacks *cb, void *userdata, Engine **ret);

/* The corosync engine (engine-corosync.c): CPG for messages and members,
 * libquorum/votequorum for quorum, cmap for the node list. Connects at
 * once, so that node_id and the node's name are known from corosync when
 * it returns; err says what is wrong and how to fix it. */
int engine_corosync_new(sd_event *event, uint64_t incarnation, const EngineCallbacks *cb, void *userdata, Engine **ret,
                        char *err, size_t errlen);

static inline const char *engine_node_name(Engine *e, uint32_t id) {
        return e && e->ops->node_name ? e->ops->node_name(e, id) : NULL;
}
/* A line for a log callback of the engines' kind (EngineCallbacks.log),
 * formatted; nothing when there is no callback. */
__attribute__((format(printf, 5, 0)))
static inline void engine_vlog(void (*log)(const char *level, const char *code, const char *text, void *userdata),
                               void *userdata, const char *level, const char *code, const char *fmt, va_list ap) {
        if (!log)
                return;
        char text[1024];
        vsnprintf(text, sizeof(text), fmt, ap);
        log(level, code, text, userdata);
}

/* What an engine says to the cluster log, if it has a log callback. */
__attribute__((format(printf, 4, 5)))
static inline void engine_logf(Engine *e, const char *level, const char *code, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        engine_vlog(e->cb.log, e->userdata, level, code, fmt, ap);
        va_end(ap);
}
static inline void engine_reload_nodes(Engine *e) {
        if (e && e->ops->reload_nodes)
                e->ops->reload_nodes(e);
}
static inline int engine_send(Engine *e, const json_t *msg) {
        return e->ops->send(e, msg);
}
static inline void engine_free(Engine *e) {
        if (e)
                e->ops->free(e);
}
