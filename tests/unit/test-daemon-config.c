/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wolfpackd's configuration file (src/daemon/daemon-config.c): the text
 * parser and its messages. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon-config.h"
#include "macro.h"

static int parse(DaemonConfig *c, const char *text, size_t size, char *err, size_t errlen) {
        assert_int_equal(config_defaults(c), 0);
        err[0] = '\0';
        return config_parse(c, "conf", text, size, err, errlen);
}

static void test_settings(void **state) {
        static const char text[] = "# a comment\n"
                                   "  node-name = web-1   # the name\n"
                                   "\n"
                                   "node-id=7\r\n"
                                   "state-dir = /srv/wp\n"
                                   "lease-timeout = 0\n"
                                   "stop-budget = 1500ms\n"
                                   "takeover-delay = 20s\n"
                                   "reattach-timeout = 1min\n"
                                   "event-stream-memory = 16M\n"
                                   "corosync-conf = /srv/corosync.conf\n"
                                   "listen = [::1]:7443\n"
                                   "tls-key = /srv/tls/key.pem";
        DaemonConfig c;
        char err[256];
        assert_int_equal(parse(&c, text, sizeof text - 1, err, sizeof err), 0);
        assert_string_equal(c.node_name, "web-1");
        assert_int_equal(c.node_id, 7);
        assert_string_equal(c.state_dir, "/srv/wp");
        assert_int_equal(c.lease_timeout_usec, 0);
        assert_true(c.lease_given);
        assert_int_equal(c.stop_budget_usec, 1500 * 1000ull);
        assert_int_equal(c.takeover_delay_usec, 20 * 1000000ull);
        assert_int_equal(c.reattach_timeout_usec, 60 * 1000000ull);
        assert_int_equal(c.event_stream_memory, 16 * 1024 * 1024);
        assert_int_equal(config_finish(&c), 0);
        assert_string_equal(c.corosync_conf, "/srv/corosync.conf");
        assert_string_equal(c.listen, "[::1]:7443");
        assert_string_equal(c.tls_key, "/srv/tls/key.pem");
        assert_string_equal(c.tls_cert, "/etc/wolfpack/tls/node.pem");
        assert_true(c.node_name_given && c.node_id_given);
        assert_false(c.engine_corosync);
        config_done(&c);
        /* Not given: the default bound, the local engine, and a node id and
         * name nobody gave (corosync's may replace them). */
        assert_int_equal(parse(&c, "", 0, err, sizeof err), 0);
        assert_int_equal(c.event_stream_memory, 64 * 1024 * 1024);
        assert_false(c.engine_corosync || c.node_name_given || c.node_id_given);
        assert_int_equal(config_finish(&c), 0);
        assert_string_equal(c.corosync_conf, "/etc/corosync/corosync.conf");
        assert_null(c.listen); /* no remote API unless asked for */
        config_done(&c);
        assert_int_equal(parse(&c, "listen = *:7443\nlisten = none\n", 29, err, sizeof err), 0);
        assert_null(c.listen);
        config_done(&c);
        assert_int_equal(parse(&c, "engine = corosync\n", 18, err, sizeof err), 0);
        assert_true(c.engine_corosync);
        config_done(&c);
        assert_int_equal(parse(&c, "engine = corosync\nengine = local\n", 33, err, sizeof err), 0);
        assert_false(c.engine_corosync);
        config_done(&c);
}

