/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup v2 operations on the real cgroupfs: finding the v2 mount and our own
 * cgroup, creating, listing, signalling, killing, removing cgroups, opening
 * their event file and directory. Owns nothing but the fds and strings it
 * returns. Every access to a cgroup file or directory goes through the
 * cg_fs_* functions at the top of this file, the one place another backend
 * would plug in. Must never act above the path it is given, never kill the
 * root cgroup, never log.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "macro.h"
#include "strv.h"

/* How long cg_kill_by_freezing waits for the freezer before killing anyway
 * (a task in uninterruptible sleep does not freeze until it wakes). */
#define FREEZE_WAIT_MS 1000
/* Without a freezer, signal rounds until no new pid shows up, at most this
 * many, this far apart. */
#define KILL_ROUNDS_MAX 50
#define KILL_ROUND_PAUSE_MS 10

/* ------------------------------------------------------------------------
 * The file system seam: every cgroup file and directory access.
 * ------------------------------------------------------------------------ */

static char *path_join(const char *a, const char *b) {
        char *s;
        if (asprintf(&s, "%s/%s", a, b) < 0)
                return NULL;
        return s;
}

/* Open path/file (file NULL: path itself), always close-on-exec. */
static int cg_fs_open(const char *path, const char *file, int flags) {
        _cleanup_free_ char *p = file ? path_join(path, file) : strdup(path);
        if (!p)
                return -ENOMEM;
        int fd = open(p, flags | O_CLOEXEC);
        return fd < 0 ? negative_errno() : fd;
}

/* Read an open cgroup file from its start; *ret NUL-terminated. */
static int cg_fs_read_fd(int fd, char **ret) {
        if (lseek(fd, 0, SEEK_SET) < 0)
                return negative_errno();
        size_t len = 0, cap = 4096;
        _cleanup_free_ char *buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (cap - len < 2) {
                        char *b = realloc(buf, cap * 2);
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                        cap *= 2;
                }
                ssize_t n = read(fd, buf + len, cap - len - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        buf[len] = 0;
        *ret = TAKE_PTR(buf);
        return 0;
}

static int cg_fs_read(const char *path, const char *file, char **ret) {
        _cleanup_close_ int fd = cg_fs_open(path, file, O_RDONLY);
        if (fd < 0)
                return fd;
        return cg_fs_read_fd(fd, ret);
}

/* cgroupfs reports a refused value as the error of write() itself. */
static int cg_fs_write(const char *path, const char *file, const char *value) {
        _cleanup_close_ int fd = cg_fs_open(path, file, O_WRONLY);
        if (fd < 0)
                return fd;
        size_t n = strlen(value);
        ssize_t w = write(fd, value, n);
        if (w < 0)
                return negative_errno();
        return (size_t) w == n ? 0 : -EIO;
}

/* 1: a directory, 0: absent, -ENOTDIR: something else. */
static int cg_fs_exists(const char *path) {
        struct stat st;
        if (stat(path, &st) < 0)
                return errno == ENOENT ? 0 : negative_errno();
        return S_ISDIR(st.st_mode) ? 1 : -ENOTDIR;
}

static int cg_fs_mkdir(const char *path) {
        if (mkdir(path, 0755) == 0)
                return 0;
        if (errno != EEXIST)
                return negative_errno();
        int r = cg_fs_exists(path);
        return r < 0 ? r : 0;
}

static int cg_fs_rmdir(const char *path) {
        if (rmdir(path) == 0 || errno == ENOENT)
                return 0;
        return negative_errno();
}

/* The full paths of the child cgroups of path. */
static int cg_fs_children(const char *path, char ***ret) {
        DIR *d = opendir(path); /* O_CLOEXEC in glibc */
        if (!d)
                return negative_errno();
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        int r = l ? 0 : -ENOMEM;
        struct dirent *de;
        while (r == 0) {
                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                r = negative_errno();
                        break;
                }
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (de->d_type == DT_UNKNOWN) {
                        struct stat st;
                        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                                continue; /* gone meanwhile */
                        if (!S_ISDIR(st.st_mode))
                                continue;
                } else if (de->d_type != DT_DIR)
                        continue;
                char *p = path_join(path, de->d_name);
                if (!p) {
                        r = -ENOMEM;
                        break;
                }
                r = strv_push(&l, p);
                if (r < 0)
                        free(p);
        }
        closedir(d);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

/* ------------------------------------------------------------------------
 * Finding the tree
 * ------------------------------------------------------------------------ */

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s) {
        char *w = s;
        for (char *p = s; *p; p++) {
                if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
                    p[3] >= '0' && p[3] <= '7') {
                        *w++ = (char) ((p[1] - '0') << 6 | (p[2] - '0') << 3 | (p[3] - '0'));
                        p += 3;
                } else
                        *w++ = *p;
        }
        *w = 0;
}

