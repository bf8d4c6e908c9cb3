/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * HTTP to wolfpackd with libcurl, over its unix socket or to a node's
 * remote API (https, the cluster's CA, a bearer token): JSON requests and
 * the server-sent event stream. Owns the connection, the transport's error
 * messages and the translation of error answers into errnos; never decides
 * what a request means, never prints anything but errors, and never prints
 * the token.
 */
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli-error.h"
#include "cli-http.h"
#include "config.h"
#include "macro.h"
#include "props.h"
#include "time-util.h"

#define BODY_MAX (64u << 20)
#define BASE_URL "http://localhost"
/* A unix socket connects at once or not at all; this bounds the rest. */
#define CONNECT_TIMEOUT_MS 5000L
/* wolfpackd sends a keep-alive on every event stream each 15 s: a stream
 * silent for four of them has a server that stopped. */
#define STREAM_IDLE_USEC (60u * 1000u * 1000u)

struct CliHttp {
        CURL *curl;
        char *socket_path; /* NULL for a remote API */
        char *base;        /* BASE_URL, or the server's https://HOST:PORT */
        char *ca_file;     /* remote: the cluster's CA */
        char *auth;        /* remote: "Authorization: Bearer ..." */
        const char *where; /* socket_path or base, for messages */
        long timeout_ms; /* for an answer, above zero */
        char errbuf[CURL_ERROR_SIZE];
};

typedef struct Buf {
        char *data;
        size_t len, alloc;
        bool too_big;
} Buf;

static size_t buf_write(char *ptr, size_t size, size_t nmemb, void *userdata) {
        Buf *b = userdata;
        size_t n = size * nmemb;
        if (b->len + n + 1 > BODY_MAX) {
                b->too_big = true;
                return 0;
        }
        if (b->len + n + 1 > b->alloc) {
                size_t a = b->alloc ? b->alloc : 4096;
                while (a < b->len + n + 1)
                        a *= 2;
                char *d = realloc(b->data, a);
                if (!d)
                        return 0;
                b->data = d;
                b->alloc = a;
        }
        memcpy(b->data + b->len, ptr, n);
        b->len += n;
        b->data[b->len] = '\0';
        return n;
}

static bool curl_ready = false;

static int http_alloc(wp_usec_t timeout, CliHttp **ret) {
        if (!curl_ready) {
                if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                        return cli_fail(-ENOMEM, "cannot initialise libcurl");
                curl_ready = true;
        }
        CliHttp *h = calloc(1, sizeof *h);
        if (!h)
                return -ENOMEM;
        h->curl = curl_easy_init();
        if (!h->curl) {
                cli_http_free(h);
                return -ENOMEM;
        }
        /* Never 0, which libcurl takes as "no timeout at all". */
        wp_usec_t ms = timeout / 1000;
        h->timeout_ms = ms == 0 ? 1 : ms > (wp_usec_t) LONG_MAX ? LONG_MAX : (long) ms;
        *ret = h;
        return 0;
}

int cli_http_new(const char *socket_path, wp_usec_t timeout, CliHttp **ret) {
        CliHttp *h;
        int r = http_alloc(timeout, &h);
        if (r < 0)
                return r;
        h->socket_path = strdup(socket_path);
        h->base = strdup(BASE_URL);
        if (!h->socket_path || !h->base) {
                cli_http_free(h);
                return -ENOMEM;
        }
        h->where = h->socket_path;
        *ret = h;
        return 0;
}

int cli_http_new_remote(const char *url, const char *ca_file, const char *token, wp_usec_t timeout, CliHttp **ret) {
        CliHttp *h;
        int r = http_alloc(timeout, &h);
        if (r < 0)
                return r;
        size_t n = strlen(url);
        while (n > 0 && url[n - 1] == '/')
                n--;
        h->base = strndup(url, n);
        h->ca_file = strdup(ca_file);
        if (!h->base || !h->ca_file || asprintf(&h->auth, "Authorization: Bearer %s", token) < 0) {
                h->auth = NULL;
                cli_http_free(h);
                return -ENOMEM;
        }
        h->where = h->base;
        *ret = h;
        return 0;
}

CliHttp *cli_http_free(CliHttp *h) {
        if (!h)
                return NULL;
        if (h->curl)
                curl_easy_cleanup(h->curl);
        free(h->socket_path);
        free(h->base);
        free(h->ca_file);
        if (h->auth)
                explicit_bzero(h->auth, strlen(h->auth));
        free(h->auth);
        free(h);
        return NULL;
}

/* Options every request of ours carries. */
static void common_options(CURL *c, const CliHttp *h, char *errbuf) {
        if (h->socket_path) {
                curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, h->socket_path);
                curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
        } else {
                /* TLS only, verified against the cluster's CA alone. */
                curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
                curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
                curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
                curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
                curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
        }
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "wolfpack/" WOLFPACK_VERSION);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        /* Paths come escaped from cli-path.c: sent as built, never
         * normalised ("/v1/groups/x/.." is not "/v1/groups"). */
        curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
        errbuf[0] = '\0';
}

