/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every node's cluster log, on any node, without a shared disk. GET /v1/log
 * asks the members of the view for their entries (rt.log.ask), waits for
 * their answers (rt.log.part, in parts that fit a message) or a short
 * timeout, and answers with every node's entries merged in time order and
 * the nodes whose entries are missing, with why. This node's own new
 * entries go to the other members (rt.log.new, a burst in one message), so
 * that every node's event stream carries every node's entries.
 *
 * Owns the requests waiting for answers and the entries waiting to be
 * relayed. Must never trust another node's message (clusterlog-merge.c
 * checks each; a bad one is logged and dropped) and never leave a gap
 * unsaid: a node that did not answer is named in the answer.
 *
 * Each node of a request, as the request sees it (the request is answered
 * once no node is asked and unanswered):
 *
 *   state      event                               action, next state
 *   -          this node                           its entries now; answered
 *   -          not in the view                     missing "not a member"
 *   -          a member                            asked (one rt.log.ask for all)
 *   asked      part n, n as due                    entries kept; asked, n + 1 due
 *   asked      last part, as due                   answered (truncated if more)
 *   asked      a part out of order                 missing "came with part ..."
 *   asked      a view without it                   missing "left the view"
 *   asked      2 s without a part from any member  missing "did not answer" or
 *                                                  "stopped ... before its end"
 *   answered   anything                            nothing
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clusterlog-merge.h"
#include "daemon.h"
#include "macro.h"
#include "time-util.h"

/* How long a member may stay silent while its answer is due: a
 * wolfpackd answers in milliseconds; a longer silence means it is
 * stopped or stuck. */
#define GATHER_TIMEOUT_USEC (2 * 1000 * 1000)
/* New entries wait this long for others to go with them. */
#define RELAY_DELAY_USEC (50 * 1000)

#define BIT(id) (UINT64_C(1) << (id))

struct LogGather {
        Daemon *d;
        uint64_t req;
        uint64_t asked, answered; /* bit id */
        json_t *got[NODE_ID_MAX + 1];     /* each node's entries */
        unsigned next_part[NODE_ID_MAX + 1];
        json_t *missing;                  /* [{node, id, why}] */
        json_t *truncated;                /* [{node, id}] */
        sd_event_source *timer;
        log_gather_fn done;
        void *userdata;
        struct LogGather *next;
};

static const char *jstr(const json_t *o, const char *k) {
        return json_string_value(json_object_get(o, k));
}

uint64_t log_known_nodes(Daemon *d) {
        uint64_t set = BIT(d->cfg.node_id);
        json_t *a = db_nodes(d->db);
        size_t i;
        json_t *o;
        json_array_foreach(a, i, o) {
                json_int_t id = json_integer_value(json_object_get(o, "id"));
                if (id >= 1 && id <= NODE_ID_MAX)
                        set |= BIT(id);
        }
        json_decref(a);
        for (uint32_t id = 1; id <= NODE_ID_MAX; id++)
                if (engine_node_name(d->engine, id) || share_in_view(d, id))
                        set |= BIT(id);
        return set;
}

static void note(json_t *list, Daemon *d, uint32_t id, const char *why) {
        json_t *o = json_pack("{s:s, s:I}", "node", node_name(d, id) ?: "unknown", "id", (json_int_t) id);
        if (o && why)
                json_object_set_new(o, "why", json_string(why));
        if (o)
                json_array_append_new(list, o);
}

static void missing(LogGather *g, uint32_t id, const char *why) {
        g->asked &= ~BIT(id);
        json_decref(g->got[id]);
        g->got[id] = NULL;
        note(g->missing, g->d, id, why);
}

static LogGather *gather_free(LogGather *g) {
        if (!g)
                return NULL;
        for (LogGather **p = &g->d->gathers; *p; p = &(*p)->next)
                if (*p == g) {
                        *p = g->next;
                        break;
                }
        sd_event_source_disable_unref(g->timer);
        for (unsigned i = 0; i <= NODE_ID_MAX; i++)
                json_decref(g->got[i]);
        json_decref(g->missing);
        json_decref(g->truncated);
        free(g);
        return NULL;
}

/* Every entry a copy with its node's name, for people. */
static json_t *named(Daemon *d, json_t *merged) {
        json_t *out = json_array();
        size_t i;
        json_t *e;
        json_array_foreach(merged, i, e) {
                json_t *c = json_copy(e);
                json_int_t id = json_integer_value(json_object_get(e, "node"));
                const char *name = id >= 1 && id <= NODE_ID_MAX ? node_name(d, (uint32_t) id) : NULL;
                if (c && name)
                        json_object_set_new(c, "node_name", json_string(name));
                if (!c || json_array_append_new(out, c) < 0) {
                        json_decref(out);
                        return NULL;
                }
        }
        return out;
}

