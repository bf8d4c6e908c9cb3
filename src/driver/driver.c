/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wolfpack-resmon-driver: a stand-in parent for wolfpack-resmon, for tests,
 * benchmarks and plug-in authors (docs/resmon-driver.md). main() parses the
 * options, starts (or attaches to) the monitor, says hello and runs one
 * sd-event loop until the monitor ends, a quit completes or a detach.
 *
 * Owns the Driver and its lifecycle. Never leaves a monitor it started
 * without a parent except on `detach`, and never kills one except on
 * deadlock, on `kill-monitor`, or when it failed before being usable.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "driver.h"
#include "macro.h"
#include "props.h"
#include "time-util.h"

#define DEFAULT_DEADLOCK_TIMEOUT_USEC RESMON_DEFAULT_DEADLOCK_TIMEOUT_USEC
#define DEFAULT_HEARTBEAT_INTERVAL_USEC RESMON_DEFAULT_HEARTBEAT_INTERVAL_USEC
#define DEFAULT_STATE_DIR "/var/lib/wolfpack"
#define MONITOR_BINARY "wolfpack-resmon"

static void help(void) {
        printf("wolfpack-resmon-driver [OPTIONS]\n\n"
               "Start a wolfpack-resmon (or attach to one that lost its parent), send it the\n"
               "commands read from standard input or a script, one JSON object per line, and\n"
               "print every reply and event as JSON lines.\n\n"
               "  --plugin-dir DIR               where the monitor loads <type>.so\n"
               "  --runtime-dir DIR              the monitor's sockets\n"
               "  --state-dir DIR                the monitor's logs and per-resource files\n"
               "  --cgroup PATH                  v2 cgroup for the monitor's resource cgroups\n"
               "  --name NAME                    the monitor's name (default: main)\n"
               "  --monitor PATH                 the wolfpack-resmon binary\n"
               "  --deadlock-timeout DURATION    kill the monitor when a heartbeat is this\n"
               "                                 long unanswered (default: 300s)\n"
               "  --heartbeat-interval DURATION  default 1s, at most a quarter of the\n"
               "                                 deadlock timeout\n"
               "  --reattach-timeout DURATION    passed to the monitor\n"
               "  --attach                       connect to <runtime-dir>/resmon-<name>.sock\n"
               "                                 instead of starting a monitor\n"
               "  --script FILE                  read commands from FILE\n"
               "  --help, --version\n\n"
               "See docs/resmon-driver.md for the commands and the output.\n");
}

static void options_done(Options *o) {
        free(o->plugin_dir);
        free(o->runtime_dir);
        free(o->state_dir);
        free(o->cgroup);
        free(o->name);
        free(o->monitor);
        free(o->script);
        free(o->reattach_timeout);
        *o = (Options) {};
}

static int set_string(char **field, const char *value) {
        char *copy = strdup(value);
        if (!copy)
                return -ENOMEM;
        free(*field);
        *field = copy;
        return 0;
}

static int option_duration(const char *opt, const char *text, uint64_t *ret) {
        wp_usec_t usec;
        int k = parse_duration(text, &usec);
        if (k == -ERANGE) {
                fprintf(stderr, "wolfpack-resmon-driver: %s: \"%s\" %s\n", opt, text, parse_duration_error(k));
                return -EINVAL;
        }
        if (k < 0 || usec == 0) {
                fprintf(stderr,
                        "wolfpack-resmon-driver: %s: \"%s\" is not a positive duration "
                        "(examples: 500ms, 10s, 5min)\n",
                        opt, text);
                return -EINVAL;
        }
        *ret = usec;
        return 0;
}

static bool dir_has_plugins(const char *dir) {
        DIR *d = opendir(dir);
        struct dirent *de;
        bool found = false;

        if (!d)
                return false;
        while (!found && (de = readdir(d))) {
                size_t n = strlen(de->d_name);
                found = n > 3 && strcmp(de->d_name + n - 3, ".so") == 0;
        }
        closedir(d);
        return found;
}

static int default_monitor(char **ret) {
        char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n > 0) {
                self[n] = '\0';
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s/%s", dirname(self), MONITOR_BINARY) < 0)
                        return -ENOMEM;
                if (access(path, X_OK) == 0) {
                        *ret = TAKE_PTR(path);
                        return 0;
                }
        }
        return asprintf(ret, "%s/%s", WOLFPACK_LIBEXEC_DIR, MONITOR_BINARY) < 0 ? -ENOMEM : 0;
}

