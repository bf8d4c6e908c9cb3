/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The monitor's process-wide state: the loop, the link to the parent, the
 * loaded types, the resources by id, the lease, the re-attach socket, the
 * cross-thread event queue and the "where" page.
 */
#pragma once

#include <pthread.h>
#include <sys/types.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <systemd/sd-event.h>

#include "hashmap.h"
#include "resmon-where.h"
#include <wolfpack/resapi.h>

typedef struct Manager Manager;
typedef struct Resource Resource;
typedef struct PluginType PluginType;
typedef struct Link Link;
typedef struct WorkerPool WorkerPool;
typedef struct EventQueue EventQueue;

typedef enum LeaseState {
        LEASE_NONE,    /* never granted: not required */
        LEASE_VALID,
        LEASE_EXPIRED,
} LeaseState;

struct Manager {
        sd_event *event;
        char *name;
        char **plugin_dirs;
        char *runtime_dir, *state_dir;
        char *daemon_id;             /* the parent's identity (--daemon-id), or NULL */
        char *cgroup_base;           /* absolute path on the v2 tree */
        wp_usec_t reattach_timeout;

        Link *link;                  /* NULL while no parent is attached */
        int listen_fd;               /* the re-attach socket, -1 when not listening */
        char *listen_path;
        pid_t candidate_pid;         /* of the last connection accepted there */
        sd_event_source *listen_source, *reattach_timer;

        Hashmap *types;              /* name → PluginType */
        Hashmap *resources;          /* id → Resource */

        LeaseState lease;
        sd_event_source *lease_timer;

        EventQueue *queue;
        WorkerPool *workers;

        int where_fd;
        struct resmon_where *where;

        bool exiting;
        wp_host host;
};

int manager_new(Manager **ret);
Manager *manager_free(Manager *m);
/* Take the parent's connection (socketpair end, or an accepted re-attach). */
int manager_attach(Manager *m, int fd);
/* The parent went away: listen for a new one for ReattachTimeout. A
 * connection accepted meanwhile that goes away before its hello was
 * accepted changes nothing: the monitor keeps listening, and the
 * ReattachTimeout keeps running. */
void manager_parent_lost(Manager *m);
/* The link's hello was accepted: it is the parent now; stop listening. */
void manager_parent_found(Manager *m);
/* Terminate every resource, close them, leave the loop. */
void manager_shutdown(Manager *m, const char *why);

/* Lease. duration 0 withdraws. */
void manager_lease(Manager *m, wp_usec_t duration);

/* Send an event or reply to the parent; dropped (and logged to stderr for
 * log events) when none is attached. Takes the reference of msg. */
void manager_send(Manager *m, json_t *msg);
/* A log event of the monitor itself or about resource r (NULL: none). */
void manager_log(Manager *m, Resource *r, wp_level level, const char *code, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));

/* Write the where page around entry point calls. */
void manager_where_enter(Manager *m, const char *resource, const char *entry_point);
void manager_where_leave(Manager *m);


/* host.c */
void host_init(wp_host *h);
/* Stop watching children nobody wants any more (at exit). */
void host_release_orphans(void);

static inline void manager_freep(Manager **m) {
        manager_free(*m);
}
