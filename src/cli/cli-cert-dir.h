/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The directory of the API's certificates, /etc/wolfpack/tls on a node:
 *
 *   ca.pem        the cluster's CA certificate, 0644: every node and CLI trusts it
 *   ca-key.pem    its private key, 0600: signs the nodes' certificates
 *   node.pem      this node's certificate, signed by the CA, 0644 (tls-cert)
 *   node-key.pem  its private key, 0600 (tls-key)
 *
 * Reading what is there, and deciding whether a node's certificate there
 * is still the one that would be made. Writes nothing: the files go out
 * through cluster_files_write(), all or none.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cli-cert-x509.h"
#include "cli-cluster-files.h"

#define CERT_FILE_CA "ca.pem"
#define CERT_FILE_CA_KEY "ca-key.pem"
#define CERT_FILE_NODE "node.pem"
#define CERT_FILE_NODE_KEY "node-key.pem"
#define CERT_MODE_CERT 0644
#define CERT_MODE_KEY 0600
/* Far more than any certificate or key here; a bigger file is not one. */
#define CERT_PEM_MAX (1024 * 1024)
/* A node's certificate that expires sooner than this is made anew by
 * `cluster init` rather than kept. */
#define CERT_RENEW_DAYS 30

typedef struct CertDir {
        char *dir;
        char *ca, *ca_key, *node, *node_key;
} CertDir;

/* The four paths under dir (trailing slashes dropped). */
int cert_dir_make(const char *dir, CertDir *ret);
void cert_dir_done(CertDir *d);

/* The CA in d, both files read and checked (cert_ca_check). Neither
 * there: 0 with *ret_found false. One of the two: -ENOKEY naming the one
 * missing and how to fix it. */
int cert_dir_ca(const CertDir *d, CertPem *ret, bool *ret_found, char *err, size_t errlen);

/* Whether d's node.pem and node-key.pem are a certificate for req: signed
 * by ca, valid now and CERT_RENEW_DAYS longer, for req's common name and
 * exactly its names, with its key. */
bool cert_dir_node_fits(const CertDir *d, const CertPem *ca, const CertRequest *req);

/* The certificate and key of pem as two files for cluster_files_write(),
 * at files[0] and files[1], with their modes. */
void cert_files_pair(ClusterFile files[2], const char *cert_path, const char *key_path, const CertPem *pem);
