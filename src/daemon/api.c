/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The API's routes (docs/api.md): reads join the database with runtime
 * state; every change becomes a message (commands.c) and is answered once
 * it has been applied, or refused with a message a person can act on.
 * Values are validated before anything is sent: common properties against
 * the policy tables, private ones by the type's own table in a monitor.
 * Must never change state except through a message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "cluster-props.h"
#include "console.h"
#include "api-body.h"
#include "clusterlog-merge.h"
#include "daemon.h"
#include "decide.h"
#include "http.h"
#include "macro.h"
#include "monitors.h"
#include "props.h"
#include "strv.h"
#include "time-util.h"
#include "token.h"
#include "why.h"

static const char *jstr(const json_t *o, const char *k) {
        return json_string_value(json_object_get(o, k));
}

/* ---- pending replies ---- */

/* A request waiting for something (a message to apply, a monitor to
 * answer): the reply goes out only if the client is still there. Each is
 * on the daemon's list until it is answered, or until the daemon ends
 * (a monitor that leaves answers nothing). */
typedef struct Pending {
        Daemon *d;
        HttpRequest *req;
        char *id;           /* the object concerned */
        char *kind;         /* "group", "resource", NULL */
        int status;         /* to answer on success */
        json_t *extra;      /* merged into the answer */
        json_t *msg;        /* a message to send once validation passed */
        struct Pending *next, **prevp;
} Pending;

static void pending_gone(HttpRequest *req, void *userdata) {
        Pending *p = userdata;
        p->req = NULL;
}

static Pending *pending_new(Daemon *d, HttpRequest *req, const char *kind, const char *id, int status) {
        Pending *p = calloc(1, sizeof(*p));
        if (!p)
                return NULL;
        p->d = d;
        p->req = req;
        p->kind = kind ? strdup(kind) : NULL;
        p->id = id ? strdup(id) : NULL;
        p->status = status;
        http_request_on_gone(req, pending_gone, p);
        p->next = d->pendings;
        if (p->next)
                p->next->prevp = &p->next;
        p->prevp = &d->pendings;
        d->pendings = p;
        return p;
}

static void pending_free(Pending *p) {
        *p->prevp = p->next;
        if (p->next)
                p->next->prevp = p->prevp;
        if (p->req)
                http_request_on_gone(p->req, NULL, NULL);
        json_decref(p->extra);
        json_decref(p->msg);
        free(p->id);
        free(p->kind);
        free(p);
}

static json_t *cluster_json(Daemon *d);

static json_t *object_json(Daemon *d, const char *kind, const char *id) {
        if (!kind || !id)
                return NULL;
        if (strcmp(kind, "cluster") == 0)
                return cluster_json(d);
        if (strcmp(kind, "node") == 0)
                return rt_node_find(d, (uint32_t) strtoul(id, NULL, 10));
        if (strcmp(kind, "token") == 0)
                return db_token(d->db, id);
        if (strcmp(kind, "group") == 0)
                return rt_group_json(d, db_group(d->db, id));
        return rt_resource_json(d, db_resource(d->db, id));
}

/* Why a request is refused, and how the API says it (docs/api.md). Each
 * source of errors maps its own errnos here, in its own terms: the same
 * errno means different things coming from the database, from a type's
 * validation and from a resource monitor that could not be reached. */
typedef enum Refusal {
        REFUSED_INVALID,
        REFUSED_NOT_FOUND,
        REFUSED_CONFLICT,
        REFUSED_NO_QUORUM,
        REFUSED_INTERNAL,
        REFUSED_TIMEOUT,
} Refusal;

static const struct {
        int status;
        const char *code;
} refusals[] = {
        [REFUSED_INVALID] = { 422, "invalid" },        [REFUSED_NOT_FOUND] = { 404, "not_found" },
        [REFUSED_CONFLICT] = { 409, "conflict" },      [REFUSED_NO_QUORUM] = { 409, "no_quorum" },
        [REFUSED_INTERNAL] = { 500, "internal_error" },  [REFUSED_TIMEOUT] = { 504, "timeout" },
};

#define refuse(req, why, property, ...) \
        http_reply_error(req, refusals[why].status, refusals[why].code, property, __VA_ARGS__)

/* A message the database refused (db_apply, command_delivered). */
static Refusal applied_refusal(int error) {
        switch (error) {
        case -ENOENT:
                return REFUSED_NOT_FOUND;
        case -EEXIST:
        case -EBUSY:
        case -ESTALE: /* this node's database is out of sync (sync.h): the others take changes */
                return REFUSED_CONFLICT;
        case -EPERM:
                return REFUSED_NO_QUORUM;
        case -EINVAL:
                return REFUSED_INVALID;
        default:
                return REFUSED_INTERNAL;
        }
}

/* A type's validation: when the monitor answered, the values are what is
 * wrong, whatever the errno (no such property, read-only, out of range).
 * A monitor that never answered is this node's fault. */
static Refusal validation_refusal(const MonitorsReply *reply) {
        if (!reply->reply && reply->error == -ETIMEDOUT)
                return REFUSED_TIMEOUT; /* the monitor is busy or hung (monitors_call) */
        return reply->reply ? REFUSED_INVALID : REFUSED_INTERNAL;
}

/* Describing or listing types: an answered ENOENT or EINVAL is a type
 * that does not exist (the name is in the path). */
static Refusal type_refusal(const MonitorsReply *reply) {
        if (reply->reply && (reply->error == -ENOENT || reply->error == -EINVAL))
                return REFUSED_NOT_FOUND;
        if (!reply->reply && reply->error == -ETIMEDOUT)
                return REFUSED_TIMEOUT;
        return REFUSED_INTERNAL;
}

static void reply_error(HttpRequest *req, Refusal why, int error, const char *property, const char *message) {
        refuse(req, why, property, "%s", message ? message : strerror(-error));
}

static void on_applied(Daemon *d, int error, const char *message, void *userdata) {
        Pending *p = userdata;
        if (p->req) {
                if (error < 0)
                        reply_error(p->req, applied_refusal(error), error, NULL, message);
                else if (p->status == 204)
                        http_reply(p->req, 204, NULL);
                else {
                        json_t *o = object_json(d, p->kind, p->id);
                        if (o && p->extra)
                                json_object_update(o, p->extra);
                        http_reply(p->req, p->status, o ? o : json_object());
                }
                p->req = NULL;
        }
        pending_free(p);
}

/* A change that could not be sent (command_send's error). */
static void refuse_unsent(Daemon *d, HttpRequest *req, int k) {
        if (k == -ESTALE)
                refuse(req, REFUSED_CONFLICT, NULL, "%s", sync_out_reason(d->sync));
        else
                refuse(req, REFUSED_INTERNAL, NULL, "cannot send the change: %s", strerror(-k));
}

/* Send msg and answer req with the object once applied. */
static void send_and_reply(Daemon *d, HttpRequest *req, json_t *msg, const char *kind, const char *id, int status,
                           json_t *extra) {
        Pending *p = pending_new(d, req, kind, id, status);
        if (!p) {
                json_decref(msg);
                json_decref(extra);
                refuse(req, REFUSED_INTERNAL, NULL, "out of memory");
                return;
        }
        p->extra = extra;
        int k = command_send(d, msg, on_applied, p);
        if (k < 0) {
                if (p->req)
                        refuse_unsent(d, req, k);
                p->req = NULL;
                pending_free(p);
        }
}

/* ---- helpers ---- */

static char *new_id(const char *prefix) {
        uint8_t b[8];
        if (getrandom(b, sizeof(b), 0) != sizeof(b))
                return NULL;
        char *s = NULL;
        if (asprintf(&s, "%s-%02x%02x%02x%02x%02x%02x%02x%02x", prefix, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]) < 0)
                return NULL;
        return s;
}

