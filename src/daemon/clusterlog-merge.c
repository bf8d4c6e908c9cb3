/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cluster log across nodes, pure parts (clusterlog-merge.h): makes and
 * reads the rt.log.* messages, cuts a node's answer into parts, merges
 * every node's entries by time. Owns no state. Must never trust what
 * another node sent: every member of every message is checked here before
 * anyone reads it, and what fails is refused with a reason, never guessed
 * at.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clusterlog-merge.h"
#include "json-int.h"

#define NODE_MAX 32u
#define LEVEL_MAX 16u
#define CODE_MAX 64u
#define ID_MAX 128u

bool clusterlog_time_valid(const char *s, size_t len) {
        static const char shape[] = "0000-00-00T00:00:00.000000Z";
        if (!s || len > sizeof(shape) - 1 || strlen(s) != len)
                return false;
        for (size_t i = 0; i < len; i++) {
                bool digit = shape[i] == '0';
                if (digit ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
                        return false;
        }
        return true;
}

static bool word_valid(const char *s, size_t max, bool upper) {
        size_t n = s ? strlen(s) : 0;
        if (n == 0 || n > max)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                bool ok = upper ? ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') : (c >= 'a' && c <= 'z');
                if (!ok)
                        return false;
        }
        return true;
}

json_t *clusterlog_entry_check(const json_t *e, uint32_t sender, char *err, size_t errlen) {
        if (!json_is_object(e)) {
                snprintf(err, errlen, "an entry is not an object");
                return NULL;
        }
        const char *time = json_string_value(json_object_get(e, "time"));
        const char *level = json_string_value(json_object_get(e, "level"));
        const char *code = json_string_value(json_object_get(e, "code"));
        const char *text = json_string_value(json_object_get(e, "text"));
        json_t *res = json_object_get(e, "resource"), *name = json_object_get(e, "name");
        json_int_t node;
        if (!clusterlog_time_valid(time, CLUSTERLOG_TIME_LEN))
                snprintf(err, errlen, "an entry's time is not YYYY-MM-DDTHH:MM:SS.uuuuuuZ");
        else if (!json_int_in(json_object_get(e, "node"), 1, NODE_MAX, &node) || (uint32_t) node != sender)
                snprintf(err, errlen, "an entry's node is not its sender, node %u", (unsigned) sender);
        else if (!word_valid(level, LEVEL_MAX, false))
                snprintf(err, errlen, "an entry's level is not a word of a-z");
        else if (!word_valid(code, CODE_MAX, true))
                snprintf(err, errlen, "an entry's code is not a word of A-Z, 0-9 and _");
        else if (!text)
                snprintf(err, errlen, "an entry has no text");
        else if ((res && (!json_is_string(res) || json_string_length(res) > ID_MAX)) ||
                 (name && (!json_is_string(name) || json_string_length(name) > ID_MAX)))
                snprintf(err, errlen, "an entry's resource or name is not a string of at most %u bytes", ID_MAX);
        else {
                json_t *c = json_pack("{s:s, s:I, s:s, s:s, s:s}", "time", time, "node", node, "level", level, "code",
                                      code, "text", text);
                if (c && res)
                        json_object_set(c, "resource", res);
                if (c && name)
                        json_object_set(c, "name", name);
                if (!c)
                        snprintf(err, errlen, "out of memory");
                return c;
        }
        return NULL;
}

static const char *id_or_null(const json_t *v) {
        return json_is_string(v) && json_string_length(v) <= ID_MAX ? json_string_value(v) : NULL;
}

json_t *clusterlog_entry_repair(const json_t *e, uint32_t self) {
        char err[160];
        json_t *c = clusterlog_entry_check(e, self, err, sizeof(err));
        const char *time = json_string_value(json_object_get(e, "time"));
        if (c || !json_is_object(e) || !clusterlog_time_valid(time, CLUSTERLOG_TIME_LEN))
                return c;
        const char *level = json_string_value(json_object_get(e, "level"));
        const char *code = json_string_value(json_object_get(e, "code"));
        const char *text = json_string_value(json_object_get(e, "text"));
        bool code_ok = word_valid(code, CODE_MAX, true);
        char *t = NULL;
        if (!code_ok && asprintf(&t, "%s (code %.64s)", text ? text : "", code ? code : "none") < 0)
                return NULL;
        c = json_pack("{s:s, s:I, s:s, s:s, s:s}", "time", time, "node", (json_int_t) self, "level",
                      word_valid(level, LEVEL_MAX, false) ? level : "info", "code", code_ok ? code : "UNKNOWN_CODE",
                      "text", t ? t : text ? text : "");
        free(t);
        const char *res = id_or_null(json_object_get(e, "resource")), *name = id_or_null(json_object_get(e, "name"));
        if (c && res)
                json_object_set_new(c, "resource", json_string(res));
        if (c && name)
                json_object_set_new(c, "name", json_string(name));
        return c;
}

