/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The command line of wolfpack: global options, finding the verb, the
 * verb's own arguments, and usage texts — against the real verb table. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli-args.h"
#include "macro.h"

/* argv from a list of words; the vector lives in a static buffer. */
static char *words[32];
static int make_argv(const char *first, ...) {
        va_list ap;
        int n = 0;
        va_start(ap, first);
        for (const char *w = first; w; w = va_arg(ap, const char *))
                words[n++] = (char *) w;
        va_end(ap);
        words[n] = NULL;
        return n;
}

static void test_global_anywhere(void **state) {
        char err[256];
        CliGlobal g;
        int argc = make_argv("wolfpack", "--json", "group", "online", "web", "--socket", "/tmp/s", "--no-wait",
                             "--timeout=30s", NULL);
        assert_int_equal(cli_global_parse(&argc, words, &g, err, sizeof err), 0);
        assert_true(g.json);
        assert_true(g.no_wait);
        assert_string_equal(g.socket_path, "/tmp/s");
        assert_string_equal(g.timeout, "30s");
        assert_false(g.help);
        assert_int_equal(argc, 4);
        assert_string_equal(words[1], "group");
        assert_string_equal(words[2], "online");
        assert_string_equal(words[3], "web");
        assert_null(words[4]);
}

static void test_global_keeps_verb_options(void **state) {
        char err[256];
        CliGlobal g;
        int argc = make_argv("wolfpack", "group", "move", "web", "--to", "n2", "--socket=/x", "-h", NULL);
        assert_int_equal(cli_global_parse(&argc, words, &g, err, sizeof err), 0);
        assert_true(g.help);
        assert_string_equal(g.socket_path, "/x");
        assert_int_equal(argc, 6);
        assert_string_equal(words[4], "--to");
        assert_string_equal(words[5], "n2");
}

static void test_global_stops_at_dashdash(void **state) {
        char err[256];
        CliGlobal g;
        int argc = make_argv("wolfpack", "group", "show", "--", "--json", NULL);
        assert_int_equal(cli_global_parse(&argc, words, &g, err, sizeof err), 0);
        assert_false(g.json);
        assert_int_equal(argc, 5);
        assert_string_equal(words[3], "--");
        assert_string_equal(words[4], "--json");
}

static void test_global_errors(void **state) {
        char err[256];
        CliGlobal g;
        int argc = make_argv("wolfpack", "status", "--socket", NULL);
        assert_int_equal(cli_global_parse(&argc, words, &g, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "--socket needs a value (PATH)"));

        argc = make_argv("wolfpack", "--json=yes", "status", NULL);
        assert_int_equal(cli_global_parse(&argc, words, &g, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "--json takes no value"));

        argc = make_argv("wolfpack", "--socket=", "status", NULL);
        assert_int_equal(cli_global_parse(&argc, words, &g, err, sizeof err), -EINVAL);
}

static const CliVerb *find(int n, char **args, int *used, const char **noun, char *err, size_t errlen, int *r) {
        const CliVerb *v = NULL;
        *r = cli_verb_find(cli_verbs, n, args, &v, used, noun, err, errlen);
        return *r < 0 ? NULL : v;
}

static void test_find_every_documented_verb(void **state) {
        static const char *const commands[][2] = {
                { "status", NULL },       { "node", "list" },       { "node", "show" },       { "node", "pause" },
                { "node", "resume" },     { "node", "drain" },      { "group", "create" },    { "group", "list" },
                { "group", "show" },      { "group", "online" },    { "group", "offline" },   { "group", "move" },
                { "group", "set" },       { "group", "delete" },    { "resource", "create" }, { "resource", "list" },
                { "resource", "show" },   { "resource", "online" }, { "resource", "offline" }, { "resource", "fail" },
                { "resource", "set" },    { "resource", "get" },    { "resource", "depend" }, { "resource", "undepend" },
                { "resource", "delete" }, { "type", "list" },       { "type", "show" },       { "events", NULL },
                { "log", NULL },          { "cluster", NULL },      { "cluster", "init" },
        };
        char err[256];
        for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
                char *args[] = { (char *) commands[i][0], (char *) commands[i][1], NULL };
                int n = commands[i][1] ? 2 : 1, used, r;
                const char *noun;
                const CliVerb *v = find(n, args, &used, &noun, err, sizeof err, &r);
                assert_int_equal(r, 0);
                assert_non_null(v);
                assert_int_equal(used, n);
                assert_string_equal(v->noun, commands[i][0]);
                if (commands[i][1])
                        assert_string_equal(v->verb, commands[i][1]);
                else
                        assert_null(v->verb);
                assert_non_null(v->run);
                assert_non_null(v->summary);
        }
}