static int options_defaults(Options *o) {
        int r;

        if (!o->name && (r = set_string(&o->name, "main")) < 0)
                return r;
        if (!o->monitor && (r = default_monitor(&o->monitor)) < 0)
                return r;
        if (!o->plugin_dir) {
                const char *env = getenv("WOLFPACK_PLUGIN_DIR");
                _cleanup_free_ char *copy = strdup(o->monitor);
                if (!copy)
                        return -ENOMEM;
                const char *next_to_monitor = dirname(copy);
                if (env && env[0])
                        r = set_string(&o->plugin_dir, env);
                else if (dir_has_plugins(next_to_monitor))
                        r = set_string(&o->plugin_dir, next_to_monitor);
                else
                        r = set_string(&o->plugin_dir, WOLFPACK_PLUGIN_DIR);
                if (r < 0)
                        return r;
        }
        if (!o->runtime_dir) {
                const char *xdg = getenv("XDG_RUNTIME_DIR");
                if (xdg && xdg[0])
                        r = asprintf(&o->runtime_dir, "%s/wolfpack", xdg) < 0 ? -ENOMEM : 0;
                else
                        r = set_string(&o->runtime_dir, WOLFPACK_RUNTIME_DIR);
                if (r < 0)
                        return r;
        }
        if (!o->state_dir && (r = set_string(&o->state_dir, DEFAULT_STATE_DIR)) < 0)
                return r;
        if (o->heartbeat_interval_usec > o->deadlock_timeout_usec / 4)
                o->heartbeat_interval_usec = o->deadlock_timeout_usec / 4;
        if (o->heartbeat_interval_usec == 0)
                o->heartbeat_interval_usec = 1;
        return 0;
}

/* 1: run; 0: done (help, version); -EINVAL: bad options (said on stderr). */
static int options_parse(int argc, char **argv, Options *o) {
        enum {
                ARG_PLUGIN_DIR = 0x100,
                ARG_RUNTIME_DIR,
                ARG_STATE_DIR,
                ARG_CGROUP,
                ARG_NAME,
                ARG_MONITOR,
                ARG_DEADLOCK_TIMEOUT,
                ARG_HEARTBEAT_INTERVAL,
                ARG_REATTACH_TIMEOUT,
                ARG_ATTACH,
                ARG_SCRIPT,
                ARG_HELP,
                ARG_VERSION,
        };
        static const struct option longopts[] = {
                { "plugin-dir", required_argument, NULL, ARG_PLUGIN_DIR },
                { "runtime-dir", required_argument, NULL, ARG_RUNTIME_DIR },
                { "state-dir", required_argument, NULL, ARG_STATE_DIR },
                { "cgroup", required_argument, NULL, ARG_CGROUP },
                { "name", required_argument, NULL, ARG_NAME },
                { "monitor", required_argument, NULL, ARG_MONITOR },
                { "deadlock-timeout", required_argument, NULL, ARG_DEADLOCK_TIMEOUT },
                { "heartbeat-interval", required_argument, NULL, ARG_HEARTBEAT_INTERVAL },
                { "reattach-timeout", required_argument, NULL, ARG_REATTACH_TIMEOUT },
                { "attach", no_argument, NULL, ARG_ATTACH },
                { "script", required_argument, NULL, ARG_SCRIPT },
                { "help", no_argument, NULL, ARG_HELP },
                { "version", no_argument, NULL, ARG_VERSION },
                {},
        };
        uint64_t unused;
        int c, r = 0;

        o->deadlock_timeout_usec = DEFAULT_DEADLOCK_TIMEOUT_USEC;
        o->heartbeat_interval_usec = DEFAULT_HEARTBEAT_INTERVAL_USEC;

        while ((c = getopt_long(argc, argv, "", longopts, NULL)) >= 0) {
                switch (c) {
                case ARG_PLUGIN_DIR:
                        r = set_string(&o->plugin_dir, optarg);
                        break;
                case ARG_RUNTIME_DIR:
                        r = set_string(&o->runtime_dir, optarg);
                        break;
                case ARG_STATE_DIR:
                        r = set_string(&o->state_dir, optarg);
                        break;
                case ARG_CGROUP:
                        r = set_string(&o->cgroup, optarg);
                        break;
                case ARG_NAME: {
                        char err[256];
                        if (name_validate("--name", optarg, err, sizeof err) < 0) {
                                fprintf(stderr, "wolfpack-resmon-driver: %s\n", err);
                                return -EINVAL;
                        }
                        r = set_string(&o->name, optarg);
                        break;
                }
                case ARG_MONITOR:
                        r = set_string(&o->monitor, optarg);
                        break;
                case ARG_DEADLOCK_TIMEOUT:
                        r = option_duration("--deadlock-timeout", optarg, &o->deadlock_timeout_usec);
                        break;
                case ARG_HEARTBEAT_INTERVAL:
                        r = option_duration("--heartbeat-interval", optarg,
                                            &o->heartbeat_interval_usec);
                        break;
                case ARG_REATTACH_TIMEOUT:
                        r = option_duration("--reattach-timeout", optarg, &unused);
                        if (r >= 0)
                                r = set_string(&o->reattach_timeout, optarg);
                        break;
                case ARG_ATTACH:
                        o->attach = true;
                        break;
                case ARG_SCRIPT:
                        r = set_string(&o->script, optarg);
                        break;
                case ARG_HELP:
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("wolfpack-resmon-driver %s\n", WOLFPACK_VERSION);
                        return 0;
                default:
                        fprintf(stderr, "Try 'wolfpack-resmon-driver --help'.\n");
                        return -EINVAL;
                }
                if (r == -ENOMEM) {
                        fprintf(stderr, "wolfpack-resmon-driver: out of memory\n");
                        return r;
                }
                if (r < 0)
                        return r;
        }
        if (optind < argc) {
                fprintf(stderr, "wolfpack-resmon-driver: unexpected argument \"%s\"; commands "
                                "are read from standard input or --script\n",
                        argv[optind]);
                return -EINVAL;
        }
        r = options_defaults(o);
        if (r < 0) {
                fprintf(stderr, "wolfpack-resmon-driver: out of memory\n");
                return r;
        }
        return 1;
}

