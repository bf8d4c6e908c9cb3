/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Changes as messages: a command fills in the members every message carries
 * (format version, origin node, incarnation, sequence, ring, the sender's
 * time), hands the message to the engine and waits until it comes back in
 * the ordered stream and has been applied here — then, and only then, the
 * caller hears whether it took. Owns the table of waiting commands.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "macro.h"

typedef struct Waiter {
        char key[64];
        command_done_fn done;
        void *userdata;
} Waiter;

static void waiter_key(char *buf, size_t len, json_int_t origin, json_int_t incarnation, json_int_t seq) {
        snprintf(buf, len, "%lld:%lld:%lld", (long long) origin, (long long) incarnation, (long long) seq);
}

void command_stamp(Daemon *d, json_t *msg) {
        json_object_set_new(msg, "v", json_integer(1));
        json_object_set_new(msg, "origin", json_integer(d->cfg.node_id));
        json_object_set_new(msg, "incarnation", json_integer((json_int_t) d->incarnation));
}

int command_send(Daemon *d, json_t *msg, command_done_fn done, void *userdata) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        command_stamp(d, msg);
        json_object_set_new(msg, "seq", json_integer((json_int_t) ++d->seq));
        json_object_set_new(msg, "ring", json_integer((json_int_t) d->view.ring));
        json_object_set_new(msg, "time_ms", json_integer((json_int_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000));

        Waiter *w = NULL;
        if (done) {
                w = calloc(1, sizeof(*w));
                if (!w) {
                        json_decref(msg);
                        return -ENOMEM;
                }
                waiter_key(w->key, sizeof(w->key), d->cfg.node_id, (json_int_t) d->incarnation, (json_int_t) d->seq);
                w->done = done;
                w->userdata = userdata;
                if (hashmap_put(d->waiters, w->key, w) < 0) {
                        free(w);
                        json_decref(msg);
                        return -ENOMEM;
                }
        }
        int k = engine_send(d->engine, msg);
        json_decref(msg);
        if (k < 0 && w) {
                hashmap_remove(d->waiters, w->key);
                free(w);
        }
        return k;
}

/* Tell the waiter of msg, if it waits here, how it went. */
static void answer(Daemon *d, const json_t *msg, int error, const char *text) {
        char key[64];
        waiter_key(key, sizeof(key), json_integer_value(json_object_get(msg, "origin")),
                   json_integer_value(json_object_get(msg, "incarnation")), json_integer_value(json_object_get(msg, "seq")));
        Waiter *w = hashmap_remove(d->waiters, key);
        if (w) {
                w->done(d, error < 0 ? error : 0, error < 0 ? text : NULL, w->userdata);
                free(w);
        }
}

/* A refusal of this node's own message is logged, and one for lack of
 * quorum whoever sent it: this node's database then lacks what others may
 * have applied. */
static void log_refusal(Daemon *d, const json_t *msg, int error, const char *text) {
        json_int_t origin = json_integer_value(json_object_get(msg, "origin"));
        if (origin == d->cfg.node_id)
                clusterlog_printf(d->log, "warning", "MESSAGE_REFUSED", NULL, NULL, "%s refused: %s",
                                  json_string_value(json_object_get(msg, "type")), text);
        else if (error == -EPERM)
                clusterlog_printf(d->log, "warning", "MESSAGE_REFUSED", NULL, NULL, "%s from node %lld refused: %s",
                                  json_string_value(json_object_get(msg, "type")), (long long) origin, text);
}

void command_delivered(Daemon *d, const json_t *msg) {
        /* Through join and merge (sync.h): held while the members compare
         * their databases, then command_apply. */
        sync_message(d->sync, msg);
}

void command_apply(Daemon *d, const json_t *msg) {
        char err[512] = "";
        int k;
        if (json_integer_value(json_object_get(msg, "v")) != 1) {
                k = -EPROTO;
                snprintf(err, sizeof(err), "message format version %lld is not one this node understands",
                         (long long) json_integer_value(json_object_get(msg, "v")));
        } else if (!d->view.quorate) {
                k = -EPERM;
                rt_no_quorum_message(d, err, sizeof(err));
        } else
                k = db_apply(d->db, msg, err, sizeof(err));
        if (k < 0)
                log_refusal(d, msg, k, err);
        else
                fm_applied(d, msg);
        answer(d, msg, k, err);
}

void command_refuse(Daemon *d, const json_t *msg, int error, const char *text) {
        log_refusal(d, msg, error, text);
        answer(d, msg, error, text);
}

void command_runtime(Daemon *d, const json_t *msg) {
        /* Runtime state between nodes (share.c) changes no database; the
         * sender's wait ends with delivery. */
        if (json_integer_value(json_object_get(msg, "v")) == 1)
                share_delivered(d, msg);
        answer(d, msg, 0, NULL);
}
