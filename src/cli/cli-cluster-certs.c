/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The witness's certificates, made by corosync's tools (cli-cluster-certs.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli-cluster-certs.h"
#include "macro.h"
#include "text-quote.h"

#define CERT_FILE_MAX (16 * 1024 * 1024)


/* script (sh -c, with $1... = args) with etc as /etc/corosync, in a mount
 * namespace of its own; its output kept for the error. */
static int run_in_etc(const char *etc, const char *what, char *const *args, char *err, size_t errlen) {
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return cluster_fail(-errno, err, errlen, "cannot make a pipe: %s", strerror(errno));
        pid_t pid = fork();
        if (pid < 0) {
                close(pfd[0]);
                close(pfd[1]);
                return cluster_fail(-errno, err, errlen, "cannot fork: %s", strerror(errno));
        }
        if (pid == 0) {
                dup2(pfd[1], STDOUT_FILENO);
                dup2(pfd[1], STDERR_FILENO);
                int fd = open("/dev/null", O_RDONLY);
                if (fd >= 0)
                        dup2(fd, STDIN_FILENO);
                if (unshare(CLONE_NEWNS) < 0) {
                        fprintf(stderr, "unshare(CLONE_NEWNS): %s", strerror(errno));
                        _exit(125);
                }
                if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
                    mount(etc, "/etc/corosync", NULL, MS_BIND, NULL) < 0) {
                        fprintf(stderr, "cannot put %s on /etc/corosync: %s", etc, strerror(errno));
                        _exit(125);
                }
                execvp(args[0], args);
                fprintf(stderr, "cannot run %s: %s", args[0], strerror(errno));
                _exit(127);
        }
        close(pfd[1]);
        char out[1024];
        size_t n = 0;
        for (;;) {
                ssize_t k = read(pfd[0], out + n, sizeof(out) - 1 - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                n += (size_t) k;
                if (n == sizeof(out) - 1) {
                        /* Keep the start; drain the rest. */
                        char sink[512];
                        while (read(pfd[0], sink, sizeof(sink)) > 0)
                                ;
                        break;
                }
        }
        out[n] = 0;
        close(pfd[0]);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
                out[--n] = 0;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 125)
                return cluster_fail(-EPERM, err, errlen, "%s: %s; making the witness's certificates needs root (a private "
                            "mount namespace)", what, out);
        return cluster_fail(-EIO, err, errlen, "%s failed (%s %d)%s%s", what,
                    WIFEXITED(status) ? "exit" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                    n ? ": " : "", out);
}

static void certs_add(ClusterCerts *c, char *path, void *content, size_t size, mode_t mode) {
        c->paths[c->n_files] = path;
        c->contents[c->n_files] = content;
        c->files[c->n_files] = (ClusterFile) { path, content, size, mode };
        c->n_files++;
}

static int read_file(const char *path, void **ret, size_t *ret_size, mode_t *ret_mode) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) || st.st_size > CERT_FILE_MAX)
                return -EINVAL;
        uint8_t *buf = malloc((size_t) st.st_size + 1);
        size_t n = 0;
        while (buf && n < (size_t) st.st_size) {
                ssize_t k = read(fd, buf + n, (size_t) st.st_size - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0) {
                        free(buf);
                        return k < 0 ? -errno : -EIO;
                }
                n += (size_t) k;
        }
        if (!buf)
                return -ENOMEM;
        *ret = buf;
        *ret_size = n;
        /* Nothing of a certificate database for others. */
        *ret_mode = st.st_mode & 0770;
        return 0;
}

/* Every regular file of from/sub, as dir/sub/NAME. */
static int add_dir(ClusterCerts *c, const char *from, const char *sub, const char *dir, char *err, size_t errlen) {
        _cleanup_free_ char *src = NULL;
        if (asprintf(&src, "%s/%s", from, sub) < 0)
                return -ENOMEM;
        DIR *dp = opendir(src);
        if (!dp)
                return cluster_fail(-errno, err, errlen, "cannot read %s: %s", text_quote(src).s, strerror(errno));
        int r = 0;
        struct dirent *e;
        while (r >= 0 && (e = readdir(dp))) {
                if (e->d_name[0] == '.')
                        continue;
                char *in = NULL, *out = NULL;
                void *content = NULL;
                size_t size = 0;
                mode_t mode = 0;
                if (asprintf(&in, "%s/%s", src, e->d_name) < 0 || asprintf(&out, "%s/%s/%s", dir, sub, e->d_name) < 0) {
                        free(in);
                        r = -ENOMEM;
                        break;
                }
                r = read_file(in, &content, &size, &mode);
                if (r == -EINVAL) {
                        /* Not a file (a lock, a socket): not part of it. */
                        free(in);
                        free(out);
                        r = 0;
                        continue;
                }
                if (r < 0)
                        cluster_fail(r, err, errlen, "cannot read %s: %s", text_quote(in).s, strerror(-r));
                free(in);
                if (r < 0) {
                        free(out);
                        break;
                }
                void **contents = realloc(c->contents, (c->n_files + 1) * sizeof(void *));
                if (contents)
                        c->contents = contents;
                char **paths = realloc(c->paths, (c->n_files + 1) * sizeof(char *));
                if (paths)
                        c->paths = paths;
                ClusterFile *files = realloc(c->files, (c->n_files + 1) * sizeof(ClusterFile));
                if (files)
                        c->files = files;
                if (!contents || !paths || !files) {
                        free(out);
                        free(content);
                        r = -ENOMEM;
                        break;
                }
                certs_add(c, out, content, size, mode ? mode : 0600);
        }
        closedir(dp);
        if (r >= 0 && c->n_files == 0)
                r = cluster_fail(-ENOENT, err, errlen, "%s holds no certificate database", text_quote(src).s);
        return r;
}

