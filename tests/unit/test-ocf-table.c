/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An OCF agent's parameters as a property table, and the OCF_RESKEY_
 * environment its values become. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ocf-meta.h"
#include "ocf-table.h"
#include "props.h"
#include "macro.h"
#include "strv.h"

static const char xml[] =
        "<resource-agent name=\"t\"><parameters>"
        "<parameter name=\"binfile\" required=\"1\"><shortdesc>Binary</shortdesc><content type=\"string\"/></parameter>"
        "<parameter name=\"op_sleep\"><content type=\"integer\" default=\"3\"/></parameter>"
        "<parameter name=\"debug\"><content type=\"boolean\" default=\"false\"/></parameter>"
        "<parameter name=\"port\"><content type=\"integer\"/></parameter>"
        "<parameter name=\"state\"><content type=\"string\" default=\"/run/x-RESOURCE_ID\"/></parameter>"
        "<parameter name=\"dampen\"><content type=\"integer\" default=\"1s\"/></parameter>"
        "<parameter name=\"retries\"><content type=\"integer\" default=\"\"/></parameter>"
        "</parameters><actions><action name=\"start\" timeout=\"40s\"/></actions></resource-agent>";

typedef struct Fixture {
        OcfMeta *m;
        OcfTable *t;
        void *params;
} Fixture;

static int setup(void **state) {
        Fixture *f = calloc(1, sizeof(*f));
        char err[512];
        assert_int_equal(ocf_meta_parse(xml, strlen(xml), &f->m, err, sizeof(err)), 0);
        assert_int_equal(ocf_table_new(f->m, &f->t, err, sizeof(err)), 0);
        f->params = calloc(1, f->t->params_size);
        assert_int_equal(props_init(f->t->props, f->params, err, sizeof(err)), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;
        props_free(f->t->props, f->params);
        free(f->params);
        ocf_table_free(f->t);
        ocf_meta_free(f->m);
        free(f);
        return 0;
}

static void test_table(void **state) {
        Fixture *f = *state;
        const wp_prop *p = props_find(f->t->props, "binfile");
        assert_non_null(p);
        assert_string_equal(p->name, "Binfile");
        assert_int_equal(p->type, WP_PROP_STRING);
        assert_true(p->flags & WP_PROP_REQUIRED);
        assert_string_equal(p->description, "Binary (OCF string)");
        p = props_find(f->t->props, "OpSleep");
        assert_int_equal(p->type, WP_PROP_INT);
        assert_string_equal(p->default_value, "3");
        assert_string_equal(p->description, "(OCF integer op_sleep)");
        assert_int_equal(props_find(f->t->props, "Debug")->type, WP_PROP_BOOL);
        /* No default: a string, so that "not given" stays not given. */
        assert_int_equal(props_find(f->t->props, "Port")->type, WP_PROP_STRING);
        /* Defaults not of their type are the agent's: none in the table. */
        p = props_find(f->t->props, "Dampen");
        assert_int_equal(p->type, WP_PROP_STRING);
        assert_null(p->default_value);
        assert_string_equal(p->description, "(OCF integer; the agent's default: \"1s\")");
        p = props_find(f->t->props, "Retries");
        assert_int_equal(p->type, WP_PROP_STRING);
        assert_string_equal(p->default_value, "");
        p = props_find(f->t->props, "StartActionTimeout");
        assert_int_equal(p->type, WP_PROP_DURATION);
        assert_string_equal(p->default_value, "40s");
        assert_string_equal(props_find(f->t->props, "StopActionTimeout")->default_value, "20s");
        OcfTimeouts t = ocf_table_timeouts(f->t, f->params);
        assert_int_equal(t.start, 40 * WP_USEC_PER_SEC);
        assert_int_equal(t.monitor, OCF_DEFAULT_TIMEOUT);

        char err[512];
        assert_int_equal(props_check_required(f->t->props, f->params, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "Binfile is required"));
        assert_int_equal(props_set(f->t->props, f->params, "port", "eighty", err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "is not an integer"));
        assert_int_equal(props_set(f->t->props, f->params, "OpSleep", "x", err, sizeof(err)), -EINVAL);
}

static void test_env(void **state) {
        Fixture *f = *state;
        char err[512];
        _cleanup_(strv_freep) char **env = calloc(1, sizeof(char *));
        assert_int_equal(ocf_table_env(f->m, f->t, f->params, &env), 0);
        assert_int_equal(strv_length(env), 0); /* nothing given: the agent's own defaults */

        assert_int_equal(props_set(f->t->props, f->params, "binfile", "/bin/sleep", err, sizeof(err)), 0);
        assert_int_equal(props_set(f->t->props, f->params, "port", "8080", err, sizeof(err)), 0);
        assert_int_equal(props_set(f->t->props, f->params, "debug", "yes", err, sizeof(err)), 0);
        assert_int_equal(props_set(f->t->props, f->params, "OpSleep", "3", err, sizeof(err)), 0);
        assert_int_equal(ocf_table_env(f->m, f->t, f->params, &env), 0);
        char *const expect[] = { "OCF_RESKEY_binfile=/bin/sleep", "OCF_RESKEY_debug=true", "OCF_RESKEY_port=8080",
                                 NULL };
        if (!strv_equal(env, expect))
                fail_msg("environment: %s", strv_join(env, " "));
}

static void test_reserved_name(void **state) {
        static const char bad[] = "<resource-agent><parameters><parameter name=\"start_action_timeout\"/>"
                                  "</parameters></resource-agent>";
        OcfMeta *m = NULL;
        OcfTable *t = NULL;
        char err[512];
        assert_int_equal(ocf_meta_parse(bad, strlen(bad), &m, err, sizeof(err)), 0);
        assert_int_equal(ocf_table_new(m, &t, err, sizeof(err)), -EINVAL);
        assert_null(t);
        assert_non_null(strstr(err, "would be property StartActionTimeout"));
        ocf_meta_free(m);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_table, setup, teardown),
                cmocka_unit_test_setup_teardown(test_env, setup, teardown),
                cmocka_unit_test(test_reserved_name),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
