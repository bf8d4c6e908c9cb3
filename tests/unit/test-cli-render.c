/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The API's objects as text for people: what status, lists, property
 * lists, log and event lines look like, and that odd shapes do not
 * break them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli-render.h"

static json_t *obj(const char *json) {
        json_error_t e;
        json_t *j = json_loads(json, JSON_DECODE_ANY, &e);
        if (!j)
                fail_msg("bad test JSON: %s: %s", json, e.text);
        return j;
}

typedef int (*render_fn)(const json_t *j, bool color, char **ret);

static void expect(render_fn fn, const char *json, const char *want) {
        json_t *j = obj(json);
        char *s = NULL;
        assert_int_equal(fn(j, false, &s), 0);
        assert_string_equal(s, want);
        free(s);
        json_decref(j);
}

static void test_value(void **state) {
        static const struct {
                const char *json;
                const char *text;
        } cases[] = {
                { "\"text\"", "text" }, { "42", "42" },         { "1.5", "1.5" },
                { "true", "yes" },      { "false", "no" },      { "[\"a\",\"b\",3]", "a, b, 3" },
                { "[]", "" },           { "{\"a\":1}", "{\"a\":1}" }, { "[{\"a\":1}]", "[{\"a\":1}]" },
        };
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
                json_t *j = obj(cases[i].json);
                char *s = render_value(j);
                assert_string_equal(s, cases[i].text);
                free(s);
                json_decref(j);
        }
        json_t *n = json_null();
        assert_null(render_value(n));
        assert_null(render_value(NULL));
}

static const char status_json[] =
        "{\"cluster\":{\"name\":\"prod\",\"node\":\"n1\",\"quorate\":true},"
        "\"nodes\":[{\"id\":1,\"name\":\"n1\",\"state\":\"Up\",\"paused\":false,\"groups\":1},"
        "{\"id\":2,\"name\":\"node-two\",\"state\":\"Up\",\"paused\":true,\"groups\":0}],"
        "\"groups\":[{\"name\":\"web\",\"state\":\"Online\",\"owner\":\"n1\",\"resources\":["
        "{\"name\":\"ip\",\"type\":\"ipaddr\",\"state\":\"Online\",\"owner\":\"n1\",\"state_reason\":null},"
        "{\"name\":\"httpd\",\"type\":\"genapp\",\"state\":\"Online\",\"owner\":\"n1\"}]},"
        "{\"name\":\"db\",\"state\":\"Offline\",\"owner\":null,\"resources\":[]}]}";

static void test_status(void **state) {
        expect(render_status, status_json,
               "Cluster prod, quorate, seen from n1\n"
               "\n"
               "NODE      ID  STATE        GROUPS\n"
               "n1        1   Up           1\n"
               "node-two  2   Up (paused)  0\n"
               "\n"
               "GROUP/RESOURCE  TYPE    STATE    OWNER\n"
               "web                     Online   n1\n"
               "  ip            ipaddr  Online   n1\n"
               "  httpd         genapp  Online   n1\n"
               "db                      Offline  -\n");
}

static void test_status_with_reason_and_no_quorum(void **state) {
        expect(render_status,
               "{\"cluster\":{\"name\":\"c\",\"quorate\":false},\"nodes\":[],"
               "\"groups\":[{\"name\":\"g\",\"state\":\"Failed\",\"owner\":\"n1\",\"resources\":["
               "{\"name\":\"r\",\"type\":\"genapp\",\"state\":\"Failed\",\"owner\":\"n1\","
               "\"state_reason\":\"exited with status 3\"}]}]}",
               "Cluster c, NO QUORUM\n"
               "\n"
               "NODE  ID  STATE  GROUPS\n"
               "\n"
               "GROUP/RESOURCE  TYPE    STATE   OWNER  REASON\n"
               "g                       Failed  n1\n"
               "  r             genapp  Failed  n1     exited with status 3\n");
        expect(render_status, "{\"nodes\":[],\"groups\":[]}", "NODE  ID  STATE  GROUPS\n\nNo groups.\n");
}

