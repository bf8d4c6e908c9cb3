/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* When a change the API accepted has ended: tables of object states and
 * the verdicts they must give. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli-watch.h"

#define SEC 1000000ull
#define T0 (100 * SEC)

static json_t *obj(const char *json) {
        json_error_t e;
        json_t *j = json_loads(json, 0, &e);
        if (!j)
                fail_msg("bad test JSON: %s: %s", json, e.text);
        return j;
}

static void start(Watch *w, WatchOp op, WatchKind kind, const char *accepted, const char *to) {
        json_t *a = obj(accepted);
        assert_int_equal(watch_init(w, op, kind, "typed", a, to, T0), 0);
        json_decref(a);
}

/* Judge obj at time t; check the verdict and, when given, the message. */
static void expect(Watch *w, const char *json, uint64_t t, WatchVerdict want, const char *message) {
        json_t *o = obj(json);
        char *m = NULL;
        WatchVerdict v = watch_judge(w, o, t, &m);
        if (v != want)
                fail_msg("%s: verdict %d, not %d", json, v, want);
        if (want == WATCH_PENDING)
                assert_null(m);
        else if (message)
                assert_string_equal(m, message);
        else
                assert_non_null(m);
        free(m);
        json_decref(o);
}

static void test_group_online(void **state) {
        Watch w;
        start(&w, WATCH_ONLINE, WATCH_GROUP, "{\"id\":\"g-1\",\"name\":\"web\",\"state\":\"Offline\",\"owner\":\"n1\"}",
              NULL);
        assert_string_equal(watch_ref(&w), "g-1");
        expect(&w, "{\"name\":\"web\",\"state\":\"Offline\",\"owner\":\"n1\"}", T0, WATCH_PENDING, NULL);
        expect(&w, "{\"name\":\"web\",\"state\":\"Pending\",\"owner\":\"n1\"}", T0, WATCH_PENDING, NULL);
        /* Between two resources: nothing failed, nothing pending yet. */
        expect(&w,
               "{\"name\":\"web\",\"state\":\"PartialOnline\",\"owner\":\"n1\",\"resources\":["
               "{\"name\":\"ip\",\"state\":\"Online\"},{\"name\":\"httpd\",\"state\":\"Offline\"}]}",
               T0, WATCH_PENDING, NULL);
        /* A resource still pending holds the verdict back. */
        expect(&w,
               "{\"name\":\"web\",\"state\":\"Online\",\"owner\":\"n1\",\"resources\":["
               "{\"name\":\"ip\",\"state\":\"OnlinePending\"}]}",
               T0, WATCH_PENDING, NULL);
        expect(&w,
               "{\"name\":\"web\",\"state\":\"Online\",\"owner\":\"n1\",\"resources\":["
               "{\"name\":\"ip\",\"state\":\"Online\"}]}",
               T0, WATCH_DONE, "group web is Online on n1");
        watch_done(&w);
}

static void test_empty_group(void **state) {
        /* Nothing to bring online: no waiting for a state that never comes. */
        Watch w;
        start(&w, WATCH_ONLINE, WATCH_GROUP, "{\"id\":\"g-1\",\"name\":\"web\",\"state\":\"Offline\"}", NULL);
        expect(&w, "{\"name\":\"web\",\"state\":\"Offline\",\"owner\":\"n1\",\"resources\":[]}", T0, WATCH_DONE,
               "group web is Offline: it holds no resources");
        watch_done(&w);
        /* Offline of one is simply done. */
        start(&w, WATCH_OFFLINE, WATCH_GROUP, "{\"id\":\"g-1\",\"name\":\"web\",\"state\":\"Offline\"}", NULL);
        expect(&w, "{\"name\":\"web\",\"state\":\"Offline\",\"resources\":[]}", T0, WATCH_DONE,
               "group web is Offline: it holds no resources");
        watch_done(&w);
}

