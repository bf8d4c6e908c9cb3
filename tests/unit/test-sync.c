/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Join and merge (src/daemon/sync.c): members, each with a real cluster
 * database in a scratch directory, on a bus that delivers every message
 * to every member of the sender's partition in one order, with views
 * given at chosen points of the stream. Every branch: all equal, one
 * behind, several behind, the best node not the lowest id, ties, the
 * epoch before seq, offers of other rounds, a new view while comparing
 * and while a snapshot is on its way, malformed chunks and a refused or
 * failed snapshot, the bound on what is held, views without quorum, a
 * node alone, runtime reports passed through, a partition healed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "db.h"
#include "macro.h"
#include "sync.h"

#define N_MAX 4

typedef struct Net Net;

typedef struct Member {
        Net *net;
        uint32_t id;
        char path[128];
        Db *db;
        Sync *sync;
        int part;          /* the partition it is in; -1: its wolfpackd is down */
        bool quorate;      /* of its last view */
        bool fail_snapshot;
        char log[8192];    /* codes logged, each followed by a space */
        char last_log[1024];
        char refused[4096]; /* "<seq>:<errno> " of every change refused here */
        char last_refusal[1024];
        unsigned ready, runtime, applied, sent_chunks;
} Member;

typedef struct Queued {
        struct Queued *next;
        int part;
        json_t *msg;
} Queued;

struct Net {
        char dir[64];
        Member m[N_MAX];
        unsigned n;
        Queued *head, **tail;
        uint64_t ring, clock;
        json_int_t seq;
        size_t chunk_max;
        SyncLimits limits;
        unsigned n_nodes; /* the views' node list: 0 unknown */
};

static void append(char *buf, size_t len, const char *fmt, ...) {
        size_t n = strlen(buf);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf + n, len - n, fmt, ap);
        va_end(ap);
}

/* ---- the bus ---- */

static void queue(Net *net, int part, json_t *msg) {
        Queued *q = calloc(1, sizeof(*q));
        assert_non_null(q);
        q->part = part;
        q->msg = msg;
        *net->tail = q;
        net->tail = &q->next;
}

static const char *head_type(Net *net) {
        return net->head ? json_string_value(json_object_get(net->head->msg, "type")) : NULL;
}

/* Deliver the next message to every member of its partition. */
static bool step(Net *net) {
        Queued *q = net->head;
        if (!q)
                return false;
        net->head = q->next;
        if (!net->head)
                net->tail = &net->head;
        for (unsigned i = 0; i < net->n; i++)
                if (net->m[i].part == q->part)
                        sync_message(net->m[i].sync, q->msg);
        json_decref(q->msg);
        free(q);
        return true;
}

static void run(Net *net) {
        while (step(net))
                ;
}

/* Until the next message to deliver is of type (it is not delivered). */
static void run_until(Net *net, const char *type) {
        while (net->head && strcmp(head_type(net), type) != 0)
                step(net);
        assert_non_null(net->head);
}

/* The message queued last goes first: a change sent at this point of
 * the stream, ahead of what a callback queued before. */
static void last_to_front(Net *net) {
        Queued **p = &net->head;
        while ((*p)->next)
                p = &(*p)->next;
        Queued *q = *p;
        *p = NULL;
        net->tail = p;
        q->next = net->head;
        net->head = q;
}

/* The members of part, in a new ring (or the same one: ring 0). */
static void view(Net *net, int part, bool quorate, uint64_t ring) {
        if (!ring)
                ring = ++net->ring;
        EngineView v = { .ring = ring, .ring_node = 1, .quorate = quorate, .n_nodes = net->n_nodes };
        for (unsigned i = 0; i < net->n; i++)
                if (net->m[i].part == part)
                        v.members[v.n_members++] = net->m[i].id;
        for (unsigned i = 0; i < net->n; i++)
                if (net->m[i].part == part) {
                        net->m[i].quorate = quorate;
                        sync_view(net->m[i].sync, &v);
                }
}

/* A change sent by member from: a message as commands.c makes it. */
static json_int_t change(Net *net, Member *from, const char *fmt, ...) {
        char text[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof text, fmt, ap);
        va_end(ap);
        json_t *m = json_loads(text, 0, NULL);
        assert_non_null(m);
        json_int_t seq = ++net->seq;
        json_object_set_new(m, "origin", json_integer(from->id));
        json_object_set_new(m, "seq", json_integer(seq));
        json_object_set_new(m, "time_ms", json_integer(1000 + seq));
        queue(net, from->part, m);
        return seq;
}

static json_int_t group_change(Net *net, Member *from, const char *name) {
        return change(net, from, "{\"type\":\"group.create\",\"id\":\"id-%s\",\"name\":\"%s\"}", name, name);
}

/* Applied straight to a member's database, as if it had been in an
 * earlier view that others were not in. */
static void seed(Member *m, const char *name) {
        char err[256] = "";
        json_t *msg = json_pack("{s:s, s:s, s:s, s:I}", "type", "group.create", "id", name, "name", name, "time_ms",
                                (json_int_t) 7);
        if (db_apply(m->db, msg, err, sizeof err) < 0)
                fail_msg("seed %s: %s", name, err);
        json_decref(msg);
}

static void seed_epoch(Member *m, uint64_t epoch) {
        char err[256] = "";
        assert_int_equal(db_set_epoch(m->db, epoch, err, sizeof err), 0);
}

/* ---- the callbacks: the member's database, the bus ---- */

static SyncVersion cb_version(void *userdata) {
        Member *m = userdata;
        DbVersion v = db_version_get(m->db);
        return (SyncVersion) { v.epoch, v.seq };
}

