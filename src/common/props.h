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

const wp_prop *props_find(const wp_prop *table, const char *name);
const char *prop_type_name(wp_prop_type t);   /* "string", "argv", ... */

/* Parsers for the unit-bearing types; exposed for the monitor's common
 * properties and the CLI. 0 or -EINVAL/-ERANGE. */
int parse_size(const char *s, uint64_t *ret);
int parse_duration(const char *s, wp_usec_t *ret);
int parse_bool(const char *s, bool *ret);
int parse_int64(const char *s, int64_t *ret);
/* Text forms: "512M", "30s"/"1min 30s"/"500ms". *ret malloc'ed. */
int format_size(uint64_t v, char **ret);
int format_duration(wp_usec_t v, char **ret);

/* Parse text into the member of p in params (freeing what was there),
 * then run p->check. READONLY properties are refused. */
int props_set(const wp_prop *table, void *params, const char *name, const char *text, char *err,
              size_t errlen);
/* Fill every property with its default (members without one stay zero /
 * NULL). */
int props_init(const wp_prop *table, void *params, char *err, size_t errlen);
/* Every WP_PROP_REQUIRED property has a value. */
int props_check_required(const wp_prop *table, const void *params, char *err, size_t errlen);
/* Free STRING, ARGV and LIST members and zero them. */
void props_free(const wp_prop *table, void *params);
/* The text form of one member, parseable again by props_set. */
int props_format(const wp_prop *p, const void *params, char **ret);
/* Copy params into dst (same table), deep. */
int props_copy(const wp_prop *table, void *dst, const void *src, size_t size);

/* The table as JSON for describe-type: an array of objects with name, type,
 * flags as booleans (live, readonly, required), default, min, max (as text
 * for size/duration), enum names, description. */
json_t *props_describe(const wp_prop *table);
/* Every property (read-only ones included) as a JSON object of text values. */
json_t *props_to_json(const wp_prop *table, const void *params);
