/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An OCF agent's parameters as a property table: see ocf-table.h. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "ocf-table.h"
#include "props.h"
#include "strv.h"
#include "text-quote.h"

#define SLOT 8

static const char *const timeout_names[] = {
        "StartActionTimeout",
        "StopActionTimeout",
        "MonitorActionTimeout",
};
static const char *const timeout_descriptions[] = {
        "how long the agent's start may take before it is killed and the resource fails",
        "how long the agent's stop may take before the resource's processes are killed",
        "how long the agent's monitor may take before it is killed and the resource fails",
};

/* Empty text is no value: as not given. */
static int check_integer(const void *member, char *err, size_t errlen) {
        const char *v = *(char *const *) member;
        int64_t i;
        if (v && *v && parse_int64(v, &i) < 0) {
                snprintf(err, errlen, "%s is not an integer", text_quote(v).s);
                return -EINVAL;
        }
        return 0;
}

static int check_boolean(const void *member, char *err, size_t errlen) {
        const char *v = *(char *const *) member;
        bool b;
        if (v && *v && parse_bool(v, &b) < 0) {
                snprintf(err, errlen, "%s is not a boolean: use 1/0, yes/no, true/false or on/off", text_quote(v).s);
                return -EINVAL;
        }
        return 0;
}

OcfTable *ocf_table_free(OcfTable *t) {
        if (!t)
                return NULL;
        free(t->props);
        strv_free(t->strings);
        free(t);
        return NULL;
}

/* Keep s (taken) for the table; NULL on failure. */
static const char *keep(OcfTable *t, char *s) {
        if (!s || strv_push(&t->strings, s) < 0) {
                free(s);
                return NULL;
        }
        return s;
}

/* The Wolfpack type a parameter gets: typed only where its member can tell
 * "not given" (it has a default that parses, and it is not required). */
static wp_prop_type prop_type(const OcfParam *p) {
        if (p->required || !p->default_value)
                return WP_PROP_STRING;
        int64_t i;
        bool b;
        if (p->type == OCF_PARAM_INTEGER && parse_int64(p->default_value, &i) >= 0)
                return WP_PROP_INT;
        if (p->type == OCF_PARAM_BOOLEAN && parse_bool(p->default_value, &b) >= 0)
                return WP_PROP_BOOL;
        return WP_PROP_STRING;
}

static int add_param(OcfTable *t, const OcfParam *p, size_t i, wp_prop *q) {
        q->name = p->prop_name;
        q->type = prop_type(p);
        q->offset = i * SLOT;
        q->flags = (p->required ? WP_PROP_REQUIRED : 0) | (p->reloadable ? WP_PROP_LIVE : 0);
        q->default_value = p->default_value;
        if (q->type == WP_PROP_STRING && p->type == OCF_PARAM_INTEGER)
                q->check = check_integer;
        else if (q->type == WP_PROP_STRING && p->type == OCF_PARAM_BOOLEAN)
                q->check = check_boolean;
        /* A default not of its own type ("1s" for an integer) is the
         * agent's to apply: the property has none, the description says it. */
        char scratch[8];
        const char *odd = NULL;
        if (q->check && p->default_value && q->check(&p->default_value, scratch, sizeof(scratch)) < 0) {
                odd = p->default_value;
                q->default_value = NULL;
        }
        char *d = NULL;
        bool renamed = strcmp(p->name, p->prop_name) != 0 && strcasecmp(p->name, p->prop_name) != 0;
        if (asprintf(&d, "%s%s(OCF %s%s%s%s%s%s)", p->shortdesc ? p->shortdesc : "", p->shortdesc ? " " : "",
                     ocf_param_type_name(p->type), renamed ? " " : "", renamed ? p->name : "",
                     odd ? "; the agent's default: \"" : "", odd ? odd : "", odd ? "\"" : "") < 0)
                return -ENOMEM;
        q->description = keep(t, d);
        return q->description ? 0 : -ENOMEM;
}

