/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writing results to stdout: the API's JSON for --json (pretty, or one
 * compact object a line for streams), or a renderer's text for people.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "cli.h"

typedef int (*cli_render_fn)(const json_t *j, bool color, char **ret);

/* j as indented JSON (compact: on one line), with a newline. */
int cli_print_json(const json_t *j, bool compact);
/* --json: j as JSON; otherwise render(j) as text. */
int cli_print(const Cli *cli, const json_t *j, cli_render_fn render);
/* text as it is; -EIO when stdout cannot take it. */
int cli_print_text(const char *text);

/* GET path and print the answer with render (or as JSON). */
int cli_show(Cli *cli, const char *path, cli_render_fn render);
/* GET path, a list, and print its names one a line (--quiet), or the
 * whole answer with render. */
int cli_show_list(Cli *cli, const char *path, bool names_only, cli_render_fn render);