static void test_find_defaults_and_plurals(void **state) {
        char err[256];
        int used, r;
        const char *noun;
        char *a1[] = { "groups", NULL };
        const CliVerb *v = find(1, a1, &used, &noun, err, sizeof err, &r);
        assert_non_null(v);
        assert_string_equal(v->noun, "group");
        assert_string_equal(v->verb, "list");
        assert_int_equal(used, 1);

        /* An option where the verb would be: list, with the option left. */
        char *a2[] = { "resource", "--group", "web", NULL };
        v = find(3, a2, &used, &noun, err, sizeof err, &r);
        assert_non_null(v);
        assert_string_equal(v->verb, "list");
        assert_int_equal(used, 1);

        char *a3[] = { "Status", NULL };
        v = find(1, a3, &used, &noun, err, sizeof err, &r);
        assert_non_null(v);
        assert_string_equal(v->noun, "status");
}

static void test_find_did_you_mean(void **state) {
        char err[256];
        int used, r;
        const char *noun;
        char *a1[] = { "grop", "list", NULL };
        assert_null(find(2, a1, &used, &noun, err, sizeof err, &r));
        assert_int_equal(r, -EINVAL);
        assert_null(noun);
        assert_string_equal(err, "unknown command \"grop\"; did you mean \"group\"?");

        char *a2[] = { "resource", "onlnie", "x", NULL };
        assert_null(find(3, a2, &used, &noun, err, sizeof err, &r));
        assert_int_equal(r, -EINVAL);
        assert_string_equal(noun, "resource");
        assert_string_equal(err, "unknown command \"resource onlnie\"; did you mean \"resource online\"?");

        char *a3[] = { "frobnicate", NULL };
        assert_null(find(1, a3, &used, &noun, err, sizeof err, &r));
        assert_null(strstr(err, "did you mean"));

        char *a4[] = { "--jsn", NULL };
        assert_null(find(1, a4, &used, &noun, err, sizeof err, &r));
        assert_string_equal(err, "unknown option \"--jsn\"; did you mean --json?");

        assert_int_equal(cli_verb_find(cli_verbs, 0, a1, &(const CliVerb *) { NULL }, &used, &noun, err, sizeof err),
                         -EINVAL);
}

/* A noun that is a command of its own and has verbs too: alone (or
 * followed by an option) the command, followed by a word a verb. */
static void test_find_command_with_verbs(void **state) {
        char err[256];
        int used, r;
        const char *noun;
        char *a1[] = { "cluster", NULL };
        const CliVerb *v = find(1, a1, &used, &noun, err, sizeof err, &r);
        assert_non_null(v);
        assert_null(v->verb);
        assert_int_equal(used, 1);
        char *a2[] = { "cluster", "init", "prod", NULL };
        v = find(3, a2, &used, &noun, err, sizeof err, &r);
        assert_non_null(v);
        assert_string_equal(v->verb, "init");
        assert_int_equal(used, 2);
        char *a3[] = { "cluster", "--json", NULL };
        v = find(2, a3, &used, &noun, err, sizeof err, &r);
        assert_non_null(v);
        assert_null(v->verb);
        char *a4[] = { "cluster", "inti", NULL };
        assert_null(find(2, a4, &used, &noun, err, sizeof err, &r));
        assert_int_equal(r, -EINVAL);
        assert_string_equal(noun, "cluster");
        assert_string_equal(err, "unknown command \"cluster inti\"; did you mean \"cluster init\"?");
        assert_true(cli_noun_has_verbs(cli_verbs, "cluster"));
        assert_false(cli_noun_has_verbs(cli_verbs, "status"));
        assert_true(cli_noun_has_verbs(cli_verbs, "group"));
}

