/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Dependency expressions (an AND of OR-groups): the parser with its
 * column-exact messages, the normal form, the canonical text and the
 * operations `depend` and `undepend` need (and, remove, rename), and
 * evaluation against "is this name online". Owns the grammar and the normal
 * form described in depexpr.h. Never touches the database, never does I/O,
 * never logs, never reads a clock.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "depexpr.h"
#include "macro.h"

#define NAME_MAX_LEN 63

static void set_error(char *err, size_t errlen, const char *fmt, ...) _printf_(3, 4);
static void set_error(char *err, size_t errlen, const char *fmt, ...) {
        if (!err || errlen == 0)
                return;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
}

static bool is_name_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '_' || c == '-';
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_keyword(const char *s, size_t len) {
        return (len == 3 && strncasecmp(s, "and", 3) == 0) || (len == 2 && strncasecmp(s, "or", 2) == 0);
}

bool depexpr_name_ok(const char *name) {
        if (!name)
                return false;
        size_t n = 0;
        for (; name[n]; n++)
                if (n >= NAME_MAX_LEN || !is_name_char(name[n]))
                        return false;
        return n > 0 && !is_keyword(name, n);
}

/* Grow an array before element n is added, so that it holds n + 1 + extra
 * elements: doubling at each power of two keeps appends linear. */
static int grow(void **p, size_t n, size_t size, size_t extra) {
        if (n != 0 && (n & (n - 1)) != 0)
                return 0;
        size_t cap = (n == 0 ? 1 : 2 * n) + extra;
        void *q = realloc(*p, cap * size);
        if (!q)
                return -ENOMEM;
        *p = q;
        return 0;
}

/* ------------------------------------------------------------------------
 * Groups and expressions
 * ------------------------------------------------------------------------ */

static void or_done(DepOr *g) {
        for (size_t i = 0; i < g->n_names; i++)
                free(g->names[i]);
        free(g->names);
        g->names = NULL;
        g->n_names = 0;
}

static bool or_has(const DepOr *g, const char *name) {
        for (size_t i = 0; i < g->n_names; i++)
                if (strcasecmp(g->names[i], name) == 0)
                        return true;
        return false;
}

/* Append a copy of name[0..len), unless the group has it already. */
static int or_add(DepOr *g, const char *name, size_t len) {
        char *s = strndup(name, len);
        if (!s)
                return -ENOMEM;
        if (or_has(g, s)) {
                free(s);
                return 0;
        }
        if (grow((void **) &g->names, g->n_names, sizeof(char *), 1) < 0) {
                free(s);
                return -ENOMEM;
        }
        g->names[g->n_names++] = s;
        g->names[g->n_names] = NULL;
        return 0;
}

/* Every name of a is in b. */
static bool or_subset(const DepOr *a, const DepOr *b) {
        for (size_t i = 0; i < a->n_names; i++)
                if (!or_has(b, a->names[i]))
                        return false;
        return true;
}

static int or_copy(const DepOr *g, DepOr *ret) {
        DepOr c = {};
        for (size_t i = 0; i < g->n_names; i++)
                if (or_add(&c, g->names[i], strlen(g->names[i])) < 0) {
                        or_done(&c);
                        return -ENOMEM;
                }
        *ret = c;
        return 0;
}

static DepExpr *expr_new(void) {
        return calloc(1, sizeof(DepExpr));
}

DepExpr *depexpr_free(DepExpr *e) {
        if (!e)
                return NULL;
        for (size_t i = 0; i < e->n_groups; i++)
                or_done(&e->groups[i]);
        free(e->groups);
        free(e);
        return NULL;
}

/* Move g into e (g is emptied); a group with no name is dropped. */
static int expr_take_group(DepExpr *e, DepOr *g) {
        if (g->n_names == 0) {
                or_done(g);
                return 0;
        }
        if (grow((void **) &e->groups, e->n_groups, sizeof(DepOr), 0) < 0)
                return -ENOMEM;
        e->groups[e->n_groups++] = *g;
        *g = (DepOr) {};
        return 0;
}

