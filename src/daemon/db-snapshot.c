/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Snapshots of the cluster database (db.h): every replicated table as one
 * JSON text, cut into chunks that fit messages between nodes, and a
 * snapshot installed from such chunks in one transaction that replaces
 * every replicated table and sets the version. The text is:
 *
 *   {"snapshot":1, "schema":3, "epoch":E, "seq":S,
 *    "tables":[{"name":"nodes", "columns":["id","name","paused"], "rows":[[1,"n1",0], ...]}, ...],
 *    "sequences":{"failures":N}}
 *
 * tables in the order below (a resource names its group), rows in key
 * order, values as SQLite holds them (properties stay the text they are),
 * so that a database installed from a snapshot gives the same snapshot
 * and the same dump. The chunks come from another node: installing checks
 * every table, column and value it reads and refuses anything else with
 * a reason, changing nothing. Never reads anything but the database and
 * the chunks.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db-internal.h"
#include "depexpr.h"
#include "macro.h"

#define SNAPSHOT_FORMAT 1

typedef enum ColumnKind {
        COL_INT,      /* an integer */
        COL_INT_NULL, /* an integer or null */
        COL_BOOL,     /* 0 or 1 */
        COL_TEXT,     /* text without NUL */
        COL_PROPS,    /* text: a JSON object whose values are text */
        COL_DESIRED,  /* "online" or "offline" */
        COL_DEPENDS,  /* text: a dependency expression (depexpr.h), "" for none */
} ColumnKind;

typedef struct Column {
        const char *name;
        ColumnKind kind;
} Column;

typedef struct Table {
        const char *name;
        const Column *columns;
        size_t n_columns;
        const char *key; /* the order of the rows */
} Table;

static const Column node_columns[] = { { "id", COL_INT }, { "name", COL_TEXT }, { "paused", COL_BOOL } };
static const Column group_columns[] = {
        { "id", COL_TEXT },         { "name", COL_TEXT },         { "props", COL_PROPS },
        { "desired", COL_DESIRED }, { "target_node", COL_INT_NULL }, { "created_ms", COL_INT },
};
static const Column resource_columns[] = {
        { "id", COL_TEXT },       { "name", COL_TEXT },         { "rtype", COL_TEXT },
        { "group_id", COL_TEXT }, { "private", COL_PROPS },     { "common", COL_PROPS },
        { "depends", COL_DEPENDS }, { "desired", COL_DESIRED }, { "created_ms", COL_INT },
};
static const Column failure_columns[] = {
        { "seq", COL_INT }, { "object", COL_TEXT }, { "kind", COL_TEXT }, { "node", COL_INT }, { "time_ms", COL_INT },
};

static const Column cluster_columns[] = { { "key", COL_TEXT }, { "value", COL_TEXT } };
static const Column checkpoint_columns[] = {
        { "resource", COL_TEXT }, { "data", COL_TEXT }, { "hash", COL_TEXT }, { "time_ms", COL_INT },
        { "node", COL_INT }
};

static const Column token_columns[] = {
        { "name", COL_TEXT }, { "role", COL_TEXT }, { "hash", COL_TEXT }, { "created_ms", COL_INT },
        { "created_by", COL_TEXT }
};

/* Every replicated table (meta holds the version, set apart). */
static const Table tables[] = {
        { "nodes", node_columns, ELEMENTSOF(node_columns), "id" },
        { "groups", group_columns, ELEMENTSOF(group_columns), "id" },
        { "resources", resource_columns, ELEMENTSOF(resource_columns), "id" },
        { "failures", failure_columns, ELEMENTSOF(failure_columns), "seq" },
        { "cluster", cluster_columns, ELEMENTSOF(cluster_columns), "key" },
        { "checkpoints", checkpoint_columns, ELEMENTSOF(checkpoint_columns), "resource" },
        { "tokens", token_columns, ELEMENTSOF(token_columns), "name" },
};

/* Tables whose keys count up (AUTOINCREMENT): where they stand goes with
 * the snapshot, so that the next row gets the same key on every node. */
static const char *const sequences[] = { "failures" };

static void finalizep(sqlite3_stmt **st) {
        sqlite3_finalize(*st);
}

static int sql_failed(Db *db, char *err, size_t errlen, const char *what) {
        snprintf(err, errlen, "cluster database: %s: %s", what, sqlite3_errmsg(db->sql));
        return sqlite3_errcode(db->sql) == SQLITE_FULL ? -ENOSPC : -EIO;
}

