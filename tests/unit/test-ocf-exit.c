/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* OCF exit codes: outcomes and the text that names them. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ocf-exit.h"

static void expect(int code, int status, bool timed_out, OcfOutcome outcome, const char *text) {
        wp_exit how = { .code = code, .status = status };
        char buf[200] = "";
        assert_int_equal(ocf_outcome(&how, timed_out, buf, sizeof(buf)), outcome);
        if (!strstr(buf, text))
                fail_msg("exit %d/%d: \"%s\" lacks \"%s\"", code, status, buf, text);
}

static void test_codes(void **state) {
        expect(CLD_EXITED, 0, false, OCF_OUTCOME_SUCCESS, "exit code 0 (OCF_SUCCESS");
        expect(CLD_EXITED, 7, false, OCF_OUTCOME_NOT_RUNNING, "OCF_NOT_RUNNING: not running");
        expect(CLD_EXITED, 1, false, OCF_OUTCOME_ERROR, "OCF_ERR_GENERIC: generic error");
        expect(CLD_EXITED, 2, false, OCF_OUTCOME_ERROR, "OCF_ERR_ARGS: invalid arguments");
        expect(CLD_EXITED, 3, false, OCF_OUTCOME_ERROR, "OCF_ERR_UNIMPLEMENTED: action not implemented");
        expect(CLD_EXITED, 4, false, OCF_OUTCOME_ERROR, "OCF_ERR_PERM: insufficient privileges");
        expect(CLD_EXITED, 5, false, OCF_OUTCOME_ERROR, "OCF_ERR_INSTALLED: not installed");
        expect(CLD_EXITED, 6, false, OCF_OUTCOME_ERROR, "OCF_ERR_CONFIGURED: not configured");
        expect(CLD_EXITED, 8, false, OCF_OUTCOME_UNSUPPORTED, "promotable resources are not supported");
        expect(CLD_EXITED, 9, false, OCF_OUTCOME_UNSUPPORTED, "OCF_FAILED_PROMOTED");
        expect(CLD_EXITED, 190, false, OCF_OUTCOME_SUCCESS, "OCF_DEGRADED: running, degraded");
        expect(CLD_EXITED, 191, false, OCF_OUTCOME_UNSUPPORTED, "OCF_DEGRADED_PROMOTED");
        expect(CLD_EXITED, 42, false, OCF_OUTCOME_ERROR, "exit code 42 (not an OCF exit code");
}

static void test_signals_and_timeouts(void **state) {
        expect(CLD_KILLED, SIGSEGV, false, OCF_OUTCOME_ERROR, "killed by signal 11");
        expect(CLD_DUMPED, SIGABRT, false, OCF_OUTCOME_ERROR, "killed by signal 6");
        /* Killed at its timeout: the timeout is the cause, whatever the signal. */
        expect(CLD_KILLED, SIGKILL, true, OCF_OUTCOME_ERROR, "timed out");
        expect(CLD_EXITED, 0, true, OCF_OUTCOME_ERROR, "timed out");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_codes),
                cmocka_unit_test(test_signals_and_timeouts),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
