/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parent's requests (docs/resmon-protocol.md), one table of handlers:
 * the monitor-wide ones here, the per-resource ones handed to resource.c.
 * Every request gets exactly one reply; every refusal says what is wrong
 * and what to do. Never trusts a member's presence or type.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "link.h"
#include "macro.h"
#include "props.h"
#include "proto.h"
#include "resource.h"
#include "text-quote.h"
#include "time-util.h"

void reply(Link *l, json_t *req, int error, const char *message, json_t *extra) {
        if (!l) {
                json_decref(extra);
                return;
        }
        json_t *id = json_object_get(req, "id");
        json_t *msg = json_pack("{s:s, s:O, s:i}", "type", "reply", "id", id ? id : json_null(), "error", error);
        if (!msg) {
                json_decref(extra);
                return;
        }
        if (message) {
                /* Never a refusal without its message: text that is not
                 * UTF-8 (a plug-in's, say) goes quoted with escapes. */
                json_t *text = json_string(message);
                json_object_set_new(msg, "message", text ? text : json_string(text_quote(message).s));
        }
        if (extra) {
                json_object_update_missing(msg, extra);
                json_decref(extra);
        }
        (void) link_send(l, msg, -1);
}

static void req_hello(Manager *m, Link *l, json_t *req) {
        json_t *versions = json_object_get(req, "versions");
        bool ok = false;
        size_t i;
        json_t *v;
        json_array_foreach(versions, i, v)
                ok = ok || json_integer_value(v) == 1;
        if (!ok) {
                reply(l, req, -EPROTONOSUPPORT, "this monitor speaks protocol version 1 only", NULL);
                return;
        }
        /* Started for one daemon, the monitor is that daemon's alone: another
         * one sharing the runtime directory must not take its resources. */
        const char *daemon = json_string_value(json_object_get(req, "daemon"));
        if (m->daemon_id && (!daemon || strcmp(daemon, m->daemon_id) != 0)) {
                char text[300];
                snprintf(text, sizeof(text),
                         "this resource monitor belongs to the wolfpackd with identity %s, not to %s%.64s; it "
                         "waits for its own wolfpackd",
                         m->daemon_id, daemon ? "" : "a parent without an identity", daemon ? daemon : "");
                manager_log(m, NULL, WP_LOG_WARNING, "RESMON_HELLO_REFUSED", "refused hello: %s", text);
                reply(l, req, -EPERM, text, NULL);
                return;
        }
        json_t *snap = json_array();
        size_t it = 0;
        Resource *r;
        while ((r = hashmap_next(m->resources, &it, NULL)))
                json_array_append_new(snap, resource_snapshot(r));
        int fd = fcntl(m->where_fd, F_DUPFD_CLOEXEC, 3);
        json_t *msg = json_pack("{s:s, s:O, s:i, s:i, s:s, s:i, s:i, s:o, s:s}", "type", "reply", "id",
                                json_object_get(req, "id"), "error", 0, "version", 1, "name", m->name, "pid",
                                (int) getpid(), "api_min", (int) m->host.api_min, "resources", snap, "lease",
                                m->lease == LEASE_NONE ? "none" : m->lease == LEASE_VALID ? "valid" : "expired");
        json_object_set_new(msg, "api_max", json_integer(m->host.api_max));
        if (m->daemon_id)
                json_object_set_new(msg, "daemon", json_string(m->daemon_id));
        link_set_hello(l);
        (void) link_send(l, msg, fd);
        manager_parent_found(m);
}

static void req_list_types(Manager *m, Link *l, json_t *req) {
        reply(l, req, 0, NULL, json_pack("{s:o}", "types", plugin_list(m)));
}

static PluginType *get_type(Manager *m, Link *l, json_t *req) {
        const char *name = json_string_value(json_object_get(req, "rtype"));
        char err[512];
        PluginType *p;
        if (!name) {
                reply(l, req, -EINVAL, "this request needs \"rtype\", a resource type name", NULL);
                return NULL;
        }
        int k = plugin_get(m, name, &p, err, sizeof(err));
        if (k < 0) {
                reply(l, req, k, err, NULL);
                return NULL;
        }
        return p;
}

static void req_describe_type(Manager *m, Link *l, json_t *req) {
        PluginType *p = get_type(m, l, req);
        if (!p)
                return;
        const wp_type *t = p->type;
        json_t *d = json_pack("{s:s, s:s, s:i, s:o}", "name", t->name, "description",
                              t->description ? t->description : "", "api_version", (int) t->api_version, "properties",
                              t->props ? props_describe(t->props) : json_array());
        reply(l, req, 0, NULL, json_pack("{s:o}", "description", d));
}

