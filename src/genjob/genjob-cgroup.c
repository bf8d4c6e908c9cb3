/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The job's cgroups above the backends: finding the hierarchies and the
 * monitor's own cgroup on each (mountinfo, /proc/self/cgroup), choosing the
 * hierarchy of each controller (the cgroup2 tree when it offers it to
 * wolfpack's own cgroup, else a v1 hierarchy), placing a job at the same
 * relative path on every hierarchy, and the job operations that dispatch
 * to the backend of the hierarchy concerned. Owns the layout's strings and
 * a job's directories and fds. Never places a job at a fixed path, never
 * removes a directory that is not the job's or its empty parent, never
 * logs.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "genjob-cgroup.h"
#include "macro.h"
#include "strv.h"

static const char *const controller_names[_JOB_CTL_MAX] = {
        [JOB_CTL_MEMORY] = "memory",
        [JOB_CTL_PIDS] = "pids",
        [JOB_CTL_CPU] = "cpu",
        [JOB_CTL_CPUSET] = "cpuset",
};

const char *job_controller_name(JobController c) {
        return (unsigned) c < _JOB_CTL_MAX ? controller_names[c] : "?";
}

JobController job_knob_controller(JobKnob k) {
        switch (k) {
        case JOB_KNOB_MEMORY_MAX:
        case JOB_KNOB_MEMORY_HIGH:
        case JOB_KNOB_MEMORY_LOW:
        case JOB_KNOB_MEMORY_OOM_GROUP:
                return JOB_CTL_MEMORY;
        case JOB_KNOB_PIDS_MAX:
                return JOB_CTL_PIDS;
        case JOB_KNOB_CPU_WEIGHT:
                return JOB_CTL_CPU;
        default:
                return JOB_CTL_CPUSET;
        }
}

JobController job_counter_controller(JobCounter c) {
        return c == JOB_COUNTER_PIDS_CURRENT || c == JOB_COUNTER_PIDS_LIMIT_HITS ? JOB_CTL_PIDS : JOB_CTL_MEMORY;
}

const JobBackend *job_backend(int version) {
        return version == 1 ? &job_backend_v1 : &job_backend_v2;
}

/* ---- paths ----------------------------------------------------------- */

static char *path_join(const char *a, const char *b) {
        char *s;

        while (*b == '/')
                b++;
        if (!*b)
                return strdup(a);
        if (asprintf(&s, "%s%s%s", a, a[0] && a[strlen(a) - 1] == '/' ? "" : "/", b) < 0)
                return NULL;
        return s;
}

/* "a/b/c" into its components. */
static char **split_path(const char *p) {
        char **l = calloc(1, sizeof(char *));

        if (!l)
                return NULL;
        for (const char *s = p; *s;) {
                size_t n;
                s += strspn(s, "/");
                n = strcspn(s, "/");
                if (n == 0)
                        break;
                if (n == 1 && s[0] == '.') {
                        s += n;
                        continue;
                }
                char *c = strndup(s, n);
                if (!c || strv_push(&l, c) < 0) {
                        free(c);
                        return strv_free(l);
                }
                s += n;
        }
        return l;
}

/* dir's length without trailing slashes ("/" stays "/"). */
static size_t dir_length(const char *dir) {
        size_t n = strlen(dir);

        while (n > 1 && dir[n - 1] == '/')
                n--;
        return n;
}

static bool path_under(const char *path, const char *dir) {
        size_t n = dir_length(dir);
        return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* ---- layout ---------------------------------------------------------- */

void job_layout_done(JobLayout *l) {
        for (size_t i = 0; i < l->n_hier; i++) {
                free(l->hier[i].mount);
                free(l->hier[i].own);
        }
        free(l->root);
        free(l->v2_offered);
        *l = (JobLayout) { .v2 = -1 };
}

/* mountinfo escapes blanks and backslashes as \ooo. */
static void unescape_octal(char *s) {
        char *w = s;

        for (char *p = s; *p; p++) {
                if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' &&
                    p[3] <= '7') {
                        *w++ = (char) ((p[1] - '0') << 6 | (p[2] - '0') << 3 | (p[3] - '0'));
                        p += 3;
                } else
                        *w++ = *p;
        }
        *w = '\0';
}

/* Does the mount point pass the root filter: the root itself or directly
 * under it? */
static bool under_root(const char *mount, const char *root) {
        size_t n;

        if (!root)
                return true;
        n = strlen(root);
        while (n > 1 && root[n - 1] == '/')
                n--;
        if (strncmp(mount, root, n) != 0)
                return false;
        if (mount[n] == '\0')
                return true;
        return mount[n] == '/' && mount[n + 1] && !strchr(mount + n + 1, '/');
}

/* The monitor's cgroup on a hierarchy whose /proc/self/cgroup line is
 * selected by match (v1: one of the controllers; v2: the "0::" line),
 * relative to what the mount shows (mount_root). NULL when not visible. */
static int own_path(const char *proc_cgroup, int version, unsigned controllers, const char *mount_root,
                    char **ret) {
        _cleanup_free_ char *copy = strdup(proc_cgroup);
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                const char *path;
                bool match = false;

                if (!c1 || !c2)
                        continue;
                *c2 = '\0';
                path = c2 + 1;
                if (version == 2)
                        match = strncmp(line, "0:", 2) == 0 && c1 + 1 == c2;
                else {
                        _cleanup_free_ char *list = strdup(c1 + 1);
                        if (!list)
                                return -ENOMEM;
                        for (char *p = list; *p; p++)
                                if (*p == ',')
                                        *p = ' ';
                        for (JobController c = 0; c < _JOB_CTL_MAX; c++)
                                if ((controllers & JOB_CTL_BIT(c)) && job_list_has(list, controller_names[c]))
                                        match = true;
                }
                if (!match)
                        continue;
                if (strcmp(mount_root, "/") != 0) {
                        if (!path_under(path, mount_root))
                                return -ENOENT;
                        path += dir_length(mount_root);
                }
                while (*path == '/')
                        path++;
                if (!cg_path_stays_inside(path))
                        return -ENOENT;
                *ret = strdup(path);
                return *ret ? 0 : -ENOMEM;
        }
        return -ENOENT;
}

