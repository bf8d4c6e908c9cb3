/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Building the API's request paths from what was typed. Owns escaping;
 * never sends anything.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-path.h"
#include "macro.h"

static int unreserved(unsigned char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
               c == '_' || c == '~';
}

/* "." and "..", whole: a URL normaliser removes them from a path. */
static bool dot_segment(const char *s) {
        return s[0] == '.' && (s[1] == '\0' || (s[1] == '.' && s[2] == '\0'));
}

char *cli_url_escape(const char *s) {
        static const char hex[] = "0123456789ABCDEF";
        size_t n = strlen(s);
        bool dots = dot_segment(s);
        char *out = malloc(n * 3 + 1), *o = out;
        if (!out)
                return NULL;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if (unreserved(*p) && !dots)
                        *o++ = (char) *p;
                else {
                        *o++ = '%';
                        *o++ = hex[*p >> 4];
                        *o++ = hex[*p & 15];
                }
        }
        *o = '\0';
        return out;
}

int cli_path(char **ret, const char *collection, const char *name, const char *action, const char *key,
             const char *value) {
        _cleanup_free_ char *n = name ? cli_url_escape(name) : NULL;
        _cleanup_free_ char *v = key && value ? cli_url_escape(value) : NULL;
        if ((name && !n) || (key && value && !v))
                return -ENOMEM;
        char *p = NULL;
        if (asprintf(&p, "/v1/%s%s%s%s%s%s%s%s%s", collection, n ? "/" : "", n ? n : "", n && action ? "/" : "",
                     n && action ? action : "", key ? "?" : "", key ? key : "", key ? "=" : "", v ? v : "") < 0)
                return -ENOMEM;
        *ret = p;
        return 0;
}
