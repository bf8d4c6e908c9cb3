/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The configuration `wolfpack cluster init` writes (src/cli/cli-cluster-conf.c):
 * the checks of the node list, corosync.conf read back the way corosync
 * reads it, wolfpackd.conf read back by wolfpackd's own parser, and the
 * report of next steps (src/cli/cli-cluster.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli-cluster-conf.h"
#include "cli-cluster.h"
#include "daemon-config.h"
#include "macro.h"

static char err[1024];

/* A spec from a name and nodes; fails the test on any refusal. */
static void spec_of(ClusterSpec *s, const char *name, ...) {
        va_list ap;
        assert_int_equal(cluster_spec_init(s, name, err, sizeof err), 0);
        va_start(ap, name);
        for (const char *n = va_arg(ap, const char *); n; n = va_arg(ap, const char *))
                if (cluster_spec_add_node(s, n, err, sizeof err) < 0)
                        fail_msg("%s: %s", n, err);
        va_end(ap);
}

static void three(ClusterSpec *s) {
        spec_of(s, "prod", "1=alpha=10.0.0.1", "2=beta=10.0.0.2", "3=gamma=10.0.0.3", NULL);
}

static void test_nodes(void **state) {
        ClusterSpec s;
        three(&s);
        assert_int_equal(s.n_nodes, 3);
        assert_int_equal(s.nodes[1].id, 2);
        assert_string_equal(s.nodes[1].name, "beta");
        assert_string_equal(s.nodes[1].addr, "10.0.0.2");
        assert_int_equal(s.nodes[1].family, AF_INET);
        assert_int_equal(s.token_ms, 3000);
        assert_int_equal(cluster_spec_check(&s, err, sizeof err), 0);

        /* IPv6, written in canonical form; names may hold . _ - */
        spec_of(&s, "c.1", "7=db_1.x=FD00:0:0::0003", "32=db-2=fd00::4", "1=n=fd00::5", NULL);
        assert_string_equal(s.nodes[0].addr, "fd00::3");
        assert_int_equal(s.nodes[0].family, AF_INET6);
        assert_int_equal(s.nodes[1].id, 32);
        assert_int_equal(cluster_spec_check(&s, err, sizeof err), 0);
}

/* Each bad --node: refused, with a message naming the argument and the rule,
 * and the spec unchanged. */
static void test_bad_nodes(void **state) {
        static const struct {
                const char *node, *says;
        } cases[] = {
                { "1=alpha", "give a node as ID=NAME=ADDRESS" },
                { "alpha", "give a node as ID=NAME=ADDRESS" },
                { "", "give a node as ID=NAME=ADDRESS" },
                { "0=a=10.0.0.9", "the id \"0\" is not a whole number from 1 to 32" },
                { "33=a=10.0.0.9", "from 1 to 32" },
                { "-1=a=10.0.0.9", "from 1 to 32" },
                { "x=a=10.0.0.9", "the id \"x\"" },
                { "=a=10.0.0.9", "the id \"\"" },
                { "99999999999999999999=a=10.0.0.9", "from 1 to 32" },
                { "4==10.0.0.9", "node name \"\" is invalid: names are 1 to 63 characters of A-Z a-z 0-9 . _ -" },
                { "4=a b=10.0.0.9", "node name \"a b\" is invalid" },
                { "4=..=10.0.0.9", "cannot be names" },
                { "4=a\x1b[2J=10.0.0.9", "\"a\\x1b[2J\"" },
                { "4=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=10.0.0.9", "1 to 63 characters" },
                { "4=d=", "the address \"\" is not an IPv4 or IPv6 address" },
                { "4=d=delta.example.com", "give the address" },
                { "4=d=10.0.0.256", "not an IPv4 or IPv6 address" },
                { "4=d=10.0.0.9/24", "not an IPv4 or IPv6 address" },
                { "4=d=0.0.0.0", "unspecified, broadcast or multicast" },
                { "4=d=255.255.255.255", "unspecified, broadcast or multicast" },
                { "4=d=239.1.1.1", "unspecified, broadcast or multicast" },
                { "4=d=::", "unspecified or a multicast" },
                { "4=d=ff02::1", "unspecified or a multicast" },
                { "4=d=fe80::1%eth0", "not an IPv4 or IPv6 address" },
                { "1=delta=10.0.0.9", "node id 1 is given twice (also alpha)" },
                { "4=ALPHA=10.0.0.9", "the name ALPHA is given twice (node 1 is alpha)" },
                { "4=delta=10.0.0.3", "the address 10.0.0.3 is node 3's (gamma) already" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                ClusterSpec s;
                three(&s);
                err[0] = 0;
                assert_int_equal(cluster_spec_add_node(&s, cases[i].node, err, sizeof err), -EINVAL);
                if (!strstr(err, cases[i].says))
                        fail_msg("--node %s: \"%s\" does not say \"%s\"", cases[i].node, err, cases[i].says);
                assert_non_null(strstr(err, "--node \""));
                assert_null(strchr(err, '\n'));
                assert_int_equal(s.n_nodes, 3);
        }
}

static void test_cluster_name(void **state) {
        ClusterSpec s;
        assert_int_equal(cluster_spec_init(&s, "prod-1", err, sizeof err), 0);
        assert_int_equal(cluster_spec_init(&s, "a/b", err, sizeof err), -EINVAL);
        assert_string_equal(err, "cluster name \"a/b\" is invalid: names are 1 to 63 characters of A-Z a-z 0-9 . _ -");
        assert_int_equal(cluster_spec_init(&s, "", err, sizeof err), -EINVAL);
}

static void test_this(void **state) {
        ClusterSpec s;
        three(&s);
        assert_int_equal(cluster_spec_set_this(&s, "2", err, sizeof err), 0);
        assert_int_equal(s.this_id, 2);
        assert_int_equal(cluster_spec_set_this(&s, "Gamma", err, sizeof err), 0);
        assert_int_equal(s.this_id, 3);
        assert_int_equal(cluster_spec_set_this(&s, "4", err, sizeof err), -EINVAL);
        assert_string_equal(err, "--this \"4\": no such node; give the id or name of one of the --node: "
                                 "1 (alpha), 2 (beta), 3 (gamma)");
        assert_int_equal(cluster_spec_set_this(&s, "delta", err, sizeof err), -EINVAL);
        assert_int_equal(cluster_spec_set_this(&s, "0", err, sizeof err), -EINVAL);
        assert_int_equal(s.this_id, 3);
}

static void test_token(void **state) {
        static const struct {
                const char *text;
                uint32_t ms;   /* 0: refused */
        } cases[] = {
                { "3s", 3000 },      { "1500ms", 1500 }, { "500ms", 500 }, { "60s", 60000 }, { "1s 250ms", 1250 },
                { "3000", 0 },       { "499ms", 0 },     { "61s", 0 },     { "1.5ms", 0 },   { "fast", 0 },
                { "", 0 },           { "0", 0 },         { "-3s", 0 },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                ClusterSpec s;
                three(&s);
                int r = cluster_spec_set_token(&s, cases[i].text, err, sizeof err);
                if (cases[i].ms) {
                        assert_int_equal(r, 0);
                        assert_int_equal(s.token_ms, cases[i].ms);
                } else {
                        assert_int_equal(r, -EINVAL);
                        assert_int_equal(s.token_ms, 3000);
                        assert_non_null(strstr(err, "--token"));
                }
        }
        /* The trap: corosync's milliseconds typed as a bare number. */
        ClusterSpec s;
        three(&s);
        assert_int_equal(cluster_spec_set_token(&s, "3000", err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "a bare number is seconds"));
}

static void test_check(void **state) {
        ClusterSpec s;
        assert_int_equal(cluster_spec_init(&s, "prod", err, sizeof err), 0);
        assert_int_equal(cluster_spec_check(&s, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "no --node given"));

        /* Two nodes: refused without a witness, saying why. */
        spec_of(&s, "pair", "1=a=10.0.0.1", "2=b=10.0.0.2", NULL);
        assert_int_equal(cluster_spec_check(&s, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "two nodes need a witness"));
        assert_non_null(strstr(err, "split brain"));
        assert_non_null(strstr(err, "--witness HOST"));
        assert_int_equal(cluster_spec_set_qdevice(&s, "qnetd.example.com", err, sizeof err), 0);
        assert_int_equal(cluster_spec_check(&s, err, sizeof err), 0);
        assert_int_equal(cluster_spec_set_qdevice(&s, "10.0.0.0003", err, sizeof err), -EINVAL);
        assert_int_equal(cluster_spec_set_qdevice(&s, "10.0.0.9", err, sizeof err), 0);
        assert_string_equal(s.qdevice, "10.0.0.9");
        assert_int_equal(cluster_spec_check(&s, err, sizeof err), 0);
        /* The witness on a node would go down with it. */
        assert_int_equal(cluster_spec_set_qdevice(&s, "10.0.0.2", err, sizeof err), 0);
        assert_int_equal(cluster_spec_check(&s, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "is node 2 (b)"));
        assert_int_equal(cluster_spec_set_qdevice(&s, "B", err, sizeof err), 0);
        assert_int_equal(cluster_spec_check(&s, err, sizeof err), -EINVAL);

        static const char *const bad_hosts[] = { "", "-q", "q-", "a..b", "a b", "q/x", "10.0.0", "a:b",
                                                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.org" };
        for (size_t i = 0; i < ELEMENTSOF(bad_hosts); i++) {
                assert_int_equal(cluster_spec_set_qdevice(&s, bad_hosts[i], err, sizeof err), -EINVAL);
                assert_non_null(strstr(err, "corosync-qnetd"));
        }

        /* A witness for an odd number: no tie to break. */
        three(&s);
        assert_int_equal(cluster_spec_set_qdevice(&s, "10.0.0.9", err, sizeof err), 0);
        assert_int_equal(cluster_spec_check(&s, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "even number of nodes"));

        /* One address family. */
        spec_of(&s, "mixed", "1=a=10.0.0.1", "2=b=fd00::2", "3=c=10.0.0.3", NULL);
        assert_int_equal(cluster_spec_check(&s, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "node 1 (a) has an IPv4 address and node 2 (b) an IPv6 one"));

        /* One node: a cluster of one, quorate alone. */
        spec_of(&s, "one", "1=a=10.0.0.1", NULL);
        assert_int_equal(cluster_spec_check(&s, err, sizeof err), 0);
}

/* corosync.conf read back: sections and `key: value` lines, one a line, as
 * corosync's parser takes them; the values as a flat list of
 * "section.sub.key=value" in order. */
static char *flatten(const char *text) {
        char *out = NULL;
        size_t outlen = 0;
        FILE *o = open_memstream(&out, &outlen);
        char path[256] = "";
        int depth = 0;
        char *copy = strdup(text);
        assert_non_null(copy);
        for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                while (*line == ' ')
                        line++;
                if (*line == '#' || !*line)
                        continue;
                size_t n = strlen(line);
                if (line[n - 1] == '{') {
                        assert_true(n > 2 && line[n - 2] == ' ');
                        line[n - 2] = 0;
                        assert_null(strpbrk(line, " :{}"));
                        size_t l = strlen(path);
                        snprintf(path + l, sizeof path - l, "%s%s", l ? "." : "", line);
                        depth++;
                } else if (strcmp(line, "}") == 0) {
                        assert_true(depth > 0);
                        char *dot = strrchr(path, '.');
                        *(dot ? dot : path) = 0;
                        depth--;
                } else {
                        char *colon = strstr(line, ": ");
                        assert_non_null(colon);
                        *colon = 0;
                        assert_null(strpbrk(line, " {}"));
                        assert_null(strpbrk(colon + 2, "{}#"));
                        assert_true(depth > 0);
                        fprintf(o, "%s.%s=%s\n", path, line, colon + 2);
                }
        }
        assert_int_equal(depth, 0);
        free(copy);
        fclose(o);
        return out;
}

static void test_corosync_conf(void **state) {
        ClusterSpec s;
        three(&s);
        assert_int_equal(cluster_spec_set_token(&s, "1500ms", err, sizeof err), 0);
        _cleanup_free_ char *text = NULL;
        assert_int_equal(cluster_corosync_conf(&s, &text), 0);
        _cleanup_free_ char *flat = flatten(text);
        assert_string_equal(flat, "totem.version=2\n"
                                  "totem.cluster_name=prod\n"
                                  "totem.transport=knet\n"
                                  "totem.crypto_cipher=aes256\n"
                                  "totem.crypto_hash=sha256\n"
                                  "totem.token=1500\n"
                                  "totem.seqno_unchanged_const=2\n"
                                  "nodelist.node.nodeid=1\n"
                                  "nodelist.node.name=alpha\n"
                                  "nodelist.node.ring0_addr=10.0.0.1\n"
                                  "nodelist.node.nodeid=2\n"
                                  "nodelist.node.name=beta\n"
                                  "nodelist.node.ring0_addr=10.0.0.2\n"
                                  "nodelist.node.nodeid=3\n"
                                  "nodelist.node.name=gamma\n"
                                  "nodelist.node.ring0_addr=10.0.0.3\n"
                                  "quorum.provider=corosync_votequorum\n"
                                  "logging.to_logfile=yes\n"
                                  "logging.logfile=/var/log/corosync/corosync.log\n"
                                  "logging.to_syslog=no\n"
                                  "logging.to_stderr=yes\n"
                                  "logging.timestamp=on\n");
        /* Identical for every node: --this changes only wolfpackd.conf. */
        assert_int_equal(cluster_spec_set_this(&s, "3", err, sizeof err), 0);
        _cleanup_free_ char *again = NULL;
        assert_int_equal(cluster_corosync_conf(&s, &again), 0);
        assert_string_equal(text, again);
}

static void test_corosync_conf_qdevice(void **state) {
        ClusterSpec s;
        spec_of(&s, "pair", "1=a=fd00::1", "2=b=fd00::2", NULL);
        assert_int_equal(cluster_spec_set_qdevice(&s, "witness.example.com", err, sizeof err), 0);
        assert_int_equal(cluster_spec_check(&s, err, sizeof err), 0);
        _cleanup_free_ char *text = NULL;
        assert_int_equal(cluster_corosync_conf(&s, &text), 0);
        _cleanup_free_ char *flat = flatten(text);
        assert_non_null(strstr(flat, "quorum.provider=corosync_votequorum\n"
                                     "quorum.wait_for_all=1\n"
                                     "quorum.device.model=net\n"
                                     "quorum.device.votes=1\n"
                                     "quorum.device.net.host=witness.example.com\n"
                                     "quorum.device.net.algorithm=ffsplit\n"
                                     "quorum.device.net.tie_breaker=lowest\n"
                                     "quorum.device.net.tls=required\n"
                                     "logging."));
        assert_non_null(strstr(flat, "nodelist.node.ring0_addr=fd00::2\n"));
        /* corosync refuses two_node with a device, and two_node alone is
         * split brain: never written. */
        assert_null(strstr(text, "two_node"));
}

/* wolfpackd.conf as wolfpackd itself reads it. */
static void test_wolfpackd_conf(void **state) {
        ClusterSpec s;
        three(&s);
        assert_int_equal(cluster_spec_set_this(&s, "beta", err, sizeof err), 0);
        _cleanup_free_ char *text = NULL;
        assert_int_equal(cluster_wolfpackd_conf(&s, &text), 0);
        DaemonConfig c;
        assert_int_equal(config_defaults(&c), 0);
        if (config_parse(&c, "wolfpackd.conf", text, strlen(text), err, sizeof err) < 0)
                fail_msg("%s\n%s", err, text);
        assert_true(c.engine_corosync);
        assert_true(c.node_id_given && c.node_name_given);
        assert_int_equal(c.node_id, 2);
        assert_string_equal(c.node_name, "beta");
        /* The failover timings are wolfpackd's to derive from corosync's. */
        assert_false(c.lease_given);
        assert_int_equal(c.stop_budget_usec, 0);
        assert_int_equal(c.takeover_delay_usec, 0);
        /* The remote API, with the certificates where cluster init's
         * steps put them. */
        assert_string_equal(c.listen, "*:7443");
        assert_string_equal(c.tls_cert, "/etc/wolfpack/tls/node.pem");
        assert_string_equal(c.tls_key, "/etc/wolfpack/tls/node-key.pem");
        config_done(&c);

        /* For every node: no id or name of its own, so corosync's count. */
        s.this_id = 0;
        free(text);
        text = NULL;
        assert_int_equal(cluster_wolfpackd_conf(&s, &text), 0);
        assert_int_equal(config_defaults(&c), 0);
        assert_int_equal(config_parse(&c, "wolfpackd.conf", text, strlen(text), err, sizeof err), 0);
        assert_true(c.engine_corosync);
        assert_false(c.node_id_given || c.node_name_given);
        config_done(&c);

        /* With a quorum device, the same. */
        spec_of(&s, "pair", "1=a=10.0.0.1", "2=b=10.0.0.2", NULL);
        assert_int_equal(cluster_spec_set_qdevice(&s, "10.0.0.9", err, sizeof err), 0);
        free(text);
        text = NULL;
        assert_int_equal(cluster_wolfpackd_conf(&s, &text), 0);
        assert_int_equal(config_defaults(&c), 0);
        assert_int_equal(config_parse(&c, "wolfpackd.conf", text, strlen(text), err, sizeof err), 0);
        assert_true(c.engine_corosync);
        assert_false(c.lease_given);
        config_done(&c);
}

/* The report, with the API's certificates as a first run makes them:
 * a new CA, this node's certificate for its name and address. */
static char *report(const ClusterSpec *s, const char *dir, bool authkey_given) {
        ClusterPaths p;
        assert_int_equal(cluster_paths_make(dir, &p), 0);
        ClusterTls tls = { .ca_source = CLUSTER_TLS_CA_MADE };
        assert_int_equal(cert_dir_make(p.tls, &tls.dir), 0);
        snprintf(tls.cn, sizeof tls.cn, "alpha");
        assert_int_equal(cert_sans_add(&tls.sans, "alpha", err, sizeof err), 0);
        assert_int_equal(cert_sans_add(&tls.sans, "10.0.0.1", err, sizeof err), 0);
        char *text = NULL;
        assert_int_equal(cluster_init_report(s, &p, &tls, authkey_given, 256, &text), 0);
        cluster_tls_done(&tls);
        cluster_paths_done(&p);
        return text;
}

static void test_report(void **state) {
        ClusterSpec s;
        three(&s);
        assert_int_equal(cluster_spec_set_this(&s, "1", err, sizeof err), 0);
        _cleanup_free_ char *t1 = report(&s, NULL, false);
        assert_non_null(strstr(t1, "for node 1 (alpha):\n"));
        assert_non_null(strstr(t1, "  /etc/corosync/corosync.conf "));
        assert_non_null(strstr(t1, "  /etc/corosync/authkey "));
        assert_non_null(strstr(t1, "  /etc/wolfpack/wolfpackd.conf "));
        assert_non_null(strstr(t1, "256 random bytes, mode 0400"));
        assert_non_null(strstr(t1, "quorum: 2 of 3 votes"));
        /* The command for the other nodes, and which id each one takes. */
        assert_non_null(strstr(t1, "Copy /etc/corosync/authkey to /etc/corosync/authkey on every other node"));
        assert_non_null(strstr(t1, "(2 for beta, 3 for gamma)"));
        assert_non_null(strstr(t1, "wolfpack cluster init prod --node 1=alpha=10.0.0.1 --node 2=beta=10.0.0.2 "
                                   "--node 3=gamma=10.0.0.3 \\\n         --tls /etc/wolfpack/tls --authkey /etc/corosync/authkey "
                                   "--this ID\n"));
        /* The API's certificates, and the CA for the other nodes too. */
        assert_non_null(strstr(t1, "  /etc/wolfpack/tls/ca.pem, ca-key.pem\n    the cluster's CA for the API (listen = "
                                   "*:7443 in wolfpackd.conf), made here; the key mode 0600\n"));
        assert_non_null(strstr(t1, "  /etc/wolfpack/tls/node.pem, node-key.pem\n    alpha's certificate for it, "
                                   "signed by that CA, for DNS:alpha, IP:10.0.0.1\n"));
        assert_non_null(strstr(t1, "and the CA, /etc/wolfpack/tls/ca.pem and ca-key.pem, to /etc/wolfpack/tls"));
        assert_non_null(strstr(t1, "put the CA's certificate where --ca looks"));
        assert_non_null(strstr(t1, "systemctl start corosync "));
        assert_non_null(strstr(t1, "wolfpack status"));
        assert_null(strstr(t1, "install -D"));
        assert_null(strstr(t1, "qdevice"));

        /* Files for every node, elsewhere: put them in place, copy all three. */
        s.this_id = 0;
        assert_int_equal(cluster_spec_set_token(&s, "5s", err, sizeof err), 0);
        _cleanup_free_ char *t2 = report(&s, "/tmp/out//", false);
        assert_non_null(strstr(t2, "for every node:\n"));
        assert_non_null(strstr(t2, "install -D -m 0400 /tmp/out/authkey /etc/corosync/authkey\n"));
        assert_non_null(strstr(t2, "install -D -m 0644 /tmp/out/wolfpackd.conf /etc/wolfpack/wolfpackd.conf\n"));
        assert_non_null(strstr(t2, "mkdir -p /etc/wolfpack/tls && cp -p /tmp/out/tls/*.pem /etc/wolfpack/tls/\n"));
        assert_non_null(strstr(t2, "Copy the files to the same places"));
        assert_non_null(strstr(t2, " --token 5000ms \\\n"));

        /* The key came from the first node. */
        _cleanup_free_ char *t3 = report(&s, NULL, true);
        assert_non_null(strstr(t3, "256 bytes from --authkey"));
        assert_null(strstr(t3, "Copy"));

        /* Two nodes and a witness. */
        spec_of(&s, "pair", "1=a=10.0.0.1", "2=b=10.0.0.2", NULL);
        assert_int_equal(cluster_spec_set_qdevice(&s, "10.0.0.9", err, sizeof err), 0);
        _cleanup_free_ char *t4 = report(&s, NULL, false);
        assert_non_null(strstr(t4, "quorum: 2 of 3 votes (one is the witness's)"));
        /* Its certificates made here: the witness's database goes there,
         * the other node takes the cluster's with --certs. */
        assert_non_null(strstr(t4, "  /etc/corosync/qdevice/net/nssdb/\n    the cluster's TLS certificate"));
        assert_non_null(strstr(t4, "  /etc/corosync/qnetd/nssdb/\n    the witness's CA"));
        assert_non_null(strstr(t4, "scp -r /etc/corosync/qnetd/nssdb root@10.0.0.9:/etc/corosync/qnetd/"));
        assert_non_null(strstr(t4, "systemctl start corosync-qdevice\n"));
        assert_non_null(strstr(t4, " --witness 10.0.0.9 \\\n"));
        assert_non_null(strstr(t4, "--authkey /etc/corosync/authkey --certs /etc/corosync"));
        assert_non_null(strstr(t4, "--tls /etc/wolfpack/tls --authkey"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_nodes),
                cmocka_unit_test(test_bad_nodes),
                cmocka_unit_test(test_cluster_name),
                cmocka_unit_test(test_this),
                cmocka_unit_test(test_token),
                cmocka_unit_test(test_check),
                cmocka_unit_test(test_corosync_conf),
                cmocka_unit_test(test_corosync_conf_qdevice),
                cmocka_unit_test(test_wolfpackd_conf),
                cmocka_unit_test(test_report),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
