/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The monitors module with real monitors: <build>/src/wolfpack-resmon
 * (found from this program's own path, <build>/tests/unit/test-monitors)
 * loading genapp from <build>/src and the test plug-ins (test-count,
 * test-crash, test-hang) from <build>/tests/plugins. Each test gets a
 * scratch directory (runtime and state directories) and a cgroup
 * <own cgroup>/wptest-monitors-<pid>-<n> holding "res" (the resources)
 * and "mon" (the monitors). The teardown frees the module, checks that no
 * process is left in the resources' cgroups, and kills and removes
 * whatever a failed test left. Needs root and a cgroup2 tree.
 *
 * The monitor is the real program: in a sanitizer build it is one too, and
 * is told (ASAN_OPTIONS, UBSAN_OPTIONS) to let test-crash's SIGSEGV happen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "macro.h"
#include "monitors.h"
#include "time-util.h"

#define SEC 1000000ULL
#define NO_POLL "{\"LooksAlivePollInterval\": \"1h\", \"IsAlivePollInterval\": \"1h\"}"

static char build_dir[PATH_MAX];
static unsigned test_no;

typedef struct Reply {
        bool done;
        int error;
        char *message;
        char *state;
        json_t *reply;
} Reply;

typedef struct Env {
        sd_event *event;
        Monitors *m;
        MonitorsConfig cfg;
        char *dir, *runtime_dir, *state_dir;
        char *cg, *res_cg, *mon_cg;
        char *monitor_path, *plugin_dir;

        json_t *states;   /* every state callback, in order */
        json_t *deaths;   /* every monitor_died */
        json_t *adopted;  /* every adopted */
        json_t *logs;
        bool reattached;
        unsigned n_monitors, n_resources;
} Env;

/* ---- plumbing ---- */

static int find_build_dir(void) {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n <= 0)
                return -errno;
        exe[n] = '\0';
        /* <build>/tests/unit/test-monitors */
        char *d = dirname(dirname(dirname(exe)));
        snprintf(build_dir, sizeof build_dir, "%s", d);
        return 0;
}

static char *strf(const char *fmt, ...) _printf_(1, 2);
static char *strf(const char *fmt, ...) {
        char *s;
        va_list ap;
        va_start(ap, fmt);
        assert_true(vasprintf(&s, fmt, ap) >= 0);
        va_end(ap);
        return s;
}

static void on_state(Monitors *m, const char *resource, const char *state, const char *previous,
                     const char *reason, json_t *properties, void *userdata) {
        Env *env = userdata;
        json_error_t e;
        json_t *ev = json_pack_ex(&e, 0, "{s:s, s:s, s:s?, s:s?, s:O?}", "resource", resource, "state",
                                  state, "previous", previous, "reason", reason, "properties", properties);
        if (!ev)
                fail_msg("state event for %s: %s", resource, e.text);
        json_array_append_new(env->states, ev);
}

static void on_log(Monitors *m, json_t *event, void *userdata) {
        Env *env = userdata;
        json_array_append(env->logs, event);
}

static void on_died(Monitors *m, const MonitorsDeath *d, void *userdata) {
        Env *env = userdata;
        json_t *ev = json_pack("{s:s, s:i, s:b, s:i, s:i, s:b, s:s?, s:s?, s:s}", "monitor", d->monitor,
                               "pid", (int) d->pid, "status_known", d->status_known, "exit_code",
                               d->exit_code, "signal", d->signal, "killed", d->killed, "resource",
                               d->resource, "entry_point", d->entry_point, "reason", d->reason);
        assert_non_null(ev);
        json_array_append_new(env->deaths, ev);
}

static void on_adopted(Monitors *m, const MonitorsSnapshot *s, void *userdata) {
        Env *env = userdata;
        json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:O?}", "monitor", s->monitor, "resource",
                               s->resource, "rtype", s->rtype, "state", s->state, "properties",
                               s->properties);
        assert_non_null(ev);
        json_array_append_new(env->adopted, ev);
}

static void on_reattached(Monitors *m, unsigned n_monitors, unsigned n_resources, void *userdata) {
        Env *env = userdata;
        env->reattached = true;
        env->n_monitors = n_monitors;
        env->n_resources = n_resources;
}

static const MonitorsCallbacks callbacks = {
        .state = on_state,
        .log = on_log,
        .monitor_died = on_died,
        .adopted = on_adopted,
};

static void on_reply(Monitors *m, const char *resource, const MonitorsReply *r, void *userdata) {
        Reply *out = userdata;
        assert_false(out->done); /* exactly once */
        out->done = true;
        out->error = r->error;
        out->message = r->message ? strdup(r->message) : NULL;
        out->state = r->state ? strdup(r->state) : NULL;
        out->reply = r->reply ? json_incref(r->reply) : NULL;
}

static void reply_done(Reply *r) {
        free(r->message);
        free(r->state);
        json_decref(r->reply);
        *r = (Reply) {};
}

typedef bool (*Pred)(Env *env, const void *arg);

