/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Untrusted text as it appears in a message for a person: in double quotes,
 * on one line, showing exactly what was given, and short. Quotes,
 * backslashes and control characters are escaped (\" \\ \n \t \xNN), as is
 * every byte that is not part of valid UTF-8, so the result is valid UTF-8
 * (a JSON string) whatever the input. At most TEXT_QUOTE_INPUT bytes of
 * input are shown, and no more than TEXT_QUOTE_OUTPUT bytes between the
 * quotes (escapes take up to 4 bytes a byte), cut on a character boundary
 * and followed by "..." when there is more: the quoted value leaves room
 * in a 256-byte message for what is wrong and how to fix it. The result
 * never exceeds its fixed buffer.
 */
#pragma once

#include <stddef.h>

#define TEXT_QUOTE_INPUT 64
#define TEXT_QUOTE_OUTPUT 128
/* Two quotes, "..." and the NUL around the value. */
#define TEXT_QUOTE_SIZE (TEXT_QUOTE_OUTPUT + 2 + 3 + 1)

typedef struct TextQuoted {
        char s[TEXT_QUOTE_SIZE];
} TextQuoted;

/* NULL is shown as "". */
TextQuoted text_quote(const char *v);
/* The same for len bytes, NULs included (shown as \x00). */
TextQuoted text_quote_n(const char *v, size_t len);
/* The length of the longest prefix of s (len bytes) that is valid UTF-8,
 * RFC 3629's: len when all of it is. */
size_t utf8_valid_prefix(const char *s, size_t len);
