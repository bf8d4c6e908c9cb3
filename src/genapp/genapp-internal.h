/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the files of the application core share with each other and with
 * their unit tests, and nothing a type's plug-in needs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "genapp.h"

/* Readiness retries and bounds. */
#define GENAPP_RETRY_USEC (500 * WP_USEC_PER_MSEC)        /* ReadyCheck, ReadyPort */
#define GENAPP_PID_FILE_POLL_USEC (100 * WP_USEC_PER_MSEC)
#define GENAPP_CHECK_TIMEOUT_USEC (10 * WP_USEC_PER_SEC)   /* one ReadyCheck run */
#define GENAPP_CONNECT_TIMEOUT_USEC (2 * WP_USEC_PER_SEC)  /* one ReadyPort connect */
#define GENAPP_TERMINATE_WAIT_USEC (1 * WP_USEC_PER_SEC)
#define GENAPP_LEFTOVER_WAIT_USEC (200 * WP_USEC_PER_MSEC)

/* --- genapp-util.c: pure text work ------------------------------------ */

/* "process 1234 exited with code 3", "process 1234 was killed by signal 9
 * (KILL)", "... and dumped core"; without "process N " when pid is 0. */
void genapp_describe_exit(pid_t pid, const wp_exit *how, char *buf, size_t len);
/* "TERM" for SIGTERM; "signal 42" style text is the caller's. NULL when
 * unknown. */
const char *genapp_signal_name(int sig);
/* The session id in the text of /proc/PID/stat. 0 or -EINVAL. */
int genapp_parse_stat_session(const char *stat, pid_t *ret_sid);
/* The pid in the text of a pid file: decimal, surrounded by blanks at most.
 * -ENODATA when blank (not written yet), -EINVAL when not a pid. */
int genapp_parse_pid(const char *text, pid_t *ret);
/* A decimal uid/gid ("1000"): 0, or -EINVAL when s is not one. */
int genapp_parse_id(const char *s, uint32_t *ret);
/* Is entry a KEY=VALUE environment entry with a key of
 * [A-Za-z_][A-Za-z0-9_]*? err names the entry. */
int genapp_env_entry_check(const char *entry, char *err, size_t errlen);
/* Set KEY=VALUE in *env, replacing an entry with the same key. Takes
 * entry. */
int genapp_env_put(char ***env, char *entry);
/* The words given to execve for CommandLine's text: its words, split as a
 * shell splits them, or with use_shell { "/bin/sh", "-c", text }: the
 * shell runs the text exactly as written. One exception, for values
 * written for releases that joined the words by spaces: text that is one
 * word as a whole and begins with a quote is that word, its quotes taken
 * off once. -EINVAL with err saying why (empty, unbalanced quotes). */
int genapp_command_argv(const char *command_line, bool use_shell, char ***ret, char *err, size_t errlen);

/* --- genapp-launch.c: identity, environment, output -------------------- */

/* Resolve User and Group, build the environment, open the log file. Says
 * what is wrong through host->error. */
int genapp_launch_prepare(Genapp *g);
void genapp_launch_done(GenappLaunch *l);
/* Fill spec from the launch (argv and child_setup are the caller's). */
void genapp_launch_spec(Genapp *g, wp_spawn *spec);

/* Context of a child_setup call: lives on the spawning caller's stack. */
typedef struct GenappChildContext {
        Genapp *g;
        GenappChild kind;
} GenappChildContext;
int genapp_child_setup(void *userdata);

/* --- genapp-attempt.c: one ReadyPort connect or ReadyCheck run ------- */

/* Start one attempt; done is always called later from the loop, never
 * from inside these calls. 0, or a negative errno when nothing could be
 * started (why is then in err). */
int genapp_attempt_port(Genapp *g, GenappAttemptDone done, char *err, size_t errlen);
int genapp_attempt_check(Genapp *g, GenappAttemptDone done, char *err, size_t errlen);
/* Stop the attempt in flight (its done is not called); a running check is
 * killed. */
void genapp_attempt_cancel(Genapp *g);
bool genapp_attempt_busy(const Genapp *g);

/* --- genapp-ready.c: readiness at online, the asynchronous is_alive ---- */

bool genapp_has_ready_stages(const Genapp *g);
/* Begin the stages (PidFile, ReadyPort, ReadyCheck, in that order); ends in
 * genapp_became_ready() or genapp_fail(). */
int genapp_ready_start(Genapp *g);
/* For an application found running by probe, whose PidFile was read
 * already: begin the stages after PidFile. 1 when there is none (ready),
 * 0 when begun, a negative errno (host->error). */
int genapp_ready_resume(Genapp *g);
void genapp_ready_cancel(Genapp *g);
/* is_alive's ReadyPort/ReadyCheck part: 1 nothing to run (alive as far as
 * they tell), -EINPROGRESS (answer through alive_result), or an error. */
int genapp_alive_start(Genapp *g);

/* --- genapp.c, called by the files above -------------------------------- */

/* STARTING → RUNNING; reports Online. */
void genapp_became_ready(Genapp *g);
/* STARTING/RUNNING → FAILED; reports Failed with the reason. */
/* Make pid (with its pidfd, taken) the watched process and register it as
 * a failure fd. */
int genapp_watch_pid(Genapp *g, pid_t pid, int pidfd);
/* Is pid among the processes of the resource's cgroup? 1, 0, -errno. */
int genapp_pid_in_cgroup(Genapp *g, pid_t pid);
/* Why the main process ended, as far as it is known. */
void genapp_main_exit_reason(Genapp *g, char *buf, size_t len);
/* Is the process behind pidfd gone? Never blocks. */
bool genapp_pidfd_exited(int pidfd);
/* pidfd_open(2). */
int genapp_pidfd_open(pid_t pid);
