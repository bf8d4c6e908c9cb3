/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Agents' meta-data read on a thread: at once, after a wait the caller does
 * not make, and the ways a read fails (exit code, no such program). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ocf-meta-read.h"

static char dir[] = "/tmp/test-ocf-meta-read-XXXXXX";

static const char *agent(const char *name, const char *script) {
        static char path[256];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f, "#!/bin/sh\n%s\n", script);
        fclose(f);
        assert_int_equal(chmod(path, 0755), 0);
        return path;
}

static void test_at_once(void **state) {
        const char *p = agent("fast", "echo '<resource-agent name=\"fast\"/>'; echo warning >&2");
        char *xml = NULL;
        size_t len = 0;
        char err[512] = "";
        assert_int_equal(ocf_meta_read(p, 2 * WP_USEC_PER_SEC, &xml, &len, err, sizeof(err)), 1);
        /* Standard error is not part of the meta-data. */
        assert_string_equal(xml, "<resource-agent name=\"fast\"/>\n");
        assert_int_equal(len, strlen(xml));
        free(xml);
}

static void test_later(void **state) {
        const char *p = agent("slow", "sleep 0.4; echo '<resource-agent name=\"slow\"/>'");
        char *xml = NULL;
        size_t len = 0;
        char err[512] = "";
        assert_int_equal(ocf_meta_read(p, 50 * WP_USEC_PER_MSEC, &xml, &len, err, sizeof(err)), -EAGAIN);
        assert_non_null(strstr(err, "meta-data is still running after 50 ms"));
        assert_null(xml);
        /* The read went on: a later call takes its result. */
        assert_int_equal(ocf_meta_read(p, 3 * WP_USEC_PER_SEC, &xml, &len, err, sizeof(err)), 1);
        assert_string_equal(xml, "<resource-agent name=\"slow\"/>\n");
        free(xml);
}

static void test_failures(void **state) {
        char *xml = NULL;
        size_t len = 0;
        char err[512] = "";
        const char *p = agent("broken", "echo usage; exit 5");
        assert_int_equal(ocf_meta_read(p, 2 * WP_USEC_PER_SEC, &xml, &len, err, sizeof(err)), -EIO);
        assert_non_null(strstr(err, "meta-data failed: exit code 5 (OCF_ERR_INSTALLED"));
        /* A result is handed out once: the next call reads again. */
        assert_int_equal(ocf_meta_read(p, 2 * WP_USEC_PER_SEC, &xml, &len, err, sizeof(err)), -EIO);
        char missing[300];
        snprintf(missing, sizeof(missing), "%s/none", dir);
        assert_true(ocf_meta_read(missing, 2 * WP_USEC_PER_SEC, &xml, &len, err, sizeof(err)) < 0);
        assert_non_null(strstr(err, "cannot run"));
        assert_null(xml);
}

static int setup(void **state) {
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_at_once),
                cmocka_unit_test(test_later),
                cmocka_unit_test(test_failures),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
