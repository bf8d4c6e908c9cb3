/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target of the text forms of property values and names
 * (src/common/props.c, shell-split.c, text-quote.c). The input's first byte
 * picks what is parsed; the rest is the text. Invariants:
 *   - sizes, durations and integers that parse format back to text that
 *     parses to the same value; bools and enums parse to a known value;
 *     a refused value leaves the output untouched;
 *   - a command line that splits joins back to one that splits to the same
 *     words, and any words (the input cut at NUL bytes) join and split back;
 *   - a name or id is accepted exactly when it follows the rule, and a
 *     refusal says so in a message that is valid UTF-8 and keeps the rule
 *     even in a 256-byte buffer;
 *   - props_set on a table of every type: a value taken formats to text
 *     that props_set takes again to the same value; a refusal comes with a
 *     message and leaves every value as it was;
 *   - text_quote never writes past its buffer, gives valid UTF-8 without
 *     control bytes, and unescapes to a prefix of its input, with "..."
 *     exactly when something was left out.
 *
 * Built with libFuzzer (clang -fsanitize=fuzzer, see README.md), or with
 * -DFUZZ_STANDALONE as a plain program that replays files and corpora.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "macro.h"
#include "props.h"
#include "shell-split.h"
#include "strv.h"
#include "text-quote.h"

/* Valid UTF-8, by jansson's own check (what an API reply needs). */
static bool utf8_ok(const char *s) {
        json_t *j = json_string(s);
        json_decref(j);
        return j != NULL;
}

static int unhex(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

static void check_quote(const char *v, size_t len) {
        TextQuoted q = text_quote_n(v, len);
        size_t n = strnlen(q.s, sizeof q.s);
        check(n < sizeof q.s);
        check(q.s[0] == '"');
        check(utf8_ok(q.s));
        for (size_t i = 0; i < n; i++)
                check((unsigned char) q.s[i] >= 0x20 && q.s[i] != 0x7f);

        /* Undo the escapes: a prefix of the input. */
        size_t k = 0, i = 1;
        for (; q.s[i] && q.s[i] != '"'; i++) {
                char c = q.s[i];
                if (c == '\\') {
                        c = q.s[++i];
                        if (c == 'n')
                                c = '\n';
                        else if (c == 't')
                                c = '\t';
                        else if (c == 'x') {
                                int hi = unhex(q.s[i + 1]), lo = unhex(q.s[i + 2]);
                                check(hi >= 0 && lo >= 0);
                                c = (char) (hi * 16 + lo);
                                i += 2;
                        } else
                                check(c == '"' || c == '\\');
                }
                check(k < len && v[k] == c);
                k++;
        }
        check(q.s[i] == '"');
        check(k <= TEXT_QUOTE_INPUT + 3);
        /* 128 bytes of escapes hold at least 32 characters (one of up to
         * 4 bytes may be left out whole). */
        check(k == len || k >= 29);
        check(strcmp(q.s + i + 1, k < len ? "..." : "") == 0);
}

/* A value parsed formats to text that parses to the same value; a refusal
 * leaves *ret alone. */
#define CHECK_UNIT_TYPE(name, type, parse, format)                        \
        static void name(const char *s) {                                 \
                type v = 12345, w = 0;                                    \
                int r = parse(s, &v);                                     \
                check(r == 0 || r == -EINVAL || r == -ERANGE);            \
                if (r < 0) {                                              \
                        check(v == 12345);                                \
                        return;                                           \
                }                                                         \
                _cleanup_free_ char *t = NULL;                            \
                check(format(v, &t) == 0);                                \
                check(parse(t, &w) == 0 && w == v);                       \
        }
CHECK_UNIT_TYPE(check_size, uint64_t, parse_size, format_size)
CHECK_UNIT_TYPE(check_duration, wp_usec_t, parse_duration, format_duration)

static int format_int64(int64_t v, char **ret) {
        return asprintf(ret, "%" PRId64, v) < 0 ? -ENOMEM : 0;
}
CHECK_UNIT_TYPE(check_int, int64_t, parse_int64, format_int64)

static void check_bool(const char *s) {
        bool v = true;
        int r = parse_bool(s, &v);
        check(r == 0 || r == -EINVAL);
        if (r < 0)
                check(v == true);
}

static void check_split(const char *s) {
        char err[256] = "";
        char **argv = NULL;
        int r = shell_split(s, &argv, err, sizeof err);
        check(r == 0 || r == -EINVAL || r == -ENOMEM);
        if (r < 0) {
                check(!argv);
                if (r == -EINVAL)
                        check_message(err, sizeof err);
                return;
        }
        check(argv);
        _cleanup_free_ char *joined = shell_join(argv);
        check(joined);
        char **back = NULL;
        check(shell_split(joined, &back, err, sizeof err) == 0);
        check(strv_equal(argv, back));
        strv_free(back);
        strv_free(argv);
}

/* The input cut at its NUL bytes as words: they join and split back. */
static void check_join(const char *raw, size_t size) {
        char **words = fuzz_words((const uint8_t *) raw, size);
        _cleanup_free_ char *joined = shell_join(words);
        check(joined);
        char **back = NULL, err[256];
        check(shell_split(joined, &back, err, sizeof err) == 0);
        check(strv_equal(words, back));
        strv_free(back);
        strv_free(words);
}

static bool follows(const char *s, size_t max, const char *extra) {
        size_t n = strlen(s);
        if (n == 0 || n > max)
                return false;
        for (const char *p = s; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      strchr(extra, *p)))
                        return false;
        return true;
}