static void test_group_online_fails(void **state) {
        Watch w;
        start(&w, WATCH_ONLINE, WATCH_GROUP, "{\"id\":\"g-1\",\"name\":\"web\",\"state\":\"Offline\"}", NULL);
        expect(&w,
               "{\"name\":\"web\",\"state\":\"PartialOnline\",\"owner\":\"n2\",\"resources\":["
               "{\"name\":\"ip\",\"state\":\"Online\"},"
               "{\"name\":\"httpd\",\"state\":\"Failed\",\"state_reason\":\"exited with status 1\"}]}",
               T0, WATCH_FAILED, "group web failed on n2: resource httpd: exited with status 1");
        watch_done(&w);

        start(&w, WATCH_ONLINE, WATCH_GROUP, "{\"id\":\"g-1\",\"name\":\"web\",\"state\":\"Offline\"}", NULL);
        expect(&w,
               "{\"name\":\"web\",\"state\":\"Failed\",\"owner\":\"n1\",\"resources\":["
               "{\"name\":\"a\",\"state\":\"Failed\",\"state_reason\":\"x\"},{\"name\":\"b\",\"state\":\"Failed\"}]}",
               T0, WATCH_FAILED, "group web failed on n1: resource a: x; resource b: Failed");
        watch_done(&w);
}

static void test_failed_before_grace(void **state) {
        /* Failed when the online was asked: the same Failed is not the
         * answer until something moved or the grace period passed. */
        Watch w;
        const char *failed = "{\"name\":\"httpd\",\"state\":\"Failed\",\"owner\":\"n1\",\"state_reason\":\"old\"}";
        start(&w, WATCH_ONLINE, WATCH_RESOURCE, failed, NULL);
        expect(&w, failed, T0, WATCH_PENDING, NULL);
        expect(&w, failed, T0 + WATCH_FAILED_GRACE_USEC - 1, WATCH_PENDING, NULL);
        expect(&w, failed, T0 + WATCH_FAILED_GRACE_USEC, WATCH_FAILED, "resource httpd failed on n1: old");
        watch_done(&w);

        start(&w, WATCH_ONLINE, WATCH_RESOURCE, failed, NULL);
        expect(&w, "{\"name\":\"httpd\",\"state\":\"OnlinePending\",\"owner\":\"n1\"}", T0, WATCH_PENDING, NULL);
        expect(&w, "{\"name\":\"httpd\",\"state\":\"Failed\",\"owner\":\"n1\",\"state_reason\":\"new\"}", T0,
               WATCH_FAILED, "resource httpd failed on n1: new");
        watch_done(&w);

        /* An event counts as movement too. */
        start(&w, WATCH_ONLINE, WATCH_RESOURCE, failed, NULL);
        json_t *ev = obj("{\"type\":\"state\",\"kind\":\"resource\",\"name\":\"httpd\",\"state\":\"OnlinePending\"}");
        watch_note_event(&w, ev);
        json_decref(ev);
        expect(&w, failed, T0, WATCH_FAILED, NULL);
        watch_done(&w);
}

static void test_events_for_others_ignored(void **state) {
        Watch w;
        const char *failed = "{\"id\":\"r-2\",\"name\":\"httpd\",\"state\":\"Failed\"}";
        start(&w, WATCH_ONLINE, WATCH_RESOURCE, failed, NULL);
        const char *others[] = {
                "{\"type\":\"state\",\"kind\":\"resource\",\"name\":\"ip\",\"state\":\"Online\"}",
                "{\"type\":\"state\",\"kind\":\"group\",\"name\":\"httpd\",\"state\":\"Online\"}",
                "{\"type\":\"log\",\"name\":\"httpd\",\"text\":\"hello\"}",
                "{\"type\":\"state\",\"kind\":\"resource\",\"id\":\"r-2\",\"name\":\"httpd\",\"state\":\"Failed\"}",
                "[1,2]",
        };
        for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
                json_t *ev = obj(others[i]);
                watch_note_event(&w, ev);
                json_decref(ev);
        }
        assert_false(w.seen_change);
        json_t *ev = obj("{\"type\":\"state\",\"id\":\"r-2\",\"state\":\"OnlinePending\"}");
        watch_note_event(&w, ev);
        json_decref(ev);
        assert_true(w.seen_change);
        watch_done(&w);

        /* wolfpackd's shape: the id as "resource", whatever the name. */
        start(&w, WATCH_ONLINE, WATCH_RESOURCE, failed, NULL);
        ev = obj("{\"type\":\"state\",\"resource\":\"r-9\",\"name\":\"other\",\"state\":\"Online\"}");
        watch_note_event(&w, ev);
        json_decref(ev);
        assert_false(w.seen_change);
        ev = obj("{\"type\":\"state\",\"resource\":\"r-2\",\"state\":\"OnlinePending\",\"previous\":\"Failed\"}");
        watch_note_event(&w, ev);
        json_decref(ev);
        assert_true(w.seen_change);
        watch_done(&w);

        /* A resource's state event says nothing about a group of the same name. */
        start(&w, WATCH_ONLINE, WATCH_GROUP, "{\"id\":\"g-1\",\"name\":\"web\",\"state\":\"Failed\"}", NULL);
        ev = obj("{\"type\":\"state\",\"resource\":\"r-3\",\"name\":\"web\",\"state\":\"Online\"}");
        watch_note_event(&w, ev);
        json_decref(ev);
        assert_false(w.seen_change);
        watch_done(&w);
}

