/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The corosync engine: many nodes. Corosync does the consensus; this file
 * only turns what it says into Wolfpack's views and ordered messages.
 *
 *   CPG (group "wolfpack", agreed order)  messages, and which nodes run wolfpackd
 *   libquorum (model v1)                  the quorum verdict, tagged with its ring id
 *   votequorum                            expected votes, for messages to people
 *   cmap (read once at start)             this node's id, every node's name, the
 *                                         totem token and consensus timeouts
 *
 * Each connection's fd is an io source on the daemon's loop, dispatched
 * with CS_DISPATCH_ALL when readable; nothing here ever blocks the loop.
 *
 * A view is (ring id, CPG members, quorate): ring-view.c keeps it, and
 * holds a new ring's messages until that ring's quorum verdict came (CPG
 * reports a ring change first, its messages next, and the verdict arrives
 * on its own fd later: by many messages under load, by seconds with a
 * quorum device).
 *
 * Sending never blocks: what is sent while one event is handled waits in
 * an outbox and goes as one multicast (several messages in one envelope)
 * right after it; a multicast corosync refuses for flow control
 * (CS_ERR_TRY_AGAIN) is queued, with everything sent after it, and retried
 * from a timer in order.
 */
#include <corosync/cmap.h>
#include <corosync/cpg.h>
#include <corosync/quorum.h>
#include <corosync/votequorum.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <time.h>

#include "cs-errno.h"
#include "engine.h"
#include "envelope.h"
#include "macro.h"
#include "props.h"
#include "ring-view.h"
#include "send-queue.h"

#define CPG_GROUP "wolfpack"
/* Node ids Wolfpack takes (the views and node-id in wolfpackd.conf). */
#define NODE_ID_MAX 32
/* What may wait for corosync's flow control before a new change is refused. */
#define OUT_MAX_BYTES (64u * 1024u * 1024u)
#define RETRY_USEC (10u * 1000u)

typedef struct NodeName {
        uint32_t id;
        char name[64];
} NodeName;

typedef struct CorosyncEngine {
        Engine e;
        uint64_t incarnation;
        cpg_handle_t cpg;
        quorum_handle_t quorum;
        votequorum_handle_t vq;
        bool have_cpg, have_quorum, have_vq, lost;
        sd_event_source *cpg_src, *quorum_src, *vq_src, *retry;

        RingView view;
        unsigned expected_votes;
        /* Sent since the loop last went idle: one multicast for them all. */
        json_t *outbox;
        size_t *outbox_sizes;  /* each one's JSON size, as measured when it was sent */
        size_t outbox_bytes, outbox_room;
        sd_event_source *flush;
        SendQueue out;
        NodeName names[64];
        unsigned n_names;
        bool quorum_device, two_node; /* quorum { device { } } and two_node: 1 in corosync.conf */
} CorosyncEngine;

#define elog(c, ...) engine_logf(&(c)->e, __VA_ARGS__)

/* ---- what corosync reports ---- */

static void on_cpg_confchg(cpg_handle_t h, const struct cpg_name *group, const struct cpg_address *members,
                           size_t n_members, const struct cpg_address *left, size_t n_left,
                           const struct cpg_address *joined, size_t n_joined) {
        CorosyncEngine *c = NULL;
        if (cpg_context_get(h, (void **) &c) != CS_OK || !c)
                return;
        for (size_t i = 0; i < n_left; i++)
                if (left[i].reason == CPG_REASON_NODEDOWN) {
                        ring_view_node_left(&c->view);
                        break;
                }
        uint32_t ids[CPG_MEMBERS_MAX];
        size_t n = 0;
        for (size_t i = 0; i < n_members && n < ELEMENTSOF(ids); i++)
                ids[n++] = members[i].nodeid;
        ring_view_members(&c->view, ids, n);
}

static void on_totem_confchg(cpg_handle_t h, struct cpg_ring_id ring, uint32_t n_members, const uint32_t *members) {
        CorosyncEngine *c = NULL;
        if (cpg_context_get(h, (void **) &c) != CS_OK || !c)
                return;
        if (ring_view_ring(&c->view, ring.nodeid, ring.seq))
                elog(c, "info", "RING_CHANGED", "ring %" PRIx32 ".%" PRIx64 " with %" PRIu32
                     " node(s), %u vote(s) expected%s", ring.nodeid, ring.seq, n_members, c->expected_votes,
                     ring_view_verdict_known(&c->view) ? "" : "; quorum not trusted until its verdict comes");
}

