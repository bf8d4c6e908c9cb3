/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wolfpackd's resource monitors as a whole: the configuration, the set of
 * running monitors (start, DeadlockTimeout, lease, exit), the table of
 * resources and which monitor holds each, the loop-side queue that
 * completes requests and frees monitors outside their own callbacks, and
 * the two ways out: free (every monitor exits, terminating its resources)
 * and detach (everything keeps running for a new wolfpackd).
 *
 * Owns every Monitor, MonResource and Call. Never runs resource code and
 * never leaves a resource reported Failed with its processes running.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>
#include <unistd.h>

#include "cgroup.h"
#include "config.h"
#include "macro.h"
#include "monitors-internal.h"
#include "props.h"
#include "time-util.h"

#define MONITOR_PROGRAM "wolfpack-resmon"
#define DEFAULT_STOP_TIMEOUT_USEC (30ULL * 1000000ULL)
#define FLUSH_TIMEOUT_USEC (1ULL * 1000000ULL)
#define KILL_WAIT_USEC (2ULL * 1000000ULL)

/* What describe-type said about a type's properties. */
typedef struct TypeInfo {
        char *rtype;
        json_t *props; /* the "properties" array of the description; NULL: asked */
} TypeInfo;

static const char *const common_names[] = {
        "LooksAlivePollInterval",
        "IsAlivePollInterval",
        "PendingTimeout",
};

bool mon_is_common(const char *key, const char **ret_canonical) {
        for (size_t i = 0; i < ELEMENTSOF(common_names); i++)
                if (strcasecmp(key, common_names[i]) == 0) {
                        if (ret_canonical)
                                *ret_canonical = common_names[i];
                        return true;
                }
        return false;
}

/* ---- the log ---- */

void monitors_log(Monitors *m, const char *level, const char *code, const MonResource *r,
                  const char *fmt, ...) {
        char when[40];
        _cleanup_free_ char *text = NULL;
        va_list ap;

        if (m->leaving || !m->cb.log)
                return;
        va_start(ap, fmt);
        if (vasprintf(&text, fmt, ap) < 0)
                text = NULL;
        va_end(ap);
        json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "log", "time",
                               format_utc_now(when, sizeof when), "level", level, "code", code,
                               "text", text ? text : "");
        if (!ev)
                return;
        if (r) {
                json_object_set_new(ev, "resource", json_string(r->id));
                json_object_set_new(ev, "name", json_string(r->name));
        }
        /* Told from the loop, like everything else: this may run inside a
         * call of the daemon's (monitors_reattach, monitors_set_lease). */
        if (json_array_append_new(m->logs, ev) == 0)
                monitors_kick(m);
}

static void logs_flush(Monitors *m) {
        while (json_array_size(m->logs) > 0 && !m->leaving) {
                json_t *ev = json_incref(json_array_get(m->logs, 0));
                json_array_remove(m->logs, 0);
                if (m->cb.log)
                        m->cb.log(m, ev, m->userdata);
                json_decref(ev);
        }
}

/* ---- the loop-side queue ---- */

static int on_defer(sd_event_source *s, void *userdata) {
        Monitors *m = userdata;

        logs_flush(m);
        calls_run_deferred(m);
        while (m->graveyard) {
                Monitor *mon = m->graveyard;
                m->graveyard = mon->next;
                monitor_free(mon);
        }
        calls_run_deferred(m);
        logs_flush(m);
        reattach_check_done(m);
        return 0;
}

void monitors_kick(Monitors *m) {
        (void) sd_event_source_set_enabled(m->defer, SD_EVENT_ONESHOT);
}

/* ---- monitors ---- */

Monitor *monitor_find(Monitors *m, const char *name) {
        for (Monitor *mon = m->monitors; mon; mon = mon->next)
                if (!mon->exiting && strcmp(mon->name, name) == 0)
                        return mon;
        return NULL;
}