static void finish(LogGather *g) {
        Daemon *d = g->d;
        json_t *lists[NODE_ID_MAX + 1];
        size_t n = 0;
        for (unsigned id = 1; id <= NODE_ID_MAX; id++)
                if (g->got[id] && (g->answered & BIT(id)))
                        lists[n++] = g->got[id];
        json_t *merged = clusterlog_merge(lists, n);
        json_t *entries = merged ? named(d, merged) : NULL;
        json_decref(merged);
        json_t *reply = entries ? json_pack("{s:o, s:O, s:O}", "entries", entries, "missing", g->missing, "truncated",
                                            g->truncated)
                                : NULL;
        log_gather_fn done = g->done;
        void *userdata = g->userdata;
        gather_free(g);
        done(d, reply, reply ? 0 : -ENOMEM, userdata);
}

static void maybe_finish(LogGather *g) {
        if ((g->asked & ~g->answered) == 0)
                finish(g);
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        LogGather *g = userdata;
        uint64_t late = g->asked & ~g->answered;
        for (uint32_t id = 1; id <= NODE_ID_MAX; id++)
                if (late & BIT(id))
                        missing(g, id, g->next_part[id] ? "its answer stopped for 2 s before its end"
                                                        : "did not answer within 2 s: its wolfpackd is stopped, stuck "
                                                          "or starved, or older than this one (no cluster log "
                                                          "across nodes), or the view is changing; try again");
        finish(g);
        return 0;
}

/* This node's entries, as it answers for itself. */
static int own_entries(Daemon *d, const char *since, unsigned limit, json_t **ret, bool *ret_more) {
        return clusterlog_query(d->log, since, limit, ret, ret_more);
}

int log_gather_start(Daemon *d, const char *since, uint64_t nodes, unsigned limit, log_gather_fn done,
                     void *userdata) {
        /* Each request has every member send its share over the ring:
         * many at once would fill the engine's send queues. */
        size_t n = 0;
        for (LogGather *o = d->gathers; o; o = o->next)
                n++;
        if (n >= LOG_GATHERS_MAX)
                return -EBUSY;
        LogGather *g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        g->d = d;
        g->req = ++d->gather_seq;
        g->done = done;
        g->userdata = userdata;
        g->missing = json_array();
        g->truncated = json_array();
        g->next = d->gathers;
        d->gathers = g;
        if (!g->missing || !g->truncated) {
                gather_free(g);
                return -ENOMEM;
        }
        uint32_t self = d->cfg.node_id;
        for (uint32_t id = 1; id <= NODE_ID_MAX; id++) {
                if (!(nodes & BIT(id)))
                        continue;
                if (id == self) {
                        bool more = false;
                        int k = own_entries(d, since, limit, &g->got[id], &more);
                        if (k < 0) {
                                gather_free(g);
                                return k;
                        }
                        g->answered |= BIT(id);
                        g->asked |= BIT(id);
                        if (more)
                                note(g->truncated, d, id, NULL);
                } else if (share_in_view(d, id))
                        g->asked |= BIT(id);
                else
                        missing(g, id, d->view.n_members == 0
                                               ? "this node is not connected to the other nodes (no view)"
                                               : "not a member of this view: its wolfpackd or corosync is not "
                                                 "running, or it is cut off from this node");
        }
        uint64_t others = g->asked & ~BIT(self);
        if (others) {
                json_t *m = clusterlog_ask_message(g->req, since, others, limit);
                int k = m ? command_send(d, m, NULL, NULL) : -ENOMEM;
                if (k >= 0)
                        k = sd_event_add_time_relative(d->event, &g->timer, CLOCK_MONOTONIC, GATHER_TIMEOUT_USEC,
                                                       10 * 1000, on_timeout, g);
                if (k < 0) {
                        char why[160];
                        snprintf(why, sizeof(why), "could not be asked: %s", strerror(-k));
                        for (uint32_t id = 1; id <= NODE_ID_MAX; id++)
                                if (others & BIT(id))
                                        missing(g, id, why);
                }
        }
        maybe_finish(g);
        return 0;
}

/* ---- messages from the members ---- */

/* A peer that keeps sending bad messages (another version, a bug) must
 * not flood every node's log and push out what matters
 * (clusterlog_limit). */
