/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Server-sent event streams: a text/event-stream response fed from a queue
 * of "data: <json>\n\n" events and ": keepalive" comments. Owns the queue.
 * Must never block or let the queue grow past its limit: a client that does
 * not keep up is cut off, and its stream's user is told through on_gone.
 * The queues of all streams together are bounded too (stream_memory_max,
 * counting each buffer as allocated): a buffer that would take them past
 * it first cuts off the client furthest behind, which may be its own.
 *
 * The response's reader suspends the connection when the queue is empty;
 * queueing resumes it. A suspended connection is watched for hang-ups by
 * its request (http-request.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http-internal.h"
#include "macro.h"

/* libmicrohttpd asks for at most this much at a time. */
#define STREAM_BLOCK (32u * 1024u)
/* A drained queue keeps a buffer up to this size for the next events; a
 * larger one, left from a burst, goes back. Small enough that the buffers
 * of a full house of clients that keep up (HTTP_CONNECTIONS_MAX) take
 * only a fraction of the streams' memory bound. */
#define STREAM_KEEP (16u * 1024u)

static const char keepalive_line[] = ": keepalive\n\n";

/* Free the queue's buffer, and its share of the streams' memory. */
static void stream_drop_buf(HttpStream *st) {
        if (st->server)
                st->server->stream_memory -= st->alloc;
        free(st->buf);
        st->buf = NULL;
        st->start = st->end = st->alloc = 0;
}

static void stream_free(HttpStream *st) {
        stream_drop_buf(st);
        if (st->server) {
                if (st->prev)
                        st->prev->next = st->next;
                else
                        st->server->streams = st->next;
                if (st->next)
                        st->next->prev = st->prev;
        }
        if (st->request) {
                st->request->stream = NULL;
                http_request_unref(st->request);
        }
        free(st);
}

static void stream_unref(HttpStream *st) {
        if (st && --st->n_ref == 0)
                stream_free(st);
}

static size_t stream_pending(const HttpStream *st) {
        return st->end - st->start;
}

/* Let libmicrohttpd call the reader again, if it is waiting. */
static void stream_wake(HttpStream *st) {
        if (st->request && st->request->suspended)
                http_request_resume(st->request);
}

/* The client does not read: libmicrohttpd, waiting for the socket to
 * drain, would not call the reader again until its idle timeout. Shutting
 * the socket down makes its next write fail now; libmicrohttpd then closes
 * the connection, and the completion callback calls on_gone. What was
 * queued will never be sent: its memory goes back at once. */
_printf_(2, 3) static void stream_cut_off(HttpStream *st, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(st->why, sizeof st->why, fmt, ap);
        va_end(ap);
        st->overflow = true;
        stream_drop_buf(st);
        if (st->request && st->request->connection && st->request->fd >= 0)
                (void) shutdown(st->request->fd, SHUT_RDWR);
        stream_wake(st);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max) {
        HttpStream *st = cls;
        if (st->gone || st->overflow)
                return MHD_CONTENT_READER_END_WITH_ERROR;
        size_t n = stream_pending(st);
        if (n > 0) {
                if (n > max)
                        n = max;
                memcpy(buf, st->buf + st->start, n);
                st->start += n;
                if (st->start == st->end) {
                        st->start = st->end = 0;
                        if (st->alloc > STREAM_KEEP)
                                stream_drop_buf(st);
                }
                return (ssize_t) n;
        }
        if (st->closed)
                return MHD_CONTENT_READER_END_OF_STREAM;
        /* Nothing to send: sleep until something is queued. */
        if (st->request)
                http_request_suspend(st->request);
        return 0;
}

static void stream_response_done(void *cls) {
        stream_unref(cls);
}

/* The live stream with the most queued, st's own queue counting first
 * on a tie. */
static HttpStream *stream_furthest_behind(HttpStream *st) {
        HttpStream *worst = st;
        for (HttpStream *o = st->server->streams; o; o = o->next)
                if (!o->overflow && !o->gone && stream_pending(o) > stream_pending(worst))
                        worst = o;
        return worst;
}

/* Room for st's buffer to grow by grow bytes within the memory of all
 * streams, made by cutting off the clients furthest behind: false when st
 * itself was. */
static bool stream_make_room(HttpStream *st, size_t grow) {
        HttpServer *s = st->server;
        while (s->stream_memory + grow > s->stream_memory_max) {
                HttpStream *victim = stream_furthest_behind(st);
                stream_cut_off(victim,
                               "it was furthest behind (%zu bytes queued) when the event streams together would "
                               "have held more than their bound of %zu bytes",
                               stream_pending(victim), s->stream_memory_max);
                if (victim == st)
                        return false;
        }
        return true;
}

/* Append the pieces to the queue, or cut the client off when that would
 * take the queue past its limit. */
static int stream_queue(HttpStream *st, const char *a, const char *b, const char *c) {
        size_t la = strlen(a), lb = strlen(b), lc = strlen(c), n = la + lb + lc;
        size_t max = st->server ? st->server->stream_queue_max : HTTP_STREAM_QUEUE_MAX;

        if (n > max || stream_pending(st) > max - n) {
                stream_cut_off(st, "it fell more than %zu bytes behind", max);
                return -ENOBUFS;
        }
        if (st->end + n > st->alloc) {
                /* Slide what is left to the front before growing. */
                if (st->start > 0) {
                        memmove(st->buf, st->buf + st->start, stream_pending(st));
                        st->end -= st->start;
                        st->start = 0;
                }
                if (st->end + n > st->alloc) {
                        size_t cap = st->alloc ? st->alloc : 4096;
                        while (cap < st->end + n)
                                cap *= 2;
                        if (st->server && !stream_make_room(st, cap - st->alloc))
                                return -ENOBUFS;
                        char *nb = realloc(st->buf, cap);
                        if (!nb)
                                return -ENOMEM;
                        if (st->server)
                                st->server->stream_memory += cap - st->alloc;
                        st->buf = nb;
                        st->alloc = cap;
                }
        }
        memcpy(st->buf + st->end, a, la);
        memcpy(st->buf + st->end + la, b, lb);
        memcpy(st->buf + st->end + la + lb, c, lc);
        st->end += n;
        stream_wake(st);
        return 0;
}

HttpStream *http_stream_start(HttpRequest *r, void (*on_gone)(HttpStream *s, void *userdata), void *userdata) {
        if (!r || !r->handler_owns)
                return NULL;
        if (r->gone || !r->connection || !r->server || r->stream) {
                http_request_release(r);
                return NULL;
        }

        HttpStream *st = calloc(1, sizeof(HttpStream));
        if (!st) {
                http_reply_error(r, 500, "internal_error", NULL, "out of memory");
                return NULL;
        }
        st->n_ref = 1; /* the response's, once it exists */
        struct MHD_Response *resp =
                MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK, stream_read, st, stream_response_done);
        if (!resp) {
                free(st);
                http_reply_error(r, 500, "internal_error", NULL, "out of memory");
                return NULL;
        }
        if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream") != MHD_YES ||
            MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache") != MHD_YES) {
                MHD_destroy_response(resp); /* frees st through stream_response_done */
                http_reply_error(r, 500, "internal_error", NULL, "out of memory");
                return NULL;
        }
        /* The user's reference, next to the response's (dropped when
         * libmicrohttpd destroys the response). */
        st->n_ref++;
        st->user_owns = true;
        st->on_gone = on_gone;
        st->userdata = userdata;
        st->request = http_request_ref(r);
        r->stream = st;
        st->server = r->server;
        st->next = st->server->streams;
        if (st->server->streams)
                st->server->streams->prev = st;
        st->server->streams = st;

        http_request_set_response(r, 200, resp);
        http_request_release(r);
        return st;
}

