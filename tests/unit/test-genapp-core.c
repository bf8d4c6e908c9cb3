/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The application core's state machine against a recording host: online,
 * readiness, failure reports, offline with StopTimeout, terminate, probe,
 * live properties and the extension hooks. The host's loop is driven by
 * hand (fire_*), its cgroup is a variable, and the "pidfds" of spawned
 * processes are eventfds the test makes readable; probe and PidFile use
 * real processes. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "genapp-internal.h"
#include "genapp.h"
#include "strv.h"

/* --- the recording host ------------------------------------------------ */

typedef enum FakeKind { F_IO, F_TIMER, F_FAILURE, F_CHILD, F_CGROUP } FakeKind;

typedef struct FakeSource {
        FakeKind kind;
        bool released;
        int fd;
        uint32_t events;
        wp_usec_t after;
        wp_io_fn io;
        wp_timer_fn timer;
        wp_exit_fn exit;
        void *userdata;
        pid_t pid;
} FakeSource;

#define MAX_SOURCES 256
#define MAX_SPAWNS 16

static struct {
        FakeSource *sources[MAX_SOURCES];
        size_t n_sources;

        int populated;
        pid_t pids[8];
        size_t n_pids;
        int signals[8];
        size_t n_signals;
        int kills, removes;
        bool kill_empties;

        int n_status;
        wp_state last_state;
        char last_reason[512];

        int n_alive;
        bool alive;
        char alive_reason[512];

        char codes[64][40];
        size_t n_codes;
        char error[512];

        int spawn_result;
        size_t n_spawns;
        char **spawn_argv[MAX_SPAWNS];
        char **spawn_env[MAX_SPAWNS];
        bool spawn_new_session[MAX_SPAWNS];
        uid_t spawn_uid[MAX_SPAWNS];
        gid_t spawn_gid[MAX_SPAWNS];
        size_t spawn_n_groups[MAX_SPAWNS];
        bool spawn_groups_null[MAX_SPAWNS];
        int spawn_stdout_valid[MAX_SPAWNS];
        int spawn_exit_fd[MAX_SPAWNS];   /* write here: the "pidfd" turns readable */
        FakeSource *spawn_child[MAX_SPAWNS];

        char state_dir[64];
} fake;

static wp_resource *const R = (wp_resource *) &fake;

static FakeSource *source_add(FakeKind kind, void *userdata) {
        FakeSource *s = calloc(1, sizeof *s);
        assert_non_null(s);
        assert_true(fake.n_sources < MAX_SOURCES);
        s->kind = kind;
        s->fd = -1;
        s->userdata = userdata;
        fake.sources[fake.n_sources++] = s;
        return s;
}

static void f_set_status(wp_resource *r, wp_state state, const char *fmt, ...) {
        va_list ap;
        fake.n_status++;
        fake.last_state = state;
        fake.last_reason[0] = '\0';
        if (fmt) {
                va_start(ap, fmt);
                vsnprintf(fake.last_reason, sizeof fake.last_reason, fmt, ap);
                va_end(ap);
        }
}

static void f_alive_result(wp_resource *r, bool alive, const char *fmt, ...) {
        va_list ap;
        fake.n_alive++;
        fake.alive = alive;
        fake.alive_reason[0] = '\0';
        if (fmt) {
                va_start(ap, fmt);
                vsnprintf(fake.alive_reason, sizeof fake.alive_reason, fmt, ap);
                va_end(ap);
        }
}

static void f_log(wp_resource *r, wp_level level, const char *code, const char *fmt, ...) {
        if (fake.n_codes < 64)
                snprintf(fake.codes[fake.n_codes++], 40, "%s", code);
}

static int f_error(wp_resource *r, int err, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(fake.error, sizeof fake.error, fmt, ap);
        va_end(ap);
        return err;
}

static const char *f_id(wp_resource *r) {
        return "r1";
}

static const char *f_name(wp_resource *r) {
        return "web";
}

static const char *f_state_dir(wp_resource *r) {
        return fake.state_dir;
}

static int f_watch_fd(wp_resource *r, int fd, uint32_t events, wp_io_fn fn, void *userdata, wp_source **ret) {
        FakeSource *s = source_add(F_IO, userdata);
        s->fd = fd;
        s->events = events;
        s->io = fn;
        if (ret)
                *ret = (wp_source *) s;
        return 0;
}

static int f_add_timer(wp_resource *r, wp_usec_t after, wp_timer_fn fn, void *userdata, wp_source **ret) {
        FakeSource *s = source_add(F_TIMER, userdata);
        s->after = after;
        s->timer = fn;
        if (ret)
                *ret = (wp_source *) s;
        return 0;
}

static void f_release(wp_source *ws) {
        FakeSource *s = (FakeSource *) ws;
        assert_false(s->released);
        s->released = true;
}

static int f_watch_failure(wp_resource *r, int fd, wp_source **ret) {
        FakeSource *s = source_add(F_FAILURE, NULL);
        assert_true(fcntl(fd, F_GETFD) >= 0);
        s->fd = fd;
        if (ret)
                *ret = (wp_source *) s;
        return 0;
}