static void invalid(Daemon *d, uint32_t sender, const char *err) {
        unsigned before = 0;
        ClusterLogSay say = clusterlog_limit(&d->log_invalid[sender], now_monotonic_usec(), &before);
        if (say == CLUSTERLOG_SAY_NOTHING)
                return;
        char more[80] = "";
        if (before)
                snprintf(more, sizeof(more), " (and %u more from it before, not logged)", before);
        clusterlog_printf(d->log, "warning", "LOG_MESSAGE_INVALID", NULL, NULL, "message from %s dropped: %s%s%s",
                          node_name(d, sender) ?: "an unknown node", err, more,
                          say == CLUSTERLOG_SAY_LAST ? "; its further bad messages are dropped without a line for "
                                                       "a minute"
                                                     : "");
}

static void relay_flush(Daemon *d);

static void on_ask(Daemon *d, uint32_t sender, const json_t *msg) {
        ClusterLogAsk a;
        char err[256];
        if (clusterlog_ask_parse(msg, &a, err, sizeof(err)) < 0) {
                invalid(d, sender, err);
                return;
        }
        if (!(a.nodes & BIT(d->cfg.node_id)))
                return;
        /* The entries waiting to be relayed go first: the asker's event
         * stream then has them before the answer that holds them too, as
         * `wolfpack log --follow` expects (it subscribes, then asks). */
        relay_flush(d);
        json_t *own = NULL, *clean = NULL;
        bool more = false;
        /* Without its entries, no answer: the asker names this node as
         * silent rather than show a gap. */
        if (own_entries(d, a.since, a.limit, &own, &more) < 0 || !(clean = json_array())) {
                json_decref(own);
                return;
        }
        size_t i;
        json_t *e;
        /* In the shape the asker accepts (an entry a plug-in made oddly
         * is repaired, not dropped). */
        json_array_foreach(own, i, e) {
                json_t *c = clusterlog_entry_repair(e, d->cfg.node_id);
                if (c)
                        json_array_append_new(clean, c);
        }
        json_decref(own);
        /* The newest that fit: an answer must not fill the send queue. */
        size_t drop = clean ? clusterlog_oldest_over(clean, CLUSTERLOG_ANSWER_BYTES) : 0;
        if (drop > 0) {
                json_t *kept = json_array();
                for (size_t x = drop; kept && x < json_array_size(clean); x++)
                        json_array_append(kept, json_array_get(clean, x));
                json_decref(clean);
                clean = kept;
                more = true;
        }
        json_t *parts = clean ? clusterlog_part_messages(clean, sender, (uint64_t) json_integer_value(
                                                                                json_object_get(msg, "incarnation")),
                                                         a.req, more, CLUSTERLOG_PART_BYTES)
                              : NULL;
        json_decref(clean);
        json_t *p;
        json_array_foreach(parts, i, p)
                if (command_send(d, json_incref(p), NULL, NULL) < 0)
                        break;
        json_decref(parts);
}

static LogGather *gather_of(Daemon *d, uint64_t req) {
        for (LogGather *g = d->gathers; g; g = g->next)
                if (g->req == req)
                        return g;
        return NULL;
}

static void on_part(Daemon *d, uint32_t sender, const json_t *msg) {
        /* Parts for another node are none of this one's business. */
        json_int_t to = json_integer_value(json_object_get(msg, "to"));
        if (to != (json_int_t) d->cfg.node_id)
                return;
        ClusterLogPart p;
        char err[256];
        if (clusterlog_part_parse(msg, sender, &p, err, sizeof(err)) < 0) {
                invalid(d, sender, err);
                return;
        }
        LogGather *g = p.to_inc == d->incarnation ? gather_of(d, p.req) : NULL;
        /* Not asked, or no longer waited for (it came too late). */
        if (!g || sender > NODE_ID_MAX || !(g->asked & ~g->answered & BIT(sender))) {
                json_decref(p.entries);
                return;
        }
        if (p.part != g->next_part[sender]) {
                json_decref(p.entries);
                snprintf(err, sizeof(err), "its answer came with part %u where part %u was due; try again", p.part,
                         g->next_part[sender]);
                missing(g, sender, err);
                maybe_finish(g);
                return;
        }
        g->next_part[sender]++;
        /* A large answer takes as long as it takes: the wait is for
         * silence, not for the whole answer. */
        (void) sd_event_source_set_time_relative(g->timer, GATHER_TIMEOUT_USEC);
        if (!g->got[sender])
                g->got[sender] = json_array();
        if (!g->got[sender] || json_array_extend(g->got[sender], p.entries) < 0) {
                json_decref(p.entries);
                missing(g, sender, "out of memory on the asking node");
                maybe_finish(g);
                return;
        }
        json_decref(p.entries);
        if (p.last) {
                g->answered |= BIT(sender);
                if (p.more)
                        note(g->truncated, d, sender, NULL);
                maybe_finish(g);
        }
}

