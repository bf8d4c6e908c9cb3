/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Chained string hash table (FNV-1a), grown at load factor 1. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"

typedef struct Entry {
        const char *key;
        void *value;
        struct Entry *next;
} Entry;

struct Hashmap {
        Entry **buckets;
        size_t n_buckets, size;
        /* iteration state: flattened position */
};

static uint64_t hash(const char *s) {
        uint64_t h = 1469598103934665603ULL;
        for (; *s; s++) {
                h ^= (unsigned char) *s;
                h *= 1099511628211ULL;
        }
        return h;
}

Hashmap *hashmap_new(void) {
        Hashmap *h = calloc(1, sizeof(*h));
        if (!h)
                return NULL;
        h->n_buckets = 16;
        h->buckets = calloc(h->n_buckets, sizeof(Entry *));
        if (!h->buckets) {
                free(h);
                return NULL;
        }
        return h;
}

Hashmap *hashmap_free(Hashmap *h) {
        return hashmap_free_with(h, NULL);
}

Hashmap *hashmap_free_with(Hashmap *h, void (*free_value)(void *value)) {
        if (!h)
                return NULL;
        for (size_t i = 0; i < h->n_buckets; i++)
                for (Entry *e = h->buckets[i], *n; e; e = n) {
                        n = e->next;
                        if (free_value)
                                free_value(e->value);
                        free(e);
                }
        free(h->buckets);
        free(h);
        return NULL;
}

static int grow(Hashmap *h) {
        size_t nb = h->n_buckets * 2;
        Entry **b = calloc(nb, sizeof(Entry *));
        if (!b)
                return -ENOMEM;
        for (size_t i = 0; i < h->n_buckets; i++)
                for (Entry *e = h->buckets[i], *n; e; e = n) {
                        n = e->next;
                        size_t k = hash(e->key) & (nb - 1);
                        e->next = b[k];
                        b[k] = e;
                }
        free(h->buckets);
        h->buckets = b;
        h->n_buckets = nb;
        return 0;
}

int hashmap_put(Hashmap *h, const char *key, void *value) {
        if (hashmap_get(h, key))
                return -EEXIST;
        if (h->size >= h->n_buckets)
                (void) grow(h); /* a failed grow only makes chains longer */
        Entry *e = malloc(sizeof(*e));
        if (!e)
                return -ENOMEM;
        size_t k = hash(key) & (h->n_buckets - 1);
        *e = (Entry) { .key = key, .value = value, .next = h->buckets[k] };
        h->buckets[k] = e;
        h->size++;
        return 0;
}

void *hashmap_get(const Hashmap *h, const char *key) {
        for (Entry *e = h->buckets[hash(key) & (h->n_buckets - 1)]; e; e = e->next)
                if (strcmp(e->key, key) == 0)
                        return e->value;
        return NULL;
}

void *hashmap_remove(Hashmap *h, const char *key) {
        Entry **p = &h->buckets[hash(key) & (h->n_buckets - 1)];
        for (; *p; p = &(*p)->next)
                if (strcmp((*p)->key, key) == 0) {
                        Entry *e = *p;
                        void *v = e->value;
                        *p = e->next;
                        free(e);
                        h->size--;
                        return v;
                }
        return NULL;
}

size_t hashmap_size(const Hashmap *h) {
        return h->size;
}

/* *i encodes bucket << 32 | position in chain. */
void *hashmap_next(const Hashmap *h, size_t *i, const char **ret_key) {
        size_t b = *i >> 32, pos = *i & 0xffffffffu;
        for (; b < h->n_buckets; b++, pos = 0) {
                Entry *e = h->buckets[b];
                for (size_t k = 0; e && k < pos; k++)
                        e = e->next;
                if (e) {
                        *i = (b << 32) | (pos + 1);
                        if (ret_key)
                                *ret_key = e->key;
                        return e->value;
                }
        }
        *i = b << 32;
        return NULL;
}