static int cb_set_epoch(uint64_t epoch, char *err, size_t errlen, void *userdata) {
        Member *m = userdata;
        return db_set_epoch(m->db, epoch, err, errlen);
}

static int cb_snapshot(json_t **ret, SyncVersion *ret_v, char *err, size_t errlen, void *userdata) {
        Member *m = userdata;
        if (m->fail_snapshot) {
                snprintf(err, errlen, "the disk is on fire");
                return -EIO;
        }
        DbVersion v;
        int k = db_snapshot(m->db, m->net->chunk_max, ret, &v, err, errlen);
        *ret_v = (SyncVersion) { v.epoch, v.seq };
        return k;
}

static int cb_install(const json_t *chunks, SyncVersion v, char *err, size_t errlen, void *userdata) {
        Member *m = userdata;
        return db_snapshot_install(m->db, chunks, (DbVersion) { v.epoch, v.seq }, err, errlen);
}

static int cb_send(json_t *msg, void *userdata) {
        Member *m = userdata;
        json_object_set_new(msg, "origin", json_integer(m->id));
        if (strcmp(json_string_value(json_object_get(msg, "type")), "sync.snapshot") == 0)
                m->sent_chunks++;
        queue(m->net, m->part, msg);
        return 0;
}

static void cb_apply(const json_t *msg, void *userdata) {
        Member *m = userdata;
        char err[512] = "";
        /* wolfpackd refuses a change without quorum (command_apply). */
        if (!m->quorate) {
                append(m->refused, sizeof m->refused, "%lld:%d ", (long long) json_integer_value(json_object_get(msg, "seq")),
                       EPERM);
                return;
        }
        if (db_apply(m->db, msg, err, sizeof err) >= 0)
                m->applied++;
}

static void cb_refuse(const json_t *msg, int error, const char *text, void *userdata) {
        Member *m = userdata;
        append(m->refused, sizeof m->refused, "%lld:%d ", (long long) json_integer_value(json_object_get(msg, "seq")),
               -error);
        snprintf(m->last_refusal, sizeof m->last_refusal, "%s", text);
}

static void cb_runtime(const json_t *msg, void *userdata) {
        Member *m = userdata;
        m->runtime++;
}

static void cb_ready(void *userdata) {
        Member *m = userdata;
        m->ready++;
        assert_true(sync_ready(m->sync));
}

static void cb_log(const char *level, const char *code, const char *text, void *userdata) {
        Member *m = userdata;
        append(m->log, sizeof m->log, "%s ", code);
        snprintf(m->last_log, sizeof m->last_log, "%s", text);
        print_message("n%u %s %s: %s\n", m->id, level, code, text);
}

static const char *cb_node_name(uint32_t id, void *userdata) {
        static const char *const names[] = { "n0", "n1", "n2", "n3", "n4" };
        return id < ELEMENTSOF(names) ? names[id] : NULL;
}

static uint64_t cb_now(void *userdata) {
        Member *m = userdata;
        return m->net->clock += 1000;
}

static const SyncCallbacks CB = {
        .version = cb_version, .set_epoch = cb_set_epoch, .snapshot = cb_snapshot, .install = cb_install,
        .send = cb_send,       .apply = cb_apply,         .refuse = cb_refuse,     .runtime = cb_runtime,
        .ready = cb_ready,     .log = cb_log,             .node_name = cb_node_name, .now_usec = cb_now,
};

/* ---- set-up ---- */

static Net *net_new(unsigned n, const SyncLimits *limits) {
        Net *net = calloc(1, sizeof(*net));
        assert_non_null(net);
        snprintf(net->dir, sizeof net->dir, "/tmp/wptest-sync-XXXXXX");
        assert_non_null(mkdtemp(net->dir));
        net->n = n;
        net->tail = &net->head;
        net->chunk_max = 200;
        for (unsigned i = 0; i < n; i++) {
                Member *m = &net->m[i];
                m->net = net;
                m->id = i + 1;
                snprintf(m->path, sizeof m->path, "%s/n%u.db", net->dir, m->id);
                char err[512] = "";
                if (db_open(m->path, &m->db, err, sizeof err) < 0)
                        fail_msg("db_open: %s", err);
                assert_int_equal(sync_new(&CB, m, m->id, limits, &m->sync), 0);
        }
        return net;
}

static void net_free(Net *net) {
        while (net->head) {
                Queued *q = net->head;
                net->head = q->next;
                json_decref(q->msg);
                free(q);
        }
        for (unsigned i = 0; i < net->n; i++) {
                sync_free(net->m[i].sync);
                db_free(net->m[i].db);
        }
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", net->dir);
        assert_int_equal(system(cmd), 0);
        free(net);
}

/* The whole database as its snapshot's text. */
static char *dump(Member *m) {
        json_t *chunks = NULL;
        DbVersion v;
        char err[256] = "";
        if (db_snapshot(m->db, 1u << 30, &chunks, &v, err, sizeof err) < 0)
                fail_msg("dump: %s", err);
        char *s = strdup(json_string_value(json_array_get(chunks, 0)));
        json_decref(chunks);
        return s;
}

static void assert_same(Net *net, unsigned a, unsigned b) {
        _cleanup_free_ char *x = dump(&net->m[a]), *y = dump(&net->m[b]);
        if (strcmp(x, y) != 0)
                fail_msg("n%u and n%u differ:\n%s\n%s", a + 1, b + 1, x, y);
}

static void assert_version(Member *m, uint64_t epoch, uint64_t seq) {
        DbVersion v = db_version_get(m->db);
        if (v.epoch != epoch || v.seq != seq)
                fail_msg("n%u: version (%llu, %llu), want (%llu, %llu)", m->id, (unsigned long long) v.epoch,
                         (unsigned long long) v.seq, (unsigned long long) epoch, (unsigned long long) seq);
}

