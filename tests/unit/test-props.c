/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Property tables: every type and its text form, ranges, overflow,
 * defaults, required and read-only properties, enums, check hooks, name
 * lookup, names and ids, JSON descriptions, copies. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "macro.h"
#include "props.h"
#include "strv.h"

#define MSEC WP_USEC_PER_MSEC
#define SEC WP_USEC_PER_SEC
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)
#define KB ((uint64_t) 1024)
#define MB (KB * KB)
#define GB (MB * KB)
#define TB (GB * KB)

typedef struct params {
        char *user;
        char **command_line;
        char **environment;
        int64_t priority;
        int64_t any_int;
        int64_t at_least;
        int64_t even;
        bool restart;
        int stop_signal;
        int mode;
        uint64_t memory;
        uint64_t any_size;
        wp_usec_t stop_timeout;
        wp_usec_t poll;
        int64_t process_id;
} params;

static int check_environment(const void *member, char *err, size_t errlen) {
        char *const *l = *(char **const *) member;
        for (size_t i = 0; l && l[i]; i++)
                if (!strchr(l[i], '=') || l[i][0] == '=') {
                        snprintf(err, errlen, "\"%s\" is not KEY=VALUE", l[i]);
                        return -EINVAL;
                }
        return 0;
}

static int check_even(const void *member, char *err, size_t errlen) {
        /* No message on purpose: the table must make one up. */
        return *(const int64_t *) member % 2 == 0 ? 0 : -EDOM;
}

static const char *const signal_names[] = { "TERM", "INT", "HUP", "QUIT", "KILL", "USR1", "USR2", NULL };
static const int signal_values[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGKILL, SIGUSR1, SIGUSR2 };
static const char *const mode_names[] = { "simple", "forking", "oneshot", NULL };

static const wp_prop table[] = {
        { .name = "User", .type = WP_PROP_STRING, .offset = offsetof(params, user),
          .description = "Run as this user" },
        { .name = "CommandLine", .type = WP_PROP_ARGV, .flags = WP_PROP_REQUIRED,
          .offset = offsetof(params, command_line), .description = "What to run" },
        { .name = "Environment", .type = WP_PROP_LIST, .flags = WP_PROP_LIVE,
          .offset = offsetof(params, environment), .check = check_environment },
        { .name = "Priority", .type = WP_PROP_INT, .offset = offsetof(params, priority),
          .default_value = "0", .min = -20, .max = 19 },
        { .name = "AnyInt", .type = WP_PROP_INT, .offset = offsetof(params, any_int) },
        { .name = "AtLeast", .type = WP_PROP_INT, .offset = offsetof(params, at_least),
          .default_value = "1", .min = 1, .max = 0 },
        { .name = "Even", .type = WP_PROP_INT, .offset = offsetof(params, even), .check = check_even },
        { .name = "Restart", .type = WP_PROP_BOOL, .flags = WP_PROP_LIVE, .offset = offsetof(params, restart),
          .default_value = "yes" },
        { .name = "StopSignal", .type = WP_PROP_ENUM, .offset = offsetof(params, stop_signal),
          .default_value = "TERM", .enum_names = signal_names, .enum_values = signal_values },
        { .name = "Mode", .type = WP_PROP_ENUM, .offset = offsetof(params, mode), .enum_names = mode_names },
        { .name = "Memory", .type = WP_PROP_SIZE, .flags = WP_PROP_LIVE, .offset = offsetof(params, memory),
          .min = (int64_t) MB, .max = (int64_t) TB },
        { .name = "AnySize", .type = WP_PROP_SIZE, .offset = offsetof(params, any_size) },
        { .name = "StopTimeout", .type = WP_PROP_DURATION, .offset = offsetof(params, stop_timeout),
          .default_value = "10s" },
        { .name = "LooksAlivePollInterval", .type = WP_PROP_DURATION, .flags = WP_PROP_LIVE,
          .offset = offsetof(params, poll), .default_value = "5s", .min = (int64_t) (10 * MSEC),
          .max = (int64_t) HOUR },
        { .name = "ProcessId", .type = WP_PROP_INT, .flags = WP_PROP_READONLY,
          .offset = offsetof(params, process_id), .description = "Main process" },
        {},
};

static params *params_new(void) {
        params *p = calloc(1, sizeof(params));
        assert_non_null(p);
        char err[256] = "";
        int r = props_init(table, p, err, sizeof err);
        if (r != 0)
                fail_msg("props_init: %d %s", r, err);
        return p;
}

static void params_free(params *p) {
        props_free(table, p);
        free(p);
}

/* props_set must succeed. */
static void set_ok(params *p, const char *name, const char *text) {
        char err[512] = "";
        int r = props_set(table, p, name, text, err, sizeof err);
        if (r != 0)
                fail_msg("props_set(%s, \"%s\") = %d: %s", name, text, r, err);
}

/* props_set must fail with this errno and exactly this message, and leave
 * params as they were. */
static void set_fails(params *p, const char *name, const char *text, int want_r, const char *want) {
        char err[512] = "";
        params before = *p;
        int r = props_set(table, p, name, text, err, sizeof err);
        if (r != want_r)
                fail_msg("props_set(%s, \"%s\") = %d (%s), want %d", name, text, r, err, want_r);
        if (strcmp(err, want) != 0)
                fail_msg("props_set(%s, \"%s\") message\n  got:  %s\n  want: %s", name, text, err, want);
        assert_memory_equal(&before, p, sizeof before);
}

/* ------------------------------------------------------------------------ */

static void test_type_names(void **state) {
        assert_string_equal(prop_type_name(WP_PROP_STRING), "string");
        assert_string_equal(prop_type_name(WP_PROP_ARGV), "argv");
        assert_string_equal(prop_type_name(WP_PROP_LIST), "list");
        assert_string_equal(prop_type_name(WP_PROP_INT), "int");
        assert_string_equal(prop_type_name(WP_PROP_BOOL), "bool");
        assert_string_equal(prop_type_name(WP_PROP_ENUM), "enum");
        assert_string_equal(prop_type_name(WP_PROP_SIZE), "size");
        assert_string_equal(prop_type_name(WP_PROP_DURATION), "duration");
        assert_null(prop_type_name(_WP_PROP_TYPE_MAX));
        assert_null(prop_type_name((wp_prop_type) -1));
}

static void test_find(void **state) {
        const wp_prop *p = props_find(table, "StopTimeout");
        assert_non_null(p);
        assert_string_equal(p->name, "StopTimeout");
        assert_ptr_equal(props_find(table, "stoptimeout"), p);
        assert_ptr_equal(props_find(table, "STOPTIMEOUT"), p);
        assert_ptr_equal(props_find(table, "sToPtImEoUt"), p);
        assert_null(props_find(table, "StopTimeou"));
        assert_null(props_find(table, "StopTimeoutX"));
        assert_null(props_find(table, ""));
        assert_null(props_find(table, NULL));
        assert_null(props_find(NULL, "User"));
}

/* ------------------------------------------------------------------------ */

