/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cluster database (see db.h): schema and migrations, the apply
 * functions, one per message type, and the reads. Must never read the
 * clock, and never leave a transaction half applied: every apply runs in
 * BEGIN IMMEDIATE … COMMIT and rolls back on any error.
 */
#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster-props.h"
#include "db-internal.h"
#include "depgraph.h"
#include "macro.h"
#include "policy-props.h"
#include "props.h"
#include "strv.h"
#include "text-quote.h"

/* Migrations: entry i takes the schema from version i to i + 1. */
static const char *const migrations[] = {
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO meta VALUES('version', '0');"
        "CREATE TABLE nodes(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
        "  paused INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE groups(id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
        "  props TEXT NOT NULL DEFAULT '{}', desired TEXT NOT NULL DEFAULT 'offline',"
        "  target_node INTEGER, created_ms INTEGER NOT NULL);"
        "CREATE TABLE resources(id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, rtype TEXT NOT NULL,"
        "  group_id TEXT NOT NULL REFERENCES groups(id), private TEXT NOT NULL DEFAULT '{}',"
        "  common TEXT NOT NULL DEFAULT '{}', depends TEXT NOT NULL DEFAULT '',"
        "  desired TEXT NOT NULL DEFAULT 'offline', created_ms INTEGER NOT NULL);"
        "CREATE INDEX resources_group ON resources(group_id);"
        "CREATE TABLE failures(seq INTEGER PRIMARY KEY AUTOINCREMENT, object TEXT NOT NULL,"
        "  kind TEXT NOT NULL, node INTEGER NOT NULL, time_ms INTEGER NOT NULL);"
        "CREATE INDEX failures_object ON failures(object, time_ms);",
        /* 2: one spelling per name (canonical_names, below). */
        "",
        /* 3: the version is (epoch, seq): seq counts the changes applied,
         * the epoch the rounds in which members compared databases. */
        ("UPDATE meta SET key = 'seq' WHERE key = 'version';"
         "INSERT INTO meta VALUES('epoch', '0');"),
        /* 4: the cluster's own properties (cluster.set). */
        "CREATE TABLE IF NOT EXISTS cluster(key TEXT PRIMARY KEY, value TEXT NOT NULL);",
        /* 5: what a resource's CheckpointPaths held when last copied. */
        "CREATE TABLE IF NOT EXISTS checkpoints(resource TEXT PRIMARY KEY, data TEXT NOT NULL, hash TEXT NOT NULL,"
        "  time_ms INTEGER NOT NULL, node INTEGER NOT NULL);",
        /* 6: the remote API's tokens, by the SHA-256 of the token (never the token). */
        "CREATE TABLE IF NOT EXISTS tokens(name TEXT PRIMARY KEY, role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,"
        "  created_ms INTEGER NOT NULL, created_by TEXT NOT NULL);",
};

_Static_assert(ELEMENTSOF(migrations) == DB_SCHEMA_VERSION, "DB_SCHEMA_VERSION is the number of migrations");

static int canonical_names(Db *db, char *err, size_t errlen);

/* Migrations that need more than SQL: run after the entry's SQL, in the
 * same transaction. */
static int (*const migration_code[ELEMENTSOF(migrations)])(Db *db, char *err, size_t errlen) = {
        [1] = canonical_names,
};

static int sql_error(Db *db, int rc, char *err, size_t errlen, const char *what) {
        snprintf(err, errlen, "cluster database: %s: %s", what, sqlite3_errmsg(db->sql));
        return rc == SQLITE_FULL ? -ENOSPC : rc == SQLITE_BUSY ? -EBUSY : -EIO;
}

/* ---- prepared statements ----
 *
 * A statement is prepared once per connection and kept, keyed by its SQL
 * text; using one resets it and clears its bindings. While one is handed
 * out, a second use of the same text (a nested query) gets a statement of
 * its own, finalized after it. The open databases are listed so that a
 * statement finds its cache from its connection alone. */

#define DB_STMT_CACHE_MAX 256

typedef struct CachedStmt {
        sqlite3_stmt *st;
        bool busy;
        char sql[];
} CachedStmt;

static Db *open_dbs;

static Db *db_of(sqlite3_stmt *st) {
        sqlite3 *h = sqlite3_db_handle(st);
        for (Db *db = open_dbs; db; db = db->next_open)
                if (db->sql == h)
                        return db;
        return NULL;
}

static sqlite3_stmt *stmt_get(Db *db, const char *sql) {
        CachedStmt *c = db->stmts ? hashmap_get(db->stmts, sql) : NULL;
        if (c && !c->busy) {
                c->busy = true;
                return c->st;
        }
        bool keep = !c && db->stmts && hashmap_size(db->stmts) < DB_STMT_CACHE_MAX;
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v3(db->sql, sql, -1, keep ? SQLITE_PREPARE_PERSISTENT : 0, &st, NULL) != SQLITE_OK) {
                sqlite3_finalize(st);
                return NULL;
        }
        size_t len = strlen(sql);
        if (keep && (c = malloc(sizeof(*c) + len + 1))) {
                c->st = st;
                c->busy = true;
                memcpy(c->sql, sql, len + 1);
                if (hashmap_put(db->stmts, c->sql, c) < 0)
                        free(c);
        }
        return st;
}

/* Done with a statement from stmt_get: a kept one is reset for its next
 * use, any other finalized. */
static void stmt_put(sqlite3_stmt *st) {
        if (!st)
                return;
        Db *db = db_of(st);
        CachedStmt *c = db && db->stmts ? hashmap_get(db->stmts, sqlite3_sql(st)) : NULL;
        if (c && c->st == st) {
                sqlite3_reset(st);
                sqlite3_clear_bindings(st);
                c->busy = false;
        } else
                sqlite3_finalize(st);
}

static void stmt_free(void *p) {
        CachedStmt *c = p;
        sqlite3_finalize(c->st);
        free(c);
}

static int exec(Db *db, const char *sql, char *err, size_t errlen) {
        /* One statement: kept prepared (transaction control runs for every
         * change). */
        if (*sql && !strchr(sql, ';')) {
                sqlite3_stmt *st = stmt_get(db, sql);
                int rc = st ? sqlite3_step(st) : sqlite3_errcode(db->sql);
                if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
                        snprintf(err, errlen, "cluster database: %s", sqlite3_errmsg(db->sql));
                        stmt_put(st);
                        return rc == SQLITE_FULL ? -ENOSPC : -EIO;
                }
                stmt_put(st);
                return 0;
        }
        char *msg = NULL;
        int rc = sqlite3_exec(db->sql, sql, NULL, NULL, &msg);
        if (rc != SQLITE_OK) {
                snprintf(err, errlen, "cluster database: %s", msg ? msg : sqlite3_errstr(rc));
                sqlite3_free(msg);
                return rc == SQLITE_FULL ? -ENOSPC : -EIO;
        }
        return 0;
}

/* Prepare, bind text/int arguments from a format ("s" text, "i" int64,
 * "n" null), run; for a statement returning rows, the caller steps. */
