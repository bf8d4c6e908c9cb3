/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wolfpack-resmon, the resource monitor: loads resource-type plug-ins and
 * runs their resources on behalf of its parent (wolfpackd, or
 * wolfpack-resmon-driver), which drives it over the socket given with --fd
 * (docs/resmon-protocol.md). A separate process so that a plug-in that
 * crashes or hangs takes down only its monitor.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "cgroup.h"
#include "link.h"
#include "macro.h"
#include "props.h"
#include "strv.h"

static void usage(FILE *f) {
        fputs("Usage: wolfpack-resmon --fd N [OPTIONS]\n"
              "Run resources for a parent connected on fd N (docs/resmon-protocol.md).\n\n"
              "  --fd N                   the parent's socket (inherited)\n"
              "  --name NAME              this monitor's name (default main)\n"
              "  --plugin-dir DIR[:DIR]   where <type>.so files are (default: next to this program in a\n"
              "                           build tree, $WOLFPACK_PLUGIN_DIR, or " WOLFPACK_PLUGIN_DIR ")\n"
              "  --runtime-dir DIR        for the re-attach socket (default " WOLFPACK_RUNTIME_DIR ")\n"
              "  --state-dir DIR          per-resource files (default " WOLFPACK_STATE_DIR ")\n"
              "  --daemon-id ID           the identity of the parent that starts it: a parent naming another\n"
              "                           one in hello is refused, and the re-attach socket is\n"
              "                           resmon-ID-NAME.sock (default: none, resmon-NAME.sock)\n"
              "  --cgroup PATH            resource cgroups go under PATH: absolute on the cgroup2 tree,\n"
              "                           or relative to this process's cgroup (default: res)\n"
              "  --reattach-timeout D     keep resources this long after the parent left (default 10s)\n"
              "  --version, --help\n",
              f);
}

static char **default_plugin_dirs(void) {
        const char *env = getenv("WOLFPACK_PLUGIN_DIR");
        char **l = NULL;
        if (env && *env) {
                _cleanup_free_ char *copy = strdup(env);
                char *save = NULL;
                for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
                        strv_push(&l, strdup(d));
                return l;
        }
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n > 0) {
                exe[n] = 0;
                char *slash = strrchr(exe, '/');
                if (slash) {
                        *slash = 0;
                        /* Running from a build tree: the plug-ins are built next to us. */
                        if (strcmp(exe, WOLFPACK_LIBEXEC_DIR) != 0)
                                strv_push(&l, strdup(exe));
                }
        }
        strv_push(&l, strdup(WOLFPACK_PLUGIN_DIR));
        return l;
}

int main(int argc, char **argv) {
        static const struct option opts[] = {
                { "fd", required_argument, NULL, 'f' },
                { "name", required_argument, NULL, 'n' },
                { "plugin-dir", required_argument, NULL, 'p' },
                { "runtime-dir", required_argument, NULL, 'r' },
                { "state-dir", required_argument, NULL, 's' },
                { "daemon-id", required_argument, NULL, 'i' },
                { "cgroup", required_argument, NULL, 'c' },
                { "reattach-timeout", required_argument, NULL, 'R' },
                { "version", no_argument, NULL, 'V' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        int fd = -1, c;
        const char *name = "main", *plugin_dir = NULL, *runtime_dir = WOLFPACK_RUNTIME_DIR,
                   *state_dir = WOLFPACK_STATE_DIR, *cgroup = "res", *daemon_id = NULL;
        wp_usec_t reattach = 10 * WP_USEC_PER_SEC;
        char err[256];

        while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0)
                switch (c) {
                case 'f': {
                        int64_t v;
                        if (parse_int64(optarg, &v) < 0 || v < 0 || v > INT_MAX) {
                                fprintf(stderr, "wolfpack-resmon: --fd: \"%s\" is not a file descriptor number\n", optarg);
                                return 2;
                        }
                        fd = (int) v;
                        break;
                }
                case 'n':
                        if (name_validate("monitor name", optarg, err, sizeof(err)) < 0) {
                                fprintf(stderr, "wolfpack-resmon: --name: %s\n", err);
                                return 2;
                        }
                        name = optarg;
                        break;
                case 'p':
                        plugin_dir = optarg;
                        break;
                case 'r':
                        runtime_dir = optarg;
                        break;
                case 's':
                        state_dir = optarg;
                        break;
                case 'i':
                        if (name_validate("daemon id", optarg, err, sizeof(err)) < 0) {
                                fprintf(stderr, "wolfpack-resmon: --daemon-id: %s\n", err);
                                return 2;
                        }
                        daemon_id = optarg;
                        break;
                case 'c':
                        cgroup = optarg;
                        break;
                case 'R': {
                        int k = parse_duration(optarg, &reattach);
                        if (k < 0 || reattach == 0) {
                                fprintf(stderr, "wolfpack-resmon: --reattach-timeout: \"%s\" %s\n", optarg,
                                        k == -ERANGE ? parse_duration_error(k) : "is not a duration such as 10s");
                                return 2;
                        }
                        break;
                }
                case 'V':
                        printf("wolfpack-resmon %s (Resource API %d, protocol 1)\n", WOLFPACK_VERSION, WP_RESAPI_VERSION);
                        return 0;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 2;
                }
        if (fd < 0 || optind < argc) {
                usage(stderr);
                return 2;
        }

        _cleanup_(manager_freep) Manager *m = NULL;
        int k = manager_new(&m);
        if (k < 0) {
                fprintf(stderr, "wolfpack-resmon: cannot start: %s\n", strerror(-k));
                return 1;
        }
        m->name = strdup(name);
        m->runtime_dir = strdup(runtime_dir);
        m->state_dir = strdup(state_dir);
        m->daemon_id = daemon_id ? strdup(daemon_id) : NULL;
        m->reattach_timeout = reattach;
        if (asprintf(&m->listen_path, "%s/resmon-%s%s%s.sock", runtime_dir, daemon_id ? daemon_id : "",
                     daemon_id ? "-" : "", name) < 0)
                return 1;
        if (plugin_dir) {
                _cleanup_free_ char *copy = strdup(plugin_dir);
                char *save = NULL;
                for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
                        strv_push(&m->plugin_dirs, strdup(d));
        } else
                m->plugin_dirs = default_plugin_dirs();

        _cleanup_free_ char *base = NULL;
        if (cgroup[0] == '/') {
                _cleanup_free_ char *mnt = NULL;
                k = cg_v2_mount(&mnt);
                if (k >= 0 && asprintf(&base, "%s%s", mnt, cgroup) < 0)
                        k = -ENOMEM;
        } else {
                _cleanup_free_ char *own = NULL;
                k = cg_own_path(&own);
                if (k >= 0 && asprintf(&base, "%s/%s", own, cgroup) < 0)
                        k = -ENOMEM;
        }
        if (k < 0) {
                fprintf(stderr, "wolfpack-resmon: cannot find this process's cgroup on the cgroup2 tree: %s\n",
                        strerror(-k));
                return 1;
        }
        k = cg_create(base);
        if (k < 0) {
                fprintf(stderr, "wolfpack-resmon: cannot create cgroup %s: %s\n", base, strerror(-k));
                return 1;
        }
        m->cgroup_base = TAKE_PTR(base);

        if (manager_attach(m, fd) < 0) {
                fprintf(stderr, "wolfpack-resmon: cannot use fd %d\n", fd);
                return 1;
        }
        k = sd_event_loop(m->event);
        return k < 0 ? 1 : 0;
}
