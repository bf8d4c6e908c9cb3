/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The API's certificates that `wolfpack cluster init` writes next to
 * wolfpackd.conf (in <output>/tls, or /etc/wolfpack/tls): the cluster's CA
 * — the one already there, the one another run made (--tls DIR), or a new
 * one on the first node — and the certificate of the node the files are
 * for, signed by it. Without --this the certificate is for every node's
 * name and address, to be copied with the other files. A node certificate
 * already there that fits (cert_dir_node_fits) is kept, so that running
 * cluster init again changes nothing. Writes nothing itself: the files
 * join cluster init's others, written all or none.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cli-cert-dir.h"
#include "cli-cluster-conf.h"

typedef enum ClusterTlsCa {
        CLUSTER_TLS_CA_MADE,    /* a new CA, made here */
        CLUSTER_TLS_CA_FOUND,   /* the one in the directory, kept */
        CLUSTER_TLS_CA_TAKEN,   /* from --tls DIR, copied in */
} ClusterTlsCa;

typedef struct ClusterTls {
        CertDir dir;            /* where the four files go */
        char *from;             /* the directory --tls named the CA in; NULL */
        ClusterTlsCa ca_source;
        bool node_kept;         /* the node's certificate there fits: not rewritten */
        char cn[CLUSTER_NAME_MAX + 1];
        CertSans sans;
        CertPem ca, node;
        ClusterFile files[4];   /* what is to be written */
        size_t n_files;
} ClusterTls;

/* The CA and the node certificate for s in dir; from: --tls DIR (its
 * ca.pem and ca-key.pem, or those in DIR/tls, the first run's --output),
 * or NULL. Every refusal names the file and what to do. */
int cluster_tls_make(const ClusterSpec *s, const char *dir, const char *from, ClusterTls *ret, char *err,
                     size_t errlen);
void cluster_tls_done(ClusterTls *t);
