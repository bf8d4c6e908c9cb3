/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * "Where the monitor is": a small shared page, written by the monitor's loop
 * thread around every plug-in entry point call and read by its parent after
 * the monitor died or was killed for a deadlock, so the parent can charge
 * the crash or hang to the right resource and entry point. A seqlock: seq is
 * odd while the writer is inside; readers retry until they see an even,
 * unchanged seq (a dead writer may leave it odd: read it anyway).
 */
#pragma once

#include <stdint.h>

#define RESMON_WHERE_MAGIC 0x57505748u /* "WPWH" */

struct resmon_where {
        uint32_t magic;
        uint32_t seq;
        uint64_t since_usec;   /* CLOCK_MONOTONIC, when the call began */
        char resource[72];     /* id, "" when idle */
        char entry_point[24];  /* "online", "looks_alive", ... */
};