static void req_validate(Manager *m, Link *l, json_t *req) {
        PluginType *p = get_type(m, l, req);
        if (!p)
                return;
        json_t *values = json_object_get(req, "properties");
        if (values && !json_is_object(values)) {
                reply(l, req, -EINVAL, "\"properties\" is an object of text values", NULL);
                return;
        }
        char err[512] = "";
        const char *bad = NULL;
        void *params = NULL;
        int k = plugin_params_new(p, values, &params, err, sizeof(err), &bad);
        if (k >= 0 && p->type->ep->control) {
                /* A resource-less check: the plug-in may call host->error
                 * with a NULL resource handle only through a scratch one. */
                Resource scratch = { .m = m, .id = "validate", .name = "validate", .type = p };
                manager_where_enter(m, "", "control");
                k = p->type->ep->control(NULL, (wp_resource *) &scratch, WP_CONTROL_VALIDATE, params, NULL);
                manager_where_leave(m);
                if (k < 0)
                        snprintf(err, sizeof(err), "%s", scratch.error ? scratch.error : strerror(-k));
                free(scratch.error);
        }
        plugin_params_free(p, params);
        if (k < 0) {
                reply(l, req, k, err, bad ? json_pack("{s:s}", "property", bad) : NULL);
                return;
        }
        /* Names match ignoring case; the caller stores the table's spelling. */
        json_t *names = json_object();
        const char *key;
        json_t *v;
        json_object_foreach(values, key, v) {
                const wp_prop *q = p->type->props ? props_find(p->type->props, key) : NULL;
                if (q)
                        json_object_set_new(names, key, json_string(q->name));
        }
        reply(l, req, 0, NULL, json_pack("{s:o}", "names", names));
}

static void req_open(Manager *m, Link *l, json_t *req) {
        char err[512] = "";
        Resource *r;
        const char *bad = NULL;
        int k = resource_open(m, req, &r, err, sizeof(err), &bad);
        if (k < 0) {
                reply(l, req, k, err, bad ? json_pack("{s:s}", "property", bad) : NULL);
                return;
        }
        manager_log(m, r, WP_LOG_INFO, "RESOURCE_OPENED", "opened as type %s", r->type->name);
        reply(l, req, 0, NULL, json_pack("{s:s}", "state", state_name(r->state)));
}

static void req_heartbeat(Manager *m, Link *l, json_t *req) {
        reply(l, req, 0, NULL, NULL);
}

static void req_lease(Manager *m, Link *l, json_t *req) {
        json_t *d = json_object_get(req, "duration_ms");
        if (!json_is_integer(d) || json_integer_value(d) < 0 || json_integer_value(d) > PROTO_LEASE_MAX_MS) {
                reply(l, req, -EINVAL, "lease needs \"duration_ms\", 0 (withdraw) to 86400000", NULL);
                return;
        }
        manager_lease(m, (wp_usec_t) json_integer_value(d) * WP_USEC_PER_MSEC);
        reply(l, req, 0, NULL, NULL);
}

static void req_exit(Manager *m, Link *l, json_t *req) {
        manager_shutdown(m, "the parent asked the monitor to exit");
        reply(l, req, 0, NULL, NULL);
}

static void req_resource(Manager *m, Link *l, json_t *req) {
        const char *id = json_string_value(json_object_get(req, "resource"));
        if (!id) {
                reply(l, req, -EINVAL, "this request needs \"resource\", a resource id", NULL);
                return;
        }
        Resource *r = hashmap_get(m->resources, id);
        if (!r) {
                char msg[256];
                snprintf(msg, sizeof(msg), "no resource %s is open in this monitor; open it first", text_quote(id).s);
                reply(l, req, -ENOENT, msg, NULL);
                return;
        }
        resource_request(r, l, req);
}

typedef struct Handler {
        const char *type;
        void (*fn)(Manager *m, Link *l, json_t *req);
} Handler;

static const Handler handlers[] = {
        { "hello", req_hello },
        { "list-types", req_list_types },
        { "describe-type", req_describe_type },
        { "validate", req_validate },
        { "open", req_open },
        { "probe", req_resource },
        { "online", req_resource },
        { "offline", req_resource },
        { "terminate", req_resource },
        { "close", req_resource },
        { "set-properties", req_resource },
        { "get-properties", req_resource },
        { "heartbeat", req_heartbeat },
        { "lease", req_lease },
        { "exit", req_exit },
};

void requests_dispatch(Manager *m, Link *l, json_t *msg) {
        const char *type = json_string_value(json_object_get(msg, "type"));
        json_t *id = json_object_get(msg, "id");
        if (!json_is_integer(id) || json_integer_value(id) <= 0) {
                reply(l, msg, -EINVAL, "every request needs \"id\", a positive integer", NULL);
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(handlers); i++)
                if (strcmp(handlers[i].type, type) == 0) {
                        if (!link_said_hello(l) && handlers[i].fn != req_hello) {
                                reply(l, msg, -EPROTO, "say hello first: it agrees the protocol version", NULL);
                                return;
                        }
                        handlers[i].fn(m, l, msg);
                        return;
                }
        char text[200];
        snprintf(text, sizeof(text), "unknown request type %s; see docs/resmon-protocol.md", text_quote(type).s);
        reply(l, msg, -EOPNOTSUPP, text, NULL);
}
