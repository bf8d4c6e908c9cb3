/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The X.509 certificates of the API's TLS, made and read with GnuTLS, as
 * PEM texts in memory: the cluster's CA (ECDSA P-256, self-signed,
 * CA:TRUE, signs certificates and CRLs) and a node's certificate signed by
 * it (ECDSA P-256, CA:FALSE, digitalSignature, TLS server and client, the
 * names of cli-cert-names.h). Keys are written as unencrypted PKCS #8.
 * Touches no file: the caller reads and writes them. Every error says
 * which certificate (the `what` given, a path) and what is wrong with it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli-cert-names.h"

#define CERT_CA_CN "Wolfpack cluster CA"

/* A certificate and its private key, PEM, each NUL-terminated. Either may
 * be NULL (a certificate read without its key). */
typedef struct CertPem {
        char *cert;
        size_t cert_size;
        char *key;
        size_t key_size;
} CertPem;
void cert_pem_done(CertPem *p);

/* A new CA; organization: the cluster's name in its subject (NULL: none). */
int cert_ca_make(const char *organization, unsigned days, CertPem *ret, char *err, size_t errlen);
/* Whether ca (certificate and key) can sign: a CA certificate (CA:TRUE),
 * valid now, whose key is the key given. cert_what/key_what name them. */
int cert_ca_check(const CertPem *ca, const char *cert_what, const char *key_what, char *err, size_t errlen);

typedef struct CertRequest {
        const char *cn;         /* the subject's common name: the node */
        const CertSans *sans;   /* at least one */
        unsigned days;
} CertRequest;
/* A node's certificate and a new key, signed by ca (checked). */
int cert_node_make(const CertPem *ca, const CertRequest *req, CertPem *ret, char *err, size_t errlen);

/* What a certificate says, for people and for checks. */
typedef struct CertInfo {
        char *subject, *issuer;   /* RFC 4514: "CN=alpha" */
        CertSans sans;            /* the first CERT_SANS_MAX of them */
        bool more_sans;           /* ... and it has more */
        int64_t not_before, not_after;   /* seconds since the epoch, UTC */
        char sha256[32 * 3];      /* of the DER: "AB:CD:..." */
        bool ca;                  /* CA:TRUE */
        bool self_signed;
} CertInfo;
/* The first certificate of a PEM text. */
int cert_info_read(const char *what, const void *pem, size_t size, CertInfo *ret, char *err, size_t errlen);
void cert_info_done(CertInfo *i);

/* 0 when the certificate in pem is signed by the one in ca_pem, which is
 * a CA, and both are valid now; -EKEYREJECTED with why (GnuTLS's words)
 * when not; -EBADMSG when either cannot be read. */
int cert_verify(const void *pem, size_t size, const void *ca_pem, size_t ca_size, char *why, size_t whylen);
/* 0 when the private key in key_pem is the certificate's; -EKEYREJECTED
 * when it is another's; -EBADMSG when either cannot be read. */
int cert_key_matches(const void *pem, size_t size, const void *key_pem, size_t key_size, char *why, size_t whylen);