static sqlite3_stmt *prepare(Db *db, const char *sql, const char *types, ...) {
        sqlite3_stmt *st = stmt_get(db, sql);
        if (!st)
                return NULL;
        va_list ap;
        va_start(ap, types);
        for (int i = 0; types && types[i]; i++) {
                if (types[i] == 's') {
                        const char *s = va_arg(ap, const char *);
                        if (s)
                                sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT);
                        else
                                sqlite3_bind_null(st, i + 1);
                } else if (types[i] == 'i')
                        sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
                else
                        sqlite3_bind_null(st, i + 1);
        }
        va_end(ap);
        return st;
}

static int run(Db *db, sqlite3_stmt *st, char *err, size_t errlen, const char *what) {
        if (!st)
                return sql_error(db, SQLITE_ERROR, err, errlen, what);
        int rc = sqlite3_step(st);
        int k = rc != SQLITE_DONE && rc != SQLITE_ROW ? sql_error(db, rc, err, errlen, what) : 0;
        stmt_put(st);
        return k;
}

static void finalizep(sqlite3_stmt **st) {
        stmt_put(*st);
}
#define _cleanup_stmt_ _cleanup_(finalizep)

static int migrate(Db *db, char *err, size_t errlen) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db->sql, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
            sqlite3_step(st) != SQLITE_ROW)
                return sql_error(db, SQLITE_ERROR, err, errlen, "reading the schema version");
        int v = sqlite3_column_int(st, 0);
        if (v > (int) ELEMENTSOF(migrations)) {
                snprintf(err, errlen,
                         "cluster database: schema version %d is newer than this wolfpackd knows (%zu); run the newer wolfpackd",
                         v, ELEMENTSOF(migrations));
                return -EPROTONOSUPPORT;
        }
        for (; v < (int) ELEMENTSOF(migrations); v++) {
                char pragma[64];
                snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d;", v + 1);
                int k = exec(db, "BEGIN IMMEDIATE", err, errlen);
                if (k >= 0)
                        k = exec(db, migrations[v], err, errlen);
                if (k >= 0 && migration_code[v])
                        k = migration_code[v](db, err, errlen);
                if (k >= 0)
                        k = exec(db, pragma, err, errlen);
                if (k >= 0)
                        k = exec(db, "COMMIT", err, errlen);
                if (k < 0) {
                        (void) sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
                        return k;
                }
        }
        return 0;
}

/* PRAGMA quick_check answers one row "ok", or rows saying what is wrong. */
static int quick_check(Db *db, const char *path, char *err, size_t errlen) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(db->sql, "PRAGMA quick_check", -1, &st, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
                return sql_error(db, rc, err, errlen, "checking the database");
        const char *verdict = (const char *) sqlite3_column_text(st, 0);
        if (verdict && strcmp(verdict, "ok") == 0)
                return 0;
        snprintf(err, errlen, "the cluster database %s is corrupt (%s)", path, verdict ? verdict : "no answer");
        return -EUCLEAN;
}

