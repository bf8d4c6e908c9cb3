/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* NULL-terminated string vectors (argv, environment lists). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

size_t strv_length(char *const *l);
char **strv_free(char **l);            /* accepts NULL, returns NULL */
char **strv_copy(char *const *l);      /* NULL on allocation failure; NULL in, empty vector out */
int strv_push(char ***l, char *value); /* takes value; 0 or -ENOMEM */
bool strv_equal(char *const *a, char *const *b);
/* The entries joined with sep (no quoting). */
char *strv_join(char *const *l, const char *sep);
static inline void strv_freep(char ***l) {
        strv_free(*l);
}
#define _cleanup_strv_free_ __attribute__((cleanup(strv_freep)))
