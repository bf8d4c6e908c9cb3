/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The state directory's lock and the daemon's identity (statedir.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Lock dir for this process; *ret_fd holds the lock until closed. -EBUSY
 * when another process holds it, err naming its pid when known and what to
 * do. */
int statedir_lock(const char *dir, int *ret_fd, char *err, size_t errlen);
/* The identity kept in dir, made on first use. */
int statedir_identity(const char *dir, char **ret_id, char *err, size_t errlen);
/* 16 to 64 lowercase hexadecimal digits. */
bool statedir_id_valid(const char *id);
