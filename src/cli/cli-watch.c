/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The end of a change the API accepted: done, failed or still under way,
 * judged from the objects and events the caller hands in. Owns the rules
 * of what "done" means for each operation; never talks to the server and
 * never reads the clock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-watch.h"
#include "macro.h"
#include "props.h"

static const char *jstr(const json_t *o, const char *key) {
        return json_string_value(json_object_get(o, key));
}

static bool streq(const char *a, const char *b) {
        return a && b && strcmp(a, b) == 0;
}

static const char *kind_word(WatchKind k) {
        return k == WATCH_GROUP ? "group" : k == WATCH_RESOURCE ? "resource" : "node";
}

static bool pending_state(const char *s) {
        static const char *const pending[] = { "Pending", "OnlinePending", "OfflinePending", "Initializing", "Joining" };
        for (size_t i = 0; s && i < ELEMENTSOF(pending); i++)
                if (strcmp(s, pending[i]) == 0)
                        return true;
        return false;
}

static int dup_or_null(char **dst, const char *s) {
        *dst = s ? strdup(s) : NULL;
        return s && !*dst ? -ENOMEM : 0;
}

int watch_init(Watch *w, WatchOp op, WatchKind kind, const char *typed, const json_t *accepted, const char *to,
               uint64_t now) {
        const char *name = jstr(accepted, "name");
        json_t *id = json_object_get(accepted, "id");
        char idbuf[32] = "";
        if (json_is_integer(id))
                snprintf(idbuf, sizeof idbuf, "%" JSON_INTEGER_FORMAT, json_integer_value(id));

        *w = (Watch) { .op = op, .kind = kind, .grace_until = now + WATCH_FAILED_GRACE_USEC, .told = json_object() };
        json_t *rc = json_object_get(accepted, "restart_count");
        w->start_restarts = json_is_integer(rc) ? (long long) json_integer_value(rc) : 0;
        if (dup_or_null(&w->name, name ? name : typed) < 0 ||
            dup_or_null(&w->id, json_is_string(id) ? json_string_value(id) : *idbuf ? idbuf : NULL) < 0 ||
            dup_or_null(&w->start_state, jstr(accepted, "state")) < 0 ||
            dup_or_null(&w->start_owner, jstr(accepted, "owner")) < 0 || dup_or_null(&w->to, to) < 0 || !w->told) {
                watch_done(w);
                return -ENOMEM;
        }
        return 0;
}

void watch_done(Watch *w) {
        free(w->id);
        free(w->name);
        free(w->start_state);
        free(w->start_owner);
        free(w->to);
        json_decref(w->told);
        w->id = w->name = w->start_state = w->start_owner = w->to = NULL;
        w->told = NULL;
}

const char *watch_ref(const Watch *w) {
        /* Node ids are numbers the API may not take in a path as well as names. */
        return w->kind != WATCH_NODE && w->id ? w->id : w->name;
}

static void note_state(Watch *w, const char *state) {
        if (!state)
                return;
        if (!streq(state, w->start_state))
                w->seen_change = true;
        if (w->op == WATCH_FAIL && strcmp(state, "Failed") == 0)
                w->seen_failed = true;
}

void watch_note_event(Watch *w, const json_t *event) {
        const char *kind = jstr(event, "kind");
        if (!kind)
                kind = jstr(event, "object");
        /* wolfpackd's state events name the resource's id as "resource". */
        const char *id = jstr(event, "id");
        if (!kind && jstr(event, "resource")) {
                kind = "resource";
                id = jstr(event, "resource");
        }
        if (kind && strcmp(kind, kind_word(w->kind)) != 0)
                return;
        if (!streq(id, w->id) && !streq(jstr(event, "name"), w->name))
                return;
        note_state(w, jstr(event, "state"));
}

/* "group web is Online on n1" (no owner for Offline or when none); "it
 * is ..." with pronoun. */
static char *describe(const Watch *w, const json_t *obj, bool pronoun) {
        const char *state = jstr(obj, "state");
        const char *owner = jstr(obj, "owner");
        const char *name = jstr(obj, "name") ? jstr(obj, "name") : w->name;
        char *s = NULL;
        bool show_owner = owner && *owner && !streq(state, "Offline");
        if (asprintf(&s, "%s%s%s is %s%s%s", pronoun ? "it" : kind_word(w->kind), pronoun ? "" : " ",
                     pronoun ? "" : name, state ? state : "in an unknown state", show_owner ? " on " : "",
                     show_owner ? owner : "") < 0)
                return NULL;
        return s;
}

