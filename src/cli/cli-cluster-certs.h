/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The witness's TLS certificates for `wolfpack cluster init --witness`:
 * corosync-qnetd's CA and server certificate, and the cluster's client
 * certificate signed by that CA, which corosync-qdevice presents on every
 * node (tls: required). Made by corosync's own tools,
 * corosync-qnetd-certutil and corosync-qdevice-net-certutil, in the order
 * corosync-qdevice-net-certutil(8) gives, each in a private mount
 * namespace whose /etc/corosync is a scratch directory: the tools write
 * only there, never into this machine's /etc/corosync. The result is
 * read back as files for cluster_files_write():
 *
 *   qnetd/nssdb/...       the witness's database, for /etc/corosync/qnetd/nssdb
 *                         on the witness host (it holds the CA's key)
 *   qdevice/net/nssdb/... every node's database, for
 *                         /etc/corosync/qdevice/net/nssdb on each node
 */
#pragma once

#include <stddef.h>

#include "cli-cluster-files.h"

typedef struct ClusterCerts {
        ClusterFile *files;
        size_t n_files;
        char **paths;   /* what files[] points to, owned */
        void **contents;
} ClusterCerts;

#define CLUSTER_CERTS_QNETD "qnetd/nssdb"
#define CLUSTER_CERTS_NODE "qdevice/net/nssdb"

/* Make both databases for cluster `name`, as files under dir. Needs root
 * (a mount namespace) and the two tools; err says which is missing. */
int cluster_certs_make(const char *name, const char *dir, ClusterCerts *ret, char *err, size_t errlen);
/* The node database another run made (under from, its --output), as
 * files under dir: the same cluster certificate on this node. */
int cluster_certs_take(const char *from, const char *dir, ClusterCerts *ret, char *err, size_t errlen);
void cluster_certs_done(ClusterCerts *c);
