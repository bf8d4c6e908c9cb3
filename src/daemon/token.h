/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The remote API's bearer tokens as text: making one (32 random bytes,
 * "wp_" and 43 characters of unpadded base64url) and the SHA-256 the
 * database keeps instead of it. A token has 256 bits of its own
 * randomness, so one fast hash keeps it safe at rest; the token itself
 * is shown once, to whoever made it, and never stored nor logged.
 */
#pragma once

#include <stddef.h>

#define TOKEN_PREFIX "wp_"
#define TOKEN_LEN (3 + 43)
#define TOKEN_HASH_LEN 64

/* A new token in buf (TOKEN_LEN + 1 bytes). 0, or a negative errno when
 * the kernel gives no random bytes. */
int token_make(char buf[static TOKEN_LEN + 1]);
/* The SHA-256 of token, as 64 lowercase hex digits. 0 or -EIO. */
int token_hash(const char *token, char out[static TOKEN_HASH_LEN + 1]);
