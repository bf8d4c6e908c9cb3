/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * "Did you mean" for nouns, verbs, options and property names typed on the
 * command line. Owns the distance and the closeness rule; never prints.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "cli-suggest.h"

#define SUGGEST_MAX 64

static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

static size_t min3(size_t a, size_t b, size_t c) {
        size_t m = a < b ? a : b;
        return m < c ? m : c;
}

static size_t common_prefix(const char *a, const char *b) {
        size_t n = 0;
        while (a[n] && b[n] && lower(a[n]) == lower(b[n]))
                n++;
        return n;
}

size_t cli_edit_distance(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b);
        if (la > SUGGEST_MAX || lb > SUGGEST_MAX)
                return SIZE_MAX;

        /* Three rows: two back for transpositions. */
        size_t r0[SUGGEST_MAX + 1], r1[SUGGEST_MAX + 1], r2[SUGGEST_MAX + 1];
        size_t *pp = r0, *prev = r1, *cur = r2;
        for (size_t j = 0; j <= lb; j++)
                prev[j] = j;
        for (size_t i = 1; i <= la; i++) {
                cur[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
                        size_t v = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
                        if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
                            lower(a[i - 2]) == lower(b[j - 1]) && pp[j - 2] + 1 < v)
                                v = pp[j - 2] + 1;
                        cur[j] = v;
                }
                size_t *t = pp;
                pp = prev;
                prev = cur;
                cur = t;
        }
        return prev[lb];
}

const char *cli_suggest(const char *typed, const char *const *candidates) {
        if (!typed || !*typed || !candidates)
                return NULL;

        size_t tl = strlen(typed);
        const char *prefix_match = NULL;
        size_t n_prefix = 0;
        const char *best = NULL;
        size_t best_d = SIZE_MAX;

        for (const char *const *c = candidates; *c; c++) {
                size_t cl = strlen(*c);
                if (tl >= 2 && tl < cl && strncasecmp(typed, *c, tl) == 0) {
                        if (n_prefix++ == 0)
                                prefix_match = *c;
                }
                size_t d = cli_edit_distance(typed, *c);
                size_t limit = cl / 3 < 1 ? 1 : cl / 3;
                if (d > limit || d >= cl)
                        continue;
                /* Equally close: the one that begins like typed ("ofline"
                 * is offline, not online). */
                if (d < best_d || (d == best_d && common_prefix(typed, *c) > common_prefix(typed, best))) {
                        best = *c;
                        best_d = d;
                }
        }
        if (best)
                return best;
        return n_prefix == 1 ? prefix_match : NULL;
}
