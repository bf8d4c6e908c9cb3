/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target of what `wolfpack cluster init` makes of its arguments
 * (src/cli/cli-cluster-conf.c, and the report of src/cli/cli-cluster.c).
 * The input is words separated by NUL bytes: the cluster's name, then
 * arguments whose first byte says which: 'n' --node, 't' --this, 'k'
 * --token, 'q' --qdevice, 'o' --output (for the report).
 * Invariants: a refusal has a one-line valid UTF-8 message and leaves the
 * node list as it was; an accepted cluster gives a corosync.conf of
 * well-formed `key: value` lines in balanced sections, one node block per
 * node, never two_node, a device block exactly with a witness; and a
 * wolfpackd.conf that wolfpackd's own parser takes, with corosync's engine,
 * this node's id and name, the failover timings left to wolfpackd, and
 * the remote API on *:7443 with the certificates of /etc/wolfpack/tls.
 * Any difference aborts.
 *
 * Built with libFuzzer (clang -fsanitize=fuzzer, see README.md), or with
 * -DFUZZ_STANDALONE as a plain program that replays files and corpora.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli-cluster-conf.h"
#include "cli-cluster.h"
#include "daemon-config.h"
#include "fuzz.h"
#include "macro.h"
#include "strv.h"

static size_t count(const char *text, const char *what) {
        size_t n = 0;
        for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
                n++;
        return n;
}

static void check_corosync_conf(const ClusterSpec *s, const char *text) {
        int depth = 0;
        bool device = false;
        json_t *j = json_string(text);   /* valid UTF-8 */
        check(j);
        json_decref(j);
        for (const char *line = text; *line;) {
                const char *end = strchr(line, '\n');
                check(end);   /* every line ends */
                size_t n = (size_t) (end - line);
                char buf[512];
                check(n < sizeof buf);
                memcpy(buf, line, n);
                buf[n] = 0;
                const char *p = buf + strspn(buf, " ");
                if (*p == '#' || !*p) {
                } else if (n >= 2 && buf[n - 1] == '{') {
                        check(buf[n - 2] == ' ');
                        check(strcspn(p, " {}:#") == (size_t) (buf + n - 2 - p));
                        if (strncmp(p, "device ", 7) == 0)
                                device = true;
                        depth++;
                } else if (strcmp(p, "}") == 0) {
                        check(depth > 0);
                        depth--;
                } else {
                        const char *colon = strstr(p, ": ");
                        check(colon && depth > 0);
                        check(strcspn(p, " {}#:") == (size_t) (colon - p));
                        check(colon[2] && !strpbrk(colon + 2, "{}#"));
                }
                line = end + 1;
        }
        check(depth == 0);
        check(count(text, "  node {\n") == s->n_nodes);
        check(count(text, "nodeid: ") == s->n_nodes);
        check(!strstr(text, "two_node:"));
        check(device == (*s->qdevice != '\0'));
        check(strstr(text, "crypto_cipher: aes256\n") && strstr(text, "crypto_hash: sha256\n"));
}

static void check_wolfpackd_conf(const ClusterSpec *s, const char *text) {
        DaemonConfig c;
        char err[512] = "";
        check(config_defaults(&c) == 0);
        check(config_parse(&c, "wolfpackd.conf", text, strlen(text), err, sizeof err) == 0);
        check(c.engine_corosync);
        check(!c.lease_given && c.stop_budget_usec == 0 && c.takeover_delay_usec == 0);
        check(c.listen && strcmp(c.listen, CLUSTER_API_LISTEN) == 0);
        check(c.tls_cert && strcmp(c.tls_cert, CLUSTER_TLS_DIR "/node.pem") == 0);
        check(c.tls_key && strcmp(c.tls_key, CLUSTER_TLS_DIR "/node-key.pem") == 0);
        const ClusterNode *n = s->this_id ? cluster_spec_node(s, s->this_id) : NULL;
        check(c.node_id_given == (n != NULL) && c.node_name_given == (n != NULL));
        if (n)
                check(c.node_id == n->id && strcmp(c.node_name, n->name) == 0);
        config_done(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char **words = fuzz_words(data, size);
        ClusterSpec s;
        char err[1024] = "";
        const char *output = NULL;

        if (!words[0])
                goto done;
        if (cluster_spec_init(&s, words[0], err, sizeof err) < 0) {
                check_message(err, sizeof err);
                goto done;
        }
        for (size_t i = 1; words[i]; i++) {
                const char *v = words[i][0] ? words[i] + 1 : "";
                size_t before = s.n_nodes;
                int r = 0;
                err[0] = 0;
                switch (words[i][0]) {
                case 'n':
                        r = cluster_spec_add_node(&s, v, err, sizeof err);
                        check(s.n_nodes == before + (r == 0));
                        break;
                case 't':
                        r = cluster_spec_set_this(&s, v, err, sizeof err);
                        check(r < 0 || cluster_spec_node(&s, s.this_id));
                        break;
                case 'k':
                        r = cluster_spec_set_token(&s, v, err, sizeof err);
                        break;
                case 'q':
                        r = cluster_spec_set_qdevice(&s, v, err, sizeof err);
                        break;
                case 'o':
                        output = v;
                        break;
                }
                if (r < 0) {
                        check(r == -EINVAL);
                        check_message(err, sizeof err);
                }
                check(s.token_ms >= CLUSTER_TOKEN_MIN_MS && s.token_ms <= CLUSTER_TOKEN_MAX_MS);
        }
        if (cluster_spec_check(&s, err, sizeof err) < 0) {
                check_message(err, sizeof err);
                goto done;
        }
        /* Never two nodes without a witness, never a witness for an odd count. */
        check(s.n_nodes >= 1);
        check(s.n_nodes != 2 || *s.qdevice);
        check(!*s.qdevice || s.n_nodes % 2 == 0);
        for (size_t i = 0; i < s.n_nodes; i++)
                for (size_t j = 0; j < i; j++)
                        check(s.nodes[i].id != s.nodes[j].id && strcasecmp(s.nodes[i].name, s.nodes[j].name) != 0 &&
                              strcmp(s.nodes[i].addr, s.nodes[j].addr) != 0 && s.nodes[i].family == s.nodes[j].family);

        char *conf = NULL;
        check(cluster_corosync_conf(&s, &conf) == 0);
        check_corosync_conf(&s, conf);
        free(conf);
        check(cluster_wolfpackd_conf(&s, &conf) == 0);
        check_wolfpackd_conf(&s, conf);
        free(conf);

        ClusterPaths p;
        check(cluster_paths_make(output, &p) == 0);
        char *text = NULL;
        ClusterTls tls = { .ca_source = CLUSTER_TLS_CA_MADE };
        check(cert_dir_make(p.tls, &tls.dir) == 0);
        check(cluster_init_report(&s, &p, &tls, output != NULL, 256, &text) == 0);
        check(text && strstr(text, p.authkey) && strstr(text, tls.dir.node));
        cluster_tls_done(&tls);
        free(text);
        cluster_paths_done(&p);
done:
        strv_free(words);
        return 0;
}
