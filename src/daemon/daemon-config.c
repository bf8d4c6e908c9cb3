/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wolfpackd's configuration: built-in defaults, then the configuration file
 * (/etc/wolfpack/wolfpackd.conf, or --config), then the environment
 * (WOLFPACK_STATE_DIR, WOLFPACK_SOCKET), then the command line. The file is
 * `key = value` lines; `#` starts a comment. Every error names the file,
 * the line and what is allowed.
 *
 * The runtime directory, the log directory and the API socket not given
 * anywhere follow the state directory (config_finish), so that two daemons
 * with their own state directories never share monitor sockets or a
 * cluster log: the default state directory keeps /run/wolfpack and
 * /var/log/wolfpack, any other one gets <state-dir>/run and
 * <state-dir>/log. The socket defaults to <runtime-dir>/wolfpack.sock.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "daemon-config.h"
#include "macro.h"
#include "props.h"
#include "text-quote.h"
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
        *c = (DaemonConfig) { .node_id = 1,
                              .reattach_timeout_usec = 10 * WP_USEC_PER_SEC,
                              .event_stream_memory = EVENT_STREAM_MEMORY_DEFAULT };
        if (set_str(&c->state_dir, WOLFPACK_STATE_DIR) < 0 || set_str(&c->node_name, host) < 0)
                return -ENOMEM;
        return 0;
}

/* The default state directory, however it is spelt ("/var/lib/wolfpack/"). */
static bool is_default_state_dir(const char *dir) {
        size_t n = strlen(dir), d = strlen(WOLFPACK_STATE_DIR);
        while (n > 1 && dir[n - 1] == '/')
                n--;
        return n == d && strncmp(dir, WOLFPACK_STATE_DIR, d) == 0;
}

/* dir, or <base><suffix> with base's trailing slashes left out. */
static int set_default(char **dst, const char *dir, const char *base, const char *suffix) {
        if (*dst)
                return 0;
        if (dir)
                return set_str(dst, dir);
        size_t n = strlen(base);
        while (n > 1 && base[n - 1] == '/')
                n--;
        return asprintf(dst, "%.*s%s", (int) n, base, suffix) < 0 ? -ENOMEM : 0;
}

int config_finish(DaemonConfig *c) {
        bool def = is_default_state_dir(c->state_dir);
        if (set_default(&c->runtime_dir, def ? WOLFPACK_RUNTIME_DIR : NULL, c->state_dir, "/run") < 0 ||
            set_default(&c->log_dir, def ? WOLFPACK_LOG_DIR : NULL, c->state_dir, "/log") < 0 ||
            set_default(&c->socket_path, NULL, c->runtime_dir, "/wolfpack.sock") < 0 ||
            set_default(&c->corosync_conf, "/etc/corosync/corosync.conf", NULL, NULL) < 0 ||
            set_default(&c->tls_cert, WOLFPACK_CONF_DIR "/tls/node.pem", NULL, NULL) < 0 ||
            set_default(&c->tls_key, WOLFPACK_CONF_DIR "/tls/node-key.pem", NULL, NULL) < 0)
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
        free(c->corosync_conf);
        free(c->listen);
        free(c->tls_cert);
        free(c->tls_key);
}