/* Many nodes: who places groups, and the timings of failover. */
static void test_status_failover_line(void **state) {
        expect(render_status,
               "{\"cluster\":{\"name\":\"c\",\"quorate\":true,\"node\":\"n2\",\"coordinator\":\"n1\","
               "\"timings\":{\"lease_ms\":8030,\"heartbeat_ms\":2007,\"stop_budget_ms\":1000,"
               "\"takeover_delay_ms\":11900}},\"nodes\":[],\"groups\":[]}",
               "Cluster c, quorate, seen from n2\n"
               "Failover: coordinator n1; lease 8.0s, stop budget 1.0s, takeover delay 11.9s\n"
               "\n"
               "NODE  ID  STATE  GROUPS\n\nNo groups.\n");
        expect(render_status,
               "{\"cluster\":{\"name\":\"c\",\"quorate\":false,\"coordinator\":null,"
               "\"timings\":{\"lease_ms\":3000,\"heartbeat_ms\":750,\"stop_budget_ms\":500,"
               "\"takeover_delay_ms\":5000}},\"nodes\":[],\"groups\":[]}",
               "Cluster c, NO QUORUM\n"
               "Failover: coordinator none (no quorum); lease 3.0s, stop budget 0.5s, takeover delay 5.0s\n"
               "\n"
               "NODE  ID  STATE  GROUPS\n\nNo groups.\n");
}

static void test_status_color(void **state) {
        json_t *j = obj(status_json);
        char *s = NULL;
        assert_int_equal(render_status(j, true, &s), 0);
        assert_non_null(strstr(s, "\033[32mOnline\033[0m"));
        assert_non_null(strstr(s, "\033[2mOffline\033[0m"));
        free(s);
        assert_int_equal(render_status(j, false, &s), 0);
        assert_null(strchr(s, '\033'));
        free(s);
        json_decref(j);
}

static void test_lists(void **state) {
        expect(render_groups,
               "[{\"name\":\"web\",\"state\":\"Online\",\"owner\":\"n1\",\"properties\":{\"PreferredOwners\":\"n1,n2\"},"
               "\"resources\":[\"ip\",\"httpd\"]},{\"name\":\"empty\",\"state\":\"Offline\"}]",
               "GROUP  STATE    OWNER  PREFERRED  RESOURCES\n"
               "web    Online   n1     n1,n2      ip, httpd\n"
               "empty  Offline  -      -\n");
        expect(render_resources,
               "[{\"name\":\"httpd\",\"type\":\"genapp\",\"group\":\"web\",\"state\":\"OnlinePending\",\"owner\":\"n2\"}]",
               "RESOURCE  TYPE    GROUP  STATE          OWNER\n"
               "httpd     genapp  web    OnlinePending  n2\n");
        expect(render_nodes, "[]", "NODE  ID  STATE  GROUPS\n");
        expect(render_types, "[{\"name\":\"genapp\",\"description\":\"Generic Application\"}]",
               "TYPE    DESCRIPTION\ngenapp  Generic Application\n");
}

static void test_resource_show(void **state) {
        expect(render_resource,
               "{\"id\":\"r-2\",\"name\":\"httpd\",\"type\":\"genapp\",\"group\":\"web\",\"state\":\"Failed\","
               "\"owner\":\"n1\",\"desired\":\"online\",\"state_reason\":\"exited with status 1\",\"restart_count\":3,"
               "\"depends\":\"ip and (db1 or db2)\",\"properties\":{\"CommandLine\":\"/bin/app -x\",\"ProcessId\":null},"
               "\"common\":{\"RestartAction\":\"2\"},\"group_id\":\"g-1\"}",
               "Name:        httpd\n"
               "Id:          r-2\n"
               "Type:        genapp\n"
               "Group:       web\n"
               "State:       Failed\n"
               "Reason:      exited with status 1\n"
               "Owner:       n1\n"
               "Desired:     online\n"
               "Restarts:    3\n"
               "Depends on:  ip and (db1 or db2)\n"
               "group_id:    g-1\n"
               "\n"
               "Properties:\n"
               "  CommandLine  /bin/app -x\n"
               "  ProcessId\n"
               "\n"
               "Common properties:\n"
               "  RestartAction  2\n");
}

static char *rendered(render_fn fn, const char *json) {
        json_t *j = obj(json);
        char *s = NULL;
        assert_int_equal(fn(j, false, &s), 0);
        json_decref(j);
        return s;
}

/* render_resource of json: has present in it (when given), and not absent. */
static void shows(const char *json, const char *present, const char *absent) {
        char *s = rendered(render_resource, json);
        if (present && !strstr(s, present))
                fail_msg("\"%s\" not in:\n%s", present, s);
        if (absent && strstr(s, absent))
                fail_msg("\"%s\" in:\n%s", absent, s);
        free(s);
}

static void test_resource_show_readonly_age(void **state) {
        /* Fresh values: nothing to say, and the members stay out. */
        const char *fresh = "{\"name\":\"j\",\"state\":\"Online\",\"readonly_age_ms\":3,\"readonly_stale\":false,"
                            "\"properties\":{\"ProcessId\":\"7\"}}";
        shows(fresh, NULL, "eadonly");
        shows(fresh, NULL, "Read-only");
        shows("{\"name\":\"j\",\"state\":\"Online\",\"readonly_age_ms\":4250,\"readonly_stale\":true,"
              "\"properties\":{\"ProcessId\":\"7\"}}",
              "\nRead-only values:  as of 4.2s ago: the resource monitor did not answer\n", "readonly_");
}