int driver_timer_arm(Driver *d, sd_event_source **s, uint64_t after_usec,
                     sd_event_time_handler_t fn) {
        int r;

        if (!*s)
                return sd_event_add_time_relative(d->event, s, CLOCK_MONOTONIC, after_usec,
                                                  TIMER_ACCURACY_USEC, fn, d);
        r = sd_event_source_set_time_relative(*s, after_usec);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(*s, SD_EVENT_ONESHOT);
}

void driver_kick(Driver *d) {
        (void) sd_event_source_set_enabled(d->kick, SD_EVENT_ONESHOT);
}

void driver_exit(Driver *d, int status) {
        if (d->exiting)
                return;
        d->exiting = true;
        (void) sd_event_exit(d->event, status);
}

void driver_quit(Driver *d, int status) {
        if (d->quitting)
                return;
        d->quitting = true;
        d->quit_status = status;
        commands_clear_block(d);
        d->block = BLOCK_QUIT;

        json_t *msg = json_pack("{s:s}", "type", "exit");
        int r = msg ? driver_send(d, msg, REQUEST_EXIT) : -ENOMEM;
        json_decref(msg);
        if (r < 0) {
                driver_emit_error(d, "Cannot send exit to the monitor: %s", strerror(-r));
                driver_exit(d, 1);
        }
}

static int on_kick(sd_event_source *s, void *userdata) {
        commands_pump(userdata);
        return 0;
}

static void on_input_ready(void *userdata) {
        driver_kick(userdata);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Driver *d = userdata;

        d->signals_seen++;
        if (d->signals_seen == 1 && d->attached) {
                driver_quit(d, 0);
                return 0;
        }
        /* Not attached yet: a monitor we started is of no use to anyone
         * else; its end is reported, then the driver exits 1. Asked twice:
         * leave at once. */
        if (d->signals_seen == 1 && d->client && resmon_client_started(d->client) &&
            resmon_client_kill(d->client, SIGKILL) >= 0)
                return 0;
        driver_exit(d, 1);
        return 0;
}

