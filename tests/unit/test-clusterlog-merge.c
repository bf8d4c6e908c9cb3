/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cluster log across nodes (src/daemon/clusterlog-merge.c): messages
 * made here read back as they were, every way another node's message can
 * be wrong is refused with a reason, answers are cut into parts that fit,
 * and entries of several nodes merge in time order, ties by node. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clusterlog-merge.h"
#include "macro.h"

static json_t *entry(const char *time, int node, const char *code) {
        json_t *e = json_pack("{s:s, s:i, s:s, s:s, s:s}", "time", time, "node", node, "level", "info", "code", code,
                              "text", "something happened");
        assert_non_null(e);
        return e;
}

static json_t *obj(const char *text) {
        json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
        assert_non_null(j);
        return j;
}

static void test_time_shape(void **state) {
        assert_true(clusterlog_time_valid("2026-12-03T10:21:08.123456Z", CLUSTERLOG_TIME_LEN));
        assert_true(clusterlog_time_valid("2026-12-03T10:21:08", CLUSTERLOG_SINCE_LEN));
        assert_false(clusterlog_time_valid("2026-12-03T10:21:08", CLUSTERLOG_TIME_LEN));
        assert_false(clusterlog_time_valid("2026-12-03T10:21:08.123456Z", CLUSTERLOG_SINCE_LEN));
        assert_false(clusterlog_time_valid("2026-12-03 10:21:08.123456Z", CLUSTERLOG_TIME_LEN));
        assert_false(clusterlog_time_valid("2026-12-03T10:21:0x.123456Z", CLUSTERLOG_TIME_LEN));
        assert_false(clusterlog_time_valid(NULL, CLUSTERLOG_TIME_LEN));
        assert_false(clusterlog_time_valid("", 0 + CLUSTERLOG_SINCE_LEN));
}

static void test_entry_check(void **state) {
        char err[256] = "";
        json_t *e = entry("2026-12-03T10:21:08.123456Z", 2, "GROUP_ONLINE");
        json_object_set_new(e, "name", json_string("web"));
        json_object_set_new(e, "resource", json_string("r-1"));
        json_object_set_new(e, "extra", json_string("not copied"));
        json_t *c = clusterlog_entry_check(e, 2, err, sizeof(err));
        assert_non_null(c);
        assert_string_equal(json_string_value(json_object_get(c, "name")), "web");
        assert_string_equal(json_string_value(json_object_get(c, "resource")), "r-1");
        assert_null(json_object_get(c, "extra"));
        json_decref(c);

        /* Each member wrong in turn, with the reason. */
        static const struct {
                const char *json;
                const char *why;
        } bad[] = {
                { "[1]", "not an object" },
                { "{\"time\":\"yesterday\",\"node\":2,\"level\":\"info\",\"code\":\"C\",\"text\":\"t\"}", "time" },
                { "{\"time\":\"2026-12-03T10:21:08.123456Z\",\"node\":3,\"level\":\"info\",\"code\":\"C\",\"text\":\"t\"}",
                  "not its sender" },
                { "{\"time\":\"2026-12-03T10:21:08.123456Z\",\"node\":\"2\",\"level\":\"info\",\"code\":\"C\",\"text\":\"t\"}",
                  "not its sender" },
                { "{\"time\":\"2026-12-03T10:21:08.123456Z\",\"node\":2,\"level\":\"INFO!\",\"code\":\"C\",\"text\":\"t\"}",
                  "level" },
                { "{\"time\":\"2026-12-03T10:21:08.123456Z\",\"node\":2,\"level\":\"info\",\"code\":\"a b\",\"text\":\"t\"}",
                  "code" },
                { "{\"time\":\"2026-12-03T10:21:08.123456Z\",\"node\":2,\"level\":\"info\",\"code\":\"C\",\"text\":5}",
                  "no text" },
                { "{\"time\":\"2026-12-03T10:21:08.123456Z\",\"node\":2,\"level\":\"info\",\"code\":\"C\",\"text\":\"t\","
                  "\"name\":{}}",
                  "resource or name" },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                json_t *b = obj(bad[i].json);
                err[0] = 0;
                assert_null(clusterlog_entry_check(b, 2, err, sizeof(err)));
                if (!strstr(err, bad[i].why))
                        fail_msg("%s: \"%s\" does not say \"%s\"", bad[i].json, err, bad[i].why);
                json_decref(b);
        }
        json_decref(e);

        json_t *list = json_pack("[o, o]", entry("2026-12-03T10:21:08.123456Z", 2, "A"), entry("x", 2, "B"));
        assert_null(clusterlog_entries_check(list, 2, err, sizeof(err)));
        assert_non_null(strstr(err, "entry 1"));
        assert_null(clusterlog_entries_check(json_object_get(list, "x"), 2, err, sizeof(err)));
        json_decref(list);
}

