/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Last reported state per resource, keyed by resource id. Pure
 * bookkeeping: no I/O.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "resource-states.h"

typedef struct ResourceState {
        char *resource;
        char *state;
        uint64_t seq; /* of the last event; 0 when only replies told */
} ResourceState;

static const char *const state_names[] = {
        "Offline", "OnlinePending", "Online", "OfflinePending", "Failed", "Initializing",
};

bool resource_state_known(const char *state) {
        for (size_t i = 0; i < ELEMENTSOF(state_names); i++)
                if (strcmp(state, state_names[i]) == 0)
                        return true;
        return false;
}

int resource_states_init(ResourceStates *s) {
        s->map = hashmap_new();
        return s->map ? 0 : -ENOMEM;
}

static int states_store(ResourceStates *s, const char *resource, const char *state, uint64_t seq) {
        ResourceState *e = hashmap_get(s->map, resource);
        if (e) {
                char *copy = strdup(state);
                if (!copy)
                        return -ENOMEM;
                free(e->state);
                e->state = copy;
                if (seq > 0)
                        e->seq = seq;
                return 0;
        }

        e = calloc(1, sizeof *e);
        if (!e)
                return -ENOMEM;
        e->resource = strdup(resource);
        e->state = strdup(state);
        e->seq = seq;
        int r = (e->resource && e->state) ? hashmap_put(s->map, e->resource, e) : -ENOMEM;
        if (r < 0) {
                free(e->resource);
                free(e->state);
                free(e);
                return r;
        }
        return 0;
}

int resource_states_set(ResourceStates *s, const char *resource, const char *state) {
        return states_store(s, resource, state, ++s->seq);
}

int resource_states_set_reply(ResourceStates *s, const char *resource, const char *state,
                              uint64_t since_seq) {
        const ResourceState *e = hashmap_get(s->map, resource);
        if (e && e->seq > since_seq)
                return 0;
        int r = states_store(s, resource, state, 0);
        return r < 0 ? r : 1;
}

const char *resource_states_get(const ResourceStates *s, const char *resource) {
        const ResourceState *e = hashmap_get(s->map, resource);
        return e ? e->state : NULL;
}

void resource_states_forget(ResourceStates *s, const char *resource) {
        ResourceState *e = hashmap_remove(s->map, resource);
        if (!e)
                return;
        free(e->resource);
        free(e->state);
        free(e);
}

void resource_states_done(ResourceStates *s) {
        if (!s->map)
                return;
        size_t i = 0;
        ResourceState *e;
        while ((e = hashmap_next(s->map, &i, NULL))) {
                free(e->resource);
                free(e->state);
                free(e);
        }
        s->map = hashmap_free(s->map);
}
