/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The API's certificates, made and read with GnuTLS's x509 API
 * (cli-cert-x509.h). Owns what goes into them: the algorithms, the
 * extensions, the serial numbers, the validity. Must never touch a file
 * nor run certtool or openssl: the keys exist only in the buffers handed
 * back to the caller.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "cli-cert-x509.h"
#include "cli-cluster-files.h"
#include "macro.h"

/* A certificate made on one node is used on another whose clock may be a
 * little behind: valid from this long before it was made. */
#define CERT_BACKDATE_SEC (60 * 60)
#define CERT_SERIAL_SIZE 16

static void crt_freep(gnutls_x509_crt_t *c) {
        if (*c)
                gnutls_x509_crt_deinit(*c);
}
static void x509_key_freep(gnutls_x509_privkey_t *k) {
        if (*k)
                gnutls_x509_privkey_deinit(*k);
}
static void privkey_freep(gnutls_privkey_t *k) {
        if (*k)
                gnutls_privkey_deinit(*k);
}
static void datum_freep(gnutls_datum_t *d) {
        gnutls_free(d->data);
        d->data = NULL;
}
#define _cleanup_crt_ _cleanup_(crt_freep)
#define _cleanup_x509_key_ _cleanup_(x509_key_freep)
#define _cleanup_privkey_ _cleanup_(privkey_freep)
#define _cleanup_datum_ _cleanup_(datum_freep)

/* fmt, then ": " and GnuTLS's words for gr, into err. */
static int tls_fail(int gr, char *err, size_t errlen, const char *fmt, ...) _printf_(4, 5);
static int tls_fail(int gr, char *err, size_t errlen, const char *fmt, ...) {
        char what[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        int r = gr == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EIO;
        return cluster_fail(r, err, errlen, "%s: %s", what, gnutls_strerror(gr));
}

void cert_pem_done(CertPem *p) {
        if (p->key)
                explicit_bzero(p->key, p->key_size);
        free(p->cert);
        free(p->key);
        *p = (CertPem) {};
}

/* d as a NUL-terminated text of our own. */
static int datum_text(const gnutls_datum_t *d, char **ret, size_t *ret_size) {
        char *s = malloc(d->size + 1);
        if (!s)
                return -ENOMEM;
        memcpy(s, d->data, d->size);
        s[d->size] = 0;
        *ret = s;
        *ret_size = d->size;
        return 0;
}

static int crt_import(const char *what, const void *pem, size_t size, gnutls_x509_crt_t *ret, char *err,
                      size_t errlen) {
        _cleanup_crt_ gnutls_x509_crt_t crt = NULL;
        int g = gnutls_x509_crt_init(&crt);
        if (g < 0)
                return tls_fail(g, err, errlen, "%s", what);
        gnutls_datum_t d = { (unsigned char *) pem, (unsigned) size };
        g = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM);
        if (g < 0)
                return cluster_fail(-EBADMSG, err, errlen, "%s holds no certificate GnuTLS can read (%s); it should be "
                                    "a PEM \"BEGIN CERTIFICATE\" block", what, gnutls_strerror(g));
        *ret = TAKE_PTR(crt);
        return 0;
}

static int key_import(const char *what, const void *pem, size_t size, gnutls_x509_privkey_t *ret, char *err,
                      size_t errlen) {
        _cleanup_x509_key_ gnutls_x509_privkey_t key = NULL;
        int g = gnutls_x509_privkey_init(&key);
        if (g < 0)
                return tls_fail(g, err, errlen, "%s", what);
        gnutls_datum_t d = { (unsigned char *) pem, (unsigned) size };
        g = gnutls_x509_privkey_import2(key, &d, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN);
        if (g < 0)
                return cluster_fail(-EBADMSG, err, errlen, "%s holds no private key GnuTLS can read (%s); it should be "
                                    "an unencrypted PEM \"BEGIN PRIVATE KEY\" block", what, gnutls_strerror(g));
        *ret = TAKE_PTR(key);
        return 0;
}