static int f_spawn(wp_resource *r, const wp_spawn *spec, wp_exit_fn on_exit, void *userdata, pid_t *ret_pid,
                   int *ret_pidfd, wp_source **ret) {
        size_t i = fake.n_spawns;

        if (fake.spawn_result < 0)
                return f_error(r, fake.spawn_result, "program \"%s\" not found", spec->argv[0]);
        assert_true(i < MAX_SPAWNS);
        fake.n_spawns++;
        fake.spawn_argv[i] = strv_copy(spec->argv);
        fake.spawn_env[i] = strv_copy(spec->env);
        fake.spawn_new_session[i] = spec->new_session;
        fake.spawn_uid[i] = spec->uid;
        fake.spawn_gid[i] = spec->gid;
        fake.spawn_n_groups[i] = spec->n_groups;
        fake.spawn_groups_null[i] = spec->groups == NULL;
        fake.spawn_stdout_valid[i] = spec->stdout_fd >= 0 && fcntl(spec->stdout_fd, F_GETFD) >= 0;
        /* What the child would run just before execve. */
        if (spec->child_setup) {
                int k = spec->child_setup(spec->child_setup_userdata);
                if (k < 0)
                        return f_error(r, k, "child setup failed");
        }

        int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        assert_true(efd >= 0);
        fake.spawn_exit_fd[i] = efd;
        FakeSource *s = source_add(F_CHILD, userdata);
        s->exit = on_exit;
        s->pid = (pid_t) (1000 + i);
        fake.spawn_child[i] = s;
        if (ret_pid)
                *ret_pid = s->pid;
        if (ret_pidfd)
                *ret_pidfd = fcntl(efd, F_DUPFD_CLOEXEC, 3);
        if (ret)
                *ret = (wp_source *) s;
        return 0;
}

static const char *f_cgroup_path(wp_resource *r) {
        return "/sys/fs/cgroup/test/res/r1";
}

static int f_cgroup_signal(wp_resource *r, int sig) {
        if (fake.n_signals < 8)
                fake.signals[fake.n_signals++] = sig;
        return 0;
}

static int f_cgroup_kill(wp_resource *r) {
        fake.kills++;
        if (fake.kill_empties)
                fake.populated = 0;
        return 0;
}

static int f_cgroup_populated(wp_resource *r) {
        return fake.populated;
}

static int f_cgroup_remove(wp_resource *r) {
        fake.removes++;
        return 0;
}

static int f_cgroup_pids(wp_resource *r, pid_t **ret, size_t *ret_n) {
        pid_t *p = calloc(fake.n_pids + 1, sizeof(pid_t));
        assert_non_null(p);
        memcpy(p, fake.pids, fake.n_pids * sizeof(pid_t));
        *ret = p;
        *ret_n = fake.n_pids;
        return 0;
}

static int f_watch_cgroup(wp_resource *r, wp_timer_fn fn, void *userdata, wp_source **ret) {
        FakeSource *s = source_add(F_CGROUP, userdata);
        s->timer = fn;
        if (ret)
                *ret = (wp_source *) s;
        return 0;
}

static const wp_host host = {
        .api_min = 1,
        .api_max = 1,
        .set_status = f_set_status,
        .alive_result = f_alive_result,
        .log = f_log,
        .error = f_error,
        .id = f_id,
        .name = f_name,
        .state_dir = f_state_dir,
        .watch_fd = f_watch_fd,
        .add_timer = f_add_timer,
        .release = f_release,
        .watch_failure = f_watch_failure,
        .spawn = f_spawn,
        .cgroup_path = f_cgroup_path,
        .cgroup_signal = f_cgroup_signal,
        .cgroup_kill = f_cgroup_kill,
        .cgroup_populated = f_cgroup_populated,
        .cgroup_remove = f_cgroup_remove,
        .cgroup_pids = f_cgroup_pids,
        .watch_cgroup = f_watch_cgroup,
};

static int setup(void **state) {
        for (size_t i = 0; i < fake.n_sources; i++)
                free(fake.sources[i]);
        for (size_t i = 0; i < fake.n_spawns; i++) {
                strv_free(fake.spawn_argv[i]);
                strv_free(fake.spawn_env[i]);
                close(fake.spawn_exit_fd[i]);
        }
        memset(&fake, 0, sizeof fake);
        snprintf(fake.state_dir, sizeof fake.state_dir, "/tmp/test-genapp-XXXXXX");
        assert_non_null(mkdtemp(fake.state_dir));
        return 0;
}

static int teardown(void **state) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", fake.state_dir);
        assert_int_equal(system(cmd), 0);
        for (size_t i = 0; i < fake.n_sources; i++)
                free(fake.sources[i]);
        for (size_t i = 0; i < fake.n_spawns; i++) {
                strv_free(fake.spawn_argv[i]);
                strv_free(fake.spawn_env[i]);
                close(fake.spawn_exit_fd[i]);
        }
        memset(&fake, 0, sizeof fake);
        return 0;
}

/* The n-th (0-based) live source of a kind, or NULL. */
static FakeSource *live(FakeKind kind, size_t n) {
        for (size_t i = 0; i < fake.n_sources; i++)
                if (fake.sources[i]->kind == kind && !fake.sources[i]->released && n-- == 0)
                        return fake.sources[i];
        return NULL;
}

static size_t count_live(void) {
        size_t n = 0;
        for (size_t i = 0; i < fake.n_sources; i++)
                n += !fake.sources[i]->released;
        return n;
}

static bool logged(const char *code) {
        for (size_t i = 0; i < fake.n_codes; i++)
                if (strcmp(fake.codes[i], code) == 0)
                        return true;
        return false;
}

