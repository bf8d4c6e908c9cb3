/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parent's view of the monitor's "where" page (src/common/resmon-where.h):
 * map the memfd of the hello reply read-only and read which resource and
 * entry point the monitor's loop is in.
 */
#pragma once

#include "resmon-where.h"

typedef struct WhereSnapshot {
        char resource[sizeof(((struct resmon_where *) 0)->resource) + 1];
        char entry_point[sizeof(((struct resmon_where *) 0)->entry_point) + 1];
        uint64_t since_usec;
} WhereSnapshot;

/* Map fd (not taken). -EBADMSG when it is too small to hold the page. */
int where_page_map(int fd, const struct resmon_where **ret);
void where_page_unmap(const struct resmon_where *w);
/* Read the page (NULL, or a page without the magic: idle). Empty strings
 * mean idle. */
void where_page_read(const struct resmon_where *w, WhereSnapshot *ret);
