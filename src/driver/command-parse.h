/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One line of the driver's command script (docs/resmon-driver.md) read
 * into what it asks for, every member checked, before anything runs: the
 * driver's own commands with their arguments, or a protocol request to
 * pass on. Pure; commands.c runs what this gives.
 */
#pragma once

#include <jansson.h>
#include <stdint.h>

typedef enum CommandKind {
        COMMAND_NONE,          /* a blank line or a comment */
        COMMAND_REQUEST,       /* any other type: a request for the monitor */
        COMMAND_WAIT,
        COMMAND_WAIT_REPLY,
        COMMAND_SLEEP,
        COMMAND_LEASE_START,
        COMMAND_LEASE_STOP,
        COMMAND_DETACH,
        COMMAND_KILL_MONITOR,
        COMMAND_QUIT,
} CommandKind;

typedef struct Command {
        CommandKind kind;
        json_t *msg;               /* the line's object; NULL for COMMAND_NONE */
        const char *type;          /* in msg */
        const char *resource;      /* wait */
        const char *state;         /* wait: a state name */
        uint64_t timeout_usec;     /* wait: 30 s when not given */
        uint64_t for_usec;         /* sleep */
        uint64_t duration_usec;    /* lease-start */
        uint64_t renew_usec;       /* lease-start: a third of the duration when not given */
        int signal;                /* kill-monitor: SIGKILL when not given */
} Command;

/* 0 and *ret (free with command_done), or -EINVAL with err saying what is
 * wrong with the line. */
int command_parse(const char *line, Command *ret, char *err, size_t errlen);
void command_done(Command *c);