/* A group made by group_change (id "id-<name>") or seed (id <name>). */
static bool has_group(Member *m, const char *name) {
        char id[80];
        snprintf(id, sizeof id, "id-%s", name);
        json_t *g = db_group(m->db, id);
        if (!g)
                g = db_group(m->db, name);
        bool found = g != NULL;
        json_decref(g);
        return found;
}

#define assert_logged(m, code) assert_non_null(strstr((m)->log, code " "))
#define assert_not_logged(m, code) assert_null(strstr((m)->log, code " "))

/* ---- the tests ---- */

/* Equal databases: decided when the last offer is delivered, no snapshot;
 * a change delivered before is held until then, then applied everywhere. */
static void test_all_equal(void **state) {
        Net *net = net_new(3, NULL);
        json_int_t c = group_change(net, &net->m[0], "early");
        view(net, 0, true, 0);
        for (unsigned i = 0; i < 3; i++) {
                assert_false(sync_ready(net->m[i].sync));
                assert_string_equal(sync_state(net->m[i].sync), "comparing");
        }
        step(net); /* the change: held */
        for (unsigned i = 0; i < 3; i++)
                assert_false(has_group(&net->m[i], "early"));
        run(net);
        for (unsigned i = 0; i < 3; i++) {
                Member *m = &net->m[i];
                assert_true(sync_ready(m->sync));
                assert_int_equal(m->ready, 1);
                assert_logged(m, "SYNC_DECIDED");
                assert_not_logged(m, "SYNC_SNAPSHOT_SENT");
                assert_int_equal(m->sent_chunks, 0);
                assert_true(has_group(m, "early"));
                assert_version(m, 1, 1);
                assert_string_equal(m->refused, "");
        }
        assert_non_null(strstr(net->m[2].last_log, "n1 has the most recent database"));
        assert_non_null(strstr(net->m[2].last_log, "no member is behind"));
        (void) c;
        /* The same view again is the same round: nothing happens. */
        view(net, 0, true, net->ring);
        assert_null(net->head);
        assert_true(sync_ready(net->m[0].sync));
        assert_same(net, 0, 1);
        assert_same(net, 0, 2);
        net_free(net);
}

/* n3's wolfpackd starts again in the same ring with an empty database:
 * n1 (the lowest of two equal) sends the snapshot; a change delivered
 * after the decision is applied by n1 and n2 at once and by n3 after it
 * installed, another one during the snapshot too. */
static void test_one_behind(void **state) {
        Net *net = net_new(3, NULL);
        Member *n1 = &net->m[0], *n2 = &net->m[1], *n3 = &net->m[2];
        n3->part = -1;
        view(net, 0, true, 0);
        run(net);
        for (int i = 0; i < 12; i++) {
                char name[32];
                snprintf(name, sizeof name, "g%02d", i);
                group_change(net, i % 2 ? n2 : n1, name);
        }
        run(net);
        assert_version(n1, 1, 12);
        assert_version(n3, 0, 0);

        n3->part = 0;
        view(net, 0, true, net->ring); /* a process joins: same ring, new members */
        run_until(net, "sync.offer");
        step(net);
        step(net);
        step(net); /* decided: n1's chunks are queued now */
        assert_logged(n1, "SYNC_SNAPSHOT_SENT");
        assert_not_logged(n2, "SYNC_SNAPSHOT_SENT");
        assert_true(n1->sent_chunks > 3);
        assert_int_equal(n2->sent_chunks, 0);
        assert_string_equal(sync_state(n3->sync), "behind");
        assert_true(sync_ready(n1->sync) && sync_ready(n2->sync));
        /* After the decision, before every chunk: held by n3 only. */
        step(net);
        group_change(net, n2, "during");
        last_to_front(net);
        step(net);
        assert_true(has_group(n1, "during") && has_group(n2, "during"));
        assert_false(has_group(n3, "during"));
        assert_false(sync_ready(n3->sync));
        run(net);
        assert_logged(n3, "SYNC_INSTALLED");
        assert_true(sync_ready(n3->sync));
        assert_int_equal(n3->ready, 1);
        assert_true(has_group(n3, "during") && has_group(n3, "g11"));
        assert_version(n1, 2, 13);
        assert_same(net, 0, 1);
        assert_same(net, 0, 2);
        /* Ready for changes like the others. */
        group_change(net, n3, "after");
        run(net);
        assert_same(net, 0, 2);
        assert_version(n3, 2, 14);
        assert_string_equal(n3->refused, "");
        net_free(net);
}

/* n2 ahead of n1 and n3: the best is not the lowest id, both behind
 * install, n2 alone sends. */
static void test_several_behind(void **state) {
        Net *net = net_new(3, NULL);
        seed(&net->m[1], "only-on-n2");
        seed(&net->m[1], "also-on-n2");
        seed(&net->m[0], "stale-on-n1");
        view(net, 0, true, 0);
        run(net);
        assert_non_null(strstr(net->m[0].log, "SYNC_DECIDED"));
        assert_int_equal(net->m[0].sent_chunks, 0);
        assert_true(net->m[1].sent_chunks > 0);
        assert_int_equal(net->m[2].sent_chunks, 0);
        assert_logged(&net->m[0], "SYNC_INSTALLED");
        assert_logged(&net->m[2], "SYNC_INSTALLED");
        assert_not_logged(&net->m[1], "SYNC_INSTALLED");
        assert_false(has_group(&net->m[0], "stale-on-n1"));
        assert_true(has_group(&net->m[2], "only-on-n2"));
        for (unsigned i = 0; i < 3; i++)
                assert_version(&net->m[i], 1, 2);
        assert_same(net, 0, 1);
        assert_same(net, 1, 2);
        net_free(net);
}

