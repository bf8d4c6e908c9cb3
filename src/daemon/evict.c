/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Evicting a node: `wolfpack node evict N` takes a node that is down out
 * of the cluster. The API sends node.delete; every node applies it to its
 * database (the node list), and here edits its own corosync.conf — the
 * node's block out of the nodelist, everything else as it was, written
 * whole to a new file renamed over the old — then runs
 * `corosync-cfgtool -R`, which has every corosync of the cluster read its
 * file again (the edits of nodes that have not written theirs yet are
 * read at their own reload). Once corosync has the new nodelist, the
 * engine reads it (engine_reload_nodes): the node count, and with it the
 * majority and the failover threshold, follow.
 *
 * Owns the edit and the reload; never touches a corosync.conf it cannot
 * parse (it says what to do by hand instead) and never blocks the loop on
 * corosync-cfgtool: the child is watched through its pidfd.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "corosync-nodelist.h"
#include "daemon.h"
#include "evict.h"
#include "macro.h"
#include "spawn.h"

#define CONF_MAX (1024 * 1024)

typedef struct EvictReload {
        Daemon *d;
        pid_t pid;
        int pidfd;
        sd_event_source *src;
        struct EvictReload *next;
} Reload;

static void reload_free(Reload *r) {
        for (Reload **p = &r->d->evict_reloads; *p; p = &(*p)->next)
                if (*p == r) {
                        *p = r->next;
                        break;
                }
        sd_event_source_disable_unref(r->src);
        if (r->pidfd >= 0)
                close(r->pidfd);
        free(r);
}

void evict_free(Daemon *d) {
        while (d->evict_reloads)
                reload_free(d->evict_reloads);
}

static int on_reload_exit(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Reload *r = userdata;
        siginfo_t si = {};
        if (waitid(P_PIDFD, (id_t) r->pidfd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
                return 0;
        Daemon *d = r->d;
        if (si.si_code == CLD_EXITED && si.si_status == 0)
                engine_reload_nodes(d->engine);
        else
                clusterlog_printf(d->log, "warning", "NODE_EVICT_RELOAD", NULL, NULL,
                                  "corosync-cfgtool -R %s %d: corosync may still list the evicted node; run "
                                  "`corosync-cfgtool -R` on this node",
                                  si.si_code == CLD_EXITED ? "exited" : "was killed by signal", si.si_status);
        reload_free(r);
        return 0;
}

static void reload(Daemon *d) {
        char *argv[] = { "corosync-cfgtool", "-R", NULL };
        wp_spawn spec = { .argv = argv, .uid = (uid_t) -1, .gid = (gid_t) -1, .stdout_fd = -1 };
        Reload *r = calloc(1, sizeof(*r));
        if (r)
                *r = (Reload) { .d = d, .pidfd = -1 };
        char err[256];
        int k = r ? spawn_process(&spec, -1, &r->pid, &r->pidfd, err, sizeof(err)) : -ENOMEM;
        if (k >= 0)
                k = sd_event_add_io(d->event, &r->src, r->pidfd, EPOLLIN, on_reload_exit, r);
        if (k < 0) {
                clusterlog_printf(d->log, "warning", "NODE_EVICT_RELOAD", NULL, NULL,
                                  "cannot run corosync-cfgtool -R: %s; run it on this node",
                                  r ? err : strerror(-k));
                if (r && r->pidfd >= 0 && !r->src) {
                        (void) waitid(P_PIDFD, (id_t) r->pidfd, &(siginfo_t) {}, WEXITED);
                        close(r->pidfd);
                        r->pidfd = -1;
                }
                free(r);
                return;
        }
        r->next = d->evict_reloads;
        d->evict_reloads = r;
}

static int read_text(const char *path, char **ret, struct stat *st, char *err, size_t errlen) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, st) < 0) {
                snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
                return -errno;
        }
        if (st->st_size > CONF_MAX) {
                snprintf(err, errlen, "%s is larger than %d bytes", path, CONF_MAX);
                return -EFBIG;
        }
        char *text = calloc(1, (size_t) st->st_size + 1);
        size_t n = 0;
        while (text && n < (size_t) st->st_size) {
                ssize_t w = read(fd, text + n, (size_t) st->st_size - n);
                if (w <= 0) {
                        snprintf(err, errlen, "cannot read %s: %s", path, w < 0 ? strerror(errno) : "it shrank");
                        free(text);
                        return w < 0 ? -errno : -EIO;
                }
                n += (size_t) w;
        }
        if (!text)
                return -ENOMEM;
        if (memchr(text, 0, n)) {
                snprintf(err, errlen, "%s holds a NUL byte: not a text file", path);
                free(text);
                return -EINVAL;
        }
        *ret = text;
        return 0;
}