static void test_parse_size(void **state) {
        static const struct {
                const char *s;
                uint64_t v;
        } ok[] = {
                { "0", 0 },
                { "4096", 4096 },
                { "512M", 512 * MB },
                { "1G", GB },
                { "1T", TB },
                { "1k", KB },
                { "1K", KB },
                { "1KB", KB },
                { "1kb", KB },
                { "1KiB", KB },
                { "1kib", KB },
                { "3mib", 3 * MB },
                { "2gB", 2 * GB },
                { "1tib", TB },
                { "2 M", 2 * MB },
                { "  3G  ", 3 * GB },
                { "1B", 1 },
                { "100b", 100 },
                { "1.5K", 1536 },
                { "0.5M", 512 * KB },
                { "1.25G", GB + GB / 4 },
                { "1.0", 1 },
                { "007", 7 },
                { "16777215T", 16777215 * TB },
                { "18446744073709551615", UINT64_MAX },
                { "18446744073709551615B", UINT64_MAX },
        };
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                uint64_t v = 12345;
                int r = parse_size(ok[i].s, &v);
                if (r != 0 || v != ok[i].v)
                        fail_msg("parse_size(\"%s\") = %d, %llu; want %llu", ok[i].s, r, (unsigned long long) v,
                                 (unsigned long long) ok[i].v);
        }

        static const char *const bad[] = {
                "", " ", "-1", "-0", "+1", "1X", "K", "B", "1iB", "1.5", "1.5B", "1 K B", "1KK", "0x10", "1e3",
                "1P", "1E", "1 2", "1,5K", "1..5K", ".", "1K 1K", "1 KiB B", "abc",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                uint64_t v = 12345;
                int r = parse_size(bad[i], &v);
                if (r != -EINVAL || v != 12345)
                        fail_msg("parse_size(\"%s\") = %d, want -EINVAL and no value", bad[i], r);
        }
        uint64_t v;

        static const char *const big[] = {
                "18446744073709551616", "16777216T", "99999999999999999999999", "17179869184G",
        };
        for (size_t i = 0; i < ELEMENTSOF(big); i++) {
                uint64_t x = 12345;
                int r = parse_size(big[i], &x);
                if (r != -ERANGE || x != 12345)
                        fail_msg("parse_size(\"%s\") = %d, want -ERANGE", big[i], r);
        }
        assert_int_equal(parse_size(NULL, &v), -EINVAL);
}

static void test_parse_duration(void **state) {
        static const struct {
                const char *s;
                wp_usec_t v;
        } ok[] = {
                { "30s", 30 * SEC },
                { "500ms", 500 * MSEC },
                { "2min", 2 * MIN },
                { "1h", HOUR },
                { "1h30m", HOUR + 30 * MIN },
                { "1min 30s", 90 * SEC },
                { "250us", 250 },
                { "1.5s", 1500 * MSEC },
                { "0", 0 },
                { "0s", 0 },
                { "10", 10 * SEC },
                { " 10 ", 10 * SEC },
                { "2.5", 2500 * MSEC },
                { "1d", DAY },
                { "1 h", HOUR },
                { "1H", HOUR },
                { "2MIN", 2 * MIN },
                { "30S", 30 * SEC },
                { "3sec", 3 * SEC },
                { "1.5h", 90 * MIN },
                { "0.5ms", 500 },
                { "1s500ms", 1500 * MSEC },
                { "90 seconds", 90 * SEC },
                { "1 second", SEC },
                { "2 minutes", 2 * MIN },
                { "3 hours", 3 * HOUR },
                { "2 days", 2 * DAY },
                { "5usec 5msec", 5 * MSEC + 5 },
                { "1d 2h 3min 4s 5ms 6us", DAY + 2 * HOUR + 3 * MIN + 4 * SEC + 5 * MSEC + 6 },
                { "1s 1s", 2 * SEC },
                { "0.0000001s", 0 },
                /* The longest: 3650 days. */
                { "3650d", 3650 * DAY },
                { "3649d 23h 59min 59s 999ms 999us", 3650 * DAY - 1 },
                { "87600h", 3650 * DAY },
                { "315360000000000us", 3650 * DAY },
        };
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                wp_usec_t v = 12345;
                int r = parse_duration(ok[i].s, &v);
                if (r != 0 || v != ok[i].v)
                        fail_msg("parse_duration(\"%s\") = %d, %llu; want %llu", ok[i].s, r,
                                 (unsigned long long) v, (unsigned long long) ok[i].v);
        }

        static const char *const bad[] = {
                "",   " ",    "10x", "1h 30", "30 1h", "-1s", "-1", "+1s", "s",   "1.5.5s", "h1",
                "1 2s", "1mins", "1y", "1w", "1 s s", "1,5s", ".s", "1h,30m", "30s;", "1e3s", "0x10",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                wp_usec_t v = 12345;
                int r = parse_duration(bad[i], &v);
                if (r != -EINVAL || v != 12345)
                        fail_msg("parse_duration(\"%s\") = %d, want -EINVAL", bad[i], r);
        }

        static const char *const big[] = {
                "18446744073709551616us", "213503983d", "213503982d 10h", "99999999999999999999999999s",
                "18446744073709551615us 1us", "5124095577h",
                /* Past the longest (3650 days), and far from wrapping: now
                 * plus any of these would still overflow a timer, or a
                 * duration in nanoseconds. */
                "3650d 1us", "3651d", "315360000000001us", "18446744073709551615us", "213503982d",
                "18446744073709s", "99999999999999h", "5124095576h",
        };
        for (size_t i = 0; i < ELEMENTSOF(big); i++) {
                wp_usec_t v = 12345;
                int r = parse_duration(big[i], &v);
                if (r != -ERANGE || v != 12345)
                        fail_msg("parse_duration(\"%s\") = %d, want -ERANGE", big[i], r);
        }
        wp_usec_t v;
        assert_int_equal(parse_duration(NULL, &v), -EINVAL);
        /* A syntax error wins over an overflow: the message then says what
         * is wrong with the text, not that it is too long. */
        assert_int_equal(parse_duration("99999999999999999999999999x", &v), -EINVAL);
        assert_int_equal(DURATION_MAX_USEC, 3650 * DAY);
        assert_string_equal(parse_duration_error(-EINVAL),
                            "is not a duration; use a number with a unit such as 500ms, 30s, 2min, 1h");
        assert_string_equal(parse_duration_error(-ERANGE), "is too long; durations go up to 3650d (10 years)");
}

static void test_parse_bool(void **state) {
        static const struct {
                const char *s;
                bool v;
        } ok[] = {
                { "1", true },   { "yes", true },  { "true", true },   { "on", true },  { "YES", true },
                { "True", true }, { "On", true },  { " yes ", true },  { "0", false },  { "no", false },
                { "false", false }, { "off", false }, { "NO", false }, { "FALSE", false }, { "Off", false },
        };
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                bool v = !ok[i].v;
                assert_int_equal(parse_bool(ok[i].s, &v), 0);
                assert_int_equal(v, ok[i].v);
        }
        static const char *const bad[] = { "", " ", "maybe", "2", "y", "n", "yess", "of", "onn", "t", "-1", "01" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                bool v = true;
                if (parse_bool(bad[i], &v) != -EINVAL)
                        fail_msg("parse_bool(\"%s\") accepted", bad[i]);
                assert_true(v);
        }
        bool b;
        assert_int_equal(parse_bool(NULL, &b), -EINVAL);
}