static bool quorate(Daemon *d, HttpRequest *req) {
        if (d->view.quorate)
                return true;
        char why[1024];
        rt_no_quorum_message(d, why, sizeof(why));
        refuse(req, REFUSED_NO_QUORUM, NULL, "%s", why);
        return false;
}

/* Find kind by id or name from the path; answers 404 itself. */
static char *find(Daemon *d, HttpRequest *req, const char *kind) {
        char err[256], *id = NULL;
        int k = db_find(d->db, kind, http_request_param(req, 0), &id, err, sizeof(err));
        if (k < 0) {
                http_reply_error(req, 404, "not_found", NULL, "%s", err);
                return NULL;
        }
        return id;
}

/* The checks of api-body.c, answered here when they refuse. */
static void reply_refusal(HttpRequest *req, ApiRefusal *why) {
        http_reply_error(req, why->status, why->code, why->property, "%s", why->message ?: "out of memory");
        api_refusal_done(why);
}

static bool body_members(HttpRequest *req, const char *const *allowed) {
        ApiRefusal why;
        if (api_body_members(http_request_body(req), allowed, &why) == 0)
                return true;
        reply_refusal(req, &why);
        return false;
}

#define MEMBERS(...) ((const char *const[]) { __VA_ARGS__, NULL })

static json_t *body_object(HttpRequest *req, const char *member, bool required) {
        ApiRefusal why;
        json_t *v = api_body_object(http_request_body(req), member, required, &why);
        if (!v)
                reply_refusal(req, &why);
        return v;
}

/* ---- types ---- */

/* Whether a private property of rtype may change while Online, from the
 * type's description (cached when a monitor described it). Unknown: no —
 * the change then waits for the next online, which is never wrong. */
static bool type_property_live(Daemon *d, const char *rtype, const char *name) {
        json_t *desc = rtype ? hashmap_get(d->types, rtype) : NULL;
        size_t i;
        json_t *p;
        json_array_foreach(json_object_get(desc, "properties"), i, p)
                if (strcasecmp(jstr(p, "name"), name) == 0)
                        return json_is_true(json_object_get(p, "live"));
        return false;
}

static void remember_type(Daemon *d, json_t *desc) {
        const char *name = jstr(desc, "name");
        if (!name || hashmap_get(d->types, name))
                return;
        json_t *copy = json_deep_copy(desc);
        const char *key = jstr(copy, "name");
        if (copy && hashmap_put(d->types, key, copy) < 0)
                json_decref(copy);
}

static void on_type(Monitors *m, const char *resource, const MonitorsReply *reply, void *userdata) {
        Pending *p = userdata;
        json_t *desc = json_object_get(reply->reply, "description");
        if (reply->error >= 0 && desc)
                remember_type(p->d, desc);
        if (p->req) {
                if (reply->error < 0)
                        reply_error(p->req, type_refusal(reply), reply->error, NULL, reply->message);
                else
                        http_reply(p->req, 200, json_incref(desc));
                p->req = NULL;
        }
        pending_free(p);
}

/* ---- cluster, nodes ---- */

/* Who places groups, and the timings that keep one from running on two
 * nodes (cluster-timing.h), into o. */
static void failover_json(Daemon *d, json_t *o) {
        uint32_t coord = coordinator_of(d);
        json_object_set_new(o, "coordinator", coord ? json_string(node_name(d, coord)) : json_null());
        json_object_set_new(o, "timings",
                            d->multi ? json_pack("{s:I, s:I, s:I, s:I}", "lease_ms",
                                                 (json_int_t) (d->timing.lease_usec / 1000), "heartbeat_ms",
                                                 (json_int_t) (d->timing.heartbeat_usec / 1000), "stop_budget_ms",
                                                 (json_int_t) (d->timing.stop_budget_usec / 1000), "takeover_delay_ms",
                                                 (json_int_t) (d->timing.takeover_delay_usec / 1000))
                                     : json_null());
}

static json_t *cluster_json(Daemon *d) {
        /* Counted, not read: it is polled, and a cluster may hold thousands. */
        const char *name = d->engine->cluster_name[0] ? d->engine->cluster_name : "wolfpack";
        json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:b}", "name", name, "node", d->cfg.node_name,
                              "engine", d->engine->ops->name, "nodes", (json_int_t) db_count(d->db, DB_NODES),
                              "groups", (json_int_t) db_count(d->db, DB_GROUPS), "resources",
                              (json_int_t) db_count(d->db, DB_RESOURCES), "version", (json_int_t) db_version(d->db),
                              "quorate", d->view.quorate);
        /* Who this node sees now, in which ring: what quorum is judged on. */
        json_t *members = json_array();
        for (unsigned i = 0; i < d->view.n_members; i++)
                json_array_append_new(members, json_pack("{s:I, s:s}", "id", (json_int_t) d->view.members[i], "name",
                                                         node_name(d, d->view.members[i])));
        char ring[48];
        snprintf(ring, sizeof(ring), "%x.%llx", d->view.ring_node, (unsigned long long) d->view.ring);
        json_object_set_new(o, "members", members);
        json_object_set_new(o, "ring", json_string(ring));
        failover_json(d, o);
        /* Whether this node's database is in sync with the members' (sync.h). */
        json_object_set_new(o, "sync", json_string(sync_state(d->sync)));
        json_object_set_new(o, "epoch", json_integer((json_int_t) db_version_get(d->db).epoch));
        /* The cluster's properties, each with its value or its default. */
        json_t *props = json_object(), *set = db_cluster(d->db);
        for (const wp_prop *p = cluster_props; props && p->name; p++) {
                json_t *v = json_object_get(set, p->name);
                json_object_set_new(props, p->name, v ? json_incref(v) : json_string(p->default_value ?: ""));
        }
        json_decref(set);
        json_object_set_new(o, "properties", props);
        return o;
}

/* GET /metrics: Prometheus's text format (metrics.c, docs/metrics.md). */
static void get_metrics(HttpRequest *req, void *userdata) {
        http_reply_text(req, metrics_text(userdata), "text/plain; version=0.0.4; charset=utf-8");
}

static void get_cluster(HttpRequest *req, void *userdata) {
        http_reply(req, 200, cluster_json(userdata));
}

/* PATCH /v1/cluster {"properties"}: each a cluster property (cluster-props.h),
 * checked and spelled as the table has it. */
static void patch_cluster(HttpRequest *req, void *userdata) {
        Daemon *d = userdata;
        if (!body_members(req, MEMBERS("properties")))
                return;
        json_t *props = body_object(req, "properties", true);
        if (!props)
                return;
        json_t *spelled = json_object();
        char err[512] = "";
        const char *bad = NULL;
        int k = spelled ? cluster_props_check(props, false, spelled, &bad, err, sizeof(err)) : -ENOMEM;
        json_decref(props);
        if (k < 0) {
                json_decref(spelled);
                if (k == -ENOMEM)
                        refuse(req, REFUSED_INTERNAL, NULL, "out of memory");
                else
                        http_reply_error(req, 422, "invalid", bad, "%s", err);
                return;
        }
        if (!quorate(d, req)) {
                json_decref(spelled);
                return;
        }
        send_and_reply(d, req, json_pack("{s:s, s:o}", "type", "cluster.set", "props", spelled), "cluster", "cluster",
                       200, NULL);
}

static json_t *nodes_json(Daemon *d) {
        json_t *a = db_nodes(d->db);
        size_t i;
        json_t *o;
        json_array_foreach(a, i, o)
                rt_node_json(d, json_incref(o)), json_decref(o);
        return a;
}