static void on_deliver(cpg_handle_t h, const struct cpg_name *group, uint32_t nodeid, uint32_t pid, void *data,
                       size_t len) {
        CorosyncEngine *c = NULL;
        if (cpg_context_get(h, (void **) &c) != CS_OK || !c)
                return;
        EnvelopeHeader hd;
        json_t *msgs = NULL;
        char err[256];
        int k = envelope_decode_all(data, len, nodeid, &hd, &msgs, err, sizeof(err));
        if (k < 0) {
                elog(c, "warning", "MESSAGE_INVALID", "%s (pid %" PRIu32 "); ignored", err, pid);
                return;
        }
        size_t i;
        json_t *m;
        json_array_foreach(msgs, i, m)
                ring_view_message(&c->view, json_incref(m));
        json_decref(msgs);
}

static void on_quorum(quorum_handle_t h, uint32_t quorate, struct quorum_ring_id ring, uint32_t n_members,
                      const uint32_t *members) {
        CorosyncEngine *c = NULL;
        if (quorum_context_get(h, (const void **) &c) != CS_OK || !c)
                return;
        ring_view_verdict(&c->view, quorate != 0, ring.nodeid, ring.seq);
}

static int read_nodelist(CorosyncEngine *c, char *err, size_t errlen);

/* corosync.conf was reloaded (corosync-cfgtool -R) with another nodelist:
 * the names and the node count follow; on a nodelist that cannot be read,
 * what was known stays. */
static void corosync_reload_nodes(Engine *e) {
        CorosyncEngine *c = (CorosyncEngine *) e;
        NodeName old[ELEMENTSOF(c->names)];
        unsigned n_old = c->n_names;
        memcpy(old, c->names, sizeof(old));
        c->n_names = 0;
        char err[256];
        if (read_nodelist(c, err, sizeof(err)) < 0) {
                memcpy(c->names, old, sizeof(old));
                c->n_names = n_old;
                elog(c, "warning", "NODELIST_UNREADABLE", "the nodelist corosync reloaded cannot be read (%s); "
                     "keeping the %u node(s) known", err, n_old);
                return;
        }
        if (c->n_names != n_old)
                elog(c, "notice", "NODELIST_CHANGED", "corosync's nodelist has %u node(s) now (%u before)", c->n_names,
                     n_old);
        ring_view_nodes(&c->view, c->n_names);
}

static void on_expected_votes(votequorum_handle_t h, uint64_t context, uint32_t expected) {
        CorosyncEngine *c = (CorosyncEngine *) (uintptr_t) context;
        if (!c)
                return;
        c->expected_votes = expected;
        /* A reload that adds or removes a node changes the expected votes. */
        corosync_reload_nodes(&c->e);
}

/* ---- the loop ---- */

/* Corosync went away: no view can be trusted any more. wolfpackd stays
 * up, serving reads, without quorum. */
static void lose(CorosyncEngine *c, const char *what, int error) {
        if (c->lost)
                return;
        c->lost = true;
        sd_event_source_set_enabled(c->cpg_src, SD_EVENT_OFF);
        sd_event_source_set_enabled(c->quorum_src, SD_EVENT_OFF);
        sd_event_source_set_enabled(c->vq_src, SD_EVENT_OFF);
        sd_event_source_set_enabled(c->retry, SD_EVENT_OFF);
        elog(c, "error", "ENGINE_LOST",
             "lost the connection to corosync (%s: %s); this node has no quorum until wolfpackd is restarted "
             "with corosync running",
             what, strerror(-error));
        if (c->out.n > 0)
                elog(c, "error", "MESSAGES_UNSENT", "%zu message(s) could not be sent", c->out.n);
        send_queue_done(&c->out);
        ring_view_lost(&c->view);
}

static int on_cpg_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        CorosyncEngine *c = userdata;
        cs_error_t r = cpg_dispatch(c->cpg, CS_DISPATCH_ALL);
        if (r != CS_OK && r != CS_ERR_TRY_AGAIN)
                lose(c, "CPG", cs_errno(r));
        return 0;
}

static int on_quorum_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        CorosyncEngine *c = userdata;
        cs_error_t r = quorum_dispatch(c->quorum, CS_DISPATCH_ALL);
        if (r != CS_OK && r != CS_ERR_TRY_AGAIN)
                lose(c, "quorum", cs_errno(r));
        return 0;
}