static void test_parse_int64(void **state) {
        static const struct {
                const char *s;
                int64_t v;
        } ok[] = {
                { "0", 0 },
                { "42", 42 },
                { "-7", -7 },
                { "+7", 7 },
                { "007", 7 },
                { "-0", 0 },
                { " 12 ", 12 },
                { "9223372036854775807", INT64_MAX },
                { "-9223372036854775808", INT64_MIN },
                { "-9223372036854775807", -INT64_MAX },
                { "000000000000000000000000001", 1 },
        };
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                int64_t v = 12345;
                int r = parse_int64(ok[i].s, &v);
                if (r != 0 || v != ok[i].v)
                        fail_msg("parse_int64(\"%s\") = %d, %lld", ok[i].s, r, (long long) v);
        }
        static const char *const bad[] = { "", " ", "-", "+", "1.0", "0x10", "1e3", "12a", "1 2", "--1", "+-1", "1-" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int64_t v = 12345;
                if (parse_int64(bad[i], &v) != -EINVAL || v != 12345)
                        fail_msg("parse_int64(\"%s\") accepted", bad[i]);
        }
        static const char *const big[] = { "9223372036854775808", "-9223372036854775809",
                                           "99999999999999999999999", "-99999999999999999999999" };
        for (size_t i = 0; i < ELEMENTSOF(big); i++) {
                int64_t v = 12345;
                if (parse_int64(big[i], &v) != -ERANGE || v != 12345)
                        fail_msg("parse_int64(\"%s\") not -ERANGE", big[i]);
        }
        int64_t v;
        assert_int_equal(parse_int64(NULL, &v), -EINVAL);
}

/* ------------------------------------------------------------------------ */

static void assert_size_text(uint64_t v, const char *want) {
        char *s = NULL;
        assert_int_equal(format_size(v, &s), 0);
        assert_string_equal(s, want);
        free(s);
}

static void assert_duration_text(wp_usec_t v, const char *want) {
        char *s = NULL;
        assert_int_equal(format_duration(v, &s), 0);
        assert_string_equal(s, want);
        free(s);
}

static void test_format(void **state) {
        assert_size_text(0, "0");
        assert_size_text(1, "1");
        assert_size_text(1023, "1023");
        assert_size_text(1024, "1K");
        assert_size_text(1536, "1536");
        assert_size_text(3 * KB, "3K");
        assert_size_text(512 * MB, "512M");
        assert_size_text(1536 * MB, "1536M");
        assert_size_text(GB, "1G");
        assert_size_text(TB, "1T");
        assert_size_text(2048 * TB, "2048T");
        assert_size_text(UINT64_MAX, "18446744073709551615");

        assert_duration_text(0, "0s");
        assert_duration_text(1, "1us");
        assert_duration_text(250, "250us");
        assert_duration_text(500 * MSEC, "500ms");
        assert_duration_text(30 * SEC, "30s");
        assert_duration_text(90 * SEC, "1min 30s");
        assert_duration_text(1500 * MSEC, "1s 500ms");
        assert_duration_text(HOUR, "1h");
        assert_duration_text(HOUR + 30 * MIN, "1h 30min");
        assert_duration_text(DAY + 1, "1d 1us");
        assert_duration_text(UINT64_MAX, "213503982d 8h 1min 49s 551ms 615us");
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return rng;
}

/* A value of any magnitude, often a round number of some unit. */
static uint64_t random_value(const uint64_t *units, size_t n_units) {
        uint64_t x = next_rand();
        unsigned bits = (unsigned) (next_rand() % 65);
        uint64_t v = bits == 64 ? x : x & ((UINT64_C(1) << bits) - 1);
        if (next_rand() % 2) {
                uint64_t u = units[next_rand() % n_units];
                v = (v / u) * u;
        }
        return v;
}

static void test_size_round_trip(void **state) {
        static const uint64_t fixed[] = { 0, 1, 1023, 1024, 1025, 1536, MB, MB - 1, 512 * MB, GB, TB, 5 * TB,
                                          TB - 1, UINT64_MAX, UINT64_MAX - 1, UINT64_MAX - TB + 1,
                                          16777215 * TB };
        static const uint64_t units[] = { 1, KB, MB, GB, TB };
        for (size_t i = 0; i < ELEMENTSOF(fixed) + 20000; i++) {
                uint64_t v = i < ELEMENTSOF(fixed) ? fixed[i] : random_value(units, ELEMENTSOF(units));
                char *s = NULL;
                assert_int_equal(format_size(v, &s), 0);
                uint64_t back = 0;
                int r = parse_size(s, &back);
                if (r != 0 || back != v)
                        fail_msg("size %llu -> \"%s\" -> %d %llu", (unsigned long long) v, s, r,
                                 (unsigned long long) back);
                free(s);
        }
}

static void test_duration_round_trip(void **state) {
        static const wp_usec_t fixed[] = { 0, 1, 999, MSEC, SEC, SEC - 1, 90 * SEC, HOUR, DAY, DAY - 1,
                                           3650 * DAY, 3650 * DAY - 1, 3649 * DAY + 1 };
        static const uint64_t units[] = { 1, MSEC, SEC, MIN, HOUR, DAY };
        for (size_t i = 0; i < ELEMENTSOF(fixed) + 20000; i++) {
                wp_usec_t v = i < ELEMENTSOF(fixed) ? fixed[i] : random_value(units, ELEMENTSOF(units));
                if (v > DURATION_MAX_USEC)
                        v %= DURATION_MAX_USEC + 1;
                char *s = NULL;
                assert_int_equal(format_duration(v, &s), 0);
                wp_usec_t back = 0;
                int r = parse_duration(s, &back);
                if (r != 0 || back != v)
                        fail_msg("duration %llu -> \"%s\" -> %d %llu", (unsigned long long) v, s, r,
                                 (unsigned long long) back);
                free(s);
        }
}

/* ------------------------------------------------------------------------ */

static void test_init_defaults(void **state) {
        params *p = params_new();
        assert_null(p->user);
        assert_null(p->command_line);
        assert_null(p->environment);
        assert_int_equal(p->priority, 0);
        assert_int_equal(p->any_int, 0);
        assert_int_equal(p->at_least, 1);
        assert_true(p->restart);
        assert_int_equal(p->stop_signal, SIGTERM);
        assert_int_equal(p->mode, 0);
        assert_int_equal(p->memory, 0);
        assert_int_equal(p->stop_timeout, 10 * SEC);
        assert_int_equal(p->poll, 5 * SEC);
        assert_int_equal(p->process_id, 0);
        params_free(p);

        /* Members without a default are zeroed even when the caller did
         * not zero them. */
        params *q = malloc(sizeof(params));
        assert_non_null(q);
        memset(q, 0xAB, sizeof *q);
        assert_int_equal(props_init(table, q, NULL, 0), 0);
        assert_null(q->user);
        assert_null(q->command_line);
        assert_int_equal(q->any_int, 0);
        assert_int_equal(q->memory, 0);
        assert_int_equal(q->stop_timeout, 10 * SEC);
        params_free(q);
}

