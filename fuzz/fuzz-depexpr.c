/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target of dependency expressions (src/daemon/policy/depexpr.c and
 * depgraph.c). The input is expression text as an administrator would type
 * it. A refusal must carry a message that starts with a column inside the
 * text. An expression accepted must be in normal form, print as canonical
 * text that parses back to the same expression and the same text, and
 * survive and/remove/rename/eval with the results the contract promises; a
 * group built from its names must order without a cycle, and with a cycle
 * added must be refused. Any difference aborts.
 *
 * Built with libFuzzer (clang -fsanitize=fuzzer, see README.md), or with
 * -DFUZZ_STANDALONE as a plain program that replays files and corpora.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "macro.h"
#include "src/daemon/policy/depexpr.h"
#include "src/daemon/policy/depgraph.h"
#include "strv.h"

static char *format(const DepExpr *e) {
        char *s = NULL;
        check(depexpr_format(e, &s) == 0 && s);
        return s;
}

static bool is_subset(const DepOr *a, const DepOr *b) {
        for (size_t i = 0; i < a->n_names; i++) {
                bool found = false;
                for (size_t j = 0; j < b->n_names && !found; j++)
                        found = strcasecmp(a->names[i], b->names[j]) == 0;
                if (!found)
                        return false;
        }
        return true;
}

/* The normal form of depexpr.h. */
static void check_normal(const DepExpr *e) {
        for (size_t i = 0; i < e->n_groups; i++) {
                const DepOr *g = &e->groups[i];
                check(g->n_names > 0);
                check(g->names[g->n_names] == NULL);
                for (size_t j = 0; j < g->n_names; j++) {
                        check(depexpr_name_ok(g->names[j]));
                        for (size_t k = 0; k < j; k++)
                                check(strcasecmp(g->names[j], g->names[k]) != 0);
                }
                for (size_t k = 0; k < e->n_groups; k++)
                        if (k != i)
                                check(!is_subset(&e->groups[k], g));
        }
}

static bool all_online(const char *name, void *userdata) {
        return true;
}

static bool none_online(const char *name, void *userdata) {
        return false;
}

static bool not_this(const char *name, void *userdata) {
        return strcasecmp(name, userdata) != 0;
}

/* A group of the expression's names (no dependencies of their own) and one
 * resource "self" depending on the expression. */
static void check_graph(const DepExpr *e, char *const *names) {
        size_t n = strv_length(names);
        if (n > 256 || depexpr_references(e, "self"))
                return;
        DepResource *r = calloc(n + 1, sizeof(DepResource));
        unsigned *w = calloc(n + 1, sizeof(unsigned));
        check(r && w);
        for (size_t i = 0; i < n; i++)
                r[i] = (DepResource) { names[i], NULL };
        r[n] = (DepResource) { "self", e };

        unsigned nw = 0;
        check(depgraph_online_waves(r, n + 1, w, &nw, NULL, 0) == 0);
        check(w[n] == (depexpr_is_empty(e) ? 0u : 1u));
        check(nw == (depexpr_is_empty(e) ? 1u : 2u));
        check(depgraph_offline_waves(r, n + 1, w, &nw, NULL, 0) == 0);
        check(w[n] == 0);

        size_t *l = NULL, nl = 0;
        if (n > 0) {
                check(depgraph_dependents(r, n + 1, 0, NULL, NULL, &l, &nl, NULL, 0) == 0);
                check(nl == 1 && l[0] == n);
                free(l);
                check(depgraph_prerequisites(r, n + 1, n, NULL, NULL, &l, &nl, NULL, 0) == 0);
                check(nl <= e->n_groups);
                check(nl > 0);
                free(l);

                /* Make the first name depend on self: a cycle. */
                DepExpr self = { .groups = &(DepOr) { .names = (char *[]) { "self", NULL }, .n_names = 1 },
                                 .n_groups = 1 };
                r[0].expr = &self;
                char err[256] = "";
                check(depgraph_check(r, n + 1, err, sizeof err, NULL, NULL) == -ELOOP);
                check(strncmp(err, "dependency cycle: ", 18) == 0);
        }
        free(r);
        free(w);
}

static void check_accepted(const DepExpr *e) {
        check_normal(e);

        /* Canonical text parses back to the same expression and text. */
        _cleanup_free_ char *s = format(e);
        DepExpr *again = NULL;
        char err[256] = "";
        check(depexpr_parse(s, &again, err, sizeof err) == 0);
        _cleanup_free_ char *s2 = format(again);
        check(strcmp(s, s2) == 0);
        check(depexpr_equal(e, again));
        depexpr_free(again);

        check(depexpr_eval(e, all_online, NULL));
        check(depexpr_eval(e, none_online, NULL) == depexpr_is_empty(e));

        _cleanup_strv_free_ char **names = NULL;
        check(depexpr_names(e, &names) == 0 && names);
        for (size_t i = 0; names[i]; i++)
                check(depexpr_references(e, names[i]));

        DepExpr *c = NULL;
        check(depexpr_and(e, e, &c) == 0);
        check(depexpr_equal(c, e));
        depexpr_free(c);

        check(depexpr_remove(e, names, &c) == 0);
        check(depexpr_is_empty(c));
        depexpr_free(c);

        if (names[0]) {
                char *one[] = { names[0], NULL };
                check(depexpr_remove(e, one, &c) == 0);
                check(!depexpr_references(c, names[0]));
                check_normal(c);
                depexpr_free(c);

                /* Without names[0], e holds exactly when some other member of
                 * each of its groups is online. */
                bool want = true;
                for (size_t i = 0; i < e->n_groups; i++)
                        if (e->groups[i].n_names == 1 && strcasecmp(e->groups[i].names[0], names[0]) == 0)
                                want = false;
                check(depexpr_eval(e, not_this, names[0]) == want);

                check(depexpr_rename(e, names[0], "renamed.x", &c, NULL, 0) == 0);
                check(depexpr_references(c, "renamed.x"));
                check(strcasecmp(names[0], "renamed.x") == 0 || !depexpr_references(c, names[0]));
                check_normal(c);
                depexpr_free(c);
        }
        check_graph(e, names);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > DEPEXPR_TEXT_MAX + 64)
                return 0;
        _cleanup_free_ char *text = malloc(size + 1);
        check(text);
        memcpy(text, data, size);
        text[size] = 0;
        size_t len = strlen(text);

        DepExpr *e = (DepExpr *) 0x1;
        char err[512] = "";
        int r = depexpr_parse(text, &e, err, sizeof err);
        if (r < 0) {
                check(r == -EINVAL);
                check(e == (DepExpr *) 0x1);
                unsigned long col = 0;
                check(sscanf(err, "column %lu: ", &col) == 1);
                check(col >= 1 && col <= len + 1);
                check(strlen(err) > strlen("column 1: "));
                /* The same refusal again. */
                char err2[512] = "";
                check(depexpr_parse(text, &e, err2, sizeof err2) == r);
                check(strcmp(err, err2) == 0);
                return 0;
        }
        check(r == 0 && e != NULL && e != (DepExpr *) 0x1);
        check_accepted(e);
        depexpr_free(e);
        return 0;
}