/* The headers of a request: what it accepts and sends, and the token. */
static struct curl_slist *request_headers(const CliHttp *h, const char *accept, bool json_body) {
        struct curl_slist *l = curl_slist_append(NULL, accept);
        if (l && json_body)
                l = curl_slist_append(l, "Content-Type: application/json");
        if (l)
                l = curl_slist_append(l, "Expect:");
        if (l && h->auth)
                l = curl_slist_append(l, h->auth);
        return l;
}

/* Why a connection to path fails, as connect(2) says it: libcurl reports a
 * full backlog (EAGAIN) as a connection that failed with no errno. */
static int connect_errno(const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(path) >= sizeof(sa.sun_path))
                return ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return errno;
        return connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ? errno : 0;
}

/* "within 30s": the bound as people write durations. */
static int no_answer(const char *socket_path, long timeout_ms, bool change) {
        _cleanup_free_ char *d = NULL;
        if (format_duration((wp_usec_t) timeout_ms * 1000, &d) < 0)
                d = NULL;
        return cli_fail(-ETIMEDOUT,
                        "wolfpackd at %s did not answer within %s: it is overloaded or stuck (its log says more)%s; "
                        "--timeout waits longer",
                        socket_path, d ? d : "the timeout",
                        change ? ", and may still carry out the request (`wolfpack status` shows)" : "");
}

