/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * GET /metrics: the state of the cluster as this node sees it, in the
 * Prometheus text exposition format (version 0.0.4). Every node answers
 * for the whole cluster (nodes, groups, resources, as the API shows them)
 * and for itself (its requests to its monitors, its restarts and
 * failovers, its processes' memory). Reads only: never changes anything,
 * never blocks (the /proc files it reads are in memory).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "macro.h"
#include "metrics.h"

static const char *const request_kinds[] = { "open", "probe", "online", "offline", "terminate", "close", "other" };
/* Upper bounds of the histogram's buckets, seconds; the last is +Inf. */
static const double bucket_s[METRICS_BUCKETS - 1] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                       0.1,   0.25,   0.5,   1,    5 };

static size_t kind_index(const char *what) {
        for (size_t i = 0; i + 1 < ELEMENTSOF(request_kinds); i++)
                if (what && strcmp(what, request_kinds[i]) == 0)
                        return i;
        return ELEMENTSOF(request_kinds) - 1;
}

void metrics_request_done(Daemon *d, const char *what, uint64_t usec) {
        MetricsHistogram *h = &d->metrics.requests[kind_index(what)];
        size_t b = 0;
        while (b < ELEMENTSOF(bucket_s) && (double) usec / 1e6 > bucket_s[b])
                b++;
        h->buckets[b]++;
        h->count++;
        h->sum_usec += usec;
}

/* A label value as the format escapes it: backslash, quote, newline. */
static void label(FILE *f, const char *s) {
        fputc('"', f);
        for (; s && *s; s++) {
                if (*s == '\\' || *s == '"')
                        fputc('\\', f);
                if (*s == '\n') {
                        fputs("\\n", f);
                        continue;
                }
                fputc(*s, f);
        }
        fputc('"', f);
}

/* metric{k="v",...} value: labels as pairs of arguments, NULL after the
 * last (at least one pair). */
static void sample(FILE *f, const char *metric, uint64_t value, ...) {
        va_list ap;
        va_start(ap, value);
        fputs(metric, f);
        char sep = '{';
        for (const char *k; (k = va_arg(ap, const char *)); sep = ',') {
                fprintf(f, "%c%s=", sep, k);
                label(f, va_arg(ap, const char *));
        }
        va_end(ap);
        fprintf(f, "} %" PRIu64 "\n", value);
}

