/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The application core's pure parts: exit messages, /proc/PID/stat and
 * pid-file parsing, ids, environment entries, the argv given to execve, and
 * the property table (defaults, checks, copies, validation). */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "genapp-internal.h"
#include "genapp.h"
#include "macro.h"
#include "props.h"
#include "strv.h"

static void test_describe_exit(void **state) {
        static const struct {
                pid_t pid;
                wp_exit how;
                const char *text;
        } cases[] = {
                { 1234, { CLD_EXITED, 3 }, "process 1234 exited with code 3" },
                { 1234, { CLD_EXITED, 0 }, "process 1234 exited with code 0" },
                { 1234, { CLD_KILLED, SIGKILL }, "process 1234 was killed by signal 9 (KILL)" },
                { 77, { CLD_DUMPED, SIGSEGV }, "process 77 was killed by signal 11 (SEGV) and dumped core" },
                { 5, { CLD_KILLED, 200 }, "process 5 was killed by signal 200" },
                { 0, { CLD_EXITED, 1 }, "exited with code 1" },
                { 9, { 99, 1 }, "process 9 ended (waitid code 99, status 1)" },
        };
        char buf[128];

        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                genapp_describe_exit(cases[i].pid, &cases[i].how, buf, sizeof buf);
                assert_string_equal(buf, cases[i].text);
        }
        /* Cut, never overrun. */
        wp_exit how = { CLD_EXITED, 3 };
        genapp_describe_exit(1234, &how, buf, 8);
        assert_string_equal(buf, "process");
}

static void test_parse_stat_session(void **state) {
        pid_t sid = -1;

        assert_int_equal(genapp_parse_stat_session("42 (sleep) S 1 42 42 0 -1 4194560 ...", &sid), 0);
        assert_int_equal(sid, 42);
        /* comm may hold blanks and parentheses. */
        assert_int_equal(genapp_parse_stat_session("7 (a) b (c)) R 1 3 99 0", &sid), 0);
        assert_int_equal(sid, 99);
        assert_int_equal(genapp_parse_stat_session("7 no parenthesis", &sid), -EINVAL);
        assert_int_equal(genapp_parse_stat_session("7 (x) S 1 2", &sid), -EINVAL);
        assert_int_equal(genapp_parse_stat_session("", &sid), -EINVAL);
}

static void test_parse_pid(void **state) {
        pid_t pid = 0;

        assert_int_equal(genapp_parse_pid("1234\n", &pid), 0);
        assert_int_equal(pid, 1234);
        assert_int_equal(genapp_parse_pid("  77  ", &pid), 0);
        assert_int_equal(pid, 77);
        assert_int_equal(genapp_parse_pid("", &pid), -ENODATA);
        assert_int_equal(genapp_parse_pid(" \n", &pid), -ENODATA);
        assert_int_equal(genapp_parse_pid("0", &pid), -EINVAL);
        assert_int_equal(genapp_parse_pid("-5", &pid), -EINVAL);
        assert_int_equal(genapp_parse_pid("12ab", &pid), -EINVAL);
        assert_int_equal(genapp_parse_pid("12 34", &pid), -EINVAL);
        assert_int_equal(genapp_parse_pid("99999999999", &pid), -EINVAL);
        assert_int_equal(pid, 77); /* untouched on failure */
}

static void test_parse_id(void **state) {
        uint32_t id = 7;

        assert_int_equal(genapp_parse_id("0", &id), 0);
        assert_int_equal(id, 0);
        assert_int_equal(genapp_parse_id("65534", &id), 0);
        assert_int_equal(id, 65534);
        assert_int_equal(genapp_parse_id("4294967295", &id), -EINVAL); /* (uid_t) -1 */
        assert_int_equal(genapp_parse_id("bob", &id), -EINVAL);
        assert_int_equal(genapp_parse_id("12x", &id), -EINVAL);
        assert_int_equal(genapp_parse_id("", &id), -EINVAL);
        assert_int_equal(genapp_parse_id(NULL, &id), -EINVAL);
        assert_int_equal(id, 65534);
}

static void test_env_entry_check(void **state) {
        char err[256];

        assert_int_equal(genapp_env_entry_check("FOO=bar", err, sizeof err), 0);
        assert_int_equal(genapp_env_entry_check("_x1=", err, sizeof err), 0);
        assert_int_equal(genapp_env_entry_check("A=b=c", err, sizeof err), 0);

        assert_int_equal(genapp_env_entry_check("FOO", err, sizeof err), -EINVAL);
        assert_string_equal(err, "entry \"FOO\" has no '=': write KEY=VALUE");
        assert_int_equal(genapp_env_entry_check("=x", err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "\"=x\" has an empty key"));
        assert_int_equal(genapp_env_entry_check("1A=x", err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "\"1A=x\" has an invalid key"));
        assert_int_equal(genapp_env_entry_check("A-B=x", err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "\"A-B=x\""));
}

