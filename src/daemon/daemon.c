/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wolfpackd's parts and their wiring: the database, the engine, the
 * monitors, the cluster log and the API, and the callbacks that join them
 * (engine → commands → failover manager; monitors → runtime state → event
 * stream). Holds no state of its own beyond the parts; decides nothing.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "daemon.h"
#include "decide.h"
#include "evict.h"
#include "http.h"
#include "macro.h"
#include "monitors.h"
#include "statedir.h"
#include "time-util.h"

/* ---- engine callbacks ---- */

static void on_view(const EngineView *v, void *userdata) {
        Daemon *d = userdata;
        d->view = *v;
        clusterlog_printf(d->log, "notice", "NODE_VIEW", NULL, NULL, "membership: %u node(s), %s", v->n_members,
                          v->quorate ? "quorate" : "without quorum");
        /* Many nodes: the lease follows this node's heartbeats (share.c). */
        if (!d->multi)
                monitors_set_lease(d->monitors, v->quorate);
        share_view(d);
        log_gather_view(d);
        /* The members compare their databases first: what acts on this
         * node's database waits until it is in sync (daemon_synced). */
        sync_view(d->sync, v);
        fm_kick(d);
}

void daemon_synced(Daemon *d) {
        /* Only now can this node's changes take, on a database that holds
         * what the others hold. */
        d->have_view = true;
        /* Once, in the first view that takes changes (a view of a
         * minority of the nodes refuses them). */
        if (!d->announced && sync_takes_changes(d->sync)) {
                d->announced = true;
                /* Make sure this node is in the database (node.set is idempotent). */
                json_t *m = json_pack("{s:s, s:i, s:s}", "type", "node.set", "id", (int) d->cfg.node_id, "name",
                                      d->cfg.node_name);
                if (m)
                        (void) command_send(d, m, NULL, NULL);
                /* PersistentState=0: such groups start offline with the
                 * service — here on one node; in a cluster, when the
                 * cluster starts as a whole, by its coordinator
                 * (coordinator.c): a node that starts alone joins groups
                 * that may run elsewhere. */
                json_t *groups = d->multi ? json_array() : db_groups(d->db);
                size_t i;
                json_t *g;
                json_array_foreach(groups, i, g) {
                        const char *gid = json_string_value(json_object_get(g, "id"));
                        RtGroup *rg = hashmap_get(d->groups, gid);
                        if (rg && rg->owner)
                                continue; /* running already (re-attached) */
                        if (!decide_group_persistent(g) && strcmp(json_string_value(json_object_get(g, "desired")), "online") == 0) {
                                json_t *off = json_pack("{s:s, s:s, s:s}", "type", "group.desire", "id", gid, "state",
                                                        "offline");
                                if (off)
                                        (void) command_send(d, off, NULL, NULL);
                        }
                }
                json_decref(groups);
        }
        d->cold_start = d->multi && sync_cold_start(d->sync);
        /* A new round: what a cluster start held is placed as usual. */
        size_t it = 0;
        RtGroup *rg;
        while ((rg = hashmap_next(d->groups, &it, NULL)))
                rg->cold_held = false;
        fm_kick(d);
}

static void on_deliver(const json_t *msg, void *userdata) {
        command_delivered(userdata, msg);
}

static void on_engine_log(const char *level, const char *code, const char *text, void *userdata) {
        Daemon *d = userdata;
        clusterlog_printf(d->log, level, code, NULL, NULL, "%s", text);
}

/* ---- monitor callbacks ---- */

static void on_monitor_state(Monitors *m, const char *resource, const char *state, const char *previous,
                             const char *reason, json_t *properties, void *userdata) {
        fm_resource_state(userdata, resource, state, reason, properties);
}

static void on_adopted(Monitors *m, const MonitorsSnapshot *s, void *userdata) {
        Daemon *d = userdata;
        RtResource *r = rt_resource(d, s->resource);
        if (!r)
                return;
        r->opened = true;
        json_t *db = db_resource(d->db, s->resource);
        if (db && strcmp(s->state, "Offline") != 0 && strcmp(s->state, "Failed") != 0) {
                RtGroup *g = rt_group(d, json_string_value(json_object_get(db, "group_id")));
                if (g)
                        g->owner = d->cfg.node_id;
        }
        json_decref(db);
        clusterlog_printf(d->log, "notice", "RESOURCE_ADOPTED", s->resource, s->name, "found %s in monitor %s",
                          s->state, s->monitor);
        fm_apply_deadlock_timeout(d, s->resource);
        fm_resource_state(d, s->resource, s->state, "re-attached", NULL);
        /* The read-only values (ProcessId) come from the snapshot. */
        json_t *ro = json_object();
        json_t *pid = json_object_get(s->properties, "ProcessId");
        if (ro && pid)
                json_object_set(ro, "ProcessId", pid);
        readonly_set(r, ro);
        json_decref(ro);
}

