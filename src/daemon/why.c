/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The explanations of `wolfpack why` (why.h): placement_explain() over the
 * coordinator's own inputs, as JSON with stable rule codes, and the
 * verdict on one resource. Owns the resource rules (online, pending,
 * offline_desired, dependency_failed, failed, group). Never changes
 * state and never decides anything placement does not.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "macro.h"
#include "placement-inputs.h"
#include "strv.h"
#include "why.h"

static const char *jstr(const json_t *o, const char *k) {
        return json_string_value(json_object_get(o, k));
}

static bool is(const char *a, const char *b) {
        return a && b && strcmp(a, b) == 0;
}

static json_t *name_or_null(Daemon *d, uint32_t id) {
        const char *n = node_name(d, id);
        return n ? json_string(n) : json_null();
}

static json_t *verdict_json(const PlacementInputs *in, const PlacementVerdict *v, size_t i) {
        json_t *o = json_pack("{s:I, s:s?, s:s, s:s}", "id", (json_int_t) v->node, "name", in->nodes[i].name, "rule",
                              placement_rule_code(v->rule), "text", v->text);
        if (o && v->until_ms)
                json_object_set_new(o, "until_ms", json_integer((json_int_t) v->until_ms));
        return o;
}

/* The group's explanation from its database row g. */
static json_t *explain(Daemon *d, json_t *g, char *err, size_t errlen) {
        const char *id = jstr(g, "id");
        RtGroup *rg = hashmap_get(d->groups, id);
        json_t *res = db_resources(d->db, id);
        PlacementInputs in;
        /* Not placed yet after its owner failed it over: the coordinator
         * avoids that node (owners_decide). */
        uint32_t leaving = rg && !rg->owner ? rg->failed_from : 0;
        int k = placement_inputs_build(d, g, res, leaving, &in, err, errlen);
        PlacementVerdict *v = k >= 0 ? calloc(in.n_nodes + 1, sizeof(PlacementVerdict)) : NULL;
        Placement p = {};
        if (k >= 0 && !v) {
                snprintf(err, errlen, "out of memory");
                k = -ENOMEM;
        }
        if (k >= 0)
                k = placement_explain(&in.group, in.nodes, in.n_nodes, in.current, v, &p);
        json_t *o = NULL;
        if (k >= 0 || k == -ENODEV) {
                json_t *nodes = json_array();
                const char *rule = NULL;
                for (size_t i = 0; i < in.n_nodes; i++) {
                        json_array_append_new(nodes, verdict_json(&in, &v[i], i));
                        if (v[i].node == p.node)
                                rule = placement_rule_code(v[i].rule);
                }
                json_decref(rt_group_json(d, json_incref(g)));
                bool wanted = is(jstr(g, "desired"), "online");
                char summary[sizeof p.reason + 160];
                if (!wanted)
                        snprintf(summary, sizeof summary,
                                 "%s is offline as an administrator asked; `wolfpack group online %s` places it: %s",
                                 jstr(g, "name"), jstr(g, "name"), p.reason);
                else
                        snprintf(summary, sizeof summary, "%s", p.reason);
                o = json_pack("{s:s, s:s, s:O, s:O, s:O, s:b, s:b, s:o, s:s?, s:s, s:o}", "group", jstr(g, "name"),
                              "id", id, "state", json_object_get(g, "state"), "owner", json_object_get(g, "owner"),
                              "state_reason", json_object_get(g, "state_reason"), "wanted", wanted, "quorate",
                              d->view.quorate, "node", p.node ? name_or_null(d, p.node) : json_null(), "rule", rule,
                              "summary", summary, "nodes", nodes);
                if (!o)
                        snprintf(err, errlen, "out of memory");
        } else if (!err[0])
                snprintf(err, errlen, "%s", p.reason[0] ? p.reason : strerror(-k));
        free(v);
        placement_inputs_done(&in);
        json_decref(res);
        return o;
}

json_t *why_group(Daemon *d, const char *group_id, char *err, size_t errlen) {
        err[0] = 0;
        json_t *g = db_group(d->db, group_id);
        if (!g) {
                snprintf(err, errlen, "the group is gone");
                return NULL;
        }
        json_t *o = explain(d, g, err, errlen);
        json_decref(g);
        return o;
}

/* ---- one resource ---- */

/* A walk through a resource's dependencies, however deep; bounded like
 * the failover manager's (diamonds revisit). */
typedef struct Walk {
        Daemon *d;
        json_t *resources; /* the group's */
        unsigned depth, visits;
} Walk;

#define WALK_MAX_VISITS 4096u

static json_t *named(Walk *w, const char *name) {
        return decide_resource_named(w->resources, name);
}

static const char *state_of(Walk *w, const json_t *o) {
        RtResource *r = o ? hashmap_get(w->d->resources, jstr(o, "id")) : NULL;
        return r ? r->state : "Offline";
}

