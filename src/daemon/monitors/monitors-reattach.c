/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Re-attach: when wolfpackd starts, monitors of an earlier wolfpackd may
 * still run, each waiting ReattachTimeout on
 * <runtime-dir>/resmon-<daemon id>-NAME.sock with its resources as they
 * were. Connect to every one, say hello, and adopt every resource of its
 * snapshot as it is: nothing is restarted or probed. Only sockets named
 * with this daemon's identity are looked at, and a monitor whose hello
 * reply names another identity is left alone: another daemon on this host
 * (sharing the runtime directory) owns it. Each type is described
 * (describe-type), so that an adopted resource can be opened again from
 * its snapshot if its monitor dies later.
 *
 * Removes only sockets nobody listens on. Never signals an adopted monitor
 * that refused hello: closing the connection leaves it waiting, and it
 * terminates its resources itself when nobody comes.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "monitors-internal.h"
#include "props.h"

#define SOCKET_PREFIX "resmon-"
#define SOCKET_SUFFIX ".sock"

void reattach_check_done(Monitors *m) {
        ReattachState *st = &m->reattach;

        if (!st->running || st->pending > 0 || m->leaving)
                return;
        st->running = false;
        if (st->done)
                st->done(m, st->n_monitors, st->n_resources, st->userdata);
}

static void reattach_answered(Monitors *m) {
        if (m->reattach.pending > 0)
                m->reattach.pending--;
        if (m->reattach.pending == 0)
                monitors_kick(m);
}

void reattach_monitor_lost(Monitors *m) {
        reattach_answered(m);
}

static void ask_type(Monitor *mon, const char *rtype) {
        Monitors *m = mon->owner;

        if (monitors_knows_type(m, rtype))
                return;
        monitors_remember_type(m, rtype, NULL);
        json_t *msg = json_pack("{s:s, s:s}", "type", "describe-type", "rtype", rtype);
        Call *call = msg ? call_new(m, CALL_DESCRIBE, "describe-type", NULL) : NULL;
        if (call)
                call->rtype = strdup(rtype);
        if (!call || !call->rtype || call_send(mon, msg, call) < 0) {
                call_free(call);
                monitors_log(m, "warning", "MONITOR_DESCRIBE_FAILED", NULL,
                             "cannot ask resource monitor %s about type %s: resources of that type "
                             "cannot be opened again if their monitor dies",
                             mon->name, rtype);
        } else
                m->reattach.pending++;
        json_decref(msg);
}

static void terminate_duplicate(Monitor *mon, const char *id) {
        const char *types[] = { "terminate", "close" };

        for (size_t i = 0; i < ELEMENTSOF(types); i++) {
                json_t *msg = json_pack("{s:s, s:s}", "type", types[i], "resource", id);
                Call *call = msg ? call_new_for(mon->owner, CALL_QUIET, types[i], id) : NULL;
                if (!call || call_send(mon, msg, call) < 0)
                        call_free(call);
                json_decref(msg);
        }
}

static void adopt(Monitor *mon, json_t *snap) {
        Monitors *m = mon->owner;
        const char *id = json_string_value(json_object_get(snap, "resource"));
        const char *name = json_string_value(json_object_get(snap, "name"));
        const char *rtype = json_string_value(json_object_get(snap, "rtype"));
        const char *state = json_string_value(json_object_get(snap, "state"));
        json_t *properties = json_object_get(snap, "properties");
        json_t *common = json_object_get(snap, "common");
        MonResource *r;

        if (!id || !rtype || !state)
                return;
        r = mon_resource_get(m, id);
        if (r) {
                /* Two monitors claim it: it must not run twice. */
                monitors_log(m, "error", "RESOURCE_DUPLICATE", r,
                             "resource %s is open in resource monitors %s and %s; the one in %s is "
                             "terminated and closed",
                             id, r->monitor ? r->monitor->name : "(none)", mon->name, mon->name);
                terminate_duplicate(mon, id);
                return;
        }
        if (mon_resource_new(m, id, name, rtype, &r) < 0) {
                monitors_log(m, "error", "RESOURCE_ADOPT_FAILED", NULL,
                             "cannot adopt resource %s of resource monitor %s: out of memory", id,
                             mon->name);
                return;
        }
        if (json_is_object(properties))
                json_object_update(r->properties, properties);
        if (json_is_object(common))
                json_object_update(r->common, common);
        r->from_snapshot = true;
        r->separate = strcmp(mon->name, MONITORS_MAIN) != 0;
        r->monitor = mon;
        r->state = strdup(state);
        m->reattach.n_resources++;

        ask_type(mon, rtype);
        if (!m->leaving && m->cb.adopted) {
                MonitorsSnapshot s = {
                        .monitor = mon->name,
                        .resource = r->id,
                        .name = r->name,
                        .rtype = r->rtype,
                        .state = state,
                        .properties = json_is_object(properties) ? properties : NULL,
                        .common = json_is_object(common) ? common : NULL,
                };
                m->cb.adopted(m, &s, m->userdata);
        }
}

