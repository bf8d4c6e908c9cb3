/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target of what the API does with a request body's properties
 * before anything is stored (src/daemon/decide.c): the common properties
 * of resources and groups loaded from text values, the canonical spelling
 * of a common property's name, and a group's dependency graph checked
 * after a change. The input is a JSON object as a client sends it:
 *   {"resource": {...}, "group": {...}, "resources": [{"name", "depends"}],
 *    "name": "r", "depends": "a or b"}
 * Invariants: a refusal names a property of the object and has a message
 * that is valid UTF-8 (it goes back in the reply); a name that is a common
 * property has one canonical spelling that is one again; a dependency
 * check passes or says why. Any difference aborts.
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

#include "decide.h"
#include "fuzz.h"
#include "macro.h"
#include "props.h"

static void check_common(const json_t *values) {
        if (!json_is_object(values))
                return;
        char err[256] = "";
        const char *bad = NULL;
        ResourceCommon rc;
        int r = decide_resource_common(values, &rc, &bad, err, sizeof err);
        if (r < 0) {
                check_message(err, sizeof err);
                check(bad && json_object_get(values, bad));
        } else
                resource_common_done(&rc);

        const char *key;
        json_t *v;
        json_object_foreach((json_t *) values, key, v) {
                const char *canon = decide_common_name(key);
                if (canon) {
                        check(strcasecmp(canon, key) == 0);
                        check(decide_common_name(canon) == canon);
                }
        }
}

static void check_group(const json_t *values) {
        if (!json_is_object(values))
                return;
        char err[256] = "";
        const char *bad = NULL;
        GroupCommon gc;
        int r = decide_group_common(values, &gc, &bad, err, sizeof err);
        if (r < 0)
                check_message(err, sizeof err);
        else
                group_common_done(&gc);
}

/* The group's resources as the database holds them: each has a name (one
 * the API took, so a valid one) and a dependency text (NOT NULL). */
static void check_depends(const json_t *in) {
        json_t *resources = json_object_get(in, "resources");
        const char *name = json_string_value(json_object_get(in, "name"));
        const char *text = json_string_value(json_object_get(in, "depends"));
        if (!json_is_array(resources) || !text)
                return;
        size_t i;
        json_t *o;
        json_array_foreach(resources, i, o)
                if (name_validate(NULL, json_string_value(json_object_get(o, "name")), NULL, 0) < 0 ||
                    !json_is_string(json_object_get(o, "depends")))
                        return;
        DepExpr *e = NULL;
        char err[512] = "";
        if (depexpr_parse(text, &e, err, sizeof err) < 0)
                return;
        int r = decide_check_depends(resources, name, e, err, sizeof err);
        if (r < 0)
                check_message(err, sizeof err);
        depexpr_free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        json_t *in = json_loadb((const char *) data, size, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(in)) {
                json_decref(in);
                return 0;
        }
        check_common(json_object_get(in, "resource"));
        check_group(json_object_get(in, "group"));
        check_depends(in);
        json_decref(in);
        return 0;
}
