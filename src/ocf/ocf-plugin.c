/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ocf resource type: any OCF resource agent as a Wolfpack resource,
 * with no Pacemaker installed. The type ocf:<provider>:<agent> is the class
 * startup's subtype provider:agent; its property table is made from the
 * agent's meta-data. Entry points run the agent's actions as Pacemaker
 * does (ocf-action.c):
 *
 *   online       start (StartActionTimeout)       0 → Online, else Failed
 *   offline      stop (StopActionTimeout)         0 → Offline, else Failed
 *   probe        monitor, depth 0, within 250 ms  0 → running, 7 → not running
 *   resume_online  the same as probe: 0 from the agent's monitor is ready
 *   looks_alive  monitor, depth 0 (MonitorActionTimeout), started now and
 *                answered as it ends: an error or 7 while Online is a failure
 *   is_alive     monitor at the agent's deepest depth (10 where it offers one)
 *   terminate    kill the resource's cgroup: the running action and whatever
 *                the agent started; the cgroup is removed once empty
 *
 * Owns the types (never freed: a monitor keeps its types) and the
 * instances. Must never run agent code in the monitor beyond fork/exec, nor
 * wait for an agent on the loop longer than the 300 ms rule allows: probe
 * and the class startup (meta-data, read on a thread of its own) wait 250 ms
 * at most.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <wolfpack/resapi.h>

#include "macro.h"
#include "ocf-agent.h"
#include "ocf-meta-read.h"
#include "ocf.h"
#include "strv.h"

#define PROBE_BUDGET (250 * WP_USEC_PER_MSEC)
/* How long validate-all may take before the values are taken unchecked. */
#define VALIDATE_BUDGET (250 * WP_USEC_PER_MSEC)
/* How long the class startup waits for an agent's meta-data; a slower one
 * is read on, and the type is there at a later try. */
#define META_DATA_BUDGET (250 * WP_USEC_PER_MSEC)
/* How long terminate waits for killed processes to leave the cgroup. */
#define CLEAR_LIMIT (200 * WP_USEC_PER_MSEC)
/* Pacemaker tells an agent a recurring monitor from a probe by its
 * interval (ocf_is_probe: interval 0). The polls' own intervals belong to
 * the monitor; these are their defaults. */
#define LOOKS_ALIVE_INTERVAL (5 * WP_USEC_PER_SEC)
#define IS_ALIVE_INTERVAL (60 * WP_USEC_PER_SEC)

static const wp_host *host;
static const wp_entry_points ocf_entry_points;

/* Every type started in this monitor; never freed. */
static OcfType **types;
static size_t n_types;

static const OcfType *type_of(wp_resource *r) {
        const char *name = host->type_name ? host->type_name(r) : NULL;
        for (size_t i = 0; name && i < n_types; i++)
                if (strcmp(types[i]->name, name) == 0)
                        return types[i];
        return NULL;
}

#define CLASS_DESCRIPTION \
        "OCF resource agents, each a type of its own: ocf:<provider>:<agent> (ocf:heartbeat:Dummy)"

/* The class itself takes no resources. */
static int refuse_class(wp_resource *r) {
        return host->error(r, -EINVAL,
                           "resource type ocf is the class of OCF agents, not an agent: name one as "
                           "ocf:<provider>:<agent> (ocf:heartbeat:Dummy)");
}

/* What an instance takes from its parameters: the agent's OCF_RESKEY_
 * environment and the actions' timeouts. */
static int take_params(Ocf *o, const void *params) {
        char **reskeys = calloc(1, sizeof(char *));
        int k = reskeys ? ocf_table_env(o->t->meta, o->t->table, params, &reskeys) : -ENOMEM;
        if (k < 0) {
                strv_free(reskeys);
                return host->error(o->r, k, "cannot pass the parameters to the agent: %s", strerror(-k));
        }
        strv_free(o->reskeys);
        o->reskeys = reskeys;
        o->timeouts = ocf_table_timeouts(o->t->table, params);
        return 0;
}

