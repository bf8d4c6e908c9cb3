/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The configuration of a Wolfpack cluster on corosync, from its name and
 * its nodes: the checks that make a list of nodes a cluster that can work
 * (and keep a split from having two quorate halves), and the text of
 * corosync.conf and wolfpackd.conf. Owns what a generated corosync.conf
 * holds (totem with knet and crypto, the nodelist, votequorum with or
 * without a quorum device, logging to a file). Pure: never touches a file,
 * never prints.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "cli-cluster-conf.h"
#include "macro.h"
#include "props.h"
#include "text-quote.h"

static int fail(char *err, size_t errlen, const char *fmt, ...) _printf_(3, 4);
static int fail(char *err, size_t errlen, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

int cluster_spec_init(ClusterSpec *s, const char *name, char *err, size_t errlen) {
        if (name_validate("cluster name", name, err, errlen) < 0)
                return -EINVAL;
        *s = (ClusterSpec) { .token_ms = CLUSTER_TOKEN_DEFAULT_MS };
        snprintf(s->name, sizeof s->name, "%s", name);
        return 0;
}

const ClusterNode *cluster_spec_node(const ClusterSpec *s, uint32_t id) {
        for (size_t i = 0; i < s->n_nodes; i++)
                if (s->nodes[i].id == id)
                        return &s->nodes[i];
        return NULL;
}

/* An address a node can be reached at: IPv4 or IPv6, neither unspecified
 * nor multicast nor broadcast; *ret in canonical form. */
static int parse_addr(const char *text, ClusterNode *ret, char *why, size_t whylen) {
        unsigned char buf[sizeof(struct in6_addr)];
        if (inet_pton(AF_INET, text, buf) == 1) {
                struct in_addr a;
                memcpy(&a, buf, sizeof a);
                uint32_t h = ntohl(a.s_addr);
                if (h == 0 || h == 0xffffffffu || (h >> 28) == 0xe) {
                        snprintf(why, whylen, "is an unspecified, broadcast or multicast address");
                        return -EINVAL;
                }
                ret->family = AF_INET;
        } else if (inet_pton(AF_INET6, text, buf) == 1) {
                static const unsigned char any[16];
                if (memcmp(buf, any, 16) == 0 || buf[0] == 0xff) {
                        snprintf(why, whylen, "is the unspecified or a multicast address");
                        return -EINVAL;
                }
                ret->family = AF_INET6;
        } else {
                snprintf(why, whylen, "is not an IPv4 or IPv6 address (corosync resolves names only once, at start: "
                                      "give the address)");
                return -EINVAL;
        }
        if (!inet_ntop(ret->family, buf, ret->addr, sizeof ret->addr))
                return -EINVAL;
        return 0;
}

int cluster_spec_add_node(ClusterSpec *s, const char *text, char *err, size_t errlen) {
        static const char form[] = "give a node as ID=NAME=ADDRESS, such as 2=beta=10.0.0.2";
        const char *eq1 = strchr(text, '='), *eq2 = eq1 ? strchr(eq1 + 1, '=') : NULL;
        if (!eq2)
                return fail(err, errlen, "--node %s: %s", text_quote(text).s, form);

        ClusterNode n = {};
        char id[16], why[320];
        size_t idlen = (size_t) (eq1 - text), namelen = (size_t) (eq2 - eq1 - 1);
        int64_t v;
        snprintf(id, sizeof id, "%.*s", (int) (idlen < sizeof id ? idlen : sizeof id - 1), text);
        if (idlen == 0 || idlen >= sizeof id || parse_int64(id, &v) < 0 || v < 1 || v > CLUSTER_NODE_ID_MAX)
                return fail(err, errlen, "--node %s: the id %s is not a whole number from 1 to %d; %s",
                            text_quote(text).s, text_quote_n(text, idlen).s, CLUSTER_NODE_ID_MAX, form);
        n.id = (uint32_t) v;

        _cleanup_free_ char *name = strndup(eq1 + 1, namelen);
        if (!name)
                return -ENOMEM;
        if (name_validate("node name", name, why, sizeof why) < 0)
                return fail(err, errlen, "--node %s: %s", text_quote(text).s, why);
        snprintf(n.name, sizeof n.name, "%s", name);

        if (parse_addr(eq2 + 1, &n, why, sizeof why) < 0)
                return fail(err, errlen, "--node %s: the address %s %s", text_quote(text).s, text_quote(eq2 + 1).s,
                            why);

        for (size_t i = 0; i < s->n_nodes; i++) {
                const ClusterNode *o = &s->nodes[i];
                if (o->id == n.id)
                        return fail(err, errlen, "--node %s: node id %u is given twice (also %s); every node needs an id of its own",
                                    text_quote(text).s, n.id, o->name);
                if (strcasecmp(o->name, n.name) == 0)
                        return fail(err, errlen, "--node %s: the name %s is given twice (node %u is %s); names differ "
                                    "ignoring case", text_quote(text).s, n.name, o->id, o->name);
                if (o->family == n.family && strcmp(o->addr, n.addr) == 0)
                        return fail(err, errlen, "--node %s: the address %s is node %u's (%s) already",
                                    text_quote(text).s, n.addr, o->id, o->name);
        }
        /* Ids are distinct and at most CLUSTER_NODE_ID_MAX: there is room. */
        s->nodes[s->n_nodes++] = n;
        return 0;
}

int cluster_spec_set_this(ClusterSpec *s, const char *text, char *err, size_t errlen) {
        int64_t v;
        if (parse_int64(text, &v) == 0) {
                if (v >= 1 && v <= CLUSTER_NODE_ID_MAX && cluster_spec_node(s, (uint32_t) v)) {
                        s->this_id = (uint32_t) v;
                        return 0;
                }
        } else
                for (size_t i = 0; i < s->n_nodes; i++)
                        if (strcasecmp(s->nodes[i].name, text) == 0) {
                                s->this_id = s->nodes[i].id;
                                return 0;
                        }

        char ids[CLUSTER_NODE_ID_MAX * 72] = "";
        size_t len = 0;
        for (size_t i = 0; i < s->n_nodes && len < sizeof ids; i++)
                len += (size_t) snprintf(ids + len, sizeof ids - len, "%s%u (%s)", i ? ", " : "", s->nodes[i].id,
                                         s->nodes[i].name);
        return fail(err, errlen, "--this %s: no such node; give the id or name of one of the --node: %s",
                    text_quote(text).s, s->n_nodes ? ids : "none given");
}

int cluster_spec_set_token(ClusterSpec *s, const char *text, char *err, size_t errlen) {
        wp_usec_t u;
        int r = parse_duration(text, &u);
        if (r < 0)
                return fail(err, errlen, "--token %s %s", text_quote(text).s, parse_duration_error(r));
        if (u % WP_USEC_PER_MSEC != 0 || u < (wp_usec_t) CLUSTER_TOKEN_MIN_MS * WP_USEC_PER_MSEC ||
            u > (wp_usec_t) CLUSTER_TOKEN_MAX_MS * WP_USEC_PER_MSEC) {
                /* A bare number is seconds: "--token 3000" is 50 minutes. */
                bool bare = strspn(text, "0123456789") == strlen(text);
                return fail(err, errlen, "--token %s: corosync's token goes from 500ms to 60s in whole milliseconds%s",
                            text_quote(text).s, bare ? " (a bare number is seconds; 3000ms is written 3000ms or 3s)" : "");
        }
        s->token_ms = (uint32_t) (u / WP_USEC_PER_MSEC);
        return 0;
}

/* A DNS name: labels of letters, digits and '-', not at either end. */
static bool host_name_valid(const char *h) {
        size_t n = strlen(h);
        if (n == 0 || n > CLUSTER_HOST_MAX)
                return false;
        for (const char *p = h; *p;) {
                size_t l = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");
                if (l == 0 || l > 63 || p[0] == '-' || p[l - 1] == '-')
                        return false;
                p += l;
                if (*p == '.' && p[1])
                        p++;
                else if (*p)
                        return false;
        }
        return true;
}

int cluster_spec_set_qdevice(ClusterSpec *s, const char *text, char *err, size_t errlen) {
        ClusterNode a = {};
        char why[160];
        if (parse_addr(text, &a, why, sizeof why) == 0)
                snprintf(s->qdevice, sizeof s->qdevice, "%s", a.addr);
        else if (strspn(text, "0123456789.") != strlen(text) && !strchr(text, ':') && host_name_valid(text))
                snprintf(s->qdevice, sizeof s->qdevice, "%s", text);
        else
                return fail(err, errlen, "--witness %s: give the address or the DNS name of the host that runs "
                            "corosync-qnetd", text_quote(text).s);
        return 0;
}

int cluster_spec_check(const ClusterSpec *s, char *err, size_t errlen) {
        if (s->n_nodes == 0)
                return fail(err, errlen, "no --node given: name every node of the cluster, such as --node 1=alpha=10.0.0.1");
        for (size_t i = 1; i < s->n_nodes; i++)
                if (s->nodes[i].family != s->nodes[0].family)
                        return fail(err, errlen, "node %u (%s) has an %s address and node %u (%s) an %s one: corosync "
                                    "links all nodes over one address family",
                                    s->nodes[0].id, s->nodes[0].name, s->nodes[0].family == AF_INET ? "IPv4" : "IPv6",
                                    s->nodes[i].id, s->nodes[i].name, s->nodes[i].family == AF_INET ? "IPv4" : "IPv6");
        if (s->this_id && !cluster_spec_node(s, s->this_id))
                return fail(err, errlen, "--this %u: no such node among the --node", s->this_id);
        if (s->n_nodes == 2 && !*s->qdevice)
                return fail(err, errlen,
                            "two nodes need a witness: when they lose each other, each half alone is no majority, and "
                            "votequorum's two_node would keep both quorate (split brain). Give --witness HOST, a third "
                            "host running corosync-qnetd, or add a third node");
        if (*s->qdevice) {
                if (s->n_nodes % 2 != 0)
                        return fail(err, errlen, "--witness %s: %zu nodes have no tie to break; a quorum device "
                                    "(ffsplit) is for an even number of nodes", s->qdevice, s->n_nodes);
                for (size_t i = 0; i < s->n_nodes; i++)
                        if (strcasecmp(s->qdevice, s->nodes[i].addr) == 0 || strcasecmp(s->qdevice, s->nodes[i].name) == 0)
                                return fail(err, errlen, "--witness %s is node %u (%s): the witness must be a host "
                                            "outside the cluster", s->qdevice, s->nodes[i].id, s->nodes[i].name);
        }
        return 0;
}

int cluster_text_finish(FILE *f, char **buf, char **ret) {
        bool bad = ferror(f);
        if (fclose(f) != 0 || bad) {
                free(*buf);
                *buf = NULL;
                return -ENOMEM;
        }
        *ret = TAKE_PTR(*buf);
        return 0;
}

int cluster_corosync_conf(const ClusterSpec *s, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;

        fprintf(f,
                "# corosync.conf of the Wolfpack cluster %s, " CLUSTER_CONF_MARK ".\n"
                "# The same file on every node, with the same %s/authkey; see corosync.conf(5)\n"
                "# and votequorum(5).\n"
                "totem {\n"
                "  version: 2\n"
                "  cluster_name: %s\n"
                "  transport: knet\n"
                "  # Every packet encrypted and authenticated with the key in authkey.\n"
                "  crypto_cipher: aes256\n"
                "  crypto_hash: sha256\n"
                "  # A node is declared lost this long after its last token; with three or\n"
                "  # more nodes corosync adds 650ms for each node past two.\n"
                "  token: %u\n"
                "  # Hold the token after two quiet rotations (corosync's default is 30):\n"
                "  # an idle ring then stops spinning at once, which leaves the CPU to the\n"
                "  # nodes' work and triples the rate of cluster database changes.\n"
                "  seqno_unchanged_const: 2\n"
                "}\n\n"
                "nodelist {\n",
                s->name, CLUSTER_COROSYNC_DIR, s->name, s->token_ms);
        for (size_t i = 0; i < s->n_nodes; i++)
                fprintf(f, "  node {\n    nodeid: %u\n    name: %s\n    ring0_addr: %s\n  }\n", s->nodes[i].id,
                        s->nodes[i].name, s->nodes[i].addr);
        fputs("}\n\n"
              "quorum {\n"
              "  # Wolfpack changes its cluster database and runs groups only in a\n"
              "  # partition that holds a majority of the votes.\n"
              "  provider: corosync_votequorum\n",
              f);
        if (*s->qdevice)
                fprintf(f,
                        "  # A node that starts alone waits until it has seen every node once, so\n"
                        "  # that it never makes a database of its own.\n"
                        "  wait_for_all: 1\n"
                        "  # The witness: corosync-qnetd on %s gives its vote to one half of a split.\n"
                        "  device {\n"
                        "    model: net\n"
                        "    votes: 1\n"
                        "    net {\n"
                        "      host: %s\n"
                        "      algorithm: ffsplit\n"
                        "      tie_breaker: lowest\n"
                        "      tls: required\n"
                        "    }\n"
                        "  }\n",
                        s->qdevice, s->qdevice);
        fputs("}\n\n"
              "logging {\n"
              "  to_logfile: yes\n"
              "  logfile: " CLUSTER_COROSYNC_LOG "\n"
              "  to_syslog: no\n"
              "  # Why a start failed, on the terminal or in the journal.\n"
              "  to_stderr: yes\n"
              "  timestamp: on\n"
              "}\n",
              f);
        return cluster_text_finish(f, &buf, ret);
}

int cluster_wolfpackd_conf(const ClusterSpec *s, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;

        const ClusterNode *n = s->this_id ? cluster_spec_node(s, s->this_id) : NULL;
        if (n)
                fprintf(f, "# wolfpackd.conf of node %u (%s) of the cluster %s, " CLUSTER_CONF_MARK ".\n", n->id,
                        n->name, s->name);
        else
                fprintf(f, "# wolfpackd.conf of every node of the cluster %s, " CLUSTER_CONF_MARK ".\n", s->name);
        fputs("# The nodes, their addresses and quorum are in " CLUSTER_COROSYNC_DIR "/corosync.conf;\n"
              "# see wolfpackd(8).\n"
              "engine = corosync\n",
              f);
        if (n)
                fprintf(f,
                        "# This node as corosync.conf names it: wolfpackd refuses to start where\n"
                        "# corosync says otherwise.\n"
                        "node-id = %u\n"
                        "node-name = %s\n",
                        n->id, n->name);
        else
                fputs("# This node's id and name come from corosync.conf.\n", f);
        fputs("# The lease, the stop budget and the takeover delay (lease-timeout,\n"
              "# stop-budget, takeover-delay) follow corosync's token and consensus\n"
              "# unless set here.\n"
              "# The remote API and the web console: HTTPS on every address, with this\n"
              "# node's certificate, signed by the cluster's CA (" CLUSTER_TLS_DIR "/ca.pem);\n"
              "# `wolfpack cert show` says what they hold.\n"
              "listen = " CLUSTER_API_LISTEN "\n"
              "tls-cert = " CLUSTER_TLS_DIR "/node.pem\n"
              "tls-key = " CLUSTER_TLS_DIR "/node-key.pem\n",
              f);
        return cluster_text_finish(f, &buf, ret);
}
