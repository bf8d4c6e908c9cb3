/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wolfpack cluster init`: where its files go, and what it tells the
 * administrator afterwards (the files and the commands that follow, for
 * the node the files are for and for the others).
 */
#pragma once

#include <stdbool.h>

#include "cli-cluster-conf.h"
#include "cli-cluster-tls.h"

typedef struct ClusterPaths {
        char *dir;              /* --output DIR, or NULL for the system's places */
        char *corosync_conf;
        char *authkey;
        char *wolfpackd_conf;
        char *certs;            /* the witness's certificate databases go under it (qnetd/, qdevice/) */
        char *tls;              /* the API's certificates go there (cli-cluster-tls.h) */
        const char *certs_from; /* ... the nodes' one taken from there (--certs); NULL: made by this run */
} ClusterPaths;

/* The paths under dir, or at their system places for NULL. */
int cluster_paths_make(const char *dir, ClusterPaths *ret);
void cluster_paths_done(ClusterPaths *p);

/* What was written and the next steps, for people. authkey_given: the key
 * came from --authkey (another node's); tls: the API's certificates as
 * cluster_tls_make() left them. *ret malloc'ed. */
int cluster_init_report(const ClusterSpec *s, const ClusterPaths *p, const ClusterTls *tls, bool authkey_given,
                        size_t key_size, char **ret);
