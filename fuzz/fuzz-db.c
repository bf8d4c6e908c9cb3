/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target of the application of engine messages to the cluster
 * database (src/daemon/db.c: db_apply and the apply_* behind it, with the
 * dependency text matching they use). On a cluster of several nodes these
 * messages come from other machines. The input is messages, one JSON
 * object a line, applied in order to a fresh in-memory database.
 * Invariants: a message is applied, and the version goes up by one, or it
 * is refused with a message (valid UTF-8: it goes back to the API) and the
 * database is exactly as it was; the reads always give JSON. Any
 * difference aborts.
 *
 * Built with libFuzzer (clang -fsanitize=fuzzer, see README.md), or with
 * -DFUZZ_STANDALONE as a plain program that replays files and corpora.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fuzz.h"
#include "macro.h"

/* Everything the database holds, as the API reads it. */
static json_t *snapshot(Db *db) {
        json_t *s = json_pack("{s:o, s:o, s:o, s:I}", "groups", db_groups(db), "resources", db_resources(db, NULL),
                              "nodes", db_nodes(db), "version", (json_int_t) db_version(db));
        check(s);
        json_t *groups = json_object_get(s, "groups");
        size_t i;
        json_t *g;
        json_array_foreach(groups, i, g) {
                const char *id = json_string_value(json_object_get(g, "id"));
                check(id);
                json_t *one = db_group(db, id);
                check(one && json_equal(one, g));
                json_decref(one);
        }
        return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Db *db = NULL;
        char err[1024] = "";
        check(db_open(":memory:", &db, err, sizeof err) == 0);

        json_t *before = snapshot(db);
        json_t *msg;
        for (const char *p = (const char *) data, *end = p + size; (msg = fuzz_next_object(&p, end));) {
                err[0] = '\0';
                int r = db_apply(db, msg, err, sizeof err);
                json_t *after = snapshot(db);
                if (r < 0) {
                        check(r == -EINVAL || r == -ENOENT || r == -EEXIST || r == -EBUSY || r == -ENOMEM ||
                              r == -ELOOP || r == -EIO);
                        check_message(err, sizeof err);
                        check(json_equal(before, after));
                } else
                        check(json_integer_value(json_object_get(after, "version")) ==
                              json_integer_value(json_object_get(before, "version")) + 1);
                json_decref(before);
                before = after;
                json_decref(msg);
        }
        json_decref(before);
        db_free(db);
        return 0;
}
