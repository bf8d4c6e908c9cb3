/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ocf resource type's internals: one OcfType per agent (the subtype
 * provider:agent of the class ocf, with its meta-data and property table)
 * and one Ocf per resource, which runs at most one action of its agent at a
 * time, as a child in the resource's cgroup, bounded by the action's
 * timeout.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include <wolfpack/resapi.h>

#include "ocf-exit.h"
#include "ocf-meta.h"
#include "ocf-table.h"

typedef struct OcfType {
        char *name;        /* "ocf:heartbeat:Dummy" */
        char *provider, *agent, *path;
        OcfMeta *meta;
        OcfTable *table;
        wp_type type;
} OcfType;

typedef struct Ocf Ocf;
/* An action ended: outcome and how, in text ("exit code 7 (OCF_NOT_RUNNING:
 * not running)"); alive_wanted: an is_alive waits for its answer. */
typedef void (*ocf_done_fn)(Ocf *o, OcfOutcome outcome, const char *text, bool alive_wanted);

struct Ocf {
        const wp_host *host;
        wp_resource *r;
        const OcfType *t;
        char **reskeys;          /* OCF_RESKEY_<param>=<value> */
        OcfTimeouts timeouts;
        struct {
                const char *name;    /* NULL: no action runs */
                pid_t pid;
                wp_source *child, *timer;
                wp_usec_t timeout;
                bool timed_out;
                bool alive_wanted;   /* an is_alive waits for this monitor */
                ocf_done_fn done;
        } act;
        bool running;            /* started here (or found running), not stopped since */
        bool reload_pending;     /* reloadable values changed while an action ran: reload once it ends */
        void (*idle)(Ocf *o);    /* called when an action ended and none runs */
};

/* The whole environment of action (monitor: at depth) with timeout and
 * interval, as Pacemaker passes them (OCF_RESKEY_CRM_meta_*, in ms). */
int ocf_action_env(const Ocf *o, const char *action, int depth, wp_usec_t timeout, wp_usec_t interval,
                   char ***ret);
/* Start action in the resource's cgroup; done runs on the loop when it
 * ends, or when it was killed at its timeout (with the whole cgroup). 0 or
 * a negative errno with the message set (host->error). */
int ocf_action_start(Ocf *o, const char *action, int depth, wp_usec_t timeout, wp_usec_t interval,
                     ocf_done_fn done);
/* Stop waiting for the running action and kill it (its session); no done. */
void ocf_action_cancel(Ocf *o);
/* Kill whatever runs in the resource's cgroup, wait for it to empty (at
 * most limit) and remove it. 1 when it is gone, 0 when processes are left. */
int ocf_cgroup_clear(Ocf *o, wp_usec_t limit);
/* Run a monitor at depth 0 and wait for it, at most budget: 1 running, 0 not
 * running, negative errno (message set) when it failed or took longer (it is
 * then killed). */
int ocf_action_probe(Ocf *o, wp_usec_t budget);
