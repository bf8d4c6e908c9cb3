/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target of the application core's text parsers (src/genapp/
 * genapp-util.c, genapp-props.c): the PidFile contents (genapp_parse_pid),
 * the session in /proc/PID/stat, numeric User/Group ids, Environment
 * KEY=VALUE entries and their merging, the CommandLine split with and
 * without UseShell, the path checks and the validation of a whole set of
 * parameters. The input's first byte picks one; the rest is the text
 * (for the Environment and the parameters, words separated by NUL bytes).
 *
 * Invariants: a pid or id parses to the value strtoll reads from the same
 * digits and formats back to itself; outputs are untouched on refusal;
 * merged environments hold each key once, with the last value given; a
 * split CommandLine joins and splits back to the same words; every
 * refusal has a one-line valid UTF-8 message (it is sent back in JSON).
 *
 * Built with libFuzzer (clang -fsanitize=fuzzer, see README.md), or with
 * -DFUZZ_STANDALONE as a plain program that replays files and corpora.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "genapp-internal.h"
#include "genapp.h"
#include "macro.h"
#include "shell-split.h"
#include "strv.h"

/* The digits of text between blanks, as a number, or -1 when text is not
 * that (the reference the parsers are held to). */
static long long digits_value(const char *text, bool blanks) {
        const char *p = text;
        if (blanks)
                while (isspace((unsigned char) *p))
                        p++;
        const char *start = p;
        while (*p >= '0' && *p <= '9')
                p++;
        const char *end = p;
        if (blanks)
                while (isspace((unsigned char) *p))
                        p++;
        if (end == start || *p)
                return -1;
        while (start < end - 1 && *start == '0')
                start++;
        if (end - start > 12)
                return LLONG_MAX;
        return strtoll(start, NULL, 10);
}

static void check_pid(const char *text) {
        pid_t pid = -7;
        int r = genapp_parse_pid(text, &pid);
        long long want = digits_value(text, true);
        if (text[strspn(text, " \t\n\v\f\r")] == '\0') {
                check(r == -ENODATA && pid == -7);
                return;
        }
        if (want <= 0 || want > INT_MAX) {
                check(r == -EINVAL && pid == -7);
                return;
        }
        check(r == 0 && pid == want);
        char buf[32];
        snprintf(buf, sizeof buf, "%d\n", (int) pid);
        pid_t again = 0;
        check(genapp_parse_pid(buf, &again) == 0 && again == pid);
}

static void check_stat(const char *text) {
        pid_t sid = -7;
        int r = genapp_parse_stat_session(text, &sid);
        check(r == 0 || r == -EINVAL);
        if (r < 0)
                check(sid == -7);
        else
                check(sid >= 0 && strrchr(text, ')'));
}

static void check_id(const char *text) {
        uint32_t id = 7;
        int r = genapp_parse_id(text, &id);
        long long want = digits_value(text, false);
        if (want < 0 || want >= UINT32_MAX) {
                check(r == -EINVAL && id == 7);
                return;
        }
        check(r == 0 && id == want);
}