/* Why a group or resource is Failed: its own reason, or its failed
 * resources' ("resource httpd: exited with status 1; resource ip: ..."). */
static char *failure_reason(const json_t *obj) {
        const char *own = jstr(obj, "state_reason");
        if (own && *own)
                return strdup(own);

        char *buf = NULL;
        size_t size = 0, n = 0;
        FILE *f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        size_t i;
        json_t *res;
        json_array_foreach(json_object_get(obj, "resources"), i, res) {
                if (!streq(jstr(res, "state"), "Failed"))
                        continue;
                const char *why = jstr(res, "state_reason");
                fprintf(f, "%sresource %s: %s", n++ ? "; " : "", jstr(res, "name") ? jstr(res, "name") : "?",
                        why && *why ? why : "Failed");
        }
        if (fclose(f) != 0 || n == 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* "; group web is Failed: ..." when wolfpackd says what keeps the object
 * from its desired state (and waiting will not help), else "". */
static const char *blocked(const json_t *obj) {
        const char *b = jstr(obj, "blocked");
        return b && *b ? b : NULL;
}

static char *failed_message(const Watch *w, const json_t *obj) {
        _cleanup_free_ char *why = failure_reason(obj);
        const char *owner = jstr(obj, "owner");
        const char *name = jstr(obj, "name") ? jstr(obj, "name") : w->name;
        const char *b = blocked(obj);
        char *s = NULL;
        if (asprintf(&s, "%s %s failed%s%s%s%s%s%s", kind_word(w->kind), name, owner ? " on " : "", owner ? owner : "",
                     why ? ": " : "", why ? why : "", b ? "; " : "", b ? b : "") < 0)
                return NULL;
        return s;
}

static bool any_resource_in(const json_t *obj, bool (*pred)(const char *)) {
        size_t i;
        json_t *res;
        json_array_foreach(json_object_get(obj, "resources"), i, res)
                if (json_is_object(res) && pred(jstr(res, "state")))
                        return true;
        return false;
}

static bool empty_group(const json_t *obj) {
        json_t *res = json_object_get(obj, "resources");
        return json_is_array(res) && json_array_size(res) == 0;
}

static bool is_failed(const char *s) {
        return streq(s, "Failed");
}

/* The restart wolfpackd has scheduled for a Failed resource, or NULL. */
static const json_t *restarting(const json_t *res) {
        const json_t *r = json_object_get(res, "restarting");
        return streq(jstr(res, "state"), "Failed") && json_is_object(r) ? r : NULL;
}

/* Failed, but only on the way through restarts the policy has scheduled:
 * a resource about to restart, or a group whose every Failed resource is
 * (and that is not Failed itself, which would say why). */
static bool restarts_scheduled(const Watch *w, const json_t *obj) {
        if (w->kind == WATCH_RESOURCE)
                return restarting(obj) != NULL;
        const char *why = jstr(obj, "state_reason");
        if (why && *why)
                return false;
        size_t i, n = 0;
        json_t *res;
        json_array_foreach(json_object_get(obj, "resources"), i, res) {
                if (!is_failed(jstr(res, "state")))
                        continue;
                if (!restarting(res))
                        return false;
                n++;
        }
        return n > 0;
}

/* A Failed state is the change's own result unless it was there before
 * and nothing has happened since (the change may not have begun). */
static WatchVerdict failed_verdict(const Watch *w, uint64_t now) {
        if (!streq(w->start_state, "Failed") || w->seen_change || now >= w->grace_until)
                return WATCH_FAILED;
        return WATCH_PENDING;
}

static WatchVerdict judge_node(const Watch *w, const json_t *obj) {
        json_t *groups = json_object_get(obj, "groups");
        bool paused = json_is_true(json_object_get(obj, "paused")) || streq(jstr(obj, "state"), "Paused");
        if (paused && (!json_is_integer(groups) || json_integer_value(groups) == 0))
                return WATCH_DONE;
        return WATCH_PENDING;
}

static WatchVerdict judge_object(Watch *w, const json_t *obj, uint64_t now) {
        const char *state = jstr(obj, "state");
        const char *owner = jstr(obj, "owner");

        if (pending_state(state) || (w->kind == WATCH_GROUP && any_resource_in(obj, pending_state)))
                return WATCH_PENDING;
        /* A group without resources has nothing to bring online: it stays
         * Offline, and that is the end of it. */
        if (w->kind == WATCH_GROUP && (w->op == WATCH_ONLINE || w->op == WATCH_MOVE) && empty_group(obj))
                return WATCH_DONE;

        if ((w->op == WATCH_ONLINE || w->op == WATCH_MOVE) && !streq(state, "Online") && restarts_scheduled(w, obj))
                return WATCH_PENDING;

        switch (w->op) {
        case WATCH_ONLINE:
                if (streq(state, "Online"))
                        return WATCH_DONE;
                if (streq(state, "Failed") || (streq(state, "PartialOnline") && any_resource_in(obj, is_failed)))
                        return failed_verdict(w, now);
                return WATCH_PENDING;

        case WATCH_OFFLINE:
                if (streq(state, "Offline"))
                        return WATCH_DONE;
                if (streq(state, "Failed"))
                        return failed_verdict(w, now);
                return WATCH_PENDING;

        case WATCH_MOVE: {
                const char *target = streq(w->start_state, "Offline") ? "Offline" : "Online";
                bool moved = w->to ? streq(owner, w->to)
                                   : (owner && w->start_owner && strcmp(owner, w->start_owner) != 0) || w->seen_change;
                if (streq(state, target) && moved)
                        return WATCH_DONE;
                if (streq(state, "Failed"))
                        return failed_verdict(w, now);
                return WATCH_PENDING;
        }

        case WATCH_FAIL: {
                json_t *rc = json_object_get(obj, "restart_count");
                if (json_is_integer(rc) && json_integer_value(rc) > w->start_restarts)
                        w->seen_failed = true;
                if (owner && w->start_owner && strcmp(owner, w->start_owner) != 0)
                        w->seen_failed = true;
                /* Not settled while the policy's restart is to come. */
                if (w->seen_failed && restarts_scheduled(w, obj))
                        return WATCH_PENDING;
                return w->seen_failed ? WATCH_DONE : WATCH_PENDING;
        }

        default:
                return WATCH_PENDING;
        }
}

WatchVerdict watch_judge(Watch *w, const json_t *obj, uint64_t now, char **ret_message) {
        *ret_message = NULL;
        WatchVerdict v;

        if (w->kind == WATCH_NODE) {
                v = w->op == WATCH_DRAIN ? judge_node(w, obj) : WATCH_PENDING;
                if (v == WATCH_DONE) {
                        const char *name = jstr(obj, "name") ? jstr(obj, "name") : w->name;
                        if (asprintf(ret_message, "node %s is drained: paused, owning no group", name) < 0)
                                *ret_message = NULL;
                }
                return v;
        }

        note_state(w, jstr(obj, "state"));
        v = judge_object(w, obj, now);
        if (v == WATCH_PENDING && (w->op == WATCH_ONLINE || w->op == WATCH_MOVE) && blocked(obj)) {
                /* It will not come online by waiting: say why now. */
                const char *name = jstr(obj, "name") ? jstr(obj, "name") : w->name;
                if (asprintf(ret_message, "%s %s cannot come online: %s", kind_word(w->kind), name, blocked(obj)) < 0)
                        *ret_message = NULL;
                return WATCH_FAILED;
        }
        if (v == WATCH_FAILED)
                *ret_message = failed_message(w, obj);
        else if (v == WATCH_DONE) {
                _cleanup_free_ char *d = describe(w, obj, false);
                const char *why = jstr(obj, "state_reason");
                json_t *rc = json_object_get(obj, "restart_count");
                bool failed = streq(jstr(obj, "state"), "Failed") && why;
                /* Online again, and the restart counted: the policy at work. */
                bool restarted = w->op == WATCH_FAIL && streq(jstr(obj, "state"), "Online") && json_is_integer(rc) &&
                                 json_integer_value(rc) > w->start_restarts;
                bool empty = w->kind == WATCH_GROUP && empty_group(obj);
                const char *b = w->op == WATCH_FAIL ? blocked(obj) : NULL;
                char after[64] = "";
                if (w->restarts > 0 && w->op != WATCH_FAIL)
                        snprintf(after, sizeof after, ", after %u restart%s", w->restarts, w->restarts == 1 ? "" : "s");
                if (d && asprintf(ret_message, "%s%s%s%s%s%s%s%s", d, restarted ? " again, after a restart" : "", after,
                                  failed ? ": " : "", failed ? why : "", empty ? ": it holds no resources" : "",
                                  b ? "; " : "", b ? b : "") < 0)
                        *ret_message = NULL;
        }
        return v;
}

/* "resource httpd failed: why; restart 1 of 3 in 500ms" for res, when its
 * restart is one not said yet (another attempt, or a new failure since a
 * state other than Failed was seen), else NULL. */
static char *restart_line(Watch *w, const json_t *res) {
        const char *id = jstr(res, "id") ? jstr(res, "id") : jstr(res, "name");
        if (!id)
                return NULL;
        const json_t *rs = restarting(res);
        if (!rs) {
                if (jstr(res, "state") && !is_failed(jstr(res, "state")))
                        json_object_del(w->told, id);
                return NULL;
        }
        json_int_t attempt = json_integer_value(json_object_get(rs, "attempt"));
        json_t *said = json_object_get(w->told, id);
        if (said && json_integer_value(said) == attempt)
                return NULL;
        json_object_set_new(w->told, id, json_integer(attempt));
        w->restarts++;

        json_t *of = json_object_get(rs, "of");
        json_int_t in_ms = json_integer_value(json_object_get(rs, "in_ms"));
        _cleanup_free_ char *in = NULL;
        if (in_ms > 0 && format_duration((uint64_t) in_ms * 1000, &in) < 0)
                in = NULL;
        char count[64];
        if (json_is_integer(of))
                snprintf(count, sizeof count, "%" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT, attempt,
                         json_integer_value(of));
        else
                snprintf(count, sizeof count, "%" JSON_INTEGER_FORMAT, attempt);
        const char *why = jstr(res, "state_reason");
        const char *name = jstr(res, "name") ? jstr(res, "name") : w->name;
        char *s = NULL;
        if (asprintf(&s, "resource %s failed%s%s; restart %s %s%s", name, why && *why ? ": " : "", why ? why : "", count,
                     in ? "in " : "now", in ? in : "") < 0)
                return NULL;
        return s;
}

char *watch_progress(Watch *w, const json_t *obj) {
        if (w->kind == WATCH_NODE || !json_is_object(obj))
                return NULL;
        char *buf = NULL;
        size_t size = 0, n = 0;
        FILE *f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        if (w->kind == WATCH_RESOURCE) {
                _cleanup_free_ char *line = restart_line(w, obj);
                if (line)
                        fprintf(f, "%s", line), n++;
        } else {
                size_t i;
                json_t *res;
                json_array_foreach(json_object_get(obj, "resources"), i, res) {
                        _cleanup_free_ char *line = json_is_object(res) ? restart_line(w, res) : NULL;
                        if (line)
                                fprintf(f, "%s%s", n++ ? "\n" : "", line);
                }
        }
        if (fclose(f) != 0 || n == 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

char *watch_describe_pending(const Watch *w, const json_t *obj) {
        static const char *const aims[] = {
                [WATCH_ONLINE] = "to come online", [WATCH_OFFLINE] = "to go offline", [WATCH_MOVE] = "to move",
                [WATCH_FAIL] = "to fail and recover", [WATCH_DRAIN] = "to drain",
        };
        _cleanup_free_ char *d = obj ? describe(w, obj, true) : NULL;
        char *s = NULL;
        if (w->kind == WATCH_NODE && obj) {
                json_t *g = json_object_get(obj, "groups");
                free(d);
                d = NULL;
                if (json_is_integer(g) &&
                    asprintf(&d, "it still owns %" JSON_INTEGER_FORMAT " group(s)", json_integer_value(g)) < 0)
                        d = NULL;
        }
        if (asprintf(&s, "%s %s %s%s%s", kind_word(w->kind), w->name, aims[w->op], d ? "; " : "",
                     d ? d : "") < 0)
                return NULL;
        return s;
}