static void test_resource_show_restart_scheduled(void **state) {
        shows("{\"name\":\"j\",\"state\":\"Failed\",\"restart_count\":1,"
              "\"restarting\":{\"attempt\":2,\"of\":3,\"in_ms\":1500},\"properties\":{}}",
              "\nRestarts:    1\nRestart:     2 of 3 in 1s 500ms\n", "restarting");
        shows("{\"name\":\"j\",\"state\":\"Failed\",\"restarting\":{\"attempt\":7,\"of\":null,\"in_ms\":0}}",
              "\nRestart:     7 now\n", NULL);
        shows("{\"name\":\"j\",\"state\":\"Online\",\"restarting\":null}", NULL, "Restart:");
}

static void test_group_and_node_show(void **state) {
        expect(render_group,
               "{\"id\":\"g-1\",\"name\":\"web\",\"state\":\"Online\",\"owner\":\"n1\",\"desired\":\"online\","
               "\"properties\":{},\"resources\":[]}",
               "Name:       web\n"
               "Id:         g-1\n"
               "State:      Online\n"
               "Owner:      n1\n"
               "Desired:    online\n"
               "Resources:  (none)\n"
               "\n"
               "Properties:\n"
               "  (none)\n");
        expect(render_node, "{\"id\":1,\"name\":\"n1\",\"state\":\"Up\",\"paused\":false,\"groups\":2}",
               "Name:    n1\n"
               "Id:      1\n"
               "State:   Up\n"
               "Paused:  no\n"
               "Groups:  2\n");
}

static void test_type_show(void **state) {
        expect(render_type,
               "{\"name\":\"genapp\",\"description\":\"Generic Application\",\"properties\":["
               "{\"name\":\"CommandLine\",\"type\":\"argv\",\"live\":false,\"readonly\":false,\"required\":true,"
               "\"default\":null,\"min\":null,\"max\":null,\"enum\":null,\"description\":\"what to run\"},"
               "{\"name\":\"StopTimeout\",\"type\":\"duration\",\"live\":true,\"readonly\":false,\"required\":false,"
               "\"default\":\"30s\",\"min\":\"1ms\",\"max\":\"1h\",\"enum\":null,\"description\":null},"
               "{\"name\":\"Mode\",\"type\":\"enum\",\"live\":false,\"readonly\":true,\"required\":false,"
               "\"default\":\"a\",\"min\":null,\"max\":null,\"enum\":[\"a\",\"b\"],\"description\":null}]}",
               "Name:         genapp\n"
               "Description:  Generic Application\n"
               "\n"
               "Properties:\n"
               "  PROPERTY     TYPE      DEFAULT  ALLOWED  FLAGS      DESCRIPTION\n"
               "  CommandLine  argv      -        -        required   what to run\n"
               "  StopTimeout  duration  30s      1ms..1h  live       -\n"
               "  Mode         enum      a        a, b     read-only  -\n");
}

/* wolfpack why: the summary, the resource's verdict, a row per node. */
static void test_why(void **state) {
        expect(render_why,
               "{\"group\":\"web\",\"state\":\"Failed\",\"owner\":null,\"summary\":\"no node can take web\","
               "\"state_reason\":\"it failed\","
               "\"resource\":{\"resource\":\"app\",\"state\":\"Offline\",\"rule\":\"dependency_failed\","
               "\"text\":\"app needs db\"},"
               "\"nodes\":[{\"id\":1,\"name\":\"n1\",\"rule\":\"down\",\"text\":\"n1 is down\"},"
               "{\"id\":2,\"name\":\"node-2\",\"rule\":\"not_possible_owner\",\"text\":\"node-2 is not a possible owner of db\"}]}",
               "Group web: Failed\n"
               "no node can take web\n"
               "Reason: it failed\n"
               "Resource app: Offline (dependency_failed)\n"
               "app needs db\n"
               "\n"
               "NODE    VERDICT             DETAIL\n"
               "n1      down                n1 is down\n"
               "node-2  not_possible_owner  node-2 is not a possible owner of db\n");
        expect(render_why, "{\"group\":\"web\",\"state\":\"Online\",\"owner\":\"n1\",\"nodes\":[]}",
               "Group web: Online on n1\n\nNODE  VERDICT  DETAIL\n");
}

