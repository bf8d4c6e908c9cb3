/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The driver's commands (docs/resmon-driver.md): one JSON object per input
 * line. A `type` found in the table below is the driver's own; any other
 * is a protocol request and goes to the monitor as it is, with an id.
 *
 * Commands run one after another. Some block the reading of the next one:
 *
 *   block        entered by       left when                     then
 *   NONE         -                -                             read the next line
 *   WAIT         wait             the resource reaches S        wait-done, read on
 *                                 the timeout                   wait-timeout; quit(1) with --script
 *   WAIT_REPLY   wait-reply       every awaited reply is in     read on
 *   SLEEP        sleep            its timer                     read on
 *   DRAIN        end of input     every awaited reply is in     quit(0)
 *   QUIT         quit             (never: the monitor's end ends the driver)
 *
 * A line the driver cannot read prints `error` and the next one is read.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "driver.h"
#include "macro.h"
#include "props.h"
#include "time-util.h"

#define WAIT_DEFAULT_TIMEOUT_USEC (30 * WP_USEC_PER_SEC)

typedef struct Command {
        const char *type;
        int (*run)(Driver *d, json_t *cmd, char *err, size_t errlen);
} Command;

/* A duration member: text as an administrator types it ("500ms", "2min",
 * a bare number of seconds) or a JSON number of seconds. -ENOENT when
 * absent. */
static int duration_member(const json_t *cmd, const char *key, uint64_t *ret, char *err,
                           size_t errlen) {
        const json_t *v = json_object_get(cmd, key);
        wp_usec_t usec;

        if (!v)
                return -ENOENT;
        if (json_is_string(v)) {
                int k = parse_duration(json_string_value(v), &usec);
                if (k < 0) {
                        snprintf(err, errlen, "\"%s\": \"%s\" %s", key, json_string_value(v), parse_duration_error(k));
                        return -EINVAL;
                }
        } else if (json_is_number(v) && json_number_value(v) >= 0 &&
                   json_number_value(v) < 1e12) {
                usec = (wp_usec_t) (json_number_value(v) * 1e6 + 0.5);
        } else {
                snprintf(err, errlen, "\"%s\" must be a duration such as \"10s\"", key);
                return -EINVAL;
        }
        *ret = usec;
        return 0;
}

static const char *required_string(const json_t *cmd, const char *key, char *err,
                                   size_t errlen) {
        const char *s = json_string_value(json_object_get(cmd, key));
        if (!s)
                snprintf(err, errlen, "\"%s\" needs a string member \"%s\"",
                         json_string_value(json_object_get(cmd, "type")), key);
        return s;
}

static int on_block_timer(sd_event_source *s, uint64_t usec, void *userdata);

static int block_for(Driver *d, Block b, uint64_t timeout_usec) {
        d->block = b;
        d->block_since_usec = now_monotonic_usec();
        if (timeout_usec == UINT64_MAX)
                return 0;
        return driver_timer_arm(d, &d->block_timer, timeout_usec, on_block_timer);
}

static uint64_t blocked_ms(const Driver *d) {
        return (now_monotonic_usec() - d->block_since_usec) / 1000;
}

void commands_clear_block(Driver *d) {
        d->block = BLOCK_NONE;
        free(d->wait_resource);
        free(d->wait_state);
        d->wait_resource = d->wait_state = NULL;
        (void) sd_event_source_set_enabled(d->block_timer, SD_EVENT_OFF);
}

static void emit_wait_done(Driver *d, const char *resource, const char *state, uint64_t ms) {
        driver_emit(d, json_pack("{s:s, s:s, s:s, s:I}", "type", "wait-done", "resource",
                                 resource, "state", state, "waited_ms", (json_int_t) ms));
}

static int on_block_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Driver *d = userdata;

        switch (d->block) {
        case BLOCK_WAIT: {
                const char *last = resource_states_get(&d->states, d->wait_resource);
                driver_emit(d, json_pack("{s:s, s:s, s:s, s:o, s:I}", "type", "wait-timeout",
                                         "resource", d->wait_resource, "state", d->wait_state,
                                         "last", last ? json_string(last) : json_null(),
                                         "waited_ms", (json_int_t) blocked_ms(d)));
                commands_clear_block(d);
                if (d->opts.script)
                        driver_quit(d, 1);
                else
                        driver_kick(d);
                break;
        }
        case BLOCK_SLEEP:
                commands_clear_block(d);
                driver_kick(d);
                break;
        default:
                break;
        }
        return 0;
}

void commands_check_block(Driver *d) {
        switch (d->block) {
        case BLOCK_WAIT: {
                const char *cur = resource_states_get(&d->states, d->wait_resource);
                if (!driver_streq(cur, d->wait_state))
                        return;
                emit_wait_done(d, d->wait_resource, d->wait_state, blocked_ms(d));
                commands_clear_block(d);
                driver_kick(d);
                break;
        }
        case BLOCK_WAIT_REPLY:
                if (d->awaited > 0)
                        return;
                commands_clear_block(d);
                driver_kick(d);
                break;
        case BLOCK_DRAIN:
                if (d->awaited > 0)
                        return;
                commands_clear_block(d);
                driver_quit(d, 0);
                break;
        default:
                break;
        }
}

