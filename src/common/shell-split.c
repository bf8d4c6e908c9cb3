/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Command lines as text: shell_split turns the text an administrator typed
 * into the argv handed to execve, shell_join turns an argv back into text
 * that splits to the same words. Owns the quoting rules of ARGV and LIST
 * properties. Never expands anything (no variables, globs, tildes,
 * operators, comments), never does I/O, never logs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "shell-split.h"
#include "strv.h"

static void set_error(char *err, size_t errlen, const char *fmt, ...) _printf_(3, 4);
static void set_error(char *err, size_t errlen, const char *fmt, ...) {
        if (!err || errlen == 0)
                return;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
}

/* Blanks separate words. A newline is one too: a command line stored in a
 * property is one command, and a value pasted over several lines should
 * not be refused. */
static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Columns count characters, not bytes, so that a message about a line with
 * UTF-8 text points where a person looks. 1-based. */
static size_t column_of(const char *s, const char *at) {
        size_t col = 1;
        for (const char *p = s; p < at; p++)
                if (((unsigned char) *p & 0xC0) != 0x80)
                        col++;
        return col;
}

typedef struct word {
        char *buf;
        size_t len, cap;
} word;

static int word_add(word *w, char c) {
        if (w->len + 2 > w->cap) {
                size_t cap = w->cap ? w->cap * 2 : 32;
                char *b = realloc(w->buf, cap);
                if (!b)
                        return -ENOMEM;
                w->buf = b;
                w->cap = cap;
        }
        w->buf[w->len++] = c;
        w->buf[w->len] = 0;
        return 0;
}

/* Hands the finished word over to the vector and starts a new one. */
static int word_finish(word *w, char ***l) {
        char *s = w->buf ? w->buf : strdup("");
        if (!s)
                return -ENOMEM;
        int r = strv_push(l, s);
        if (r < 0) {
                free(s);
                w->buf = NULL;
                w->len = w->cap = 0;
                return r;
        }
        w->buf = NULL;
        w->len = w->cap = 0;
        return 0;
}

int shell_split(const char *s, char ***ret, char *err, size_t errlen) {
        if (!s || !ret) {
                set_error(err, errlen, "no command line given");
                return -EINVAL;
        }

        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;

        word w = {};
        bool in_word = false;
        int r = 0;
        const char *p = s;

        while (*p) {
                char c = *p;

                if (is_blank(c)) {
                        if (in_word) {
                                r = word_finish(&w, &l);
                                if (r < 0)
                                        goto fail;
                                in_word = false;
                        }
                        p++;
                        continue;
                }

                if (c == '\\') {
                        if (p[1] == 0) {
                                set_error(err, errlen,
                                          "trailing backslash at column %zu; write \\\\ for a backslash",
                                          column_of(s, p));
                                r = -EINVAL;
                                goto fail;
                        }
                        if (p[1] == '\n') {
                                /* Line continuation: both characters vanish. */
                                p += 2;
                                continue;
                        }
                        r = word_add(&w, p[1]);
                        if (r < 0)
                                goto fail;
                        in_word = true;
                        p += 2;
                        continue;
                }

                if (c == '\'') {
                        const char *open = p++;
                        in_word = true;
                        while (*p && *p != '\'') {
                                r = word_add(&w, *p++);
                                if (r < 0)
                                        goto fail;
                        }
                        if (!*p) {
                                set_error(err, errlen, "unterminated single quote at column %zu",
                                          column_of(s, open));
                                r = -EINVAL;
                                goto fail;
                        }
                        p++;
                        continue;
                }

                if (c == '"') {
                        const char *open = p++;
                        in_word = true;
                        while (*p && *p != '"') {
                                if (*p == '\\' && p[1] == '\n') {
                                        p += 2;
                                        continue;
                                }
                                if (*p == '\\' && p[1] && strchr("\"\\$`", p[1])) {
                                        r = word_add(&w, p[1]);
                                        p += 2;
                                } else
                                        r = word_add(&w, *p++);
                                if (r < 0)
                                        goto fail;
                        }
                        if (!*p) {
                                set_error(err, errlen, "unterminated double quote at column %zu",
                                          column_of(s, open));
                                r = -EINVAL;
                                goto fail;
                        }
                        p++;
                        continue;
                }

                r = word_add(&w, c);
                if (r < 0)
                        goto fail;
                in_word = true;
                p++;
        }

        if (in_word) {
                r = word_finish(&w, &l);
                if (r < 0)
                        goto fail;
        }

        *ret = TAKE_PTR(l);
        return 0;

fail:
        free(w.buf);
        return r;
}

/* Characters that no POSIX shell treats specially anywhere in a word, so
 * that the text can also be pasted into a real shell. Bytes of UTF-8
 * sequences are plain characters to shell_split and stay readable. */
static bool is_safe(unsigned char c) {
        if (c >= 0x80)
                return true;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
                return true;
        return c && strchr("@%+=:,./_-", c);
}

static bool needs_quotes(const char *w) {
        if (!*w)
                return true;
        for (const unsigned char *p = (const unsigned char *) w; *p; p++)
                if (!is_safe(*p))
                        return true;
        return false;
}

char *shell_join(char *const *argv) {
        size_t len = 1;
        for (size_t i = 0; argv && argv[i]; i++) {
                /* Worst case: every character a single quote, each written
                 * as '\'' (4 bytes), plus the enclosing quotes and a blank. */
                size_t n = strlen(argv[i]);
                if (n > (SIZE_MAX - len - 3) / 4)
                        return NULL;
                len += n * 4 + 3;
        }

        char *s = malloc(len), *o = s;
        if (!s)
                return NULL;

        for (size_t i = 0; argv && argv[i]; i++) {
                const char *w = argv[i];
                if (i > 0)
                        *o++ = ' ';
                if (!needs_quotes(w)) {
                        o = stpcpy(o, w);
                        continue;
                }
                /* Single quotes keep everything literal, newlines and
                 * backslashes included; a single quote itself closes the
                 * quoting, is escaped, and reopens it. */
                *o++ = '\'';
                for (const char *p = w; *p; p++) {
                        if (*p == '\'')
                                o = stpcpy(o, "'\\''");
                        else
                                *o++ = *p;
                }
                *o++ = '\'';
        }
        *o = 0;
        return s;
}