static bool env_has(char **env, const char *entry) {
        for (size_t i = 0; env && env[i]; i++)
                if (strcmp(env[i], entry) == 0)
                        return true;
        return false;
}

static void fire_timer(FakeSource *s) {
        assert_non_null(s);
        assert_false(s->released);
        assert_int_equal(s->kind, F_TIMER);
        s->timer((wp_source *) s, s->userdata);
}

static void fire_cgroup(void) {
        FakeSource *s = live(F_CGROUP, 0);
        assert_non_null(s);
        s->timer((wp_source *) s, s->userdata);
}

/* Spawned process i ends. */
static void fire_exit(size_t i, int code, int status) {
        FakeSource *s = fake.spawn_child[i];
        wp_exit how = { .code = code, .status = status };
        assert_non_null(s);
        assert_false(s->released);
        assert_int_equal(eventfd_write(fake.spawn_exit_fd[i], 1), 0);
        s->exit((wp_source *) s, s->pid, &how, s->userdata);
}

/* A small loop: zero timers fire, fds ready within 20 ms fire. */
static void run_loop_once(void) {
        for (size_t i = 0; i < fake.n_sources; i++) {
                FakeSource *s = fake.sources[i];
                if (s->released)
                        continue;
                if (s->kind == F_TIMER && s->after == 0)
                        fire_timer(s);
                else if (s->kind == F_IO) {
                        struct pollfd p = { .fd = s->fd, .events = (short) s->events };
                        if (poll(&p, 1, 20) > 0)
                                s->io((wp_source *) s, s->fd, (uint32_t) p.revents, s->userdata);
                }
        }
}

static GenappParams params_for(char **cmd) {
        return (GenappParams) {
                .command_line = cmd,
                .stop_signal = SIGTERM,
                .stop_timeout = 2 * WP_USEC_PER_SEC,
        };
}

/* --- tests -------------------------------------------------------------- */

static void test_online_offline_with_stop_timeout(void **state) {
        char *cmd[] = { "/bin/sleep", "100", NULL };
        char *env[] = { "FOO=bar", "PATH=/opt/bin", NULL };
        GenappParams p = params_for(cmd);
        GenappParams ro = {};
        Genapp *g;

        p.environment = env;
        assert_int_equal(genapp_new(&host, R, &p, NULL, NULL, &g), 0);
        assert_int_equal(genapp_ep_online(g), 0);
        assert_int_equal(g->state, GENAPP_RUNNING);
        assert_int_equal(fake.n_spawns, 1);
        assert_true(strv_equal(fake.spawn_argv[0], cmd));
        assert_true(fake.spawn_new_session[0]);
        assert_true(fake.spawn_stdout_valid[0]);
        assert_true(env_has(fake.spawn_env[0], "FOO=bar"));
        assert_true(env_has(fake.spawn_env[0], "PATH=/opt/bin"));   /* Environment wins */
        assert_true(env_has(fake.spawn_env[0], "WOLFPACK_RESOURCE_ID=r1"));
        assert_true(env_has(fake.spawn_env[0], "WOLFPACK_RESOURCE_NAME=web"));
        assert_true(logged("GENAPP_STARTED"));
        assert_non_null(live(F_FAILURE, 0));
        assert_non_null(live(F_CGROUP, 0));
        assert_int_equal(fake.n_status, 0);

        assert_int_equal(genapp_control(&host, g, R, WP_CONTROL_GET_READONLY, &ro, NULL), 0);
        assert_int_equal(ro.process_id, 1000);

        fake.populated = 1;
        assert_int_equal(genapp_ep_offline(g), -EINPROGRESS);
        assert_int_equal(fake.n_signals, 2);
        assert_int_equal(fake.signals[0], SIGTERM);
        assert_int_equal(fake.signals[1], SIGCONT);
        FakeSource *t = live(F_TIMER, 0);
        assert_non_null(t);
        assert_int_equal(t->after, 2 * WP_USEC_PER_SEC);

        /* The main process ends on SIGTERM; a helper it left does not. */
        fire_exit(0, CLD_KILLED, SIGTERM);
        assert_int_equal(fake.n_status, 0);
        fire_timer(t);
        assert_int_equal(fake.kills, 1);
        assert_true(logged("GENAPP_STOP_TIMEOUT"));
        assert_int_equal(fake.n_status, 0);

        fake.populated = 0;
        fire_cgroup();
        assert_int_equal(fake.n_status, 1);
        assert_int_equal(fake.last_state, WP_STATE_OFFLINE);
        assert_int_equal(fake.removes, 1);
        assert_int_equal(count_live(), 0);
        assert_int_equal(g->state, GENAPP_STOPPED);

        assert_int_equal(genapp_control(&host, g, R, WP_CONTROL_GET_READONLY, &ro, NULL), 0);
        assert_int_equal(ro.process_id, 0);
        genapp_free(g);
}

static void test_offline_when_already_empty(void **state) {
        char *cmd[] = { "/bin/true", NULL };
        GenappParams p = params_for(cmd);
        Genapp *g;

        assert_int_equal(genapp_new(&host, R, &p, NULL, NULL, &g), 0);
        assert_int_equal(genapp_ep_online(g), 0);
        fake.populated = 0;
        assert_int_equal(genapp_ep_offline(g), 0);
        assert_int_equal(fake.n_signals, 0);
        assert_int_equal(fake.n_status, 0);
        assert_int_equal(count_live(), 0);
        assert_int_equal(fake.removes, 1);
        genapp_free(g);
}

