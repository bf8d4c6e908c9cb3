/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wolfpackd's configuration: built-in defaults, then the configuration file
 * (/etc/wolfpack/wolfpackd.conf, or --config), then the environment
 * (WOLFPACK_STATE_DIR, WOLFPACK_SOCKET), then the command line. The file is
 * `key = value` lines; `#` starts a comment. Every error names the file,
 * the line and what is allowed.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "daemon-config.h"
#include "macro.h"
#include "props.h"
#include "proto.h"

static int set_str(char **dst, const char *v) {
        char *s = strdup(v);
        if (!s)
                return -ENOMEM;
        free(*dst);
        *dst = s;
        return 0;
}

int config_defaults(DaemonConfig *c) {
        char host[HOST_NAME_MAX + 1] = "node1";
        (void) gethostname(host, sizeof(host));
        host[HOST_NAME_MAX] = 0;
        /* A host name may hold characters a node name may not. */
        for (char *p = host; *p; p++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *p))
                        *p = '-';
        host[63] = 0;
        *c = (DaemonConfig) { .node_id = 1, .reattach_timeout_usec = 10 * WP_USEC_PER_SEC };
        if (set_str(&c->state_dir, WOLFPACK_STATE_DIR) < 0 || set_str(&c->runtime_dir, WOLFPACK_RUNTIME_DIR) < 0 ||
            set_str(&c->socket_path, WOLFPACK_RUNTIME_DIR "/wolfpack.sock") < 0 ||
            set_str(&c->log_dir, "/var/log/wolfpack") < 0 || set_str(&c->node_name, host) < 0)
                return -ENOMEM;
        return 0;
}

void config_done(DaemonConfig *c) {
        free(c->state_dir);
        free(c->runtime_dir);
        free(c->socket_path);
        free(c->log_dir);
        free(c->node_name);
        free(c->plugin_path);
        free(c->monitor_path);
}

/* One setting, from any source; where says where it came from. */
int config_set(DaemonConfig *c, const char *key, const char *value, const char *where, char *err, size_t errlen) {
        char e[256];
        if (strcmp(key, "state-dir") == 0 || strcmp(key, "runtime-dir") == 0 || strcmp(key, "socket") == 0 ||
            strcmp(key, "log-dir") == 0 || strcmp(key, "plugin-dir") == 0 || strcmp(key, "monitor") == 0) {
                if (value[0] != '/') {
                        snprintf(err, errlen, "%s: %s = \"%s\": an absolute path is needed", where, key, value);
                        return -EINVAL;
                }
                char **dst = strcmp(key, "state-dir") == 0     ? &c->state_dir
                             : strcmp(key, "runtime-dir") == 0 ? &c->runtime_dir
                             : strcmp(key, "socket") == 0      ? &c->socket_path
                             : strcmp(key, "log-dir") == 0     ? &c->log_dir
                             : strcmp(key, "plugin-dir") == 0  ? &c->plugin_path
                                                               : &c->monitor_path;
                return set_str(dst, value);
        }
        if (strcmp(key, "node-name") == 0) {
                if (name_validate("node-name", value, e, sizeof(e)) < 0) {
                        snprintf(err, errlen, "%s: %s", where, e);
                        return -EINVAL;
                }
                return set_str(&c->node_name, value);
        }
        if (strcmp(key, "node-id") == 0) {
                int64_t v;
                if (parse_int64(value, &v) < 0 || v < 1 || v > 32) {
                        snprintf(err, errlen, "%s: node-id = \"%s\": a whole number from 1 to 32 is needed", where, value);
                        return -EINVAL;
                }
                c->node_id = (uint32_t) v;
                return 0;
        }
        if (strcmp(key, "lease-timeout") == 0 || strcmp(key, "reattach-timeout") == 0) {
                wp_usec_t u;
                int k = parse_duration(value, &u);
                if (k == -ERANGE) {
                        snprintf(err, errlen, "%s: %s = \"%s\" %s", where, key, value, parse_duration_error(k));
                        return -EINVAL;
                }
                if (k < 0 || (strcmp(key, "reattach-timeout") == 0 && u == 0)) {
                        snprintf(err, errlen, "%s: %s = \"%s\": a duration such as 10s is needed%s", where, key, value,
                                 strcmp(key, "lease-timeout") == 0 ? " (0 turns the lease off)" : "");
                        return -EINVAL;
                }
                /* A lease the monitors would refuse (or take as a withdrawal)
                 * is no guard at all: refuse it here, where it is written. */
                if (strcmp(key, "lease-timeout") == 0 && u != 0 &&
                    (u < WP_USEC_PER_MSEC || u > (wp_usec_t) PROTO_LEASE_MAX_MS * WP_USEC_PER_MSEC)) {
                        snprintf(err, errlen, "%s: lease-timeout = \"%s\": a lease goes from 1ms to 1d (0 turns it off)",
                                 where, value);
                        return -EINVAL;
                }
                *(strcmp(key, "lease-timeout") == 0 ? &c->lease_timeout_usec : &c->reattach_timeout_usec) = u;
                return 0;
        }
        if (strcmp(key, "engine") == 0) {
                if (strcmp(value, "local") != 0) {
                        snprintf(err, errlen, "%s: engine = \"%s\": this wolfpackd has the local engine only", where, value);
                        return -EINVAL;
                }
                return 0;
        }
        snprintf(err, errlen,
                 "%s: unknown setting \"%s\"; settings are state-dir, runtime-dir, socket, log-dir, plugin-dir, monitor, node-name, node-id, engine, lease-timeout, reattach-timeout",
                 where, key);
        return -EINVAL;
}

static char *trim(char *s) {
        while (*s == ' ' || *s == '\t')
                s++;
        char *e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
                *--e = 0;
        return s;
}

int config_load_file(DaemonConfig *c, const char *path, bool must_exist, char *err, size_t errlen) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f) {
                if (errno == ENOENT && !must_exist)
                        return 0;
                snprintf(err, errlen, "cannot read the configuration file %s: %s", path, strerror(errno));
                return -errno;
        }
        char line[4096];
        unsigned n = 0;
        while (fgets(line, sizeof(line), f)) {
                n++;
                char where[PATH_MAX + 32];
                snprintf(where, sizeof(where), "%s:%u", path, n);
                if (!strchr(line, '\n') && !feof(f)) {
                        snprintf(err, errlen, "%s: the line is longer than %zu bytes", where, sizeof(line) - 1);
                        return -EINVAL;
                }
                char *hash = strchr(line, '#');
                if (hash)
                        *hash = 0;
                char *s = trim(line);
                if (!*s)
                        continue;
                char *eq = strchr(s, '=');
                if (!eq) {
                        snprintf(err, errlen, "%s: \"%s\" is not a setting; write key = value", where, s);
                        return -EINVAL;
                }
                *eq = 0;
                int k = config_set(c, trim(s), trim(eq + 1), where, err, errlen);
                if (k < 0)
                        return k;
        }
        return 0;
}