/* The status is the overview for people and scripts: every group with its
 * resources in brief (no properties), built from two queries whatever the
 * number of objects. */
static void get_status(HttpRequest *req, void *userdata) {
        Daemon *d = userdata;
        json_t *groups = db_groups(d->db), *all = db_resources(d->db, NULL), *by_group = json_object();
        size_t i;
        json_t *g, *r;
        json_array_foreach(all, i, r) {
                const char *id = jstr(r, "id"), *gid = jstr(r, "group_id");
                RtResource *rt = hashmap_get(d->resources, id);
                const char *owner = rt ? node_name(d, rt->owner) : NULL;
                json_t *brief = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?}", "id", id, "name", jstr(r, "name"), "type",
                                          jstr(r, "type"), "state", rt ? rt->state : "Offline", "owner", owner,
                                          "state_reason", rt ? rt->reason : NULL);
                json_t *list = json_object_get(by_group, gid);
                if (!list)
                        json_object_set_new(by_group, gid, list = json_array());
                json_array_append_new(list, brief);
        }
        json_decref(all);
        json_array_foreach(groups, i, g) {
                const char *gid = jstr(g, "id");
                json_t *mine = json_object_get(by_group, gid);
                mine = mine ? json_incref(mine) : json_array();
                RtGroup *rg = hashmap_get(d->groups, gid);
                const char *owner = rg ? node_name(d, rg->owner) : NULL;
                json_object_set_new(g, "state", json_string(rt_group_state(d, gid, mine)));
                json_object_set_new(g, "owner", owner ? json_string(owner) : json_null());
                json_object_set_new(g, "resources", mine);
        }
        json_decref(by_group);
        json_t *cluster = json_pack("{s:s, s:s, s:b, s:I}", "name", "wolfpack", "node", d->cfg.node_name, "quorate",
                                    d->view.quorate, "version", (json_int_t) db_version(d->db));
        if (cluster)
                failover_json(d, cluster);
        http_reply(req, 200, json_pack("{s:o, s:o, s:o}", "cluster", cluster, "nodes", nodes_json(d), "groups", groups));
}

static void get_nodes(HttpRequest *req, void *userdata) {
        http_reply(req, 200, nodes_json(userdata));
}

/* The node (as the API shows it) whose id or name is want, or NULL. */
static json_t *node_named(Daemon *d, const char *want) {
        json_t *a = nodes_json(d), *found = NULL;
        size_t i;
        json_t *o;
        json_array_foreach(a, i, o) {
                char id[24];
                snprintf(id, sizeof(id), "%lld", (long long) json_integer_value(json_object_get(o, "id")));
                if (strcmp(id, want) == 0 || strcasecmp(jstr(o, "name"), want) == 0)
                        found = json_incref(o);
        }
        json_decref(a);
        return found;
}

static json_t *find_node(Daemon *d, HttpRequest *req) {
        const char *want = http_request_param(req, 0);
        json_t *found = node_named(d, want);
        if (!found)
                http_reply_error(req, 404, "not_found", NULL, "no node \"%s\"; `wolfpack node list` shows them", want);
        return found;
}

static void get_node(HttpRequest *req, void *userdata) {
        json_t *n = find_node(userdata, req);
        if (n)
                http_reply(req, 200, n);
}

/* Where each group node owns goes when it drains: *ret [{id, group, from,
 * to, to_id}], spread over the other nodes. -ENODEV (answered) when one
 * of them has nowhere to go: nothing is changed then. */
static int drain_moves(HttpRequest *req, Daemon *d, uint32_t node, json_t **ret) {
        unsigned extra[NODE_ID_MAX + 1] = {};
        json_t *moves = json_array(), *groups = db_groups(d->db);
        _cleanup_free_ char *stuck = NULL;
        size_t i;
        json_t *g;
        json_array_foreach(groups, i, g) {
                RtGroup *rg = hashmap_get(d->groups, jstr(g, "id"));
                if (!rg || rg->owner != node || strcmp(jstr(g, "desired"), "online") != 0)
                        continue;
                char why[512] = "";
                json_t *res = db_resources(d->db, rg->id);
                uint32_t to = coordinator_choose_spread(d, g, res, node, extra, why, sizeof(why));
                json_decref(res);
                if (!to) {
                        char *s = NULL;
                        if (asprintf(&s, "%s%s%s: %s", stuck ? stuck : "", stuck ? "; " : "", jstr(g, "name"), why) >= 0) {
                                free(stuck);
                                stuck = s;
                        }
                        continue;
                }
                if (to <= NODE_ID_MAX)
                        extra[to]++;
                json_array_append_new(moves, json_pack("{s:s, s:s, s:s?, s:s?, s:i}", "id", rg->id, "group",
                                                       jstr(g, "name"), "from", node_name(d, node), "to",
                                                       node_name(d, to), "to_id", (int) to));
        }
        json_decref(groups);
        if (stuck) {
                json_decref(moves);
                http_reply_error(req, 409, "conflict", NULL,
                                 "nothing was changed: a group of %s has nowhere to go (%s); pause keeps them running here",
                                 node_name(d, node), stuck);
                return -ENODEV;
        }
        *ret = moves;
        return 0;
}

/* The node a change of a node is for (the body empty, the cluster
 * quorate), or NULL, answered. */
static json_t *node_to_change(HttpRequest *req, Daemon *d) {
        if (!body_members(req, NULL))
                return NULL;
        json_t *n = find_node(d, req);
        if (n && !quorate(d, req)) {
                json_decref(n);
                return NULL;
        }
        return n;
}

static size_t groups_owned(Daemon *d, uint32_t node) {
        size_t it = 0, owned = 0;
        RtGroup *g;
        while ((g = hashmap_next(d->groups, &it, NULL)))
                owned += g->owner == node;
        return owned;
}

static void node_pause(HttpRequest *req, Daemon *d, bool paused, bool drain) {
        json_t *n = node_to_change(req, d);
        if (!n)
                return;
        json_int_t id = json_integer_value(json_object_get(n, "id"));
        json_decref(n);
        if (drain) {
                /* Draining moves every group elsewhere first: refuse when
                 * there is nowhere to go rather than stop them. */
                size_t owned = groups_owned(d, (uint32_t) id);
                if (owned > 0 && d->view.n_members < 2) {
                        http_reply_error(req, 409, "conflict", NULL,
                                         "no other node is up to take this node's %zu group(s); drain needs another node (pause keeps them running here)",
                                         owned);
                        return;
                }
        }
        json_t *moves = NULL;
        if (drain && d->multi && drain_moves(req, d, (uint32_t) id, &moves) < 0)
                return;
        json_t *msg = json_pack("{s:s, s:I, s:b}", "type", "node.set", "id", id, "paused", paused);
        if (moves && json_array_size(moves) > 0) {
                /* Paused first, so that nothing new comes to it, then each
                 * group moved: one ordered stream, applied alike everywhere. */
                int k = command_send(d, msg, NULL, NULL);
                size_t i;
                json_t *mv;
                json_array_foreach(moves, i, mv) {
                        if (k < 0)
                                break;
                        json_t *m = json_pack("{s:s, s:O, s:s, s:O, s:s}", "type", "group.desire", "id",
                                              json_object_get(mv, "id"), "state", "online", "node",
                                              json_object_get(mv, "to_id"), "kind", "drain");
                        json_object_del(mv, "to_id");
                        if (i + 1 < json_array_size(moves))
                                k = command_send(d, m, NULL, NULL);
                        else
                                msg = m;
                }
                if (k < 0) {
                        json_decref(moves);
                        json_decref(msg);
                        refuse_unsent(d, req, k);
                        return;
                }
        }
        char nid[24];
        snprintf(nid, sizeof(nid), "%lld", (long long) id);
        Pending *p = pending_new(d, req, "node", nid, json_array_size(moves) > 0 ? 202 : 200);
        if (p && moves)
                p->extra = json_pack("{s:o}", "moves", moves);
        else
                json_decref(moves);
        int k = p ? command_send(d, msg, on_applied, p) : (json_decref(msg), -ENOMEM);
        if (k < 0) {
                if (p)
                        pending_free(p);
                refuse_unsent(d, req, k);
        }
}