int monitor_name_for(const char *id, char **ret) {
        char err[256];

        if (strcmp(id, MONITORS_MAIN) != 0 && name_validate(NULL, id, err, sizeof err) >= 0)
                *ret = strdup(id);
        else if (asprintf(ret, "sep-%.59s", id) < 0)
                *ret = NULL;
        return *ret ? 0 : -ENOMEM;
}

static void monitor_link(Monitors *m, Monitor *mon) {
        Monitor **p = &m->monitors;
        while (*p)
                p = &(*p)->next;
        mon->next = NULL;
        *p = mon;
}

static void monitor_unlink(Monitor *mon) {
        for (Monitor **p = &mon->owner->monitors; *p; p = &(*p)->next)
                if (*p == mon) {
                        *p = mon->next;
                        mon->next = NULL;
                        return;
                }
}

Monitor *monitor_free(Monitor *mon) {
        if (!mon)
                return NULL;
        /* Its unanswered calls are completed here, naming it. */
        mon->client = resmon_client_free(mon->client);
        free(mon->death_reason);
        free(mon->name);
        free(mon);
        return NULL;
}

void monitor_bury(Monitor *mon) {
        Monitors *m = mon->owner;

        monitor_unlink(mon);
        mon->exiting = true;
        mon->next = m->graveyard;
        m->graveyard = mon;
        monitors_kick(m);
}

int monitor_spawn(Monitors *m, const char *name, Monitor **ret, char *err, size_t errlen) {
        Monitor *mon = calloc(1, sizeof *mon);
        if (!mon)
                return -ENOMEM;
        mon->owner = m;
        mon->deadlock_usec = RESMON_DEFAULT_DEADLOCK_TIMEOUT_USEC;
        mon->name = strdup(name);
        if (!mon->name) {
                free(mon);
                return -ENOMEM;
        }

        const ResmonClientConfig cfg = {
                .ops = &monitor_client_ops,
                .userdata = mon,
                .deadlock_timeout_usec = mon->deadlock_usec,
                .daemon_id = m->daemon_id,
        };
        const ResmonSpawn s = {
                .monitor = m->monitor_path,
                .name = name,
                .plugin_dir = m->plugin_dir,
                .runtime_dir = m->runtime_dir,
                .state_dir = m->state_dir,
                .daemon_id = m->daemon_id,
                .cgroup = m->resource_cgroup_arg,
                .reattach_timeout = m->reattach_arg,
                .process_cgroup = m->monitor_cgroup,
        };
        int r = resmon_client_spawn(m->event, &cfg, &s, &mon->client, err, errlen);
        if (r < 0) {
                monitor_free(mon);
                return r;
        }
        monitor_link(m, mon);
        monitor_grant_lease(mon);
        *ret = mon;
        return 0;
}

int monitor_connect(Monitors *m, const char *name, const char *path, Monitor **ret, char *err,
                    size_t errlen) {
        Monitor *mon = calloc(1, sizeof *mon);
        if (!mon)
                return -ENOMEM;
        mon->owner = m;
        mon->adopted = true;
        mon->deadlock_usec = RESMON_DEFAULT_DEADLOCK_TIMEOUT_USEC;
        mon->name = strdup(name);
        if (!mon->name) {
                free(mon);
                return -ENOMEM;
        }
        const ResmonClientConfig cfg = {
                .ops = &monitor_client_ops,
                .userdata = mon,
                .deadlock_timeout_usec = mon->deadlock_usec,
                .daemon_id = m->daemon_id,
        };
        int r = resmon_client_connect(m->event, &cfg, path, &mon->client, err, errlen);
        if (r < 0) {
                monitor_free(mon);
                return r;
        }
        monitor_link(m, mon);
        *ret = mon;
        return 0;
}

unsigned monitor_count_resources(Monitor *mon) {
        size_t i = 0;
        MonResource *r;
        unsigned n = 0;

        while ((r = hashmap_next(mon->owner->resources, &i, NULL)))
                if (r->monitor == mon)
                        n++;
        return n;
}

