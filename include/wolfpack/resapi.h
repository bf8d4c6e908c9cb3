/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Wolfpack Resource API: the contract between the resource monitor
 * (wolfpack-resmon) and a resource-type plug-in.
 *
 * A plug-in is a shared object that exports exactly one symbol,
 * WP_RESAPI_STARTUP_SYMBOL ("wp_resapi_startup"), of type wp_startup_fn. The
 * monitor calls it once per type and per monitor with the range of API
 * versions it supports and a table of host callbacks; the plug-in answers
 * with its type description: the API version it speaks, its property table
 * and its entry points. A plug-in whose version the monitor does not support
 * is refused with a message naming both versions.
 *
 * Threads. Every entry point is called on the monitor's loop thread, never
 * two of one resource at once. The only exception is terminate, which may be
 * called while an online or offline of the same resource is pending (its
 * worker or loop callbacks still running): anything both touch must be
 * guarded. Host callbacks are loop-thread only, except set_status, log and
 * alive_result, which any thread may call.
 *
 * Return values. Entry points return 0 or a negative errno. Before returning
 * an error, a plug-in says what went wrong with host->error(), which records
 * a message for a person ("CommandLine: /opt/x: no such file") and returns the
 * errno it was given, so that `return host->error(r, -ENOENT, "...")` reads
 * as one statement. A bare errno without a message is reported as
 * "<entry point> failed: <strerror>".
 *
 * The 300 ms rule. online, offline, looks_alive, is_alive, probe and control
 * must return within 300 ms (the monitor logs every call that takes longer).
 * Work that takes longer is done asynchronously: online and offline return
 * -EINPROGRESS (the resource is then OnlinePending / OfflinePending) and
 * finish later through set_status, driven from the monitor's loop (watch_fd,
 * add_timer, spawn) or from a worker (queue_work). PendingTimeout bounds the
 * whole pending operation: past it the monitor calls terminate and the
 * resource is Failed. A call that never returns is caught by the parent's
 * DeadlockTimeout, which kills the whole monitor.
 *
 * Failure detection. A plug-in may register failure fds (watch_failure): fds
 * that become readable when the resource may have failed — a pidfd, an
 * eventfd, a cgroup.events fd. The monitor runs is_alive at once when one
 * becomes readable, and the resource is Failed when it says no: detection
 * with no polling delay. A plug-in that knows for certain that its resource
 * failed (its main process exited) says so directly with
 * set_status(WP_STATE_FAILED, reason). In addition the monitor polls
 * looks_alive every LooksAlivePollInterval and is_alive every
 * IsAlivePollInterval while the resource is Online.
 *
 * After a failure. When a resource becomes Failed while Online or pending,
 * the monitor calls terminate before reporting Failed, so that a failed
 * resource never keeps running half-alive; the parent then decides whether
 * to bring it online again.
 */
#ifndef WOLFPACK_RESAPI_H
#define WOLFPACK_RESAPI_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The API version this header describes. Bumped on any change of the
 * structures or call contracts below; a monitor lists the versions it
 * supports in wp_host.api_min..api_max, and reads the members a version
 * added only from a plug-in that speaks it.
 *
 *   1  the entry points up to control
 *   2  resume_online (a pending online that outlived its monitor)
 *   3  type classes: wp_resapi_startup_class (type names class:subtype),
 *      host->type_name */
#define WP_RESAPI_VERSION 3
#define WP_RESAPI_STARTUP_SYMBOL "wp_resapi_startup"
#define WP_RESAPI_STARTUP_CLASS_SYMBOL "wp_resapi_startup_class"

/* Resource states, as reported to the cluster. */
typedef enum wp_state {
        WP_STATE_OFFLINE = 0,
        WP_STATE_ONLINE_PENDING,
        WP_STATE_ONLINE,
        WP_STATE_OFFLINE_PENDING,
        WP_STATE_FAILED,
        WP_STATE_INITIALIZING,
        _WP_STATE_MAX,
} wp_state;

/* Microseconds, on CLOCK_MONOTONIC wherever a point in time is meant. */
typedef uint64_t wp_usec_t;
#define WP_USEC_PER_MSEC ((wp_usec_t) 1000)
#define WP_USEC_PER_SEC ((wp_usec_t) 1000000)

