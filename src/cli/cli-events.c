/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wolfpack events` (the live event stream, one line per event; --follow
 * reconnects when wolfpackd goes away and comes back) and `wolfpack log`
 * (the cluster log). Read-only: never changes anything, and never loses an
 * event it received (one that is not JSON is printed as it came).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli-commands.h"
#include "cli-http.h"
#include "cli-output.h"
#include "cli-path.h"
#include "cli-render.h"
#include "macro.h"
#include "props.h"

#define RECONNECT_SEC 1

static int print_event(const char *event, const char *data, void *userdata) {
        const Cli *cli = userdata;
        json_t *j = json_loads(data, JSON_DECODE_ANY, NULL);
        int r;

        if (!j) {
                /* Not JSON: shown as it came rather than lost. */
                r = printf("%s\n", data) < 0 ? -EPIPE : 0;
        } else if (cli->json) {
                r = cli_print_json(j, true);
        } else {
                _cleanup_free_ char *line = NULL;
                r = render_event(j, &line);
                if (r >= 0)
                        r = fputs(line, stdout) == EOF ? -EPIPE : 0;
        }
        json_decref(j);
        if (r >= 0 && fflush(stdout) == EOF)
                r = -EPIPE;
        return r;
}

/* One connection, until it ends: 0 when the server closed it, else its
 * error. Errors are printed unless following after a stream was once
 * established (a reconnection comes then, not an exit). *ret_live: this
 * connection carried a stream. */
static int follow_once(Cli *cli, bool follow, bool ever, bool *ret_live) {
        CliStream *s = NULL;
        int r = cli_stream_open(cli->http, "/v1/events", print_event, cli, &s);
        if (r < 0)
                return r;
        do
                r = cli_stream_run(s, 1000, follow && (ever || cli_stream_established(s)));
        while (r > 0);
        *ret_live = cli_stream_established(s);
        cli_stream_free(s);
        return r;
}

int verb_events(Cli *cli, const CliArgs *a) {
        bool follow = cli_args_opt(a, "follow");
        bool ever = false;

        for (;;) {
                bool live = false;
                int r = follow_once(cli, follow, ever, &live);
                ever = ever || live;
                /* Done without --follow; a first connection that fails is
                 * not followed either: the error says why. */
                if (!follow || !ever || r == -EPIPE)
                        return r;
                if (live)
                        fprintf(stderr, "wolfpack: the event stream of wolfpackd at %s ended; reconnecting\n",
                                cli->where);
                struct timespec ts = { RECONNECT_SEC, 0 };
                nanosleep(&ts, NULL);
        }
}

/* What the answer leaves out, on stderr: never a silent gap. */
static void print_gaps(const json_t *reply, unsigned limit) {
        size_t i;
        json_t *m;
        json_array_foreach(json_object_get(reply, "missing"), i, m)
                fprintf(stderr, "wolfpack: the entries of node %s (id %lld) are missing: %s\n",
                        json_string_value(json_object_get(m, "node")) ?: "?",
                        (long long) json_integer_value(json_object_get(m, "id")),
                        json_string_value(json_object_get(m, "why")) ?: "no reason given");
        json_array_foreach(json_object_get(reply, "truncated"), i, m)
                fprintf(stderr,
                        "wolfpack: older entries of node %s were left out (its newest %u are shown); narrow with "
                        "--since or raise --limit\n",
                        json_string_value(json_object_get(m, "node")) ?: "?", limit);
}

/* --follow: entries of every node as the event stream brings them.
 * Those that came before the log was read wait in held; one that the log
 * had is not shown twice. */
typedef struct Follow {
        const Cli *cli;
        const char *node;       /* --node: a name or an id, NULL: all */
        json_t *held;           /* NULL once the log is printed */
        json_t *shown;          /* entry_key() → true: the entries printed from the log */
        char *self;             /* the name of the node asked */
        json_t *members;        /* name → true: the members of its view, as last told */
        bool view_changed;      /* it logged a new view since */
} Follow;

/* The members of the asked node's view, by name (a new object), or NULL. */
static json_t *view_members(Cli *cli, char **ret_self) {
        json_t *c = NULL;
        if (cli_http_request(cli->http, "GET", "/v1/cluster", NULL, NULL, &c) < 0)
                return NULL;
        json_t *out = json_object();
        size_t i;
        json_t *m;
        json_array_foreach(json_object_get(c, "members"), i, m) {
                const char *name = json_string_value(json_object_get(m, "name"));
                if (out && name)
                        json_object_set_new(out, name, json_true());
        }
        const char *self = json_string_value(json_object_get(c, "node"));
        if (ret_self && self && !*ret_self)
                *ret_self = strdup(self);
        json_decref(c);
        return out;
}

/* Nodes that left or joined the asked node's view, on stderr: while a node
 * is out of it, its entries cannot come. */
static void tell_view(Follow *f, Cli *cli) {
        f->view_changed = false;
        json_t *now = view_members(cli, NULL);
        if (!now)
                return;
        const char *name;
        json_t *v;
        json_object_foreach(f->members, name, v)
                if (!json_object_get(now, name))
                        fprintf(stderr, "wolfpack: node %s left the view of %s: its entries are missing from here on, "
                                        "until it is back\n", name, f->self);
        json_object_foreach(now, name, v)
                if (!json_object_get(f->members, name))
                        fprintf(stderr, "wolfpack: node %s is in the view of %s again; what it logged meanwhile: "
                                        "wolfpack log --node %s\n", name, f->self, name);
        json_decref(f->members);
        f->members = now;
}

static bool log_of(const json_t *e, const char *node) {
        if (!node)
                return true;
        const char *name = json_string_value(json_object_get(e, "node_name"));
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long) json_integer_value(json_object_get(e, "node")));
        return strcmp(id, node) == 0 || (name && strcasecmp(name, node) == 0);
}

static int print_entry(const Cli *cli, json_t *e) {
        int r;
        if (cli->json)
                r = cli_print_json(e, true);
        else {
                json_t *ev = json_copy(e);
                if (!ev)
                        return -ENOMEM;
                json_object_set_new(ev, "type", json_string("log"));
                _cleanup_free_ char *line = NULL;
                r = render_event(ev, &line);
                json_decref(ev);
                if (r >= 0)
                        r = fputs(line, stdout) == EOF ? -EPIPE : 0;
        }
        if (r >= 0 && fflush(stdout) == EOF)
                r = -EPIPE;
        return r;
}

/* What tells one entry from another: its node, time, code and text. */
static char *entry_key(const json_t *e) {
        char *k = NULL;
        if (asprintf(&k, "%lld|%s|%s|%s", (long long) json_integer_value(json_object_get(e, "node")),
                     json_string_value(json_object_get(e, "time")) ?: "",
                     json_string_value(json_object_get(e, "code")) ?: "",
                     json_string_value(json_object_get(e, "text")) ?: "") < 0)
                return NULL;
        return k;
}

static bool shown_before(const Follow *f, const json_t *e) {
        _cleanup_free_ char *k = entry_key(e);
        return k && json_object_get(f->shown, k);
}

static int follow_event(const char *event, const char *data, void *userdata) {
        Follow *f = userdata;
        json_t *j = json_loads(data, 0, NULL);
        int r = 0;
        bool log = json_is_object(j) && strcmp(json_string_value(json_object_get(j, "type")) ?: "", "log") == 0;
        if (log && f->self && strcmp(json_string_value(json_object_get(j, "code")) ?: "", "NODE_VIEW") == 0 &&
            strcmp(json_string_value(json_object_get(j, "node_name")) ?: "", f->self) == 0)
                f->view_changed = true;
        if (log && log_of(j, f->node)) {
                json_object_del(j, "type");
                if (f->held)
                        r = json_array_append(f->held, j) < 0 ? -ENOMEM : 0;
                else if (!shown_before(f, j))
                        r = print_entry(f->cli, j);
        }
        json_decref(j);
        return r;
}

static int print_held(Follow *f) {
        json_t *held = TAKE_PTR(f->held);
        size_t i;
        json_t *e;
        int r = 0;
        json_array_foreach(held, i, e) {
                if (shown_before(f, e))
                        continue;
                if ((r = print_entry(f->cli, e)) < 0)
                        break;
        }
        json_decref(held);
        return r;
}

static int log_follow(Cli *cli, const char *path, const char *node, unsigned limit) {
        Follow f = { .cli = cli, .node = node, .held = json_array(), .shown = json_object() };
        CliStream *s = NULL;
        int r = f.held && f.shown ? cli_stream_open(cli->http, "/v1/events", follow_event, &f, &s) : -ENOMEM;
        /* Subscribed first, so that nothing made while the log is read is
         * lost. */
        while (r >= 0 && !cli_stream_established(s) && (r = cli_stream_run(s, 100, false)) > 0)
                ;
        json_t *reply = NULL;
        if (r >= 0 && !cli_stream_established(s))
                r = cli_fail(-EPIPE, "the event stream of wolfpackd at %s ended at once", cli->where);
        if (r >= 0 && !(f.members = view_members(cli, &f.self)))
                r = -EIO;
        if (r >= 0)
                r = cli_http_request(cli->http, "GET", path, NULL, NULL, &reply);
        if (r >= 0 && !json_is_array(json_object_get(reply, "entries")))
                r = cli_fail(-EBADMSG, "wolfpackd answered GET %s without a list of entries", path);
        if (r >= 0) {
                print_gaps(reply, limit);
                size_t i;
                json_t *e;
                json_array_foreach(json_object_get(reply, "entries"), i, e) {
                        _cleanup_free_ char *k = entry_key(e);
                        if (!k || json_object_set_new(f.shown, k, json_true()) < 0)
                                r = -ENOMEM;
                        if (r < 0 || (r = print_entry(cli, e)) < 0)
                                break;
                }
        }
        if (r >= 0)
                r = print_held(&f);
        /* Until interrupted, or until wolfpackd goes away. */
        while (r >= 0 && (r = cli_stream_run(s, 1000, false)) > 0)
                if (f.view_changed)
                        tell_view(&f, cli);
        if (r == 0)
                r = cli_fail(-EPIPE, "the event stream of wolfpackd at %s ended", cli->where);
        json_decref(reply);
        json_decref(f.held);
        json_decref(f.shown);
        json_decref(f.members);
        free(f.self);
        cli_stream_free(s);
        return r;
}

int verb_log(Cli *cli, const CliArgs *a) {
        const char *since = cli_args_opt(a, "since"), *node = cli_args_opt(a, "node"),
                   *limit_text = cli_args_opt(a, "limit");
        bool follow = cli_args_opt(a, "follow");
        wp_usec_t usec;
        int k = since ? parse_duration(since, &usec) : 0;
        if (k == -ERANGE)
                return cli_usage_error(a->verb, "--since: \"%s\" %s", since, parse_duration_error(k));
        if (k < 0)
                return cli_usage_error(a->verb, "--since: \"%s\" is not a duration (such as 30s, 10min, 2h, 1d)", since);
        unsigned limit = 2000;
        if (limit_text) {
                char *end = NULL;
                errno = 0;
                unsigned long v = strtoul(limit_text, &end, 10);
                if (errno || *end || end == limit_text || limit_text[0] == '-' || v < 1 || v > 100000)
                        return cli_usage_error(a->verb, "--limit: \"%s\" is not a number of entries from 1 to 100000",
                                               limit_text);
                limit = (unsigned) v;
        }
        if (node && !*node)
                return cli_usage_error(a->verb, "--node: give a node's name or id (`wolfpack node list` shows them)");

        /* /v1/log?since=..&node=..&limit=.. */
        const char *keys[] = { "since", "node", "limit" }, *values[] = { since, node, limit_text };
        _cleanup_free_ char *path = strdup("/v1/log");
        for (size_t i = 0; path && i < ELEMENTSOF(keys); i++) {
                if (!values[i])
                        continue;
                _cleanup_free_ char *v = cli_url_escape(values[i]);
                char *p = NULL;
                if (!v || asprintf(&p, "%s%s%s=%s", path, strchr(path, '?') ? "&" : "?", keys[i], v) < 0)
                        return -ENOMEM;
                free(path);
                path = p;
        }
        if (!path)
                return -ENOMEM;
        if (follow)
                return log_follow(cli, path, node, limit);

        json_t *reply = NULL;
        int r = cli_http_request(cli->http, "GET", path, NULL, NULL, &reply);
        if (r < 0)
                return r;
        json_t *entries = json_object_get(reply, "entries");
        if (!json_is_array(entries))
                r = cli_fail(-EBADMSG, "wolfpackd answered GET %s without a list of entries", path);
        else {
                print_gaps(reply, limit);
                r = cli_print(cli, cli->json ? reply : entries, render_log);
                /* The one node asked for could not be asked: nothing to
                 * show, which a script must not take for a quiet node (the
                 * reason is on stderr). Of all nodes, this one answers. */
                if (r >= 0 && node && json_array_size(json_object_get(reply, "missing")) > 0)
                        r = -EHOSTUNREACH;
        }
        json_decref(reply);
        return r;
}