/* The cgroup2 mount point and the cgroup it shows as its root (relative to
 * our cgroup namespace; "/" unless a subtree was bind-mounted). A mount of
 * the whole tree is preferred over a subtree mount. */
int cg_parse_v2_mount(const char *mountinfo, char **ret_where, char **ret_root) {
        _cleanup_free_ char *text = strdup(mountinfo), *where = NULL, *root = NULL;
        if (!text)
                return -ENOMEM;
        char *line_save = NULL;
        for (char *line = strtok_r(text, "\n", &line_save); line; line = strtok_r(NULL, "\n", &line_save)) {
                /* id parent maj:min root mountpoint options [optional...] - fstype source superopts */
                char *field[5], *save = NULL, *tok = strtok_r(line, " ", &save);
                size_t n = 0;
                for (; tok && n < ELEMENTSOF(field); tok = strtok_r(NULL, " ", &save))
                        field[n++] = tok;
                if (n < ELEMENTSOF(field))
                        continue;
                while (tok && strcmp(tok, "-") != 0)
                        tok = strtok_r(NULL, " ", &save);
                const char *fstype = tok ? strtok_r(NULL, " ", &save) : NULL;
                if (!fstype || strcmp(fstype, "cgroup2") != 0)
                        continue;
                unescape_octal(field[3]);
                unescape_octal(field[4]);
                if (where && (strcmp(root, "/") == 0 || strcmp(field[3], "/") != 0))
                        continue;
                free(where);
                free(root);
                where = strdup(field[4]);
                root = strdup(field[3]);
                if (!where || !root)
                        return -ENOMEM;
        }
        if (!where)
                return -ENOMEDIUM;
        *ret_where = TAKE_PTR(where);
        if (ret_root)
                *ret_root = TAKE_PTR(root);
        return 0;
}

bool cg_path_stays_inside(const char *rel) {
        for (const char *p = rel; *p;) {
                size_t n = strcspn(p, "/");
                if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
                        return false;
                p += n;
                p += strspn(p, "/");
        }
        return true;
}

