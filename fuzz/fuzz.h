/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What every fuzz target shares: the libFuzzer entry point and check(),
 * which aborts (so that libFuzzer, or the replay runner, reports the input)
 * on a broken invariant. A target is one fuzz-<module>.c defining
 * LLVMFuzzerTestOneInput; with -DFUZZ_STANDALONE, fuzz-standalone.c gives
 * it a main that replays files and corpus directories.
 */
#pragma once

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond)                                                                              \
        do {                                                                                     \
                if (!(cond)) {                                                                   \
                        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
                        abort();                                                                 \
                }                                                                                \
        } while (0)

/* data cut at its NUL bytes: a NULL-terminated vector of copies (a
 * trailing NUL ends the last word, it does not start another). Free each
 * word and the vector. */
static inline char **fuzz_words(const uint8_t *data, size_t size) {
        char *copy = malloc(size + 1);
        check(copy);
        memcpy(copy, data, size);
        copy[size] = '\0';
        size_t n = 0;
        for (size_t i = 0; i < size; i++)
                n += copy[i] == '\0';
        char **words = calloc(n + 2, sizeof(char *));
        check(words);
        size_t w = 0;
        for (const char *p = copy; p < copy + size; p += strlen(p) + 1)
                check((words[w++] = strdup(p)));
        free(copy);
        return words;
}

/* The next line of data (JSON lines) that is a JSON object, from *p on
 * (advanced past it), or NULL at end; other lines are skipped. The caller
 * owns the object. */
static inline json_t *fuzz_next_object(const char **p, const char *end) {
        while (*p < end) {
                const char *nl = memchr(*p, '\n', (size_t) (end - *p));
                size_t len = nl ? (size_t) (nl - *p) : (size_t) (end - *p);
                json_t *o = json_loadb(*p, len, JSON_REJECT_DUPLICATES, NULL);
                *p += len + 1;
                if (json_is_object(o))
                        return o;
                json_decref(o);
        }
        return NULL;
}

/* A message for a person as the callers show it: not empty, not cut by
 * its buffer, on one line, and valid UTF-8 (it may travel in JSON). */
static inline void check_message(const char *err, size_t errlen) {
        check(err[0] != '\0');
        check(strlen(err) < errlen - 1);
        check(!strchr(err, '\n'));
        json_t *j = json_string(err);
        check(j);
        json_decref(j);
}
