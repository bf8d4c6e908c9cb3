/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Corosync's errors as errnos (src/daemon/cs-errno.c): CS_OK is 0, every
 * other status a negative errno, flow control is -EAGAIN. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "cs-errno.h"

static void test_mapping(void **state) {
        assert_int_equal(cs_errno(CS_OK), 0);
        assert_int_equal(cs_errno(CS_ERR_TRY_AGAIN), -EAGAIN);
        assert_int_equal(cs_errno(CS_ERR_LIBRARY), -ENOTCONN);
        assert_int_equal(cs_errno(CS_ERR_TOO_BIG), -EMSGSIZE);
        assert_int_equal(cs_errno(CS_ERR_NOT_EXIST), -ENOENT);
        /* Every status corosync defines, and any it may add, is an error. */
        for (int e = CS_ERR_LIBRARY; e <= CS_ERR_SECURITY + 5; e++)
                assert_true(cs_errno((cs_error_t) e) < 0);
        assert_true(cs_errno((cs_error_t) 0) < 0);
}

int main(void) {
        const struct CMUnitTest tests[] = { cmocka_unit_test(test_mapping) };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