static void test_crash_reported_with_its_signal(void **state) {
        char *cmd[] = { "/bin/app", NULL };
        GenappParams p = params_for(cmd);
        Genapp *g;

        assert_int_equal(genapp_new(&host, R, &p, NULL, NULL, &g), 0);
        assert_int_equal(genapp_ep_online(g), 0);
        fake.populated = 1;

        /* The cgroup empties before the exit is notified: wait for it,
         * so the report says how the process ended. */
        fake.populated = 0;
        fire_cgroup();
        assert_int_equal(fake.n_status, 0);
        fire_exit(0, CLD_KILLED, SIGKILL);
        assert_int_equal(fake.n_status, 1);
        assert_int_equal(fake.last_state, WP_STATE_FAILED);
        assert_string_equal(fake.last_reason, "process 1000 was killed by signal 9 (KILL)");
        assert_true(logged("GENAPP_EXITED"));

        /* looks_alive agrees, and nothing reports twice. */
        assert_true(genapp_ep_looks_alive(g) <= 0);
        assert_string_equal(fake.error, "process 1000 was killed by signal 9 (KILL)");
        fire_cgroup();
        assert_int_equal(fake.n_status, 1);

        genapp_ep_terminate(g);
        assert_int_equal(g->state, GENAPP_STOPPED);
        assert_int_equal(count_live(), 0);
        assert_int_equal(fake.n_status, 1);
        genapp_free(g);
}

static void test_exit_code_reported(void **state) {
        char *cmd[] = { "/bin/app", NULL };
        GenappParams p = params_for(cmd);
        Genapp *g;

        assert_int_equal(genapp_new(&host, R, &p, NULL, NULL, &g), 0);
        assert_int_equal(genapp_ep_online(g), 0);
        fake.populated = 1;
        assert_int_equal(genapp_ep_looks_alive(g), 1);
        fire_exit(0, CLD_EXITED, 3);
        assert_int_equal(fake.last_state, WP_STATE_FAILED);
        assert_string_equal(fake.last_reason, "process 1000 exited with code 3");
        genapp_ep_terminate(g);
        genapp_free(g);
}

static void test_looks_alive_sees_the_pidfd(void **state) {
        char *cmd[] = { "/bin/app", NULL };
        GenappParams p = params_for(cmd);
        Genapp *g;

        assert_int_equal(genapp_new(&host, R, &p, NULL, NULL, &g), 0);
        assert_int_equal(genapp_ep_online(g), 0);
        fake.populated = 1;
        assert_int_equal(genapp_ep_looks_alive(g), 1);
        /* The pidfd turns readable before the exit notification runs. */
        assert_int_equal(eventfd_write(fake.spawn_exit_fd[0], 1), 0);
        assert_true(genapp_ep_looks_alive(g) <= 0);
        assert_string_equal(fake.error, "process 1000 exited");
        genapp_ep_terminate(g);
        genapp_free(g);
}

static void test_leftovers_killed_before_online(void **state) {
        char *cmd[] = { "/bin/app", NULL };
        GenappParams p = params_for(cmd);
        Genapp *g;

        assert_int_equal(genapp_new(&host, R, &p, NULL, NULL, &g), 0);
        fake.populated = 1;
        assert_int_equal(genapp_ep_online(g), -EBUSY);
        assert_non_null(strstr(fake.error, "do not die"));
        assert_int_equal(fake.n_spawns, 0);
        assert_int_equal(count_live(), 0);

        fake.kill_empties = true;
        assert_int_equal(genapp_ep_online(g), 0);
        assert_true(logged("GENAPP_LEFTOVER_KILLED"));
        assert_int_equal(fake.kills, 2);
        assert_int_equal(fake.n_spawns, 1);
        genapp_ep_terminate(g);
        genapp_free(g);
}

static void test_spawn_failure(void **state) {
        char *cmd[] = { "/nonexistent", NULL };
        GenappParams p = params_for(cmd);
        Genapp *g;

        assert_int_equal(genapp_new(&host, R, &p, NULL, NULL, &g), 0);
        fake.spawn_result = -ENOENT;
        assert_int_equal(genapp_ep_online(g), -ENOENT);
        assert_string_equal(fake.error, "program \"/nonexistent\" not found");
        assert_int_equal(g->state, GENAPP_STOPPED);
        assert_int_equal(count_live(), 0);
        assert_int_equal(fake.n_status, 0);

        /* It can be tried again. */
        fake.spawn_result = 0;
        assert_int_equal(genapp_ep_online(g), 0);
        genapp_ep_terminate(g);
        genapp_free(g);
}

