/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target of the cluster log's messages between nodes
 * (src/daemon/clusterlog-merge.c): an rt.log.ask, rt.log.part or
 * rt.log.new as another node could send it. The first byte chooses the
 * sender (1..8), the rest is the message's JSON. Whatever the input, each
 * reader returns 0 or -EBADMSG with a reason and leaves its outputs alone
 * on failure; the entries it accepts are the sender's, with the members an
 * entry has and nothing else, and they cut into parts and merge again
 * without loss.
 *
 * Built with libFuzzer (clang -fsanitize=fuzzer, see README.md), or with
 * -DFUZZ_STANDALONE as a plain program that replays files and corpora.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "clusterlog-merge.h"
#include "fuzz.h"

static void entries_hold(const json_t *entries, uint32_t sender) {
        size_t i;
        json_t *e;
        json_array_foreach(entries, i, e) {
                check(json_integer_value(json_object_get(e, "node")) == sender);
                check(clusterlog_time_valid(json_string_value(json_object_get(e, "time")), CLUSTERLOG_TIME_LEN));
                const char *k;
                json_t *v;
                json_object_foreach(e, k, v)
                        check(strcmp(k, "time") == 0 || strcmp(k, "node") == 0 || strcmp(k, "level") == 0 ||
                              strcmp(k, "code") == 0 || strcmp(k, "text") == 0 || strcmp(k, "resource") == 0 ||
                              strcmp(k, "name") == 0);
        }
        /* Cut into parts and put together again: the same entries. */
        json_t *parts = clusterlog_part_messages(entries, 1, 2, 3, false, 256);
        check(parts && json_array_size(parts) >= 1);
        json_t *lists[64];
        size_t n = 0;
        json_array_foreach(parts, i, e)
                if (n < 64)
                        lists[n++] = json_object_get(e, "entries");
        if (json_array_size(parts) <= 64) {
                json_t *m = clusterlog_merge(lists, n);
                check(m && json_array_size(m) == json_array_size(entries));
                json_decref(m);
        }
        json_decref(parts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 1)
                return 0;
        uint32_t sender = 1 + data[0] % 8;
        json_t *msg = json_loadb((const char *) data + 1, size - 1, JSON_DECODE_ANY, NULL);
        if (!msg)
                return 0;
        char err[256] = "";
        ClusterLogAsk a = { .req = 12345 };
        int k = clusterlog_ask_parse(msg, &a, err, sizeof(err));
        check(k == 0 || (k == -EBADMSG && err[0] && a.req == 12345));
        if (k == 0) {
                check(a.limit >= 1 && a.limit <= CLUSTERLOG_LIMIT_MAX && !(a.nodes & 1));
                check(!a.since || clusterlog_time_valid(a.since, CLUSTERLOG_SINCE_LEN));
                json_t *again = clusterlog_ask_message(a.req, a.since, a.nodes, a.limit);
                ClusterLogAsk b;
                check(again && clusterlog_ask_parse(again, &b, err, sizeof(err)) == 0);
                check(b.req == a.req && b.nodes == a.nodes && b.limit == a.limit);
                json_decref(again);
        }
        ClusterLogPart p = { .req = 12345 };
        err[0] = 0;
        k = clusterlog_part_parse(msg, sender, &p, err, sizeof(err));
        check(k == 0 || (k == -EBADMSG && err[0] && p.req == 12345 && !p.entries));
        if (k == 0) {
                entries_hold(p.entries, sender);
                json_decref(p.entries);
        }
        json_t *entries = NULL;
        err[0] = 0;
        k = clusterlog_new_parse(msg, sender, &entries, err, sizeof(err));
        check(k == 0 || (k == -EBADMSG && err[0] && !entries));
        if (k == 0) {
                entries_hold(entries, sender);
                json_decref(entries);
        }
        json_decref(msg);
        return 0;
}
