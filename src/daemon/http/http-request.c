/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One HTTP request, from its request line to its completion: access check,
 * routing, body, the call to the handler, the answer now or later, and the
 * client going away meanwhile. Owns the HttpRequest and its answer until
 * libmicrohttpd takes it. Must never let a handler see a request that was
 * not authorised, routed and parsed, never call a handler after it was told
 * the client is gone, and never touch a connection libmicrohttpd is done with.
 *
 * state       event                       action → next state
 * NEW         first call (headers)        403 / 400 / 404 / 405 / 413 → SENDING
 *                                          else → RECEIVING
 * RECEIVING   body bytes                  keep (≤ body_max) or count as too large
 * RECEIVING   body complete               413 / 400 → SENDING; else call the handler → HANDLING
 * HANDLING    handler returns unanswered  suspend the connection (hang-up watched)
 * HANDLING    http_reply / stream start   → ANSWERED (resume if suspended)
 * HANDLING    hang-up or completion       on_gone; the answer will be dropped
 * ANSWERED    access call                 queue the response → SENDING
 * SENDING     completion                  → DONE (stream: on_gone unless closed)
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "http-internal.h"
#include "macro.h"
#include "text-quote.h"

static void *mfree(void *p) {
        free(p);
        return NULL;
}

static const char oom_body[] =
        "{\"error\":{\"status\":500,\"code\":\"internal_error\",\"message\":\"out of memory\"}}\n";

HttpRequest *http_request_new(HttpServer *s, struct MHD_Connection *c, const char *target) {
        HttpRequest *r = calloc(1, sizeof(HttpRequest));
        if (!r)
                return NULL;
        r->target = strdup(target ? target : "");
        if (!r->target) {
                free(r);
                return NULL;
        }
        r->n_ref = 1; /* libmicrohttpd's, until the completion callback */
        r->server = s;
        r->connection = c;
        r->fd = -1;
        r->state = HTTP_REQUEST_NEW;
        r->next = s->requests;
        if (s->requests)
                s->requests->prev = r;
        s->requests = r;
        return r;
}

static void request_free(HttpRequest *r) {
        assert(!r->stream);
        if (r->server) {
                if (r->prev)
                        r->prev->next = r->next;
                else
                        r->server->requests = r->next;
                if (r->next)
                        r->next->prev = r->prev;
        }
        sd_event_source_disable_unref(r->hangup_source);
        if (r->response)
                MHD_destroy_response(r->response);
        json_decref(r->body);
        free(r->body_buf);
        http_target_done(&r->parsed);
        free(r->method);
        free(r->path);
        free(r->target);
        free(r);
}

HttpRequest *http_request_ref(HttpRequest *r) {
        if (r)
                r->n_ref++;
        return r;
}

HttpRequest *http_request_unref(HttpRequest *r) {
        if (r && --r->n_ref == 0)
                request_free(r);
        return NULL;
}

void http_request_release(HttpRequest *r) {
        if (!r->handler_owns)
                return;
        r->handler_owns = false;
        http_request_unref(r);
}

/* ---- answers ---- */

static struct MHD_Response *oom_response(void) {
        struct MHD_Response *resp =
                MHD_create_response_from_buffer(sizeof(oom_body) - 1, (void *) oom_body, MHD_RESPMEM_PERSISTENT);
        if (resp)
                (void) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
        return resp;
}

/* The body as compact JSON and a newline; NULL on allocation failure. */
static struct MHD_Response *json_response(const json_t *body) {
        _cleanup_free_ char *text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!text)
                return NULL;
        size_t len = strlen(text);
        char *buf = malloc(len + 1);
        if (!buf)
                return NULL;
        memcpy(buf, text, len);
        buf[len] = '\n';
        struct MHD_Response *resp = MHD_create_response_from_buffer(len + 1, buf, MHD_RESPMEM_MUST_FREE);
        if (!resp) {
                free(buf);
                return NULL;
        }
        if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") != MHD_YES) {
                MHD_destroy_response(resp);
                return NULL;
        }
        return resp;
}

