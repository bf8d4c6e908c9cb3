/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The names and the lifetime of a node's TLS certificate (cli-cert-names.h).
 * Owns the rule of what a name in a certificate may be; never makes or
 * reads a certificate.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "cli-cert-names.h"
#include "cli-cluster-files.h"
#include "props.h"
#include "text-quote.h"

#define HOST_RULE                                                                                              \
        "give an IPv4 or IPv6 address, or a DNS name: letters, digits, '-' and '.', in labels of 1 to 63 "   \
        "characters that neither start nor end with '-' (253 in all, the last label not all digits), '*' " \
        "only as the whole first label (*.example.com)"

bool cert_dns_name_valid(const char *name, bool wildcard) {
        size_t n = strlen(name);
        if (n == 0 || n > CERT_DNS_NAME_MAX)
                return false;
        const char *p = name;
        if (wildcard && p[0] == '*') {
                if (p[1] != '.' || !p[2])
                        return false;
                p += 2;
        }
        const char *last = p;
        for (;;) {
                size_t l = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");
                if (l == 0 || l > 63 || p[0] == '-' || p[l - 1] == '-')
                        return false;
                last = p;
                p += l;
                if (!*p)
                        break;
                if (*p != '.' || !p[1])
                        return false;
                p++;
        }
        /* "10.0.0.300" is a mistyped address, not a name: no top-level
         * domain is all digits. */
        return strspn(last, "0123456789") != strlen(last);
}

int cert_san_parse(const char *text, CertSan *ret, char *err, size_t errlen) {
        CertSan s = {};
        char addr[INET6_ADDRSTRLEN + 2];
        size_t n = strlen(text);

        /* "[::1]", as listen = [::1]:7443 writes it. */
        if (n >= 2 && n < sizeof addr && text[0] == '[' && text[n - 1] == ']')
                snprintf(addr, sizeof addr, "%.*s", (int) (n - 2), text + 1);
        else
                snprintf(addr, sizeof addr, "%s", n < sizeof addr ? text : "");
        if (inet_pton(AF_INET, addr, s.ip) == 1)
                s.ip_len = 4;
        else if (inet_pton(AF_INET6, addr, s.ip) == 1)
                s.ip_len = 16;
        if (s.ip_len) {
                static const uint8_t any[16];
                if (memcmp(s.ip, any, s.ip_len) == 0)
                        return cluster_fail(-EINVAL, err, errlen,
                                            "--host %s: the unspecified address is no address a client connects to; "
                                            "give this node's address", text_quote(text).s);
                s.type = CERT_SAN_IP;
                if (!inet_ntop(s.ip_len == 4 ? AF_INET : AF_INET6, s.ip, s.text, sizeof s.text))
                        return cluster_fail(-EINVAL, err, errlen, "--host %s: %s", text_quote(text).s, HOST_RULE);
        } else {
                if (!cert_dns_name_valid(text, true))
                        return cluster_fail(-EINVAL, err, errlen, "--host %s: %s", text_quote(text).s, HOST_RULE);
                s.type = CERT_SAN_DNS;
                snprintf(s.text, sizeof s.text, "%s", text);
        }
        *ret = s;
        return 0;
}

const char *cert_san_kind(const CertSan *s) {
        return s->type == CERT_SAN_IP ? "IP" : "DNS";
}

bool cert_san_equal(const CertSan *a, const CertSan *b) {
        if (a->type != b->type)
                return false;
        if (a->type == CERT_SAN_IP)
                return a->ip_len == b->ip_len && memcmp(a->ip, b->ip, a->ip_len) == 0;
        return strcasecmp(a->text, b->text) == 0;
}

static bool sans_have(const CertSans *s, const CertSan *one) {
        for (size_t i = 0; i < s->n; i++)
                if (cert_san_equal(&s->san[i], one))
                        return true;
        return false;
}

int cert_sans_add(CertSans *s, const char *text, char *err, size_t errlen) {
        CertSan one;
        int r = cert_san_parse(text, &one, err, errlen);
        if (r < 0)
                return r;
        if (sans_have(s, &one))
                return 0;
        if (s->n >= CERT_SANS_MAX)
                return cluster_fail(-E2BIG, err, errlen, "--host %s: a certificate here holds at most %d names",
                                    text_quote(text).s, CERT_SANS_MAX);
        s->san[s->n++] = one;
        return 0;
}

void cert_sans_add_local(CertSans *s) {
        static const char *const local[] = { "localhost", "127.0.0.1", "::1" };
        char err[16];
        for (size_t i = 0; i < sizeof local / sizeof local[0]; i++)
                (void) cert_sans_add(s, local[i], err, sizeof err);
}

bool cert_sans_same(const CertSans *a, const CertSans *b) {
        for (size_t i = 0; i < a->n; i++)
                if (!sans_have(b, &a->san[i]))
                        return false;
        for (size_t i = 0; i < b->n; i++)
                if (!sans_have(a, &b->san[i]))
                        return false;
        return true;
}

int cert_days_parse(const char *text, unsigned *ret, char *err, size_t errlen) {
        int64_t v;
        if (parse_int64(text, &v) < 0 || v < 1 || v > CERT_DAYS_MAX)
                return cluster_fail(-EINVAL, err, errlen, "--days %s: a whole number of days from 1 to %d (default %d)",
                                    text_quote(text).s, CERT_DAYS_MAX, CERT_DAYS_DEFAULT);
        *ret = (unsigned) v;
        return 0;
}
