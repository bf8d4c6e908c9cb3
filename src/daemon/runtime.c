/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runtime state: who runs what now, as the monitors report it. Kept in
 * memory only — never written to the database — and served read-only even
 * when this node has no quorum. Also the API's objects, which join the
 * database's view with this one.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checkpoint.h"
#include "daemon.h"
#include "decide.h"
#include "macro.h"
#include "time-util.h"

RtResource *rt_resource(Daemon *d, const char *id) {
        RtResource *r = hashmap_get(d->resources, id);
        if (r)
                return r;
        r = calloc(1, sizeof(*r));
        if (!r)
                return NULL;
        r->id = strdup(id);
        r->state = strdup("Offline");
        if (!r->id || !r->state || hashmap_put(d->resources, r->id, r) < 0) {
                free(r->id);
                free(r->state);
                free(r);
                return NULL;
        }
        return r;
}

RtGroup *rt_group(Daemon *d, const char *id) {
        RtGroup *g = hashmap_get(d->groups, id);
        if (g)
                return g;
        g = calloc(1, sizeof(*g));
        if (!g)
                return NULL;
        g->id = strdup(id);
        if (!g->id || hashmap_put(d->groups, g->id, g) < 0) {
                free(g->id);
                free(g);
                return NULL;
        }
        return g;
}

void rt_forget_resource(Daemon *d, const char *id) {
        RtResource *r = hashmap_remove(d->resources, id);
        if (!r)
                return;
        sd_event_source_disable_unref(r->restart_timer);
        checkpoint_forget(r);
        json_decref(r->readonly);
        free(r->shadow_state);
        free(r->shadow_reason);
        free(r->reason);
        free(r->state);
        free(r->id);
        free(r);
}

void rt_forget_group(Daemon *d, const char *id) {
        RtGroup *g = hashmap_remove(d->groups, id);
        if (!g)
                return;
        sd_event_source_disable_unref(g->retry_timer);
        free(g->reason);
        free(g->id);
        free(g);
}

const char *node_name(Daemon *d, uint32_t id) {
        if (id == 0)
                return NULL;
        if (id == d->cfg.node_id)
                return d->cfg.node_name;
        const char *name = engine_node_name(d->engine, id);
        return name ? name : "unknown";
}

void rt_no_quorum_message(Daemon *d, char *buf, size_t len) {
        size_t n = (size_t) snprintf(buf, len, "this node (%s) has no quorum; it sees ", d->cfg.node_name);
        if (d->view.n_members == 0 && n < len)
                n += (size_t) snprintf(buf + n, len - n, "no node");
        for (unsigned i = 0; i < d->view.n_members && n < len; i++)
                n += (size_t) snprintf(buf + n, len - n, "%s%s", i == 0 ? "" : ", ", node_name(d, d->view.members[i]));
        if (d->view.n_nodes > 0 && n < len)
                n += (size_t) snprintf(buf + n, len - n, " (%u of %u nodes)", d->view.n_members, d->view.n_nodes);
        if (n < len)
                snprintf(buf + n, len - n, "; changes are refused until it has quorum (reads still work)");
}

char *rt_object_name(Daemon *d, const char *kind, const char *id) {
        if (!id)
                return NULL;
        json_t *o = strcmp(kind, "group") == 0 ? db_group(d->db, id) : db_resource(d->db, id);
        const char *name = json_string_value(json_object_get(o, "name"));
        char *copy = name ? strdup(name) : NULL;
        json_decref(o);
        return copy;
}

/* {"attempt":1, "of":3, "in_ms":500} (of null: no limit), or NULL when
 * no restart is scheduled. */
static json_t *restarting_json(const RtResource *r) {
        if (!r || r->restart_attempt == 0)
                return NULL;
        uint64_t now = now_monotonic_usec();
        uint64_t in = r->restart_at_usec > now ? r->restart_at_usec - now : 0;
        return json_pack("{s:I, s:o, s:I}", "attempt", (json_int_t) r->restart_attempt, "of",
                         r->restart_of ? json_integer((json_int_t) r->restart_of) : json_null(), "in_ms",
                         (json_int_t) ((in + 999) / 1000));
}

void rt_set_state(Daemon *d, RtResource *r, const char *state, const char *reason) {
        if (strcmp(state, "Failed") != 0)
                r->restart_attempt = 0;
        bool same = strcmp(r->state, state) == 0 &&
                    ((!reason && !r->reason) || (reason && r->reason && strcmp(reason, r->reason) == 0));
        char *s = strdup(state), *why = reason ? strdup(reason) : NULL;
        if (!s) {
                free(why);
                return;
        }
        json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s?}", "type", "state", "resource", r->id, "state", state,
                               "previous", r->state, "reason", reason);
        free(r->state);
        r->state = s;
        free(r->reason);
        r->reason = why;
        if (same) {
                json_decref(ev);
                return;
        }
        json_t *db = db_resource(d->db, r->id);
        if (ev && db) {
                json_object_set(ev, "name", json_object_get(db, "name"));
                json_object_set(ev, "group", json_object_get(db, "group"));
        }
        json_t *restarting = restarting_json(r);
        if (ev && restarting)
                json_object_set(ev, "restarting", restarting);
        json_decref(restarting);
        json_decref(db);
        if (ev)
                events_emit(d, ev);
}

static void group_event(Daemon *d, RtGroup *g) {
        json_t *db = db_group(d->db, g->id);
        json_t *res = db_resources(d->db, g->id);
        json_t *ev = json_pack("{s:s, s:s, s:s, s:O?, s:s, s:s?, s:s?}", "type", "state", "kind", "group", "id", g->id,
                               "name", json_object_get(db, "name"), "state", rt_group_state(d, g->id, res), "reason",
                               g->failed ? g->reason : NULL, "owner", g->owner ? node_name(d, g->owner) : NULL);
        json_decref(res);
        json_decref(db);
        if (ev)
                events_emit(d, ev);
}