/* "SELECT a, b FROM t ORDER BY key" or "INSERT INTO t(a, b) VALUES(?, ?)". */
static int table_sql(const Table *t, bool insert, char *buf, size_t len) {
        size_t n = (size_t) snprintf(buf, len, insert ? "INSERT INTO %s(" : "SELECT ", t->name);
        for (size_t i = 0; i < t->n_columns && n < len; i++)
                n += (size_t) snprintf(buf + n, len - n, "%s%s", i ? ", " : "", t->columns[i].name);
        if (n < len && insert) {
                n += (size_t) snprintf(buf + n, len - n, ") VALUES(");
                for (size_t i = 0; i < t->n_columns && n < len; i++)
                        n += (size_t) snprintf(buf + n, len - n, "%s?", i ? ", " : "");
                if (n < len)
                        n += (size_t) snprintf(buf + n, len - n, ")");
        } else if (n < len)
                n += (size_t) snprintf(buf + n, len - n, " FROM %s ORDER BY %s", t->name, t->key);
        return n < len ? 0 : -ENAMETOOLONG;
}

/* ---- taking ---- */

static json_t *column_json(sqlite3_stmt *st, int i) {
        switch (sqlite3_column_type(st, i)) {
        case SQLITE_INTEGER:
                return json_integer((json_int_t) sqlite3_column_int64(st, i));
        case SQLITE_TEXT:
                return json_stringn((const char *) sqlite3_column_text(st, i), (size_t) sqlite3_column_bytes(st, i));
        case SQLITE_NULL:
                return json_null();
        default:
                return NULL;
        }
}

static int table_json(Db *db, const Table *t, json_t **ret, char *err, size_t errlen) {
        char sql[512];
        if (table_sql(t, false, sql, sizeof(sql)) < 0)
                return -ENAMETOOLONG;
        _cleanup_(finalizep) sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK)
                return sql_failed(db, err, errlen, "reading a table for a snapshot");
        json_t *columns = json_array(), *rows = json_array();
        json_t *o = json_pack("{s:s, s:o, s:o}", "name", t->name, "columns", columns, "rows", rows);
        if (!o)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_columns; i++)
                if (json_array_append_new(columns, json_string(t->columns[i].name)) < 0) {
                        json_decref(o);
                        return -ENOMEM;
                }
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                json_t *row = json_array();
                if (!row || json_array_append_new(rows, row) < 0) {
                        json_decref(o);
                        return -ENOMEM;
                }
                for (size_t i = 0; i < t->n_columns; i++) {
                        json_t *v = column_json(st, (int) i);
                        if (!v || json_array_append_new(row, v) < 0) {
                                json_decref(o);
                                snprintf(err, errlen, "cluster database: table %s, column %s holds a value a snapshot "
                                         "cannot carry (not an integer, UTF-8 text or null)", t->name, t->columns[i].name);
                                return -EINVAL;
                        }
                }
        }
        if (rc != SQLITE_DONE) {
                json_decref(o);
                return sql_failed(db, err, errlen, "reading a table for a snapshot");
        }
        *ret = o;
        return 0;
}

static int sequence_value(Db *db, const char *table, int64_t *ret, char *err, size_t errlen) {
        _cleanup_(finalizep) sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db->sql, "SELECT seq FROM sqlite_sequence WHERE name = ?", -1, &st, NULL) != SQLITE_OK)
                return sql_failed(db, err, errlen, "reading where keys stand");
        sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                return sql_failed(db, err, errlen, "reading where keys stand");
        *ret = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        return 0;
}

