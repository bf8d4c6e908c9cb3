/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Resource type names. A plain type ("genapp") is its plug-in's file name:
 * 1 to 63 characters of a-z 0-9 _ -. A type of a class ("ocf:heartbeat:Dummy")
 * is the class, a plain type name naming the class plug-in (ocf.so), a colon
 * and the subtype, one or more colon-separated parts of A-Z a-z 0-9 . _ -
 * (none of them "." or "..", so that a part can name a file), at most 255
 * characters in all. Owns these rules and their messages; pure functions.
 */
#pragma once

#include <stddef.h>

#define TYPE_NAME_MAX 255

/* Check name and split it: *ret_class_len is the length of the class (the
 * whole name for a plain type) and *ret_subtype points into name after the
 * first colon, or is NULL for a plain type. 0, or -EINVAL with err saying the
 * rule that name breaks. */
int type_name_split(const char *name, size_t *ret_class_len, const char **ret_subtype, char *err, size_t errlen);