/* Ties go to the lowest id (n2 of n2 and n3), and the epoch counts before
 * seq: n1 with epoch 3 and one change beats n2, n3 with 10 changes. */
static void test_ties_and_epochs(void **state) {
        Net *net = net_new(3, NULL);
        for (unsigned i = 1; i < 3; i++)
                seed(&net->m[i], "same");
        view(net, 0, true, 0);
        run(net);
        assert_true(net->m[1].sent_chunks > 0);
        assert_int_equal(net->m[2].sent_chunks, 0);
        assert_non_null(strstr(net->m[0].last_log, "installed the database from n2"));
        assert_same(net, 0, 2);
        net_free(net);

        net = net_new(3, NULL);
        seed_epoch(&net->m[0], 3);
        seed(&net->m[0], "newer");
        for (unsigned i = 1; i < 3; i++) {
                for (int k = 0; k < 10; k++) {
                        char name[16];
                        snprintf(name, sizeof name, "old%d", k);
                        seed(&net->m[i], name);
                }
        }
        view(net, 0, true, 0);
        run(net);
        assert_true(net->m[0].sent_chunks > 0);
        for (unsigned i = 0; i < 3; i++) {
                assert_version(&net->m[i], 4, 1);
                assert_true(has_group(&net->m[i], "newer"));
                assert_false(has_group(&net->m[i], "old0"));
        }
        net_free(net);
}

static json_t *offer(uint32_t origin, uint64_t ring, const char *members, const char *epoch) {
        char text[256];
        snprintf(text, sizeof text,
                 "{\"type\":\"sync.offer\",\"origin\":%u,\"ring\":[1,%llu],\"members\":%s,\"epoch\":%s,\"seq\":99}", origin,
                 (unsigned long long) ring, members, epoch);
        json_t *m = json_loads(text, 0, NULL);
        assert_non_null(m);
        return m;
}

/* Offers of other rounds (another ring, other members), a second offer
 * from a member, and one without a valid version count for nothing. */
static void test_offers_from_other_rounds(void **state) {
        Net *net = net_new(3, NULL);
        view(net, 0, true, 0);
        uint64_t ring = net->ring;
        /* Ahead of the real offers in the stream. */
        queue(net, 0, offer(4, ring, "[1,2,3]", "50"));
        last_to_front(net);
        queue(net, 0, offer(2, ring, "[1,2,3]", "\"new\""));
        last_to_front(net);
        queue(net, 0, offer(3, ring, "[1,3]", "50"));
        last_to_front(net);
        queue(net, 0, offer(3, ring + 100, "[1,2,3]", "50"));
        last_to_front(net);
        /* n1's own offer again after the real ones: late, ignored. */
        queue(net, 0, offer(1, ring, "[1,2,3]", "70"));
        run(net);
        for (unsigned i = 0; i < 3; i++) {
                assert_true(sync_ready(net->m[i].sync));
                assert_version(&net->m[i], 1, 0);
                assert_int_equal(net->m[i].sent_chunks, 0);
                assert_logged(&net->m[i], "SYNC_INVALID");
        }
        assert_non_null(strstr(net->m[1].log, "SYNC_DECIDED"));
        net_free(net);
}

/* The membership changes before every offer came: what was held is
 * refused on every member (its sender told to send it again), and the
 * next round starts; the old round's offers are ignored in it. */
static void test_new_view_while_comparing(void **state) {
        Net *net = net_new(3, NULL);
        json_int_t c = group_change(net, &net->m[0], "lost");
        view(net, 0, true, 0);
        step(net); /* held */
        step(net); /* n1's offer */
        net->m[2].part = -1;
        view(net, 0, true, 0);
        for (unsigned i = 0; i < 2; i++) {
                char want[32];
                snprintf(want, sizeof want, "%lld:%d ", (long long) c, EBUSY);
                assert_string_equal(net->m[i].refused, want);
                assert_non_null(strstr(net->m[i].last_refusal, "the membership changed"));
                assert_non_null(strstr(net->m[i].last_refusal, "send it again"));
                assert_logged(&net->m[i], "SYNC_RESTARTED");
        }
        run(net);
        for (unsigned i = 0; i < 2; i++) {
                assert_true(sync_ready(net->m[i].sync));
                assert_false(has_group(&net->m[i], "lost"));
                assert_int_equal(net->m[i].ready, 1);
        }
        assert_same(net, 0, 1);
        net_free(net);
}

/* n3 behind; a new ring comes after the first chunks: n3 refuses what it
 * held (n1, n2 applied it), the old round's remaining chunks are ignored,
 * and the next round brings n3 up to date after all. */
static void test_new_view_while_snapshot_on_its_way(void **state) {
        Net *net = net_new(3, NULL);
        for (int i = 0; i < 6; i++) {
                char name[16];
                snprintf(name, sizeof name, "base%d", i);
                seed(&net->m[0], name);
                seed(&net->m[1], name);
        }
        view(net, 0, true, 0);
        run_until(net, "sync.snapshot");
        step(net);
        json_int_t c = group_change(net, &net->m[1], "mid");
        last_to_front(net);
        step(net);
        assert_true(has_group(&net->m[0], "mid"));
        assert_false(has_group(&net->m[2], "mid"));
        view(net, 0, true, 0);
        char want[32];
        snprintf(want, sizeof want, "%lld:%d ", (long long) c, EBUSY);
        assert_string_equal(net->m[2].refused, want);
        assert_string_equal(net->m[0].refused, "");
        run(net);
        assert_true(sync_ready(net->m[2].sync));
        assert_true(has_group(&net->m[2], "mid"));
        assert_int_equal(net->m[2].ready, 1);
        assert_same(net, 0, 2);
        assert_same(net, 1, 2);
        net_free(net);
}

