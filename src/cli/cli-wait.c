/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Following an accepted change to its end: the event stream as a wake-up
 * (and its state events as evidence), GET for the truth, polling when the
 * stream is not there. Owns the waiting loop and its timeout; never judges
 * the verdict itself (cli-watch does) and never waits past --timeout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli-http.h"
#include "cli-output.h"
#include "cli-path.h"
#include "cli-wait.h"
#include "macro.h"
#include "props.h"
#include "time-util.h"

#define POLL_USEC (100 * 1000)            /* without events */
#define SAFETY_POLL_USEC (1000 * 1000)    /* with events, in case one is missed */

typedef struct WaitEvents {
        Watch *watch;
        bool seen;
} WaitEvents;

static int on_event(const char *event, const char *data, void *userdata) {
        WaitEvents *e = userdata;
        e->seen = true;
        json_t *j = json_loads(data, JSON_DECODE_ANY, NULL);
        if (j) {
                watch_note_event(e->watch, j);
                json_decref(j);
        }
        return 0;
}

/* The watched object now; a group with its resources as objects. */
static int fetch(Cli *cli, const Watch *w, json_t **ret) {
        static const char *const collection[] = {
                [WATCH_GROUP] = "groups", [WATCH_RESOURCE] = "resources", [WATCH_NODE] = "nodes"
        };
        _cleanup_free_ char *path = NULL;
        _cleanup_(json_decrefp) json_t *obj = NULL;
        int r = cli_path(&path, collection[w->kind], watch_ref(w), NULL, NULL, NULL);
        if (r < 0)
                return r;
        r = cli_http_request(cli->http, "GET", path, NULL, NULL, &obj);
        if (r < 0)
                return r;
        if (!json_is_object(obj))
                return cli_fail(-EBADMSG, "wolfpackd answered GET %s with something that is not an object", path);

        if (w->kind == WATCH_GROUP) {
                const char *name = json_string_value(json_object_get(obj, "name"));
                _cleanup_free_ char *rpath = NULL;
                json_t *resources = NULL;
                r = cli_path(&rpath, "resources", NULL, NULL, "group", name ? name : w->name);
                if (r < 0)
                        return r;
                r = cli_http_request(cli->http, "GET", rpath, NULL, NULL, &resources);
                if (r < 0)
                        return r;
                if (json_is_array(resources))
                        json_object_set_new(obj, "resources", resources);
                else
                        json_decref(resources);
        }
        *ret = TAKE_PTR(obj);
        return 0;
}

static void sleep_usec(uint64_t usec) {
        struct timespec ts = { (time_t) (usec / 1000000), (long) (usec % 1000000) * 1000 };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static int wait_for_end(Cli *cli, Watch *w) {
        uint64_t start = now_monotonic_usec();
        uint64_t deadline = start + cli->timeout_usec;
        WaitEvents events = { .watch = w };
        CliStream *stream = NULL;
        _cleanup_(json_decrefp) json_t *obj = NULL;
        _cleanup_free_ char *message = NULL;
        bool established = false, need = true;
        uint64_t last = 0;
        WatchVerdict v = WATCH_PENDING;
        int r;

        if (cli_stream_open(cli->http, "/v1/events", on_event, &events, &stream) < 0)
                stream = NULL;

        for (;;) {
                uint64_t now = now_monotonic_usec();
                uint64_t interval = stream ? SAFETY_POLL_USEC : POLL_USEC;

                if (need || now - last >= interval) {
                        json_decref(obj);
                        obj = NULL;
                        r = fetch(cli, w, &obj);
                        if (r < 0)
                                goto out;
                        now = now_monotonic_usec();
                        last = now;
                        need = false;
                        _cleanup_free_ char *progress = watch_progress(w, obj);
                        if (progress)
                                fprintf(stderr, "%s\n", progress);
                        v = watch_judge(w, obj, now, &message);
                        if (v != WATCH_PENDING)
                                break;
                }
                if (now >= deadline) {
                        _cleanup_free_ char *d = NULL;
                        if (format_duration(cli->timeout_usec, &d) < 0)
                                d = NULL;
                        _cleanup_free_ char *what = watch_describe_pending(w, obj);
                        r = cli_fail(-ETIMEDOUT, "timed out after %s waiting for %s", d ? d : "the timeout",
                                     what ? what : w->name);
                        goto out;
                }

                uint64_t until = last + interval < deadline ? last + interval : deadline;
                uint64_t nap = until > now ? until - now : 0;
                if (stream) {
                        events.seen = false;
                        int ms = (int) ((nap + 999) / 1000);
                        r = cli_stream_run(stream, ms > 0 ? ms : 1, true);
                        if (r <= 0)
                                /* No events (any more): polling from here on. */
                                stream = cli_stream_free(stream);
                        else if (!established && cli_stream_established(stream)) {
                                /* Anything that happened before we listened is in the next GET. */
                                established = true;
                                need = true;
                        }
                        if (events.seen)
                                need = true;
                } else if (nap > 0)
                        sleep_usec(nap);
        }

        r = 0;
        if (cli->json)
                r = cli_print_json(obj, false);
        else if (v == WATCH_DONE) {
                printf("%s\n", message ? message : "done");
                if (fflush(stdout) == EOF)
                        r = cli_fail(-EIO, "cannot write to standard output: %m");
        }
        if (v == WATCH_FAILED)
                r = cli_fail(-EREMOTEIO, "%s", message ? message : "the change failed");
out:
        cli_stream_free(stream);
        return r;
}

int cli_change(Cli *cli, WatchKind kind, WatchOp op, const char *typed, const char *path, const json_t *body,
               const char *to) {
        return cli_change_reported(cli, kind, op, typed, path, body, to, NULL);
}

int cli_change_reported(Cli *cli, WatchKind kind, WatchOp op, const char *typed, const char *path,
                        const json_t *body, const char *to, cli_change_report_fn report) {
        static const char *const op_word[] = {
                [WATCH_ONLINE] = "online", [WATCH_OFFLINE] = "offline", [WATCH_MOVE] = "move",
                [WATCH_FAIL] = "failure", [WATCH_DRAIN] = "drain",
        };
        static const char *const kind_word[] = {
                [WATCH_GROUP] = "group", [WATCH_RESOURCE] = "resource", [WATCH_NODE] = "node"
        };
        _cleanup_(json_decrefp) json_t *accepted = NULL;
        int r = cli_http_request(cli->http, "POST", path, body, NULL, &accepted);
        if (r < 0)
                return r;
        if (report && !cli->json && (r = report(cli, accepted, false)) < 0)
                return r;

        if (cli->no_wait) {
                if (cli->json)
                        return cli_print_json(accepted, false);
                const char *name = json_string_value(json_object_get(accepted, "name"));
                printf("%s of %s %s is under way\n", op_word[op], kind_word[kind], name ? name : typed);
                return fflush(stdout) == EOF ? -EIO : 0;
        }

        Watch w;
        r = watch_init(&w, op, kind, typed, accepted, to, now_monotonic_usec());
        if (r < 0)
                return r;
        r = wait_for_end(cli, &w);
        watch_done(&w);
        if (r >= 0 && report && !cli->json)
                r = report(cli, accepted, true);
        return r;
}