/* Append a copy of every group of src to e. */
static int expr_add_copies(DepExpr *e, const DepExpr *src) {
        for (size_t i = 0; src && i < src->n_groups; i++) {
                DepOr c;
                if (or_copy(&src->groups[i], &c) < 0)
                        return -ENOMEM;
                if (expr_take_group(e, &c) < 0) {
                        or_done(&c);
                        return -ENOMEM;
                }
        }
        return 0;
}

/* The normal form: no group that repeats an earlier one or holds all the
 * names of another (A and (A or B) is A). Names within a group are already
 * unique (or_add). A group is dropped when another group is a strict subset
 * of it, or an equal set written earlier; what is dropped that way is
 * always implied by what stays, since subset is transitive. */
static void expr_normalise(DepExpr *e) {
        size_t n = e->n_groups, o = 0;
        if (n == 0)
                return;
        bool drop[n];
        for (size_t i = 0; i < n; i++) {
                drop[i] = false;
                for (size_t j = 0; j < n && !drop[i]; j++) {
                        if (j == i || e->groups[j].n_names > e->groups[i].n_names)
                                continue;
                        if (!or_subset(&e->groups[j], &e->groups[i]))
                                continue;
                        bool strict = e->groups[j].n_names < e->groups[i].n_names;
                        if (strict || j < i)
                                drop[i] = true;
                }
        }
        for (size_t i = 0; i < n; i++) {
                if (drop[i])
                        or_done(&e->groups[i]);
                else
                        e->groups[o++] = e->groups[i];
        }
        e->n_groups = o;
}

/* The length of the canonical text, without the NUL. */
static size_t text_len(const DepExpr *e) {
        size_t len = 0;
        for (size_t i = 0; e && i < e->n_groups; i++) {
                const DepOr *g = &e->groups[i];
                len += (i > 0 ? 5 : 0) + (g->n_names > 1 ? 2 : 0); /* " and ", "(" ")" */
                for (size_t j = 0; j < g->n_names; j++)
                        len += strlen(g->names[j]) + (j > 0 ? 4 : 0); /* " or " */
        }
        return len;
}

/* ------------------------------------------------------------------------
 * Parser
 * ------------------------------------------------------------------------ */

typedef enum TokenKind {
        TOKEN_END,
        TOKEN_NAME,
        TOKEN_AND,
        TOKEN_OR,
        TOKEN_OPEN,
        TOKEN_CLOSE,
} TokenKind;

typedef struct Token {
        TokenKind kind;
        size_t pos; /* byte offset; column = pos + 1 */
        size_t len;
} Token;

typedef struct Parser {
        const char *text;
        size_t pos;
        Token tok; /* the current token, already read */
        char *err;
        size_t errlen;
} Parser;

/* A piece of the text for a message: quoted, and cut when long. */
typedef struct Snippet {
        char s[48];
} Snippet;

static Snippet snippet(const char *s, size_t len) {
        Snippet q;
        if (len > 32)
                snprintf(q.s, sizeof q.s, "\"%.*s...\"", 29, s);
        else
                snprintf(q.s, sizeof q.s, "\"%.*s\"", (int) len, s);
        return q;
}

static Snippet token_text(const Parser *p, const Token *t) {
        Snippet q;
        switch (t->kind) {
        case TOKEN_END:
                snprintf(q.s, sizeof q.s, "the end");
                return q;
        case TOKEN_NAME:
                return snippet(p->text + t->pos, t->len);
        case TOKEN_AND:
        case TOKEN_OR:
                snprintf(q.s, sizeof q.s, "'%.*s'", (int) t->len, p->text + t->pos);
                return q;
        case TOKEN_OPEN:
                snprintf(q.s, sizeof q.s, "'('");
                return q;
        default:
                snprintf(q.s, sizeof q.s, "')'");
                return q;
        }
}

