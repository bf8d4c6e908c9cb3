/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ipaddr resource type: a floating IP address, the one clients reach
 * a group at, which moves with the group. Online adds the address to the
 * interface it belongs on (named, or the one whose subnet holds it) through
 * rtnetlink, after making sure no other host holds it (an ARP probe for
 * IPv4, the kernel's duplicate address detection for IPv6), then tells the
 * network where it is now (gratuitous ARP, ArpCount of them ArpInterval
 * apart). Offline removes it. A netlink socket that hears every address
 * and link change is the failure fd: the address removed by hand, or its
 * link down, is noticed at once, not at the next poll.
 *
 * Owns the address it added, and nothing else on the interface; never
 * removes an address it did not add, never waits on the network inside an
 * entry point (the probe's wait is a timer on the monitor's loop).
 */
#include <errno.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <linux/if_addr.h>

#include <wolfpack/resapi.h>

#include "ipaddr-addr.h"
#include "ipaddr-arp.h"
#include "ipaddr-netlink.h"

typedef struct IpaddrParams {
        char *address;
        char *interface;
        int64_t arp_count;
        wp_usec_t arp_interval;
        wp_usec_t probe_time;
} IpaddrParams;

static const wp_host *host;

static int check_address(const void *member, char *err, size_t errlen) {
        const char *text = *(char *const *) member;
        IpAddr a;
        return ipaddr_parse(text, &a, err, errlen);
}

static int check_interface(const void *member, char *err, size_t errlen) {
        const char *text = *(char *const *) member;
        if (text && strlen(text) >= IF_NAMESIZE) {
                snprintf(err, errlen, "Interface: \"%s\" is longer than an interface name can be", text);
                return -EINVAL;
        }
        return 0;
}

static const wp_prop ipaddr_props[] = {
        { .name = "Address", .type = WP_PROP_STRING, .flags = WP_PROP_REQUIRED,
          .offset = offsetof(IpaddrParams, address), .check = check_address,
          .description = "The address, IPv4 or IPv6, with /prefix or taken from the subnet it lies in" },
        { .name = "Interface", .type = WP_PROP_STRING, .offset = offsetof(IpaddrParams, interface),
          .check = check_interface, .default_value = "",
          .description = "The interface it goes on; empty: the one whose subnet holds the address" },
        { .name = "ArpCount", .type = WP_PROP_INT, .flags = WP_PROP_LIVE, .offset = offsetof(IpaddrParams, arp_count),
          .default_value = "3", .min = 0, .max = 100,
          .description = "Gratuitous ARPs (IPv4) or unsolicited neighbour advertisements (IPv6) sent when it comes online" },
        { .name = "ArpInterval", .type = WP_PROP_DURATION, .flags = WP_PROP_LIVE,
          .offset = offsetof(IpaddrParams, arp_interval), .default_value = "200ms", .min = 10 * WP_USEC_PER_MSEC,
          .max = 10 * WP_USEC_PER_SEC, .description = "Time between those announcements" },
        { .name = "ProbeTime", .type = WP_PROP_DURATION, .offset = offsetof(IpaddrParams, probe_time),
          .default_value = "200ms", .min = 0, .max = 10 * WP_USEC_PER_SEC,
          .description = "How long an ARP probe waits for another host holding the address (IPv4; 0: no probe)" },
        {},
};

typedef struct Ipaddr {
        wp_resource *r;
        IpAddr addr;
        char *interface;        /* as given; NULL: found by subnet */
        int64_t arp_count;
        wp_usec_t arp_interval, probe_time;
        unsigned ifindex;       /* resolved at online or probe */
        int prefix;
        bool added;             /* we added it: ours to remove */
        Arp arp;
        int arps_left;
        wp_source *arp_src, *timer, *fail_src;
        void *events;
        int events_fd;
} Ipaddr;

static const char *text(const Ipaddr *ip, char *buf, size_t len) {
        return ipaddr_format(&ip->addr, buf, len);
}

typedef struct Find {
        const Ipaddr *ip;
        unsigned want_ifindex;   /* 0: any */
        unsigned ifindex;        /* the subnet's */
        int prefix;
        bool present;            /* the address itself, on want_ifindex (or anywhere) */
        unsigned present_on;
        unsigned flags;
} Find;

static int on_addr(const NlAddr *a, void *userdata) {
        Find *f = userdata;
        if (ipaddr_equal(&a->addr, &f->ip->addr)) {
                if (!f->want_ifindex || a->ifindex == f->want_ifindex) {
                        f->present = true;
                        f->present_on = a->ifindex;
                        f->flags = a->flags;
                }
                return 0;
        }
        if ((!f->want_ifindex || a->ifindex == f->want_ifindex) && !f->ifindex && ipaddr_in_subnet(&a->addr, &f->ip->addr)) {
                f->ifindex = a->ifindex;
                f->prefix = a->addr.prefix;
        }
        return 0;
}

/* Where the address goes: ip->ifindex and ip->prefix. */
static int resolve(Ipaddr *ip, Find *ret) {
        char a[64];
        Find f = { .ip = ip };
        if (ip->interface) {
                f.want_ifindex = if_nametoindex(ip->interface);
                if (!f.want_ifindex)
                        return host->error(ip->r, -ENODEV, "Interface: there is no interface %s on this node",
                                           ip->interface);
        }
        int k = nl_addrs(ip->addr.family, on_addr, &f);
        if (k < 0)
                return host->error(ip->r, k, "cannot read this node's addresses: %s", strerror(-k));
        ip->ifindex = f.want_ifindex ? f.want_ifindex : f.present ? f.present_on : f.ifindex;
        ip->prefix = ip->addr.prefix >= 0 ? ip->addr.prefix : f.prefix;
        if (!ip->ifindex)
                return host->error(ip->r, -ENETUNREACH,
                                   "no interface of this node has a subnet that holds %s: give Interface, and a "
                                   "/prefix in Address",
                                   text(ip, a, sizeof(a)));
        if (ip->prefix <= 0 && !f.present)
                return host->error(ip->r, -EINVAL,
                                   "no address on interface %s has a subnet that holds %s: give its /prefix in Address",
                                   ip->interface, text(ip, a, sizeof(a)));
        *ret = f;
        return 0;
}

static void stop_sources(Ipaddr *ip) {
        host->release(ip->arp_src);
        host->release(ip->timer);
        ip->arp_src = ip->timer = NULL;
        arp_close(&ip->arp);
}

static void watch_failures(Ipaddr *ip) {
        if (ip->events)
                return;
        if (nl_events_open(&ip->events, &ip->events_fd) < 0 ||
            host->watch_failure(ip->r, ip->events_fd, &ip->fail_src) < 0) {
                host->log(ip->r, WP_LOG_WARNING, "IPADDR_NO_EVENTS",
                          "cannot follow address changes; failures are seen at the next poll only");
                nl_events_close(ip->events);
                ip->events = NULL;
        }
}

static void unwatch_failures(Ipaddr *ip) {
        host->release(ip->fail_src);
        ip->fail_src = NULL;
        nl_events_close(ip->events);
        ip->events = NULL;
}

static int on_arp_timer(wp_source *s, void *userdata) {
        Ipaddr *ip = userdata;
        host->release(ip->timer);
        ip->timer = NULL;
        if (ip->arps_left > 0 && ip->addr.family == AF_INET6) {
                int k = ndp_advertise(ip->ifindex, ip->addr.bytes);
                if (k < 0)
                        host->log(ip->r, WP_LOG_WARNING, "IPADDR_ADVERTISE_FAILED",
                                  "cannot send the neighbour advertisement: %s", strerror(-k));
                ip->arps_left--;
        } else if (ip->arps_left > 0 && ip->arp.fd >= 0) {
                (void) arp_send(&ip->arp, ip->addr.bytes, false);
                ip->arps_left--;
        }
        if (ip->arps_left > 0)
                (void) host->add_timer(ip->r, ip->arp_interval, on_arp_timer, ip, &ip->timer);
        else
                stop_sources(ip);
        return 0;
}

/* The address is ours now: announce it, watch it, Online. */
static void now_online(Ipaddr *ip) {
        char a[64];
        watch_failures(ip);
        if (ip->addr.family == AF_INET6 && ip->arp_count > 0) {
                ip->arps_left = (int) ip->arp_count;
                on_arp_timer(NULL, ip);
        } else if (ip->addr.family == AF_INET && ip->arp_count > 0 &&
                   (ip->arp.fd >= 0 || arp_open(ip->ifindex, &ip->arp) >= 0)) {
                host->release(ip->arp_src);
                ip->arp_src = NULL;
                ip->arps_left = (int) ip->arp_count;
                on_arp_timer(NULL, ip);
        } else
                stop_sources(ip);
        char name[IF_NAMESIZE] = "?";
        (void) if_indextoname(ip->ifindex, name);
        host->set_status(ip->r, WP_STATE_ONLINE, "%s/%d on %s", text(ip, a, sizeof(a)), ip->prefix, name);
}

static void add_now(Ipaddr *ip) {
        char a[64];
        int k = nl_addr_change(true, ip->ifindex, &ip->addr, ip->prefix);
        if (k < 0 && k != -EEXIST) {
                stop_sources(ip);
                host->set_status(ip->r, WP_STATE_FAILED, "cannot add %s/%d: %s", text(ip, a, sizeof(a)), ip->prefix,
                                 strerror(-k));
                return;
        }
        ip->added = k >= 0;
        if (ip->addr.family == AF_INET)
                now_online(ip);
}

static int on_probe_done(wp_source *s, void *userdata) {
        Ipaddr *ip = userdata;
        host->release(ip->timer);
        ip->timer = NULL;
        add_now(ip);
        return 0;
}

static int on_arp(wp_source *s, int fd, uint32_t revents, void *userdata) {
        Ipaddr *ip = userdata;
        uint8_t mac[6];
        char a[64];
        if (!arp_claimed(&ip->arp, ip->addr.bytes, mac) || ip->added)
                return 0;
        stop_sources(ip);
        host->set_status(ip->r, WP_STATE_FAILED,
                         "%s is already in use on the network, by %02x:%02x:%02x:%02x:%02x:%02x: not added",
                         text(ip, a, sizeof(a)), mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
        return 0;
}

/* IPv6: the kernel's duplicate address detection decides. */
static int on_dad(wp_source *s, void *userdata) {
        Ipaddr *ip = userdata;
        host->release(ip->timer);
        ip->timer = NULL;
        Find f = { .ip = ip, .want_ifindex = ip->ifindex };
        char a[64];
        if (nl_addrs(AF_INET6, on_addr, &f) >= 0 && f.present && (f.flags & IFA_F_DADFAILED)) {
                (void) nl_addr_change(false, ip->ifindex, &ip->addr, ip->prefix);
                ip->added = false;
                host->set_status(ip->r, WP_STATE_FAILED,
                                 "%s is already in use on the network (duplicate address detection failed): removed",
                                 text(ip, a, sizeof(a)));
                return 0;
        }
        if (f.present && !(f.flags & IFA_F_TENTATIVE)) {
                now_online(ip);
                return 0;
        }
        (void) host->add_timer(ip->r, 50 * WP_USEC_PER_MSEC, on_dad, ip, &ip->timer);
        return 0;
}

static int ep_open(wp_resource *r, const void *params, wp_instance *ret) {
        const IpaddrParams *p = params;
        Ipaddr *ip = calloc(1, sizeof(*ip));
        char err[256];
        if (!ip)
                return host->error(r, -ENOMEM, "out of memory");
        *ip = (Ipaddr) { .r = r, .arp = { .fd = -1 }, .events_fd = -1, .arp_count = p->arp_count,
                         .arp_interval = p->arp_interval, .probe_time = p->probe_time };
        if (ipaddr_parse(p->address, &ip->addr, err, sizeof(err)) < 0) {
                free(ip);
                return host->error(r, -EINVAL, "%s", err);
        }
        if (p->interface && *p->interface && !(ip->interface = strdup(p->interface))) {
                free(ip);
                return host->error(r, -ENOMEM, "out of memory");
        }
        *ret = ip;
        return 0;
}

static void ep_close(wp_instance inst) {
        Ipaddr *ip = inst;
        stop_sources(ip);
        unwatch_failures(ip);
        free(ip->interface);
        free(ip);
}

static int ep_probe(wp_instance inst) {
        Ipaddr *ip = inst;
        Find f;
        if (resolve(ip, &f) < 0 || !f.present)
                return 0;
        /* There already (an earlier monitor added it): ours again. */
        ip->added = true;
        watch_failures(ip);
        return 1;
}

static int ep_online(wp_instance inst) {
        Ipaddr *ip = inst;
        Find f;
        int k = resolve(ip, &f);
        if (k < 0)
                return k;
        if (f.present) {
                ip->added = true;
                now_online(ip);
                return -EINPROGRESS;
        }
        if (ip->addr.family == AF_INET6) {
                k = nl_addr_change(true, ip->ifindex, &ip->addr, ip->prefix);
                if (k < 0)
                        return host->error(ip->r, k, "cannot add the address: %s", strerror(-k));
                ip->added = true;
                (void) host->add_timer(ip->r, 0, on_dad, ip, &ip->timer);
                return -EINPROGRESS;
        }
        if (ip->probe_time == 0) {
                add_now(ip);
                return -EINPROGRESS;
        }
        k = arp_open(ip->ifindex, &ip->arp);
        if (k >= 0)
                k = host->watch_fd(ip->r, ip->arp.fd, EPOLLIN, on_arp, ip, &ip->arp_src);
        if (k >= 0)
                k = arp_send(&ip->arp, ip->addr.bytes, true);
        if (k >= 0)
                k = host->add_timer(ip->r, ip->probe_time, on_probe_done, ip, &ip->timer);
        if (k < 0) {
                stop_sources(ip);
                return host->error(ip->r, k, "cannot probe for the address with ARP: %s", strerror(-k));
        }
        return -EINPROGRESS;
}

static int remove_ours(Ipaddr *ip) {
        stop_sources(ip);
        unwatch_failures(ip);
        if (!ip->added)
                return 0;
        ip->added = false;
        int k = nl_addr_change(false, ip->ifindex, &ip->addr, ip->prefix);
        return k == -EADDRNOTAVAIL || k == -ENODEV ? 0 : k;
}

static int ep_offline(wp_instance inst) {
        Ipaddr *ip = inst;
        int k = remove_ours(ip);
        if (k < 0)
                return host->error(ip->r, k, "cannot remove the address: %s", strerror(-k));
        return 0;
}

static void ep_terminate(wp_instance inst) {
        (void) remove_ours(inst);
}

static int alive(Ipaddr *ip) {
        char a[64], name[IF_NAMESIZE] = "?";
        nl_events_drain(ip->events);
        Find f = { .ip = ip, .want_ifindex = ip->ifindex };
        int k = nl_addrs(ip->addr.family, on_addr, &f);
        if (k < 0)
                return host->error(ip->r, k, "cannot read this node's addresses: %s", strerror(-k));
        (void) if_indextoname(ip->ifindex, name);
        if (!f.present)
                return host->error(ip->r, 0, "%s is no longer on %s", text(ip, a, sizeof(a)), name);
        if (f.flags & IFA_F_DADFAILED)
                return host->error(ip->r, 0, "%s is in use by another host (duplicate address detected)",
                                   text(ip, a, sizeof(a)));
        k = nl_link_up(ip->ifindex);
        if (k == 0)
                return host->error(ip->r, 0, "the link of %s is down", name);
        return 1;
}

static int ep_looks_alive(wp_instance inst) {
        return alive(inst);
}

static int ep_is_alive(wp_instance inst) {
        return alive(inst);
}

static int ep_control(wp_instance inst, wp_resource *r, wp_control_code code, void *params,
                      const char *const *changed) {
        Ipaddr *ip = inst;
        const IpaddrParams *p = params;
        if (code == WP_CONTROL_SET_PROPERTIES && ip) {
                ip->arp_count = p->arp_count;
                ip->arp_interval = p->arp_interval;
        }
        return 0;
}

static const wp_entry_points ipaddr_entry_points = {
        .open = ep_open,
        .close = ep_close,
        .probe = ep_probe,
        .online = ep_online,
        .offline = ep_offline,
        .terminate = ep_terminate,
        .looks_alive = ep_looks_alive,
        .is_alive = ep_is_alive,
        .control = ep_control,
};

static const wp_type ipaddr_type = {
        .api_version = WP_RESAPI_VERSION,
        .name = "ipaddr",
        .description = "A floating IP address (IPv4 or IPv6) that moves with its group",
        .props = ipaddr_props,
        .params_size = sizeof(IpaddrParams),
        .ep = &ipaddr_entry_points,
};

int wp_resapi_startup(const wp_host *h, const wp_type **ret) {
        int k = wp_resapi_check(h, ret);
        if (k < 0)
                return k;
        host = h;
        *ret = &ipaddr_type;
        return 0;
}