/* Run the loop until pred holds; false after timeout. */
static bool run_until(Env *env, Pred pred, const void *arg, uint64_t timeout_usec) {
        uint64_t deadline = now_monotonic_usec() + timeout_usec;
        while (!pred(env, arg)) {
                if (now_monotonic_usec() >= deadline)
                        return false;
                assert_true(sd_event_run(env->event, 50 * 1000) >= 0);
        }
        return true;
}

static bool reply_is_done(Env *env, const void *arg) {
        return ((const Reply *) arg)->done;
}

static void wait_reply(Env *env, Reply *r) {
        assert_true(run_until(env, reply_is_done, r, 20 * SEC));
}

/* Wait for the reply and want it to be a success. */
static void expect_ok(Env *env, Reply *r, const char *what) {
        wait_reply(env, r);
        if (r->error != 0)
                fail_msg("%s failed: %d %s", what, r->error, r->message ? r->message : "");
        reply_done(r);
}

typedef struct StateWant {
        const char *resource;
        const char *state;
        size_t since;
} StateWant;

static json_t *find_state(Env *env, const StateWant *w) {
        for (size_t i = w->since; i < json_array_size(env->states); i++) {
                json_t *ev = json_array_get(env->states, i);
                if (strcmp(json_string_value(json_object_get(ev, "resource")), w->resource) == 0 &&
                    strcmp(json_string_value(json_object_get(ev, "state")), w->state) == 0)
                        return ev;
        }
        return NULL;
}

static bool state_seen(Env *env, const void *arg) {
        return find_state(env, arg) != NULL;
}

/* The first state event for resource reaching state at index >= since. */
static json_t *wait_state(Env *env, const char *resource, const char *state, size_t since,
                          uint64_t timeout_usec) {
        StateWant w = { resource, state, since };
        if (!run_until(env, state_seen, &w, timeout_usec)) {
                char *dump = json_dumps(env->states, JSON_COMPACT);
                fail_msg("no state %s for %s; states: %s", state, resource, dump);
        }
        return find_state(env, &w);
}

/* A log event with this code (and from this monitor, unless NULL). */
static json_t *find_log(Env *env, const char *code, const char *monitor) {
        size_t i;
        json_t *ev;
        json_array_foreach(env->logs, i, ev) {
                const char *c = json_string_value(json_object_get(ev, "code"));
                const char *mon = json_string_value(json_object_get(ev, "monitor"));
                if (c && strcmp(c, code) == 0 && (!monitor || (mon && strcmp(mon, monitor) == 0)))
                        return ev;
        }
        return NULL;
}

static size_t mark(Env *env) {
        return json_array_size(env->states);
}

static pid_t process_id(json_t *ev) {
        const char *t = json_string_value(json_object_get(json_object_get(ev, "properties"), "ProcessId"));
        assert_non_null(t);
        return (pid_t) atoi(t);
}

static bool pid_alive(pid_t pid) {
        char path[64], buf[512];
        snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        FILE *f = fopen(path, "re");
        if (!f)
                return false;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        char *p = strrchr(buf, ')');
        return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

static bool pid_gone(Env *env, const void *arg) {
        return !pid_alive(*(const pid_t *) arg);
}

static bool pid_in_cgroup(pid_t pid, const char *cg_fs) {
        char path[64], line[PATH_MAX];
        _cleanup_free_ char *mnt = NULL;
        snprintf(path, sizeof path, "/proc/%d/cgroup", (int) pid);
        FILE *f = fopen(path, "re");
        if (!f)
                return false;
        assert_true(cg_v2_mount(&mnt) >= 0);
        bool found = false;
        while (fgets(line, sizeof line, f)) {
                if (strncmp(line, "0::", 3) != 0)
                        continue;
                line[strcspn(line, "\n")] = '\0';
                _cleanup_free_ char *full = strf("%s%s", mnt, line + 3);
                found = strcmp(full, cg_fs) == 0;
        }
        fclose(f);
        return found;
}

static json_t *json_of(const char *text) {
        json_error_t e;
        json_t *j = json_loads(text, 0, &e);
        assert_non_null(j);
        return j;
}

static void open_resource(Env *env, const char *id, const char *rtype, const char *props,
                          bool separate, uint64_t deadlock) {
        Reply r = {};
        json_t *p = json_of(props), *common = json_of(NO_POLL);
        MonitorsOpen o = {
                .resource = id,
                .rtype = rtype,
                .properties = p,
                .common = common,
                .separate = separate,
                .deadlock_timeout_usec = deadlock,
        };
        assert_int_equal(monitors_open(env->m, &o, on_reply, &r), 0);
        json_decref(p);
        json_decref(common);
        wait_reply(env, &r);
        if (r.error != 0)
                fail_msg("open %s failed: %d %s", id, r.error, r.message ? r.message : "");
        assert_string_equal(r.state, "Offline");
        assert_string_equal(monitors_resource_state(env->m, id), "Offline");
        reply_done(&r);
}

static void request(Env *env, int (*fn)(Monitors *, const char *, monitors_reply_fn, void *),
                    const char *id, const char *what) {
        Reply r = {};
        assert_int_equal(fn(env->m, id, on_reply, &r), 0);
        expect_ok(env, &r, what);
}

/* Online, and the ProcessId it reports. */
static pid_t online_genapp(Env *env, const char *id) {
        size_t since = mark(env);
        request(env, monitors_online, id, "online");
        json_t *ev = wait_state(env, id, "Online", since, 10 * SEC);
        pid_t pid = process_id(ev);
        assert_true(pid > 0);
        assert_true(pid_alive(pid));
        return pid;
}

/* ---- fixture ---- */

static Env *env_new(uint64_t lease_usec) {
        Env *env = calloc(1, sizeof *env);
        _cleanup_free_ char *own = NULL;
        assert_non_null(env);

        assert_true(sd_event_new(&env->event) >= 0);
        env->dir = strdup("/tmp/wptest-monitors-XXXXXX");
        assert_non_null(mkdtemp(env->dir));
        env->runtime_dir = strf("%s/run", env->dir);
        env->state_dir = strf("%s/state", env->dir);
        assert_int_equal(mkdir(env->runtime_dir, 0755), 0);
        assert_int_equal(mkdir(env->state_dir, 0755), 0);

        assert_true(cg_own_path(&own) >= 0);
        env->cg = strf("%s/wptest-monitors-%d-%u", own, (int) getpid(), ++test_no);
        env->res_cg = strf("%s/res", env->cg);
        env->mon_cg = strf("%s/mon", env->cg);
        assert_int_equal(cg_create(env->cg), 0);

        env->monitor_path = strf("%s/src/wolfpack-resmon", build_dir);
        env->plugin_dir = strf("%s/src:%s/tests/plugins", build_dir, build_dir);
        env->states = json_array();
        env->deaths = json_array();
        env->adopted = json_array();
        env->logs = json_array();

        env->cfg = (MonitorsConfig) {
                .monitor_path = env->monitor_path,
                .plugin_dir = env->plugin_dir,
                .runtime_dir = env->runtime_dir,
                .state_dir = env->state_dir,
                .resource_cgroup = env->res_cg,
                .monitor_cgroup = env->mon_cg,
                .reattach_timeout_usec = 10 * SEC,
                .lease_timeout_usec = lease_usec,
                .stop_timeout_usec = 10 * SEC,
        };
        char err[1024] = "";
        int r = monitors_new(env->event, &env->cfg, &callbacks, env, &env->m, err, sizeof err);
        if (r < 0)
                fail_msg("monitors_new: %s", err);
        return env;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) remove(path);
        return 0;
}