/* The entry or path is shown quoted: the message stays one line, valid
 * UTF-8 and whole in its buffer whatever the text holds. */
static void test_messages_quote_text(void **state) {
        char err[256], long_key[400];
        const char *member;

        assert_int_equal(genapp_env_entry_check("LINE\nTWO", err, sizeof err), -EINVAL);
        assert_string_equal(err, "entry \"LINE\\nTWO\" has no '=': write KEY=VALUE");
        assert_int_equal(genapp_env_entry_check("K\xff=v", err, sizeof err), -EINVAL);
        assert_string_equal(err, "entry \"K\\xff=v\" has an invalid key: a key is letters, digits and '_', "
                                 "not starting with a digit");
        memset(long_key, '\n', sizeof long_key - 3);
        strcpy(long_key + sizeof long_key - 3, "=v");
        long_key[0] = '-';
        assert_int_equal(genapp_env_entry_check(long_key, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "\"... has an invalid key"));
        assert_null(strchr(err, '\n'));

        member = "run\n/app.pid";
        assert_int_equal(genapp_check_absolute_path(&member, err, sizeof err), -EINVAL);
        assert_string_equal(err, "\"run\\n/app.pid\" is not an absolute path: it must start with '/'");
}

static void test_env_put(void **state) {
        char **env = NULL;

        assert_int_equal(genapp_env_put(&env, strdup("PATH=/bin")), 0);
        assert_int_equal(genapp_env_put(&env, strdup("HOME=/root")), 0);
        assert_int_equal(genapp_env_put(&env, strdup("PATH=/usr/bin")), 0);
        /* A key that is a prefix of another is a different key. */
        assert_int_equal(genapp_env_put(&env, strdup("PATHX=1")), 0);
        assert_int_equal(strv_length(env), 3);
        assert_string_equal(env[0], "PATH=/usr/bin");
        assert_string_equal(env[1], "HOME=/root");
        assert_string_equal(env[2], "PATHX=1");
        strv_free(env);
}

static void test_command_argv(void **state) {
        char **argv = NULL;
        char err[256];

        /* Without a shell: the words, as a shell splits them. */
        assert_int_equal(genapp_command_argv("echo 'a  b' \"$HOME\" > /tmp/x", false, &argv, err, sizeof err), 0);
        assert_int_equal(strv_length(argv), 5);
        assert_string_equal(argv[1], "a  b");
        assert_string_equal(argv[2], "$HOME");
        assert_string_equal(argv[3], ">");
        strv_free(argv);

        /* Text that splits into no word at all (a backslash-newline only
         * joins lines) gives no program to run. */
        argv = NULL;
        assert_int_equal(genapp_command_argv(" \\\n", false, &argv, err, sizeof err), -EINVAL);
        assert_null(argv);
        assert_string_equal(err, "empty: give the program to run and its arguments");

        /* With the shell: the text exactly as written, quotes and blanks
         * and all, so that quoted metacharacters stay quoted. */
        static const char *const scripts[] = {
                "echo \"a;touch /tmp/INJECTED\"; sleep 1000",
                "printf \"%s|\" \"x y\" z > f",
                "echo 'single  quoted'",
                "echo \"a  b\"",
                "trap 'echo stop; exit 0' TERM; while :; do sleep 1; done",
                "  app > /x  ",
                "echo it's",   /* does not split: the shell says what is wrong */
                "'a' b",       /* two words: not the one-quoted-word form */
        };
        for (size_t i = 0; i < ELEMENTSOF(scripts); i++) {
                assert_int_equal(genapp_command_argv(scripts[i], true, &argv, err, sizeof err), 0);
                assert_int_equal(strv_length(argv), 3);
                assert_string_equal(argv[0], "/bin/sh");
                assert_string_equal(argv[1], "-c");
                assert_string_equal(argv[2], scripts[i]);
                strv_free(argv);
        }

        /* The form older releases needed, the whole script quoted as one
         * word, loses those outer quotes once. */
        assert_int_equal(genapp_command_argv(" 'grep \"a b\" f | wc -l'", true, &argv, err, sizeof err), 0);
        assert_string_equal(argv[2], "grep \"a b\" f | wc -l");
        strv_free(argv);
        assert_int_equal(genapp_command_argv("\"echo 'x'\"'; y'", true, &argv, err, sizeof err), 0);
        assert_string_equal(argv[2], "echo 'x'; y");
        strv_free(argv);

        argv = NULL;
        assert_int_equal(genapp_command_argv(" ", false, &argv, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "empty"));
        assert_int_equal(genapp_command_argv(NULL, true, &argv, err, sizeof err), -EINVAL);
        assert_int_equal(genapp_command_argv("''", false, &argv, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "empty"));
        assert_int_equal(genapp_command_argv("echo 'a", false, &argv, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "unterminated single quote at column 6"));
        assert_null(argv);
}

