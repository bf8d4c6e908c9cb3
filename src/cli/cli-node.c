/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wolfpack node`: list, show, pause, resume, drain, evict. Drain waits, unless
 * --no-wait, until the node owns no group. Never changes a node but
 * through the API.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli-commands.h"
#include "cli-http.h"
#include "cli-output.h"
#include "cli-path.h"
#include "cli-render.h"
#include "cli-wait.h"
#include "macro.h"
#include "time-util.h"

int verb_node_list(Cli *cli, const CliArgs *a) {
        return cli_show_list(cli, "/v1/nodes", cli_args_opt(a, "quiet"), render_nodes);
}

int verb_node_show(Cli *cli, const CliArgs *a) {
        _cleanup_free_ char *path = NULL;
        if (cli_path(&path, "nodes", a->pos[0], NULL, NULL, NULL) < 0)
                return -ENOMEM;
        return cli_show(cli, path, render_node);
}

/* POST an action that answers with the node at once. */
static int node_action(Cli *cli, const char *node, const char *action) {
        _cleanup_free_ char *path = NULL;
        if (cli_path(&path, "nodes", node, action, NULL, NULL) < 0)
                return -ENOMEM;
        json_t *j = NULL;
        int r = cli_http_request(cli->http, "POST", path, NULL, NULL, &j);
        if (r < 0)
                return r;
        if (!json_is_boolean(json_object_get(j, "paused"))) {
                /* An answer without the node: ask for it. */
                json_decref(j);
                j = NULL;
                free(path);
                path = NULL;
                if (cli_path(&path, "nodes", node, NULL, NULL, NULL) < 0)
                        return -ENOMEM;
                r = cli_http_request(cli->http, "GET", path, NULL, NULL, &j);
                if (r < 0)
                        return r;
        }
        if (cli->json)
                r = cli_print_json(j, false);
        else {
                const char *name = json_string_value(json_object_get(j, "name"));
                const char *state = json_string_value(json_object_get(j, "state"));
                bool paused = json_is_true(json_object_get(j, "paused"));
                printf("node %s is %s%s\n", name ? name : node, state ? state : paused ? "paused" : "resumed",
                       paused && state && strcmp(state, "Paused") != 0 ? " (paused)" : "");
                if (fflush(stdout) == EOF)
                        r = -EIO;
        }
        json_decref(j);
        return r;
}

int verb_node_pause(Cli *cli, const CliArgs *a) {
        return node_action(cli, a->pos[0], "pause");
}

int verb_node_resume(Cli *cli, const CliArgs *a) {
        return node_action(cli, a->pos[0], "resume");
}

int verb_node_evict(Cli *cli, const CliArgs *a) {
        _cleanup_free_ char *path = NULL;
        if (cli_path(&path, "nodes", a->pos[0], "evict", NULL, NULL) < 0)
                return -ENOMEM;
        int r = cli_http_request(cli->http, "POST", path, NULL, NULL, NULL);
        if (r < 0)
                return r;
        if (cli->json) {
                _cleanup_(json_decrefp) json_t *j = json_pack("{s:s}", "evicted", a->pos[0]);
                return j ? cli_print_json(j, false) : -ENOMEM;
        }
        printf("node %s is evicted: it left the cluster's node list and corosync.conf on every node\n",
                       a->pos[0]);
        return fflush(stdout) == EOF ? -EIO : 0;
}

/* Each group a drain moves: where to, then where it ended. */
static int drain_report(Cli *cli, const json_t *accepted, bool done) {
        size_t i;
        json_t *mv;
        json_array_foreach(json_object_get(accepted, "moves"), i, mv) {
                const char *id = json_string_value(json_object_get(mv, "id"));
                const char *group = json_string_value(json_object_get(mv, "group"));
                const char *to = json_string_value(json_object_get(mv, "to"));
                if (!done) {
                        printf("moving group %s to %s\n", group ? group : id, to ? to : "another node");
                        continue;
                }
                _cleanup_free_ char *path = NULL;
                _cleanup_(json_decrefp) json_t *g = NULL;
                if (!id || cli_path(&path, "groups", id, NULL, NULL, NULL) < 0)
                        return -ENOMEM;
                /* Its node is the new one: wait while it comes online there. */
                const char *state = NULL;
                for (wp_usec_t until = now_monotonic_usec() + cli->timeout_usec;;) {
                        json_decref(g);
                        g = NULL;
                        int r = cli_http_request(cli->http, "GET", path, NULL, NULL, &g);
                        if (r < 0)
                                return r;
                        state = json_string_value(json_object_get(g, "state"));
                        /* Until it settles: a group that is to be online may
                         * show Offline on its new node before it starts there. */
                        const char *desired = json_string_value(json_object_get(g, "desired"));
                        bool settling = state && (strcmp(state, "Pending") == 0 ||
                                                  (strcmp(state, "Offline") == 0 && desired &&
                                                   strcmp(desired, "online") == 0));
                        if (!settling || now_monotonic_usec() >= until)
                                break;
                        (void) usleep(100 * 1000);
                }
                const char *owner = json_string_value(json_object_get(g, "owner"));
                printf("group %s is %s%s%s\n", group ? group : id, state ? state : "?", owner ? " on " : "",
                       owner ? owner : "");
        }
        return fflush(stdout) == EOF ? -EIO : 0;
}

int verb_node_drain(Cli *cli, const CliArgs *a) {
        _cleanup_free_ char *path = NULL;
        if (cli_path(&path, "nodes", a->pos[0], "drain", NULL, NULL) < 0)
                return -ENOMEM;
        return cli_change_reported(cli, WATCH_NODE, WATCH_DRAIN, a->pos[0], path, NULL, NULL, drain_report);
}
