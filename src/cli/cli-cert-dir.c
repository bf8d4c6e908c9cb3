/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The certificate directory of a node (cli-cert-dir.h): its layout, the CA
 * found there, whether the node's certificate there still fits. Owns the
 * advice given when the directory holds half of a pair. Never writes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli-cert-dir.h"
#include "file-read.h"
#include "macro.h"

int cert_dir_make(const char *dir, CertDir *ret) {
        CertDir d = { .dir = cluster_dir_trim(dir) };
        if (!d.dir || asprintf(&d.ca, "%s/" CERT_FILE_CA, d.dir) < 0 ||
            asprintf(&d.ca_key, "%s/" CERT_FILE_CA_KEY, d.dir) < 0 ||
            asprintf(&d.node, "%s/" CERT_FILE_NODE, d.dir) < 0 ||
            asprintf(&d.node_key, "%s/" CERT_FILE_NODE_KEY, d.dir) < 0) {
                cert_dir_done(&d);
                return -ENOMEM;
        }
        *ret = d;
        return 0;
}

void cert_dir_done(CertDir *d) {
        free(d->dir);
        free(d->ca);
        free(d->ca_key);
        free(d->node);
        free(d->node_key);
        *d = (CertDir) {};
}

/* path into *ret; -ENOENT quietly, anything else with a message. */
static int read_pem(const char *path, char **ret, size_t *ret_size, char *err, size_t errlen) {
        int r = file_read(path, CERT_PEM_MAX, ret, ret_size);
        if (r == -ENOENT || r >= 0)
                return r;
        if (r == -EFBIG || r == -EINVAL)
                return cluster_fail(-EBADMSG, err, errlen, "%s is %s, not a PEM file", path,
                                    r == -EFBIG ? "larger than 1 MiB" : "not a regular file");
        return cluster_fail(r, err, errlen, "cannot read %s: %s", path, strerror(-r));
}

int cert_dir_ca(const CertDir *d, CertPem *ret, bool *ret_found, char *err, size_t errlen) {
        CertPem p = {};
        int rc = read_pem(d->ca, &p.cert, &p.cert_size, err, errlen);
        if (rc < 0 && rc != -ENOENT)
                return rc;
        int rk = read_pem(d->ca_key, &p.key, &p.key_size, err, errlen);
        if (rk < 0 && rk != -ENOENT) {
                cert_pem_done(&p);
                return rk;
        }
        if (rc == -ENOENT && rk == -ENOENT) {
                *ret_found = false;
                return 0;
        }
        if (rc == -ENOENT || rk == -ENOENT) {
                const char *there = rc == -ENOENT ? d->ca_key : d->ca;
                const char *missing = rc == -ENOENT ? d->ca : d->ca_key;
                cert_pem_done(&p);
                return cluster_fail(-ENOKEY, err, errlen,
                                    "%s is missing, but %s is there: a CA is the two files. Copy %s from where the "
                                    "cluster's CA was made (%s), or, to make a new CA, remove %s; a new CA means a "
                                    "new certificate on every node and a new ca.pem for every CLI", missing, there,
                                    missing, rc == -ENOENT ? "mode 0644" : "mode 0600", there);
        }
        int r = cert_ca_check(&p, d->ca, d->ca_key, err, errlen);
        if (r < 0) {
                cert_pem_done(&p);
                return r;
        }
        *ret = p;
        *ret_found = true;
        return 0;
}

bool cert_dir_node_fits(const CertDir *d, const CertPem *ca, const CertRequest *req) {
        _cleanup_free_ char *cert = NULL, *key = NULL;
        size_t cert_size, key_size;
        char why[512];
        if (file_read(d->node, CERT_PEM_MAX, &cert, &cert_size) < 0 ||
            file_read(d->node_key, CERT_PEM_MAX, &key, &key_size) < 0)
                return false;
        bool fits = cert_verify(cert, cert_size, ca->cert, ca->cert_size, why, sizeof why) == 0 &&
                    cert_key_matches(cert, cert_size, key, key_size, why, sizeof why) == 0;
        explicit_bzero(key, key_size);
        CertInfo info;
        if (!fits || cert_info_read(d->node, cert, cert_size, &info, why, sizeof why) < 0)
                return false;
        char cn[256];
        snprintf(cn, sizeof cn, "CN=%s", req->cn);
        fits = strcmp(info.subject, cn) == 0 && !info.more_sans && cert_sans_same(&info.sans, req->sans) &&
               info.not_after > (int64_t) time(NULL) + (int64_t) CERT_RENEW_DAYS * 24 * 60 * 60;
        cert_info_done(&info);
        return fits;
}

void cert_files_pair(ClusterFile files[2], const char *cert_path, const char *key_path, const CertPem *pem) {
        files[0] = (ClusterFile) { cert_path, pem->cert, pem->cert_size, CERT_MODE_CERT };
        files[1] = (ClusterFile) { key_path, pem->key, pem->key_size, CERT_MODE_KEY };
}