/* Read the next token into p->tok. */
static int next_token(Parser *p) {
        const char *t = p->text;
        while (is_blank(t[p->pos]))
                p->pos++;

        size_t start = p->pos;
        char c = t[start];
        if (c == 0) {
                p->tok = (Token) { TOKEN_END, start, 0 };
                return 0;
        }
        if (c == '(' || c == ')') {
                p->tok = (Token) { c == '(' ? TOKEN_OPEN : TOKEN_CLOSE, start, 1 };
                p->pos++;
                return 0;
        }
        if (!is_name_char(c)) {
                unsigned char u = (unsigned char) c;
                if (u > 0x20 && u < 0x7f)
                        set_error(p->err, p->errlen,
                                  "column %zu: unexpected character '%c'; names are 1 to 63 characters of "
                                  "A-Z a-z 0-9 . _ - joined with 'and', 'or' and parentheses",
                                  start + 1, c);
                else
                        set_error(p->err, p->errlen,
                                  "column %zu: unexpected byte 0x%02x; names are 1 to 63 characters of "
                                  "A-Z a-z 0-9 . _ - joined with 'and', 'or' and parentheses",
                                  start + 1, u);
                return -EINVAL;
        }
        size_t end = start;
        while (is_name_char(t[end]))
                end++;
        size_t len = end - start;
        if (len > NAME_MAX_LEN) {
                set_error(p->err, p->errlen, "column %zu: name %s is longer than %d characters", start + 1,
                          snippet(t + start, len).s, NAME_MAX_LEN);
                return -EINVAL;
        }
        TokenKind kind = TOKEN_NAME;
        if (len == 3 && strncasecmp(t + start, "and", 3) == 0)
                kind = TOKEN_AND;
        else if (len == 2 && strncasecmp(t + start, "or", 2) == 0)
                kind = TOKEN_OR;
        p->tok = (Token) { kind, start, len };
        p->pos = end;
        return 0;
}

/* One operand and what it became: a name is one group of one name; a
 * parenthesised sequence is whatever it holds. */
typedef struct Item {
        DepExpr *expr;
        size_t pos, len; /* its text, for messages */
} Item;

static int parse_seq(Parser *p, unsigned depth, size_t open_pos, DepExpr **ret);

static int parse_item(Parser *p, unsigned depth, const Token *after, Item *ret) {
        Token t = p->tok;
        int r;

        if (t.kind == TOKEN_NAME) {
                _cleanup_depexpr_ DepExpr *e = expr_new();
                DepOr g = {};
                if (!e || or_add(&g, p->text + t.pos, t.len) < 0 || expr_take_group(e, &g) < 0) {
                        or_done(&g);
                        return -ENOMEM;
                }
                r = next_token(p);
                if (r < 0)
                        return r;
                *ret = (Item) { TAKE_PTR(e), t.pos, t.len };
                return 0;
        }
        if (t.kind == TOKEN_OPEN) {
                if (depth >= DEPEXPR_DEPTH_MAX) {
                        set_error(p->err, p->errlen, "column %zu: parentheses nested deeper than %d", t.pos + 1,
                                  DEPEXPR_DEPTH_MAX);
                        return -EINVAL;
                }
                r = next_token(p);
                if (r < 0)
                        return r;
                if (p->tok.kind == TOKEN_CLOSE) {
                        set_error(p->err, p->errlen, "column %zu: empty parentheses", t.pos + 1);
                        return -EINVAL;
                }
                _cleanup_depexpr_ DepExpr *e = NULL;
                r = parse_seq(p, depth + 1, t.pos, &e);
                if (r < 0)
                        return r;
                /* parse_seq stops only at the matching ')'. */
                size_t end = p->tok.pos + 1;
                r = next_token(p);
                if (r < 0)
                        return r;
                *ret = (Item) { TAKE_PTR(e), t.pos, end - t.pos };
                return 0;
        }

        Snippet found = token_text(p, &t);
        if (after)
                set_error(p->err, p->errlen, "column %zu: expected a name or '(' after %s, found %s", t.pos + 1,
                          token_text(p, after).s, found.s);
        else
                set_error(p->err, p->errlen, "column %zu: expected a name or '(', found %s", t.pos + 1, found.s);
        return -EINVAL;
}

static void items_free(Item *items, size_t n) {
        for (size_t i = 0; i < n; i++)
                depexpr_free(items[i].expr);
        free(items);
}

/* Combine the operands of one sequence. AND: every group of every operand.
 * OR: the names of every operand, each of which must be a single group. */
