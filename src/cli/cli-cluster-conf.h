/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What `wolfpack cluster init` writes, as text: a cluster described by its
 * name and nodes (cluster_spec_*), checked as a whole, and the corosync.conf
 * and wolfpackd.conf that make it. Pure: no I/O. Every refusal says what is
 * wrong with which argument and what is allowed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Node ids go from 1 to 32, as wolfpackd takes them. */
#define CLUSTER_NODE_ID_MAX 32
#define CLUSTER_NAME_MAX 63
#define CLUSTER_HOST_MAX 253
/* corosync's default, and what the tests use; see corosync.conf(5). */
#define CLUSTER_TOKEN_DEFAULT_MS 3000
#define CLUSTER_TOKEN_MIN_MS 500
#define CLUSTER_TOKEN_MAX_MS 60000
/* The file corosync reads its key from, with no keyfile setting. */
#define CLUSTER_COROSYNC_DIR "/etc/corosync"
#define CLUSTER_WOLFPACK_DIR "/etc/wolfpack"
/* The API's certificates (cli-cert-dir.h) and where wolfpackd serves it
 * over TCP: every address, port 7443. */
#define CLUSTER_TLS_DIR CLUSTER_WOLFPACK_DIR "/tls"
#define CLUSTER_API_LISTEN "*:7443"
#define CLUSTER_COROSYNC_LOG "/var/log/corosync/corosync.log"
/* On the first line of every file written, to tell them from others. */
#define CLUSTER_CONF_MARK "written by `wolfpack cluster init`"

typedef struct ClusterNode {
        uint32_t id;
        char name[CLUSTER_NAME_MAX + 1];
        char addr[64];   /* canonical text form (inet_ntop) */
        int family;      /* AF_INET or AF_INET6 */
} ClusterNode;

typedef struct ClusterSpec {
        char name[CLUSTER_NAME_MAX + 1];
        ClusterNode nodes[CLUSTER_NODE_ID_MAX];
        size_t n_nodes;
        uint32_t this_id;            /* the node the files are for; 0: any node */
        uint32_t token_ms;
        char qdevice[CLUSTER_HOST_MAX + 1];   /* the qnetd host; "" for none */
} ClusterSpec;

/* A spec with the cluster's name (checked) and the default token. */
int cluster_spec_init(ClusterSpec *s, const char *name, char *err, size_t errlen);
/* Add a node given as "ID=NAME=ADDRESS" (2=beta=10.0.0.2, 3=gamma=fd00::3);
 * refused: a malformed one, and one whose id, name (ignoring case) or
 * address another node has. */
int cluster_spec_add_node(ClusterSpec *s, const char *text, char *err, size_t errlen);
/* --this ID (or the name of a node added before). */
int cluster_spec_set_this(ClusterSpec *s, const char *text, char *err, size_t errlen);
/* --token DURATION: whole milliseconds from 500ms to 60s. */
int cluster_spec_set_token(ClusterSpec *s, const char *text, char *err, size_t errlen);
/* --qdevice HOST: an address or a DNS name, not one of the nodes'. */
int cluster_spec_set_qdevice(ClusterSpec *s, const char *text, char *err, size_t errlen);
/* The whole: at least one node; all addresses of one family; two nodes
 * only with a quorum device (votequorum's two_node keeps both halves of a
 * split quorate), a quorum device only for an even number of nodes. */
int cluster_spec_check(const ClusterSpec *s, char *err, size_t errlen);

/* The node with this id, or NULL. */
const ClusterNode *cluster_spec_node(const ClusterSpec *s, uint32_t id);

/* The end of a text written to f, an open_memstream on *buf: *ret takes
 * it, or -ENOMEM when any write failed (*buf freed). */
int cluster_text_finish(FILE *f, char **buf, char **ret);

/* corosync.conf for every node of s (checked); *ret malloc'ed. */
int cluster_corosync_conf(const ClusterSpec *s, char **ret);
/* wolfpackd.conf: engine = corosync, and this node's id and name when s
 * names one; the failover timings are left to wolfpackd, which derives
 * them from corosync's; the remote API on CLUSTER_API_LISTEN with the
 * certificate and key in CLUSTER_TLS_DIR. *ret malloc'ed. */
int cluster_wolfpackd_conf(const ClusterSpec *s, char **ret);