static json_t *failed_dependency(Walk *w, const json_t *res);

/* Could the resource named still come online: not Failed, and nothing it
 * needs is. */
static bool viable(const char *name, void *userdata) {
        Walk *w = userdata;
        json_t *o = named(w, name);
        return o && (is(state_of(w, o), "Online") || (!is(state_of(w, o), "Failed") && !failed_dependency(w, o)));
}

/* The Failed resource that res needs (through its dependencies, however
 * deep) and that no OR-member stands in for, or NULL. */
static json_t *failed_dependency(Walk *w, const json_t *res) {
        _cleanup_depexpr_ DepExpr *e = NULL;
        if (w->depth > 64 || ++w->visits > WALK_MAX_VISITS || depexpr_parse(jstr(res, "depends"), &e, NULL, 0) < 0 ||
            depexpr_is_empty(e))
                return NULL;
        w->depth++;
        json_t *found = NULL;
        if (!depexpr_eval(e, viable, w)) {
                _cleanup_strv_free_ char **names = NULL;
                if (depexpr_names(e, &names) >= 0)
                        for (char **n = names; n && *n && !found; n++) {
                                json_t *o = named(w, *n);
                                if (o && is(state_of(w, o), "Failed"))
                                        found = o;
                                else if (o && !is(state_of(w, o), "Online"))
                                        found = failed_dependency(w, o);
                        }
        }
        w->depth--;
        return found;
}

/* The resource's own verdict, from its API object r (rt_resource_json). */
static json_t *resource_verdict(Daemon *d, json_t *r, const json_t *why) {
        const char *name = jstr(r, "name"), *state = jstr(r, "state"), *reason = jstr(r, "state_reason");
        const char *group = jstr(r, "group"), *blocked = jstr(r, "blocked");
        json_t *res = db_resources(d->db, jstr(r, "group_id"));
        Walk w = { d, res, 0, 0 };
        json_t *dep = is(state, "Online") ? NULL : failed_dependency(&w, r);
        const char *rule;
        _cleanup_free_ char *text = NULL;
        int k;
        if (is(state, "Online")) {
                rule = "online";
                k = asprintf(&text, "%s is Online on %s", name, jstr(r, "owner") ? jstr(r, "owner") : "its owner");
        } else if (!is(jstr(r, "desired"), "online") || !json_is_true(json_object_get(why, "wanted"))) {
                rule = "offline_desired";
                k = asprintf(&text, "%s is offline as an administrator asked; `wolfpack %s online %s` brings it online",
                             is(jstr(r, "desired"), "online") ? group : name,
                             is(jstr(r, "desired"), "online") ? "group" : "resource",
                             is(jstr(r, "desired"), "online") ? group : name);
        } else if (dep) {
                rule = "dependency_failed";
                const char *dn = jstr(dep, "name");
                RtResource *dr = hashmap_get(d->resources, jstr(dep, "id"));
                if (blocked)
                        k = asprintf(&text, "%s waits: %s", name, blocked);
                else
                        k = asprintf(&text,
                                     "%s needs %s, which is Failed (%s); it comes online once %s is Online again "
                                     "(`wolfpack resource online %s` tries it now)",
                                     name, dn, dr && dr->reason ? dr->reason : "no reason known", dn, dn);
        } else if (is(state, "Failed")) {
                rule = "failed";
                k = asprintf(&text, "%s is Failed: %s", name, reason ? reason : blocked ? blocked : "no reason known");
        } else if (state && strstr(state, "Pending")) {
                rule = "pending";
                k = asprintf(&text, "%s is %s%s%s", name, state, reason ? ": " : "", reason ? reason : "");
        } else {
                rule = "group";
                k = asprintf(&text, "%s comes online with group %s, on the node its placement chooses: %s", name,
                             group, jstr(why, "summary"));
        }
        json_t *o = k < 0 ? NULL
                          : json_pack("{s:s, s:s, s:s?, s:O, s:s, s:s, s:s?}", "resource", name, "id", jstr(r, "id"),
                                      "state", state, "owner", json_object_get(r, "owner"), "rule", rule, "text", text,
                                      "dependency", dep ? jstr(dep, "name") : NULL);
        json_decref(res);
        return o;
}

json_t *why_resource(Daemon *d, const char *resource_id, char *err, size_t errlen) {
        err[0] = 0;
        json_t *r = rt_resource_json(d, db_resource(d->db, resource_id));
        if (!r) {
                snprintf(err, errlen, "the resource is gone");
                return NULL;
        }
        json_t *o = why_group(d, jstr(r, "group_id"), err, errlen);
        json_t *v = o ? resource_verdict(d, r, o) : NULL;
        if (o && !v) {
                snprintf(err, errlen, "out of memory");
                o = (json_decref(o), NULL);
        }
        if (o)
                json_object_set_new(o, "resource", v);
        json_decref(r);
        return o;
}
