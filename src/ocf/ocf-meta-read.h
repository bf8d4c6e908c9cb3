/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Agents' meta-data read off the monitor's loop: each read runs
 * ocf_agent_meta_data (bounded by OCF_META_DATA_TIMEOUT) on a thread of its
 * own, and the caller waits for it at most a budget within the 300 ms rule.
 * A read that takes longer goes on; the next call for the same agent waits
 * for it again, and takes its result once it is there. Owns the reads
 * under way; thread-safe.
 */
#pragma once

#include <stddef.h>

#include <wolfpack/resapi.h>

/* 1 and *ret (NUL-terminated, malloc'ed) with its length when the
 * meta-data of path has been read; -EAGAIN with err saying so when it is
 * still being read after budget; another negative errno with err when the
 * read failed. Each result is handed out once: the call after it reads
 * again. */
int ocf_meta_read(const char *path, wp_usec_t budget, char **ret, size_t *ret_len, char *err, size_t errlen);
