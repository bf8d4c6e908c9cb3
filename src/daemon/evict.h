/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Evicting a node (evict.c): what each node does when node.delete is
 * applied. The database row is gone already (db.c); here this node's
 * corosync.conf loses the node's block and corosync reloads it.
 */
#pragma once

#include <jansson.h>

typedef struct Daemon Daemon;

/* node.delete {id, name} was applied on this node. */
void evict_applied(Daemon *d, const json_t *msg);
/* The reloads still running end without being waited for. */
void evict_free(Daemon *d);
