/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Metrics for Prometheus (metrics.c): GET /metrics in the text exposition
 * format, names wolfpack_*, each documented in docs/metrics.md. Owns the
 * histogram of this node's requests to its monitors; the counters of
 * restarts and failovers live with the resource and group they count
 * (RtResource.restarts, RtGroup.failovers).
 */
#pragma once

#include <stdint.h>

typedef struct Daemon Daemon;

#define METRICS_BUCKETS 12

typedef struct MetricsHistogram {
        uint64_t buckets[METRICS_BUCKETS]; /* cumulative at render time; here each one's own count */
        uint64_t count;
        uint64_t sum_usec;
} MetricsHistogram;

typedef struct Metrics {
        MetricsHistogram requests[7]; /* by kind: open, probe, online, offline, terminate, close, other */
} Metrics;

/* A request of this kind ("open", "online", ...) to a monitor took usec. */
void metrics_request_done(Daemon *d, const char *what, uint64_t usec);
/* The whole exposition, malloc'ed; NULL on allocation failure. */
char *metrics_text(Daemon *d);
