/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Who owns what between nodes (owners.h): one member's tables and the rules
 * that apply views and rt.* messages to them. It owns the rules and the
 * message formats; the caller owns sending, logging, timers and the lease.
 * Never reads a clock, the database or the network.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "owners.h"

static const char *jstr(const json_t *o, const char *k) {
        return json_string_value(json_object_get(o, k));
}

static bool is(const char *a, const char *b) {
        return a && b && strcmp(a, b) == 0;
}

static bool running(const char *state) {
        return is(state, "Online") || is(state, "OnlinePending") || is(state, "OfflinePending");
}

/* A node id in a message: 1..OWNERS_NODE_MAX, or 0 where none is allowed. */
static bool node_field(const json_t *m, const char *k, uint32_t *ret) {
        json_t *v = json_object_get(m, k);
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > OWNERS_NODE_MAX)
                return false;
        *ret = (uint32_t) json_integer_value(v);
        return true;
}

/* ---- the tables ---- */

static void free_group(void *p) {
        OwnersGroup *g = p;
        free(g->id);
        free(g);
}

static void free_resource(void *p) {
        OwnersResource *r = p;
        free(r->id);
        free(r->state);
        free(r->reason);
        free(r->shadow_state);
        free(r->shadow_reason);
        free(r);
}

int owners_new(const OwnersConfig *cfg, Owners **ret) {
        if (!cfg->group_resources || !!cfg->groups != !!cfg->resources ||
            (cfg->groups && (!cfg->new_group || !cfg->new_resource)))
                return -EINVAL;
        Owners *o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        o->cfg = *cfg;
        o->groups = cfg->groups;
        o->resources = cfg->resources;
        if (!o->groups) {
                o->own_tables = true;
                o->groups = hashmap_new();
                o->resources = hashmap_new();
                if (!o->groups || !o->resources) {
                        owners_free(o);
                        return -ENOMEM;
                }
        }
        *ret = o;
        return 0;
}

Owners *owners_free(Owners *o) {
        if (!o)
                return NULL;
        if (o->own_tables) {
                hashmap_free_with(o->groups, free_group);
                hashmap_free_with(o->resources, free_resource);
        }
        free(o);
        return NULL;
}

OwnersGroup *owners_group(Owners *o, const char *id) {
        OwnersGroup *g = hashmap_get(o->groups, id);
        if (g || !o->own_tables)
                return g ? g : o->cfg.new_group(id, o->cfg.userdata);
        g = calloc(1, sizeof(*g));
        if (!g)
                return NULL;
        g->id = strdup(id);
        if (!g->id || hashmap_put(o->groups, g->id, g) < 0) {
                free_group(g);
                return NULL;
        }
        return g;
}

OwnersResource *owners_resource(Owners *o, const char *id) {
        OwnersResource *r = hashmap_get(o->resources, id);
        if (r || !o->own_tables)
                return r ? r : o->cfg.new_resource(id, o->cfg.userdata);
        r = calloc(1, sizeof(*r));
        if (!r)
                return NULL;
        r->id = strdup(id);
        r->state = strdup("Offline");
        if (!r->id || !r->state || hashmap_put(o->resources, r->id, r) < 0) {
                free_resource(r);
                return NULL;
        }
        return r;
}

/* Owner and state of a resource; counts it in *changed when either changed. */
static void set_resource(Owners *o, OwnersResource *r, uint32_t owner, const char *state, const char *reason,
                         unsigned *changed) {
        bool same = r->owner == owner && is(r->state, state);
        r->owner = owner;
        if (o->cfg.set_state)
                o->cfg.set_state(r, state, reason, o->cfg.userdata);
        else {
                char *s = strdup(state), *why = reason ? strdup(reason) : NULL;
                if (!s || (reason && !why)) {
                        free(s);
                        free(why);
                        return;
                }
                free(r->state);
                r->state = s;
                free(r->reason);
                r->reason = why;
        }
        if (!same)
                (*changed)++;
}

/* ---- membership ---- */

bool owners_member(const Owners *o, uint32_t id) {
        for (unsigned i = 0; i < o->view.n_members; i++)
                if (o->view.members[i] == id)
                        return true;
        return false;
}

bool owners_node_up(const Owners *o, uint32_t id) {
        return id >= 1 && id <= OWNERS_NODE_MAX && owners_member(o, id) && !o->live[id].down;
}

