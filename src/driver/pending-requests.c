/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The table of outstanding requests: a small array in id order, since the
 * monitor answers most requests quickly and only a handful wait at once.
 * Pure bookkeeping: no I/O.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pending-requests.h"

static bool is_liveness(RequestKind k) {
        return k == REQUEST_HELLO || k == REQUEST_HEARTBEAT;
}

int requests_add(Requests *t, uint64_t id, RequestKind kind, const char *type,
                 const char *resource, uint64_t sent_usec, uint64_t state_seq) {
        if (t->n == t->cap) {
                size_t cap = t->cap ? t->cap * 2 : 16;
                Request *p = realloc(t->items, cap * sizeof *p);
                if (!p)
                        return -ENOMEM;
                t->items = p;
                t->cap = cap;
        }
        Request r = { .id = id, .kind = kind, .sent_usec = sent_usec, .state_seq = state_seq };
        r.type = strdup(type ? type : "");
        r.resource = resource ? strdup(resource) : NULL;
        if (!r.type || (resource && !r.resource)) {
                request_done(&r);
                return -ENOMEM;
        }
        t->items[t->n++] = r;
        return 0;
}

static void requests_remove_at(Requests *t, size_t i) {
        memmove(t->items + i, t->items + i + 1, (t->n - i - 1) * sizeof *t->items);
        t->n--;
}

bool requests_take(Requests *t, uint64_t id, Request *ret) {
        for (size_t i = 0; i < t->n; i++)
                if (t->items[i].id == id) {
                        *ret = t->items[i];
                        requests_remove_at(t, i);
                        return true;
                }
        return false;
}

void request_done(Request *r) {
        free(r->type);
        free(r->resource);
        r->type = r->resource = NULL;
}

size_t requests_awaited(const Requests *t) {
        size_t n = 0;
        for (size_t i = 0; i < t->n; i++) {
                RequestKind k = t->items[i].kind;
                if (k == REQUEST_COMMAND || k == REQUEST_LEASE_GRANT || k == REQUEST_EXIT)
                        n++;
        }
        return n;
}

const Request *requests_oldest_liveness(const Requests *t) {
        for (size_t i = 0; i < t->n; i++)
                if (is_liveness(t->items[i].kind))
                        return &t->items[i];
        return NULL;
}

void requests_done(Requests *t) {
        for (size_t i = 0; i < t->n; i++)
                request_done(&t->items[i]);
        free(t->items);
        *t = (Requests) {};
}
