/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target of the resource monitor's requests past their framing
 * (src/resmon/requests.c, and what its handlers reach in manager.c,
 * plugin.c and resource.c): a monitor's Manager is set up in-process, with
 * no plug-in path and one type of the target's own, "fuzz", already loaded:
 * its entry points run at once and start nothing (Fail=1 makes online and
 * offline fail, Alive=0 the polls, Refuse=1 the control calls), so every
 * resource request is answered before the loop is left. Its link to the
 * parent is one end of a socketpair. The input is JSON lines,
 * each a request as the parent sends it ({"type": "hello", "id": 1,
 * "versions": [1]}); a line that is not an object with a string "type" is
 * one the framing (proto.c) never hands out, and is skipped. Each request
 * goes to the real dispatch, then the loop runs a few rounds, then what
 * the monitor wrote is decoded.
 *
 * Invariants: every request gets exactly one reply, right after it, with
 * its id (null when it had none), an error of 0 or a negative errno, and a
 * refusal has a message on one line; a request before hello is refused
 * with EPROTO; nothing crashes or leaks. Any difference aborts.
 *
 * Built with libFuzzer (clang -fsanitize=fuzzer, see README.md), or with
 * -DFUZZ_STANDALONE as a plain program that replays files and corpora.
 */
#include <errno.h>
#include <stddef.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "link.h"
#include "macro.h"
#include "manager.h"
#include "plugin.h"
#include "proto.h"

/* ---- the type "fuzz" ---- */

typedef struct FuzzParams {
        char *text;
        int64_t number;
        bool fail, refuse;
        int64_t alive;
        wp_usec_t delay;
        char **words;
        int64_t readonly;
} FuzzParams;

static const wp_host *fuzz_host;

static int fuzz_open(wp_resource *r, const void *params, wp_instance *ret) {
        FuzzParams *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        *p = *(const FuzzParams *) params;
        p->text = NULL;
        p->words = NULL;
        *ret = p;
        return 0;
}

static void fuzz_close(wp_instance inst) {
        free(inst);
}

static int fuzz_probe(wp_instance inst) {
        return ((FuzzParams *) inst)->alive > 1;
}

static int fuzz_online(wp_instance inst) {
        return ((FuzzParams *) inst)->fail ? -EIO : 0;
}

static void fuzz_terminate(wp_instance inst) {
}

static int fuzz_alive(wp_instance inst) {
        return ((FuzzParams *) inst)->alive > 0;
}

static int fuzz_control(wp_instance inst, wp_resource *r, wp_control_code code, void *params,
                        const char *const *changed) {
        FuzzParams *p = params;
        if (code == WP_CONTROL_GET_READONLY) {
                p->readonly = 42;
                return 0;
        }
        return p->refuse ? -EPERM : 0;
}

static const wp_entry_points fuzz_ep = {
        .open = fuzz_open,
        .close = fuzz_close,
        .probe = fuzz_probe,
        .online = fuzz_online,
        .offline = fuzz_online,
        .terminate = fuzz_terminate,
        .looks_alive = fuzz_alive,
        .is_alive = fuzz_alive,
        .control = fuzz_control,
};

static const wp_prop fuzz_props[] = {
        { .name = "Text", .type = WP_PROP_STRING, .flags = WP_PROP_LIVE, .offset = offsetof(FuzzParams, text) },
        { .name = "Number", .type = WP_PROP_INT, .offset = offsetof(FuzzParams, number), .default_value = "1",
          .min = -5, .max = 1000 },
        { .name = "Fail", .type = WP_PROP_BOOL, .offset = offsetof(FuzzParams, fail), .default_value = "0" },
        { .name = "Refuse", .type = WP_PROP_BOOL, .flags = WP_PROP_LIVE, .offset = offsetof(FuzzParams, refuse) },
        { .name = "Alive", .type = WP_PROP_INT, .offset = offsetof(FuzzParams, alive), .default_value = "1",
          .min = 0, .max = 2 },
        { .name = "Delay", .type = WP_PROP_DURATION, .offset = offsetof(FuzzParams, delay), .default_value = "1s" },
        { .name = "Words", .type = WP_PROP_ARGV, .flags = WP_PROP_LIVE, .offset = offsetof(FuzzParams, words) },
        { .name = "ReadOnly", .type = WP_PROP_INT, .flags = WP_PROP_READONLY, .offset = offsetof(FuzzParams, readonly) },
        {},
};

