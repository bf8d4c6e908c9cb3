/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A scratch directory of the test's own for unit tests that write files:
 * scratch_dir, made under /tmp by scratch_dir_make before each test that
 * names it as its setup, removed with all it holds by scratch_dir_remove
 * after. Header-only, for tests; include after cmocka.h.
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>

static char scratch_dir[64];

static int scratch_dir_make(void **state) {
        snprintf(scratch_dir, sizeof scratch_dir, "/tmp/wolfpack-unit-XXXXXX");
        assert_non_null(mkdtemp(scratch_dir));
        return 0;
}

static int scratch_dir_remove(void **state) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch_dir);
        assert_int_equal(system(cmd), 0);
        return 0;
}
