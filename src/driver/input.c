/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The command input's buffer and its event source. Owns the buffer, the
 * source and (when told) the fd. Never blocks: an fd epoll accepts is read
 * once per readiness; anything else is a file, whose reads return at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"

#define INPUT_CHUNK 65536

struct Input {
        int fd;
        bool own_fd;
        sd_event_source *source; /* io, or defer for files */
        char *buf;
        size_t len, cap;
        bool eof;
        int read_error; /* reported once, then the input is over */
        bool skipping;  /* inside an overlong line */
        void (*ready)(void *userdata);
        void *userdata;
};

static void input_fill(Input *in) {
        if (in->len + INPUT_CHUNK > in->cap) {
                size_t cap = in->cap ? in->cap : INPUT_CHUNK * 2;
                while (cap < in->len + INPUT_CHUNK)
                        cap *= 2;
                char *p = realloc(in->buf, cap);
                if (!p) {
                        in->read_error = -ENOMEM;
                        in->eof = true;
                        return;
                }
                in->buf = p;
                in->cap = cap;
        }
        ssize_t n = read(in->fd, in->buf + in->len, INPUT_CHUNK);
        if (n < 0) {
                if (errno == EINTR || errno == EAGAIN)
                        return;
                in->read_error = -errno;
                in->eof = true;
        } else if (n == 0)
                in->eof = true;
        else
                in->len += (size_t) n;
}

static void input_readable(Input *in) {
        input_fill(in);
        /* Read no further until asked for the next line. */
        (void) sd_event_source_set_enabled(in->source, SD_EVENT_OFF);
        in->ready(in->userdata);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        input_readable(userdata);
        return 0;
}

static int on_defer(sd_event_source *s, void *userdata) {
        input_readable(userdata);
        return 0;
}

int input_new(sd_event *e, int fd, bool own_fd, void (*ready)(void *userdata), void *userdata,
              Input **ret) {
        Input *in = calloc(1, sizeof *in);
        if (!in)
                return -ENOMEM;
        in->fd = fd;
        in->own_fd = own_fd;
        in->ready = ready;
        in->userdata = userdata;

        int r = sd_event_add_io(e, &in->source, fd, EPOLLIN, on_io, in);
        if (r == -EPERM)
                r = sd_event_add_defer(e, &in->source, on_defer, in);
        if (r >= 0)
                r = sd_event_source_set_enabled(in->source, SD_EVENT_OFF);
        if (r < 0) {
                in->own_fd = false;
                input_free(in);
                return r;
        }
        *ret = in;
        return 0;
}

static char *take_line(Input *in, size_t n, size_t consumed) {
        if (n > 0 && in->buf[n - 1] == '\r')
                n--;
        char *line = strndup(in->buf, n);
        if (!line)
                return NULL;
        memmove(in->buf, in->buf + consumed, in->len - consumed);
        in->len -= consumed;
        return line;
}

int input_next(Input *in, char **ret) {
        for (;;) {
                char *nl = memchr(in->buf ? in->buf : "", '\n', in->len);
                if (nl) {
                        size_t n = (size_t) (nl - in->buf);
                        char *line = take_line(in, n, n + 1);
                        if (!line)
                                return -ENOMEM;
                        if (in->skipping) {
                                in->skipping = false;
                                free(line);
                                continue;
                        }
                        *ret = line;
                        return 1;
                }
                if (in->len > INPUT_MAX_LINE) {
                        in->len = 0;
                        if (in->skipping)
                                continue;
                        in->skipping = true;
                        return -EMSGSIZE;
                }
                if (in->eof) {
                        if (in->len > 0 && !in->skipping) {
                                char *line = take_line(in, in->len, in->len);
                                if (!line)
                                        return -ENOMEM;
                                *ret = line;
                                return 1;
                        }
                        in->len = 0;
                        if (in->read_error < 0) {
                                int r = in->read_error;
                                in->read_error = 0;
                                return r;
                        }
                        return -EPIPE;
                }
                int r = sd_event_source_set_enabled(in->source, SD_EVENT_ON);
                return r < 0 ? r : 0;
        }
}

Input *input_free(Input *in) {
        if (!in)
                return NULL;
        sd_event_source_disable_unref(in->source);
        if (in->own_fd && in->fd >= 0)
                close(in->fd);
        free(in->buf);
        free(in);
        return NULL;
}
