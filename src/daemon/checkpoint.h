/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Checkpoints (checkpoint.c): the files and directories a resource lists
 * in CheckpointPaths follow it from node to node, as MSCS restores a
 * Generic Application's registry keys on the node it moves to.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct Daemon Daemon;
typedef struct RtResource RtResource;

/* Before res (a db_resource row) comes online here: put back what its
 * last checkpoint holds, owner, mode and times kept. 0 (also when there
 * is none), or a negative errno with err saying which path failed. */
int checkpoint_restore(Daemon *d, const json_t *res, char *err, size_t errlen);
/* It is Online here: copy its paths into the cluster now, and again after
 * each change (inotify, coalesced). */
void checkpoint_watch(Daemon *d, RtResource *r);
/* It left Online here: a last copy, and no more watching. */
void checkpoint_unwatch(Daemon *d, RtResource *r);
/* Forget r's watches without copying (the daemon ends, r is deleted). */
void checkpoint_forget(RtResource *r);