static void test_offline(void **state) {
        Watch w;
        start(&w, WATCH_OFFLINE, WATCH_RESOURCE, "{\"name\":\"httpd\",\"state\":\"Online\",\"owner\":\"n1\"}", NULL);
        expect(&w, "{\"name\":\"httpd\",\"state\":\"Online\",\"owner\":\"n1\"}", T0, WATCH_PENDING, NULL);
        expect(&w, "{\"name\":\"httpd\",\"state\":\"OfflinePending\",\"owner\":\"n1\"}", T0, WATCH_PENDING, NULL);
        expect(&w, "{\"name\":\"httpd\",\"state\":\"Offline\",\"owner\":\"n1\"}", T0, WATCH_DONE, "resource httpd is Offline");
        watch_done(&w);

        start(&w, WATCH_OFFLINE, WATCH_GROUP, "{\"name\":\"web\",\"state\":\"Online\",\"owner\":\"n1\"}", NULL);
        expect(&w, "{\"name\":\"web\",\"state\":\"Failed\",\"owner\":\"n1\"}", T0, WATCH_FAILED, "group web failed on n1");
        watch_done(&w);
}

static void test_move(void **state) {
        Watch w;
        const char *on_n1 = "{\"name\":\"web\",\"state\":\"Online\",\"owner\":\"n1\"}";
        start(&w, WATCH_MOVE, WATCH_GROUP, on_n1, NULL);
        /* Still where it was: the move has not begun. */
        expect(&w, on_n1, T0, WATCH_PENDING, NULL);
        expect(&w, "{\"name\":\"web\",\"state\":\"Online\",\"owner\":\"n2\"}", T0, WATCH_DONE, "group web is Online on n2");
        watch_done(&w);

        /* Went away and came back (no other node could take it). */
        start(&w, WATCH_MOVE, WATCH_GROUP, on_n1, NULL);
        expect(&w, "{\"name\":\"web\",\"state\":\"Pending\",\"owner\":\"n1\"}", T0, WATCH_PENDING, NULL);
        expect(&w, on_n1, T0, WATCH_DONE, "group web is Online on n1");
        watch_done(&w);

        start(&w, WATCH_MOVE, WATCH_GROUP, on_n1, "n3");
        expect(&w, "{\"name\":\"web\",\"state\":\"Online\",\"owner\":\"n2\"}", T0, WATCH_PENDING, NULL);
        expect(&w, "{\"name\":\"web\",\"state\":\"Online\",\"owner\":\"n3\"}", T0, WATCH_DONE, NULL);
        watch_done(&w);

        /* An offline group moves its ownership and stays offline. */
        start(&w, WATCH_MOVE, WATCH_GROUP, "{\"name\":\"web\",\"state\":\"Offline\",\"owner\":\"n1\"}", NULL);
        expect(&w, "{\"name\":\"web\",\"state\":\"Offline\",\"owner\":\"n2\"}", T0, WATCH_DONE, "group web is Offline");
        watch_done(&w);
}

