/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * API paths with the names people type in them: "/v1/groups/web/online".
 * Names are percent-encoded (everything but RFC 3986's unreserved
 * characters, and every character of "." and ".."), so no name can reach
 * another route or be normalised away. Pure.
 */
#pragma once

/* s percent-encoded; malloc'ed, NULL on allocation failure. */
char *cli_url_escape(const char *s);

/* "/v1/<collection>[/<name>[/<action>]][?<key>=<value>]", name and value
 * escaped; NULL name, action or key leave that part out. *ret malloc'ed;
 * 0 or -ENOMEM. */
int cli_path(char **ret, const char *collection, const char *name, const char *action, const char *key,
             const char *value);