/* Evict: a node that is down leaves the cluster (evict.c does the rest on
 * every node). Not one that runs wolfpackd, nor while it still owns
 * groups: those are taken over first. */
static void post_node_evict(HttpRequest *req, void *userdata) {
        Daemon *d = userdata;
        json_t *n = node_to_change(req, d);
        if (!n)
                return;
        uint32_t id = (uint32_t) json_integer_value(json_object_get(n, "id"));
        _cleanup_free_ char *name = strdup(jstr(n, "name") ? jstr(n, "name") : "");
        json_decref(n);
        size_t owned = groups_owned(d, id);
        bool member = false;
        for (unsigned i = 0; i < d->view.n_members; i++)
                member = member || d->view.members[i] == id;
        if (id == d->cfg.node_id || member) {
                http_reply_error(req, 409, "conflict", NULL,
                                 "%s runs the cluster service; stop it there first (wolfpackd, then corosync), and "
                                 "evict it from another node",
                                 name);
                return;
        }
        if (owned > 0) {
                http_reply_error(req, 409, "conflict", NULL,
                                 "%s still owns %zu group(s): they are taken over once its takeover delay has passed "
                                 "(`wolfpack cluster` shows it); evict it after that",
                                 name, owned);
                return;
        }
        json_t *msg = json_pack("{s:s, s:i, s:s}", "type", "node.delete", "id", (int) id, "name", name);
        send_and_reply(d, req, msg, NULL, NULL, 204, NULL);
}

static void post_node_pause(HttpRequest *req, void *userdata) {
        node_pause(req, userdata, true, false);
}
static void post_node_resume(HttpRequest *req, void *userdata) {
        node_pause(req, userdata, false, false);
}
static void post_node_drain(HttpRequest *req, void *userdata) {
        node_pause(req, userdata, true, true);
}

/* ---- groups ---- */

static void get_groups(HttpRequest *req, void *userdata) {
        Daemon *d = userdata;
        json_t *a = db_groups(d->db);
        size_t i;
        json_t *o;
        json_array_foreach(a, i, o)
                rt_group_json(d, json_incref(o)), json_decref(o);
        http_reply(req, 200, a);
}

static void get_group(HttpRequest *req, void *userdata) {
        Daemon *d = userdata;
        _cleanup_free_ char *id = find(d, req, "group");
        if (id)
                http_reply(req, 200, object_json(d, "group", id));
}

/* Check the group properties in *props and spell their names as the
 * table does (every one is known once checked). */
static int check_group_props(HttpRequest *req, Daemon *d, json_t **props) {
        ApiRefusal why;
        json_t *nodes = db_nodes(d->db);
        int r = api_group_props(props, nodes, &why);
        json_decref(nodes);
        if (r < 0) {
                reply_refusal(req, &why);
                return -EINVAL;
        }
        return 0;
}

static void post_groups(HttpRequest *req, void *userdata) {
        Daemon *d = userdata;
        json_t *b = http_request_body(req);
        const char *name = b ? jstr(b, "name") : NULL;
        char err[256];
        if (!body_members(req, MEMBERS("name", "properties")))
                return;
        if (!name) {
                http_reply_error(req, 400, "bad_request", NULL, "the body needs \"name\", the new group's name");
                return;
        }
        if (name_validate("group name", name, err, sizeof(err)) < 0) {
                http_reply_error(req, 422, "invalid", "name", "%s", err);
                return;
        }
        json_t *props = body_object(req, "properties", false);
        if (!props)
                return;
        if (check_group_props(req, d, &props) < 0 || !quorate(d, req)) {
                json_decref(props);
                return;
        }
        _cleanup_free_ char *id = new_id("g");
        json_t *msg = json_pack("{s:s, s:s, s:s, s:o}", "type", "group.create", "id", id, "name", name, "props", props);
        send_and_reply(d, req, msg, "group", id, 201, NULL);
}

static void patch_group(HttpRequest *req, void *userdata) {
        Daemon *d = userdata;
        if (!body_members(req, MEMBERS("properties")))
                return;
        _cleanup_free_ char *id = find(d, req, "group");
        if (!id)
                return;
        json_t *props = body_object(req, "properties", true);
        if (!props)
                return;
        if (check_group_props(req, d, &props) < 0 || !quorate(d, req)) {
                json_decref(props);
                return;
        }
        send_and_reply(d, req, json_pack("{s:s, s:s, s:o}", "type", "group.set", "id", id, "props", props), "group", id,
                       200, NULL);
}

/* DELETE of a group or resource, and their online/offline: the same
 * message shapes, "<kind>.delete" and "<kind>.desire". */
static void delete_object(HttpRequest *req, Daemon *d, const char *kind) {
        if (!body_members(req, NULL))
                return;
        _cleanup_free_ char *id = find(d, req, kind);
        char type[32];
        snprintf(type, sizeof(type), "%s.delete", kind);
        if (id && quorate(d, req))
                send_and_reply(d, req, json_pack("{s:s, s:s}", "type", type, "id", id), NULL, NULL, 204, NULL);
}

static void desire(HttpRequest *req, Daemon *d, const char *kind, const char *state) {
        _cleanup_free_ char *id = find(d, req, kind);
        char type[32];
        snprintf(type, sizeof(type), "%s.desire", kind);
        if (id && quorate(d, req))
                send_and_reply(d, req,
                               strcmp(kind, "resource") == 0
                                       ? fm_desire_message(d, id, state)
                                       : json_pack("{s:s, s:s, s:s}", "type", type, "id", id, "state", state),
                               kind, id, 202, NULL);
}

static void delete_group(HttpRequest *req, void *userdata) {
        delete_object(req, userdata, "group");
}

static void post_group_online(HttpRequest *req, void *userdata) {
        if (body_members(req, NULL))
                desire(req, userdata, "group", "online");
}
static void post_group_offline(HttpRequest *req, void *userdata) {
        if (body_members(req, NULL))
                desire(req, userdata, "group", "offline");
}

/* A move on an engine with other nodes: to the node named, or to the best
 * other one; the coordinator carries it out (coordinator.c). */
static void move_between_nodes(HttpRequest *req, Daemon *d, const char *id, const char *to) {
        if (!quorate(d, req))
                return;
        RtGroup *g = hashmap_get(d->groups, id);
        uint32_t owner = g ? g->owner : 0, target = 0;
        json_t *node = to ? node_named(d, to) : NULL;
        target = (uint32_t) json_integer_value(json_object_get(node, "id"));
        json_decref(node);
        if (to && !target) {
                refuse(req, REFUSED_INVALID, "to", "no node \"%s\"; `wolfpack node list` shows them", to);
                return;
        }
        if (to && !share_node_up(d, target)) {
                http_reply_error(req, 409, "conflict", NULL, "node %s is not up; `wolfpack node list` shows which are",
                                 node_name(d, target));
                return;
        }
        if (to && target == owner) {
                http_reply_error(req, 409, "conflict", NULL, "the group already runs on %s", node_name(d, target));
                return;
        }
        if (!to) {
                char why[512] = "";
                json_t *grp = db_group(d->db, id), *res = db_resources(d->db, id);
                target = grp ? coordinator_choose(d, grp, res, owner, why, sizeof(why)) : 0;
                json_decref(grp);
                json_decref(res);
                if (!target) {
                        http_reply_error(req, 409, "conflict", NULL, "no other node can take the group: %s", why);
                        return;
                }
        }
        send_and_reply(d, req,
                       json_pack("{s:s, s:s, s:s, s:i}", "type", "group.desire", "id", id, "state", "online", "node",
                                 (int) target),
                       "group", id, 202, NULL);
}