/* The key's id, SHA-256 of its public part, for "is this its key". */
static int crt_key_id(gnutls_x509_crt_t crt, unsigned char id[32], size_t *size) {
        *size = 32;
        return gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, id, size);
}

static bool key_is_crts(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key) {
        unsigned char a[32], b[32];
        size_t na, nb = sizeof b;
        return crt_key_id(crt, a, &na) >= 0 &&
               gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA256, b, &nb) >= 0 && na == nb &&
               memcmp(a, b, na) == 0;
}

/* A new ECDSA P-256 key, and the same as a signing key. */
static int key_new(gnutls_x509_privkey_t *ret, char *err, size_t errlen) {
        _cleanup_x509_key_ gnutls_x509_privkey_t key = NULL;
        int g = gnutls_x509_privkey_init(&key);
        if (g >= 0)
                g = gnutls_x509_privkey_generate2(key, GNUTLS_PK_ECDSA,
                                                  GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0, NULL, 0);
        if (g < 0)
                return tls_fail(g, err, errlen, "cannot make an ECDSA P-256 key");
        *ret = TAKE_PTR(key);
        return 0;
}

static int signer(gnutls_x509_privkey_t key, gnutls_privkey_t *ret, char *err, size_t errlen) {
        _cleanup_privkey_ gnutls_privkey_t pk = NULL;
        int g = gnutls_privkey_init(&pk);
        if (g >= 0)
                g = gnutls_privkey_import_x509(pk, key, 0);
        if (g < 0)
                return tls_fail(g, err, errlen, "cannot use the key to sign");
        *ret = TAKE_PTR(pk);
        return 0;
}

/* What every certificate here has: version 3, a random positive serial of
 * 16 bytes, the validity, the subject, the key and its id. */
static int crt_base(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const char *cn, const char *organization,
                    unsigned days, char *err, size_t errlen) {
        unsigned char serial[CERT_SERIAL_SIZE], id[64];
        size_t id_size = sizeof id;
        int g = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial);
        if (g < 0)
                return tls_fail(g, err, errlen, "cannot make a serial number");
        /* Positive (the top bit clear) and of the full length. */
        serial[0] = (serial[0] & 0x7f) | 0x40;
        time_t now = time(NULL);
        if ((g = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
            (g = gnutls_x509_crt_set_serial(crt, serial, sizeof serial)) < 0 ||
            (g = gnutls_x509_crt_set_activation_time(crt, now - CERT_BACKDATE_SEC)) < 0 ||
            (g = gnutls_x509_crt_set_expiration_time(crt, now + (time_t) days * 24 * 60 * 60)) < 0 ||
            /* O before CN, the order of a name from the top down. */
            (organization && (g = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0,
                                                                organization, (unsigned) strlen(organization))) < 0) ||
            (g = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn, (unsigned) strlen(cn))) < 0 ||
            (g = gnutls_x509_crt_set_key(crt, key)) < 0 ||
            (g = gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA1, id, &id_size)) < 0 ||
            (g = gnutls_x509_crt_set_subject_key_id(crt, id, id_size)) < 0)
                return tls_fail(g, err, errlen, "cannot make the certificate of %s", cn);
        return 0;
}

/* crt signed by issuer's key, as PEM with key's PEM. */
static int sign_export(gnutls_x509_crt_t crt, gnutls_x509_crt_t issuer, gnutls_x509_privkey_t issuer_key,
                       gnutls_x509_privkey_t key, const char *cn, CertPem *ret, char *err, size_t errlen) {
        _cleanup_privkey_ gnutls_privkey_t pk = NULL;
        int r = signer(issuer_key, &pk, err, errlen);
        if (r < 0)
                return r;
        int g = gnutls_x509_crt_privkey_sign(crt, issuer, pk, GNUTLS_DIG_SHA256, 0);
        if (g < 0)
                return tls_fail(g, err, errlen, "cannot sign the certificate of %s", cn);

        _cleanup_datum_ gnutls_datum_t c = {}, k = {};
        if ((g = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &c)) < 0 ||
            (g = gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &k)) < 0)
                return tls_fail(g, err, errlen, "cannot write the certificate of %s", cn);
        CertPem p = {};
        r = datum_text(&c, &p.cert, &p.cert_size);
        if (r >= 0)
                r = datum_text(&k, &p.key, &p.key_size);
        explicit_bzero(k.data, k.size);
        if (r < 0) {
                cert_pem_done(&p);
                return r;
        }
        *ret = p;
        return 0;
}