static int on_vq_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        CorosyncEngine *c = userdata;
        cs_error_t r = votequorum_dispatch(c->vq, CS_DISPATCH_ALL);
        if (r != CS_OK && r != CS_ERR_TRY_AGAIN)
                lose(c, "votequorum", cs_errno(r));
        return 0;
}

/* ---- sending ---- */

static void arm_retry(CorosyncEngine *c) {
        int on = SD_EVENT_OFF;
        /* Armed already: later sends must not push the retry back. */
        if (sd_event_source_get_enabled(c->retry, &on) >= 0 && on != SD_EVENT_OFF)
                return;
        uint64_t now = 0;
        (void) sd_event_now(c->e.event, CLOCK_MONOTONIC, &now);
        (void) sd_event_source_set_time(c->retry, now + RETRY_USEC);
        (void) sd_event_source_set_enabled(c->retry, SD_EVENT_ONESHOT);
}

/* The transport of the send queue: one agreed multicast. */
static int mcast(const void *buf, size_t len, void *userdata) {
        CorosyncEngine *c = userdata;
        struct iovec iov = { .iov_base = (void *) buf, .iov_len = len };
        return cs_errno(cpg_mcast_joined(c->cpg, CPG_TYPE_AGREED, &iov, 1));
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        CorosyncEngine *c = userdata;
        int k = send_queue_flush(&c->out);
        if (k > 0)
                arm_retry(c);
        else if (k < 0)
                lose(c, "multicast", k);
        return 0;
}

/* Room an envelope takes beyond its messages. */
#define ENVELOPE_OVERHEAD 256u
/* A batch is cut here, well below ENVELOPE_MAX. */
#define BATCH_BYTES (256u * 1024u)

static int push(CorosyncEngine *c, char *buf, size_t len) {
        int k = send_queue_push(&c->out, buf, len);
        if (k > 0)
                arm_retry(c); /* corosync's flow control: it and what follows wait */
        return k < 0 ? k : 0;
}

/* The outbox as multicasts: each message alone, or several in one
 * envelope up to BATCH_BYTES, in their order. */
static int on_flush(sd_event_source *s, void *userdata) {
        CorosyncEngine *c = userdata;
        EnvelopeHeader h = { .node = c->e.node_id, .incarnation = c->incarnation, .ring_node = c->view.ring_node,
                             .ring_seq = c->view.ring_seq };
        size_t n = json_array_size(c->outbox), i = 0;
        while (i < n && !c->lost) {
                size_t j = i, bytes = 0;
                while (j < n) {
                        size_t b = c->outbox_sizes[j] + 1;
                        if (j > i && bytes + b > BATCH_BYTES)
                                break;
                        bytes += b;
                        j++;
                }
                char err[256], *buf = NULL;
                size_t len = 0;
                int k;
                if (j == i + 1)
                        k = envelope_encode(&h, json_array_get(c->outbox, i), &buf, &len, err, sizeof(err));
                else {
                        json_t *batch = json_array();
                        for (size_t x = i; batch && x < j; x++)
                                json_array_append(batch, json_array_get(c->outbox, x));
                        k = batch ? envelope_encode_batch(&h, batch, &buf, &len, err, sizeof(err)) : -ENOMEM;
                        json_decref(batch);
                }
                if (k >= 0)
                        k = push(c, buf, len);
                if (k < 0)
                        elog(c, "error", "MESSAGES_UNSENT", "%zu message(s) could not be sent: %s", j - i,
                             k == -ENOBUFS ? "too many wait for corosync's flow control" : strerror(-k));
                i = j;
        }
        json_array_clear(c->outbox);
        c->outbox_bytes = 0;
        return 0;
}

static int corosync_send(Engine *e, const json_t *msg) {
        CorosyncEngine *c = (CorosyncEngine *) e;
        if (c->lost)
                return -ENOTCONN;
        if (!json_is_object(msg) || !json_is_string(json_object_get(msg, "type")))
                return -EINVAL;
        size_t bytes = json_dumpb(msg, NULL, 0, JSON_COMPACT);
        if (bytes + ENVELOPE_OVERHEAD > ENVELOPE_MAX) {
                /* Alone, after what waits before it; refused now, with the
                 * reason logged, when it is too large even so. */
                (void) on_flush(NULL, c);
                EnvelopeHeader h = { .node = e->node_id, .incarnation = c->incarnation, .ring_node = c->view.ring_node,
                                     .ring_seq = c->view.ring_seq };
                char *buf = NULL;
                size_t len = 0;
                int k = envelope_encode_outgoing(&h, msg, &buf, &len, e->cb.log, e->userdata);
                return k < 0 ? k : push(c, buf, len);
        }
        if (c->out.bytes + c->outbox_bytes + bytes > OUT_MAX_BYTES)
                return -ENOBUFS;
        size_t n = json_array_size(c->outbox);
        if (n >= c->outbox_room) {
                size_t room = c->outbox_room ? 2 * c->outbox_room : 64;
                size_t *sizes = realloc(c->outbox_sizes, room * sizeof(size_t));
                if (!sizes)
                        return -ENOMEM;
                c->outbox_sizes = sizes;
                c->outbox_room = room;
        }
        if (json_array_append(c->outbox, (json_t *) msg) < 0)
                return -ENOMEM;
        c->outbox_sizes[n] = bytes;
        c->outbox_bytes += bytes;
        (void) sd_event_source_set_enabled(c->flush, SD_EVENT_ONESHOT);
        return 0;
}