void monitor_update_deadlock(Monitor *mon) {
        uint64_t d = 0;
        size_t i = 0;
        MonResource *r;

        if (!mon)
                return;
        while ((r = hashmap_next(mon->owner->resources, &i, NULL))) {
                if (r->monitor != mon)
                        continue;
                uint64_t t = r->deadlock_usec ? r->deadlock_usec : RESMON_DEFAULT_DEADLOCK_TIMEOUT_USEC;
                if (d == 0 || t < d)
                        d = t;
        }
        if (d == 0)
                d = RESMON_DEFAULT_DEADLOCK_TIMEOUT_USEC;
        if (d == mon->deadlock_usec)
                return;
        mon->deadlock_usec = d;
        resmon_client_set_liveness(mon->client, 0, d);
}

void monitor_grant_lease(Monitor *mon) {
        Monitors *m = mon->owner;

        if (m->lease_usec == 0 || !monitors_lease_valid(m) || mon->exiting)
                return;
        uint64_t duration = m->lease_usec, renew = m->lease_usec / 3;
        if (m->lease_until > 0) {
                /* Granted until a point in time: what is left of it, once. */
                duration = m->lease_until - now_monotonic_usec();
                renew = 0;
        }
        Call *call = call_new(m, CALL_QUIET, "lease", NULL);
        if (!call) {
                monitors_log(m, "error", "MONITOR_LEASE_FAILED", NULL,
                             "cannot grant the lease to resource monitor %s: out of memory",
                             mon->name);
                return;
        }
        call->monitor = mon;
        int r = resmon_client_lease_start(mon->client, duration, renew, call_on_reply, call);
        if (r < 0) {
                call_free(call);
                monitors_log(m, "error", "MONITOR_LEASE_FAILED", NULL,
                             "cannot grant the lease to resource monitor %s: %s", mon->name,
                             strerror(-r));
        }
}

void monitor_exit(Monitor *mon) {
        if (mon->exiting)
                return;
        mon->exiting = true;
        resmon_client_lease_stop(mon->client);
        json_t *msg = json_pack("{s:s}", "type", "exit");
        Call *call = call_new(mon->owner, CALL_QUIET, "exit", NULL);
        if (!msg || !call) {
                json_decref(msg);
                call_free(call);
                /* It cannot be told: its resources are terminated the hard
                 * way when it is found alive at the end. */
                (void) resmon_client_kill(mon->client, SIGKILL);
                return;
        }
        if (call_send(mon, msg, call) < 0)
                call_free(call);
        json_decref(msg);
}

/* ---- resources ---- */

MonResource *mon_resource_get(Monitors *m, const char *id) {
        return id ? hashmap_get(m->resources, id) : NULL;
}

static MonResource *mon_resource_free(MonResource *r) {
        if (!r)
                return NULL;
        free(r->id);
        free(r->name);
        free(r->rtype);
        json_decref(r->properties);
        json_decref(r->common);
        free(r->lost_reason);
        free(r->state);
        json_decref(r->readonly);
        free(r->recovery_reason);
        free(r->recovery_prev);
        free(r);
        return NULL;
}

int mon_resource_new(Monitors *m, const char *id, const char *name, const char *rtype,
                     MonResource **ret) {
        MonResource *r = calloc(1, sizeof *r);
        if (!r)
                return -ENOMEM;
        r->owner = m;
        r->incarnation = ++m->next_incarnation;
        r->id = strdup(id);
        r->name = strdup(name ? name : id);
        r->rtype = strdup(rtype ? rtype : "");
        r->properties = json_object();
        r->common = json_object();
        if (!r->id || !r->name || !r->rtype || !r->properties || !r->common) {
                mon_resource_free(r);
                return -ENOMEM;
        }
        int k = hashmap_put(m->resources, r->id, r);
        if (k < 0) {
                mon_resource_free(r);
                return k;
        }
        *ret = r;
        return 0;
}

void mon_resource_forget(MonResource *r) {
        Monitor *mon = r->monitor;

        hashmap_remove(r->owner->resources, r->id);
        mon_resource_free(r);
        monitor_update_deadlock(mon);
}