static void test_errors(void **state) {
        static const struct {
                const char *text;
                const char *message;
        } cases[] = {
                { "node-id = 33\n", "conf:1: node-id = \"33\": a whole number from 1 to 32 is needed" },
                { "\nstate-dir = rel\n", "conf:2: state-dir = \"rel\": an absolute path is needed" },
                { "bogus\n", "conf:1: \"bogus\" is not a setting; write key = value" },
                /* A path that is not there is shown quoted: the message
                 * stays valid UTF-8 (it is logged, and sent in JSON). */
                { "monitor = /nonexistent/wolf\xbdpack-resmon\n",
                  "conf:1: monitor = \"/nonexistent/wolf\\xbdpack-resmon\": No such file or directory; give the "
                  "path of wolfpack-resmon" },
                { "colour = red\n", "conf:1: unknown setting \"colour\"; settings are state-dir, runtime-dir, "
                                    "socket, listen, tls-cert, tls-key, log-dir, plugin-dir, monitor, corosync-conf, node-name, node-id, engine, "
                                    "lease-timeout, stop-budget, takeover-delay, reattach-timeout, event-stream-memory" },
                { "event-stream-memory = 1K\n",
                  "conf:1: event-stream-memory = \"1K\": a size of at least 64K is needed, such as 64M" },
                { "event-stream-memory = lots\n",
                  "conf:1: event-stream-memory = \"lots\": a size of at least 64K is needed, such as 64M" },
                /* Values are quoted with escapes: the message stays on one
                 * line and valid UTF-8. */
                { "stop-budget = 0\n", "conf:1: stop-budget = \"0\": a duration from 1ms to 1h, such as 2s, is needed" },
                { "takeover-delay = soon\n",
                  "conf:1: takeover-delay = \"soon\": a duration from 1ms to 1h, such as 2s, is needed" },
                { "listen = 7443\n", "conf:1: listen = \"7443\": give HOST:PORT, such as *:7443, 127.0.0.1:7443 or "
                                     "[::1]:7443 (none: no remote API)" },
                { "listen = *:https\n", "conf:1: listen = \"*:https\": give HOST:PORT, such as *:7443, 127.0.0.1:7443 "
                                        "or [::1]:7443 (none: no remote API)" },
                { "tls-cert = node.pem\n", "conf:1: tls-cert = \"node.pem\": an absolute path is needed" },
                { "engine = pacemaker\n", "conf:1: engine = \"pacemaker\": the engines are local (one node) and corosync" },
                { "engine = \x01\xff\n", "conf:1: engine = \"\\x01\\xff\": the engines are local (one node) and corosync" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                DaemonConfig c;
                char err[512];
                assert_int_equal(parse(&c, cases[i].text, strlen(cases[i].text), err, sizeof err), -EINVAL);
                assert_string_equal(err, cases[i].message);
                config_done(&c);
        }
}

/* A NUL byte is named as such, not taken for an overlong line. */
static void test_nul_byte(void **state) {
        static const char text[] = "node-id = 2\n\x00\xff\xfe = x\n";
        DaemonConfig c;
        char err[256];
        assert_int_equal(parse(&c, text, sizeof text - 1, err, sizeof err), -EINVAL);
        assert_string_equal(err, "conf:2: the line holds a NUL byte (column 1); the file must be text");
        config_done(&c);
}

static void test_long_line(void **state) {
        size_t n = CONFIG_LINE_MAX + 1;
        char *text = malloc(n + 1);
        assert_non_null(text);
        memset(text, '#', n);
        text[n] = '\n';
        DaemonConfig c;
        char err[256];
        assert_int_equal(parse(&c, text, n + 1, err, sizeof err), -EINVAL);
        assert_string_equal(err, "conf:1: the line is longer than 4095 bytes");
        config_done(&c);
        /* One byte less is a comment. */
        assert_int_equal(parse(&c, text + 1, n, err, sizeof err), 0);
        config_done(&c);
        free(text);
}

static void test_file(void **state) {
        char path[] = "/tmp/test-daemon-config-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        static const char text[] = "node-name = n2\n\x00";
        assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t) sizeof text - 1);
        close(fd);
        DaemonConfig c;
        char err[PATH_MAX + 256];
        assert_int_equal(config_defaults(&c), 0);
        assert_int_equal(config_load_file(&c, path, true, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, ":2: the line holds a NUL byte"));
        assert_string_equal(c.node_name, "n2");
        config_done(&c);
        unlink(path);
        assert_int_equal(config_defaults(&c), 0);
        assert_int_equal(config_load_file(&c, path, false, err, sizeof err), 0);
        assert_int_equal(config_load_file(&c, path, true, err, sizeof err), -ENOENT);
        config_done(&c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_settings), cmocka_unit_test(test_errors), cmocka_unit_test(test_nul_byte),
                cmocka_unit_test(test_long_line), cmocka_unit_test(test_file),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
