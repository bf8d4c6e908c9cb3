/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ARP on one interface for the ipaddr type (ipaddr-arp.c): the probe that
 * asks whether another host holds an address (RFC 5227: sender address
 * 0.0.0.0), the gratuitous ARP that tells the network where an address is
 * now, and reading the answers. A packet socket bound to the interface.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef struct Arp {
        int fd;            /* non-blocking, close-on-exec */
        unsigned ifindex;
        uint8_t mac[6];    /* the interface's */
} Arp;

int arp_open(unsigned ifindex, Arp *ret);
void arp_close(Arp *a);
/* A probe for ip (probe true) or a gratuitous ARP announcing it. */
int arp_send(Arp *a, const uint8_t ip[4], bool probe);
/* Read what came: true when an ARP packet from another host claims ip as
 * its sender address (its hardware address into mac). */
bool arp_claimed(Arp *a, const uint8_t ip[4], uint8_t mac[6]);

/* IPv6's counterpart of a gratuitous ARP: an unsolicited neighbour
 * advertisement (RFC 4861 7.2.6, Override set) for ip to all nodes, from
 * ip, with the interface's link-layer address. */
int ndp_advertise(unsigned ifindex, const uint8_t ip[16]);
