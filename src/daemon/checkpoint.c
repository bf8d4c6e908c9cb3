/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Checkpoints: while a resource is Online on its owner, the files and
 * directories of its CheckpointPaths are copied into the replicated
 * database (checkpoint.set) — at once, then after each change seen by
 * inotify, changes within 200 ms coalesced, a copy sent only when it
 * differs from the last — and before the resource comes online on a node,
 * that node writes them back: each file through a temporary file renamed
 * over it, with its owner, mode and times; directories with theirs.
 *
 * Owns the watches and the copies. Never follows a symbolic link (one is
 * kept as a link), never writes outside the paths listed, never copies
 * more than CheckpointMaxSize (a larger set is logged and not sent: the
 * last copy that fitted stays).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint-copy.h"
#include "checkpoint.h"
#include "daemon.h"
#include "decide.h"
#include "macro.h"

#define COALESCE_USEC (200 * 1000)
#define DEPTH_MAX 16

typedef struct CheckpointWatch {
        Daemon *d;
        char *id;
        char **paths;
        uint64_t max;
        sd_event_source **sources;
        size_t n_sources;
        sd_event_source *timer;
        char *last_hash;
} CheckpointWatch;

/* ---- on a node ---- */

static int load_common(const json_t *res, ResourceCommon *rc) {
        return decide_resource_common(json_object_get(res, "common"), rc, NULL, NULL, 0);
}

int checkpoint_restore(Daemon *d, const json_t *res, char *err, size_t errlen) {
        ResourceCommon rc;
        if (load_common(res, &rc) < 0)
                return 0;
        bool listed = rc.checkpoint_paths && rc.checkpoint_paths[0];
        resource_common_done(&rc);
        json_t *c = listed ? db_checkpoint(d->db, json_string_value(json_object_get(res, "id"))) : NULL;
        /* Copied here: what is here is that copy or newer (a change the
         * copy had no time to take before a crash), never older. */
        if (c && json_integer_value(json_object_get(c, "node")) == (json_int_t) d->cfg.node_id) {
                json_decref(c);
                return 0;
        }
        if (!c)
                return 0;
        int k = checkpoint_write(json_string_value(json_object_get(c, "data")), NULL, err, errlen);
        if (k >= 0)
                clusterlog_printf(d->log, "info", "CHECKPOINT_RESTORED", json_string_value(json_object_get(res, "id")),
                                  json_string_value(json_object_get(res, "name")),
                                  "its CheckpointPaths put back as copied at %" JSON_INTEGER_FORMAT " ms",
                                  json_integer_value(json_object_get(c, "time_ms")));
        json_decref(c);
        return k;
}

static uint64_t fnv1a(const char *s) {
        uint64_t h = 1469598103934665603ULL;
        for (; *s; s++)
                h = (h ^ (uint8_t) *s) * 1099511628211ULL;
        return h;
}

static void capture_now(CheckpointWatch *w) {
        Daemon *d = w->d;
        char err[512] = "", hash[32];
        _cleanup_free_ char *text = NULL;
        int k = checkpoint_capture(w->paths, w->max, &text, err, sizeof(err));
        if (k < 0) {
                _cleanup_free_ char *name = rt_object_name(d, "resource", w->id);
                clusterlog_printf(d->log, "warning", k == -EFBIG ? "CHECKPOINT_TOO_LARGE" : "CHECKPOINT_FAILED", w->id,
                                  name, "%s; the last copy stays", err[0] ? err : strerror(-k));
                return;
        }
        snprintf(hash, sizeof(hash), "%016" PRIx64, fnv1a(text));
        if (w->last_hash && strcmp(w->last_hash, hash) == 0)
                return;
        json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:i}", "type", "checkpoint.set", "resource", w->id, "data", text,
                              "hash", hash, "node", (int) d->cfg.node_id);
        if (m && command_send(d, m, NULL, NULL) >= 0) {
                free(w->last_hash);
                w->last_hash = strdup(hash);
        }
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        CheckpointWatch *w = userdata;
        w->timer = sd_event_source_disable_unref(w->timer);
        capture_now(w);
        return 0;
}

static int on_inotify(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        CheckpointWatch *w = userdata;
        if (!w->timer)
                (void) sd_event_add_time_relative(w->d->event, &w->timer, CLOCK_MONOTONIC, COALESCE_USEC, 10000,
                                                  on_timer, w);
        return 0;
}

static void watch_one(CheckpointWatch *w, const char *path, int depth) {
        struct stat st;
        /* A file, or one not there yet: its directory tells of it. */
        _cleanup_free_ char *dir = NULL;
        if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
                dir = strdup(path);
                char *slash = dir ? strrchr(dir, '/') : NULL;
                if (!slash)
                        return;
                slash[slash == dir ? 1 : 0] = 0;
                path = dir;
        }
        sd_event_source **more = realloc(w->sources, (w->n_sources + 1) * sizeof(*more));
        if (!more)
                return;
        w->sources = more;
        if (sd_event_add_inotify(w->d->event, &w->sources[w->n_sources], path,
                                 IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_DELETE | IN_MOVED_FROM |
                                         IN_MOVED_TO,
                                 on_inotify, w) >= 0)
                w->n_sources++;
        if (dir || depth >= DEPTH_MAX)
                return;
        DIR *dp = opendir(path);
        struct dirent *de;
        while (dp && (de = readdir(dp)))
                if (de->d_type == DT_DIR && strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
                        _cleanup_free_ char *child = NULL;
                        if (asprintf(&child, "%s/%s", path, de->d_name) >= 0)
                                watch_one(w, child, depth + 1);
                }
        if (dp)
                closedir(dp);
}

void checkpoint_forget(RtResource *r) {
        CheckpointWatch *w = r->checkpoint;
        if (!w)
                return;
        for (size_t i = 0; i < w->n_sources; i++)
                sd_event_source_disable_unref(w->sources[i]);
        free(w->sources);
        sd_event_source_disable_unref(w->timer);
        for (char **p = w->paths; p && *p; p++)
                free(*p);
        free(w->paths);
        free(w->id);
        free(w->last_hash);
        free(w);
        r->checkpoint = NULL;
}

void checkpoint_watch(Daemon *d, RtResource *r) {
        if (r->checkpoint)
                return;
        json_t *res = db_resource(d->db, r->id);
        ResourceCommon rc;
        if (!res || load_common(res, &rc) < 0) {
                json_decref(res);
                return;
        }
        json_decref(res);
        if (!rc.checkpoint_paths || !rc.checkpoint_paths[0]) {
                resource_common_done(&rc);
                return;
        }
        CheckpointWatch *w = calloc(1, sizeof(*w));
        if (w) {
                *w = (CheckpointWatch) { .d = d, .id = strdup(r->id), .paths = rc.checkpoint_paths,
                                         .max = rc.checkpoint_max_size };
                rc.checkpoint_paths = NULL;
                r->checkpoint = w;
                for (char **p = w->paths; *p; p++)
                        watch_one(w, *p, 0);
                capture_now(w);
        }
        resource_common_done(&rc);
}

void checkpoint_unwatch(Daemon *d, RtResource *r) {
        if (!r->checkpoint)
                return;
        capture_now(r->checkpoint);
        checkpoint_forget(r);
}
