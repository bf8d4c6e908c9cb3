/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The HTTP server over real unix sockets: a server runs on its own sd-event
 * loop in a thread while the test talks to it with raw HTTP/1.1 (so that
 * malformed requests can be sent too). Covers routing, captures, queries,
 * 404/405, bad bodies, 413, answers given later, clients that leave before
 * the answer, event streams (keep-alives, slow clients), access by peer
 * credentials (clients in children that drop to nobody), and taking over
 * the socket path. The parsers (targets, routes, /proc groups) are tested
 * directly too.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "http-internal.h"
#include "http-listen.h"
#include "http-peer.h"
#include "http-route.h"
#include "text-quote.h"
#include "http.h"
#include "macro.h"

#define NOBODY 65534

/* Handlers run in the server's thread, where cmocka's assertions cannot
 * unwind: a broken expectation there aborts the test program. */
#define check(cond)                                                                            \
        do {                                                                                   \
                if (!(cond)) {                                                                 \
                        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
                        abort();                                                               \
                }                                                                              \
        } while (0)
#define SOME_GID 4242

/* ------------------------------------------------------------------ */
/* A server on a loop in a thread                                      */

typedef struct Fixture {
        char dir[64];
        char path[128];
        pthread_t thread;
        int stop_fd;
        int ready[2];
        int start_result;
        char err[256];

        /* knobs, applied in the server thread before it serves */
        uint64_t keepalive_usec;
        size_t stream_queue_max;
        size_t stream_memory_max;
        gid_t access_gid;
        unsigned connection_max;

        /* server-thread objects */
        sd_event *event;
        HttpServer *server;

        /* what the handlers saw, read by the test thread */
        atomic_int handled;
        atomic_int gone;        /* request on_gone calls */
        atomic_int late;        /* answers given after the client left */
        atomic_int stream_gone; /* stream on_gone calls */
        atomic_int stream_closed;
        atomic_int send_error;  /* the first error of http_stream_send */
        atomic_int streams_open;
        atomic_int stream_cut_for_memory; /* on_gone calls after a cut for all streams' memory */
        atomic_size_t stream_memory_peak; /* of every stream's buffers together */
} Fixture;

static void msleep(unsigned ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* Wait up to 5 s for *v to reach want. */
static bool wait_for(atomic_int *v, int want) {
        for (int i = 0; i < 1000; i++) {
                if (atomic_load(v) == want)
                        return true;
                msleep(5);
        }
        return atomic_load(v) == want;
}

static int add_timer(Fixture *f, uint64_t usec, sd_event_time_handler_t cb, void *ud, sd_event_source **ret) {
        return sd_event_add_time_relative(f->event, ret, CLOCK_MONOTONIC, usec, 1000, cb, ud);
}

/* --- handlers --- */

static void h_echo(HttpRequest *r, void *userdata) {
        Fixture *f = userdata;
        json_t *body = http_request_body(r);
        json_t *o = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:O?, s:i}", "method", http_request_method(r),
                              "path", http_request_path(r), "a", http_request_param(r, 0), "b",
                              http_request_param(r, 1), "q", http_request_query(r, "q"), "r",
                              http_request_query(r, "r"), "body", body, "uid", (json_int_t) http_request_uid(r));
        check(o);
        check(!http_request_param(r, 2));
        atomic_fetch_add(&f->handled, 1);
        http_reply(r, 200, o);
}

static void h_delete(HttpRequest *r, void *userdata) {
        http_reply(r, 204, NULL);
}

static void h_invalid(HttpRequest *r, void *userdata) {
        http_reply_error(r, 422, "invalid", "StopTimeout", "StopTimeout=%s is not a duration", "soon");
}

/* A message quoting bytes that are not UTF-8 (a plug-in's text, say). */
static void h_bad_text(HttpRequest *r, void *userdata) {
        http_reply_error(r, 422, "invalid", "x\xff", "value \"%s\" refused", "caf\xe9!");
}

static void h_size(HttpRequest *r, void *userdata) {
        json_t *a = json_object_get(http_request_body(r), "a");
        http_reply(r, 200, json_pack("{s:i}", "len", (json_int_t) json_string_length(a)));
}

/* An answer 100 ms later. */
static int later_fire(sd_event_source *s, uint64_t usec, void *userdata) {
        HttpRequest *r = userdata;
        http_reply(r, 200, json_pack("{s:b}", "late", 1));
        return 0;
}

static void h_later(HttpRequest *r, void *userdata) {
        Fixture *f = userdata;
        check((add_timer(f, 100000, later_fire, r, NULL)) == 0);
        /* A floating source: sd-event owns it until it fires. */
}

/* An answer 400 ms later, to a client that leaves after 50 ms. */
typedef struct Late {
        Fixture *f;
        HttpRequest *r;
        sd_event_source *timer;
} Late;

static int late_fire(sd_event_source *s, uint64_t usec, void *userdata) {
        Late *l = userdata;
        atomic_fetch_add(&l->f->late, 1);
        http_reply(l->r, 200, json_pack("{s:b}", "late", 1)); /* dropped: the client left */
        sd_event_source_unref(l->timer);
        free(l);
        return 0;
}

static void late_gone(HttpRequest *r, void *userdata) {
        Late *l = userdata;
        atomic_fetch_add(&l->f->gone, 1);
        /* Not to be answered now: cancel the answer. */
        sd_event_source_unref(l->timer);
        free(l);
}

static void start_late(HttpRequest *r, Fixture *f, bool with_on_gone) {
        Late *l = calloc(1, sizeof(Late));
        check(l);
        *l = (Late) { .f = f, .r = r };
        check((add_timer(f, 400000, late_fire, l, &l->timer)) == 0);
        if (with_on_gone)
                http_request_on_gone(r, late_gone, l);
        atomic_fetch_add(&f->handled, 1);
}

static void h_late_gone(HttpRequest *r, void *userdata) {
        start_late(r, userdata, true);
}

static void h_late_unwatched(HttpRequest *r, void *userdata) {
        start_late(r, userdata, false);
}

/* Event streams. */
typedef struct Events {
        Fixture *f;
        HttpStream *st;
        sd_event_source *timer;
        int n;
        bool keep;  /* never close: the client leaves */
        bool flood; /* 16 KiB events every millisecond */
} Events;

static void events_free(Events *e) {
        atomic_fetch_sub(&e->f->streams_open, 1);
        sd_event_source_unref(e->timer);
        free(e);
}

static void events_gone(HttpStream *st, void *userdata) {
        Events *e = userdata;
        check(st == e->st);
        const char *why = http_stream_why_cut(st);
        if (why && strstr(why, "furthest behind"))
                atomic_fetch_add(&e->f->stream_cut_for_memory, 1);
        atomic_fetch_add(&e->f->stream_gone, 1);
        events_free(e);
}

static int events_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        Events *e = userdata;
        int r;
        if (e->flood) {
                static char big[16 * 1024];
                memset(big, 'x', sizeof(big) - 1);
                json_t *ev = json_pack("{s:i, s:s}", "n", ++e->n, "pad", big);
                r = http_stream_send(e->st, ev);
                json_decref(ev);
                if (e->f->server->stream_memory > atomic_load(&e->f->stream_memory_peak))
                        atomic_store(&e->f->stream_memory_peak, e->f->server->stream_memory);
                if (r < 0) {
                        /* Cut off: on_gone follows; stop sending. */
                        atomic_store(&e->f->send_error, r);
                        return sd_event_source_set_enabled(s, SD_EVENT_OFF);
                }
                (void) sd_event_source_set_time_relative(s, 1000);
                return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        }
        json_t *ev = json_pack("{s:i}", "n", ++e->n);
        r = http_stream_send(e->st, ev);
        json_decref(ev);
        check((r) == 0);
        if (!e->keep && e->n >= 3) {
                http_stream_close(e->st);
                atomic_fetch_add(&e->f->stream_closed, 1);
                events_free(e);
                return 0;
        }
        (void) sd_event_source_set_time_relative(s, 30000);
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

static void h_events(HttpRequest *r, void *userdata) {
        Fixture *f = userdata;
        Events *e = calloc(1, sizeof(Events));
        check(e);
        e->f = f;
        e->keep = http_request_query(r, "keep") != NULL;
        e->flood = http_request_query(r, "flood") != NULL;
        bool idle = http_request_query(r, "idle") != NULL;
        e->st = http_stream_start(r, events_gone, e);
        check(e->st);
        atomic_fetch_add(&f->streams_open, 1);
        if (idle)
                return;
        /* The first event right away, queued before the response is. */
        if (!e->flood) {
                json_t *ev = json_pack("{s:i}", "n", ++e->n);
                check((http_stream_send(e->st, ev)) == 0);
                json_decref(ev);
        }
        check((add_timer(f, e->flood ? 1000 : 30000, events_tick, e, &e->timer)) == 0);
}