/* Print why the request got no answer and return the errno for it. */
static int transport_error(CURL *c, CURLcode code, const CliHttp *h, const char *errbuf, long timeout_ms,
                           bool change) {
        const char *socket_path = h->where;
        long os_errno = 0;
        curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);

        switch (code) {
        case CURLE_PEER_FAILED_VERIFICATION:
                return cli_fail(-EPERM,
                                "%s is not who it says, by the cluster's CA %s: %s (give the CA of this cluster with "
                                "--ca or " CLI_CA_ENV "; a node's certificate must name the host in the URL, see "
                                "`wolfpack cert show` on it)",
                                h->where, h->ca_file, *errbuf ? errbuf : curl_easy_strerror(code));
        case CURLE_SSL_CACERT_BADFILE:
                return cli_fail(-EIO,
                                "cannot read the cluster's CA %s: %s (copy ca.pem from a node's /etc/wolfpack/tls, and "
                                "give it with --ca or " CLI_CA_ENV ")",
                                h->ca_file, *errbuf ? errbuf : curl_easy_strerror(code));
        case CURLE_SSL_CONNECT_ERROR:
                return cli_fail(-ECONNREFUSED, "no TLS with %s: %s (is it a node's remote API, the listen of its "
                                               "wolfpackd.conf?)",
                                h->where, *errbuf ? errbuf : curl_easy_strerror(code));
        case CURLE_UNSUPPORTED_PROTOCOL:
                return cli_fail(-EINVAL, "%s: the remote API speaks https only: give --server https://HOST:PORT",
                                h->where);
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
                if (!h->socket_path)
                        return cli_fail(-ECONNREFUSED, "cannot reach wolfpackd at %s: %s (is its listen set in "
                                                       "wolfpackd.conf, and the port open?)",
                                        h->where,
                                        os_errno > 0 ? strerror((int) os_errno) : *errbuf ? errbuf : curl_easy_strerror(code));
                if (os_errno == 0)
                        os_errno = connect_errno(socket_path);
                if (os_errno == EACCES || os_errno == EPERM)
                        return cli_fail(-EACCES,
                                        "cannot reach wolfpackd at %s: %s (the API is open to root and to members of "
                                        "the wolfpack group)",
                                        socket_path, strerror((int) os_errno));
                if (os_errno == EAGAIN)
                        return cli_fail(-EAGAIN,
                                        "wolfpackd at %s is not accepting connections: the queue of connections "
                                        "waiting for it is full, so it is overloaded or stuck (its log says more); "
                                        "try again later",
                                        socket_path);
                return cli_fail(-ECONNREFUSED,
                                "cannot reach wolfpackd at %s: %s (is it running? --socket or " CLI_SOCKET_ENV
                                " choose another)",
                                socket_path,
                                os_errno > 0 ? strerror((int) os_errno) : *errbuf ? errbuf : curl_easy_strerror(code));
        case CURLE_OPERATION_TIMEDOUT: {
                curl_off_t connected = 0;
                curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connected);
                if (connected == 0)
                        return cli_fail(-ETIMEDOUT,
                                        "wolfpackd at %s did not accept the connection within %ld s: it is "
                                        "overloaded or stuck (its log says more); try again later",
                                        socket_path, CONNECT_TIMEOUT_MS / 1000);
                return no_answer(socket_path, timeout_ms, change);
        }
        case CURLE_GOT_NOTHING:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_PARTIAL_FILE:
                return cli_fail(-ECONNRESET, "wolfpackd at %s closed the connection without a full answer: %s",
                                socket_path, *errbuf ? errbuf : curl_easy_strerror(code));
        case CURLE_OUT_OF_MEMORY:
                return cli_fail(-ENOMEM, "out of memory");
        default:
                return cli_fail(-EIO, "request to wolfpackd at %s failed: %s", socket_path,
                                *errbuf ? errbuf : curl_easy_strerror(code));
        }
}

/* An error status: print the API's message, return the status's errno. */
static int status_error(long status, const char *body, size_t len) {
        _cleanup_free_ char *m = NULL;
        if (cli_error_message(status, body, len, &m) < 0)
                return cli_fail(-ENOMEM, "out of memory");
        return cli_fail(cli_errno_from_status(status), "%s", m);
}

static void free_slist(struct curl_slist **l) {
        curl_slist_free_all(*l);
}

/* ret_error NULL: an error status is printed; else its message is
 * handed over there, unprinted. */
static int request(CliHttp *h, const char *method, const char *path, const json_t *body, long *ret_status,
                   json_t **ret_json, char **ret_error) {
        CURL *c = h->curl;
        _cleanup_free_ char *url = NULL;
        _cleanup_free_ char *payload = NULL;
        _cleanup_(free_slist) struct curl_slist *headers = NULL;
        Buf b = {};
        int r;

        if (asprintf(&url, "%s%s", h->base, path) < 0)
                return -ENOMEM;
        if (body) {
                payload = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
                if (!payload)
                        return -ENOMEM;
        }

        curl_easy_reset(c);
        common_options(c, h, h->errbuf);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, buf_write);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);

        headers = request_headers(h, "Accept: application/json", payload != NULL);
        if (!headers)
                return -ENOMEM;
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);

        if (strcmp(method, "GET") == 0)
                curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
        else {
                if (payload || strcmp(method, "POST") == 0) {
                        curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload ? payload : "");
                        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long) (payload ? strlen(payload) : 0));
                }
                if (strcmp(method, "POST") != 0)
                        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        }

        CURLcode code = curl_easy_perform(c);
        if (code != CURLE_OK) {
                if (code == CURLE_WRITE_ERROR && b.too_big)
                        r = cli_fail(-EMSGSIZE, "the answer of wolfpackd to %s %s is larger than %u MiB", method, path,
                                     BODY_MAX >> 20);
                else
                        r = transport_error(c, code, h, h->errbuf, h->timeout_ms,
                                            strcmp(method, "GET") != 0);
                free(b.data);
                return r;
        }

        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (status >= 400 && ret_error) {
                r = cli_error_message(status, b.data, b.len, ret_error) < 0 ? -ENOMEM : cli_errno_from_status(status);
                free(b.data);
                return r;
        }
        if (status >= 400) {
                r = status_error(status, b.data, b.len);
                free(b.data);
                return r;
        }

        json_t *j = NULL;
        if (b.len > 0) {
                json_error_t e;
                j = json_loadb(b.data, b.len, JSON_DECODE_ANY, &e);
                if (!j) {
                        r = cli_fail(-EBADMSG, "the answer of wolfpackd to %s %s is not JSON: %s (line %d)", method,
                                     path, e.text, e.line);
                        free(b.data);
                        return r;
                }
        }
        free(b.data);
        if (ret_status)
                *ret_status = status;
        if (ret_json)
                *ret_json = j;
        else
                json_decref(j);
        return 0;
}

