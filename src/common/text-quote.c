/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one formatter of untrusted text in messages (see text-quote.h). It
 * works a character at a time, so the cut never splits a character, and
 * checks the room left before writing each one: no run of continuation
 * bytes or control characters can push it past its buffer.
 */
#include <stdbool.h>
#include <string.h>

#include "text-quote.h"

/* Length of the valid UTF-8 sequence at p (len bytes left), or 0. The
 * ranges are RFC 3629's: no overlong forms, no surrogates, nothing past
 * U+10FFFF. */
static size_t utf8_length(const unsigned char *p, size_t len) {
        size_t n;
        unsigned char lo = 0x80, hi = 0xBF;

        if (p[0] >= 0xC2 && p[0] <= 0xDF)
                n = 2;
        else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
                n = 3;
                if (p[0] == 0xE0)
                        lo = 0xA0;
                else if (p[0] == 0xED)
                        hi = 0x9F;
        } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
                n = 4;
                if (p[0] == 0xF0)
                        lo = 0x90;
                else if (p[0] == 0xF4)
                        hi = 0x8F;
        } else
                return 0;
        if (len < n || p[1] < lo || p[1] > hi)
                return 0;
        for (size_t i = 2; i < n; i++)
                if (p[i] < 0x80 || p[i] > 0xBF)
                        return 0;
        return n;
}

size_t utf8_valid_prefix(const char *s, size_t len) {
        const unsigned char *p = (const unsigned char *) s;
        size_t i = 0;
        while (i < len) {
                size_t n = p[i] < 0x80 ? 1 : utf8_length(p + i, len - i);
                if (n == 0)
                        break;
                i += n;
        }
        return i;
}

static char *put_escaped(char *o, unsigned char c) {
        static const char hex[] = "0123456789abcdef";
        *o++ = '\\';
        switch (c) {
        case '"':
        case '\\':
                *o++ = (char) c;
                break;
        case '\n':
                *o++ = 'n';
                break;
        case '\t':
                *o++ = 't';
                break;
        default:
                *o++ = 'x';
                *o++ = hex[c >> 4];
                *o++ = hex[c & 15];
        }
        return o;
}

TextQuoted text_quote_n(const char *v, size_t len) {
        TextQuoted q;
        const unsigned char *p = (const unsigned char *) (v ? v : "");
        char *o = q.s;
        size_t i = 0;

        if (!v)
                len = 0;
        *o++ = '"';
        char *const end = q.s + 1 + TEXT_QUOTE_OUTPUT;
        while (i < len && i < TEXT_QUOTE_INPUT) {
                size_t n = p[i] >= 0x80 ? utf8_length(p + i, len - i) : 1;
                unsigned char c = p[i];
                bool plain = n > 1 || (c >= 0x20 && c < 0x7F && c != '"' && c != '\\');
                size_t need = plain ? n : c == '"' || c == '\\' || c == '\n' || c == '\t' ? 2 : 4;
                if (need > (size_t) (end - o))
                        break;
                if (plain) {
                        memcpy(o, p + i, n);
                        o += n;
                } else
                        o = put_escaped(o, c);
                i += n == 0 ? 1 : n;
        }
        *o++ = '"';
        if (i < len)
                o = stpcpy(o, "...");
        *o = '\0';
        return q;
}

TextQuoted text_quote(const char *v) {
        return text_quote_n(v, v ? strlen(v) : 0);
}