int cert_ca_make(const char *organization, unsigned days, CertPem *ret, char *err, size_t errlen) {
        _cleanup_x509_key_ gnutls_x509_privkey_t key = NULL;
        _cleanup_crt_ gnutls_x509_crt_t crt = NULL;
        int r = key_new(&key, err, errlen);
        if (r < 0)
                return r;
        int g = gnutls_x509_crt_init(&crt);
        if (g < 0)
                return tls_fail(g, err, errlen, "cannot make the CA");
        r = crt_base(crt, key, CERT_CA_CN, organization, days, err, errlen);
        if (r < 0)
                return r;
        /* Both critical, as GnuTLS writes them. */
        if ((g = gnutls_x509_crt_set_basic_constraints(crt, 1, -1)) < 0 ||
            (g = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN)) < 0)
                return tls_fail(g, err, errlen, "cannot make the CA");
        return sign_export(crt, crt, key, key, CERT_CA_CN, ret, err, errlen);
}

/* The CA's certificate and key, checked: a CA, valid now, with its key. */
static int ca_import(const CertPem *ca, const char *cert_what, const char *key_what, gnutls_x509_crt_t *ret_crt,
                     gnutls_x509_privkey_t *ret_key, char *err, size_t errlen) {
        _cleanup_crt_ gnutls_x509_crt_t crt = NULL;
        _cleanup_x509_key_ gnutls_x509_privkey_t key = NULL;
        int r = crt_import(cert_what, ca->cert, ca->cert_size, &crt, err, errlen);
        if (r < 0)
                return r;
        unsigned critical = 0, is_ca = 0;
        int pathlen = -1;
        if (gnutls_x509_crt_get_basic_constraints(crt, &critical, &is_ca, &pathlen) < 0 || !is_ca)
                return cluster_fail(-EKEYREJECTED, err, errlen, "%s is not a CA's certificate (no basic constraint CA:TRUE): "
                                    "give the ca.pem `wolfpack cert create` made", cert_what);
        time_t now = time(NULL);
        if (gnutls_x509_crt_get_expiration_time(crt) <= now)
                return cluster_fail(-EKEYEXPIRED, err, errlen, "%s has expired: the certificates it would sign would "
                                    "not verify; every node needs a new CA (see docs/tls.md)", cert_what);
        if (!key_what)
                return 0;
        r = key_import(key_what, ca->key, ca->key_size, &key, err, errlen);
        if (r < 0)
                return r;
        if (!key_is_crts(crt, key))
                return cluster_fail(-EKEYREJECTED, err, errlen, "%s is not the key of %s: give the two files of one CA, "
                                    "as `wolfpack cert create` made them", key_what, cert_what);
        if (ret_crt)
                *ret_crt = TAKE_PTR(crt);
        if (ret_key)
                *ret_key = TAKE_PTR(key);
        return 0;
}

int cert_ca_check(const CertPem *ca, const char *cert_what, const char *key_what, char *err, size_t errlen) {
        return ca_import(ca, cert_what, key_what, NULL, NULL, err, errlen);
}

static int set_sans(gnutls_x509_crt_t crt, const CertSans *sans) {
        for (size_t i = 0; i < sans->n; i++) {
                const CertSan *s = &sans->san[i];
                int g = s->type == CERT_SAN_IP
                                ? gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, s->ip,
                                                                       (unsigned) s->ip_len, GNUTLS_FSAN_APPEND)
                                : gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, s->text,
                                                                       (unsigned) strlen(s->text), GNUTLS_FSAN_APPEND);
                if (g < 0)
                        return g;
        }
        return 0;
}