/* The snapshot as a JSON object, read in one read transaction. */
static int snapshot_json(Db *db, json_t **ret, DbVersion *ret_version, char *err, size_t errlen) {
        DbVersion v = db_version_get(db);
        json_t *list = json_array(), *seqs = json_object();
        json_t *o = json_pack("{s:i, s:i, s:I, s:I, s:o, s:o}", "snapshot", SNAPSHOT_FORMAT, "schema", DB_SCHEMA_VERSION,
                              "epoch", (json_int_t) v.epoch, "seq", (json_int_t) v.seq, "tables", list, "sequences", seqs);
        if (!o)
                return -ENOMEM;
        int k = 0;
        for (size_t i = 0; k >= 0 && i < ELEMENTSOF(tables); i++) {
                json_t *t = NULL;
                k = table_json(db, &tables[i], &t, err, errlen);
                if (k >= 0 && json_array_append_new(list, t) < 0)
                        k = -ENOMEM;
        }
        for (size_t i = 0; k >= 0 && i < ELEMENTSOF(sequences); i++) {
                int64_t n = 0;
                k = sequence_value(db, sequences[i], &n, err, errlen);
                if (k >= 0 && json_object_set_new(seqs, sequences[i], json_integer((json_int_t) n)) < 0)
                        k = -ENOMEM;
        }
        if (k < 0) {
                json_decref(o);
                return k;
        }
        *ret = o;
        *ret_version = v;
        return 0;
}

int db_snapshot(Db *db, size_t chunk_max, json_t **ret_chunks, DbVersion *ret_version, char *err, size_t errlen) {
        if (chunk_max < 4) {
                snprintf(err, errlen, "snapshot chunks of %zu bytes cannot hold a character", chunk_max);
                return -EINVAL;
        }
        /* One read transaction: the version and every table from one
         * state of the database. */
        db_read_end(db);
        int k = db_exec(db, "BEGIN", err, errlen);
        if (k < 0)
                return k;
        json_t *o = NULL;
        DbVersion v;
        k = snapshot_json(db, &o, &v, err, errlen);
        (void) sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL);
        if (k < 0)
                return k;
        char *text = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        json_t *chunks = json_array();
        if (!text || !chunks) {
                free(text);
                json_decref(chunks);
                return -ENOMEM;
        }
        /* Cut between characters, never inside one: each chunk is text
         * of its own (JSON strings are UTF-8). */
        size_t len = strlen(text);
        for (size_t off = 0; off < len;) {
                size_t n = len - off < chunk_max ? len - off : chunk_max;
                while (off + n < len && ((unsigned char) text[off + n] & 0xc0) == 0x80)
                        n--;
                if (json_array_append_new(chunks, json_stringn(text + off, n)) < 0) {
                        free(text);
                        json_decref(chunks);
                        return -ENOMEM;
                }
                off += n;
        }
        free(text);
        *ret_chunks = chunks;
        *ret_version = v;
        return 0;
}

/* ---- installing ---- */

static int refuse(char *err, size_t errlen, const char *fmt, ...) _printf_(3, 4);
static int refuse(char *err, size_t errlen, const char *fmt, ...) {
        int n = snprintf(err, errlen, "the snapshot is malformed: ");
        va_list ap;
        va_start(ap, fmt);
        if (n >= 0 && (size_t) n < errlen)
                vsnprintf(err + n, errlen - (size_t) n, fmt, ap);
        va_end(ap);
        return -EBADMSG;
}

/* A JSON integer >= 0. */
static bool count_value(const json_t *v, uint64_t *ret) {
        if (!json_is_integer(v) || json_integer_value(v) < 0)
                return false;
        *ret = (uint64_t) json_integer_value(v);
        return true;
}

static bool text_without_nul(const json_t *v) {
        return json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v);
}

/* Whether v may stand in a column of kind; why not in err. */
static bool value_ok(ColumnKind kind, const json_t *v, char *err, size_t errlen) {
        switch (kind) {
        case COL_INT:
                snprintf(err, errlen, "not an integer");
                return json_is_integer(v);
        case COL_INT_NULL:
                snprintf(err, errlen, "neither an integer nor null");
                return json_is_integer(v) || json_is_null(v);
        case COL_BOOL:
                snprintf(err, errlen, "neither 0 nor 1");
                return json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1);
        case COL_TEXT:
                snprintf(err, errlen, "not text");
                return text_without_nul(v);
        case COL_DESIRED:
                snprintf(err, errlen, "neither \"online\" nor \"offline\"");
                return json_is_string(v) && (strcmp(json_string_value(v), "online") == 0 ||
                                             strcmp(json_string_value(v), "offline") == 0);
        case COL_PROPS: {
                snprintf(err, errlen, "not a JSON object of text values");
                if (!text_without_nul(v))
                        return false;
                json_t *o = json_loads(json_string_value(v), JSON_REJECT_DUPLICATES, NULL);
                bool ok = json_is_object(o);
                const char *key;
                json_t *x;
                json_object_foreach(o, key, x)
                        ok = ok && json_is_string(x);
                json_decref(o);
                return ok;
        }
        case COL_DEPENDS: {
                if (!text_without_nul(v)) {
                        snprintf(err, errlen, "not text");
                        return false;
                }
                DepExpr *e = NULL;
                char why[256];
                int k = depexpr_parse(json_string_value(v), &e, why, sizeof(why));
                depexpr_free(e);
                snprintf(err, errlen, "not a dependency expression: %s", why);
                return k >= 0;
        }
        }
        return false;
}