static void post_group_move(HttpRequest *req, void *userdata) {
        Daemon *d = userdata;
        if (!body_members(req, MEMBERS("to")))
                return;
        _cleanup_free_ char *id = find(d, req, "group");
        if (!id)
                return;
        json_t *b = http_request_body(req);
        const char *to = b ? jstr(b, "to") : NULL;
        if (d->multi) {
                move_between_nodes(req, d, id, to);
                return;
        }
        if (to && strcasecmp(to, d->cfg.node_name) != 0) {
                refuse(req, REFUSED_INVALID, "to", "no node \"%s\" is up; `wolfpack node list` shows them", to);
                return;
        }
        RtGroup *g = hashmap_get(d->groups, id);
        if (d->view.n_members < 2 && !(to && g && g->owner != d->cfg.node_id)) {
                http_reply_error(req, 409, "conflict", NULL,
                                 to ? "the group already runs on %s" : "no other node is up to move the group to (this is %s)",
                                 d->cfg.node_name);
                return;
        }
        desire(req, d, "group", "online");
}

/* `wolfpack why`: the answer is read from what this node holds now, with
 * or without quorum (why.h). */
static void reply_why(HttpRequest *req, Daemon *d, const char *kind,
                      json_t *(*why)(Daemon *d, const char *id, char *err, size_t errlen)) {
        _cleanup_free_ char *id = find(d, req, kind);
        if (!id)
                return;
        char err[512];
        json_t *o = why(d, id, err, sizeof(err));
        if (o)
                http_reply(req, 200, o);
        else
                refuse(req, REFUSED_INTERNAL, NULL, "explaining the %s failed: %s", kind, err);
}

static void get_group_why(HttpRequest *req, void *userdata) {
        reply_why(req, userdata, "group", why_group);
}

/* ---- resources ---- */

static void get_resources(HttpRequest *req, void *userdata) {
        Daemon *d = userdata;
        const char *group = http_request_query(req, "group");
        _cleanup_free_ char *gid = NULL;
        char err[256];
        if (group && db_find(d->db, "group", group, &gid, err, sizeof(err)) < 0) {
                http_reply_error(req, 404, "not_found", NULL, "%s", err);
                return;
        }
        json_t *a = db_resources(d->db, gid);
        size_t i;
        json_t *o;
        json_array_foreach(a, i, o)
                rt_resource_json(d, json_incref(o)), json_decref(o);
        http_reply(req, 200, a);
}

static void get_resource_why(HttpRequest *req, void *userdata) {
        reply_why(req, userdata, "resource", why_resource);
}

static void on_readonly_read(Daemon *d, const char *id, void *userdata) {
        Pending *p = userdata;
        if (p->req)
                http_reply(p->req, 200, object_json(d, "resource", id));
        p->req = NULL;
        pending_free(p);
}

/* A read of one resource reads its read-only values anew (readonly.c). */
static void get_resource(HttpRequest *req, void *userdata) {
        Daemon *d = userdata;
        _cleanup_free_ char *id = find(d, req, "resource");
        if (!id)
                return;
        Pending *p = pending_new(d, req, "resource", id, 200);
        if (p && readonly_refresh(d, id, on_readonly_read, p) > 0)
                return;
        if (p) {
                p->req = NULL;
                pending_free(p);
        }
        http_reply(req, 200, object_json(d, "resource", id));
}

/* Split administrator properties into common and private ones. */
static int split_props(HttpRequest *req, Daemon *d, json_t *props, json_t **ret_common, json_t **ret_private) {
        ApiRefusal why;
        json_t *nodes = db_nodes(d->db);
        int r = api_split_props(props, nodes, ret_common, ret_private, &why);
        json_decref(nodes);
        if (r < 0) {
                reply_refusal(req, &why);
                return -EINVAL;
        }
        return 0;
}

/* Private property names as the type's table spells them (validate
 * answers with them), in the message and in "next_online". */
static void respell_private(json_t *msg, json_t *extra, const json_t *names) {
        json_t *priv = json_object_get(msg, "private"), *spelled = json_object();
        const char *k;
        json_t *v;
        json_object_foreach(priv, k, v)
                json_object_set(spelled, jstr(names, k) ?: k, v);
        json_object_set_new(msg, "private", spelled);
        size_t i;
        json_array_foreach(json_object_get(extra, "next_online"), i, v) {
                const char *name = jstr(names, json_string_value(v));
                if (name)
                        json_string_set(v, name);
        }
}

/* The type's own table says yes (a monitor validates), then the message goes. */
static void on_validated(Monitors *m, const char *resource, const MonitorsReply *reply, void *userdata) {
        Pending *p = userdata;
        if (!p->req) {
                pending_free(p);
                return;
        }
        if (reply->error < 0) {
                reply_error(p->req, validation_refusal(reply), reply->error, reply->property, reply->message);
                p->req = NULL;
                pending_free(p);
                return;
        }
        json_t *msg = TAKE_PTR(p->msg);
        respell_private(msg, p->extra, json_object_get(reply->reply, "names"));
        int k = command_send(p->d, msg, on_applied, p);
        if (k < 0) {
                refuse_unsent(p->d, p->req, k);
                p->req = NULL;
                pending_free(p);
        }
}

static void validate_then_send(Daemon *d, HttpRequest *req, const char *rtype, json_t *all_private, json_t *msg,
                               const char *id, int status, json_t *extra) {
        Pending *p = pending_new(d, req, "resource", id, status);
        if (!p) {
                json_decref(msg);
                json_decref(extra);
                refuse(req, REFUSED_INTERNAL, NULL, "out of memory");
                return;
        }
        p->msg = msg;
        p->extra = extra;
        json_t *q = json_pack("{s:s, s:s, s:O}", "type", "validate", "rtype", rtype, "properties", all_private);
        int k = q ? monitors_call(d->monitors, q, on_validated, p) : -ENOMEM;
        json_decref(q);
        if (k < 0) {
                refuse(req, REFUSED_INTERNAL, NULL, "cannot reach a resource monitor: %s", strerror(-k));
                p->req = NULL;
                pending_free(p);
        }
}

static void post_resources(HttpRequest *req, void *userdata) {
        Daemon *d = userdata;
        json_t *b = http_request_body(req);
        const char *name = b ? jstr(b, "name") : NULL, *type = b ? jstr(b, "type") : NULL,
                   *group = b ? jstr(b, "group") : NULL;
        char err[256];
        if (!body_members(req, MEMBERS("name", "type", "group", "properties")))
                return;
        if (!name || !type || !group) {
                http_reply_error(req, 400, "bad_request", NULL,
                                 "the body needs \"name\", \"type\" and \"group\" (and \"properties\", an object of text values)");
                return;
        }
        if (name_validate("resource name", name, err, sizeof(err)) < 0) {
                http_reply_error(req, 422, "invalid", "name", "%s", err);
                return;
        }
        if (!depexpr_name_ok(name)) {
                http_reply_error(req, 422, "invalid", "name",
                                 "resource name \"%s\" is reserved: dependency expressions use and/or as words", name);
                return;
        }
        _cleanup_free_ char *gid = NULL;
        if (db_find(d->db, "group", group, &gid, err, sizeof(err)) < 0) {
                refuse(req, REFUSED_INVALID, "group", "%s", err);
                return;
        }
        json_t *props = body_object(req, "properties", false), *common = NULL, *priv = NULL;
        if (!props)
                return;
        int k = split_props(req, d, props, &common, &priv);
        json_decref(props);
        if (k < 0)
                return;
        if (!quorate(d, req)) {
                json_decref(common);
                json_decref(priv);
                return;
        }
        _cleanup_free_ char *id = new_id("r");
        json_t *msg = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:o}", "type", "resource.create", "id", id, "name", name,
                                "rtype", type, "group", gid, "private", priv, "common", common);
        validate_then_send(d, req, type, priv, msg, id, 201, NULL);
        json_decref(priv);
}