void cluster_certs_done(ClusterCerts *c) {
        for (size_t i = 0; i < c->n_files; i++) {
                free(c->paths[i]);
                free(c->contents[i]);
        }
        free(c->paths);
        free(c->contents);
        free(c->files);
        *c = (ClusterCerts) {};
}

static void remove_tree(const char *path) {
        DIR *dp = opendir(path);
        if (dp) {
                struct dirent *e;
                while ((e = readdir(dp)))
                        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
                                _cleanup_free_ char *p = NULL;
                                if (asprintf(&p, "%s/%s", path, e->d_name) >= 0)
                                        remove_tree(p);
                        }
                closedir(dp);
                (void) rmdir(path);
        } else
                (void) unlink(path);
}

int cluster_certs_make(const char *name, const char *dir, ClusterCerts *ret, char *err, size_t errlen) {
        *ret = (ClusterCerts) {};
        if (access("/etc/corosync", F_OK) < 0)
                return cluster_fail(-ENOENT, err, errlen, "making the witness's certificates needs corosync's tools: install "
                            "corosync-qnetd and corosync-qdevice here (they make /etc/corosync)");
        char tmp[] = "/tmp/wolfpack-certs-XXXXXX";
        if (!mkdtemp(tmp))
                return cluster_fail(-errno, err, errlen, "cannot make a scratch directory: %s", strerror(errno));
        _cleanup_free_ char *q = NULL, *n = NULL, *cacrt = NULL, *crq = NULL, *crt = NULL;
        int r = 0;
        if (asprintf(&q, "%s/qnetd", tmp) < 0 || asprintf(&n, "%s/node", tmp) < 0 ||
            asprintf(&cacrt, "%s/qnetd/nssdb/qnetd-cacert.crt", q) < 0 ||
            asprintf(&crq, "%s/qdevice/net/nssdb/qdevice-net-node.crq", n) < 0 ||
            asprintf(&crt, "%s/qnetd/nssdb/cluster-%s.crt", q, name) < 0)
                r = -ENOMEM;
        if (r >= 0 && (mkdir(q, 0700) < 0 || mkdir(n, 0700) < 0))
                r = cluster_fail(-errno, err, errlen, "cannot make a scratch directory: %s", strerror(errno));
        /* The witness's CA and server certificate; the nodes' database,
         * with that CA; the cluster's certificate asked for, signed by
         * the witness, and imported with its key. */
        char *qnetd_init[] = { "corosync-qnetd-certutil", "-i", NULL };
        char *node_init[] = { "corosync-qdevice-net-certutil", "-i", "-c", cacrt, NULL };
        char *node_req[] = { "corosync-qdevice-net-certutil", "-r", "-n", (char *) name, NULL };
        char *qnetd_sign[] = { "corosync-qnetd-certutil", "-s", "-c", crq, "-n", (char *) name, NULL };
        char *node_import[] = { "corosync-qdevice-net-certutil", "-M", "-c", crt, NULL };
        if (r >= 0)
                r = run_in_etc(q, "corosync-qnetd-certutil -i", qnetd_init, err, errlen);
        if (r >= 0)
                r = run_in_etc(n, "corosync-qdevice-net-certutil -i", node_init, err, errlen);
        if (r >= 0)
                r = run_in_etc(n, "corosync-qdevice-net-certutil -r", node_req, err, errlen);
        if (r >= 0)
                r = run_in_etc(q, "corosync-qnetd-certutil -s", qnetd_sign, err, errlen);
        if (r >= 0)
                r = run_in_etc(n, "corosync-qdevice-net-certutil -M", node_import, err, errlen);
        if (r >= 0)
                r = add_dir(ret, q, CLUSTER_CERTS_QNETD, dir, err, errlen);
        if (r >= 0)
                r = add_dir(ret, n, CLUSTER_CERTS_NODE, dir, err, errlen);
        remove_tree(tmp);
        if (r < 0)
                cluster_certs_done(ret);
        return r;
}

int cluster_certs_take(const char *from, const char *dir, ClusterCerts *ret, char *err, size_t errlen) {
        *ret = (ClusterCerts) {};
        int r = add_dir(ret, from, CLUSTER_CERTS_NODE, dir, err, errlen);
        if (r < 0) {
                cluster_certs_done(ret);
                char why[512];
                snprintf(why, sizeof(why), "%s", err);
                return cluster_fail(r, err, errlen, "--certs %s: %s; give the --output directory of the run that made the "
                            "witness's certificates", text_quote(from).s, why);
        }
        return 0;
}
