/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cluster's properties (cluster-props.h): their table, and the hour
 * in the cluster's time zone. A zone is a file of the tz database
 * (/usr/share/zoneinfo, TZif); the hour is read with localtime_r under TZ
 * set for the call and put back after (wolfpackd is one thread).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster-props.h"
#include "macro.h"
#include "props.h"

#define ZONEINFO "/usr/share/zoneinfo"

/* A tz database name: letters, digits, - + _ and / between parts, no
 * part "." or "..", and its file a TZif file. */
static int zone_ok(const char *zone, char *err, size_t errlen) {
        size_t n = strlen(zone);
        bool ok = n > 0 && n < 128 && zone[0] != '/' && zone[n - 1] != '/' && !strstr(zone, "//");
        for (const char *p = zone; ok && *p; p++)
                ok = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                     strchr("-+_/", *p);
        for (const char *p = zone; ok && p; p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL)
                ok = strncmp(p, "./", 2) != 0 && strncmp(p, "../", 3) != 0 && strcmp(p, ".") != 0 &&
                     strcmp(p, "..") != 0;
        char path[192], magic[4] = "";
        if (ok) {
                snprintf(path, sizeof(path), ZONEINFO "/%s", zone);
                _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
                ok = fd >= 0 && read(fd, magic, 4) == 4 && memcmp(magic, "TZif", 4) == 0;
        }
        if (!ok) {
                snprintf(err, errlen, "\"%.128s\" is not a time zone of the tz database; give a name such "
                         "as Europe/Berlin or UTC (`ls " ZONEINFO "`), or nothing for the local time", zone);
                return -EINVAL;
        }
        return 0;
}

static int check_zone(const void *member, char *err, size_t errlen) {
        const char *zone = *(char *const *) member;
        return zone && *zone ? zone_ok(zone, err, errlen) : 0;
}

const wp_prop cluster_props[] = {
        { .name = "TimeZone", .type = WP_PROP_STRING, .flags = WP_PROP_LIVE,
          .offset = offsetof(ClusterProps, time_zone), .default_value = "", .check = check_zone,
          .description = "The time zone of failback windows (tz database name); empty: the coordinator's local time" },
        {},
};

int cluster_props_load(const json_t *values, ClusterProps *ret) {
        int k = props_init(cluster_props, ret, NULL, 0);
        if (k < 0)
                return k;
        const char *key;
        json_t *v;
        char err[256];
        json_object_foreach((json_t *) values, key, v)
                if (json_is_string(v))
                        (void) props_set(cluster_props, ret, key, json_string_value(v), err, sizeof(err));
        return 0;
}

int cluster_props_check(const json_t *values, bool exact, json_t *spelled, const char **bad, char *err,
                        size_t errlen) {
        ClusterProps c;
        int k = props_init(cluster_props, &c, err, errlen);
        if (k < 0)
                return k;
        const char *key;
        json_t *v;
        json_object_foreach((json_t *) values, key, v) {
                const wp_prop *p = props_find(cluster_props, key);
                if (!p || (exact && strcmp(p->name, key) != 0)) {
                        snprintf(err, errlen, "%s is not a cluster property; they are TimeZone", key);
                        k = -EINVAL;
                } else if (!json_is_string(v)) {
                        snprintf(err, errlen, "%s: values are text", p->name);
                        k = -EINVAL;
                } else
                        k = props_set(cluster_props, &c, p->name, json_string_value(v), err, errlen);
                if (k >= 0 && spelled && json_object_set(spelled, p->name, v) < 0)
                        k = -ENOMEM;
                if (k < 0) {
                        if (bad)
                                *bad = key;
                        break;
                }
        }
        props_free(cluster_props, &c);
        return k;
}

void cluster_props_done(ClusterProps *c) {
        props_free(cluster_props, c);
}

int cluster_hour(const char *zone, time_t t, int *ret_hour, struct tm *ret_tm) {
        char err[256];
        if (zone && *zone && zone_ok(zone, err, sizeof(err)) < 0)
                return -EINVAL;
        const char *old = getenv("TZ");
        _cleanup_free_ char *saved = old ? strdup(old) : NULL;
        if (old && !saved)
                return -ENOMEM;
        if (zone && *zone) {
                char tz[160];
                snprintf(tz, sizeof(tz), ":%s", zone);
                setenv("TZ", tz, 1);
        }
        tzset();
        struct tm tm;
        bool ok = localtime_r(&t, &tm) != NULL;
        if (zone && *zone) {
                if (saved)
                        setenv("TZ", saved, 1);
                else
                        unsetenv("TZ");
                tzset();
        }
        if (!ok)
                return -EINVAL;
        *ret_hour = tm.tm_hour;
        if (ret_tm)
                *ret_tm = tm;
        return 0;
}
