/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What every fuzz target shares: the libFuzzer entry point and check(),
 * which aborts (so that libFuzzer, or the replay runner, reports the input)
 * on a broken invariant. A target is one fuzz-<module>.c defining
 * LLVMFuzzerTestOneInput; with -DFUZZ_STANDALONE, fuzz-standalone.c gives
 * it a main that replays files and corpus directories.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond)                                                                              \
        do {                                                                                     \
                if (!(cond)) {                                                                   \
                        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
                        abort();                                                                 \
                }                                                                                \
        } while (0)
