/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Requests sent to the monitor and not answered yet, oldest first (ids
 * only grow). Each remembers why it was sent — that decides whether its
 * reply is printed, whether `wait-reply` waits for it and whether it
 * proves the monitor's loop alive — and the resource it named, so a reply
 * carrying `state` updates that resource's last known state.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum RequestKind {
        REQUEST_HELLO,       /* liveness; its reply becomes `attached` */
        REQUEST_COMMAND,     /* a protocol request from the input */
        REQUEST_HEARTBEAT,   /* liveness; reply printed only when it is an error */
        REQUEST_LEASE_GRANT, /* lease-start's first lease */
        REQUEST_LEASE_RENEW, /* reply printed only when it is an error */
        REQUEST_EXIT,        /* quit */
} RequestKind;

typedef struct Request {
        uint64_t id;
        RequestKind kind;
        char *type;
        char *resource; /* NULL when the request named none */
        uint64_t sent_usec;
        uint64_t state_seq; /* ResourceStates.seq when sent */
} Request;

typedef struct Requests {
        Request *items;
        size_t n, cap;
} Requests;

/* Copies type and resource. -ENOMEM. */
int requests_add(Requests *t, uint64_t id, RequestKind kind, const char *type,
                 const char *resource, uint64_t sent_usec, uint64_t state_seq);
/* Remove the request with this id into *ret (release with request_done);
 * false when there is none. */
bool requests_take(Requests *t, uint64_t id, Request *ret);
void request_done(Request *r);
/* Requests `wait-reply` and the end of input wait for. */
size_t requests_awaited(const Requests *t);
/* The oldest hello or heartbeat still unanswered, or NULL. */
const Request *requests_oldest_liveness(const Requests *t);
void requests_done(Requests *t);
