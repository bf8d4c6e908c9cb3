/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target of the resource monitor's requests past their framing
 * (src/resmon/requests.c, and what its handlers reach in manager.c,
 * plugin.c and resource.c): a monitor's Manager is set up in-process, with
 * no plug-in path (so every type is unknown and nothing is started), its
 * link to the parent one end of a socketpair. The input is JSON lines,
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
#include "proto.h"

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