static int add_hierarchy(JobLayout *l, int version, const char *mount, const char *mount_root, unsigned controllers,
                         const char *proc_cgroup) {
        JobHierarchy *h;
        _cleanup_free_ char *own = NULL;
        int r;

        /* One entry per hierarchy: a bind mount of the same one adds
         * nothing. */
        for (size_t i = 0; i < l->n_hier; i++)
                if (l->hier[i].version == version && (version == 2 || (l->hier[i].controllers & controllers)))
                        return 0;
        if (l->n_hier >= JOB_HIER_MAX)
                return 0;
        r = own_path(proc_cgroup, version, controllers, mount_root, &own);
        if (r == -ENOENT)
                return 0; /* our cgroup is not visible through this mount */
        if (r < 0)
                return r;
        h = &l->hier[l->n_hier];
        *h = (JobHierarchy) { .version = version, .controllers = version == 1 ? controllers : 0 };
        h->mount = strdup(mount);
        h->own = TAKE_PTR(own);
        if (!h->mount) {
                free(h->own);
                return -ENOMEM;
        }
        if (version == 2)
                l->v2 = (int) l->n_hier;
        l->n_hier++;
        return 0;
}

int job_layout_parse(const char *mountinfo, const char *proc_cgroup, const char *root, const char *v2_controllers,
                     JobLayout *ret) {
        JobLayout l = { .v2 = -1 };
        char *save = NULL;
        int r = 0;

        for (JobController c = 0; c < _JOB_CTL_MAX; c++)
                l.by_controller[c] = -1;
        if (root && !(l.root = strdup(root)))
                return -ENOMEM;

        /* Whole-tree mounts first, so that a bind mount of a subtree never
         * stands for a hierarchy that is also mounted whole. */
        for (int pass = 0; pass < 2 && r >= 0; pass++) {
                _cleanup_free_ char *text = strdup(mountinfo);
                if (!text) {
                        r = -ENOMEM;
                        break;
                }
                for (char *line = strtok_r(text, "\n", &save); line && r >= 0; line = strtok_r(NULL, "\n", &save)) {
                        /* id parent maj:min root mountpoint options [optional...] - fstype source superopts */
                        char *f[5] = {}, *fstype = NULL, *superopts = NULL, *s2 = NULL, *tok;
                        size_t n = 0;
                        unsigned ctls = 0;

                        for (tok = strtok_r(line, " ", &s2); tok && n < 5; tok = strtok_r(NULL, " ", &s2))
                                f[n++] = tok;
                        while (tok && strcmp(tok, "-") != 0)
                                tok = strtok_r(NULL, " ", &s2);
                        if (n < 5 || !tok)
                                continue;
                        fstype = strtok_r(NULL, " ", &s2);
                        (void) strtok_r(NULL, " ", &s2);
                        superopts = strtok_r(NULL, " ", &s2);
                        if (!fstype || (strcmp(fstype, "cgroup") != 0 && strcmp(fstype, "cgroup2") != 0))
                                continue;
                        unescape_octal(f[3]);
                        unescape_octal(f[4]);
                        if ((pass == 0) != (strcmp(f[3], "/") == 0))
                                continue;
                        if (strcmp(fstype, "cgroup2") == 0) {
                                r = add_hierarchy(&l, 2, f[4], f[3], 0, proc_cgroup);
                                continue;
                        }
                        if (!under_root(f[4], root) || !superopts)
                                continue;
                        for (char *p = superopts; *p; p++)
                                if (*p == ',')
                                        *p = ' ';
                        for (JobController c = 0; c < _JOB_CTL_MAX; c++)
                                if (job_list_has(superopts, controller_names[c]))
                                        ctls |= JOB_CTL_BIT(c);
                        if (ctls)
                                r = add_hierarchy(&l, 1, f[4], f[3], ctls, proc_cgroup);
                }
        }
        if (r < 0) {
                job_layout_done(&l);
                return r;
        }

        /* What the cgroup2 tree offers to wolfpack's own cgroup. */
        if (l.v2 >= 0 && under_root(l.hier[l.v2].mount, root)) {
                _cleanup_free_ char *read_text = NULL;
                const char *offered = v2_controllers;
                if (!offered) {
                        _cleanup_free_ char *own_dir = path_join(l.hier[l.v2].mount, l.hier[l.v2].own);
                        if (!own_dir || job_cgfs_read(own_dir, "cgroup.controllers", &read_text) < 0)
                                read_text = strdup("");
                        offered = read_text;
                }
                l.v2_offered = strndup(offered ?: "", strcspn(offered ?: "", "\n"));
                for (JobController c = 0; c < _JOB_CTL_MAX; c++)
                        if (job_list_has(l.v2_offered ?: "", controller_names[c])) {
                                l.hier[l.v2].controllers |= JOB_CTL_BIT(c);
                                l.by_controller[c] = l.v2;
                        }
        } else
                l.v2_offered = strdup("");
        if (!l.v2_offered) {
                job_layout_done(&l);
                return -ENOMEM;
        }
        for (JobController c = 0; c < _JOB_CTL_MAX; c++)
                if (l.by_controller[c] < 0)
                        for (size_t i = 0; i < l.n_hier; i++)
                                if (l.hier[i].version == 1 && (l.hier[i].controllers & JOB_CTL_BIT(c))) {
                                        l.by_controller[c] = (int) i;
                                        break;
                                }
        /* A v1 hierarchy keeps only the controllers jobs take from it. */
        for (size_t i = 0; i < l.n_hier; i++)
                if (l.hier[i].version == 1)
                        for (JobController c = 0; c < _JOB_CTL_MAX; c++)
                                if (l.by_controller[c] != (int) i)
                                        l.hier[i].controllers &= ~JOB_CTL_BIT(c);
        *ret = l;
        return 0;
}

