/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Answers as errnos, error bodies as messages, results as exit codes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli-error.h"
#include "cli.h"
#include "macro.h"

static void test_status_to_errno(void **state) {
        static const struct {
                long status;
                int r;
        } cases[] = {
                { 200, 0 },           { 201, 0 },         { 202, 0 },           { 204, 0 },
                { 400, -EBADMSG },    { 403, -EACCES },   { 404, -ENOENT },     { 405, -EOPNOTSUPP },
                { 409, -EBUSY },      { 413, -EMSGSIZE }, { 422, -EDOM },       { 503, -ENOTCONN },
                { 418, -EPROTO },     { 500, -EREMOTEIO }, { 502, -EREMOTEIO }, { 0, -EREMOTEIO },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                int r = cli_errno_from_status(cases[i].status);
                if (r != cases[i].r)
                        fail_msg("status %ld: %d, not %d", cases[i].status, r, cases[i].r);
                /* -EINVAL means a usage error; no answer may produce it. */
                assert_int_not_equal(r, -EINVAL);
        }
}

static void test_exit_codes(void **state) {
        assert_int_equal(cli_exit_code(0), CLI_EXIT_OK);
        assert_int_equal(cli_exit_code(1), CLI_EXIT_OK);
        assert_int_equal(cli_exit_code(-EINVAL), CLI_EXIT_USAGE);
        assert_int_equal(cli_exit_code(-ENOENT), CLI_EXIT_NOT_FOUND);
        assert_int_equal(cli_exit_code(cli_errno_from_status(404)), 3);
        static const long failed[] = { 400, 403, 405, 409, 413, 422, 500, 503 };
        for (size_t i = 0; i < ELEMENTSOF(failed); i++)
                assert_int_equal(cli_exit_code(cli_errno_from_status(failed[i])), CLI_EXIT_FAILED);
        static const int others[] = { -ECONNREFUSED, -ETIMEDOUT, -EREMOTEIO, -ENOMEM, -EIO, -ECONNRESET };
        for (size_t i = 0; i < ELEMENTSOF(others); i++)
                assert_int_equal(cli_exit_code(others[i]), CLI_EXIT_FAILED);
}

static char *message(long status, const char *body) {
        char *m = NULL;
        assert_int_equal(cli_error_message(status, body, body ? strlen(body) : 0, &m), 0);
        assert_non_null(m);
        return m;
}

static void test_messages(void **state) {
        char *m = message(404, "{\"error\": {\"status\": 404, \"code\": \"not_found\", \"message\": "
                               "\"no resource \\\"wbe\\\"; did you mean \\\"web\\\"?\"}}");
        assert_string_equal(m, "no resource \"wbe\"; did you mean \"web\"?");
        free(m);

        m = message(422, "{\"error\": {\"status\": 422, \"code\": \"invalid\", \"property\": \"StopTimeout\", "
                         "\"message\": \"StopTimeout: \\\"x\\\" is not a duration\"}}");
        assert_string_equal(m, "StopTimeout: \"x\" is not a duration");
        free(m);

        /* Not the API's shape: the status and the first line. */
        m = message(502, "<html>Bad gateway</html>\nmore");
        assert_string_equal(m, "wolfpackd answered 502 (error): <html>Bad gateway</html>");
        free(m);
        m = message(500, NULL);
        assert_string_equal(m, "wolfpackd answered 500 (internal error)");
        free(m);
        m = message(409, "{\"error\": {\"message\": \"\"}}");
        assert_non_null(strstr(m, "409 (conflict)"));
        free(m);
        m = message(403, "{\"error\": \"nope\"}");
        assert_non_null(strstr(m, "403 (forbidden)"));
        free(m);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_status_to_errno),
                cmocka_unit_test(test_exit_codes),
                cmocka_unit_test(test_messages),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
