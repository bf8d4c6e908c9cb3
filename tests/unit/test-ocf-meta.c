/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* OCF meta-data: parameters (names, types, defaults, required, short
 * descriptions), action timeouts and depths, and meta-data refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ocf-meta.h"

static const char agent_xml[] =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\">\n"
        "<resource-agent name=\"Web\" version=\"1.0\">\n"
        "<version>1.0</version>\n"
        "<shortdesc lang=\"de\">Netz</shortdesc>\n"
        "<shortdesc lang=\"en\">Manages a\n   web server</shortdesc>\n"
        "<parameters>\n"
        "<parameter name=\"binfile\" required=\"1\" unique=\"1\">\n"
        "  <shortdesc lang=\"en\">Full path name of the binary</shortdesc>\n"
        "  <content type=\"string\"/>\n"
        "</parameter>\n"
        "<parameter name=\"op_sleep\">\n"
        "  <content type=\"integer\" default=\"3\"/>\n"
        "</parameter>\n"
        "<parameter name=\"debug\"><shortdesc>Debug</shortdesc><content type=\"boolean\" default=\"false\"/></parameter>\n"
        "<parameter name=\"mode\"><content type=\"select\" default=\"a\"><option value=\"a\"/></content></parameter>\n"
        "</parameters>\n"
        "<actions>\n"
        "<action name=\"start\" timeout=\"40s\"/>\n"
        "<action name=\"stop\" timeout=\"2min\"/>\n"
        "<action name=\"monitor\" timeout=\"30\" interval=\"10s\" depth=\"0\"/>\n"
        "<action name=\"monitor\" timeout=\"60s\" interval=\"60s\" depth=\"10\"/>\n"
        "<action name=\"meta-data\" timeout=\"5s\"/>\n"
        "</actions>\n"
        "</resource-agent>\n";

static OcfMeta *parse_ok(const char *xml) {
        OcfMeta *m = NULL;
        char err[512] = "";
        int k = ocf_meta_parse(xml, strlen(xml), &m, err, sizeof(err));
        if (k < 0)
                fail_msg("refused: %s", err);
        assert_non_null(m);
        return m;
}

static void parse_refused(const char *xml, const char *expect) {
        OcfMeta *m = (OcfMeta *) 0x1;
        char err[512] = "";
        assert_int_equal(ocf_meta_parse(xml, strlen(xml), &m, err, sizeof(err)), -EINVAL);
        assert_ptr_equal(m, (OcfMeta *) 0x1);
        if (!strstr(err, expect))
                fail_msg("message \"%s\" lacks \"%s\"", err, expect);
}

static void test_parameters(void **state) {
        OcfMeta *m = parse_ok(agent_xml);
        assert_string_equal(m->shortdesc, "Manages a web server");
        assert_int_equal(m->n_params, 4);
        const OcfParam *p = &m->params[0];
        assert_string_equal(p->name, "binfile");
        assert_string_equal(p->prop_name, "Binfile");
        assert_int_equal(p->type, OCF_PARAM_STRING);
        assert_true(p->required);
        assert_null(p->default_value);
        assert_string_equal(p->shortdesc, "Full path name of the binary");
        p = &m->params[1];
        assert_string_equal(p->name, "op_sleep");
        assert_string_equal(p->prop_name, "OpSleep");
        assert_int_equal(p->type, OCF_PARAM_INTEGER);
        assert_false(p->required);
        assert_string_equal(p->default_value, "3");
        assert_null(p->shortdesc);
        assert_int_equal(m->params[2].type, OCF_PARAM_BOOLEAN);
        assert_string_equal(m->params[2].default_value, "false");
        assert_int_equal(m->params[3].type, OCF_PARAM_STRING); /* select: text */
        ocf_meta_free(m);
}

static void test_actions(void **state) {
        OcfMeta *m = parse_ok(agent_xml);
        assert_int_equal(m->start_timeout, 40 * WP_USEC_PER_SEC);
        assert_int_equal(m->stop_timeout, 120 * WP_USEC_PER_SEC);
        assert_int_equal(m->monitor_timeout, 30 * WP_USEC_PER_SEC); /* the depth 0 one's */
        assert_int_equal(m->monitor_depth, 10);
        ocf_meta_free(m);

        m = parse_ok("<resource-agent name=\"x\"><actions><action name=\"monitor\" timeout=\"soon\"/>"
                     "</actions></resource-agent>");
        assert_int_equal(m->n_params, 0);
        assert_int_equal(m->start_timeout, 0);
        assert_int_equal(m->monitor_timeout, 0); /* not a duration: left to the default */
        assert_int_equal(m->monitor_depth, 0);
        assert_null(m->shortdesc);
        ocf_meta_free(m);
}

