/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wolfpack type`: the resource types the cluster knows and their property
 * tables. Read-only: never changes anything.
 */
#include <errno.h>

#include "cli-commands.h"
#include "cli-output.h"
#include "cli-path.h"
#include "cli-render.h"
#include "macro.h"

int verb_type_list(Cli *cli, const CliArgs *a) {
        return cli_show_list(cli, "/v1/types", cli_args_opt(a, "quiet"), render_types);
}

int verb_type_show(Cli *cli, const CliArgs *a) {
        _cleanup_free_ char *path = NULL;
        if (cli_path(&path, "types", a->pos[0], NULL, NULL, NULL) < 0)
                return -ENOMEM;
        return cli_show(cli, path, render_type);
}