typedef struct small {
        char *name;
        wp_usec_t timeout;
        char **argv;
} small;

static void test_init_bad_default(void **state) {
        static const wp_prop bad[] = {
                { .name = "Name", .type = WP_PROP_STRING, .offset = offsetof(small, name), .default_value = "x" },
                { .name = "Argv", .type = WP_PROP_ARGV, .offset = offsetof(small, argv), .default_value = "a b" },
                { .name = "Timeout", .type = WP_PROP_DURATION, .offset = offsetof(small, timeout),
                  .default_value = "10x" },
                {},
        };
        small s = {};
        char err[256] = "";
        assert_int_equal(props_init(bad, &s, err, sizeof err), -EINVAL);
        assert_string_equal(err, "Timeout: default \"10x\" is not a duration; use a number with a unit such as "
                                 "500ms, 30s, 2min, 1h");
        /* What was filled before the failure is freed again. */
        assert_null(s.name);
        assert_null(s.argv);

        static const wp_prop bad_type[] = {
                { .name = "Odd", .type = _WP_PROP_TYPE_MAX, .offset = 0 },
                {},
        };
        assert_int_equal(props_init(bad_type, &s, err, sizeof err), -EINVAL);
        assert_string_equal(err, "Odd: unknown property type 8");

        static const wp_prop misaligned[] = {
                { .name = "Timeout", .type = WP_PROP_DURATION, .offset = 3 },
                {},
        };
        assert_int_equal(props_init(misaligned, &s, err, sizeof err), -EINVAL);
        assert_string_equal(err, "Timeout: member offset 3 is not aligned for a duration");
        assert_int_equal(props_set(misaligned, &s, "Timeout", "1s", err, sizeof err), -EINVAL);
        assert_int_equal(props_copy(misaligned, &s, &s, sizeof s), -EINVAL);
}

static void test_set_each_type(void **state) {
        params *p = params_new();

        set_ok(p, "User", "nobody");
        assert_string_equal(p->user, "nobody");
        set_ok(p, "User", "");
        assert_string_equal(p->user, "");
        set_ok(p, "User", "  spaced  ");
        assert_string_equal(p->user, "  spaced  ");

        set_ok(p, "CommandLine", "/bin/echo 'hello world' \"a\\\"b\"");
        assert_int_equal(strv_length(p->command_line), 3);
        assert_string_equal(p->command_line[0], "/bin/echo");
        assert_string_equal(p->command_line[1], "hello world");
        assert_string_equal(p->command_line[2], "a\"b");

        set_ok(p, "Environment", "A=1 B='two words'");
        assert_int_equal(strv_length(p->environment), 2);
        assert_string_equal(p->environment[1], "B=two words");
        set_ok(p, "Environment", "");
        assert_non_null(p->environment);
        assert_int_equal(strv_length(p->environment), 0);

        set_ok(p, "Priority", "-20");
        assert_int_equal(p->priority, -20);
        set_ok(p, "Priority", "19");
        assert_int_equal(p->priority, 19);
        set_ok(p, "AnyInt", "-9223372036854775808");
        assert_true(p->any_int == INT64_MIN);
        set_ok(p, "AnyInt", "9223372036854775807");
        assert_true(p->any_int == INT64_MAX);
        set_ok(p, "AtLeast", "9223372036854775807");
        assert_true(p->at_least == INT64_MAX);

        set_ok(p, "Restart", "off");
        assert_false(p->restart);
        set_ok(p, "Restart", "TRUE");
        assert_true(p->restart);

        set_ok(p, "StopSignal", "kill");
        assert_int_equal(p->stop_signal, SIGKILL);
        set_ok(p, "StopSignal", " Usr1 ");
        assert_int_equal(p->stop_signal, SIGUSR1);
        /* Without enum_values the member is the index. */
        set_ok(p, "Mode", "ONESHOT");
        assert_int_equal(p->mode, 2);

        set_ok(p, "Memory", "512M");
        assert_int_equal(p->memory, 512 * MB);
        set_ok(p, "Memory", "1M");
        assert_int_equal(p->memory, MB);
        set_ok(p, "Memory", "1T");
        assert_int_equal(p->memory, TB);
        set_ok(p, "AnySize", "18446744073709551615");
        assert_true(p->any_size == UINT64_MAX);

        set_ok(p, "StopTimeout", "1min 30s");
        assert_int_equal(p->stop_timeout, 90 * SEC);
        set_ok(p, "StopTimeout", "0");
        assert_int_equal(p->stop_timeout, 0);
        set_ok(p, "LooksAlivePollInterval", "10ms");
        assert_int_equal(p->poll, 10 * MSEC);
        set_ok(p, "LooksAlivePollInterval", "1h");
        assert_int_equal(p->poll, HOUR);

        params_free(p);
}

static void test_set_case_insensitive(void **state) {
        params *p = params_new();
        set_ok(p, "stoptimeout", "3s");
        assert_int_equal(p->stop_timeout, 3 * SEC);
        set_ok(p, "COMMANDLINE", "x");
        assert_string_equal(p->command_line[0], "x");
        params_free(p);
}

