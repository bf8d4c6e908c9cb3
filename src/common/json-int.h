/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Integers read from JSON that another process or node sent: a JSON
 * integer in a range, or nothing. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

/* v is a JSON integer in [min, max]: true and *ret set; else false and
 * *ret untouched. */
static inline bool json_int_in(const json_t *v, json_int_t min, json_int_t max, json_int_t *ret) {
        if (!json_is_integer(v))
                return false;
        json_int_t x = json_integer_value(v);
        if (x < min || x > max)
                return false;
        *ret = x;
        return true;
}