uint32_t owners_coordinator(const Owners *o) {
        if (!o->view.quorate)
                return 0;
        for (unsigned i = 0; i < o->view.n_members; i++)
                if (owners_node_up(o, o->view.members[i]))
                        return o->view.members[i];
        return 0;
}

bool owners_all_reported(const Owners *o) {
        for (unsigned i = 0; i < o->view.n_members; i++) {
                uint32_t id = o->view.members[i];
                if (owners_node_up(o, id) && !o->live[id].reported)
                        return false;
        }
        return true;
}

bool owners_view(Owners *o, const EngineView *v, uint64_t now_usec) {
        bool changed = v->ring != o->view.ring || v->ring_node != o->view.ring_node ||
                       v->n_members != o->view.n_members ||
                       memcmp(v->members, o->view.members, v->n_members * sizeof(uint32_t)) != 0;
        o->view = *v;
        if (!changed)
                return false;
        for (unsigned i = 0; i <= OWNERS_NODE_MAX; i++) {
                o->live[i].hb = 0;
                o->live[i].reported = false;
                o->live[i].down = false;
                o->live[i].suspected = false;
        }
        /* Every member gets a whole lease from here to be heard (a ring that
         * re-formed was silent meanwhile); a node first seen now also makes
         * its groups, if others knew of any, wait the whole takeover delay.
         * Later than its true last heartbeat, so it only ever delays a
         * takeover. Nodes that left keep the time they were last heard. */
        for (unsigned i = 0; i < v->n_members; i++)
                if (v->members[i] >= 1 && v->members[i] <= OWNERS_NODE_MAX)
                        o->live[v->members[i]].last_usec = now_usec;
        size_t it = 0;
        OwnersGroup *g;
        while ((g = hashmap_next(o->groups, &it, NULL))) {
                g->placing = false;
                g->moved = false;
                g->released_by = 0;
                /* The engine is lost: no release on its way comes back. */
                if (v->n_members == 0)
                        g->releasing = false;
                if (g->owner && g->owner <= OWNERS_NODE_MAX && o->live[g->owner].last_usec == 0)
                        o->live[g->owner].last_usec = now_usec;
        }
        OwnersResource *r;
        it = 0;
        while ((r = hashmap_next(o->resources, &it, NULL)))
                r->taken = false;
        return true;
}

/* ---- applying ---- */

static void apply_alive(Owners *o, uint32_t from, const json_t *m, uint64_t now_usec, OwnersChange *c) {
        json_int_t n = json_integer_value(json_object_get(m, "n"));
        NodeLive *l = &o->live[from];
        /* Newer than any this member suspected it on: should it fall
         * silent again, it is suspected again (a suspicion that came too
         * late was dropped by every member). */
        if (n > 0 && (uint64_t) n > l->hb) {
                l->hb = (uint64_t) n;
                l->suspected = false;
        }
        if (n > 0 && (uint64_t) n > l->hb_any)
                l->hb_any = (uint64_t) n;
        l->last_usec = now_usec;
        if (l->down && l->hb > l->down_hb) {
                l->down = false;
                c->heard_again = true;
        }
        json_int_t t = json_integer_value(json_object_get(m, "t"));
        if (from == o->cfg.self && o->view.quorate && t > 0) {
                c->own_heartbeat = true;
                c->sent_usec = (uint64_t) t;
        }
}

static void set_remote_state(Owners *o, uint32_t from, const char *id, const char *state, const char *reason,
                             unsigned *changed) {
        OwnersResource *r = owners_resource(o, id);
        if (!r)
                return;
        /* What runs here is known here better than anyone can say; what
         * another node says of it is kept for when it stops here. */
        if (r->owner == o->cfg.self && running(r->state) && from != o->cfg.self &&
            (running(state) || is(state, "Failed"))) {
                free(r->shadow_state);
                free(r->shadow_reason);
                r->shadow_state = strdup(state);
                r->shadow_reason = reason ? strdup(reason) : NULL;
                r->shadow_owner = r->shadow_state ? from : 0;
                return;
        }
        if (r->owner == o->cfg.self && (running(r->state) || r->in_flight))
                return;
        /* It speaks for itself alone: that it does not run what another
         * node runs (taken over while it was cut off or frozen) says
         * nothing of that node. */
        if (!running(state) && r->owner && r->owner != from)
                return;
        set_resource(o, r, running(state) || is(state, "Failed") ? from : 0, state, reason, changed);
}