int cli_http_request(CliHttp *h, const char *method, const char *path, const json_t *body, long *ret_status,
                     json_t **ret_json) {
        return request(h, method, path, body, ret_status, ret_json, NULL);
}

int cli_http_try(CliHttp *h, const char *method, const char *path, const json_t *body, json_t **ret_json,
                 char **ret_error) {
        *ret_error = NULL;
        return request(h, method, path, body, NULL, ret_json, ret_error);
}

/* ---- the event stream ---- */

struct CliStream {
        CliHttp *http;
        CURLM *multi;
        CURL *curl;
        struct curl_slist *headers;
        char *url;
        char errbuf[CURL_ERROR_SIZE];
        SseParser sse;
        long status;         /* 0 until the headers came */
        bool is_stream;      /* 200 with text/event-stream */
        bool added;
        uint64_t answer_by;  /* the headers are due by then (0: not started) */
        uint64_t last_data;  /* when anything last came */
        int callback_error;
        Buf error_body;      /* the body of a refusal */
};

static size_t stream_write(char *ptr, size_t size, size_t nmemb, void *userdata) {
        CliStream *s = userdata;
        size_t n = size * nmemb;
        s->last_data = now_monotonic_usec();

        if (s->status == 0) {
                char *ct = NULL;
                curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &s->status);
                curl_easy_getinfo(s->curl, CURLINFO_CONTENT_TYPE, &ct);
                s->is_stream = s->status == 200 && ct && strncasecmp(ct, "text/event-stream", 17) == 0;
        }
        if (!s->is_stream)
                return buf_write(ptr, size, nmemb, &s->error_body);

        int r = sse_parser_feed(&s->sse, ptr, n);
        if (r < 0) {
                s->callback_error = r;
                return 0;
        }
        return n;
}

/* Headers arrive before any body: note the status early so that a stream
 * that sends nothing yet still counts as established. */
static size_t stream_header(char *ptr, size_t size, size_t nmemb, void *userdata) {
        CliStream *s = userdata;
        size_t n = size * nmemb;
        s->last_data = now_monotonic_usec();
        if (n == 2 && ptr[0] == '\r' && ptr[1] == '\n' && s->status == 0) {
                long status = 0;
                char *ct = NULL;
                curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
                curl_easy_getinfo(s->curl, CURLINFO_CONTENT_TYPE, &ct);
                if (status >= 200) {
                        s->status = status;
                        s->is_stream = status == 200 && ct && strncasecmp(ct, "text/event-stream", 17) == 0;
                }
        }
        return n;
}

int cli_stream_open(CliHttp *h, const char *path, sse_event_fn fn, void *userdata, CliStream **ret) {
        CliStream *s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->http = h;
        sse_parser_init(&s->sse, fn, userdata);
        s->multi = curl_multi_init();
        s->curl = curl_easy_init();
        if (!s->multi || !s->curl || asprintf(&s->url, "%s%s", h->base, path) < 0) {
                s->url = NULL;
                cli_stream_free(s);
                return -ENOMEM;
        }
        s->headers = request_headers(h, "Accept: text/event-stream", false);
        if (!s->headers) {
                cli_stream_free(s);
                return -ENOMEM;
        }
        common_options(s->curl, h, s->errbuf);
        curl_easy_setopt(s->curl, CURLOPT_URL, s->url);
        curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, s->headers);
        curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, stream_write);
        curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, s);
        curl_easy_setopt(s->curl, CURLOPT_HEADERFUNCTION, stream_header);
        curl_easy_setopt(s->curl, CURLOPT_HEADERDATA, s);
        if (curl_multi_add_handle(s->multi, s->curl) != CURLM_OK) {
                cli_stream_free(s);
                return -ENOMEM;
        }
        s->added = true;
        *ret = s;
        return 0;
}