static int combine(Parser *p, TokenKind op, Item *items, size_t n, DepExpr **ret) {
        _cleanup_depexpr_ DepExpr *e = expr_new();
        if (!e)
                return -ENOMEM;

        if (op != TOKEN_OR) {
                for (size_t i = 0; i < n; i++)
                        for (size_t j = 0; j < items[i].expr->n_groups; j++) {
                                if (expr_take_group(e, &items[i].expr->groups[j]) < 0)
                                        return -ENOMEM;
                        }
                *ret = TAKE_PTR(e);
                return 0;
        }

        DepOr g = {};
        for (size_t i = 0; i < n; i++) {
                const DepExpr *x = items[i].expr;
                if (x->n_groups != 1) {
                        or_done(&g);
                        set_error(p->err, p->errlen,
                                  "column %zu: %s is an AND inside an OR-group; a dependency is an AND of "
                                  "OR-groups, such as (a or b) and c",
                                  items[i].pos + 1, snippet(p->text + items[i].pos, items[i].len).s);
                        return -EINVAL;
                }
                for (size_t j = 0; j < x->groups[0].n_names; j++) {
                        const char *s = x->groups[0].names[j];
                        if (or_add(&g, s, strlen(s)) < 0) {
                                or_done(&g);
                                return -ENOMEM;
                        }
                }
        }
        if (expr_take_group(e, &g) < 0) {
                or_done(&g);
                return -ENOMEM;
        }
        *ret = TAKE_PTR(e);
        return 0;
}

/* operand (op operand)*, every op the same, up to the end of the text (at
 * the top, open_pos SIZE_MAX) or to the ')' that closes the '(' at
 * open_pos, which is left as the current token. */
static int parse_seq(Parser *p, unsigned depth, size_t open_pos, DepExpr **ret) {
        Item *items = NULL;
        size_t n = 0;
        TokenKind op = TOKEN_END;
        Token op_tok = {};
        int r;

        for (;;) {
                if (grow((void **) &items, n, sizeof(Item), 0) < 0) {
                        r = -ENOMEM;
                        goto fail;
                }
                r = parse_item(p, depth, n > 0 ? &op_tok : NULL, &items[n]);
                if (r < 0)
                        goto fail;
                n++;

                Token t = p->tok;
                if (t.kind == TOKEN_AND || t.kind == TOKEN_OR) {
                        if (op != TOKEN_END && t.kind != op) {
                                set_error(p->err, p->errlen,
                                          "column %zu: %s mixed with %s needs parentheses, such as "
                                          "(a or b) and c",
                                          t.pos + 1, token_text(p, &t).s, token_text(p, &op_tok).s);
                                r = -EINVAL;
                                goto fail;
                        }
                        op = t.kind;
                        op_tok = t;
                        r = next_token(p);
                        if (r < 0)
                                goto fail;
                        continue;
                }
                if (t.kind == TOKEN_CLOSE && open_pos == SIZE_MAX) {
                        set_error(p->err, p->errlen, "column %zu: ')' has no matching '('", t.pos + 1);
                        r = -EINVAL;
                        goto fail;
                }
                if (t.kind == TOKEN_END && open_pos != SIZE_MAX) {
                        set_error(p->err, p->errlen, "column %zu: '(' is never closed", open_pos + 1);
                        r = -EINVAL;
                        goto fail;
                }
                if (t.kind == TOKEN_CLOSE || t.kind == TOKEN_END)
                        break;
                set_error(p->err, p->errlen, "column %zu: expected 'and', 'or'%s after %s, found %s", t.pos + 1,
                          open_pos == SIZE_MAX ? " or the end" : " or ')'",
                          snippet(p->text + items[n - 1].pos, items[n - 1].len).s, token_text(p, &t).s);
                r = -EINVAL;
                goto fail;
        }

        r = combine(p, op, items, n, ret);
fail:
        items_free(items, n);
        return r;
}