static void test_entry_repair(void **state) {
        char err[256];
        /* A plug-in's code of another shape: kept in the text. */
        json_t *e = obj("{\"time\":\"2026-12-03T10:21:08.123456Z\",\"level\":\"LOUD\",\"code\":\"ocf start failed\","
                        "\"text\":\"exit 1\",\"resource\":\"r-1\",\"name\":7}");
        json_t *c = clusterlog_entry_repair(e, 4);
        assert_non_null(c);
        json_t *ok = clusterlog_entry_check(c, 4, err, sizeof(err));
        assert_non_null(ok);
        assert_string_equal(json_string_value(json_object_get(c, "code")), "UNKNOWN_CODE");
        assert_string_equal(json_string_value(json_object_get(c, "level")), "info");
        assert_string_equal(json_string_value(json_object_get(c, "text")), "exit 1 (code ocf start failed)");
        assert_string_equal(json_string_value(json_object_get(c, "resource")), "r-1");
        assert_null(json_object_get(c, "name"));
        assert_int_equal(json_integer_value(json_object_get(c, "node")), 4);
        json_decref(ok);
        json_decref(c);
        json_decref(e);
        /* A good one as it is; one without a time cannot be ordered. */
        e = entry("2026-12-03T10:21:08.123456Z", 4, "GOOD");
        c = clusterlog_entry_repair(e, 4);
        assert_true(json_equal(c, e));
        json_decref(c);
        json_object_set_new(e, "time", json_string("late"));
        assert_null(clusterlog_entry_repair(e, 4));
        json_decref(e);
}

static void test_ask(void **state) {
        json_t *m = clusterlog_ask_message(7, "2026-12-03T10:21:08", (1u << 2) | (1u << 3), 500);
        assert_non_null(m);
        ClusterLogAsk a;
        char err[256];
        assert_int_equal(clusterlog_ask_parse(m, &a, err, sizeof(err)), 0);
        assert_int_equal(a.req, 7);
        assert_string_equal(a.since, "2026-12-03T10:21:08");
        assert_int_equal(a.nodes, (1u << 2) | (1u << 3));
        assert_int_equal(a.limit, 500);
        json_decref(m);

        m = clusterlog_ask_message(8, NULL, 1u << 1, 1);
        assert_int_equal(clusterlog_ask_parse(m, &a, err, sizeof(err)), 0);
        assert_null(a.since);
        json_decref(m);

        static const char *const bad[] = {
                "{\"req\":-1,\"nodes\":[1],\"limit\":1}",
                "{\"req\":1,\"since\":\"now\",\"nodes\":[1],\"limit\":1}",
                "{\"req\":1,\"nodes\":[0],\"limit\":1}",
                "{\"req\":1,\"nodes\":[33],\"limit\":1}",
                "{\"req\":1,\"nodes\":7,\"limit\":1}",
                "{\"req\":1,\"nodes\":[1],\"limit\":0}",
                "{\"req\":1,\"nodes\":[1],\"limit\":100001}",
                "{\"req\":1,\"nodes\":[1]}",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                json_t *b = obj(bad[i]);
                a = (ClusterLogAsk) { .req = 99 };
                assert_int_equal(clusterlog_ask_parse(b, &a, err, sizeof(err)), -EBADMSG);
                assert_int_equal(a.req, 99); /* untouched */
                assert_non_null(strstr(err, "rt.log.ask"));
                json_decref(b);
        }
}