static void test_log(void **state) {
        expect(render_log,
               "[{\"time\":\"2026-01-02T03:04:05.678Z\",\"node\":\"n1\",\"level\":\"info\",\"code\":\"WP1\","
               "\"name\":\"httpd\",\"text\":\"online\"},"
               "{\"time_ms\":1000,\"level\":\"error\",\"message\":\"boom\"}]",
               "TIME                      NODE  LEVEL  CODE  OBJECT  MESSAGE\n"
               "2026-01-02T03:04:05.678Z  n1    info   WP1   httpd   online\n"
               "1970-01-01T00:00:01.000Z  -     error  -     -       boom\n");
        /* As wolfpackd gives them: the node's id, and its name to show. */
        expect(render_log,
               "[{\"time\":\"T1\",\"node\":2,\"node_name\":\"web-2\",\"level\":\"info\",\"code\":\"C\",\"text\":\"x\"},"
               "{\"time\":\"T2\",\"node\":3,\"level\":\"info\",\"code\":\"C\",\"text\":\"y\"}]",
               "TIME  NODE   LEVEL  CODE  OBJECT  MESSAGE\n"
               "T1    web-2  info   C     -       x\n"
               "T2    3      info   C     -       y\n");
}

static void event_is(const char *json, const char *want) {
        json_t *j = obj(json);
        char *s = NULL;
        assert_int_equal(render_event(j, &s), 0);
        assert_string_equal(s, want);
        free(s);
        json_decref(j);
}

static void test_events(void **state) {
        event_is("{\"type\":\"state\",\"kind\":\"resource\",\"name\":\"httpd\",\"state\":\"Online\",\"owner\":\"n1\"}",
                 "resource httpd is Online on n1\n");
        event_is("{\"type\":\"state\",\"time\":\"T\",\"kind\":\"resource\",\"name\":\"httpd\",\"state\":\"Failed\","
                 "\"owner\":\"n1\",\"reason\":\"killed by SIGKILL\"}",
                 "T resource httpd is Failed on n1: killed by SIGKILL\n");
        event_is("{\"type\":\"log\",\"node\":\"n2\",\"level\":\"warning\",\"code\":\"WP42\",\"name\":\"job\","
                 "\"text\":\"cpuset narrowed\"}",
                 "n2 warning WP42 job: cpuset narrowed\n");
        event_is("{\"type\":\"log\",\"node\":3,\"node_name\":\"n3\",\"level\":\"info\",\"code\":\"C\",\"text\":\"t\"}",
                 "n3 info C t\n");
        event_is("{\"type\":\"log\",\"node\":3,\"level\":\"info\",\"code\":\"C\",\"text\":\"t\"}", "3 info C t\n");
        event_is("{\"type\":\"object\",\"kind\":\"group\",\"name\":\"web\",\"action\":\"created\"}",
                 "group web created\n");
        /* As wolfpackd sends them: the resource's id as "resource". */
        event_is("{\"type\":\"state\",\"resource\":\"r-1\",\"state\":\"Failed\",\"previous\":\"Online\","
                 "\"reason\":\"exited with status 2\",\"name\":\"httpd\",\"group\":\"web\"}",
                 "resource httpd is Failed: exited with status 2\n");
        /* Shapes not known here come as they are. */
        event_is("{\"type\":\"something\",\"x\":1}", "{\"type\":\"something\",\"x\":1}\n");
        event_is("{\"type\":\"state\"}", "{\"type\":\"state\"}\n");
        event_is("[1]", "[1]\n");
}

static void test_names_and_kv(void **state) {
        json_t *j = obj("[{\"name\":\"a\"},\"b\",{\"id\":3}]");
        char *s = NULL;
        assert_int_equal(render_names(j, &s), 0);
        assert_string_equal(s, "a\nb\n");
        free(s);
        json_decref(j);

        json_t *p = obj("{\"CommandLine\":\"/bin/x -y\",\"Unset\":null}");
        json_t *c = obj("{\"RestartAction\":\"2\"}");
        const json_t *objects[] = { p, c, NULL };
        assert_int_equal(render_kv_lines(objects, &s), 0);
        assert_string_equal(s, "CommandLine=/bin/x -y\nUnset=\nRestartAction=2\n");
        free(s);
        json_decref(p);
        json_decref(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_value),     cmocka_unit_test(test_status),
                cmocka_unit_test(test_status_with_reason_and_no_quorum),
                cmocka_unit_test(test_status_color),
                cmocka_unit_test(test_status_failover_line), cmocka_unit_test(test_lists),
                cmocka_unit_test(test_resource_show),
                cmocka_unit_test(test_resource_show_readonly_age),
                cmocka_unit_test(test_resource_show_restart_scheduled), cmocka_unit_test(test_group_and_node_show),
                cmocka_unit_test(test_type_show), cmocka_unit_test(test_why),
                cmocka_unit_test(test_log),
                cmocka_unit_test(test_events),    cmocka_unit_test(test_names_and_kv),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