static void test_bad_identity_and_paths(void **state) {
        char *cmd[] = { "/bin/app", NULL };
        GenappParams p = params_for(cmd);
        Genapp *g;

        p.user = "nosuchuser-wp";
        assert_int_equal(genapp_new(&host, R, &p, NULL, NULL, &g), 0);
        assert_int_equal(genapp_ep_online(g), -ESRCH);
        assert_string_equal(fake.error, "User: no such user \"nosuchuser-wp\"");
        genapp_free(g);

        p.user = NULL;
        p.group = "nosuchgroup-wp";
        assert_int_equal(genapp_new(&host, R, &p, NULL, NULL, &g), 0);
        assert_int_equal(genapp_ep_online(g), -ESRCH);
        assert_string_equal(fake.error, "Group: no such group \"nosuchgroup-wp\"");
        genapp_free(g);

        p.group = NULL;
        p.current_directory = "/nonexistent-dir";
        assert_int_equal(genapp_new(&host, R, &p, NULL, NULL, &g), 0);
        assert_int_equal(genapp_ep_online(g), -ENOENT);
        assert_string_equal(fake.error, "CurrentDirectory: /nonexistent-dir: No such file or directory");
        genapp_free(g);

        p.current_directory = NULL;
        p.log_file = "/nonexistent-dir/out.log";
        assert_int_equal(genapp_new(&host, R, &p, NULL, NULL, &g), 0);
        assert_int_equal(genapp_ep_online(g), -ENOENT);
        assert_string_equal(fake.error, "LogFile: /nonexistent-dir/out.log: No such file or directory");
        genapp_free(g);

        assert_int_equal(fake.n_spawns, 0);
        assert_int_equal(count_live(), 0);
}

static void test_identity(void **state) {
        char *cmd[] = { "/bin/app", NULL };
        GenappParams p = params_for(cmd);
        struct passwd *pw = getpwnam("nobody");
        Genapp *g;

        if (!pw)
                skip();
        uid_t nobody = pw->pw_uid;
        gid_t nobody_gid = pw->pw_gid;

        /* Root, untouched groups. */
        assert_int_equal(genapp_new(&host, R, &p, NULL, NULL, &g), 0);
        assert_int_equal(genapp_ep_online(g), 0);
        assert_int_equal(fake.spawn_uid[0], (uid_t) -1);
        assert_int_equal(fake.spawn_gid[0], (gid_t) -1);
        assert_true(fake.spawn_groups_null[0]);
        genapp_ep_terminate(g);
        genapp_free(g);

        /* A user by name: its uid, primary group, memberships and env. */
        p.user = "nobody";
        assert_int_equal(genapp_new(&host, R, &p, NULL, NULL, &g), 0);
        assert_int_equal(genapp_ep_online(g), 0);
        assert_int_equal(fake.spawn_uid[1], nobody);
        assert_int_equal(fake.spawn_gid[1], nobody_gid);
        assert_false(fake.spawn_groups_null[1]);
        assert_true(fake.spawn_n_groups[1] >= 1);
        assert_true(env_has(fake.spawn_env[1], "USER=nobody"));
        assert_true(env_has(fake.spawn_env[1], "LOGNAME=nobody"));
        genapp_ep_terminate(g);
        genapp_free(g);

        /* Numeric ids without an entry in the user database need Group. */
        if (getpwuid(54321))
                return;
        p.user = "54321";
        assert_int_equal(genapp_new(&host, R, &p, NULL, NULL, &g), 0);
        assert_int_equal(genapp_ep_online(g), -EINVAL);
        assert_non_null(strstr(fake.error, "set Group as well"));
        genapp_free(g);
        p.group = "54322";
        assert_int_equal(genapp_new(&host, R, &p, NULL, NULL, &g), 0);
        assert_int_equal(genapp_ep_online(g), 0);
        assert_int_equal(fake.spawn_uid[2], 54321);
        assert_int_equal(fake.spawn_gid[2], 54322);
        assert_false(fake.spawn_groups_null[2]);
        assert_int_equal(fake.spawn_n_groups[2], 0);
        genapp_ep_terminate(g);
        genapp_free(g);
}

static void test_use_shell(void **state) {
        char *cmd[] = { "echo", "$HOME", ">", "/tmp/x", NULL };
        GenappParams p = params_for(cmd);
        Genapp *g;

        p.use_shell = true;
        assert_int_equal(genapp_new(&host, R, &p, NULL, NULL, &g), 0);
        assert_int_equal(genapp_ep_online(g), 0);
        assert_int_equal(strv_length(fake.spawn_argv[0]), 3);
        assert_string_equal(fake.spawn_argv[0][0], "/bin/sh");
        assert_string_equal(fake.spawn_argv[0][1], "-c");
        assert_string_equal(fake.spawn_argv[0][2], "echo $HOME > /tmp/x");
        genapp_ep_terminate(g);
        genapp_free(g);
}

static void test_ready_check_retries_then_ready(void **state) {
        char *cmd[] = { "/bin/app", NULL };
        char *check[] = { "/bin/check", "--quick", NULL };
        GenappParams p = params_for(cmd);
        Genapp *g;

        p.ready_check = check;
        assert_int_equal(genapp_new(&host, R, &p, NULL, NULL, &g), 0);
        assert_int_equal(genapp_ep_online(g), -EINPROGRESS);
        assert_int_equal(g->state, GENAPP_STARTING);
        fake.populated = 1;
        assert_int_equal(fake.n_spawns, 2);
        assert_true(strv_equal(fake.spawn_argv[1], check));
        assert_false(fake.spawn_new_session[1]);

        fire_exit(1, CLD_EXITED, 1);
        assert_int_equal(fake.n_status, 1);
        assert_int_equal(fake.last_state, WP_STATE_ONLINE_PENDING);
        assert_string_equal(fake.last_reason, "not ready yet: ReadyCheck exited with code 1");
        FakeSource *retry = live(F_TIMER, 0);
        assert_non_null(retry);
        assert_int_equal(retry->after, GENAPP_RETRY_USEC);
        fire_timer(retry);
        assert_int_equal(fake.n_spawns, 3);

        /* The same reason is not reported again. */
        fire_exit(2, CLD_EXITED, 1);
        assert_int_equal(fake.n_status, 1);
        fire_timer(live(F_TIMER, 0));
        assert_int_equal(fake.n_spawns, 4);

        fire_exit(3, CLD_EXITED, 0);
        assert_int_equal(fake.n_status, 2);
        assert_int_equal(fake.last_state, WP_STATE_ONLINE);
        assert_int_equal(g->state, GENAPP_RUNNING);
        assert_true(logged("GENAPP_READY"));
        /* No check is left behind; only the last check's notification is
         * kept (it is never released from inside its own callback). */
        assert_null(live(F_TIMER, 0));
        assert_true(fake.spawn_child[1]->released);
        assert_true(fake.spawn_child[2]->released);

        genapp_ep_terminate(g);
        assert_int_equal(count_live(), 0);
        genapp_free(g);
}

