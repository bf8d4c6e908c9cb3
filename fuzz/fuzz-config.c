/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target of wolfpackd's configuration file
 * (src/daemon/daemon-config.c: config_parse, config_set). The input is the
 * file's text. A refused file must come with a one-line, valid UTF-8
 * message that names the file and a line the text has; an accepted one
 * must give a configuration that holds the rules (a valid node name, a
 * node id from 1 to 32, absolute paths, a re-attach timeout), and writing
 * that configuration back as a file must parse to the same. Any difference
 * aborts.
 *
 * Built with libFuzzer (clang -fsanitize=fuzzer, see README.md), or with
 * -DFUZZ_STANDALONE as a plain program that replays files and corpora.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon-config.h"
#include "fuzz.h"
#include "macro.h"
#include "props.h"

static bool same(const char *a, const char *b) {
        return a == b || (a && b && strcmp(a, b) == 0);
}

static void check_path(const char *p) {
        check(!p || p[0] == '/');
}

/* The configuration as a file, every setting given. */
static char *write_back(const DaemonConfig *c) {
        _cleanup_free_ char *lease = NULL, *reattach = NULL;
        check(format_duration(c->lease_timeout_usec, &lease) == 0);
        check(format_duration(c->reattach_timeout_usec, &reattach) == 0);
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        check(f);
        fprintf(f, "state-dir = %s\nnode-name = %s\n", c->state_dir, c->node_name);
        /* Those not given follow the state directory (config_finish). */
        if (c->runtime_dir)
                fprintf(f, "runtime-dir = %s\n", c->runtime_dir);
        if (c->socket_path)
                fprintf(f, "socket = %s\n", c->socket_path);
        if (c->log_dir)
                fprintf(f, "log-dir = %s\n", c->log_dir);
        fprintf(f, "node-id = %u\nlease-timeout = %s\nreattach-timeout = %s\nengine = local\n", c->node_id, lease,
                reattach);
        if (c->plugin_path)
                fprintf(f, "plugin-dir = %s\n", c->plugin_path);
        if (c->monitor_path)
                fprintf(f, "monitor = %s\n", c->monitor_path);
        check(fclose(f) == 0);
        return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        DaemonConfig c;
        char err[1024] = "";
        check(config_defaults(&c) == 0);
        int r = config_parse(&c, "fuzz.conf", (const char *) data, size, err, sizeof err);
        if (r < 0) {
                check(r == -EINVAL || r == -ENOMEM);
                if (r == -EINVAL) {
                        size_t lines = 1;
                        for (size_t i = 0; i < size; i++)
                                lines += data[i] == '\n';
                        unsigned line = 0;
                        check(sscanf(err, "fuzz.conf:%u: ", &line) == 1);
                        check(line >= 1 && line <= lines);
                        check_message(err, sizeof err);
                }
                config_done(&c);
                return 0;
        }

        check(name_validate("node-name", c.node_name, NULL, 0) == 0);
        check(c.node_id >= 1 && c.node_id <= 32);
        check(c.reattach_timeout_usec > 0);
        check_path(c.state_dir);
        check_path(c.runtime_dir);
        check_path(c.socket_path);
        check_path(c.log_dir);
        check_path(c.plugin_path);
        check_path(c.monitor_path);

        _cleanup_free_ char *text = write_back(&c);
        DaemonConfig d;
        check(config_defaults(&d) == 0);
        check(config_parse(&d, "back.conf", text, strlen(text), err, sizeof err) == 0);
        check(same(c.state_dir, d.state_dir) && same(c.runtime_dir, d.runtime_dir) &&
              same(c.socket_path, d.socket_path) && same(c.log_dir, d.log_dir) && same(c.node_name, d.node_name) &&
              same(c.plugin_path, d.plugin_path) && same(c.monitor_path, d.monitor_path));
        check(c.node_id == d.node_id && c.lease_timeout_usec == d.lease_timeout_usec &&
              c.reattach_timeout_usec == d.reattach_timeout_usec);
        config_done(&d);
        config_done(&c);
        return 0;
}