static const HttpRoute routes[] = {
        { "GET", "/v1/echo/{}/{}", h_echo, HTTP_ACCESS_READ },
        { "POST", "/v1/echo/{}/{}", h_echo, HTTP_ACCESS_READ },
        { "DELETE", "/v1/echo/{}/{}", h_delete, HTTP_ACCESS_READ },
        { "GET", "/v1/echo", h_echo, HTTP_ACCESS_READ },
        { "GET", "/v1/invalid", h_invalid, HTTP_ACCESS_READ },
        { "GET", "/v1/bad-text", h_bad_text, HTTP_ACCESS_READ },
        { "POST", "/v1/size", h_size, HTTP_ACCESS_READ },
        { "GET", "/v1/later", h_later, HTTP_ACCESS_READ },
        { "GET", "/v1/late-gone", h_late_gone, HTTP_ACCESS_READ },
        { "GET", "/v1/late-unwatched", h_late_unwatched, HTTP_ACCESS_READ },
        { "GET", "/v1/events", h_events, HTTP_ACCESS_READ },
        {},
};

static int on_stop(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static void *server_thread(void *arg) {
        Fixture *f = arg;
        sd_event_source *stop = NULL;
        char c = 1;

        check((sd_event_new(&f->event)) == 0);
        f->start_result = http_server_new(f->event, f->path, routes, f, &f->server, f->err, sizeof(f->err));
        if (f->start_result >= 0) {
                if (f->keepalive_usec)
                        check((http_server_set_keepalive(f->server, f->keepalive_usec)) == 0);
                http_server_set_limits(f->server, 0, f->stream_queue_max);
                http_server_set_stream_memory_max(f->server, f->stream_memory_max);
                if (f->access_gid != HTTP_NO_GID)
                        http_server_set_access_gid(f->server, f->access_gid);
                if (f->connection_max)
                        check((http_server_set_connection_max(f->server, f->connection_max)) == 0);
                check((sd_event_add_io(f->event, &stop, f->stop_fd, EPOLLIN, on_stop, f)) == 0);
        }
        check((write(f->ready[1], &c, 1)) == 1);
        if (f->start_result >= 0)
                check((sd_event_loop(f->event)) == 0);
        f->server = http_server_free(f->server);
        sd_event_source_unref(stop);
        f->event = sd_event_unref(f->event);
        return NULL;
}

static void fixture_dir(Fixture *f) {
        strcpy(f->dir, "/tmp/test-http-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        /* Children that drop to nobody must reach the socket. */
        assert_int_equal(chmod(f->dir, 0755), 0);
        snprintf(f->path, sizeof(f->path), "%s/api.sock", f->dir);
}

static Fixture *fixture_start_full(uint64_t keepalive_usec, size_t stream_queue_max, size_t stream_memory_max,
                                   gid_t access_gid, unsigned connection_max) {
        Fixture *f = calloc(1, sizeof(Fixture));
        char c;
        assert_non_null(f);
        fixture_dir(f);
        f->keepalive_usec = keepalive_usec;
        f->stream_queue_max = stream_queue_max;
        f->stream_memory_max = stream_memory_max;
        f->access_gid = access_gid;
        f->connection_max = connection_max;
        f->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        assert_true(f->stop_fd >= 0);
        assert_int_equal(pipe2(f->ready, O_CLOEXEC), 0);
        assert_int_equal(pthread_create(&f->thread, NULL, server_thread, f), 0);
        assert_int_equal(read(f->ready[0], &c, 1), 1);
        if (f->start_result < 0)
                fail_msg("server did not start: %s", f->err);
        return f;
}

static Fixture *fixture_start_capped(uint64_t keepalive_usec, size_t stream_queue_max, gid_t access_gid,
                                     unsigned connection_max) {
        return fixture_start_full(keepalive_usec, stream_queue_max, 0, access_gid, connection_max);
}

static Fixture *fixture_start_with(uint64_t keepalive_usec, size_t stream_queue_max, gid_t access_gid) {
        return fixture_start_capped(keepalive_usec, stream_queue_max, access_gid, 0);
}

static Fixture *fixture_start(void) {
        return fixture_start_with(0, 0, HTTP_NO_GID);
}

static void fixture_stop(Fixture *f) {
        uint64_t one = 1;
        assert_int_equal(write(f->stop_fd, &one, sizeof(one)), sizeof(one));
        assert_int_equal(pthread_join(f->thread, NULL), 0);
        /* The server removed its socket. */
        assert_int_equal(access(f->path, F_OK), -1);
        assert_int_equal(rmdir(f->dir), 0);
        close(f->stop_fd);
        close(f->ready[0]);
        close(f->ready[1]);
        free(f);
}

/* ------------------------------------------------------------------ */
/* A raw HTTP/1.1 client                                               */

static int unix_connect(const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

static bool write_all(int fd, const void *p, size_t n) {
        const char *c = p;
        while (n > 0) {
                ssize_t k = send(fd, c, n, MSG_NOSIGNAL);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return false;
                c += k;
                n -= (size_t) k;
        }
        return true;
}

/* Read until EOF, or until the text `until` has arrived, or 5 s passed. */
static char *read_until(int fd, const char *until, size_t *ret_len) {
        size_t len = 0, cap = 65536;
        char *buf = malloc(cap + 1);
        assert_non_null(buf);
        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                int k = poll(&p, 1, 5000);
                if (k <= 0)
                        break;
                if (len == cap) {
                        cap *= 2;
                        buf = realloc(buf, cap + 1);
                        assert_non_null(buf);
                }
                ssize_t n = read(fd, buf + len, cap - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t) n;
                buf[len] = '\0';
                if (until && memmem(buf, len, until, strlen(until)))
                        break;
        }
        buf[len] = '\0';
        if (ret_len)
                *ret_len = len;
        return buf;
}

typedef struct Resp {
        int status;
        char *raw;
        char *head; /* points into raw; the header block, ending "\r\n" */
        char *body; /* decoded (chunked or not), NUL-terminated */
        size_t body_len;
} Resp;

static void resp_done(Resp *r) {
        free(r->raw);
        free(r->body);
        *r = (Resp) {};
}

static const char *resp_header(const Resp *r, const char *name, size_t *ret_len) {
        size_t n = strlen(name);
        for (const char *p = strstr(r->head, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n"))
                if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
                        const char *v = p + 3 + n;
                        v += strspn(v, " ");
                        *ret_len = strcspn(v, "\r");
                        return v;
                }
        return NULL;
}

static bool resp_header_is(const Resp *r, const char *name, const char *value) {
        size_t len;
        const char *v = resp_header(r, name, &len);
        return v && len == strlen(value) && strncmp(v, value, len) == 0;
}

static void parse_response(char *raw, size_t len, Resp *ret) {
        Resp r = { .raw = raw, .status = -1 };
        char *end = strstr(raw, "\r\n\r\n");
        if (strncmp(raw, "HTTP/1.", 7) != 0 || !end) {
                r.body = strdup("");
                *ret = r;
                return;
        }
        r.status = atoi(raw + 9);
        end[2] = '\0'; /* the head keeps its last "\r\n" */
        r.head = raw;
        const char *b = end + 4;
        size_t blen = len - (size_t) (b - raw);
        r.body = malloc(blen + 1);
        assert_non_null(r.body);
        if (resp_header_is(&r, "Transfer-Encoding", "chunked")) {
                size_t out = 0;
                const char *p = b, *e = b + blen;
                while (p < e) {
                        char *next;
                        unsigned long n = strtoul(p, &next, 16);
                        const char *data = strstr(next, "\r\n");
                        if (!data || n == 0)
                                break;
                        data += 2;
                        if ((size_t) (e - data) < n)
                                n = (size_t) (e - data);
                        memcpy(r.body + out, data, n);
                        out += n;
                        p = data + n + 2;
                }
                r.body_len = out;
        } else {
                memcpy(r.body, b, blen);
                r.body_len = blen;
        }
        r.body[r.body_len] = '\0';
        *ret = r;
}

static Resp exchange(const char *path, const void *req, size_t len) {
        Resp r;
        size_t n;
        int fd = unix_connect(path);
        assert_true(fd >= 0);
        assert_true(write_all(fd, req, len));
        char *raw = read_until(fd, NULL, &n);
        close(fd);
        parse_response(raw, n, &r);
        return r;
}

static Resp request(Fixture *f, const char *method, const char *target, const char *body) {
        char *req = NULL;
        int n;
        if (body)
                n = asprintf(&req,
                             "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                             "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                             method, target, strlen(body), body);
        else
                n = asprintf(&req, "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", method, target);
        assert_true(n > 0);
        Resp r = exchange(f->path, req, (size_t) n);
        free(req);
        return r;
}

static json_t *resp_json(const Resp *r) {
        json_error_t e;
        json_t *v = json_loads(r->body, 0, &e);
        if (!v)
                fail_msg("not JSON (%s): %s", e.text, r->body);
        return v;
}

/* Check the documented error shape and return the message. */
static void assert_error(const Resp *r, int status, const char *code, const char *message_part) {
        assert_int_equal(r->status, status);
        assert_true(resp_header_is(r, "Content-Type", "application/json"));
        json_t *v = resp_json(r);
        json_t *e = json_object_get(v, "error");
        assert_true(json_is_object(e));
        assert_int_equal(json_integer_value(json_object_get(e, "status")), status);
        assert_string_equal(json_string_value(json_object_get(e, "code")), code);
        const char *m = json_string_value(json_object_get(e, "message"));
        assert_non_null(m);
        if (message_part && !strstr(m, message_part))
                fail_msg("message \"%s\" lacks \"%s\"", m, message_part);
        json_decref(v);
}

/* ------------------------------------------------------------------ */
/* Pure parts                                                          */

static void test_url_decode(void **state) {
        char *s = NULL;
        assert_int_equal(http_url_decode("a%20b%2Fc+d", 11, false, &s), 0);
        assert_string_equal(s, "a b/c+d");
        free(s);
        assert_int_equal(http_url_decode("a%20b+c", 7, true, &s), 0);
        assert_string_equal(s, "a b c");
        free(s);
        assert_int_equal(http_url_decode("%e2%82%AC", 9, false, &s), 0);
        assert_string_equal(s, "\xe2\x82\xac");
        free(s);
        assert_int_equal(http_url_decode("", 0, false, &s), 0);
        assert_string_equal(s, "");
        free(s);
        s = NULL;
        const char *bad[] = { "%", "%2", "a%zz", "%00", "%0", "x%g1" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                assert_int_equal(http_url_decode(bad[i], strlen(bad[i]), false, &s), -EINVAL);
                assert_null(s);
        }
        /* Only len bytes are read. */
        assert_int_equal(http_url_decode("ab%41", 2, false, &s), 0);
        assert_string_equal(s, "ab");
        free(s);
}

static void test_target_parse(void **state) {
        HttpTarget t;
        char err[256];

        assert_int_equal(http_target_parse("/v1/groups/web%20site/online?x=1&y&z=a+b%26c&x=2#frag", &t, err,
                                           sizeof(err)),
                         0);
        assert_int_equal(t.n_segments, 4);
        assert_string_equal(t.segments[0], "v1");
        assert_string_equal(t.segments[2], "web site");
        assert_string_equal(t.segments[3], "online");
        assert_int_equal(t.n_query, 4);
        assert_string_equal(http_target_query(&t, "x"), "1"); /* the first one */
        assert_string_equal(http_target_query(&t, "y"), "");
        assert_string_equal(http_target_query(&t, "z"), "a b&c");
        assert_null(http_target_query(&t, "frag"));
        assert_null(http_target_query(&t, "w"));
        http_target_done(&t);

        assert_int_equal(http_target_parse("/", &t, err, sizeof(err)), 0);
        assert_int_equal(t.n_segments, 1);
        assert_string_equal(t.segments[0], "");
        assert_int_equal(t.n_query, 0);
        http_target_done(&t);

        assert_int_equal(http_target_parse("/a//b/?&&=v&", &t, err, sizeof(err)), 0);
        assert_int_equal(t.n_segments, 4);
        assert_string_equal(t.segments[1], "");
        assert_string_equal(t.segments[3], "");
        assert_int_equal(t.n_query, 1);
        assert_string_equal(http_target_query(&t, ""), "v");
        http_target_done(&t);

        assert_int_equal(http_target_parse("v1/x", &t, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "not a path"));
        assert_int_equal(t.n_segments, 0);
        assert_int_equal(http_target_parse("http://host/v1", &t, err, sizeof(err)), -EINVAL);
        assert_int_equal(http_target_parse("", &t, err, sizeof(err)), -EINVAL);
        assert_int_equal(http_target_parse("/v1/a%zz", &t, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "path segment \"a%zz\""));
        assert_int_equal(http_target_parse("/v1/a%00b", &t, err, sizeof(err)), -EINVAL);
        assert_int_equal(http_target_parse("/v1?q=%4", &t, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "query parameter \"q=%4\""));
        assert_null(t.segments);
        assert_null(t.query);
        http_target_done(&t); /* harmless on a zeroed target */

        /* Decoded text must be UTF-8; the message names the byte. */
        assert_int_equal(http_target_parse("/v1/groups/%E9", &t, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "path segment \"%E9\" is not valid UTF-8: byte 0xe9 at offset 0"));
        assert_null(t.segments);
        assert_int_equal(http_target_parse("/v1/resources?group=ab%E9", &t, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "query parameter \"group=ab%E9\""));
        assert_non_null(strstr(err, "0xe9 at offset 2"));
        assert_int_equal(http_target_parse("/v1/log?%FF=1", &t, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "0xff"));
        /* Valid multi-byte text passes, decoded. */
        assert_int_equal(http_target_parse("/v1/groups/caf%C3%A9?q=%E2%82%AC", &t, err, sizeof(err)), 0);
        assert_string_equal(t.segments[2], "caf\xc3\xa9");
        assert_string_equal(http_target_query(&t, "q"), "\xe2\x82\xac");
        http_target_done(&t);
}

static void test_utf8_valid(void **state) {
        static const struct {
                const char *s;
                size_t want;
        } rows[] = {
                { "", 0 },
                { "abc", 3 },
                { "caf\xc3\xa9", 5 },
                { "\xe2\x82\xac", 3 },            /* U+20AC */
                { "\xf0\x9f\x98\x80", 4 },        /* U+1F600 */
                { "a\xe9" "b", 1 },              /* a lone lead byte */
                { "\x80", 0 },                    /* a lone continuation byte */
                { "\xc0\xaf", 0 },                /* overlong '/' */
                { "\xe0\x80\xaf", 0 },            /* overlong, 3 bytes */
                { "\xed\xa0\x80", 0 },            /* a surrogate */
                { "\xf4\x90\x80\x80", 0 },        /* past U+10FFFF */
                { "ok\xe2\x82", 2 },              /* cut short */
                { "\xf8\x88\x80\x80\x80", 0 },    /* 5 bytes */
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                size_t got = utf8_valid_prefix(rows[i].s, strlen(rows[i].s));
                if (got != rows[i].want)
                        fail_msg("row %zu: %zu, want %zu", i, got, rows[i].want);
        }
}

static void nop(HttpRequest *r, void *userdata) {
        http_reply(r, 204, NULL);
}

static void test_route_match(void **state) {
        static const HttpRoute table[] = {
                { "GET", "/v1/groups", nop, HTTP_ACCESS_READ },
                { "POST", "/v1/groups", nop, HTTP_ACCESS_READ },
                { "GET", "/v1/groups/{}", nop, HTTP_ACCESS_READ },
                { "PATCH", "/v1/groups/{}", nop, HTTP_ACCESS_READ },
                { "DELETE", "/v1/groups/{}", nop, HTTP_ACCESS_READ },
                { "POST", "/v1/groups/{}/online", nop, HTTP_ACCESS_READ },
                { "POST", "/v1/groups/{}/move", nop, HTTP_ACCESS_READ },
                { "GET", "/v1/a/{}/b/{}", nop, HTTP_ACCESS_READ },
                { "GET", "/", nop, HTTP_ACCESS_READ },
                {},
        };
        HttpTarget t;
        HttpMatch m;
        char err[256];

        assert_int_equal(http_routes_check(table, err, sizeof(err)), 0);

        struct {
                const char *method, *target;
                HttpMatchResult result;
                int route;           /* index in table, or -1 */
                const char *params;  /* captures joined with '|' */
                const char *allow;
        } cases[] = {
                { "GET", "/v1/groups", HTTP_MATCH_OK, 0, "", "" },
                { "POST", "/v1/groups", HTTP_MATCH_OK, 1, "", "" },
                { "GET", "/v1/groups/web", HTTP_MATCH_OK, 2, "web", "" },
                { "DELETE", "/v1/groups/a%20b", HTTP_MATCH_OK, 4, "a b", "" },
                { "POST", "/v1/groups/web/online", HTTP_MATCH_OK, 5, "web", "" },
                { "GET", "/v1/a/x/b/y", HTTP_MATCH_OK, 7, "x|y", "" },
                { "GET", "/", HTTP_MATCH_OK, 8, "", "" },
                { "GET", "/v1/%67roups", HTTP_MATCH_OK, 0, "", "" }, /* literals compare decoded */
                { "PUT", "/v1/groups", HTTP_MATCH_NO_METHOD, -1, "", "GET, POST" },
                { "GET", "/v1/groups/web/online", HTTP_MATCH_NO_METHOD, -1, "", "POST" },
                { "POST", "/v1/groups/web", HTTP_MATCH_NO_METHOD, -1, "", "GET, PATCH, DELETE" },
                { "get", "/v1/groups", HTTP_MATCH_NO_METHOD, -1, "", "GET, POST" },
                { "GET", "/v1/groups/", HTTP_MATCH_NO_PATH, -1, "", "" }, /* {} needs a non-empty segment */
                { "GET", "/v1/groups/web/", HTTP_MATCH_NO_PATH, -1, "", "" },
                { "GET", "/v1/groups/web/offline", HTTP_MATCH_NO_PATH, -1, "", "" },
                { "GET", "/v1", HTTP_MATCH_NO_PATH, -1, "", "" },
                { "GET", "/v2/groups", HTTP_MATCH_NO_PATH, -1, "", "" },
                { "GET", "//v1/groups", HTTP_MATCH_NO_PATH, -1, "", "" },
                { "GET", "/v1/groups/a%2Fb", HTTP_MATCH_BAD_CAPTURE, 2, "a/b", "" },
                { "GET", "/v1/a/x/b/%2F", HTTP_MATCH_BAD_CAPTURE, 7, "x|/", "" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                assert_int_equal(http_target_parse(cases[i].target, &t, err, sizeof(err)), 0);
                http_route_match(table, cases[i].method, &t, &m);
                if (m.result != cases[i].result)
                        fail_msg("%s %s: result %d, wanted %d", cases[i].method, cases[i].target, m.result,
                                 cases[i].result);
                if (cases[i].route >= 0)
                        assert_ptr_equal(m.route, &table[cases[i].route]);
                char joined[256] = "";
                for (size_t k = 0; m.result != HTTP_MATCH_NO_PATH && m.result != HTTP_MATCH_NO_METHOD &&
                                   k < m.n_params;
                     k++) {
                        if (k)
                                strcat(joined, "|");
                        strcat(joined, t.segments[m.params[k]]);
                }
                assert_string_equal(joined, cases[i].params);
                assert_string_equal(m.allow, cases[i].allow);
                http_target_done(&t);
        }
}

static void test_routes_check(void **state) {
        char err[256];
        const HttpRoute no_slash[] = { { "GET", "v1/x", nop, HTTP_ACCESS_READ }, {} };
        const HttpRoute no_fn[] = { { "GET", "/v1/x", NULL, HTTP_ACCESS_READ }, {} };
        const HttpRoute half_capture[] = { { "GET", "/v1/{x}", nop, HTTP_ACCESS_READ }, {} };
        const HttpRoute brace[] = { { "GET", "/v1/a{}", nop, HTTP_ACCESS_READ }, {} };
        const HttpRoute percent[] = { { "GET", "/v1/a%20", nop, HTTP_ACCESS_READ }, {} };
        const HttpRoute empty_method[] = { { "", "/v1", nop, HTTP_ACCESS_READ }, {} };
        const HttpRoute many[] = { { "GET", "/{}/{}/{}/{}/{}/{}/{}/{}/{}", nop, HTTP_ACCESS_READ }, {} };
        /* A route that says nobody's role is refused: none is open by omission. */
        const HttpRoute no_access[] = { { "GET", "/v1/x", nop, HTTP_ACCESS_UNSET }, {} };
        const HttpRoute odd_access[] = { { "GET", "/v1/x", nop, (HttpAccess) 42 }, {} };
        const HttpRoute *bad[] = { no_slash, no_fn, half_capture, brace, percent, empty_method, many, no_access,
                                   odd_access };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                err[0] = '\0';
                assert_int_equal(http_routes_check(bad[i], err, sizeof(err)), -EINVAL);
                assert_true(err[0] != '\0');
        }
        assert_int_equal(http_routes_check(NULL, err, sizeof(err)), -EINVAL);
        const HttpRoute empty[] = { {} };
        assert_int_equal(http_routes_check(empty, err, sizeof(err)), 0);
}

static void test_access_names(void **state) {
        assert_int_equal(http_access_from_name("read"), HTTP_ACCESS_READ);
        assert_int_equal(http_access_from_name("operator"), HTTP_ACCESS_OPERATOR);
        assert_int_equal(http_access_from_name("admin"), HTTP_ACCESS_ADMIN);
        /* public is a route's, never a token's role */
        assert_int_equal(http_access_from_name("public"), HTTP_ACCESS_UNSET);
        assert_int_equal(http_access_from_name("Admin"), HTTP_ACCESS_UNSET);
        assert_int_equal(http_access_from_name(""), HTTP_ACCESS_UNSET);
        assert_int_equal(http_access_from_name(NULL), HTTP_ACCESS_UNSET);
        assert_null(http_access_name(HTTP_ACCESS_UNSET));
        assert_string_equal(http_access_name(HTTP_ACCESS_OPERATOR), "operator");
        assert_true(HTTP_ACCESS_PUBLIC < HTTP_ACCESS_READ && HTTP_ACCESS_READ < HTTP_ACCESS_OPERATOR &&
                    HTTP_ACCESS_OPERATOR < HTTP_ACCESS_ADMIN);
}

static void test_listen_parse(void **state) {
        static const struct {
                const char *address;
                int family;
                unsigned port;
        } good[] = {
                { "*:7443", AF_INET6, 7443 },       { "127.0.0.1:1", AF_INET, 1 },
                { "[::1]:65535", AF_INET6, 65535 }, { "0.0.0.0:80", AF_INET, 80 },
        };
        static const char *const bad[] = { "", "7443", ":7443", "*:", "*:0", "*:65536", "*:74x3", "localhost:7443",
                                           "::1:7443", "[::1]", "[::1]:", "[nope]:1", "1.2.3.4.5:1", "*:-1" };
        struct sockaddr_storage sa;
        socklen_t len;
        char err[256];
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                assert_int_equal(http_listen_parse(good[i].address, &sa, &len, err, sizeof(err)), 0);
                assert_int_equal(sa.ss_family, good[i].family);
                unsigned port = ntohs(sa.ss_family == AF_INET ? ((struct sockaddr_in *) &sa)->sin_port
                                                              : ((struct sockaddr_in6 *) &sa)->sin6_port);
                assert_int_equal(port, good[i].port);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                err[0] = '\0';
                if (http_listen_parse(bad[i], &sa, &len, err, sizeof(err)) != -EINVAL)
                        fail_msg("%s was taken", bad[i]);
                assert_non_null(strstr(err, "HOST:PORT"));
        }
}

static void test_peer_allowed(void **state) {
        gid_t groups[] = { 10, SOME_GID, 20 };
        assert_true(http_peer_allowed(0, 0, NULL, 0, HTTP_NO_GID));
        assert_true(http_peer_allowed(0, 5, NULL, 0, SOME_GID));
        assert_false(http_peer_allowed(1000, 1000, NULL, 0, HTTP_NO_GID));
        assert_false(http_peer_allowed(1000, SOME_GID, groups, 3, HTTP_NO_GID));
        assert_true(http_peer_allowed(1000, SOME_GID, NULL, 0, SOME_GID));
        assert_true(http_peer_allowed(1000, 1000, groups, 3, SOME_GID));
        assert_false(http_peer_allowed(1000, 1000, groups, 1, SOME_GID));
        assert_false(http_peer_allowed(1000, 1000, NULL, 0, SOME_GID));
}

static void test_peer_status_groups(void **state) {
        gid_t *g = NULL;
        size_t n = 99;
        assert_int_equal(http_peer_parse_status_groups("Name:\tx\nUid:\t0\nGroups:\t4 24 4242 \nNgid:\t0\n", &g, &n), 0);
        assert_int_equal(n, 3);
        assert_int_equal(g[0], 4);
        assert_int_equal(g[1], 24);
        assert_int_equal(g[2], 4242);
        free(g);
        g = NULL;
        assert_int_equal(http_peer_parse_status_groups("Uid:\t0\nGroups:\t\nGid:\t0\n", &g, &n), 0);
        assert_int_equal(n, 0);
        assert_null(g);
        assert_int_equal(http_peer_parse_status_groups("Groups:\t7", &g, &n), 0);
        assert_int_equal(n, 1);
        free(g);
        g = NULL;
        assert_int_equal(http_peer_parse_status_groups("Uid:\t0\nGid:\t0\n", &g, &n), -ENOENT);
        assert_int_equal(http_peer_parse_status_groups("Groups:\t4 x\n", &g, &n), -EINVAL);
        assert_int_equal(http_peer_parse_status_groups("Groups:\t-1\n", &g, &n), -EINVAL);
        assert_int_equal(http_peer_parse_status_groups("Groups:\t4294967295\n", &g, &n), -EINVAL);
        assert_int_equal(http_peer_parse_status_groups("Groups:\t99999999999999999999\n", &g, &n), -EINVAL);
        assert_int_equal(http_peer_parse_status_groups("XGroups:\t1\n", &g, &n), -ENOENT);
        assert_null(g);

        /* This process, as the kernel says. */
        char buf[8192];
        int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        ssize_t k = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        assert_true(k > 0);
        buf[k] = '\0';
        gid_t mine[256];
        int nmine = getgroups(256, mine);
        assert_true(nmine >= 0);
        assert_int_equal(http_peer_parse_status_groups(buf, &g, &n), 0);
        assert_int_equal(n, (size_t) nmine);
        for (size_t i = 0; i < n; i++)
                assert_int_equal(g[i], mine[i]);
        free(g);
}

/* A socketpair's peer is this process: SO_PEERCRED and SO_PEERGROUPS say so. */
static void test_peer_from_fd(void **state) {
        int sv[2];
        HttpPeer p;
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_equal(http_peer_from_fd(sv[0], HTTP_NO_GID, &p), 0);
        assert_int_equal(p.pid, getpid());
        assert_int_equal(p.uid, geteuid());
        assert_int_equal(p.gid, getegid());
        assert_int_equal(p.authorised, geteuid() == 0);

        gid_t *g = NULL, mine[256];
        size_t n = 0;
        int nmine = getgroups(256, mine);
        assert_int_equal(http_peer_groups(sv[0], getpid(), &g, &n), 0);
        assert_int_equal(n, (size_t) nmine);
        free(g);
        close(sv[0]);
        close(sv[1]);

        /* Not a socket. */
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_true(http_peer_from_fd(fd, HTTP_NO_GID, &p) < 0);
        close(fd);
}

/* ------------------------------------------------------------------ */
/* Over the socket                                                     */

static void test_routing(void **state) {
        Fixture *f = fixture_start();
        Resp r = request(f, "GET", "/v1/echo/web%20site/x%3Fy?q=a+b%26c&r=%E2%82%AC&q=second", NULL);
        assert_int_equal(r.status, 200);
        assert_true(resp_header_is(&r, "Content-Type", "application/json"));
        json_t *v = resp_json(&r);
        assert_string_equal(json_string_value(json_object_get(v, "method")), "GET");
        assert_string_equal(json_string_value(json_object_get(v, "path")), "/v1/echo/web%20site/x%3Fy");
        assert_string_equal(json_string_value(json_object_get(v, "a")), "web site");
        assert_string_equal(json_string_value(json_object_get(v, "b")), "x?y");
        assert_string_equal(json_string_value(json_object_get(v, "q")), "a b&c");
        assert_string_equal(json_string_value(json_object_get(v, "r")), "\xe2\x82\xac");
        assert_true(json_is_null(json_object_get(v, "body")) || !json_object_get(v, "body"));
        assert_int_equal(json_integer_value(json_object_get(v, "uid")), geteuid());
        json_decref(v);
        resp_done(&r);

        /* A body reaches the handler. */
        r = request(f, "POST", "/v1/echo/a/b", "{\"name\": \"web\", \"n\": [1, 2]}");
        assert_int_equal(r.status, 200);
        v = resp_json(&r);
        assert_string_equal(json_string_value(json_object_get(v, "method")), "POST");
        assert_true(json_is_null(json_object_get(v, "q")));
        json_t *body = json_object_get(v, "body");
        assert_string_equal(json_string_value(json_object_get(body, "name")), "web");
        assert_int_equal(json_array_size(json_object_get(body, "n")), 2);
        json_decref(v);
        resp_done(&r);

        /* An empty body is no body. */
        r = request(f, "POST", "/v1/echo/a/b", "");
        assert_int_equal(r.status, 200);
        v = resp_json(&r);
        assert_true(json_is_null(json_object_get(v, "body")));
        json_decref(v);
        resp_done(&r);

        /* No body in the answer. */
        r = request(f, "DELETE", "/v1/echo/a/b", NULL);
        assert_int_equal(r.status, 204);
        assert_int_equal(r.body_len, 0);
        resp_done(&r);

        /* A handler's error, with its property. */
        r = request(f, "GET", "/v1/invalid", NULL);
        assert_error(&r, 422, "invalid", "StopTimeout=soon is not a duration");
        v = resp_json(&r);
        assert_string_equal(json_string_value(json_object_get(json_object_get(v, "error"), "property")),
                            "StopTimeout");
        json_decref(v);
        resp_done(&r);

        /* Two requests on one connection, sent at once. */
        const char two[] = "GET /v1/echo HTTP/1.1\r\nHost: x\r\n\r\n"
                           "GET /v1/echo?q=2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        r = exchange(f->path, two, sizeof(two) - 1);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(r.body, "HTTP/1.1 200"));
        assert_non_null(strstr(r.body, "\"q\":\"2\""));
        resp_done(&r);

        assert_int_equal(atomic_load(&f->handled), 5);
        fixture_stop(f);
}

static void test_not_found_and_method(void **state) {
        Fixture *f = fixture_start();
        Resp r = request(f, "GET", "/v1/nothing", NULL);
        assert_error(&r, 404, "not_found", "/v1/nothing");
        resp_done(&r);

        r = request(f, "GET", "/v1/echo/a", NULL);
        assert_error(&r, 404, "not_found", NULL);
        resp_done(&r);

        r = request(f, "PUT", "/v1/echo/a/b", NULL);
        assert_error(&r, 405, "method_not_allowed", "GET, POST, DELETE");
        assert_true(resp_header_is(&r, "Allow", "GET, POST, DELETE"));
        resp_done(&r);

        /* The route is refused before the body is read. */
        r = request(f, "PATCH", "/v1/later", "{}");
        assert_error(&r, 405, "method_not_allowed", NULL);
        assert_true(resp_header_is(&r, "Allow", "GET"));
        resp_done(&r);

        r = request(f, "GET", "/v1/echo/a%2Fb/c", NULL);
        assert_error(&r, 400, "bad_request", "may not contain '/'");
        resp_done(&r);

        r = request(f, "GET", "/v1/echo/a%zz/c", NULL);
        assert_error(&r, 400, "bad_request", "%-escape");
        resp_done(&r);

        r = request(f, "GET", "/v1/echo?q=%", NULL);
        assert_error(&r, 400, "bad_request", "query");
        resp_done(&r);

        static const char *const not_utf8[] = { "/v1/echo/%E9/c", "/v1/echo?q=%E9" };
        for (size_t i = 0; i < ELEMENTSOF(not_utf8); i++) {
                r = request(f, "GET", not_utf8[i], NULL);
                assert_error(&r, 400, "bad_request", "byte 0xe9");
                resp_done(&r);
        }

        /* An error message that quotes bytes that are not UTF-8 still goes
         * out as the error it is, with the bad bytes marked. */
        r = request(f, "GET", "/v1/bad-text", NULL);
        assert_error(&r, 422, "invalid", "value \"caf?!\" refused");
        resp_done(&r);

        assert_int_equal(atomic_load(&f->handled), 0);
        fixture_stop(f);
}

static void test_bad_bodies(void **state) {
        Fixture *f = fixture_start();
        Resp r = request(f, "POST", "/v1/echo/a/b", "{\"name\": \"web\",\n  oops}");
        assert_error(&r, 400, "bad_request", "not valid JSON: line 2, column");
        resp_done(&r);

        r = request(f, "POST", "/v1/echo/a/b", "[1, 2]");
        assert_error(&r, 400, "bad_request", "must be a JSON object, not an array");
        resp_done(&r);

        r = request(f, "POST", "/v1/echo/a/b", "\"text\"");
        assert_error(&r, 400, "bad_request", "not a string");
        resp_done(&r);

        r = request(f, "POST", "/v1/echo/a/b", "{\"a\":1,\"a\":2}");
        assert_error(&r, 400, "bad_request", "duplicate");
        resp_done(&r);

        r = request(f, "POST", "/v1/echo/a/b", "{} {}");
        assert_error(&r, 400, "bad_request", "line 1");
        resp_done(&r);

        /* A NUL inside the body. */
        const char nul[] = "POST /v1/echo/a/b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                           "Content-Length: 11\r\n\r\n{\"a\":\"\0\"}  ";
        r = exchange(f->path, nul, sizeof(nul) - 1);
        assert_error(&r, 400, "bad_request", "not valid JSON");
        resp_done(&r);

        assert_int_equal(atomic_load(&f->handled), 0);
        fixture_stop(f);
}

static void test_too_large(void **state) {
        Fixture *f = fixture_start();

        /* Announced: refused before it is sent. */
        const char announced[] = "POST /v1/size HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                 "Content-Length: 1048577\r\n\r\n";
        Resp r = exchange(f->path, announced, sizeof(announced) - 1);
        assert_error(&r, 413, "too_large", "1048577 bytes");
        resp_done(&r);

        /* Exactly 1 MiB is fine. */
        size_t total = 1024 * 1024;
        char *body = malloc(total + 1);
        assert_non_null(body);
        memset(body, 'x', total);
        memcpy(body, "{\"a\":\"", 6);
        memcpy(body + total - 2, "\"}", 2);
        body[total] = '\0';
        r = request(f, "POST", "/v1/size", body);
        assert_int_equal(r.status, 200);
        json_t *v = resp_json(&r);
        assert_int_equal(json_integer_value(json_object_get(v, "len")), total - 8);
        json_decref(v);
        resp_done(&r);

        /* Chunked, without a length: read and dropped past 1 MiB, then 413. */
        size_t n = 0, cap = total + 4096 + 64 * 1024;
        char *req = malloc(cap);
        assert_non_null(req);
        n += (size_t) sprintf(req, "POST /v1/size HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                   "Transfer-Encoding: chunked\r\n\r\n");
        for (size_t sent = 0; sent < total + 1; sent += 64 * 1024 - 1) {
                n += (size_t) sprintf(req + n, "%x\r\n", 64 * 1024 - 1);
                memset(req + n, 'x', 64 * 1024 - 1);
                n += 64 * 1024 - 1;
                n += (size_t) sprintf(req + n, "\r\n");
                if (n + 64 * 1024 + 16 > cap) {
                        cap *= 2;
                        req = realloc(req, cap);
                        assert_non_null(req);
                }
        }
        n += (size_t) sprintf(req + n, "0\r\n\r\n");
        r = exchange(f->path, req, n);
        assert_error(&r, 413, "too_large", "larger than the 1048576 bytes allowed");
        resp_done(&r);
        free(req);
        free(body);

        fixture_stop(f);
}

static void test_later(void **state) {
        Fixture *f = fixture_start();
        Resp r = request(f, "GET", "/v1/later", NULL);
        assert_int_equal(r.status, 200);
        json_t *v = resp_json(&r);
        assert_true(json_is_true(json_object_get(v, "late")));
        json_decref(v);
        resp_done(&r);

        /* Several at once, each answered on its own. */
        int fds[4];
        const char req[] = "GET /v1/later HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        for (int i = 0; i < 4; i++) {
                fds[i] = unix_connect(f->path);
                assert_true(fds[i] >= 0);
                assert_true(write_all(fds[i], req, sizeof(req) - 1));
        }
        for (int i = 3; i >= 0; i--) {
                size_t len;
                char *raw = read_until(fds[i], NULL, &len);
                parse_response(raw, len, &r);
                assert_int_equal(r.status, 200);
                assert_non_null(strstr(r.body, "\"late\":true"));
                resp_done(&r);
                close(fds[i]);
        }
        fixture_stop(f);
}

/* The client leaves once the handler holds its request, before the answer. */
static void leave_early(Fixture *f, const char *target) {
        char req[256];
        int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", target);
        int handled = atomic_load(&f->handled);
        int fd = unix_connect(f->path);
        assert_true(fd >= 0);
        assert_true(write_all(fd, req, (size_t) n));
        assert_true(wait_for(&f->handled, handled + 1));
        close(fd);
}

static void test_gone_before_answer(void **state) {
        Fixture *f = fixture_start();

        /* With on_gone: told at once (well before the 400 ms answer). */
        leave_early(f, "/v1/late-gone");
        assert_true(wait_for(&f->gone, 1));
        msleep(500);
        assert_int_equal(atomic_load(&f->late), 0); /* on_gone cancelled it */

        /* Without on_gone: the answer comes and is dropped. */
        leave_early(f, "/v1/late-unwatched");
        assert_true(wait_for(&f->late, 1));
        assert_int_equal(atomic_load(&f->gone), 1);

        /* The server still serves. */
        Resp r = request(f, "GET", "/v1/echo", NULL);
        assert_int_equal(r.status, 200);
        resp_done(&r);
        assert_int_equal(atomic_load(&f->handled), 3);
        fixture_stop(f);
}

/* A client of GET /v1/events?<query>: its socket, the request sent. */
static int events_connect(Fixture *f, const char *query) {
        char req[128];
        int n = snprintf(req, sizeof req, "GET /v1/events?%s HTTP/1.1\r\nHost: x\r\n\r\n", query);
        int fd = unix_connect(f->path);
        assert_true(fd >= 0);
        assert_true(write_all(fd, req, (size_t) n));
        return fd;
}

static void test_events(void **state) {
        Fixture *f = fixture_start();
        Resp r = request(f, "GET", "/v1/events", NULL);
        assert_int_equal(r.status, 200);
        assert_true(resp_header_is(&r, "Content-Type", "text/event-stream"));
        assert_true(resp_header_is(&r, "Cache-Control", "no-cache"));
        assert_string_equal(r.body, "data: {\"n\":1}\n\ndata: {\"n\":2}\n\ndata: {\"n\":3}\n\n");
        resp_done(&r);
        assert_true(wait_for(&f->stream_closed, 1));
        assert_int_equal(atomic_load(&f->stream_gone), 0);
        fixture_stop(f);
}

static void test_events_client_leaves(void **state) {
        Fixture *f = fixture_start();
        int fd = events_connect(f, "keep=1");
        char *got = read_until(fd, "data: {\"n\":3}", NULL);
        assert_non_null(strstr(got, "data: {\"n\":2}"));
        free(got);
        close(fd);
        assert_true(wait_for(&f->stream_gone, 1));
        assert_true(wait_for(&f->streams_open, 0));
        fixture_stop(f);
}

static void test_events_keepalive(void **state) {
        Fixture *f = fixture_start_with(100000, 0, HTTP_NO_GID);
        int fd = events_connect(f, "idle=1");
        char *got = read_until(fd, ": keepalive\n\n", NULL);
        assert_non_null(strstr(got, "text/event-stream"));
        assert_non_null(strstr(got, ": keepalive\n\n"));
        free(got);
        /* And again: the stream goes on. */
        got = read_until(fd, ": keepalive\n\n", NULL);
        assert_non_null(strstr(got, ": keepalive\n\n"));
        free(got);
        close(fd);
        assert_true(wait_for(&f->stream_gone, 1));
        fixture_stop(f);
}

static void test_events_slow_client(void **state) {
        Fixture *f = fixture_start_with(0, 256 * 1024, HTTP_NO_GID);
        int fd = events_connect(f, "flood=1");
        /* Not reading: the queue fills and the client is cut off. */
        assert_true(wait_for(&f->send_error, -ENOBUFS));
        assert_true(wait_for(&f->stream_gone, 1));
        /* What was sent arrives, then the end. */
        size_t len;
        char *got = read_until(fd, NULL, &len);
        assert_true(len > 0);
        assert_non_null(strstr(got, "data: {\"n\":1,"));
        free(got);
        close(fd);
        fixture_stop(f);
}

/* Clients that do not read, each far from its own limit (4 MiB): their
 * queues together stay within the streams' memory bound, the ones
 * furthest behind are cut for it, and a client that reads keeps its
 * stream. */
static void test_events_memory_bound(void **state) {
        enum { SLOW = 4 };
        const size_t bound = 256 * 1024;
        Fixture *f = fixture_start_full(0, 0, bound, HTTP_NO_GID, 0);
        int fds[SLOW];
        for (int i = 0; i < SLOW; i++)
                fds[i] = events_connect(f, "flood=1");
        assert_true(wait_for(&f->stream_cut_for_memory, SLOW));
        assert_true(wait_for(&f->stream_gone, SLOW));
        assert_true(atomic_load(&f->stream_memory_peak) <= bound);
        for (int i = 0; i < SLOW; i++)
                close(fds[i]);

        /* A client that reads is never the one furthest behind. */
        int fd = events_connect(f, "keep=1");
        char *got = read_until(fd, "data: {\"n\":3}", NULL);
        free(got);
        close(fd);
        assert_true(wait_for(&f->stream_gone, SLOW + 1));
        assert_int_equal(atomic_load(&f->stream_cut_for_memory), SLOW);
        fixture_stop(f);
}

static void test_events_server_stops(void **state) {
        Fixture *f = fixture_start();
        int fd = events_connect(f, "idle=1");
        char *got = read_until(fd, "\r\n\r\n", NULL);
        free(got);
        assert_true(wait_for(&f->streams_open, 1));
        /* Freeing the server tells the stream's user. */
        fixture_stop(f);
        close(fd);
}

static void test_malformed(void **state) {
        Fixture *f = fixture_start();
        const char *garbage[] = {
                "\x01\x02\x03 garbage\r\n\r\n",
                "GET\r\n\r\n",
                "GET /v1/echo HTTP/9.9\r\nHost: x\r\n\r\n",
                "GET v1/echo HTTP/1.1\r\nHost: x\r\n\r\n",  /* not a path */
                "GET * HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
                "GET /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n{",
                "POST /v1/echo/a/b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                "GET /v1/echo/%/%%%% HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /v1/echo HTTP/1.1\r\nHost: x\r\nBad header line\r\n\r\n",
                "",
        };
        for (size_t i = 0; i < ELEMENTSOF(garbage); i++) {
                int fd = unix_connect(f->path);
                assert_true(fd >= 0);
                assert_true(write_all(fd, garbage[i], strlen(garbage[i])));
                /* Whatever comes back, if anything, must not be a 200. */
                struct pollfd p = { .fd = fd, .events = POLLIN };
                if (poll(&p, 1, 200) > 0) {
                        char buf[4096];
                        ssize_t k = read(fd, buf, sizeof(buf) - 1);
                        if (k > 0) {
                                buf[k] = '\0';
                                if (strstr(buf, " 200 "))
                                        fail_msg("request %zu was answered: %s", i, buf);
                        }
                }
                close(fd);
        }
        /* A header block too large for the connection's memory. */
        size_t big = 256 * 1024;
        char *huge = malloc(big + 64);
        assert_non_null(huge);
        int n = sprintf(huge, "GET /v1/echo HTTP/1.1\r\nHost: x\r\nX: ");
        memset(huge + n, 'a', big);
        strcpy(huge + n + big, "\r\n\r\n");
        int fd = unix_connect(f->path);
        assert_true(fd >= 0);
        (void) write_all(fd, huge, strlen(huge)); /* may be cut off midway */
        free(huge);
        close(fd);

        Resp r = request(f, "GET", "/v1/echo", NULL);
        assert_int_equal(r.status, 200);
        resp_done(&r);
        assert_int_equal(atomic_load(&f->handled), 1);
        fixture_stop(f);
}

/* ------------------------------------------------------------------ */
/* Access by credentials                                               */

/* In a child: become uid/gid with the given supplementary groups, send a
 * GET; the answer's status comes back as the exit code (1: 200, 2: 403). */
static int status_as(const char *path, uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (setgroups(n_groups, groups) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
                        _exit(1);
                int fd = unix_connect(path);
                if (fd < 0)
                        _exit(2);
                const char req[] = "GET /v1/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
                if (!write_all(fd, req, sizeof(req) - 1))
                        _exit(3);
                char buf[4096];
                size_t len = 0;
                ssize_t k;
                while (len < sizeof(buf) - 1 && (k = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
                        len += (size_t) k;
                buf[len] = '\0';
                if (strncmp(buf, "HTTP/1.1 ", 9) != 0)
                        _exit(4);
                int status = atoi(buf + 9);
                if (status == 403 && !strstr(buf, "\"code\":\"forbidden\""))
                        _exit(5);
                _exit(status == 200 ? 10 : status == 403 ? 20 : 30);
        }
        int st;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_true(WIFEXITED(st));
        switch (WEXITSTATUS(st)) {
        case 10:
                return 200;
        case 20:
                return 403;
        default:
                fail_msg("client child ended with %d", WEXITSTATUS(st));
        }
        return -1;
}

static void test_forbidden(void **state) {
        Fixture *f = fixture_start();
        /* Let nobody reach the socket, to be refused by credentials. */
        assert_int_equal(chmod(f->path, 0666), 0);
        gid_t none[] = { 0 };
        assert_int_equal(status_as(f->path, NOBODY, NOBODY, none, 0), 403);
        /* root's groups do not make nobody root. */
        gid_t root_group[] = { 0 };
        assert_int_equal(status_as(f->path, NOBODY, NOBODY, root_group, 1), 403);
        assert_int_equal(status_as(f->path, 0, 0, none, 0), 200);
        assert_int_equal(atomic_load(&f->handled), 1);
        fixture_stop(f);
}

static void test_access_group(void **state) {
        Fixture *f = fixture_start_with(0, 0, SOME_GID);
        assert_int_equal(chmod(f->path, 0666), 0);
        gid_t in_group[] = { 100, SOME_GID };
        gid_t other[] = { 100, SOME_GID + 1 };
        /* Supplementary member. */
        assert_int_equal(status_as(f->path, NOBODY, NOBODY, in_group, 2), 200);
        /* Primary member. */
        assert_int_equal(status_as(f->path, NOBODY, SOME_GID, other, 0), 200);
        /* Neither. */
        assert_int_equal(status_as(f->path, NOBODY, NOBODY, other, 2), 403);
        assert_int_equal(atomic_load(&f->handled), 2);
        fixture_stop(f);
}

/* ------------------------------------------------------------------ */
/* The socket path                                                     */

static void test_socket_mode_and_stale(void **state) {
        Fixture d;
        fixture_dir(&d);
        sd_event *e = NULL;
        HttpServer *s = NULL;
        char err[256] = "";
        struct stat st;

        /* A socket nobody listens on any more. */
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d.path);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_int_equal(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        close(fd);

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(http_server_new(e, d.path, routes, NULL, &s, err, sizeof(err)), 0);
        assert_int_equal(lstat(d.path, &st), 0);
        assert_true(S_ISSOCK(st.st_mode));
        fd = unix_connect(d.path); /* live now: someone listens */
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(st.st_mode & 07777, 0660);
        struct group *g = getgrnam("wolfpack");
        if (g)
                assert_int_equal(st.st_gid, g->gr_gid);

        /* A second server on the same path is refused: this one answers. */
        HttpServer *s2 = NULL;
        assert_int_equal(http_server_new(e, d.path, routes, NULL, &s2, err, sizeof(err)), -EADDRINUSE);
        assert_null(s2);
        assert_non_null(strstr(err, "another server is listening on"));
        assert_int_equal(lstat(d.path, &st), 0);

        s = http_server_free(s);
        assert_int_equal(access(d.path, F_OK), -1);

        /* Not a socket: left alone. */
        fd = open(d.path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(http_server_new(e, d.path, routes, NULL, &s, err, sizeof(err)), -EEXIST);
        assert_non_null(strstr(err, "is not a socket"));
        assert_int_equal(unlink(d.path), 0);

        /* A path too long for a unix socket; a directory that is not there. */
        char longpath[200];
        memset(longpath, 'a', sizeof(longpath) - 1);
        longpath[0] = '/';
        longpath[sizeof(longpath) - 1] = '\0';
        assert_int_equal(http_server_new(e, longpath, routes, NULL, &s, err, sizeof(err)), -ENAMETOOLONG);
        char missing[160];
        snprintf(missing, sizeof(missing), "%s/no/such.sock", d.dir);
        assert_int_equal(http_server_new(e, missing, routes, NULL, &s, err, sizeof(err)), -ENOENT);
        assert_non_null(strstr(err, "does its directory exist"));

        /* Bad route tables are refused. */
        const HttpRoute bad[] = { { "GET", "v1", nop, HTTP_ACCESS_READ }, {} };
        assert_int_equal(http_server_new(e, d.path, bad, NULL, &s, err, sizeof(err)), -EINVAL);
        assert_null(s);

        sd_event_unref(e);
        assert_int_equal(rmdir(d.dir), 0);
}

static void test_live_socket_not_stolen(void **state) {
        Fixture d;
        fixture_dir(&d);
        sd_event *e = NULL;
        HttpServer *s = NULL;
        char err[256] = "";

        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d.path);
        int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_int_equal(bind(lfd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        assert_int_equal(listen(lfd, 8), 0);

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(http_server_new(e, d.path, routes, NULL, &s, err, sizeof(err)), -EADDRINUSE);
        assert_null(s);
        assert_non_null(strstr(err, d.path));
        assert_non_null(strstr(err, "stop it first"));

        /* The other server still has its socket. */
        int c = unix_connect(d.path);
        assert_true(c >= 0);
        close(c);
        close(lfd);
        assert_int_equal(unlink(d.path), 0);
        sd_event_unref(e);
        assert_int_equal(rmdir(d.dir), 0);
}

/* ------------------------------------------------------------------ */
/* Freeing the server with requests and streams held                   */

typedef struct Held {
        HttpRequest *watched, *unwatched;
        HttpStream *stream;
        int gone, stream_gone, calls;
} Held;

static void held_gone(HttpRequest *r, void *userdata) {
        Held *h = userdata;
        assert_ptr_equal(r, h->watched);
        /* Answering from on_gone is allowed and dropped. */
        http_reply(r, 200, json_object());
        h->watched = NULL;
        h->gone++;
}

static void held_stream_gone(HttpStream *st, void *userdata) {
        Held *h = userdata;
        h->stream = NULL;
        h->stream_gone++;
}

static void h_hold(HttpRequest *r, void *userdata) {
        Held *h = userdata;
        h->calls++;
        if (strcmp(http_request_path(r), "/watched") == 0) {
                h->watched = r;
                http_request_on_gone(r, held_gone, h);
        } else if (strcmp(http_request_path(r), "/stream") == 0)
                h->stream = http_stream_start(r, held_stream_gone, h);
        else
                h->unwatched = r;
}

static void test_connection_max(void **state) {
        /* A quarter of the descriptors (at least 64) stay with wolfpackd. */
        assert_int_equal(http_connection_max(1024), 768);
        assert_int_equal(http_connection_max(256), 192);
        assert_int_equal(http_connection_max(200), 136);
        assert_int_equal(http_connection_max(8192), HTTP_CONNECTIONS_MAX);
        assert_int_equal(http_connection_max(UINT64_MAX), HTTP_CONNECTIONS_MAX);
        assert_int_equal(http_connection_max(64), HTTP_CONNECTIONS_MIN);
        assert_int_equal(http_connection_max(0), HTTP_CONNECTIONS_MIN);
}

/* A connection the server has taken: one keep-alive exchange answered. */
static int served_connection(const char *path) {
        static const char req[] = "GET /v1/echo HTTP/1.1\r\nHost: x\r\n\r\n";
        int fd = unix_connect(path);
        assert_true(fd >= 0);
        assert_true(write_all(fd, req, sizeof(req) - 1));
        char *raw = read_until(fd, "}", NULL);
        assert_non_null(strstr(raw, "HTTP/1.1 200"));
        free(raw);
        return fd;
}

static void test_connection_cap(void **state) {
        Fixture *f = fixture_start_capped(0, 0, HTTP_NO_GID, 2);
        int a = served_connection(f->path);
        int b = served_connection(f->path);

        /* Over the cap: told at once, in the API's error shape. */
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        Resp r = request(f, "GET", "/v1/echo", NULL);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        assert_error(&r, 503, "busy", "maximum of 2 connections");
        assert_true(resp_header_is(&r, "Connection", "close"));
        assert_true(t1.tv_sec - t0.tv_sec < 2);
        resp_done(&r);

        /* A refused client that sends nothing is not kept for long. */
        int idle = unix_connect(f->path);
        assert_true(idle >= 0);
        char *raw = read_until(idle, NULL, NULL);
        assert_non_null(strstr(raw, "HTTP/1.1 503"));
        free(raw);
        close(idle);

        /* The connections it serves still work; once one closes, a new one
         * is served. */
        static const char again[] = "GET /v1/echo HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_true(write_all(a, again, sizeof(again) - 1));
        raw = read_until(a, "}", NULL);
        assert_non_null(strstr(raw, "HTTP/1.1 200"));
        free(raw);
        close(a);
        for (int i = 0; i < 100; i++) {
                r = request(f, "GET", "/v1/echo", NULL);
                int status = r.status;
                resp_done(&r);
                if (status == 200)
                        break;
                assert_int_equal(status, 503);
                usleep(10000);
        }
        r = request(f, "GET", "/v1/echo", NULL);
        assert_int_equal(r.status, 200);
        resp_done(&r);
        close(b);
        fixture_stop(f);
}

static void test_free_with_held(void **state) {
        static const HttpRoute hold_routes[] = {
                { "GET", "/watched", h_hold, HTTP_ACCESS_READ },
                { "GET", "/unwatched", h_hold, HTTP_ACCESS_READ },
                { "GET", "/stream", h_hold, HTTP_ACCESS_READ },
                {},
        };
        Fixture d;
        fixture_dir(&d);
        sd_event *e = NULL;
        HttpServer *s = NULL;
        Held h = {};
        char err[256];

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(http_server_new(e, d.path, hold_routes, &h, &s, err, sizeof(err)), 0);

        /* Three clients in a child, each waiting for its answer. */
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                const char *targets[] = { "/watched", "/unwatched", "/stream" };
                int fds[3];
                for (int i = 0; i < 3; i++) {
                        char req[128];
                        int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", targets[i]);
                        fds[i] = unix_connect(d.path);
                        if (fds[i] < 0 || !write_all(fds[i], req, (size_t) n))
                                _exit(1);
                }
                char buf[4096];
                for (int i = 0; i < 3; i++)
                        while (read(fds[i], buf, sizeof(buf)) > 0)
                                ;
                _exit(0);
        }
        for (int i = 0; i < 500 && (h.calls < 3 || !h.stream); i++)
                assert_true(sd_event_run(e, 10000) >= 0);
        assert_int_equal(h.calls, 3);
        assert_non_null(h.watched);
        assert_non_null(h.unwatched);
        assert_non_null(h.stream);
        /* Let the stream's response go out and its reader go to sleep. */
        for (int i = 0; i < 10; i++)
                assert_true(sd_event_run(e, 10000) >= 0);

        s = http_server_free(s);
        assert_int_equal(h.gone, 1);
        assert_null(h.watched);
        assert_int_equal(h.stream_gone, 1);
        assert_null(h.stream);
        /* Held without on_gone: still valid, the answer dropped. */
        assert_string_equal(http_request_path(h.unwatched), "/unwatched");
        http_reply(h.unwatched, 200, json_object());

        int st;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        sd_event_unref(e);
        assert_int_equal(access(d.path, F_OK), -1);
        assert_int_equal(rmdir(d.dir), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_url_decode),
                cmocka_unit_test(test_target_parse),
                cmocka_unit_test(test_utf8_valid),
                cmocka_unit_test(test_route_match),
                cmocka_unit_test(test_routes_check),
                cmocka_unit_test(test_peer_allowed),
                cmocka_unit_test(test_peer_status_groups),
                cmocka_unit_test(test_peer_from_fd),
                cmocka_unit_test(test_routing),
                cmocka_unit_test(test_not_found_and_method),
                cmocka_unit_test(test_bad_bodies),
                cmocka_unit_test(test_too_large),
                cmocka_unit_test(test_later),
                cmocka_unit_test(test_gone_before_answer),
                cmocka_unit_test(test_events),
                cmocka_unit_test(test_events_client_leaves),
                cmocka_unit_test(test_events_keepalive),
                cmocka_unit_test(test_events_slow_client),
                cmocka_unit_test(test_events_memory_bound),
                cmocka_unit_test(test_events_server_stops),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_forbidden),
                cmocka_unit_test(test_access_group),
                cmocka_unit_test(test_socket_mode_and_stale),
                cmocka_unit_test(test_live_socket_not_stolen),
                cmocka_unit_test(test_free_with_held),
                cmocka_unit_test(test_connection_max),
                cmocka_unit_test(test_connection_cap),
                cmocka_unit_test(test_access_names),
                cmocka_unit_test(test_listen_parse),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
