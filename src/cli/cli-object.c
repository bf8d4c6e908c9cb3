/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Create, set, get and delete for groups and resources, which the API
 * treats alike. Owns the confirmations people see after a change; never
 * judges a property value (the server does, and its message is printed).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli-commands.h"
#include "cli-http.h"
#include "cli-kv.h"
#include "cli-object.h"
#include "cli-output.h"
#include "cli-path.h"
#include "cli-render.h"
#include "cli-suggest.h"
#include "macro.h"

static int flush_stdout(void) {
        return fflush(stdout) == EOF ? cli_fail(-EIO, "cannot write to standard output: %m") : 0;
}

int object_create(Cli *cli, const char *collection, const char *kind, json_t *body) {
        _cleanup_free_ char *path = NULL;
        _cleanup_(json_decrefp) json_t *j = NULL;
        if (cli_path(&path, collection, NULL, NULL, NULL, NULL) < 0)
                return -ENOMEM;
        int r = cli_http_request(cli->http, "POST", path, body, NULL, &j);
        if (r < 0)
                return r;
        if (cli->json)
                return cli_print_json(j, false);
        const char *name = json_string_value(json_object_get(j, "name"));
        const char *id = json_string_value(json_object_get(j, "id"));
        if (!name)
                name = json_string_value(json_object_get(body, "name"));
        printf("created %s %s%s%s%s\n", kind, name ? name : "?", id ? " (" : "", id ? id : "", id ? ")" : "");
        return flush_stdout();
}

int object_set(Cli *cli, const char *collection, const char *kind, const char *name, const json_t *props) {
        _cleanup_free_ char *path = NULL;
        _cleanup_(json_decrefp) json_t *j = NULL;
        _cleanup_(json_decrefp) json_t *body = json_pack("{sO}", "properties", props);
        if (!body || cli_path(&path, collection, name, NULL, NULL, NULL) < 0)
                return -ENOMEM;
        int r = cli_http_request(cli->http, "PATCH", path, body, NULL, &j);
        if (r < 0)
                return r;
        if (cli->json)
                return cli_print_json(j, false);

        const char *shown = json_string_value(json_object_get(j, "name"));
        const char *key;
        json_t *v;
        size_t i = 0;
        printf("updated %s %s:", kind, shown ? shown : name);
        json_object_foreach((json_t *) props, key, v)
                printf("%s %s", i++ ? "," : "", key);
        putchar('\n');

        json_t *later = json_object_get(j, "next_online");
        if (json_array_size(later) > 0) {
                _cleanup_free_ char *names = render_value(later);
                printf("%s %s at the next online of %s %s\n", names ? names : "some values",
                       json_array_size(later) == 1 ? "takes effect" : "take effect", kind, shown ? shown : name);
        }
        return flush_stdout();
}

/* A member of the object's "properties", then "common", then the object
 * itself, by name ignoring case. */
static json_t *find_key(const json_t *obj, const char *key, const char **ret_key) {
        json_t *v = cli_json_get_nocase(json_object_get(obj, "properties"), key, ret_key);
        if (!v)
                v = cli_json_get_nocase(json_object_get(obj, "common"), key, ret_key);
        if (!v)
                v = cli_json_get_nocase(obj, key, ret_key);
        return v;
}

static int no_such_key(const json_t *obj, const char *kind, const char *name, const char *key) {
        const char *names[256];
        size_t n = 0;
        static const char *const sections[] = { "properties", "common" };
        for (size_t s = 0; s < ELEMENTSOF(sections); s++) {
                const char *k;
                json_t *v;
                json_object_foreach(json_object_get(obj, sections[s]), k, v)
                        if (n + 1 < ELEMENTSOF(names))
                                names[n++] = k;
        }
        names[n] = NULL;
        const char *close = cli_suggest(key, names);
        if (close)
                return cli_fail(-ENOENT, "%s %s has no property \"%s\"; did you mean \"%s\"?", kind, name, key, close);
        return cli_fail(-ENOENT, "%s %s has no property \"%s\"", kind, name, key);
}

int verb_cluster_set(Cli *cli, const CliArgs *a) {
        return object_set(cli, "cluster", "cluster", NULL, a->props);
}

int verb_cluster_get(Cli *cli, const CliArgs *a) {
        return object_get(cli, "cluster", "cluster", NULL, a->n_pos > 0 ? a->pos[0] : NULL);
}

int object_get(Cli *cli, const char *collection, const char *kind, const char *name, const char *key) {
        _cleanup_free_ char *path = NULL;
        _cleanup_(json_decrefp) json_t *j = NULL;
        if (cli_path(&path, collection, name, NULL, NULL, NULL) < 0)
                return -ENOMEM;
        int r = cli_http_request(cli->http, "GET", path, NULL, NULL, &j);
        if (r < 0)
                return r;

        if (key) {
                const char *found;
                json_t *v = find_key(j, key, &found);
                if (!v)
                        return no_such_key(j, kind, name, key);
                if (cli->json) {
                        _cleanup_(json_decrefp) json_t *o = json_pack("{sO}", found, v);
                        return o ? cli_print_json(o, false) : -ENOMEM;
                }
                _cleanup_free_ char *s = render_value(v);
                printf("%s\n", s ? s : "");
                return flush_stdout();
        }

        json_t *props = json_object_get(j, "properties");
        json_t *common = json_object_get(j, "common");
        if (cli->json) {
                _cleanup_(json_decrefp) json_t *o = json_object();
                if (!o)
                        return -ENOMEM;
                if (props)
                        json_object_set(o, "properties", props);
                if (common)
                        json_object_set(o, "common", common);
                return cli_print_json(o, false);
        }
        const json_t *objects[3] = { NULL };
        size_t n = 0;
        if (json_is_object(props))
                objects[n++] = props;
        if (json_is_object(common))
                objects[n++] = common;
        _cleanup_free_ char *text = NULL;
        r = render_kv_lines(objects, &text);
        if (r < 0)
                return r;
        return cli_print_text(text);
}

int object_delete(Cli *cli, const char *collection, const char *kind, const char *name) {
        _cleanup_free_ char *path = NULL;
        if (cli_path(&path, collection, name, NULL, NULL, NULL) < 0)
                return -ENOMEM;
        int r = cli_http_request(cli->http, "DELETE", path, NULL, NULL, NULL);
        if (r < 0)
                return r;
        if (!cli->json) {
                printf("deleted %s %s\n", kind, name);
                return flush_stdout();
        }
        return 0;
}
