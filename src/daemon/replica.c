/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * This node's replica of the cluster database: opened at start and kept
 * in sync with the other members by join and merge (sync.h), whose
 * callbacks are wired here to the database, the engine, the commands and
 * the cluster log. A copy SQLite finds corrupt is set aside on the
 * corosync engine, where the other nodes hold the data: the node starts
 * empty and is brought up to date when it joins. The local engine has no
 * other copy and refuses to start. Owns nothing but the Sync object.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "macro.h"
#include "time-util.h"

static SyncVersion on_version(void *userdata) {
        Daemon *d = userdata;
        DbVersion v = db_version_get(d->db);
        return (SyncVersion) { v.epoch, v.seq };
}

static int on_set_epoch(uint64_t epoch, char *err, size_t errlen, void *userdata) {
        Daemon *d = userdata;
        return db_set_epoch(d->db, epoch, err, errlen);
}

static int on_snapshot(json_t **ret_chunks, SyncVersion *ret_version, char *err, size_t errlen, void *userdata) {
        Daemon *d = userdata;
        DbVersion v;
        int k = db_snapshot(d->db, DB_SNAPSHOT_CHUNK_MAX, ret_chunks, &v, err, errlen);
        if (k >= 0)
                *ret_version = (SyncVersion) { v.epoch, v.seq };
        return k;
}

static int on_install(const json_t *chunks, SyncVersion v, char *err, size_t errlen, void *userdata) {
        Daemon *d = userdata;
        return db_snapshot_install(d->db, chunks, (DbVersion) { v.epoch, v.seq }, err, errlen);
}

static int on_send(json_t *msg, void *userdata) {
        Daemon *d = userdata;
        command_stamp(d, msg);
        int k = engine_send(d->engine, msg);
        json_decref(msg);
        return k;
}

static void on_apply(const json_t *msg, void *userdata) {
        command_apply(userdata, msg);
}

static void on_refuse(const json_t *msg, int error, const char *text, void *userdata) {
        command_refuse(userdata, msg, error, text);
}

static void on_runtime(const json_t *msg, void *userdata) {
        command_runtime(userdata, msg);
}

static void on_ready(void *userdata) {
        daemon_synced(userdata);
}

static void on_log(const char *level, const char *code, const char *text, void *userdata) {
        Daemon *d = userdata;
        clusterlog_printf(d->log, level, code, NULL, NULL, "%s", text);
}

static const char *on_node_name(uint32_t id, void *userdata) {
        return node_name(userdata, id);
}

static uint64_t on_now(void *userdata) {
        return now_monotonic_usec();
}

static const SyncCallbacks sync_callbacks = {
        .version = on_version, .set_epoch = on_set_epoch, .snapshot = on_snapshot, .install = on_install,
        .send = on_send,       .apply = on_apply,         .refuse = on_refuse,     .runtime = on_runtime,
        .ready = on_ready,     .log = on_log,             .node_name = on_node_name, .now_usec = on_now,
};

/* path, path-wal and path-shm renamed to path.corrupt-<UTC time>...;
 * the new name of path in aside. */
static int set_aside(const char *path, char *aside, size_t len) {
        char stamp[32];
        struct tm tm;
        time_t t = time(NULL);
        strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime_r(&t, &tm));
        snprintf(aside, len, "%s.corrupt-%s", path, stamp);
        if (rename(path, aside) < 0)
                return -errno;
        static const char *const companions[] = { "-wal", "-shm" };
        for (size_t i = 0; i < ELEMENTSOF(companions); i++) {
                _cleanup_free_ char *from = NULL, *to = NULL;
                if (asprintf(&from, "%s%s", path, companions[i]) < 0 || asprintf(&to, "%s%s", aside, companions[i]) < 0)
                        return -ENOMEM;
                if (rename(from, to) < 0 && errno != ENOENT)
                        return -errno;
        }
        return 0;
}

int replica_open(Daemon *d, char *err, size_t errlen) {
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/cluster.db", d->cfg.state_dir) < 0)
                return -ENOMEM;
        int k = db_open(path, &d->db, err, errlen);
        if (k == -EUCLEAN && d->cfg.engine_corosync) {
                char aside[4096];
                int r = set_aside(path, aside, sizeof(aside));
                if (r < 0) {
                        size_t n = strlen(err);
                        snprintf(err + n, errlen - n, "; it could not be moved aside to %s: %s", aside, strerror(-r));
                        return k;
                }
                clusterlog_printf(d->log, "error", "DB_SET_ASIDE", NULL, NULL,
                                  "%s; moved to %s: this node starts with an empty database and takes the other "
                                  "nodes' when it joins them",
                                  err, aside);
                k = db_open(path, &d->db, err, errlen);
        } else if (k == -EUCLEAN) {
                size_t n = strlen(err);
                snprintf(err + n, errlen - n,
                         "; with engine = local no other node holds a copy: restore %s from a backup, or move it "
                         "aside to start with an empty database",
                         path);
        }
        if (k < 0)
                return k;
        if ((k = sync_new(&sync_callbacks, d, d->cfg.node_id, NULL, &d->sync)) < 0) {
                snprintf(err, errlen, "cannot set up the database's sync: %s", strerror(-k));
                return k;
        }
        return 0;
}
