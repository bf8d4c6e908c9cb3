/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtnetlink for the ipaddr type (ipaddr-netlink.h), with libmnl. */
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "ipaddr-netlink.h"

/* One request on a fresh socket, its answers to cb. */
static int talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data) {
        struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
        if (!nl)
                return -errno;
        int k = 0;
        if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
                k = -errno;
        unsigned portid = mnl_socket_get_portid(nl);
        nlh->nlmsg_seq = (unsigned) time(NULL);
        if (k >= 0 && mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
                k = -errno;
        /* A plain request is answered by one message, with no end marker:
         * a dump ends with NLMSG_DONE, an acknowledged change with its ack. */
        bool once = !(nlh->nlmsg_flags & (NLM_F_DUMP | NLM_F_ACK));
        char buf[MNL_SOCKET_BUFFER_SIZE];
        while (k >= 0) {
                ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
                if (n < 0) {
                        k = -errno;
                        break;
                }
                int r = mnl_cb_run(buf, (size_t) n, nlh->nlmsg_seq, portid, cb, data);
                if (r <= MNL_CB_STOP || once) {
                        k = r < 0 ? -errno : 0;
                        break;
                }
        }
        mnl_socket_close(nl);
        return k;
}

typedef struct AddrWalk {
        int family;
        int (*fn)(const NlAddr *a, void *userdata);
        void *userdata;
        int result;
} AddrWalk;

static int addr_attr(const struct nlattr *attr, void *data) {
        const struct nlattr **tb = data;
        int type = mnl_attr_get_type(attr);
        if (mnl_attr_type_valid(attr, IFA_MAX) >= 0)
                tb[type] = attr;
        return MNL_CB_OK;
}

static int on_addr(const struct nlmsghdr *nlh, void *data) {
        AddrWalk *w = data;
        const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
        if (ifa->ifa_family != w->family || w->result < 0)
                return MNL_CB_OK;
        const struct nlattr *tb[IFA_MAX + 1] = {};
        mnl_attr_parse(nlh, sizeof(*ifa), addr_attr, tb);
        const struct nlattr *a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
        size_t len = ifa->ifa_family == AF_INET ? 4 : 16;
        if (!a || mnl_attr_get_payload_len(a) != len)
                return MNL_CB_OK;
        NlAddr x = { .ifindex = ifa->ifa_index, .flags = ifa->ifa_flags };
        x.addr.family = ifa->ifa_family;
        x.addr.prefix = ifa->ifa_prefixlen;
        memcpy(x.addr.bytes, mnl_attr_get_payload(a), len);
        if (tb[IFA_FLAGS] && mnl_attr_get_payload_len(tb[IFA_FLAGS]) == 4)
                x.flags = mnl_attr_get_u32(tb[IFA_FLAGS]);
        int r = w->fn(&x, w->userdata);
        if (r < 0) {
                w->result = r;
                return MNL_CB_STOP;
        }
        return MNL_CB_OK;
}

int nl_addrs(int family, int (*fn)(const NlAddr *a, void *userdata), void *userdata) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = RTM_GETADDR;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
        struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
        ifa->ifa_family = (unsigned char) family;
        AddrWalk w = { family, fn, userdata, 0 };
        int k = talk(nlh, on_addr, &w);
        return k < 0 ? k : w.result;
}

int nl_addr_change(bool add, unsigned ifindex, const IpAddr *addr, int prefix) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
        struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
        ifa->ifa_family = (unsigned char) addr->family;
        ifa->ifa_prefixlen = (unsigned char) prefix;
        ifa->ifa_scope = RT_SCOPE_UNIVERSE;
        ifa->ifa_index = ifindex;
        mnl_attr_put(nlh, IFA_LOCAL, ipaddr_len(addr), addr->bytes);
        mnl_attr_put(nlh, IFA_ADDRESS, ipaddr_len(addr), addr->bytes);
        return talk(nlh, NULL, NULL);
}

typedef struct LinkState {
        int up;
} LinkState;

static int on_link(const struct nlmsghdr *nlh, void *data) {
        const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
        ((LinkState *) data)->up = (ifi->ifi_flags & IFF_UP) && (ifi->ifi_flags & IFF_LOWER_UP);
        return MNL_CB_OK;
}

int nl_link_up(unsigned ifindex) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = RTM_GETLINK;
        nlh->nlmsg_flags = NLM_F_REQUEST;
        struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
        ifi->ifi_index = (int) ifindex;
        LinkState s = { -ENODEV };
        int k = talk(nlh, on_link, &s);
        return k < 0 ? k : s.up;
}

int nl_events_open(void **ret, int *ret_fd) {
        struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (!nl)
                return -errno;
        if (mnl_socket_bind(nl, RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR, MNL_SOCKET_AUTOPID) < 0) {
                int k = -errno;
                mnl_socket_close(nl);
                return k;
        }
        *ret = nl;
        *ret_fd = mnl_socket_get_fd(nl);
        return 0;
}

void nl_events_drain(void *s) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        while (s && mnl_socket_recvfrom(s, buf, sizeof(buf)) > 0)
                ;
}

void nl_events_close(void *s) {
        if (s)
                mnl_socket_close(s);
}