static void patch_resource(HttpRequest *req, void *userdata) {
        Daemon *d = userdata;
        if (!body_members(req, MEMBERS("properties")))
                return;
        _cleanup_free_ char *id = find(d, req, "resource");
        if (!id)
                return;
        json_t *props = body_object(req, "properties", true), *common = NULL, *priv = NULL;
        if (!props)
                return;
        int k = split_props(req, d, props, &common, &priv);
        json_decref(props);
        if (k < 0)
                return;
        if (!quorate(d, req)) {
                json_decref(common);
                json_decref(priv);
                return;
        }
        json_t *cur = db_resource(d->db, id);
        /* The whole new set is what the type validates. */
        json_t *merged = json_deep_copy(json_object_get(cur, "properties"));
        const char *mk;
        json_t *mv;
        json_object_foreach(priv, mk, mv)
                db_props_put(merged, mk, mv);
        json_t *later = json_array();
        RtResource *r = hashmap_get(d->resources, id);
        if (r && strcmp(r->state, "Online") == 0) {
                const char *pk;
                json_t *pv;
                json_object_foreach(priv, pk, pv)
                        if (!type_property_live(d, jstr(cur, "type"), pk))
                                json_array_append_new(later, json_string(pk));
                json_object_foreach(common, pk, pv)
                        if (!decide_common_live(pk))
                                json_array_append_new(later, json_string(pk));
        }
        json_t *msg = json_pack("{s:s, s:s, s:o, s:o}", "type", "resource.set", "id", id, "private", priv, "common", common);
        validate_then_send(d, req, jstr(cur, "type"), merged, msg, id, 200, json_pack("{s:o}", "next_online", later));
        json_decref(merged);
        json_decref(cur);
}

static void delete_resource(HttpRequest *req, void *userdata) {
        delete_object(req, userdata, "resource");
}

static void post_resource_online(HttpRequest *req, void *userdata) {
        if (body_members(req, NULL))
                desire(req, userdata, "resource", "online");
}
static void post_resource_offline(HttpRequest *req, void *userdata) {
        if (body_members(req, NULL))
                desire(req, userdata, "resource", "offline");
}

static void post_resource_fail(HttpRequest *req, void *userdata) {
        Daemon *d = userdata;
        if (!body_members(req, NULL))
                return;
        _cleanup_free_ char *id = find(d, req, "resource");
        if (!id)
                return;
        RtResource *r = hashmap_get(d->resources, id);
        if (!r || strcmp(r->state, "Online") != 0) {
                http_reply_error(req, 409, "conflict", NULL, "only an Online resource can be failed; it is %s",
                                 r ? r->state : "Offline");
                return;
        }
        if (d->multi && r->owner != d->cfg.node_id) {
                /* Its owner fails it. */
                if (!quorate(d, req))
                        return;
                json_t *m = json_pack("{s:s, s:s, s:i}", "type", "rt.fail", "id", id, "node", (int) r->owner);
                if (!m || command_send(d, m, NULL, NULL) < 0) {
                        refuse(req, REFUSED_INTERNAL, NULL, "cannot send the request to %s", node_name(d, r->owner));
                        return;
                }
        } else
                fm_fail(d, id);
        http_reply(req, 202, object_json(d, "resource", id));
}

/* depend / undepend: the new expression, checked against the group. */
static void change_depends(HttpRequest *req, Daemon *d, bool add) {
        if (!body_members(req, MEMBERS("on")))
                return;
        _cleanup_free_ char *id = find(d, req, "resource");
        if (!id)
                return;
        json_t *b = http_request_body(req);
        const char *on = b ? jstr(b, "on") : NULL;
        if (!on) {
                http_reply_error(req, 400, "bad_request", NULL, "the body needs \"on\", a dependency expression such as \"(db1 or db2) and ip\"");
                return;
        }
        char err[512];
        _cleanup_depexpr_ DepExpr *given = NULL, *cur = NULL, *next = NULL;
        if (depexpr_parse(on, &given, err, sizeof(err)) < 0) {
                http_reply_error(req, 422, "invalid", "on", "%s", err);
                return;
        }
        if (depexpr_is_empty(given)) {
                http_reply_error(req, 422, "invalid", "on",
                                 "the dependency expression is empty; name the resources, such as \"db\" or \"(db1 or db2) and ip\"%s",
                                 add ? "" : " (undepend removes each name given)");
                return;
        }
        json_t *res = db_resource(d->db, id);
        json_t *group = db_resources(d->db, jstr(res, "group_id"));
        int k = depexpr_parse(jstr(res, "depends"), &cur, err, sizeof(err));
        if (k >= 0 && add)
                k = depexpr_and(cur, given, &next);
        else if (k >= 0) {
                _cleanup_strv_free_ char **names = NULL;
                k = depexpr_names(given, &names);
                if (k >= 0)
                        k = depexpr_remove(cur, names, &next);
        }
        if (k >= 0)
                k = decide_check_depends(group, jstr(res, "name"), next, err, sizeof(err));
        _cleanup_free_ char *text = NULL;
        if (k >= 0)
                k = depexpr_format(next, &text);
        json_decref(group);
        json_decref(res);
        if (k < 0) {
                /* A name the expression gives that is not in the group is a
                 * value refused, not a missing object of the path. */
                refuse(req, k == -ELOOP ? REFUSED_CONFLICT : k == -ENOMEM ? REFUSED_INTERNAL : REFUSED_INVALID, "on", "%s",
                       err);
                return;
        }
        if (quorate(d, req))
                send_and_reply(d, req, json_pack("{s:s, s:s, s:s}", "type", "resource.depend", "id", id, "expr", text),
                               "resource", id, 200, NULL);
}

static void post_resource_depend(HttpRequest *req, void *userdata) {
        change_depends(req, userdata, true);
}
static void post_resource_undepend(HttpRequest *req, void *userdata) {
        change_depends(req, userdata, false);
}

/* The type list. list-types names the plug-ins without loading them, so
 * the types not described yet are described first: the list carries every
 * description, whoever asked for what before. */
typedef struct TypeList {
        Pending *p;
        json_t *names;
        size_t waiting;   /* describe-type calls under way */
} TypeList;

static void type_list_reply(TypeList *l) {
        Pending *p = l->p;
        if (p->req) {
                json_t *out = json_array();
                size_t i;
                json_t *t;
                json_array_foreach(l->names, i, t) {
                        json_t *desc = hashmap_get(p->d->types, json_string_value(t));
                        json_array_append_new(out, json_pack("{s:O, s:s}", "name", t, "description",
                                                             desc ? jstr(desc, "description") ?: "" : ""));
                }
                http_reply(p->req, 200, out);
                p->req = NULL;
        }
        pending_free(p);
        json_decref(l->names);
        free(l);
}

