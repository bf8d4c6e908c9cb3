/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wolfpack why NAME`: why a group is where it is, or why it runs nowhere,
 * node by node (GET /v1/groups/NAME/why); for a resource, its own state
 * too (GET /v1/resources/NAME/why). A name is looked up as a group first,
 * then as a resource. Reads only.
 */
#include <errno.h>
#include <stdlib.h>

#include "cli-commands.h"
#include "cli-http.h"
#include "cli-output.h"
#include "cli-path.h"
#include "cli-render.h"
#include "macro.h"

/* GET the why of collection/name: 0 with *ret_json, -ENOENT with the
 * API's message in *ret_error, or another error, printed. */
static int try_why(Cli *cli, const char *collection, const char *name, json_t **ret_json, char **ret_error) {
        _cleanup_free_ char *path = NULL;
        if (cli_path(&path, collection, name, "why", NULL, NULL) < 0)
                return cli_fail(-ENOMEM, "out of memory");
        int r = cli_http_try(cli->http, "GET", path, NULL, ret_json, ret_error);
        if (r < 0 && r != -ENOENT && *ret_error)
                r = cli_fail(r, "%s", *ret_error);
        return r;
}

int verb_why(Cli *cli, const CliArgs *a) {
        const char *name = a->pos[0];
        json_t *j = NULL;
        _cleanup_free_ char *group_error = NULL, *resource_error = NULL;
        int r = try_why(cli, "groups", name, &j, &group_error);
        if (r == -ENOENT)
                r = try_why(cli, "resources", name, &j, &resource_error);
        if (r == -ENOENT)
                return cli_fail(-ENOENT, "%s, and %s; `wolfpack status` lists the groups and their resources",
                                group_error ? group_error : "no such group",
                                resource_error ? resource_error : "no such resource");
        if (r < 0)
                return r;
        r = cli_print(cli, j, render_why);
        json_decref(j);
        return r;
}
