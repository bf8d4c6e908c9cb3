/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The remote API: the TCP listener with TLS (wolfpackd.conf's listen,
 * tls-cert and tls-key) serving the same routes as the unix socket, and
 * the token check behind it: the SHA-256 of the bearer token looked up in
 * the replicated tokens table, so that a token made on any node works on
 * every node and a revoked one is refused from the moment the revocation
 * is applied. Owns nothing but the server it starts. Must never keep,
 * print or log a token, nor open a listener without TLS.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "db.h"
#include "file-read.h"
#include "http.h"
#include "macro.h"
#include "token.h"

#define PEM_MAX (1024 * 1024)

/* A PEM file, whole, as text. */
static int read_pem(const char *listen, const char *what, const char *path, char **ret, char *err, size_t errlen) {
        _cleanup_free_ char *text = NULL;
        size_t n;
        int r = file_read(path, PEM_MAX, &text, &n);
        if (r == -EFBIG || r == -EINVAL || (r >= 0 && n == 0)) {
                snprintf(err, errlen, "%s %s: not a PEM file of at most 1 MiB", what, path);
                return -EINVAL;
        }
        if (r < 0) {
                snprintf(err, errlen,
                         "listen = %s needs %s %s: %s; make the cluster's certificates with `wolfpack cert create`, "
                         "or set %s in wolfpackd.conf",
                         listen, what, path, strerror(-r), what);
                return r;
        }
        if (!strstr(text, "-----BEGIN ")) {
                snprintf(err, errlen, "%s %s holds no PEM block (\"-----BEGIN ...\"); give the PEM file `wolfpack cert "
                                      "create` made",
                         what, path);
                explicit_bzero(text, n);
                return -EINVAL;
        }
        *ret = TAKE_PTR(text);
        return 0;
}

static int check_token(const char *token, void *userdata, HttpAccess *ret_role, char *ret_name, size_t namelen) {
        Daemon *d = userdata;
        char hash[TOKEN_HASH_LEN + 1], role[16];
        if (token_hash(token, hash) < 0)
                return -EIO;
        int k = db_token_find(d->db, hash, role, sizeof(role), ret_name, namelen);
        if (k < 0)
                return k;
        *ret_role = http_access_from_name(role);
        return *ret_role == HTTP_ACCESS_UNSET ? -ENOENT : 0;
}

int api_remote_start(Daemon *d, const HttpRoute *routes, char *err, size_t errlen) {
        if (!d->cfg.listen)
                return 0;
        _cleanup_free_ char *cert = NULL, *key = NULL;
        int r = read_pem(d->cfg.listen, "tls-cert", d->cfg.tls_cert, &cert, err, errlen);
        if (r >= 0)
                r = read_pem(d->cfg.listen, "tls-key", d->cfg.tls_key, &key, err, errlen);
        if (r < 0)
                return r;
        r = http_server_new_tls(d->event, d->cfg.listen, cert, key, routes, check_token, d, &d->https, err, errlen);
        explicit_bzero(key, strlen(key));
        if (r >= 0)
                http_server_set_stream_memory_max(d->https, d->cfg.event_stream_memory);
        return r;
}