json_t *clusterlog_entries_check(const json_t *entries, uint32_t sender, char *err, size_t errlen) {
        if (!json_is_array(entries)) {
                snprintf(err, errlen, "entries is not a list");
                return NULL;
        }
        json_t *out = json_array();
        size_t i;
        json_t *e;
        json_array_foreach(entries, i, e) {
                char why[160];
                json_t *c = out ? clusterlog_entry_check(e, sender, why, sizeof(why)) : NULL;
                if (!c || json_array_append_new(out, c) < 0) {
                        snprintf(err, errlen, "entry %zu: %s", i, out && !c ? why : "out of memory");
                        json_decref(out);
                        return NULL;
                }
        }
        return out;
}

json_t *clusterlog_ask_message(uint64_t req, const char *since, uint64_t nodes, unsigned limit) {
        json_t *ids = json_array();
        for (uint32_t id = 1; ids && id <= NODE_MAX; id++)
                if (nodes & (UINT64_C(1) << id))
                        json_array_append_new(ids, json_integer(id));
        return ids ? json_pack("{s:s, s:I, s:s?, s:o, s:i}", "type", "rt.log.ask", "req", (json_int_t) req, "since",
                               since, "nodes", ids, "limit", (int) limit)
                   : NULL;
}

int clusterlog_ask_parse(const json_t *msg, ClusterLogAsk *ret, char *err, size_t errlen) {
        json_int_t req, limit, id;
        json_t *since = json_object_get(msg, "since"), *nodes = json_object_get(msg, "nodes"), *v;
        uint64_t set = 0;
        size_t i;
        if (!json_int_in(json_object_get(msg, "req"), 0, INT64_MAX, &req)) {
                snprintf(err, errlen, "rt.log.ask: req is not a number");
                return -EBADMSG;
        }
        if (since && !json_is_null(since) && !clusterlog_time_valid(json_string_value(since), CLUSTERLOG_SINCE_LEN)) {
                snprintf(err, errlen, "rt.log.ask: since is not YYYY-MM-DDTHH:MM:SS");
                return -EBADMSG;
        }
        if (!json_int_in(json_object_get(msg, "limit"), 1, CLUSTERLOG_LIMIT_MAX, &limit)) {
                snprintf(err, errlen, "rt.log.ask: limit is not a number from 1 to %u", CLUSTERLOG_LIMIT_MAX);
                return -EBADMSG;
        }
        if (!json_is_array(nodes)) {
                snprintf(err, errlen, "rt.log.ask: nodes is not a list");
                return -EBADMSG;
        }
        json_array_foreach(nodes, i, v) {
                if (!json_int_in(v, 1, NODE_MAX, &id)) {
                        snprintf(err, errlen, "rt.log.ask: nodes[%zu] is not a node id from 1 to %u", i, NODE_MAX);
                        return -EBADMSG;
                }
                set |= UINT64_C(1) << id;
        }
        *ret = (ClusterLogAsk) { .req = (uint64_t) req, .since = json_string_value(since), .nodes = set,
                                 .limit = (unsigned) limit };
        return 0;
}

int clusterlog_part_parse(const json_t *msg, uint32_t sender, ClusterLogPart *ret, char *err, size_t errlen) {
        json_int_t to, inc, req, part;
        json_t *last = json_object_get(msg, "last"), *more = json_object_get(msg, "more");
        if (!json_int_in(json_object_get(msg, "to"), 1, NODE_MAX, &to) ||
            !json_int_in(json_object_get(msg, "to_inc"), 0, INT64_MAX, &inc) ||
            !json_int_in(json_object_get(msg, "req"), 0, INT64_MAX, &req) ||
            !json_int_in(json_object_get(msg, "part"), 0, INT32_MAX, &part) || !json_is_boolean(last) ||
            !json_is_boolean(more)) {
                snprintf(err, errlen, "rt.log.part: to, to_inc, req, part, last or more is missing or out of range");
                return -EBADMSG;
        }
        char why[200];
        json_t *entries = clusterlog_entries_check(json_object_get(msg, "entries"), sender, why, sizeof(why));
        if (!entries) {
                snprintf(err, errlen, "rt.log.part: %s", why);
                return -EBADMSG;
        }
        *ret = (ClusterLogPart) { .to = (uint32_t) to, .to_inc = (uint64_t) inc, .req = (uint64_t) req,
                                  .part = (unsigned) part, .last = json_is_true(last), .more = json_is_true(more),
                                  .entries = entries };
        return 0;
}

