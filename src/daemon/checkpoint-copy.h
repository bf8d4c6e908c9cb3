/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A checkpoint's copy (checkpoint-copy.c): files, directories and links
 * under some paths as one text (JSON, each file's data in hex, with owner,
 * mode and times), and that text written back. No daemon state.
 */
#pragma once

#include <stddef.h>

/* paths' contents as one text, *ret malloc'ed; the same tree gives the
 * same text. -EFBIG (err names the file) when its files hold more than
 * max bytes. A path not there adds nothing. */
int checkpoint_capture(char *const *paths, size_t max, char **ret, char *err, size_t errlen);
/* Write text back under root (NULL: "/"): each file through a temporary
 * file renamed over it, owner, mode and times kept; directories made as
 * needed and given theirs last. -EINVAL for text that is no checkpoint. */
int checkpoint_write(const char *text, const char *root, char *err, size_t errlen);