static void test_parts(void **state) {
        json_t *entries = json_array();
        char t[40];
        for (int i = 0; i < 1000; i++) {
                snprintf(t, sizeof(t), "2026-12-03T10:21:%02d.%06dZ", i / 100, i);
                json_array_append_new(entries, entry(t, 2, "SOME_CODE"));
        }
        json_t *parts = clusterlog_part_messages(entries, 1, 42, 9, true, 8192);
        assert_non_null(parts);
        assert_true(json_array_size(parts) > 1);
        json_t *back = json_array();
        size_t i;
        json_t *m;
        json_array_foreach(parts, i, m) {
                ClusterLogPart p;
                char err[256];
                /* As the engine carries it: a message of its own. */
                char *text = json_dumps(m, JSON_COMPACT);
                json_t *wire = json_loads(text, 0, NULL);
                free(text);
                assert_int_equal(clusterlog_part_parse(wire, 2, &p, err, sizeof(err)), 0);
                assert_true(json_dumpb(json_object_get(wire, "entries"), NULL, 0, JSON_COMPACT) <= 8192 + 2);
                assert_int_equal(p.to, 1);
                assert_int_equal(p.to_inc, 42);
                assert_int_equal(p.req, 9);
                assert_int_equal(p.part, i);
                assert_int_equal(p.last, i + 1 == json_array_size(parts));
                assert_int_equal(p.more, p.last);
                json_array_extend(back, p.entries);
                json_decref(p.entries);
                /* The same part from another node: its entries are not that node's. */
                assert_int_equal(clusterlog_part_parse(wire, 3, &p, err, sizeof(err)), -EBADMSG);
                assert_non_null(strstr(err, "not its sender"));
                json_decref(wire);
        }
        assert_true(json_equal(back, entries));
        json_decref(back);
        json_decref(parts);

        /* Nothing to say is still an answer; an entry larger than a part goes alone. */
        json_t *none = json_array();
        parts = clusterlog_part_messages(none, 1, 42, 9, false, 8192);
        assert_int_equal(json_array_size(parts), 1);
        assert_true(json_is_true(json_object_get(json_array_get(parts, 0), "last")));
        assert_true(json_is_false(json_object_get(json_array_get(parts, 0), "more")));
        json_decref(parts);
        json_decref(none);
        json_t *big = json_pack("[o, o, o]", entry("2026-12-03T10:21:08.000001Z", 2, "A"),
                                entry("2026-12-03T10:21:08.000002Z", 2, "B"), entry("2026-12-03T10:21:08.000003Z", 2, "C"));
        char *text = calloc(1, 20000);
        memset(text, 'x', 19999);
        json_object_set_new(json_array_get(big, 1), "text", json_string(text));
        free(text);
        parts = clusterlog_part_messages(big, 1, 42, 9, false, 8192);
        assert_int_equal(json_array_size(parts), 3);
        for (i = 0; i < 3; i++)
                assert_int_equal(json_array_size(json_object_get(json_array_get(parts, i), "entries")), 1);
        json_decref(parts);
        json_decref(big);
        json_decref(entries);

        static const char *const bad[] = {
                "{\"to\":0,\"to_inc\":1,\"req\":1,\"part\":0,\"last\":true,\"more\":false,\"entries\":[]}",
                "{\"to\":1,\"to_inc\":-1,\"req\":1,\"part\":0,\"last\":true,\"more\":false,\"entries\":[]}",
                "{\"to\":1,\"to_inc\":1,\"req\":1,\"part\":-1,\"last\":true,\"more\":false,\"entries\":[]}",
                "{\"to\":1,\"to_inc\":1,\"req\":1,\"part\":0,\"last\":1,\"more\":false,\"entries\":[]}",
                "{\"to\":1,\"to_inc\":1,\"req\":1,\"part\":0,\"last\":true,\"entries\":[]}",
                "{\"to\":1,\"to_inc\":1,\"req\":1,\"part\":0,\"last\":true,\"more\":false,\"entries\":{}}",
                "{\"to\":1,\"to_inc\":1,\"req\":1,\"part\":0,\"last\":true,\"more\":false,\"entries\":[1]}",
        };
        for (i = 0; i < ELEMENTSOF(bad); i++) {
                json_t *b = obj(bad[i]);
                ClusterLogPart p = { .req = 77 };
                char err[256];
                assert_int_equal(clusterlog_part_parse(b, 2, &p, err, sizeof(err)), -EBADMSG);
                assert_int_equal(p.req, 77);
                assert_non_null(strstr(err, "rt.log.part"));
                json_decref(b);
        }

        json_t *n = json_pack("{s:s, s:[o]}", "type", "rt.log.new", "entries", entry("2026-12-03T10:21:08.000001Z", 4, "A"));
        json_t *got = NULL;
        char err[256];
        assert_int_equal(clusterlog_new_parse(n, 4, &got, err, sizeof(err)), 0);
        assert_int_equal(json_array_size(got), 1);
        json_decref(got);
        got = NULL;
        assert_int_equal(clusterlog_new_parse(n, 5, &got, err, sizeof(err)), -EBADMSG);
        assert_null(got);
        assert_non_null(strstr(err, "rt.log.new"));
        json_decref(n);
}