void reattach_hello(Monitor *mon, json_t *reply) {
        Monitors *m = mon->owner;

        if (!mon->attached) {
                /* Leave it waiting: it ends its resources when nobody comes. */
                monitor_bury(mon);
                reattach_answered(m);
                return;
        }
        const char *theirs = json_string_value(json_object_get(reply, "daemon"));
        if (m->daemon_id && (!theirs || strcmp(theirs, m->daemon_id) != 0)) {
                monitors_log(m, "warning", "MONITOR_NOT_OURS", NULL,
                             "resource monitor %s (pid %d) was started by %s%s, not by this one (%s): left "
                             "alone for its own wolfpackd",
                             mon->name, (int) resmon_client_pid(mon->client),
                             theirs ? "the wolfpackd with identity " : "a wolfpackd without an identity",
                             theirs ? theirs : "", m->daemon_id);
                monitor_bury(mon);
                reattach_answered(m);
                return;
        }

        m->reattach.n_monitors++;
        monitors_log(m, "notice", "MONITOR_REATTACHED", NULL,
                     "re-attached to resource monitor %s (pid %d) holding %zu resource(s)", mon->name,
                     (int) resmon_client_pid(mon->client),
                     json_array_size(json_object_get(reply, "resources")));
        size_t i;
        json_t *snap;
        json_array_foreach(json_object_get(reply, "resources"), i, snap)
                adopt(mon, snap);
        monitor_update_deadlock(mon);
        monitor_grant_lease(mon);
        reattach_answered(m);
}

void reattach_describe_reply(Call *call, json_t *reply) {
        Monitors *m = call->owner;

        if (reply && json_integer_value(json_object_get(reply, "error")) == 0) {
                json_t *props = json_object_get(json_object_get(reply, "description"), "properties");
                if (json_is_array(props))
                        monitors_remember_type(m, call->rtype, props);
        } else if (reply)
                monitors_log(m, "warning", "MONITOR_DESCRIBE_FAILED", NULL,
                             "resource monitor %s cannot describe type %s: %s",
                             call->monitor ? call->monitor->name : "?", call->rtype,
                             json_string_value(json_object_get(reply, "message")) ?: "no reason given");
        reattach_answered(m);
}

/* "resmon-<daemon id>-NAME.sock" (without an id: "resmon-NAME.sock") →
 * NAME, or NULL: not a monitor's socket, or (err set) one whose NAME no
 * monitor can have, which is skipped. */
static char *socket_name(const Monitors *m, const char *file, char *err, size_t errlen) {
        size_t n = strlen(file), p = strlen(SOCKET_PREFIX), s = strlen(SOCKET_SUFFIX);

        err[0] = '\0';
        if (n <= p + s || strncmp(file, SOCKET_PREFIX, p) != 0 || strcmp(file + n - s, SOCKET_SUFFIX) != 0)
                return NULL;
        if (m->daemon_id) {
                size_t i = strlen(m->daemon_id);
                if (n <= p + i + 1 + s || strncmp(file + p, m->daemon_id, i) != 0 || file[p + i] != '-')
                        return NULL;
                p += i + 1;
        }
        char *name = strndup(file + p, n - p - s);
        if (name && name_validate("resource monitor name", name, err, errlen) < 0) {
                free(name);
                return NULL;
        }
        return name;
}

int monitors_reattach(Monitors *m,
                      void (*done)(Monitors *m, unsigned n_monitors, unsigned n_resources,
                                   void *userdata),
                      void *userdata) {
        if (m->monitors || m->reattach.running)
                return -EBUSY;

        m->reattach = (ReattachState) { .running = true, .done = done, .userdata = userdata };
        DIR *d = opendir(m->runtime_dir);
        if (!d) {
                int r = -errno;
                if (r != -ENOENT)
                        monitors_log(m, "warning", "MONITOR_REATTACH_FAILED", NULL,
                                     "cannot look for resource monitors to re-attach in %s: %s",
                                     m->runtime_dir, strerror(-r));
                monitors_kick(m);
                return 0;
        }

        struct dirent *de;
        while ((de = readdir(d))) {
                char err[1024];
                _cleanup_free_ char *name = socket_name(m, de->d_name, err, sizeof err);
                _cleanup_free_ char *path = NULL;
                Monitor *mon;

                if (!name) {
                        if (err[0])
                                monitors_log(m, "warning", "MONITOR_SOCKET_SKIPPED", NULL,
                                             "skipped a socket in %s: %s", m->runtime_dir, err);
                        continue;
                }
                if (asprintf(&path, "%s/%s", m->runtime_dir, de->d_name) < 0) {
                        closedir(d);
                        m->reattach.running = m->reattach.pending > 0;
                        return -ENOMEM;
                }
                int r = monitor_connect(m, name, path, &mon, err, sizeof err);
                if (r == -ECONNREFUSED) {
                        /* Its monitor is gone (killed, or the node rebooted
                         * with a persistent runtime directory). */
                        (void) unlink(path);
                        monitors_log(m, "notice", "MONITOR_STALE_SOCKET", NULL,
                                     "removed %s: no resource monitor listens there", path);
                        continue;
                }
                if (r < 0) {
                        monitors_log(m, "warning", "MONITOR_REATTACH_FAILED", NULL, "%s", err);
                        continue;
                }
                m->reattach.pending++;
        }
        closedir(d);
        monitors_kick(m);
        return 0;
}
