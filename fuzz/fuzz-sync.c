/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target of join and merge as a member behind sees it
 * (src/daemon/sync.c, and the snapshot install of src/daemon/db-snapshot.c
 * behind it): node 2 with an empty in-memory database, in a view of nodes
 * 1 and 2 where node 1 offered a newer version, so that node 2 waits for
 * node 1's snapshot. The input is the messages delivered next, one JSON
 * object a line: chunks, offers, changes, runtime reports, anything.
 * Invariants: every change is applied, held, or refused with a one-line
 * valid UTF-8 message, never two of these; node 2 is in sync only with the
 * version decided, and a snapshot refused leaves the database as it was;
 * node 2 sends nothing. Any difference aborts.
 *
 * Built with libFuzzer (clang -fsanitize=fuzzer, see README.md), or with
 * -DFUZZ_STANDALONE as a plain program that replays files and corpora.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fuzz.h"
#include "macro.h"
#include "sync.h"
#include "text-quote.h"

typedef struct Node {
        Db *db;
        bool offer_sent, sent_other;
        unsigned applied, refused, ready;
} Node;

static SyncVersion on_version(void *userdata) {
        Node *n = userdata;
        DbVersion v = db_version_get(n->db);
        return (SyncVersion) { v.epoch, v.seq };
}

static int on_set_epoch(uint64_t epoch, char *err, size_t errlen, void *userdata) {
        Node *n = userdata;
        return db_set_epoch(n->db, epoch, err, errlen);
}

static int on_snapshot(json_t **ret, SyncVersion *ret_v, char *err, size_t errlen, void *userdata) {
        /* Node 2 is behind: it never sends a snapshot. */
        check(false);
        return -EIO;
}

static int on_install(const json_t *chunks, SyncVersion v, char *err, size_t errlen, void *userdata) {
        Node *n = userdata;
        return db_snapshot_install(n->db, chunks, (DbVersion) { v.epoch, v.seq }, err, errlen);
}

static int on_send(json_t *msg, void *userdata) {
        Node *n = userdata;
        if (strcmp(json_string_value(json_object_get(msg, "type")), "sync.offer") == 0 && !n->offer_sent)
                n->offer_sent = true;
        else
                n->sent_other = true;
        json_decref(msg);
        return 0;
}

static void on_apply(const json_t *msg, void *userdata) {
        Node *n = userdata;
        char err[512];
        (void) db_apply(n->db, msg, err, sizeof err);
        n->applied++;
}

static void on_refuse(const json_t *msg, int error, const char *text, void *userdata) {
        Node *n = userdata;
        check(error < 0 && text && text[0]);
        size_t len = strlen(text);
        check(utf8_valid_prefix(text, len) == len && !strchr(text, '\n'));
        n->refused++;
}

static void on_runtime(const json_t *msg, void *userdata) {
}

static void on_ready(void *userdata) {
        Node *n = userdata;
        n->ready++;
}

static void on_log(const char *level, const char *code, const char *text, void *userdata) {
        size_t len = strlen(text);
        check(utf8_valid_prefix(text, len) == len && !strchr(text, '\n'));
}

static const SyncCallbacks callbacks = {
        .version = on_version, .set_epoch = on_set_epoch, .snapshot = on_snapshot, .install = on_install,
        .send = on_send,       .apply = on_apply,         .refuse = on_refuse,     .runtime = on_runtime,
        .ready = on_ready,     .log = on_log,
};

static char *dump(Db *db) {
        json_t *chunks = NULL;
        DbVersion v;
        char err[256];
        check(db_snapshot(db, 1u << 30, &chunks, &v, err, sizeof err) == 0);
        char *s = strdup(json_string_value(json_array_get(chunks, 0)));
        json_decref(chunks);
        check(s);
        return s;
}

static void deliver(Sync *s, const char *text) {
        json_t *m = json_loads(text, 0, NULL);
        check(m);
        sync_message(s, m);
        json_decref(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Node n = {};
        char err[1024] = "";
        check(db_open(":memory:", &n.db, err, sizeof err) == 0);
        Sync *s = NULL;
        SyncLimits limits = { 64, 1 << 20 };
        check(sync_new(&callbacks, &n, 2, &limits, &s) == 0);
        EngineView v = { .ring = 5, .ring_node = 1, .members = { 1, 2 }, .n_members = 2, .quorate = true, .n_nodes = 2 };
        sync_view(s, &v);
        check(n.offer_sent);
        deliver(s, "{\"type\":\"sync.offer\",\"origin\":2,\"ring\":[1,5],\"members\":[1,2],\"epoch\":0,\"seq\":0}");
        deliver(s, "{\"type\":\"sync.offer\",\"origin\":1,\"ring\":[1,5],\"members\":[1,2],\"epoch\":0,\"seq\":3}");
        check(strcmp(sync_state(s), "behind") == 0);
        _cleanup_free_ char *before = dump(n.db);

        unsigned changes = 0;
        json_t *msg;
        for (const char *p = (const char *) data, *end = p + size; (msg = fuzz_next_object(&p, end));) {
                const char *type = json_string_value(json_object_get(msg, "type"));
                bool change = !type || (strncmp(type, "sync.", 5) != 0 && strncmp(type, "rt.", 3) != 0);
                bool was_out = strcmp(sync_state(s), "out of sync") == 0;
                sync_message(s, msg);
                json_decref(msg);
                changes += change;
                if (!was_out && strcmp(sync_state(s), "out of sync") == 0) {
                        /* Refused: nothing of the snapshot is in. */
                        _cleanup_free_ char *now = dump(n.db);
                        check(strcmp(before, now) == 0);
                }
        }
        check(!n.sent_other);
        if (sync_ready(s)) {
                DbVersion got = db_version_get(n.db);
                check(n.ready == 1 && got.epoch == 1 && got.seq >= 3);
        } else
                check(n.ready == 0 && n.applied == 0);
        /* Each change once: applied, refused, or still held. */
        check(n.applied + n.refused <= changes);
        sync_free(s);
        db_free(n.db);
        return 0;
}
