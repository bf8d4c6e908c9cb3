/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cluster log: JSON lines with a stable event code, the node, the
 * object's id and name, a level and text, in <log dir>/cluster.log, capped
 * in size and rotated once (cluster.log.1). Also kept: the last entries in
 * memory for `wolfpack log` without reading the file back. Must never lose
 * a line silently: a line that cannot be written goes to stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clusterlog.h"
#include "macro.h"
#include "time-util.h"

#define MAX_BYTES (16u * 1024u * 1024u)
#define KEEP_IN_MEMORY 2000

struct ClusterLog {
        char *path, *rotated;
        int fd;
        off_t size;
        uint32_t node;
        json_t *recent;      /* ring of the last entries */
        size_t next;
        bool complete;       /* recent holds every entry of the files: they were empty at the start and
                              * the ring never dropped one */
        clusterlog_fn listener;
        void *listener_data;
};

int clusterlog_new(const char *dir, uint32_t node, ClusterLog **ret) {
        ClusterLog *l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->node = node;
        l->fd = -1;
        l->recent = json_array();
        if (asprintf(&l->path, "%s/cluster.log", dir) < 0 || asprintf(&l->rotated, "%s/cluster.log.1", dir) < 0) {
                clusterlog_free(l);
                return -ENOMEM;
        }
        (void) mkdir(dir, 0750);
        l->fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (l->fd < 0) {
                int k = -errno;
                clusterlog_free(l);
                return k;
        }
        struct stat st;
        if (fstat(l->fd, &st) == 0)
                l->size = st.st_size;
        l->complete = l->size == 0 && access(l->rotated, F_OK) < 0;
        *ret = l;
        return 0;
}

ClusterLog *clusterlog_free(ClusterLog *l) {
        if (!l)
                return NULL;
        if (l->fd >= 0)
                close(l->fd);
        json_decref(l->recent);
        free(l->path);
        free(l->rotated);
        free(l);
        return NULL;
}

void clusterlog_set_listener(ClusterLog *l, clusterlog_fn fn, void *userdata) {
        l->listener = fn;
        l->listener_data = userdata;
}

static void rotate(ClusterLog *l) {
        if (rename(l->path, l->rotated) < 0)
                return;
        int fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (fd < 0)
                return;
        close(l->fd);
        l->fd = fd;
        l->size = 0;
}

void clusterlog_add(ClusterLog *l, json_t *entry) {
        char when[40];
        if (!json_object_get(entry, "time"))
                json_object_set_new(entry, "time", json_string(format_utc_now(when, sizeof(when))));
        if (!json_object_get(entry, "node"))
                json_object_set_new(entry, "node", json_integer(l->node));
        json_object_del(entry, "t_ms");
        char *line = json_dumps(entry, JSON_COMPACT);
        if (line) {
                size_t n = strlen(line);
                line[n] = '\n';
                if (l->size + (off_t) n + 1 > (off_t) MAX_BYTES)
                        rotate(l);
                ssize_t w = write(l->fd, line, n + 1);
                if (w < 0 || (size_t) w != n + 1)
                        fprintf(stderr, "%.*s", (int) n + 1, line);
                else
                        l->size += w;
                free(line);
        }
        if (json_array_size(l->recent) < KEEP_IN_MEMORY)
                json_array_append(l->recent, entry);
        else {
                l->complete = false;
                json_array_set(l->recent, l->next, entry);
                l->next = (l->next + 1) % KEEP_IN_MEMORY;
        }
        if (l->listener)
                l->listener(entry, l->listener_data);
        json_decref(entry);
}

void clusterlog_printf(ClusterLog *l, const char *level, const char *code, const char *object_id,
                       const char *object_name, const char *fmt, ...) {
        char *text = NULL;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&text, fmt, ap) < 0)
                text = NULL;
        va_end(ap);
        json_t *e = json_pack("{s:s, s:s, s:s}", "level", level, "code", code, "text", text ? text : "");
        free(text);
        if (!e)
                return;
        if (object_id)
                json_object_set_new(e, "resource", json_string(object_id));
        if (object_name)
                json_object_set_new(e, "name", json_string(object_name));
        clusterlog_add(l, e);
}

json_t *clusterlog_recent(ClusterLog *l, const char *since_utc) {
        json_t *out = json_array();
        size_t n = json_array_size(l->recent);
        for (size_t i = 0; i < n; i++) {
                json_t *e = json_array_get(l->recent, (l->next + i) % n);
                const char *t = json_string_value(json_object_get(e, "time"));
                if (!since_utc || (t && strcmp(t, since_utc) >= 0))
                        json_array_append(out, e);
        }
        return out;
}

static bool matches(const json_t *e, const char *since) {
        const char *t = json_string_value(json_object_get(e, "time"));
        return !since || (t && strcmp(t, since) >= 0);
}

/* Entries of one file, newest first, appended to newest until it holds
 * want; *ret_older: an entry before since was met (nothing older needs
 * reading). Lines that are not entries are skipped. */
static void read_back(const char *path, const char *since, size_t want, json_t *newest, bool *ret_older) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || st.st_size == 0)
                return;
        size_t size = (size_t) st.st_size;
        char *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED)
                return;
        size_t end = size;
        while (end > 0 && json_array_size(newest) < want && !*ret_older) {
                size_t start = end;
                if (map[start - 1] == '\n')
                        start--;
                size_t line_end = start;
                while (start > 0 && map[start - 1] != '\n')
                        start--;
                json_t *e = line_end > start ? json_loadb(map + start, line_end - start, 0, NULL) : NULL;
                if (json_is_object(e)) {
                        if (matches(e, since))
                                json_array_append(newest, e);
                        else
                                *ret_older = true;
                }
                json_decref(e);
                end = start;
        }
        munmap(map, size);
}

int clusterlog_query(ClusterLog *l, const char *since, unsigned limit, json_t **ret, bool *ret_more) {
        json_t *mem = clusterlog_recent(l, since);
        if (!mem)
                return -ENOMEM;
        size_t n = json_array_size(mem);
        bool before = false;
        if (since && n < json_array_size(l->recent))
                before = true; /* memory reaches back past since */
        if (n > limit || l->complete || before) {
                json_t *out = json_array();
                for (size_t i = n > limit ? n - limit : 0; out && i < n; i++)
                        json_array_append(out, json_array_get(mem, i));
                json_decref(mem);
                if (!out)
                        return -ENOMEM;
                *ret = out;
                *ret_more = n > limit;
                return 0;
        }
        json_decref(mem);
        /* Memory does not reach back so far: the files, newest first. */
        json_t *newest = json_array();
        if (!newest)
                return -ENOMEM;
        bool older = false;
        read_back(l->path, since, (size_t) limit + 1, newest, &older);
        read_back(l->rotated, since, (size_t) limit + 1, newest, &older);
        size_t m = json_array_size(newest);
        json_t *out = json_array();
        for (size_t i = m > limit ? limit : m; out && i > 0; i--)
                json_array_append(out, json_array_get(newest, i - 1));
        json_decref(newest);
        if (!out)
                return -ENOMEM;
        *ret = out;
        *ret_more = m > limit;
        return 0;
}