static const wp_type fuzz_type = {
        .api_version = WP_RESAPI_VERSION,
        .name = "fuzz",
        .description = "Runs nothing, answers at once (fuzz-resmon-requests only)",
        .props = fuzz_props,
        .params_size = sizeof(FuzzParams),
        .ep = &fuzz_ep,
};

static void load_fuzz_type(Manager *m) {
        PluginType *p = calloc(1, sizeof(*p));
        check(p);
        check((p->name = strdup("fuzz")) && (p->path = strdup("(built in)")));
        p->type = &fuzz_type;
        fuzz_host = &m->host;
        check(hashmap_put(m->types, p->name, p) == 0);
}

/* What the monitor wrote since the last call, decoded: replies counted
 * and checked against req; events only decoded. */
static size_t take_output(int fd, ProtoReader *reader, const json_t *req, json_int_t *ret_error) {
        uint8_t buf[65536];
        ssize_t n;
        while ((n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
                check(proto_reader_feed(reader, buf, (size_t) n) == 0);
        size_t replies = 0;
        for (;;) {
                json_t *msg = NULL;
                char err[256];
                int k = proto_reader_next(reader, &msg, err, sizeof err);
                check(k >= 0); /* the monitor writes well-formed frames */
                if (k == 0)
                        break;
                const char *type = json_string_value(json_object_get(msg, "type"));
                if (strcmp(type, "reply") == 0) {
                        replies++;
                        json_t *id = json_object_get(req, "id");
                        check(json_equal(json_object_get(msg, "id"), id ? id : json_null()));
                        json_t *error = json_object_get(msg, "error");
                        check(json_is_integer(error) && json_integer_value(error) <= 0);
                        *ret_error = json_integer_value(error);
                        if (json_integer_value(error) < 0) {
                                const char *text = json_string_value(json_object_get(msg, "message"));
                                check(text && text[0] && !strchr(text, '\n'));
                        }
                }
                json_decref(msg);
        }
        return replies;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(manager_freep) Manager *m = NULL;
        check(manager_new(&m) == 0);
        check((m->name = strdup("fuzz")));
        load_fuzz_type(m);
        int sv[2];
        check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
        check(manager_attach(m, sv[0]) == 0);
        ProtoReader reader;
        proto_reader_init(&reader);

        char *text = strndup((const char *) data, size);
        check(text);
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                json_t *req = json_loads(line, 0, NULL);
                if (!json_is_object(req) || !json_is_string(json_object_get(req, "type")) || !m->link) {
                        json_decref(req);
                        continue;
                }
                Link *l = m->link;
                bool said = link_said_hello(l);
                requests_dispatch(m, l, req);
                for (int i = 0; i < 4 && sd_event_run(m->event, 0) > 0; i++)
                        ;
                if (m->link)
                        link_flush(m->link);
                json_int_t error = 1;
                check(take_output(sv[1], &reader, req, &error) == 1);
                json_t *id = json_object_get(req, "id");
                const char *type = json_string_value(json_object_get(req, "type"));
                if (!json_is_integer(id) || json_integer_value(id) <= 0)
                        check(error == -EINVAL);
                else if (!said && strcmp(type, "hello") == 0)
                        check(error == 0 || error == -EPROTONOSUPPORT || error == -EPERM);
                else if (!said)
                        check(error == -EPROTO || error == -EOPNOTSUPP);
                json_decref(req);
        }
        free(text);
        proto_reader_done(&reader);
        close(sv[1]);
        return 0;
}