/* A copy of s with every byte that is not part of valid UTF-8 made '?':
 * a message may quote what a client or a plug-in wrote, and JSON takes
 * only UTF-8. */
static char *utf8_or_marks(const char *s) {
        size_t n = strlen(s);
        char *c = strdup(s);
        for (size_t i = 0; c && i < n;) {
                i += utf8_valid_prefix(c + i, n - i);
                if (i < n)
                        c[i++] = '?';
        }
        return c;
}

json_t *http_error_json(unsigned status, const char *code, const char *property, const char *message) {
        _cleanup_free_ char *text = utf8_or_marks(message ? message : "");
        _cleanup_free_ char *prop = property ? utf8_or_marks(property) : NULL;
        if (!text || (property && !prop))
                return NULL;
        json_t *e = json_pack("{s:i, s:s, s:s}", "status", (json_int_t) status, "code", code ? code : "error",
                              "message", text);
        if (e && prop && json_object_set_new(e, "property", json_string(prop)) < 0) {
                json_decref(e);
                return NULL;
        }
        json_t *o = e ? json_pack("{s:o}", "error", e) : NULL;
        return o;
}

struct MHD_Response *http_error_response(unsigned status, const char *code, const char *property,
                                         const char *message) {
        json_t *o = http_error_json(status, code, property, message);
        struct MHD_Response *resp = o ? json_response(o) : NULL;
        json_decref(o);
        return resp ? resp : oom_response();
}

/* A request that would change something, from someone the server knows
 * (authorised by credentials or a token), told once with its answer. */
static void request_audit(HttpRequest *r, unsigned status) {
        HttpServer *s = r->server;
        if (r->audited || !s || !s->audit || !r->method || r->role < HTTP_ACCESS_READ ||
            strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0)
                return;
        r->audited = true;
        s->audit(r, status, s->audit_userdata);
}

void http_request_set_response(HttpRequest *r, unsigned status, struct MHD_Response *resp) {
        request_audit(r, status);
        if (r->response)
                MHD_destroy_response(r->response);
        r->response = resp;
        r->status = status;
        r->state = HTTP_REQUEST_ANSWERED;
        if (r->suspended)
                http_request_resume(r);
}

/* Hand the answer to libmicrohttpd; from inside the access handler only. */
static enum MHD_Result request_queue(HttpRequest *r) {
        struct MHD_Response *resp = TAKE_PTR(r->response);
        r->state = HTTP_REQUEST_SENDING;
        if (!resp)
                return MHD_NO; /* not even an error could be made: close */
        enum MHD_Result ret = MHD_queue_response(r->connection, r->status, resp);
        MHD_destroy_response(resp);
        return ret;
}

static enum MHD_Result answer_error(HttpRequest *r, unsigned status, const char *code, const char *allow,
                                    const char *fmt, ...) _printf_(5, 6);
static enum MHD_Result answer_error(HttpRequest *r, unsigned status, const char *code, const char *allow,
                                    const char *fmt, ...) {
        char message[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(message, sizeof(message), fmt, ap);
        va_end(ap);
        struct MHD_Response *resp = http_error_response(status, code, NULL, message);
        if (resp && allow)
                (void) MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
        http_request_set_response(r, status, resp);
        return request_queue(r);
}

void http_reply(HttpRequest *r, int status, json_t *body) {
        if (!r || !r->handler_owns) {
                /* Answered already: nothing more can be sent. */
                json_decref(body);
                return;
        }
        if (r->gone || !r->connection) {
                json_decref(body);
                http_request_release(r);
                return;
        }
        if (status < 100 || status > 599)
                status = 500;
        struct MHD_Response *resp =
                body ? json_response(body) : MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        json_decref(body);
        if (!resp) {
                resp = oom_response();
                status = 500;
        }
        http_request_set_response(r, (unsigned) status, resp);
        http_request_release(r);
}

/* Answer 200 with resp, or 500 when it could not be made (NULL). */
static void reply_ok(HttpRequest *r, struct MHD_Response *resp) {
        unsigned status = 200;
        if (!resp) {
                resp = oom_response();
                status = 500;
        }
        http_request_set_response(r, status, resp);
        http_request_release(r);
}

void http_reply_text(HttpRequest *r, char *text, const char *content_type) {
        if (!r || !r->handler_owns || r->gone || !r->connection) {
                free(text);
                if (r && r->handler_owns)
                        http_request_release(r);
                return;
        }
        struct MHD_Response *resp =
                text ? MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE) : NULL;
        if (resp && MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) != MHD_YES) {
                MHD_destroy_response(resp); /* frees text */
                resp = NULL;
        } else if (!resp)
                free(text);
        reply_ok(r, resp);
}