static void env_free(Env *env, bool check) {
        env->m = monitors_free(env->m);

        pid_t *pids = NULL;
        size_t n = 0;
        int r = cg_pids(env->cg, &pids, &n);
        free(pids);
        /* Whatever a failed test left must not outlive it. */
        (void) cg_kill(env->cg);
        for (int i = 0; i < 100 && cg_populated(env->cg) > 0; i++)
                usleep(20 * 1000);
        (void) cg_remove(env->cg);
        (void) nftw(env->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);

        sd_event_unref(env->event);
        json_decref(env->states);
        json_decref(env->deaths);
        json_decref(env->adopted);
        json_decref(env->logs);
        free(env->dir);
        free(env->runtime_dir);
        free(env->state_dir);
        free(env->cg);
        free(env->res_cg);
        free(env->mon_cg);
        free(env->monitor_path);
        free(env->plugin_dir);
        free(env);
        /* Every monitor was reaped: no child of ours is left, not even a
         * zombie. */
        pid_t child = waitpid(-1, NULL, WNOHANG);
        if (check) {
                assert_int_equal(r, 0);
                assert_int_equal(n, 0); /* monitors_free left no process behind */
                assert_true(child < 0 && errno == ECHILD);
        }
}

static int setup(void **state) {
        *state = env_new(0);
        return 0;
}

static int setup_lease(void **state) {
        *state = env_new(1500 * 1000);
        return 0;
}

static int teardown(void **state) {
        Env *env = *state;
        if (env)
                env_free(env, true);
        return 0;
}

/* ---- tests ---- */

static bool monitor_gone(Env *env, const void *name) {
        return monitors_monitor_pid(env->m, name) == 0;
}

