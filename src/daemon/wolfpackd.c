/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wolfpackd, the cluster service: one per node. Parses options, builds the
 * daemon, tells the service manager it is ready, runs the loop.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "daemon-config.h"
#include "fd-limit.h"
#include "macro.h"

static void usage(FILE *f) {
        fputs("Usage: wolfpackd [OPTIONS]\n"
              "The Wolfpack cluster service.\n\n"
              "  --config FILE        configuration file (default /etc/wolfpack/wolfpackd.conf)\n"
              "  --state-dir DIR      cluster database and node state (default " WOLFPACK_STATE_DIR ",\n"
              "                       or $WOLFPACK_STATE_DIR)\n"
              "  --socket PATH        the API's unix socket (default <runtime-dir>/wolfpack.sock,\n"
              "                       or $WOLFPACK_SOCKET)\n"
              "  --runtime-dir DIR    monitor sockets (default " WOLFPACK_RUNTIME_DIR " for the default\n"
              "                       state directory, else <state-dir>/run)\n"
              "  --log-dir DIR        the cluster log (default " WOLFPACK_LOG_DIR " for the default\n"
              "                       state directory, else <state-dir>/log)\n"
              "  --node-name NAME     this node's name (default: the host name)\n"
              "  --lease-timeout D    monitors terminate everything when not renewed for D (default 0: off)\n"
              "  --foreground         do not detach\n"
              "  --routes             print the API's routes, each with the role it needs, and exit\n"
              "  --version, --help\n",
              f);
}

int main(int argc, char **argv) {
        static const struct option opts[] = {
                { "config", required_argument, NULL, 'c' },   { "state-dir", required_argument, NULL, 's' },
                { "socket", required_argument, NULL, 'S' },   { "runtime-dir", required_argument, NULL, 'r' },
                { "log-dir", required_argument, NULL, 'l' },  { "node-name", required_argument, NULL, 'n' },
                { "lease-timeout", required_argument, NULL, 'L' },
                { "foreground", no_argument, NULL, 'f' },     { "version", no_argument, NULL, 'V' },
                { "help", no_argument, NULL, 'h' },           { "routes", no_argument, NULL, 'R' },
                {},
        };
        static const struct {
                int opt;
                const char *key;
        } keys[] = { { 's', "state-dir" }, { 'S', "socket" },    { 'r', "runtime-dir" },
                     { 'l', "log-dir" },   { 'n', "node-name" }, { 'L', "lease-timeout" } };
        DaemonConfig cfg;
        char err[1024];
        const char *config_file = NULL;
        bool foreground = false;
        int c;

        if (config_defaults(&cfg) < 0)
                return 1;
        /* Options are applied after the file and the environment: read them twice. */
        while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0)
                switch (c) {
                case 'c':
                        config_file = optarg;
                        break;
                case 'f':
                        foreground = true;
                        break;
                case 'V':
                        printf("wolfpackd %s\n", WOLFPACK_VERSION);
                        return 0;
                case 'h':
                        usage(stdout);
                        return 0;
                case 'R':
                        api_print_routes(stdout);
                        return 0;
                case '?':
                        usage(stderr);
                        return 2;
                default:
                        break;
                }
        if (optind < argc) {
                fprintf(stderr, "wolfpackd: unexpected argument \"%s\"\n", argv[optind]);
                usage(stderr);
                return 2;
        }
        if (config_load_file(&cfg, config_file ? config_file : "/etc/wolfpack/wolfpackd.conf", config_file != NULL, err,
                             sizeof(err)) < 0) {
                fprintf(stderr, "wolfpackd: %s\n", err);
                return 2;
        }
        const char *env_state = getenv("WOLFPACK_STATE_DIR"), *env_socket = getenv("WOLFPACK_SOCKET");
        if ((env_state && *env_state && config_set(&cfg, "state-dir", env_state, "WOLFPACK_STATE_DIR", err, sizeof(err)) < 0) ||
            (env_socket && *env_socket && config_set(&cfg, "socket", env_socket, "WOLFPACK_SOCKET", err, sizeof(err)) < 0)) {
                fprintf(stderr, "wolfpackd: %s\n", err);
                return 2;
        }
        optind = 0;
        while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0)
                for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                        if (keys[i].opt == c) {
                                char where[64];
                                snprintf(where, sizeof(where), "--%s", keys[i].key);
                                if (config_set(&cfg, keys[i].key, optarg, where, err, sizeof(err)) < 0) {
                                        fprintf(stderr, "wolfpackd: %s\n", err);
                                        return 2;
                                }
                        }
        if (config_finish(&cfg) < 0) {
                fputs("wolfpackd: out of memory\n", stderr);
                return 1;
        }

        /* Detaching: the parent waits until the service is serving, or
         * prints why it could not start, and exits accordingly. */
        int ready[2] = { -1, -1 };
        if (!foreground) {
                if (pipe2(ready, O_CLOEXEC) < 0) {
                        perror("wolfpackd: cannot detach");
                        return 1;
                }
                pid_t pid = fork();
                if (pid < 0) {
                        perror("wolfpackd: cannot detach");
                        return 1;
                }
                if (pid > 0) {
                        close(ready[1]);
                        char msg[1024] = "";
                        ssize_t n = read(ready[0], msg, sizeof(msg) - 1);
                        if (n > 0 && msg[0] == '+')
                                return 0;
                        fprintf(stderr, "wolfpackd: %s\n", n > 0 ? msg : "exited while starting");
                        return 1;
                }
                close(ready[0]);
                setsid();
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null >= 0) {
                        dup2(null, 0);
                        dup2(null, 1);
                        close(null);
                }
        }
        /* Room for the API's connections next to monitors, event sources
         * and the database; monitors get the original limit back. */
        int k = fd_limit_raise();
        if (k < 0)
                fprintf(stderr, "wolfpackd: cannot raise the file descriptor limit to the hard limit, "
                                "keeping the current one: %s\n", strerror(-k));
        Daemon *d = NULL;
        k = daemon_new(&cfg, &d, err, sizeof(err));
        if (k >= 0)
                k = daemon_start(d, err, sizeof(err));
        if (k < 0) {
                if (!foreground)
                        (void) !write(ready[1], err[0] ? err : strerror(-k), strlen(err[0] ? err : strerror(-k)));
                else
                        fprintf(stderr, "wolfpackd: %s\n", err[0] ? err : strerror(-k));
                daemon_free(d);
                return 1;
        }
        if (!foreground) {
                (void) !write(ready[1], "+", 1);
                close(ready[1]);
                int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
                if (null >= 0) {
                        dup2(null, 2);
                        close(null);
                }
        }
        k = sd_event_loop(d->event);
        daemon_free(d);
        config_done(&cfg);
        return k < 0 ? 1 : 0;
}
