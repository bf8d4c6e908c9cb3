/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Files built into wolfpackd (the web console, src/console/): written as C
 * data by tools/embed-files.py at build time, so that what wolfpackd serves
 * is always what it was built with, whatever is installed around it.
 */
#pragma once

#include <stddef.h>

typedef struct EmbeddedFile {
        const char *name;         /* "app.js": flat, [a-z0-9-]+.(html|css|js|svg) */
        const char *content_type; /* "text/javascript; charset=utf-8" */
        const unsigned char *data;
        size_t size;
} EmbeddedFile;

/* Every file, ending with an entry whose name is NULL. */
extern const EmbeddedFile embedded_files[];

/* The file named name, or NULL. */
const EmbeddedFile *embedded_file(const char *name);