int http_stream_send(HttpStream *st, const json_t *event) {
        if (!st || !event)
                return -EINVAL;
        if (st->closed || st->gone || st->overflow || !st->server)
                return -EPIPE;
        _cleanup_free_ char *text = json_dumps(event, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!text)
                return -ENOMEM;
        return stream_queue(st, "data: ", text, "\n\n");
}

void http_stream_keepalive(HttpStream *st) {
        if (st->closed || st->gone || st->overflow || stream_pending(st) > 0)
                return;
        (void) stream_queue(st, keepalive_line, "", "");
}

void http_stream_close(HttpStream *st) {
        if (!st || !st->user_owns)
                return;
        st->closed = true;
        st->user_owns = false;
        stream_wake(st); /* the reader ends the response once the queue is sent */
        stream_unref(st);
}

void http_stream_gone(HttpStream *st) {
        if (st->gone)
                return;
        st->gone = true;
        if (st->user_owns && st->on_gone) {
                /* The user's hold ends with on_gone; its reference keeps st
                 * alive through the call. */
                st->user_owns = false;
                st->on_gone(st, st->userdata);
                stream_unref(st);
        }
}

const char *http_stream_why_cut(const HttpStream *st) {
        return st->overflow ? st->why : NULL;
}

void http_stream_detach(HttpStream *st) {
        st->server = NULL;
        st->prev = st->next = NULL;
}

const char *http_stream_who(const HttpStream *s) {
        return s && s->request ? s->request->who : NULL;
}
