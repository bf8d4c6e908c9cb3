/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wolfpackd's configuration: defaults, file, environment, options (config.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "daemon.h"

int config_defaults(DaemonConfig *c);
void config_done(DaemonConfig *c);
int config_set(DaemonConfig *c, const char *key, const char *value, const char *where, char *err, size_t errlen);
/* After every source: the directories and the socket not given follow
 * the state directory (see daemon-config.c). */
int config_finish(DaemonConfig *c);
int config_load_file(DaemonConfig *c, const char *path, bool must_exist, char *err, size_t errlen);