typedef void (*spoil_fn)(json_t *chunk);

static void spoil_index(json_t *c) {
        json_object_set_new(c, "index", json_integer(5));
}
static void spoil_data(json_t *c) {
        json_object_set_new(c, "data", json_string("}}}{"));
}
static void spoil_version(json_t *c) {
        json_object_set_new(c, "seq", json_integer(1));
}
static void spoil_count(json_t *c) {
        json_object_set_new(c, "count", json_integer(SYNC_CHUNKS_MAX + 1));
}
static void spoil_type(json_t *c) {
        json_object_set_new(c, "data", json_integer(4));
}

/* A chunk malformed in each way, or text that does not install: n3 is
 * out of sync, says why, refuses changes (others apply them); a chunk
 * from a node other than the best is ignored; the next round heals. */
static void test_malformed_chunk(void **state) {
        static const struct {
                spoil_fn fn;
                const char *why;
        } cases[] = {
                { spoil_index, "chunk 5 came where chunk 1 was due" },
                { spoil_data, "the snapshot is malformed: not JSON" },
                { spoil_version, "holds version (1, 1), not (1, 4)" },
                { spoil_count, "says 8193 chunks" },
                { spoil_type, "lacks its index, count, version or data" },
        };
        for (size_t k = 0; k < ELEMENTSOF(cases); k++) {
                Net *net = net_new(3, NULL);
                for (int i = 0; i < 4; i++) {
                        char name[16];
                        snprintf(name, sizeof name, "base%d", i);
                        seed(&net->m[0], name);
                        seed(&net->m[1], name);
                }
                json_int_t held = group_change(net, &net->m[0], "held");
                view(net, 0, true, 0);
                run_until(net, "sync.snapshot");
                /* A chunk from n2, not the best: ignored. */
                json_t *fake = json_deep_copy(net->head->msg);
                json_object_set_new(fake, "origin", json_integer(2));
                json_object_set_new(fake, "data", json_string("garbage"));
                queue(net, 0, fake);
                last_to_front(net);
                step(net);
                assert_string_equal(sync_state(net->m[2].sync), "behind");
                step(net); /* chunk 0 */
                cases[k].fn(net->head->msg);
                /* The text is checked as a whole, at the last chunk. */
                while (net->head && !strstr(net->m[2].log, "SYNC_OUT"))
                        step(net);
                Member *n3 = &net->m[2];
                assert_logged(n3, "SYNC_OUT");
                if (!strstr(n3->last_log, cases[k].why))
                        fail_msg("case %zu: \"%s\", want \"%s\"", k, n3->last_log, cases[k].why);
                assert_string_equal(sync_state(n3->sync), "out of sync");
                assert_false(sync_ready(n3->sync));
                char want[32];
                snprintf(want, sizeof want, "%lld:%d ", (long long) held, ESTALE);
                assert_string_equal(n3->refused, want);
                run(net);
                json_int_t later = group_change(net, &net->m[1], "later");
                run(net);
                assert_true(has_group(&net->m[0], "later"));
                assert_false(has_group(n3, "later"));
                snprintf(want, sizeof want, "%lld:%d ", (long long) later, ESTALE);
                assert_non_null(strstr(n3->refused, want));
                assert_non_null(strstr(n3->last_refusal, "not in sync with the cluster"));
                assert_same(net, 0, 1);
                /* The others are in sync and complete: no bound applies. */
                assert_true(sync_ready(net->m[0].sync));
                view(net, 0, true, 0);
                run(net);
                assert_true(sync_ready(n3->sync));
                assert_same(net, 0, 2);
                net_free(net);
        }
}

/* The best node cannot take its snapshot: it says so (sync.failed), and
 * the members behind are out of sync with that reason. */
static void test_snapshot_failed(void **state) {
        Net *net = net_new(3, NULL);
        seed(&net->m[0], "only-n1");
        net->m[0].fail_snapshot = true;
        view(net, 0, true, 0);
        run(net);
        assert_logged(&net->m[0], "SYNC_SNAPSHOT_FAILED");
        for (unsigned i = 1; i < 3; i++) {
                assert_logged(&net->m[i], "SYNC_OUT");
                assert_non_null(strstr(net->m[i].last_log, "the disk is on fire"));
        }
        assert_true(sync_ready(net->m[0].sync));
        net_free(net);
}

/* Bound 3: of five changes held while comparing, the last two are refused
 * on every member alike; while a snapshot is on its way the count goes on
 * and the members in sync refuse past it too. */