int depexpr_parse(const char *text, DepExpr **ret, char *err, size_t errlen) {
        if (!text || !ret)
                return -EINVAL;
        size_t len = strnlen(text, DEPEXPR_TEXT_MAX + 1);
        if (len > DEPEXPR_TEXT_MAX) {
                set_error(err, errlen, "column %d: the expression is longer than %d characters",
                          DEPEXPR_TEXT_MAX + 1, DEPEXPR_TEXT_MAX);
                return -EINVAL;
        }

        Parser p = { .text = text, .err = err, .errlen = errlen };
        int r = next_token(&p);
        if (r < 0)
                return r;

        _cleanup_depexpr_ DepExpr *e = NULL;
        if (p.tok.kind == TOKEN_END) {
                e = expr_new();
                if (!e)
                        return -ENOMEM;
        } else {
                r = parse_seq(&p, 0, SIZE_MAX, &e);
                if (r < 0)
                        return r;
        }
        expr_normalise(e);
        /* Canonical text can be a little longer than what was typed ("a or
         * b" gains parentheses); it must parse again. */
        if (text_len(e) > DEPEXPR_TEXT_MAX) {
                set_error(err, errlen, "column 1: written in canonical form the expression is longer than %d "
                          "characters", DEPEXPR_TEXT_MAX);
                return -EINVAL;
        }
        *ret = TAKE_PTR(e);
        return 0;
}

/* ------------------------------------------------------------------------
 * Text
 * ------------------------------------------------------------------------ */

int depexpr_format(const DepExpr *e, char **ret) {
        if (!ret)
                return -EINVAL;
        char *s = malloc(text_len(e) + 1), *o = s;
        if (!s)
                return -ENOMEM;
        *o = 0;
        for (size_t i = 0; e && i < e->n_groups; i++) {
                const DepOr *g = &e->groups[i];
                if (i > 0)
                        o = stpcpy(o, " and ");
                if (g->n_names > 1)
                        *o++ = '(';
                for (size_t j = 0; j < g->n_names; j++) {
                        if (j > 0)
                                o = stpcpy(o, " or ");
                        o = stpcpy(o, g->names[j]);
                }
                if (g->n_names > 1)
                        *o++ = ')';
                *o = 0;
        }
        *ret = s;
        return 0;
}

/* ------------------------------------------------------------------------
 * Queries
 * ------------------------------------------------------------------------ */

bool depexpr_is_empty(const DepExpr *e) {
        return !e || e->n_groups == 0;
}

static bool expr_has_group(const DepExpr *e, const DepOr *g) {
        for (size_t i = 0; i < e->n_groups; i++)
                if (e->groups[i].n_names == g->n_names && or_subset(g, &e->groups[i]))
                        return true;
        return false;
}

bool depexpr_equal(const DepExpr *a, const DepExpr *b) {
        static const DepExpr empty = {};
        if (!a)
                a = &empty;
        if (!b)
                b = &empty;
        if (a->n_groups != b->n_groups)
                return false;
        /* Normalised expressions hold no group twice, so one direction with
         * equal counts is enough. */
        for (size_t i = 0; i < a->n_groups; i++)
                if (!expr_has_group(b, &a->groups[i]))
                        return false;
        return true;
}

bool depexpr_references(const DepExpr *e, const char *name) {
        if (!name)
                return false;
        for (size_t i = 0; e && i < e->n_groups; i++)
                if (or_has(&e->groups[i], name))
                        return true;
        return false;
}

int depexpr_names(const DepExpr *e, char ***ret) {
        if (!ret)
                return -EINVAL;
        DepOr all = {};
        for (size_t i = 0; e && i < e->n_groups; i++)
                for (size_t j = 0; j < e->groups[i].n_names; j++) {
                        const char *s = e->groups[i].names[j];
                        if (or_add(&all, s, strlen(s)) < 0) {
                                or_done(&all);
                                return -ENOMEM;
                        }
                }
        if (!all.names) {
                all.names = calloc(1, sizeof(char *));
                if (!all.names)
                        return -ENOMEM;
        }
        *ret = all.names;
        return 0;
}

bool depexpr_eval(const DepExpr *e, depexpr_online_fn is_online, void *userdata) {
        for (size_t i = 0; e && i < e->n_groups; i++) {
                bool any = false;
                for (size_t j = 0; j < e->groups[i].n_names && !any; j++)
                        any = is_online && is_online(e->groups[i].names[j], userdata);
                if (!any)
                        return false;
        }
        return true;
}

/* ------------------------------------------------------------------------
 * Operations
 * ------------------------------------------------------------------------ */

