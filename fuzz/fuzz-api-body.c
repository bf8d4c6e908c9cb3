/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target of the API's request-body checks (src/daemon/api-body.c):
 * the members each route takes, an object of text values, one spelling
 * per property, a resource's properties split into common and private
 * ones, and a group's properties. The input is a request body as a client
 * sends it, JSON ({"name": ..., "properties": {...}}); text that is not
 * JSON is jansson's to refuse, and is skipped.
 *
 * Invariants: a refusal has a status, a code and a one-line valid UTF-8
 * message, and names a property the body has (or none); nothing given is
 * changed by a refusal; the members refused are exactly those a route does
 * not take; every property lands once, in common (canonically spelled) or
 * in private (as given), with its value; what was accepted is accepted
 * again, unchanged. Any difference aborts.
 *
 * Built with libFuzzer (clang -fsanitize=fuzzer, see README.md), or with
 * -DFUZZ_STANDALONE as a plain program that replays files and corpora.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api-body.h"
#include "decide.h"
#include "fuzz.h"
#include "macro.h"

/* The member lists of the API's routes (api.c). */
static const char *const *const routes[] = {
        NULL,
        (const char *const[]) { "name", "properties", NULL },
        (const char *const[]) { "properties", NULL },
        (const char *const[]) { "to", NULL },
        (const char *const[]) { "on", NULL },
        (const char *const[]) { "name", "type", "group", "properties", NULL },
};

static void check_refusal(const ApiRefusal *why, const json_t *named, int status) {
        check(why->status == status);
        check(why->code && why->code[0]);
        check(why->message && why->message[0]);
        check(!strchr(why->message, '\n'));
        json_t *j = json_string(why->message);
        check(j);
        json_decref(j);
        /* The property is one the client gave (as given, or as the table
         * spells it). */
        if (why->property) {
                bool found = false;
                const char *k;
                json_t *v;
                json_object_foreach((json_t *) named, k, v)
                        found = found || strcasecmp(k, why->property) == 0;
                check(found);
        }
}

static bool allowed_has(const char *const *allowed, const char *k) {
        for (size_t i = 0; allowed && allowed[i]; i++)
                if (strcmp(allowed[i], k) == 0)
                        return true;
        return false;
}

static void check_members(const json_t *body) {
        for (size_t r = 0; r < ELEMENTSOF(routes); r++) {
                ApiRefusal why = {};
                bool want = true;
                const char *k;
                json_t *v;
                json_object_foreach((json_t *) body, k, v)
                        want = want && allowed_has(routes[r], k);
                int ret = api_body_members(body, routes[r], &why);
                check(ret == 0 || ret == -EINVAL);
                check((ret == 0) == want);
                if (ret < 0) {
                        check_refusal(&why, body, 400);
                        check(why.property && !allowed_has(routes[r], why.property));
                        check(json_object_get(body, why.property));
                }
                api_refusal_done(&why);
        }
}

static bool two_spellings(const json_t *props) {
        const char *a, *b;
        json_t *x, *y;
        json_object_foreach((json_t *) props, a, x) {
                json_object_foreach((json_t *) props, b, y)
                        if (a != b && strcmp(a, b) != 0 && strcasecmp(a, b) == 0)
                                return true;
        }
        return false;
}

static void check_split(const json_t *props, const json_t *nodes) {
        json_t *before = json_deep_copy(props);
        json_t *common = NULL, *priv = NULL;
        ApiRefusal why = {};
        int r = api_split_props(props, nodes, &common, &priv, &why);
        check(r == 0 || r == -EINVAL);
        check(json_equal(before, props));
        if (two_spellings(props))
                check(r == -EINVAL);
        if (r < 0) {
                check(!common && !priv);
                check_refusal(&why, props, 422);
                api_refusal_done(&why);
                json_decref(before);
                return;
        }
        check(json_object_size(common) + json_object_size(priv) == json_object_size(props));
        const char *k;
        json_t *v;
        json_object_foreach((json_t *) props, k, v) {
                const char *c = decide_common_name(k);
                if (c) {
                        const char *got = json_string_value(json_object_get(common, c));
                        check(got && strcasecmp(got, json_string_value(v)) == 0);
                        check(!json_object_get(priv, k));
                } else
                        check(json_equal(json_object_get(priv, k), v));
        }
        json_object_foreach(common, k, v)
                check(decide_common_name(k) && strcmp(decide_common_name(k), k) == 0);

        /* The common part, split again, is all common and unchanged. */
        json_t *common2 = NULL, *priv2 = NULL;
        check(api_split_props(common, nodes, &common2, &priv2, &why) == 0);
        check(json_equal(common, common2) && json_object_size(priv2) == 0);
        json_decref(common2);
        json_decref(priv2);
        json_decref(common);
        json_decref(priv);
        json_decref(before);
}

static void check_group(json_t *props, const json_t *nodes) {
        json_t *before = json_deep_copy(props), *p = json_incref(props);
        ApiRefusal why = {};
        int r = api_group_props(&p, nodes, &why);
        check(r == 0 || r == -EINVAL);
        check(json_equal(before, props));
        if (two_spellings(props))
                check(r == -EINVAL);
        if (r < 0) {
                check(p == props);
                check_refusal(&why, props, 422);
                api_refusal_done(&why);
        } else {
                check(json_object_size(p) == json_object_size(props));
                const char *k;
                json_t *v;
                json_object_foreach(p, k, v) {
                        const char *c = decide_group_common_name(k);
                        check(!c || strcmp(c, k) == 0);
                }
                /* Accepted again, unchanged. */
                json_t *again = json_incref(p);
                check(api_group_props(&again, nodes, &why) == 0);
                check(json_equal(again, p));
                json_decref(again);
        }
        json_decref(p);
        json_decref(before);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        json_t *body = json_loadb((const char *) data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        if (!body)
                return 0;
        json_t *nodes = json_pack("[{s:s, s:s}, {s:s, s:s}]", "id", "n1", "name", "Alpha", "id", "n2", "name",
                                  "node-2");
        check(nodes);
        if (json_is_object(body))
                check_members(body);
        for (int required = 0; required < 2; required++) {
                json_t *before = json_deep_copy(body);
                ApiRefusal why = {};
                const json_t *b = json_is_object(body) ? body : NULL;
                json_t *props = api_body_object(b, "properties", required, &why);
                json_t *member = json_object_get(b, "properties");
                check(json_equal(before, body));
                json_decref(before);
                if (!props) {
                        check(required || member);
                        check_refusal(&why, json_is_object(member) ? member : NULL, 400);
                        api_refusal_done(&why);
                        continue;
                }
                check(json_is_object(props));
                check(props == member || (!member && json_object_size(props) == 0));
                const char *k;
                json_t *v;
                json_object_foreach(props, k, v)
                        check(json_is_string(v));
                check_split(props, nodes);
                check_group(props, nodes);
                json_decref(props);
        }
        json_decref(nodes);
        json_decref(body);
        return 0;
}