static void test_open_online_offline(void **state) {
        Env *env = *state;

        open_resource(env, "g1", "genapp", "{\"CommandLine\": \"/bin/sleep 1000\"}", false, 0);
        assert_string_equal(monitors_resource_monitor(env->m, "g1"), MONITORS_MAIN);
        /* The monitor's own log, named with the monitor. */
        json_t *opened = find_log(env, "RESOURCE_OPENED", MONITORS_MAIN);
        assert_non_null(opened);
        assert_string_equal(json_string_value(json_object_get(opened, "resource")), "g1");
        pid_t main_pid = monitors_monitor_pid(env->m, MONITORS_MAIN);
        assert_true(main_pid > 0);
        _cleanup_free_ char *mon_cg = strf("%s", env->mon_cg);
        assert_true(pid_in_cgroup(main_pid, mon_cg));

        pid_t pid = online_genapp(env, "g1");
        _cleanup_free_ char *res_cg = strf("%s/g1", env->res_cg);
        assert_true(pid_in_cgroup(pid, res_cg));

        /* A resource of its own monitor. */
        open_resource(env, "c1", "test-count", "{}", true, 0);
        assert_string_equal(monitors_resource_monitor(env->m, "c1"), "c1");
        pid_t c1_pid = monitors_monitor_pid(env->m, "c1");
        assert_true(c1_pid > 0 && c1_pid != main_pid);
        size_t since = mark(env);
        request(env, monitors_online, "c1", "online");
        wait_state(env, "c1", "Online", since, 10 * SEC);

        /* Properties, set and read back. */
        Reply r = {};
        json_t *props = json_of("{\"StopTimeout\": \"3s\"}");
        assert_int_equal(monitors_set_properties(env->m, "g1", props, on_reply, &r), 0);
        json_decref(props);
        expect_ok(env, &r, "set-properties");
        assert_int_equal(monitors_get_properties(env->m, "g1", on_reply, &r), 0);
        wait_reply(env, &r);
        assert_int_equal(r.error, 0);
        assert_string_equal(json_string_value(json_object_get(json_object_get(r.reply, "properties"),
                                                              "StopTimeout")),
                            "3s");
        reply_done(&r);

        since = mark(env);
        request(env, monitors_offline, "g1", "offline");
        wait_state(env, "g1", "Offline", since, 15 * SEC);
        assert_true(run_until(env, pid_gone, &pid, 5 * SEC));

        /* Refusals come through the callback, never from inside the call. */
        assert_int_equal(monitors_online(env->m, "nope", on_reply, &r), 0);
        assert_false(r.done);
        wait_reply(env, &r);
        assert_int_equal(r.error, -ENOENT);
        assert_non_null(r.message);
        reply_done(&r);
        MonitorsOpen again = { .resource = "g1", .rtype = "genapp" };
        assert_int_equal(monitors_open(env->m, &again, on_reply, &r), 0);
        wait_reply(env, &r);
        assert_int_equal(r.error, -EEXIST);
        reply_done(&r);

        assert_int_equal(monitors_set_deadlock_timeout(env->m, "nope", SEC), -ENOENT);
        assert_int_equal(monitors_set_deadlock_timeout(env->m, "c1", 60 * SEC), 0);

        since = mark(env);
        request(env, monitors_terminate, "c1", "terminate");
        json_t *ev = wait_state(env, "c1", "Offline", since, 5 * SEC);
        assert_string_equal(json_string_value(json_object_get(ev, "previous")), "Online");

        /* Closing the resource of a monitor of its own ends that monitor. */
        request(env, monitors_close, "c1", "close");
        assert_null(monitors_resource_state(env->m, "c1"));
        assert_true(run_until(env, monitor_gone, "c1", 10 * SEC));
        request(env, monitors_close, "g1", "close");
        assert_null(monitors_resource_state(env->m, "g1"));
        assert_int_equal(json_array_size(env->deaths), 0);
}

static bool deaths_over(Env *env, const void *arg) {
        return json_array_size(env->deaths) > *(const size_t *) arg;
}

static bool never(Env *env, const void *arg) {
        return false;
}

static bool reattached(Env *env, const void *arg) {
        return env->reattached;
}

static json_t *wait_death(Env *env, size_t index) {
        if (!run_until(env, deaths_over, &index, 20 * SEC))
                fail_msg("no monitor died");
        return json_array_get(env->deaths, index);
}

static void test_crash(void **state) {
        Env *env = *state;

        open_resource(env, "app", "genapp", "{\"CommandLine\": \"/bin/sleep 1000\"}", false, 0);
        pid_t pid = online_genapp(env, "app");
        open_resource(env, "crash", "test-crash", "{\"CrashIn\": \"online\"}", false, 0);
        pid_t main_pid = monitors_monitor_pid(env->m, MONITORS_MAIN);

        size_t since = mark(env);
        Reply r = {};
        assert_int_equal(monitors_online(env->m, "crash", on_reply, &r), 0);

        json_t *d = wait_death(env, 0);
        assert_string_equal(json_string_value(json_object_get(d, "monitor")), MONITORS_MAIN);
        assert_int_equal(json_integer_value(json_object_get(d, "pid")), main_pid);
        assert_true(json_is_true(json_object_get(d, "status_known")));
        assert_int_equal(json_integer_value(json_object_get(d, "signal")), SIGSEGV);
        assert_false(json_is_true(json_object_get(d, "killed")));
        assert_string_equal(json_string_value(json_object_get(d, "resource")), "crash");
        assert_string_equal(json_string_value(json_object_get(d, "entry_point")), "online");

        json_t *failed = wait_state(env, "crash", "Failed", since, 5 * SEC);
        assert_string_equal(json_string_value(json_object_get(failed, "reason")),
                            "the resource monitor crashed in online (signal 11)");
        assert_string_equal(json_string_value(json_object_get(failed, "previous")), "Offline");

        /* The online that was in flight is answered. */
        wait_reply(env, &r);
        assert_int_equal(r.error, -ECONNRESET);
        assert_non_null(strstr(r.message, "crashed in online"));
        reply_done(&r);

        /* The application, probed in the new main monitor: the same process. */
        json_t *online = wait_state(env, "app", "Online", since, 10 * SEC);
        assert_int_equal(process_id(online), pid);
        assert_true(pid_alive(pid));
        assert_non_null(strstr(json_string_value(json_object_get(online, "reason")), "still running"));
        assert_string_equal(monitors_resource_monitor(env->m, "app"), MONITORS_MAIN);
        pid_t new_main = monitors_monitor_pid(env->m, MONITORS_MAIN);
        assert_true(new_main > 0 && new_main != main_pid);

        /* The crashing resource alone, and still Failed for the daemon. */
        assert_string_equal(monitors_resource_monitor(env->m, "crash"), "crash");
        assert_string_equal(monitors_resource_state(env->m, "crash"), "Failed");
        request(env, monitors_get_properties, "crash", "get-properties");

        /* It crashes again: only its own monitor goes. */
        since = mark(env);
        assert_int_equal(monitors_online(env->m, "crash", on_reply, &r), 0);
        d = wait_death(env, 1);
        assert_string_equal(json_string_value(json_object_get(d, "monitor")), "crash");
        wait_state(env, "crash", "Failed", since, 5 * SEC);
        wait_reply(env, &r);
        assert_int_equal(r.error, -ECONNRESET);
        reply_done(&r);
        assert_int_equal(monitors_monitor_pid(env->m, MONITORS_MAIN), new_main);
        assert_true(pid_alive(pid));
        for (size_t i = since; i < json_array_size(env->states); i++)
                assert_string_not_equal(json_string_value(json_object_get(json_array_get(env->states, i), "resource")),
                                        "app");

        /* The application is still the daemon's to stop. */
        since = mark(env);
        request(env, monitors_offline, "app", "offline");
        wait_state(env, "app", "Offline", since, 15 * SEC);
        assert_true(run_until(env, pid_gone, &pid, 5 * SEC));
}