void http_reply_static(HttpRequest *r, const void *data, size_t len, const char *content_type,
                       const char *cache_control) {
        if (!r || !r->handler_owns || r->gone || !r->connection) {
                if (r && r->handler_owns)
                        http_request_release(r);
                return;
        }
        struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *) data, MHD_RESPMEM_PERSISTENT);
        if (resp && (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) != MHD_YES ||
                     (cache_control &&
                      MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cache_control) != MHD_YES) ||
                     MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") != MHD_YES ||
                     MHD_add_response_header(resp, "Content-Security-Policy", HTTP_STATIC_CSP) != MHD_YES ||
                     MHD_add_response_header(resp, "X-Frame-Options", "DENY") != MHD_YES)) {
                MHD_destroy_response(resp);
                resp = NULL;
        }
        reply_ok(r, resp);
}

void http_reply_error(HttpRequest *r, int status, const char *code, const char *property, const char *fmt, ...) {
        if (!r || !r->handler_owns)
                return;
        _cleanup_free_ char *message = NULL;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&message, fmt, ap) < 0)
                message = NULL;
        va_end(ap);
        json_t *o = http_error_json((unsigned) status, code, property, message ? message : "out of memory");
        if (!o) {
                /* http_reply would answer with an empty body: say why instead. */
                if (r->gone || !r->connection) {
                        http_request_release(r);
                        return;
                }
                http_request_set_response(r, 500, oom_response());
                http_request_release(r);
                return;
        }
        http_reply(r, status, o);
}

/* ---- the client going away ---- */

static void request_gone(HttpRequest *r) {
        if (r->gone)
                return;
        r->gone = true;
        http_request_ref(r);
        /* An answer not yet queued has nobody to go to. */
        if (r->response)
                MHD_destroy_response(TAKE_PTR(r->response));
        if (r->handler_owns && r->on_gone) {
                void (*fn)(HttpRequest *, void *) = TAKE_PTR(r->on_gone);
                fn(r, r->on_gone_userdata);
                /* The handler's hold ends here, whether or not it answered. */
                http_request_release(r);
        }
        if (r->stream)
                http_stream_gone(r->stream);
        http_request_unref(r);
}

static int on_hangup(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        HttpRequest *r = http_request_ref(userdata);
        r->hangup_source = sd_event_source_disable_unref(r->hangup_source);
        request_gone(r);
        /* Resumed, libmicrohttpd finds the request gone and closes. */
        http_request_resume(r);
        http_request_unref(r);
        return 0;
}

void http_request_suspend(HttpRequest *r) {
        if (r->suspended || !r->connection)
                return;
        MHD_suspend_connection(r->connection);
        r->suspended = true;
        /* libmicrohttpd does not watch a suspended connection; a client that
         * hangs up meanwhile would go unnoticed until the answer. */
        if (r->fd >= 0 && r->server && !r->hangup_source)
                (void) sd_event_add_io(r->server->event, &r->hangup_source, r->fd, EPOLLRDHUP, on_hangup, r);
}

