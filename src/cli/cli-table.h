/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tables for people: columns aligned on the widest cell (counted in
 * characters, not bytes), two spaces apart, no padding after the last
 * column, an optional header line. A cell may carry a colour, used only
 * when the caller asks for colour (a terminal); widths never count it.
 * Pure: formats into a string.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct Table Table;

typedef enum TableColor {
        TABLE_PLAIN,
        TABLE_GREEN,
        TABLE_YELLOW,
        TABLE_RED,
        TABLE_GREY,
        TABLE_BOLD,
} TableColor;

/* A table of n_columns; headers is NULL (no header line) or n_columns
 * names. NULL on allocation failure. */
Table *table_new(size_t n_columns, const char *const *headers);
Table *table_free(Table *t);   /* accepts NULL, returns NULL */
static inline void table_freep(Table **t) {
        table_free(*t);
}
#define _cleanup_table_ __attribute__((cleanup(table_freep)))

/* Append one cell (copied; NULL is shown as "-"); rows fill left to
 * right and wrap. 0 or -ENOMEM. */
int table_add(Table *t, const char *text, TableColor color);
/* Append a whole row of n_columns cells. */
int table_add_row(Table *t, const char *const *cells);
size_t table_rows(const Table *t);   /* rows begun, the header not counted */

/* The table as text, every line ending in '\n'; a row left incomplete is
 * shown with its missing cells empty. *ret malloc'ed. */
int table_format(const Table *t, bool color, char **ret);

/* The colour people expect for a state: Online and Up green, pending
 * states yellow, Failed and Down red, Offline grey. */
TableColor table_state_color(const char *state);

/* Characters in a UTF-8 string (bytes that do not continue a sequence). */
size_t table_text_width(const char *s);
