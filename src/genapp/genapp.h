/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Generic Application core: one cluster-unaware program run as a
 * resource, in its own session and its own cgroup, with graceful stop,
 * readiness waits and failure detection. Shared by every resource type that
 * runs an application (genapp, genjob): a type's plug-in file declares its
 * property table (GENAPP_PROPS at the offset of a GenappParams inside its
 * own parameter struct), points its entry-point table at the genapp_ep_*
 * functions, and adds its own work through GenappHooks.
 *
 * Everything here runs on the monitor's loop thread (no worker is used), so
 * terminate never races a callback of the same instance.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <wolfpack/resapi.h>

/* The properties every application resource has. Members are filled by the
 * monitor from the property table (types as in resapi.h). */
typedef struct GenappParams {
        char *command_line;       /* the text as written, required: split into words
                                   * (genapp_command_argv), or with use_shell the
                                   * script for /bin/sh -c */
        bool use_shell;
        char *current_directory;  /* NULL: / */
        char **environment;       /* KEY=VALUE entries */
        char *user;               /* name or numeric id; NULL: root */
        char *group;              /* name or numeric id; NULL: the user's */
        int stop_signal;          /* a signal number */
        wp_usec_t stop_timeout;
        char *log_file;           /* NULL: <state_dir>/output.log */
        char **ready_check;       /* NULL or empty: none */
        int64_t ready_port;       /* 0: none */
        char *pid_file;           /* NULL: the main process is the one watched */
        int64_t process_id;       /* read-only */
} GenappParams;

/* Deep copy and release of the members (not of the struct). */
int genapp_params_copy(GenappParams *dst, const GenappParams *src);
void genapp_params_done(GenappParams *p);

/* Copy the members that may change while online (StopSignal, StopTimeout,
 * ReadyCheck, ReadyPort) from src into dst. */
int genapp_params_copy_live(GenappParams *dst, const GenappParams *src);

/* Checks a set of values as a whole (WP_CONTROL_VALIDATE); pure. On failure
 * err names the property and says what is allowed. */
int genapp_params_validate(const GenappParams *p, char *err, size_t errlen);

/* Property check hooks (wp_prop.check). */
int genapp_check_command_line(const void *member, char *err, size_t errlen);
int genapp_check_environment(const void *member, char *err, size_t errlen);
int genapp_check_absolute_path(const void *member, char *err, size_t errlen);

extern const char *const genapp_stop_signal_names[];
extern const int genapp_stop_signal_values[];

#define GENAPP_MEMBER(base, field) ((size_t) (base) + offsetof(GenappParams, field))

/* The property table entries of a GenappParams that sits `base` bytes into
 * a type's parameter struct; a type's table is
 * `{ GENAPP_PROPS(offsetof(MyParams, app)), ...its own..., {} }`. */
