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
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

typedef struct Engine Engine;

typedef struct EngineView {
        uint64_t ring;
        uint32_t members[64];
        unsigned n_members;
        bool quorate;
} EngineView;

typedef struct EngineCallbacks {
        void (*view)(const EngineView *v, void *userdata);
        /* msg is the message as sent, borrowed for the call. */
        void (*deliver)(const json_t *msg, void *userdata);
} EngineCallbacks;

typedef struct EngineOps {
        const char *name;
        int (*send)(Engine *e, const json_t *msg);
        void (*free)(Engine *e);
} EngineOps;

struct Engine {
        const EngineOps *ops;
        sd_event *event;
        EngineCallbacks cb;
        void *userdata;
        uint32_t node_id;
};

/* The local engine: one node, this one, always quorate. */
int engine_local_new(sd_event *event, uint32_t node_id, const EngineCallbacks *cb, void *userdata, Engine **ret);

static inline int engine_send(Engine *e, const json_t *msg) {
        return e->ops->send(e, msg);
}
static inline void engine_free(Engine *e) {
        if (e)
                e->ops->free(e);
}