static void test_fail(void **state) {
        Watch w;
        const char *online = "{\"name\":\"httpd\",\"state\":\"Online\",\"owner\":\"n1\",\"restart_count\":0}";
        start(&w, WATCH_FAIL, WATCH_RESOURCE, online, NULL);
        expect(&w, online, T0, WATCH_PENDING, NULL);
        expect(&w, "{\"name\":\"httpd\",\"state\":\"Failed\",\"owner\":\"n1\",\"state_reason\":\"by request\"}", T0,
               WATCH_DONE, "resource httpd is Failed on n1: by request");
        watch_done(&w);

        /* A restart scheduled: the failure has not settled until it came. */
        start(&w, WATCH_FAIL, WATCH_RESOURCE, online, NULL);
        expect(&w,
               "{\"name\":\"httpd\",\"state\":\"Failed\",\"owner\":\"n1\",\"restart_count\":1,"
               "\"restarting\":{\"attempt\":1,\"of\":3,\"in_ms\":900}}",
               T0, WATCH_PENDING, NULL);
        expect(&w, "{\"name\":\"httpd\",\"state\":\"Online\",\"owner\":\"n1\",\"restart_count\":1}", T0, WATCH_DONE,
               "resource httpd is Online on n1 again, after a restart");
        watch_done(&w);

        /* The failure was missed, but the restart counted it. */
        start(&w, WATCH_FAIL, WATCH_RESOURCE, online, NULL);
        expect(&w, "{\"name\":\"httpd\",\"state\":\"OnlinePending\",\"owner\":\"n1\",\"restart_count\":1}", T0,
               WATCH_PENDING, NULL);
        expect(&w, "{\"name\":\"httpd\",\"state\":\"Online\",\"owner\":\"n1\",\"restart_count\":1}", T0, WATCH_DONE,
               "resource httpd is Online on n1 again, after a restart");
        watch_done(&w);

        /* Failed, with its restart already counted (wolfpackd counts it
         * when it schedules the restart): still just Failed. */
        start(&w, WATCH_FAIL, WATCH_RESOURCE, online, NULL);
        expect(&w,
               "{\"name\":\"httpd\",\"state\":\"Failed\",\"owner\":null,\"restart_count\":1,"
               "\"state_reason\":\"failed on request\"}",
               T0, WATCH_DONE, "resource httpd is Failed: failed on request");
        watch_done(&w);
}

static void test_drain(void **state) {
        Watch w;
        start(&w, WATCH_DRAIN, WATCH_NODE, "{\"id\":2,\"name\":\"n2\",\"state\":\"Up\",\"paused\":true,\"groups\":2}",
              NULL);
        assert_string_equal(watch_ref(&w), "n2");
        expect(&w, "{\"name\":\"n2\",\"state\":\"Up\",\"paused\":true,\"groups\":1}", T0, WATCH_PENDING, NULL);
        expect(&w, "{\"name\":\"n2\",\"state\":\"Up\",\"paused\":false,\"groups\":0}", T0, WATCH_PENDING, NULL);
        expect(&w, "{\"name\":\"n2\",\"state\":\"Up\",\"paused\":true,\"groups\":0}", T0, WATCH_DONE,
               "node n2 is drained: paused, owning no group");
        json_t *o = obj("{\"name\":\"n2\",\"groups\":1}");
        char *d = watch_describe_pending(&w, o);
        assert_string_equal(d, "node n2 to drain; it still owns 1 group(s)");
        free(d);
        json_decref(o);
        watch_done(&w);
}

/* wolfpackd says what keeps the object from its aim: the wait ends at once
 * with that, or the reason joins the verdict. */
