/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Typed property tables: the text forms of every wp_prop type (sizes,
 * durations, booleans, integers, enums, command lines), the rules for
 * names and ids, and the messages that refuse a bad value. Owns parsing,
 * range checking, formatting and the JSON descriptions of property tables.
 * Pure: never does I/O, never logs, never keeps state; every failure comes
 * back as a negative errno with a message for a person.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "props.h"
#include "shell-split.h"
#include "strv.h"
#include "text-quote.h"

static char tolower_ascii(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

static void *mfree(void *p) {
        free(p);
        return NULL;
}

#define SIZE_HINT "use a number of bytes with an optional K, M, G or T suffix (powers of 1024), such as 4096, 512M, 1G"
#define DURATION_HINT "use a number with a unit such as 500ms, 30s, 2min, 1h"

static void set_error(char *err, size_t errlen, const char *fmt, ...) _printf_(3, 4);
static void set_error(char *err, size_t errlen, const char *fmt, ...) {
        if (!err || errlen == 0)
                return;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
}

/* ------------------------------------------------------------------------
 * Names and ids
 * ------------------------------------------------------------------------ */

static bool is_alnum_ascii(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool chars_ok(const char *s, size_t max, const char *extra) {
        size_t n = 0;
        for (; s[n]; n++) {
                if (n >= max)
                        return false;
                if (!is_alnum_ascii(s[n]) && !strchr(extra, s[n]))
                        return false;
        }
        return n > 0;
}

static bool is_dot_segment(const char *s) {
        return s && s[0] == '.' && (s[1] == '\0' || (s[1] == '.' && s[2] == '\0'));
}

int name_validate(const char *what, const char *name, char *err, size_t errlen) {
        if (name && chars_ok(name, 63, "._-") && !is_dot_segment(name))
                return 0;
        if (is_dot_segment(name)) {
                set_error(err, errlen, "%s \"%s\" is invalid: \".\" and \"..\" cannot be names (in paths they stand "
                          "for directories)", what ? what : "name", name);
                return -EINVAL;
        }
        set_error(err, errlen, "%s %s is invalid: names are 1 to 63 characters of A-Z a-z 0-9 . _ -",
                  what ? what : "name", text_quote(name).s);
        return -EINVAL;
}

int id_validate(const char *what, const char *id, char *err, size_t errlen) {
        /* No '.', so no ".", "..", hidden files or cgroup interface files. */
        if (id && chars_ok(id, 64, "_-"))
                return 0;
        set_error(err, errlen, "%s %s is invalid: ids are 1 to 64 characters of A-Z a-z 0-9 _ -",
                  what ? what : "id", text_quote(id).s);
        return -EINVAL;
}

/* ------------------------------------------------------------------------
 * Tables
 * ------------------------------------------------------------------------ */

const wp_prop *props_find(const wp_prop *table, const char *name) {
        if (!table || !name)
                return NULL;
        for (const wp_prop *p = table; p->name; p++)
                if (strcasecmp(p->name, name) == 0)
                        return p;
        return NULL;
}

static const char *const type_names[_WP_PROP_TYPE_MAX] = {
        [WP_PROP_STRING] = "string", [WP_PROP_ARGV] = "argv", [WP_PROP_LIST] = "list",
        [WP_PROP_INT] = "int",       [WP_PROP_BOOL] = "bool", [WP_PROP_ENUM] = "enum",
        [WP_PROP_SIZE] = "size",     [WP_PROP_DURATION] = "duration",
};

const char *prop_type_name(wp_prop_type t) {
        if ((unsigned) t >= _WP_PROP_TYPE_MAX)
                return NULL;
        return type_names[t];
}

/* The C member each type fills: its size and alignment. */
static const struct {
        size_t size, align;
} member_layout[_WP_PROP_TYPE_MAX] = {
        [WP_PROP_STRING] = { sizeof(char *), _Alignof(char *) },
        [WP_PROP_ARGV] = { sizeof(char **), _Alignof(char **) },
        [WP_PROP_LIST] = { sizeof(char **), _Alignof(char **) },
        [WP_PROP_INT] = { sizeof(int64_t), _Alignof(int64_t) },
        [WP_PROP_BOOL] = { sizeof(bool), _Alignof(bool) },
        [WP_PROP_ENUM] = { sizeof(int), _Alignof(int) },
        [WP_PROP_SIZE] = { sizeof(uint64_t), _Alignof(uint64_t) },
        [WP_PROP_DURATION] = { sizeof(wp_usec_t), _Alignof(wp_usec_t) },
};

static size_t member_size(wp_prop_type t) {
        return (unsigned) t < _WP_PROP_TYPE_MAX ? member_layout[t].size : 0;
}

static size_t member_align(wp_prop_type t) {
        return (unsigned) t < _WP_PROP_TYPE_MAX ? member_layout[t].align : 1;
}

static void *member_of(const wp_prop *p, void *params) {
        return (char *) params + p->offset;
}

static const void *member_of_const(const wp_prop *p, const void *params) {
        return (const char *) params + p->offset;
}

/* Levenshtein distance, ignoring case, for "did you mean". Long names get
 * no suggestion rather than a large buffer. */
#define SUGGEST_MAX 64
static size_t edit_distance(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b);
        if (la > SUGGEST_MAX || lb > SUGGEST_MAX)
                return SIZE_MAX;

        size_t prev[SUGGEST_MAX + 1], cur[SUGGEST_MAX + 1];
        for (size_t j = 0; j <= lb; j++)
                prev[j] = j;
        for (size_t i = 1; i <= la; i++) {
                cur[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        size_t cost = tolower_ascii(a[i - 1]) == tolower_ascii(b[j - 1]) ? 0 : 1;
                        size_t v = prev[j - 1] + cost;
                        if (prev[j] + 1 < v)
                                v = prev[j] + 1;
                        if (cur[j - 1] + 1 < v)
                                v = cur[j - 1] + 1;
                        cur[j] = v;
                }
                memcpy(prev, cur, (lb + 1) * sizeof(size_t));
        }
        return prev[lb];
}

/* The settable property closest to name, when it is close enough to be a
 * typing slip: at most a third of the name's length wrong, and at least
 * one character right. */
static const wp_prop *props_suggest(const wp_prop *table, const char *name) {
        const wp_prop *best = NULL;
        size_t best_d = SIZE_MAX;

        for (const wp_prop *p = table; p && p->name; p++) {
                if (p->flags & WP_PROP_READONLY)
                        continue;
                size_t d = edit_distance(name, p->name);
                size_t len = strlen(p->name);
                size_t limit = len / 3 < 1 ? 1 : len / 3;
                if (d <= limit && d < len && d < best_d) {
                        best = p;
                        best_d = d;
                }
        }
        return best;
}

/* ------------------------------------------------------------------------
 * Scalars
 * ------------------------------------------------------------------------ */

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

/* The value without surrounding blanks, as [*ret_start, *ret_end). */
static void trim(const char *s, const char **ret_start, const char **ret_end) {
        while (is_space(*s))
                s++;
        const char *e = s + strlen(s);
        while (e > s && is_space(e[-1]))
                e--;
        *ret_start = s;
        *ret_end = e;
}

int parse_bool(const char *s, bool *ret) {
        static const struct {
                const char *text;
                bool value;
        } words[] = {
                { "1", true },    { "yes", true },  { "true", true },   { "on", true },
                { "0", false },   { "no", false },  { "false", false }, { "off", false },
        };
        if (!s)
                return -EINVAL;
        const char *b, *e;
        trim(s, &b, &e);
        size_t n = (size_t) (e - b);
        for (size_t i = 0; i < ELEMENTSOF(words); i++)
                if (strlen(words[i].text) == n && strncasecmp(words[i].text, b, n) == 0) {
                        *ret = words[i].value;
                        return 0;
                }
        return -EINVAL;
}

int parse_int64(const char *s, int64_t *ret) {
        if (!s)
                return -EINVAL;
        const char *p, *e;
        trim(s, &p, &e);

        bool neg = false;
        if (p < e && (*p == '-' || *p == '+')) {
                neg = *p == '-';
                p++;
        }
        if (p == e)
                return -EINVAL;

        /* Accumulate the magnitude; INT64_MIN's is one more than INT64_MAX. */
        uint64_t limit = neg ? (uint64_t) INT64_MAX + 1 : (uint64_t) INT64_MAX;
        uint64_t v = 0;
        bool overflow = false;
        for (; p < e; p++) {
                if (!is_digit(*p))
                        return -EINVAL;
                unsigned d = (unsigned) (*p - '0');
                if (v > (limit - d) / 10)
                        overflow = true;
                else
                        v = v * 10 + d;
        }
        if (overflow)
                return -ERANGE;

        *ret = neg ? (v == (uint64_t) INT64_MAX + 1 ? INT64_MIN : -(int64_t) v) : (int64_t) v;
        return 0;
}

/* A decimal number "123" or "1.25" at *pp: the integer part and the
 * fraction as num / 10^digits (digits past the 18th are dropped: they are
 * below any unit's resolution here). Sets *overflow when the integer part
 * does not fit. 0, or -EINVAL when there is no digit. */
typedef struct decimal {
        uint64_t whole;
        uint64_t frac_num;
        uint64_t frac_den;
        bool overflow;
        bool has_point;
} decimal;

static int parse_decimal(const char **pp, const char *end, decimal *ret) {
        const char *p = *pp;
        decimal d = { .frac_den = 1 };
        bool any = false;

        for (; p < end && is_digit(*p); p++) {
                any = true;
                unsigned v = (unsigned) (*p - '0');
                if (d.whole > (UINT64_MAX - v) / 10)
                        d.overflow = true;
                else
                        d.whole = d.whole * 10 + v;
        }
        if (p < end && *p == '.') {
                d.has_point = true;
                p++;
                unsigned n = 0;
                for (; p < end && is_digit(*p); p++, n++) {
                        any = true;
                        if (n < 18) {
                                d.frac_num = d.frac_num * 10 + (uint64_t) (*p - '0');
                                d.frac_den *= 10;
                        }
                }
        }
        if (!any)
                return -EINVAL;
        *pp = p;
        *ret = d;
        return 0;
}

/* d × mult, the fraction rounded down; -ERANGE past UINT64_MAX. */
static int decimal_scale(const decimal *d, uint64_t mult, uint64_t *ret) {
        if (d->overflow)
                return -ERANGE;
        unsigned __int128 v = (unsigned __int128) d->whole * mult +
                              (unsigned __int128) d->frac_num * mult / d->frac_den;
        if (v > UINT64_MAX)
                return -ERANGE;
        *ret = (uint64_t) v;
        return 0;
}

typedef struct unit {
        const char *name;
        uint64_t mult;
} unit;

static const unit *unit_find(const unit *table, size_t n, const char *s, size_t len) {
        for (size_t i = 0; i < n; i++)
                if (strlen(table[i].name) == len && strncasecmp(table[i].name, s, len) == 0)
                        return &table[i];
        return NULL;
}

static bool is_alpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

#define KIB ((uint64_t) 1024)
static const unit size_units[] = {
        { "", 1 },           { "B", 1 },
        { "K", KIB },        { "KB", KIB },        { "KiB", KIB },
        { "M", KIB * KIB },  { "MB", KIB * KIB },  { "MiB", KIB * KIB },
        { "G", KIB * KIB * KIB },       { "GB", KIB * KIB * KIB },       { "GiB", KIB * KIB * KIB },
        { "T", KIB * KIB * KIB * KIB }, { "TB", KIB * KIB * KIB * KIB }, { "TiB", KIB * KIB * KIB * KIB },
};

int parse_size(const char *s, uint64_t *ret) {
        if (!s)
                return -EINVAL;
        const char *p, *e;
        trim(s, &p, &e);

        decimal d;
        if (parse_decimal(&p, e, &d) < 0)
                return -EINVAL;
        while (p < e && is_space(*p))
                p++;
        const char *u = p;
        while (p < e && is_alpha(*p))
                p++;
        if (p != e)
                return -EINVAL;
        const unit *un = unit_find(size_units, ELEMENTSOF(size_units), u, (size_t) (e - u));
        if (!un)
                return -EINVAL;
        /* A fraction of a byte is not a size; a fraction of a K is. */
        if (un->mult == 1 && d.frac_num != 0)
                return -EINVAL;

        uint64_t v;
        int r = decimal_scale(&d, un->mult, &v);
        if (r < 0)
                return r;
        *ret = v;
        return 0;
}

#define USEC_PER_MIN (60 * WP_USEC_PER_SEC)
#define USEC_PER_HOUR (60 * USEC_PER_MIN)
#define USEC_PER_DAY (24 * USEC_PER_HOUR)
static const unit duration_units[] = {
        { "us", 1 },
        { "usec", 1 },
        { "ms", WP_USEC_PER_MSEC },
        { "msec", WP_USEC_PER_MSEC },
        { "s", WP_USEC_PER_SEC },
        { "sec", WP_USEC_PER_SEC },
        { "second", WP_USEC_PER_SEC },
        { "seconds", WP_USEC_PER_SEC },
        { "m", USEC_PER_MIN },
        { "min", USEC_PER_MIN },
        { "minute", USEC_PER_MIN },
        { "minutes", USEC_PER_MIN },
        { "h", USEC_PER_HOUR },
        { "hour", USEC_PER_HOUR },
        { "hours", USEC_PER_HOUR },
        { "d", USEC_PER_DAY },
        { "day", USEC_PER_DAY },
        { "days", USEC_PER_DAY },
};

int parse_duration(const char *s, wp_usec_t *ret) {
        if (!s)
                return -EINVAL;
        const char *p, *e;
        trim(s, &p, &e);
        if (p == e)
                return -EINVAL;

        unsigned __int128 total = 0;
        bool too_long = false, first = true;

        while (p < e) {
                decimal d;
                if (parse_decimal(&p, e, &d) < 0)
                        return -EINVAL;
                while (p < e && is_space(*p))
                        p++;
                const char *u = p;
                while (p < e && is_alpha(*p))
                        p++;

                uint64_t mult;
                if (u == p) {
                        /* A bare number means seconds, alone only: in
                         * "1min 30" the 30 is more likely a slip. */
                        if (!first || p != e)
                                return -EINVAL;
                        mult = WP_USEC_PER_SEC;
                } else {
                        const unit *un = unit_find(duration_units, ELEMENTSOF(duration_units), u,
                                                   (size_t) (p - u));
                        if (!un)
                                return -EINVAL;
                        mult = un->mult;
                }

                uint64_t v;
                if (decimal_scale(&d, mult, &v) < 0)
                        too_long = true;
                else
                        total += v;
                if (total > UINT64_MAX)
                        too_long = true;

                while (p < e && is_space(*p))
                        p++;
                first = false;
        }

        if (too_long || total > DURATION_MAX_USEC)
                return -ERANGE;
        *ret = (wp_usec_t) total;
        return 0;
}

const char *parse_duration_error(int r) {
        return r == -ERANGE ? "is too long; durations go up to " DURATION_MAX_TEXT : "is not a duration; " DURATION_HINT;
}

/* Canonical text forms, into a caller's buffer so that messages need no
 * allocation. */
#define SIZE_TEXT_MAX 32
#define DURATION_TEXT_MAX 64

static void format_size_buf(uint64_t v, char buf[static SIZE_TEXT_MAX]) {
        static const struct {
                char suffix;
                uint64_t mult;
        } units[] = {
                { 'T', KIB * KIB * KIB * KIB },
                { 'G', KIB * KIB * KIB },
                { 'M', KIB * KIB },
                { 'K', KIB },
        };
        if (v != 0)
                for (size_t i = 0; i < ELEMENTSOF(units); i++)
                        if (v % units[i].mult == 0) {
                                snprintf(buf, SIZE_TEXT_MAX, "%" PRIu64 "%c", v / units[i].mult,
                                         units[i].suffix);
                                return;
                        }
        snprintf(buf, SIZE_TEXT_MAX, "%" PRIu64, v);
}

static void format_duration_buf(wp_usec_t v, char buf[static DURATION_TEXT_MAX]) {
        static const unit units[] = {
                { "d", USEC_PER_DAY },       { "h", USEC_PER_HOUR },     { "min", USEC_PER_MIN },
                { "s", WP_USEC_PER_SEC },    { "ms", WP_USEC_PER_MSEC }, { "us", 1 },
        };
        if (v == 0) {
                strcpy(buf, "0s");
                return;
        }
        char *o = buf;
        size_t left = DURATION_TEXT_MAX;
        for (size_t i = 0; i < ELEMENTSOF(units) && v > 0; i++) {
                uint64_t n = v / units[i].mult;
                if (n == 0)
                        continue;
                v -= n * units[i].mult;
                int k = snprintf(o, left, "%s%" PRIu64 "%s", o == buf ? "" : " ", n, units[i].name);
                if (k < 0 || (size_t) k >= left)
                        break; /* cannot happen: 20 digits × 6 units fit */
                o += k;
                left -= (size_t) k;
        }
}

int format_size(uint64_t v, char **ret) {
        char buf[SIZE_TEXT_MAX];
        format_size_buf(v, buf);
        char *s = strdup(buf);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int format_duration(wp_usec_t v, char **ret) {
        char buf[DURATION_TEXT_MAX];
        format_duration_buf(v, buf);
        char *s = strdup(buf);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* ------------------------------------------------------------------------
 * Ranges
 *
 * min/max 0/0: unbounded (INT: the whole int64_t range). max below min:
 * no upper bound (min 10ms, max 0: "10ms or more"). SIZE and DURATION
 * members are unsigned; a negative min means 0 for them.
 * ------------------------------------------------------------------------ */

static bool has_bounds(const wp_prop *p) {
        return p->min != 0 || p->max != 0;
}

static bool has_upper(const wp_prop *p) {
        return has_bounds(p) && p->max >= p->min;
}

static uint64_t umin_of(const wp_prop *p) {
        return p->min < 0 ? 0 : (uint64_t) p->min;
}

static uint64_t umax_of(const wp_prop *p) {
        return p->max < 0 ? 0 : (uint64_t) p->max;
}

static bool in_range_signed(const wp_prop *p, int64_t v) {
        if (!has_bounds(p))
                return true;
        return v >= p->min && (!has_upper(p) || v <= p->max);
}

static bool in_range_unsigned(const wp_prop *p, uint64_t v) {
        if (!has_bounds(p))
                return true;
        return v >= umin_of(p) && (!has_upper(p) || v <= umax_of(p));
}

/* "allowed 10ms to 1h" / "allowed 10ms or more", for messages. */
static void range_text(const wp_prop *p, char *buf, size_t len) {
        char lo[DURATION_TEXT_MAX], hi[DURATION_TEXT_MAX];
        switch (p->type) {
        case WP_PROP_SIZE:
                format_size_buf(umin_of(p), lo);
                format_size_buf(umax_of(p), hi);
                break;
        case WP_PROP_DURATION:
                format_duration_buf(umin_of(p), lo);
                format_duration_buf(umax_of(p), hi);
                break;
        default:
                if (!has_bounds(p)) {
                        snprintf(lo, sizeof lo, "%" PRId64, INT64_MIN);
                        snprintf(hi, sizeof hi, "%" PRId64, INT64_MAX);
                        snprintf(buf, len, "allowed %s to %s", lo, hi);
                        return;
                }
                snprintf(lo, sizeof lo, "%" PRId64, p->min);
                snprintf(hi, sizeof hi, "%" PRId64, p->max);
                break;
        }
        if (has_upper(p))
                snprintf(buf, len, "allowed %s to %s", lo, hi);
        else
                snprintf(buf, len, "allowed %s or more", lo);
}

/* ------------------------------------------------------------------------
 * Values
 * ------------------------------------------------------------------------ */

/* One parsed value, shaped like the member it goes into. */
typedef union value {
        char *string;
        char **strv;
        int64_t i;
        bool b;
        int e;
        uint64_t u;
} value;

static void value_free(wp_prop_type t, value *v) {
        if (t == WP_PROP_STRING)
                v->string = mfree(v->string);
        else if (t == WP_PROP_ARGV || t == WP_PROP_LIST)
                v->strv = strv_free(v->strv);
}

static void value_store(const wp_prop *p, void *member, value *v) {
        switch (p->type) {
        case WP_PROP_STRING:
                *(char **) member = TAKE_PTR(v->string);
                break;
        case WP_PROP_ARGV:
        case WP_PROP_LIST:
                *(char ***) member = TAKE_PTR(v->strv);
                break;
        case WP_PROP_INT:
                *(int64_t *) member = v->i;
                break;
        case WP_PROP_BOOL:
                *(bool *) member = v->b;
                break;
        case WP_PROP_ENUM:
                *(int *) member = v->e;
                break;
        case WP_PROP_SIZE:
                *(uint64_t *) member = v->u;
                break;
        case WP_PROP_DURATION:
                *(wp_usec_t *) member = v->u;
                break;
        default:
                break;
        }
}

/* The member-shaped storage check() is given. */
static const void *value_ptr(const wp_prop *p, const value *v) {
        switch (p->type) {
        case WP_PROP_STRING:
                return &v->string;
        case WP_PROP_ARGV:
        case WP_PROP_LIST:
                return &v->strv;
        case WP_PROP_INT:
                return &v->i;
        case WP_PROP_BOOL:
                return &v->b;
        case WP_PROP_ENUM:
                return &v->e;
        default:
                return &v->u;
        }
}

static int enum_value_at(const wp_prop *p, size_t i) {
        return p->enum_values ? p->enum_values[i] : (int) i;
}

static void enum_list(const wp_prop *p, char *buf, size_t len) {
        size_t o = 0;
        buf[0] = 0;
        for (size_t i = 0; p->enum_names && p->enum_names[i]; i++) {
                int k = snprintf(buf + o, len - o, "%s%s", i ? ", " : "", p->enum_names[i]);
                if (k < 0 || (size_t) k >= len - o)
                        break;
                o += (size_t) k;
        }
}

/* Parse text for p into *ret. The message names the property and says
 * what is allowed; `origin` is "" for a given value and "default " for the
 * table's own. */
static int value_parse(const wp_prop *p, const char *text, const char *origin, value *ret, char *err,
                       size_t errlen) {
        char range[512];
        value v = {};
        int r;

        switch (p->type) {
        case WP_PROP_STRING:
                v.string = strdup(text);
                if (!v.string)
                        return -ENOMEM;
                break;

        case WP_PROP_ARGV:
        case WP_PROP_LIST: {
                char why[128];
                r = shell_split(text, &v.strv, why, sizeof why);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        set_error(err, errlen, "%s: %s%s: %s", p->name, origin, text_quote(text).s, why);
                        return r;
                }
                break;
        }

        case WP_PROP_INT:
                r = parse_int64(text, &v.i);
                if (r == -EINVAL) {
                        if (has_bounds(p)) {
                                range_text(p, range, sizeof range);
                                set_error(err, errlen, "%s: %s%s is not an integer; %s", p->name, origin,
                                          text_quote(text).s, range);
                        } else
                                set_error(err, errlen,
                                          "%s: %s%s is not an integer; use a whole number such as 42 or -7",
                                          p->name, origin, text_quote(text).s);
                        return r;
                }
                if (r < 0 || !in_range_signed(p, v.i)) {
                        range_text(p, range, sizeof range);
                        set_error(err, errlen, "%s: %s%s is out of range; %s", p->name, origin, text_quote(text).s,
                                  range);
                        return -ERANGE;
                }
                break;

        case WP_PROP_BOOL:
                if (parse_bool(text, &v.b) < 0) {
                        set_error(err, errlen,
                                  "%s: %s%s is not a boolean; use yes or no (or true/false, on/off, 1/0)",
                                  p->name, origin, text_quote(text).s);
                        return -EINVAL;
                }
                break;

        case WP_PROP_ENUM: {
                const char *b, *e;
                trim(text, &b, &e);
                size_t n = (size_t) (e - b);
                bool found = false;
                for (size_t i = 0; p->enum_names && p->enum_names[i]; i++)
                        if (strlen(p->enum_names[i]) == n && strncasecmp(p->enum_names[i], b, n) == 0) {
                                v.e = enum_value_at(p, i);
                                found = true;
                                break;
                        }
                if (!found) {
                        enum_list(p, range, sizeof range);
                        set_error(err, errlen, "%s: %s%s is not one of %s", p->name, origin, text_quote(text).s,
                                  range);
                        return -EINVAL;
                }
                break;
        }

        case WP_PROP_SIZE:
                r = parse_size(text, &v.u);
                if (r == -EINVAL) {
                        set_error(err, errlen, "%s: %s%s is not a size; " SIZE_HINT, p->name, origin,
                                  text_quote(text).s);
                        return r;
                }
                if (r < 0) {
                        set_error(err, errlen,
                                  "%s: %s%s is too large; sizes go up to %" PRIu64 " bytes (16 EiB)",
                                  p->name, origin, text_quote(text).s, UINT64_MAX);
                        return -ERANGE;
                }
                if (!in_range_unsigned(p, v.u)) {
                        range_text(p, range, sizeof range);
                        set_error(err, errlen, "%s: %s%s is out of range; %s", p->name, origin, text_quote(text).s,
                                  range);
                        return -ERANGE;
                }
                break;

        case WP_PROP_DURATION:
                r = parse_duration(text, &v.u);
                if (r < 0) {
                        set_error(err, errlen, "%s: %s%s %s", p->name, origin, text_quote(text).s,
                                  parse_duration_error(r));
                        return r == -ERANGE ? -ERANGE : -EINVAL;
                }
                if (!in_range_unsigned(p, v.u)) {
                        range_text(p, range, sizeof range);
                        set_error(err, errlen, "%s: %s%s is out of range; %s", p->name, origin, text_quote(text).s,
                                  range);
                        return -ERANGE;
                }
                break;

        default:
                set_error(err, errlen, "%s: unknown property type %d", p->name, (int) p->type);
                return -EINVAL;
        }

        if (p->check) {
                char why[256] = "";
                r = p->check(value_ptr(p, &v), why, sizeof why);
                if (r < 0) {
                        if (why[0])
                                set_error(err, errlen, "%s: %s", p->name, why);
                        else
                                set_error(err, errlen, "%s: %s%s is refused (%s)", p->name, origin,
                                          text_quote(text).s, strerror(-r));
                        value_free(p->type, &v);
                        return r;
                }
        }

        *ret = v;
        return 0;
}

static int check_member(const wp_prop *p, size_t size, char *err, size_t errlen) {
        size_t n = member_size(p->type);
        if (n == 0) {
                set_error(err, errlen, "%s: unknown property type %d", p->name, (int) p->type);
                return -EINVAL;
        }
        if (p->offset % member_align(p->type) != 0) {
                set_error(err, errlen, "%s: member offset %zu is not aligned for a %s", p->name, p->offset,
                          prop_type_name(p->type));
                return -EINVAL;
        }
        if (size != SIZE_MAX && (p->offset > size || size - p->offset < n)) {
                set_error(err, errlen, "%s: member at offset %zu lies outside the %zu-byte parameters",
                          p->name, p->offset, size);
                return -EINVAL;
        }
        return 0;
}

/* Parse text (NULL: the default, or nothing) and store it in p's member,
 * leaving the member as it was on failure. */
static int prop_assign(const wp_prop *p, void *params, const char *text, char *err, size_t errlen) {
        int r = check_member(p, SIZE_MAX, err, errlen);
        if (r < 0)
                return r;

        const char *origin = "";
        if (!text) {
                text = p->default_value;
                origin = "default ";
        }

        value v = {};
        if (text) {
                r = value_parse(p, text, origin, &v, err, errlen);
                if (r < 0)
                        return r;
        }

        void *member = member_of(p, params);
        value old = {};
        memcpy(&old, member, member_size(p->type));
        value_free(p->type, &old);
        value_store(p, member, &v);
        return 0;
}

int props_set(const wp_prop *table, void *params, const char *name, const char *text, char *err,
              size_t errlen) {
        if (!table || !params || !name) {
                set_error(err, errlen, "no property table, parameters or name given");
                return -EINVAL;
        }

        const wp_prop *p = props_find(table, name);
        if (!p) {
                const wp_prop *s = props_suggest(table, name);
                if (s)
                        set_error(err, errlen, "no such property %s; did you mean \"%s\"?", text_quote(name).s,
                                  s->name);
                else
                        set_error(err, errlen, "no such property %s", text_quote(name).s);
                return -ENOENT;
        }
        if (p->flags & WP_PROP_READONLY) {
                set_error(err, errlen, "%s is read-only", p->name);
                return -EPERM;
        }
        return prop_assign(p, params, text, err, errlen);
}

int props_init(const wp_prop *table, void *params, char *err, size_t errlen) {
        if (!table || !params)
                return -EINVAL;
        for (const wp_prop *p = table; p->name; p++) {
                int r = check_member(p, SIZE_MAX, err, errlen);
                if (r < 0)
                        return r;
        }
        /* The parameters are fresh: nothing to free. */
        for (const wp_prop *p = table; p->name; p++)
                memset(member_of(p, params), 0, member_size(p->type));
        for (const wp_prop *p = table; p->name; p++) {
                int r = prop_assign(p, params, NULL, err, errlen);
                if (r < 0) {
                        props_free(table, params);
                        return r;
                }
        }
        return 0;
}

static bool member_is_set(const wp_prop *p, const void *params) {
        const void *m = member_of_const(p, params);
        switch (p->type) {
        case WP_PROP_STRING: {
                const char *s = *(char *const *) m;
                return s && *s;
        }
        case WP_PROP_ARGV:
        case WP_PROP_LIST:
                return strv_length(*(char **const *) m) > 0;
        case WP_PROP_INT:
                return *(const int64_t *) m != 0;
        case WP_PROP_BOOL:
                return *(const bool *) m;
        case WP_PROP_ENUM:
                return *(const int *) m != 0;
        case WP_PROP_SIZE:
        case WP_PROP_DURATION:
                return *(const uint64_t *) m != 0;
        default:
                return false;
        }
}

int props_check_required(const wp_prop *table, const void *params, char *err, size_t errlen) {
        if (!table || !params)
                return -EINVAL;

        char names[512] = "";
        size_t n = 0, o = 0;
        const wp_prop *last = NULL;

        /* Name them all, "A is required" / "A, B and C are required": one
         * round trip for the administrator, not one per property. */
        for (const wp_prop *p = table; p->name; p++) {
                if (!(p->flags & WP_PROP_REQUIRED) || (p->flags & WP_PROP_READONLY))
                        continue;
                if (member_is_set(p, params))
                        continue;
                if (last) {
                        int k = snprintf(names + o, sizeof names - o, "%s%s", n > 1 ? ", " : "", last->name);
                        if (k > 0 && (size_t) k < sizeof names - o)
                                o += (size_t) k;
                }
                last = p;
                n++;
        }
        if (n == 0)
                return 0;
        if (n == 1)
                set_error(err, errlen, "%s is required", last->name);
        else
                set_error(err, errlen, "%s and %s are required", names, last->name);
        return -EINVAL;
}

void props_free(const wp_prop *table, void *params) {
        if (!table || !params)
                return;
        for (const wp_prop *p = table; p->name; p++) {
                if (p->type == WP_PROP_STRING) {
                        char **m = member_of(p, params);
                        *m = mfree(*m);
                } else if (p->type == WP_PROP_ARGV || p->type == WP_PROP_LIST) {
                        char ***m = member_of(p, params);
                        *m = strv_free(*m);
                }
        }
}

/* A number member that nothing set: it reads 0, there is no default, and
 * its range refuses 0, so no props_set can have put the 0 there. */
static bool number_unset(const wp_prop *p, const void *m) {
        if (p->default_value)
                return false;
        if (p->type == WP_PROP_INT)
                return *(const int64_t *) m == 0 && !in_range_signed(p, 0);
        if (p->type == WP_PROP_SIZE || p->type == WP_PROP_DURATION)
                return *(const uint64_t *) m == 0 && !in_range_unsigned(p, 0);
        return false;
}

int props_format(const wp_prop *p, const void *params, char **ret) {
        if (!p || !params || !ret)
                return -EINVAL;
        const void *m = member_of_const(p, params);
        char buf[DURATION_TEXT_MAX];
        char *s;

        if (number_unset(p, m)) {
                *ret = NULL;
                return 0;
        }

        switch (p->type) {
        case WP_PROP_STRING: {
                const char *v = *(char *const *) m;
                if (!v) {
                        *ret = NULL;
                        return 0;
                }
                s = strdup(v);
                break;
        }
        case WP_PROP_ARGV:
        case WP_PROP_LIST: {
                char *const *v = *(char **const *) m;
                if (!v) {
                        *ret = NULL;
                        return 0;
                }
                s = shell_join(v);
                break;
        }
        case WP_PROP_INT:
                snprintf(buf, sizeof buf, "%" PRId64, *(const int64_t *) m);
                s = strdup(buf);
                break;
        case WP_PROP_BOOL:
                s = strdup(*(const bool *) m ? "yes" : "no");
                break;
        case WP_PROP_ENUM: {
                int v = *(const int *) m;
                const char *name = NULL;
                for (size_t i = 0; p->enum_names && p->enum_names[i]; i++)
                        if (enum_value_at(p, i) == v) {
                                name = p->enum_names[i];
                                break;
                        }
                if (!name)
                        return -EINVAL; /* unset, or a value with no name */
                s = strdup(name);
                break;
        }
        case WP_PROP_SIZE:
                format_size_buf(*(const uint64_t *) m, buf);
                s = strdup(buf);
                break;
        case WP_PROP_DURATION:
                format_duration_buf(*(const wp_usec_t *) m, buf);
                s = strdup(buf);
                break;
        default:
                return -EINVAL;
        }
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int props_copy(const wp_prop *table, void *dst, const void *src, size_t size) {
        if (!table || !dst || !src)
                return -EINVAL;
        for (const wp_prop *p = table; p->name; p++) {
                int r = check_member(p, size, NULL, 0);
                if (r < 0)
                        return r;
        }

        /* Build the copy aside so that dst is untouched on failure. */
        _cleanup_free_ void *c = malloc(size ? size : 1);
        if (!c)
                return -ENOMEM;
        memcpy(c, src, size);

        for (const wp_prop *p = table; p->name; p++) {
                if (p->type == WP_PROP_STRING) {
                        char **m = member_of(p, c);
                        *m = NULL;
                }
                if (p->type == WP_PROP_ARGV || p->type == WP_PROP_LIST) {
                        char ***m = member_of(p, c);
                        *m = NULL;
                }
        }
        for (const wp_prop *p = table; p->name; p++) {
                if (p->type == WP_PROP_STRING) {
                        const char *v = *(char *const *) member_of_const(p, src);
                        if (!v)
                                continue;
                        char *d = strdup(v);
                        if (!d) {
                                props_free(table, c);
                                return -ENOMEM;
                        }
                        *(char **) member_of(p, c) = d;
                } else if (p->type == WP_PROP_ARGV || p->type == WP_PROP_LIST) {
                        char *const *v = *(char **const *) member_of_const(p, src);
                        if (!v)
                                continue;
                        char **d = strv_copy(v);
                        if (!d) {
                                props_free(table, c);
                                return -ENOMEM;
                        }
                        *(char ***) member_of(p, c) = d;
                }
        }

        memcpy(dst, c, size);
        return 0;
}

/* ------------------------------------------------------------------------
 * JSON
 * ------------------------------------------------------------------------ */

static json_t *json_text_or_null(const char *s) {
        return s ? json_string(s) : json_null();
}

/* Sets key to v (stealing it); false when v is NULL or the set fails. */
static bool set_new(json_t *o, const char *key, json_t *v) {
        return v && json_object_set_new(o, key, v) == 0;
}

static json_t *bound_json(const wp_prop *p, bool upper) {
        char buf[DURATION_TEXT_MAX];
        if (p->type != WP_PROP_INT && p->type != WP_PROP_SIZE && p->type != WP_PROP_DURATION)
                return json_null();
        if (!has_bounds(p) || (upper && !has_upper(p)))
                return json_null();
        int64_t v = upper ? p->max : p->min;
        switch (p->type) {
        case WP_PROP_INT:
                return json_integer(v);
        case WP_PROP_SIZE:
                format_size_buf(v < 0 ? 0 : (uint64_t) v, buf);
                return json_string(buf);
        default:
                format_duration_buf(v < 0 ? 0 : (uint64_t) v, buf);
                return json_string(buf);
        }
}

static json_t *describe_one(const wp_prop *p) {
        json_t *o = json_object();
        if (!o)
                return NULL;
        const char *type = prop_type_name(p->type);

        bool ok = set_new(o, "name", json_string(p->name)) &&
                  set_new(o, "type", json_text_or_null(type)) &&
                  set_new(o, "live", json_boolean(p->flags & WP_PROP_LIVE)) &&
                  set_new(o, "readonly", json_boolean(p->flags & WP_PROP_READONLY)) &&
                  set_new(o, "required", json_boolean(p->flags & WP_PROP_REQUIRED)) &&
                  set_new(o, "default", json_text_or_null(p->default_value)) &&
                  set_new(o, "min", bound_json(p, false)) && set_new(o, "max", bound_json(p, true)) &&
                  set_new(o, "description", json_text_or_null(p->description));

        if (ok && p->type == WP_PROP_ENUM) {
                json_t *names = json_array();
                ok = set_new(o, "enum", names);
                for (size_t i = 0; ok && p->enum_names && p->enum_names[i]; i++)
                        ok = json_array_append_new(names, json_string(p->enum_names[i])) == 0;
        } else if (ok)
                ok = set_new(o, "enum", json_null());

        if (!ok) {
                json_decref(o);
                return NULL;
        }
        return o;
}

json_t *props_describe(const wp_prop *table) {
        json_t *a = json_array();
        if (!a)
                return NULL;
        for (const wp_prop *p = table; p && p->name; p++) {
                json_t *o = describe_one(p);
                if (!o || json_array_append_new(a, o) < 0) {
                        json_decref(a);
                        return NULL;
                }
        }
        return a;
}

json_t *props_to_json(const wp_prop *table, const void *params) {
        if (!params)
                return NULL;
        json_t *o = json_object();
        if (!o)
                return NULL;
        for (const wp_prop *p = table; p && p->name; p++) {
                _cleanup_free_ char *s = NULL;
                int r = props_format(p, params, &s);
                if (r == -ENOMEM) {
                        json_decref(o);
                        return NULL;
                }
                /* Unset (NULL), or an enum member matching no name: null. */
                if (!set_new(o, p->name, r < 0 ? json_null() : json_text_or_null(s))) {
                        json_decref(o);
                        return NULL;
                }
        }
        return o;
}