static void test_hold_bound(void **state) {
        SyncLimits lim = { 3, 1 << 20 };
        Net *net = net_new(3, &lim);
        json_int_t c[5];
        for (int i = 0; i < 5; i++) {
                char name[16];
                snprintf(name, sizeof name, "c%d", i);
                c[i] = group_change(net, &net->m[i % 3], name);
        }
        view(net, 0, true, 0);
        run(net);
        char want[64];
        snprintf(want, sizeof want, "%lld:%d %lld:%d ", (long long) c[3], EBUSY, (long long) c[4], EBUSY);
        for (unsigned i = 0; i < 3; i++) {
                assert_string_equal(net->m[i].refused, want);
                assert_logged(&net->m[i], "SYNC_HOLD_FULL");
                assert_true(has_group(&net->m[i], "c2"));
                assert_false(has_group(&net->m[i], "c3"));
        }
        assert_non_null(strstr(net->m[0].last_refusal, "send it again"));
        assert_same(net, 0, 2);
        /* Complete, the round holds no more: no bound. */
        for (int i = 0; i < 5; i++)
                group_change(net, &net->m[0], i == 0 ? "d0" : i == 1 ? "d1" : i == 2 ? "d2" : i == 3 ? "d3" : "d4");
        run(net);
        assert_true(has_group(&net->m[1], "d4"));
        net_free(net);

        /* n3 behind, bound 2: one held before the decision, one after it
         * (applied by n1 and n2), the third refused on all three. */
        lim.held_max = 2;
        net = net_new(3, &lim);
        seed(&net->m[0], "base");
        seed(&net->m[1], "base");
        group_change(net, &net->m[0], "x");
        view(net, 0, true, 0);
        run_until(net, "sync.offer");
        step(net);
        step(net);
        group_change(net, &net->m[1], "y");
        step(net); /* decided, chunks queued after y */
        step(net); /* y */
        assert_true(has_group(&net->m[0], "y"));
        step(net); /* chunk 0 */
        json_int_t z = group_change(net, &net->m[0], "z");
        last_to_front(net);
        step(net);
        snprintf(want, sizeof want, "%lld:%d ", (long long) z, EBUSY);
        for (unsigned i = 0; i < 3; i++)
                assert_string_equal(net->m[i].refused, want);
        run(net);
        for (unsigned i = 0; i < 3; i++) {
                assert_true(has_group(&net->m[i], "x") && has_group(&net->m[i], "y"));
                assert_false(has_group(&net->m[i], "z"));
        }
        assert_same(net, 0, 2);
        net_free(net);
}

/* Without quorum nothing is compared or sent, and changes go on to be
 * refused by wolfpackd; quorum lost while comparing refuses what is held. */
static void test_not_quorate(void **state) {
        Net *net = net_new(3, NULL);
        view(net, 0, false, 0);
        assert_null(net->head);
        for (unsigned i = 0; i < 3; i++) {
                assert_false(sync_ready(net->m[i].sync));
                assert_string_equal(sync_state(net->m[i].sync), "no quorum");
        }
        json_int_t c = group_change(net, &net->m[0], "nq");
        run(net);
        char want[32];
        snprintf(want, sizeof want, "%lld:%d ", (long long) c, EPERM);
        assert_string_equal(net->m[1].refused, want);

        json_int_t h = group_change(net, &net->m[0], "held");
        view(net, 0, true, 0);
        step(net); /* held */
        step(net); /* one offer */
        view(net, 0, false, net->ring);
        snprintf(want, sizeof want, "%lld:%d %lld:%d ", (long long) c, EPERM, (long long) h, EBUSY);
        assert_string_equal(net->m[1].refused, want);
        assert_non_null(strstr(net->m[1].last_refusal, "the view lost quorum"));
        run(net);
        for (unsigned i = 0; i < 3; i++) {
                assert_false(sync_ready(net->m[i].sync));
                assert_int_equal(net->m[i].ready, 0);
        }
        net_free(net);
}

/* A node alone (the local engine): decided at once, nothing sent, the
 * epoch one up each time. */
static void test_alone(void **state) {
        Net *net = net_new(1, NULL);
        view(net, 0, true, 0);
        assert_null(net->head);
        assert_true(sync_ready(net->m[0].sync));
        assert_int_equal(net->m[0].ready, 1);
        assert_version(&net->m[0], 1, 0);
        group_change(net, &net->m[0], "g");
        run(net);
        assert_version(&net->m[0], 1, 1);
        net_free(net);
}

/* Alone in a cluster of three (the others' wolfpackd stopped): decided
 * when its own offer comes back. CPG reports the others gone under the
 * old, quorate ring just before a ring change: that view is over before
 * the offer comes, and nothing is decided in it. */
static void test_alone_among_several(void **state) {
        Net *net = net_new(1, NULL);
        EngineView v = { .ring = 4, .ring_node = 1, .members = { 1 }, .n_members = 1, .quorate = true, .n_nodes = 3 };
        net->m[0].quorate = true;
        sync_view(net->m[0].sync, &v);
        assert_string_equal(head_type(net), "sync.offer");
        assert_false(sync_ready(net->m[0].sync));
        run(net);
        assert_true(sync_ready(net->m[0].sync));
        /* One of three: no change taken, no epoch raised. */
        assert_false(sync_takes_changes(net->m[0].sync));
        assert_version(&net->m[0], 0, 0);

        v.ring = 5;
        sync_view(net->m[0].sync, &v);
        EngineView lost = v;
        lost.ring = 6;
        lost.quorate = false;
        sync_view(net->m[0].sync, &lost);
        run(net);
        assert_false(sync_ready(net->m[0].sync));
        assert_version(&net->m[0], 0, 0);
        net_free(net);
}

/* Runtime reports pass at once, whatever the phase; unknown or broken
 * messages of the protocol are ignored with a warning. */
static void test_runtime_and_strays(void **state) {
        Net *net = net_new(2, NULL);
        seed(&net->m[0], "ahead");
        view(net, 0, true, 0);
        json_t *rt = json_pack("{s:s, s:i}", "type", "rt.state", "origin", 1);
        sync_message(net->m[1].sync, rt);
        json_decref(rt);
        assert_int_equal(net->m[1].runtime, 1);
        run_until(net, "sync.snapshot");
        rt = json_pack("{s:s, s:i}", "type", "rt.decision", "origin", 1);
        sync_message(net->m[1].sync, rt);
        json_decref(rt);
        assert_int_equal(net->m[1].runtime, 2);
        assert_string_equal(sync_state(net->m[1].sync), "behind");
        static const char *const strays[] = {
                "{\"type\":\"sync.offer\"}",
                "{\"type\":\"sync.offer\",\"origin\":-1}",
                "{\"type\":\"sync.hello\",\"origin\":1}",
                "{\"type\":\"sync.snapshot\",\"origin\":1,\"ring\":7}",
                "{\"type\":\"sync.failed\",\"origin\":2,\"ring\":[1,1],\"members\":[1,2]}",
        };
        for (size_t i = 0; i < ELEMENTSOF(strays); i++) {
                json_t *m = json_loads(strays[i], 0, NULL);
                assert_non_null(m);
                sync_message(net->m[1].sync, m);
                json_decref(m);
        }
        assert_logged(&net->m[1], "SYNC_INVALID");
        run(net);
        assert_true(sync_ready(net->m[1].sync));
        assert_same(net, 0, 1);
        net_free(net);
}