static void on_new(Daemon *d, uint32_t sender, const json_t *msg) {
        json_t *entries = NULL;
        char err[256];
        if (clusterlog_new_parse(msg, sender, &entries, err, sizeof(err)) < 0) {
                invalid(d, sender, err);
                return;
        }
        const char *name = node_name(d, sender);
        size_t i;
        json_t *e;
        json_array_foreach(entries, i, e) {
                json_t *ev = json_copy(e);
                if (!ev)
                        break;
                json_object_set_new(ev, "type", json_string("log"));
                if (name)
                        json_object_set_new(ev, "node_name", json_string(name));
                events_emit(d, ev);
        }
        json_decref(entries);
}

void log_gather_delivered(Daemon *d, const json_t *msg) {
        const char *type = jstr(msg, "type");
        json_int_t origin = json_integer_value(json_object_get(msg, "origin"));
        /* This node answers for itself without a message, and showed its
         * own new entries as it made them. */
        if (!type || origin < 1 || origin > NODE_ID_MAX || origin == (json_int_t) d->cfg.node_id)
                return;
        if (strcmp(type, "rt.log.ask") == 0)
                on_ask(d, (uint32_t) origin, msg);
        else if (strcmp(type, "rt.log.part") == 0)
                on_part(d, (uint32_t) origin, msg);
        else if (strcmp(type, "rt.log.new") == 0)
                on_new(d, (uint32_t) origin, msg);
}

void log_gather_view(Daemon *d) {
        for (LogGather *g = d->gathers, *next; g; g = next) {
                next = g->next;
                uint64_t late = g->asked & ~g->answered;
                for (uint32_t id = 1; id <= NODE_ID_MAX; id++)
                        if ((late & BIT(id)) && !share_in_view(d, id))
                                missing(g, id, "left the view before it answered");
                maybe_finish(g);
        }
}

/* ---- this node's new entries, to the others ---- */

static void relay_flush(Daemon *d) {
        json_t *entries = TAKE_PTR(d->relay);
        d->relay_bytes = 0;
        if (!entries || json_array_size(entries) == 0 || d->view.n_members < 2) {
                json_decref(entries);
                return;
        }
        json_t *m = json_pack("{s:s, s:o}", "type", "rt.log.new", "entries", entries);
        /* Not said in the log when it fails: that entry would be relayed
         * in its turn. Followers see the gap in GET /v1/log. */
        if (m)
                (void) command_send(d, m, NULL, NULL);
}

static int on_relay(sd_event_source *s, uint64_t usec, void *userdata) {
        relay_flush(userdata);
        return 0;
}

void log_gather_relay(Daemon *d, const json_t *entry) {
        if (!d->multi || d->relay_closed || d->view.n_members < 2)
                return;
        /* The engine's own trouble with sending: relaying it would feed it. */
        const char *code = jstr(entry, "code");
        if (code && (strcmp(code, "MESSAGES_UNSENT") == 0 || strcmp(code, "MESSAGE_TOO_LARGE") == 0))
                return;
        json_t *c = clusterlog_entry_repair(entry, d->cfg.node_id);
        if (!c)
                return;
        size_t bytes = json_dumpb(c, NULL, 0, JSON_COMPACT) + 1;
        if (d->relay && d->relay_bytes + bytes > CLUSTERLOG_PART_BYTES)
                relay_flush(d);
        if (!d->relay && !(d->relay = json_array())) {
                json_decref(c);
                return;
        }
        json_array_append_new(d->relay, c);
        d->relay_bytes += bytes;
        /* The first entry of a burst waits RELAY_DELAY_USEC, no more. */
        int on = SD_EVENT_OFF;
        if (d->relay_timer)
                (void) sd_event_source_get_enabled(d->relay_timer, &on);
        else if (sd_event_add_time_relative(d->event, &d->relay_timer, CLOCK_MONOTONIC, RELAY_DELAY_USEC, 10 * 1000,
                                            on_relay, d) < 0) {
                relay_flush(d);
                return;
        } else
                on = SD_EVENT_ONESHOT;
        if (on == SD_EVENT_OFF) {
                (void) sd_event_source_set_time_relative(d->relay_timer, RELAY_DELAY_USEC);
                (void) sd_event_source_set_enabled(d->relay_timer, SD_EVENT_ONESHOT);
        }
}

void log_gather_stop(Daemon *d) {
        while (d->gathers) {
                LogGather *g = d->gathers;
                log_gather_fn done = g->done;
                void *userdata = g->userdata;
                gather_free(g);
                done(d, NULL, -ECANCELED, userdata);
        }
        /* The last words of a node that stops (NODE_STOPPED) still go
         * out: the engine sends what it was given before it closes. */
        relay_flush(d);
        d->relay_closed = true;
        d->relay_timer = sd_event_source_disable_unref(d->relay_timer);
}