/* One setting, from any source; where says where it came from. */
int config_set(DaemonConfig *c, const char *key, const char *value, const char *where, char *err, size_t errlen) {
        char e[256];
        if (strcmp(key, "state-dir") == 0 || strcmp(key, "runtime-dir") == 0 || strcmp(key, "socket") == 0 ||
            strcmp(key, "log-dir") == 0 || strcmp(key, "plugin-dir") == 0 || strcmp(key, "monitor") == 0 ||
            strcmp(key, "corosync-conf") == 0 || strcmp(key, "tls-cert") == 0 || strcmp(key, "tls-key") == 0) {
                if (value[0] != '/') {
                        snprintf(err, errlen, "%s: %s = %s: an absolute path is needed", where, key, text_quote(value).s);
                        return -EINVAL;
                }
                /* A monitor that cannot be run would fail every request
                 * later, far from the setting: refuse it now. */
                if (strcmp(key, "monitor") == 0) {
                        struct stat st;
                        const char *why = stat(value, &st) < 0 ? strerror(errno)
                                          : !S_ISREG(st.st_mode) || access(value, X_OK) < 0 ? "not an executable file"
                                                                                           : NULL;
                        if (why) {
                                snprintf(err, errlen, "%s: monitor = %s: %s; give the path of wolfpack-resmon",
                                         where, text_quote(value).s, why);
                                return -EINVAL;
                        }
                }
                char **dst = strcmp(key, "state-dir") == 0     ? &c->state_dir
                             : strcmp(key, "runtime-dir") == 0 ? &c->runtime_dir
                             : strcmp(key, "socket") == 0      ? &c->socket_path
                             : strcmp(key, "log-dir") == 0     ? &c->log_dir
                             : strcmp(key, "plugin-dir") == 0  ? &c->plugin_path
                             : strcmp(key, "corosync-conf") == 0 ? &c->corosync_conf
                             : strcmp(key, "tls-cert") == 0    ? &c->tls_cert
                             : strcmp(key, "tls-key") == 0     ? &c->tls_key
                                                               : &c->monitor_path;
                return set_str(dst, value);
        }
        if (strcmp(key, "listen") == 0) {
                /* Checked for its form here, bound at start (api.c). */
                if (value[0] == '\0' || strcmp(value, "none") == 0) {
                        free(c->listen);
                        c->listen = NULL;
                        return 0;
                }
                const char *colon = strrchr(value, ':');
                if (!colon || colon == value || !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1)) {
                        snprintf(err, errlen,
                                 "%s: listen = %s: give HOST:PORT, such as *:7443, 127.0.0.1:7443 or [::1]:7443 (none: no "
                                 "remote API)",
                                 where, text_quote(value).s);
                        return -EINVAL;
                }
                return set_str(&c->listen, value);
        }
        if (strcmp(key, "node-name") == 0) {
                if (name_validate("node-name", value, e, sizeof(e)) < 0) {
                        snprintf(err, errlen, "%s: %s", where, e);
                        return -EINVAL;
                }
                c->node_name_given = true;
                return set_str(&c->node_name, value);
        }
        if (strcmp(key, "node-id") == 0) {
                int64_t v;
                if (parse_int64(value, &v) < 0 || v < 1 || v > 32) {
                        snprintf(err, errlen, "%s: node-id = %s: a whole number from 1 to 32 is needed", where,
                                 text_quote(value).s);
                        return -EINVAL;
                }
                c->node_id = (uint32_t) v;
                c->node_id_given = true;
                return 0;
        }
        if (strcmp(key, "stop-budget") == 0 || strcmp(key, "takeover-delay") == 0) {
                wp_usec_t u;
                int k = parse_duration(value, &u);
                if (k < 0 || u == 0 || u > 3600 * WP_USEC_PER_SEC) {
                        snprintf(err, errlen, "%s: %s = %s: a duration from 1ms to 1h, such as 2s, is needed", where,
                                 key, text_quote(value).s);
                        return -EINVAL;
                }
                *(strcmp(key, "stop-budget") == 0 ? &c->stop_budget_usec : &c->takeover_delay_usec) = u;
                return 0;
        }
        if (strcmp(key, "lease-timeout") == 0 || strcmp(key, "reattach-timeout") == 0) {
                wp_usec_t u;
                int k = parse_duration(value, &u);
                if (k == -ERANGE) {
                        snprintf(err, errlen, "%s: %s = %s %s", where, key, text_quote(value).s, parse_duration_error(k));
                        return -EINVAL;
                }
                if (k < 0 || (strcmp(key, "reattach-timeout") == 0 && u == 0)) {
                        snprintf(err, errlen, "%s: %s = %s: a duration such as 10s is needed%s", where, key,
                                 text_quote(value).s,
                                 strcmp(key, "lease-timeout") == 0 ? " (0 turns the lease off)" : "");
                        return -EINVAL;
                }
                /* A lease the monitors would refuse (or take as a withdrawal)
                 * is no guard at all: refuse it here, where it is written. */
                if (strcmp(key, "lease-timeout") == 0 && u != 0 &&
                    (u < WP_USEC_PER_MSEC || u > (wp_usec_t) PROTO_LEASE_MAX_MS * WP_USEC_PER_MSEC)) {
                        snprintf(err, errlen, "%s: lease-timeout = %s: a lease goes from 1ms to 1d (0 turns it off)",
                                 where, text_quote(value).s);
                        return -EINVAL;
                }
                *(strcmp(key, "lease-timeout") == 0 ? &c->lease_timeout_usec : &c->reattach_timeout_usec) = u;
                if (strcmp(key, "lease-timeout") == 0)
                        c->lease_given = true;
                return 0;
        }
        if (strcmp(key, "event-stream-memory") == 0) {
                uint64_t v;
                if (parse_size(value, &v) < 0 || v < EVENT_STREAM_MEMORY_MIN) {
                        snprintf(err, errlen, "%s: event-stream-memory = %s: a size of at least 64K is needed, such as 64M",
                                 where, text_quote(value).s);
                        return -EINVAL;
                }
                c->event_stream_memory = v;
                return 0;
        }
        if (strcmp(key, "engine") == 0) {
                if (strcmp(value, "local") != 0 && strcmp(value, "corosync") != 0) {
                        snprintf(err, errlen, "%s: engine = %s: the engines are local (one node) and corosync", where,
                                 text_quote(value).s);
                        return -EINVAL;
                }
                c->engine_corosync = strcmp(value, "corosync") == 0;
                return 0;
        }
        snprintf(err, errlen,
                 "%s: unknown setting %s; settings are state-dir, runtime-dir, socket, listen, tls-cert, tls-key, log-dir, plugin-dir, monitor, corosync-conf, node-name, node-id, engine, lease-timeout, stop-budget, takeover-delay, reattach-timeout, event-stream-memory",
                 where, text_quote(key).s);
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

