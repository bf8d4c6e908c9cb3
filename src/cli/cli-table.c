/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Aligned text tables for the CLI's human output. Owns column widths,
 * padding and colour codes; never decides what goes in a table and never
 * writes anywhere but the string it returns.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-table.h"
#include "macro.h"

typedef struct Cell {
        char *text;
        TableColor color;
} Cell;

struct Table {
        size_t n_columns;
        char **headers;
        Cell *cells;
        size_t n_cells, allocated;
};

Table *table_new(size_t n_columns, const char *const *headers) {
        if (n_columns == 0)
                return NULL;
        Table *t = calloc(1, sizeof *t);
        if (!t)
                return NULL;
        t->n_columns = n_columns;
        if (headers) {
                t->headers = calloc(n_columns, sizeof(char *));
                if (!t->headers)
                        return table_free(t);
                for (size_t i = 0; i < n_columns; i++) {
                        t->headers[i] = strdup(headers[i] ? headers[i] : "");
                        if (!t->headers[i])
                                return table_free(t);
                }
        }
        return t;
}

Table *table_free(Table *t) {
        if (!t)
                return NULL;
        if (t->headers)
                for (size_t i = 0; i < t->n_columns; i++)
                        free(t->headers[i]);
        free(t->headers);
        for (size_t i = 0; i < t->n_cells; i++)
                free(t->cells[i].text);
        free(t->cells);
        free(t);
        return NULL;
}

int table_add(Table *t, const char *text, TableColor color) {
        if (t->n_cells == t->allocated) {
                size_t n = t->allocated ? t->allocated * 2 : 16;
                Cell *c = realloc(t->cells, n * sizeof(Cell));
                if (!c)
                        return -ENOMEM;
                t->cells = c;
                t->allocated = n;
        }
        char *s = strdup(text ? text : "-");
        if (!s)
                return -ENOMEM;
        t->cells[t->n_cells++] = (Cell) { s, color };
        return 0;
}

int table_add_row(Table *t, const char *const *cells) {
        for (size_t i = 0; i < t->n_columns; i++) {
                int r = table_add(t, cells[i], TABLE_PLAIN);
                if (r < 0)
                        return r;
        }
        return 0;
}

size_t table_rows(const Table *t) {
        return (t->n_cells + t->n_columns - 1) / t->n_columns;
}

size_t table_text_width(const char *s) {
        size_t n = 0;
        for (; *s; s++)
                if (((unsigned char) *s & 0xC0) != 0x80)
                        n++;
        return n;
}

TableColor table_state_color(const char *state) {
        static const struct {
                const char *state;
                TableColor color;
        } map[] = {
                { "Online", TABLE_GREEN },         { "Up", TABLE_GREEN },
                { "OnlinePending", TABLE_YELLOW }, { "OfflinePending", TABLE_YELLOW },
                { "Pending", TABLE_YELLOW },       { "Initializing", TABLE_YELLOW },
                { "PartialOnline", TABLE_YELLOW }, { "Paused", TABLE_YELLOW },
                { "Joining", TABLE_YELLOW },       { "Failed", TABLE_RED },
                { "Down", TABLE_RED },             { "Offline", TABLE_GREY },
        };
        if (state)
                for (size_t i = 0; i < ELEMENTSOF(map); i++)
                        if (strcmp(state, map[i].state) == 0)
                                return map[i].color;
        return TABLE_PLAIN;
}

static const char *color_code(TableColor c) {
        switch (c) {
        case TABLE_GREEN:
                return "\033[32m";
        case TABLE_YELLOW:
                return "\033[33m";
        case TABLE_RED:
                return "\033[1;31m";
        case TABLE_GREY:
                return "\033[2m";
        case TABLE_BOLD:
                return "\033[1m";
        default:
                return NULL;
        }
}

static void put_cell(FILE *f, const char *text, TableColor color, bool use_color, size_t pad) {
        const char *code = use_color ? color_code(color) : NULL;
        if (code)
                fprintf(f, "%s%s\033[0m", code, text);
        else
                fputs(text, f);
        for (size_t i = 0; i < pad; i++)
                fputc(' ', f);
}

int table_format(const Table *t, bool color, char **ret) {
        _cleanup_free_ size_t *width = calloc(t->n_columns, sizeof(size_t));
        if (!width)
                return -ENOMEM;
        for (size_t c = 0; c < t->n_columns; c++)
                if (t->headers)
                        width[c] = table_text_width(t->headers[c]);
        for (size_t i = 0; i < t->n_cells; i++) {
                size_t w = table_text_width(t->cells[i].text);
                if (w > width[i % t->n_columns])
                        width[i % t->n_columns] = w;
        }

        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;

        size_t rows = table_rows(t);
        for (size_t row = 0; row < rows + (t->headers ? 1 : 0); row++) {
                bool header = t->headers && row == 0;
                size_t r = t->headers ? row - 1 : row;
                /* The last column that holds text: nothing is padded after it. */
                size_t last = 0;
                for (size_t c = 0; c < t->n_columns; c++) {
                        size_t i = r * t->n_columns + c;
                        const char *text = header ? t->headers[c] : i < t->n_cells ? t->cells[i].text : "";
                        if (*text)
                                last = c;
                }
                for (size_t c = 0; c <= last; c++) {
                        size_t i = r * t->n_columns + c;
                        const char *text = header ? t->headers[c] : i < t->n_cells ? t->cells[i].text : "";
                        TableColor tc = header ? TABLE_BOLD : i < t->n_cells ? t->cells[i].color : TABLE_PLAIN;
                        size_t pad = c == last ? 0 : width[c] - table_text_width(text) + 2;
                        put_cell(f, text, tc, color, pad);
                }
                fputc('\n', f);
        }
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}
