/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What groups and resources share on the command line: setting, reading
 * and deleting by name, and creating from a body.
 */
#pragma once

#include <jansson.h>

#include "cli.h"

/* collection "groups" or "resources", kind "group" or "resource". */
int object_create(Cli *cli, const char *collection, const char *kind, json_t *body);
int object_set(Cli *cli, const char *collection, const char *kind, const char *name, const json_t *props);
/* key NULL: every property as K=V lines. */
int object_get(Cli *cli, const char *collection, const char *kind, const char *name, const char *key);
int object_delete(Cli *cli, const char *collection, const char *kind, const char *name);