int db_open(const char *path, Db **ret, char *err, size_t errlen) {
        Db *db = calloc(1, sizeof(*db));
        if (!db)
                return -ENOMEM;
        /* One thread uses a connection: no locking inside SQLite. */
        int rc = sqlite3_open_v2(path, &db->sql, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
        if (rc != SQLITE_OK) {
                snprintf(err, errlen, "cannot open the cluster database %s: %s", path,
                         db->sql ? sqlite3_errmsg(db->sql) : sqlite3_errstr(rc));
                db_free(db);
                return -EIO;
        }
        sqlite3_busy_timeout(db->sql, 5000);
        db->stmts = hashmap_new();
        db->next_open = open_dbs;
        open_dbs = db;
        int k = exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", err, errlen);
        if (k >= 0)
                k = quick_check(db, path, err, errlen);
        if (k >= 0)
                k = migrate(db, err, errlen);
        /* Corrupt, as SQLite tells it: the caller decides what to do about
         * it (take another node's copy, or refuse). */
        if (k < 0 && k != -EUCLEAN && (sqlite3_errcode(db->sql) == SQLITE_CORRUPT ||
                                       sqlite3_errcode(db->sql) == SQLITE_NOTADB)) {
                char what[256];
                snprintf(what, sizeof(what), "%s", err);
                snprintf(err, errlen, "the cluster database %s is corrupt (%s)", path, what);
                k = -EUCLEAN;
        }
        if (k < 0) {
                db_free(db);
                return k;
        }
        *ret = db;
        return 0;
}

Db *db_free(Db *db) {
        if (db) {
                for (Db **p = &open_dbs; *p; p = &(*p)->next_open)
                        if (*p == db) {
                                *p = db->next_open;
                                break;
                        }
                db->stmts = hashmap_free_with(db->stmts, stmt_free);
                sqlite3_close_v2(db->sql);
                free(db);
        }
        return NULL;
}

/* ---- helpers for apply ---- */

static const char *str(const json_t *o, const char *key) {
        return json_string_value(json_object_get(o, key));
}

static char *dump(const json_t *o) {
        return o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : strdup("{}");
}

static bool exists(Db *db, const char *sql, const char *arg) {
        _cleanup_stmt_ sqlite3_stmt *st = prepare(db, sql, "s", arg);
        return st && sqlite3_step(st) == SQLITE_ROW;
}

static char *column_text(sqlite3_stmt *st, int i) {
        const unsigned char *t = sqlite3_column_text(st, i);
        return t ? strdup((const char *) t) : NULL;
}

void db_props_put(json_t *props, const char *key, json_t *v) {
        const char *old;
        json_t *ov;
        void *tmp;
        json_object_foreach_safe(props, tmp, old, ov)
                if (strcasecmp(old, key) == 0)
                        json_object_del(props, old);
        if (v && !json_is_null(v))
                json_object_set(props, key, v);
}

/* Merge a props object into the JSON text stored in table.column of id:
 * members set to null are removed. */
static int merge_props(Db *db, const char *table, const char *column, const char *id, const json_t *changes,
                       char *err, size_t errlen) {
        char sql[160];
        snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE id = ?", column, table);
        _cleanup_stmt_ sqlite3_stmt *st = prepare(db, sql, "s", id);
        if (!st || sqlite3_step(st) != SQLITE_ROW) {
                snprintf(err, errlen, "no %s %s", strcmp(table, "groups") == 0 ? "group" : "resource", id);
                return -ENOENT;
        }
        json_t *cur = json_loads((const char *) sqlite3_column_text(st, 0), 0, NULL);
        if (!cur)
                cur = json_object();
        const char *key;
        json_t *v;
        json_object_foreach((json_t *) changes, key, v) {
                if (json_is_null(v) || json_is_string(v))
                        db_props_put(cur, key, v);
                else {
                        json_decref(cur);
                        snprintf(err, errlen, "property %s: values are text", key);
                        return -EINVAL;
                }
        }
        _cleanup_free_ char *text = dump(cur);
        json_decref(cur);
        snprintf(sql, sizeof(sql), "UPDATE %s SET %s = ? WHERE id = ?", table, column);
        return run(db, prepare(db, sql, "ss", text, id), err, errlen, "updating properties");
}

/* ---- apply, one function per message type ---- */

static int apply_group_create(Db *db, const json_t *m, int64_t t, char *err, size_t errlen) {
        const char *id = str(m, "id"), *name = str(m, "name");
        if (!id || !name) {
                snprintf(err, errlen, "group.create needs id and name");
                return -EINVAL;
        }
        if (exists(db, "SELECT 1 FROM groups WHERE name = ? COLLATE NOCASE", name)) {
                snprintf(err, errlen, "a group named %s already exists (names are compared ignoring case); choose another name",
                         name);
                return -EEXIST;
        }
        if (exists(db, "SELECT 1 FROM groups WHERE id = ?", id)) {
                snprintf(err, errlen, "a group with id %s already exists", id);
                return -EEXIST;
        }
        _cleanup_free_ char *props = dump(json_object_get(m, "props"));
        return run(db, prepare(db, "INSERT INTO groups(id, name, props, created_ms) VALUES(?, ?, ?, ?)", "sssi", id, name,
                               props, t),
                   err, errlen, "creating a group");
}

static int apply_group_set(Db *db, const json_t *m, int64_t t, char *err, size_t errlen) {
        return merge_props(db, "groups", "props", str(m, "id") ?: "", json_object_get(m, "props"), err, errlen);
}

static int apply_group_delete(Db *db, const json_t *m, int64_t t, char *err, size_t errlen) {
        const char *id = str(m, "id");
        if (!id || !exists(db, "SELECT 1 FROM groups WHERE id = ?", id)) {
                snprintf(err, errlen, "no group %s", id ? id : "(none)");
                return -ENOENT;
        }
        _cleanup_stmt_ sqlite3_stmt *st = prepare(db, "SELECT name FROM resources WHERE group_id = ? ORDER BY name", "s", id);
        if (st && sqlite3_step(st) == SQLITE_ROW) {
                snprintf(err, errlen, "the group still holds resources (%s ...); delete them first",
                         (const char *) sqlite3_column_text(st, 0));
                return -EBUSY;
        }
        return run(db, prepare(db, "DELETE FROM groups WHERE id = ?", "s", id), err, errlen, "deleting a group");
}

static int desired_ok(const char *s, char *err, size_t errlen) {
        if (s && (strcmp(s, "online") == 0 || strcmp(s, "offline") == 0))
                return 0;
        snprintf(err, errlen, "desired state must be online or offline");
        return -EINVAL;
}

static int apply_group_desire(Db *db, const json_t *m, int64_t t, char *err, size_t errlen) {
        const char *id = str(m, "id"), *state = str(m, "state");
        int k = desired_ok(state, err, errlen);
        if (k < 0)
                return k;
        if (!id || !exists(db, "SELECT 1 FROM groups WHERE id = ?", id)) {
                snprintf(err, errlen, "no group %s", id ? id : "(none)");
                return -ENOENT;
        }
        json_t *node = json_object_get(m, "node");
        k = run(db,
                json_is_integer(node)
                        ? prepare(db, "UPDATE groups SET desired = ?, target_node = ? WHERE id = ?", "sis", state,
                                  (int64_t) json_integer_value(node), id)
                        : prepare(db, "UPDATE groups SET desired = ?, target_node = NULL WHERE id = ?", "ss", state, id),
                err, errlen, "changing a group's desired state");
        /* Bringing a group online brings every resource of it online. */
        if (k >= 0 && strcmp(state, "online") == 0)
                k = run(db, prepare(db, "UPDATE resources SET desired = 'online' WHERE group_id = ?", "s", id), err,
                        errlen, "changing resources' desired state");
        return k;
}

static int apply_resource_create(Db *db, const json_t *m, int64_t t, char *err, size_t errlen) {
        const char *id = str(m, "id"), *name = str(m, "name"), *rtype = str(m, "rtype"), *group = str(m, "group");
        if (!id || !name || !rtype || !group) {
                snprintf(err, errlen, "resource.create needs id, name, rtype and group");
                return -EINVAL;
        }
        if (!exists(db, "SELECT 1 FROM groups WHERE id = ?", group)) {
                snprintf(err, errlen, "no group %s", group);
                return -ENOENT;
        }
        /* Names are matched ignoring case everywhere. */
        if (exists(db, "SELECT 1 FROM resources WHERE name = ? COLLATE NOCASE", name)) {
                snprintf(err, errlen, "a resource named %s already exists (names are compared ignoring case); choose another name",
                         name);
                return -EEXIST;
        }
        if (exists(db, "SELECT 1 FROM resources WHERE id = ?", id)) {
                snprintf(err, errlen, "a resource with id %s already exists", id);
                return -EEXIST;
        }
        _cleanup_free_ char *priv = dump(json_object_get(m, "private"));
        _cleanup_free_ char *common = dump(json_object_get(m, "common"));
        return run(db,
                   prepare(db,
                           "INSERT INTO resources(id, name, rtype, group_id, private, common, created_ms) VALUES(?, ?, ?, ?, ?, ?, ?)",
                           "ssssssi", id, name, rtype, group, priv, common, t),
                   err, errlen, "creating a resource");
}

static int apply_resource_set(Db *db, const json_t *m, int64_t t, char *err, size_t errlen) {
        const char *id = str(m, "id") ?: "";
        int k = 0;
        if (json_object_get(m, "private"))
                k = merge_props(db, "resources", "private", id, json_object_get(m, "private"), err, errlen);
        if (k >= 0 && json_object_get(m, "common"))
                k = merge_props(db, "resources", "common", id, json_object_get(m, "common"), err, errlen);
        return k;
}

/* One group's resources as the dependency graph sees them (name order):
 * the expressions parsed by the real parser, so names match as they do
 * everywhere else, ignoring case. */
typedef struct GroupDeps {
        size_t n;
        DepResource *r;
        DepExpr **expr;
        char **id, **name, **depends;
        bool *online; /* desired online */
} GroupDeps;

static void group_deps_done(GroupDeps *g) {
        for (size_t i = 0; i < g->n; i++) {
                depexpr_free(g->expr[i]);
                free(g->id[i]);
                free(g->name[i]);
                free(g->depends[i]);
        }
        free(g->r);
        free(g->expr);
        free(g->id);
        free(g->name);
        free(g->depends);
        free(g->online);
        *g = (GroupDeps) {};
}

static int group_deps_load(Db *db, const char *group_id, GroupDeps *ret, char *err, size_t errlen) {
        _cleanup_stmt_ sqlite3_stmt *count = prepare(db, "SELECT count(*) FROM resources WHERE group_id = ?", "s", group_id);
        if (!count || sqlite3_step(count) != SQLITE_ROW)
                return sql_error(db, SQLITE_ERROR, err, errlen, "reading a group's dependencies");
        size_t n = (size_t) sqlite3_column_int64(count, 0);
        GroupDeps g = {
                .r = calloc(n + 1, sizeof(DepResource)),
                .expr = calloc(n + 1, sizeof(DepExpr *)),
                .id = calloc(n + 1, sizeof(char *)),
                .name = calloc(n + 1, sizeof(char *)),
                .depends = calloc(n + 1, sizeof(char *)),
                .online = calloc(n + 1, sizeof(bool)),
        };
        int k = g.r && g.expr && g.id && g.name && g.depends && g.online ? 0 : -ENOMEM;
        _cleanup_stmt_ sqlite3_stmt *st = k < 0 ? NULL : prepare(db,
                "SELECT id, name, depends, desired FROM resources WHERE group_id = ? ORDER BY name, id", "s", group_id);
        if (k >= 0 && !st)
                k = sql_error(db, SQLITE_ERROR, err, errlen, "reading a group's dependencies");
        while (k >= 0 && g.n < n && sqlite3_step(st) == SQLITE_ROW) {
                size_t i = g.n++;
                g.id[i] = column_text(st, 0);
                g.name[i] = column_text(st, 1);
                g.depends[i] = column_text(st, 2);
                g.online[i] = strcmp((const char *) sqlite3_column_text(st, 3), "online") == 0;
                if (!g.id[i] || !g.name[i] || !g.depends[i]) {
                        k = -ENOMEM;
                        break;
                }
                char e[256];
                k = depexpr_parse(g.depends[i], &g.expr[i], e, sizeof(e));
                if (k < 0)
                        snprintf(err, errlen, "cluster database: the dependencies of resource %s cannot be read: %s",
                                 g.name[i], e);
                g.r[i] = (DepResource) { .name = g.name[i], .expr = g.expr[i] };
        }
        if (k < 0) {
                group_deps_done(&g);
                return k;
        }
        *ret = g;
        return 0;
}

static size_t group_deps_index(const GroupDeps *g, const char *id) {
        for (size_t i = 0; i < g->n; i++)
                if (strcmp(g->id[i], id) == 0)
                        return i;
        return SIZE_MAX;
}

static bool group_deps_has(const GroupDeps *g, const char *name) {
        for (size_t i = 0; i < g->n; i++)
                if (strcasecmp(g->name[i], name) == 0)
                        return true;
        return false;
}

static bool desired_online(size_t i, void *userdata) {
        const GroupDeps *g = userdata;
        return g->online[i];
}

/* Resources left Failed (ids in failed, except) satisfy no expression:
 * their names out of every one (their own expressions stay as they are). */
static int group_deps_without(GroupDeps *g, const json_t *failed, const char *except) {
        _cleanup_strv_free_ char **names = NULL;
        size_t j;
        json_t *v;
        json_array_foreach(failed, j, v) {
                size_t i = group_deps_index(g, json_string_value(v) ?: "");
                if (i == SIZE_MAX || strcmp(g->id[i], except) == 0)
                        continue;
                char *c = strdup(g->name[i]);
                if (!c || strv_push(&names, c) < 0) {
                        free(c);
                        return -ENOMEM;
                }
        }
        for (size_t i = 0; names && i < g->n; i++) {
                DepExpr *e = NULL;
                if (depexpr_remove(g->expr[i], names, &e) < 0)
                        return -ENOMEM;
                depexpr_free(g->expr[i]);
                g->r[i].expr = g->expr[i] = e;
        }
        return 0;
}

static int apply_resource_delete(Db *db, const json_t *m, int64_t t, char *err, size_t errlen) {
        const char *id = str(m, "id");
        _cleanup_stmt_ sqlite3_stmt *st = prepare(db, "SELECT name, group_id FROM resources WHERE id = ?", "s", id ?: "");
        if (!st || sqlite3_step(st) != SQLITE_ROW) {
                snprintf(err, errlen, "no resource %s", id ? id : "(none)");
                return -ENOENT;
        }
        _cleanup_free_ char *name = column_text(st, 0), *group = column_text(st, 1);
        _cleanup_(group_deps_done) GroupDeps g = {};
        int k = group_deps_load(db, group, &g, err, errlen);
        if (k < 0)
                return k;
        for (size_t i = 0; i < g.n; i++)
                if (strcmp(g.id[i], id) != 0 && depexpr_references(g.expr[i], name)) {
                        snprintf(err, errlen,
                                 "resource %s depends on %s; remove the dependency first (wolfpack resource undepend %s --on %s)",
                                 g.name[i], name, g.name[i], name);
                        return -EBUSY;
                }
        k = run(db, prepare(db, "DELETE FROM checkpoints WHERE resource = ?", "s", id), err, errlen,
                "deleting a resource's checkpoint");
        if (k < 0)
                return k;
        return run(db, prepare(db, "DELETE FROM resources WHERE id = ?", "s", id), err, errlen, "deleting a resource");
}

/* The wish for resource id, spread through its group's dependencies as
 * depgraph.h defines them, over the desired states: online brings what id
 * needs, one member per OR-group (one wanted online already, else the
 * lowest online wave, the first written among equals); offline takes down
 * what would no longer be satisfied, so a dependent that still has another
 * OR-member wanted online stays up. Resources in failed (left Failed, as
 * the sender saw them) count for nothing. Desired states and the message
 * only, never runtime state: every node applies this alike. */
static int spread_desire(Db *db, const char *id, const char *state, const json_t *failed, char *err, size_t errlen) {
        bool online = strcmp(state, "online") == 0;
        _cleanup_stmt_ sqlite3_stmt *st = prepare(db, "SELECT group_id FROM resources WHERE id = ?", "s", id);
        if (!st || sqlite3_step(st) != SQLITE_ROW)
                return sql_error(db, SQLITE_ERROR, err, errlen, "reading a resource's group");
        _cleanup_(group_deps_done) GroupDeps g = {};
        int k = group_deps_load(db, (const char *) sqlite3_column_text(st, 0), &g, err, errlen);
        if (k < 0)
                return k;
        size_t x = group_deps_index(&g, id);
        _cleanup_free_ size_t *l = NULL;
        size_t n = 0;
        k = x == SIZE_MAX ? -ENOENT : group_deps_without(&g, failed, id);
        if (k >= 0)
                k = online ? depgraph_prerequisites(g.r, g.n, x, desired_online, &g, &l, &n, err, errlen)
                           : depgraph_dependents(g.r, g.n, x, desired_online, &g, &l, &n, err, errlen);
        for (size_t i = 0; k >= 0 && i < n; i++)
                if (g.online[l[i]] != online)
                        k = run(db, prepare(db, "UPDATE resources SET desired = ? WHERE id = ?", "ss", state, g.id[l[i]]),
                                err, errlen, "changing a resource's desired state");
        return k;
}

static int apply_resource_desire(Db *db, const json_t *m, int64_t t, char *err, size_t errlen) {
        const char *id = str(m, "id"), *state = str(m, "state");
        int k = desired_ok(state, err, errlen);
        if (k < 0)
                return k;
        if (!id || !exists(db, "SELECT 1 FROM resources WHERE id = ?", id)) {
                snprintf(err, errlen, "no resource %s", id ? id : "(none)");
                return -ENOENT;
        }
        k = run(db, prepare(db, "UPDATE resources SET desired = ? WHERE id = ?", "ss", state, id), err, errlen,
                "changing a resource's desired state");
        /* Online needs what the resource depends on online; offline takes
         * what depends on it offline first: spread the wish through the
         * group's dependencies until nothing changes. */
        if (k >= 0)
                k = spread_desire(db, id, state, json_object_get(m, "failed"), err, errlen);
        /* A resource brought online needs its group online. */
        if (k >= 0 && strcmp(state, "online") == 0)
                k = run(db,
                        prepare(db,
                                "UPDATE groups SET desired = 'online' WHERE id = (SELECT group_id FROM resources WHERE id = ?)",
                                "s", id),
                        err, errlen, "changing a group's desired state");
        return k;
}

/* The text to store for expression e of a resource in group g: every name
 * spelled as the resource it names. NULL on failure (no memory). */
static char *canonical_depends(const GroupDeps *g, const DepExpr *e) {
        _cleanup_depexpr_ DepExpr *c = NULL;
        char *text = NULL;
        if (depexpr_respell(e, g->name, &c) < 0 || depexpr_format(c, &text) < 0)
                return NULL;
        return text;
}

static int apply_resource_depend(Db *db, const json_t *m, int64_t t, char *err, size_t errlen) {
        const char *id = str(m, "id"), *expr = str(m, "expr");
        _cleanup_stmt_ sqlite3_stmt *st = prepare(db, "SELECT group_id FROM resources WHERE id = ?", "s", id ?: "");
        if (!id || !expr || !st || sqlite3_step(st) != SQLITE_ROW) {
                snprintf(err, errlen, "no resource %s", id ? id : "(none)");
                return -ENOENT;
        }
        _cleanup_depexpr_ DepExpr *e = NULL;
        int k = depexpr_parse(expr, &e, err, errlen);
        if (k < 0)
                return k;
        _cleanup_(group_deps_done) GroupDeps g = {};
        k = group_deps_load(db, (const char *) sqlite3_column_text(st, 0), &g, err, errlen);
        if (k < 0)
                return k;
        _cleanup_free_ char *text = canonical_depends(&g, e);
        if (!text)
                return -ENOMEM;
        return run(db, prepare(db, "UPDATE resources SET depends = ? WHERE id = ?", "ss", text, id), err, errlen,
                   "changing dependencies");
}

static int apply_failure_record(Db *db, const json_t *m, int64_t t, char *err, size_t errlen) {
        const char *object = str(m, "object"), *kind = str(m, "kind");
        json_t *node = json_object_get(m, "node");
        if (!object || !kind || !json_is_integer(node)) {
                snprintf(err, errlen, "failure.record needs object, kind and node");
                return -EINVAL;
        }
        int k = run(db,
                    prepare(db, "INSERT INTO failures(object, kind, node, time_ms) VALUES(?, ?, ?, ?)", "ssii", object,
                            kind, (int64_t) json_integer_value(node), t),
                    err, errlen, "recording a failure");
        /* Bounded by the message's own time and the order of the stream
         * (never the local clock), so every node keeps the same rows:
         * history older than the longest period is never consulted, and
         * past the highest threshold the oldest rows of an object no
         * longer change a decision. */
        if (k >= 0)
                k = run(db, prepare(db, "DELETE FROM failures WHERE time_ms < ?", "i", t - DB_FAILURE_HISTORY_MS), err,
                        errlen, "trimming failure history");
        if (k >= 0)
                k = run(db,
                        prepare(db,
                                "DELETE FROM failures WHERE object = ?1 AND kind = ?2 AND seq <= (SELECT seq FROM failures"
                                " WHERE object = ?1 AND kind = ?2 ORDER BY seq DESC LIMIT 1 OFFSET ?3)",
                                "ssi", object, kind, (int64_t) DB_FAILURES_PER_OBJECT),
                        err, errlen, "trimming failure history");
        return k;
}

static int apply_node_set(Db *db, const json_t *m, int64_t t, char *err, size_t errlen) {
        json_t *id = json_object_get(m, "id");
        const char *name = str(m, "name");
        if (!json_is_integer(id) || json_integer_value(id) < 1) {
                snprintf(err, errlen, "node.set needs id, a positive integer");
                return -EINVAL;
        }
        int64_t nid = json_integer_value(id);
        int k = 0;
        if (name)
                k = run(db,
                        prepare(db, "INSERT INTO nodes(id, name) VALUES(?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name",
                                "is", nid, name),
                        err, errlen, "adding a node");
        json_t *paused = json_object_get(m, "paused");
        if (k >= 0 && json_is_boolean(paused))
                k = run(db, prepare(db, "UPDATE nodes SET paused = ? WHERE id = ?", "ii", (int64_t) json_is_true(paused), nid),
                        err, errlen, "pausing a node");
        return k;
}

/* An evicted node leaves the node list; its failure history stays, as
 * the history of what happened. */
static int apply_node_delete(Db *db, const json_t *m, int64_t t, char *err, size_t errlen) {
        json_t *id = json_object_get(m, "id");
        if (!json_is_integer(id) || json_integer_value(id) < 1) {
                snprintf(err, errlen, "node.delete needs id, a positive integer");
                return -EINVAL;
        }
        int k = run(db, prepare(db, "DELETE FROM nodes WHERE id = ?", "i", (int64_t) json_integer_value(id)), err,
                    errlen, "evicting a node");
        if (k >= 0 && sqlite3_changes(db->sql) == 0) {
                snprintf(err, errlen, "no node has id %" JSON_INTEGER_FORMAT, json_integer_value(id));
                return -ENOENT;
        }
        return k;
}

/* A resource's checkpoint: what its CheckpointPaths held, from its owner. */
static int apply_checkpoint_set(Db *db, const json_t *m, int64_t t, char *err, size_t errlen) {
        const char *id = str(m, "resource"), *data = str(m, "data"), *hash = str(m, "hash");
        json_t *node = json_object_get(m, "node");
        if (!id || !data || !hash || !json_is_integer(node) || json_integer_value(node) < 1) {
                snprintf(err, errlen, "checkpoint.set needs resource, data and hash, as text, and node, a node id");
                return -EINVAL;
        }
        _cleanup_stmt_ sqlite3_stmt *st = prepare(db, "SELECT 1 FROM resources WHERE id = ?", "s", id);
        if (!st || sqlite3_step(st) != SQLITE_ROW) {
                snprintf(err, errlen, "no resource %s", id);
                return -ENOENT;
        }
        return run(db,
                   prepare(db,
                           "INSERT INTO checkpoints(resource, data, hash, time_ms, node) VALUES(?, ?, ?, ?, ?) "
                           "ON CONFLICT(resource) DO UPDATE SET data = excluded.data, hash = excluded.hash, "
                           "time_ms = excluded.time_ms, node = excluded.node",
                           "sssii", id, data, hash, t, (int64_t) json_integer_value(node)),
                   err, errlen, "storing a checkpoint");
}

/* The cluster's properties, checked as the API checks them: each a known
 * name (spelled as the table has it) and a value it takes. */
static int apply_cluster_set(Db *db, const json_t *m, int64_t t, char *err, size_t errlen) {
        json_t *props = json_object_get(m, "props");
        if (!json_is_object(props)) {
                snprintf(err, errlen, "cluster.set needs props, an object");
                return -EINVAL;
        }
        int k = cluster_props_check(props, true, NULL, NULL, err, errlen);
        const char *key;
        json_t *v;
        json_object_foreach(props, key, v) {
                if (k < 0)
                        break;
                k = run(db,
                        prepare(db, "INSERT INTO cluster(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                "ss", key, json_string_value(v)),
                        err, errlen, "setting a cluster property");
        }
        return k;
}

/* A token of the remote API: its name, role and hash (token.h), made by
 * the node that answered POST /v1/tokens; the token itself never travels. */
static int apply_token_create(Db *db, const json_t *m, int64_t t, char *err, size_t errlen) {
        const char *name = str(m, "name"), *role = str(m, "role"), *hash = str(m, "hash"), *by = str(m, "by");
        char e[256];
        if (!name || !role || !hash || !by) {
                snprintf(err, errlen, "token.create needs name, role, hash and by, as text");
                return -EINVAL;
        }
        if (name_validate("a token name", name, e, sizeof(e)) < 0) {
                snprintf(err, errlen, "%s", e);
                return -EINVAL;
        }
        if (strcmp(role, "read") != 0 && strcmp(role, "operator") != 0 && strcmp(role, "admin") != 0) {
                snprintf(err, errlen, "role %s: the roles are read, operator and admin", text_quote(role).s);
                return -EINVAL;
        }
        if (strlen(hash) != 64 || strspn(hash, "0123456789abcdef") != 64) {
                snprintf(err, errlen, "token.create: hash must be 64 lowercase hex digits");
                return -EINVAL;
        }
        _cleanup_stmt_ sqlite3_stmt *st = prepare(db, "SELECT 1 FROM tokens WHERE name = ? OR hash = ?", "ss", name, hash);
        if (st && sqlite3_step(st) == SQLITE_ROW) {
                snprintf(err, errlen, "a token named %s exists; revoke it first (wolfpack token revoke %s) or choose "
                         "another name", name, name);
                return -EEXIST;
        }
        return run(db,
                   prepare(db, "INSERT INTO tokens(name, role, hash, created_ms, created_by) VALUES(?, ?, ?, ?, ?)",
                           "sssis", name, role, hash, t, by),
                   err, errlen, "storing a token");
}

static int apply_token_revoke(Db *db, const json_t *m, int64_t t, char *err, size_t errlen) {
        const char *name = str(m, "name");
        if (!name) {
                snprintf(err, errlen, "token.revoke needs name, as text");
                return -EINVAL;
        }
        int k = run(db, prepare(db, "DELETE FROM tokens WHERE name = ?", "s", name), err, errlen, "revoking a token");
        if (k >= 0 && sqlite3_changes(db->sql) == 0) {
                snprintf(err, errlen, "no token is named %s (wolfpack token list shows them)", text_quote(name).s);
                return -ENOENT;
        }
        return k;
}

/* ---- migration 2: one spelling per name ---- */

/* A props text with one member per property ignoring case: of several
 * spellings the value applied last wins, as it did when the values were
 * loaded in stored (sorted) order; spelled as table has it when known. */
static char *props_one_spelling(const unsigned char *text, const wp_prop *table) {
        json_t *cur = json_loads(text ? (const char *) text : "{}", 0, NULL);
        json_t *out = json_object();
        const char *key;
        json_t *v;
        json_object_foreach(cur, key, v) {
                const wp_prop *p = table ? props_find(table, key) : NULL;
                db_props_put(out, p ? p->name : key, v);
        }
        char *s = dump(out);
        json_decref(cur);
        json_decref(out);
        return s;
}

static int respell_props(Db *db, const char *table, const char *column, const wp_prop *props, char *err,
                         size_t errlen) {
        char sql[160];
        snprintf(sql, sizeof(sql), "SELECT id, %s FROM %s", column, table);
        _cleanup_stmt_ sqlite3_stmt *st = prepare(db, sql, NULL);
        snprintf(sql, sizeof(sql), "UPDATE %s SET %s = ? WHERE id = ?", table, column);
        int k = st ? 0 : sql_error(db, SQLITE_ERROR, err, errlen, "reading properties");
        while (k >= 0 && sqlite3_step(st) == SQLITE_ROW) {
                _cleanup_free_ char *text = props_one_spelling(sqlite3_column_text(st, 1), props);
                k = text ? 0 : -ENOMEM;
                if (k >= 0 && strcmp(text, (const char *) sqlite3_column_text(st, 1)) != 0)
                        k = run(db, prepare(db, sql, "ss", text, sqlite3_column_text(st, 0)), err, errlen,
                                "respelling properties");
        }
        return k;
}

/* Dependencies spelled as the resources they name, and names of resources
 * that no longer exist (deleted while a differently spelled dependency hid
 * them) dropped; property names one per property, common ones spelled as
 * their tables. Private names keep their spelling here, the type's table
 * being in the monitors: the next change of the property respells it. */
static int canonical_names(Db *db, char *err, size_t errlen) {
        _cleanup_stmt_ sqlite3_stmt *groups = prepare(db, "SELECT id FROM groups", NULL);
        int k = groups ? 0 : sql_error(db, SQLITE_ERROR, err, errlen, "reading groups");
        while (k >= 0 && sqlite3_step(groups) == SQLITE_ROW) {
                _cleanup_(group_deps_done) GroupDeps g = {};
                k = group_deps_load(db, (const char *) sqlite3_column_text(groups, 0), &g, err, errlen);
                for (size_t i = 0; k >= 0 && i < g.n; i++) {
                        _cleanup_strv_free_ char **names = NULL, **gone = NULL;
                        k = depexpr_names(g.expr[i], &names);
                        for (char **nm = names; k >= 0 && nm && *nm; nm++)
                                if (!group_deps_has(&g, *nm)) {
                                        char *c = strdup(*nm);
                                        k = c ? strv_push(&gone, c) : -ENOMEM;
                                        if (k < 0)
                                                free(c);
                                }
                        _cleanup_depexpr_ DepExpr *kept = NULL;
                        if (k >= 0)
                                k = depexpr_remove(g.expr[i], gone, &kept);
                        _cleanup_free_ char *text = k >= 0 ? canonical_depends(&g, kept) : NULL;
                        if (k >= 0 && !text)
                                k = -ENOMEM;
                        if (k >= 0 && strcmp(text, g.depends[i]) != 0)
                                k = run(db, prepare(db, "UPDATE resources SET depends = ? WHERE id = ?", "ss", text, g.id[i]),
                                        err, errlen, "respelling dependencies");
                }
        }
        if (k >= 0)
                k = respell_props(db, "resources", "private", NULL, err, errlen);
        if (k >= 0)
                k = respell_props(db, "resources", "common", resource_common_props, err, errlen);
        if (k >= 0)
                k = respell_props(db, "groups", "props", group_common_props, err, errlen);
        return k;
}

typedef struct Applier {
        const char *type;
        int (*fn)(Db *db, const json_t *m, int64_t time_ms, char *err, size_t errlen);
} Applier;

static const Applier appliers[] = {
        { "group.create", apply_group_create },       { "group.set", apply_group_set },
        { "group.delete", apply_group_delete },       { "group.desire", apply_group_desire },
        { "resource.create", apply_resource_create }, { "resource.set", apply_resource_set },
        { "resource.delete", apply_resource_delete }, { "resource.desire", apply_resource_desire },
        { "resource.depend", apply_resource_depend }, { "failure.record", apply_failure_record },
        { "node.set", apply_node_set },               { "node.delete", apply_node_delete },
        { "cluster.set", apply_cluster_set },          { "checkpoint.set", apply_checkpoint_set },
        { "token.create", apply_token_create },        { "token.revoke", apply_token_revoke },
};

int db_apply(Db *db, const json_t *msg, char *err, size_t errlen) {
        const char *type = str(msg, "type");
        json_t *t = json_object_get(msg, "time_ms");
        const Applier *a = NULL;
        for (size_t i = 0; type && i < ELEMENTSOF(appliers); i++)
                if (strcmp(appliers[i].type, type) == 0)
                        a = &appliers[i];
        if (!a || !json_is_integer(t)) {
                snprintf(err, errlen, "not a message this database applies: %s", type ? type : "(no type)");
                return -EINVAL;
        }
        /* In a batch (db_batch_begin), each message in a savepoint of its
         * own: one that fails leaves the others. */
        db_read_end(db);
        bool batch = db_batch_open(db);
        int k = exec(db, batch ? "SAVEPOINT apply" : "BEGIN IMMEDIATE", err, errlen);
        if (k < 0)
                return k;
        k = a->fn(db, msg, json_integer_value(t), err, errlen);
        if (k >= 0)
                k = run(db, prepare(db, "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'seq'", NULL),
                        err, errlen, "counting the version");
        if (k >= 0)
                k = exec(db, batch ? "RELEASE apply" : "COMMIT", err, errlen);
        if (k < 0)
                (void) sqlite3_exec(db->sql, batch ? "ROLLBACK TO apply; RELEASE apply" : "ROLLBACK", NULL, NULL, NULL);
        return k;
}

bool db_batch_open(Db *db) {
        return !sqlite3_get_autocommit(db->sql) && !db->reading;
}

int db_batch_begin(Db *db, char *err, size_t errlen) {
        db_read_end(db);
        return db_batch_open(db) ? 0 : exec(db, "BEGIN IMMEDIATE", err, errlen);
}

void db_read_begin(Db *db) {
        char err[256];
        if (sqlite3_get_autocommit(db->sql) && exec(db, "BEGIN", err, sizeof(err)) >= 0)
                db->reading = true;
}

void db_read_end(Db *db) {
        if (!db->reading)
                return;
        db->reading = false;
        if (!sqlite3_get_autocommit(db->sql))
                (void) sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL);
}

int db_batch_commit(Db *db, char *err, size_t errlen) {
        if (!db_batch_open(db))
                return 0;
        int k = exec(db, "COMMIT", err, errlen);
        if (k < 0)
                (void) sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
        return k;
}

static uint64_t meta_number(Db *db, const char *key) {
        _cleanup_stmt_ sqlite3_stmt *st = prepare(db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?", "s", key);
        return st && sqlite3_step(st) == SQLITE_ROW ? (uint64_t) sqlite3_column_int64(st, 0) : 0;
}

uint64_t db_count(Db *db, DbTable table) {
        static const char *const sql[] = {
                [DB_NODES] = "SELECT count(*) FROM nodes",
                [DB_GROUPS] = "SELECT count(*) FROM groups",
                [DB_RESOURCES] = "SELECT count(*) FROM resources",
        };
        _cleanup_stmt_ sqlite3_stmt *st = prepare(db, sql[table], NULL);
        return st && sqlite3_step(st) == SQLITE_ROW ? (uint64_t) sqlite3_column_int64(st, 0) : 0;
}

uint64_t db_version(Db *db) {
        return meta_number(db, "seq");
}

DbVersion db_version_get(Db *db) {
        return (DbVersion) { .epoch = meta_number(db, "epoch"), .seq = meta_number(db, "seq") };
}

int db_version_cmp(DbVersion a, DbVersion b) {
        if (a.epoch != b.epoch)
                return a.epoch < b.epoch ? -1 : 1;
        return a.seq < b.seq ? -1 : a.seq > b.seq;
}

int db_meta_set(Db *db, const char *key, uint64_t value, char *err, size_t errlen) {
        if (value > INT64_MAX) {
                snprintf(err, errlen, "cluster database: %s %llu out of range", key, (unsigned long long) value);
                return -ERANGE;
        }
        return run(db, prepare(db, "UPDATE meta SET value = CAST(? AS TEXT) WHERE key = ?", "is", (int64_t) value, key),
                   err, errlen, "recording the version");
}

int db_set_epoch(Db *db, uint64_t epoch, char *err, size_t errlen) {
        return db_meta_set(db, "epoch", epoch, err, errlen);
}

int db_exec(Db *db, const char *sql, char *err, size_t errlen) {
        return exec(db, sql, err, errlen);
}

/* ---- reads ---- */

static unsigned distance(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b);
        if (la > 64 || lb > 64)
                return UINT_MAX;
        unsigned d[65][65];
        for (size_t i = 0; i <= la; i++)
                d[i][0] = (unsigned) i;
        for (size_t j = 0; j <= lb; j++)
                d[0][j] = (unsigned) j;
        for (size_t i = 1; i <= la; i++)
                for (size_t j = 1; j <= lb; j++) {
                        unsigned c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
                        unsigned x = d[i - 1][j] + 1, y = d[i][j - 1] + 1;
                        d[i][j] = c < x ? (c < y ? c : y) : (x < y ? x : y);
                }
        return d[la][lb];
}

int db_find(Db *db, const char *kind, const char *id_or_name, char **ret_id, char *err, size_t errlen) {
        const char *table = strcmp(kind, "group") == 0 ? "groups" : "resources";
        char sql[128];
        /* Names match ignoring case; the exact spelling first (a database
         * from before groups were unique ignoring case may hold two). */
        snprintf(sql, sizeof(sql), "SELECT id FROM %s WHERE id = ?1 OR name = ?1 COLLATE NOCASE ORDER BY name = ?1 DESC",
                 table);
        _cleanup_stmt_ sqlite3_stmt *st = prepare(db, sql, "s", id_or_name);
        if (st && sqlite3_step(st) == SQLITE_ROW) {
                *ret_id = column_text(st, 0);
                return *ret_id ? 0 : -ENOMEM;
        }
        snprintf(sql, sizeof(sql), "SELECT name FROM %s", table);
        _cleanup_stmt_ sqlite3_stmt *all = prepare(db, sql, NULL);
        _cleanup_free_ char *best = NULL;
        unsigned best_d = UINT_MAX;
        while (all && sqlite3_step(all) == SQLITE_ROW) {
                const char *n = (const char *) sqlite3_column_text(all, 0);
                unsigned dd = distance(id_or_name, n);
                if (dd < best_d) {
                        best_d = dd;
                        free(best);
                        best = strdup(n);
                }
        }
        if (best && best_d <= 1 + strlen(id_or_name) / 3)
                snprintf(err, errlen, "no %s \"%s\"; did you mean \"%s\"?", kind, id_or_name, best);
        else
                snprintf(err, errlen, "no %s \"%s\"", kind, id_or_name);
        return -ENOENT;
}

static json_t *loads(sqlite3_stmt *st, int i) {
        const unsigned char *t = sqlite3_column_text(st, i);
        json_t *j = t ? json_loads((const char *) t, 0, NULL) : NULL;
        return j ? j : json_object();
}

static json_t *group_row(Db *db, sqlite3_stmt *st) {
        const char *id = (const char *) sqlite3_column_text(st, 0);
        json_t *g = json_pack("{s:s, s:s, s:o, s:s}", "id", id, "name", sqlite3_column_text(st, 1), "properties",
                              loads(st, 2), "desired", sqlite3_column_text(st, 3));
        json_object_set_new(g, "target_node",
                            sqlite3_column_type(st, 4) == SQLITE_NULL ? json_null() : json_integer(sqlite3_column_int64(st, 4)));
        json_t *names = json_array();
        _cleanup_stmt_ sqlite3_stmt *r = prepare(db, "SELECT name FROM resources WHERE group_id = ? ORDER BY name", "s", id);
        while (r && sqlite3_step(r) == SQLITE_ROW)
                json_array_append_new(names, json_string((const char *) sqlite3_column_text(r, 0)));
        json_object_set_new(g, "resources", names);
        return g;
}

#define GROUP_COLUMNS "SELECT id, name, props, desired, target_node FROM groups"

json_t *db_group(Db *db, const char *id) {
        _cleanup_stmt_ sqlite3_stmt *st = prepare(db, GROUP_COLUMNS " WHERE id = ?", "s", id);
        return st && sqlite3_step(st) == SQLITE_ROW ? group_row(db, st) : NULL;
}

json_t *db_groups(Db *db) {
        json_t *a = json_array();
        _cleanup_stmt_ sqlite3_stmt *st = prepare(db, GROUP_COLUMNS " ORDER BY name", NULL);
        while (st && sqlite3_step(st) == SQLITE_ROW)
                json_array_append_new(a, group_row(db, st));
        return a;
}

#define RESOURCE_COLUMNS                                                                                 \
        "SELECT r.id, r.name, r.rtype, g.name, r.group_id, r.desired, r.private, r.common, r.depends" \
        " FROM resources r JOIN groups g ON g.id = r.group_id"

static json_t *resource_row(sqlite3_stmt *st) {
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s}", "id", sqlite3_column_text(st, 0), "name",
                         sqlite3_column_text(st, 1), "type", sqlite3_column_text(st, 2), "group",
                         sqlite3_column_text(st, 3), "group_id", sqlite3_column_text(st, 4), "desired",
                         sqlite3_column_text(st, 5), "properties", loads(st, 6), "common", loads(st, 7), "depends",
                         sqlite3_column_text(st, 8));
}

