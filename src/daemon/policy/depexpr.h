/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Dependency expressions: what a resource needs online before it comes
 * online itself, as an AND of OR-groups (the form WSFC uses):
 *
 *     ip                          one name
 *     ip and disk                 every name
 *     db1 or db2                  one OR-group: any one of the names
 *     (db1 or db2) and ip         an AND of OR-groups
 *
 * Grammar: names are [A-Za-z0-9._-]{1,63} (the resource name rule); the
 * keywords `and` and `or` are matched ignoring case, so resources named
 * "and" or "or" cannot be referenced. Within one pair of parentheses (or at
 * the top) every operator must be the same: `a or b and c` is refused, since
 * reading it either way would surprise half of the people who write it.
 * A bare `a or b` is one OR-group. Parentheses may nest as long as the
 * result is still an AND of OR-groups: `((a or b)) and (c and d)` is
 * accepted, `a or (b and c)` is not (an AND inside an OR-group). The empty
 * text (or only blanks) is the empty expression: no dependencies.
 *
 * Every expression is kept normalised: names within a group and groups
 * within the expression keep the order in which they were first written;
 * a name repeated in a group is dropped, and so is a group that repeats
 * another or holds all the names of a smaller one (`ip and (ip or db)` is
 * `ip`). Names compare ignoring ASCII case, as resource names in a cluster
 * do; the spelling first written is kept.
 *
 * Canonical text: lower-case keywords, single spaces, parentheses only
 * around OR-groups of two names or more: `(db1 or db2) and ip`.
 *
 * Pure: no I/O, no logging, no global state. Every operation returns a new
 * expression; its inputs are never modified. A NULL expression reads as the
 * empty one. Errors: 0 or a negative errno, with a message in err (when
 * given) for a person.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The longest expression text accepted, in bytes. */
#define DEPEXPR_TEXT_MAX 4096
/* Deepest nesting of parentheses accepted. */
#define DEPEXPR_DEPTH_MAX 32

typedef struct DepOr {
        char **names;    /* NULL-terminated; at least one name */
        size_t n_names;
} DepOr;

typedef struct DepExpr {
        DepOr *groups;   /* all of them must be satisfied */
        size_t n_groups; /* 0: the empty expression */
} DepExpr;

DepExpr *depexpr_free(DepExpr *e); /* accepts NULL, returns NULL */
static inline void depexpr_freep(DepExpr **e) {
        depexpr_free(*e);
}
#define _cleanup_depexpr_ __attribute__((cleanup(depexpr_freep)))

/* Parse text into a normalised expression. -EINVAL with a message that
 * starts with the 1-based column of the problem ("column 6: ..."), or
 * -ENOMEM. *ret untouched on failure. */
int depexpr_parse(const char *text, DepExpr **ret, char *err, size_t errlen);

/* The canonical text; "" for the empty expression. *ret malloc'ed. */
int depexpr_format(const DepExpr *e, char **ret);

bool depexpr_is_empty(const DepExpr *e);
/* The same dependencies: the same groups as sets of names, in any order. */
bool depexpr_equal(const DepExpr *a, const DepExpr *b);
bool depexpr_references(const DepExpr *e, const char *name);

int depexpr_copy(const DepExpr *e, DepExpr **ret);
/* a AND b, normalised (for `depend --on`). -E2BIG when its canonical text
 * would be longer than DEPEXPR_TEXT_MAX, so that every expression kept can
 * be parsed again. */
int depexpr_and(const DepExpr *a, const DepExpr *b, DepExpr **ret);
/* e with every occurrence of each name in names removed (for `undepend`);
 * an OR-group left with no name disappears, so removing every name of the
 * expression leaves the empty one. names is NULL-terminated; NULL removes
 * nothing. */
int depexpr_remove(const DepExpr *e, char *const *names, DepExpr **ret);
/* e with name `from` spelled `to` (a resource was renamed). -EINVAL with a
 * message when `to` breaks the name rule or is a keyword, -E2BIG when the
 * text would grow past DEPEXPR_TEXT_MAX. */
int depexpr_rename(const DepExpr *e, const char *from, const char *to, DepExpr **ret, char *err,
                   size_t errlen);
/* e with each name that matches one of spellings ignoring case spelled as
 * listed (the resources' own names), other names as they are: the stored
 * form of an expression typed with another case. spellings is
 * NULL-terminated; NULL changes nothing. */
int depexpr_respell(const DepExpr *e, char *const *spellings, DepExpr **ret);
/* Every name referenced, once each, in order of first appearance; an empty
 * vector for the empty expression. *ret is a NULL-terminated strv. */
int depexpr_names(const DepExpr *e, char ***ret);

/* Whether e is satisfied: every OR-group has a member for which is_online
 * says true. The empty expression is always satisfied. */
typedef bool (*depexpr_online_fn)(const char *name, void *userdata);
bool depexpr_eval(const DepExpr *e, depexpr_online_fn is_online, void *userdata);

/* Whether name can appear in an expression: the name rule, and not a
 * keyword. */
bool depexpr_name_ok(const char *name);