void rt_group_fail(Daemon *d, RtGroup *g, const char *reason, bool no_node) {
        char *why = reason ? strdup(reason) : NULL;
        bool same = g->failed && g->no_node == no_node && g->reason && why && strcmp(g->reason, why) == 0;
        free(g->reason);
        g->reason = why;
        g->failed = true;
        g->no_node = no_node;
        if (!same)
                group_event(d, g);
}

void rt_group_clear(Daemon *d, RtGroup *g) {
        g->retry_timer = sd_event_source_disable_unref(g->retry_timer);
        if (!g->failed)
                return;
        g->failed = false;
        g->no_node = false;
        free(g->reason);
        g->reason = NULL;
        group_event(d, g);
}

const char *rt_group_state(Daemon *d, const char *group_id, json_t *resources) {
        size_t n = json_array_size(resources), online = 0, offline = 0, failed = 0, pending = 0;
        RtGroup *g = hashmap_get(d->groups, group_id);
        for (size_t i = 0; i < n; i++) {
                const char *id = json_string_value(json_object_get(json_array_get(resources, i), "id"));
                RtResource *r = id ? hashmap_get(d->resources, id) : NULL;
                const char *s = r ? r->state : "Offline";
                /* Still on the node it moves away from: on its way. */
                if (g && g->owner && r && r->owner && r->owner != g->owner && strcmp(s, "Offline") != 0 &&
                    strcmp(s, "Failed") != 0)
                        pending++;
                else if (strcmp(s, "Online") == 0)
                        online++;
                else if (strcmp(s, "Failed") == 0 && !(r->in_flight && r->stopping))
                        failed++;
                /* A Failed resource being taken offline is on its way. */
                else if (strstr(s, "Pending") || strcmp(s, "Failed") == 0)
                        pending++;
                else
                        offline++;
        }
        if (g && g->failed)
                return "Failed";
        if (pending > 0)
                return "Pending";
        if (n == 0 || offline == n)
                return "Offline";
        if (online == n)
                return "Online";
        if (failed > 0 && online == 0)
                return "Failed";
        return "PartialOnline";
}

json_t *rt_resource_json(Daemon *d, json_t *o) {
        if (!o)
                return NULL;
        const char *id = json_string_value(json_object_get(o, "id"));
        RtResource *r = hashmap_get(d->resources, id);
        json_object_set_new(o, "state", json_string(r ? r->state : "Offline"));
        const char *owner = r ? node_name(d, r->owner) : NULL;
        json_object_set_new(o, "owner", owner ? json_string(owner) : json_null());
        json_object_set_new(o, "state_reason", r && r->reason ? json_string(r->reason) : json_null());
        /* RestartCount: restarts within the sliding window RestartPeriod,
         * from the replicated failure history. */
        ResourceCommon rc;
        int64_t period_ms = 900 * 1000;
        if (decide_resource_common(json_object_get(o, "common"), &rc, NULL, NULL, 0) >= 0) {
                period_ms = (int64_t) (rc.restart_period / 1000);
                resource_common_done(&rc);
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        json_t *f = db_failures(d->db, id, (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - period_ms + 1);
        size_t restarts = 0, i;
        json_t *e;
        json_array_foreach(f, i, e)
                restarts += strcmp(json_string_value(json_object_get(e, "kind")), "restart") == 0;
        json_decref(f);
        json_object_set_new(o, "restart_count", json_integer((json_int_t) restarts));
        json_t *restarting = restarting_json(r);
        json_object_set_new(o, "restarting", restarting ? restarting : json_null());
        char *blocked = fm_blocked(d, o);
        json_object_set_new(o, "blocked", blocked ? json_string(blocked) : json_null());
        free(blocked);
        if (r && r->readonly) {
                json_object_update(json_object_get(o, "properties"), r->readonly);
                readonly_annotate(r, o);
        }
        return o;
}

json_t *rt_group_json(Daemon *d, json_t *o) {
        if (!o)
                return NULL;
        const char *id = json_string_value(json_object_get(o, "id"));
        json_t *res = db_resources(d->db, id);
        RtGroup *g = hashmap_get(d->groups, id);
        json_object_set_new(o, "state", json_string(rt_group_state(d, id, res)));
        const char *owner = g ? node_name(d, g->owner) : NULL;
        json_object_set_new(o, "owner", owner ? json_string(owner) : json_null());
        json_object_set_new(o, "state_reason", g && g->failed && g->reason ? json_string(g->reason) : json_null());
        json_decref(res);
        return o;
}

json_t *rt_node_find(Daemon *d, uint32_t id) {
        json_t *all = db_nodes(d->db), *o, *found = NULL;
        size_t i;
        json_array_foreach(all, i, o)
                if (json_integer_value(json_object_get(o, "id")) == (json_int_t) id)
                        found = rt_node_json(d, json_incref(o));
        json_decref(all);
        return found;
}

json_t *rt_node_json(Daemon *d, json_t *o) {
        if (!o)
                return NULL;
        json_int_t id = json_integer_value(json_object_get(o, "id"));
        bool up = share_node_up(d, (uint32_t) id);
        bool paused = json_is_true(json_object_get(o, "paused"));
        json_object_set_new(o, "state", json_string(!up ? "Down" : paused ? "Paused" : "Up"));
        size_t owned = 0, it = 0;
        RtGroup *g;
        while ((g = hashmap_next(d->groups, &it, NULL)))
                owned += g->owner == (uint32_t) id;
        json_object_set_new(o, "groups", json_integer((json_int_t) owned));
        return o;
}
