/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Addresses of the ipaddr type (ipaddr-addr.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipaddr-addr.h"

int ipaddr_parse(const char *text, IpAddr *ret, char *err, size_t errlen) {
        *ret = (IpAddr) { .prefix = -1 };
        char buf[80];
        if (!text || !*text || strlen(text) >= sizeof(buf)) {
                snprintf(err, errlen, "Address: give an IPv4 or IPv6 address, such as 192.0.2.10/24");
                return -EINVAL;
        }
        snprintf(buf, sizeof(buf), "%s", text);
        char *slash = strchr(buf, '/');
        if (slash)
                *slash++ = 0;
        if (inet_pton(AF_INET, buf, ret->bytes) == 1)
                ret->family = AF_INET;
        else if (inet_pton(AF_INET6, buf, ret->bytes) == 1)
                ret->family = AF_INET6;
        else {
                snprintf(err, errlen, "Address: \"%s\" is not an IPv4 or IPv6 address; give one such as 192.0.2.10/24 "
                         "or 2001:db8::10/64", buf);
                return -EINVAL;
        }
        if (slash) {
                char *end;
                long p = strtol(slash, &end, 10);
                int max = ret->family == AF_INET ? 32 : 128;
                if (!*slash || *end || p < 1 || p > max) {
                        snprintf(err, errlen, "Address: the prefix length \"/%s\" must be 1 to %d", slash, max);
                        return -EINVAL;
                }
                ret->prefix = (int) p;
        }
        return 0;
}

size_t ipaddr_len(const IpAddr *a) {
        return a->family == AF_INET ? 4 : 16;
}

bool ipaddr_in_subnet(const IpAddr *net, const IpAddr *a) {
        if (net->family != a->family || net->prefix < 0)
                return false;
        int bits = net->prefix;
        for (size_t i = 0; bits > 0 && i < ipaddr_len(a); i++, bits -= 8) {
                uint8_t mask = bits >= 8 ? 0xff : (uint8_t) (0xff << (8 - bits));
                if ((net->bytes[i] & mask) != (a->bytes[i] & mask))
                        return false;
        }
        return true;
}

bool ipaddr_equal(const IpAddr *a, const IpAddr *b) {
        return a->family == b->family && memcmp(a->bytes, b->bytes, ipaddr_len(a)) == 0;
}

const char *ipaddr_format(const IpAddr *a, char *buf, size_t len) {
        if (!inet_ntop(a->family, a->bytes, buf, (socklen_t) len))
                snprintf(buf, len, "?");
        return buf;
}