static const char *corosync_node_name(Engine *e, uint32_t id) {
        CorosyncEngine *c = (CorosyncEngine *) e;
        for (unsigned i = 0; i < c->n_names; i++)
                if (c->names[i].id == id)
                        return c->names[i].name;
        return NULL;
}

static void corosync_free(Engine *e) {
        CorosyncEngine *c = (CorosyncEngine *) e;
        /* What was sent last (a leaving node's releases) still goes out. */
        if (c->have_cpg && !c->lost && c->outbox) {
                (void) on_flush(NULL, c);
                (void) send_queue_flush(&c->out);
        }
        sd_event_source_disable_unref(c->cpg_src);
        sd_event_source_disable_unref(c->quorum_src);
        sd_event_source_disable_unref(c->vq_src);
        sd_event_source_disable_unref(c->retry);
        sd_event_source_disable_unref(c->flush);
        json_decref(c->outbox);
        free(c->outbox_sizes);
        if (c->have_cpg)
                cpg_finalize(c->cpg);
        if (c->have_quorum)
                quorum_finalize(c->quorum);
        if (c->have_vq)
                votequorum_finalize(c->vq);
        send_queue_done(&c->out);
        ring_view_done(&c->view);
        free(c);
}

static const EngineOps corosync_ops = {
        .name = "corosync", .send = corosync_send, .free = corosync_free, .node_name = corosync_node_name,
        .reload_nodes = corosync_reload_nodes,
};

/* ---- start ---- */

/* Every node's id and name from cmap's nodelist. */
static int read_nodelist(CorosyncEngine *c, char *err, size_t errlen) {
        cmap_handle_t cmap;
        cs_error_t r = cmap_initialize(&cmap);
        if (r != CS_OK) {
                snprintf(err, errlen,
                         "cannot reach corosync (cmap: %s): engine = corosync needs corosync running on this node",
                         strerror(-cs_errno(r)));
                return cs_errno(r);
        }
        int k = 0;
        for (unsigned i = 0; i < ELEMENTSOF(c->names); i++) {
                char key[64];
                uint32_t id;
                snprintf(key, sizeof(key), "nodelist.node.%u.nodeid", i);
                r = cmap_get_uint32(cmap, key, &id);
                if (r == CS_ERR_NOT_EXIST)
                        break;
                if (r != CS_OK) {
                        snprintf(err, errlen, "cannot read %s from corosync: %s", key, strerror(-cs_errno(r)));
                        k = cs_errno(r);
                        break;
                }
                char *name = NULL;
                snprintf(key, sizeof(key), "nodelist.node.%u.name", i);
                if (cmap_get_string(cmap, key, &name) != CS_OK) {
                        snprintf(key, sizeof(key), "nodelist.node.%u.ring0_addr", i);
                        (void) cmap_get_string(cmap, key, &name);
                }
                char e2[160];
                if (!name || name_validate("node name", name, e2, sizeof(e2)) < 0) {
                        snprintf(err, errlen, "corosync.conf: node %u of the nodelist (nodeid %" PRIu32 "): %s; "
                                 "give it a name: in its node { } block",
                                 i, id, name ? e2 : "no name");
                        free(name);
                        k = -EINVAL;
                        break;
                }
                c->names[c->n_names].id = id;
                snprintf(c->names[c->n_names].name, sizeof(c->names[c->n_names].name), "%s", name);
                c->n_names++;
                free(name);
        }
        /* The timings corosync runs with (after its own defaults and
         * adjustments for the node count). */
        uint32_t ms = 0;
        if (k >= 0 && cmap_get_uint32(cmap, "runtime.config.totem.token", &ms) == CS_OK)
                c->e.token_usec = (uint64_t) ms * 1000;
        if (k >= 0 && cmap_get_uint32(cmap, "runtime.config.totem.consensus", &ms) == CS_OK)
                c->e.consensus_usec = (uint64_t) ms * 1000;
        char *model = NULL;
        c->quorum_device = k >= 0 && cmap_get_string(cmap, "quorum.device.model", &model) == CS_OK && model;
        free(model);
        /* The device votes within its timeout (corosync-qdevice(8):
         * default 10 s) after a membership change. */
        uint32_t dt = 10000;
        if (c->quorum_device)
                (void) cmap_get_uint32(cmap, "quorum.device.timeout", &dt);
        c->e.verdict_usec = c->quorum_device ? (uint64_t) dt * 1000 : 0;
        uint8_t two = 0;
        c->two_node = k >= 0 && cmap_get_uint8(cmap, "quorum.two_node", &two) == CS_OK && two;
        char *cluster = NULL;
        if (k >= 0 && cmap_get_string(cmap, "totem.cluster_name", &cluster) == CS_OK && cluster)
                snprintf(c->e.cluster_name, sizeof(c->e.cluster_name), "%s", cluster);
        free(cluster);
        cmap_finalize(cmap);
        return k;
}