/* --- the property table ------------------------------------------------ */

static const wp_prop table[] = {
        GENAPP_PROPS(0),
        {},
};

/* A type that embeds the application properties after its own member. */
typedef struct JobLike {
        int64_t limit;
        GenappParams app;
} JobLike;

static const wp_prop job_table[] = {
        GENAPP_PROPS(offsetof(JobLike, app)),
        { .name = "Limit", .type = WP_PROP_INT, .offset = offsetof(JobLike, limit), .default_value = "5" },
        {},
};

static void test_props_defaults(void **state) {
        GenappParams p;
        char err[256] = "";

        assert_int_equal(props_init(table, &p, err, sizeof err), 0);
        assert_null(p.command_line);
        assert_false(p.use_shell);
        assert_int_equal(p.stop_signal, SIGTERM);
        assert_int_equal(p.stop_timeout, 10 * WP_USEC_PER_SEC);
        assert_null(p.log_file);
        assert_int_equal(p.ready_port, 0);
        assert_int_equal(props_check_required(table, &p, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "CommandLine"));

        assert_int_equal(props_set(table, &p, "CommandLine", "/bin/app --name 'a  b'", err, sizeof err), 0);
        assert_string_equal(p.command_line, "/bin/app --name 'a  b'");
        assert_int_equal(props_set(table, &p, "StopSignal", "kill", err, sizeof err), 0);
        assert_int_equal(p.stop_signal, SIGKILL);
        assert_int_equal(props_set(table, &p, "StopSignal", "STOP", err, sizeof err), -EINVAL);
        assert_int_equal(props_set(table, &p, "ReadyPort", "0", err, sizeof err), -ERANGE);
        assert_int_equal(props_set(table, &p, "ReadyPort", "8080", err, sizeof err), 0);
        assert_int_equal(p.ready_port, 8080);
        assert_int_equal(props_set(table, &p, "ProcessId", "1", err, sizeof err), -EPERM);
        assert_int_equal(props_check_required(table, &p, err, sizeof err), 0);
        props_free(table, &p);
}

static void test_props_checks(void **state) {
        GenappParams p;
        char err[256] = "";

        assert_int_equal(props_init(table, &p, err, sizeof err), 0);
        assert_int_equal(props_set(table, &p, "Environment", "A=1 'B=two words'", err, sizeof err), 0);
        assert_int_equal(props_set(table, &p, "Environment", "A=1 NOEQUALS", err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "\"NOEQUALS\""));
        assert_int_equal(props_set(table, &p, "Environment", "9X=1", err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "\"9X=1\""));
        assert_int_equal(props_set(table, &p, "PidFile", "run/app.pid", err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "absolute"));
        assert_int_equal(props_set(table, &p, "PidFile", "/run/app.pid", err, sizeof err), 0);
        assert_int_equal(props_set(table, &p, "LogFile", "out.log", err, sizeof err), -EINVAL);
        assert_int_equal(props_set(table, &p, "CurrentDirectory", "srv", err, sizeof err), -EINVAL);
        assert_int_equal(props_set(table, &p, "CommandLine", "", err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "empty"));
        assert_int_equal(props_set(table, &p, "CommandLine", " \t", err, sizeof err), -EINVAL);
        props_free(table, &p);
}

static void test_props_flags(void **state) {
        static const char *const live[] = { "StopSignal", "StopTimeout", "ReadyCheck", "ReadyPort", NULL };

        for (const wp_prop *p = table; p->name; p++) {
                bool want_live = false;
                for (size_t i = 0; live[i]; i++)
                        want_live |= strcmp(live[i], p->name) == 0;
                assert_int_equal(!!(p->flags & WP_PROP_LIVE), want_live);
                assert_non_null(p->description);
        }
        assert_true(props_find(table, "CommandLine")->flags & WP_PROP_REQUIRED);
        assert_true(props_find(table, "ProcessId")->flags & WP_PROP_READONLY);
}

