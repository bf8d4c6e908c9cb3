/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's addresses and links through rtnetlink (libmnl): list the
 * addresses, add and remove one, read a link's state, and a socket that
 * hears every address and link change (the ipaddr type's failure fd).
 * Each call is one request and its answer, milliseconds at most.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "ipaddr-addr.h"

typedef struct NlAddr {
        unsigned ifindex;
        IpAddr addr;      /* with its prefix */
        unsigned flags;   /* IFA_F_* (tentative, dadfailed ...) */
} NlAddr;

/* Every address of family (AF_INET, AF_INET6), fn called for each: a
 * negative return stops and is returned. */
int nl_addrs(int family, int (*fn)(const NlAddr *a, void *userdata), void *userdata);
/* Add (add true) or remove addr/prefix on ifindex. IPv6 addresses are
 * added with duplicate address detection. 0 or a negative errno (-EEXIST,
 * -EADDRNOTAVAIL ...). */
int nl_addr_change(bool add, unsigned ifindex, const IpAddr *addr, int prefix);
/* 1 when the link is up and has a carrier, 0 when not, or a negative errno. */
int nl_link_up(unsigned ifindex);
/* A non-blocking socket subscribed to address and link changes; its fd
 * becomes readable at each one. */
int nl_events_open(void **ret, int *ret_fd);
/* Read and drop what is queued on it. */
void nl_events_drain(void *s);
void nl_events_close(void *s);