static void test_hang(void **state) {
        Env *env = *state;

        open_resource(env, "app", "genapp", "{\"CommandLine\": \"/bin/sleep 1000\"}", false, 0);
        pid_t pid = online_genapp(env, "app");
        open_resource(env, "hang", "test-hang", "{\"HangIn\": \"online\"}", false, 2 * SEC);

        size_t since = mark(env);
        uint64_t t0 = now_monotonic_usec();
        Reply r = {};
        assert_int_equal(monitors_online(env->m, "hang", on_reply, &r), 0);
        json_t *d = wait_death(env, 0);
        uint64_t took = now_monotonic_usec() - t0;
        assert_true(took >= 2 * SEC);
        assert_true(took < 8 * SEC);
        assert_true(json_is_true(json_object_get(d, "killed")));
        assert_int_equal(json_integer_value(json_object_get(d, "signal")), SIGKILL);
        assert_string_equal(json_string_value(json_object_get(d, "resource")), "hang");
        assert_string_equal(json_string_value(json_object_get(d, "entry_point")), "online");

        json_t *failed = wait_state(env, "hang", "Failed", since, 5 * SEC);
        const char *reason = json_string_value(json_object_get(failed, "reason"));
        assert_non_null(strstr(reason, "the resource monitor hung in online for "));
        assert_non_null(strstr(reason, "s and was killed"));
        wait_reply(env, &r);
        assert_int_equal(r.error, -ECONNRESET);
        reply_done(&r);

        json_t *online = wait_state(env, "app", "Online", since, 10 * SEC);
        assert_int_equal(process_id(online), pid);
        assert_string_equal(monitors_resource_monitor(env->m, "hang"), "hang");

        /* The application's monitor no longer has the short deadline: it
         * keeps answering. */
        size_t deaths = json_array_size(env->deaths);
        (void) run_until(env, never, NULL, 3 * SEC);
        assert_int_equal(json_array_size(env->deaths), deaths);
        assert_true(pid_alive(pid));
}

