/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * HTTP over wolfpackd's unix socket with libcurl: JSON requests and the
 * server-sent event stream. Owns the connection, the transport's error
 * messages and the translation of error answers into errnos; never decides
 * what a request means and never prints anything but errors.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli-error.h"
#include "cli-http.h"
#include "config.h"
#include "macro.h"

#define BODY_MAX (64u << 20)
#define BASE_URL "http://localhost"

struct CliHttp {
        CURL *curl;
        char *socket_path;
        long timeout_ms;
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

int cli_http_new(const char *socket_path, wp_usec_t timeout, CliHttp **ret) {
        if (!curl_ready) {
                if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                        return cli_fail(-ENOMEM, "cannot initialise libcurl");
                curl_ready = true;
        }
        CliHttp *h = calloc(1, sizeof *h);
        if (!h)
                return -ENOMEM;
        h->socket_path = strdup(socket_path);
        h->curl = curl_easy_init();
        if (!h->socket_path || !h->curl) {
                cli_http_free(h);
                return -ENOMEM;
        }
        h->timeout_ms = timeout / 1000 > 0 && timeout / 1000 < 0x7fffffff ? (long) (timeout / 1000) : 0;
        *ret = h;
        return 0;
}

CliHttp *cli_http_free(CliHttp *h) {
        if (!h)
                return NULL;
        if (h->curl)
                curl_easy_cleanup(h->curl);
        free(h->socket_path);
        free(h);
        return NULL;
}

/* Options every request of ours carries. */
static void common_options(CURL *c, const char *socket_path, char *errbuf) {
        curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_path);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "wolfpack/" WOLFPACK_VERSION);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
        /* Paths come escaped from cli-path.c: sent as built, never
         * normalised ("/v1/groups/x/.." is not "/v1/groups"). */
        curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
        errbuf[0] = '\0';
}

/* Print why the request got no answer and return the errno for it. */
static int transport_error(CURL *c, CURLcode code, const char *socket_path, const char *errbuf, long timeout_ms) {
        long os_errno = 0;
        curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);

        switch (code) {
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
                if (os_errno == EACCES || os_errno == EPERM)
                        return cli_fail(-EACCES,
                                        "cannot reach wolfpackd at %s: %s (the API is open to root and to members of "
                                        "the wolfpack group)",
                                        socket_path, strerror((int) os_errno));
                return cli_fail(-ECONNREFUSED,
                                "cannot reach wolfpackd at %s: %s (is it running? --socket or " CLI_SOCKET_ENV
                                " choose another)",
                                socket_path,
                                os_errno > 0 ? strerror((int) os_errno) : *errbuf ? errbuf : curl_easy_strerror(code));
        case CURLE_OPERATION_TIMEDOUT:
                return cli_fail(-ETIMEDOUT, "wolfpackd at %s did not answer within %ld ms (--timeout allows longer)",
                                socket_path, timeout_ms);
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

int cli_http_request(CliHttp *h, const char *method, const char *path, const json_t *body, long *ret_status,
                     json_t **ret_json) {
        CURL *c = h->curl;
        _cleanup_free_ char *url = NULL;
        _cleanup_free_ char *payload = NULL;
        _cleanup_(free_slist) struct curl_slist *headers = NULL;
        Buf b = {};
        int r;

        if (asprintf(&url, BASE_URL "%s", path) < 0)
                return -ENOMEM;
        if (body) {
                payload = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
                if (!payload)
                        return -ENOMEM;
        }

        curl_easy_reset(c);
        common_options(c, h->socket_path, h->errbuf);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, buf_write);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);

        struct curl_slist *l = curl_slist_append(NULL, "Accept: application/json");
        if (l && payload)
                l = curl_slist_append(l, "Content-Type: application/json");
        if (l)
                l = curl_slist_append(l, "Expect:");
        if (!l)
                return -ENOMEM;
        headers = l;
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
                        r = transport_error(c, code, h->socket_path, h->errbuf, h->timeout_ms);
                free(b.data);
                return r;
        }

        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
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
        int callback_error;
        Buf error_body;      /* the body of a refusal */
};

static size_t stream_write(char *ptr, size_t size, size_t nmemb, void *userdata) {
        CliStream *s = userdata;
        size_t n = size * nmemb;

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
        if (!s->multi || !s->curl || asprintf(&s->url, BASE_URL "%s", path) < 0) {
                s->url = NULL;
                cli_stream_free(s);
                return -ENOMEM;
        }
        s->headers = curl_slist_append(NULL, "Accept: text/event-stream");
        if (!s->headers) {
                cli_stream_free(s);
                return -ENOMEM;
        }
        common_options(s->curl, h->socket_path, s->errbuf);
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
                return transport_error(s->curl, code, s->http->socket_path, s->errbuf, 0);
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

int cli_stream_run(CliStream *s, int timeout_ms, bool quiet) {
        int running = 0;
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