static void reload_if_pending(Ocf *o);

static int ocf_open(wp_resource *r, const void *params, wp_instance *ret) {
        const OcfType *t = type_of(r);
        if (!t)
                return refuse_class(r);
        Ocf *o = calloc(1, sizeof(*o));
        if (!o)
                return host->error(r, -ENOMEM, "out of memory");
        o->host = host;
        o->r = r;
        o->t = t;
        o->idle = reload_if_pending;
        int k = take_params(o, params);
        if (k < 0) {
                free(o);
                return k;
        }
        *ret = o;
        return 0;
}

/* The agent's validate-all on the values, where it has one, within the
 * 300 ms rule: the values are refused only when it says they are wrong. */
static int validate(wp_resource *r, const OcfType *t, const void *params) {
        if (!t->meta->validate)
                return 0;
        Ocf scratch = { .host = host, .r = r, .t = t };
        char **reskeys = calloc(1, sizeof(char *));
        int k = reskeys ? ocf_table_env(t->meta, t->table, params, &reskeys) : -ENOMEM;
        scratch.reskeys = reskeys;
        _cleanup_(strv_freep) char **env = NULL;
        if (k >= 0)
                k = ocf_action_env(&scratch, "validate-all", 0, VALIDATE_BUDGET, 0, &env);
        strv_free(reskeys);
        if (k < 0)
                return host->error(r, k, "cannot pass the parameters to the agent: %s", strerror(-k));
        char err[512];
        k = ocf_agent_validate(t->path, env, VALIDATE_BUDGET, err, sizeof(err));
        if (k > 0)
                host->log(r, WP_LOG_WARNING, "OCF_VALIDATE_DOUBTS", "%s; taken: the agent's start tells", err);
        return k < 0 ? host->error(r, k, "%s", err) : 0;
}

/* Reloadable values changed while it runs: the agent's reload action
 * (reload-agent, or the older reload) applies them, once no other action
 * runs; a reload that fails fails the resource, as Pacemaker has it. */
static void on_reloaded(Ocf *o, OcfOutcome outcome, const char *text, bool alive_wanted) {
        if (outcome == OCF_OUTCOME_SUCCESS) {
                host->log(o->r, WP_LOG_INFO, "OCF_RELOADED", "%s %s", o->t->name, text);
                return;
        }
        host->log(o->r, WP_LOG_ERROR, "OCF_RELOAD_FAILED", "%s %s", o->t->name, text);
        host->set_status(o->r, WP_STATE_FAILED, "%s", text);
}

static void reload_if_pending(Ocf *o) {
        if (!o->reload_pending || o->act.name || !o->running)
                return;
        o->reload_pending = false;
        if (ocf_action_start(o, o->t->meta->reload_action, 0, o->timeouts.start, 0, on_reloaded) < 0)
                host->set_status(o->r, WP_STATE_FAILED, "cannot run %s: the new values are not applied",
                                 o->t->meta->reload_action);
}

/* Live are the parameters the agent reloads; the others come while the
 * resource does not run. */
static int ocf_control(wp_instance inst, wp_resource *r, wp_control_code code, void *params,
                       const char *const *changed) {
        Ocf *o = inst;
        switch (code) {
        case WP_CONTROL_VALIDATE:
                return type_of(r) ? validate(r, type_of(r), params) : refuse_class(r);
        case WP_CONTROL_SET_PROPERTIES: {
                if (!o)
                        return 0;
                int k = take_params(o, params);
                if (k < 0 || !o->running || !o->t->meta->reload_action)
                        return k;
                bool reload = false;
                for (size_t i = 0; changed && changed[i]; i++)
                        for (size_t j = 0; j < o->t->meta->n_params; j++)
                                reload = reload || (o->t->meta->params[j].reloadable &&
                                                    strcasecmp(changed[i], o->t->meta->params[j].prop_name) == 0);
                o->reload_pending = o->reload_pending || reload;
                reload_if_pending(o);
                return 0;
        }
        default:
                return 0;
        }
}