static void test_blocked(void **state) {
        Watch w;
        start(&w, WATCH_ONLINE, WATCH_RESOURCE, "{\"id\":\"r-1\",\"name\":\"db\",\"state\":\"Offline\"}", NULL);
        expect(&w, "{\"name\":\"db\",\"state\":\"Offline\",\"blocked\":null}", T0, WATCH_PENDING, NULL);
        expect(&w, "{\"name\":\"db\",\"state\":\"Offline\",\"blocked\":\"group g is Failed: x\"}", T0,
               WATCH_FAILED, "resource db cannot come online: group g is Failed: x");
        expect(&w, "{\"name\":\"db\",\"state\":\"Online\",\"blocked\":\"stale\"}", T0, WATCH_DONE,
               "resource db is Online");
        expect(&w,
               "{\"name\":\"db\",\"state\":\"Failed\",\"owner\":\"n1\",\"state_reason\":\"exited\","
               "\"blocked\":\"group g is Failed: x\"}",
               T0, WATCH_FAILED, "resource db failed on n1: exited; group g is Failed: x");
        watch_done(&w);

        /* An offline is not kept from its aim by a Failed group. */
        start(&w, WATCH_OFFLINE, WATCH_RESOURCE, "{\"id\":\"r-1\",\"name\":\"db\",\"state\":\"Failed\"}", NULL);
        expect(&w, "{\"name\":\"db\",\"state\":\"OfflinePending\",\"blocked\":\"group g is Failed: x\"}", T0,
               WATCH_PENDING, NULL);
        watch_done(&w);

        start(&w, WATCH_FAIL, WATCH_RESOURCE, "{\"id\":\"r-1\",\"name\":\"db\",\"state\":\"Online\"}", NULL);
        expect(&w, "{\"name\":\"db\",\"state\":\"Offline\",\"blocked\":\"group g is Failed: x\"}", T0,
               WATCH_PENDING, NULL);
        expect(&w, "{\"name\":\"db\",\"state\":\"Failed\",\"blocked\":\"group g is Failed: x\"}", T0, WATCH_DONE,
               "resource db is Failed; group g is Failed: x");
        watch_done(&w);
}

/* What watch_progress says for obj: want, or NULL for nothing new. */
static void progress(Watch *w, const char *json, const char *want) {
        json_t *o = obj(json);
        char *m = watch_progress(w, o);
        if (want)
                assert_string_equal(m, want);
        else if (m)
                fail_msg("%s: said \"%s\", expected nothing", json, m);
        free(m);
        json_decref(o);
}

#define FAILED_RESTARTING(attempt, of, in_ms)                                                                       \
        "{\"id\":\"r-1\",\"name\":\"db\",\"state\":\"Failed\",\"owner\":\"n1\",\"state_reason\":\"exited with code 1\","  \
        "\"restarting\":{\"attempt\":" #attempt ",\"of\":" #of ",\"in_ms\":" #in_ms "}}"

static void test_online_rides_through_restarts(void **state) {
        Watch w;
        start(&w, WATCH_ONLINE, WATCH_RESOURCE, "{\"id\":\"r-1\",\"name\":\"db\",\"state\":\"Offline\"}", NULL);
        progress(&w, FAILED_RESTARTING(1, 3, 500), "resource db failed: exited with code 1; restart 1 of 3 in 500ms");
        expect(&w, FAILED_RESTARTING(1, 3, 500), T0, WATCH_PENDING, NULL);
        /* Said once, however often it is seen. */
        progress(&w, FAILED_RESTARTING(1, 3, 0), NULL);
        expect(&w, FAILED_RESTARTING(1, 3, 0), T0, WATCH_PENDING, NULL);
        progress(&w, "{\"id\":\"r-1\",\"name\":\"db\",\"state\":\"OnlinePending\",\"restarting\":null}", NULL);
        /* The next one, even when the state between was not seen. */
        progress(&w, FAILED_RESTARTING(2, 3, 1000), "resource db failed: exited with code 1; restart 2 of 3 in 1s");
        expect(&w, "{\"name\":\"db\",\"state\":\"Online\",\"owner\":\"n1\",\"restarting\":null}", T0, WATCH_DONE,
               "resource db is Online on n1, after 2 restarts");
        watch_done(&w);

        /* No limit (RestartAction 1), and a restart due now. */
        start(&w, WATCH_ONLINE, WATCH_RESOURCE, "{\"id\":\"r-1\",\"name\":\"db\",\"state\":\"Offline\"}", NULL);
        progress(&w, FAILED_RESTARTING(4, null, 0), "resource db failed: exited with code 1; restart 4 now");
        /* The same attempt again after a state between: a new failure. */
        progress(&w, "{\"id\":\"r-1\",\"name\":\"db\",\"state\":\"Online\"}", NULL);
        progress(&w, FAILED_RESTARTING(4, null, 0), "resource db failed: exited with code 1; restart 4 now");
        watch_done(&w);

        /* The policy gives up: Failed with no restart scheduled. */
        start(&w, WATCH_ONLINE, WATCH_RESOURCE, "{\"id\":\"r-1\",\"name\":\"db\",\"state\":\"Offline\"}", NULL);
        expect(&w, FAILED_RESTARTING(2, 2, 500), T0, WATCH_PENDING, NULL);
        expect(&w,
               "{\"name\":\"db\",\"state\":\"Failed\",\"owner\":\"n1\",\"state_reason\":\"exited with code 1\","
               "\"restarting\":null,\"blocked\":\"group g is Failed: 2 restarts reached RestartThreshold 2\"}",
               T0, WATCH_FAILED,
               "resource db failed on n1: exited with code 1; group g is Failed: 2 restarts reached RestartThreshold 2");
        watch_done(&w);
}