static void on_reattached(Monitors *m, unsigned n_monitors, unsigned n_resources, void *userdata) {
        Daemon *d = userdata;
        d->reattaching = false;
        share_view(d); /* what this node runs is known now: it can report it */
        if (n_monitors > 0)
                clusterlog_printf(d->log, "notice", "NODE_REATTACHED", NULL, NULL,
                                  "re-attached to %u resource monitor(s) holding %u resource(s)", n_monitors, n_resources);
        fm_kick(d);
}

static void on_monitor_died(Monitors *m, const MonitorsDeath *death, void *userdata) {
        Daemon *d = userdata;
        _cleanup_free_ char *name = rt_object_name(d, "resource", death->resource);
        clusterlog_printf(d->log, "error", "MONITOR_DIED", death->resource, name, "resource monitor %s (pid %d): %s",
                          death->monitor, (int) death->pid, death->reason ? death->reason : "ended");
}

static void on_monitor_log(Monitors *m, json_t *entry, void *userdata) {
        Daemon *d = userdata;
        json_t *e = json_deep_copy(entry);
        if (!e)
                return;
        json_object_del(e, "type");
        clusterlog_add(d->log, e);
}

static void on_log_entry(const json_t *entry, void *userdata) {
        Daemon *d = userdata;
        json_t *ev = json_deep_copy(entry);
        if (ev) {
                json_object_set_new(ev, "type", json_string("log"));
                if (d->cfg.node_name)
                        json_object_set_new(ev, "node_name", json_string(d->cfg.node_name));
                events_emit(d, ev);
        }
        log_gather_relay(d, entry);
}

/* ---- life cycle ---- */

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Daemon *d = userdata;
        if (d->stopping) {
                /* A second signal: leave now, applications keep running
                 * under their monitors, which wait for a new wolfpackd. */
                clusterlog_printf(d->log, "warning", "NODE_LEAVING", NULL, NULL, "second stop signal: leaving at once");
                sd_event_exit(d->event, 0);
                return 0;
        }
        fm_shutdown(d);
        return 0;
}

static int mkdir_p(const char *path) {
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++)
                if (*s == '/') {
                        *s = 0;
                        if (mkdir(p, 0755) < 0 && errno != EEXIST)
                                return -errno;
                        *s = '/';
                }
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int daemon_new(const DaemonConfig *cfg, Daemon **ret, char *err, size_t errlen) {
        Daemon *d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->cfg = *cfg;
        d->state_lock_fd = -1;
        d->log_lock_fd = -1;
        d->resources = hashmap_new();
        d->groups = hashmap_new();
        d->waiters = hashmap_new();
        d->types = hashmap_new();
        /* Random per start, so that a node restarted within the same
         * second (or with its clock set back) is told from its former self;
         * below 2^62, as messages carry it as a JSON integer. */
        uint64_t inc = 0;
        if (getrandom(&inc, sizeof(inc), 0) != sizeof(inc)) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                inc = (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
        }
        d->incarnation = (inc & ((UINT64_C(1) << 62) - 1)) | 1;
        int k = sd_event_default(&d->event);
        if (k < 0 || !d->resources || !d->groups || !d->waiters || !d->types) {
                snprintf(err, errlen, "cannot set up the event loop: %s", strerror(k < 0 ? -k : ENOMEM));
                daemon_free(d);
                return k < 0 ? k : -ENOMEM;
        }
        *ret = d;
        return 0;
}

/* The corosync engine, and this node's id and name from it; a different
 * node-id or node-name in wolfpackd's own configuration is refused rather
 * than one of them silently winning. */