static void test_refused(void **state) {
        parse_refused("", "not XML");
        parse_refused("<resource-agent><parameters>", "not XML");
        parse_refused("usage: Dummy {start|stop|monitor}\n", "not XML");
        parse_refused("<other/>", "no <resource-agent> element; it starts with <other>");
        parse_refused("<resource-agent><parameters><parameter><content/></parameter></parameters></resource-agent>",
                      "has no name");
        parse_refused("<resource-agent><parameters><parameter name=\"a b\"/></parameters></resource-agent>",
                      "cannot be passed as OCF_RESKEY_");
        parse_refused("<resource-agent><parameters><parameter name=\"___\"/></parameters></resource-agent>",
                      "no letter or digit");
        parse_refused("<resource-agent><parameters><parameter name=\"ip\"/><parameter name=\"ip\"/>"
                      "</parameters></resource-agent>",
                      "declared twice");
        parse_refused("<resource-agent><parameters><parameter name=\"op_sleep\"/><parameter name=\"opsleep\"/>"
                      "</parameters></resource-agent>",
                      "would both be property OpSleep");
}

/* Reloadable: the attribute (OCF 1.1), else Pacemaker's older rule for
 * an agent with reload: what is not unique; never without a reload. */
static void test_reloadable(void **state) {
        static const char *const marked =
                "<resource-agent name=\"a\"><parameters>"
                "<parameter name=\"x\" reloadable=\"1\"><content type=\"string\"/></parameter>"
                "<parameter name=\"y\" unique=\"0\"><content type=\"string\"/></parameter>"
                "</parameters><actions><action name=\"reload-agent\" timeout=\"10s\"/>"
                "<action name=\"reload\" timeout=\"10s\"/></actions></resource-agent>";
        static const char *const older =
                "<resource-agent name=\"a\"><parameters>"
                "<parameter name=\"x\" unique=\"1\"><content type=\"string\"/></parameter>"
                "<parameter name=\"y\" unique=\"0\"><content type=\"string\"/></parameter>"
                "</parameters><actions><action name=\"reload\" timeout=\"10s\"/></actions></resource-agent>";
        static const char *const none =
                "<resource-agent name=\"a\"><parameters>"
                "<parameter name=\"x\" reloadable=\"1\"><content type=\"string\"/></parameter>"
                "</parameters><actions><action name=\"start\" timeout=\"10s\"/></actions></resource-agent>";
        OcfMeta *m;
        char err[256];
        assert_int_equal(ocf_meta_parse(marked, strlen(marked), &m, err, sizeof(err)), 0);
        assert_string_equal(m->reload_action, "reload-agent");
        assert_true(m->params[0].reloadable);
        assert_false(m->params[1].reloadable);
        ocf_meta_free(m);
        assert_int_equal(ocf_meta_parse(older, strlen(older), &m, err, sizeof(err)), 0);
        assert_string_equal(m->reload_action, "reload");
        assert_false(m->params[0].reloadable);
        assert_true(m->params[1].reloadable);
        ocf_meta_free(m);
        assert_int_equal(ocf_meta_parse(none, strlen(none), &m, err, sizeof(err)), 0);
        assert_null(m->reload_action);
        assert_false(m->params[0].reloadable);
        ocf_meta_free(m);
}

static void test_prop_name(void **state) {
        char *n = NULL;
        assert_int_equal(ocf_prop_name("state", &n), 0);
        assert_string_equal(n, "State");
        free(n);
        assert_int_equal(ocf_prop_name("cmdline_options", &n), 0);
        assert_string_equal(n, "CmdlineOptions");
        free(n);
        assert_int_equal(ocf_prop_name("_x__2fa_", &n), 0);
        assert_string_equal(n, "X2fa");
        free(n);
        assert_int_equal(ocf_prop_name("__", &n), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parameters),
                cmocka_unit_test(test_actions),
                cmocka_unit_test(test_refused),
                cmocka_unit_test(test_reloadable),
                cmocka_unit_test(test_prop_name),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