/* ------------------------------------------------------------------------
 * Property tables
 *
 * A plug-in declares its private properties once, as an array of wp_prop
 * ending with an entry whose name is NULL. Each property lives at `offset`
 * in a parameter struct of `params_size` bytes, which the monitor allocates,
 * fills from the administrator's values (or the defaults), validates, and
 * hands to open and to control(WP_CONTROL_SET_PROPERTIES). Values arrive as
 * text and are parsed by type:
 *
 *   type           C member      text form
 *   WP_PROP_STRING char *        any text (NULL when unset with no default)
 *   WP_PROP_ARGV   char **       split like a POSIX shell splits words:
 *                                quotes, backslash escapes; NULL-terminated
 *   WP_PROP_LIST   char **       same splitting, for lists (Environment)
 *   WP_PROP_INT    int64_t       decimal integer in [min, max]
 *   WP_PROP_BOOL   bool          1/0, yes/no, true/false, on/off
 *   WP_PROP_ENUM   int           one of enum_names (case-insensitive); the
 *                                member holds the matching enum_values entry
 *   WP_PROP_SIZE   uint64_t      bytes; suffixes K M G T (powers of 1024),
 *                                optional B/iB: "512M", "1G", "4096"
 *   WP_PROP_DURATION wp_usec_t   "30s", "500ms", "2min", "1h", "1h30m",
 *                                "250us"; a bare number means seconds
 *
 * min and max bound INT, SIZE and DURATION (0/0 means unbounded for SIZE
 * and DURATION, and the full int64_t range for INT; a max below min leaves
 * the upper end open: min 10ms, max 0 is "10ms or more"). `check` may refuse a
 * value the type accepts (a KEY=VALUE list, a CPU list); it returns 0 or a
 * negative errno after writing a message into err (errlen bytes).
 *
 * Read-only properties (WP_PROP_READONLY) are filled by the plug-in when the
 * monitor asks with control(WP_CONTROL_GET_READONLY); the administrator
 * cannot set them. A property without WP_PROP_LIVE cannot change while the
 * resource is online: the monitor stores the new value and reports that it
 * applies at the next online.
 * ------------------------------------------------------------------------ */

typedef enum wp_prop_type {
        WP_PROP_STRING = 0,
        WP_PROP_ARGV,
        WP_PROP_LIST,
        WP_PROP_INT,
        WP_PROP_BOOL,
        WP_PROP_ENUM,
        WP_PROP_SIZE,
        WP_PROP_DURATION,
        _WP_PROP_TYPE_MAX,
} wp_prop_type;

enum {
        WP_PROP_LIVE = 1u << 0,     /* may change while the resource is online */
        WP_PROP_READONLY = 1u << 1, /* reported by the plug-in, never set */
        WP_PROP_REQUIRED = 1u << 2, /* must be given; there is no default */
};

typedef struct wp_prop {
        const char *name;           /* CamelCase, [A-Za-z0-9]+ */
        wp_prop_type type;
        unsigned flags;
        size_t offset;              /* of the member in the parameter struct */
        const char *default_value;  /* text form, parsed like a given value; NULL: none */
        int64_t min, max;           /* INT; SIZE and DURATION (0/0: unbounded) */
        const char *const *enum_names;  /* ENUM: NULL-terminated */
        const int *enum_values;         /* ENUM: same length as enum_names */
        const char *description;    /* one line, shown by `wolfpack type show` */
        int (*check)(const void *member, char *err, size_t errlen);
} wp_prop;

/* ------------------------------------------------------------------------
 * Host callbacks
 * ------------------------------------------------------------------------ */

typedef struct wp_resource wp_resource; /* the monitor's handle for one resource */
typedef struct wp_source wp_source;     /* a watch, timer, child or work item */

typedef enum wp_level {
        WP_LOG_ERROR = 3,
        WP_LOG_WARNING = 4,
        WP_LOG_NOTICE = 5,
        WP_LOG_INFO = 6,
        WP_LOG_DEBUG = 7,
} wp_level;