json_t *db_resource(Db *db, const char *id) {
        _cleanup_stmt_ sqlite3_stmt *st = prepare(db, RESOURCE_COLUMNS " WHERE r.id = ?", "s", id);
        return st && sqlite3_step(st) == SQLITE_ROW ? resource_row(st) : NULL;
}

json_t *db_resources(Db *db, const char *group_id) {
        json_t *a = json_array();
        _cleanup_stmt_ sqlite3_stmt *st =
                group_id ? prepare(db, RESOURCE_COLUMNS " WHERE r.group_id = ? ORDER BY r.name", "s", group_id)
                         : prepare(db, RESOURCE_COLUMNS " ORDER BY r.name", NULL);
        while (st && sqlite3_step(st) == SQLITE_ROW)
                json_array_append_new(a, resource_row(st));
        return a;
}

json_t *db_nodes(Db *db) {
        json_t *a = json_array();
        _cleanup_stmt_ sqlite3_stmt *st = prepare(db, "SELECT id, name, paused FROM nodes ORDER BY id", NULL);
        while (st && sqlite3_step(st) == SQLITE_ROW)
                json_array_append_new(a, json_pack("{s:I, s:s, s:b}", "id", (json_int_t) sqlite3_column_int64(st, 0),
                                                   "name", sqlite3_column_text(st, 1), "paused",
                                                   sqlite3_column_int(st, 2)));
        return a;
}