bool owners_local_stopped(Owners *o, OwnersResource *r) {
        if (!r->shadow_owner || running(r->state))
                return false;
        uint32_t owner = r->shadow_owner;
        char *state = r->shadow_state, *reason = r->shadow_reason;
        r->shadow_owner = 0;
        r->shadow_state = r->shadow_reason = NULL;
        unsigned changed = 0;
        set_resource(o, r, running(state) || is(state, "Failed") ? owner : 0, state, reason, &changed);
        free(state);
        free(reason);
        return changed > 0;
}

/* A report names the view it was made for (a node of an earlier version
 * names none): one that comes in a later view — another change came
 * before it was ordered — says what the sender ran before the placements
 * ordered since, and its sender reports again for this view. */
static bool report_current(const Owners *o, const json_t *m) {
        json_t *ring = json_object_get(m, "view_ring"), *members = json_object_get(m, "members");
        if (!ring && !members)
                return true;
        if (!json_is_integer(json_array_get(ring, 0)) || !json_is_integer(json_array_get(ring, 1)) ||
            (uint32_t) json_integer_value(json_array_get(ring, 0)) != o->view.ring_node ||
            (uint64_t) json_integer_value(json_array_get(ring, 1)) != o->view.ring ||
            json_array_size(members) != o->view.n_members)
                return false;
        for (unsigned i = 0; i < o->view.n_members; i++)
                if (!json_is_integer(json_array_get(members, i)) ||
                    json_integer_value(json_array_get(members, i)) != o->view.members[i])
                        return false;
        return true;
}

/* What the sender holds of groups of nodes other than itself and this
 * member, for a member that knows no owner for them. The owner named
 * speaks for itself once it has reported; a placement or a release in
 * this view is newer. */
static void apply_known(Owners *o, uint32_t from, const json_t *known, uint64_t now_usec, OwnersChange *c) {
        const char *gid;
        json_t *e;
        json_object_foreach((json_t *) known, gid, e) {
                uint32_t x, y;
                if (!node_field(e, "owner", &x) || x == 0 || x == from || x == o->cfg.self || o->live[x].reported)
                        continue;
                OwnersGroup *g = owners_group(o, gid);
                if (!g || g->owner || g->moved || g->released_by == x)
                        continue;
                g->owner = x;
                /* First heard of here: its groups wait the whole takeover
                 * delay from now, as at a view change. */
                if (!o->live[x].last_usec)
                        o->live[x].last_usec = now_usec;
                size_t i;
                json_t *r;
                json_array_foreach(json_object_get(e, "resources"), i, r) {
                        const char *id = jstr(r, "id"), *state = jstr(r, "state");
                        if (!id || !state || !node_field(r, "owner", &y) || y == 0 || y == from || y == o->cfg.self ||
                            o->live[y].reported)
                                continue;
                        OwnersResource *res = owners_resource(o, id);
                        if (res && !res->owner)
                                set_resource(o, res, y, state, jstr(r, "reason"), &c->resources);
                }
        }
}

static void apply_report(Owners *o, uint32_t from, const json_t *m, uint64_t now_usec, OwnersChange *c) {
        if (!report_current(o, m))
                return;
        o->live[from].reported = true;
        if (from == o->cfg.self)
                return;
        json_t *groups = json_object_get(m, "groups"), *res = json_object_get(m, "resources");
        size_t it = 0, i;
        OwnersGroup *g;
        json_t *e;
        /* It speaks for itself alone: what it no longer claims is no
         * longer its own. It was made when the view began (or, re-attached,
         * later): a placement ordered since is newer, and so is a release
         * of its own — one sent before the view changed may be ordered
         * after it. */
        while ((g = hashmap_next(o->groups, &it, NULL)))
                if (g->owner == from && !g->moved) {
                        bool claimed = false;
                        json_array_foreach(groups, i, e)
                                claimed = claimed || is(json_string_value(e), g->id);
                        if (!claimed)
                                g->owner = 0;
                }
        json_array_foreach(groups, i, e)
                if (json_is_string(e) && (g = owners_group(o, json_string_value(e))) && !g->moved &&
                    g->released_by != from)
                        g->owner = from;
        OwnersResource *r;
        it = 0;
        while ((r = hashmap_next(o->resources, &it, NULL)))
                if (r->owner == from) {
                        bool listed = false;
                        json_array_foreach(res, i, e)
                                listed = listed || is(jstr(e, "id"), r->id);
                        if (!listed)
                                set_resource(o, r, 0, "Offline", NULL, &c->resources);
                }
        json_array_foreach(res, i, e) {
                /* Taken over since the view began: a frozen node thawed
                 * reports what it ran before its lease ran out. */
                r = jstr(e, "id") ? hashmap_get(o->resources, jstr(e, "id")) : NULL;
                if (jstr(e, "id") && jstr(e, "state") && !(r && r->taken))
                        set_remote_state(o, from, jstr(e, "id"), jstr(e, "state"), jstr(e, "reason"), &c->resources);
        }
        apply_known(o, from, json_object_get(m, "known"), now_usec, c);
}

