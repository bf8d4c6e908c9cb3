/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The API's request-body checks (src/daemon/api-body.c): unknown members,
 * objects of text values, one spelling per property, the split into
 * common and private properties, and the refusals' messages, which stay
 * one line of valid UTF-8 whatever the names in the body.
 */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api-body.h"

static json_t *body(const char *text) {
        json_t *b = json_loads(text, 0, NULL);
        assert_non_null(b);
        return b;
}

static void assert_one_line(const ApiRefusal *why) {
        assert_non_null(why->message);
        assert_null(strchr(why->message, '\n'));
        json_t *j = json_string(why->message);
        assert_non_null(j);
        json_decref(j);
}

static void test_members(void **state) {
        const char *const allowed[] = { "name", "properties", NULL };
        ApiRefusal why = {};
        json_t *b = body("{\"name\": \"g\", \"properties\": {}}");
        assert_int_equal(api_body_members(b, allowed, &why), 0);
        json_decref(b);

        b = body("{\"propertes\": {}}");
        assert_int_equal(api_body_members(b, allowed, &why), -EINVAL);
        assert_int_equal(why.status, 400);
        assert_string_equal(why.code, "bad_request");
        assert_string_equal(why.property, "propertes");
        assert_string_equal(why.message,
                            "the request body has an unknown member \"propertes\"; this request takes name, properties");
        api_refusal_done(&why);
        assert_int_equal(api_body_members(b, NULL, &why), -EINVAL);
        assert_string_equal(why.message, "the request body has an unknown member \"propertes\"; this request takes no body");
        api_refusal_done(&why);
        json_decref(b);
}

/* A long name is cut on a character boundary, not inside one. */
static void test_members_long_name(void **state) {
        char text[128];
        snprintf(text, sizeof text, "{\"%.*s\\u00e9\\u00e9\": 1}", 63, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        ApiRefusal why = {};
        json_t *b = body(text);
        assert_int_equal(api_body_members(b, NULL, &why), -EINVAL);
        assert_one_line(&why);
        assert_non_null(strstr(why.message, "\"..."));
        api_refusal_done(&why);
        json_decref(b);
}

static void test_object(void **state) {
        ApiRefusal why = {};
        json_t *b = body("{\"properties\": {\"Port\": 8080}}");
        assert_null(api_body_object(b, "properties", false, &why));
        assert_int_equal(why.status, 400);
        assert_string_equal(why.property, "Port");
        assert_string_equal(why.message, "\"Port\": values are text, as an administrator types them (\"30s\", \"1\")");
        api_refusal_done(&why);
        json_decref(b);

        b = body("{\"properties\": {\"x\\ny\": true}}");
        assert_null(api_body_object(b, "properties", true, &why));
        assert_one_line(&why);
        assert_string_equal(why.property, "x\ny");
        api_refusal_done(&why);
        json_decref(b);

        b = body("{}");
        json_t *o = api_body_object(b, "properties", false, &why);
        assert_true(json_is_object(o) && json_object_size(o) == 0);
        json_decref(o);
        assert_null(api_body_object(b, "properties", true, &why));
        assert_string_equal(why.message, "the body needs \"properties\", an object of text values");
        assert_null(why.property);
        api_refusal_done(&why);
        json_decref(b);
}

static void test_one_spelling(void **state) {
        ApiRefusal why = {};
        json_t *p = body("{\"RestartDelay\": \"1s\", \"restartdelay\": \"2s\"}");
        assert_int_equal(api_one_spelling(p, &why), -EINVAL);
        assert_int_equal(why.status, 422);
        assert_string_equal(why.property, "restartdelay");
        assert_string_equal(why.message, "\"RestartDelay\" and \"restartdelay\" name one property (property names are "
                                         "matched ignoring case); give it once");
        api_refusal_done(&why);
        json_decref(p);

        p = body("{\"a\\nb\": \"1\", \"A\\nB\": \"2\"}");
        assert_int_equal(api_one_spelling(p, &why), -EINVAL);
        assert_one_line(&why);
        api_refusal_done(&why);
        json_decref(p);
}

static void test_split(void **state) {
        ApiRefusal why = {};
        json_t *nodes = body("[{\"id\": \"n1\", \"name\": \"Alpha\"}]");
        json_t *p = body("{\"restartthreshold\": \"3\", \"Port\": \"80\", \"possibleowners\": \"alpha\"}");
        json_t *common = NULL, *priv = NULL;
        assert_int_equal(api_split_props(p, nodes, &common, &priv, &why), 0);
        assert_string_equal(json_string_value(json_object_get(common, "RestartThreshold")), "3");
        assert_string_equal(json_string_value(json_object_get(common, "PossibleOwners")), "Alpha");
        assert_string_equal(json_string_value(json_object_get(priv, "Port")), "80");
        assert_int_equal(json_object_size(common) + json_object_size(priv), 3);
        json_decref(common);
        json_decref(priv);
        json_decref(p);

        common = priv = NULL;
        p = body("{\"RestartDelay\": \"forever\"}");
        assert_int_equal(api_split_props(p, nodes, &common, &priv, &why), -EINVAL);
        assert_null(common);
        assert_null(priv);
        assert_int_equal(why.status, 422);
        assert_string_equal(why.property, "RestartDelay");
        assert_one_line(&why);
        api_refusal_done(&why);
        json_decref(p);

        p = body("{\"failoverthreshold\": \"2\"}");
        json_t *g = json_incref(p);
        assert_int_equal(api_group_props(&g, nodes, &why), 0);
        assert_string_equal(json_string_value(json_object_get(g, "FailoverThreshold")), "2");
        json_decref(g);
        json_decref(p);
        json_decref(nodes);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_members),
                cmocka_unit_test(test_members_long_name),
                cmocka_unit_test(test_object),
                cmocka_unit_test(test_one_spelling),
                cmocka_unit_test(test_split),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