static int read_file(const char *path, char **ret) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return negative_errno();
        return job_cgfs_read_fd(fd, ret);
}

int job_layout_detect(const char *root, JobLayout *ret) {
        _cleanup_free_ char *mountinfo = NULL, *proc_cgroup = NULL;
        int r;

        if (!root) {
                root = getenv("WOLFPACK_CGROUP_ROOT");
                if (root && !*root)
                        root = NULL;
        }
        if ((r = read_file("/proc/self/mountinfo", &mountinfo)) < 0 ||
            (r = read_file("/proc/self/cgroup", &proc_cgroup)) < 0)
                return r;
        return job_layout_parse(mountinfo, proc_cgroup, root, NULL, ret);
}

void job_layout_describe(const JobLayout *l, JobController c, char *buf, size_t len) {
        int i = (unsigned) c < _JOB_CTL_MAX ? l->by_controller[c] : -1;

        if (i < 0)
                snprintf(buf, len, "%s: missing", job_controller_name(c));
        else
                snprintf(buf, len, "%s: cgroup %s at %s", job_controller_name(c),
                         l->hier[i].version == 2 ? "v2" : "v1", l->hier[i].mount);
}

void job_layout_missing(const JobLayout *l, JobController c, char *buf, size_t len) {
        char v2[512];

        if (l->v2 >= 0)
                snprintf(v2, sizeof v2, "the cgroup2 tree at %s offers %s to wolfpack's cgroup", l->hier[l->v2].mount,
                         l->v2_offered && l->v2_offered[0] ? l->v2_offered : "no controller");
        else
                snprintf(v2, sizeof v2, "there is no cgroup2 tree");
        snprintf(buf, len, "the %s controller is missing: %s, and no cgroup v1 hierarchy%s%s%s has it",
                 job_controller_name(c), v2, l->root ? " under " : "", l->root ?: "",
                 l->root ? " (WOLFPACK_CGROUP_ROOT)" : "");
}