static void test_group_online_rides_through_restarts(void **state) {
        Watch w;
        start(&w, WATCH_ONLINE, WATCH_GROUP, "{\"id\":\"g-1\",\"name\":\"web\",\"state\":\"Offline\"}", NULL);
        const char *restarting = "{\"name\":\"web\",\"state\":\"PartialOnline\",\"owner\":\"n1\",\"resources\":["
                                 "{\"id\":\"r-2\",\"name\":\"ip\",\"state\":\"Online\"}," FAILED_RESTARTING(1, 3, 500) "]}";
        progress(&w, restarting, "resource db failed: exited with code 1; restart 1 of 3 in 500ms");
        expect(&w, restarting, T0, WATCH_PENDING, NULL);
        /* Every resource Failed, each about to restart: still on its way. */
        expect(&w,
               "{\"name\":\"web\",\"state\":\"Failed\",\"owner\":\"n1\",\"resources\":[" FAILED_RESTARTING(1, 3, 500) "]}",
               T0, WATCH_PENDING, NULL);
        /* One Failed resource with no restart coming ends it. */
        expect(&w,
               "{\"name\":\"web\",\"state\":\"PartialOnline\",\"owner\":\"n1\",\"resources\":["
               "{\"name\":\"ip\",\"state\":\"Failed\",\"state_reason\":\"gone\"}," FAILED_RESTARTING(1, 3, 500) "]}",
               T0, WATCH_FAILED, NULL);
        /* So does the group's own failure, which says why. */
        expect(&w,
               "{\"name\":\"web\",\"state\":\"Failed\",\"state_reason\":\"RestartThreshold reached\",\"resources\":["
               FAILED_RESTARTING(1, 3, 500) "]}",
               T0, WATCH_FAILED, "group web failed: RestartThreshold reached");
        watch_done(&w);
}

static void test_describe_pending(void **state) {
        Watch w;
        start(&w, WATCH_ONLINE, WATCH_GROUP, "{\"name\":\"web\",\"state\":\"Offline\"}", NULL);
        json_t *o = obj("{\"name\":\"web\",\"state\":\"Pending\",\"owner\":\"n1\"}");
        char *d = watch_describe_pending(&w, o);
        assert_string_equal(d, "group web to come online; it is Pending on n1");
        free(d);
        d = watch_describe_pending(&w, NULL);
        assert_string_equal(d, "group web to come online");
        free(d);
        json_decref(o);
        watch_done(&w);

        /* Without a name in the 202, the typed one. */
        start(&w, WATCH_OFFLINE, WATCH_RESOURCE, "{}", NULL);
        assert_string_equal(w.name, "typed");
        assert_string_equal(watch_ref(&w), "typed");
        watch_done(&w);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_group_online),
                cmocka_unit_test(test_empty_group),
                cmocka_unit_test(test_group_online_fails),
                cmocka_unit_test(test_failed_before_grace),
                cmocka_unit_test(test_events_for_others_ignored),
                cmocka_unit_test(test_offline),
                cmocka_unit_test(test_move),
                cmocka_unit_test(test_fail),
                cmocka_unit_test(test_drain),
                cmocka_unit_test(test_blocked),
                cmocka_unit_test(test_online_rides_through_restarts),
                cmocka_unit_test(test_group_online_rides_through_restarts),
                cmocka_unit_test(test_describe_pending),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
