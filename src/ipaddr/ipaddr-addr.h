/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Addresses as the ipaddr type reads them (ipaddr-addr.c): "192.0.2.10",
 * "192.0.2.10/24", "2001:db8::10/64". Pure: text in, bytes out.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct IpAddr {
        int family;        /* AF_INET or AF_INET6 */
        uint8_t bytes[16]; /* network order; 4 of them for AF_INET */
        int prefix;        /* 0-32 / 0-128; -1: not given */
} IpAddr;

/* text as an address with an optional /prefix. -EINVAL with err saying
 * what is wrong. */
int ipaddr_parse(const char *text, IpAddr *ret, char *err, size_t errlen);
/* The address's length in bytes: 4 or 16. */
size_t ipaddr_len(const IpAddr *a);
/* Whether a lies in the network of net's address and net->prefix. */
bool ipaddr_in_subnet(const IpAddr *net, const IpAddr *a);
bool ipaddr_equal(const IpAddr *a, const IpAddr *b);
/* "192.0.2.10" (no prefix) into buf (at least 64 bytes). */
const char *ipaddr_format(const IpAddr *a, char *buf, size_t len);
