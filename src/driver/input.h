/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Command input, line by line, without blocking the loop: a pipe, a
 * terminal or a socket is read when epoll says it is readable (one read per
 * wake-up, so no O_NONBLOCK is set on a descriptor others may share); a
 * regular file or a device epoll refuses (/dev/null) is read from a defer
 * source. Reading happens only while the caller wants a line.
 */
#pragma once

#include <stdbool.h>

#include <systemd/sd-event.h>

typedef struct Input Input;

/* Lines longer than this are refused and skipped. */
#define INPUT_MAX_LINE (4u * 1024u * 1024u)

/* fd is taken when own_fd. ready() is called from the loop when more input
 * arrived after input_next() returned 0. */
int input_new(sd_event *e, int fd, bool own_fd, void (*ready)(void *userdata), void *userdata,
              Input **ret);
/* 1 and *ret: the next line, malloc'ed, without its newline (a last line
 * without one counts); 0: none buffered yet, ready() follows; -EPIPE: the
 * input ended; -EMSGSIZE: a line over INPUT_MAX_LINE, skipped; another
 * negative errno: reading failed (the input then counts as ended). */
int input_next(Input *in, char **ret);
Input *input_free(Input *in);
