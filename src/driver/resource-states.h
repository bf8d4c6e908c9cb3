/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The last state the monitor reported for each resource — from `state`
 * events, from replies that carry `state`, and from the snapshot of the
 * hello reply — which `wait` compares against.
 *
 * A reply tells the state when the monitor answered, which may be older
 * than a `state` event that overtook it (an online finishing on a worker
 * before its reply went out): a reply's state counts only when no event
 * for that resource came after the request was sent.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "hashmap.h"

typedef struct ResourceStates {
        Hashmap *map; /* resource id -> ResourceState */
        uint64_t seq; /* counts events; stamped on requests when sent */
} ResourceStates;

int resource_states_init(ResourceStates *s);
/* A `state` event or a snapshot: the truth. -ENOMEM */
int resource_states_set(ResourceStates *s, const char *resource, const char *state);
/* A reply to a request sent when s->seq was since_seq. 1 applied, 0 an
 * event was newer, -ENOMEM. */
int resource_states_set_reply(ResourceStates *s, const char *resource, const char *state,
                              uint64_t since_seq);
/* NULL when nothing was reported (or the resource was closed). */
const char *resource_states_get(const ResourceStates *s, const char *resource);
void resource_states_forget(ResourceStates *s, const char *resource);
void resource_states_done(ResourceStates *s);
/* A state name of the protocol ("Offline", "OnlinePending", ...). */
bool resource_state_known(const char *state);
