/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wolfpack-resmon-driver: a stand-in parent for wolfpack-resmon
 * (docs/resmon-driver.md). The Driver ties together the connection to the
 * monitor (src/common/resmon-client.h: hello, heartbeats, DeadlockTimeout,
 * the lease, the where page), the command input, the requests it sent and
 * the last reported states; each concept lives in its own file and takes
 * the Driver it works on.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <systemd/sd-event.h>

#include "input.h"
#include "resmon-client.h"
#include "resource-states.h"

typedef struct Options {
        char *plugin_dir;
        char *runtime_dir;
        char *state_dir;
        char *cgroup;
        char *name;
        char *monitor;
        char *script;
        char *reattach_timeout; /* passed on as given, after checking it parses */
        uint64_t deadlock_timeout_usec;
        uint64_t heartbeat_interval_usec;
        bool attach;
} Options;

/* What keeps the driver from reading the next command. */
typedef enum Block {
        BLOCK_NONE,
        BLOCK_WAIT,       /* until a resource reaches a state, or a timeout */
        BLOCK_WAIT_REPLY, /* until every awaited request has its reply */
        BLOCK_SLEEP,      /* until a timer */
        BLOCK_DRAIN,      /* end of input: every reply, then quit */
        BLOCK_QUIT,       /* exit sent: the monitor's end ends the driver */
} Block;

typedef struct Driver {
        Options opts;
        sd_event *event;
        uint64_t t0_usec; /* CLOCK_MONOTONIC at start; t_ms counts from here */

        ResmonClient *client;
        bool attached;

        Input *input;
        size_t awaited; /* requests sent from the input (and lease grants, exit) unanswered */
        ResourceStates states;

        sd_event_source *kick; /* runs the command pump from the loop */
        Block block;
        char *wait_resource;
        char *wait_state;
        uint64_t block_since_usec;
        sd_event_source *block_timer;

        bool quitting;
        int quit_status;
        bool exit_replied; /* the monitor acknowledged exit */
        bool exiting;
        int signals_seen;
} Driver;

static inline bool driver_streq(const char *a, const char *b) {
        return a && b && strcmp(a, b) == 0;
}

/* driver.c */
void driver_kick(Driver *d);
void driver_quit(Driver *d, int status);
void driver_exit(Driver *d, int status);
uint64_t driver_t_ms(const Driver *d);

/* output.c: print one line (with t_ms) and drop the reference. */
void driver_emit(Driver *d, json_t *msg);
void driver_emit_error(Driver *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What a request was sent for: decides whether `wait-reply` waits for it
 * and how its reply is printed. */
typedef enum RequestKind {
        REQUEST_COMMAND,     /* a protocol request from the input */
        REQUEST_LEASE_GRANT, /* lease-start's first lease */
        REQUEST_EXIT,        /* quit */
} RequestKind;

/* messages.c */
int driver_send(Driver *d, json_t *msg, RequestKind kind);
/* Grant a lease and renew it every renew_usec (duration 0 withdraws). */
int driver_lease_start(Driver *d, uint64_t duration_usec, uint64_t renew_usec);
extern const ResmonClientOps driver_client_ops;

/* commands.c */
void commands_pump(Driver *d);
void commands_check_block(Driver *d);
void commands_clear_block(Driver *d);

/* Timers fire within a millisecond: t_ms and waited_ms are read by tests. */
#define TIMER_ACCURACY_USEC 1000

/* Arm a CLOCK_MONOTONIC timer source `after` from now, creating it if
 * needed (driver.c). */
int driver_timer_arm(Driver *d, sd_event_source **s, uint64_t after_usec,
                     sd_event_time_handler_t fn);
