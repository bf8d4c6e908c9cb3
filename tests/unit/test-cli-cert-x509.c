/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The API's certificates made and read with GnuTLS
 * (src/cli/cli-cert-x509.c), and the directory that holds them
 * (src/cli/cli-cert-dir.c): a CA and a node certificate that verify,
 * what they say, and every way two files can fail to fit together. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli-cert-dir.h"
#include "cli-cert-x509.h"
#include "macro.h"
#include "scratch-dir.h"

static char err[1024];

static void sans_of(CertSans *s, const char *first, ...) {
        va_list ap;
        *s = (CertSans) {};
        va_start(ap, first);
        for (const char *n = first; n; n = va_arg(ap, const char *))
                assert_int_equal(cert_sans_add(s, n, err, sizeof err), 0);
        va_end(ap);
}

static void make_node(const CertPem *ca, const char *cn, const CertSans *sans, unsigned days, CertPem *ret) {
        CertRequest req = { .cn = cn, .sans = sans, .days = days };
        if (cert_node_make(ca, &req, ret, err, sizeof err) < 0)
                fail_msg("%s", err);
}

static void test_ca_and_node(void **state) {
        CertPem ca, node;
        assert_int_equal(cert_ca_make("prod", 3653, &ca, err, sizeof err), 0);
        assert_non_null(strstr(ca.cert, "-----BEGIN CERTIFICATE-----"));
        assert_non_null(strstr(ca.key, "-----BEGIN PRIVATE KEY-----"));
        assert_int_equal(strlen(ca.cert), ca.cert_size);
        assert_int_equal(cert_ca_check(&ca, "ca.pem", "ca-key.pem", err, sizeof err), 0);

        CertInfo ci;
        assert_int_equal(cert_info_read("ca.pem", ca.cert, ca.cert_size, &ci, err, sizeof err), 0);
        assert_string_equal(ci.subject, "CN=Wolfpack cluster CA,O=prod");
        assert_string_equal(ci.issuer, ci.subject);
        assert_true(ci.ca && ci.self_signed);
        assert_int_equal(ci.sans.n, 0);
        int64_t now = (int64_t) time(NULL);
        assert_true(ci.not_before <= now && ci.not_before > now - 2 * 3600);
        assert_true(ci.not_after > now + 3652LL * 86400 && ci.not_after <= now + 3653LL * 86400);
        assert_int_equal(strlen(ci.sha256), 95);
        assert_int_equal(ci.sha256[2], ':');

        CertSans sans;
        sans_of(&sans, "alpha", "10.0.0.1", "localhost", "127.0.0.1", "::1", NULL);
        make_node(&ca, "alpha", &sans, 825, &node);
        CertInfo ni;
        assert_int_equal(cert_info_read("node.pem", node.cert, node.cert_size, &ni, err, sizeof err), 0);
        assert_string_equal(ni.subject, "CN=alpha");
        assert_string_equal(ni.issuer, "CN=Wolfpack cluster CA,O=prod");
        assert_false(ni.ca || ni.self_signed || ni.more_sans);
        assert_true(cert_sans_same(&ni.sans, &sans));
        assert_int_equal(ni.sans.n, 5);
        assert_string_equal(ni.sans.san[1].text, "10.0.0.1");
        assert_int_equal(ni.sans.san[1].type, CERT_SAN_IP);
        assert_string_equal(ni.sans.san[4].text, "::1");
        assert_true(ni.not_after > now + 824LL * 86400 && ni.not_after <= now + 825LL * 86400);
        assert_string_not_equal(ni.sha256, ci.sha256);

        assert_int_equal(cert_verify(node.cert, node.cert_size, ca.cert, ca.cert_size, err, sizeof err), 0);
        assert_int_equal(cert_key_matches(node.cert, node.cert_size, node.key, node.key_size, err, sizeof err), 0);
        assert_int_equal(cert_key_matches(ca.cert, ca.cert_size, ca.key, ca.key_size, err, sizeof err), 0);

        /* The node's own key signs nothing: it is no CA. */
        CertPem not_ca = { node.cert, node.cert_size, node.key, node.key_size };
        assert_int_equal(cert_ca_check(&not_ca, "node.pem", "node-key.pem", err, sizeof err), -EKEYREJECTED);
        assert_non_null(strstr(err, "node.pem is not a CA's certificate"));
        CertPem other;
        CertRequest req = { .cn = "beta", .sans = &sans, .days = 1 };
        assert_int_equal(cert_node_make(&not_ca, &req, &other, err, sizeof err), -EKEYREJECTED);

        cert_info_done(&ci);
        cert_info_done(&ni);
        cert_pem_done(&node);
        cert_pem_done(&ca);
        cert_pem_done(&ca);   /* twice: nothing left to free */
}