static int bind_value(sqlite3_stmt *st, int i, const json_t *v) {
        if (json_is_integer(v))
                return sqlite3_bind_int64(st, i, json_integer_value(v));
        if (json_is_string(v))
                return sqlite3_bind_text(st, i, json_string_value(v), (int) json_string_length(v), SQLITE_STATIC);
        return sqlite3_bind_null(st, i);
}

static int install_table(Db *db, const Table *t, const json_t *o, char *err, size_t errlen) {
        if (!json_is_object(o) || !json_is_string(json_object_get(o, "name")) ||
            strcmp(json_string_value(json_object_get(o, "name")), t->name) != 0)
                return refuse(err, errlen, "table %s expected in its place", t->name);
        const json_t *columns = json_object_get(o, "columns"), *rows = json_object_get(o, "rows");
        bool same = json_is_array(columns) && json_array_size(columns) == t->n_columns;
        for (size_t i = 0; same && i < t->n_columns; i++)
                same = json_is_string(json_array_get(columns, i)) &&
                       strcmp(json_string_value(json_array_get(columns, i)), t->columns[i].name) == 0;
        if (!same)
                return refuse(err, errlen, "table %s: the columns are not this schema's", t->name);
        if (!json_is_array(rows))
                return refuse(err, errlen, "table %s: no list of rows", t->name);
        char sql[512];
        if (table_sql(t, true, sql, sizeof(sql)) < 0)
                return -ENAMETOOLONG;
        _cleanup_(finalizep) sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK)
                return sql_failed(db, err, errlen, "installing a snapshot");
        size_t r;
        const json_t *row;
        json_array_foreach(rows, r, row) {
                if (!json_is_array(row) || json_array_size(row) != t->n_columns)
                        return refuse(err, errlen, "table %s, row %zu: not a list of %zu values", t->name, r,
                                      t->n_columns);
                sqlite3_reset(st);
                for (size_t i = 0; i < t->n_columns; i++) {
                        const json_t *v = json_array_get(row, i);
                        char why[320];
                        if (!value_ok(t->columns[i].kind, v, why, sizeof(why)))
                                return refuse(err, errlen, "table %s, row %zu, column %s: %s", t->name, r,
                                              t->columns[i].name, why);
                        bind_value(st, (int) i + 1, v);
                }
                if (sqlite3_step(st) != SQLITE_DONE) {
                        int code = sqlite3_errcode(db->sql) & 0xff;
                        if (code == SQLITE_CONSTRAINT)
                                return refuse(err, errlen, "table %s, row %zu: %s", t->name, r, sqlite3_errmsg(db->sql));
                        return sql_failed(db, err, errlen, "installing a snapshot");
                }
        }
        return 0;
}

static int install_sequences(Db *db, const json_t *seqs, char *err, size_t errlen) {
        if (!json_is_object(seqs) || json_object_size(seqs) != ELEMENTSOF(sequences))
                return refuse(err, errlen, "sequences: not this schema's");
        for (size_t i = 0; i < ELEMENTSOF(sequences); i++) {
                uint64_t n;
                if (!count_value(json_object_get(seqs, sequences[i]), &n))
                        return refuse(err, errlen, "sequences: %s is not a count", sequences[i]);
                _cleanup_(finalizep) sqlite3_stmt *del = NULL, *ins = NULL;
                if (sqlite3_prepare_v2(db->sql, "DELETE FROM sqlite_sequence WHERE name = ?", -1, &del, NULL) != SQLITE_OK ||
                    sqlite3_prepare_v2(db->sql, "INSERT INTO sqlite_sequence(name, seq) VALUES(?, ?)", -1, &ins, NULL) !=
                            SQLITE_OK)
                        return sql_failed(db, err, errlen, "installing where keys stand");
                sqlite3_bind_text(del, 1, sequences[i], -1, SQLITE_STATIC);
                sqlite3_bind_text(ins, 1, sequences[i], -1, SQLITE_STATIC);
                sqlite3_bind_int64(ins, 2, (int64_t) n);
                if (sqlite3_step(del) != SQLITE_DONE || (n > 0 && sqlite3_step(ins) != SQLITE_DONE))
                        return sql_failed(db, err, errlen, "installing where keys stand");
        }
        return 0;
}