static void ocf_close(wp_instance inst) {
        Ocf *o = inst;
        ocf_action_cancel(o);
        strv_free(o->reskeys);
        free(o);
}

/* A start or stop ended: the final state of the pending online or offline. */
static void finish(Ocf *o, bool ok, wp_state ok_state, const char *code, const char *text) {
        if (ok) {
                host->set_status(o->r, ok_state, "%s", text);
                return;
        }
        host->log(o->r, WP_LOG_ERROR, code, "%s %s", o->t->name, text);
        host->set_status(o->r, WP_STATE_FAILED, "%s", text);
}

static void on_started(Ocf *o, OcfOutcome outcome, const char *text, bool alive_wanted) {
        o->running = outcome == OCF_OUTCOME_SUCCESS;
        finish(o, outcome == OCF_OUTCOME_SUCCESS, WP_STATE_ONLINE, "OCF_START_FAILED", text);
}

static int ocf_online(wp_instance inst) {
        Ocf *o = inst;
        ocf_action_cancel(o);
        if (!ocf_cgroup_clear(o, CLEAR_LIMIT))
                return host->error(o->r, -EBUSY, "processes of an earlier run are left in the cgroup %s",
                                   host->cgroup_path(o->r) ?: "?");
        int k = ocf_action_start(o, "start", 0, o->timeouts.start, 0, on_started);
        return k < 0 ? k : -EINPROGRESS;
}

static void on_stopped(Ocf *o, OcfOutcome outcome, const char *text, bool alive_wanted) {
        bool ok = outcome == OCF_OUTCOME_SUCCESS || outcome == OCF_OUTCOME_NOT_RUNNING;
        o->running = false;
        o->reload_pending = false;
        /* What the agent left behind in the cgroup does not outlive it. */
        if (ok)
                (void) ocf_cgroup_clear(o, CLEAR_LIMIT);
        finish(o, ok, WP_STATE_OFFLINE, "OCF_STOP_FAILED", text);
}

static int ocf_offline(wp_instance inst) {
        Ocf *o = inst;
        ocf_action_cancel(o);
        int k = ocf_action_start(o, "stop", 0, o->timeouts.stop, 0, on_stopped);
        return k < 0 ? k : -EINPROGRESS;
}

static void ocf_terminate(wp_instance inst) {
        Ocf *o = inst;
        ocf_action_cancel(o);
        o->running = false;
        o->reload_pending = false;
        if (!ocf_cgroup_clear(o, CLEAR_LIMIT))
                host->log(o->r, WP_LOG_WARNING, "OCF_TERMINATE",
                          "processes are left in the resource's cgroup %llu ms after it was killed",
                          (unsigned long long) (CLEAR_LIMIT / WP_USEC_PER_MSEC));
}

static int ocf_probe(wp_instance inst) {
        Ocf *o = inst;
        int k = ocf_action_probe(o, o->timeouts.monitor < PROBE_BUDGET ? o->timeouts.monitor : PROBE_BUDGET);
        o->running = k > 0;
        return k;
}

/* A monitor ended: an is_alive waiting for it gets the answer; otherwise
 * (LooksAlive's) a resource found not running or in error has failed. */
static void on_monitored(Ocf *o, OcfOutcome outcome, const char *text, bool wanted) {
        bool alive = outcome == OCF_OUTCOME_SUCCESS;
        if (!alive)
                host->log(o->r, outcome == OCF_OUTCOME_NOT_RUNNING ? WP_LOG_WARNING : WP_LOG_ERROR,
                          "OCF_MONITOR_FAILED", "%s %s", o->t->name, text);
        if (wanted)
                host->alive_result(o->r, alive, "%s", text);
        else if (!alive)
                host->set_status(o->r, WP_STATE_FAILED, "%s", text);
}

