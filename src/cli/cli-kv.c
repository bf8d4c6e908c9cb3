/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * K=V arguments into the JSON object of text values the API takes as
 * "properties". Owns the rule for what a K=V argument is; never prints and
 * never judges a value (the server's property tables do).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli-kv.h"
#include "macro.h"
#include "text-quote.h"

bool cli_kv_is(const char *arg) {
        return arg && strchr(arg, '=');
}

static bool is_name_char(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

json_t *cli_json_get_nocase(const json_t *obj, const char *name, const char **ret_key) {
        const char *key;
        json_t *v;

        if (!json_is_object(obj) || !name)
                return NULL;
        json_object_foreach((json_t *) obj, key, v)
                if (strcasecmp(key, name) == 0) {
                        if (ret_key)
                                *ret_key = key;
                        return v;
                }
        return NULL;
}

int cli_kv_add(json_t *props, const char *arg, char *err, size_t errlen) {
        const char *eq = strchr(arg, '=');
        if (!eq) {
                snprintf(err, errlen, "%s is not K=V: expected a property name, '=' and a value", text_quote(arg).s);
                return -EINVAL;
        }
        if (eq == arg) {
                snprintf(err, errlen, "%s has no property name before '='", text_quote(arg).s);
                return -EINVAL;
        }
        for (const char *p = arg; p < eq; p++)
                if (!is_name_char(*p)) {
                        snprintf(err, errlen,
                                 "%s: %s is not a property name (letters and digits only)", text_quote(arg).s,
                                 text_quote_n(arg, (size_t) (eq - arg)).s);
                        return -EINVAL;
                }

        _cleanup_free_ char *key = strndup(arg, (size_t) (eq - arg));
        if (!key)
                return -ENOMEM;
        const char *have;
        if (cli_json_get_nocase(props, key, &have)) {
                snprintf(err, errlen, "%s: %s is given twice", text_quote(arg).s, have);
                return -EINVAL;
        }
        json_t *v = json_string(eq + 1);
        if (!v) {
                /* jansson refuses text that is not UTF-8. */
                snprintf(err, errlen, "%s: the value is not valid UTF-8", text_quote(arg).s);
                return -EINVAL;
        }
        if (json_object_set_new(props, key, v) < 0)
                return -ENOMEM;
        return 0;
}
