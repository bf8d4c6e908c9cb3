/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Capability names: "CAP_SYS_ADMIN", "cap_sys_admin" or "sys_admin" to
 * its number and back, and a list of names to a mask. Pure.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define JOB_CAP_NAMED 41  /* CAP_CHOWN (0) .. CAP_CHECKPOINT_RESTORE (40) */

/* The number, or -EINVAL. */
int job_cap_from_name(const char *name);
/* "CAP_SYS_ADMIN"; NULL past the table. */
const char *job_cap_name(int cap);
/* Every entry of names into a mask (bit n: capability n); err names the
 * first unknown entry and says where the names come from. */
int job_caps_parse(char *const *names, uint64_t *ret, char *err, size_t errlen);
