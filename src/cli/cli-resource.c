/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wolfpack resource`: create, list, show, online, offline, fail, set,
 * get, depend, undepend, delete. Online, offline and fail follow the
 * change to its end unless --no-wait. Never changes a resource but through
 * the API.
 */
#include <errno.h>
#include <stdio.h>

#include "cli-commands.h"
#include "cli-http.h"
#include "cli-object.h"
#include "cli-output.h"
#include "cli-path.h"
#include "cli-render.h"
#include "cli-wait.h"
#include "macro.h"

int verb_resource_create(Cli *cli, const CliArgs *a) {
        _cleanup_(json_decrefp) json_t *body = json_pack("{sssssssO}", "name", a->pos[0], "type",
                                                         cli_args_opt(a, "type"), "group", cli_args_opt(a, "group"),
                                                         "properties", a->props);
        if (!body)
                return cli_usage_error(a->verb, "the name, type and group must be valid UTF-8");
        return object_create(cli, "resources", "resource", body);
}

int verb_resource_list(Cli *cli, const CliArgs *a) {
        _cleanup_free_ char *path = NULL;
        const char *group = cli_args_opt(a, "group");
        if (cli_path(&path, "resources", NULL, NULL, group ? "group" : NULL, group) < 0)
                return -ENOMEM;
        return cli_show_list(cli, path, cli_args_opt(a, "quiet"), render_resources);
}

int verb_resource_show(Cli *cli, const CliArgs *a) {
        _cleanup_free_ char *path = NULL;
        if (cli_path(&path, "resources", a->pos[0], NULL, NULL, NULL) < 0)
                return -ENOMEM;
        return cli_show(cli, path, render_resource);
}

static int resource_change(Cli *cli, const char *res, const char *action, WatchOp op) {
        _cleanup_free_ char *path = NULL;
        if (cli_path(&path, "resources", res, action, NULL, NULL) < 0)
                return -ENOMEM;
        return cli_change(cli, WATCH_RESOURCE, op, res, path, NULL, NULL);
}

int verb_resource_online(Cli *cli, const CliArgs *a) {
        return resource_change(cli, a->pos[0], "online", WATCH_ONLINE);
}

int verb_resource_offline(Cli *cli, const CliArgs *a) {
        return resource_change(cli, a->pos[0], "offline", WATCH_OFFLINE);
}

int verb_resource_fail(Cli *cli, const CliArgs *a) {
        return resource_change(cli, a->pos[0], "fail", WATCH_FAIL);
}

int verb_resource_set(Cli *cli, const CliArgs *a) {
        return object_set(cli, "resources", "resource", a->pos[0], a->props);
}

int verb_resource_get(Cli *cli, const CliArgs *a) {
        return object_get(cli, "resources", "resource", a->pos[0], a->n_pos > 1 ? a->pos[1] : NULL);
}

/* depend / undepend: POST {"on": expr}; the answer is the resource. */
static int dependency_change(Cli *cli, const CliArgs *a, const char *action) {
        _cleanup_free_ char *path = NULL;
        _cleanup_(json_decrefp) json_t *j = NULL;
        _cleanup_(json_decrefp) json_t *body = json_pack("{ss}", "on", cli_args_opt(a, "on"));
        if (!body)
                return cli_usage_error(a->verb, "--on: the expression is not valid UTF-8");
        if (cli_path(&path, "resources", a->pos[0], action, NULL, NULL) < 0)
                return -ENOMEM;
        int r = cli_http_request(cli->http, "POST", path, body, NULL, &j);
        if (r < 0)
                return r;
        if (cli->json)
                return cli_print_json(j, false);
        const char *name = json_string_value(json_object_get(j, "name"));
        const char *dep = json_string_value(json_object_get(j, "depends"));
        printf("resource %s depends on %s\n", name ? name : a->pos[0], dep && *dep ? dep : "nothing");
        return fflush(stdout) == EOF ? cli_fail(-EIO, "cannot write to standard output: %m") : 0;
}

int verb_resource_depend(Cli *cli, const CliArgs *a) {
        return dependency_change(cli, a, "depend");
}

int verb_resource_undepend(Cli *cli, const CliArgs *a) {
        return dependency_change(cli, a, "undepend");
}

int verb_resource_delete(Cli *cli, const CliArgs *a) {
        return object_delete(cli, "resources", "resource", a->pos[0]);
}