void mon_resource_report(MonResource *r, const char *state, const char *reason,
                         json_t *properties) {
        Monitors *m = r->owner;
        _cleanup_free_ char *previous = r->state;

        r->state = strdup(state);
        if (!r->state) {
                /* Keep what was there rather than nothing. */
                r->state = TAKE_PTR(previous);
                return;
        }
        if (properties && strcmp(state, "Online") == 0) {
                json_t *old = r->readonly;
                r->readonly = json_incref(properties);
                json_decref(old);
        }
        if (!m->leaving && m->cb.state)
                m->cb.state(m, r->id, state, previous, reason, properties, m->userdata);
}

void mon_resource_kill_cgroup(MonResource *r) {
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/%s", r->owner->resource_cgroup, r->id) < 0) {
                monitors_log(r->owner, "error", "RESOURCE_KILL_FAILED", r,
                             "cannot kill the processes of the resource: out of memory");
                return;
        }
        int k = cg_kill(path);
        if (k < 0)
                monitors_log(r->owner, "error", "RESOURCE_KILL_FAILED", r,
                             "cannot kill the processes in cgroup %s: %s", path, strerror(-k));
}

static const json_t *type_prop(const TypeInfo *t, const char *key) {
        size_t i;
        json_t *p;

        if (!t)
                return NULL;
        json_array_foreach(t->props, i, p)
                if (strcasecmp(json_string_value(json_object_get(p, "name")) ?: "", key) == 0)
                        return p;
        return NULL;
}

/* The text an unset member of a property without a default reads as. */
static bool zero_text(const char *type, const char *value) {
        if (!type)
                return false;
        if (strcmp(type, "int") == 0 || strcmp(type, "size") == 0)
                return strcmp(value, "0") == 0;
        if (strcmp(type, "bool") == 0)
                return strcmp(value, "no") == 0;
        if (strcmp(type, "duration") == 0)
                return strcmp(value, "0s") == 0;
        return false;
}

/* A snapshot holds every property as the monitor formats it, read-only
 * ones and unset ones included. Read-only ones are refused by open, and an
 * unset member without a default reads as its zero ("0"), which a range may
 * refuse: both are left out, which opens the same values. */
static bool snapshot_only(const TypeInfo *t, const char *key, const char *value) {
        const json_t *p = type_prop(t, key);

        if (!p)
                return false;
        if (json_is_true(json_object_get(p, "readonly")))
                return true;
        return json_is_null(json_object_get(p, "default")) &&
               zero_text(json_string_value(json_object_get(p, "type")), value);
}

json_t *mon_resource_open_properties(MonResource *r) {
        const TypeInfo *t = r->from_snapshot ? hashmap_get(r->owner->types, r->rtype) : NULL;
        json_t *out = json_object();
        const char *key;
        json_t *v;

        if (!out)
                return NULL;
        json_object_foreach(r->properties, key, v) {
                if (!json_is_string(v))
                        continue;
                if (t && snapshot_only(t, key, json_string_value(v)))
                        continue;
                json_object_set(out, key, v);
        }
        return out;
}

void monitors_remember_type(Monitors *m, const char *rtype, json_t *props) {
        TypeInfo *t = hashmap_get(m->types, rtype);
        if (t) {
                if (props) {
                        json_decref(t->props);
                        t->props = json_incref(props);
                }
                return;
        }
        t = calloc(1, sizeof *t);
        if (!t)
                return;
        t->rtype = strdup(rtype);
        t->props = json_incref(props);
        if (!t->rtype || hashmap_put(m->types, t->rtype, t) < 0) {
                free(t->rtype);
                json_decref(t->props);
                free(t);
        }
}

bool monitors_knows_type(Monitors *m, const char *rtype) {
        return hashmap_get(m->types, rtype) != NULL;
}

/* ---- public calls ---- */

