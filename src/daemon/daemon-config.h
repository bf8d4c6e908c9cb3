/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wolfpackd's configuration: defaults, file, environment, options (config.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "daemon.h"

/* event-stream-memory: what the queues of all event stream clients may
 * hold together before the one furthest behind is disconnected. */
#define EVENT_STREAM_MEMORY_DEFAULT (64u * 1024u * 1024u)
#define EVENT_STREAM_MEMORY_MIN (64u * 1024u)
int config_defaults(DaemonConfig *c);
void config_done(DaemonConfig *c);
int config_set(DaemonConfig *c, const char *key, const char *value, const char *where, char *err, size_t errlen);
/* After every source: the directories and the socket not given follow
 * the state directory (see daemon-config.c). */
int config_finish(DaemonConfig *c);
/* The file: `key = value` lines of at most CONFIG_LINE_MAX bytes, `#` to
 * the end of a line a comment, no NUL bytes. A missing file is fine unless
 * must_exist. */
#define CONFIG_LINE_MAX 4095
#define CONFIG_FILE_MAX (1024 * 1024)
int config_load_file(DaemonConfig *c, const char *path, bool must_exist, char *err, size_t errlen);
/* The same for the file's text; path only names it in messages
 * ("path:line: ..."). */
int config_parse(DaemonConfig *c, const char *path, const char *text, size_t size, char *err, size_t errlen);
