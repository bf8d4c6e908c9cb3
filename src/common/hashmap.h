/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A string-keyed hash table with chaining. Keys are borrowed: they must live
 * as long as their entry (usually the value owns its key). Not thread-safe. */
#pragma once

#include <stddef.h>

typedef struct Hashmap Hashmap;

Hashmap *hashmap_new(void);
Hashmap *hashmap_free(Hashmap *h);   /* frees the table, not the values */
/* Frees the table and, with free_value, every value (keys that live in
 * their values go with them). */
Hashmap *hashmap_free_with(Hashmap *h, void (*free_value)(void *value));
int hashmap_put(Hashmap *h, const char *key, void *value);  /* -EEXIST, -ENOMEM */
void *hashmap_get(const Hashmap *h, const char *key);
void *hashmap_remove(Hashmap *h, const char *key);
size_t hashmap_size(const Hashmap *h);
/* Iterate: start with *i = 0; returns NULL at the end. Do not modify the
 * table while iterating. */
void *hashmap_next(const Hashmap *h, size_t *i, const char **ret_key);
