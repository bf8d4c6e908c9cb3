/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tokens of the remote API (token.h): made from getrandom(), hashed with
 * GnuTLS's SHA-256. Owns nothing. Must never keep, print or log a token.
 */
#include <errno.h>
#include <gnutls/crypto.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include "macro.h"
#include "token.h"

int token_make(char buf[static TOKEN_LEN + 1]) {
        static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        uint8_t raw[33] = {};
        size_t got = 0;
        while (got < 32) {
                ssize_t n = getrandom(raw + got, 32 - got, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? negative_errno() : -EIO;
                got += (size_t) n;
        }
        memcpy(buf, TOKEN_PREFIX, 3);
        char *o = buf + 3;
        /* 32 bytes = 10 groups of 3 and 2 left: 40 + 3 characters. */
        for (size_t i = 0; i < 33; i += 3) {
                uint32_t v = (uint32_t) raw[i] << 16 | (uint32_t) raw[i + 1] << 8 | raw[i + 2];
                *o++ = b64[(v >> 18) & 63];
                *o++ = b64[(v >> 12) & 63];
                *o++ = b64[(v >> 6) & 63];
                if (i + 3 < 33)
                        *o++ = b64[v & 63];
        }
        *o = '\0';
        explicit_bzero(raw, sizeof(raw));
        return 0;
}

int token_hash(const char *token, char out[static TOKEN_HASH_LEN + 1]) {
        uint8_t d[32];
        if (gnutls_hash_fast(GNUTLS_DIG_SHA256, token, strlen(token), d) < 0)
                return -EIO;
        static const char hex[] = "0123456789abcdef";
        for (size_t i = 0; i < 32; i++) {
                out[2 * i] = hex[d[i] >> 4];
                out[2 * i + 1] = hex[d[i] & 15];
        }
        out[TOKEN_HASH_LEN] = '\0';
        return 0;
}