static void test_set_messages(void **state) {
        params *p = params_new();
        set_ok(p, "StopTimeout", "20s");
        set_ok(p, "CommandLine", "/bin/true");
        set_ok(p, "User", "kept");

        set_fails(p, "StopTimeout", "10x", -EINVAL,
                  "StopTimeout: \"10x\" is not a duration; use a number with a unit such as 500ms, 30s, 2min, 1h");
        set_fails(p, "StopTimeout", "1h 30", -EINVAL,
                  "StopTimeout: \"1h 30\" is not a duration; use a number with a unit such as 500ms, 30s, 2min, 1h");
        set_fails(p, "StopTimeout", "213503983d", -ERANGE,
                  "StopTimeout: \"213503983d\" is too long; durations go up to 3650d (10 years)");
        set_fails(p, "StopTimeout", "18446744073709s", -ERANGE,
                  "StopTimeout: \"18446744073709s\" is too long; durations go up to 3650d (10 years)");
        set_ok(p, "StopTimeout", "3650d");
        set_ok(p, "StopTimeout", "20s");
        set_fails(p, "LooksAlivePollInterval", "0", -ERANGE,
                  "LooksAlivePollInterval: \"0\" is out of range; allowed 10ms to 1h");
        set_fails(p, "LooksAlivePollInterval", "1h 1us", -ERANGE,
                  "LooksAlivePollInterval: \"1h 1us\" is out of range; allowed 10ms to 1h");
        set_fails(p, "StopSignal", "FOO", -EINVAL,
                  "StopSignal: \"FOO\" is not one of TERM, INT, HUP, QUIT, KILL, USR1, USR2");
        set_fails(p, "StopSignal", "", -EINVAL,
                  "StopSignal: \"\" is not one of TERM, INT, HUP, QUIT, KILL, USR1, USR2");
        set_fails(p, "ProcessId", "1", -EPERM, "ProcessId is read-only");
        set_fails(p, "processid", "1", -EPERM, "ProcessId is read-only");
        set_fails(p, "Bogus", "1", -ENOENT, "no such property \"Bogus\"");
        set_fails(p, "StopTimout", "1s", -ENOENT, "no such property \"StopTimout\"; did you mean \"StopTimeout\"?");
        set_fails(p, "stoptimout", "1s", -ENOENT, "no such property \"stoptimout\"; did you mean \"StopTimeout\"?");
        set_fails(p, "Priorty", "1", -ENOENT, "no such property \"Priorty\"; did you mean \"Priority\"?");
        set_fails(p, "CommandLin", "x", -ENOENT, "no such property \"CommandLin\"; did you mean \"CommandLine\"?");
        set_fails(p, "Usr", "x", -ENOENT, "no such property \"Usr\"; did you mean \"User\"?");
        /* Read-only properties are never suggested: they cannot be set. */
        set_fails(p, "ProcesId", "1", -ENOENT, "no such property \"ProcesId\"");
        /* Too far from anything. */
        set_fails(p, "Timeout", "1", -ENOENT, "no such property \"Timeout\"");
        set_fails(p, "X", "1", -ENOENT, "no such property \"X\"");

        set_fails(p, "Priority", "20", -ERANGE, "Priority: \"20\" is out of range; allowed -20 to 19");
        set_fails(p, "Priority", "-21", -ERANGE, "Priority: \"-21\" is out of range; allowed -20 to 19");
        set_fails(p, "Priority", "99999999999999999999", -ERANGE,
                  "Priority: \"99999999999999999999\" is out of range; allowed -20 to 19");
        set_fails(p, "Priority", "abc", -EINVAL, "Priority: \"abc\" is not an integer; allowed -20 to 19");
        set_fails(p, "AnyInt", "1.5", -EINVAL,
                  "AnyInt: \"1.5\" is not an integer; use a whole number such as 42 or -7");
        set_fails(p, "AnyInt", "9223372036854775808", -ERANGE,
                  "AnyInt: \"9223372036854775808\" is out of range; allowed -9223372036854775808 to "
                  "9223372036854775807");
        set_fails(p, "AtLeast", "0", -ERANGE, "AtLeast: \"0\" is out of range; allowed 1 or more");

        set_fails(p, "Restart", "maybe", -EINVAL,
                  "Restart: \"maybe\" is not a boolean; use yes or no (or true/false, on/off, 1/0)");

        set_fails(p, "Memory", "12X", -EINVAL,
                  "Memory: \"12X\" is not a size; use a number of bytes with an optional K, M, G or T suffix "
                  "(powers of 1024), such as 4096, 512M, 1G");
        set_fails(p, "Memory", "-1", -EINVAL,
                  "Memory: \"-1\" is not a size; use a number of bytes with an optional K, M, G or T suffix "
                  "(powers of 1024), such as 4096, 512M, 1G");
        set_fails(p, "Memory", "1K", -ERANGE, "Memory: \"1K\" is out of range; allowed 1M to 1T");
        set_fails(p, "Memory", "1025G", -ERANGE, "Memory: \"1025G\" is out of range; allowed 1M to 1T");
        set_fails(p, "AnySize", "16777216T", -ERANGE,
                  "AnySize: \"16777216T\" is too large; sizes go up to 18446744073709551615 bytes (16 EiB)");

        set_fails(p, "CommandLine", "echo 'hi", -EINVAL,
                  "CommandLine: \"echo 'hi\": unterminated single quote at column 6");
        set_fails(p, "CommandLine", "echo \\", -EINVAL,
                  "CommandLine: \"echo \\\\\": trailing backslash at column 6; write \\\\ for a backslash");

        /* Values are quoted with escapes, and cut when long. */
        set_fails(p, "StopTimeout", "a\"b\nc\x01", -EINVAL,
                  "StopTimeout: \"a\\\"b\\nc\\x01\" is not a duration; use a number with a unit such as 500ms, "
                  "30s, 2min, 1h");
        char long_value[200];
        memset(long_value, 'z', sizeof long_value - 1);
        long_value[sizeof long_value - 1] = 0;
        char want[512];
        snprintf(want, sizeof want,
                 "AnyInt: \"%.64s\"... is not an integer; use a whole number such as 42 or -7", long_value);
        set_fails(p, "AnyInt", long_value, -EINVAL, want);
        /* Cut on a character boundary: 63 ASCII, then "é" (2 bytes)
         * straddles the limit and is kept whole. */
        char utf[200];
        memset(utf, 'y', 63);
        strcpy(utf + 63, "éééé");
        snprintf(want, sizeof want, "AnyInt: \"%.63sé\"... is not an integer; use a whole number such as 42 or -7",
                 utf);
        set_fails(p, "AnyInt", utf, -EINVAL, want);

        /* Everything refused left the values alone. */
        assert_int_equal(p->stop_timeout, 20 * SEC);
        assert_string_equal(p->command_line[0], "/bin/true");
        assert_string_equal(p->user, "kept");
        params_free(p);
}

static void test_set_bad_arguments(void **state) {
        params *p = params_new();
        char err[128] = "";
        assert_int_equal(props_set(table, p, NULL, "x", err, sizeof err), -EINVAL);
        assert_int_equal(props_set(NULL, p, "User", "x", err, sizeof err), -EINVAL);
        assert_int_equal(props_set(table, NULL, "User", "x", err, sizeof err), -EINVAL);
        /* No message buffer at all is fine. */
        assert_int_equal(props_set(table, p, "StopTimeout", "bad", NULL, 0), -EINVAL);
        assert_int_equal(props_set(table, p, "Bogus", "bad", NULL, 0), -ENOENT);
        /* A short buffer is cut, never overrun. */
        char tiny[16];
        memset(tiny, 'X', sizeof tiny);
        assert_int_equal(props_set(table, p, "StopTimeout", "bad", tiny, 8), -EINVAL);
        assert_string_equal(tiny, "StopTim");
        assert_int_equal(tiny[8], 'X');
        params_free(p);
}

static void test_set_null_resets(void **state) {
        params *p = params_new();
        set_ok(p, "StopTimeout", "1s");
        set_ok(p, "StopTimeout", NULL);
        assert_int_equal(p->stop_timeout, 10 * SEC);
        set_ok(p, "User", "someone");
        set_ok(p, "User", NULL);
        assert_null(p->user);
        set_ok(p, "CommandLine", "a b");
        set_ok(p, "CommandLine", NULL);
        assert_null(p->command_line);
        set_ok(p, "StopSignal", "KILL");
        set_ok(p, "StopSignal", NULL);
        assert_int_equal(p->stop_signal, SIGTERM);
        set_ok(p, "AnyInt", "5");
        set_ok(p, "AnyInt", NULL);
        assert_int_equal(p->any_int, 0);
        params_free(p);
}