/* One line, without its newline. */
static int parse_line(DaemonConfig *c, const char *where, const char *text, size_t len, char *err, size_t errlen) {
        char line[CONFIG_LINE_MAX + 1];
        const char *nul = memchr(text, '\0', len);
        if (nul) {
                snprintf(err, errlen, "%s: the line holds a NUL byte (column %zu); the file must be text", where,
                         (size_t) (nul - text) + 1);
                return -EINVAL;
        }
        if (len > CONFIG_LINE_MAX) {
                snprintf(err, errlen, "%s: the line is longer than %d bytes", where, CONFIG_LINE_MAX);
                return -EINVAL;
        }
        memcpy(line, text, len);
        line[len] = '\0';
        char *hash = strchr(line, '#');
        if (hash)
                *hash = 0;
        char *s = trim(line);
        if (!*s)
                return 0;
        char *eq = strchr(s, '=');
        if (!eq) {
                snprintf(err, errlen, "%s: %s is not a setting; write key = value", where, text_quote(s).s);
                return -EINVAL;
        }
        *eq = 0;
        return config_set(c, trim(s), trim(eq + 1), where, err, errlen);
}

int config_parse(DaemonConfig *c, const char *path, const char *text, size_t size, char *err, size_t errlen) {
        unsigned n = 0;
        for (const char *p = text, *end = text + size; p < end;) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t len = nl ? (size_t) (nl - p) : (size_t) (end - p);
                char where[PATH_MAX + 32];
                snprintf(where, sizeof(where), "%s:%u", path, ++n);
                int k = parse_line(c, where, p, len, err, errlen);
                if (k < 0)
                        return k;
                p += len + 1;
        }
        return 0;
}

int config_load_file(DaemonConfig *c, const char *path, bool must_exist, char *err, size_t errlen) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f) {
                if (errno == ENOENT && !must_exist)
                        return 0;
                snprintf(err, errlen, "cannot read the configuration file %s: %s", path, strerror(errno));
                return -errno;
        }
        /* Small by nature: read whole, up to a bound. */
        _cleanup_free_ char *text = malloc(CONFIG_FILE_MAX + 1);
        if (!text)
                return -ENOMEM;
        size_t size = fread(text, 1, CONFIG_FILE_MAX + 1, f);
        if (ferror(f)) {
                snprintf(err, errlen, "cannot read the configuration file %s: %s", path, strerror(EIO));
                return -EIO;
        }
        if (size > CONFIG_FILE_MAX) {
                snprintf(err, errlen, "the configuration file %s is larger than %d bytes", path, CONFIG_FILE_MAX);
                return -EFBIG;
        }
        return config_parse(c, path, text, size, err, errlen);
}
