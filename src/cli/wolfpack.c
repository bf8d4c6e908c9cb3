/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wolfpack: the command-line tool of the cluster, a client of wolfpackd's
 * API on its unix socket, or of a node's remote API (--server). Parses the command line, runs the verb, turns
 * the result into the exit status (0 done, 1 failed, 2 usage, 3 no such
 * object). Holds no state of the cluster and never changes anything but
 * through the API — but for the local verbs (cluster init, cert create),
 * which write this machine's configuration and connect to nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli-args.h"
#include "cli-http.h"
#include "config.h"
#include "macro.h"
#include "props.h"

static int help(int n, char **args) {
        const CliVerb *v;
        const char *noun;
        int used;
        char err[256];

        if (n == 0) {
                cli_usage_all(cli_verbs, stdout);
                return 0;
        }
        if (cli_verb_find(cli_verbs, n, args, &v, &used, &noun, err, sizeof err) < 0) {
                cli_fail(-EINVAL, "%s", err);
                if (noun)
                        cli_usage_noun(cli_verbs, noun, stderr);
                return -EINVAL;
        }
        if (used == 1 && cli_noun_has_verbs(cli_verbs, v->noun))
                cli_usage_noun(cli_verbs, v->noun, stdout);
        else {
                fputs("usage: ", stdout);
                cli_usage_line(v, stdout);
                printf("\n%s\n", v->summary);
                for (const CliHelp *h = cli_help; h->noun; h++)
                        if (strcmp(h->noun, v->noun) == 0 &&
                            (v->verb ? h->verb && strcmp(h->verb, v->verb) == 0 : !h->verb))
                                printf("\n%s", h->text);
        }
        return 0;
}

/* The token for --server, from --token-file or $WOLFPACK_TOKEN: one line
 * of visible characters. */
static int token_get(const char *file, char *buf, size_t len) {
        const char *env = getenv(CLI_TOKEN_ENV);
        if (!file) {
                if (!env || !*env)
                        return cli_fail(-EINVAL, "--server needs a token: --token-file FILE or $" CLI_TOKEN_ENV
                                                 " (`wolfpack token create NAME --role ROLE` on a node makes one)");
                snprintf(buf, len, "%s", env);
        } else {
                FILE *f = fopen(file, "re");
                if (!f)
                        return cli_fail(-errno, "--token-file %s: %s", file, strerror(errno));
                if (!fgets(buf, (int) len, f))
                        buf[0] = '\0';
                fclose(f);
        }
        buf[strcspn(buf, "\r\n")] = '\0';
        size_t n = strlen(buf);
        while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
                buf[--n] = '\0';
        bool ok = n > 0 && n < len - 1;
        for (size_t i = 0; ok && i < n; i++)
                ok = buf[i] > ' ' && buf[i] < 0x7f;
        if (!ok) {
                explicit_bzero(buf, len);
                return cli_fail(-EINVAL, "%s%s holds no token: one line, the token `wolfpack token create` printed",
                                file ? "--token-file " : "$" CLI_TOKEN_ENV, file ? file : "");
        }
        return 0;
}

/* The connection: the unix socket, or --server with its token and CA. */
static int connect_api(const CliGlobal *g, Cli *cli) {
        const char *env = getenv(CLI_SOCKET_ENV), *server_env = getenv(CLI_SERVER_ENV);
        const char *server = g->server ? g->server : !g->socket_path && server_env && *server_env ? server_env : NULL;
        wp_usec_t answer = g->timeout ? cli->timeout_usec : CLI_DEFAULT_ANSWER_USEC;
        if (!server) {
                if (g->token_file)
                        return cli_fail(-EINVAL, "--token-file is for --server: on the unix socket the peer's "
                                                 "credentials decide");
                cli->socket_path = g->socket_path ? g->socket_path : env && *env ? env : CLI_DEFAULT_SOCKET;
                cli->where = cli->socket_path;
                return cli_http_new(cli->socket_path, answer, &cli->http);
        }
        if (g->socket_path && g->server)
                return cli_fail(-EINVAL, "--socket and --server: give one, the local socket or a node's remote API");
        if (strncmp(server, "https://", 8) != 0 || !server[8])
                return cli_fail(-EINVAL, "--server %s: the remote API speaks https only: give https://HOST:PORT", server);
        const char *ca_env = getenv(CLI_CA_ENV);
        const char *ca = g->ca_file ? g->ca_file : ca_env && *ca_env ? ca_env : CLI_DEFAULT_CA;
        if (access(ca, R_OK) < 0)
                return cli_fail(-EIO, "cannot read the cluster's CA %s: %s (copy ca.pem from a node's "
                                        "/etc/wolfpack/tls, and give it with --ca or $" CLI_CA_ENV ")",
                                ca, strerror(errno));
        char token[1024];
        int r = token_get(g->token_file, token, sizeof(token));
        if (r < 0)
                return r;
        cli->where = server;
        r = cli_http_new_remote(server, ca, token, answer, &cli->http);
        explicit_bzero(token, sizeof(token));
        return r;
}

static int run(int argc, char **argv) {
        CliGlobal g;
        char err[512];
        int r;

        r = cli_global_parse(&argc, argv, &g, err, sizeof err);
        if (r < 0)
                return cli_fail(r, "%s (wolfpack --help shows the usage)", err);
        if (g.version) {
                puts("wolfpack " WOLFPACK_VERSION);
                return 0;
        }

        int n = argc - 1;
        char **args = argv + 1;
        if (n > 0 && strcmp(args[0], "help") == 0)
                return help(n - 1, args + 1);
        if (n == 0) {
                if (g.help)
                        return help(0, NULL);
                cli_usage_all(cli_verbs, stderr);
                return -EINVAL;
        }

        const CliVerb *v;
        const char *noun;
        int used;
        r = cli_verb_find(cli_verbs, n, args, &v, &used, &noun, err, sizeof err);
        if (r < 0) {
                cli_fail(r, "%s", err);
                if (noun)
                        cli_usage_noun(cli_verbs, noun, stderr);
                return r;
        }
        if (g.help)
                return help(used, args);

        CliArgs a;
        r = cli_args_parse(v, n - used, args + used, &a, err, sizeof err);
        if (r < 0)
                return cli_usage_error(v, "%s", err);

        Cli cli = {
                .json = g.json,
                .no_wait = g.no_wait,
                .timeout_usec = CLI_DEFAULT_TIMEOUT_USEC,
        };
        int k = g.timeout ? parse_duration(g.timeout, &cli.timeout_usec) : 0;
        if (k < 0 || (g.timeout && cli.timeout_usec == 0)) {
                cli_args_done(&a);
                if (k == -ERANGE)
                        return cli_usage_error(v, "--timeout: \"%s\" %s", g.timeout, parse_duration_error(k));
                return cli_usage_error(v, "--timeout: \"%s\" is not a duration above zero (such as 30s, 10min)",
                                       g.timeout);
        }
        const char *term = getenv("TERM");
        cli.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !(term && strcmp(term, "dumb") == 0);

        r = v->flags & CLI_LOCAL ? 0 : connect_api(&g, &cli);
        if (r >= 0)
                r = v->run(&cli, &a);
        cli_http_free(cli.http);
        cli_args_done(&a);
        return r;
}

int main(int argc, char **argv) {
        return cli_exit_code(run(argc, argv));
}