int ocf_table_new(const OcfMeta *m, OcfTable **ret, char *err, size_t errlen) {
        for (size_t i = 0; i < m->n_params; i++)
                for (size_t j = 0; j < ELEMENTSOF(timeout_names); j++)
                        if (strcasecmp(m->params[i].prop_name, timeout_names[j]) == 0) {
                                snprintf(err, errlen,
                                         "parameter %s would be property %s, which is the timeout of an action",
                                         text_quote(m->params[i].name).s, timeout_names[j]);
                                return -EINVAL;
                        }
        OcfTable *t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        size_t n = m->n_params + ELEMENTSOF(timeout_names);
        t->props = calloc(n + 1, sizeof(wp_prop));
        t->strings = calloc(1, sizeof(char *));
        t->timeouts_offset = m->n_params * SLOT;
        t->params_size = t->timeouts_offset + ELEMENTSOF(timeout_names) * sizeof(wp_usec_t);
        int k = t->props && t->strings ? 0 : -ENOMEM;
        for (size_t i = 0; k >= 0 && i < m->n_params; i++)
                k = add_param(t, &m->params[i], i, &t->props[i]);
        const wp_usec_t advised[] = { m->start_timeout, m->stop_timeout, m->monitor_timeout };
        for (size_t j = 0; k >= 0 && j < ELEMENTSOF(timeout_names); j++) {
                wp_prop *q = &t->props[m->n_params + j];
                char *text = NULL;
                k = format_duration(advised[j] >= WP_USEC_PER_MSEC ? advised[j] : OCF_DEFAULT_TIMEOUT, &text);
                if (k < 0)
                        break;
                q->name = timeout_names[j];
                q->type = WP_PROP_DURATION;
                q->offset = t->timeouts_offset + j * sizeof(wp_usec_t);
                q->default_value = keep(t, text);
                q->min = (int64_t) WP_USEC_PER_MSEC; /* whatever the agent advises, but never 0 */
                q->description = timeout_descriptions[j];
                if (!q->default_value)
                        k = -ENOMEM;
        }
        if (k < 0) {
                ocf_table_free(t);
                if (k == -ENOMEM)
                        snprintf(err, errlen, "out of memory");
                return k;
        }
        *ret = t;
        return 0;
}

OcfTimeouts ocf_table_timeouts(const OcfTable *t, const void *params) {
        const wp_usec_t *v = (const wp_usec_t *) ((const char *) params + t->timeouts_offset);
        return (OcfTimeouts) { .start = v[0], .stop = v[1], .monitor = v[2] };
}

int ocf_table_env(const OcfMeta *m, const OcfTable *t, const void *params, char ***env) {
        for (size_t i = 0; i < m->n_params; i++) {
                const OcfParam *p = &m->params[i];
                const wp_prop *q = &t->props[i];
                _cleanup_free_ char *text = NULL;
                int k = props_format(q, params, &text);
                if (k < 0)
                        return k;
                if (!text)
                        continue;
                if (q->type == WP_PROP_BOOL) {
                        /* The spelling every agent's ocf_is_true takes. */
                        free(text);
                        text = strdup(*(const bool *) ((const char *) params + q->offset) ? "true" : "false");
                        if (!text)
                                return -ENOMEM;
                }
                if (p->default_value) {
                        /* Equal as values of their type: "yes" is the default "true". */
                        char scratch[8];
                        bool same;
                        if (q->type == WP_PROP_STRING)
                                same = strcmp(text, p->default_value) == 0;
                        else {
                                _cleanup_free_ void *dflt = calloc(1, t->params_size);
                                if (!dflt)
                                        return -ENOMEM;
                                const wp_prop one[2] = { *q, {} };
                                same = props_set(one, dflt, q->name, p->default_value, scratch, sizeof(scratch)) >= 0 &&
                                       memcmp((const char *) dflt + q->offset, (const char *) params + q->offset,
                                              q->type == WP_PROP_BOOL ? sizeof(bool) : sizeof(int64_t)) == 0;
                        }
                        if (same)
                                continue;
                }
                char *kv = NULL;
                if (asprintf(&kv, "OCF_RESKEY_%s=%s", p->name, text) < 0)
                        return -ENOMEM;
                k = strv_push(env, kv);
                if (k < 0)
                        return k;
        }
        return 0;
}