/* Everything replaced by the snapshot o, inside the caller's transaction. */
static int install(Db *db, const json_t *o, DbVersion v, char *err, size_t errlen) {
        uint64_t format, schema, epoch, seq;
        if (!json_is_object(o) || !count_value(json_object_get(o, "snapshot"), &format) || format != SNAPSHOT_FORMAT)
                return refuse(err, errlen, "not a snapshot of format %d", SNAPSHOT_FORMAT);
        if (!count_value(json_object_get(o, "schema"), &schema) || schema != DB_SCHEMA_VERSION) {
                snprintf(err, errlen,
                         "the snapshot is of database schema %lld; this wolfpackd keeps schema %d: run the same "
                         "wolfpackd version on every node",
                         (long long) json_integer_value(json_object_get(o, "schema")), DB_SCHEMA_VERSION);
                return -EPROTONOSUPPORT;
        }
        if (!count_value(json_object_get(o, "epoch"), &epoch) || !count_value(json_object_get(o, "seq"), &seq))
                return refuse(err, errlen, "no version");
        if (epoch != v.epoch || seq != v.seq)
                return refuse(err, errlen, "it holds version (%llu, %llu), its chunks say (%llu, %llu)",
                              (unsigned long long) epoch, (unsigned long long) seq, (unsigned long long) v.epoch,
                              (unsigned long long) v.seq);
        const json_t *list = json_object_get(o, "tables");
        if (!json_is_array(list) || json_array_size(list) != ELEMENTSOF(tables))
                return refuse(err, errlen, "not the %zu tables of this schema", ELEMENTSOF(tables));
        int k = 0;
        /* Emptied in reverse (a resource names its group), filled in order. */
        for (size_t i = ELEMENTSOF(tables); k >= 0 && i > 0; i--) {
                char sql[64];
                snprintf(sql, sizeof(sql), "DELETE FROM %s", tables[i - 1].name);
                k = db_exec(db, sql, err, errlen);
        }
        for (size_t i = 0; k >= 0 && i < ELEMENTSOF(tables); i++)
                k = install_table(db, &tables[i], json_array_get(list, i), err, errlen);
        if (k >= 0)
                k = install_sequences(db, json_object_get(o, "sequences"), err, errlen);
        if (k >= 0)
                k = db_meta_set(db, "epoch", epoch, err, errlen);
        if (k >= 0)
                k = db_meta_set(db, "seq", seq, err, errlen);
        return k;
}

int db_snapshot_install(Db *db, const json_t *chunks, DbVersion v, char *err, size_t errlen) {
        if (!json_is_array(chunks) || json_array_size(chunks) == 0)
                return refuse(err, errlen, "no chunks");
        size_t total = 0, i;
        const json_t *c;
        json_array_foreach(chunks, i, c) {
                if (!json_is_string(c))
                        return refuse(err, errlen, "chunk %zu is not text", i);
                total += json_string_length(c);
                if (total > DB_SNAPSHOT_MAX)
                        return refuse(err, errlen, "over %u bytes", DB_SNAPSHOT_MAX);
        }
        _cleanup_free_ char *text = malloc(total + 1);
        if (!text)
                return -ENOMEM;
        size_t off = 0;
        json_array_foreach(chunks, i, c) {
                memcpy(text + off, json_string_value(c), json_string_length(c));
                off += json_string_length(c);
        }
        json_error_t je;
        json_t *o = json_loadb(text, total, JSON_REJECT_DUPLICATES, &je);
        if (!o)
                return refuse(err, errlen, "not JSON: %s at byte %d", je.text, je.position);
        db_read_end(db);
        int k = db_exec(db, "BEGIN IMMEDIATE", err, errlen);
        if (k >= 0)
                k = install(db, o, v, err, errlen);
        if (k >= 0)
                k = db_exec(db, "COMMIT", err, errlen);
        if (k < 0)
                (void) sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
        json_decref(o);
        return k;
}