static void check_names(const char *s) {
        char err[256] = "";
        int r = name_validate("resource name", s, err, sizeof err);
        check(r == 0 || r == -EINVAL);
        check((r == 0) == (follows(s, 63, "._-") && strcmp(s, ".") != 0 && strcmp(s, "..") != 0));
        if (r < 0) {
                check_message(err, sizeof err);
                check(strstr(err, "names are 1 to 63 characters of A-Z a-z 0-9 . _ -") ||
                      ((strcmp(s, ".") == 0 || strcmp(s, "..") == 0) && strstr(err, "cannot be names")));
        }
        err[0] = '\0';
        r = id_validate("resource id", s, err, sizeof err);
        check(r == 0 || r == -EINVAL);
        check((r == 0) == follows(s, 64, "_-"));
        if (r < 0) {
                check_message(err, sizeof err);
                check(strstr(err, "ids are 1 to 64 characters of A-Z a-z 0-9 _ -"));
        }
}

typedef struct Params {
        char *text;
        char **argv;
        char **list;
        int64_t num;
        bool flag;
        int mode;
        uint64_t size;
        wp_usec_t timeout;
} Params;

static const char *const mode_names[] = { "simple", "forking", "oneshot", "Simple2", NULL };
static const int mode_values[] = { 1, 2, 3, 4 };

static const wp_prop table[] = {
        { .name = "Text", .type = WP_PROP_STRING, .offset = offsetof(Params, text) },
        { .name = "Argv", .type = WP_PROP_ARGV, .offset = offsetof(Params, argv), .default_value = "a 'b c'" },
        { .name = "List", .type = WP_PROP_LIST, .offset = offsetof(Params, list) },
        { .name = "Num", .type = WP_PROP_INT, .offset = offsetof(Params, num), .default_value = "0", .min = -20,
          .max = 19 },
        { .name = "Flag", .type = WP_PROP_BOOL, .offset = offsetof(Params, flag), .default_value = "no" },
        { .name = "Mode", .type = WP_PROP_ENUM, .offset = offsetof(Params, mode), .default_value = "simple",
          .enum_names = mode_names, .enum_values = mode_values },
        { .name = "Size", .type = WP_PROP_SIZE, .offset = offsetof(Params, size), .default_value = "1M",
          .min = 4096, .max = 0 },
        { .name = "Timeout", .type = WP_PROP_DURATION, .offset = offsetof(Params, timeout),
          .default_value = "30s", .min = 1000, .max = 3600000000 },
        { .name = "Ro", .type = WP_PROP_INT, .flags = WP_PROP_READONLY, .offset = offsetof(Params, num) },
        {},
};

/* "Name=value": props_set, then the value it took formats and sets again
 * to the same; a refusal changes nothing. */
static void check_set(const char *s) {
        /* Values arrive in JSON strings (the monitor protocol, the API):
         * always valid UTF-8, which props_to_json relies on. */
        if (!utf8_ok(s))
                return;
        _cleanup_free_ char *name = strdup(s);
        check(name);
        char *value = strchr(name, '=');
        if (value)
                *value++ = '\0';

        Params p = {};
        char err[256] = "";
        check(props_init(table, &p, err, sizeof err) == 0);
        json_t *before = props_to_json(table, &p);
        check(before);
        err[0] = '\0';
        int r = props_set(table, &p, name, value, err, sizeof err);
        json_t *after = props_to_json(table, &p);
        check(after);
        if (r < 0) {
                check(r == -ENOENT || r == -EPERM || r == -EINVAL || r == -ERANGE || r == -ENOMEM);
                if (r != -ENOMEM)
                        check_message(err, sizeof err);
                check(json_equal(before, after));
        } else {
                const wp_prop *prop = props_find(table, name);
                check(prop);
                _cleanup_free_ char *text = NULL;
                r = props_format(prop, &p, &text);
                check(r == 0);
                if (text) {
                        check(props_set(table, &p, name, text, err, sizeof err) == 0);
                        json_t *again = props_to_json(table, &p);
                        check(json_equal(after, again));
                        json_decref(again);
                }
                if (prop->type == WP_PROP_ENUM) {
                        bool known = false;
                        for (size_t i = 0; i < ELEMENTSOF(mode_values); i++)
                                known = known || p.mode == mode_values[i];
                        check(known);
                }
        }
        json_decref(before);
        json_decref(after);
        props_free(table, &p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size == 0)
                return 0;
        const char *raw = (const char *) data + 1;
        size_t len = size - 1;
        check_quote(raw, len);
        _cleanup_free_ char *s = strndup(raw, len);
        check(s);
        check(strcmp(text_quote(s).s, text_quote_n(raw, strlen(s)).s) == 0);

        switch (data[0] % 9) {
        case 0:
                check_size(s);
                break;
        case 1:
                check_duration(s);
                break;
        case 2:
                check_int(s);
                break;
        case 3:
                check_bool(s);
                break;
        case 4:
                check_split(s);
                break;
        case 5:
                check_join(raw, len);
                break;
        case 6:
                check_names(s);
                break;
        default:
                check_set(s);
        }
        return 0;
}