#define GENAPP_PROPS(base)                                                                          \
        { .name = "CommandLine", .type = WP_PROP_STRING, .flags = WP_PROP_REQUIRED,                 \
          .offset = GENAPP_MEMBER(base, command_line), .check = genapp_check_command_line,         \
          .description = "the program and its arguments, split like a shell splits words and "      \
                         "executed directly; with UseShell, the shell script, exactly as written" }, \
        { .name = "UseShell", .type = WP_PROP_BOOL, .offset = GENAPP_MEMBER(base, use_shell),       \
          .default_value = "0",                                                                     \
          .description = "run CommandLine, as written, with /bin/sh -c (a CommandLine that is one " \
                         "quoted word as a whole loses those outer quotes)" },                      \
        { .name = "CurrentDirectory", .type = WP_PROP_STRING,                                       \
          .offset = GENAPP_MEMBER(base, current_directory), .check = genapp_check_absolute_path,   \
          .description = "absolute working directory (default /)" },                                \
        { .name = "Environment", .type = WP_PROP_LIST, .offset = GENAPP_MEMBER(base, environment), \
          .check = genapp_check_environment,                                                        \
          .description = "KEY=VALUE entries, added to (or replacing) PATH, HOME, USER, LOGNAME, "    \
                         "SHELL, WOLFPACK_RESOURCE_ID and WOLFPACK_RESOURCE_NAME" },                \
        { .name = "User", .type = WP_PROP_STRING, .offset = GENAPP_MEMBER(base, user),              \
          .description = "user name or uid to run as (default root)" },                             \
        { .name = "Group", .type = WP_PROP_STRING, .offset = GENAPP_MEMBER(base, group),            \
          .description = "group name or gid (default the user's primary group)" },                  \
        { .name = "StopSignal", .type = WP_PROP_ENUM, .flags = WP_PROP_LIVE,                        \
          .offset = GENAPP_MEMBER(base, stop_signal), .default_value = "TERM",                      \
          .enum_names = genapp_stop_signal_names, .enum_values = genapp_stop_signal_values,         \
          .description = "signal sent to every process of the resource at offline" },               \
        { .name = "StopTimeout", .type = WP_PROP_DURATION, .flags = WP_PROP_LIVE,                   \
          .offset = GENAPP_MEMBER(base, stop_timeout), .default_value = "10s",                      \
          .description = "how long offline waits after StopSignal before killing every process" },  \
        { .name = "LogFile", .type = WP_PROP_STRING, .offset = GENAPP_MEMBER(base, log_file),       \
          .check = genapp_check_absolute_path,                                                      \
          .description = "file that receives stdout and stderr, appended "                          \
                         "(default output.log in the resource's state directory)" },                \
        { .name = "ReadyCheck", .type = WP_PROP_ARGV, .flags = WP_PROP_LIVE,                        \
          .offset = GENAPP_MEMBER(base, ready_check),                                               \
          .description = "command that exits 0 once the application is ready; online waits "        \
                         "for it (retried every 500ms) and IsAlive runs it" },                      \
        { .name = "ReadyPort", .type = WP_PROP_INT, .flags = WP_PROP_LIVE,                          \
          .offset = GENAPP_MEMBER(base, ready_port), .min = 1, .max = 65535,                        \
          .description = "TCP port on 127.0.0.1 that accepts connections once the application is "  \
                         "ready; online waits for it and IsAlive connects to it" },                 \
        { .name = "PidFile", .type = WP_PROP_STRING, .offset = GENAPP_MEMBER(base, pid_file),       \
          .check = genapp_check_absolute_path,                                                      \
          .description = "for a program that forks into the background: the file holding the pid " \
                         "to watch" },                                                              \
        { .name = "ProcessId", .type = WP_PROP_INT, .flags = WP_PROP_READONLY,                      \
          .offset = GENAPP_MEMBER(base, process_id),                                                \
          .description = "pid of the watched process (0 when not running)" }

typedef struct Genapp Genapp;

/* Which process a child_setup hook is preparing. */
typedef enum GenappChild {
        GENAPP_CHILD_MAIN,
        GENAPP_CHILD_READY_CHECK,
} GenappChild;

/* What a type adds to the application's life. Every hook is optional;
 * hooks that return int return 0 or a negative errno after host->error. */
typedef struct GenappHooks {
        /* online, before anything is started (the cgroup exists only once
         * something is spawned: prepare what does not need it). */
        int (*before_start)(Genapp *g);
        /* In the child, in the resource's cgroup, session and identity, just
         * before execve; async-signal-safe only. A negative errno stops the
         * spawn. */
        int (*child_setup)(Genapp *g, GenappChild kind);
        /* The main process was started; online has not completed yet. An
         * error fails online and stops what was started. */
        int (*after_spawn)(Genapp *g, pid_t pid);
        /* offline begins, before StopSignal is sent. */
        void (*before_stop)(Genapp *g);
        /* Every process is gone (offline, terminate, after a failure), just
         * before the cgroup is removed. */
        void (*after_stop)(Genapp *g);
        /* An extra test for looks_alive and is_alive, while running: >0
         * alive, 0 failed (host->error says why). Must not block. */
        int (*check_alive)(Genapp *g);
        /* Free the type's extension data. */
        void (*free_ext)(void *ext);
        /* The launch (identity, environment, log file) was just prepared,
         * before any spawn that uses it, at online or on demand after a
         * probe. A type may take part of it over: genjob moves the identity
         * out of g->launch and sets it itself in child_setup, after the
         * steps that need root. An error (host->error) fails what needed the
         * launch. */
        int (*launch_prepared)(Genapp *g);
        /* The main process ended; called before the core reacts to it. */
        void (*main_exited)(Genapp *g, pid_t pid, const wp_exit *how);
        /* host->spawn of the main process failed with err (its message
         * set): a type whose child_setup made it fail may set a more precise
         * message (host->error). Returns the errno online reports. */
        int (*spawn_failed)(Genapp *g, int err);
} GenappHooks;