static void on_type_described(Monitors *m, const char *resource, const MonitorsReply *reply, void *userdata) {
        TypeList *l = userdata;
        json_t *desc = json_object_get(reply->reply, "description");
        if (reply->error >= 0 && desc)
                remember_type(l->p->d, desc);
        if (--l->waiting == 0)
                type_list_reply(l);
}

static void on_types(Monitors *m, const char *resource, const MonitorsReply *reply, void *userdata) {
        Pending *p = userdata;
        if (!p->req || reply->error < 0) {
                if (p->req)
                        reply_error(p->req, type_refusal(reply), reply->error, NULL, reply->message);
                p->req = NULL;
                pending_free(p);
                return;
        }
        TypeList *l = calloc(1, sizeof(*l));
        if (!l) {
                refuse(p->req, REFUSED_INTERNAL, NULL, "out of memory");
                p->req = NULL;
                pending_free(p);
                return;
        }
        l->p = p;
        l->names = json_incref(json_object_get(reply->reply, "types"));
        /* One more than the calls, so that no answer ends the list while
         * calls are still being made. */
        l->waiting = 1;
        size_t i;
        json_t *t;
        json_array_foreach(l->names, i, t) {
                if (!json_is_string(t) || hashmap_get(p->d->types, json_string_value(t)))
                        continue;
                json_t *q = json_pack("{s:s, s:O}", "type", "describe-type", "rtype", t);
                if (q && monitors_call(m, q, on_type_described, l) >= 0)
                        l->waiting++;
                json_decref(q);
        }
        if (--l->waiting == 0)
                type_list_reply(l);
}

static void type_call(Daemon *d, HttpRequest *req, json_t *q, monitors_reply_fn fn) {
        Pending *p = pending_new(d, req, NULL, NULL, 200);
        int k = p && q ? monitors_call(d->monitors, q, fn, p) : -ENOMEM;
        json_decref(q);
        if (k < 0) {
                refuse(req, REFUSED_INTERNAL, NULL, "cannot reach a resource monitor: %s", strerror(-k));
                if (p) {
                        p->req = NULL;
                        pending_free(p);
                }
        }
}

static void get_types(HttpRequest *req, void *userdata) {
        type_call(userdata, req, json_pack("{s:s}", "type", "list-types"), on_types);
}

static void get_type(HttpRequest *req, void *userdata) {
        type_call(userdata, req, json_pack("{s:s, s:s}", "type", "describe-type", "rtype", http_request_param(req, 0)),
                  on_type);
}

/* ---- events, log ---- */

/* A client the server cut off is told of in the log (and so to every
 * other subscriber): otherwise a dashboard that lost its stream, or
 * the operator wondering why, would have nothing to go on. */
static void stream_gone(HttpStream *s, void *userdata) {
        Daemon *d = userdata;
        events_unsubscribe(d, s);
        const char *why = http_stream_why_cut(s);
        if (why)
                clusterlog_printf(d->log, "warning", "EVENT_STREAM_DROPPED", NULL, NULL,
                                  "an event stream client was disconnected: %s", why);
}

static void get_events(HttpRequest *req, void *userdata) {
        Daemon *d = userdata;
        HttpStream *s = http_stream_start(req, stream_gone, d);
        if (s)
                events_subscribe(d, s);
}

static void on_log_gathered(Daemon *d, json_t *reply, int error, void *userdata) {
        Pending *p = userdata;
        if (p->req && reply)
                http_reply(p->req, 200, json_incref(reply));
        else if (p->req)
                refuse(p->req, REFUSED_INTERNAL, NULL, "cannot gather the cluster log: %s", strerror(-error));
        p->req = NULL;
        json_decref(reply);
        pending_free(p);
}

/* Every node's log (clusterlog-gather.c), or one node's: ?node= (id or
 * name), ?since= (a duration back from now), ?limit= (per node). */
static void get_log(HttpRequest *req, void *userdata) {
        Daemon *d = userdata;
        const char *since = http_request_query(req, "since"), *node = http_request_query(req, "node"),
                   *limit_text = http_request_query(req, "limit");
        char buf[40];
        const char *from = NULL;
        if (since) {
                wp_usec_t u;
                int k = parse_duration(since, &u);
                if (k < 0) {
                        http_reply_error(req, 400, "bad_request", "since", "since: \"%s\" %s", since,
                                         parse_duration_error(k));
                        return;
                }
                time_t t = time(NULL) - (time_t) (u / WP_USEC_PER_SEC);
                struct tm tm;
                gmtime_r(&t, &tm);
                strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
                from = buf;
        }
        unsigned limit = CLUSTERLOG_LIMIT_DEFAULT;
        if (limit_text) {
                char *end = NULL;
                errno = 0;
                unsigned long v = strtoul(limit_text, &end, 10);
                if (errno || !end || *end || end == limit_text || limit_text[0] == '-' || v < 1 ||
                    v > CLUSTERLOG_LIMIT_MAX) {
                        http_reply_error(req, 400, "bad_request", "limit",
                                         "limit: \"%s\" is not a number of entries from 1 to %u", limit_text,
                                         CLUSTERLOG_LIMIT_MAX);
                        return;
                }
                limit = (unsigned) v;
        }
        uint64_t known = log_known_nodes(d), nodes = known;
        if (node) {
                uint32_t id = 0;
                for (uint32_t i = 1; i <= NODE_ID_MAX && !id; i++) {
                        char num[12];
                        snprintf(num, sizeof(num), "%u", i);
                        const char *name = node_name(d, i);
                        if ((known & (UINT64_C(1) << i)) &&
                            (strcmp(num, node) == 0 || (name && strcasecmp(name, node) == 0)))
                                id = i;
                }
                if (!id) {
                        char names[512] = "";
                        size_t n = 0;
                        for (uint32_t i = 1; i <= NODE_ID_MAX && n < sizeof(names); i++)
                                if (known & (UINT64_C(1) << i))
                                        n += (size_t) snprintf(names + n, sizeof(names) - n, "%s%s (%u)",
                                                               n ? ", " : "", node_name(d, i) ?: "unknown", i);
                        http_reply_error(req, 404, "not_found", "node",
                                         "no node \"%s\" in this cluster; its nodes are %s (name or id)", node, names);
                        return;
                }
                nodes = UINT64_C(1) << id;
        }
        Pending *p = pending_new(d, req, NULL, NULL, 200);
        int k = p ? log_gather_start(d, from, nodes, limit, on_log_gathered, p) : -ENOMEM;
        if (k == -EBUSY)
                http_reply_error(req, 503, "busy", NULL,
                                 "%d cluster log requests wait for the other nodes' answers already; try again in a "
                                 "moment", LOG_GATHERS_MAX);
        else if (k < 0)
                refuse(req, REFUSED_INTERNAL, NULL, "cannot gather the cluster log: %s", strerror(-k));
        if (k < 0) {
                if (p) {
                        p->req = NULL;
                        pending_free(p);
                }
        }
}

/* The property tables that are wolfpackd's own, as GET /v1/types/T gives
 * a type's: groups', the common ones of resources, the cluster's. */
static void get_properties(HttpRequest *req, void *userdata) {
        http_reply(req, 200,
                   json_pack("{s:o, s:o, s:o}", "group", props_describe(group_common_props), "resource",
                             props_describe(resource_common_props), "cluster", props_describe(cluster_props)));
}

/* ---- who asks, tokens ---- */

/* The token's name on TCP ("token NAME" is how requests name it), or
 * "uid N" on the unix socket. */