static Driver *driver_free(Driver *d) {
        if (!d)
                return NULL;
        /* First: its unanswered requests are told, and point at d. */
        resmon_client_free(d->client);
        input_free(d->input);
        resource_states_done(&d->states);
        free(d->wait_resource);
        free(d->wait_state);
        sd_event_source_disable_unref(d->block_timer);
        sd_event_source_disable_unref(d->kick);
        sd_event_unref(d->event);
        options_done(&d->opts);
        free(d);
        return NULL;
}

static void driver_freep(Driver **d) {
        driver_free(*d);
}

/* Takes the options. */
static int driver_new(Options *opts, uint64_t t0_usec, Driver **ret) {
        _cleanup_(driver_freep) Driver *d = calloc(1, sizeof *d);
        int r;

        if (!d)
                return -ENOMEM;
        d->opts = *opts;
        *opts = (Options) {};
        d->t0_usec = t0_usec;

        r = resource_states_init(&d->states);
        if (r < 0)
                return r;
        r = sd_event_new(&d->event);
        if (r < 0)
                return r;
        r = sd_event_add_defer(d->event, &d->kick, on_kick, d);
        if (r < 0)
                return r;
        r = sd_event_source_set_enabled(d->kick, SD_EVENT_OFF);
        if (r < 0)
                return r;

        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        r = sd_event_add_signal(d->event, NULL, SIGINT, on_signal, d);
        if (r >= 0)
                r = sd_event_add_signal(d->event, NULL, SIGTERM, on_signal, d);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(d);
        return 0;
}

static int driver_start(Driver *d, int input_fd, bool own_input) {
        const ResmonClientConfig cfg = {
                .ops = &driver_client_ops,
                .userdata = d,
                .heartbeat_interval_usec = d->opts.heartbeat_interval_usec,
                .deadlock_timeout_usec = d->opts.deadlock_timeout_usec,
        };
        char err[1024];
        int r;

        r = input_new(d->event, input_fd, own_input, on_input_ready, d, &d->input);
        if (r < 0) {
                if (own_input)
                        close(input_fd);
                fprintf(stderr, "wolfpack-resmon-driver: cannot watch the command input: %s\n",
                        strerror(-r));
                return r;
        }

        if (d->opts.attach) {
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s/resmon-%s.sock", d->opts.runtime_dir, d->opts.name) < 0)
                        return -ENOMEM;
                r = resmon_client_connect(d->event, &cfg, path, &d->client, err, sizeof err);
        } else {
                ResmonSpawn s = {
                        .monitor = d->opts.monitor,
                        .name = d->opts.name,
                        .plugin_dir = d->opts.plugin_dir,
                        .runtime_dir = d->opts.runtime_dir,
                        .state_dir = d->opts.state_dir,
                        .cgroup = d->opts.cgroup,
                        .reattach_timeout = d->opts.reattach_timeout,
                };
                r = resmon_client_spawn(d->event, &cfg, &s, &d->client, err, sizeof err);
        }
        if (r < 0) {
                fprintf(stderr, "wolfpack-resmon-driver: %s\n", err);
                return r;
        }
        return 0;
}

int main(int argc, char **argv) {
        uint64_t t0 = now_monotonic_usec();
        _cleanup_(options_done) Options opts = {};
        _cleanup_(driver_freep) Driver *d = NULL;
        int input_fd = STDIN_FILENO;
        int r;

        r = options_parse(argc, argv, &opts);
        if (r <= 0)
                return r < 0 ? 2 : 0;

        if (opts.script) {
                input_fd = open(opts.script, O_RDONLY | O_CLOEXEC);
                if (input_fd < 0) {
                        fprintf(stderr, "wolfpack-resmon-driver: --script: cannot open %s: %m\n",
                                opts.script);
                        return 2;
                }
        }

        (void) signal(SIGPIPE, SIG_IGN);

        r = driver_new(&opts, t0, &d);
        if (r < 0) {
                if (input_fd != STDIN_FILENO)
                        close(input_fd);
                fprintf(stderr, "wolfpack-resmon-driver: cannot set up: %s\n", strerror(-r));
                return 1;
        }
        r = driver_start(d, input_fd, input_fd != STDIN_FILENO);
        if (r < 0)
                return 1;

        r = sd_event_loop(d->event);
        if (r < 0) {
                fprintf(stderr, "wolfpack-resmon-driver: event loop failed: %s\n", strerror(-r));
                return 1;
        }
        return r;
}
