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

#include "db.h"
#include "macro.h"

struct Db {
        sqlite3 *sql;
};

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
};

static int sql_error(Db *db, int rc, char *err, size_t errlen, const char *what) {
        snprintf(err, errlen, "cluster database: %s: %s", what, sqlite3_errmsg(db->sql));
        return rc == SQLITE_FULL ? -ENOSPC : rc == SQLITE_BUSY ? -EBUSY : -EIO;
}

static int exec(Db *db, const char *sql, char *err, size_t errlen) {
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
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK)
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
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
                return sql_error(db, rc, err, errlen, what);
        return 0;
}

static void finalizep(sqlite3_stmt **st) {
        sqlite3_finalize(*st);
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

int db_open(const char *path, Db **ret, char *err, size_t errlen) {
        Db *db = calloc(1, sizeof(*db));
        if (!db)
                return -ENOMEM;
        int rc = sqlite3_open_v2(path, &db->sql, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
        if (rc != SQLITE_OK) {
                snprintf(err, errlen, "cannot open the cluster database %s: %s", path,
                         db->sql ? sqlite3_errmsg(db->sql) : sqlite3_errstr(rc));
                db_free(db);
                return -EIO;
        }
        sqlite3_busy_timeout(db->sql, 5000);
        int k = exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", err, errlen);
        if (k >= 0)
                k = exec(db, "PRAGMA quick_check;", err, errlen);
        if (k >= 0)
                k = migrate(db, err, errlen);
        if (k < 0) {
                db_free(db);
                return k;
        }
        *ret = db;
        return 0;
}

Db *db_free(Db *db) {
        if (db) {
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
                if (json_is_null(v))
                        json_object_del(cur, key);
                else if (json_is_string(v))
                        json_object_set(cur, key, v);
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
        if (exists(db, "SELECT 1 FROM groups WHERE name = ?", name)) {
                snprintf(err, errlen, "a group named %s already exists; choose another name", name);
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
        /* Dependency expressions name resources ignoring case: so do we. */
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

/* Does expression text mention name as a whole word? */
static bool mentions(const char *expr, const char *name) {
        size_t n = strlen(name);
        for (const char *p = expr; (p = strstr(p, name)); p += n) {
                bool start = p == expr || strchr(" ()", p[-1]);
                bool end = p[n] == 0 || strchr(" ()", p[n]);
                if (start && end)
                        return true;
        }
        return false;
}

static int apply_resource_delete(Db *db, const json_t *m, int64_t t, char *err, size_t errlen) {
        const char *id = str(m, "id");
        _cleanup_stmt_ sqlite3_stmt *st = prepare(db, "SELECT name, group_id FROM resources WHERE id = ?", "s", id ?: "");
        if (!st || sqlite3_step(st) != SQLITE_ROW) {
                snprintf(err, errlen, "no resource %s", id ? id : "(none)");
                return -ENOENT;
        }
        _cleanup_free_ char *name = column_text(st, 0), *group = column_text(st, 1);
        _cleanup_stmt_ sqlite3_stmt *deps = prepare(db, "SELECT name, depends FROM resources WHERE group_id = ? AND id != ?",
                                                    "ss", group, id);
        while (deps && sqlite3_step(deps) == SQLITE_ROW)
                if (mentions((const char *) sqlite3_column_text(deps, 1), name)) {
                        snprintf(err, errlen,
                                 "resource %s depends on %s; remove the dependency first (wolfpack resource undepend %s --on %s)",
                                 sqlite3_column_text(deps, 0), name, sqlite3_column_text(deps, 0), name);
                        return -EBUSY;
                }
        return run(db, prepare(db, "DELETE FROM resources WHERE id = ?", "s", id), err, errlen, "deleting a resource");
}

static int spread_desire(Db *db, const char *id, const char *state, char *err, size_t errlen) {
        bool online = strcmp(state, "online") == 0;
        for (bool changed = true; changed;) {
                changed = false;
                /* Pairs (x, y) in the group where y depends on x. */
                _cleanup_stmt_ sqlite3_stmt *st = prepare(
                        db,
                        "SELECT x.id, x.name, x.desired, y.id, y.depends, y.desired FROM resources x JOIN resources y"
                        " ON x.group_id = y.group_id AND x.id != y.id"
                        " WHERE x.group_id = (SELECT group_id FROM resources WHERE id = ?)",
                        "s", id);
                while (st && sqlite3_step(st) == SQLITE_ROW) {
                        const char *xid = (const char *) sqlite3_column_text(st, 0),
                                   *xname = (const char *) sqlite3_column_text(st, 1),
                                   *xdesired = (const char *) sqlite3_column_text(st, 2),
                                   *yid = (const char *) sqlite3_column_text(st, 3),
                                   *ydepends = (const char *) sqlite3_column_text(st, 4),
                                   *ydesired = (const char *) sqlite3_column_text(st, 5);
                        if (!mentions(ydepends, xname))
                                continue;
                        /* online: y wants online → x too; offline: x offline → y too. */
                        const char *target = online ? xid : yid;
                        bool need = online ? strcmp(ydesired, "online") == 0 && strcmp(xdesired, "online") != 0
                                           : strcmp(xdesired, "offline") == 0 && strcmp(ydesired, "offline") != 0;
                        if (!need)
                                continue;
                        int k = run(db, prepare(db, "UPDATE resources SET desired = ? WHERE id = ?", "ss", state, target),
                                    err, errlen, "changing a resource's desired state");
                        if (k < 0)
                                return k;
                        changed = true;
                        break;
                }
        }
        return 0;
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
                k = spread_desire(db, id, state, err, errlen);
        /* A resource brought online needs its group online. */
        if (k >= 0 && strcmp(state, "online") == 0)
                k = run(db,
                        prepare(db,
                                "UPDATE groups SET desired = 'online' WHERE id = (SELECT group_id FROM resources WHERE id = ?)",
                                "s", id),
                        err, errlen, "changing a group's desired state");
        return k;
}

static int apply_resource_depend(Db *db, const json_t *m, int64_t t, char *err, size_t errlen) {
        const char *id = str(m, "id"), *expr = str(m, "expr");
        if (!id || !expr || !exists(db, "SELECT 1 FROM resources WHERE id = ?", id)) {
                snprintf(err, errlen, "no resource %s", id ? id : "(none)");
                return -ENOENT;
        }
        return run(db, prepare(db, "UPDATE resources SET depends = ? WHERE id = ?", "ss", expr, id), err, errlen,
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
        /* History older than a day is never consulted (periods are
         * bounded by that): keep the table small. */
        if (k >= 0)
                k = run(db, prepare(db, "DELETE FROM failures WHERE time_ms < ?", "i", t - 24 * 3600 * 1000LL), err,
                        errlen, "trimming failure history");
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
        { "node.set", apply_node_set },
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
        int k = exec(db, "BEGIN IMMEDIATE", err, errlen);
        if (k < 0)
                return k;
        k = a->fn(db, msg, json_integer_value(t), err, errlen);
        if (k >= 0)
                k = run(db, prepare(db, "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'version'", NULL),
                        err, errlen, "counting the version");
        if (k >= 0)
                k = exec(db, "COMMIT", err, errlen);
        if (k < 0)
                (void) sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
        return k;
}

uint64_t db_version(Db *db) {
        _cleanup_stmt_ sqlite3_stmt *st = prepare(db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'version'", NULL);
        return st && sqlite3_step(st) == SQLITE_ROW ? (uint64_t) sqlite3_column_int64(st, 0) : 0;
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
        snprintf(sql, sizeof(sql), "SELECT id FROM %s WHERE id = ?1 OR name = ?1", table);
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
