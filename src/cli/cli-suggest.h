/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * "Did you mean": the candidate closest to what was typed, by edit distance
 * (Damerau-Levenshtein, optimal string alignment, ignoring ASCII case), when
 * it is close enough to be a slip. Pure.
 */
#pragma once

#include <stddef.h>

/* Edit distance ignoring ASCII case, counting a swap of two neighbours as
 * one edit. SIZE_MAX for strings longer than 64 characters. */
size_t cli_edit_distance(const char *a, const char *b);

/* The candidate (from a NULL-terminated list) closest to typed, or NULL
 * when none is close: a candidate that typed is a prefix of (at least two
 * characters) is suggested when it is the only one; otherwise at most a
 * third of the candidate's length may be wrong (at least one edit allowed,
 * two from six characters on, never the whole word). Of equally close
 * ones, the one sharing the longest beginning with typed wins, then the
 * earlier. */
const char *cli_suggest(const char *typed, const char *const *candidates);
