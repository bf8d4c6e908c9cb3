/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Changes as messages: a command fills in the members every message carries
 * (format version, origin node, incarnation, sequence, ring, the sender's
 * time), hands the message to the engine and waits until it comes back in
 * the ordered stream and has been applied here — then, and only then, the
 * caller hears whether it took. Owns the table of waiting commands.
 *
 * What the engine delivers together is applied in one transaction (a
 * batch, db.h), committed from the loop once the delivery is over: one
 * commit for many changes. A change is answered, and the failover manager
 * reacts to it, only once its batch is on disk, in the order of the
 * stream; a runtime message or a snapshot first commits what came before.
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
        /* Out of sync, this node refuses every change it delivers: one it
         * sent would take on the others and be refused here. */
        const char *type = json_string_value(json_object_get(msg, "type"));
        if (d->sync && sync_out_reason(d->sync) && type && strncmp(type, "rt.", 3) != 0) {
                json_decref(msg);
                return -ESTALE;
        }
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

/* A change applied in the open batch, waiting for its commit. */
typedef struct Applied {
        struct Applied *next;
        json_t *msg;
} Applied;

struct CommandBatch {
        Applied *first, **last;
        size_t n;
        sd_event_source *commit;
};

static int on_commit(sd_event_source *s, void *userdata) {
        command_flush(userdata);
        return 0;
}

/* Open the batch (and arrange its commit) if it is not: false when it
 * cannot be, and the change is then applied in a transaction of its own. */
static bool batch_open(Daemon *d) {
        CommandBatch *b = d->batch;
        if (!b) {
                b = d->batch = calloc(1, sizeof(*b));
                if (!b)
                        return false;
                b->last = &b->first;
                if (sd_event_add_defer(d->event, &b->commit, on_commit, d) < 0) {
                        d->batch = NULL;
                        free(b);
                        return false;
                }
                /* Once the delivery under way is over (not at idle: a busy
                 * loop would never commit, and nobody would be answered). */
                (void) sd_event_source_set_enabled(b->commit, SD_EVENT_OFF);
        }
        if (db_batch_open(d->db))
                return true;
        char err[256];
        if (db_batch_begin(d->db, err, sizeof(err)) < 0)
                return false;
        (void) sd_event_source_set_enabled(b->commit, SD_EVENT_ONESHOT);
        return true;
}

void command_flush(Daemon *d) {
        CommandBatch *b = d->batch;
        if (!b || !db_batch_open(d->db))
                return;
        (void) sd_event_source_set_enabled(b->commit, SD_EVENT_OFF);
        char err[512] = "";
        int k = db_batch_commit(d->db, err, sizeof(err));
        if (k < 0) {
                /* Applied by the others, lost here: this node's database no
                 * longer follows the stream. It must not go on as if. */
                clusterlog_printf(d->log, "error", "DB_COMMIT_FAILED", NULL, NULL,
                                  "%zu change(s) could not be written to the cluster database (%s); wolfpackd stops: "
                                  "free the space or fix the disk and start it again, it then takes the other nodes' "
                                  "database",
                                  b->n, err);
                sd_event_exit(d->event, EXIT_FAILURE);
        }
        Applied *a = b->first;
        b->first = NULL;
        b->last = &b->first;
        b->n = 0;
        while (a) {
                Applied *next = a->next;
                if (k >= 0)
                        fm_applied(d, a->msg);
                answer(d, a->msg, k, err);
                json_decref(a->msg);
                free(a);
                a = next;
        }
}

void command_batch_free(Daemon *d) {
        CommandBatch *b = d->batch;
        if (!b)
                return;
        /* Nobody is answered any more: the clients are gone with the API. */
        char err[512] = "";
        if (db_batch_commit(d->db, err, sizeof(err)) < 0)
                fprintf(stderr, "wolfpackd: %zu change(s) could not be written to the cluster database: %s\n", b->n,
                        err);
        while (b->first) {
                Applied *a = b->first;
                b->first = a->next;
                json_decref(a->msg);
                free(a);
        }
        sd_event_source_disable_unref(b->commit);
        free(b);
        d->batch = NULL;
}

/* What the event stream is told of a change applied: a node's object
 * (paused, named, evicted), for the consoles following it. And a revoked
 * token is refused from now on (its hash is gone); the event streams it
 * opened end now too. */
static void applied_events(Daemon *d, const json_t *msg) {
        const char *type = json_string_value(json_object_get(msg, "type"));
        if (!type)
                return;
        if (strcmp(type, "token.revoke") == 0) {
                char who[80];
                snprintf(who, sizeof(who), "token %s", json_string_value(json_object_get(msg, "name")));
                events_close_who(d, who);
        } else if (strcmp(type, "node.set") == 0 || strcmp(type, "node.delete") == 0) {
                json_int_t id = json_integer_value(json_object_get(msg, "id"));
                json_t *node = id > 0 && id <= NODE_ID_MAX ? rt_node_find(d, (uint32_t) id) : NULL;
                json_t *ev = json_pack("{s:s, s:s, s:I, s:o?, s:b}", "type", "object", "kind", "node", "id", id,
                                       "node", node, "deleted", node == NULL);
                if (ev)
                        events_emit(d, ev);
        }
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
        } else {
                bool batched = batch_open(d);
                k = db_apply(d->db, msg, err, sizeof(err));
                if (k >= 0)
                        applied_events(d, msg);
                Applied *a = k >= 0 && batched ? calloc(1, sizeof(*a)) : NULL;
                if (a) {
                        a->msg = json_incref((json_t *) msg);
                        *d->batch->last = a;
                        d->batch->last = &a->next;
                        d->batch->n++;
                        return;
                }
                /* No room to wait: what came before goes to disk first. */
                if (k >= 0 && batched)
                        command_flush(d);
        }
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
         * sender's wait ends with delivery. What the changes before it
         * did comes first. */
        command_flush(d);
        if (json_integer_value(json_object_get(msg, "v")) == 1)
                share_delivered(d, msg);
        answer(d, msg, 0, NULL);
}