/* ---- a job ----------------------------------------------------------- */

JobCgroup *job_cgroup_free(JobCgroup *c) {
        if (!c)
                return NULL;
        job_cgroup_close_join(c);
        for (size_t i = 0; i < JOB_HIER_MAX; i++)
                free(c->dir[i]);
        free(c->v2_dir);
        free(c);
        return NULL;
}

int job_cgroup_new(const JobLayout *l, const char *v2_dir, JobCgroup **ret, char *err, size_t errlen) {
        _cleanup_free_ char *own_abs = NULL;
        _cleanup_strv_free_ char **own = NULL, **job = NULL;
        const JobHierarchy *v2;
        JobCgroup *c;
        size_t k = 0, ups;

        if (l->v2 < 0 || !v2_dir || v2_dir[0] != '/') {
                snprintf(err, errlen, "no cgroup2 tree to place the job in");
                return -ENOMEDIUM;
        }
        v2 = &l->hier[l->v2];
        if (!path_under(v2_dir, v2->mount)) {
                snprintf(err, errlen, "the job's cgroup %s is not on the cgroup2 tree at %s", v2_dir, v2->mount);
                return -EINVAL;
        }
        own = split_path(v2->own);
        job = split_path(v2_dir + strlen(v2->mount));
        if (!own || !job)
                return -ENOMEM;
        /* The job relative to the monitor's own cgroup: up `ups` levels,
         * then down job[k...]. */
        while (own[k] && job[k] && strcmp(own[k], job[k]) == 0)
                k++;
        ups = strv_length(own) - k;
        if (!job[k]) {
                snprintf(err, errlen, "the job's cgroup %s is the monitor's own cgroup or above it", v2_dir);
                return -EINVAL;
        }

        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->layout = l;
        for (size_t i = 0; i < JOB_HIER_MAX; i++)
                c->join_fd[i] = -1;
        c->v2_dir = strdup(v2_dir);
        if (!c->v2_dir)
                goto oom;
        for (size_t i = 0; i < l->n_hier; i++) {
                const JobHierarchy *h = &l->hier[i];
                _cleanup_strv_free_ char **base = NULL;
                _cleanup_free_ char *rel = NULL;
                size_t n1, n2 = strv_length(own), keep, same = 0;

                if ((int) i == l->v2) {
                        c->dir[i] = strdup(v2_dir);
                        if (!c->dir[i])
                                goto oom;
                        continue;
                }
                if (!h->controllers)
                        continue;
                base = split_path(h->own);
                if (!base)
                        goto oom;
                n1 = strv_length(base);
                /* Going up from the monitor's cgroup: the v1 one stands
                 * where the v2 one does as far as their last components
                 * agree. Past that, a v1 cgroup that is an ancestor of
                 * the common one on v2 (the service's, not placed further
                 * on v1) takes the v2 path; any other stays the base. */
                while (same < ups && same < n1 && strcmp(base[n1 - 1 - same], own[n2 - 1 - same]) == 0)
                        same++;
                if (same == ups)
                        keep = n1 - ups;
                else {
                        bool ancestor = n1 <= k;
                        for (size_t j = 0; ancestor && j < n1; j++)
                                ancestor = strcmp(base[j], own[j]) == 0;
                        if (ancestor) {
                                base = strv_free(base);
                                base = calloc(1, sizeof(char *));
                                for (size_t j = 0; base && j < k; j++) {
                                        char *d = strdup(own[j]);
                                        if (!d || strv_push(&base, d) < 0) {
                                                free(d);
                                                base = strv_free(base);
                                        }
                                }
                                if (!base)
                                        goto oom;
                        }
                        keep = strv_length(base);
                }
                for (size_t j = keep; base[j]; j++) {
                        free(base[j]);
                        base[j] = NULL;
                }
                for (size_t j = k; job[j]; j++) {
                        char *d = strdup(job[j]);
                        if (!d || strv_push(&base, d) < 0) {
                                free(d);
                                goto oom;
                        }
                }
                rel = strv_join(base, "/");
                if (!rel || !(c->dir[i] = path_join(h->mount, rel)))
                        goto oom;
        }
        *ret = c;
        return 0;
oom:
        job_cgroup_free(c);
        return -ENOMEM;
}

