/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Split a command line into words the way a POSIX shell does for a simple
 * command, without expanding anything: single quotes (literal), double
 * quotes (backslash escapes only \" \\ \$ \` and newline), backslash outside
 * quotes, blanks between words. No variables, globs or operators: the words
 * are handed to execve as they are. Pure; no I/O.
 */
#pragma once

#include <stddef.h>

/* 0 and a NULL-terminated vector (empty input: an empty vector), or -EINVAL
 * with err saying what is wrong ("unterminated single quote at column 7"). */
int shell_split(const char *s, char ***ret, char *err, size_t errlen);
/* The reverse: quote words so that shell_split gives them back. */
char *shell_join(char *const *argv);
