/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Results on stdout, as JSON or as text for people. Owns the JSON layout
 * of --json; never decides what to show.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli-http.h"
#include "cli-output.h"
#include "cli-render.h"
#include "macro.h"

int cli_print_text(const char *text) {
        if (fputs(text, stdout) == EOF || fflush(stdout) == EOF)
                return cli_fail(-EIO, "cannot write to standard output: %m");
        return 0;
}

int cli_print_json(const json_t *j, bool compact) {
        size_t flags = JSON_ENCODE_ANY | JSON_PRESERVE_ORDER | (compact ? JSON_COMPACT : JSON_INDENT(2));
        _cleanup_free_ char *s = json_dumps(j ? j : json_null(), flags);
        if (!s)
                return -ENOMEM;
        if (puts(s) == EOF || fflush(stdout) == EOF)
                return cli_fail(-EIO, "cannot write to standard output: %m");
        return 0;
}

int cli_print(const Cli *cli, const json_t *j, cli_render_fn render) {
        if (cli->json)
                return cli_print_json(j, false);
        _cleanup_free_ char *text = NULL;
        int r = render(j, cli->color, &text);
        if (r < 0)
                return cli_fail(r, "cannot format the answer: %s", r == -ENOMEM ? "out of memory" : "bad shape");
        return cli_print_text(text);
}

int cli_show(Cli *cli, const char *path, cli_render_fn render) {
        json_t *j = NULL;
        int r = cli_http_request(cli->http, "GET", path, NULL, NULL, &j);
        if (r < 0)
                return r;
        r = cli_print(cli, j, render);
        json_decref(j);
        return r;
}

int cli_show_list(Cli *cli, const char *path, bool names_only, cli_render_fn render) {
        json_t *j = NULL;
        int r = cli_http_request(cli->http, "GET", path, NULL, NULL, &j);
        if (r < 0)
                return r;
        if (!json_is_array(j))
                r = cli_fail(-EBADMSG, "wolfpackd answered GET %s with something that is not a list", path);
        else if (names_only && !cli->json) {
                _cleanup_free_ char *text = NULL;
                r = render_names(j, &text);
                if (r >= 0)
                        r = cli_print_text(text);
        } else
                r = cli_print(cli, j, render);
        json_decref(j);
        return r;
}