CliStream *cli_stream_free(CliStream *s) {
        if (!s)
                return NULL;
        if (s->added)
                curl_multi_remove_handle(s->multi, s->curl);
        if (s->curl)
                curl_easy_cleanup(s->curl);
        if (s->multi)
                curl_multi_cleanup(s->multi);
        curl_slist_free_all(s->headers);
        free(s->url);
        free(s->error_body.data);
        sse_parser_done(&s->sse);
        free(s);
        return NULL;
}

bool cli_stream_established(const CliStream *s) {
        return s->is_stream;
}

/* The stream's transfer ended: why. */
static int stream_ended(CliStream *s, CURLcode code, bool quiet) {
        if (s->callback_error < 0)
                return s->callback_error;
        if (code == CURLE_OK && s->is_stream)
                return 0;
        if (code != CURLE_OK && !(code == CURLE_WRITE_ERROR && !s->is_stream)) {
                if (quiet)
                        return -ECONNRESET;
                return transport_error(s->curl, code, s->http, s->errbuf, s->http->timeout_ms, false);
        }
        if (s->status >= 400) {
                if (quiet)
                        return cli_errno_from_status(s->status);
                return status_error(s->status, s->error_body.data, s->error_body.len);
        }
        if (quiet)
                return -EPROTO;
        return cli_fail(-EPROTO, "wolfpackd answered GET %s with %ld and no event stream", s->url + strlen(BASE_URL),
                        s->status);
}

/* A stream has no overall timeout (it may last for days); what bounds it is
 * the wait for its headers, as for any answer, and then silence. */
static int stream_stalled(CliStream *s, uint64_t now, bool quiet) {
        if (s->status == 0 && now >= s->answer_by)
                return quiet ? -ETIMEDOUT : no_answer(s->http->where, s->http->timeout_ms, false);
        if (s->status != 0 && now - s->last_data >= STREAM_IDLE_USEC)
                return quiet ? -ETIMEDOUT
                             : cli_fail(-ETIMEDOUT,
                                        "the event stream of wolfpackd at %s sent nothing, not even its keep-alive, "
                                        "for %u s: wolfpackd is overloaded or stuck (its log says more)",
                                        s->http->where, STREAM_IDLE_USEC / 1000000u);
        return 0;
}

int cli_stream_run(CliStream *s, int timeout_ms, bool quiet) {
        int running = 0;
        uint64_t now = now_monotonic_usec();
        if (s->answer_by == 0) {
                s->answer_by = now + (uint64_t) s->http->timeout_ms * 1000u;
                s->last_data = now;
        }
        int r = stream_stalled(s, now, quiet);
        if (r < 0)
                return r;
        if (curl_multi_perform(s->multi, &running) != CURLM_OK)
                return quiet ? -EIO : cli_fail(-EIO, "the event stream of wolfpackd failed");
        if (running) {
                if (curl_multi_poll(s->multi, NULL, 0, timeout_ms, NULL) != CURLM_OK)
                        return quiet ? -EIO : cli_fail(-EIO, "the event stream of wolfpackd failed");
                if (curl_multi_perform(s->multi, &running) != CURLM_OK)
                        return quiet ? -EIO : cli_fail(-EIO, "the event stream of wolfpackd failed");
        }
        if (running)
                return s->callback_error < 0 ? s->callback_error : 1;

        int left;
        CURLMsg *m;
        CURLcode code = CURLE_OK;
        while ((m = curl_multi_info_read(s->multi, &left)))
                if (m->msg == CURLMSG_DONE)
                        code = m->data.result;
        return stream_ended(s, code, quiet);
}
