/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The API's certificates of `wolfpack cluster init` (cli-cluster-tls.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli-cert-names.h"
#include "cli-cert-x509.h"
#include "cli-cluster-tls.h"
#include "macro.h"

/* The node's name (when it is a DNS name a client could look up), its
 * address, and the local ones. */
static void add_node(CertSans *sans, const ClusterNode *n) {
        char err[16];
        if (cert_dns_name_valid(n->name, false))
                (void) cert_sans_add(sans, n->name, err, sizeof err);
        (void) cert_sans_add(sans, n->addr, err, sizeof err);
}

/* --tls DIR: the directory itself, or its tls/ (a run's --output). */
static int take_ca(const char *from, ClusterTls *t, char *err, size_t errlen) {
        _cleanup_free_ char *sub = NULL;
        if (asprintf(&sub, "%s/tls", from) < 0)
                return -ENOMEM;
        CertDir d;
        bool found = false;
        int r = 0;
        for (int i = 0; i < 2 && !found && r >= 0; i++) {
                if (cert_dir_make(i == 0 ? from : sub, &d) < 0)
                        return -ENOMEM;
                r = cert_dir_ca(&d, &t->ca, &found, err, errlen);
                if (found && !(t->from = strdup(d.dir)))
                        r = -ENOMEM;
                cert_dir_done(&d);
        }
        /* A refused argument, as a missing --authkey is. */
        if (r < 0) {
                char why[768];
                snprintf(why, sizeof why, "%s", err);
                return cluster_fail(r == -ENOMEM ? r : -EINVAL, err, errlen, "--tls \"%s\": %s", from, why);
        }
        if (!found)
                return cluster_fail(-EINVAL, err, errlen, "--tls \"%s\": no " CERT_FILE_CA " and " CERT_FILE_CA_KEY " there "
                                    "nor in its tls/; give the directory the first run wrote them to (its --output "
                                    "DIR, or " CLUSTER_TLS_DIR " where they were copied)", from);
        return 0;
}

int cluster_tls_make(const ClusterSpec *s, const char *dir, const char *from, ClusterTls *ret, char *err,
                     size_t errlen) {
        ClusterTls *t = ret;
        *t = (ClusterTls) {};
        int r = cert_dir_make(dir, &t->dir);
        if (r < 0)
                return r;

        bool found = false;
        if (from) {
                r = take_ca(from, t, err, errlen);
                t->ca_source = CLUSTER_TLS_CA_TAKEN;
        } else {
                r = cert_dir_ca(&t->dir, &t->ca, &found, err, errlen);
                if (r < 0) {
                        char why[768];
                        snprintf(why, sizeof why, "%s", err);
                        r = cluster_fail(r, err, errlen, "%s (or give --tls DIR, the first node's CA)", why);
                } else if (found)
                        t->ca_source = CLUSTER_TLS_CA_FOUND;
                else {
                        t->ca_source = CLUSTER_TLS_CA_MADE;
                        r = cert_ca_make(s->name, CERT_CA_DAYS, &t->ca, err, errlen);
                }
        }
        if (r < 0)
                goto fail;
        if (t->ca_source != CLUSTER_TLS_CA_FOUND) {
                cert_files_pair(t->files, t->dir.ca, t->dir.ca_key, &t->ca);
                t->n_files = 2;
        }

        const ClusterNode *me = s->this_id ? cluster_spec_node(s, s->this_id) : NULL;
        if (me)
                add_node(&t->sans, me);
        else
                for (size_t i = 0; i < s->n_nodes; i++)
                        add_node(&t->sans, &s->nodes[i]);
        cert_sans_add_local(&t->sans);
        snprintf(t->cn, sizeof t->cn, "%s", me ? me->name : s->name);
        CertRequest req = { .cn = t->cn, .sans = &t->sans, .days = CERT_DAYS_DEFAULT };
        if (cert_dir_node_fits(&t->dir, &t->ca, &req)) {
                t->node_kept = true;
                return 0;
        }
        r = cert_node_make(&t->ca, &req, &t->node, err, errlen);
        if (r < 0)
                goto fail;
        cert_files_pair(t->files + t->n_files, t->dir.node, t->dir.node_key, &t->node);
        t->n_files += 2;
        return 0;
fail:
        cluster_tls_done(t);
        return r;
}

void cluster_tls_done(ClusterTls *t) {
        cert_dir_done(&t->dir);
        free(t->from);
        cert_pem_done(&t->ca);
        cert_pem_done(&t->node);
        *t = (ClusterTls) {};
}