static int cmd_wait(Driver *d, json_t *cmd, char *err, size_t errlen) {
        uint64_t timeout = WAIT_DEFAULT_TIMEOUT_USEC;
        const char *resource, *state;
        int r;

        resource = required_string(cmd, "resource", err, errlen);
        if (!resource)
                return -EINVAL;
        state = required_string(cmd, "state", err, errlen);
        if (!state)
                return -EINVAL;
        if (!resource_state_known(state)) {
                snprintf(err, errlen,
                         "\"%s\" is not a state: Offline, OnlinePending, Online, OfflinePending, "
                         "Failed or Initializing",
                         state);
                return -EINVAL;
        }
        r = duration_member(cmd, "timeout", &timeout, err, errlen);
        if (r < 0 && r != -ENOENT)
                return r;

        if (driver_streq(resource_states_get(&d->states, resource), state)) {
                emit_wait_done(d, resource, state, 0);
                return 0;
        }
        d->wait_resource = strdup(resource);
        d->wait_state = strdup(state);
        if (!d->wait_resource || !d->wait_state) {
                commands_clear_block(d);
                return -ENOMEM;
        }
        return block_for(d, BLOCK_WAIT, timeout);
}

static int cmd_wait_reply(Driver *d, json_t *cmd, char *err, size_t errlen) {
        if (d->awaited == 0)
                return 0;
        return block_for(d, BLOCK_WAIT_REPLY, UINT64_MAX);
}

static int cmd_sleep(Driver *d, json_t *cmd, char *err, size_t errlen) {
        uint64_t usec;
        int r = duration_member(cmd, "for", &usec, err, errlen);
        if (r == -ENOENT)
                snprintf(err, errlen, "\"sleep\" needs \"for\", a duration such as \"500ms\"");
        if (r < 0)
                return r;
        return block_for(d, BLOCK_SLEEP, usec);
}

static int cmd_lease_start(Driver *d, json_t *cmd, char *err, size_t errlen) {
        uint64_t duration, renew;
        int r;

        r = duration_member(cmd, "duration", &duration, err, errlen);
        if (r == -ENOENT)
                snprintf(err, errlen, "\"lease-start\" needs \"duration\", such as \"3s\"");
        if (r < 0)
                return r;
        r = duration_member(cmd, "renew", &renew, err, errlen);
        if (r == -ENOENT)
                renew = duration / 3;
        else if (r < 0)
                return r;
        if (duration > 0 && renew < WP_USEC_PER_MSEC) {
                snprintf(err, errlen, "\"renew\" must be at least 1ms");
                return -EINVAL;
        }
        r = driver_lease_start(d, duration, renew);
        if (r < 0)
                snprintf(err, errlen, "Cannot send the lease: %s", strerror(-r));
        return r;
}

static int cmd_lease_stop(Driver *d, json_t *cmd, char *err, size_t errlen) {
        resmon_client_lease_stop(d->client);
        return 0;
}

static int cmd_detach(Driver *d, json_t *cmd, char *err, size_t errlen) {
        driver_exit(d, 0);
        return 0;
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

static int cmd_kill_monitor(Driver *d, json_t *cmd, char *err, size_t errlen) {
        const json_t *v = json_object_get(cmd, "signal");
        int sig = SIGKILL;

        if (v && parse_signal(v, &sig) < 0) {
                snprintf(err, errlen, "\"signal\" must be a signal number or name (9, \"KILL\")");
                return -EINVAL;
        }
        int r = resmon_client_kill(d->client, sig);
        if (r < 0)
                snprintf(err, errlen, "Cannot signal the monitor (pid %d): %s",
                         (int) resmon_client_pid(d->client), strerror(-r));
        return r;
}

static int cmd_quit(Driver *d, json_t *cmd, char *err, size_t errlen) {
        driver_quit(d, 0);
        return 0;
}

static const Command command_table[] = {
        { "wait", cmd_wait },
        { "wait-reply", cmd_wait_reply },
        { "sleep", cmd_sleep },
        { "lease-start", cmd_lease_start },
        { "lease-stop", cmd_lease_stop },
        { "detach", cmd_detach },
        { "kill-monitor", cmd_kill_monitor },
        { "quit", cmd_quit },
};

static const Command *command_find(const char *type) {
        for (size_t i = 0; i < ELEMENTSOF(command_table); i++)
                if (strcmp(command_table[i].type, type) == 0)
                        return &command_table[i];
        return NULL;
}

static void command_run(Driver *d, const char *line) {
        char err[512] = "";
        json_error_t jerr;
        int r;

        line += strspn(line, " \t");
        if (line[0] == '\0' || line[0] == '#')
                return;

        json_t *cmd = json_loads(line, 0, &jerr);
        if (!cmd) {
                driver_emit_error(d, "Not a JSON command: %s (column %d)", jerr.text, jerr.column);
                return;
        }
        const char *type = json_string_value(json_object_get(cmd, "type"));
        if (!json_is_object(cmd) || !type) {
                driver_emit_error(d, "A command is a JSON object with a string member \"type\"");
                json_decref(cmd);
                return;
        }

        const Command *c = command_find(type);
        if (c)
                r = c->run(d, cmd, err, sizeof err);
        else {
                r = driver_send(d, cmd, REQUEST_COMMAND);
                if (r < 0)
                        snprintf(err, sizeof err, "Cannot send \"%s\" to the monitor: %s", type,
                                 strerror(-r));
        }
        if (r < 0)
                driver_emit_error(d, "%s", err[0] ? err : strerror(-r));
        json_decref(cmd);
}

void commands_pump(Driver *d) {
        while (d->block == BLOCK_NONE && d->attached && !d->exiting) {
                _cleanup_free_ char *line = NULL;
                int r = input_next(d->input, &line);
                if (r == 0)
                        return;
                if (r == -EPIPE) {
                        (void) block_for(d, BLOCK_DRAIN, UINT64_MAX);
                        commands_check_block(d);
                        return;
                }
                if (r == -EMSGSIZE) {
                        driver_emit_error(d, "A command line is longer than %u bytes; skipped",
                                          INPUT_MAX_LINE);
                        continue;
                }
                if (r < 0) {
                        driver_emit_error(d, "Cannot read commands: %s", strerror(-r));
                        continue;
                }
                command_run(d, line);
        }
}
