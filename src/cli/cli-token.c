/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wolfpack token`: the remote API's tokens. create prints the token once
 * (the cluster keeps only its hash, so it cannot be shown again); list
 * shows names, roles and who made them; revoke refuses the token on every
 * node from the moment the cluster applies it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-commands.h"
#include "cli-http.h"
#include "cli-output.h"
#include "cli-path.h"
#include "cli-render.h"
#include "cli-table.h"
#include "macro.h"

static int render_tokens(const json_t *tokens, bool color, char **ret) {
        static const char *const headers[] = { "TOKEN", "ROLE", "CREATED", "BY" };
        _cleanup_table_ Table *t = table_new(4, headers);
        if (!t)
                return -ENOMEM;
        size_t i;
        json_t *o;
        int r = 0;
        json_array_foreach(tokens, i, o) {
                json_t *when = json_pack("{s:O?}", "time_ms", json_object_get(o, "created_ms"));
                _cleanup_free_ char *created = when ? render_time_text(when) : NULL;
                json_decref(when);
                const char *cells[] = { json_string_value(json_object_get(o, "name")),
                                        json_string_value(json_object_get(o, "role")), created,
                                        json_string_value(json_object_get(o, "created_by")) };
                if ((r = table_add_row(t, cells)) < 0)
                        return r;
        }
        return table_format(t, color, ret);
}

int verb_token_list(Cli *cli, const CliArgs *a) {
        return cli_show_list(cli, "/v1/tokens", cli_args_opt(a, "quiet"), render_tokens);
}

int verb_token_create(Cli *cli, const CliArgs *a) {
        const char *role = cli_args_opt(a, "role");
        json_t *body = json_pack("{s:s, s:s}", "name", a->pos[0], "role", role);
        if (!body)
                return -ENOMEM;
        json_t *j = NULL;
        int r = cli_http_request(cli->http, "POST", "/v1/tokens", body, NULL, &j);
        json_decref(body);
        if (r < 0)
                return r;
        const char *token = json_string_value(json_object_get(j, "token"));
        if (!token) {
                json_decref(j);
                return cli_fail(-EBADMSG, "wolfpackd made the token but its answer holds none; revoke it "
                                          "(wolfpack token revoke %s) and create another",
                                a->pos[0]);
        }
        if (cli->json)
                r = cli_print_json(j, false);
        else {
                /* The token alone on stdout, so that `> file` keeps it. */
                printf("%s\n", token);
                fflush(stdout);
                fprintf(stderr,
                        "wolfpack: token %s (role %s) made; it is shown this once: keep it secret, in a file only you "
                        "can read, and give it with --token-file FILE or $" CLI_TOKEN_ENV "\n",
                        a->pos[0], json_string_value(json_object_get(j, "role")));
        }
        json_decref(j);
        return r;
}

int verb_token_revoke(Cli *cli, const CliArgs *a) {
        _cleanup_free_ char *path = NULL;
        if (cli_path(&path, "tokens", a->pos[0], NULL, NULL, NULL) < 0)
                return -ENOMEM;
        int r = cli_http_request(cli->http, "DELETE", path, NULL, NULL, NULL);
        if (r < 0)
                return r;
        if (!cli->json)
                printf("token %s revoked: refused from now on, on every node\n", a->pos[0]);
        return 0;
}