/* How a spawned process ended: as waitid() reports it. */
typedef struct wp_exit {
        int code;      /* CLD_EXITED, CLD_KILLED or CLD_DUMPED */
        int status;    /* the exit status, or the signal number */
} wp_exit;

typedef int (*wp_io_fn)(wp_source *s, int fd, uint32_t revents, void *userdata);
typedef int (*wp_timer_fn)(wp_source *s, void *userdata);
typedef void (*wp_exit_fn)(wp_source *s, pid_t pid, const wp_exit *how, void *userdata);
typedef int (*wp_work_fn)(void *userdata);                 /* runs on a worker thread */
typedef void (*wp_work_done_fn)(int result, void *userdata);  /* back on the loop thread */

/* What to run: see host->spawn. Every string is copied before spawn
 * returns. */
typedef struct wp_spawn {
        char *const *argv;          /* argv[0] is looked up in PATH when it has no '/' */
        char *const *env;           /* the whole environment; NULL: the monitor's own */
        const char *cwd;            /* NULL: / */
        uid_t uid;                  /* (uid_t) -1: keep root */
        gid_t gid;                  /* (gid_t) -1: the user's primary group, or keep */
        const gid_t *groups;        /* supplementary groups; NULL: initgroups() of uid's user */
        size_t n_groups;
        int stdout_fd;              /* dup'ed onto 1 and 2; -1: /dev/null */
        bool new_session;           /* setsid() in the child */
        /* Called in the child after it is in the resource's cgroup, its
         * session and its identity are set up, just before execve. Must be
         * async-signal-safe. A negative errno stops the spawn and is
         * reported by host->spawn as the cause. */
        int (*child_setup)(void *userdata);
        void *child_setup_userdata;
} wp_spawn;

typedef struct wp_host {
        unsigned api_min, api_max;  /* API versions this monitor supports */

        /* Report a state change, or progress of a pending one (the same
         * pending state again, with a new reason). Any thread. Final states
         * of a pending operation: ONLINE, OFFLINE, FAILED. FAILED while
         * Online reports an asynchronous failure. Calls that do not match
         * the resource's current state (a late worker finishing an online
         * that terminate already ended) are ignored. reason may be NULL. */
        void (*set_status)(wp_resource *r, wp_state state, const char *reason_fmt, ...)
                __attribute__((format(printf, 3, 4)));

        /* The answer of an is_alive that returned -EINPROGRESS. Any thread. */
        void (*alive_result)(wp_resource *r, bool alive, const char *reason_fmt, ...)
                __attribute__((format(printf, 3, 4)));

        /* Write to the cluster log, with the resource's id and name. code is
         * a stable event code, UPPER_SNAKE ("GENAPP_EXITED"). Any thread. */
        void (*log)(wp_resource *r, wp_level level, const char *code, const char *fmt, ...)
                __attribute__((format(printf, 4, 5)));

        /* Record the message that goes with the error an entry point is
         * about to return; returns err. */
        int (*error)(wp_resource *r, int err, const char *fmt, ...)
                __attribute__((format(printf, 3, 4)));

        /* The resource's immutable id and its name. */
        const char *(*id)(wp_resource *r);
        const char *(*name)(wp_resource *r);
        /* The node-local state directory for this resource (created on
         * demand): log files, pid files. */
        const char *(*state_dir)(wp_resource *r);

        /* The loop. Callbacks run on the loop thread; a callback returning a
         * negative errno disables its source. Sources belong to the resource
         * and are freed with release() or when the resource is closed. */
        int (*watch_fd)(wp_resource *r, int fd, uint32_t epoll_events, wp_io_fn fn, void *userdata,
                        wp_source **ret);
        int (*add_timer)(wp_resource *r, wp_usec_t after, wp_timer_fn fn, void *userdata, wp_source **ret);
        void (*release)(wp_source *s);

        /* Failure fds: see the top of this file. The fd stays the plug-in's;
         * unwatch it (release) before closing it. Edge-triggered: a fd that
         * stays readable is reported once. */
        int (*watch_failure)(wp_resource *r, int fd, wp_source **ret);

        /* Start a process in the resource's cgroup (created on demand on the
         * v2 tree, named by the resource id, under the monitor's cgroup).
         * The process is created directly in the cgroup (clone3 with
         * CLONE_INTO_CGROUP) and has exec'd (or failed to) when this returns:
         * a missing program, a bad directory or user comes back as a negative
         * errno with the message set (host->error). on_exit runs on the loop
         * when it ends; the monitor reaps it. ret_pidfd (optional) receives a
         * pidfd the plug-in owns; ret (optional) the child source, whose
         * release() stops the notification but not the process. */
        int (*spawn)(wp_resource *r, const wp_spawn *spec, wp_exit_fn on_exit, void *userdata,
                     pid_t *ret_pid, int *ret_pidfd, wp_source **ret);

        /* The resource's cgroup. */
        const char *(*cgroup_path)(wp_resource *r);           /* absolute path on the v2 tree */
        int (*cgroup_signal)(wp_resource *r, int sig);        /* every process; 0 or -errno */
        int (*cgroup_kill)(wp_resource *r);                   /* cgroup.kill (or freeze + SIGKILL) */
        int (*cgroup_populated)(wp_resource *r);              /* 1, 0 (also: no cgroup), -errno */
        int (*cgroup_remove)(wp_resource *r);                 /* rmdir; 0 when absent */
        /* The pids in the cgroup, ascending; *ret is malloc'ed. */
        int (*cgroup_pids)(wp_resource *r, pid_t **ret, size_t *ret_n);
        /* Call fn on the loop when the cgroup's populated flag changes
         * (cgroup.events). */
        int (*watch_cgroup)(wp_resource *r, wp_timer_fn fn, void *userdata, wp_source **ret);

        /* Run blocking work on the monitor's small worker pool; done runs
         * on the loop thread with fn's result. Never call host callbacks
         * other than set_status, alive_result and log from fn. */
        int (*queue_work)(wp_resource *r, wp_work_fn fn, wp_work_done_fn done, void *userdata);

        /* Create the resource's cgroup now (spawn does it on demand), for a
         * plug-in that sets limits before the first process starts. */
        int (*cgroup_create)(wp_resource *r);

        /* Version 3. The resource's type name ("ocf:heartbeat:Dummy"): how
         * a class plug-in, whose subtypes share entry points, tells them
         * apart. */
        const char *(*type_name)(wp_resource *r);
} wp_host;