static int start_corosync(Daemon *d, char *err, size_t errlen) {
        EngineCallbacks cb = { .view = on_view, .deliver = on_deliver, .log = on_engine_log };
        int k = engine_corosync_new(d->event, d->incarnation, &cb, d, &d->engine, err, errlen);
        if (k < 0)
                return k;
        const char *name = engine_node_name(d->engine, d->engine->node_id);
        if (d->cfg.node_id_given && d->cfg.node_id != d->engine->node_id) {
                snprintf(err, errlen, "node-id = %u, but corosync says this node is %u; with engine = corosync leave "
                         "node-id out (corosync.conf's nodelist gives it)", d->cfg.node_id, d->engine->node_id);
                return -EINVAL;
        }
        if (d->cfg.node_name_given && strcmp(d->cfg.node_name, name) != 0) {
                snprintf(err, errlen, "node-name = %s, but corosync names this node %s; with engine = corosync leave "
                         "node-name out (corosync.conf's nodelist gives it)", d->cfg.node_name, name);
                return -EINVAL;
        }
        /* d->cfg's strings belong to main's configuration (daemon_new
         * copies the struct): the name from corosync is the daemon's own. */
        d->corosync_name = strdup(name);
        if (!d->corosync_name)
                return -ENOMEM;
        d->cfg.node_name = d->corosync_name;
        d->cfg.node_id = d->engine->node_id;
        d->multi = true;
        char warn[512];
        k = cluster_timing(d->engine->token_usec, d->engine->consensus_usec, d->engine->verdict_usec,
                           d->cfg.lease_timeout_usec,
                           d->cfg.lease_given, d->cfg.stop_budget_usec, d->cfg.takeover_delay_usec, &d->timing, err,
                           errlen, warn, sizeof(warn));
        if (k < 0)
                return k;
        if (warn[0])
                fprintf(stderr, "wolfpackd: %s\n", warn);
        d->cfg.lease_timeout_usec = d->timing.lease_usec;
        return 0;
}