static void test_check_hooks(void **state) {
        params *p = params_new();
        set_ok(p, "Environment", "A=1 B=2");
        set_fails(p, "Environment", "A=1 FOO", -EINVAL, "Environment: \"FOO\" is not KEY=VALUE");
        set_fails(p, "Environment", "=x", -EINVAL, "Environment: \"=x\" is not KEY=VALUE");
        assert_string_equal(p->environment[1], "B=2");

        /* The hook sees an int64_t for an INT, and its errno comes back;
         * with no message of its own one is made up. */
        set_ok(p, "Even", "4");
        assert_int_equal(p->even, 4);
        set_fails(p, "Even", "5", -EDOM, "Even: \"5\" is refused (Numerical argument out of domain)");
        assert_int_equal(p->even, 4);

        /* Hooks run on defaults too. */
        static const wp_prop odd_default[] = {
                { .name = "Even", .type = WP_PROP_INT, .offset = 0, .default_value = "3", .check = check_even },
                {},
        };
        int64_t v = 0;
        char err[128];
        assert_int_equal(props_init(odd_default, &v, err, sizeof err), -EDOM);
        assert_string_equal(err, "Even: default \"3\" is refused (Numerical argument out of domain)");
        params_free(p);
}

static void test_required(void **state) {
        params *p = params_new();
        char err[256] = "";
        assert_int_equal(props_check_required(table, p, err, sizeof err), -EINVAL);
        assert_string_equal(err, "CommandLine is required");
        /* An empty command line is no command line. */
        set_ok(p, "CommandLine", "  ");
        assert_int_equal(props_check_required(table, p, err, sizeof err), -EINVAL);
        assert_string_equal(err, "CommandLine is required");
        set_ok(p, "CommandLine", "/bin/true");
        assert_int_equal(props_check_required(table, p, err, sizeof err), 0);
        params_free(p);

        typedef struct many {
                char *a;
                char **b;
                char **c;
                int64_t d;
                uint64_t e;
        } many;
        static const wp_prop several[] = {
                { .name = "Alpha", .type = WP_PROP_STRING, .flags = WP_PROP_REQUIRED, .offset = offsetof(many, a) },
                { .name = "Beta", .type = WP_PROP_ARGV, .flags = WP_PROP_REQUIRED, .offset = offsetof(many, b) },
                { .name = "Gamma", .type = WP_PROP_LIST, .offset = offsetof(many, c) },
                { .name = "Delta", .type = WP_PROP_INT, .flags = WP_PROP_REQUIRED, .offset = offsetof(many, d) },
                { .name = "Epsilon", .type = WP_PROP_SIZE, .flags = WP_PROP_REQUIRED, .offset = offsetof(many, e) },
                {},
        };
        many m = {};
        assert_int_equal(props_check_required(several, &m, err, sizeof err), -EINVAL);
        assert_string_equal(err, "Alpha, Beta, Delta and Epsilon are required");
        assert_int_equal(props_set(several, &m, "Alpha", "", err, sizeof err), 0);
        assert_int_equal(props_set(several, &m, "Delta", "7", err, sizeof err), 0);
        assert_int_equal(props_check_required(several, &m, err, sizeof err), -EINVAL);
        assert_string_equal(err, "Alpha, Beta and Epsilon are required");
        assert_int_equal(props_set(several, &m, "Alpha", "x", err, sizeof err), 0);
        assert_int_equal(props_set(several, &m, "Epsilon", "1K", err, sizeof err), 0);
        assert_int_equal(props_check_required(several, &m, err, sizeof err), -EINVAL);
        assert_string_equal(err, "Beta is required");
        assert_int_equal(props_set(several, &m, "Beta", "run", err, sizeof err), 0);
        assert_int_equal(props_check_required(several, &m, err, sizeof err), 0);
        props_free(several, &m);
        assert_null(m.a);
        assert_null(m.b);
}

static void test_format_round_trip(void **state) {
        params *p = params_new();
        set_ok(p, "User", "some user");
        set_ok(p, "CommandLine", "/bin/sh -c 'echo \"it'\\''s\"; exit 3' '' héllo");
        set_ok(p, "Environment", "A=1 'B=x y'");
        set_ok(p, "Priority", "-5");
        set_ok(p, "AnyInt", "-9223372036854775808");
        set_ok(p, "Restart", "no");
        set_ok(p, "StopSignal", "usr2");
        set_ok(p, "Mode", "forking");
        set_ok(p, "Memory", "1536K");
        set_ok(p, "AnySize", "1.5G");
        set_ok(p, "StopTimeout", "1.5s");
        set_ok(p, "LooksAlivePollInterval", "90s");

        params *q = params_new();
        for (const wp_prop *t = table; t->name; t++) {
                if (t->flags & WP_PROP_READONLY)
                        continue;
                char *text = NULL;
                assert_int_equal(props_format(t, p, &text), 0);
                set_ok(q, t->name, text);
                free(text);
        }
        assert_string_equal(q->user, "some user");
        assert_true(strv_equal(q->command_line, p->command_line));
        assert_true(strv_equal(q->environment, p->environment));
        assert_int_equal(q->priority, -5);
        assert_true(q->any_int == INT64_MIN);
        assert_false(q->restart);
        assert_int_equal(q->stop_signal, SIGUSR2);
        assert_int_equal(q->mode, 1);
        assert_int_equal(q->memory, 1536 * KB);
        assert_int_equal(q->any_size, GB + GB / 2);
        assert_int_equal(q->stop_timeout, 1500 * MSEC);
        assert_int_equal(q->poll, 90 * SEC);

        char *text = NULL;
        assert_int_equal(props_format(props_find(table, "Memory"), p, &text), 0);
        assert_string_equal(text, "1536K");
        free(text);
        assert_int_equal(props_format(props_find(table, "LooksAlivePollInterval"), p, &text), 0);
        assert_string_equal(text, "1min 30s");
        free(text);
        assert_int_equal(props_format(props_find(table, "Restart"), p, &text), 0);
        assert_string_equal(text, "no");
        free(text);

        /* Unset strings format as NULL; an enum value with no name is an
         * error. */
        set_ok(q, "User", NULL);
        text = (char *) "untouched";
        assert_int_equal(props_format(props_find(table, "User"), q, &text), 0);
        assert_null(text);
        q->stop_signal = 12345;
        text = (char *) "untouched";
        assert_int_equal(props_format(props_find(table, "StopSignal"), q, &text), -EINVAL);
        assert_string_equal(text, "untouched");

        params_free(p);
        params_free(q);
}

static void test_copy(void **state) {
        params *p = params_new();
        set_ok(p, "User", "alice");
        set_ok(p, "CommandLine", "/bin/echo hello 'big world'");
        set_ok(p, "Priority", "3");
        set_ok(p, "StopTimeout", "2min");
        p->process_id = 4242;

        params *c = malloc(sizeof(params));
        assert_non_null(c);
        assert_int_equal(props_copy(table, c, p, sizeof(params)), 0);
        assert_ptr_not_equal(c->user, p->user);
        assert_string_equal(c->user, "alice");
        assert_ptr_not_equal(c->command_line, p->command_line);
        assert_ptr_not_equal(c->command_line[0], p->command_line[0]);
        assert_true(strv_equal(c->command_line, p->command_line));
        assert_null(c->environment);
        assert_int_equal(c->priority, 3);
        assert_int_equal(c->stop_timeout, 2 * MIN);
        assert_int_equal(c->process_id, 4242);
        assert_int_equal(c->stop_signal, SIGTERM);

        /* Independent of the original. */
        set_ok(p, "User", "bob");
        set_ok(p, "CommandLine", "other");
        params_free(p);
        assert_string_equal(c->user, "alice");
        assert_string_equal(c->command_line[2], "big world");

        /* A size too small for the table is refused; dst is untouched. */
        params d;
        memset(&d, 0x5A, sizeof d);
        params before = d;
        assert_int_equal(props_copy(table, &d, c, offsetof(params, process_id)), -EINVAL);
        assert_memory_equal(&d, &before, sizeof d);

        params_free(c);
}