static const CliVerb *verb_of(const char *noun, const char *verb) {
        for (const CliVerb *v = cli_verbs; v->noun; v++)
                if (strcmp(v->noun, noun) == 0 && ((!verb && !v->verb) || (verb && v->verb && strcmp(v->verb, verb) == 0)))
                        return v;
        fail_msg("no verb %s %s", noun, verb ? verb : "");
        return NULL;
}

static void test_parse_create_group(void **state) {
        char err[256];
        CliArgs a;
        char *args[] = { "web", "FailoverThreshold=2", "--preferred", "n1,n2", "Description=a=b", NULL };
        const CliVerb *v = verb_of("group", "create");
        assert_int_equal(cli_args_parse(v, 4 + 1, args, &a, err, sizeof err), 0);
        assert_int_equal(a.n_pos, 1);
        assert_string_equal(a.pos[0], "web");
        assert_string_equal(cli_args_opt(&a, "preferred"), "n1,n2");
        assert_int_equal(json_object_size(a.props), 2);
        assert_string_equal(json_string_value(json_object_get(a.props, "FailoverThreshold")), "2");
        /* Split at the first '=' only. */
        assert_string_equal(json_string_value(json_object_get(a.props, "Description")), "a=b");
        cli_args_done(&a);
        assert_null(a.props);
}

static void test_parse_option_forms(void **state) {
        char err[256];
        CliArgs a;
        const CliVerb *v = verb_of("group", "move");
        char *a1[] = { "web", "--to=n2", NULL };
        assert_int_equal(cli_args_parse(v, 2, a1, &a, err, sizeof err), 0);
        assert_string_equal(cli_args_opt(&a, "to"), "n2");
        assert_null(a.props);
        cli_args_done(&a);

        char *a2[] = { "web", "--to", NULL };
        assert_int_equal(cli_args_parse(v, 2, a2, &a, err, sizeof err), -EINVAL);
        assert_string_equal(err, "--to needs a value (NODE)");

        char *a3[] = { "web", "--to", "n1", "--to", "n2", NULL };
        assert_int_equal(cli_args_parse(v, 5, a3, &a, err, sizeof err), -EINVAL);
        assert_string_equal(err, "--to is given twice");

        char *a4[] = { "web", "--too", "n1", NULL };
        assert_int_equal(cli_args_parse(v, 3, a4, &a, err, sizeof err), -EINVAL);
        assert_string_equal(err, "unknown option \"--too\"; did you mean --to?");

        char *a5[] = { "web", "-t", "n1", NULL };
        assert_int_equal(cli_args_parse(v, 3, a5, &a, err, sizeof err), -EINVAL);
        assert_string_equal(err, "unknown option \"-t\"");

        const CliVerb *ev = verb_of("events", NULL);
        char *a6[] = { "--follow=yes", NULL };
        assert_int_equal(cli_args_parse(ev, 1, a6, &a, err, sizeof err), -EINVAL);
        assert_string_equal(err, "--follow takes no value");
        char *a7[] = { "--follow", NULL };
        assert_int_equal(cli_args_parse(ev, 1, a7, &a, err, sizeof err), 0);
        assert_string_equal(cli_args_opt(&a, "follow"), "");
        cli_args_done(&a);
}