int monitors_set_deadlock_timeout(Monitors *m, const char *resource, uint64_t usec) {
        MonResource *r = mon_resource_get(m, resource);
        if (!r)
                return -ENOENT;
        r->deadlock_usec = usec;
        monitor_update_deadlock(r->monitor);
        return 0;
}

bool monitors_lease_held(Monitors *m) {
        return monitors_lease_valid(m);
}

bool monitors_lease_valid(const Monitors *m) {
        if (m->lease_usec == 0)
                return true;
        if (m->lease_until > 0)
                return m->lease_until > now_monotonic_usec();
        return m->lease_held;
}

void monitors_lease_until(Monitors *m, uint64_t until_usec) {
        if (m->lease_usec == 0 || until_usec <= now_monotonic_usec() || until_usec <= m->lease_until)
                return;
        m->lease_until = until_usec;
        m->lease_held = true;
        for (Monitor *mon = m->monitors; mon; mon = mon->next)
                monitor_grant_lease(mon);
}

void monitors_set_lease(Monitors *m, bool held) {
        if (m->lease_usec == 0 || m->lease_until > 0 || m->lease_held == held)
                return;
        m->lease_held = held;
        for (Monitor *mon = m->monitors; mon; mon = mon->next) {
                if (held)
                        monitor_grant_lease(mon);
                else
                        resmon_client_lease_stop(mon->client);
        }
}

const char *monitors_resource_state(Monitors *m, const char *resource) {
        MonResource *r = mon_resource_get(m, resource);
        if (!r)
                return NULL;
        return r->state ? r->state : "Initializing";
}

const char *monitors_resource_monitor(Monitors *m, const char *resource) {
        MonResource *r = mon_resource_get(m, resource);
        return r && r->monitor ? r->monitor->name : NULL;
}

pid_t monitors_monitor_pid(Monitors *m, const char *monitor) {
        Monitor *mon = monitor_find(m, monitor);
        return mon ? resmon_client_pid(mon->client) : 0;
}

/* ---- configuration ---- */

static int cgroup_paths(const char *mnt, const char *path, char **ret_fs, char **ret_rooted) {
        size_t n = strlen(mnt);
        _cleanup_free_ char *fs = NULL;

        if (!path || path[0] != '/')
                return -EINVAL;
        if (strncmp(path, mnt, n) == 0 && (path[n] == '/' || path[n] == '\0'))
                fs = strdup(path);
        else if (asprintf(&fs, "%s%s", mnt, path) < 0)
                fs = NULL;
        if (!fs)
                return -ENOMEM;
        /* No trailing slashes: ids are appended. */
        for (size_t k = strlen(fs); k > n && fs[k - 1] == '/'; k--)
                fs[k - 1] = '\0';
        if (fs[n] == '\0')
                return -EPERM; /* the root of the tree */
        if (ret_rooted) {
                *ret_rooted = strdup(fs + n);
                if (!*ret_rooted)
                        return -ENOMEM;
        }
        *ret_fs = TAKE_PTR(fs);
        return 0;
}

/* wolfpack-resmon next to the running program (a build tree, or a
 * package that installs them side by side), else the installed one. */
static int default_monitor_path(char **ret) {
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

        if (n > 0) {
                self[n] = '\0';
                char *slash = strrchr(self, '/');
                if (slash) {
                        *slash = '\0';
                        _cleanup_free_ char *path = NULL;
                        if (asprintf(&path, "%s/%s", self, MONITOR_PROGRAM) < 0)
                                return -ENOMEM;
                        if (access(path, X_OK) == 0) {
                                *ret = TAKE_PTR(path);
                                return 0;
                        }
                }
        }
        return asprintf(ret, "%s/%s", WOLFPACK_LIBEXEC_DIR, MONITOR_PROGRAM) < 0 ? -ENOMEM : 0;
}

static int copy_or(char **field, const char *value, const char *fallback) {
        *field = strdup(value ? value : fallback);
        return *field ? 0 : -ENOMEM;
}

/* A resource's own monitor is named after its id: "r-" and 16 hex digits. */
#define TYPICAL_MONITOR_NAME "r-0123456789abcdef"

