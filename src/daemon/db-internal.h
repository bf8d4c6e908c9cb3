/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the cluster database's own files (db.c, db-snapshot.c) share: the
 * handle and a few statements. Nothing outside the database includes it. */
#pragma once

#include <sqlite3.h>

#include "db.h"
#include "hashmap.h"

struct Db {
        sqlite3 *sql;
        /* Prepared statements kept for reuse, by SQL text (db.c): parsing
         * a statement costs more than running it. */
        Hashmap *stmts;
        Db *next_open;
        bool reading; /* in db_read_begin's transaction */
};

/* Run SQL text; on failure err says what SQLite said. */
int db_exec(Db *db, const char *sql, char *err, size_t errlen);
/* meta's key := value (the version's epoch or seq). */
int db_meta_set(Db *db, const char *key, uint64_t value, char *err, size_t errlen);
