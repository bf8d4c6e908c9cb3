/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The command line of `wolfpack`: global options anywhere, the verb named
 * by its first words, then the verb's own options, positional arguments and
 * K=V properties; and the usage texts generated from the verb table. Pure:
 * every failure comes back as -EINVAL with a message for a person (with a
 * "did you mean" when something close exists).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli.h"

typedef struct CliGlobal {
        const char *socket_path;   /* --socket; NULL when not given */
        const char *server;        /* --server URL; NULL when not given */
        const char *token_file;    /* --token-file */
        const char *ca_file;       /* --ca */
        const char *timeout;       /* --timeout, as typed; NULL when not given */
        bool json, no_wait, help, version;
} CliGlobal;

/* Take the global options (--socket PATH, --server URL, --token-file FILE,
 * --ca FILE, --json, --no-wait, --timeout
 * DURATION, --help/-h, --version) out of argv[1..], wherever they are
 * before a "--", keeping the order of the rest; *argc shrinks. */
int cli_global_parse(int *argc, char **argv, CliGlobal *ret, char *err, size_t errlen);

/* The row of table for the command in args[0] (a noun, or "noun" plural)
 * and args[1] (its verb: "list" when missing or when an option comes
 * first). *ret_used is how many words named it. -EINVAL for an unknown
 * noun or verb, with *ret_noun set to the noun when only the verb is
 * wrong (NULL otherwise). */
int cli_verb_find(const CliVerb *table, int n_args, char **args, const CliVerb **ret, int *ret_used,
                  const char **ret_noun, char *err, size_t errlen);

/* Parse what follows the verb's words. On success *ret owns props. */
int cli_args_parse(const CliVerb *v, int n_args, char **args, CliArgs *ret, char *err, size_t errlen);
void cli_args_done(CliArgs *a);

/* "wolfpack group online G [--no-wait] [--timeout DURATION]" for v. */
void cli_usage_line(const CliVerb *v, FILE *f);
/* Whether noun has verbs (and not only a command of its own). */
bool cli_noun_has_verbs(const CliVerb *table, const char *noun);
/* Every verb of noun, one usage line each. */
void cli_usage_noun(const CliVerb *table, const char *noun, FILE *f);
/* Every command with its summary, then the global options. */
void cli_usage_all(const CliVerb *table, FILE *f);