int cert_node_make(const CertPem *ca, const CertRequest *req, CertPem *ret, char *err, size_t errlen) {
        _cleanup_crt_ gnutls_x509_crt_t ca_crt = NULL, crt = NULL;
        _cleanup_x509_key_ gnutls_x509_privkey_t ca_key = NULL, key = NULL;
        int r = ca_import(ca, "the CA's certificate", "the CA's key", &ca_crt, &ca_key, err, errlen);
        if (r < 0)
                return r;
        if (req->sans->n == 0)
                return cluster_fail(-EINVAL, err, errlen, "the certificate of %s needs at least one name", req->cn);
        r = key_new(&key, err, errlen);
        if (r < 0)
                return r;
        int g = gnutls_x509_crt_init(&crt);
        if (g < 0)
                return tls_fail(g, err, errlen, "cannot make the certificate of %s", req->cn);
        r = crt_base(crt, key, req->cn, NULL, req->days, err, errlen);
        if (r < 0)
                return r;

        /* The CA's key id, as the CA says it or else from its key. */
        unsigned char id[64];
        size_t id_size = sizeof id;
        unsigned critical;
        if (gnutls_x509_crt_get_subject_key_id(ca_crt, id, &id_size, &critical) < 0) {
                id_size = sizeof id;
                g = gnutls_x509_crt_get_key_id(ca_crt, GNUTLS_KEYID_USE_SHA1, id, &id_size);
                if (g < 0)
                        return tls_fail(g, err, errlen, "cannot read the CA's key id");
        }
        if ((g = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
            (g = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
            (g = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
            (g = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_CLIENT, 0)) < 0 ||
            (g = gnutls_x509_crt_set_authority_key_id(crt, id, id_size)) < 0 || (g = set_sans(crt, req->sans)) < 0)
                return tls_fail(g, err, errlen, "cannot make the certificate of %s", req->cn);
        return sign_export(crt, ca_crt, ca_key, key, req->cn, ret, err, errlen);
}

/* The subject's or the issuer's name as text; a GnuTLS error. */
static int dn_text(gnutls_x509_crt_t crt, bool issuer, char **ret) {
        _cleanup_datum_ gnutls_datum_t d = {};
        int g = issuer ? gnutls_x509_crt_get_issuer_dn3(crt, &d, 0) : gnutls_x509_crt_get_dn3(crt, &d, 0);
        if (g == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
                *ret = strdup("");
                return *ret ? 0 : GNUTLS_E_MEMORY_ERROR;
        }
        if (g < 0)
                return g;
        size_t size;
        return datum_text(&d, ret, &size) < 0 ? GNUTLS_E_MEMORY_ERROR : 0;
}

static void read_sans(gnutls_x509_crt_t crt, CertInfo *info) {
        for (unsigned i = 0;; i++) {
                char buf[CERT_DNS_NAME_MAX + 1];
                size_t size = sizeof buf - 1;
                unsigned critical;
                int t = gnutls_x509_crt_get_subject_alt_name(crt, i, buf, &size, &critical);
                if (t == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
                        break;
                if (t < 0 && t != GNUTLS_E_SHORT_MEMORY_BUFFER)
                        break;
                if (info->sans.n >= CERT_SANS_MAX) {
                        info->more_sans = true;
                        break;
                }
                CertSan s = {};
                if (t == GNUTLS_SAN_DNSNAME && size < sizeof buf) {
                        s.type = CERT_SAN_DNS;
                        snprintf(s.text, sizeof s.text, "%.*s", (int) size, buf);
                } else if (t == GNUTLS_SAN_IPADDRESS && (size == 4 || size == 16)) {
                        s.type = CERT_SAN_IP;
                        s.ip_len = size;
                        memcpy(s.ip, buf, size);
                        if (!inet_ntop(size == 4 ? AF_INET : AF_INET6, s.ip, s.text, sizeof s.text))
                                continue;
                } else {
                        /* An e-mail address, a URI: nothing a TLS client
                         * matches a server against. */
                        info->more_sans = true;
                        continue;
                }
                info->sans.san[info->sans.n++] = s;
        }
}

int cert_info_read(const char *what, const void *pem, size_t size, CertInfo *ret, char *err, size_t errlen) {
        _cleanup_crt_ gnutls_x509_crt_t crt = NULL;
        int r = crt_import(what, pem, size, &crt, err, errlen);
        if (r < 0)
                return r;
        CertInfo i = {};
        int g = dn_text(crt, false, &i.subject);
        if (g >= 0)
                g = dn_text(crt, true, &i.issuer);
        if (g < 0) {
                cert_info_done(&i);
                return tls_fail(g, err, errlen, "%s: cannot read its names", what);
        }
        read_sans(crt, &i);
        i.not_before = (int64_t) gnutls_x509_crt_get_activation_time(crt);
        i.not_after = (int64_t) gnutls_x509_crt_get_expiration_time(crt);
        unsigned char fp[32];
        size_t fp_size = sizeof fp;
        if (gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, fp, &fp_size) >= 0)
                for (size_t k = 0, o = 0; k < fp_size && o < sizeof i.sha256; k++)
                        o += (size_t) snprintf(i.sha256 + o, sizeof i.sha256 - o, "%s%02X", k ? ":" : "", fp[k]);
        unsigned critical = 0, is_ca = 0;
        int pathlen;
        i.ca = gnutls_x509_crt_get_basic_constraints(crt, &critical, &is_ca, &pathlen) >= 0 && is_ca;
        i.self_signed = gnutls_x509_crt_check_issuer(crt, crt) != 0;
        *ret = i;
        return 0;
}

void cert_info_done(CertInfo *i) {
        free(i->subject);
        free(i->issuer);
        *i = (CertInfo) {};
}

int cert_verify(const void *pem, size_t size, const void *ca_pem, size_t ca_size, char *why, size_t whylen) {
        _cleanup_crt_ gnutls_x509_crt_t crt = NULL, ca = NULL;
        if (crt_import("the certificate", pem, size, &crt, why, whylen) < 0 ||
            crt_import("the CA's certificate", ca_pem, ca_size, &ca, why, whylen) < 0)
                return -EBADMSG;
        /* GnuTLS trusts a certificate found in the list itself: a node's
         * certificate given as the CA would verify. */
        unsigned critical = 0, is_ca = 0;
        int pathlen;
        if (gnutls_x509_crt_get_basic_constraints(ca, &critical, &is_ca, &pathlen) < 0 || !is_ca) {
                snprintf(why, whylen, "the CA's certificate is no CA's (no basic constraint CA:TRUE)");
                return -EKEYREJECTED;
        }
        unsigned status = 0;
        int g = gnutls_x509_crt_verify(crt, &ca, 1, 0, &status);
        if (g < 0)
                return tls_fail(g, why, whylen, "cannot verify");
        if (status == 0)
                return 0;
        _cleanup_datum_ gnutls_datum_t out = {};
        if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &out, 0) >= 0)
                snprintf(why, whylen, "%.*s", (int) out.size, (const char *) out.data);
        else
                snprintf(why, whylen, "it does not verify (status 0x%x)", status);
        return -EKEYREJECTED;
}

int cert_key_matches(const void *pem, size_t size, const void *key_pem, size_t key_size, char *why, size_t whylen) {
        _cleanup_crt_ gnutls_x509_crt_t crt = NULL;
        _cleanup_x509_key_ gnutls_x509_privkey_t key = NULL;
        if (crt_import("the certificate", pem, size, &crt, why, whylen) < 0 ||
            key_import("the key", key_pem, key_size, &key, why, whylen) < 0)
                return -EBADMSG;
        if (!key_is_crts(crt, key)) {
                snprintf(why, whylen, "it is the key of another certificate");
                return -EKEYREJECTED;
        }
        return 0;
}