int cg_parse_own_path(const char *mountinfo, const char *proc_cgroup, char **ret) {
        _cleanup_free_ char *where = NULL, *root = NULL, *own = NULL;
        int r = cg_parse_v2_mount(mountinfo, &where, &root);
        if (r < 0)
                return r;

        for (const char *line = proc_cgroup; line && *line;) {
                const char *nl = strchrnul(line, '\n');
                if (strncmp(line, "0::", 3) == 0) {
                        own = strndup(line + 3, (size_t) (nl - line) - 3);
                        if (!own)
                                return -ENOMEM;
                        break;
                }
                line = *nl ? nl + 1 : nl;
        }
        if (!own)
                return -ENOMEDIUM; /* cgroup2 mounted, but we are on no v2 hierarchy */

        /* Our cgroup relative to what the mount shows. */
        const char *rel = own;
        if (strcmp(root, "/") != 0) {
                size_t rl = strlen(root);
                if (strncmp(own, root, rl) != 0 || (own[rl] != 0 && own[rl] != '/'))
                        return -ENOENT; /* our cgroup is outside the mounted subtree */
                rel = own + rl;
        }
        while (*rel == '/')
                rel++;
        if (!cg_path_stays_inside(rel))
                return -ENOENT;
        char *p = *rel ? path_join(where, rel) : strdup(where);
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

static int read_proc(const char *path, char **ret) {
        return cg_fs_read(path, NULL, ret);
}

int cg_v2_mount(char **ret) {
        _cleanup_free_ char *mountinfo = NULL;
        int r = read_proc("/proc/self/mountinfo", &mountinfo);
        return r < 0 ? r : cg_parse_v2_mount(mountinfo, ret, NULL);
}

int cg_own_path(char **ret) {
        _cleanup_free_ char *mountinfo = NULL, *proc_cgroup = NULL;
        int r = read_proc("/proc/self/mountinfo", &mountinfo);
        if (r < 0)
                return r;
        r = read_proc("/proc/self/cgroup", &proc_cgroup);
        return r < 0 ? r : cg_parse_own_path(mountinfo, proc_cgroup, ret);
}

/* ------------------------------------------------------------------------
 * Operations
 * ------------------------------------------------------------------------ */

int cg_create(const char *path) {
        if (path[0] != '/')
                return -EINVAL; /* a cgroup is named by its absolute path */
        int r = cg_fs_mkdir(path);
        if (r != -ENOENT)
                return r;
        /* A missing parent: create it, then retry. */
        _cleanup_free_ char *parent = strdup(path);
        if (!parent)
                return -ENOMEM;
        size_t l = strlen(parent);
        while (l > 1 && parent[l - 1] == '/')
                parent[--l] = 0;
        char *slash = strrchr(parent, '/');
        if (!slash || slash == parent)
                return -ENOENT;
        *slash = 0;
        r = cg_create(parent);
        if (r < 0)
                return r;
        return cg_fs_mkdir(path);
}

int cg_remove(const char *path) {
        _cleanup_strv_free_ char **children = NULL;
        int r = cg_fs_children(path, &children);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        /* Remove what can be removed; report the first failure. */
        for (char **c = children; *c; c++) {
                int q = cg_remove(*c);
                if (q < 0 && r == 0)
                        r = q;
        }
        if (r < 0)
                return r;
        return cg_fs_rmdir(path);
}

/* The value of "key N" in cgroup.events text. */
static int events_value(const char *text, const char *key) {
        size_t kl = strlen(key);
        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (strncmp(p, key, kl) == 0 && p[kl] == ' ') {
                        char *end;
                        errno = 0;
                        long v = strtol(p + kl + 1, &end, 10);
                        if (errno != 0 || end == p + kl + 1 || (*end != '\n' && *end != 0) ||
                            v < 0 || v > 1)
                                return -EBADMSG;
                        return (int) v;
                }
        return -ENODATA;
}

int cg_populated(const char *path) {
        _cleanup_free_ char *text = NULL;
        int r = cg_fs_read(path, "cgroup.events", &text);
        if (r == -ENOENT) {
                /* Absent, or the root cgroup, which has no cgroup.events. */
                r = cg_fs_exists(path);
                return r < 0 ? r : r > 0 ? -ENOENT : 0;
        }
        if (r < 0)
                return r;
        return events_value(text, "populated");
}

struct pid_set {
        pid_t *pids;
        size_t n, cap;
};

static int pid_set_add(struct pid_set *s, pid_t pid) {
        if (s->n == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 64;
                pid_t *p = realloc(s->pids, cap * sizeof(pid_t));
                if (!p)
                        return -ENOMEM;
                s->pids = p;
                s->cap = cap;
        }
        s->pids[s->n++] = pid;
        return 0;
}

/* Add the pids of path and its descendants; a cgroup removed meanwhile has
 * none. */
static int collect_pids(const char *path, struct pid_set *s) {
        _cleanup_free_ char *text = NULL;
        int r = cg_fs_read(path, "cgroup.procs", &text);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        for (char *p = text, *end; *p; p = end) {
                errno = 0;
                long v = strtol(p, &end, 10);
                if (errno != 0 || end == p || v <= 0 || v != (pid_t) v || (*end != '\n' && *end != 0))
                        return -EBADMSG;
                r = pid_set_add(s, (pid_t) v);
                if (r < 0)
                        return r;
                while (*end == '\n')
                        end++;
        }
        _cleanup_strv_free_ char **children = NULL;
        r = cg_fs_children(path, &children);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        for (char **c = children; *c; c++) {
                r = collect_pids(*c, s);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int pid_compare(const void *a, const void *b) {
        pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;
        return (x > y) - (x < y);
}

int cg_pids(const char *path, pid_t **ret, size_t *ret_n) {
        struct pid_set s = {};
        int r = collect_pids(path, &s);
        if (r < 0) {
                free(s.pids);
                return r;
        }
        if (s.n > 0) {
                qsort(s.pids, s.n, sizeof(pid_t), pid_compare);
                size_t w = 1; /* a process that moved while we walked shows up twice */
                for (size_t i = 1; i < s.n; i++)
                        if (s.pids[i] != s.pids[w - 1])
                                s.pids[w++] = s.pids[i];
                s.n = w;
        }
        *ret = s.pids;
        *ret_n = s.n;
        return 0;
}

int cg_signal(const char *path, int sig) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n;
        int r = cg_pids(path, &pids, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (kill(pids[i], sig) < 0 && errno != ESRCH && r == 0)
                        r = negative_errno();
        return r;
}

int cg_kill(const char *path) {
        int r = cg_fs_write(path, "cgroup.kill", "1");
        if (r != -ENOENT)
                return r;
        r = cg_fs_exists(path);
        if (r <= 0)
                return r;
        return cg_kill_by_freezing(path);
}

static void sleep_ms(unsigned ms) {
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* 1 once cgroup.events says "frozen 1", 0 when timeout_ms passed first. */
static int wait_frozen(int events_fd, unsigned timeout_ms) {
        uint64_t deadline = now_ms() + timeout_ms;
        for (;;) {
                _cleanup_free_ char *text = NULL;
                int r = cg_fs_read_fd(events_fd, &text);
                if (r < 0)
                        return r;
                r = events_value(text, "frozen");
                if (r != 0)
                        return r;
                uint64_t now = now_ms();
                if (now >= deadline)
                        return 0;
                struct pollfd p = {.fd = events_fd, .events = POLLPRI};
                if (poll(&p, 1, (int) (deadline - now)) < 0 && errno != EINTR)
                        return negative_errno();
        }
}

/* SIGKILL every pid, again while new ones show up (something forked between
 * listing and killing). A frozen cgroup forks nothing, so the second round
 * finds only the dying. */
static int kill_rounds(const char *path, bool frozen) {
        _cleanup_free_ pid_t *seen = NULL;
        size_t n_seen = 0;
        int r = 0;
        for (unsigned round = 0; round < KILL_ROUNDS_MAX; round++) {
                pid_t *pids;
                size_t n;
                int q = cg_pids(path, &pids, &n);
                if (q < 0)
                        return q;
                bool fresh = false;
                for (size_t i = 0; i < n; i++) {
                        if (seen && bsearch(&pids[i], seen, n_seen, sizeof(pid_t), pid_compare))
                                continue;
                        fresh = true;
                        if (kill(pids[i], SIGKILL) < 0 && errno != ESRCH && r == 0)
                                r = negative_errno();
                }
                free(seen);
                seen = pids;
                n_seen = n;
                if (!fresh)
                        break;
                if (!frozen)
                        sleep_ms(KILL_ROUND_PAUSE_MS);
        }
        return r;
}

int cg_kill_by_freezing(const char *path) {
        int r = cg_fs_exists(path);
        if (r <= 0)
                return r;
        _cleanup_close_ int events_fd = cg_fs_open(path, "cgroup.events", O_RDONLY);
        if (events_fd == -ENOENT)
                return -EPERM; /* the root cgroup: that would be every process */
        if (events_fd < 0)
                return events_fd;

        r = cg_fs_write(path, "cgroup.freeze", "1");
        if (r < 0 && r != -ENOENT) /* -ENOENT: no freezer (or already removed) */
                return r;
        bool freezing = r == 0, frozen = false;
        if (freezing) {
                r = wait_frozen(events_fd, FREEZE_WAIT_MS);
                frozen = r > 0; /* not frozen in time or unreadable: kill anyway */
        }

        r = kill_rounds(path, frozen);

        if (freezing) {
                /* A killed task dies even while frozen; thaw so that the
                 * cgroup can be used again. */
                int q = cg_fs_write(path, "cgroup.freeze", "0");
                if (q < 0 && q != -ENOENT && r == 0)
                        r = q;
        }
        return r;
}

int cg_attach(const char *path, pid_t pid) {
        char buf[32];
        if (pid <= 0)
                return -EINVAL;
        snprintf(buf, sizeof buf, "%d\n", (int) pid);
        return cg_fs_write(path, "cgroup.procs", buf);
}

int cg_open_events(const char *path) {
        return cg_fs_open(path, "cgroup.events", O_RDONLY);
}

int cg_open_dir(const char *path) {
        return cg_fs_open(path, NULL, O_RDONLY | O_DIRECTORY);
}