static void get_whoami(HttpRequest *req, void *userdata) {
        const char *who = http_request_who(req);
        bool token = strncmp(who, "token ", 6) == 0;
        http_reply(req, 200,
                   json_pack("{s:s, s:s, s:s}", "name", token ? who + 6 : who, "role",
                             http_access_name(http_request_role(req)), "via", token ? "token" : "unix socket"));
}

static void get_tokens(HttpRequest *req, void *userdata) {
        Daemon *d = userdata;
        http_reply(req, 200, db_tokens(d->db));
}

/* A token is made here and shown once, in this answer; what the cluster
 * keeps (and every node applies) is its hash. */
static void post_tokens(HttpRequest *req, void *userdata) {
        Daemon *d = userdata;
        if (!body_members(req, MEMBERS("name", "role")))
                return;
        json_t *body = http_request_body(req);
        const char *name = json_string_value(json_object_get(body, "name"));
        const char *role = json_string_value(json_object_get(body, "role"));
        char e[256];
        if (!name || name_validate("a token name", name, e, sizeof(e)) < 0) {
                refuse(req, REFUSED_INVALID, "name", "%s", name ? e : "name, the token's name, is needed (text)");
                return;
        }
        HttpAccess a = http_access_from_name(role);
        if (a == HTTP_ACCESS_UNSET) {
                refuse(req, REFUSED_INVALID, "role", "role %s: a token's role is read, operator or admin",
                       role ? role : "(missing)");
                return;
        }
        if (!quorate(d, req))
                return;
        char token[TOKEN_LEN + 1], hash[TOKEN_HASH_LEN + 1];
        if (token_make(token) < 0 || token_hash(token, hash) < 0) {
                refuse(req, REFUSED_INTERNAL, NULL, "cannot make a token: no random bytes");
                return;
        }
        send_and_reply(d, req,
                       json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "token.create", "name", name, "role",
                                 http_access_name(a), "hash", hash, "by", http_request_who(req)),
                       "token", name, 201, json_pack("{s:s}", "token", token));
        explicit_bzero(token, sizeof(token));
}

static void delete_token(HttpRequest *req, void *userdata) {
        Daemon *d = userdata;
        if (!body_members(req, NULL) || !quorate(d, req))
                return;
        send_and_reply(d, req, json_pack("{s:s, s:s}", "type", "token.revoke", "name", http_request_param(req, 0)),
                       NULL, NULL, 204, NULL);
}

static const HttpRoute routes[] = {
        { "GET", "/v1/cluster", get_cluster, HTTP_ACCESS_READ },
        { "PATCH", "/v1/cluster", patch_cluster, HTTP_ACCESS_ADMIN },
        { "GET", "/v1/status", get_status, HTTP_ACCESS_READ },
        { "GET", "/v1/nodes", get_nodes, HTTP_ACCESS_READ },
        { "GET", "/v1/nodes/{}", get_node, HTTP_ACCESS_READ },
        { "POST", "/v1/nodes/{}/pause", post_node_pause, HTTP_ACCESS_OPERATOR },
        { "POST", "/v1/nodes/{}/resume", post_node_resume, HTTP_ACCESS_OPERATOR },
        { "POST", "/v1/nodes/{}/drain", post_node_drain, HTTP_ACCESS_OPERATOR },
        { "POST", "/v1/nodes/{}/evict", post_node_evict, HTTP_ACCESS_ADMIN },
        { "GET", "/v1/groups", get_groups, HTTP_ACCESS_READ },
        { "POST", "/v1/groups", post_groups, HTTP_ACCESS_ADMIN },
        { "GET", "/v1/groups/{}", get_group, HTTP_ACCESS_READ },
        { "PATCH", "/v1/groups/{}", patch_group, HTTP_ACCESS_ADMIN },
        { "DELETE", "/v1/groups/{}", delete_group, HTTP_ACCESS_ADMIN },
        { "POST", "/v1/groups/{}/online", post_group_online, HTTP_ACCESS_OPERATOR },
        { "POST", "/v1/groups/{}/offline", post_group_offline, HTTP_ACCESS_OPERATOR },
        { "POST", "/v1/groups/{}/move", post_group_move, HTTP_ACCESS_OPERATOR },
        { "GET", "/v1/groups/{}/why", get_group_why, HTTP_ACCESS_READ },
        { "GET", "/v1/resources", get_resources, HTTP_ACCESS_READ },
        { "POST", "/v1/resources", post_resources, HTTP_ACCESS_ADMIN },
        { "GET", "/v1/resources/{}", get_resource, HTTP_ACCESS_READ },
        { "PATCH", "/v1/resources/{}", patch_resource, HTTP_ACCESS_ADMIN },
        { "DELETE", "/v1/resources/{}", delete_resource, HTTP_ACCESS_ADMIN },
        { "POST", "/v1/resources/{}/online", post_resource_online, HTTP_ACCESS_OPERATOR },
        { "POST", "/v1/resources/{}/offline", post_resource_offline, HTTP_ACCESS_OPERATOR },
        { "POST", "/v1/resources/{}/fail", post_resource_fail, HTTP_ACCESS_OPERATOR },
        { "POST", "/v1/resources/{}/depend", post_resource_depend, HTTP_ACCESS_ADMIN },
        { "POST", "/v1/resources/{}/undepend", post_resource_undepend, HTTP_ACCESS_ADMIN },
        { "GET", "/v1/resources/{}/why", get_resource_why, HTTP_ACCESS_READ },
        { "GET", "/v1/types", get_types, HTTP_ACCESS_READ },
        { "GET", "/v1/types/{}", get_type, HTTP_ACCESS_READ },
        { "GET", "/v1/properties", get_properties, HTTP_ACCESS_READ },
        { "GET", "/v1/events", get_events, HTTP_ACCESS_READ },
        { "GET", "/v1/log", get_log, HTTP_ACCESS_READ },
        { "GET", "/metrics", get_metrics, HTTP_ACCESS_READ },
        { "GET", "/v1/whoami", get_whoami, HTTP_ACCESS_READ },
        { "GET", "/v1/tokens", get_tokens, HTTP_ACCESS_ADMIN },
        { "POST", "/v1/tokens", post_tokens, HTTP_ACCESS_ADMIN },
        { "DELETE", "/v1/tokens/{}", delete_token, HTTP_ACCESS_ADMIN },
        { "GET", "/", console_get_index, HTTP_ACCESS_PUBLIC },
        { "GET", "/console/{}", console_get_file, HTTP_ACCESS_PUBLIC },
        {},
};

/* Who asked what of the cluster: every change asked through the API, on
 * the node that took the request, with its answer. */
static void on_audit(HttpRequest *req, unsigned status, void *userdata) {
        Daemon *d = userdata;
        clusterlog_printf(d->log, status < 400 ? "info" : "warning", "API_REQUEST", NULL, NULL, "%s (%s): %s %.300s: %u",
                          http_request_who(req), http_request_peer(req), http_request_method(req),
                          http_request_path(req), status);
}

void api_print_routes(FILE *f) {
        for (const HttpRoute *r = routes; r->method; r++)
                fprintf(f, "%s %s %s\n", r->method, r->pattern, http_access_name(r->access));
}

void api_stop(Daemon *d) {
        while (d->pendings)
                pending_free(d->pendings);
}

int api_start(Daemon *d, char *err, size_t errlen) {
        int r = http_server_new(d->event, d->cfg.socket_path, routes, d, &d->http, err, errlen);
        if (r < 0)
                return r;
        http_server_set_stream_memory_max(d->http, d->cfg.event_stream_memory);
        http_server_set_audit(d->http, on_audit, d);
        r = api_remote_start(d, routes, err, errlen);
        if (r >= 0 && d->https)
                http_server_set_audit(d->https, on_audit, d);
        return r;
}