static void apply_release(Owners *o, uint32_t from, const json_t *m, OwnersChange *c) {
        OwnersGroup *g = jstr(m, "group") ? owners_group(o, jstr(m, "group")) : NULL;
        if (!g)
                return;
        if (from == o->cfg.self)
                g->releasing = false;
        /* Not its sender's from here on, whoever this member thinks owns
         * it (a joiner may not know yet), whatever a report of the
         * sender's made before says. */
        g->released_by = from;
        if (g->owner != from)
                return;
        g->owner = 0;
        g->lost = false;
        /* Failed there: anywhere else next. */
        if (json_is_true(json_object_get(m, "failover")))
                g->failed_from = from;
        c->group = g;
        c->released = true;
        c->failed = jstr(m, "failed");
        json_int_t at = json_integer_value(json_object_get(m, "retry_at_ms"));
        c->retry_at_ms = at > 0 ? (uint64_t) at : 0;
}

static void apply_suspect(Owners *o, const json_t *m, OwnersChange *c) {
        uint32_t id;
        json_t *hb = json_object_get(m, "hb");
        if (!node_field(m, "node", &id) || id == 0 || !json_is_integer(hb) || json_integer_value(hb) < 0)
                return;
        NodeLive *l = &o->live[id];
        /* Only on the last heartbeat seen from it here. A newer one came
         * first: it is alive after all. One this member has not seen: the
         * suspicion was made in an earlier view (each starts counting
         * anew, and a new process of the node counts from 1), which gave
         * the node a whole lease again. */
        if (!l->down && l->hb == (uint64_t) json_integer_value(hb)) {
                l->down = true;
                l->down_hb = (uint64_t) json_integer_value(hb);
                c->down = id;
        }
}

const char *owners_place_refusal(const Owners *o, uint32_t sender, const json_t *m) {
        json_t *ring = json_object_get(m, "view_ring"), *hb = json_object_get(m, "hb");
        uint32_t from, to;
        bool takeover = json_is_true(json_object_get(m, "takeover"));
        if (sender != owners_coordinator(o))
                return "it does not come from the coordinator of this view";
        if (!o->view.quorate)
                return "this node has no quorum";
        if (!json_is_integer(json_array_get(ring, 0)) || !json_is_integer(json_array_get(ring, 1)) ||
            (uint64_t) json_integer_value(json_array_get(ring, 1)) != o->view.ring ||
            (uint32_t) json_integer_value(json_array_get(ring, 0)) != o->view.ring_node)
                return "it was made in an older view";
        if (!node_field(m, "from", &from) || !node_field(m, "to", &to))
                return "it names no node";
        if (takeover && from && owners_node_up(o, from))
                return "the node it takes from is up";
        if (takeover && from && (!json_is_integer(hb) || json_integer_value(hb) < 0 ||
                                 o->live[from].hb > (uint64_t) json_integer_value(hb)))
                return "the node it takes from has sent a heartbeat since";
        return NULL;
}

