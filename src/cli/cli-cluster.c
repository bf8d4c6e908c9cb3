/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wolfpack cluster init`: the configuration of a Wolfpack cluster on
 * corosync for one node (or for every node), written from the list of
 * nodes — corosync.conf, corosync's authkey and wolfpackd.conf — and the
 * commands that follow. Checks everything before it writes anything; never
 * talks to wolfpackd or corosync, and never overwrites a file that holds
 * something else without --force.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli-cluster-certs.h"
#include "cli-cluster-conf.h"
#include "cli-cluster-files.h"
#include "cli-cluster.h"
#include "cli-commands.h"
#include "cli-output.h"
#include "macro.h"

int cluster_paths_make(const char *dir, ClusterPaths *ret) {
        ClusterPaths p = {};
        if (dir) {
                p.dir = cluster_dir_trim(dir);
                if (!p.dir || asprintf(&p.corosync_conf, "%s/corosync.conf", p.dir) < 0 ||
                    asprintf(&p.authkey, "%s/authkey", p.dir) < 0 ||
                    asprintf(&p.wolfpackd_conf, "%s/wolfpackd.conf", p.dir) < 0 || !(p.certs = strdup(p.dir)) ||
                    asprintf(&p.tls, "%s/tls", p.dir) < 0) {
                        cluster_paths_done(&p);
                        return -ENOMEM;
                }
        } else {
                p.corosync_conf = strdup(CLUSTER_COROSYNC_DIR "/corosync.conf");
                p.authkey = strdup(CLUSTER_COROSYNC_DIR "/authkey");
                p.wolfpackd_conf = strdup(CLUSTER_WOLFPACK_DIR "/wolfpackd.conf");
                p.certs = strdup(CLUSTER_COROSYNC_DIR);
                p.tls = strdup(CLUSTER_TLS_DIR);
                if (!p.corosync_conf || !p.authkey || !p.wolfpackd_conf || !p.certs || !p.tls) {
                        cluster_paths_done(&p);
                        return -ENOMEM;
                }
        }
        *ret = p;
        return 0;
}

void cluster_paths_done(ClusterPaths *p) {
        free(p->dir);
        free(p->corosync_conf);
        free(p->authkey);
        free(p->wolfpackd_conf);
        free(p->certs);
        free(p->tls);
        *p = (ClusterPaths) {};
}

/* The command that writes the same cluster on another node. */
static void print_init_command(FILE *f, const ClusterSpec *s, const char *authkey) {
        fprintf(f, "       wolfpack cluster init %s", s->name);
        for (size_t i = 0; i < s->n_nodes; i++)
                fprintf(f, " --node %u=%s=%s", s->nodes[i].id, s->nodes[i].name, s->nodes[i].addr);
        if (s->token_ms != CLUSTER_TOKEN_DEFAULT_MS)
                fprintf(f, " --token %ums", s->token_ms);
        if (*s->qdevice)
                fprintf(f, " --witness %s", s->qdevice);
        fprintf(f, " \\\n         --tls " CLUSTER_TLS_DIR " --authkey %s", authkey);
        if (*s->qdevice)
                fputs(" --certs " CLUSTER_COROSYNC_DIR, f);
}

/* "1 for alpha, 3 for gamma": the nodes other than this one. */
static void print_other_ids(FILE *f, const ClusterSpec *s) {
        bool first = true;
        for (size_t i = 0; i < s->n_nodes; i++)
                if (s->nodes[i].id != s->this_id) {
                        fprintf(f, "%s%u for %s", first ? "" : ", ", s->nodes[i].id, s->nodes[i].name);
                        first = false;
                }
}

/* The API's certificates: where they came from, for whom. */
static void print_tls_files(FILE *f, const ClusterTls *t) {
        static const char *const ca_said[] = {
                [CLUSTER_TLS_CA_MADE] = "made here",
                [CLUSTER_TLS_CA_FOUND] = "the one there, kept",
                [CLUSTER_TLS_CA_TAKEN] = "copied from ",
        };
        fprintf(f, "  %s, " CERT_FILE_CA_KEY "\n    the cluster's CA for the API (listen = " CLUSTER_API_LISTEN
                   " in wolfpackd.conf), %s%s; the key mode 0600\n",
                t->dir.ca, ca_said[t->ca_source], t->ca_source == CLUSTER_TLS_CA_TAKEN ? t->from : "");
        fprintf(f, "  %s, " CERT_FILE_NODE_KEY "\n    %s's certificate for it, %s, for ", t->dir.node, t->cn,
                t->node_kept ? "the one there, kept" : "signed by that CA");
        for (size_t i = 0; i < t->sans.n; i++)
                fprintf(f, "%s%s:%s", i ? ", " : "", cert_san_kind(&t->sans.san[i]), t->sans.san[i].text);
        fputc('\n', f);
}

int cluster_init_report(const ClusterSpec *s, const ClusterPaths *p, const ClusterTls *tls, bool authkey_given,
                        size_t key_size, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;

        const ClusterNode *me = s->this_id ? cluster_spec_node(s, s->this_id) : NULL;
        size_t votes = s->n_nodes + (*s->qdevice ? 1 : 0);
        int width = (int) strlen(p->wolfpackd_conf);
        if ((int) strlen(p->corosync_conf) > width)
                width = (int) strlen(p->corosync_conf);
        if ((int) strlen(p->authkey) > width)
                width = (int) strlen(p->authkey);

        fprintf(f, "Wrote the configuration of the cluster %s (%zu node%s) for ", s->name, s->n_nodes,
                s->n_nodes == 1 ? "" : "s");
        if (me)
                fprintf(f, "node %u (%s):\n", me->id, me->name);
        else
                fputs("every node:\n", f);
        fprintf(f, "  %-*s  knet with aes256 and sha256, token %ums, quorum: %zu of %zu votes%s\n", width,
                p->corosync_conf, s->token_ms, votes / 2 + 1, votes, *s->qdevice ? " (one is the witness's)" : "");
        fprintf(f, "  %-*s  %zu %s, mode 0400: the cluster's secret, the same on every node\n", width, p->authkey,
                key_size, authkey_given ? "bytes from --authkey" : "random bytes");
        fprintf(f, "  %-*s  engine = corosync, ", width, p->wolfpackd_conf);
        if (me)
                fprintf(f, "node %u (%s)", me->id, me->name);
        else
                fputs("node id and name from corosync", f);
        fputs("; failover timings from corosync's\n", f);
        print_tls_files(f, tls);
        if (*s->qdevice) {
                fprintf(f, "  %s/" CLUSTER_CERTS_NODE "/\n    the cluster's TLS certificate for corosync-qdevice, %s\n", p->certs,
                        p->certs_from ? "the one --certs gave" : "signed by the witness's CA made here");
                if (!p->certs_from)
                        fprintf(f, "  %s/" CLUSTER_CERTS_QNETD "/\n    the witness's CA (with its key) and server certificate, "
                                   "for corosync-qnetd on %s\n", p->certs, s->qdevice);
        }

        fputs("\nNext:\n", f);
        int step = 1;
        if (p->dir) {
                if (me)
                        fprintf(f, "  %d. Put them in place on %s:\n", step++, me->name);
                else
                        fprintf(f, "  %d. Put them in place on every node:\n", step++);
                fprintf(f, "       install -D -m 0644 %s " CLUSTER_COROSYNC_DIR "/corosync.conf\n", p->corosync_conf);
                fprintf(f, "       install -D -m 0400 %s " CLUSTER_COROSYNC_DIR "/authkey\n", p->authkey);
                fprintf(f, "       install -D -m 0644 %s " CLUSTER_WOLFPACK_DIR "/wolfpackd.conf\n", p->wolfpackd_conf);
                fprintf(f, "       mkdir -p " CLUSTER_TLS_DIR " && cp -p %s/*.pem " CLUSTER_TLS_DIR "/\n", p->tls);
                if (*s->qdevice)
                        fprintf(f, "       mkdir -p " CLUSTER_COROSYNC_DIR "/qdevice/net && cp -a %s/" CLUSTER_CERTS_NODE
                                   " " CLUSTER_COROSYNC_DIR "/qdevice/net/\n", p->certs);
        }
        if (authkey_given)
                fprintf(f, "  %d. Every node runs with this same key; the nodes still without these files\n"
                           "     get them the same way.\n",
                        step++);
        else if (s->n_nodes > 1 && me) {
                fprintf(f, "  %d. Copy %s to " CLUSTER_COROSYNC_DIR "/authkey on every other node (mode 0400),\n"
                           "     and the CA, %s and " CERT_FILE_CA_KEY ", to " CLUSTER_TLS_DIR " (cp -p or scp -p,\n"
                           "     the key stays 0600); run there, with that node's id for ID (",
                        step++, p->authkey, tls->dir.ca);
                print_other_ids(f, s);
                fputs("):\n", f);
                print_init_command(f, s, CLUSTER_COROSYNC_DIR "/authkey");
                fputs(" --this ID\n", f);
        } else if (s->n_nodes > 1) {
                fprintf(f, "  %d. Copy the files to the same places on every other node (the authkey with\n"
                           "     mode 0400, the keys of " CLUSTER_TLS_DIR " 0600: cp -p or scp -p). Or copy only\n"
                           "     the authkey and the CA (" CERT_FILE_CA ", " CERT_FILE_CA_KEY ") and run there:\n",
                        step++);
                print_init_command(f, s, CLUSTER_COROSYNC_DIR "/authkey");
                fputc('\n', f);
        }
        if (*s->qdevice && !p->certs_from)
                fprintf(f, "  %d. The witness: install corosync-qnetd on %s, move the witness's database there\n"
                           "     (it holds the CA's key: keep no copy on the nodes), and start it:\n"
                           "       scp -r %s/" CLUSTER_CERTS_QNETD " root@%s:" CLUSTER_COROSYNC_DIR "/qnetd/ && rm -r %s/qnetd\n"
                           "       chown -R coroqnetd:coroqnetd " CLUSTER_COROSYNC_DIR "/qnetd/nssdb    (on %s)\n"
                           "       systemctl start corosync-qnetd                     (on %s)\n"
                           "     The other nodes take the cluster's certificate from %s/qdevice,\n"
                           "     copied to " CLUSTER_COROSYNC_DIR "/qdevice there, with --certs " CLUSTER_COROSYNC_DIR ".\n",
                        step++, s->qdevice, p->certs, s->qdevice, p->certs, s->qdevice, s->qdevice, p->certs);
        fprintf(f, "  %d. On every node, start corosync%s, then wolfpackd:\n"
                   "       systemctl start corosync         (or: corosync -f, in the foreground)\n",
                step++, *s->qdevice ? " and corosync-qdevice" : "");
        if (*s->qdevice)
                fputs("       systemctl start corosync-qdevice\n", f);
        fputs("       wolfpackd                        (or: wolfpackd --foreground)\n", f);
        fprintf(f, "  %d. On any node, once they all run:\n"
                   "       wolfpack status                  every node, with its state\n"
                   "       corosync-quorumtool -s           Quorate: Yes, with every node listed\n",
                step++);
        fprintf(f, "  %d. Where the CLI reaches a node over the network (wolfpack --server https://NODE:7443),\n"
                   "     put the CA's certificate where --ca looks (default " CLUSTER_TLS_DIR "/" CERT_FILE_CA "):\n"
                   "       scp -p %s HOST:" CLUSTER_TLS_DIR "/" CERT_FILE_CA "\n",
                step++, tls->dir.ca);

        return cluster_text_finish(f, &buf, ret);
}

/* Whether path is a corosync.conf `wolfpack cluster init` wrote (false
 * when there is none). */
static bool written_by_us(const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char line[256];
        return f && fgets(line, sizeof line, f) && strstr(line, CLUSTER_CONF_MARK);
}

/* The spec from the command line; -EINVAL with the message printed. */
static int spec_from_args(const CliArgs *a, ClusterSpec *s) {
        char err[1024];
        size_t n;
        const char *const *nodes = cli_args_opt_all(a, "node", &n);
        const char *v;

        if (cluster_spec_init(s, a->pos[0], err, sizeof err) < 0)
                return cli_fail(-EINVAL, "%s", err);
        for (size_t i = 0; i < n; i++)
                if (cluster_spec_add_node(s, nodes[i], err, sizeof err) < 0)
                        return cli_fail(-EINVAL, "%s", err);
        if ((v = cli_args_opt(a, "this")) && cluster_spec_set_this(s, v, err, sizeof err) < 0)
                return cli_fail(-EINVAL, "%s", err);
        if ((v = cli_args_opt(a, "token")) && cluster_spec_set_token(s, v, err, sizeof err) < 0)
                return cli_fail(-EINVAL, "%s", err);
        /* --qdevice: the name corosync gives it, the same option. */
        const char *w = cli_args_opt(a, "witness"), *q = cli_args_opt(a, "qdevice");
        if (w && q && strcmp(w, q) != 0)
                return cli_fail(-EINVAL, "--witness %s and --qdevice %s: one witness; --qdevice is another name of "
                                "--witness", w, q);
        if ((v = w ? w : q) && cluster_spec_set_qdevice(s, v, err, sizeof err) < 0)
                return cli_fail(-EINVAL, "%s", err);
        if (cluster_spec_check(s, err, sizeof err) < 0)
                return cli_fail(-EINVAL, "%s", err);
        return 0;
}

static int print_json(const ClusterSpec *s, const ClusterPaths *p, const ClusterTls *t) {
        static const char *const ca_source[] = {
                [CLUSTER_TLS_CA_MADE] = "made",
                [CLUSTER_TLS_CA_FOUND] = "found",
                [CLUSTER_TLS_CA_TAKEN] = "taken",
        };
        json_t *nodes = json_array();
        for (size_t i = 0; nodes && i < s->n_nodes; i++)
                json_array_append_new(nodes, json_pack("{s:I, s:s, s:s}", "id", (json_int_t) s->nodes[i].id, "name",
                                                       s->nodes[i].name, "address", s->nodes[i].addr));
        json_t *j = json_pack("{s:s, s:o, s:o, s:I, s:o, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s}, s:{s:s, s:s, s:b}}",
                              "name", s->name, "nodes", nodes, "this",
                              s->this_id ? json_integer(s->this_id) : json_null(), "token_ms", (json_int_t) s->token_ms,
                              "qdevice", *s->qdevice ? json_string(s->qdevice) : json_null(), "files", "corosync_conf",
                              p->corosync_conf, "authkey", p->authkey, "wolfpackd_conf", p->wolfpackd_conf, "tls_ca",
                              t->dir.ca, "tls_ca_key", t->dir.ca_key, "tls_cert", t->dir.node, "tls_key",
                              t->dir.node_key, "tls", "ca", ca_source[t->ca_source], "cn", t->cn, "node_kept",
                              t->node_kept);
        if (!j)
                return -ENOMEM;
        int r = cli_print_json(j, false);
        json_decref(j);
        return r;
}

int verb_cluster_init(Cli *cli, const CliArgs *a) {
        ClusterSpec s;
        char err[1024];
        int r = spec_from_args(a, &s);
        if (r < 0)
                return r;

        _cleanup_free_ uint8_t *key = NULL;
        size_t key_size = CLUSTER_AUTHKEY_SIZE;
        const char *authkey = cli_args_opt(a, "authkey");
        if (authkey) {
                if (cluster_authkey_read(authkey, &key, &key_size, err, sizeof err) < 0)
                        return cli_fail(-EINVAL, "%s", err);
        } else {
                key = malloc(CLUSTER_AUTHKEY_SIZE);
                if (!key)
                        return -ENOMEM;
                r = cluster_authkey_new(key, err, sizeof err);
                if (r < 0)
                        return cli_fail(r, "%s", err);
        }

        _cleanup_free_ char *corosync_conf = NULL, *wolfpackd_conf = NULL;
        if (cluster_corosync_conf(&s, &corosync_conf) < 0 || cluster_wolfpackd_conf(&s, &wolfpackd_conf) < 0)
                return cli_fail(-ENOMEM, "out of memory");

        ClusterPaths p;
        if (cluster_paths_make(cli_args_opt(a, "output"), &p) < 0)
                return cli_fail(-ENOMEM, "out of memory");
        /* The API's certificates: the CA there, another run's (--tls), or
         * a new one; this node's signed by it. */
        ClusterTls tls;
        const char *tls_from = cli_args_opt(a, "tls");
        r = cluster_tls_make(&s, p.tls, tls_from, &tls, err, sizeof err);
        if (r < 0) {
                cluster_paths_done(&p);
                return cli_fail(r, "%s; nothing was written", err);
        }
        /* The witness's certificates: made here, or the nodes' one taken
         * from the run that made them. */
        const char *certs = cli_args_opt(a, "certs");
        ClusterCerts cc = {};
        if (certs && !*s.qdevice) {
                cluster_tls_done(&tls);
                cluster_paths_done(&p);
                return cli_fail(-EINVAL, "--certs %s: there is no witness to present them to; give --witness HOST",
                                certs);
        }
        if (*s.qdevice) {
                p.certs_from = certs;
                r = certs ? cluster_certs_take(certs, p.certs, &cc, err, sizeof err)
                          : cluster_certs_make(s.name, p.certs, &cc, err, sizeof err);
                if (r < 0) {
                        cluster_tls_done(&tls);
                        cluster_paths_done(&p);
                        return cli_fail(r, "%s", err);
                }
        }
        size_t n_files = 3 + tls.n_files + cc.n_files;
        ClusterFile *files = calloc(n_files, sizeof(ClusterFile));
        if (!files) {
                cluster_certs_done(&cc);
                cluster_tls_done(&tls);
                cluster_paths_done(&p);
                return cli_fail(-ENOMEM, "out of memory");
        }
        files[0] = (ClusterFile) { p.corosync_conf, corosync_conf, strlen(corosync_conf), 0644 };
        files[1] = (ClusterFile) { p.authkey, key, key_size, 0400 };
        files[2] = (ClusterFile) { p.wolfpackd_conf, wolfpackd_conf, strlen(wolfpackd_conf), 0644 };
        memcpy(files + 3, tls.files, tls.n_files * sizeof(ClusterFile));
        memcpy(files + 3 + tls.n_files, cc.files, cc.n_files * sizeof(ClusterFile));
        r = cluster_files_write(files, n_files, cli_args_opt(a, "force") != NULL, err, sizeof err);
        free(files);
        cluster_certs_done(&cc);
        if (r < 0) {
                /* Run again on a node that has its key: keep that key. */
                bool key_there = r == -EEXIST && !authkey && access(p.authkey, F_OK) == 0;
                /* The first run on a node: the corosync package left its
                 * example there. */
                bool example = r == -EEXIST && !p.dir && !written_by_us(p.corosync_conf);
                bool certs_there = r == -EEXIST && *s.qdevice && !certs && strstr(err, CLUSTER_CERTS_NODE);
                /* A certificate there for other names, or from another CA. */
                bool node_there = r == -EEXIST && strstr(err, tls.dir.node);
                r = cli_fail(r, "%s%s%s%s%s%s%s%s", err,
                             r == -EACCES || r == -EPERM || r == -EROFS ? " (root may write there; --output DIR "
                                                                           "writes elsewhere)" : "",
                             key_there ? "; to keep this node's key, give --authkey " : "", key_there ? p.authkey : "",
                             example ? "; the corosync.conf there is not one cluster init wrote (the corosync "
                                       "package installs an example): --force replaces it" : "",
                             certs_there ? "; to keep the witness's certificates, give --certs " : "",
                             certs_there ? p.certs : "",
                             node_there ? "; the API's certificate there is not this node's (other names, or "
                                          "another CA): --force makes it anew" : "");
                cluster_tls_done(&tls);
                cluster_paths_done(&p);
                return r;
        }

        if (cli->json)
                r = print_json(&s, &p, &tls);
        else {
                _cleanup_free_ char *text = NULL;
                r = cluster_init_report(&s, &p, &tls, authkey != NULL, key_size, &text);
                if (r == 0)
                        r = cli_print_text(text);
        }
        cluster_tls_done(&tls);
        cluster_paths_done(&p);
        return r;
}