int depexpr_copy(const DepExpr *e, DepExpr **ret) {
        if (!ret)
                return -EINVAL;
        _cleanup_depexpr_ DepExpr *c = expr_new();
        if (!c || expr_add_copies(c, e) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(c);
        return 0;
}

int depexpr_and(const DepExpr *a, const DepExpr *b, DepExpr **ret) {
        if (!ret)
                return -EINVAL;
        _cleanup_depexpr_ DepExpr *c = expr_new();
        if (!c || expr_add_copies(c, a) < 0 || expr_add_copies(c, b) < 0)
                return -ENOMEM;
        expr_normalise(c);
        if (text_len(c) > DEPEXPR_TEXT_MAX)
                return -E2BIG;
        *ret = TAKE_PTR(c);
        return 0;
}

static bool strv_has_case(char *const *l, const char *s) {
        for (size_t i = 0; l && l[i]; i++)
                if (strcasecmp(l[i], s) == 0)
                        return true;
        return false;
}

/* e with every name replaced by what map says (NULL drops the name; an
 * OR-group left with no name disappears), normalised. */
typedef const char *(*name_map_fn)(const char *name, const void *userdata);

static int expr_map(const DepExpr *e, name_map_fn map, const void *userdata, DepExpr **ret) {
        _cleanup_depexpr_ DepExpr *c = expr_new();
        if (!c)
                return -ENOMEM;
        for (size_t i = 0; e && i < e->n_groups; i++) {
                DepOr g = {};
                for (size_t j = 0; j < e->groups[i].n_names; j++) {
                        const char *s = map(e->groups[i].names[j], userdata);
                        if (s && or_add(&g, s, strlen(s)) < 0) {
                                or_done(&g);
                                return -ENOMEM;
                        }
                }
                if (expr_take_group(c, &g) < 0) {
                        or_done(&g);
                        return -ENOMEM;
                }
        }
        expr_normalise(c);
        *ret = TAKE_PTR(c);
        return 0;
}

static const char *unless_listed(const char *name, const void *userdata) {
        return strv_has_case(userdata, name) ? NULL : name;
}

int depexpr_remove(const DepExpr *e, char *const *names, DepExpr **ret) {
        if (!ret)
                return -EINVAL;
        return expr_map(e, unless_listed, names, ret);
}

/* The spelling listed for name, or name as it is. */
static const char *as_listed(const char *name, const void *userdata) {
        char *const *l = userdata;
        for (size_t i = 0; l && l[i]; i++)
                if (strcasecmp(l[i], name) == 0)
                        return l[i];
        return name;
}

int depexpr_respell(const DepExpr *e, char *const *spellings, DepExpr **ret) {
        if (!ret)
                return -EINVAL;
        return expr_map(e, as_listed, spellings, ret);
}

typedef struct Rename {
        const char *from, *to;
} Rename;

static const char *renamed(const char *name, const void *userdata) {
        const Rename *r = userdata;
        return strcasecmp(name, r->from) == 0 ? r->to : name;
}

int depexpr_rename(const DepExpr *e, const char *from, const char *to, DepExpr **ret, char *err,
                   size_t errlen) {
        if (!from || !ret)
                return -EINVAL;
        if (!depexpr_name_ok(to)) {
                if (to && is_keyword(to, strlen(to)))
                        set_error(err, errlen, "\"%s\" is a keyword of dependency expressions and cannot name a "
                                  "resource that others depend on", to);
                else
                        set_error(err, errlen, "%s is invalid: names are 1 to 63 characters of A-Z a-z 0-9 . _ -",
                                  to ? snippet(to, strlen(to)).s : "(none)");
                return -EINVAL;
        }
        _cleanup_depexpr_ DepExpr *c = NULL;
        int k = expr_map(e, renamed, &(Rename) { from, to }, &c);
        if (k < 0)
                return k;
        if (text_len(c) > DEPEXPR_TEXT_MAX) {
                set_error(err, errlen, "with %s renamed to %s, the dependency expression would be longer than %d "
                          "characters", from, to, DEPEXPR_TEXT_MAX);
                return -E2BIG;
        }
        *ret = TAKE_PTR(c);
        return 0;
}