static void test_terminate_cancels_pending_work(void **state) {
        char *cmd[] = { "/bin/app", NULL };
        char *check[] = { "/bin/check", NULL };
        GenappParams p = params_for(cmd);
        Genapp *g;

        p.ready_check = check;
        assert_int_equal(genapp_new(&host, R, &p, NULL, NULL, &g), 0);
        assert_int_equal(genapp_ep_online(g), -EINPROGRESS);
        fake.populated = 1;
        /* terminate while the check runs: cgroup.kill, and nothing of the
         * pending online can report afterwards. */
        genapp_ep_terminate(g);
        assert_int_equal(fake.kills, 1);
        assert_int_equal(count_live(), 0);
        /* Still populated after the bounded wait: said so. */
        assert_true(logged("GENAPP_KILL_FAILED"));
        assert_int_equal(fake.n_status, 0);
        assert_int_equal(g->state, GENAPP_STOPPED);
        genapp_free(g);
}

static void write_file(const char *path, const char *text) {
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static void test_pid_file(void **state) {
        char *cmd[] = { "/usr/sbin/appd", NULL };
        GenappParams p = params_for(cmd);
        char path[128], text[32];
        GenappParams ro = {};
        Genapp *g;

        snprintf(path, sizeof path, "%s/appd.pid", fake.state_dir);
        write_file(path, "1\n"); /* stale, from an earlier run */
        p.pid_file = path;
        assert_int_equal(genapp_new(&host, R, &p, NULL, NULL, &g), 0);
        assert_int_equal(genapp_ep_online(g), -EINPROGRESS);
        assert_int_equal(access(path, F_OK), -1);
        fake.populated = 1;

        /* The launcher exits 0 after forking: expected. */
        fire_exit(0, CLD_EXITED, 0);
        assert_int_equal(fake.n_status, 0);
        assert_null(live(F_FAILURE, 0));

        FakeSource *poll1 = live(F_TIMER, 0);
        assert_non_null(poll1);
        assert_int_equal(poll1->after, GENAPP_PID_FILE_POLL_USEC);
        fire_timer(poll1);
        assert_int_equal(fake.n_status, 0);

        /* This test process plays the daemon. */
        snprintf(text, sizeof text, "%d\n", (int) getpid());
        write_file(path, text);
        fake.pids[0] = getpid();
        fake.n_pids = 1;
        fire_timer(live(F_TIMER, 0));
        assert_int_equal(fake.last_state, WP_STATE_ONLINE);
        assert_non_null(live(F_FAILURE, 0));
        assert_int_equal(genapp_control(&host, g, R, WP_CONTROL_GET_READONLY, &ro, NULL), 0);
        assert_int_equal(ro.process_id, getpid());
        assert_int_equal(genapp_ep_looks_alive(g), 1);

        fake.populated = 0;
        genapp_ep_terminate(g);
        assert_int_equal(count_live(), 0);
        genapp_free(g);
}

static void test_pid_file_outside_the_cgroup(void **state) {
        char *cmd[] = { "/usr/sbin/appd", NULL };
        GenappParams p = params_for(cmd);
        char path[128];
        Genapp *g;

        snprintf(path, sizeof path, "%s/appd.pid", fake.state_dir);
        p.pid_file = path;
        assert_int_equal(genapp_new(&host, R, &p, NULL, NULL, &g), 0);
        assert_int_equal(genapp_ep_online(g), -EINPROGRESS);
        fake.populated = 1;
        fake.pids[0] = 1000;
        fake.n_pids = 1;
        write_file(path, "1\n");

        /* Read once: maybe half written; read twice: refused. */
        fire_timer(live(F_TIMER, 0));
        assert_int_equal(fake.n_status, 0);
        fire_timer(live(F_TIMER, 0));
        assert_int_equal(fake.last_state, WP_STATE_FAILED);
        assert_non_null(strstr(fake.last_reason, "names process 1, which is not in the resource's cgroup"));
        fake.populated = 0;
        genapp_ep_terminate(g);
        genapp_free(g);

        /* Garbage is refused at once. */
        assert_int_equal(genapp_new(&host, R, &p, NULL, NULL, &g), 0);
        assert_int_equal(genapp_ep_online(g), -EINPROGRESS);
        write_file(path, "running\n");
        fire_timer(live(F_TIMER, 0));
        assert_int_equal(fake.last_state, WP_STATE_FAILED);
        char want[256];
        snprintf(want, sizeof want, "PidFile: %s holds \"running\", not a process id", path);
        assert_string_equal(fake.last_reason, want);
        genapp_ep_terminate(g);
        genapp_free(g);
}

static void test_ready_port_and_is_alive(void **state) {
        char *cmd[] = { "/bin/app", NULL };
        GenappParams p = params_for(cmd);
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof sa;
        Genapp *g;

        int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(lfd >= 0);
        assert_int_equal(bind(lfd, (struct sockaddr *) &sa, sizeof sa), 0);
        assert_int_equal(getsockname(lfd, (struct sockaddr *) &sa, &len), 0);
        int port = ntohs(sa.sin_port);

        p.ready_port = port;
        assert_int_equal(genapp_new(&host, R, &p, NULL, NULL, &g), 0);
        assert_int_equal(genapp_ep_online(g), -EINPROGRESS);
        fake.populated = 1;

        /* Not listening yet: refused, retried. */
        for (int i = 0; i < 50 && fake.n_status == 0; i++)
                run_loop_once();
        assert_int_equal(fake.last_state, WP_STATE_ONLINE_PENDING);
        assert_non_null(strstr(fake.last_reason, "Connection refused"));

        assert_int_equal(listen(lfd, 4), 0);
        fire_timer(live(F_TIMER, 0));
        for (int i = 0; i < 50 && fake.last_state != WP_STATE_ONLINE; i++)
                run_loop_once();
        assert_int_equal(fake.last_state, WP_STATE_ONLINE);

        /* is_alive connects, asynchronously. */
        assert_int_equal(genapp_ep_is_alive(g), -EINPROGRESS);
        for (int i = 0; i < 50 && fake.n_alive == 0; i++)
                run_loop_once();
        assert_int_equal(fake.n_alive, 1);
        assert_true(fake.alive);

        close(lfd);
        assert_int_equal(genapp_ep_is_alive(g), -EINPROGRESS);
        for (int i = 0; i < 50 && fake.n_alive == 1; i++)
                run_loop_once();
        assert_int_equal(fake.n_alive, 2);
        assert_false(fake.alive);
        assert_non_null(strstr(fake.alive_reason, "Connection refused"));

        genapp_ep_terminate(g);
        assert_int_equal(count_live(), 0);
        genapp_free(g);
}

static void test_live_properties(void **state) {
        char *cmd[] = { "/bin/app", NULL };
        char *cmd2[] = { "/bin/app2", NULL };
        GenappParams p = params_for(cmd);
        Genapp *g;

        assert_int_equal(genapp_new(&host, R, &p, NULL, NULL, &g), 0);
        assert_int_equal(genapp_ep_online(g), 0);
        fake.populated = 1;

        GenappParams next = p;
        next.command_line = cmd2;
        next.stop_timeout = 7 * WP_USEC_PER_SEC;
        next.stop_signal = SIGINT;
        const char *const changed[] = { "CommandLine", "StopTimeout", "StopSignal", NULL };
        assert_int_equal(genapp_control(&host, g, R, WP_CONTROL_SET_PROPERTIES, &next, changed), 0);

        assert_int_equal(genapp_ep_offline(g), -EINPROGRESS);
        assert_int_equal(fake.signals[0], SIGINT);
        assert_int_equal(live(F_TIMER, 0)->after, 7 * WP_USEC_PER_SEC);
        fake.populated = 0;
        fire_cgroup();
        assert_int_equal(fake.last_state, WP_STATE_OFFLINE);

        /* CommandLine waited for the next online. */
        assert_true(strv_equal(fake.spawn_argv[0], cmd));
        assert_int_equal(genapp_ep_online(g), 0);
        assert_true(strv_equal(fake.spawn_argv[1], cmd2));

        /* A refused set changes nothing. */
        next.pid_file = "relative.pid";
        assert_int_equal(genapp_control(&host, g, R, WP_CONTROL_SET_PROPERTIES, &next, changed), -EINVAL);
        assert_non_null(strstr(fake.error, "PidFile"));
        genapp_ep_terminate(g);
        genapp_free(g);
}

static void test_validate(void **state) {
        char *empty[] = { NULL };
        GenappParams p = params_for(empty);

        assert_int_equal(genapp_control(&host, NULL, R, WP_CONTROL_VALIDATE, &p, NULL), -EINVAL);
        assert_non_null(strstr(fake.error, "CommandLine"));
}

/* A real session leader, for probe. */
static pid_t start_session_leader(bool leader) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (leader)
                        setsid();
                for (;;)
                        pause();
        }
        for (int i = 0; i < 200; i++) {
                if (!leader || getsid(pid) == pid)
                        return pid;
                usleep(5000);
        }
        fail_msg("child did not become a session leader");
        return -1;
}