static void family(FILE *f, const char *name, const char *type, const char *help) {
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static const char *jstr(const json_t *o, const char *k) {
        return json_string_value(json_object_get(o, k));
}

/* VmRSS of a process, bytes; 0 when it cannot be read. */
static uint64_t rss_bytes(pid_t pid) {
        char path[64], line[256];
        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        while (f && fgets(line, sizeof(line), f))
                if (strncmp(line, "VmRSS:", 6) == 0)
                        return strtoull(line + 6, NULL, 10) * 1024;
        return 0;
}

/* This node's monitors: wolfpackd's children named wolfpack-resmon. */
static void monitors_memory(FILE *f) {
        DIR *dp = opendir("/proc");
        struct dirent *e;
        pid_t self = getpid();
        while (dp && (e = readdir(dp))) {
                if (!isdigit((unsigned char) e->d_name[0]))
                        continue;
                char path[64], stat[512];
                snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
                _cleanup_fclose_ FILE *s = fopen(path, "re");
                if (!s || !fgets(stat, sizeof(stat), s))
                        continue;
                /* pid (comm) state ppid ...: comm may hold spaces, up to the last ')'. */
                char *open = strchr(stat, '('), *close = strrchr(stat, ')');
                int ppid = 0;
                if (!open || !close || close < open || sscanf(close + 1, " %*c %d", &ppid) != 1 || ppid != self)
                        continue;
                *close = 0;
                if (strcmp(open + 1, "wolfpack-resmon") != 0)
                        continue;
                fprintf(f, "wolfpack_process_resident_bytes{process=\"monitor\",pid=\"%s\"} %" PRIu64 "\n", e->d_name,
                        rss_bytes((pid_t) atoi(e->d_name)));
        }
        if (dp)
                closedir(dp);
}

static const char *const resource_states[] = { "Offline", "OnlinePending", "Online", "OfflinePending", "Failed" };
static const char *const group_states[] = { "Offline", "Pending", "Online", "PartialOnline", "Failed" };

char *metrics_text(Daemon *d) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        const char *me = d->cfg.node_name ? d->cfg.node_name : "";

        family(f, "wolfpack_cluster_quorate", "gauge", "1 when this node's partition has quorum");
        fprintf(f, "wolfpack_cluster_quorate %d\n", d->view.quorate ? 1 : 0);
        family(f, "wolfpack_cluster_members", "gauge", "Nodes running wolfpackd in this node's view");
        fprintf(f, "wolfpack_cluster_members %u\n", d->view.n_members);
        family(f, "wolfpack_cluster_nodes", "gauge", "Nodes in the cluster's node list");
        fprintf(f, "wolfpack_cluster_nodes %" PRIu64 "\n", db_count(d->db, DB_NODES));

        json_t *nodes = db_nodes(d->db);
        size_t i;
        json_t *o;
        family(f, "wolfpack_node_up", "gauge", "1 when the node is up (Up or Paused), 0 when down");
        json_array_foreach(nodes, i, o) {
                rt_node_json(d, json_incref(o));
                json_decref(o);
                sample(f, "wolfpack_node_up", jstr(o, "state") && strcmp(jstr(o, "state"), "Down") != 0, "node",
                       jstr(o, "name"), NULL);
        }
        family(f, "wolfpack_node_paused", "gauge", "1 when the node is paused (takes no new groups)");
        json_array_foreach(nodes, i, o)
                sample(f, "wolfpack_node_paused", json_is_true(json_object_get(o, "paused")), "node", jstr(o, "name"),
                       NULL);
        family(f, "wolfpack_node_groups", "gauge", "Groups the node owns");
        json_array_foreach(nodes, i, o)
                sample(f, "wolfpack_node_groups", (uint64_t) json_integer_value(json_object_get(o, "groups")), "node",
                       jstr(o, "name"), NULL);
        json_decref(nodes);

        json_t *groups = db_groups(d->db), *all = db_resources(d->db, NULL), *by_group = json_object();
        json_array_foreach(all, i, o) {
                json_t *list = json_object_get(by_group, jstr(o, "group_id"));
                if (!list) {
                        list = json_array();
                        json_object_set_new(by_group, jstr(o, "group_id"), list);
                }
                json_array_append(list, o);
        }
        family(f, "wolfpack_group_state", "gauge", "1 for the group's state, 0 for the others");
        json_array_foreach(groups, i, o) {
                json_t *mine = json_object_get(by_group, jstr(o, "id"));
                const char *state = rt_group_state(d, jstr(o, "id"), mine ? mine : NULL);
                for (size_t s = 0; s < ELEMENTSOF(group_states); s++)
                        sample(f, "wolfpack_group_state", strcmp(state, group_states[s]) == 0, "group", jstr(o, "name"),
                               "state", group_states[s], NULL);
        }
        family(f, "wolfpack_group_owner", "gauge", "1 on the node that owns the group");
        json_array_foreach(groups, i, o) {
                RtGroup *g = hashmap_get(d->groups, jstr(o, "id"));
                const char *owner = g && g->owner ? node_name(d, g->owner) : NULL;
                if (owner)
                        sample(f, "wolfpack_group_owner", 1, "group", jstr(o, "name"), "node", owner, NULL);
        }
        family(f, "wolfpack_group_failovers_total", "counter",
               "Failures of the group on this node (each one failed it over or left it Failed), since wolfpackd started");
        json_array_foreach(groups, i, o) {
                RtGroup *g = hashmap_get(d->groups, jstr(o, "id"));
                sample(f, "wolfpack_group_failovers_total", g ? g->failovers : 0, "group", jstr(o, "name"), "node", me,
                       NULL);
        }
        family(f, "wolfpack_resource_state", "gauge", "1 for the resource's state, 0 for the others");
        json_array_foreach(all, i, o) {
                RtResource *r = hashmap_get(d->resources, jstr(o, "id"));
                const char *state = r && r->state ? r->state : "Offline";
                for (size_t s = 0; s < ELEMENTSOF(resource_states); s++)
                        sample(f, "wolfpack_resource_state", strcmp(state, resource_states[s]) == 0, "resource",
                               jstr(o, "name"), "group", jstr(o, "group"), "type", jstr(o, "type"), "state",
                               resource_states[s], NULL);
        }
        family(f, "wolfpack_resource_restarts_total", "counter",
               "Restarts of the resource by its policy on this node, since wolfpackd started");
        json_array_foreach(all, i, o) {
                RtResource *r = hashmap_get(d->resources, jstr(o, "id"));
                sample(f, "wolfpack_resource_restarts_total", r ? r->restarts : 0, "resource", jstr(o, "name"), "node",
                       me, NULL);
        }
        json_decref(by_group);
        json_decref(all);
        json_decref(groups);

        family(f, "wolfpack_monitor_request_seconds", "histogram",
               "This node's requests to its resource monitors, from sent to answered, by kind");
        for (size_t k = 0; k < ELEMENTSOF(request_kinds); k++) {
                const MetricsHistogram *h = &d->metrics.requests[k];
                uint64_t cum = 0;
                for (size_t b = 0; b < METRICS_BUCKETS; b++) {
                        cum += h->buckets[b];
                        fprintf(f, "wolfpack_monitor_request_seconds_bucket{request=\"%s\",le=", request_kinds[k]);
                        if (b < ELEMENTSOF(bucket_s))
                                fprintf(f, "\"%g\"", bucket_s[b]);
                        else
                                fputs("\"+Inf\"", f);
                        fprintf(f, "} %" PRIu64 "\n", cum);
                }
                fprintf(f, "wolfpack_monitor_request_seconds_sum{request=\"%s\"} %.6f\n", request_kinds[k],
                        (double) h->sum_usec / 1e6);
                fprintf(f, "wolfpack_monitor_request_seconds_count{request=\"%s\"} %" PRIu64 "\n", request_kinds[k],
                        h->count);
        }

        family(f, "wolfpack_process_resident_bytes", "gauge", "Resident memory of wolfpackd and of its monitors");
        fprintf(f, "wolfpack_process_resident_bytes{process=\"wolfpackd\",pid=\"%d\"} %" PRIu64 "\n", (int) getpid(),
                rss_bytes(getpid()));
        monitors_memory(f);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}