/* ------------------------------------------------------------------------ */

static json_t *describe_entry(json_t *a, const char *name) {
        size_t i;
        json_t *o;
        json_array_foreach(a, i, o) {
                if (strcmp(json_string_value(json_object_get(o, "name")), name) == 0)
                        return o;
        }
        fail_msg("no %s in the description", name);
        return NULL;
}

static void assert_json_text(json_t *o, const char *key, const char *want) {
        json_t *v = json_object_get(o, key);
        if (!want) {
                if (!json_is_null(v))
                        fail_msg("%s: not null", key);
                return;
        }
        if (!json_is_string(v))
                fail_msg("%s: not a string", key);
        if (strcmp(json_string_value(v), want) != 0)
                fail_msg("%s: \"%s\", want \"%s\"", key, json_string_value(v), want);
}

static void test_describe(void **state) {
        json_t *a = props_describe(table);
        assert_non_null(a);
        assert_true(json_is_array(a));
        assert_int_equal(json_array_size(a), ELEMENTSOF(table) - 1);

        /* Every entry has every key. */
        static const char *const keys[] = { "name", "type", "live", "readonly", "required", "default",
                                            "min", "max", "enum", "description" };
        size_t i;
        json_t *o;
        json_array_foreach(a, i, o) {
                assert_int_equal(json_object_size(o), ELEMENTSOF(keys));
                for (size_t k = 0; k < ELEMENTSOF(keys); k++)
                        assert_non_null(json_object_get(o, keys[k]));
        }
        /* In table order. */
        assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "name")), "User");

        o = describe_entry(a, "Priority");
        assert_json_text(o, "type", "int");
        assert_int_equal(json_integer_value(json_object_get(o, "min")), -20);
        assert_int_equal(json_integer_value(json_object_get(o, "max")), 19);
        assert_json_text(o, "default", "0");
        assert_true(json_is_false(json_object_get(o, "live")));
        assert_true(json_is_null(json_object_get(o, "enum")));

        o = describe_entry(a, "AnyInt");
        assert_json_text(o, "min", NULL);
        assert_json_text(o, "max", NULL);
        assert_json_text(o, "default", NULL);

        o = describe_entry(a, "AtLeast");
        assert_int_equal(json_integer_value(json_object_get(o, "min")), 1);
        assert_json_text(o, "max", NULL);

        o = describe_entry(a, "Memory");
        assert_json_text(o, "type", "size");
        assert_json_text(o, "min", "1M");
        assert_json_text(o, "max", "1T");
        assert_true(json_is_true(json_object_get(o, "live")));

        o = describe_entry(a, "LooksAlivePollInterval");
        assert_json_text(o, "type", "duration");
        assert_json_text(o, "min", "10ms");
        assert_json_text(o, "max", "1h");
        assert_json_text(o, "default", "5s");
        assert_true(json_is_true(json_object_get(o, "live")));

        o = describe_entry(a, "StopTimeout");
        assert_json_text(o, "min", NULL);
        assert_json_text(o, "max", NULL);

        o = describe_entry(a, "StopSignal");
        assert_json_text(o, "type", "enum");
        json_t *names = json_object_get(o, "enum");
        assert_true(json_is_array(names));
        assert_int_equal(json_array_size(names), 7);
        assert_string_equal(json_string_value(json_array_get(names, 0)), "TERM");
        assert_string_equal(json_string_value(json_array_get(names, 6)), "USR2");

        o = describe_entry(a, "ProcessId");
        assert_true(json_is_true(json_object_get(o, "readonly")));
        assert_true(json_is_false(json_object_get(o, "required")));
        assert_json_text(o, "description", "Main process");

        o = describe_entry(a, "CommandLine");
        assert_json_text(o, "type", "argv");
        assert_true(json_is_true(json_object_get(o, "required")));
        assert_true(json_is_false(json_object_get(o, "readonly")));
        assert_json_text(o, "description", "What to run");

        o = describe_entry(a, "Environment");
        assert_json_text(o, "type", "list");
        assert_json_text(o, "description", NULL);
        json_decref(a);

        /* An empty table is an empty array. */
        static const wp_prop empty[] = { {} };
        a = props_describe(empty);
        assert_non_null(a);
        assert_int_equal(json_array_size(a), 0);
        json_decref(a);
}

static void test_to_json(void **state) {
        params *p = params_new();
        set_ok(p, "CommandLine", "/bin/echo 'hello world'");
        set_ok(p, "StopTimeout", "90s");
        set_ok(p, "Memory", "2G");
        p->process_id = 99;

        json_t *o = props_to_json(table, p);
        assert_non_null(o);
        assert_int_equal(json_object_size(o), ELEMENTSOF(table) - 1);
        assert_json_text(o, "User", NULL);
        assert_json_text(o, "CommandLine", "/bin/echo 'hello world'");
        assert_json_text(o, "Environment", NULL);
        assert_json_text(o, "Priority", "0");
        assert_json_text(o, "AtLeast", "1");
        assert_json_text(o, "Restart", "yes");
        assert_json_text(o, "StopSignal", "TERM");
        assert_json_text(o, "Mode", "simple");
        assert_json_text(o, "Memory", "2G");
        assert_json_text(o, "AnySize", "0");
        assert_json_text(o, "StopTimeout", "1min 30s");
        assert_json_text(o, "LooksAlivePollInterval", "5s");
        assert_json_text(o, "ProcessId", "99");
        json_decref(o);

        /* An enum member that matches no name is shown as null. */
        p->stop_signal = 0;
        o = props_to_json(table, p);
        assert_non_null(o);
        assert_json_text(o, "StopSignal", NULL);
        json_decref(o);

        /* A number nothing set (no default, and its range refuses 0, as
         * ReadyPort 1..65535) is unset, not a "0" props_set would refuse;
         * a 0 the range allows is a value. */
        p->memory = 0;
        o = props_to_json(table, p);
        assert_json_text(o, "Memory", NULL);
        assert_json_text(o, "AnySize", "0");
        assert_json_text(o, "AnyInt", "0");
        assert_json_text(o, "Priority", "0");
        json_decref(o);
        char *text = NULL;
        assert_int_equal(props_format(props_find(table, "Memory"), p, &text), 0);
        assert_null(text);
        params_free(p);
}

/* ------------------------------------------------------------------------ */

