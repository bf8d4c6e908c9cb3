/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The application core's text work: messages about how a process ended,
 * /proc/PID/stat and pid-file parsing, environment entries, the argv given
 * to execve for CommandLine. Pure functions: no I/O, no host callbacks, never logs.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genapp-internal.h"
#include "macro.h"
#include "shell-split.h"
#include "strv.h"
#include "text-quote.h"

const char *genapp_signal_name(int sig) {
        return sigabbrev_np(sig);
}

void genapp_describe_exit(pid_t pid, const wp_exit *how, char *buf, size_t len) {
        char who[32] = "";
        const char *name;

        if (pid > 0)
                snprintf(who, sizeof who, "process %d ", (int) pid);
        switch (how->code) {
        case CLD_EXITED:
                snprintf(buf, len, "%sexited with code %d", who, how->status);
                return;
        case CLD_KILLED:
        case CLD_DUMPED:
                name = genapp_signal_name(how->status);
                snprintf(buf, len, "%swas killed by signal %d%s%s%s%s", who, how->status, name ? " (" : "",
                         name ?: "", name ? ")" : "", how->code == CLD_DUMPED ? " and dumped core" : "");
                return;
        default:
                snprintf(buf, len, "%sended (waitid code %d, status %d)", who, how->code, how->status);
        }
}

int genapp_parse_stat_session(const char *stat, pid_t *ret_sid) {
        /* "pid (comm) state ppid pgrp session ...": comm may hold anything,
         * ')' and blanks included, so parse after the last ')'. */
        const char *p = strrchr(stat, ')');
        char state;
        int ppid, pgrp, session;

        if (!p)
                return -EINVAL;
        if (sscanf(p + 1, " %c %d %d %d", &state, &ppid, &pgrp, &session) != 4)
                return -EINVAL;
        if (session < 0)
                return -EINVAL;
        *ret_sid = session;
        return 0;
}

int genapp_parse_pid(const char *text, pid_t *ret) {
        const char *p = text;
        long long v = 0;

        while (*p && isspace((unsigned char) *p))
                p++;
        if (!*p)
                return -ENODATA;
        if (!isdigit((unsigned char) *p))
                return -EINVAL;
        for (; isdigit((unsigned char) *p); p++) {
                v = v * 10 + (*p - '0');
                if (v > INT_MAX)
                        return -EINVAL;
        }
        while (*p && isspace((unsigned char) *p))
                p++;
        if (*p || v <= 0)
                return -EINVAL;
        *ret = (pid_t) v;
        return 0;
}

int genapp_parse_id(const char *s, uint32_t *ret) {
        unsigned long long v = 0;

        if (!s || !*s)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (!isdigit((unsigned char) *p))
                        return -EINVAL;
                v = v * 10 + (unsigned) (*p - '0');
                /* (uid_t) -1 means "unchanged" to setresuid: never an id. */
                if (v >= UINT32_MAX)
                        return -EINVAL;
        }
        *ret = (uint32_t) v;
        return 0;
}

int genapp_env_entry_check(const char *entry, char *err, size_t errlen) {
        const char *eq = strchr(entry, '=');

        /* The entry is untrusted text: quoted, so that the message stays
         * one line of valid UTF-8 whatever it holds. */
        if (!eq) {
                snprintf(err, errlen, "entry %s has no '=': write KEY=VALUE", text_quote(entry).s);
                return -EINVAL;
        }
        if (eq == entry) {
                snprintf(err, errlen, "entry %s has an empty key: write KEY=VALUE", text_quote(entry).s);
                return -EINVAL;
        }
        for (const char *p = entry; p < eq; p++) {
                bool ok = *p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                          (p > entry && *p >= '0' && *p <= '9');
                if (!ok) {
                        snprintf(err, errlen,
                                 "entry %s has an invalid key: a key is letters, digits and '_', "
                                 "not starting with a digit",
                                 text_quote(entry).s);
                        return -EINVAL;
                }
        }
        return 0;
}

int genapp_env_put(char ***env, char *entry) {
        const char *eq = strchr(entry, '=');
        size_t klen = eq ? (size_t) (eq - entry) + 1 : strlen(entry);

        for (char **e = *env; e && *e; e++)
                if (strncmp(*e, entry, klen) == 0) {
                        free(*e);
                        *e = entry;
                        return 0;
                }
        if (strv_push(env, entry) < 0) {
                free(entry);
                return -ENOMEM;
        }
        return 0;
}

int genapp_command_argv(const char *command_line, bool use_shell, char ***ret, char *err, size_t errlen) {
        _cleanup_strv_free_ char **words = NULL;
        const char *text = command_line ? command_line + strspn(command_line, " \t\r\n") : "";
        int r;

        if (!text[0]) {
                snprintf(err, errlen, "empty: give the program to run and its arguments");
                return -EINVAL;
        }
        r = shell_split(text, &words, err, errlen);
        if (r == -ENOMEM)
                return r;
        if (!use_shell) {
                if (r < 0)
                        return r;
                /* Blanks joined by backslash-newlines split into no word. */
                if (!words[0]) {
                        snprintf(err, errlen, "empty: give the program to run and its arguments");
                        return -EINVAL;
                }
                if (words[0][0] == '\0') {
                        snprintf(err, errlen, "the program's name is empty: give the program to run first");
                        return -EINVAL;
                }
                *ret = TAKE_PTR(words);
                return 0;
        }

        /* The shell checks its own syntax; only the one-quoted-word form
         * needs the split, and a value that does not split is not it. */
        const char *script = command_line;
        if (r == 0 && (text[0] == '\'' || text[0] == '"') && strv_length(words) == 1)
                script = words[0];
        char *argv[] = { "/bin/sh", "-c", (char *) script, NULL };
        char **copy = strv_copy(argv);
        if (!copy)
                return -ENOMEM;
        *ret = copy;
        return 0;
}