void http_request_resume(HttpRequest *r) {
        r->hangup_source = sd_event_source_disable_unref(r->hangup_source);
        if (!r->suspended || !r->connection)
                return;
        r->suspended = false;
        MHD_resume_connection(r->connection);
        http_server_wake(r->server);
}

void http_request_completed(HttpRequest *r) {
        if (!r)
                return;
        r->hangup_source = sd_event_source_disable_unref(r->hangup_source);
        r->suspended = false;
        r->connection = NULL;
        /* Completion before the answer went out: the client is gone. */
        if (r->handler_owns || r->response || (r->stream && !r->stream->closed))
                request_gone(r);
        r->state = HTTP_REQUEST_DONE;
        http_request_unref(r);
}

/* ---- receiving ---- */

static const char *json_type_name(const json_t *v) {
        switch (json_typeof(v)) {
        case JSON_ARRAY:
                return "an array";
        case JSON_STRING:
                return "a string";
        case JSON_INTEGER:
        case JSON_REAL:
                return "a number";
        case JSON_TRUE:
        case JSON_FALSE:
                return "a boolean";
        case JSON_NULL:
                return "null";
        default:
                return "an object";
        }
}

/* 401, with the challenge RFC 6750 asks for. */
static void refuse_unauthorised(HttpRequest *r, const char *message) {
        struct MHD_Response *resp = http_error_response(401, "unauthorized", NULL, message);
        if (resp)
                (void) MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"wolfpack\"");
        http_request_set_response(r, 401, resp);
}

/* The bearer token of a TCP request: true with role and who set, or false
 * with the 401 set as the answer. The token itself is never kept. */
static bool request_authenticate(HttpRequest *r, struct MHD_Connection *c) {
        const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        if (!h) {
                refuse_unauthorised(r, "this API needs a token: send \"Authorization: Bearer TOKEN\" (`wolfpack token "
                                       "create` makes one; the CLI reads it from --token-file or WOLFPACK_TOKEN)");
                return false;
        }
        if (strncasecmp(h, "Bearer ", 7) != 0) {
                refuse_unauthorised(r, "the Authorization header must be \"Bearer TOKEN\"");
                return false;
        }
        const char *token = h + 7;
        while (*token == ' ')
                token++;
        size_t n = strlen(token);
        while (n > 0 && token[n - 1] == ' ')
                n--;
        bool visible = n > 0 && n <= HTTP_TOKEN_MAX;
        for (size_t i = 0; visible && i < n; i++)
                visible = token[i] > ' ' && token[i] < 0x7f;
        if (!visible) {
                refuse_unauthorised(r, "the token in the Authorization header is empty, too long or holds characters "
                                       "no token has");
                return false;
        }
        char copy[HTTP_TOKEN_MAX + 1];
        memcpy(copy, token, n);
        copy[n] = '\0';
        HttpAccess role = HTTP_ACCESS_UNSET;
        char name[64] = "";
        int k = r->server->auth(copy, r->server->userdata, &role, name, sizeof(name));
        explicit_bzero(copy, sizeof(copy));
        if (k < 0 || role < HTTP_ACCESS_READ || role > HTTP_ACCESS_ADMIN) {
                refuse_unauthorised(r, k == -ENOENT || k >= 0
                                               ? "the token is not one of this cluster's, or it was revoked; ask an "
                                                 "administrator for one (`wolfpack token create`)"
                                               : "the token could not be checked; try again");
                return false;
        }
        r->role = role;
        snprintf(r->who, sizeof(r->who), "token %s", name);
        return true;
}

static enum MHD_Result request_begin(HttpRequest *r, struct MHD_Connection *c, const char *method) {
        HttpServer *s = r->server;
        char err[256] = "";