/* Every monitor's re-attach socket must fit a unix socket address. Found
 * out only when the parent has gone, a path too long would leave nobody
 * able to re-attach: say so at the start instead. */
static int check_socket_room(const MonitorsConfig *cfg, const char *runtime_dir, char *err, size_t errlen) {
        size_t id = cfg->daemon_id ? strlen(cfg->daemon_id) + 1 : 0;
        size_t need = strlen(runtime_dir) + strlen("/resmon-") + id + strlen(TYPICAL_MONITOR_NAME) + strlen(".sock");
        size_t room = sizeof(((struct sockaddr_un *) 0)->sun_path) - 1;

        if (need <= room)
                return 0;
        snprintf(err, errlen,
                 "the runtime directory %s is too long for the resource monitors' sockets (at most %zu "
                 "bytes here); give a shorter --runtime-dir",
                 runtime_dir, room - (need - strlen(runtime_dir)));
        return -ENAMETOOLONG;
}

static int config_copy(Monitors *m, const MonitorsConfig *cfg, char *err, size_t errlen) {
        _cleanup_free_ char *mnt = NULL;
        int r;

        if (!cfg->resource_cgroup) {
                snprintf(err, errlen, "the resource monitors need the cgroup the resources go under");
                return -EINVAL;
        }
        if (cfg->monitor_path)
                r = copy_or(&m->monitor_path, cfg->monitor_path, NULL);
        else
                r = default_monitor_path(&m->monitor_path);
        if (r < 0 || (cfg->plugin_dir && (m->plugin_dir = strdup(cfg->plugin_dir)) == NULL) ||
            copy_or(&m->runtime_dir, cfg->runtime_dir, WOLFPACK_RUNTIME_DIR) < 0 ||
            copy_or(&m->state_dir, cfg->state_dir, WOLFPACK_STATE_DIR) < 0 ||
            (cfg->daemon_id && (m->daemon_id = strdup(cfg->daemon_id)) == NULL))
                return -ENOMEM;
        r = check_socket_room(cfg, m->runtime_dir, err, errlen);
        if (r < 0)
                return r;

        r = cg_v2_mount(&mnt);
        if (r < 0) {
                snprintf(err, errlen, "cannot find the cgroup2 tree the resources' cgroups go on: %s",
                         strerror(-r));
                return r;
        }
        r = cgroup_paths(mnt, cfg->resource_cgroup, &m->resource_cgroup, &m->resource_cgroup_arg);
        if (r < 0) {
                snprintf(err, errlen,
                         "the resources' cgroup \"%s\" must be an absolute path below the top of "
                         "the cgroup2 tree %s",
                         cfg->resource_cgroup, mnt);
                return r == -ENOMEM ? r : -EINVAL;
        }
        if (cfg->monitor_cgroup) {
                r = cgroup_paths(mnt, cfg->monitor_cgroup, &m->monitor_cgroup, NULL);
                if (r < 0) {
                        snprintf(err, errlen,
                                 "the monitors' cgroup \"%s\" must be an absolute path below the top "
                                 "of the cgroup2 tree %s",
                                 cfg->monitor_cgroup, mnt);
                        return r == -ENOMEM ? r : -EINVAL;
                }
                r = cg_create(m->monitor_cgroup);
                if (r < 0) {
                        snprintf(err, errlen, "cannot create the monitors' cgroup %s: %s",
                                 m->monitor_cgroup, strerror(-r));
                        return r;
                }
        }
        if (cfg->reattach_timeout_usec > 0 &&
            asprintf(&m->reattach_arg, "%" PRIu64 "us", cfg->reattach_timeout_usec) < 0)
                return -ENOMEM;
        m->lease_usec = cfg->lease_timeout_usec;
        m->stop_usec = cfg->stop_timeout_usec ? cfg->stop_timeout_usec : DEFAULT_STOP_TIMEOUT_USEC;
        return 0;
}