/* The top directory on hierarchy i that a job may prepare from: the
 * monitor's own cgroup when the job is below it, else the job's parent. */
static int prepare_top(JobCgroup *c, size_t i, char **ret) {
        const JobHierarchy *h = &c->layout->hier[i];
        _cleanup_free_ char *own = path_join(h->mount, h->own);
        char *slash;

        if (!own)
                return -ENOMEM;
        if (path_under(c->dir[i], own) && strcmp(c->dir[i], own) != 0) {
                *ret = TAKE_PTR(own);
                return 0;
        }
        *ret = strdup(c->dir[i]);
        if (!*ret)
                return -ENOMEM;
        slash = strrchr(*ret, '/');
        if (slash && slash != *ret)
                *slash = '\0';
        return 0;
}

int job_cgroup_create(JobCgroup *c, unsigned needs, char *err, size_t errlen) {
        const JobLayout *l = c->layout;

        for (size_t i = 0; i < l->n_hier; i++) {
                const JobHierarchy *h = &l->hier[i];
                _cleanup_free_ char *top = NULL;
                unsigned ctls = h->controllers;
                int r;

                if (!c->dir[i] || !ctls)
                        continue;
                r = prepare_top(c, i, &top);
                if (r < 0)
                        return r;
                if (h->version == 2) {
                        /* Enable what the limits need; the others only when
                         * the tree lets us (they serve live changes and
                         * accounting). */
                        for (JobController k = 0; k < _JOB_CTL_MAX; k++) {
                                char msg[512];
                                if (!(ctls & JOB_CTL_BIT(k)))
                                        continue;
                                r = job_backend_v2.prepare(top, c->dir[i], JOB_CTL_BIT(k), NULL, msg, sizeof msg);
                                if (r < 0 && (needs & JOB_CTL_BIT(k))) {
                                        snprintf(err, errlen, "%s", msg);
                                        return r;
                                }
                        }
                        continue;
                }
                r = job_backend_v1.prepare(top, c->dir[i], ctls, &c->created[i], err, errlen);
                if (r < 0)
                        return r;
        }
        return 0;
}

int job_cgroup_open_join(JobCgroup *c, char *err, size_t errlen) {
        const JobLayout *l = c->layout;

        job_cgroup_close_join(c);
        for (size_t i = 0; i < l->n_hier; i++) {
                if (l->hier[i].version != 1 || !c->dir[i])
                        continue;
                c->join_fd[i] = job_cgfs_open(c->dir[i], "cgroup.procs", O_WRONLY);
                if (c->join_fd[i] < 0) {
                        int r = c->join_fd[i];
                        c->join_fd[i] = -1;
                        snprintf(err, errlen, "cannot open %s/cgroup.procs: %s", c->dir[i], strerror(-r));
                        job_cgroup_close_join(c);
                        return r;
                }
        }
        return 0;
}

