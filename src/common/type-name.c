/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Resource type names and their classes: see type-name.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "text-quote.h"
#include "type-name.h"

static bool plain_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static bool subtype_char(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '-';
}

static int refuse(const char *name, char *err, size_t errlen) {
        snprintf(err, errlen,
                 "resource type %s is invalid: type names are 1 to 63 characters of a-z 0-9 _ -, or a class and a "
                 "subtype, class:part[:part...], whose parts are A-Z a-z 0-9 . _ - (ocf:heartbeat:Dummy)",
                 text_quote(name).s);
        return -EINVAL;
}

int type_name_split(const char *name, size_t *ret_class_len, const char **ret_subtype, char *err, size_t errlen) {
        size_t len = strlen(name);
        const char *colon = strchr(name, ':');
        size_t class_len = colon ? (size_t) (colon - name) : len;

        if (class_len == 0 || class_len > 63 || len > TYPE_NAME_MAX)
                return refuse(name, err, errlen);
        for (size_t i = 0; i < class_len; i++)
                if (!plain_char(name[i]))
                        return refuse(name, err, errlen);
        if (colon) {
                const char *part = colon + 1;
                for (;;) {
                        size_t n = strcspn(part, ":");
                        if (n == 0 || (n == 1 && part[0] == '.') || (n == 2 && part[0] == '.' && part[1] == '.'))
                                return refuse(name, err, errlen);
                        for (size_t i = 0; i < n; i++)
                                if (!subtype_char(part[i]))
                                        return refuse(name, err, errlen);
                        if (!part[n])
                                break;
                        part += n + 1;
                }
        }
        *ret_class_len = class_len;
        *ret_subtype = colon ? colon + 1 : NULL;
        return 0;
}