static void test_what_does_not_fit(void **state) {
        CertPem ca1, ca2, node;
        assert_int_equal(cert_ca_make(NULL, 10, &ca1, err, sizeof err), 0);
        assert_int_equal(cert_ca_make(NULL, 10, &ca2, err, sizeof err), 0);
        CertSans sans;
        sans_of(&sans, "alpha", NULL);
        make_node(&ca1, "alpha", &sans, 1, &node);

        /* Another CA of the same name did not sign it. */
        assert_int_equal(cert_verify(node.cert, node.cert_size, ca2.cert, ca2.cert_size, err, sizeof err),
                         -EKEYREJECTED);
        assert_non_null(strstr(err, "NOT trusted"));
        /* A node certificate is no CA to verify against. */
        assert_int_equal(cert_verify(node.cert, node.cert_size, node.cert, node.cert_size, err, sizeof err),
                         -EKEYREJECTED);
        /* Keys of others. */
        assert_int_equal(cert_key_matches(node.cert, node.cert_size, ca1.key, ca1.key_size, err, sizeof err),
                         -EKEYREJECTED);
        CertPem mixed = { ca1.cert, ca1.cert_size, ca2.key, ca2.key_size };
        assert_int_equal(cert_ca_check(&mixed, "ca.pem", "ca-key.pem", err, sizeof err), -EKEYREJECTED);
        assert_string_equal(err, "ca-key.pem is not the key of ca.pem: give the two files of one CA, as `wolfpack "
                                 "cert create` made them");
        CertPem node2;
        CertRequest req = { .cn = "alpha", .sans = &sans, .days = 1 };
        assert_int_equal(cert_node_make(&mixed, &req, &node2, err, sizeof err), -EKEYREJECTED);

        /* Not PEM at all; a key where the certificate should be. */
        CertInfo i;
        assert_int_equal(cert_info_read("x.pem", "hello", 5, &i, err, sizeof err), -EBADMSG);
        assert_non_null(strstr(err, "x.pem holds no certificate GnuTLS can read"));
        assert_int_equal(cert_info_read("x.pem", ca1.key, ca1.key_size, &i, err, sizeof err), -EBADMSG);
        assert_int_equal(cert_verify("hello", 5, ca1.cert, ca1.cert_size, err, sizeof err), -EBADMSG);
        assert_int_equal(cert_key_matches(node.cert, node.cert_size, node.cert, node.cert_size, err, sizeof err),
                         -EBADMSG);
        CertPem garbage = { ca1.cert, ca1.cert_size, (char *) "junk", 4 };
        assert_int_equal(cert_ca_check(&garbage, "ca.pem", "ca-key.pem", err, sizeof err), -EBADMSG);
        assert_non_null(strstr(err, "ca-key.pem holds no private key GnuTLS can read"));

        /* No names: refused before anything is made. */
        CertSans none = {};
        req.sans = &none;
        assert_int_equal(cert_node_make(&ca1, &req, &node2, err, sizeof err), -EINVAL);

        cert_pem_done(&node);
        cert_pem_done(&ca1);
        cert_pem_done(&ca2);
}

static void put(const char *path, const char *text) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        close(fd);
}

