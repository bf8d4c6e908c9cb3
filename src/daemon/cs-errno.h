/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Corosync's errors in the project's one code space: CS_OK (which is 1,
 * not 0) becomes 0 and every cs_error_t a negative errno, here and nowhere
 * else, so no corosync status ever leaks past the engine.
 */
#pragma once

#include <corosync/corotypes.h>

int cs_errno(cs_error_t e);