static void test_parse_positional(void **state) {
        char err[256];
        CliArgs a;
        const CliVerb *get = verb_of("resource", "get");
        char *a1[] = { "httpd", NULL };
        assert_int_equal(cli_args_parse(get, 1, a1, &a, err, sizeof err), 0);
        assert_int_equal(a.n_pos, 1);
        cli_args_done(&a);
        char *a2[] = { "httpd", "ProcessId", NULL };
        assert_int_equal(cli_args_parse(get, 2, a2, &a, err, sizeof err), 0);
        assert_int_equal(a.n_pos, 2);
        assert_string_equal(a.pos[1], "ProcessId");
        cli_args_done(&a);
        char *a3[] = { "httpd", "ProcessId", "more", NULL };
        assert_int_equal(cli_args_parse(get, 3, a3, &a, err, sizeof err), -EINVAL);
        assert_string_equal(err, "unexpected argument \"more\"");
        assert_int_equal(cli_args_parse(get, 0, a3, &a, err, sizeof err), -EINVAL);
        assert_string_equal(err, "missing R");

        /* A K=V where the verb takes none is an argument, and too many. */
        const CliVerb *show = verb_of("group", "show");
        char *a4[] = { "web", "A=1", NULL };
        assert_int_equal(cli_args_parse(show, 2, a4, &a, err, sizeof err), -EINVAL);
        assert_string_equal(err, "unexpected argument \"A=1\"");

        /* After "--", a name that looks like an option. */
        char *a5[] = { "--", "-odd", NULL };
        assert_int_equal(cli_args_parse(show, 2, a5, &a, err, sizeof err), 0);
        assert_string_equal(a.pos[0], "-odd");
        cli_args_done(&a);
}

static void test_parse_required(void **state) {
        char err[256];
        CliArgs a;
        const CliVerb *create = verb_of("resource", "create");
        char *a1[] = { "httpd", "--type", "genapp", NULL };
        assert_int_equal(cli_args_parse(create, 3, a1, &a, err, sizeof err), -EINVAL);
        assert_string_equal(err, "missing --group G");

        const CliVerb *set = verb_of("resource", "set");
        char *a2[] = { "httpd", NULL };
        assert_int_equal(cli_args_parse(set, 1, a2, &a, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "no K=V given"));
        char *a3[] = { "httpd", "StopTimeout", NULL };
        assert_int_equal(cli_args_parse(set, 2, a3, &a, err, sizeof err), -EINVAL);
        assert_string_equal(err, "unexpected argument \"StopTimeout\" (properties are given as K=V)");
        /* K=V before the name: the name is still missing. */
        char *a4[] = { "StopTimeout=1s", NULL };
        assert_int_equal(cli_args_parse(set, 1, a4, &a, err, sizeof err), -EINVAL);
        assert_string_equal(err, "missing R");
        char *a5[] = { "httpd", "Stop-Timeout=1s", NULL };
        assert_int_equal(cli_args_parse(set, 2, a5, &a, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "\"Stop-Timeout=1s\""));
        char *a6[] = { "httpd", "A=1", "a=2", NULL };
        assert_int_equal(cli_args_parse(set, 3, a6, &a, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "given twice"));

        const CliVerb *dep = verb_of("resource", "depend");
        char *a7[] = { "httpd", NULL };
        assert_int_equal(cli_args_parse(dep, 1, a7, &a, err, sizeof err), -EINVAL);
        assert_string_equal(err, "missing --on EXPR");
}

/* An option that repeats: every value in order, the first as its value;
 * still required; other options still refused twice. */
static void test_parse_repeated(void **state) {
        char err[256];
        CliArgs a;
        size_t n;
        const CliVerb *v = verb_of("cluster", "init");
        char *a1[] = { "prod", "--node", "1=a=10.0.0.1", "--node=2=b=10.0.0.2", "--this", "2", "--node", "3=c=10.0.0.3",
                       NULL };
        assert_int_equal(cli_args_parse(v, 8, a1, &a, err, sizeof err), 0);
        const char *const *all = cli_args_opt_all(&a, "node", &n);
        assert_int_equal(n, 3);
        assert_string_equal(all[0], "1=a=10.0.0.1");
        assert_string_equal(all[1], "2=b=10.0.0.2");
        assert_string_equal(all[2], "3=c=10.0.0.3");
        assert_string_equal(cli_args_opt(&a, "node"), "1=a=10.0.0.1");
        assert_string_equal(cli_args_opt(&a, "this"), "2");
        assert_null(cli_args_opt_all(&a, "this", &n));
        assert_int_equal(n, 0);
        cli_args_done(&a);
        assert_null(a.all[0]);

        char *a2[] = { "prod", NULL };
        assert_int_equal(cli_args_parse(v, 1, a2, &a, err, sizeof err), -EINVAL);
        assert_string_equal(err, "missing --node ID=NAME=ADDRESS");
        char *a3[] = { "prod", "--node", "1=a=10.0.0.1", "--this", "1", "--this", "1", NULL };
        assert_int_equal(cli_args_parse(v, 7, a3, &a, err, sizeof err), -EINVAL);
        assert_string_equal(err, "--this is given twice");
        char *a4[] = { "prod", "--node", "1=a=10.0.0.1", "--node", NULL };
        assert_int_equal(cli_args_parse(v, 4, a4, &a, err, sizeof err), -EINVAL);
        assert_string_equal(err, "--node needs a value (ID=NAME=ADDRESS)");
}