        r->connection = c;
        r->method = strdup(method);
        r->path = strndup(r->target, strcspn(r->target, "?#"));
        if (!r->method || !r->path)
                return MHD_NO;

        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        r->fd = ci ? ci->connect_fd : -1;
        ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        const HttpPeer *peer = ci ? ci->socket_context : NULL;
        if (!peer)
                return answer_error(r, 403, "forbidden", NULL, "the credentials of the client could not be read");
        r->peer = *peer;
        if (!s->auth) {
                if (!r->peer.authorised)
                        return answer_error(r, 403, "forbidden", NULL,
                                            "uid %u may not use this API: it is open to root and to the members of group wolfpack",
                                            (unsigned) r->peer.uid);
                r->role = HTTP_ACCESS_ADMIN;
                snprintf(r->who, sizeof(r->who), "uid %u", (unsigned) r->peer.uid);
        }

        int k = http_target_parse(r->target, &r->parsed, err, sizeof(err));
        if (k == -ENOMEM)
                return answer_error(r, 500, "internal_error", NULL, "out of memory");
        if (k < 0)
                return answer_error(r, 400, "bad_request", NULL, "%s", err);

        http_route_match(s->routes, r->method, &r->parsed, &r->match);
        /* On TCP the token comes first: whoever has none learns nothing,
         * not even which routes there are. */
        if (s->auth) {
                if (r->match.result == HTTP_MATCH_OK && r->match.route->access == HTTP_ACCESS_PUBLIC) {
                        r->role = HTTP_ACCESS_PUBLIC;
                        snprintf(r->who, sizeof(r->who), "%s", r->peer.address);
                } else if (!request_authenticate(r, c))
                        return request_queue(r);
        }
        switch (r->match.result) {
        case HTTP_MATCH_NO_PATH:
                return answer_error(r, 404, "not_found", NULL, "no such route: %.200s", r->path);
        case HTTP_MATCH_NO_METHOD:
                return answer_error(r, 405, "method_not_allowed", r->match.allow, "%.200s takes %s, not %.32s",
                                    r->path, r->match.allow, r->method);
        case HTTP_MATCH_BAD_CAPTURE:
                return answer_error(r, 400, "bad_request", NULL, "a name in the path may not contain '/': %.200s",
                                    r->path);
        case HTTP_MATCH_OK:
                break;
        }
        if (r->role < r->match.route->access)
                return answer_error(r, 403, "forbidden", NULL, "%.32s %.200s needs the %s role; %.80s has the %s role",
                                    r->method, r->match.route->pattern, http_access_name(r->match.route->access),
                                    r->who, http_access_name(r->role));

        /* Refuse a body announced too large before it is sent. */
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
                char *end;
                errno = 0;
                unsigned long long n = strtoull(cl, &end, 10);
                if (errno == 0 && end != cl && n > s->body_max)
                        return answer_error(r, 413, "too_large", NULL,
                                            "the request body (%llu bytes) is larger than the %zu bytes allowed", n,
                                            s->body_max);
        }
        r->state = HTTP_REQUEST_RECEIVING;
        return MHD_YES;
}

static void request_take_body(HttpRequest *r, const char *data, size_t n) {
        size_t max = r->server->body_max;
        if (r->body_too_large)
                return; /* read and dropped, so that the 413 can be sent */
        if (n > max - r->body_len) {
                r->body_too_large = true;
                r->body_buf = mfree(r->body_buf);
                r->body_len = r->body_alloc = 0;
                return;
        }
        if (r->body_len + n > r->body_alloc) {
                size_t cap = r->body_alloc ? r->body_alloc : 4096;
                while (cap < r->body_len + n)
                        cap *= 2;
                if (cap > max)
                        cap = max;
                char *nb = realloc(r->body_buf, cap);
                if (!nb) {
                        /* Treated as too large: it is, for now. */
                        r->body_too_large = true;
                        r->body_buf = mfree(r->body_buf);
                        r->body_len = r->body_alloc = 0;
                        return;
                }
                r->body_buf = nb;
                r->body_alloc = cap;
        }
        memcpy(r->body_buf + r->body_len, data, n);
        r->body_len += n;
}

static enum MHD_Result request_dispatch(HttpRequest *r) {
        HttpServer *s = r->server;

