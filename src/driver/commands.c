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
#include <stdio.h>
#include <string.h>

#include "command-parse.h"
#include "driver.h"
#include "macro.h"
#include "time-util.h"

typedef struct Runner {
        CommandKind kind;
        int (*run)(Driver *d, const Command *c, char *err, size_t errlen);
} Runner;

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

static int cmd_wait(Driver *d, const Command *c, char *err, size_t errlen) {
        if (driver_streq(resource_states_get(&d->states, c->resource), c->state)) {
                emit_wait_done(d, c->resource, c->state, 0);
                return 0;
        }
        d->wait_resource = strdup(c->resource);
        d->wait_state = strdup(c->state);
        if (!d->wait_resource || !d->wait_state) {
                commands_clear_block(d);
                return -ENOMEM;
        }
        return block_for(d, BLOCK_WAIT, c->timeout_usec);
}

static int cmd_wait_reply(Driver *d, const Command *c, char *err, size_t errlen) {
        if (d->awaited == 0)
                return 0;
        return block_for(d, BLOCK_WAIT_REPLY, UINT64_MAX);
}

static int cmd_sleep(Driver *d, const Command *c, char *err, size_t errlen) {
        return block_for(d, BLOCK_SLEEP, c->for_usec);
}

static int cmd_lease_start(Driver *d, const Command *c, char *err, size_t errlen) {
        int r = driver_lease_start(d, c->duration_usec, c->renew_usec);
        if (r < 0)
                snprintf(err, errlen, "Cannot send the lease: %s", strerror(-r));
        return r;
}

static int cmd_lease_stop(Driver *d, const Command *c, char *err, size_t errlen) {
        resmon_client_lease_stop(d->client);
        return 0;
}

static int cmd_detach(Driver *d, const Command *c, char *err, size_t errlen) {
        driver_exit(d, 0);
        return 0;
}

static int cmd_kill_monitor(Driver *d, const Command *c, char *err, size_t errlen) {
        int r = resmon_client_kill(d->client, c->signal);
        if (r < 0)
                snprintf(err, errlen, "Cannot signal the monitor (pid %d): %s", (int) resmon_client_pid(d->client),
                         strerror(-r));
        return r;
}

static int cmd_quit(Driver *d, const Command *c, char *err, size_t errlen) {
        driver_quit(d, 0);
        return 0;
}

static int cmd_request(Driver *d, const Command *c, char *err, size_t errlen) {
        int r = driver_send(d, c->msg, REQUEST_COMMAND);
        if (r < 0)
                snprintf(err, errlen, "Cannot send \"%s\" to the monitor: %s", c->type, strerror(-r));
        return r;
}

static const Runner runners[] = {
        { COMMAND_REQUEST, cmd_request },
        { COMMAND_WAIT, cmd_wait },
        { COMMAND_WAIT_REPLY, cmd_wait_reply },
        { COMMAND_SLEEP, cmd_sleep },
        { COMMAND_LEASE_START, cmd_lease_start },
        { COMMAND_LEASE_STOP, cmd_lease_stop },
        { COMMAND_DETACH, cmd_detach },
        { COMMAND_KILL_MONITOR, cmd_kill_monitor },
        { COMMAND_QUIT, cmd_quit },
};

static void command_run(Driver *d, const char *line) {
        char err[512] = "";
        Command c;
        int r = command_parse(line, &c, err, sizeof err);

        if (r < 0) {
                driver_emit_error(d, "%s", err);
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(runners); i++)
                if (runners[i].kind == c.kind)
                        r = runners[i].run(d, &c, err, sizeof err);
        if (r < 0)
                driver_emit_error(d, "%s", err[0] ? err : strerror(-r));
        command_done(&c);
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