int daemon_start(Daemon *d, char *err, size_t errlen) {
        int k;
        /* The state directory first: a second daemon on it must leave
         * before it touches anything the first one uses. */
        if ((k = mkdir_p(d->cfg.state_dir)) < 0) {
                snprintf(err, errlen, "cannot create %s: %s", d->cfg.state_dir, strerror(-k));
                return k;
        }
        if ((k = statedir_lock(d->cfg.state_dir, &d->state_lock_fd, err, errlen)) < 0 ||
            (k = statedir_identity(d->cfg.state_dir, &d->daemon_id, err, errlen)) < 0)
                return k;
        const char *dirs[] = { d->cfg.runtime_dir, d->cfg.log_dir };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                if ((k = mkdir_p(dirs[i])) < 0) {
                        snprintf(err, errlen, "cannot create %s: %s", dirs[i], strerror(-k));
                        return k;
                }
        if ((k = logdir_lock(d->cfg.log_dir, &d->log_lock_fd, err, errlen)) < 0)
                return k;
        /* Corosync says who this node is, so it comes before anything that
         * names the node; it delivers nothing before the loop runs. */
        if (d->cfg.engine_corosync && (k = start_corosync(d, err, errlen)) < 0)
                return k;
        if ((k = clusterlog_new(d->cfg.log_dir, d->cfg.node_id, &d->log)) < 0) {
                snprintf(err, errlen, "cannot open the cluster log in %s: %s", d->cfg.log_dir, strerror(-k));
                return k;
        }
        clusterlog_set_listener(d->log, on_log_entry, d);

        if ((k = replica_open(d, err, errlen)) < 0)
                return k;

        /* Our own cgroup subtree: the daemon in <own>/daemon, monitors in
         * <own>/monitor/<daemon id>, resources in <own>/res/<resource id>,
         * so that v2's rule of no processes in inner cgroups holds and
         * several nodes can share a machine: daemons started from one
         * cgroup share <own>/daemon and <own>/res (resource ids are
         * random), but each one's monitors are apart. */
        _cleanup_free_ char *own = NULL, *daemon_cg = NULL, *res_cg = NULL, *mon_cg = NULL;
        if ((k = cg_own_path(&own)) < 0) {
                snprintf(err, errlen, "cannot find wolfpackd's cgroup on the cgroup2 tree: %s", strerror(-k));
                return k;
        }
        /* Started again inside our own daemon cgroup (a restart): the
         * subtree is the parent's. */
        size_t ol = strlen(own);
        if (ol > 7 && strcmp(own + ol - 7, "/daemon") == 0)
                own[ol - 7] = 0;
        if (asprintf(&daemon_cg, "%s/daemon", own) < 0 || asprintf(&res_cg, "%s/res", own) < 0 ||
            asprintf(&mon_cg, "%s/monitor/%s", own, d->daemon_id) < 0)
                return -ENOMEM;
        if ((k = cg_create(daemon_cg)) < 0 || (k = cg_attach(daemon_cg, getpid())) < 0) {
                snprintf(err, errlen, "cannot move wolfpackd into its cgroup %s: %s", daemon_cg, strerror(-k));
                return k;
        }

        MonitorsConfig mc = {
                .monitor_path = d->cfg.monitor_path,
                .plugin_dir = d->cfg.plugin_path,
                .runtime_dir = d->cfg.runtime_dir,
                .state_dir = d->cfg.state_dir,
                .daemon_id = d->daemon_id,
                .resource_cgroup = res_cg,
                .monitor_cgroup = mon_cg,
                .reattach_timeout_usec = d->cfg.reattach_timeout_usec,
                .lease_timeout_usec = d->cfg.lease_timeout_usec,
        };
        MonitorsCallbacks cb = { .state = on_monitor_state, .log = on_monitor_log, .monitor_died = on_monitor_died,
                                 .adopted = on_adopted };
        if ((k = monitors_new(d->event, &mc, &cb, d, &d->monitors, err, errlen)) < 0)
                return k;
        /* Monitors left by an earlier wolfpackd: take their resources back
         * as they are. */
        d->reattaching = monitors_reattach(d->monitors, on_reattached, d) >= 0;

        if (!d->engine &&
            (k = engine_local_new(d->event, d->cfg.node_id, &(EngineCallbacks) { .view = on_view, .deliver = on_deliver },
                                  d, &d->engine)) < 0) {
                snprintf(err, errlen, "cannot start the local engine: %s", strerror(-k));
                return k;
        }
        if ((k = api_start(d, err, errlen)) < 0 || (k = share_start(d, err, errlen)) < 0)
                return k;

        sigset_t ss;
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigprocmask(SIG_BLOCK, &ss, NULL);
        signal(SIGPIPE, SIG_IGN);
        (void) sd_event_add_signal(d->event, NULL, SIGTERM, on_signal, d);
        (void) sd_event_add_signal(d->event, NULL, SIGINT, on_signal, d);

        clusterlog_printf(d->log, "notice", "NODE_STARTED", NULL, NULL, "wolfpackd started on node %s (id %u), engine %s",
                          d->cfg.node_name, d->cfg.node_id, d->engine->ops->name);
        if (d->multi)
                clusterlog_printf(d->log, "info", "NODE_TIMINGS", NULL, NULL,
                                  "lease %llu ms, heartbeat %llu ms, stop budget %llu ms, takeover delay %llu ms",
                                  (unsigned long long) d->timing.lease_usec / 1000,
                                  (unsigned long long) d->timing.heartbeat_usec / 1000,
                                  (unsigned long long) d->timing.stop_budget_usec / 1000,
                                  (unsigned long long) d->timing.takeover_delay_usec / 1000);
        (void) sd_notify(0, "READY=1");
        return 0;
}

static void free_json(void *j) {
        json_decref(j);
}

Daemon *daemon_free(Daemon *d) {
        if (!d)
                return NULL;
        d->http = http_server_free(d->http);
        d->https = http_server_free(d->https);
        share_stop(d);
        command_batch_free(d); /* what was applied reaches the disk */
        log_gather_stop(d);    /* before the engine: the entries not relayed yet go out */
        engine_free(d->engine);
        monitors_free(d->monitors);
        /* No answer comes any more: what still waits for one ends here. */
        readonly_stop(d);
        api_stop(d);
        fm_free(d);
        evict_free(d);
        size_t it = 0;
        RtResource *r;
        while ((it = 0, r = hashmap_next(d->resources, &it, NULL)))
                rt_forget_resource(d, r->id);
        RtGroup *g;
        while ((it = 0, g = hashmap_next(d->groups, &it, NULL)))
                rt_forget_group(d, g->id);
        hashmap_free(d->resources);
        hashmap_free(d->groups);
        hashmap_free_with(d->waiters, free);
        hashmap_free_with(d->types, free_json);
        free(d->streams);
        sd_event_source_disable_unref(d->evaluate);
        sync_free(d->sync);
        db_free(d->db);
        clusterlog_free(d->log);
        sd_event_unref(d->event);
        free(d->daemon_id);
        free(d->corosync_name);
        if (d->log_lock_fd >= 0)
                close(d->log_lock_fd);
        if (d->state_lock_fd >= 0)
                close(d->state_lock_fd);
        free(d);
        return NULL;
}
