/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target of the parent's side of the monitor protocol past its
 * framing (src/common/resmon-client.c): what a client does with the
 * replies and events a monitor sends. The client connects to a socket of
 * the target's own (resmon_client_connect), says hello, and sends three
 * requests; the input, JSON lines, is what the "monitor" answers, each
 * line framed as a monitor frames it (lines proto_encode refuses are
 * skipped). Then the monitor hangs up.
 *
 * A "pid" member is dropped from every message: the client watches, and
 * on a broken stream kills, the pid a hello reply names, and a fuzzed one
 * would be some other process of this machine.
 *
 * Invariants: each request's callback runs exactly once, with the reply
 * that has its id or with NULL when the client is freed; hello is
 * reported at most once, with a reply; the end is reported exactly once
 * after the monitor hung up; every problem and broken-stream sentence is
 * one line of valid UTF-8. Any difference aborts.
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
#include <sys/un.h>
#include <unistd.h>

#include "fuzz.h"
#include "macro.h"
#include "proto.h"
#include "resmon-client.h"

#define CALLS 3

typedef struct Run {
        unsigned hellos, ends, replies[CALLS];
        uint64_t ids[CALLS];
} Run;

static void check_sentence(const char *s) {
        check(s && s[0] && !strchr(s, '\n'));
        json_t *j = json_string(s);
        check(j);
        json_decref(j);
}

static void on_hello(ResmonClient *c, json_t *reply, void *userdata) {
        Run *run = userdata;
        run->hellos++;
        check(reply && strcmp(json_string_value(json_object_get(reply, "type")), "reply") == 0);
}

static void on_event(ResmonClient *c, json_t *msg, void *userdata) {
        check(json_is_string(json_object_get(msg, "type")));
}

static void on_refused(ResmonClient *c, const char *request, json_t *reply, void *userdata) {
        check(strcmp(request, "heartbeat") == 0 || strcmp(request, "lease") == 0);
        check(json_integer_value(json_object_get(reply, "error")) != 0);
}

static void on_problem(ResmonClient *c, const char *message, void *userdata) {
        check_sentence(message);
}

static void on_broken(ResmonClient *c, const char *why, int kill_result, void *userdata) {
        check_sentence(why);
}

static void on_ended(ResmonClient *c, const ResmonEnd *end, void *userdata) {
        Run *run = userdata;
        run->ends++;
        check(end->pid == 0 && !end->have_status && !end->deadlocked);
}

typedef struct Call {
        Run *run;
        size_t i;
} Call;

static void on_reply(ResmonClient *c, json_t *reply, void *userdata) {
        Call *call = userdata;
        call->run->replies[call->i]++;
        if (reply) {
                check(strcmp(json_string_value(json_object_get(reply, "type")), "reply") == 0);
                check(json_integer_value(json_object_get(reply, "id")) == (json_int_t) call->run->ids[call->i]);
        }
}

static const ResmonClientOps ops = {
        .hello = on_hello,
        .event = on_event,
        .refused = on_refused,
        .problem = on_problem,
        .broken = on_broken,
        .ended = on_ended,
};

static void run_loop(sd_event *e) {
        for (int i = 0; i < 64 && sd_event_run(e, 0) > 0; i++)
                ;
}

static char sock_dir[] = "/tmp/fuzz-resmon-client-XXXXXX";
static char sock_path[sizeof sock_dir + 32];

static void remove_socket(void) {
        unlink(sock_path);
        rmdir(sock_dir);
}

/* The "monitor"'s end of a new connection of the client c. */
static int listener(void) {
        static int fd = -1;
        if (fd >= 0)
                return fd;
        check(mkdtemp(sock_dir));
        snprintf(sock_path, sizeof sock_path, "%s/resmon-fuzz.sock", sock_dir);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        strcpy(sa.sun_path, sock_path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        check(fd >= 0);
        check(bind(fd, (struct sockaddr *) &sa, sizeof sa) == 0);
        check(listen(fd, 4) == 0);
        atexit(remove_socket);
        return fd;
}

/* A line of the input as the monitor would send it, without "pid"; NULL
 * when the framing refuses it. */
static uint8_t *frame_line(const char *line, size_t *ret_len) {
        json_t *msg = json_loads(line, JSON_DECODE_ANY, NULL);
        if (json_is_object(msg))
                json_object_del(msg, "pid");
        uint8_t *buf = NULL;
        if (!msg || proto_encode(msg, &buf, ret_len) < 0)
                buf = NULL;
        json_decref(msg);
        return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        int lfd = listener();
        sd_event *e = NULL;
        check(sd_event_new(&e) >= 0);
        Run run = {};
        Call calls[CALLS];
        ResmonClientConfig cfg = { .ops = &ops, .userdata = &run, .daemon_id = "fuzz" };
        ResmonClient *c = NULL;
        char err[256];
        check(resmon_client_connect(e, &cfg, sock_path, &c, err, sizeof err) == 0);
        int mon = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        check(mon >= 0);
        for (size_t i = 0; i < CALLS; i++) {
                calls[i] = (Call) { &run, i };
                json_t *req = json_pack("{s:s}", "type", "heartbeat");
                check(req);
                check(resmon_client_call(c, req, on_reply, &calls[i], &run.ids[i]) == 0);
                json_decref(req);
        }

        char *text = strndup((const char *) data, size);
        check(text);
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                size_t len;
                uint8_t *buf = frame_line(line, &len);
                if (!buf)
                        continue;
                /* The client reads as the loop runs: small writes never fill
                 * the socket's buffer. */
                check(send(mon, buf, len, MSG_NOSIGNAL) == (ssize_t) len || errno == EPIPE ||
                      errno == ECONNRESET);
                free(buf);
                run_loop(e);
        }
        free(text);
        close(mon);
        run_loop(e);
        check(run.ends == 1);
        check(run.hellos <= 1);
        resmon_client_free(c);
        for (size_t i = 0; i < CALLS; i++)
                check(run.replies[i] == 1);
        sd_event_unref(e);
        return 0;
}
