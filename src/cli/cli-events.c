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
                                cli->socket_path);
                struct timespec ts = { RECONNECT_SEC, 0 };
                nanosleep(&ts, NULL);
        }
}

int verb_log(Cli *cli, const CliArgs *a) {
        const char *since = cli_args_opt(a, "since");
        wp_usec_t usec;
        int k = since ? parse_duration(since, &usec) : 0;
        if (k == -ERANGE)
                return cli_usage_error(a->verb, "--since: \"%s\" %s", since, parse_duration_error(k));
        if (k < 0)
                return cli_usage_error(a->verb, "--since: \"%s\" is not a duration (such as 30s, 10min, 2h, 1d)", since);

        _cleanup_free_ char *path = NULL;
        if (cli_path(&path, "log", NULL, NULL, since ? "since" : NULL, since) < 0)
                return -ENOMEM;
        return cli_show_list(cli, path, false, render_log);
}
