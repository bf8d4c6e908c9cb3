/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wolfpack-resmon-driver: a stand-in parent for wolfpack-resmon
 * (docs/resmon-driver.md). The Driver ties together the monitor link, the
 * command input, the outstanding requests and the last reported states;
 * each concept lives in its own file and takes the Driver it works on.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <systemd/sd-event.h>

#include "input.h"
#include "monitor-link.h"
#include "pending-requests.h"
#include "resource-states.h"
#include "resmon-where.h"

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

        MonitorLink *link;
        const struct resmon_where *where; /* mapped from the hello reply, or NULL */
        pid_t monitor_pid;
        bool attached;
        bool deadlocked;

        Input *input;
        Requests requests;
        ResourceStates states;
        uint64_t next_id;

        sd_event_source *heartbeat_timer;
        sd_event_source *deadlock_timer;

        sd_event_source *lease_timer;
        uint64_t lease_duration_usec;
        uint64_t lease_renew_usec;

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

/* messages.c */
int driver_send(Driver *d, json_t *msg, RequestKind kind);
void driver_on_message(json_t *msg, void *userdata);
void driver_on_broken(const char *why, void *userdata);
void driver_on_ended(const MonitorEnd *end, void *userdata);
int driver_send_hello(Driver *d);

/* liveness.c: heartbeats and DeadlockTimeout */
int liveness_setup(Driver *d);
int liveness_start(Driver *d);
void liveness_stop(Driver *d);
void liveness_update(Driver *d);

/* lease.c */
int lease_start(Driver *d, uint64_t duration_usec, uint64_t renew_usec);
void lease_stop(Driver *d);

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
