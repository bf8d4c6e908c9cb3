/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The driver's output: one compact JSON object per line, each with a `t_ms`
 * member, written whole and flushed at once so a reader sees every line as
 * soon as it happens.
 */
#pragma once

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

/* Sets msg's t_ms (msg is modified, not taken). 0, -ENOMEM or -EIO. */
int output_line(FILE *f, json_t *msg, uint64_t t_ms);