void job_cgroup_close_join(JobCgroup *c) {
        for (size_t i = 0; i < JOB_HIER_MAX; i++)
                if (c->join_fd[i] >= 0) {
                        close(c->join_fd[i]);
                        c->join_fd[i] = -1;
                }
}

int job_cgroup_remove(JobCgroup *c) {
        const JobLayout *l = c->layout;
        int first = 0;

        for (size_t i = 0; i < l->n_hier; i++) {
                const JobHierarchy *h = &l->hier[i];
                _cleanup_free_ char *parent = NULL, *own = NULL;
                char *slash;
                int r = 0;

                if (h->version != 1 || !c->dir[i])
                        continue;
                /* The processes are gone; a v1 cgroup can lag a moment
                 * behind the v2 tree in letting go of them. */
                for (int tries = 0; tries < 20; tries++) {
                        r = job_cgfs_rmdir(c->dir[i]);
                        if (r != -EBUSY)
                                break;
                        usleep(5000);
                }
                if (r < 0) {
                        if (first == 0)
                                first = r;
                        continue;
                }
                /* The parent mirrors the monitor's base on the v2 tree:
                 * remove it with its last job, never the monitor's own
                 * cgroup or anything above it. */
                parent = strdup(c->dir[i]);
                own = path_join(h->mount, h->own);
                if (!parent || !own)
                        return -ENOMEM;
                slash = strrchr(parent, '/');
                if (!slash || slash == parent)
                        continue;
                *slash = '\0';
                if (strcmp(parent, h->mount) == 0 || path_under(own, parent))
                        continue;
                (void) job_cgfs_rmdir(parent);
        }
        return first;
}

static int hierarchy_of(JobCgroup *c, JobController ctl, char *err, size_t errlen) {
        int i = c->layout->by_controller[ctl];

        if (i < 0 || !c->dir[i]) {
                if (err)
                        job_layout_missing(c->layout, ctl, err, errlen);
                return -ENODEV;
        }
        return i;
}

int job_cgroup_set(JobCgroup *c, JobKnob k, uint64_t value, const char *text, char *err, size_t errlen) {
        JobController ctl = job_knob_controller(k);
        const JobBackend *b;
        const char *file = NULL;
        char buf[4096];
        int i, r;

        i = hierarchy_of(c, ctl, err, errlen);
        if (i < 0)
                return i;
        b = job_backend(c->layout->hier[i].version);
        r = b->knob(k, value, text, &file, buf, sizeof buf);
        if (r == -EOPNOTSUPP) {
                snprintf(err, errlen, "the %s controller on cgroup v%d (%s) has no such limit",
                         job_controller_name(ctl), b->version, c->layout->hier[i].mount);
                return r;
        }
        if (r < 0) {
                snprintf(err, errlen, "value out of range for the %s controller", job_controller_name(ctl));
                return r;
        }
        r = job_cgfs_write(c->dir[i], file, buf);
        if (r < 0) {
                buf[strcspn(buf, "\n")] = '\0';
                snprintf(err, errlen, "cannot write \"%s\" to %s/%s: %s", buf, c->dir[i], file, strerror(-r));
        }
        return r;
}

int job_cgroup_get_text(JobCgroup *c, JobKnob k, char **ret) {
        JobController ctl = job_knob_controller(k);
        const char *file = NULL;
        char buf[64];
        int i = hierarchy_of(c, ctl, NULL, 0), r;

        if (i < 0)
                return i;
        r = job_backend(c->layout->hier[i].version)->knob(k, 100, "", &file, buf, sizeof buf);
        if (r < 0)
                return r;
        return job_cgfs_read(c->dir[i], file, ret);
}

int job_cgroup_read(JobCgroup *c, JobCounter k, uint64_t *ret) {
        int i = hierarchy_of(c, job_counter_controller(k), NULL, 0);

        if (i < 0)
                return i;
        return job_backend(c->layout->hier[i].version)->counter(c->dir[i], k, ret);
}