static void test_reattach(void **state) {
        Env *env = *state;

        open_resource(env, "app", "genapp", "{\"CommandLine\": \"/bin/sleep 1000\"}", false, 0);
        pid_t pid = online_genapp(env, "app");
        open_resource(env, "count", "test-count", "{}", true, 0);
        size_t since = mark(env);
        request(env, monitors_online, "count", "online");
        wait_state(env, "count", "Online", since, 10 * SEC);
        pid_t main_pid = monitors_monitor_pid(env->m, MONITORS_MAIN);

        /* A socket whose monitor is gone. */
        _cleanup_free_ char *stale = strf("%s/resmon-stale.sock", env->runtime_dir);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s", stale);
        assert_int_equal(bind(fd, (struct sockaddr *) &sa, sizeof sa), 0);
        close(fd);

        env->m = monitors_detach(env->m);
        assert_true(pid_alive(pid));
        assert_true(pid_alive(main_pid));

        char err[1024] = "";
        assert_int_equal(monitors_new(env->event, &env->cfg, &callbacks, env, &env->m, err, sizeof err), 0);
        /* The monitors notice their parent left and start listening. */
        _cleanup_free_ char *main_sock = strf("%s/resmon-main.sock", env->runtime_dir);
        _cleanup_free_ char *count_sock = strf("%s/resmon-count.sock", env->runtime_dir);
        /* Both, before looking for them: on a loaded machine the second
         * one can take seconds. */
        for (int i = 0; i < 1000 && (access(main_sock, F_OK) < 0 || access(count_sock, F_OK) < 0); i++)
                usleep(20 * 1000);
        assert_int_equal(access(main_sock, F_OK), 0);
        assert_int_equal(access(count_sock, F_OK), 0);

        since = mark(env);
        assert_int_equal(monitors_reattach(env->m, on_reattached, env), 0);
        assert_false(env->reattached);
        assert_true(run_until(env, reattached, NULL, 10 * SEC));
        assert_int_equal(env->n_monitors, 2);
        assert_int_equal(env->n_resources, 2);
        assert_int_equal(access(stale, F_OK), -1);
        assert_non_null(find_log(env, "MONITOR_STALE_SOCKET", NULL));
        assert_int_equal(monitors_reattach(env->m, NULL, NULL), -EBUSY);

        assert_int_equal(json_array_size(env->adopted), 2);
        for (size_t i = 0; i < 2; i++) {
                json_t *a = json_array_get(env->adopted, i);
                const char *id = json_string_value(json_object_get(a, "resource"));
                assert_string_equal(json_string_value(json_object_get(a, "state")), "Online");
                if (strcmp(id, "app") == 0) {
                        assert_string_equal(json_string_value(json_object_get(a, "monitor")), MONITORS_MAIN);
                        assert_int_equal(process_id(a), pid);
                } else {
                        assert_string_equal(id, "count");
                        assert_string_equal(json_string_value(json_object_get(a, "monitor")), "count");
                }
        }
        assert_int_equal(monitors_monitor_pid(env->m, MONITORS_MAIN), main_pid);
        assert_string_equal(monitors_resource_state(env->m, "app"), "Online");
        assert_string_equal(monitors_resource_monitor(env->m, "count"), "count");
        /* Nothing was restarted. */
        assert_int_equal(mark(env), since);
        assert_true(pid_alive(pid));

        /* The adopted resources answer as before. */
        since = mark(env);
        request(env, monitors_offline, "app", "offline");
        wait_state(env, "app", "Offline", since, 15 * SEC);
        assert_true(run_until(env, pid_gone, &pid, 5 * SEC));
        request(env, monitors_offline, "count", "offline");
        wait_state(env, "count", "Offline", since, 15 * SEC);
}

/* Monitors of two daemons in one runtime directory: each daemon
 * re-attaches only to the monitors that carry its identity, and a monitor
 * refuses the hello of another daemon even on a socket named for it. */
static void recreate(Env *env, const char *daemon_id) {
        char err[1024] = "";
        env->cfg.daemon_id = daemon_id;
        int r = monitors_new(env->event, &env->cfg, &callbacks, env, &env->m, err, sizeof err);
        if (r < 0)
                fail_msg("monitors_new: %s", err);
}

static void reattach_now(Env *env) {
        env->reattached = false;
        assert_int_equal(monitors_reattach(env->m, on_reattached, env), 0);
        assert_true(run_until(env, reattached, NULL, 10 * SEC));
}

static void test_reattach_only_own_monitors(void **state) {
        Env *env = *state;
        const char *ours = "00000000000000aa", *theirs = "00000000000000bb";

        env->m = monitors_free(env->m);
        recreate(env, ours);
        open_resource(env, "app", "genapp", "{\"CommandLine\": \"/bin/sleep 1000\"}", false, 0);
        pid_t pid = online_genapp(env, "app");
        env->m = monitors_detach(env->m);

        _cleanup_free_ char *sock = strf("%s/resmon-%s-main.sock", env->runtime_dir, ours);
        _cleanup_free_ char *lure = strf("%s/resmon-%s-main.sock", env->runtime_dir, theirs);
        for (int i = 0; i < 250 && access(sock, F_OK) < 0; i++)
                usleep(20 * 1000);
        assert_int_equal(access(sock, F_OK), 0);

        /* The other daemon does not look at our monitor's socket. */
        recreate(env, theirs);
        reattach_now(env);
        assert_int_equal(env->n_monitors, 0);
        assert_int_equal(json_array_size(env->adopted), 0);
        assert_int_equal(access(sock, F_OK), 0);

        /* Nor can it take the monitor through a socket named for it. */
        assert_int_equal(rename(sock, lure), 0);
        reattach_now(env);
        assert_int_equal(env->n_monitors, 0);
        assert_int_equal(json_array_size(env->adopted), 0);
        json_t *refused = find_log(env, "MONITOR_HELLO_REFUSED", NULL);
        assert_non_null(refused);
        assert_non_null(strstr(json_string_value(json_object_get(refused, "text")), ours));
        assert_int_equal(rename(lure, sock), 0);
        env->m = monitors_free(env->m);
        assert_true(pid_alive(pid));

        /* Its own daemon takes it back, untouched. */
        recreate(env, ours);
        reattach_now(env);
        assert_int_equal(env->n_monitors, 1);
        assert_int_equal(json_array_size(env->adopted), 1);
        assert_int_equal(process_id(json_array_get(env->adopted, 0)), pid);
        size_t since = mark(env);
        request(env, monitors_offline, "app", "offline");
        wait_state(env, "app", "Offline", since, 15 * SEC);
}

