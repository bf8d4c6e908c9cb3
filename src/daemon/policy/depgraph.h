/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dependencies of one group's resources as a graph: checks (every name
 * is a resource of the group, no cycle), the order in which they come
 * online and go offline, and which resources an online or an offline of one
 * resource drags along.
 *
 * Edges. Resource r has an edge to every name its expression references,
 * OR-members included. A cycle through an OR-member is a cycle: `a` on
 * `(b or c)` with `b` on `a` is refused, since taking the group offline
 * could not order a and b.
 *
 * Online waves. Resources of one wave come online in parallel, each wave
 * after the one before it has come online:
 *     wave(r) = 0                                    when r has no dependency
 *     wave(r) = 1 + max over r's OR-groups of (min over the group's members
 *                                              of wave(member))
 * an OR-group being satisfied as soon as any one member is online.
 *
 * Offline waves. A resource goes offline only after every resource that
 * references it (through any OR-member) has:
 *     owave(r) = 0                                   when nothing references r
 *     owave(r) = 1 + max over resources d referencing r of owave(d)
 *
 * Names match ignoring ASCII case. Indices are positions in the array the
 * caller gives. Pure: no I/O, no logging. 0 or a negative errno, with a
 * message in err (when given):
 *   -EEXIST  two resources share a name
 *   -ENOENT  a name referenced is not a resource of the group
 *   -ELOOP   a dependency cycle, shown as "a -> b -> a"
 *   -EINVAL  bad arguments (an index out of range)
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "depexpr.h"

typedef struct DepResource {
        const char *name;
        const DepExpr *expr; /* NULL: no dependency */
} DepResource;

/* Every check. On -ENOENT, *ret_resource (the index of the resource whose
 * expression names an outsider) and *ret_missing (the name, pointing into
 * its expression) are set when given, so that the caller can say where the
 * outsider lives; the message says "resource web depends on db, which is not
 * in its group; dependencies stay inside a group". */
int depgraph_check(const DepResource *r, size_t n, char *err, size_t errlen, size_t *ret_resource,
                   const char **ret_missing);

/* The online wave of every resource into ret_wave (n entries, the caller's
 * array) and the number of waves into *ret_n_waves (0 when n is 0).
 * Checks first, as depgraph_check. */
int depgraph_online_waves(const DepResource *r, size_t n, unsigned *ret_wave, unsigned *ret_n_waves,
                          char *err, size_t errlen);
/* The same for going offline. */
int depgraph_offline_waves(const DepResource *r, size_t n, unsigned *ret_wave, unsigned *ret_n_waves,
                           char *err, size_t errlen);

/* is_online(index): whether resource index is Online or on its way there.
 * NULL: every resource counts as online. */
typedef bool (*depgraph_online_fn)(size_t index, void *userdata);

/* What must go offline before resource x goes offline, in the order to take
 * them offline (offline waves, then index), x not included: every resource
 * whose expression would no longer be satisfied, transitively. A resource
 * that reaches x only through an OR-group with another member online stays
 * up; one that is_online says is not online is left alone. With is_online
 * NULL: every resource that references x, transitively. *ret malloc'ed
 * (NULL when *ret_n is 0). */
int depgraph_dependents(const DepResource *r, size_t n, size_t x, depgraph_online_fn is_online,
                        void *userdata, size_t **ret, size_t *ret_n, char *err, size_t errlen);

/* What must come online before resource x, in online order (online waves,
 * then index), x not included: for each OR-group of x with no member online,
 * the member of the lowest online wave (the first written among equals),
 * and in turn what that one needs. With is_online NULL nothing counts as
 * online. *ret malloc'ed (NULL when *ret_n is 0). */
int depgraph_prerequisites(const DepResource *r, size_t n, size_t x, depgraph_online_fn is_online,
                           void *userdata, size_t **ret, size_t *ret_n, char *err, size_t errlen);