json_t *db_cluster(Db *db) {
        json_t *o = json_object();
        _cleanup_stmt_ sqlite3_stmt *st = prepare(db, "SELECT key, value FROM cluster ORDER BY key", NULL);
        while (o && st && sqlite3_step(st) == SQLITE_ROW)
                json_object_set_new(o, (const char *) sqlite3_column_text(st, 0),
                                    json_string((const char *) sqlite3_column_text(st, 1)));
        return o;
}

int db_token_find(Db *db, const char *hash, char *role, size_t rolelen, char *name, size_t namelen) {
        _cleanup_stmt_ sqlite3_stmt *st = prepare(db, "SELECT role, name FROM tokens WHERE hash = ?", "s", hash);
        if (!st)
                return -EIO;
        if (sqlite3_step(st) != SQLITE_ROW)
                return -ENOENT;
        snprintf(role, rolelen, "%s", (const char *) sqlite3_column_text(st, 0));
        snprintf(name, namelen, "%s", (const char *) sqlite3_column_text(st, 1));
        return 0;
}

/* A row of SELECT name, role, created_ms, created_by FROM tokens. */
static json_t *token_row(sqlite3_stmt *st) {
        return json_pack("{s:s, s:s, s:I, s:s}", "name", sqlite3_column_text(st, 0), "role", sqlite3_column_text(st, 1),
                         "created_ms", (json_int_t) sqlite3_column_int64(st, 2), "created_by",
                         sqlite3_column_text(st, 3));
}

