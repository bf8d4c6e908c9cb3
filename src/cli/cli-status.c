/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wolfpack status` (nodes, then groups with their resources) and
 * `wolfpack cluster`. Read-only: never changes anything.
 */
#include "cli-commands.h"
#include "cli-output.h"
#include "cli-render.h"

int verb_status(Cli *cli, const CliArgs *a) {
        return cli_show(cli, "/v1/status", render_status);
}

int verb_cluster(Cli *cli, const CliArgs *a) {
        return cli_show(cli, "/v1/cluster", render_cluster);
}