static void check_env(char **words) {
        char **env = NULL;
        for (size_t i = 0; words[i]; i++) {
                char err[256] = "";
                int r = genapp_env_entry_check(words[i], err, sizeof err);
                check(r == 0 || r == -EINVAL);
                const char *eq = strchr(words[i], '=');
                bool valid = eq && eq > words[i] && !(words[i][0] >= '0' && words[i][0] <= '9') &&
                             strspn(words[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
                                     (size_t) (eq - words[i]);
                check((r == 0) == valid);
                if (r < 0) {
                        check_message(err, sizeof err);
                        continue;
                }
                char *e = strdup(words[i]);
                check(e);
                check(genapp_env_put(&env, e) == 0);
        }
        /* Each key once, with the value of its last valid entry. */
        for (size_t i = 0; env && env[i]; i++) {
                size_t klen = strchr(env[i], '=') - env[i] + 1;
                for (size_t j = i + 1; env[j]; j++)
                        check(strncmp(env[i], env[j], klen) != 0);
                const char *last = NULL;
                for (size_t j = 0; words[j]; j++)
                        if (strncmp(words[j], env[i], klen) == 0 && genapp_env_entry_check(words[j], (char[8]) {}, 8) == 0)
                                last = words[j];
                check(last && strcmp(last, env[i]) == 0);
        }
        strv_free(env);

        /* The check hook of the property table agrees with the entries. */
        char err[256] = "";
        char *const *member = words;
        int r = genapp_check_environment(&member, err, sizeof err);
        check(r == 0 || r == -EINVAL);
        if (r < 0)
                check_message(err, sizeof err);
}

static void check_command(const char *text) {
        for (int use_shell = 0; use_shell < 2; use_shell++) {
                char **argv = (char **) 0x1;
                char err[256] = "";
                int r = genapp_command_argv(text, use_shell, &argv, err, sizeof err);
                check(r == 0 || r == -EINVAL);
                if (r < 0) {
                        check(argv == (char **) 0x1);
                        check_message(err, sizeof err);
                        continue;
                }
                check(argv && argv[0] && argv[0][0]);
                if (use_shell) {
                        check(strv_length(argv) == 3 && strcmp(argv[0], "/bin/sh") == 0 && strcmp(argv[1], "-c") == 0);
                } else {
                        /* The words join and split back to themselves. */
                        char *joined = shell_join(argv);
                        check(joined);
                        char **again = NULL;
                        check(shell_split(joined, &again, err, sizeof err) == 0);
                        check(strv_equal(argv, again));
                        strv_free(again);
                        free(joined);
                }
                strv_free(argv);

                /* The property's own check refuses no less than blank text. */
                const char *member = text;
                r = genapp_check_command_line(&member, err, sizeof err);
                check(r == 0 || r == -EINVAL);
                if (r < 0)
                        check_message(err, sizeof err);
        }
}

static void check_path(const char *text) {
        char err[256] = "";
        const char *member = text;
        int r = genapp_check_absolute_path(&member, err, sizeof err);
        check((r == 0) == (text[0] == '/'));
        if (r < 0)
                check_message(err, sizeof err);
}

/* Words: CommandLine, CurrentDirectory, LogFile, PidFile, User, Group,
 * then the Environment. */
static void check_params(char **words, uint8_t flags) {
        char *none = NULL;
        size_t n = strv_length(words);
        GenappParams p = {
                .command_line = n > 0 ? words[0] : none,
                .use_shell = flags & 1,
                .current_directory = n > 1 && words[1][0] ? words[1] : none,
                .log_file = n > 2 && words[2][0] ? words[2] : none,
                .pid_file = n > 3 && words[3][0] ? words[3] : none,
                .user = n > 4 && !(flags & 2) ? words[4] : none,
                .group = n > 5 && !(flags & 4) ? words[5] : none,
                .environment = n > 6 ? words + 6 : NULL,
                .ready_port = flags & 8 ? 70000 : 80,
        };
        char err[256] = "";
        int r = genapp_params_validate(&p, err, sizeof err);
        check(r == 0 || r == -EINVAL);
        if (r < 0) {
                check_message(err, sizeof err);
                return;
        }
        GenappParams c;
        check(genapp_params_copy(&c, &p) == 0);
        check(genapp_params_validate(&c, err, sizeof err) == 0);
        check(strcmp(c.command_line, p.command_line) == 0);
        check(strv_equal(c.environment, p.environment));
        genapp_params_done(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size == 0)
                return 0;
        char *text = strndup((const char *) data + 1, size - 1);
        check(text);
        char **words = fuzz_words(data + 1, size - 1);
        switch (data[0] % 7) {
        case 0:
                check_pid(text);
                break;
        case 1:
                check_stat(text);
                break;
        case 2:
                check_id(text);
                break;
        case 3:
                check_env(words);
                break;
        case 4:
                check_command(text);
                break;
        case 5:
                check_path(text);
                break;
        case 6:
                check_params(words, data[0] / 7);
                break;
        }
        strv_free(words);
        free(text);
        return 0;
}