/* A view that does not list this node: out of sync, not in any round. */
static void test_view_without_self(void **state) {
        Net *net = net_new(2, NULL);
        EngineView v = { .ring = 9, .ring_node = 1, .members = { 1 }, .n_members = 1, .quorate = true };
        sync_view(net->m[1].sync, &v);
        assert_string_equal(sync_state(net->m[1].sync), "out of sync");
        assert_logged(&net->m[1], "SYNC_OUT");
        net_free(net);
}

/* {1} | {2,3}: the minority refuses changes, the majority goes on in a
 * new epoch; healed, n1 takes the majority's database. */
static void test_partition_healed(void **state) {
        Net *net = net_new(3, NULL);
        view(net, 0, true, 0);
        group_change(net, &net->m[0], "before");
        run(net);
        net->m[0].part = 1;
        view(net, 1, false, 0);
        view(net, 0, true, 0);
        run(net);
        group_change(net, &net->m[1], "majority");
        json_int_t c = group_change(net, &net->m[0], "minority");
        run(net);
        assert_true(has_group(&net->m[2], "majority"));
        char want[32];
        snprintf(want, sizeof want, "%lld:%d ", (long long) c, EPERM);
        assert_string_equal(net->m[0].refused, want);
        assert_version(&net->m[0], 1, 1);
        assert_version(&net->m[1], 2, 2);

        net->m[0].part = 0;
        view(net, 0, true, 0);
        run(net);
        assert_logged(&net->m[0], "SYNC_INSTALLED");
        assert_non_null(strstr(net->m[0].last_log, "from n2"));
        assert_true(has_group(&net->m[0], "majority"));
        assert_false(has_group(&net->m[0], "minority"));
        assert_version(&net->m[0], 3, 2);
        assert_same(net, 0, 1);
        assert_same(net, 0, 2);
        net_free(net);
}

/* A cluster start: every member offers before it has seen the cluster
 * run, and every member tells so, round after round until told the start
 * is over; a wolfpackd started again into a cluster that runs is no
 * cluster start, nor is the next round of the same members; every member
 * restarted is one again. An offer without "fresh" (an older wolfpackd)
 * counts as a member that has seen the cluster run. */
static void restart(Member *m) {
        sync_free(m->sync);
        assert_int_equal(sync_new(&CB, m, m->id, NULL, &m->sync), 0);
}

/* Every member's wolfpackd started again, then a view of them all. */
static void restart_all(Net *net) {
        for (unsigned i = 0; i < net->n; i++)
                restart(&net->m[i]);
        view(net, 0, true, 0);
}

static void test_cold_start(void **state) {
        Net *net = net_new(3, NULL);
        Member *n3 = &net->m[2];
        n3->part = -1; /* n1 and n2 start first */
        view(net, 0, true, 0);
        run(net);
        assert_true(sync_cold_start(net->m[0].sync) && sync_cold_start(net->m[1].sync));
        n3->part = 0;
        view(net, 0, true, net->ring);
        run(net);
        for (unsigned i = 0; i < 3; i++)
                assert_true(sync_cold_start(net->m[i].sync));
        for (unsigned i = 0; i < 3; i++)
                sync_started(net->m[i].sync);
        assert_false(sync_cold_start(net->m[0].sync));

        n3->part = -1; /* its wolfpackd stops: same ring, fewer members */
        view(net, 0, true, net->ring);
        run(net);
        restart(n3);
        n3->part = 0;
        view(net, 0, true, net->ring);
        run(net);
        for (unsigned i = 0; i < 3; i++) {
                assert_true(sync_ready(net->m[i].sync));
                assert_false(sync_cold_start(net->m[i].sync));
        }
        view(net, 0, true, 0);
        run(net);
        for (unsigned i = 0; i < 3; i++)
                assert_false(sync_cold_start(net->m[i].sync));

        restart_all(net);
        run(net);
        for (unsigned i = 0; i < 3; i++)
                assert_true(sync_cold_start(net->m[i].sync));

        /* n1 an older wolfpackd: its offers say nothing of it. */
        restart_all(net);
        for (Queued *q = net->head; q; q = q->next)
                if (strcmp(json_string_value(json_object_get(q->msg, "type")), "sync.offer") == 0 &&
                    json_integer_value(json_object_get(q->msg, "origin")) == 1)
                        json_object_del(q->msg, "fresh");
        run(net);
        for (unsigned i = 0; i < 3; i++) {
                assert_true(sync_ready(net->m[i].sync));
                assert_false(sync_cold_start(net->m[i].sync));
        }
        net_free(net);
}

/* Drop the offers some members sent (their wolfpackd froze before). */
static void drop_offers_of(Net *net, uint32_t a, uint32_t b) {
        for (Queued **p = &net->head; *p;) {
                Queued *q = *p;
                json_int_t o = json_integer_value(json_object_get(q->msg, "origin"));
                if (strcmp(json_string_value(json_object_get(q->msg, "type")), "sync.offer") == 0 && (o == a || o == b)) {
                        *p = q->next;
                        json_decref(q->msg);
                        free(q);
                } else
                        p = &q->next;
        }
        net->tail = &net->head;
        while (*net->tail)
                net->tail = &(*net->tail)->next;
}