/* An option that may repeat and may be left out: every value in order,
 * none at all, and other options still refused twice. */
static void test_parse_repeated_optional(void **state) {
        char err[256];
        CliArgs a;
        size_t n = 9;
        const CliVerb *v = verb_of("cert", "create");
        char *a0[] = { NULL };
        assert_int_equal(cli_args_parse(v, 0, a0, &a, err, sizeof err), 0);
        assert_null(cli_args_opt_all(&a, "host", &n));
        assert_int_equal(n, 0);
        assert_null(cli_args_opt(&a, "host"));
        cli_args_done(&a);

        char *a1[] = { "--host", "alpha", "--days", "30", "--host=10.0.0.1", "--host", "::1", NULL };
        assert_int_equal(cli_args_parse(v, 7, a1, &a, err, sizeof err), 0);
        const char *const *all = cli_args_opt_all(&a, "host", &n);
        assert_int_equal(n, 3);
        assert_string_equal(all[0], "alpha");
        assert_string_equal(all[1], "10.0.0.1");
        assert_string_equal(all[2], "::1");
        assert_string_equal(cli_args_opt(&a, "days"), "30");
        cli_args_done(&a);

        char *a2[] = { "--days", "1", "--days", "2", NULL };
        assert_int_equal(cli_args_parse(v, 4, a2, &a, err, sizeof err), -EINVAL);
        assert_string_equal(err, "--days is given twice");
        char *a3[] = { "--host", NULL };
        assert_int_equal(cli_args_parse(v, 1, a3, &a, err, sizeof err), -EINVAL);
        assert_string_equal(err, "--host needs a value (NAME|IP)");
}

static char *usage_of(const CliVerb *v) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        assert_non_null(f);
        cli_usage_line(v, f);
        fclose(f);
        return buf;
}

static void test_usage_lines(void **state) {
        static const char *const expect[][3] = {
                { "group", "create", "wolfpack group create G [--preferred N1,N2] [K=V ...]\n" },
                { "group", "move", "wolfpack group move G [--to NODE] [--no-wait] [--timeout DURATION]\n" },
                { "group", "set", "wolfpack group set G K=V ...\n" },
                { "resource", "create", "wolfpack resource create R --type T --group G [K=V ...]\n" },
                { "resource", "list", "wolfpack resource list [--group G] [--quiet]\n" },
                { "resource", "get", "wolfpack resource get R [K]\n" },
                { "resource", "depend", "wolfpack resource depend R --on EXPR\n" },
                { "resource", "fail", "wolfpack resource fail R [--no-wait] [--timeout DURATION]\n" },
                { "events", NULL, "wolfpack events [--follow]\n" },
                { "log", NULL, "wolfpack log [--since DURATION] [--node NODE] [--limit N] [--follow]\n" },
                { "status", NULL, "wolfpack status\n" },
                { "cluster", "init", "wolfpack cluster init NAME --node ID=NAME=ADDRESS ... [--this ID] [--authkey FILE] "
                                     "[--output DIR] [--token DURATION] [--witness HOST] [--qdevice HOST] [--certs DIR] [--tls DIR] "
                                     "[--force]\n" },
                { "cert", "create", "wolfpack cert create [--dir DIR] [--name NODE] [--host NAME|IP] ... [--days N] "
                                    "[--force]\n" },
                { "cert", "show", "wolfpack cert show [--dir DIR]\n" },
        };
        for (size_t i = 0; i < ELEMENTSOF(expect); i++) {
                char *u = usage_of(verb_of(expect[i][0], expect[i][1]));
                assert_string_equal(u, expect[i][2]);
                free(u);
        }
}

