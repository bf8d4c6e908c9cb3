/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The application properties: the StopSignal names, the check hooks of the
 * property table (GENAPP_PROPS in genapp.h), the validation of a whole set
 * of values, and copies of a GenappParams. Owns the messages that refuse a
 * value; each names the property and says what is allowed. Pure: no I/O,
 * no host callbacks.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "genapp-internal.h"
#include "genapp.h"
#include "macro.h"
#include "strv.h"
#include "text-quote.h"

const char *const genapp_stop_signal_names[] = { "TERM", "INT", "HUP", "QUIT", "KILL", "USR1", "USR2", NULL };
const int genapp_stop_signal_values[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGKILL, SIGUSR1, SIGUSR2 };

int genapp_check_command_line(const void *member, char *err, size_t errlen) {
        const char *text = *(const char *const *) member;

        if (!text || text[strspn(text, " \t\r\n")] == '\0') {
                snprintf(err, errlen, "empty: give the program to run and its arguments");
                return -EINVAL;
        }
        return 0;
}

int genapp_check_environment(const void *member, char *err, size_t errlen) {
        char *const *env = *(char *const *const *) member;

        for (size_t i = 0; env && env[i]; i++) {
                int r = genapp_env_entry_check(env[i], err, errlen);
                if (r < 0)
                        return r;
        }
        return 0;
}

int genapp_check_absolute_path(const void *member, char *err, size_t errlen) {
        const char *path = *(const char *const *) member;

        if (path && path[0] != '/') {
                snprintf(err, errlen, "%s is not an absolute path: it must start with '/'", text_quote(path).s);
                return -EINVAL;
        }
        return 0;
}

static int check_path(const char *name, const char *path, char *err, size_t errlen) {
        if (path && path[0] != '/') {
                snprintf(err, errlen, "%s: %s is not an absolute path: it must start with '/'", name, text_quote(path).s);
                return -EINVAL;
        }
        return 0;
}

int genapp_params_validate(const GenappParams *p, char *err, size_t errlen) {
        int r;

        _cleanup_strv_free_ char **argv = NULL;
        char why[256];
        r = genapp_command_argv(p->command_line, p->use_shell, &argv, why, sizeof why);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                snprintf(err, errlen, "CommandLine: %s", why);
                return r;
        }
        if ((r = check_path("CurrentDirectory", p->current_directory, err, errlen)) < 0 ||
            (r = check_path("LogFile", p->log_file, err, errlen)) < 0 ||
            (r = check_path("PidFile", p->pid_file, err, errlen)) < 0)
                return r;
        for (size_t i = 0; p->environment && p->environment[i]; i++) {
                char msg[512];
                if ((r = genapp_env_entry_check(p->environment[i], msg, sizeof msg)) < 0) {
                        snprintf(err, errlen, "Environment: %s", msg);
                        return r;
                }
        }
        if (p->user && !p->user[0]) {
                snprintf(err, errlen, "User: empty: give a user name or a numeric uid, or leave it unset");
                return -EINVAL;
        }
        if (p->group && !p->group[0]) {
                snprintf(err, errlen, "Group: empty: give a group name or a numeric gid, or leave it unset");
                return -EINVAL;
        }
        if (p->ready_port < 0 || p->ready_port > 65535) {
                snprintf(err, errlen, "ReadyPort: %lld is not a TCP port: use 1..65535", (long long) p->ready_port);
                return -EINVAL;
        }
        return 0;
}

static int copy_string(char **dst, const char *src) {
        *dst = NULL;
        if (src && !(*dst = strdup(src)))
                return -ENOMEM;
        return 0;
}

static int copy_strv(char ***dst, char *const *src) {
        *dst = NULL;
        if (src && !(*dst = strv_copy(src)))
                return -ENOMEM;
        return 0;
}

int genapp_params_copy(GenappParams *dst, const GenappParams *src) {
        GenappParams c = *src;

        /* Nothing of src may be freed if a copy below fails. */
        c.environment = c.ready_check = NULL;
        c.command_line = c.current_directory = c.user = c.group = c.log_file = c.pid_file = NULL;
        if (copy_string(&c.command_line, src->command_line) < 0 ||
            copy_string(&c.current_directory, src->current_directory) < 0 ||
            copy_strv(&c.environment, src->environment) < 0 || copy_string(&c.user, src->user) < 0 ||
            copy_string(&c.group, src->group) < 0 || copy_string(&c.log_file, src->log_file) < 0 ||
            copy_strv(&c.ready_check, src->ready_check) < 0 || copy_string(&c.pid_file, src->pid_file) < 0) {
                genapp_params_done(&c);
                return -ENOMEM;
        }
        *dst = c;
        return 0;
}

void genapp_params_done(GenappParams *p) {
        free(p->command_line);
        p->command_line = NULL;
        free(p->current_directory);
        p->current_directory = NULL;
        p->environment = strv_free(p->environment);
        free(p->user);
        p->user = NULL;
        free(p->group);
        p->group = NULL;
        free(p->log_file);
        p->log_file = NULL;
        p->ready_check = strv_free(p->ready_check);
        free(p->pid_file);
        p->pid_file = NULL;
}

int genapp_params_copy_live(GenappParams *dst, const GenappParams *src) {
        char **ready_check = NULL;

        if (copy_strv(&ready_check, src->ready_check) < 0)
                return -ENOMEM;
        strv_free(dst->ready_check);
        dst->ready_check = ready_check;
        dst->stop_signal = src->stop_signal;
        dst->stop_timeout = src->stop_timeout;
        dst->ready_port = src->ready_port;
        return 0;
}
