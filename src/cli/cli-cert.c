/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wolfpack cert create` and `wolfpack cert show`: the cluster's CA and a
 * node's certificate for wolfpackd's TLS listener (the remote API and the
 * web console), in a directory laid out as cli-cert-dir.h says. create
 * makes the CA when the directory has none, then this node's certificate
 * signed by it, and prints the next steps; show says what the files hold
 * and whether they fit together.
 *
 * Never replaces a CA, with --force or without: a new CA would lock every
 * other node's certificate and every CLI's ca.pem out. Writes all its
 * files or none (cluster_files_write), checks every argument before it
 * makes anything, and talks to no daemon.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli-cert-dir.h"
#include "cli-cert-names.h"
#include "cli-cert-x509.h"
#include "cli-cluster-conf.h"
#include "cli-cluster-files.h"
#include "cli-commands.h"
#include "cli-output.h"
#include "file-read.h"
#include "macro.h"
#include "props.h"
#include "text-quote.h"

/* t as "2027-09-05 10:00:00 UTC", or for JSON "2027-09-05T10:00:00Z". */
static const char *utc_text(int64_t t, bool iso, char buf[static 32]) {
        struct tm tm;
        time_t tt = (time_t) t;
        if (!gmtime_r(&tt, &tm) || strftime(buf, 32, iso ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
                snprintf(buf, 32, "%lld", (long long) t);
        return buf;
}

static void print_names(FILE *f, const CertSans *s, bool more) {
        for (size_t i = 0; i < s->n; i++)
                fprintf(f, "%s%s:%s", i ? ", " : "", cert_san_kind(&s->san[i]), s->san[i].text);
        if (more)
                fputs(s->n ? ", ..." : "...", f);
}

static json_t *names_json(const CertSans *s) {
        json_t *a = json_array();
        for (size_t i = 0; a && i < s->n; i++) {
                char one[CERT_DNS_NAME_MAX + 8];
                snprintf(one, sizeof one, "%s:%s", cert_san_kind(&s->san[i]), s->san[i].text);
                json_array_append_new(a, json_string(one));
        }
        return a;
}

/* What a certificate says, as --json shows it. */
static json_t *info_json(const char *path, const CertInfo *i) {
        char from[32], until[32];
        return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:b}", "path", path, "subject", i->subject, "issuer",
                         i->issuer, "names", names_json(&i->sans), "not_before", utc_text(i->not_before, true, from),
                         "not_after", utc_text(i->not_after, true, until), "sha256", i->sha256, "ca", i->ca);
}

/* ---- cert create ---- */

typedef struct CreateArgs {
        const char *dir;
        char name[HOST_NAME_MAX + 1];
        CertSans sans;
        CertRequest req;
        bool force;
} CreateArgs;

static int create_args(const CliArgs *a, CreateArgs *c) {
        char err[1024];
        *c = (CreateArgs) { .dir = cli_args_opt(a, "dir") ? cli_args_opt(a, "dir") : CLUSTER_TLS_DIR,
                            .force = cli_args_opt(a, "force") != NULL };
        if (!*c->dir)
                return cli_fail(-EINVAL, "--dir needs a directory");

        const char *name = cli_args_opt(a, "name");
        if (name) {
                if (name_validate("--name: the node name", name, err, sizeof err) < 0)
                        return cli_fail(-EINVAL, "%s", err);
                snprintf(c->name, sizeof c->name, "%s", name);
        } else {
                if (gethostname(c->name, sizeof c->name) < 0)
                        c->name[0] = 0;
                c->name[sizeof c->name - 1] = 0;
                if (name_validate("this machine's host name", c->name, err, sizeof err) < 0)
                        return cli_fail(-EINVAL, "%s; give the node's name with --name NODE", err);
        }

        size_t n;
        const char *const *hosts = cli_args_opt_all(a, "host", &n);
        for (size_t i = 0; i < n; i++)
                if (cert_sans_add(&c->sans, hosts[i], err, sizeof err) < 0)
                        return cli_fail(-EINVAL, "%s", err);
        if (n == 0) {
                /* The node's own name, when a client could look it up. */
                if (cert_dns_name_valid(c->name, false))
                        (void) cert_sans_add(&c->sans, c->name, err, sizeof err);
                cert_sans_add_local(&c->sans);
        }

        c->req = (CertRequest) { .cn = c->name, .sans = &c->sans, .days = CERT_DAYS_DEFAULT };
        const char *days = cli_args_opt(a, "days");
        if (days && cert_days_parse(days, &c->req.days, err, sizeof err) < 0)
                return cli_fail(-EINVAL, "%s", err);
        return 0;
}

static int create_report(const CertDir *d, bool ca_made, const CertPem *ca, const CertPem *node, const char *name,
                         char **ret) {
        CertInfo ci, ni;
        char err[512], until[32];
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        if (cert_info_read(d->ca, ca->cert, ca->cert_size, &ci, err, sizeof err) < 0)
                return -ENOMEM;
        if (cert_info_read(d->node, node->cert, node->cert_size, &ni, err, sizeof err) < 0) {
                cert_info_done(&ci);
                return -ENOMEM;
        }
        FILE *f = open_memstream(&buf, &size);
        if (!f) {
                cert_info_done(&ci);
                cert_info_done(&ni);
                return -ENOMEM;
        }
        int w = (int) strlen(d->node_key);

        if (ca_made)
                fprintf(f, "Made the cluster's CA (%s, valid until %s):\n"
                           "  %-*s  0644  its certificate: every node and every CLI trusts it\n"
                           "  %-*s  0600  its key, which signs the nodes' certificates: keep it secret\n",
                        ci.subject, utc_text(ci.not_after, false, until), w, d->ca, w, d->ca_key);
        else
                fprintf(f, "Used the cluster's CA in %s (%s, valid until %s).\n", d->ca, ci.subject,
                        utc_text(ci.not_after, false, until));
        fprintf(f, "Made the certificate of %s, signed by that CA (valid until %s):\n  %-*s  0644  for ", name,
                utc_text(ni.not_after, false, until), w, d->node);
        print_names(f, &ni.sans, ni.more_sans);
        fprintf(f, "\n  %-*s  0600  its key\n", w, d->node_key);

        fprintf(f, "\nNext:\n"
                   "  1. In this node's " CLUSTER_WOLFPACK_DIR "/wolfpackd.conf, then restart wolfpackd:\n"
                   "       listen = " CLUSTER_API_LISTEN "\n"
                   "       tls-cert = %s\n"
                   "       tls-key = %s\n",
                d->node, d->node_key);
        fprintf(f, "  2. Every other node needs its certificate signed by this same CA. Either copy the\n"
                   "     CA to it (mkdir -p %s there) and make the certificate on it:\n"
                   "       scp -p %s %s root@NODE:%s/\n"
                   "       wolfpack cert create --host NODE --host ADDRESS     (on NODE)\n"
                   "     or keep the CA's key on this machine alone, make each node's files here, and copy\n"
                   "     only those (the key stays mode 0600 either way):\n"
                   "       mkdir -m 0700 /tmp/NODE && cp -p %s %s /tmp/NODE/\n"
                   "       wolfpack cert create --dir /tmp/NODE --name NODE --host NODE --host ADDRESS\n"
                   "       scp -p /tmp/NODE/" CERT_FILE_CA " /tmp/NODE/" CERT_FILE_NODE " /tmp/NODE/" CERT_FILE_NODE_KEY
                   " root@NODE:%s/ && rm -r /tmp/NODE\n",
                CLUSTER_TLS_DIR, d->ca, d->ca_key, CLUSTER_TLS_DIR, d->ca, d->ca_key, CLUSTER_TLS_DIR);
        fprintf(f, "  3. Where the CLI reaches a node over the network (wolfpack --server https://NODE:7443),\n"
                   "     put the CA's certificate where --ca looks (default " CLUSTER_TLS_DIR "/" CERT_FILE_CA "):\n"
                   "       scp -p %s HOST:" CLUSTER_TLS_DIR "/" CERT_FILE_CA "\n",
                d->ca);
        cert_info_done(&ci);
        cert_info_done(&ni);
        return cluster_text_finish(f, &buf, ret);
}

static int create_json(const CertDir *d, bool ca_made, const CertPem *ca, const CertPem *node) {
        CertInfo ci, ni;
        char err[512];
        if (cert_info_read(d->ca, ca->cert, ca->cert_size, &ci, err, sizeof err) < 0)
                return -ENOMEM;
        if (cert_info_read(d->node, node->cert, node->cert_size, &ni, err, sizeof err) < 0) {
                cert_info_done(&ci);
                return -ENOMEM;
        }
        json_t *cj = info_json(d->ca, &ci), *nj = info_json(d->node, &ni);
        if (cj) {
                json_object_set_new(cj, "key_path", json_string(d->ca_key));
                json_object_set_new(cj, "made", json_boolean(ca_made));
        }
        if (nj)
                json_object_set_new(nj, "key_path", json_string(d->node_key));
        json_t *j = json_pack("{s:s, s:o, s:o}", "dir", d->dir, "ca", cj, "node", nj);
        cert_info_done(&ci);
        cert_info_done(&ni);
        if (!j)
                return -ENOMEM;
        int r = cli_print_json(j, false);
        json_decref(j);
        return r;
}

static bool exists(const char *path) {
        return access(path, F_OK) == 0 || errno != ENOENT;
}

int verb_cert_create(Cli *cli, const CliArgs *a) {
        CreateArgs c;
        char err[1024];
        int r = create_args(a, &c);
        if (r < 0)
                return r;

        CertDir d;
        if (cert_dir_make(c.dir, &d) < 0)
                return cli_fail(-ENOMEM, "out of memory");
        CertPem ca = {}, node = {};
        bool found = false;
        r = cert_dir_ca(&d, &ca, &found, err, sizeof err);
        if (r < 0) {
                r = cli_fail(r, "%s; nothing was written", err);
                goto done;
        }
        if (!c.force && (exists(d.node) || exists(d.node_key))) {
                r = cli_fail(-EEXIST, "%s exists already: this node has a certificate; nothing was written. --force "
                             "replaces it and its key (the CA is kept), --dir DIR writes elsewhere",
                             exists(d.node) ? d.node : d.node_key);
                goto done;
        }
        if (!found) {
                r = cert_ca_make(NULL, CERT_CA_DAYS, &ca, err, sizeof err);
                if (r < 0) {
                        r = cli_fail(r, "%s", err);
                        goto done;
                }
        }
        r = cert_node_make(&ca, &c.req, &node, err, sizeof err);
        if (r < 0) {
                r = cli_fail(r, "%s", err);
                goto done;
        }

        ClusterFile files[4];
        size_t n = 0;
        if (!found) {
                cert_files_pair(files, d.ca, d.ca_key, &ca);
                n = 2;
        }
        cert_files_pair(files + n, d.node, d.node_key, &node);
        n += 2;
        /* What is there was checked above: the CA is kept, the node's
         * files may be replaced. */
        r = cluster_files_write(files, n, true, err, sizeof err);
        if (r < 0) {
                r = cli_fail(r, "%s%s", err,
                             r == -EACCES || r == -EPERM || r == -EROFS ? " (root may write there; --dir DIR writes "
                                                                           "elsewhere)" : "");
                goto done;
        }

        if (cli->json)
                r = create_json(&d, !found, &ca, &node);
        else {
                _cleanup_free_ char *text = NULL;
                r = create_report(&d, !found, &ca, &node, c.name, &text);
                if (r == 0)
                        r = cli_print_text(text);
        }
        if (r == -ENOMEM)
                r = cli_fail(r, "out of memory");
done:
        cert_pem_done(&ca);
        cert_pem_done(&node);
        cert_dir_done(&d);
        return r;
}

/* ---- cert show ---- */

/* One certificate of the directory and its key, as found. */
typedef struct Shown {
        const char *path, *key_path;
        bool present;
        char *pem;
        size_t size;
        CertInfo info;
        char problem[768];   /* what is wrong with it, or "" */
        bool key_present;
        int key_r;           /* 0: its key; < 0: see key_why */
        char key_why[256];
        mode_t key_mode;
        int verify_r;        /* node.pem against ca.pem: 0 verified, 1 not tried */
        char verify_why[512];
} Shown;

static void shown_read(Shown *s, const char *path, const char *key_path) {
        *s = (Shown) { .path = path, .key_path = key_path, .verify_r = 1 };
        int r = file_read(path, CERT_PEM_MAX, &s->pem, &s->size);
        if (r == -ENOENT)
                return;
        s->present = true;
        if (r < 0) {
                snprintf(s->problem, sizeof s->problem, "cannot read %s: %s", path,
                         r == -EFBIG ? "larger than 1 MiB" : r == -EINVAL ? "not a regular file" : strerror(-r));
                return;
        }
        if (cert_info_read(path, s->pem, s->size, &s->info, s->problem, sizeof s->problem) < 0)
                return;

        _cleanup_free_ char *key = NULL;
        size_t key_size;
        struct stat st;
        r = file_read(key_path, CERT_PEM_MAX, &key, &key_size);
        s->key_present = r != -ENOENT;
        if (s->key_present && stat(key_path, &st) == 0)
                s->key_mode = st.st_mode & 07777;
        if (r < 0 && s->key_present) {
                s->key_r = r;
                snprintf(s->key_why, sizeof s->key_why, "cannot read it: %s", strerror(-r));
        } else if (r >= 0) {
                s->key_r = cert_key_matches(s->pem, s->size, key, key_size, s->key_why, sizeof s->key_why);
                explicit_bzero(key, key_size);
        }
        if (s->key_present && s->key_r < 0)
                snprintf(s->problem, sizeof s->problem, "%s is not the key of %s: %s", key_path, path, s->key_why);
}

static void shown_done(Shown *s) {
        free(s->pem);
        cert_info_done(&s->info);
}

static void show_text(FILE *f, const Shown *s, bool node) {
        char t1[32], t2[32];
        fprintf(f, "%s\n", s->path);
        if (!s->present) {
                fprintf(f, "  not there%s\n", node ? ": `wolfpack cert create` makes it" : "");
                return;
        }
        if (!s->info.subject) {
                fprintf(f, "  %s\n", s->problem);
                return;
        }
        fprintf(f, "  subject      %s\n  issuer       %s%s\n", s->info.subject, s->info.issuer,
                s->info.self_signed ? " (itself)" : "");
        if (s->info.sans.n || s->info.more_sans) {
                fputs("  names        ", f);
                print_names(f, &s->info.sans, s->info.more_sans);
                fputc('\n', f);
        }
        fprintf(f, "  valid        %s to %s%s\n", utc_text(s->info.not_before, false, t1),
                utc_text(s->info.not_after, false, t2), s->info.not_after <= (int64_t) time(NULL) ? " (expired)" : "");
        fprintf(f, "  sha256       %s\n", s->info.sha256);
        if (!s->key_present)
                fprintf(f, "  key          %s is not there%s\n", s->key_path,
                        node ? "" : " (a CLI's machine needs none; a node signs with it)");
        else if (s->key_r < 0)
                fprintf(f, "  key          %s: NOT its key: %s\n", s->key_path, s->key_why);
        else
                fprintf(f, "  key          %s, mode %04o%s\n", s->key_path, (unsigned) s->key_mode,
                        s->key_mode & 077 ? ": readable by others, chmod 0600 it" : "");
        if (node && s->verify_r == 0)
                fputs("  verified     yes, against the CA above\n", f);
        else if (node && s->verify_r < 0)
                fprintf(f, "  verified     NO: %s\n", s->verify_why);
}

static json_t *show_json_one(const Shown *s, bool node) {
        if (!s->present)
                return json_null();
        json_t *j = s->info.subject ? info_json(s->path, &s->info) : json_pack("{s:s}", "path", s->path);
        if (!j)
                return NULL;
        if (s->info.subject) {
                char mode[8];
                snprintf(mode, sizeof mode, "%04o", (unsigned) s->key_mode);
                json_object_set_new(j, "key", json_pack("{s:s, s:b, s:o, s:o}", "path", s->key_path, "present",
                                                        s->key_present, "matches",
                                                        s->key_present ? json_boolean(s->key_r == 0) : json_null(),
                                                        "mode", s->key_present ? json_string(mode) : json_null()));
        }
        if (node)
                json_object_set_new(j, "verified", s->verify_r == 1 ? json_null() : json_boolean(s->verify_r == 0));
        json_object_set_new(j, "problem", s->problem[0] ? json_string(s->problem) : json_null());
        return j;
}

int verb_cert_show(Cli *cli, const CliArgs *a) {
        const char *dir = cli_args_opt(a, "dir") ? cli_args_opt(a, "dir") : CLUSTER_TLS_DIR;
        CertDir d;
        if (cert_dir_make(dir, &d) < 0)
                return cli_fail(-ENOMEM, "out of memory");
        Shown ca, node;
        shown_read(&ca, d.ca, d.ca_key);
        shown_read(&node, d.node, d.node_key);
        if (!ca.present && !node.present) {
                shown_done(&ca);
                shown_done(&node);
                bool given = cli_args_opt(a, "dir") != NULL;
                int r = cli_fail(-ENOENT, "%s holds neither %s nor %s: `wolfpack cert create%s%s` makes them", d.dir,
                                 CERT_FILE_CA, CERT_FILE_NODE, given ? " --dir " : "", given ? d.dir : "");
                cert_dir_done(&d);
                return r;
        }
        /* The CA's key need not be there, nor be its own, to verify. */
        if (ca.info.subject && node.info.subject) {
                node.verify_r = cert_verify(node.pem, node.size, ca.pem, ca.size, node.verify_why, sizeof node.verify_why);
                if (node.verify_r < 0 && !node.problem[0])
                        snprintf(node.problem, sizeof node.problem, "%s does not verify against %s: %s", d.node, d.ca,
                                 node.verify_why);
        }

        int r;
        if (cli->json) {
                json_t *j = json_pack("{s:s, s:o, s:o}", "dir", d.dir, "ca", show_json_one(&ca, false), "node",
                                      show_json_one(&node, true));
                r = j ? cli_print_json(j, false) : -ENOMEM;
                json_decref(j);
        } else {
                _cleanup_free_ char *buf = NULL, *text = NULL;
                size_t size = 0;
                FILE *f = open_memstream(&buf, &size);
                if (!f)
                        r = -ENOMEM;
                else {
                        show_text(f, &ca, false);
                        show_text(f, &node, true);
                        r = cluster_text_finish(f, &buf, &text);
                }
                if (r == 0)
                        r = cli_print_text(text);
        }
        if (r == -ENOMEM)
                r = cli_fail(r, "out of memory");
        /* Something wrong with what is there: say each, exit 1. */
        if (r == 0 && ca.problem[0])
                r = cli_fail(-EKEYREJECTED, "%s", ca.problem);
        if ((r == 0 || r == -EKEYREJECTED) && node.problem[0])
                r = cli_fail(-EKEYREJECTED, "%s", node.problem);
        shown_done(&ca);
        shown_done(&node);
        cert_dir_done(&d);
        return r;
}