static void apply_place(Owners *o, uint32_t sender, const json_t *m, OwnersChange *c) {
        OwnersGroup *g = jstr(m, "group") ? owners_group(o, jstr(m, "group")) : NULL;
        if (!g)
                return;
        uint32_t from = 0, to = 0;
        (void) node_field(m, "from", &from);
        (void) node_field(m, "to", &to);
        bool takeover = json_is_true(json_object_get(m, "takeover"));
        c->group = g;
        c->takeover = takeover;
        c->from = from;
        c->to = to;
        g->placing = false;
        c->dropped = owners_place_refusal(o, sender, m);
        if (c->dropped)
                return;
        if (takeover && from && from != o->cfg.self) {
                /* What the lost node ran has been stopped by its lease. */
                json_t *res = o->cfg.group_resources(g->id, o->cfg.userdata);
                size_t i;
                json_t *e;
                json_array_foreach(res, i, e) {
                        OwnersResource *r = jstr(e, "id") ? hashmap_get(o->resources, jstr(e, "id")) : NULL;
                        if (r && r->owner == from) {
                                set_resource(o, r, 0, "Offline", "its node was lost; stopped there by the lease",
                                             &c->resources);
                                r->taken = true;
                        }
                }
                json_decref(res);
        }
        if (g->move_to && (to == g->move_to || !takeover))
                g->move_to = 0;
        g->failed_from = 0;
        g->owner = to;
        g->lost = false;
        g->moved = true;
        c->placed = true;
        c->reason = jstr(m, "reason");
        static const char *const kinds[] = { "move", "failback", "drain" };
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
                if (is(jstr(m, "kind"), kinds[i]))
                        c->kind = kinds[i];
}

int owners_deliver(Owners *o, const json_t *msg, uint64_t now_usec, OwnersChange *ret) {
        *ret = (OwnersChange) {};
        uint32_t from;
        if (!node_field(msg, "origin", &from) || from == 0)
                return -EINVAL;
        ret->sender = from;
        const char *type = jstr(msg, "type");
        if (is(type, "rt.alive"))
                apply_alive(o, from, msg, now_usec, ret);
        else if (is(type, "rt.report"))
                apply_report(o, from, msg, now_usec, ret);
        else if (is(type, "rt.state") && from != o->cfg.self && jstr(msg, "id") && jstr(msg, "state"))
                set_remote_state(o, from, jstr(msg, "id"), jstr(msg, "state"), jstr(msg, "reason"), &ret->resources);
        else if (is(type, "rt.release"))
                apply_release(o, from, msg, ret);
        else if (is(type, "rt.suspect"))
                apply_suspect(o, msg, ret);
        else if (is(type, "rt.place"))
                apply_place(o, from, msg, ret);
        return 0;
}

size_t owners_silent(Owners *o, uint64_t now_usec, uint64_t lease_usec, uint32_t *ret_nodes) {
        size_t n = 0;
        for (unsigned i = 0; i < o->view.n_members; i++) {
                uint32_t id = o->view.members[i];
                NodeLive *l = id >= 1 && id <= OWNERS_NODE_MAX ? &o->live[id] : NULL;
                if (!l || id == o->cfg.self || l->down || l->suspected || now_usec < l->last_usec + lease_usec)
                        continue;
                l->suspected = true;
                ret_nodes[n++] = id;
        }
        return n;
}

unsigned owners_lease_lost(Owners *o) {
        size_t it = 0;
        unsigned n = 0;
        OwnersGroup *g;
        while ((g = hashmap_next(o->groups, &it, NULL)))
                if (g->owner == o->cfg.self && !g->lost) {
                        g->lost = true;
                        n++;
                }
        return n;
}

/* ---- the coordinator ---- */

OwnersDecision owners_decide(const Owners *o, const OwnersGroup *g, bool want, uint64_t now_usec,
                             uint64_t takeover_delay_usec) {
        OwnersDecision d = { .action = OWNERS_KEEP };
        uint32_t owner = g->owner;
        if (g->placing)
                return d;
        if (owner && !owners_node_up(o, owner)) {
                uint64_t at = (owner <= OWNERS_NODE_MAX ? o->live[owner].last_usec : 0) + takeover_delay_usec;
                if (now_usec < at)
                        return (OwnersDecision) { .action = OWNERS_WAIT, .at_usec = at };
                return (OwnersDecision) { .action = OWNERS_TAKE_OVER, .from = owner, .avoid = owner };
        }
        if (!owner && want)
                return (OwnersDecision) { .action = OWNERS_PLACE, .avoid = g->failed_from };
        if (owner && want && g->move_to && g->move_to != owner && owners_node_up(o, g->move_to))
                return (OwnersDecision) { .action = OWNERS_MOVE, .from = owner, .to = g->move_to };
        return d;
}

/* ---- the messages ---- */

json_t *owners_alive_message(uint64_t n, uint64_t sent_usec) {
        return json_pack("{s:s, s:I, s:I}", "type", "rt.alive", "n", (json_int_t) n, "t", (json_int_t) sent_usec);
}

