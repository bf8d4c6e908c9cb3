/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cluster log across nodes, pure parts (clusterlog-merge.c): the
 * rt.log.* messages that carry entries between nodes, checked as the
 * untrusted input they are; entries cut into parts that fit a message;
 * every node's entries merged in time order. No I/O, no clock.
 *
 * The messages (runtime messages, see owners.h for the others; they change
 * no database and are sent and read whatever the quorum):
 *   rt.log.ask  {req, since, nodes, limit}   GET /v1/log on the sender:
 *                       every member named in nodes (node ids) answers
 *                       with its own entries at or after since (UTC,
 *                       "YYYY-MM-DDTHH:MM:SS", or null: all), the newest
 *                       limit of them; req is the sender's number for
 *                       the request
 *   rt.log.part {to, to_inc, req, part, last, more, entries}   one
 *                       member's answer to node `to` (incarnation to_inc),
 *                       in parts numbered from 0, oldest entries first,
 *                       each under CLUSTERLOG_PART_BYTES; more (on the
 *                       last part): older entries were left out by the
 *                       limit
 *   rt.log.new  {entries}   entries the sender just added to its log, for
 *                       every member's event stream (a burst goes in one)
 * An entry between nodes is {time, node, level, code, text, resource?,
 * name?}; its node must be the sender's.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What one part's entries may take (as compact JSON), well below the
 * engine's ENVELOPE_MAX: corosync blocks the sender while it fragments
 * large messages. */
#define CLUSTERLOG_PART_BYTES (64u * 1024u)
/* The most bytes of entries one node sends for one request (the newest
 * that fit), well below the engine's send queue (64 MiB). */
#define CLUSTERLOG_ANSWER_BYTES (16u * 1024u * 1024u)
/* The most entries one node gives for one request. */
#define CLUSTERLOG_LIMIT_MAX 100000u
#define CLUSTERLOG_LIMIT_DEFAULT 2000u
/* An entry's time as clusterlog.c writes it, and since as asked. */
#define CLUSTERLOG_TIME_LEN 27  /* 2026-01-02T03:04:05.123456Z */
#define CLUSTERLOG_SINCE_LEN 19 /* 2026-01-02T03:04:05 */

/* The shape of a time: `len` characters of "YYYY-MM-DDTHH:MM:SS.uuuuuuZ". */
bool clusterlog_time_valid(const char *s, size_t len);

/* A copy of an entry that came from node `sender`, with only the members
 * an entry has, each checked; NULL with err when it is not one. */
json_t *clusterlog_entry_check(const json_t *e, uint32_t sender, char *err, size_t errlen);
/* A copy of one of this node's own entries that clusterlog_entry_check()
 * accepts from it: a level, code, resource or name that would be refused
 * (a plug-in's code of another shape) is replaced, the text then says
 * what it was. NULL only for an entry without a time of that shape, which
 * cannot be ordered, or out of memory. */
json_t *clusterlog_entry_repair(const json_t *e, uint32_t self);
/* Every element of entries checked as above: a new array, or NULL with
 * err (which names the element). */
json_t *clusterlog_entries_check(const json_t *entries, uint32_t sender, char *err, size_t errlen);

typedef struct ClusterLogAsk {
        uint64_t req;
        const char *since;      /* NULL: all; the message's string */
        uint64_t nodes;         /* bit id: the nodes asked */
        unsigned limit;
} ClusterLogAsk;

typedef struct ClusterLogPart {
        uint32_t to;
        uint64_t to_inc, req;
        unsigned part;
        bool last;
        bool more;              /* older entries were left out by the limit (last part) */
        json_t *entries;        /* checked; a new reference */
} ClusterLogPart;

json_t *clusterlog_ask_message(uint64_t req, const char *since, uint64_t nodes, unsigned limit);
/* 0 or -EBADMSG with err; the outputs are untouched on failure. */
int clusterlog_ask_parse(const json_t *msg, ClusterLogAsk *ret, char *err, size_t errlen);
int clusterlog_part_parse(const json_t *msg, uint32_t sender, ClusterLogPart *ret, char *err, size_t errlen);
/* rt.log.new's entries, checked (a new reference). */
int clusterlog_new_parse(const json_t *msg, uint32_t sender, json_t **ret_entries, char *err, size_t errlen);

/* The rt.log.part messages that answer a request with entries (oldest
 * first): an array of at least one, each part's entries under max_bytes
 * (an entry larger than that goes alone). NULL: out of memory. */
json_t *clusterlog_part_messages(const json_t *entries, uint32_t to, uint64_t to_inc, uint64_t req,
                                 bool more, size_t max_bytes);

/* How many of the oldest entries to leave out so that the rest take at
 * most max_bytes (as compact JSON, a newline each). */
size_t clusterlog_oldest_over(const json_t *entries, size_t max_bytes);

/* Entries of several nodes as one list in time order; equal times in
 * node id order, then as the lists had them. A new array (references to
 * the same entries), NULL: out of memory. */
json_t *clusterlog_merge(json_t *const *lists, size_t n);

/* How often a node says it dropped another node's bad messages: the first
 * CLUSTERLOG_INVALID_BURST lines of each CLUSTERLOG_INVALID_WINDOW_USEC,
 * then none until the window ends; the count of those not said goes with
 * the next line. One per sender, zeroed to start. */
#define CLUSTERLOG_INVALID_WINDOW_USEC (60u * 1000u * 1000u)
#define CLUSTERLOG_INVALID_BURST 10u

typedef struct ClusterLogLimit {
        uint64_t since_usec;    /* the window's start */
        unsigned lines;         /* lines said in it */
        unsigned dropped;       /* not said since the last line */
} ClusterLogLimit;

typedef enum ClusterLogSay {
        CLUSTERLOG_SAY_NOTHING, /* counted */
        CLUSTERLOG_SAY_LINE,    /* a line, with *ret_before not said before it */
        CLUSTERLOG_SAY_LAST,    /* the window's last line: say that the rest go unsaid */
} ClusterLogSay;

ClusterLogSay clusterlog_limit(ClusterLogLimit *l, uint64_t now_usec, unsigned *ret_before);
