/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The shared vocabulary of `wolfpack`, the command-line client of the API:
 * the run-time context every verb gets (Cli), a verb's parsed arguments
 * (CliArgs) and the verb table's rows (CliVerb). Verbs return 0 or a
 * negative errno, having printed what went wrong; cli_exit_code() turns
 * that into the exit status. Two errno values are reserved for meaning:
 * -EINVAL is a usage error (exit 2) and -ENOENT a missing object (exit 3);
 * everything else is "the operation failed" (exit 1).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include <wolfpack/resapi.h>

#define CLI_DEFAULT_SOCKET "/run/wolfpack/wolfpack.sock"
#define CLI_SOCKET_ENV "WOLFPACK_SOCKET"
/* The remote API: a node's https://HOST:PORT, the token, the cluster CA. */
#define CLI_SERVER_ENV "WOLFPACK_SERVER"
#define CLI_TOKEN_ENV "WOLFPACK_TOKEN"
#define CLI_CA_ENV "WOLFPACK_CA"
#define CLI_DEFAULT_CA "/etc/wolfpack/tls/ca.pem"
#define CLI_DEFAULT_TIMEOUT_USEC (5 * 60 * WP_USEC_PER_SEC)
/* How long an answer may take when --timeout is not given: wolfpackd
 * answers in milliseconds, so a longer silence means it is stuck. */
#define CLI_DEFAULT_ANSWER_USEC (30 * WP_USEC_PER_SEC)

enum {
        CLI_EXIT_OK = 0,
        CLI_EXIT_FAILED = 1,
        CLI_EXIT_USAGE = 2,
        CLI_EXIT_NOT_FOUND = 3,
};

typedef struct CliHttp CliHttp;

typedef struct Cli {
        const char *socket_path;
        const char *where;   /* the socket path, or the server's URL: for messages */
        bool json;           /* print the API's JSON instead of tables */
        bool no_wait;        /* return after the 202 of online/offline/move/fail/drain */
        bool color;          /* stdout is a terminal and NO_COLOR is unset */
        wp_usec_t timeout_usec;
        CliHttp *http;
} Cli;

/* One option a verb accepts, "--name VALUE" or "--name=VALUE", or a flag
 * ("--name") when metavar is NULL. required: false, true, or
 * CLI_REPEATED — required, and given as often as there are values
 * (cli_args_opt_all) — or CLI_REPEATED_OPTIONAL, the same but optional. */
typedef struct CliOption {
        const char *name;
        const char *metavar;
        int required;
} CliOption;
#define CLI_REPEATED 2
#define CLI_REPEATED_OPTIONAL 3

#define CLI_MAX_OPTIONS 12
#define CLI_MAX_POSITIONAL 4

typedef struct CliVerb CliVerb;

typedef enum CliProps {
        CLI_PROPS_NONE,
        CLI_PROPS_OPTIONAL,     /* [K=V ...] */
        CLI_PROPS_REQUIRED,     /* K=V ... (at least one) */
} CliProps;

typedef struct CliArgs {
        const CliVerb *verb;
        const char *pos[CLI_MAX_POSITIONAL];
        size_t n_pos;
        /* Indexed like verb->options: the value, "" for a flag that is set,
         * NULL when not given. */
        const char *opt[CLI_MAX_OPTIONS];
        /* Indexed the same: every value of an option that repeats, in the
         * order given (pointers into the command line; the array is owned). */
        const char **all[CLI_MAX_OPTIONS];
        size_t n_all[CLI_MAX_OPTIONS];
        /* The K=V arguments as a JSON object of text values; NULL unless
         * the verb takes them. */
        json_t *props;
} CliArgs;

typedef int (*cli_run_fn)(Cli *cli, const CliArgs *args);

struct CliVerb {
        const char *noun;       /* "group"; or a command of its own: "status" */
        /* "online"; NULL for a command of its own. A noun may have both:
         * `wolfpack cluster` and `wolfpack cluster init`. */
        const char *verb;
        /* Positional arguments by name, optional ones in brackets: "R [K]".
         * Their count bounds how many are taken. */
        const char *pos;
        CliOption options[CLI_MAX_OPTIONS];  /* up to the first with name NULL */
        CliProps props;         /* trailing K=V arguments */
        unsigned flags;         /* CLI_WAITS, CLI_LOCAL */
        const char *summary;    /* one line for people */
        cli_run_fn run;
};

/* The verb follows the change to its end: --no-wait, --timeout. */
#define CLI_WAITS 1u
/* The verb works on this machine's files and never talks to wolfpackd:
 * it runs without a connection, whatever --server or $WOLFPACK_SERVER say. */
#define CLI_LOCAL 2u

/* The table of every verb, terminated by a row with noun NULL. */
extern const CliVerb cli_verbs[];

/* More than the usage line, for `wolfpack help` of the verbs that need it;
 * terminated by a row with noun NULL. */
typedef struct CliHelp {
        const char *noun, *verb;
        const char *text;   /* lines, each ending in a newline */
} CliHelp;
extern const CliHelp cli_help[];

/* The option's value by name (NULL when not given); name must be one of
 * the verb's options. */
const char *cli_args_opt(const CliArgs *a, const char *name);
/* Every value of an option that repeats, *ret_n of them (0: not given). */
const char *const *cli_args_opt_all(const CliArgs *a, const char *name, size_t *ret_n);

/* Print "wolfpack: <message>" on stderr and return r. */
int cli_fail(int r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print "wolfpack: <message>" and the verb's usage on stderr; -EINVAL. */
int cli_usage_error(const CliVerb *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The exit status for a verb's result. */
int cli_exit_code(int r);