static void test_probe(void **state) {
        char *cmd[] = { "/bin/app", NULL };
        GenappParams p = params_for(cmd);
        GenappParams ro = {};
        Genapp *g;

        assert_int_equal(genapp_new(&host, R, &p, NULL, NULL, &g), 0);
        fake.populated = 0;
        assert_int_equal(genapp_ep_probe(g), 0);

        pid_t follower = start_session_leader(false);
        pid_t leader = start_session_leader(true);
        fake.populated = 1;
        fake.pids[0] = follower;
        fake.n_pids = 1;
        assert_int_equal(genapp_ep_probe(g), -ESRCH);
        assert_non_null(strstr(fake.error, "none leads a session"));

        fake.pids[1] = leader;
        fake.n_pids = 2;
        assert_int_equal(genapp_ep_probe(g), 1);
        assert_int_equal(g->state, GENAPP_RUNNING);
        assert_non_null(live(F_FAILURE, 0));
        assert_non_null(live(F_CGROUP, 0));
        assert_int_equal(genapp_control(&host, g, R, WP_CONTROL_GET_READONLY, &ro, NULL), 0);
        assert_int_equal(ro.process_id, leader);
        assert_int_equal(genapp_ep_looks_alive(g), 1);

        kill(leader, SIGKILL);
        assert_int_equal(waitpid(leader, NULL, 0), leader);
        assert_true(genapp_ep_looks_alive(g) <= 0);
        char want[64];
        snprintf(want, sizeof want, "process %d exited", (int) leader);
        assert_string_equal(fake.error, want);

        kill(follower, SIGKILL);
        assert_int_equal(waitpid(follower, NULL, 0), follower);
        fake.populated = 0;
        genapp_ep_terminate(g);
        assert_int_equal(count_live(), 0);
        genapp_free(g);
}

