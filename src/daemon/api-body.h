/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the API checks in a request body before anything else looks at it
 * (docs/api.md): the members a route takes, an object of text values, one
 * spelling per property, and the split of a resource's properties into
 * common and private ones (and a group's into its common ones), each
 * checked against the policy tables. Pure: a JSON body in, a refusal out;
 * api.c turns the refusal into the HTTP answer.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

/* Why a body was refused: the HTTP status and error code, the property
 * concerned (NULL for none) and a message for a person. Both strings are
 * the refusal's own; api_refusal_done frees them. */
typedef struct ApiRefusal {
        int status;
        const char *code;
        char *property;
        char *message;
} ApiRefusal;

void api_refusal_done(ApiRefusal *why);

/* A body member the route does not take is refused rather than ignored,
 * so that a typo ("propertes") never passes for a request without it.
 * allowed: NULL-terminated; NULL: the route takes no body members.
 * body: NULL for none. 0, or -EINVAL with why (400). */
int api_body_members(const json_t *body, const char *const *allowed, ApiRefusal *why);

/* The object of text values at member of body (a new reference): an
 * empty object when absent and not required. NULL with why (400) when it
 * is missing and required, not an object, or holds a value that is not
 * text. */
json_t *api_body_object(const json_t *body, const char *member, bool required, ApiRefusal *why);

/* Refuse two spellings of one property in props: names are matched
 * ignoring case, so which value won would depend on the order of the
 * body. 0, or -EINVAL (422) or -ENOMEM (500) with why. */
int api_one_spelling(const json_t *props, ApiRefusal *why);

/* A resource's administrator properties split into common ones (checked
 * against the policy table, named and owner lists spelled as the table
 * and nodes spell them) and private ones (the type's, checked by a
 * monitor): new references in *ret_common and *ret_private. nodes:
 * db_nodes. 0, or -EINVAL (422) with why; nothing returned then. */
int api_split_props(const json_t *props, const json_t *nodes, json_t **ret_common, json_t **ret_private,
                    ApiRefusal *why);

/* A group's properties, all common, checked against the group table:
 * *props replaced by a copy with the names (and owner lists) spelled as
 * the table (and nodes) spell them. 0, or -EINVAL (422) with why and
 * *props untouched. */
int api_group_props(json_t **props, const json_t *nodes, ApiRefusal *why);
