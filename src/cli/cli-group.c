/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wolfpack group`: create, list, show, online, offline, move, set, get,
 * delete. Online, offline and move follow the change to its end unless
 * --no-wait. Never changes a group but through the API.
 */
#include <errno.h>
#include <string.h>

#include "cli-commands.h"
#include "cli-kv.h"
#include "cli-object.h"
#include "cli-output.h"
#include "cli-path.h"
#include "cli-render.h"
#include "cli-wait.h"
#include "macro.h"

int verb_group_create(Cli *cli, const CliArgs *a) {
        const char *preferred = cli_args_opt(a, "preferred");
        const char *given;

        if (preferred && cli_json_get_nocase(a->props, "PreferredOwners", &given))
                return cli_usage_error(a->verb, "--preferred and %s= both name the preferred owners; give one", given);
        _cleanup_(json_decrefp) json_t *props = json_deep_copy(a->props);
        if (!props)
                return -ENOMEM;
        /* N1,N2 on the command line; PreferredOwners is a list of words.
         * Node names hold neither commas nor blanks. */
        _cleanup_free_ char *owners = preferred ? strdup(preferred) : NULL;
        if (preferred && !owners)
                return -ENOMEM;
        for (char *p = owners; p && (p = strchr(p, ','));)
                *p = ' ';
        if (owners && json_object_set_new(props, "PreferredOwners", json_string(owners)) < 0)
                return cli_usage_error(a->verb, "--preferred: \"%s\" is not valid UTF-8", preferred);

        _cleanup_(json_decrefp) json_t *body = json_pack("{sssO}", "name", a->pos[0], "properties", props);
        if (!body)
                return cli_usage_error(a->verb, "the name \"%s\" is not valid UTF-8", a->pos[0]);
        return object_create(cli, "groups", "group", body);
}

int verb_group_list(Cli *cli, const CliArgs *a) {
        return cli_show_list(cli, "/v1/groups", cli_args_opt(a, "quiet"), render_groups);
}

int verb_group_show(Cli *cli, const CliArgs *a) {
        _cleanup_free_ char *path = NULL;
        if (cli_path(&path, "groups", a->pos[0], NULL, NULL, NULL) < 0)
                return -ENOMEM;
        return cli_show(cli, path, render_group);
}

static int group_change(Cli *cli, const char *group, const char *action, WatchOp op, const json_t *body,
                        const char *to) {
        _cleanup_free_ char *path = NULL;
        if (cli_path(&path, "groups", group, action, NULL, NULL) < 0)
                return -ENOMEM;
        return cli_change(cli, WATCH_GROUP, op, group, path, body, to);
}

int verb_group_online(Cli *cli, const CliArgs *a) {
        return group_change(cli, a->pos[0], "online", WATCH_ONLINE, NULL, NULL);
}

int verb_group_offline(Cli *cli, const CliArgs *a) {
        return group_change(cli, a->pos[0], "offline", WATCH_OFFLINE, NULL, NULL);
}

int verb_group_move(Cli *cli, const CliArgs *a) {
        const char *to = cli_args_opt(a, "to");
        _cleanup_(json_decrefp) json_t *body = to ? json_pack("{ss}", "to", to) : json_object();
        if (!body)
                return to ? cli_usage_error(a->verb, "--to: \"%s\" is not valid UTF-8", to) : -ENOMEM;
        return group_change(cli, a->pos[0], "move", WATCH_MOVE, body, to);
}

int verb_group_set(Cli *cli, const CliArgs *a) {
        return object_set(cli, "groups", "group", a->pos[0], a->props);
}

int verb_group_get(Cli *cli, const CliArgs *a) {
        return object_get(cli, "groups", "group", a->pos[0], a->n_pos > 1 ? a->pos[1] : NULL);
}

int verb_group_delete(Cli *cli, const CliArgs *a) {
        return object_delete(cli, "groups", "group", a->pos[0]);
}