int job_cgroup_cpu_usec(JobCgroup *c, uint64_t *ret_user, uint64_t *ret_system) {
        _cleanup_free_ char *text = NULL;
        int r = job_cgfs_read(c->v2_dir, "cpu.stat", &text);

        if (r < 0)
                return r;
        if ((r = job_keyed_value(text, "user_usec", ret_user)) < 0 ||
            (r = job_keyed_value(text, "system_usec", ret_system)) < 0)
                return r;
        return 0;
}

int job_cgroup_parent_cpuset(JobCgroup *c, bool mems, char **ret) {
        int i = hierarchy_of(c, JOB_CTL_CPUSET, NULL, 0), r;
        _cleanup_free_ char *parent = NULL, *text = NULL;
        char *slash;

        if (i < 0)
                return i;
        parent = strdup(c->dir[i]);
        if (!parent)
                return -ENOMEM;
        slash = strrchr(parent, '/');
        if (slash && slash != parent)
                *slash = '\0';
        /* v2 tells what a cgroup may really use; v1's cpuset.cpus is it. */
        if (c->layout->hier[i].version == 2) {
                r = job_cgfs_read(parent, mems ? "cpuset.mems.effective" : "cpuset.cpus.effective", &text);
                if (r == -ENOENT)
                        r = job_cgfs_read(parent, mems ? "cpuset.mems" : "cpuset.cpus", &text);
        } else
                r = job_cgfs_read(parent, mems ? "cpuset.mems" : "cpuset.cpus", &text);
        if (r < 0)
                return r;
        text[strcspn(text, "\n")] = '\0';
        *ret = TAKE_PTR(text);
        return 0;
}

int job_cgroup_notify(JobCgroup *c, JobController ctl, JobNotify *ret) {
        int i = hierarchy_of(c, ctl, NULL, 0);

        if (i < 0)
                return i;
        return job_backend(c->layout->hier[i].version)->notify(c->dir[i], ctl, ret);
}

void job_notify_drain(JobNotify *n) {
        if (n->fd < 0)
                return;
        if (n->version == 1) {
                uint64_t v;
                while (read(n->fd, &v, sizeof v) == (ssize_t) sizeof v)
                        ;
        } else {
                /* kernfs reports a change until this very fd reads the file
                 * again. */
                _cleanup_free_ char *text = NULL;
                (void) job_cgfs_read_fd(n->fd, &text);
        }
}

void job_notify_close(JobNotify *n) {
        if (n->fd >= 0)
                close(n->fd);
        if (n->aux_fd >= 0)
                close(n->aux_fd);
        *n = JOB_NOTIFY_NULL;
}

int job_cgroup_move_out(JobCgroup *c, pid_t pid, char *err, size_t errlen) {
        const JobLayout *l = c->layout;
        char text[32];

        snprintf(text, sizeof text, "%d", (int) pid);
        /* v1 first: the process stays in the v2 job cgroup, where it is
         * tracked and killed with the job, until it has left every other
         * hierarchy. */
        for (int pass = 1; pass <= 2; pass++)
                for (size_t i = 0; i < l->n_hier; i++) {
                        const JobHierarchy *h = &l->hier[i];
                        _cleanup_free_ char *own = NULL;
                        int r;

                        if (h->version != pass || !c->dir[i])
                                continue;
                        own = path_join(h->mount, h->own);
                        if (!own)
                                return -ENOMEM;
                        r = job_cgfs_write(own, "cgroup.procs", text);
                        if (r < 0) {
                                snprintf(err, errlen, "cannot move process %d to %s: %s", (int) pid, own,
                                         strerror(-r));
                                return r;
                        }
                }
        return 0;
}

int job_cgroup_has_pid(JobCgroup *c, pid_t pid) {
        _cleanup_free_ char *text = NULL;
        int r = job_cgfs_read(c->v2_dir, "cgroup.procs", &text);

        if (r < 0)
                return r == -ENOENT ? 0 : r;
        for (char *p = text; *p;) {
                char *end;
                long v = strtol(p, &end, 10);
                if (end == p)
                        break;
                if (v == pid)
                        return 1;
                p = end;
                while (*p == '\n')
                        p++;
        }
        return 0;
}
