/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The checks of a request body that need nothing but the body and the
 * policy tables (api-body.h): which members a route takes, objects of
 * text values, one spelling per property, common and private properties.
 * Kept apart from the routes so that they can be tested, and fuzzed,
 * without a daemon or an HTTP request around them. Names from the body
 * are shown with text_quote: a JSON key may hold a newline or anything
 * else, and the message must stay one line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api-body.h"
#include "decide.h"
#include "macro.h"
#include "strv.h"
#include "text-quote.h"

void api_refusal_done(ApiRefusal *why) {
        free(why->property);
        why->property = NULL;
        free(why->message);
        why->message = NULL;
}

static int refusal(ApiRefusal *why, int status, const char *code, const char *property, const char *fmt, ...)
        _printf_(5, 6);

/* Fills why and returns -EINVAL: the body is what is wrong. */
static int refusal(ApiRefusal *why, int status, const char *code, const char *property, const char *fmt, ...) {
        va_list ap;
        *why = (ApiRefusal) { .status = status, .code = code };
        if (property)
                why->property = strdup(property);
        va_start(ap, fmt);
        if (vasprintf(&why->message, fmt, ap) < 0)
                why->message = NULL;
        va_end(ap);
        return -EINVAL;
}

int api_body_members(const json_t *body, const char *const *allowed, ApiRefusal *why) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *) body, k, v) {
                bool known = false;
                for (size_t i = 0; allowed && allowed[i]; i++)
                        known = known || strcmp(allowed[i], k) == 0;
                if (known)
                        continue;
                _cleanup_free_ char *list = allowed ? strv_join((char *const *) allowed, ", ") : NULL;
                return refusal(why, 400, "bad_request", k, "the request body has an unknown member %s; %s%s",
                               text_quote(k).s, list ? "this request takes " : "this request takes no body",
                               list ? list : "");
        }
        return 0;
}

json_t *api_body_object(const json_t *body, const char *member, bool required, ApiRefusal *why) {
        json_t *v = body ? json_object_get(body, member) : NULL;
        if (!v && !required)
                return json_object();
        if (!json_is_object(v)) {
                refusal(why, 400, "bad_request", NULL, "the body needs \"%s\", an object of text values", member);
                return NULL;
        }
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x)
                if (!json_is_string(x)) {
                        refusal(why, 400, "bad_request", k,
                                "%s: values are text, as an administrator types them (\"30s\", \"1\")",
                                text_quote(k).s);
                        return NULL;
                }
        return json_incref(v);
}

int api_one_spelling(const json_t *props, ApiRefusal *why) {
        json_t *seen = json_object();
        const char *k;
        json_t *v;
        int r = seen ? 0 : -ENOMEM;
        json_object_foreach((json_t *) props, k, v) {
                _cleanup_free_ char *lower = strdup(k);
                if (r < 0 || !lower) {
                        r = -ENOMEM;
                        break;
                }
                for (char *c = lower; *c; c++)
                        *c = (char) (*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
                const char *other = json_string_value(json_object_get(seen, lower));
                if (other) {
                        r = refusal(why, 422, "invalid", k,
                                    "%s and %s name one property (property names are matched ignoring case); give it once",
                                    text_quote(other).s, text_quote(k).s);
                        break;
                }
                json_object_set_new(seen, lower, json_string(k));
        }
        json_decref(seen);
        if (r == -ENOMEM) {
                refusal(why, 500, "internal_error", NULL, "out of memory");
                r = -ENOMEM;
        }
        return r;
}

int api_split_props(const json_t *props, const json_t *nodes, json_t **ret_common, json_t **ret_private,
                    ApiRefusal *why) {
        int r = api_one_spelling(props, why);
        if (r < 0)
                return r;
        json_t *common = json_object(), *priv = json_object();
        const char *k;
        json_t *v;
        json_object_foreach((json_t *) props, k, v) {
                const char *c = decide_common_name(k);
                json_object_set(c ? common : priv, c ? c : k, v);
        }
        char err[512];
        const char *bad = NULL;
        ResourceCommon rc;
        if (decide_resource_common(common, &rc, &bad, err, sizeof(err)) < 0) {
                refusal(why, 422, "invalid", bad, "%s", err);
                json_decref(common);
                json_decref(priv);
                return -EINVAL;
        }
        resource_common_done(&rc);
        decide_respell_owners(common, nodes);
        *ret_common = common;
        *ret_private = priv;
        return 0;
}

int api_group_props(json_t **props, const json_t *nodes, ApiRefusal *why) {
        char err[512];
        const char *bad = NULL;
        GroupCommon gc;
        int r = api_one_spelling(*props, why);
        if (r < 0)
                return r;
        if (decide_group_common(*props, &gc, &bad, err, sizeof(err)) < 0)
                return refusal(why, 422, "invalid", bad, "%s", err);
        group_common_done(&gc);
        json_t *spelled = json_object();
        const char *k;
        json_t *v;
        json_object_foreach(*props, k, v)
                json_object_set(spelled, decide_group_common_name(k) ?: k, v);
        json_decref(*props);
        *props = spelled;
        decide_respell_owners(spelled, nodes);
        return 0;
}
