/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cluster database: messages applied to a database in a scratch
 * directory. Names match ignoring case and are stored in one spelling
 * (dependencies as the resources they name, property names one per
 * property); desired states spread through dependencies as depgraph.h
 * defines them, OR-groups included; a database of schema 1 with names in
 * other spellings is respelled when opened; the failure history stays
 * bounded. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "db.h"
#include "macro.h"

typedef struct Fixture {
        char dir[64];
        char path[96];
        Db *db;
        char **ids; /* names → ids, in order of creation */
} Fixture;

static int setup(void **state) {
        Fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        snprintf(f->dir, sizeof f->dir, "/tmp/wptest-db-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->path, sizeof f->path, "%s/cluster.db", f->dir);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;
        db_free(f->db);
        char cmd[160];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
        free(f);
        return 0;
}

static Db *open_db(Fixture *f) {
        char err[512] = "";
        int r = db_open(f->path, &f->db, err, sizeof err);
        if (r < 0)
                fail_msg("db_open: %d %s", r, err);
        return f->db;
}

/* Apply a message given as JSON text (time_ms added); the result, with
 * the message in err. */
static int apply(Db *db, char *err, size_t errlen, const char *fmt, ...) {
        char text[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof text, fmt, ap);
        va_end(ap);
        json_error_t je;
        json_t *m = json_loads(text, 0, &je);
        if (!m)
                fail_msg("bad test message %s: %s", text, je.text);
        json_object_set_new(m, "time_ms", json_integer(1000));
        char scratch[512];
        int r = db_apply(db, m, err ? err : scratch, err ? errlen : sizeof scratch);
        json_decref(m);
        return r;
}

#define APPLY_OK(db, ...)                                                             \
        do {                                                                          \
                char e_[512] = "";                                                    \
                int r_ = apply(db, e_, sizeof e_, __VA_ARGS__);                       \
                if (r_ < 0)                                                           \
                        fail_msg("%s:%d: applying failed: %d %s", __FILE__, __LINE__, r_, e_); \
        } while (0)

static void group(Db *db, const char *id, const char *name) {
        APPLY_OK(db, "{\"type\":\"group.create\",\"id\":\"%s\",\"name\":\"%s\"}", id, name);
}

static void resource(Db *db, const char *id, const char *name, const char *group_id) {
        APPLY_OK(db, "{\"type\":\"resource.create\",\"id\":\"%s\",\"name\":\"%s\",\"rtype\":\"genapp\",\"group\":\"%s\"}",
                 id, name, group_id);
}

static void depend(Db *db, const char *id, const char *expr) {
        APPLY_OK(db, "{\"type\":\"resource.depend\",\"id\":\"%s\",\"expr\":\"%s\"}", id, expr);
}

static int desire(Db *db, const char *id, const char *state) {
        return apply(db, NULL, 0, "{\"type\":\"resource.desire\",\"id\":\"%s\",\"state\":\"%s\"}", id, state);
}

/* The same, as the sender saw failed (ids, JSON) left Failed. */
static int desire_failed(Db *db, const char *id, const char *state, const char *failed) {
        return apply(db, NULL, 0, "{\"type\":\"resource.desire\",\"id\":\"%s\",\"state\":\"%s\",\"failed\":%s}", id,
                     state, failed);
}

static char *member(Db *db, const char *id, const char *key) {
        json_t *r = db_resource(db, id);
        assert_non_null(r);
        char *s = strdup(json_string_value(json_object_get(r, key)));
        json_decref(r);
        return s;
}

static void assert_member(Db *db, const char *id, const char *key, const char *want) {
        _cleanup_free_ char *got = member(db, id, key);
        if (strcmp(got, want) != 0)
                fail_msg("%s %s: got \"%s\", want \"%s\"", id, key, got, want);
}

/* "r1 r2 ..." are online, every other resource of ids offline. */
static void assert_online(Db *db, const char *const *ids, const char *want) {
        for (size_t i = 0; ids[i]; i++) {
                char pad[80];
                snprintf(pad, sizeof pad, " %s ", ids[i]);
                char list[256];
                snprintf(list, sizeof list, " %s ", want);
                _cleanup_free_ char *got = member(db, ids[i], "desired");
                const char *expect = strstr(list, pad) ? "online" : "offline";
                if (strcmp(got, expect) != 0)
                        fail_msg("%s is desired %s, want %s (online: %s)", ids[i], got, expect, want);
        }
}

static void test_dependency_names_ignore_case(void **state) {
        Fixture *f = *state;
        Db *db = open_db(f);
        group(db, "g-1", "cg");
        resource(db, "r-db", "db", "g-1");
        resource(db, "r-web", "web", "g-1");
        depend(db, "r-web", "DB");
        /* Stored as the resource is named. */
        assert_member(db, "r-web", "depends", "db");

        static const char *const ids[] = { "r-db", "r-web", NULL };
        assert_int_equal(desire(db, "r-web", "online"), 0);
        assert_online(db, ids, "r-db r-web");
        assert_int_equal(desire(db, "r-db", "offline"), 0);
        assert_online(db, ids, "");

        char err[512] = "";
        assert_int_equal(apply(db, err, sizeof err, "{\"type\":\"resource.delete\",\"id\":\"r-db\"}"), -EBUSY);
        assert_non_null(strstr(err, "resource web depends on db"));
        depend(db, "r-web", "");
        APPLY_OK(db, "{\"type\":\"resource.delete\",\"id\":\"r-db\"}");
}

static void test_names_found_ignoring_case(void **state) {
        Fixture *f = *state;
        Db *db = open_db(f);
        group(db, "g-1", "g1");
        char err[512] = "";
        assert_int_equal(apply(db, err, sizeof err, "{\"type\":\"group.create\",\"id\":\"g-2\",\"name\":\"G1\"}"),
                         -EEXIST);
        assert_non_null(strstr(err, "ignoring case"));
        resource(db, "r-1", "Web", "g-1");

        char *id = NULL;
        assert_int_equal(db_find(db, "group", "G1", &id, err, sizeof err), 0);
        assert_string_equal(id, "g-1");
        free(id);
        assert_int_equal(db_find(db, "resource", "wEB", &id, err, sizeof err), 0);
        assert_string_equal(id, "r-1");
        free(id);
        assert_int_equal(db_find(db, "resource", "webb", &id, err, sizeof err), -ENOENT);
}

static void test_property_names_one_per_property(void **state) {
        Fixture *f = *state;
        Db *db = open_db(f);
        group(db, "g-1", "g");
        APPLY_OK(db,
                 "{\"type\":\"resource.create\",\"id\":\"r-1\",\"name\":\"app\",\"rtype\":\"genapp\",\"group\":\"g-1\","
                 "\"private\":{\"CommandLine\":\"sleep 1001\"}}");
        APPLY_OK(db, "{\"type\":\"resource.set\",\"id\":\"r-1\",\"private\":{\"commandline\":\"sleep 2002\"}}");
        json_t *r = db_resource(db, "r-1");
        json_t *p = json_object_get(r, "properties");
        assert_int_equal(json_object_size(p), 1);
        assert_string_equal(json_string_value(json_object_get(p, "commandline")), "sleep 2002");
        json_decref(r);
        APPLY_OK(db, "{\"type\":\"resource.set\",\"id\":\"r-1\",\"private\":{\"COMMANDLINE\":null}}");
        r = db_resource(db, "r-1");
        assert_int_equal(json_object_size(json_object_get(r, "properties")), 0);
        json_decref(r);
}

/* d_top on "d_l or d_r", both on d_bottom. */
static void diamond(Db *db) {
        group(db, "g-1", "dg");
        resource(db, "r-top", "d_top", "g-1");
        resource(db, "r-l", "d_l", "g-1");
        resource(db, "r-r", "d_r", "g-1");
        resource(db, "r-bottom", "d_bottom", "g-1");
        depend(db, "r-top", "d_l or d_r");
        depend(db, "r-l", "d_bottom");
        depend(db, "r-r", "d_bottom");
}

static const char *const diamond_ids[] = { "r-top", "r-l", "r-r", "r-bottom", NULL };

static void test_or_online_brings_one_member(void **state) {
        Fixture *f = *state;
        Db *db = open_db(f);
        diamond(db);
        /* Neither wanted yet: the first written of the lowest wave. */
        assert_int_equal(desire(db, "r-top", "online"), 0);
        assert_online(db, diamond_ids, "r-top r-l r-bottom");
}

static void test_or_online_prefers_a_member_wanted_already(void **state) {
        Fixture *f = *state;
        Db *db = open_db(f);
        diamond(db);
        assert_int_equal(desire(db, "r-r", "online"), 0);
        assert_online(db, diamond_ids, "r-r r-bottom");
        assert_int_equal(desire(db, "r-top", "online"), 0);
        assert_online(db, diamond_ids, "r-top r-r r-bottom");
}

static void test_or_offline_keeps_a_dependent_with_another_member(void **state) {
        Fixture *f = *state;
        Db *db = open_db(f);
        diamond(db);
        assert_int_equal(desire(db, "r-top", "online"), 0);
        assert_int_equal(desire(db, "r-r", "online"), 0);
        assert_online(db, diamond_ids, "r-top r-l r-r r-bottom");
        /* d_r still satisfies d_top. */
        assert_int_equal(desire(db, "r-l", "offline"), 0);
        assert_online(db, diamond_ids, "r-top r-r r-bottom");
        /* The last member: d_top goes too. */
        assert_int_equal(desire(db, "r-r", "offline"), 0);
        assert_online(db, diamond_ids, "r-bottom");
        /* Below both members: everything above goes. */
        assert_int_equal(desire(db, "r-top", "online"), 0);
        assert_int_equal(desire(db, "r-r", "online"), 0);
        assert_int_equal(desire(db, "r-bottom", "offline"), 0);
        assert_online(db, diamond_ids, "");
}

static void test_or_member_left_failed_stands_in_for_nothing(void **state) {
        Fixture *f = *state;
        Db *db = open_db(f);
        diamond(db);
        assert_int_equal(desire(db, "r-top", "online"), 0);
        assert_online(db, diamond_ids, "r-top r-l r-bottom");
        /* d_l left Failed: wishing d_top online again brings d_r. */
        assert_int_equal(desire_failed(db, "r-top", "online", "[\"r-l\"]"), 0);
        assert_online(db, diamond_ids, "r-top r-l r-r r-bottom");
        /* d_r left Failed: an offline of d_l takes d_top down too, as no
         * member would be left to satisfy it. */
        assert_int_equal(desire_failed(db, "r-l", "offline", "[\"r-r\"]"), 0);
        assert_online(db, diamond_ids, "r-r r-bottom");
        /* A Failed dependent follows its dependency down; the resource
         * wished for is never taken for failed itself. */
        assert_int_equal(desire_failed(db, "r-bottom", "offline", "[\"r-r\", \"r-bottom\", \"nosuch\"]"), 0);
        assert_online(db, diamond_ids, "");
}

static void test_and_still_spreads_to_every_name(void **state) {
        Fixture *f = *state;
        Db *db = open_db(f);
        group(db, "g-1", "ag");
        resource(db, "r-a", "a", "g-1");
        resource(db, "r-b", "b", "g-1");
        resource(db, "r-c", "c", "g-1");
        depend(db, "r-a", "b and C");
        static const char *const ids[] = { "r-a", "r-b", "r-c", NULL };
        assert_int_equal(desire(db, "r-a", "online"), 0);
        assert_online(db, ids, "r-a r-b r-c");
        assert_int_equal(desire(db, "r-c", "offline"), 0);
        assert_online(db, ids, "r-b");
}

/* A database as schema 1 left it, with names in other spellings: the
 * tables are those of today's schema (migrations 2 and 3 add none), the
 * data written behind the database's back, meta as schema 1 had it, the
 * version set back to 1. */
static void write_schema_1(Fixture *f) {
        db_free(open_db(f));
        f->db = NULL;
        sqlite3 *s = NULL;
        assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
        char *msg = NULL;
        int rc = sqlite3_exec(
                s,
                "INSERT INTO groups(id, name, props, created_ms) VALUES"
                "  ('g-1', 'g', '{\"PreferredOwners\":\"n2\",\"preferredowners\":\"n1\"}', 1);"
                "INSERT INTO resources(id, name, rtype, group_id, private, common, depends, created_ms) VALUES"
                "  ('r-db', 'db', 'genapp', 'g-1', '{\"CommandLine\":\"sleep 1\",\"commandline\":\"sleep 2\"}',"
                "   '{\"restartaction\":\"1\"}', '', 1),"
                "  ('r-web', 'web', 'genapp', 'g-1', '{}', '{}', '(DB or gone) and Ip', 1),"
                "  ('r-ip', 'ip', 'genapp', 'g-1', '{}', '{}', 'deleted', 1);"
                "DELETE FROM meta WHERE key = 'epoch'; UPDATE meta SET key = 'version' WHERE key = 'seq';"
                "PRAGMA user_version = 1;",
                NULL, NULL, &msg);
        if (rc != SQLITE_OK)
                fail_msg("schema 1: %s", msg);
        sqlite3_close(s);
}

static void test_schema_1_respelled(void **state) {
        Fixture *f = *state;
        write_schema_1(f);
        Db *db = open_db(f);
        assert_member(db, "r-web", "depends", "db and ip");
        assert_member(db, "r-ip", "depends", "");
        json_t *r = db_resource(db, "r-db");
        json_t *p = json_object_get(r, "properties");
        /* The value the monitor ran: the last in stored order. */
        assert_int_equal(json_object_size(p), 1);
        assert_string_equal(json_string_value(json_object_get(p, "commandline")), "sleep 2");
        assert_string_equal(json_string_value(json_object_get(json_object_get(r, "common"), "RestartAction")), "1");
        json_decref(r);
        json_t *g = db_group(db, "g-1");
        json_t *gp = json_object_get(g, "properties");
        assert_int_equal(json_object_size(gp), 1);
        assert_string_equal(json_string_value(json_object_get(gp, "PreferredOwners")), "n1");
        json_decref(g);
        /* And a second open finds nothing left to do. */
        db_free(db);
        f->db = NULL;
        db = open_db(f);
        assert_member(db, "r-web", "depends", "db and ip");
}

/* --- The failure history stays bounded however fast failures come: the
 * newest DB_FAILURES_PER_OBJECT rows of an object and kind are kept, rows
 * older than the longest period before the message's time go, and other
 * objects' rows are untouched. */

#define T0 INT64_C(1767225600000)

static void record(Db *db, const char *object, const char *kind, int64_t t) {
        char err[256] = "";
        json_t *m = json_pack("{s:s, s:s, s:s, s:i, s:I}", "type", "failure.record", "object", object, "kind", kind,
                              "node", 1, "time_ms", (json_int_t) t);
        assert_non_null(m);
        if (db_apply(db, m, err, sizeof err) < 0)
                fail_msg("failure.record: %s", err);
        json_decref(m);
}

static size_t failure_rows(Db *db, const char *object, const char *kind, int64_t *ret_first) {
        json_t *a = db_failures(db, object, 0);
        size_t n = 0, i;
        json_t *e;
        json_array_foreach(a, i, e) {
                if (strcmp(json_string_value(json_object_get(e, "kind")), kind) != 0)
                        continue;
                if (n++ == 0 && ret_first)
                        *ret_first = json_integer_value(json_object_get(e, "time_ms"));
        }
        json_decref(a);
        return n;
}

static void test_failures_per_object_capped(void **state) {
        Db *db = open_db(*state);
        const size_t extra = 100;
        for (size_t i = 0; i < DB_FAILURES_PER_OBJECT + extra; i++)
                record(db, "r-1", "restart", T0 + (int64_t) i);
        record(db, "r-2", "restart", T0);
        record(db, "r-1", "failover", T0);
        int64_t first = 0;
        assert_int_equal(failure_rows(db, "r-1", "restart", &first), DB_FAILURES_PER_OBJECT);
        /* The oldest went; the newest stayed. */
        assert_int_equal(first, T0 + (int64_t) extra);
        assert_int_equal(failure_rows(db, "r-2", "restart", NULL), 1);
        assert_int_equal(failure_rows(db, "r-1", "failover", NULL), 1);
}

static void test_failures_expire_by_message_time(void **state) {
        Db *db = open_db(*state);
        record(db, "r-3", "restart", T0);
        record(db, "r-3", "restart", T0 + 1000);
        /* Just inside the longest period: kept. */
        record(db, "r-4", "restart", T0 + DB_FAILURE_HISTORY_MS);
        assert_int_equal(failure_rows(db, "r-3", "restart", NULL), 2);
        /* A message past it trims by its own time, whatever the clock says. */
        record(db, "r-4", "restart", T0 + DB_FAILURE_HISTORY_MS + 1);
        int64_t first = 0;
        assert_int_equal(failure_rows(db, "r-3", "restart", &first), 1);
        assert_int_equal(first, T0 + 1000);
}


/* --- Versions: (epoch, seq), seq one up per change applied and none for
 * a refused one, the epoch as recorded; both survive a reopen. */

static void assert_version(Db *db, uint64_t epoch, uint64_t seq) {
        DbVersion v = db_version_get(db);
        if (v.epoch != epoch || v.seq != seq)
                fail_msg("version (%llu, %llu), want (%llu, %llu)", (unsigned long long) v.epoch,
                         (unsigned long long) v.seq, (unsigned long long) epoch, (unsigned long long) seq);
}

/* Rows counted per table, without reading them (GET /v1/cluster). */
/* The cluster's properties: known names as text, checked; kept. */
static void test_cluster_set(void **state) {
        Fixture *f = *state;
        Db *db = open_db(f);
        char err[256] = "";
        json_t *c = db_cluster(db);
        assert_int_equal(json_object_size(c), 0);
        json_decref(c);
        assert_int_equal(apply(db, err, sizeof err, "{\"type\":\"cluster.set\",\"props\":{\"TimeZone\":\"Europe/Berlin\"}}"), 0);
        c = db_cluster(db);
        assert_string_equal(json_string_value(json_object_get(c, "TimeZone")), "Europe/Berlin");
        json_decref(c);
        assert_int_equal(apply(db, err, sizeof err, "{\"type\":\"cluster.set\",\"props\":{\"TimeZone\":\"Mars/Olympus\"}}"),
                         -EINVAL);
        assert_non_null(strstr(err, "not a time zone"));
        assert_int_equal(apply(db, err, sizeof err, "{\"type\":\"cluster.set\",\"props\":{\"Colour\":\"red\"}}"), -EINVAL);
        assert_int_equal(apply(db, err, sizeof err, "{\"type\":\"cluster.set\",\"props\":{\"TimeZone\":\"../../etc/passwd\"}}"),
                         -EINVAL);
        assert_int_equal(apply(db, err, sizeof err, "{\"type\":\"cluster.set\",\"props\":{\"TimeZone\":3}}"), -EINVAL);
        assert_int_equal(apply(db, err, sizeof err, "{\"type\":\"cluster.set\"}"), -EINVAL);
        /* Nothing of the refused ones changed what is there. */
        db_free(db);
        f->db = NULL;
        db = open_db(f);
        c = db_cluster(db);
        assert_int_equal(json_object_size(c), 1);
        assert_string_equal(json_string_value(json_object_get(c, "TimeZone")), "Europe/Berlin");
        json_decref(c);
}

static void test_count(void **state) {
        Fixture *f = *state;
        Db *db = open_db(f);
        assert_int_equal(db_count(db, DB_GROUPS), 0);
        group(db, "g-1", "g1");
        group(db, "g-2", "g2");
        resource(db, "r-1", "r1", "g-1");
        assert_int_equal(db_count(db, DB_GROUPS), 2);
        assert_int_equal(db_count(db, DB_RESOURCES), 1);
        assert_int_equal(db_count(db, DB_NODES), 0);
        assert_int_equal(apply(db, NULL, 0, "{\"type\":\"group.delete\",\"id\":\"g-2\"}"), 0);
        assert_int_equal(db_count(db, DB_GROUPS), 1);
}

static void test_versions_persist_and_increment(void **state) {
        Fixture *f = *state;
        Db *db = open_db(f);
        assert_version(db, 0, 0);
        group(db, "g-1", "g1");
        resource(db, "r-1", "r1", "g-1");
        assert_version(db, 0, 2);
        assert_int_equal(db_version(db), 2);
        /* Refused: nothing changed, the version neither. */
        assert_int_equal(apply(db, NULL, 0, "{\"type\":\"group.create\",\"id\":\"g-2\",\"name\":\"G1\"}"), -EEXIST);
        assert_version(db, 0, 2);
        char err[256] = "";
        assert_int_equal(db_set_epoch(db, 7, err, sizeof err), 0);
        assert_version(db, 7, 2);
        group(db, "g-3", "g3");
        assert_version(db, 7, 3);
        db_free(db);
        f->db = NULL;
        db = open_db(f);
        assert_version(db, 7, 3);
        /* Compared epoch first, then seq. */
        assert_true(db_version_cmp((DbVersion) { 1, 900 }, (DbVersion) { 2, 0 }) < 0);
        assert_true(db_version_cmp((DbVersion) { 2, 5 }, (DbVersion) { 2, 4 }) > 0);
        assert_int_equal(db_version_cmp((DbVersion) { 2, 5 }, (DbVersion) { 2, 5 }), 0);
}

/* A batch: several changes in one transaction, each in a savepoint of
 * its own (one refused leaves the others); committed, they persist; a
 * batch never committed leaves nothing, so the database is still a prefix
 * of the stream. */
static void test_batch(void **state) {
        Fixture *f = *state;
        Db *db = open_db(f);
        char err[256] = "";
        group(db, "g-0", "g0");
        assert_false(db_batch_open(db));
        assert_int_equal(db_batch_begin(db, err, sizeof err), 0);
        assert_true(db_batch_open(db));
        assert_int_equal(db_batch_begin(db, err, sizeof err), 0); /* already open: the same batch */
        group(db, "g-1", "g1");
        assert_int_equal(apply(db, NULL, 0, "{\"type\":\"group.create\",\"id\":\"g-2\",\"name\":\"G1\"}"), -EEXIST);
        group(db, "g-3", "g3");
        assert_version(db, 0, 3);
        assert_int_equal(db_batch_commit(db, err, sizeof err), 0);
        assert_false(db_batch_open(db));
        assert_int_equal(db_batch_commit(db, err, sizeof err), 0); /* nothing open: nothing to do */
        db_free(db);
        f->db = NULL;
        db = open_db(f);
        assert_version(db, 0, 3);
        json_t *g = db_group(db, "g-3");
        assert_non_null(g);
        json_decref(g);
        assert_null(db_group(db, "g-2"));
        /* Not committed: gone with the process. */
        assert_int_equal(db_batch_begin(db, err, sizeof err), 0);
        group(db, "g-4", "g4");
        db_free(db);
        f->db = NULL;
        db = open_db(f);
        assert_version(db, 0, 3);
        assert_null(db_group(db, "g-4"));
}

/* A database as schema 2 left it: the version in meta's 'version' row,
 * no epoch. Migrated, seq is that count and the epoch 0. */
static void test_schema_2_migrated(void **state) {
        Fixture *f = *state;
        Db *db = open_db(f);
        group(db, "g-1", "g1");
        db_free(db);
        f->db = NULL;
        sqlite3 *s = NULL;
        assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
        char *msg = NULL;
        if (sqlite3_exec(s,
                         "DELETE FROM meta; INSERT INTO meta VALUES('version', '41');"
                         "PRAGMA user_version = 2;",
                         NULL, NULL, &msg) != SQLITE_OK)
                fail_msg("schema 2: %s", msg);
        sqlite3_close(s);
        db = open_db(f);
        assert_version(db, 0, 41);
        group(db, "g-2", "g2");
        assert_version(db, 0, 42);
        json_t *g = db_group(db, "g-1");
        assert_non_null(g);
        json_decref(g);
}

/* Bytes that are no database, or a database SQLite finds damaged:
 * -EUCLEAN, so that the caller can tell it from other failures. */
static void test_corrupt_database_is_told_apart(void **state) {
        Fixture *f = *state;
        FILE *fp = fopen(f->path, "w");
        assert_non_null(fp);
        for (int i = 0; i < 8192; i++)
                fputc((i * 7919) & 0xff, fp);
        fclose(fp);
        char err[512] = "";
        Db *db = NULL;
        assert_int_equal(db_open(f->path, &db, err, sizeof err), -EUCLEAN);
        assert_null(db);
        assert_non_null(strstr(err, "is corrupt"));

        /* A real database with a page overwritten. */
        unlink(f->path);
        db = open_db(f);
        for (int i = 0; i < 200; i++) {
                char id[32], name[32];
                snprintf(id, sizeof id, "g-%d", i);
                snprintf(name, sizeof name, "group-with-a-long-name-%d", i);
                group(db, id, name);
        }
        db_free(db);
        f->db = NULL;
        sqlite3 *s = NULL;
        assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
        assert_int_equal(sqlite3_exec(s, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;", NULL, NULL,
                                      NULL),
                         SQLITE_OK);
        sqlite3_close(s);
        /* Every page after the first (the schema) overwritten. */
        fp = fopen(f->path, "r+");
        assert_non_null(fp);
        assert_int_equal(fseek(fp, 0, SEEK_END), 0);
        long size = ftell(fp);
        assert_true(size > 4096 * 2);
        assert_int_equal(fseek(fp, 4096, SEEK_SET), 0);
        for (long i = 4096; i < size; i++)
                fputc(0xa5, fp);
        fclose(fp);
        assert_int_equal(db_open(f->path, &db, err, sizeof err), -EUCLEAN);
        assert_non_null(strstr(err, "is corrupt"));
}

/* --- Snapshots: a populated database's snapshot installed into another
 * gives an identical database (every table, where keys stand, the
 * version); a malformed one changes nothing. */

/* Every table of the file, meta and sqlite_sequence included, as text. */
static char *dump_all(const char *path) {
        sqlite3 *s = NULL;
        assert_int_equal(sqlite3_open_v2(path, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        size_t cap = 1 << 16, n = 0;
        char *out = malloc(cap);
        assert_non_null(out);
        out[0] = 0;
        sqlite3_stmt *tables = NULL;
        assert_int_equal(sqlite3_prepare_v2(s, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", -1,
                                            &tables, NULL),
                         SQLITE_OK);
        while (sqlite3_step(tables) == SQLITE_ROW) {
                char sql[128];
                snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY 1", sqlite3_column_text(tables, 0));
                sqlite3_stmt *rows = NULL;
                assert_int_equal(sqlite3_prepare_v2(s, sql, -1, &rows, NULL), SQLITE_OK);
                for (;;) {
                        const char *t = (const char *) sqlite3_column_text(tables, 0);
                        int more = sqlite3_step(rows);
                        size_t need = strlen(t) + 8;
                        for (int c = 0; more == SQLITE_ROW && c < sqlite3_column_count(rows); c++)
                                need += (size_t) sqlite3_column_bytes(rows, c) + 8;
                        while (n + need >= cap) {
                                cap *= 2;
                                out = realloc(out, cap);
                                assert_non_null(out);
                        }
                        if (more != SQLITE_ROW) {
                                n += (size_t) sprintf(out + n, "%s.\n", t);
                                break;
                        }
                        n += (size_t) sprintf(out + n, "%s:", t);
                        for (int c = 0; c < sqlite3_column_count(rows); c++)
                                n += (size_t) sprintf(out + n, " %d|%s", sqlite3_column_type(rows, c),
                                                      sqlite3_column_type(rows, c) == SQLITE_NULL
                                                              ? ""
                                                              : (const char *) sqlite3_column_text(rows, c));
                        out[n++] = '\n';
                        out[n] = 0;
                }
                sqlite3_finalize(rows);
        }
        sqlite3_finalize(tables);
        sqlite3_close(s);
        return out;
}

/* Nodes, groups, resources with dependencies and properties in several
 * scripts (so that chunks are cut next to multi-byte characters), desired
 * states, failure history, an epoch. */
static void populate(Db *db) {
        APPLY_OK(db, "{\"type\":\"node.set\",\"id\":1,\"name\":\"n1\"}");
        APPLY_OK(db, "{\"type\":\"node.set\",\"id\":2,\"name\":\"n2\",\"paused\":true}");
        for (int g = 0; g < 4; g++) {
                APPLY_OK(db, "{\"type\":\"group.create\",\"id\":\"g-%d\",\"name\":\"grp%d\",\"props\":{\"PreferredOwners\":"
                             "\"n2,n1\",\"Description\":\"Gruppe \\u00fc\\u20ac\\ud834\\udd1e %d\"}}", g, g, g);
                for (int r = 0; r < 6; r++)
                        APPLY_OK(db, "{\"type\":\"resource.create\",\"id\":\"r-%d-%d\",\"name\":\"res%d_%d\",\"rtype\":"
                                     "\"genapp\",\"group\":\"g-%d\",\"private\":{\"CommandLine\":\"/bin/echo \\u00e9\\u00e8"
                                     "\\u4e2d\\u6587 \\\"quoted\\\" %d\"},\"common\":{\"RestartAction\":\"1\"}}",
                                 g, r, g, r, g, r);
                APPLY_OK(db, "{\"type\":\"resource.depend\",\"id\":\"r-%d-0\",\"expr\":\"(res%d_1 or res%d_2) and res%d_3\"}",
                         g, g, g, g);
        }
        assert_int_equal(desire(db, "r-1-0", "online"), 0);
        for (int i = 0; i < 5; i++)
                record(db, "r-2-1", "restart", T0 + i);
        APPLY_OK(db, "{\"type\":\"resource.delete\",\"id\":\"r-3-5\"}");
        char err[256];
        assert_int_equal(db_set_epoch(db, 5, err, sizeof err), 0);
}

static json_t *snapshot(Db *db, size_t chunk_max, DbVersion *ret_v) {
        json_t *chunks = NULL;
        char err[512] = "";
        if (db_snapshot(db, chunk_max, &chunks, ret_v, err, sizeof err) < 0)
                fail_msg("db_snapshot: %s", err);
        return chunks;
}

static Db *open_other(Fixture *f, char *path, size_t len) {
        snprintf(path, len, "%s/other.db", f->dir);
        Db *db = NULL;
        char err[512] = "";
        if (db_open(path, &db, err, sizeof err) < 0)
                fail_msg("db_open: %s", err);
        return db;
}

static void test_snapshot_round_trip(void **state) {
        Fixture *f = *state;
        Db *a = open_db(f);
        populate(a);
        char other[128];
        Db *b = open_other(f, other, sizeof other);
        /* b holds something else, replaced whole. */
        group(b, "g-x", "gone");
        resource(b, "r-x", "gone-too", "g-x");
        record(b, "r-x", "restart", T0);
        record(b, "r-x", "restart", T0);

        DbVersion v;
        json_t *chunks = snapshot(a, 512, &v);
        assert_int_equal(v.epoch, 5);
        assert_int_equal(v.seq, db_version(a));
        assert_true(json_array_size(chunks) > 4);
        size_t i;
        json_t *c;
        json_array_foreach(chunks, i, c)
                assert_true(json_string_length(c) <= 512);
        char err[512] = "";
        if (db_snapshot_install(b, chunks, v, err, sizeof err) < 0)
                fail_msg("install: %s", err);
        json_decref(chunks);
        assert_int_equal(db_version_cmp(db_version_get(b), v), 0);

        /* The next failure gets the same key on both. */
        record(a, "r-2-1", "restart", T0 + 9);
        record(b, "r-2-1", "restart", T0 + 9);
        _cleanup_free_ char *da = dump_all(f->path), *db_ = dump_all(other);
        assert_string_equal(da, db_);
        assert_null(strstr(db_, "gone"));

        /* Every table of the schema but meta is in the snapshot. */
        chunks = snapshot(b, 1 << 20, &v);
        assert_int_equal(json_array_size(chunks), 1);
        json_t *o = json_loads(json_string_value(json_array_get(chunks, 0)), 0, NULL);
        assert_non_null(o);
        json_t *t;
        size_t n_tables = 0;
        json_array_foreach(json_object_get(o, "tables"), i, t) {
                n_tables++;
                char needle[80];
                snprintf(needle, sizeof needle, "%s", json_string_value(json_object_get(t, "name")));
                assert_true(strncmp(da, needle, strlen(needle)) == 0 ||
                            (strstr(da, needle) && strstr(da, needle)[-1] == '\n'));
        }
        size_t in_dump = 0;
        for (const char *p = da; (p = strstr(p, ".\n")); p += 2)
                in_dump++;
        /* The dump's tables: the snapshot's, meta and sqlite_sequence. */
        assert_int_equal(in_dump, n_tables + 2);
        json_decref(o);
        json_decref(chunks);
        db_free(b);
}

/* One malformed variant of a good snapshot text: fn edits its JSON. */
typedef void (*spoil_fn)(json_t *o);

static json_t *table_rows(json_t *o, size_t i) {
        return json_object_get(json_array_get(json_object_get(o, "tables"), i), "rows");
}
static void spoil_schema(json_t *o) {
        json_object_set_new(o, "schema", json_integer(99));
}
static void spoil_table_missing(json_t *o) {
        json_array_remove(json_object_get(o, "tables"), 3);
}
static void spoil_column(json_t *o) {
        json_array_set_new(json_object_get(json_array_get(json_object_get(o, "tables"), 1), "columns"), 2,
                           json_string("properties"));
}
static void spoil_int(json_t *o) {
        json_array_set_new(json_array_get(table_rows(o, 0), 0), 0, json_string("1"));
}
static void spoil_props(json_t *o) {
        json_array_set_new(json_array_get(table_rows(o, 1), 0), 2, json_string("{\"a\":1}"));
}
static void spoil_desired(json_t *o) {
        json_array_set_new(json_array_get(table_rows(o, 2), 0), 7, json_string("running"));
}
static void spoil_depends(json_t *o) {
        json_array_set_new(json_array_get(table_rows(o, 2), 0), 6, json_string("a and (b"));
}
static void spoil_group_missing(json_t *o) {
        json_array_set_new(json_array_get(table_rows(o, 2), 0), 3, json_string("g-none"));
}
static void spoil_duplicate(json_t *o) {
        json_array_append(table_rows(o, 1), json_array_get(table_rows(o, 1), 0));
}
static void spoil_row_short(json_t *o) {
        json_array_remove(json_array_get(table_rows(o, 3), 0), 4);
}
static void spoil_nul(json_t *o) {
        json_array_set_new(json_array_get(table_rows(o, 0), 0), 1, json_stringn("n\0x", 3));
}
static void spoil_sequence(json_t *o) {
        json_object_set_new(json_object_get(o, "sequences"), "failures", json_integer(-4));
}

static void test_snapshot_malformed_changes_nothing(void **state) {
        Fixture *f = *state;
        Db *a = open_db(f);
        populate(a);
        char other[128];
        Db *b = open_other(f, other, sizeof other);
        group(b, "g-x", "kept");
        resource(b, "r-x", "kept-too", "g-x");
        _cleanup_free_ char *before = dump_all(other);

        DbVersion v;
        json_t *chunks = snapshot(a, 1 << 20, &v);
        const char *good = json_string_value(json_array_get(chunks, 0));
        static const struct {
                spoil_fn fn;
                const char *reason;
        } cases[] = {
                { spoil_schema, "schema 99" },
                { spoil_table_missing, "not the 7 tables" },
                { spoil_column, "table groups: the columns" },
                { spoil_int, "table nodes, row 0, column id: not an integer" },
                { spoil_props, "column props: not a JSON object of text values" },
                { spoil_desired, "column desired: neither" },
                { spoil_depends, "column depends: not a dependency expression" },
                { spoil_group_missing, "FOREIGN KEY" },
                { spoil_duplicate, "UNIQUE" },
                { spoil_row_short, "table failures, row 0: not a list of 5 values" },
                { spoil_nul, "not JSON: \\u0000 is not allowed" },
                { spoil_sequence, "sequences: failures is not a count" },
        };
        char err[512];
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                json_t *o = json_loads(good, 0, NULL);
                assert_non_null(o);
                cases[i].fn(o);
                _cleanup_free_ char *text = json_dumps(o, JSON_COMPACT);
                json_decref(o);
                json_t *bad = json_pack("[s]", text);
                assert_non_null(bad);
                err[0] = 0;
                int k = db_snapshot_install(b, bad, v, err, sizeof err);
                json_decref(bad);
                if (k >= 0 || !strstr(err, cases[i].reason))
                        fail_msg("case %zu: %d \"%s\", want \"%s\"", i, k, err, cases[i].reason);
                _cleanup_free_ char *after = dump_all(other);
                assert_string_equal(before, after);
        }
        /* Chunks: one missing (the text cut short), one not text, none;
         * a version the text does not hold. */
        json_t *cut = snapshot(a, 1000, &v);
        json_array_remove(cut, json_array_size(cut) - 1);
        assert_int_equal(db_snapshot_install(b, cut, v, err, sizeof err), -EBADMSG);
        assert_non_null(strstr(err, "not JSON"));
        json_array_set_new(cut, 1, json_integer(7));
        assert_int_equal(db_snapshot_install(b, cut, v, err, sizeof err), -EBADMSG);
        assert_non_null(strstr(err, "chunk 1 is not text"));
        json_array_clear(cut);
        assert_int_equal(db_snapshot_install(b, cut, v, err, sizeof err), -EBADMSG);
        json_decref(cut);
        DbVersion other_v = { v.epoch, v.seq + 1 };
        assert_int_equal(db_snapshot_install(b, chunks, other_v, err, sizeof err), -EBADMSG);
        assert_non_null(strstr(err, "its chunks say"));
        _cleanup_free_ char *after = dump_all(other);
        assert_string_equal(before, after);
        json_decref(chunks);
        db_free(b);
}

static double ms_since(const struct timespec *t0) {
        struct timespec t1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        return (double) (t1.tv_sec - t0->tv_sec) * 1e3 + (double) (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* 5,000 resources (in 50 groups, with properties and dependencies):
 * snapshot and install, timed. */
static void test_snapshot_of_5000_resources_is_fast(void **state) {
        Fixture *f = *state;
        Db *a = open_db(f);
        /* Written as one transaction behind the database's back: 5,000
         * changes one by one would time the disk, not the snapshot. */
        sqlite3 *s = NULL;
        assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
        assert_int_equal(sqlite3_exec(s, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
        for (int g = 0; g < 50; g++) {
                char sql[1024];
                snprintf(sql, sizeof sql,
                         "INSERT INTO groups(id, name, props, created_ms) VALUES('g-%02d', 'group%02d',"
                         " '{\"PreferredOwners\":\"n1,n2,n3\"}', 1)", g, g);
                assert_int_equal(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_OK);
                for (int r = 0; r < 100; r++) {
                        snprintf(sql, sizeof sql,
                                 "INSERT INTO resources(id, name, rtype, group_id, private, common, depends, created_ms)"
                                 " VALUES('r-%02d-%03d', 'res%02d_%03d', 'genapp', 'g-%02d',"
                                 " '{\"CommandLine\":\"/usr/bin/app --instance %d --config /etc/app/%02d.conf\"}',"
                                 " '{\"RestartAction\":\"2\",\"RestartThreshold\":\"3\"}', '%s', 1)",
                                 g, r, g, r, g, r, g, r ? "res00_000" : "");
                        if (sqlite3_exec(s, sql, NULL, NULL, NULL) != SQLITE_OK)
                                fail_msg("%s: %s", sql, sqlite3_errmsg(s));
                }
        }
        assert_int_equal(sqlite3_exec(s, "UPDATE meta SET value = '5050' WHERE key = 'seq'; COMMIT", NULL, NULL, NULL),
                         SQLITE_OK);
        sqlite3_close(s);

        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        DbVersion v;
        json_t *chunks = snapshot(a, DB_SNAPSHOT_CHUNK_MAX, &v);
        double taken = ms_since(&t0);
        size_t bytes = 0, i;
        json_t *c;
        json_array_foreach(chunks, i, c)
                bytes += json_string_length(c);
        char other[128];
        Db *b = open_other(f, other, sizeof other);
        char err[512] = "";
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (db_snapshot_install(b, chunks, v, err, sizeof err) < 0)
                fail_msg("install: %s", err);
        double installed = ms_since(&t0);
        print_message("5000 resources: %zu bytes in %zu chunks; snapshot %.1f ms, install %.1f ms\n", bytes,
                      json_array_size(chunks), taken, installed);
        json_t *all = db_resources(b, NULL);
        assert_int_equal(json_array_size(all), 5000);
        json_decref(all);
        /* Well under a second together, sanitizers included. */
        assert_true(taken + installed < 1000);
        json_decref(chunks);
        db_free(b);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_dependency_names_ignore_case, setup, teardown),
                cmocka_unit_test_setup_teardown(test_names_found_ignoring_case, setup, teardown),
                cmocka_unit_test_setup_teardown(test_property_names_one_per_property, setup, teardown),
                cmocka_unit_test_setup_teardown(test_or_online_brings_one_member, setup, teardown),
                cmocka_unit_test_setup_teardown(test_or_online_prefers_a_member_wanted_already, setup, teardown),
                cmocka_unit_test_setup_teardown(test_or_offline_keeps_a_dependent_with_another_member, setup, teardown),
                cmocka_unit_test_setup_teardown(test_or_member_left_failed_stands_in_for_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_and_still_spreads_to_every_name, setup, teardown),
                cmocka_unit_test_setup_teardown(test_schema_1_respelled, setup, teardown),
                cmocka_unit_test_setup_teardown(test_failures_per_object_capped, setup, teardown),
                cmocka_unit_test_setup_teardown(test_failures_expire_by_message_time, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cluster_set, setup, teardown),
                cmocka_unit_test_setup_teardown(test_count, setup, teardown),
                cmocka_unit_test_setup_teardown(test_versions_persist_and_increment, setup, teardown),
                cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
                cmocka_unit_test_setup_teardown(test_schema_2_migrated, setup, teardown),
                cmocka_unit_test_setup_teardown(test_corrupt_database_is_told_apart, setup, teardown),
                cmocka_unit_test_setup_teardown(test_snapshot_round_trip, setup, teardown),
                cmocka_unit_test_setup_teardown(test_snapshot_malformed_changes_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_snapshot_of_5000_resources_is_fast, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
