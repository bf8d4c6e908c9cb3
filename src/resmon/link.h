/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The connection to the parent: framed messages in both directions over a
 * stream socket, an output queue that never blocks the loop, and the
 * memfd that goes out with the hello reply.
 */
#pragma once

#include <jansson.h>

#include "manager.h"

Link *link_new(Manager *m, int fd);     /* takes fd */
Link *link_free(Link *l);
/* Queue msg (takes the reference). fd_to_pass >= 0 goes with it as
 * SCM_RIGHTS. */
int link_send(Link *l, json_t *msg, int fd_to_pass);
bool link_said_hello(Link *l);
/* Links are numbered; a request remembers its link's number, and a reply to
 * a link that has gone (the parent left, another attached) is dropped. */
uint64_t link_id(Link *l);
Link *link_find(Manager *m, uint64_t id);
void link_set_hello(Link *l);
/* Send the remaining output synchronously (bounded), before exiting. */
void link_flush(Link *l);

/* requests.c: one message from the parent. */
void requests_dispatch(Manager *m, Link *l, json_t *msg);
/* A reply to request req: error 0 or -errno; message may be NULL; extra
 * (may be NULL) is merged in and its reference taken. */
void reply(Link *l, json_t *req, int error, const char *message, json_t *extra);