/* ------------------------------------------------------------------------
 * Entry points
 * ------------------------------------------------------------------------ */

typedef void *wp_instance;

typedef enum wp_control_code {
        /* Apply changed properties. params holds every value (old and new),
         * changed[] the names of the changed ones, NULL-terminated. Called
         * while Online only for WP_PROP_LIVE properties. Return 0, or refuse
         * (host->error) and nothing changes. */
        WP_CONTROL_SET_PROPERTIES = 1,
        /* Fill the WP_PROP_READONLY members of params (ProcessId ...). */
        WP_CONTROL_GET_READONLY,
        /* Check a whole set of values that each passed their own checks
         * (properties that exclude each other). No side effects. */
        WP_CONTROL_VALIDATE,
} wp_control_code;

typedef struct wp_entry_points {
        /* open: create the instance for resource r from its parameters. No
         * side effects on the system. The instance keeps r (for callbacks)
         * and a copy of what it needs of params: the monitor frees params
         * after the call. */
        int (*open)(wp_resource *r, const void *params, wp_instance *ret);

        /* close: free the instance. The resource is offline or terminated. */
        void (*close)(wp_instance inst);

        /* probe: is the resource already running here, started by an
         * earlier monitor or by hand? 1: running (the resource is then
         * Online, failure fds registered, as after online); 0: not running;
         * negative errno: cannot tell. Called after open, never with
         * online. */
        int (*probe)(wp_instance inst);

        /* online: bring to operational state; 0 when done, -EINPROGRESS
         * when pending (finish with set_status), negative errno on failure.
         * 300 ms rule. */
        int (*online)(wp_instance inst);

        /* offline: graceful stop; same rules as online. */
        int (*offline)(wp_instance inst);

        /* terminate: immediate forced stop. Returns when nothing of the
         * resource runs any more (bounded: it must not wait for a process
         * that cannot be killed). May run while online or offline is
         * pending; after it returns, that pending operation's late
         * completions are ignored. Never fails. */
        void (*terminate)(wp_instance inst);

        /* looks_alive: cheap check, must not block. >0 alive, 0 failed
         * (host->error says why), negative errno: failed. */
        int (*looks_alive)(wp_instance inst);

        /* is_alive: thorough check. >0 alive, 0 or negative errno failed,
         * or -EINPROGRESS: the answer comes through host->alive_result,
         * within PendingTimeout. */
        int (*is_alive)(wp_instance inst);

        /* control: see wp_control_code. inst is NULL for
         * WP_CONTROL_VALIDATE before open. */
        int (*control)(wp_instance inst, wp_resource *r, wp_control_code code, void *params,
                       const char *const *changed);

        /* Version 2 and later; NULL: the type cannot resume. */

        /* resume_online: probe for a resource that was OnlinePending when
         * the monitor that ran it ended (a crash, a kill): its processes may
         * run, but whether they became ready nobody knows. Called after open,
         * instead of probe, never with online. 0: not running; 1: running
         * and ready, or nothing to wait for (the resource is then Online, as
         * after probe); -EINPROGRESS: running, and the wait for it to be
         * ready starts again (OnlinePending, within a fresh PendingTimeout;
         * finish with set_status, as a pending online); negative errno:
         * cannot tell (the monitor then calls terminate). A type without it
         * has such a resource terminated and reported Failed: Online is never
         * reported for a resource whose readiness was not seen. 300 ms
         * rule. */
        int (*resume_online)(wp_instance inst);
} wp_entry_points;