static int add_io(CorosyncEngine *c, cs_error_t r, int fd, const char *what, sd_event_source **src,
                  sd_event_io_handler_t handler, char *err, size_t errlen) {
        if (r != CS_OK) {
                snprintf(err, errlen, "cannot get corosync's %s descriptor: %s", what, strerror(-cs_errno(r)));
                return cs_errno(r);
        }
        int k = sd_event_add_io(c->e.event, src, fd, EPOLLIN, handler, c);
        if (k < 0)
                snprintf(err, errlen, "cannot watch corosync's %s descriptor: %s", what, strerror(-k));
        return k;
}

static int start(CorosyncEngine *c, char *err, size_t errlen) {
        int k = read_nodelist(c, err, errlen);
        if (k < 0)
                return k;
        if (c->n_names == 2 && !c->quorum_device) {
                /* Two votes: a split leaves each half one, no majority —
                 * unless two_node keeps both quorate, and both run
                 * everything. Neither is a cluster to trust. */
                snprintf(err, errlen,
                         "corosync.conf lists two nodes and no witness: when they lose each other, %s. Add a "
                         "witness, corosync-qnetd on a third host and corosync-qdevice on both nodes (`wolfpack "
                         "cluster init NAME --node ... --witness HOST` writes it, certificates included), or a "
                         "third node",
                         c->two_node ? "two_node keeps both halves quorate and each runs every group (split brain)"
                                     : "neither half has a majority and every group stops");
                return -EINVAL;
        }

        cpg_model_v1_data_t model = { .model = CPG_MODEL_V1, .cpg_deliver_fn = on_deliver,
                                      .cpg_confchg_fn = on_cpg_confchg, .cpg_totem_confchg_fn = on_totem_confchg,
                                      .flags = CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF };
        cs_error_t r = cpg_model_initialize(&c->cpg, CPG_MODEL_V1, (cpg_model_data_t *) &model, c);
        if (r != CS_OK) {
                snprintf(err, errlen, "cannot connect to corosync's CPG service: %s; is corosync running?",
                         strerror(-cs_errno(r)));
                return cs_errno(r);
        }
        c->have_cpg = true;
        unsigned int id = 0;
        if ((r = cpg_local_get(c->cpg, &id)) != CS_OK) {
                snprintf(err, errlen, "cannot ask corosync for this node's id: %s", strerror(-cs_errno(r)));
                return cs_errno(r);
        }
        if (id < 1 || id > NODE_ID_MAX) {
                snprintf(err, errlen, "corosync gives this node id %u; Wolfpack's node ids go from 1 to %d: set nodeid "
                         "in corosync.conf's nodelist", id, NODE_ID_MAX);
                return -ERANGE;
        }
        c->e.node_id = id;
        ring_view_nodes(&c->view, c->n_names);
        if (!corosync_node_name(&c->e, id)) {
                snprintf(err, errlen, "this node (id %u) is not in corosync.conf's nodelist; list every node there "
                         "with its nodeid and name", id);
                return -ENOENT;
        }

        uint32_t qtype = 0;
        quorum_model_v1_data_t qmodel = { .model = QUORUM_MODEL_V1, .quorum_notify_fn = on_quorum };
        r = quorum_model_initialize(&c->quorum, QUORUM_MODEL_V1, (quorum_model_data_t *) &qmodel, &qtype, c);
        if (r != CS_OK) {
                snprintf(err, errlen, "cannot connect to corosync's quorum service: %s", strerror(-cs_errno(r)));
                return cs_errno(r);
        }
        c->have_quorum = true;
        if (qtype != QUORUM_SET) {
                snprintf(err, errlen, "corosync has no quorum provider, so every partition would think itself "
                         "quorate; set quorum { provider: corosync_votequorum } in corosync.conf");
                return -EINVAL;
        }

        votequorum_callbacks_t vcb = { .votequorum_expectedvotes_notify_fn = on_expected_votes };
        if ((r = votequorum_initialize(&c->vq, &vcb)) != CS_OK) {
                snprintf(err, errlen, "cannot connect to corosync's votequorum service: %s", strerror(-cs_errno(r)));
                return cs_errno(r);
        }
        c->have_vq = true;
        struct votequorum_info info;
        if (votequorum_getinfo(c->vq, id, &info) == CS_OK)
                c->expected_votes = info.node_expected_votes;

        struct cpg_name group = { .length = sizeof(CPG_GROUP) - 1 };
        memcpy(group.value, CPG_GROUP, sizeof(CPG_GROUP) - 1);
        /* Corosync answers "try again" while it synchronises a new ring. */
        for (int i = 0; (r = cpg_join(c->cpg, &group)) == CS_ERR_TRY_AGAIN && i < 500; i++)
                nanosleep(&(struct timespec) { .tv_nsec = 10 * 1000 * 1000 }, NULL);
        if (r != CS_OK) {
                snprintf(err, errlen, "cannot join corosync's process group %s: %s", CPG_GROUP, strerror(-cs_errno(r)));
                return cs_errno(r);
        }
        if ((r = quorum_trackstart(c->quorum, CS_TRACK_CURRENT | CS_TRACK_CHANGES)) != CS_OK ||
            (r = votequorum_trackstart(c->vq, (uint64_t) (uintptr_t) c, CS_TRACK_CHANGES)) != CS_OK) {
                snprintf(err, errlen, "cannot follow corosync's quorum: %s", strerror(-cs_errno(r)));
                return cs_errno(r);
        }

        int fd = -1;
        r = cpg_fd_get(c->cpg, &fd);
        if ((k = add_io(c, r, fd, "CPG", &c->cpg_src, on_cpg_io, err, errlen)) < 0)
                return k;
        r = quorum_fd_get(c->quorum, &fd);
        if ((k = add_io(c, r, fd, "quorum", &c->quorum_src, on_quorum_io, err, errlen)) < 0)
                return k;
        r = votequorum_fd_get(c->vq, &fd);
        if ((k = add_io(c, r, fd, "votequorum", &c->vq_src, on_vq_io, err, errlen)) < 0)
                return k;
        k = sd_event_add_time(c->e.event, &c->retry, CLOCK_MONOTONIC, UINT64_MAX, 1000, on_retry, c);
        if (k < 0) {
                snprintf(err, errlen, "cannot set up the send timer: %s", strerror(-k));
                return k;
        }
        sd_event_source_set_enabled(c->retry, SD_EVENT_OFF);
        /* Sent once what the loop is handling now (the requests one call
         * of the HTTP server serves, a delivery) is done: those share
         * multicasts. Not at idle: a busy loop would never send. */
        k = sd_event_add_defer(c->e.event, &c->flush, on_flush, c);
        if (k < 0) {
                snprintf(err, errlen, "cannot set up sending: %s", strerror(-k));
                return k;
        }
        sd_event_source_set_enabled(c->flush, SD_EVENT_OFF);
        return 0;
}

int engine_corosync_new(sd_event *event, uint64_t incarnation, const EngineCallbacks *cb, void *userdata, Engine **ret,
                        char *err, size_t errlen) {
        CorosyncEngine *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->e = (Engine) { .ops = &corosync_ops, .event = event, .cb = *cb, .userdata = userdata };
        c->incarnation = incarnation;
        c->outbox = json_array();
        if (!c->outbox) {
                free(c);
                return -ENOMEM;
        }
        send_queue_init(&c->out, OUT_MAX_BYTES, mcast, c);
        ring_view_init(&c->view, cb, userdata, 0);
        int k = start(c, err, errlen);
        if (k < 0) {
                corosync_free(&c->e);
                return k;
        }
        *ret = &c->e;
        return 0;
}
