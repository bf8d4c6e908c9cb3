/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ARP for the ipaddr type (ipaddr-arp.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipaddr-arp.h"

struct arp_packet {
        struct arphdr h;
        uint8_t sha[6], spa[4], tha[6], tpa[4];
} __attribute__((packed));

int arp_open(unsigned ifindex, Arp *ret) {
        *ret = (Arp) { .fd = -1, .ifindex = ifindex };
        char name[IF_NAMESIZE];
        if (!if_indextoname(ifindex, name))
                return -errno;
        int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ARP));
        if (fd < 0)
                return -errno;
        struct ifreq ifr = {};
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
        struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP), .sll_ifindex = (int) ifindex };
        if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0 || bind(fd, (struct sockaddr *) &sll, sizeof(sll)) < 0) {
                int k = -errno;
                close(fd);
                return k;
        }
        memcpy(ret->mac, ifr.ifr_hwaddr.sa_data, 6);
        ret->fd = fd;
        return 0;
}

void arp_close(Arp *a) {
        if (a->fd >= 0)
                close(a->fd);
        a->fd = -1;
}

int arp_send(Arp *a, const uint8_t ip[4], bool probe) {
        struct arp_packet p = { .h = { .ar_hrd = htons(ARPHRD_ETHER), .ar_pro = htons(ETH_P_IP), .ar_hln = 6,
                                       .ar_pln = 4, .ar_op = htons(ARPOP_REQUEST) } };
        memcpy(p.sha, a->mac, 6);
        if (!probe)
                memcpy(p.spa, ip, 4);
        memcpy(p.tpa, ip, 4);
        struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP),
                                  .sll_ifindex = (int) a->ifindex, .sll_halen = 6 };
        memset(to.sll_addr, 0xff, 6);
        if (sendto(a->fd, &p, sizeof(p), 0, (struct sockaddr *) &to, sizeof(to)) < 0)
                return -errno;
        return 0;
}

bool arp_claimed(Arp *a, const uint8_t ip[4], uint8_t mac[6]) {
        struct arp_packet p;
        bool claimed = false;
        for (;;) {
                ssize_t n = recv(a->fd, &p, sizeof(p), 0);
                if (n < 0)
                        break;
                if ((size_t) n < sizeof(p) || ntohs(p.h.ar_pro) != ETH_P_IP || p.h.ar_hln != 6 || p.h.ar_pln != 4)
                        continue;
                if (memcmp(p.spa, ip, 4) == 0 && memcmp(p.sha, a->mac, 6) != 0) {
                        memcpy(mac, p.sha, 6);
                        claimed = true;
                }
        }
        return claimed;
}

int ndp_advertise(unsigned ifindex, const uint8_t ip[16]) {
        Arp a;
        int k = arp_open(ifindex, &a); /* for the interface's hardware address */
        if (k < 0)
                return k;
        uint8_t mac[6];
        memcpy(mac, a.mac, 6);
        arp_close(&a);
        int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
        if (fd < 0)
                return -errno;
        int hops = 255;
        struct sockaddr_in6 from = { .sin6_family = AF_INET6, .sin6_scope_id = ifindex };
        memcpy(&from.sin6_addr, ip, 16);
        struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_scope_id = ifindex };
        inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
        struct {
                struct nd_neighbor_advert na;
                struct nd_opt_hdr opt;
                uint8_t mac[6];
        } __attribute__((packed)) p = {};
        p.na.nd_na_type = ND_NEIGHBOR_ADVERT;
        p.na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
        memcpy(&p.na.nd_na_target, ip, 16);
        p.opt.nd_opt_type = ND_OPT_TARGET_LINKADDR;
        p.opt.nd_opt_len = 1;
        memcpy(p.mac, mac, 6);
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
            setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex)) < 0 ||
            bind(fd, (struct sockaddr *) &from, sizeof(from)) < 0 ||
            sendto(fd, &p, sizeof(p), 0, (struct sockaddr *) &to, sizeof(to)) < 0)
                k = -errno;
        close(fd);
        return k;
}