/* What a plug-in's startup returns. */
typedef struct wp_type {
        unsigned api_version;         /* the version this plug-in speaks */
        const char *name;             /* type name: "genapp" */
        const char *description;      /* one line */
        const wp_prop *props;         /* terminated by an entry with name == NULL */
        size_t params_size;
        /* Free the members of a filled parameter struct (not the struct);
         * NULL: the monitor frees STRING, ARGV and LIST members itself. */
        void (*params_done)(void *params);
        const wp_entry_points *ep;
} wp_type;

/* The plug-in's one exported symbol. host stays valid for the monitor's
 * lifetime. Returns 0 and *ret, or a negative errno (-EPROTONOSUPPORT when
 * no API version in [host->api_min, host->api_max] is one it speaks). */
typedef int (*wp_startup_fn)(const wp_host *host, const wp_type **ret);

int wp_resapi_startup(const wp_host *host, const wp_type **ret);

/* What every startup checks first: its arguments, and that the monitor
 * supports the version this header describes. 0, -EINVAL or
 * -EPROTONOSUPPORT, for startup to return. */
static inline int wp_resapi_check(const wp_host *host, const wp_type **ret) {
        if (!host || !ret)
                return -EINVAL;
        if (WP_RESAPI_VERSION < host->api_min || WP_RESAPI_VERSION > host->api_max)
                return -EPROTONOSUPPORT;
        return 0;
}

/* Type classes (version 3). A type name with a colon, "ocf:heartbeat:Dummy",
 * names a type of a class: the class is what comes before the first colon
 * ("ocf", the plug-in ocf.so), the subtype the rest ("heartbeat:Dummy").
 * A class plug-in exports WP_RESAPI_STARTUP_CLASS_SYMBOL instead of
 * wp_resapi_startup; the monitor calls it once per subtype and per monitor,
 * with the subtype, and the type it returns is named by the whole type
 * name. It returns -ENOENT (with a message in err) for a subtype that does
 * not exist, and another negative errno with a message for one that cannot
 * be used. Called with the subtype "", it returns the class itself, named
 * by the class ("ocf"): a type that is listed and shown like any other, to
 * say what the class is and how its types are named, and that refuses
 * resources (its control(WP_CONTROL_VALIDATE) and open say how to name a
 * type of the class). Types a class returns are never freed. */
typedef int (*wp_startup_class_fn)(const wp_host *host, const char *subtype, const wp_type **ret, char *err,
                                   size_t errlen);

int wp_resapi_startup_class(const wp_host *host, const char *subtype, const wp_type **ret, char *err,
                            size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