        if (r->body_too_large)
                return answer_error(r, 413, "too_large", NULL, "the request body is larger than the %zu bytes allowed",
                                    s->body_max);
        if (r->body_len > 0) {
                json_error_t e;
                json_t *v = json_loadb(r->body_buf, r->body_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
                if (!v)
                        return answer_error(r, 400, "bad_request", NULL,
                                            "the request body is not valid JSON: line %d, column %d: %s", e.line,
                                            e.column, e.text);
                if (!json_is_object(v)) {
                        const char *what = json_type_name(v);
                        json_decref(v);
                        return answer_error(r, 400, "bad_request", NULL,
                                            "the request body must be a JSON object, not %s", what);
                }
                r->body = v;
        }
        r->body_buf = mfree(r->body_buf);
        r->body_len = r->body_alloc = 0;

        r->state = HTTP_REQUEST_HANDLING;
        r->handler_owns = true;
        http_request_ref(r); /* the handler's */
        r->in_handler = true;
        r->match.route->fn(r, s->userdata);
        r->in_handler = false;

        if (r->state == HTTP_REQUEST_ANSWERED)
                return request_queue(r);
        if (r->handler_owns) {
                /* The answer comes later. */
                http_request_suspend(r);
                return MHD_YES;
        }
        return MHD_NO;
}

enum MHD_Result http_request_access(HttpRequest *r, struct MHD_Connection *c, const char *method,
                                    const char *upload_data, size_t *upload_data_size) {
        if (!r || r->gone || !r->server)
                return MHD_NO;
        switch (r->state) {
        case HTTP_REQUEST_NEW:
                return request_begin(r, c, method);
        case HTTP_REQUEST_RECEIVING:
                if (*upload_data_size > 0) {
                        request_take_body(r, upload_data, *upload_data_size);
                        *upload_data_size = 0;
                        return MHD_YES;
                }
                return request_dispatch(r);
        case HTTP_REQUEST_HANDLING:
                /* Only an answer or a hang-up resumes; neither leaves us here. */
                http_request_suspend(r);
                return MHD_YES;
        case HTTP_REQUEST_ANSWERED:
                return request_queue(r);
        case HTTP_REQUEST_SENDING:
        case HTTP_REQUEST_DONE:
                break;
        }
        return MHD_NO;
}

/* ---- what handlers see ---- */

const char *http_request_method(HttpRequest *r) {
        return r ? r->method : NULL;
}

const char *http_request_path(HttpRequest *r) {
        return r ? r->path : NULL;
}

const char *http_request_param(HttpRequest *r, unsigned i) {
        if (!r || i >= r->match.n_params)
                return NULL;
        return r->parsed.segments[r->match.params[i]];
}

const char *http_request_query(HttpRequest *r, const char *key) {
        return r ? http_target_query(&r->parsed, key) : NULL;
}

json_t *http_request_body(HttpRequest *r) {
        return r ? r->body : NULL;
}

uid_t http_request_uid(HttpRequest *r) {
        return r ? r->peer.uid : (uid_t) -1;
}

const char *http_request_who(HttpRequest *r) {
        return r ? r->who : NULL;
}

HttpAccess http_request_role(HttpRequest *r) {
        return r ? r->role : HTTP_ACCESS_UNSET;
}

const char *http_request_peer(HttpRequest *r) {
        return r ? r->peer.address : NULL;
}

void http_server_set_audit(HttpServer *s, http_audit_fn fn, void *userdata) {
        s->audit = fn;
        s->audit_userdata = userdata;
}

const char *http_request_header(HttpRequest *r, const char *name) {
        if (!r || !r->connection || !name)
                return NULL;
        return MHD_lookup_connection_value(r->connection, MHD_HEADER_KIND, name);
}

void http_request_on_gone(HttpRequest *r, void (*fn)(HttpRequest *r, void *userdata), void *userdata) {
        if (!r)
                return;
        r->on_gone = fn;
        r->on_gone_userdata = userdata;
}
