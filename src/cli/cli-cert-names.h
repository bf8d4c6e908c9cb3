/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a node's TLS certificate for the API is made of, checked before
 * anything is made: the names it is valid for (its subjectAltName: IP
 * addresses and DNS names), and for how many days. Pure: no I/O, no
 * GnuTLS. Every refusal says the rule that was broken.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CERT_DNS_NAME_MAX 253
#define CERT_SANS_MAX 64
/* A node's certificate: 825 days, the longest browsers have taken for a
 * server's; the CA's ten years. */
#define CERT_DAYS_DEFAULT 825
#define CERT_DAYS_MAX 36500
#define CERT_CA_DAYS 3653

typedef enum CertSanType {
        CERT_SAN_DNS,
        CERT_SAN_IP,
} CertSanType;

typedef struct CertSan {
        CertSanType type;
        /* A DNS name as given, an address in canonical form (inet_ntop). */
        char text[CERT_DNS_NAME_MAX + 1];
        uint8_t ip[16];
        size_t ip_len;  /* 4 or 16; 0 for a DNS name */
} CertSan;

/* The names of one certificate, in the order given, each once. */
typedef struct CertSans {
        CertSan san[CERT_SANS_MAX];
        size_t n;
} CertSans;

/* Whether name is a DNS name: labels of 1 to 63 letters, digits and '-'
 * (not first or last), 253 characters in all, a last label that is not
 * all digits; with wildcard, "*" may be the whole first label. */
bool cert_dns_name_valid(const char *name, bool wildcard);

/* --host NAME|IP: an IPv4 or IPv6 address (also in brackets, "[::1]")
 * becomes an IP name, anything else must be a DNS name
 * (cert_dns_name_valid, wildcard allowed). -EINVAL with the rule. */
int cert_san_parse(const char *text, CertSan *ret, char *err, size_t errlen);
/* "DNS:alpha", "IP:10.0.0.1": how openssl and browsers show them. */
const char *cert_san_kind(const CertSan *s);
/* Whether a and b name the same (DNS names ignoring case). */
bool cert_san_equal(const CertSan *a, const CertSan *b);

/* Parse text and add it, unless s has it already. -EINVAL (the rule),
 * -E2BIG past CERT_SANS_MAX. */
int cert_sans_add(CertSans *s, const char *text, char *err, size_t errlen);
/* What every node's certificate holds besides its own names: localhost,
 * 127.0.0.1 and ::1, for clients on the node itself. */
void cert_sans_add_local(CertSans *s);
/* Whether a and b hold the same names, in any order. */
bool cert_sans_same(const CertSans *a, const CertSans *b);

/* --days N: a whole number from 1 to CERT_DAYS_MAX. */
int cert_days_parse(const char *text, unsigned *ret, char *err, size_t errlen);
