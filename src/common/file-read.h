/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading small files whole (file-read.c). */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Read fd until size bytes came or it ends; *ret how many came. 0 or a
 * negative errno (EINTR retried). */
int fd_read_all(int fd, uint8_t *buf, size_t size, size_t *ret);

/* The whole of a regular file of at most max bytes, NUL-terminated;
 * -ENOENT when there is none, -EFBIG when longer, -EINVAL when it is not
 * a regular file, else open's or read's errno. *ret malloc'ed. */
int file_read(const char *path, size_t max, char **ret, size_t *ret_size);