/* A member that does not offer (its wolfpackd frozen while its corosync
 * runs): changes are held, then, once the timeout has passed, a majority
 * decides without it and applies them; the silent member, delivering the
 * same stream when it runs again, goes out of sync. Before the timeout,
 * or with only a minority heard, nothing is asked. */
static void test_silent_member(void **state) {
        Net *net = net_new(3, NULL);
        Member *n1 = &net->m[0], *n2 = &net->m[1], *n3 = &net->m[2];
        view(net, 0, true, 0);
        drop_offers_of(net, 3, 0);
        run(net);
        group_change(net, n2, "meanwhile");
        run(net);
        assert_string_equal(sync_state(n1->sync), "comparing");
        assert_false(has_group(n1, "meanwhile"));
        sync_tick(n1->sync);
        sync_tick(n2->sync);
        assert_null(net->head); /* not yet */
        net->clock += SYNC_OFFER_TIMEOUT_USEC;
        sync_tick(n2->sync); /* n2 waits a timeout more: n1 asks first */
        assert_null(net->head);
        sync_tick(n1->sync);
        assert_string_equal(head_type(net), "sync.proceed");
        sync_tick(n1->sync); /* once */
        run(net);
        assert_true(sync_ready(n1->sync) && sync_ready(n2->sync));
        assert_logged(n1, "SYNC_SILENT");
        assert_true(has_group(n1, "meanwhile") && has_group(n2, "meanwhile"));
        /* n3 went out of sync, asked to compare again, and every member
         * did: it took the others' database. */
        assert_logged(n3, "SYNC_OUT");
        assert_logged(n1, "SYNC_AGAIN");
        assert_logged(n3, "SYNC_INSTALLED");
        assert_true(sync_ready(n3->sync));
        assert_true(has_group(n3, "meanwhile"));
        assert_same(net, 0, 2);
        assert_same(net, 0, 1);
        /* A stray sync.again (of an old attempt, or from a member that
         * offered) changes nothing. */
        json_t *stray = json_pack("{s:s, s:[I, I], s:[I, I, I], s:I, s:I}", "type", "sync.again", "ring", (json_int_t) 1,
                                  (json_int_t) net->ring, "members", (json_int_t) 1, (json_int_t) 2, (json_int_t) 3,
                                  "attempt", (json_int_t) 0, "origin", (json_int_t) 2);
        queue(net, 0, stray);
        run(net);
        assert_true(sync_ready(n1->sync) && sync_ready(n2->sync) && sync_ready(n3->sync));
        assert_null(net->head);

        /* Only n1 heard of three: no majority, nothing asked. */
        view(net, 0, true, 0);
        drop_offers_of(net, 2, 3);
        run(net);
        net->clock += 10 * SYNC_OFFER_TIMEOUT_USEC;
        sync_tick(n1->sync);
        assert_null(net->head);
        assert_string_equal(sync_state(n1->sync), "comparing");
        net_free(net);
}

/* Three nodes whose corosync runs, one wolfpackd alone (the others
 * stopped): in sync, but its changes are refused and its epoch stays, so
 * that rounds of one after another never outrank a database that holds
 * changes. The changes made by n1 and n2 survive n3's rounds alone. */
static void test_minority_takes_no_change(void **state) {
        Net *net = net_new(3, NULL);
        net->n_nodes = 3;
        Member *n1 = &net->m[0], *n2 = &net->m[1], *n3 = &net->m[2];
        view(net, 0, true, 0);
        run(net);
        assert_version(n1, 1, 0);
        n3->part = -1;
        view(net, 0, true, net->ring);
        run(net);
        group_change(net, n1, "kept");
        run(net);
        assert_version(n1, 2, 1);
        /* n1 and n2 stop; n3 alone, again and again. */
        n1->part = n2->part = -1;
        n3->part = 0;
        for (int i = 0; i < 3; i++) {
                view(net, 0, true, 0);
                run(net);
        }
        assert_true(sync_ready(n3->sync));
        assert_false(sync_takes_changes(n3->sync));
        assert_logged(n3, "SYNC_MINORITY");
        json_int_t c = group_change(net, n3, "alone");
        run(net);
        char want[32];
        snprintf(want, sizeof want, "%lld:%d ", (long long) c, EPERM);
        assert_string_equal(n3->refused, want);
        assert_non_null(strstr(n3->last_refusal, "only 1 of the cluster's 3 nodes"));
        assert_version(n3, 1, 0);
        /* All three: n1's database wins, the change is everywhere. */
        n1->part = n2->part = 0;
        view(net, 0, true, 0);
        run(net);
        assert_true(sync_takes_changes(n3->sync));
        assert_true(has_group(n3, "kept"));
        assert_version(n3, 3, 1);
        assert_same(net, 0, 2);
        net_free(net);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_all_equal),
                cmocka_unit_test(test_one_behind),
                cmocka_unit_test(test_several_behind),
                cmocka_unit_test(test_ties_and_epochs),
                cmocka_unit_test(test_offers_from_other_rounds),
                cmocka_unit_test(test_new_view_while_comparing),
                cmocka_unit_test(test_new_view_while_snapshot_on_its_way),
                cmocka_unit_test(test_malformed_chunk),
                cmocka_unit_test(test_snapshot_failed),
                cmocka_unit_test(test_hold_bound),
                cmocka_unit_test(test_not_quorate),
                cmocka_unit_test(test_alone),
                cmocka_unit_test(test_alone_among_several),
                cmocka_unit_test(test_runtime_and_strays),
                cmocka_unit_test(test_view_without_self),
                cmocka_unit_test(test_partition_healed),
                cmocka_unit_test(test_cold_start),
                cmocka_unit_test(test_silent_member),
                cmocka_unit_test(test_minority_takes_no_change),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