static void types_free(Hashmap *h) {
        size_t i = 0;
        TypeInfo *t;

        if (!h)
                return;
        while ((t = hashmap_next(h, &i, NULL))) {
                free(t->rtype);
                json_decref(t->props);
                free(t);
        }
        hashmap_free(h);
}

/* Free everything; the monitors were dealt with. */
static Monitors *monitors_release(Monitors *m) {
        while (m->monitors) {
                Monitor *mon = m->monitors;
                m->monitors = mon->next;
                monitor_free(mon);
        }
        while (m->graveyard) {
                Monitor *mon = m->graveyard;
                m->graveyard = mon->next;
                monitor_free(mon);
        }
        calls_drop_deferred(m);
        if (m->resources) {
                size_t i = 0;
                MonResource *r;
                while ((r = hashmap_next(m->resources, &i, NULL)))
                        mon_resource_free(r);
                hashmap_free(m->resources);
        }
        types_free(m->types);
        json_decref(m->logs);
        sd_event_source_disable_unref(m->defer);
        sd_event_unref(m->event);
        free(m->monitor_path);
        free(m->plugin_dir);
        free(m->runtime_dir);
        free(m->state_dir);
        free(m->daemon_id);
        free(m->resource_cgroup);
        free(m->resource_cgroup_arg);
        free(m->monitor_cgroup);
        free(m->reattach_arg);
        free(m);
        return NULL;
}

int monitors_new(sd_event *e, const MonitorsConfig *cfg, const MonitorsCallbacks *cb,
                 void *userdata, Monitors **ret, char *err, size_t errlen) {
        Monitors *m = calloc(1, sizeof *m);
        int r;

        if (!m)
                return -ENOMEM;
        m->event = sd_event_ref(e);
        if (cb)
                m->cb = *cb;
        m->userdata = userdata;
        m->deferred_tail = &m->deferred;
        m->resources = hashmap_new();
        m->types = hashmap_new();
        m->logs = json_array();
        if (!m->resources || !m->types || !m->logs) {
                monitors_release(m);
                return -ENOMEM;
        }
        r = config_copy(m, cfg, err, errlen);
        if (r >= 0) {
                r = sd_event_add_defer(e, &m->defer, on_defer, m);
                if (r >= 0)
                        r = sd_event_source_set_enabled(m->defer, SD_EVENT_OFF);
                if (r < 0)
                        snprintf(err, errlen, "cannot add an event source: %s", strerror(-r));
        }
        if (r < 0) {
                if (r == -ENOMEM)
                        snprintf(err, errlen, "out of memory");
                monitors_release(m);
                return r;
        }
        *ret = m;
        return 0;
}

Monitors *monitors_free(Monitors *m) {
        if (!m)
                return NULL;
        m->leaving = true;

        for (Monitor *mon = m->monitors; mon; mon = mon->next)
                monitor_exit(mon);
        for (Monitor *mon = m->monitors; mon; mon = mon->next)
                (void) resmon_client_flush(mon->client, FLUSH_TIMEOUT_USEC);

        uint64_t deadline = now_monotonic_usec() + m->stop_usec;
        for (Monitor *mon = m->monitors; mon; mon = mon->next) {
                uint64_t now = now_monotonic_usec();
                int k = resmon_client_wait_exit(mon->client, deadline > now ? deadline - now : 0);
                if (k != -ETIMEDOUT)
                        continue;
                /* It did not terminate its resources in time: nothing of
                 * them may outlive it. */
                (void) resmon_client_kill(mon->client, SIGKILL);
                (void) resmon_client_wait_exit(mon->client, KILL_WAIT_USEC);
                size_t i = 0;
                MonResource *r;
                while ((r = hashmap_next(m->resources, &i, NULL)))
                        if (r->monitor == mon)
                                mon_resource_kill_cgroup(r);
        }
        return monitors_release(m);
}

Monitors *monitors_detach(Monitors *m) {
        if (!m)
                return NULL;
        m->leaving = true;
        /* Closing the connections is all: each monitor then waits for a
         * new parent on its named socket. */
        return monitors_release(m);
}
