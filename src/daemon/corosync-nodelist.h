/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * corosync.conf's nodelist, edited as text: a node { } block taken out
 * when the node is evicted, everything else (comments, order, spacing)
 * kept as it was. Read line by line as corosync's own parser reads the
 * file: a line ending in "{" opens a section named by what comes before,
 * a "}" line closes one, "key: value" sets a key, "#" begins a comment
 * line. Pure: text in, text out.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* text without the nodelist's node block whose nodeid is id: 0 and *ret
 * (malloc'ed), with *ret_left the node blocks that remain; -ENOENT when no
 * node has that id (the file is then as it should be); -EINVAL when the
 * text is not a configuration corosync would read (unbalanced sections, a
 * node without a nodeid), with err saying where. */
int corosync_nodelist_drop(const char *text, uint32_t id, char **ret, size_t *ret_left, char *err, size_t errlen);