json_t *db_tokens(Db *db) {
        json_t *a = json_array();
        _cleanup_stmt_ sqlite3_stmt *st =
                prepare(db, "SELECT name, role, created_ms, created_by FROM tokens ORDER BY name", NULL);
        while (a && st && sqlite3_step(st) == SQLITE_ROW)
                json_array_append_new(a, token_row(st));
        return a;
}

json_t *db_token(Db *db, const char *name) {
        _cleanup_stmt_ sqlite3_stmt *st =
                prepare(db, "SELECT name, role, created_ms, created_by FROM tokens WHERE name = ?", "s", name);
        return st && sqlite3_step(st) == SQLITE_ROW ? token_row(st) : NULL;
}

json_t *db_checkpoint(Db *db, const char *resource_id) {
        _cleanup_stmt_ sqlite3_stmt *st =
                prepare(db, "SELECT data, hash, time_ms, node FROM checkpoints WHERE resource = ?", "s", resource_id);
        if (!st || sqlite3_step(st) != SQLITE_ROW)
                return NULL;
        return json_pack("{s:s, s:s, s:I, s:I}", "data", sqlite3_column_text(st, 0), "hash", sqlite3_column_text(st, 1),
                         "time_ms", (json_int_t) sqlite3_column_int64(st, 2), "node",
                         (json_int_t) sqlite3_column_int64(st, 3));
}

json_t *db_failures(Db *db, const char *object, int64_t since_ms) {
        json_t *a = json_array();
        _cleanup_stmt_ sqlite3_stmt *st = prepare(
                db, "SELECT kind, node, time_ms FROM failures WHERE object = ? AND time_ms >= ? ORDER BY seq", "si",
                object, since_ms);
        while (st && sqlite3_step(st) == SQLITE_ROW)
                json_array_append_new(a, json_pack("{s:s, s:I, s:I}", "kind", sqlite3_column_text(st, 0), "node",
                                                   (json_int_t) sqlite3_column_int64(st, 1), "time_ms",
                                                   (json_int_t) sqlite3_column_int64(st, 2)));
        return a;
}
