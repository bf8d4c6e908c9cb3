/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Typed property tables (the ResUtil analog): parse, validate, format and
 * describe the values of a plug-in's wp_prop table (include/wolfpack/resapi.h)
 * so that no plug-in ever parses a string by hand. Owns the text forms of
 * every property type and the messages that refuse a bad value; those
 * messages always name the property, quote the value and say what is
 * allowed. Pure functions: no I/O, no logging.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include <wolfpack/resapi.h>

/* Names of resources, groups, nodes: [A-Za-z0-9._-]{1,63}. Ids (immutable,
 * used in paths and cgroups): [A-Za-z0-9_-]{1,64}. On failure err says the
 * rule. 0 or -EINVAL. */
int name_validate(const char *what, const char *name, char *err, size_t errlen);
int id_validate(const char *what, const char *id, char *err, size_t errlen);

/* Names are matched ignoring case. */
const wp_prop *props_find(const wp_prop *table, const char *name);
const char *prop_type_name(wp_prop_type t);   /* "string", "argv", ...; NULL for no type */

/* Parsers for the unit-bearing types; exposed for the monitor's common
 * properties and the CLI. 0 or -EINVAL/-ERANGE (a value past the type's
 * range; a syntax error wins over it); *ret untouched on failure. Blanks
 * around the value are ignored. Letters are case-insensitive.
 *   size: "4096", "512M", "1.5G", "2 GiB", "1KB" (K = 1024, always); a
 *         fraction is rounded down to whole bytes and needs a suffix.
 *   duration: one or more number+unit, blanks optional between them:
 *         "1h30m", "1min 30s", "1.5s"; units us usec ms msec s sec second(s)
 *         m min minute(s) h hour(s) d day(s); a lone bare number is
 *         seconds ("30"); fractions below 1us are rounded down; at most
 *         DURATION_MAX_USEC (-ERANGE beyond).
 *   bool: 1/0, yes/no, true/false, on/off.  int64: [+-]digits. */
int parse_size(const char *s, uint64_t *ret);
/* The longest duration there is: 3650 days. Longer ones are refused, not
 * clamped, so that a slip ("18446744073709s") is seen at once. Far below
 * where CLOCK_MONOTONIC's now plus a duration, or a duration in
 * nanoseconds, would overflow, so code that adds a duration to a time
 * needs no check of its own. */
#define DURATION_MAX_USEC ((wp_usec_t) 3650 * 24 * 3600 * WP_USEC_PER_SEC)
#define DURATION_MAX_TEXT "3650d (10 years)"
int parse_duration(const char *s, wp_usec_t *ret);
/* What follows the quoted value in a message about a duration that
 * parse_duration refused with r: "is not a duration; use ..." or "is too
 * long; durations go up to 3650d (10 years)". */
const char *parse_duration_error(int r);
int parse_bool(const char *s, bool *ret);
int parse_int64(const char *s, int64_t *ret);
/* Canonical text forms, which parse back to the same value: sizes in the
 * largest unit that is exact ("512M", "1536", "0"), durations as their
 * components ("30s", "1min 30s", "1s 500ms", "0s"). *ret malloc'ed. */
int format_size(uint64_t v, char **ret);
int format_duration(wp_usec_t v, char **ret);

/* Parse text into the member of p in params (freeing what was there),
 * then run p->check. text NULL sets the default again (or clears the member
 * when there is none). On failure params are unchanged and err names the
 * property, quotes the value and says what is allowed:
 *   -ENOENT  no such property (with "did you mean" when one is close)
 *   -EPERM   a READONLY property
 *   -EINVAL  not of the type; -ERANGE outside min/max or the type's range
 *   p->check's own errno; check gets a pointer to the new value shaped like
 *            the member, and its message is prefixed with "Name: ".
 * Ranges: min/max 0/0 is unbounded (INT: all of int64_t); max below min
 * means no upper bound ("10ms or more"); SIZE/DURATION treat a negative
 * min as 0. */
int props_set(const wp_prop *table, void *params, const char *name, const char *text, char *err,
              size_t errlen);
/* Fill every property with its default (members without one are zeroed).
 * params is taken as fresh: what is in it is overwritten, not freed. On
 * failure (a default that does not parse or that check refuses) whatever
 * was filled is freed again. */
int props_init(const wp_prop *table, void *params, char *err, size_t errlen);
/* Every WP_PROP_REQUIRED property has a value; -EINVAL naming all that
 * have none ("CommandLine is required", "A, B and C are required"). An
 * empty STRING, ARGV or LIST counts as none; for the other types the member
 * cannot tell "unset" from zero, so zero counts as none (give such a
 * property a default, or a range without zero). */
int props_check_required(const wp_prop *table, const void *params, char *err, size_t errlen);
/* Free STRING, ARGV and LIST members and zero them. */
void props_free(const wp_prop *table, void *params);
/* The text form of one member, parseable again by props_set. *ret is NULL
 * for an unset STRING/ARGV/LIST, and for an INT/SIZE/DURATION member that
 * nothing set: 0 with no default while its range refuses 0 (ReadyPort
 * 1..65535); -EINVAL for an ENUM member that matches no name. */
int props_format(const wp_prop *p, const void *params, char **ret);
/* Copy params into dst (same table), deep. dst is overwritten, not freed,
 * and untouched on failure; -EINVAL when a member lies outside size. */
int props_copy(const wp_prop *table, void *dst, const void *src, size_t size);

/* The table as JSON for describe-type: an array, in table order, of
 * objects with every key present: "name", "type" (prop_type_name), "live",
 * "readonly", "required" (booleans), "default" (text as in the table),
 * "min", "max" (integers for int, canonical text for size/duration; null
 * when unbounded or for other types), "enum" (array of names, null for
 * other types), "description" (null when none). */
json_t *props_describe(const wp_prop *table);
/* Every property (read-only ones included) as a JSON object of text values
 * (props_format); null for unset ones. */
json_t *props_to_json(const wp_prop *table, const void *params);