json_t *owners_suspect_message(const Owners *o, uint32_t node) {
        return json_pack("{s:s, s:i, s:I}", "type", "rt.suspect", "node", (int) node, "hb",
                         (json_int_t) (node <= OWNERS_NODE_MAX ? o->live[node].hb : 0));
}

static uint64_t members_mask(const Owners *o) {
        uint64_t mask = 0;
        for (unsigned i = 0; i < o->view.n_members; i++)
                if (o->view.members[i] >= 1 && o->view.members[i] <= OWNERS_NODE_MAX)
                        mask |= UINT64_C(1) << o->view.members[i];
        return mask;
}

/* What this member holds of the groups of other nodes, with the states of
 * their resources. */
static json_t *known_message(Owners *o) {
        json_t *known = json_object();
        size_t it = 0;
        OwnersGroup *g;
        while (known && (g = hashmap_next(o->groups, &it, NULL))) {
                if (!g->owner || g->owner == o->cfg.self)
                        continue;
                json_t *res = json_array(), *ids = o->cfg.group_resources(g->id, o->cfg.userdata);
                size_t i;
                json_t *e;
                json_array_foreach(ids, i, e) {
                        OwnersResource *r = jstr(e, "id") ? hashmap_get(o->resources, jstr(e, "id")) : NULL;
                        if (r && r->owner && r->owner != o->cfg.self)
                                json_array_append_new(res, json_pack("{s:s, s:i, s:s, s:s?}", "id", r->id, "owner",
                                                                     (int) r->owner, "state", r->state, "reason",
                                                                     r->reason));
                }
                json_decref(ids);
                json_object_set_new(known, g->id, json_pack("{s:i, s:o}", "owner", (int) g->owner, "resources", res));
        }
        return known;
}

json_t *owners_report_message(Owners *o) {
        uint64_t members = members_mask(o);
        /* Someone joined since this member last reported: it may know
         * nothing of the nodes that cannot tell it themselves. */
        bool joined = o->told && (members & ~o->told);
        o->told = members;
        json_t *groups = json_array(), *res = json_array();
        size_t it = 0;
        OwnersGroup *g;
        while ((g = hashmap_next(o->groups, &it, NULL)))
                if (g->owner == o->cfg.self && !g->releasing)
                        json_array_append_new(groups, json_string(g->id));
        OwnersResource *r;
        it = 0;
        while ((r = hashmap_next(o->resources, &it, NULL)))
                if (r->owner == o->cfg.self)
                        json_array_append_new(res, json_pack("{s:s, s:s, s:s?}", "id", r->id, "state", r->state,
                                                             "reason", r->reason));
        json_t *ids = json_array();
        for (unsigned i = 0; i < o->view.n_members; i++)
                json_array_append_new(ids, json_integer(o->view.members[i]));
        return json_pack("{s:s, s:o, s:o, s:[i,I], s:o, s:o*}", "type", "rt.report", "groups", groups, "resources", res,
                         "view_ring", (int) o->view.ring_node, (json_int_t) o->view.ring, "members", ids, "known",
                         joined ? known_message(o) : NULL);
}

json_t *owners_state_message(const OwnersResource *r) {
        return json_pack("{s:s, s:s, s:s, s:s?}", "type", "rt.state", "id", r->id, "state", r->state, "reason",
                         r->reason);
}

json_t *owners_release_message(const char *group, bool failover, const char *failed, uint64_t retry_at_ms) {
        if (failover)
                return json_pack("{s:s, s:s, s:b}", "type", "rt.release", "group", group, "failover", true);
        if (failed)
                return json_pack("{s:s, s:s, s:s, s:I}", "type", "rt.release", "group", group, "failed", failed,
                                 "retry_at_ms", (json_int_t) retry_at_ms);
        return json_pack("{s:s, s:s}", "type", "rt.release", "group", group);
}

json_t *owners_place_message(const Owners *o, const OwnersGroup *g, uint32_t from, uint32_t to, bool takeover,
                             const char *reason, uint64_t version) {
        return json_pack("{s:s, s:s, s:i, s:i, s:b, s:I, s:[i,I], s:I, s:s?}", "type", "rt.place", "group", g->id,
                         "from", (int) from, "to", (int) to, "takeover", takeover, "hb",
                         (json_int_t) (from && from <= OWNERS_NODE_MAX ? o->live[from].hb : 0), "view_ring",
                         (int) o->view.ring_node, (json_int_t) o->view.ring, "version", (json_int_t) version, "reason",
                         reason);
}
