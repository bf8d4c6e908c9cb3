/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The replicated cluster database: configuration and intent in SQLite (WAL,
 * synchronous=FULL, schema version in PRAGMA user_version, migrated at
 * open). Changed only by db_apply, one engine message in one transaction;
 * applying is deterministic — time comes from the message, never from this
 * node's clock — so every node that applies the same messages in the same
 * order holds the same database. Reads give the API's JSON shapes (without
 * runtime state, which the caller adds).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct Db Db;

#define DB_SCHEMA_VERSION 6

/* The failure history each failure.record trims, so that its size is
 * bounded whatever the failure rate: rows older than the longest
 * RestartPeriod or FailoverPeriod (30 days) before the message's time, and
 * of one object and kind all but the newest DB_FAILURES_PER_OBJECT (more
 * than the highest RestartThreshold or FailoverThreshold, 1000). */
#define DB_FAILURE_HISTORY_MS (30 * 24 * 3600 * 1000LL)
#define DB_FAILURES_PER_OBJECT 1024

/* Open (creating it if absent) and migrate. -EUCLEAN when SQLite finds
 * the file corrupt or not a database at all, with err saying so. */
int db_open(const char *path, Db **ret, char *err, size_t errlen);
Db *db_free(Db *db);

/* Set key in a set of properties to v (NULL or a JSON null: remove it),
 * replacing any other spelling of it: property names are matched ignoring
 * case, so a set holds one member per property. */
void db_props_put(json_t *props, const char *key, json_t *v);

/* Apply one message (docs/cluster-service.md). 0, or a negative errno with
 * err for a person; on error nothing changed. -ENOENT no such object,
 * -EEXIST name taken, -EBUSY in use, -EINVAL malformed. */
int db_apply(Db *db, const json_t *msg, char *err, size_t errlen);

/* The version of the database: (epoch, seq), compared in that order. seq
 * counts the changes applied (each db_apply adds one, in its own
 * transaction); the epoch is raised each time members of a quorate view
 * compare their databases (sync.h). Both persist in the meta table. */
typedef struct DbVersion {
        uint64_t epoch, seq;
} DbVersion;

DbVersion db_version_get(Db *db);
/* <0, 0, >0 as a is older than, the same as, newer than b. */
int db_version_cmp(DbVersion a, DbVersion b);
/* How many rows a table holds. */
typedef enum DbTable { DB_NODES, DB_GROUPS, DB_RESOURCES } DbTable;
/* The cluster's properties (cluster-props.h) as text, {name: value}. */
json_t *db_cluster(Db *db);
/* The remote API's token whose SHA-256 (hex) is hash: its role and name.
 * 0, -ENOENT when no token has it (never made, or revoked), -EIO. */
int db_token_find(Db *db, const char *hash, char *role, size_t rolelen, char *name, size_t namelen);
/* Every token: [{name, role, created_ms, created_by}], without hashes. */
json_t *db_tokens(Db *db);
/* The token named name, as db_tokens lists it, or NULL. */
json_t *db_token(Db *db, const char *name);
/* A resource's checkpoint (checkpoint.c): {data, hash, time_ms}, or NULL. */
json_t *db_checkpoint(Db *db, const char *resource_id);
uint64_t db_count(Db *db, DbTable table);

/* The seq alone: how many changes this database holds (the API's "version"). */
uint64_t db_version(Db *db);
/* Record a new epoch, seq unchanged. */
int db_set_epoch(Db *db, uint64_t epoch, char *err, size_t errlen);

/* A batch: messages applied between db_batch_begin and db_batch_commit
 * share one transaction (one commit, one sync to disk), each in a
 * savepoint of its own, so that one refused leaves the others. A crash
 * before the commit loses the whole batch: a prefix of the stream still.
 * Snapshots are taken and installed outside a batch. Commit: 0, or a
 * negative errno with err, and then nothing of the batch is kept. */
int db_batch_begin(Db *db, char *err, size_t errlen);
int db_batch_commit(Db *db, char *err, size_t errlen);
bool db_batch_open(Db *db);

/* Reads that belong together (an evaluation of every group) in one read
 * transaction: one snapshot, one lock. A no-op inside a batch, whose
 * transaction they share; a change applied before db_read_end ends it. */
void db_read_begin(Db *db);
void db_read_end(Db *db);

/* ---- snapshots (db-snapshot.c): what a node joining is brought up to date with ---- */

/* A chunk of a snapshot holds at most this many bytes of text, which at
 * most double as a JSON string: a chunk message stays well below the
 * limit of a message between nodes (ENVELOPE_MAX). */
#define DB_SNAPSHOT_CHUNK_MAX (256u * 1024u)
/* No snapshot is installed from more text than this. */
#define DB_SNAPSHOT_MAX (1024u * 1024u * 1024u)

/* Every replicated table (nodes, groups, resources, failures) and where
 * their keys stand, read in one transaction, as a JSON array of strings
 * of at most chunk_max bytes each, and the version it holds. */
int db_snapshot(Db *db, size_t chunk_max, json_t **ret_chunks, DbVersion *ret_version, char *err, size_t errlen);
/* Replace every replicated table by the snapshot's, and the version by v,
 * in one transaction. The chunks are untrusted: anything malformed, a
 * version other than v, or another schema is refused with err saying
 * why (-EBADMSG, -EPROTONOSUPPORT), and then nothing changed. */
int db_snapshot_install(Db *db, const json_t *chunks, DbVersion v, char *err, size_t errlen);

/* Find an object by id or by name (names compare exactly). 0 and a
 * malloc'ed id, or -ENOENT with err saying so and suggesting the closest
 * name ("did you mean"). kind: "group", "resource". */
int db_find(Db *db, const char *kind, const char *id_or_name, char **ret_id, char *err, size_t errlen);

/* One object as JSON: group {id, name, desired, properties, resources:[names]};
 * resource {id, name, type, group (name), group_id, desired, properties
 * (private), common, depends}. NULL when absent. */
json_t *db_group(Db *db, const char *id);
json_t *db_resource(Db *db, const char *id);
/* Every group / resource, by name. group_id NULL: all resources. */
json_t *db_groups(Db *db);
json_t *db_resources(Db *db, const char *group_id);
/* Nodes: [{id, name, paused}]. */
json_t *db_nodes(Db *db);
/* Failures of object since since_ms: [{kind, node, time_ms}] oldest first. */
json_t *db_failures(Db *db, const char *object, int64_t since_ms);
