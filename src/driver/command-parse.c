/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading a command line of the driver's script (see command-parse.h).
 * A duration is text as an administrator types it ("500ms", "2min", a bare
 * number of seconds) or a JSON number of seconds; a signal is a number or
 * a name with or without SIG.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "command-parse.h"
#include "macro.h"
#include "props.h"
#include "resource-states.h"
#include "text-quote.h"

#define WAIT_DEFAULT_TIMEOUT_USEC (30 * WP_USEC_PER_SEC)

/* -ENOENT when absent. */
static int duration_member(const json_t *cmd, const char *key, uint64_t *ret, char *err, size_t errlen) {
        const json_t *v = json_object_get(cmd, key);
        wp_usec_t usec;

        if (!v)
                return -ENOENT;
        if (json_is_string(v)) {
                int k = parse_duration(json_string_value(v), &usec);
                if (k < 0) {
                        snprintf(err, errlen, "\"%s\": %s %s", key, text_quote(json_string_value(v)).s,
                                 parse_duration_error(k));
                        return -EINVAL;
                }
        } else if (json_is_number(v) && json_number_value(v) >= 0 && json_number_value(v) < 1e12) {
                usec = (wp_usec_t) (json_number_value(v) * 1e6 + 0.5);
        } else {
                snprintf(err, errlen, "\"%s\" must be a duration such as \"10s\"", key);
                return -EINVAL;
        }
        *ret = usec;
        return 0;
}

static int required_string(const json_t *cmd, const char *key, const char **ret, char *err, size_t errlen) {
        *ret = json_string_value(json_object_get(cmd, key));
        if (*ret)
                return 0;
        snprintf(err, errlen, "%s needs a string member \"%s\"",
                 text_quote(json_string_value(json_object_get(cmd, "type"))).s, key);
        return -EINVAL;
}

static int parse_signal(const json_t *v, int *ret) {
        if (json_is_integer(v)) {
                json_int_t n = json_integer_value(v);
                if (n < 0 || n >= NSIG)
                        return -EINVAL;
                *ret = (int) n;
                return 0;
        }
        const char *s = json_string_value(v);
        if (!s)
                return -EINVAL;
        if (strncasecmp(s, "SIG", 3) == 0)
                s += 3;
        for (int i = 1; i < NSIG; i++) {
                const char *name = sigabbrev_np(i);
                if (name && strcasecmp(name, s) == 0) {
                        *ret = i;
                        return 0;
                }
        }
        return -EINVAL;
}

static int parse_wait(Command *c, char *err, size_t errlen) {
        int r;
        if ((r = required_string(c->msg, "resource", &c->resource, err, errlen)) < 0 ||
            (r = required_string(c->msg, "state", &c->state, err, errlen)) < 0)
                return r;
        if (!resource_state_known(c->state)) {
                snprintf(err, errlen,
                         "%s is not a state: Offline, OnlinePending, Online, OfflinePending, Failed or Initializing",
                         text_quote(c->state).s);
                return -EINVAL;
        }
        c->timeout_usec = WAIT_DEFAULT_TIMEOUT_USEC;
        r = duration_member(c->msg, "timeout", &c->timeout_usec, err, errlen);
        return r == -ENOENT ? 0 : r;
}

static int parse_sleep(Command *c, char *err, size_t errlen) {
        int r = duration_member(c->msg, "for", &c->for_usec, err, errlen);
        if (r == -ENOENT) {
                snprintf(err, errlen, "\"sleep\" needs \"for\", a duration such as \"500ms\"");
                return -EINVAL;
        }
        return r;
}

static int parse_lease_start(Command *c, char *err, size_t errlen) {
        int r = duration_member(c->msg, "duration", &c->duration_usec, err, errlen);
        if (r == -ENOENT) {
                snprintf(err, errlen, "\"lease-start\" needs \"duration\", such as \"3s\"");
                return -EINVAL;
        }
        if (r < 0)
                return r;
        r = duration_member(c->msg, "renew", &c->renew_usec, err, errlen);
        if (r == -ENOENT)
                c->renew_usec = c->duration_usec / 3;
        else if (r < 0)
                return r;
        if (c->duration_usec > 0 && c->renew_usec < WP_USEC_PER_MSEC) {
                snprintf(err, errlen, "\"renew\" must be at least 1ms");
                return -EINVAL;
        }
        return 0;
}

static int parse_kill_monitor(Command *c, char *err, size_t errlen) {
        const json_t *v = json_object_get(c->msg, "signal");
        c->signal = SIGKILL;
        if (v && parse_signal(v, &c->signal) < 0) {
                snprintf(err, errlen, "\"signal\" must be a signal number or name (9, \"KILL\")");
                return -EINVAL;
        }
        return 0;
}

static const struct {
        const char *type;
        CommandKind kind;
        int (*parse)(Command *c, char *err, size_t errlen);
} commands[] = {
        { "wait", COMMAND_WAIT, parse_wait },
        { "wait-reply", COMMAND_WAIT_REPLY, NULL },
        { "sleep", COMMAND_SLEEP, parse_sleep },
        { "lease-start", COMMAND_LEASE_START, parse_lease_start },
        { "lease-stop", COMMAND_LEASE_STOP, NULL },
        { "detach", COMMAND_DETACH, NULL },
        { "kill-monitor", COMMAND_KILL_MONITOR, parse_kill_monitor },
        { "quit", COMMAND_QUIT, NULL },
};

int command_parse(const char *line, Command *ret, char *err, size_t errlen) {
        Command c = { .kind = COMMAND_NONE };
        json_error_t jerr;

        line += strspn(line, " \t");
        if (line[0] == '\0' || line[0] == '#') {
                *ret = c;
                return 0;
        }
        c.msg = json_loads(line, 0, &jerr);
        if (!c.msg) {
                /* jansson's text holds a piece of the line as it is. */
                snprintf(err, errlen, "Not a JSON command: %s (column %d)", text_quote(jerr.text).s, jerr.column);
                return -EINVAL;
        }
        c.type = json_string_value(json_object_get(c.msg, "type"));
        if (!json_is_object(c.msg) || !c.type) {
                snprintf(err, errlen, "A command is a JSON object with a string member \"type\"");
                command_done(&c);
                return -EINVAL;
        }
        c.kind = COMMAND_REQUEST;
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (strcmp(commands[i].type, c.type) == 0) {
                        c.kind = commands[i].kind;
                        int r = commands[i].parse ? commands[i].parse(&c, err, errlen) : 0;
                        if (r < 0) {
                                command_done(&c);
                                return r;
                        }
                }
        *ret = c;
        return 0;
}

void command_done(Command *c) {
        json_decref(c->msg);
        *c = (Command) {};
}
