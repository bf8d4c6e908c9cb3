/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target of the `wolfpack` command line (src/cli/cli-args.c), with
 * the real verb table. The input is the arguments, separated by NUL bytes.
 * Invariants: the global options come out leaving the other arguments in
 * their order; a verb found is named by at most its two first words; what
 * follows parses into no more positional arguments than the verb names,
 * every required option given (each value of one that repeats kept), props
 * exactly when the verb takes them (at least one when it needs them);
 * every refusal has a one-line message.
 * Any difference aborts.
 *
 * Built with libFuzzer (clang -fsanitize=fuzzer, see README.md), or with
 * -DFUZZ_STANDALONE as a plain program that replays files and corpora.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-args.h"
#include "cli.h"
#include "fuzz.h"
#include "macro.h"
#include "strv.h"

static void check_refusal(int r, const char *err, size_t errlen) {
        check(r == -EINVAL);
        check_message(err, errlen);
}

static bool is_word(char **words, const char *p) {
        for (size_t i = 0; words[i]; i++)
                if (p >= words[i] && p <= words[i] + strlen(words[i]))
                        return true;
        return false;
}

static void check_parsed(const CliVerb *v, int n, char **args, char **words) {
        CliArgs a;
        char err[1024] = "";
        int r = cli_args_parse(v, n, args, &a, err, sizeof err);
        if (r < 0) {
                check_refusal(r, err, sizeof err);
                return;
        }
        check(a.verb == v);
        check(a.n_pos <= CLI_MAX_POSITIONAL);
        for (size_t i = 0; i < a.n_pos; i++)
                check(a.pos[i] && is_word(words, a.pos[i]));
        for (size_t i = 0; i < CLI_MAX_OPTIONS && v->options[i].name; i++) {
                if (v->options[i].required)
                        check(a.opt[i]);
                if (a.opt[i] && !v->options[i].metavar)
                        check(a.opt[i][0] == '\0');
                if (a.opt[i] && v->options[i].metavar)
                        check(is_word(words, a.opt[i]));
                /* Every value of an option that repeats, the first its value. */
                if (v->options[i].required == CLI_REPEATED) {
                        check(a.n_all[i] >= 1 && a.all[i][0] == a.opt[i]);
                        for (size_t k = 0; k < a.n_all[i]; k++)
                                check(is_word(words, a.all[i][k]));
                } else
                        check(!a.all[i] && a.n_all[i] == 0);
        }
        check((a.props != NULL) == (v->props != CLI_PROPS_NONE));
        if (a.props) {
                check(json_is_object(a.props));
                if (v->props == CLI_PROPS_REQUIRED)
                        check(json_object_size(a.props) > 0);
                const char *k;
                json_t *val;
                json_object_foreach(a.props, k, val) {
                        check(k[0] != '\0');
                        check(json_is_string(val));
                }
        }
        cli_args_done(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char **words = fuzz_words(data, size);
        size_t n = strv_length(words);
        char **argv = calloc(n + 2, sizeof(char *));
        check(argv);
        argv[0] = (char *) "wolfpack";
        memcpy(argv + 1, words, n * sizeof(char *));
        char **orig = calloc(n + 2, sizeof(char *));
        check(orig);
        memcpy(orig, argv, (n + 1) * sizeof(char *));

        int argc = (int) n + 1;
        CliGlobal g;
        char err[1024] = "";
        int r = cli_global_parse(&argc, argv, &g, err, sizeof err);
        if (r < 0) {
                check_refusal(r, err, sizeof err);
                goto done;
        }
        /* What is left keeps its order: a subsequence of the original. */
        check(argc >= 1 && argc <= (int) n + 1);
        check(argv[0] == orig[0]);
        for (int i = 1, j = 1; i < argc; i++, j++) {
                while (j <= (int) n && orig[j] != argv[i])
                        j++;
                check(j <= (int) n);
        }

        const CliVerb *v = NULL;
        const char *noun = NULL;
        int used = -1;
        err[0] = '\0';
        r = cli_verb_find(cli_verbs, argc - 1, argv + 1, &v, &used, &noun, err, sizeof err);
        if (r < 0) {
                check_refusal(r, err, sizeof err);
                goto done;
        }
        check(v && v->noun);
        check(used >= 0 && used <= 2 && used <= argc - 1);
        check_parsed(v, argc - 1 - used, argv + 1 + used, words);

        FILE *null = fopen("/dev/null", "we");
        check(null);
        cli_usage_line(v, null);
        cli_usage_noun(cli_verbs, v->noun, null);
        fclose(null);
done:
        free(orig);
        free(argv);
        strv_free(words);
        return 0;
}