/* --- hooks -------------------------------------------------------------- */

static struct {
        int before_start, after_spawn, before_stop, after_stop, check_alive, free_ext;
        int child_main, child_check;
        pid_t spawned;
} calls;

static int h_before_start(Genapp *g) {
        calls.before_start++;
        return 0;
}
static int h_child_setup(Genapp *g, GenappChild kind) {
        if (kind == GENAPP_CHILD_MAIN)
                calls.child_main++;
        else
                calls.child_check++;
        return 0;
}
static int h_after_spawn(Genapp *g, pid_t pid) {
        calls.after_spawn++;
        calls.spawned = pid;
        return 0;
}
static void h_before_stop(Genapp *g) {
        calls.before_stop++;
}
static void h_after_stop(Genapp *g) {
        calls.after_stop++;
}
static int h_check_alive(Genapp *g) {
        calls.check_alive++;
        return g->host->error(g->r, 0, "job memory limit hit");
}
static void h_free_ext(void *ext) {
        calls.free_ext++;
        free(ext);
}

static const GenappHooks hooks = {
        .before_start = h_before_start,
        .child_setup = h_child_setup,
        .after_spawn = h_after_spawn,
        .before_stop = h_before_stop,
        .after_stop = h_after_stop,
        .check_alive = h_check_alive,
        .free_ext = h_free_ext,
};

static void test_hooks(void **state) {
        char *cmd[] = { "/bin/app", NULL };
        char *check[] = { "/bin/check", NULL };
        GenappParams p = params_for(cmd);
        Genapp *g;

        memset(&calls, 0, sizeof calls);
        p.ready_check = check;
        assert_int_equal(genapp_new(&host, R, &p, &hooks, malloc(16), &g), 0);
        assert_ptr_equal(g->hooks, &hooks);
        assert_int_equal(genapp_ep_online(g), -EINPROGRESS);
        assert_int_equal(calls.before_start, 1);
        assert_int_equal(calls.child_main, 1);
        assert_int_equal(calls.child_check, 1);
        assert_int_equal(calls.after_spawn, 1);
        assert_int_equal(calls.spawned, 1000);
        fake.populated = 1;
        fire_exit(1, CLD_EXITED, 0);
        assert_int_equal(fake.last_state, WP_STATE_ONLINE);

        assert_int_equal(genapp_ep_looks_alive(g), 0);
        assert_int_equal(calls.check_alive, 1);
        assert_string_equal(fake.error, "job memory limit hit");

        assert_int_equal(genapp_ep_offline(g), -EINPROGRESS);
        assert_int_equal(calls.before_stop, 1);
        assert_int_equal(calls.after_stop, 0);
        fake.populated = 0;
        fire_cgroup();
        assert_int_equal(calls.after_stop, 1);
        genapp_free(g);
        assert_int_equal(calls.free_ext, 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_online_offline_with_stop_timeout, setup, teardown),
                cmocka_unit_test_setup_teardown(test_offline_when_already_empty, setup, teardown),
                cmocka_unit_test_setup_teardown(test_crash_reported_with_its_signal, setup, teardown),
                cmocka_unit_test_setup_teardown(test_exit_code_reported, setup, teardown),
                cmocka_unit_test_setup_teardown(test_looks_alive_sees_the_pidfd, setup, teardown),
                cmocka_unit_test_setup_teardown(test_leftovers_killed_before_online, setup, teardown),
                cmocka_unit_test_setup_teardown(test_spawn_failure, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_identity_and_paths, setup, teardown),
                cmocka_unit_test_setup_teardown(test_identity, setup, teardown),
                cmocka_unit_test_setup_teardown(test_use_shell, setup, teardown),
                cmocka_unit_test_setup_teardown(test_ready_check_retries_then_ready, setup, teardown),
                cmocka_unit_test_setup_teardown(test_terminate_cancels_pending_work, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pid_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pid_file_outside_the_cgroup, setup, teardown),
                cmocka_unit_test_setup_teardown(test_ready_port_and_is_alive, setup, teardown),
                cmocka_unit_test_setup_teardown(test_live_properties, setup, teardown),
                cmocka_unit_test_setup_teardown(test_validate, setup, teardown),
                cmocka_unit_test_setup_teardown(test_probe, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hooks, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