static void test_dir(void **state) {
        CertDir d;
        char sub[128];
        snprintf(sub, sizeof sub, "%s/tls//", scratch_dir);
        assert_int_equal(cert_dir_make(sub, &d), 0);
        assert_true(strlen(d.dir) == strlen(scratch_dir) + 4 && strcmp(d.dir + strlen(scratch_dir), "/tls") == 0);
        assert_string_equal(d.node_key + strlen(d.dir), "/node-key.pem");
        assert_int_equal(mkdir(d.dir, 0755), 0);

        /* Nothing there. */
        CertPem ca = {};
        bool found = true;
        assert_int_equal(cert_dir_ca(&d, &ca, &found, err, sizeof err), 0);
        assert_false(found);
        assert_null(ca.cert);

        CertPem made;
        assert_int_equal(cert_ca_make(NULL, 10, &made, err, sizeof err), 0);
        /* Half of it: which one is missing and what to do. */
        put(d.ca, made.cert);
        assert_int_equal(cert_dir_ca(&d, &ca, &found, err, sizeof err), -ENOKEY);
        assert_non_null(strstr(err, "/tls/ca-key.pem is missing, but "));
        assert_non_null(strstr(err, "Copy "));
        assert_non_null(strstr(err, "(mode 0600)"));
        unlink(d.ca);
        put(d.ca_key, made.key);
        assert_int_equal(cert_dir_ca(&d, &ca, &found, err, sizeof err), -ENOKEY);
        assert_non_null(strstr(err, "/tls/ca.pem is missing, but "));
        assert_non_null(strstr(err, "(mode 0644)"));
        put(d.ca, made.cert);
        assert_int_equal(cert_dir_ca(&d, &ca, &found, err, sizeof err), 0);
        assert_true(found);
        assert_string_equal(ca.cert, made.cert);
        assert_string_equal(ca.key, made.key);

        /* A node's certificate fits when it is the one that would be made. */
        CertSans sans, other;
        sans_of(&sans, "alpha", "10.0.0.1", NULL);
        sans_of(&other, "alpha", "10.0.0.2", NULL);
        CertRequest req = { .cn = "alpha", .sans = &sans, .days = 825 };
        assert_false(cert_dir_node_fits(&d, &ca, &req));
        CertPem node;
        make_node(&ca, "alpha", &sans, 825, &node);
        put(d.node, node.cert);
        assert_false(cert_dir_node_fits(&d, &ca, &req));   /* no key yet */
        put(d.node_key, node.key);
        assert_true(cert_dir_node_fits(&d, &ca, &req));
        req.sans = &other;
        assert_false(cert_dir_node_fits(&d, &ca, &req));
        req = (CertRequest) { .cn = "beta", .sans = &sans, .days = 825 };
        assert_false(cert_dir_node_fits(&d, &ca, &req));
        req.cn = "alpha";
        CertPem ca2;
        assert_int_equal(cert_ca_make(NULL, 10, &ca2, err, sizeof err), 0);
        assert_false(cert_dir_node_fits(&d, &ca2, &req));
        /* Soon to expire: made anew. */
        CertPem brief;
        make_node(&ca, "alpha", &sans, CERT_RENEW_DAYS - 1, &brief);
        put(d.node, brief.cert);
        put(d.node_key, brief.key);
        assert_false(cert_dir_node_fits(&d, &ca, &req));
        /* Another node's key beside it. */
        put(d.node, node.cert);
        assert_false(cert_dir_node_fits(&d, &ca, &req));

        ClusterFile f[2];
        cert_files_pair(f, d.node, d.node_key, &node);
        assert_int_equal(f[0].mode, 0644);
        assert_int_equal(f[1].mode, 0600);
        assert_ptr_equal(f[1].content, node.key);
        assert_int_equal(f[0].size, node.cert_size);

        /* Not PEM, or not a file. */
        put(d.ca, "junk");
        assert_int_equal(cert_dir_ca(&d, &ca2, &found, err, sizeof err), -EBADMSG);
        unlink(d.ca);
        assert_int_equal(mkdir(d.ca, 0755), 0);
        assert_int_equal(cert_dir_ca(&d, &ca2, &found, err, sizeof err), -EBADMSG);
        assert_non_null(strstr(err, "not a regular file"));

        cert_pem_done(&ca);
        cert_pem_done(&ca2);
        cert_pem_done(&made);
        cert_pem_done(&node);
        cert_pem_done(&brief);
        cert_dir_done(&d);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ca_and_node),
                cmocka_unit_test(test_what_does_not_fit),
                cmocka_unit_test_setup_teardown(test_dir, scratch_dir_make, scratch_dir_remove),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