/* A monitor that dies after re-attach: its adopted resource is opened
 * again from its snapshot (read-only properties left out) and found
 * running. */
static void test_reattach_then_crash(void **state) {
        Env *env = *state;

        open_resource(env, "app", "genapp", "{\"CommandLine\": \"/bin/sleep 1000\"}", false, 0);
        pid_t pid = online_genapp(env, "app");
        env->m = monitors_detach(env->m);

        char err[1024] = "";
        assert_int_equal(monitors_new(env->event, &env->cfg, &callbacks, env, &env->m, err, sizeof err), 0);
        _cleanup_free_ char *main_sock = strf("%s/resmon-main.sock", env->runtime_dir);
        for (int i = 0; i < 250 && access(main_sock, F_OK) < 0; i++)
                usleep(20 * 1000);
        assert_int_equal(monitors_reattach(env->m, on_reattached, env), 0);
        assert_true(run_until(env, reattached, NULL, 10 * SEC));
        assert_int_equal(env->n_resources, 1);

        open_resource(env, "crash", "test-crash", "{\"CrashIn\": \"online\"}", false, 0);
        size_t since = mark(env);
        request(env, monitors_probe, "crash", "probe");
        Reply r = {};
        assert_int_equal(monitors_online(env->m, "crash", on_reply, &r), 0);
        wait_death(env, 0);
        wait_reply(env, &r);
        reply_done(&r);
        json_t *online = wait_state(env, "app", "Online", since, 10 * SEC);
        assert_int_equal(process_id(online), pid);
}

static void test_lease(void **state) {
        Env *env = *state;

        open_resource(env, "app", "genapp", "{\"CommandLine\": \"/bin/sleep 1000\"}", false, 0);
        Reply r = {};
        assert_int_equal(monitors_online(env->m, "app", on_reply, &r), 0);
        wait_reply(env, &r);
        assert_int_equal(r.error, -ENOLCK);
        reply_done(&r);

        monitors_set_lease(env->m, true);
        pid_t pid = online_genapp(env, "app");

        /* Renewed: it outlives the lease many times over. */
        size_t since = mark(env);
        (void) run_until(env, never, NULL, 4 * SEC);
        assert_int_equal(mark(env), since);
        assert_true(pid_alive(pid));

        uint64_t t0 = now_monotonic_usec();
        monitors_set_lease(env->m, false);
        json_t *failed = wait_state(env, "app", "Failed", since, 10 * SEC);
        assert_true(now_monotonic_usec() - t0 < 4 * SEC);
        assert_non_null(strstr(json_string_value(json_object_get(failed, "reason")), "lease"));
        assert_true(run_until(env, pid_gone, &pid, 5 * SEC));
}

static void test_bad_config(void **state) {
        sd_event *e = NULL;
        Monitors *m = NULL;
        char err[1024] = "";
        assert_true(sd_event_new(&e) >= 0);
        MonitorsConfig cfg = {
                .monitor_path = "/nonexistent",
                .plugin_dir = "/nonexistent",
                .runtime_dir = "/tmp",
                .state_dir = "/tmp",
                .resource_cgroup = "relative/path",
        };
        assert_int_equal(monitors_new(e, &cfg, &callbacks, NULL, &m, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "relative/path"));
        cfg.resource_cgroup = "/";
        assert_int_equal(monitors_new(e, &cfg, &callbacks, NULL, &m, err, sizeof err), -EINVAL);
        assert_null(m);
        sd_event_unref(e);
}

/* Send a request about types (JSON text); the reply comes into r. */
static void type_call(Env *env, const char *text, Reply *r) {
        json_t *q = json_of(text);
        assert_int_equal(monitors_call(env->m, q, on_reply, r), 0);
        json_decref(q);
}

static void test_types(void **state) {
        Env *env = *state;
        Reply r = {};

        type_call(env, "{\"type\": \"list-types\"}", &r);
        wait_reply(env, &r);
        assert_int_equal(r.error, 0);
        bool genapp = false, crash = false;
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(r.reply, "types"), i, t) {
                genapp = genapp || strcmp(json_string_value(t), "genapp") == 0;
                crash = crash || strcmp(json_string_value(t), "test-crash") == 0;
        }
        assert_true(genapp && crash);
        reply_done(&r);

        type_call(env,
                  "{\"type\": \"validate\", \"rtype\": \"genapp\", "
                  "\"properties\": {\"CommandLine\": \"/bin/true\", \"StopTimeout\": \"soon\"}}",
                  &r);
        wait_reply(env, &r);
        assert_int_equal(r.error, -EINVAL);
        assert_string_equal(json_string_value(json_object_get(r.reply, "property")), "StopTimeout");
        assert_non_null(r.message);
        reply_done(&r);

        /* Resource requests have calls of their own. */
        type_call(env, "{\"type\": \"exit\"}", &r);
        wait_reply(env, &r);
        assert_int_equal(r.error, -EINVAL);
        reply_done(&r);
        assert_true(monitors_monitor_pid(env->m, MONITORS_MAIN) > 0);
}

/* A shared monitor that does not answer: a request about types is answered
 * with -ETIMEDOUT naming it, within seconds rather than DeadlockTimeout, and
 * its late reply changes nothing. */