int clusterlog_new_parse(const json_t *msg, uint32_t sender, json_t **ret_entries, char *err, size_t errlen) {
        char why[200];
        json_t *entries = clusterlog_entries_check(json_object_get(msg, "entries"), sender, why, sizeof(why));
        if (!entries) {
                snprintf(err, errlen, "rt.log.new: %s", why);
                return -EBADMSG;
        }
        *ret_entries = entries;
        return 0;
}

static json_t *part_message(json_t *entries, uint32_t to, uint64_t to_inc, uint64_t req, size_t part) {
        return json_pack("{s:s, s:I, s:I, s:I, s:I, s:b, s:b, s:o}", "type", "rt.log.part", "to", (json_int_t) to,
                         "to_inc", (json_int_t) to_inc, "req", (json_int_t) req, "part", (json_int_t) part, "last",
                         0, "more", 0, "entries", entries);
}

json_t *clusterlog_part_messages(const json_t *entries, uint32_t to, uint64_t to_inc, uint64_t req, bool more,
                                 size_t max_bytes) {
        json_t *parts = json_array(), *cur = json_array();
        size_t bytes = 0, i;
        json_t *e;
        if (!parts || !cur)
                goto fail;
        json_array_foreach(entries, i, e) {
                size_t b = json_dumpb(e, NULL, 0, JSON_COMPACT) + 1;
                if (json_array_size(cur) > 0 && bytes + b > max_bytes) {
                        json_t *m = part_message(cur, to, to_inc, req, json_array_size(parts));
                        cur = json_array();
                        if (!m || json_array_append_new(parts, m) < 0 || !cur)
                                goto fail;
                        bytes = 0;
                }
                if (json_array_append(cur, e) < 0)
                        goto fail;
                bytes += b;
        }
        json_t *m = part_message(cur, to, to_inc, req, json_array_size(parts));
        cur = NULL;
        if (!m || json_array_append_new(parts, m) < 0)
                goto fail;
        json_object_set_new(m, "last", json_true());
        json_object_set_new(m, "more", json_boolean(more));
        return parts;
fail:
        json_decref(cur);
        json_decref(parts);
        return NULL;
}

size_t clusterlog_oldest_over(const json_t *entries, size_t max_bytes) {
        size_t n = json_array_size(entries), bytes = 0;
        for (size_t i = n; i > 0; i--) {
                bytes += json_dumpb(json_array_get(entries, i - 1), NULL, 0, JSON_COMPACT) + 1;
                if (bytes > max_bytes)
                        return i;
        }
        return 0;
}

typedef struct Item {
        json_t *e;
        const char *time;
        json_int_t node;
        size_t list, pos;
} Item;

static int item_cmp(const void *a, const void *b) {
        const Item *x = a, *y = b;
        int c = strcmp(x->time, y->time);
        if (c)
                return c;
        if (x->node != y->node)
                return x->node < y->node ? -1 : 1;
        if (x->list != y->list)
                return x->list < y->list ? -1 : 1;
        return x->pos < y->pos ? -1 : x->pos > y->pos;
}

json_t *clusterlog_merge(json_t *const *lists, size_t n) {
        size_t total = 0;
        for (size_t l = 0; l < n; l++)
                total += json_array_size(lists[l]);
        Item *items = calloc(total ? total : 1, sizeof(Item));
        json_t *out = json_array();
        if (!items || !out) {
                free(items);
                json_decref(out);
                return NULL;
        }
        size_t k = 0;
        for (size_t l = 0; l < n; l++) {
                size_t i;
                json_t *e;
                json_array_foreach(lists[l], i, e) {
                        const char *t = json_string_value(json_object_get(e, "time"));
                        items[k++] = (Item) { .e = e, .time = t ? t : "", .node = json_integer_value(
                                                                                 json_object_get(e, "node")),
                                              .list = l, .pos = i };
                }
        }
        qsort(items, total, sizeof(Item), item_cmp);
        for (size_t i = 0; i < total; i++)
                if (json_array_append(out, items[i].e) < 0) {
                        json_decref(out);
                        out = NULL;
                        break;
                }
        free(items);
        return out;
}

ClusterLogSay clusterlog_limit(ClusterLogLimit *l, uint64_t now_usec, unsigned *ret_before) {
        if (l->lines == 0 || now_usec - l->since_usec >= CLUSTERLOG_INVALID_WINDOW_USEC) {
                l->since_usec = now_usec;
                l->lines = 0;
        }
        if (l->lines >= CLUSTERLOG_INVALID_BURST) {
                l->dropped++;
                return CLUSTERLOG_SAY_NOTHING;
        }
        *ret_before = l->dropped;
        l->dropped = 0;
        return ++l->lines == CLUSTERLOG_INVALID_BURST ? CLUSTERLOG_SAY_LAST : CLUSTERLOG_SAY_LINE;
}