static void test_usage_noun_and_all(void **state) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        cli_usage_noun(cli_verbs, "node", f);
        fclose(f);
        assert_non_null(strstr(buf, "usage: wolfpack node list"));
        assert_non_null(strstr(buf, "\n       wolfpack node drain N [--no-wait]"));
        assert_null(strstr(buf, "group"));
        free(buf);

        buf = NULL;
        f = open_memstream(&buf, &size);
        cli_usage_all(cli_verbs, f);
        fclose(f);
        for (const CliVerb *v = cli_verbs; v->noun; v++)
                assert_non_null(strstr(buf, v->summary));
        assert_non_null(strstr(buf, "--socket PATH"));
        free(buf);
}

/* Every row of the table is well formed: unique, within the limits. */
static void test_table_sane(void **state) {
        for (const CliVerb *v = cli_verbs; v->noun; v++) {
                for (const CliVerb *w = v + 1; w->noun; w++)
                        assert_false(strcmp(v->noun, w->noun) == 0 &&
                                     ((!v->verb && !w->verb) || (v->verb && w->verb && strcmp(v->verb, w->verb) == 0)));
                assert_non_null(v->pos);
                size_t n_words = 0;
                for (const char *p = v->pos; *p; p++)
                        if (*p != ' ' && (p == v->pos || p[-1] == ' '))
                                n_words++;
                assert_true(n_words <= CLI_MAX_POSITIONAL);
        }
}

/* What the user typed is quoted with escapes in messages: control
 * characters cannot reach the terminal, and a message stays on one line. */
static void test_messages_escaped(void **state) {
        char err[256];
        int used, r;
        const char *noun;
        CliArgs a;

        char *a1[] = { "\x01\xff", NULL };
        assert_null(find(1, a1, &used, &noun, err, sizeof err, &r));
        assert_string_equal(err, "unknown command \"\\x01\\xff\" (wolfpack --help lists them)");
        char *a2[] = { "resource", "x\ny", NULL };
        assert_null(find(2, a2, &used, &noun, err, sizeof err, &r));
        assert_string_equal(err, "unknown command \"resource x\\ny\"");
        char *a3[] = { "--x\x1b[2J", NULL };
        assert_null(find(1, a3, &used, &noun, err, sizeof err, &r));
        assert_string_equal(err, "unknown option \"--x\\x1b[2J\"");
        char *a4[] = { "web", "\t", NULL };
        assert_int_equal(cli_args_parse(verb_of("group", "show"), 2, a4, &a, err, sizeof err), -EINVAL);
        assert_string_equal(err, "unexpected argument \"\\t\"");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_global_anywhere),
                cmocka_unit_test(test_global_keeps_verb_options),
                cmocka_unit_test(test_global_stops_at_dashdash),
                cmocka_unit_test(test_global_errors),
                cmocka_unit_test(test_find_every_documented_verb),
                cmocka_unit_test(test_find_defaults_and_plurals),
                cmocka_unit_test(test_find_did_you_mean),
                cmocka_unit_test(test_find_command_with_verbs),
                cmocka_unit_test(test_parse_create_group),
                cmocka_unit_test(test_parse_option_forms),
                cmocka_unit_test(test_parse_positional),
                cmocka_unit_test(test_parse_required),
                cmocka_unit_test(test_parse_repeated),
                cmocka_unit_test(test_parse_repeated_optional),
                cmocka_unit_test(test_usage_lines),
                cmocka_unit_test(test_usage_noun_and_all),
                cmocka_unit_test(test_table_sane),
                cmocka_unit_test(test_messages_escaped),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
