/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The local engine: a cluster of one. The view (this node alone, quorate) is
 * delivered from the loop once at start; every message sent is queued and
 * delivered from a deferred event, in the order sent, never from inside
 * send. Owns only its queue.
 */
#include <errno.h>
#include <stdlib.h>

#include "engine.h"

typedef struct Queued Queued;
struct Queued {
        json_t *msg;
        Queued *next;
};

typedef struct LocalEngine {
        Engine e;
        sd_event_source *defer;
        Queued *head, **tail;
        bool view_pending;
} LocalEngine;

static int on_defer(sd_event_source *s, void *userdata) {
        LocalEngine *l = userdata;
        if (l->view_pending) {
                l->view_pending = false;
                EngineView v = { .ring = 1, .members = { l->e.node_id }, .n_members = 1, .quorate = true };
                l->e.cb.view(&v, l->e.userdata);
        }
        /* Deliver what is queued now; messages sent while delivering wait
         * for the next round, as they would on a real ring. */
        Queued *batch = l->head;
        l->head = NULL;
        l->tail = &l->head;
        while (batch) {
                Queued *q = batch;
                batch = q->next;
                l->e.cb.deliver(q->msg, l->e.userdata);
                json_decref(q->msg);
                free(q);
        }
        sd_event_source_set_enabled(s, l->head ? SD_EVENT_ONESHOT : SD_EVENT_OFF);
        return 0;
}

static int local_send(Engine *e, const json_t *msg) {
        LocalEngine *l = (LocalEngine *) e;
        Queued *q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        /* A deep copy: the sender may change its object after sending. */
        q->msg = json_deep_copy(msg);
        if (!q->msg) {
                free(q);
                return -ENOMEM;
        }
        *l->tail = q;
        l->tail = &q->next;
        return sd_event_source_set_enabled(l->defer, SD_EVENT_ONESHOT);
}

static void local_free(Engine *e) {
        LocalEngine *l = (LocalEngine *) e;
        sd_event_source_disable_unref(l->defer);
        while (l->head) {
                Queued *q = l->head;
                l->head = q->next;
                json_decref(q->msg);
                free(q);
        }
        free(l);
}

static const EngineOps local_ops = { .name = "local", .send = local_send, .free = local_free };

int engine_local_new(sd_event *event, uint32_t node_id, const EngineCallbacks *cb, void *userdata, Engine **ret) {
        LocalEngine *l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->e = (Engine) { .ops = &local_ops, .event = event, .cb = *cb, .userdata = userdata, .node_id = node_id };
        l->tail = &l->head;
        l->view_pending = true;
        int k = sd_event_add_defer(event, &l->defer, on_defer, l);
        if (k < 0) {
                free(l);
                return k;
        }
        sd_event_source_set_enabled(l->defer, SD_EVENT_ONESHOT);
        *ret = &l->e;
        return 0;
}
