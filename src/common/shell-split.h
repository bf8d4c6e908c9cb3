/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Split a command line into words the way a POSIX shell does for a simple
 * command, without expanding anything: single quotes (literal), double
 * quotes (backslash escapes only \" \\ \$ \` and newline), backslash outside
 * quotes (backslash-newline joins lines), blanks between words (space, tab,
 * CR, newline). No variables, globs, tildes, comments or operators: '#', ';',
 * '$' and the rest are plain characters, and the words are handed to execve
 * as they are. Pure; no I/O.
 */
#pragma once

#include <stddef.h>

/* 0 and a NULL-terminated vector (empty input: an empty vector), or -EINVAL
 * with err saying what is wrong ("unterminated single quote at column 7";
 * columns count characters from 1, the quote's own column), or -ENOMEM.
 * *ret untouched on failure. */
int shell_split(const char *s, char ***ret, char *err, size_t errlen);
/* The reverse: quote words so that shell_split gives them back (and a
 * POSIX shell too): plain words as they are, others in single quotes.
 * NULL or empty: "". malloc'ed; NULL on allocation failure. */
char *shell_join(char *const *argv);
