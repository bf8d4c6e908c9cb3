/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * K=V arguments: "StopTimeout=30s" sets the property StopTimeout to the
 * text "30s". Split at the first '='; the key is a property name
 * ([A-Za-z0-9]+) and the value any text, empty included. Pure.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Whether arg is meant as K=V: it holds a '=' (names of objects never do). */
bool cli_kv_is(const char *arg);

/* Add one K=V argument to props (a JSON object of text values). -EINVAL
 * with err naming the argument when it is not K=V, when the key is not a
 * property name or is already there (keys compare ignoring case, as the
 * property tables do); -ENOMEM. props unchanged on failure. */
int cli_kv_add(json_t *props, const char *arg, char *err, size_t errlen);

/* The member of obj whose key equals name ignoring case; NULL if none. */
json_t *cli_json_get_nocase(const json_t *obj, const char *name, const char **ret_key);