static void test_props_embedded(void **state) {
        JobLike j;
        char err[256] = "";

        assert_int_equal(props_init(job_table, &j, err, sizeof err), 0);
        assert_int_equal(j.limit, 5);
        assert_int_equal(j.app.stop_signal, SIGTERM);
        assert_int_equal(props_set(job_table, &j, "CommandLine", "sleep 1", err, sizeof err), 0);
        assert_int_equal(props_set(job_table, &j, "StopTimeout", "2s", err, sizeof err), 0);
        assert_string_equal(j.app.command_line, "sleep 1");
        assert_int_equal(j.app.stop_timeout, 2 * WP_USEC_PER_SEC);
        assert_int_equal(j.limit, 5);
        props_free(job_table, &j);
}

static void test_validate(void **state) {
        char *bad_env[] = { "OK=1", "BAD", NULL };
        GenappParams p = { .command_line = "/bin/app" };
        char err[256];

        assert_int_equal(genapp_params_validate(&p, err, sizeof err), 0);

        p.command_line = "''";
        assert_int_equal(genapp_params_validate(&p, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "CommandLine"));
        /* Words that do not split are refused without a shell; with one,
         * the shell has the last word on its syntax. */
        p.command_line = "echo \"a";
        assert_int_equal(genapp_params_validate(&p, err, sizeof err), -EINVAL);
        assert_string_equal(err, "CommandLine: unterminated double quote at column 6");
        p.use_shell = true;
        assert_int_equal(genapp_params_validate(&p, err, sizeof err), 0);
        p.use_shell = false;
        p.command_line = "/bin/app";

        p.pid_file = "app.pid";
        assert_int_equal(genapp_params_validate(&p, err, sizeof err), -EINVAL);
        assert_string_equal(err, "PidFile: \"app.pid\" is not an absolute path: it must start with '/'");
        p.pid_file = NULL;

        p.environment = bad_env;
        assert_int_equal(genapp_params_validate(&p, err, sizeof err), -EINVAL);
        assert_string_equal(err, "Environment: entry \"BAD\" has no '=': write KEY=VALUE");
        p.environment = NULL;

        p.user = "";
        assert_int_equal(genapp_params_validate(&p, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "User"));
        p.user = NULL;

        p.ready_port = 70000;
        assert_int_equal(genapp_params_validate(&p, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "ReadyPort"));
}

static void test_params_copy(void **state) {
        char *cmd = "/bin/app -x";
        char *check[] = { "true", NULL };
        char *check2[] = { "false", "now", NULL };
        GenappParams src = {
                .command_line = cmd,
                .use_shell = true,
                .user = "nobody",
                .pid_file = "/run/a.pid",
                .ready_check = check,
                .stop_signal = SIGINT,
                .stop_timeout = 5,
                .ready_port = 80,
        };
        GenappParams dst;

        assert_int_equal(genapp_params_copy(&dst, &src), 0);
        assert_string_equal(dst.command_line, cmd);
        assert_ptr_not_equal(dst.command_line, cmd);
        assert_string_equal(dst.user, "nobody");
        assert_ptr_not_equal(dst.user, src.user);
        assert_null(dst.group);
        assert_true(dst.use_shell);
        assert_int_equal(dst.stop_signal, SIGINT);

        /* Only the LIVE members move. */
        GenappParams next = src;
        next.user = "root";
        next.ready_check = check2;
        next.stop_signal = SIGHUP;
        next.stop_timeout = 9;
        next.ready_port = 81;
        assert_int_equal(genapp_params_copy_live(&dst, &next), 0);
        assert_string_equal(dst.user, "nobody");
        assert_true(strv_equal(dst.ready_check, check2));
        assert_int_equal(dst.stop_signal, SIGHUP);
        assert_int_equal(dst.stop_timeout, 9);
        assert_int_equal(dst.ready_port, 81);

        genapp_params_done(&dst);
        assert_null(dst.command_line);
        assert_null(dst.user);
        genapp_params_done(&dst); /* twice is harmless */
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_describe_exit),
                cmocka_unit_test(test_parse_stat_session),
                cmocka_unit_test(test_parse_pid),
                cmocka_unit_test(test_parse_id),
                cmocka_unit_test(test_env_entry_check),
                cmocka_unit_test(test_messages_quote_text),
                cmocka_unit_test(test_env_put),
                cmocka_unit_test(test_command_argv),
                cmocka_unit_test(test_props_defaults),
                cmocka_unit_test(test_props_checks),
                cmocka_unit_test(test_props_flags),
                cmocka_unit_test(test_props_embedded),
                cmocka_unit_test(test_validate),
                cmocka_unit_test(test_params_copy),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