typedef enum GenappState {
        GENAPP_STOPPED,   /* nothing runs; Offline */
        GENAPP_STARTING,  /* spawned, waiting for readiness; OnlinePending */
        GENAPP_RUNNING,   /* Online */
        GENAPP_STOPPING,  /* StopSignal sent, waiting for the cgroup to empty; OfflinePending */
        GENAPP_FAILED,    /* failure reported, waiting for terminate */
        _GENAPP_STATE_MAX,
} GenappState;

/* What is handed to every spawn: built at online (or on demand after a
 * probe) from the parameters. */
typedef struct GenappLaunch {
        bool ready;
        uid_t uid;
        gid_t gid;
        gid_t *groups;       /* NULL: keep the monitor's */
        size_t n_groups;
        char **env;
        int log_fd;
} GenappLaunch;

/* One port connect or ready-check run in flight. */
typedef void (*GenappAttemptDone)(Genapp *g, bool ok, const char *why);
typedef struct GenappAttempt {
        GenappAttemptDone done;
        int fd;                  /* port: the connecting socket */
        wp_source *io;
        wp_source *timer;        /* timeout, or the delivery of a result known at once */
        wp_source *child;        /* ready check: its exit notification */
        pid_t pid;
        int pidfd;
        bool result_ok;
        char result_why[256];
} GenappAttempt;

typedef enum GenappStage {
        GENAPP_STAGE_PID_FILE,
        GENAPP_STAGE_PORT,
        GENAPP_STAGE_CHECK,
        GENAPP_STAGE_DONE,
} GenappStage;

struct Genapp {
        const wp_host *host;
        wp_resource *r;
        GenappParams params;      /* in force */
        GenappParams next;        /* set while running: applies at the next online */
        bool have_next;
        const GenappHooks *hooks;
        void *ext;

        GenappState state;
        char reason[256];         /* why it failed, while FAILED */

        /* The process spawned by online. */
        pid_t main_pid;
        int main_pidfd;
        wp_usec_t started_usec;   /* CLOCK_MONOTONIC */
        wp_source *main_child;
        bool main_exited;
        wp_exit main_exit;

        /* The process whose life is the resource's: the main one, or
         * PidFile's. */
        pid_t watched_pid;
        int watched_pidfd;
        wp_source *watched_failure;

        wp_source *cgroup_watch;
        wp_source *stop_timer;

        GenappLaunch launch;

        /* Readiness (online) and the asynchronous is_alive. */
        GenappStage stage;
        wp_source *stage_timer;
        pid_t pid_file_suspect;   /* last pid read from PidFile outside the cgroup */
        char not_ready[256];      /* the last reason reported while waiting */
        bool alive_pending;
        GenappAttempt attempt;
        wp_source *spent_child;   /* the last ReadyCheck's exit notification */
};

/* Create an instance from a copy of params. hooks and ext may be NULL; ext
 * is freed with hooks->free_ext. No side effects on the system. */
int genapp_new(const wp_host *host, wp_resource *r, const GenappParams *params,
               const GenappHooks *hooks, void *ext, Genapp **ret);
Genapp *genapp_free(Genapp *g);

/* Entry points, for a type's wp_entry_points table (inst is a Genapp *). */
void genapp_ep_close(wp_instance inst);
int genapp_ep_probe(wp_instance inst);
int genapp_ep_resume_online(wp_instance inst);
/* After a probe that found the application running: the rest of
 * resume_online (wait again for ReadyPort and ReadyCheck). For a type
 * whose probe does more than the core's. */
int genapp_resume_ready(Genapp *g);
int genapp_ep_online(wp_instance inst);
int genapp_ep_offline(wp_instance inst);
void genapp_ep_terminate(wp_instance inst);
int genapp_ep_looks_alive(wp_instance inst);
int genapp_ep_is_alive(wp_instance inst);

/* control for the GenappParams part of a type's parameters. g is NULL for
 * WP_CONTROL_VALIDATE before open. */
int genapp_control(const wp_host *host, Genapp *g, wp_resource *r, wp_control_code code,
                   GenappParams *params, const char *const *changed);

const char *genapp_state_name(GenappState s);

/* STARTING/RUNNING → FAILED; reports Failed with the reason. For a type
 * whose own checks find the resource failed (a job limit). */
void genapp_fail(Genapp *g, const char *reason_fmt, ...) __attribute__((format(printf, 2, 3)));