static void test_oldest_over(void **state) {
        json_t *list = json_pack("[o, o, o]", entry("2026-12-03T10:00:01.000000Z", 1, "A"),
                                 entry("2026-12-03T10:00:02.000000Z", 1, "B"), entry("2026-12-03T10:00:03.000000Z", 1, "C"));
        size_t one = json_dumpb(json_array_get(list, 0), NULL, 0, JSON_COMPACT) + 1;
        assert_int_equal(clusterlog_oldest_over(list, 3 * one), 0);
        assert_int_equal(clusterlog_oldest_over(list, 3 * one - 1), 1);
        assert_int_equal(clusterlog_oldest_over(list, one), 2);
        assert_int_equal(clusterlog_oldest_over(list, 0), 3);
        json_decref(list);
}

static void test_merge(void **state) {
        json_t *n1 = json_pack("[o, o, o]", entry("2026-12-03T10:00:01.000000Z", 1, "A1"),
                               entry("2026-12-03T10:00:03.000000Z", 1, "B1"), entry("2026-12-03T10:00:03.000000Z", 1, "C1"));
        json_t *n3 = json_pack("[o, o]", entry("2026-12-03T10:00:02.000000Z", 3, "A3"),
                               entry("2026-12-03T10:00:03.000000Z", 3, "B3"));
        /* Out of order as a node whose clock was set back wrote them. */
        json_t *n2 = json_pack("[o, o]", entry("2026-12-03T10:00:04.000000Z", 2, "B2"),
                               entry("2026-12-03T10:00:03.000000Z", 2, "A2"));
        json_t *lists[] = { n3, n2, n1 };
        json_t *m = clusterlog_merge(lists, 3);
        static const char *const want[] = { "A1", "A3", "B1", "C1", "A2", "B3", "B2" };
        assert_int_equal(json_array_size(m), ELEMENTSOF(want));
        for (size_t i = 0; i < ELEMENTSOF(want); i++)
                assert_string_equal(json_string_value(json_object_get(json_array_get(m, i), "code")), want[i]);
        json_decref(m);
        m = clusterlog_merge(NULL, 0);
        assert_int_equal(json_array_size(m), 0);
        json_decref(m);
        json_decref(n1);
        json_decref(n2);
        json_decref(n3);
}

static void test_limit(void **state) {
        ClusterLogLimit l = { 0 };
        unsigned before = 99;
        uint64_t t = 1000;
        for (unsigned i = 1; i < CLUSTERLOG_INVALID_BURST; i++) {
                assert_int_equal(clusterlog_limit(&l, t++, &before), CLUSTERLOG_SAY_LINE);
                assert_int_equal(before, 0);
        }
        assert_int_equal(clusterlog_limit(&l, t++, &before), CLUSTERLOG_SAY_LAST);
        for (unsigned i = 0; i < 25; i++)
                assert_int_equal(clusterlog_limit(&l, t++, &before), CLUSTERLOG_SAY_NOTHING);
        /* Still within the window, counted; past it, said with the count. */
        assert_int_equal(clusterlog_limit(&l, 1000 + CLUSTERLOG_INVALID_WINDOW_USEC - 1, &before),
                         CLUSTERLOG_SAY_NOTHING);
        before = 99;
        assert_int_equal(clusterlog_limit(&l, 1000 + CLUSTERLOG_INVALID_WINDOW_USEC, &before), CLUSTERLOG_SAY_LINE);
        assert_int_equal(before, 26);
        assert_int_equal(clusterlog_limit(&l, 1001 + CLUSTERLOG_INVALID_WINDOW_USEC, &before), CLUSTERLOG_SAY_LINE);
        assert_int_equal(before, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_time_shape), cmocka_unit_test(test_entry_check), cmocka_unit_test(test_entry_repair),
                cmocka_unit_test(test_ask),
                cmocka_unit_test(test_parts),      cmocka_unit_test(test_oldest_over),
                cmocka_unit_test(test_merge),      cmocka_unit_test(test_limit),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
