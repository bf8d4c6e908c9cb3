/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The link to the parent: reads frames (src/common/proto.c), hands each
 * message to requests.c, and writes replies and events through an output
 * queue that is drained when the socket is writable, so a slow parent never
 * blocks the loop. A corrupt stream or EOF ends the link: the parent is
 * gone. Never interprets messages itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "link.h"
#include "macro.h"
#include "proto.h"

/* A parent that stops reading: past this much queued output it is treated
 * as gone rather than letting the monitor's memory grow without bound. */
#define MAX_QUEUED_OUTPUT (64u * 1024u * 1024u)

typedef struct Out Out;
struct Out {
        uint8_t *buf;
        size_t len, off;
        int fd;      /* to pass with the first byte, or -1 */
        Out *next;
};

struct Link {
        Manager *m;
        uint64_t id;
        int fd;
        sd_event_source *source;
        ProtoReader reader;
        Out *out, **out_tail;
        size_t queued;
        bool hello;
};

static uint64_t next_link_id = 1;

uint64_t link_id(Link *l) {
        return l ? l->id : 0;
}

Link *link_find(Manager *m, uint64_t id) {
        return m->link && m->link->id == id ? m->link : NULL;
}

bool link_said_hello(Link *l) {
        return l->hello;
}

void link_set_hello(Link *l) {
        l->hello = true;
}

static void out_free(Out *o) {
        if (o->fd >= 0)
                close(o->fd);
        free(o->buf);
        free(o);
}

static int write_some(Link *l) {
        while (l->out) {
                Out *o = l->out;
                struct iovec iov = { .iov_base = o->buf + o->off, .iov_len = o->len - o->off };
                struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
                union {
                        struct cmsghdr align;
                        char buf[CMSG_SPACE(sizeof(int))];
                } control = {};
                if (o->fd >= 0 && o->off == 0) {
                        mh.msg_control = control.buf;
                        mh.msg_controllen = sizeof(control.buf);
                        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                        c->cmsg_level = SOL_SOCKET;
                        c->cmsg_type = SCM_RIGHTS;
                        c->cmsg_len = CMSG_LEN(sizeof(int));
                        memcpy(CMSG_DATA(c), &o->fd, sizeof(int));
                }
                ssize_t n = sendmsg(l->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return 0;
                        return -errno;
                }
                o->off += (size_t) n;
                l->queued -= (size_t) n;
                if (o->fd >= 0) {
                        close(o->fd);
                        o->fd = -1;
                }
                if (o->off < o->len)
                        return 0;
                l->out = o->next;
                if (!l->out)
                        l->out_tail = &l->out;
                out_free(o);
        }
        return 0;
}

static void update_events(Link *l) {
        sd_event_source_set_io_events(l->source, EPOLLIN | (l->out ? EPOLLOUT : 0));
}

static void gone(Link *l) {
        Manager *m = l->m;
        if (m->link == l)
                manager_parent_lost(m);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Link *l = userdata;
        if (revents & EPOLLOUT) {
                if (write_some(l) < 0) {
                        gone(l);
                        return 0;
                }
                update_events(l);
        }
        if (!(revents & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                return 0;
        uint8_t buf[65536];
        ssize_t n = recv(l->fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0) {
                gone(l);
                return 0;
        }
        if (proto_reader_feed(&l->reader, buf, (size_t) n) < 0) {
                gone(l);
                return 0;
        }
        Manager *m = l->m;
        uint64_t id = l->id;
        for (;;) {
                json_t *msg = NULL;
                char err[256];
                int k = proto_reader_next(&l->reader, &msg, err, sizeof(err));
                if (k == 0)
                        break;
                if (k < 0) {
                        manager_log(l->m, NULL, WP_LOG_ERROR, "RESMON_PROTOCOL", "parent sent a corrupt stream: %s", err);
                        gone(l);
                        return 0;
                }
                requests_dispatch(l->m, l, msg);
                json_decref(msg);
                /* The request may have ended this link (exit). */
                if (!link_find(m, id))
                        return 0;
        }
        return 0;
}

Link *link_new(Manager *m, int fd) {
        Link *l = calloc(1, sizeof(*l));
        if (!l) {
                close(fd);
                return NULL;
        }
        l->m = m;
        l->id = next_link_id++;
        l->fd = fd;
        l->out_tail = &l->out;
        proto_reader_init(&l->reader);
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        if (sd_event_add_io(m->event, &l->source, fd, EPOLLIN, on_io, l) < 0) {
                link_free(l);
                return NULL;
        }
        return l;
}

Link *link_free(Link *l) {
        if (!l)
                return NULL;
        sd_event_source_disable_unref(l->source);
        while (l->out) {
                Out *o = l->out;
                l->out = o->next;
                out_free(o);
        }
        proto_reader_done(&l->reader);
        if (l->fd >= 0)
                close(l->fd);
        free(l);
        return NULL;
}

int link_send(Link *l, json_t *msg, int fd_to_pass) {
        uint8_t *buf;
        size_t len;
        int k = proto_encode(msg, &buf, &len);
        json_decref(msg);
        if (k < 0) {
                if (fd_to_pass >= 0)
                        close(fd_to_pass);
                return k;
        }
        Out *o = calloc(1, sizeof(*o));
        if (!o) {
                free(buf);
                if (fd_to_pass >= 0)
                        close(fd_to_pass);
                return -ENOMEM;
        }
        *o = (Out) { .buf = buf, .len = len, .fd = fd_to_pass };
        *l->out_tail = o;
        l->out_tail = &o->next;
        l->queued += len;
        if (l->queued > MAX_QUEUED_OUTPUT)
                return -ENOBUFS;
        if (write_some(l) < 0)
                return -EPIPE;
        update_events(l);
        return 0;
}

void link_flush(Link *l) {
        for (int i = 0; i < 100 && l->out; i++) {
                if (write_some(l) < 0)
                        return;
                if (l->out)
                        usleep(10000);
        }
}
