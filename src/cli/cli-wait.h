/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Changes that the API accepts with 202 and carries out later (online,
 * offline, move, fail, drain): send the request, then — unless --no-wait —
 * follow the event stream (GET /v1/events), or poll GET every 100 ms when
 * there is none, until the change has ended or --timeout has passed, and
 * say how it ended.
 */
#pragma once

#include <jansson.h>

#include "cli-watch.h"
#include "cli.h"

/* POST path with body (NULL: none) for the object typed (its name or id);
 * to is the move target or NULL. 0 when the change is done (or under way,
 * with --no-wait); -EREMOTEIO when it failed; -ETIMEDOUT; or the
 * request's error. The outcome is printed: "group web is Online on n1" on
 * stdout, a failure on stderr; with --json the object as it ended. */
int cli_change(Cli *cli, WatchKind kind, WatchOp op, const char *typed, const char *path, const json_t *body,
               const char *to);
/* The same, calling report (when not NULL, and without --json) with the
 * API's answer once it is accepted (done false) and again once the change
 * has ended well (done true): to say what a change of many parts does. */
typedef int (*cli_change_report_fn)(Cli *cli, const json_t *accepted, bool done);
int cli_change_reported(Cli *cli, WatchKind kind, WatchOp op, const char *typed, const char *path,
                        const json_t *body, const char *to, cli_change_report_fn report);