static int ocf_looks_alive(wp_instance inst) {
        Ocf *o = inst;
        if (o->act.name)
                return 1; /* a monitor runs: its end answers */
        int k = ocf_action_start(o, "monitor", 0, o->timeouts.monitor, LOOKS_ALIVE_INTERVAL, on_monitored);
        return k < 0 ? k : 1;
}

static int ocf_is_alive(wp_instance inst) {
        Ocf *o = inst;
        if (!o->act.name) {
                int k = ocf_action_start(o, "monitor", o->t->meta->monitor_depth, o->timeouts.monitor,
                                         IS_ALIVE_INTERVAL, on_monitored);
                if (k < 0)
                        return k;
        } else if (strcmp(o->act.name, "monitor") != 0)
                return 1; /* start or stop runs; they report for themselves */
        o->act.alive_wanted = true;
        return -EINPROGRESS;
}

static const wp_entry_points ocf_entry_points = {
        .open = ocf_open,
        .close = ocf_close,
        .probe = ocf_probe,
        .online = ocf_online,
        .offline = ocf_offline,
        .terminate = ocf_terminate,
        .looks_alive = ocf_looks_alive,
        .is_alive = ocf_is_alive,
        /* The agent's monitor is the judge of readiness in OCF: a resource
         * whose start outlived its monitor is ready when it says running. */
        .resume_online = ocf_probe,
        .control = ocf_control,
};

static const wp_type class_type = {
        .api_version = WP_RESAPI_VERSION,
        .name = "ocf",
        .description = CLASS_DESCRIPTION,
        .ep = &ocf_entry_points,
};

static OcfType *type_free(OcfType *t) {
        if (!t)
                return NULL;
        free(t->name);
        free(t->provider);
        free(t->agent);
        free(t->path);
        ocf_meta_free(t->meta);
        ocf_table_free(t->table);
        free(t);
        return NULL;
}

static int type_new(const char *subtype, OcfType **ret, char *err, size_t errlen) {
        OcfType *t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        int k = asprintf(&t->name, "ocf:%s", subtype) < 0 ? -ENOMEM : 0;
        if (k >= 0)
                k = ocf_agent_find(subtype, &t->provider, &t->agent, &t->path, err, errlen);
        _cleanup_free_ char *xml = NULL;
        size_t len = 0;
        if (k >= 0)
                k = ocf_meta_read(t->path, META_DATA_BUDGET, &xml, &len, err, errlen);
        if (k >= 0) {
                char merr[400] = "";
                k = ocf_meta_parse(xml, len, &t->meta, merr, sizeof(merr));
                if (k >= 0)
                        k = ocf_table_new(t->meta, &t->table, merr, sizeof(merr));
                if (k < 0)
                        snprintf(err, errlen, "%s: %s", t->path, merr);
        }
        if (k < 0) {
                type_free(t);
                return k;
        }
        t->type = (wp_type) {
                .api_version = WP_RESAPI_VERSION,
                .name = t->name,
                .description = t->meta->shortdesc ? t->meta->shortdesc : "an OCF resource agent",
                .props = t->table->props,
                .params_size = t->table->params_size,
                .ep = &ocf_entry_points,
        };
        *ret = t;
        return 0;
}

int wp_resapi_startup_class(const wp_host *h, const char *subtype, const wp_type **ret, char *err, size_t errlen) {
        if (!h || !subtype || !ret)
                return -EINVAL;
        if (WP_RESAPI_VERSION < h->api_min || WP_RESAPI_VERSION > h->api_max)
                return -EPROTONOSUPPORT;
        host = h;
        if (!*subtype) {
                *ret = &class_type;
                return 0;
        }
        OcfType **grown = realloc(types, (n_types + 1) * sizeof(*grown));
        if (!grown)
                return -ENOMEM;
        types = grown;
        OcfType *t = NULL;
        int k = type_new(subtype, &t, err, errlen);
        if (k < 0)
                return k;
        types[n_types++] = t;
        *ret = &t->type;
        return 0;
}