/* text as the new content of path: a new file, same mode and owner,
 * synced, renamed over the old one. */
static int replace(const char *path, const char *text, const struct stat *st, char *err, size_t errlen) {
        _cleanup_free_ char *tmp = NULL;
        if (asprintf(&tmp, "%s.evict-XXXXXX", path) < 0)
                return -ENOMEM;
        _cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0) {
                snprintf(err, errlen, "cannot create a file next to %s: %s", path, strerror(errno));
                return -errno;
        }
        size_t len = strlen(text), n = 0;
        int k = 0;
        if (fchmod(fd, st->st_mode & 07777) < 0 || fchown(fd, st->st_uid, st->st_gid) < 0)
                k = -errno;
        while (k >= 0 && n < len) {
                ssize_t w = write(fd, text + n, len - n);
                if (w < 0)
                        k = -errno;
                else
                        n += (size_t) w;
        }
        if (k >= 0 && fsync(fd) < 0)
                k = -errno;
        if (k >= 0 && rename(tmp, path) < 0)
                k = -errno;
        if (k < 0) {
                snprintf(err, errlen, "cannot write %s: %s", path, strerror(-k));
                (void) unlink(tmp);
        }
        return k;
}

void evict_applied(Daemon *d, const json_t *msg) {
        json_int_t id = json_integer_value(json_object_get(msg, "id"));
        const char *name = json_string_value(json_object_get(msg, "name"));
        char who[96];
        snprintf(who, sizeof(who), "%s (id %" JSON_INTEGER_FORMAT ")", name ? name : "node", id);
        if (!d->cfg.engine_corosync) {
                clusterlog_printf(d->log, "notice", "NODE_EVICTED", NULL, NULL, "%s left the cluster's node list", who);
                return;
        }
        const char *path = d->cfg.corosync_conf;
        char err[256] = "";
        struct stat st;
        _cleanup_free_ char *text = NULL, *out = NULL;
        size_t left = 0;
        int k = read_text(path, &text, &st, err, sizeof(err));
        if (k >= 0)
                k = corosync_nodelist_drop(text, (uint32_t) id, &out, &left, err, sizeof(err));
        if (k == -ENOENT) {
                clusterlog_printf(d->log, "notice", "NODE_EVICTED", NULL, NULL,
                                  "%s left the cluster's node list; %s lists it no more already", who, path);
                engine_reload_nodes(d->engine);
                return;
        }
        if (k >= 0)
                k = replace(path, out, &st, err, sizeof(err));
        if (k < 0) {
                clusterlog_printf(d->log, "error", "NODE_EVICT_CONF", NULL, NULL,
                                  "%s left the cluster's node list, but this node's corosync.conf was not changed: "
                                  "%s; remove its node { } block (nodeid: %" JSON_INTEGER_FORMAT ") by hand, then "
                                  "run `corosync-cfgtool -R`",
                                  who, err, id);
                return;
        }
        clusterlog_printf(d->log, "notice", "NODE_EVICTED", NULL, NULL,
                          "%s left the cluster's node list and %s (%zu node(s) remain); corosync reloads it", who,
                          path, left);
        reload(d);
}