static void test_names(void **state) {
        static const char *const good[] = { "a", "web-1", "db_primary", "v1.2.3", "A.b-C_d", "-x", ".x", "...",
                                            "123" };
        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                if (name_validate("resource name", good[i], NULL, 0) != 0)
                        fail_msg("name \"%s\" refused", good[i]);
        char max[64];
        memset(max, 'n', 63);
        max[63] = 0;
        assert_int_equal(name_validate("resource name", max, NULL, 0), 0);

        char err[256];
        assert_int_equal(name_validate("resource name", "a b", err, sizeof err), -EINVAL);
        assert_string_equal(err,
                            "resource name \"a b\" is invalid: names are 1 to 63 characters of A-Z a-z 0-9 . _ -");
        assert_int_equal(name_validate("group name", "", err, sizeof err), -EINVAL);
        assert_string_equal(err, "group name \"\" is invalid: names are 1 to 63 characters of A-Z a-z 0-9 . _ -");
        assert_int_equal(name_validate("node name", NULL, err, sizeof err), -EINVAL);

        char too_long[65];
        memset(too_long, 'n', 64);
        too_long[64] = 0;
        static const char *const bad[] = { "a/b", "a b", "é", "a:b", "a\nb", "a*", "a@b", "a\"b" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (name_validate("name", bad[i], NULL, 0) != -EINVAL)
                        fail_msg("name \"%s\" accepted", bad[i]);
        assert_int_equal(name_validate("name", too_long, NULL, 0), -EINVAL);

        /* "." and ".." match the characters but stand for directories in
         * paths: no URL could address them. Other names of dots can. */
        assert_int_equal(name_validate("group name", ".", err, sizeof err), -EINVAL);
        assert_string_equal(err, "group name \".\" is invalid: \".\" and \"..\" cannot be names (in paths they "
                                 "stand for directories)");
        assert_int_equal(name_validate("resource name", "..", NULL, 0), -EINVAL);
        assert_int_equal(name_validate("name", "...", NULL, 0), 0);
        assert_int_equal(name_validate("name", ".a", NULL, 0), 0);
        assert_int_equal(name_validate("name", "a..", NULL, 0), 0);
}

/* A refused name is quoted in the message however it is made: runs of
 * UTF-8 continuation bytes and control characters are cut like anything
 * else (at 64 bytes of input, or 128 of escapes: 32 control characters),
 * bytes that are not UTF-8 are shown escaped so that the message is valid
 * UTF-8, and what to do still fits in a 256-byte message. */
/* The message name_validate gives for a value shown as count escapes of
 * byte, cut. */
static void want_cut(char *want, size_t size, const char *what, unsigned byte, int count) {
        size_t n = (size_t) snprintf(want, size, "%s \"", what);
        for (int i = 0; i < count; i++)
                n += (size_t) snprintf(want + n, size - n, "\\x%02x", byte);
        snprintf(want + n, size - n, "\"... is invalid: names are 1 to 63 characters of A-Z a-z 0-9 . _ -");
}

static void test_names_quoted_bounded(void **state) {
        char err[2048], want[2048], in[1100];

        /* 64 control characters then 179 continuation bytes: a stray
         * 255-byte socket file name in the runtime directory. */
        memset(in, 0x01, 64);
        memset(in + 64, 0xb0, 179);
        in[243] = 0;
        assert_int_equal(name_validate("node name", in, err, sizeof err), -EINVAL);
        want_cut(want, sizeof want, "node name", 0x01, 32);
        assert_string_equal(err, want);

        /* The same with 1000 continuation bytes, as a --node-name. */
        memset(in + 64, 0xb0, 1000);
        in[1064] = 0;
        assert_int_equal(name_validate("node name", in, err, sizeof err), -EINVAL);
        assert_string_equal(err, want);
        char err256[256];
        assert_int_equal(name_validate("node name", in, err256, sizeof err256), -EINVAL);
        assert_string_equal(err256, want);

        /* Only continuation bytes: each is escaped, 32 of them shown. */
        memset(in, 0xb0, 1000);
        in[1000] = 0;
        assert_int_equal(name_validate("name", in, err, sizeof err), -EINVAL);
        want_cut(want, sizeof want, "name", 0xb0, 32);
        assert_string_equal(err, want);

        /* Valid multi-byte characters stay as they are; an invalid byte
         * among them, or a truncated sequence, is escaped. */
        assert_int_equal(name_validate("name", "é\xff€\xe2\x82", err, sizeof err), -EINVAL);
        assert_string_equal(err, "name \"é\\xff€\\xe2\\x82\" is invalid: names are 1 to 63 characters of A-Z a-z "
                                 "0-9 . _ -");

        /* ids share the formatter. */
        memset(in, 0x7f, 1000);
        in[1000] = 0;
        assert_int_equal(id_validate("resource id", in, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "\\x7f\"... is invalid"));
}

static void test_ids(void **state) {
        static const char *const good[] = { "a", "r1", "0123456789abcdef", "res_1-b", "-", "_" };
        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                if (id_validate("resource id", good[i], NULL, 0) != 0)
                        fail_msg("id \"%s\" refused", good[i]);
        char max[65];
        memset(max, 'i', 64);
        max[64] = 0;
        assert_int_equal(id_validate("resource id", max, NULL, 0), 0);
        char too_long[66];
        memset(too_long, 'i', 65);
        too_long[65] = 0;
        assert_int_equal(id_validate("resource id", too_long, NULL, 0), -EINVAL);

        static const char *const bad[] = { "", ".", "..", "a.b", "cgroup.procs", "a/b", "../x", "a b", "é", "a\n" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (id_validate("resource id", bad[i], NULL, 0) != -EINVAL)
                        fail_msg("id \"%s\" accepted", bad[i]);

        char err[256];
        assert_int_equal(id_validate("resource id", "..", err, sizeof err), -EINVAL);
        assert_string_equal(err, "resource id \"..\" is invalid: ids are 1 to 64 characters of A-Z a-z 0-9 _ -");
        assert_int_equal(id_validate("resource id", NULL, err, sizeof err), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_type_names),
                cmocka_unit_test(test_find),
                cmocka_unit_test(test_parse_size),
                cmocka_unit_test(test_parse_duration),
                cmocka_unit_test(test_parse_bool),
                cmocka_unit_test(test_parse_int64),
                cmocka_unit_test(test_format),
                cmocka_unit_test(test_size_round_trip),
                cmocka_unit_test(test_duration_round_trip),
                cmocka_unit_test(test_init_defaults),
                cmocka_unit_test(test_init_bad_default),
                cmocka_unit_test(test_set_each_type),
                cmocka_unit_test(test_set_case_insensitive),
                cmocka_unit_test(test_set_messages),
                cmocka_unit_test(test_set_bad_arguments),
                cmocka_unit_test(test_set_null_resets),
                cmocka_unit_test(test_check_hooks),
                cmocka_unit_test(test_required),
                cmocka_unit_test(test_format_round_trip),
                cmocka_unit_test(test_copy),
                cmocka_unit_test(test_describe),
                cmocka_unit_test(test_to_json),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_names_quoted_bounded),
                cmocka_unit_test(test_ids),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