static void test_types_timeout(void **state) {
        Env *env = *state;
        Reply r = {};

        type_call(env, "{\"type\": \"list-types\"}", &r);
        expect_ok(env, &r, "list-types");
        pid_t pid = monitors_monitor_pid(env->m, MONITORS_MAIN);
        assert_true(pid > 0);

        static const char validate[] = "{\"type\": \"validate\", \"rtype\": \"genapp\", "
                                       "\"properties\": {\"CommandLine\": \"/bin/true\"}}";
        assert_int_equal(kill(pid, SIGSTOP), 0);
        uint64_t t0 = now_monotonic_usec();
        type_call(env, validate, &r);
        wait_reply(env, &r);
        uint64_t took = now_monotonic_usec() - t0;
        assert_true(took >= 4 * SEC && took < 8 * SEC);
        assert_int_equal(r.error, -ETIMEDOUT);
        assert_non_null(strstr(r.message, "resource monitor main"));
        assert_non_null(strstr(r.message, "did not answer validate"));

        /* The late reply: on_reply would fail on a second call. */
        assert_int_equal(kill(pid, SIGCONT), 0);
        (void) run_until(env, never, NULL, 1 * SEC);
        reply_done(&r);
        assert_int_equal(monitors_monitor_pid(env->m, MONITORS_MAIN), pid);
        type_call(env, validate, &r);
        expect_ok(env, &r, "validate");
}

/* DeadlockTimeout changed on an open resource takes effect at once. */
static void test_set_deadlock_timeout(void **state) {
        Env *env = *state;

        open_resource(env, "app", "genapp", "{\"CommandLine\": \"/bin/sleep 1000\"}", false, 0);
        pid_t app = online_genapp(env, "app");
        pid_t pid = monitors_monitor_pid(env->m, MONITORS_MAIN);
        assert_int_equal(monitors_set_deadlock_timeout(env->m, "app", 2 * SEC), 0);
        assert_int_equal(monitors_set_deadlock_timeout(env->m, "nosuch", 2 * SEC), -ENOENT);

        size_t since = mark(env);
        uint64_t t0 = now_monotonic_usec();
        assert_int_equal(kill(pid, SIGSTOP), 0);
        json_t *d = wait_death(env, 0);
        uint64_t took = now_monotonic_usec() - t0;
        assert_true(took < 5 * SEC);
        assert_true(json_is_true(json_object_get(d, "killed")));
        /* Idle when killed: the application is found again, untouched. */
        json_t *online = wait_state(env, "app", "Online", since, 10 * SEC);
        assert_int_equal(process_id(online), app);
}

static void test_spawn_failure(void **state) {
        Env *env = *state;

        free(env->monitor_path);
        env->monitor_path = strf("%s/no-such-monitor", env->dir);
        env->m = monitors_free(env->m);
        env->cfg.monitor_path = env->monitor_path;
        char err[1024] = "";
        assert_int_equal(monitors_new(env->event, &env->cfg, &callbacks, env, &env->m, err, sizeof err), 0);

        Reply r = {};
        MonitorsOpen o = { .resource = "x", .rtype = "test-count" };
        assert_int_equal(monitors_open(env->m, &o, on_reply, &r), 0);
        wait_reply(env, &r);
        assert_int_equal(r.error, -ENOENT);
        assert_non_null(strstr(r.message, "no-such-monitor"));
        reply_done(&r);
        assert_null(monitors_resource_state(env->m, "x"));
}

int main(void) {
        if (geteuid() != 0) {
                fprintf(stderr, "test-monitors needs root (it creates cgroups)\n");
                return 77;
        }
        if (find_build_dir() < 0) {
                fprintf(stderr, "test-monitors cannot find its build directory\n");
                return 1;
        }
        signal(SIGPIPE, SIG_IGN);
        /* In a sanitizer build, test-crash's NULL store must still kill its
         * monitor with SIGSEGV, as it does in production builds: the
         * monitors started from here neither catch SIGSEGV (ASan) nor stop
         * at the store (UBSan). This process read its options already. */
        for (size_t i = 0; i < 2; i++) {
                const char *var = i == 0 ? "ASAN_OPTIONS" : "UBSAN_OPTIONS";
                const char *add = i == 0 ? "handle_segv=0" : "halt_on_error=0";
                const char *old = getenv(var);
                _cleanup_free_ char *v = old && old[0] ? strf("%s:%s", old, add) : strdup(add);
                if (!v || setenv(var, v, 1) < 0)
                        return 1;
        }
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_bad_config),
                cmocka_unit_test_setup_teardown(test_open_online_offline, setup, teardown),
                cmocka_unit_test_setup_teardown(test_crash, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hang, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reattach, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reattach_then_crash, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reattach_only_own_monitors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lease, setup_lease, teardown),
                cmocka_unit_test_setup_teardown(test_types, setup, teardown),
                cmocka_unit_test_setup_teardown(test_spawn_failure, setup, teardown),
                cmocka_unit_test_setup_teardown(test_types_timeout, setup, teardown),
                cmocka_unit_test_setup_teardown(test_set_deadlock_timeout, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
