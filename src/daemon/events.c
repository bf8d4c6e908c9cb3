/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The event stream: state changes, log entries and object changes go to
 * every subscriber of GET /v1/events. A subscriber that went away is
 * dropped by its stream's on_gone.
 */
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "http.h"

void events_emit(Daemon *d, json_t *event) {
        for (size_t i = 0; i < d->n_streams; i++)
                (void) http_stream_send(d->streams[i], event);
        json_decref(event);
}

void events_subscribe(Daemon *d, HttpStream *s) {
        HttpStream **n = realloc(d->streams, (d->n_streams + 1) * sizeof(HttpStream *));
        if (!n) {
                http_stream_close(s);
                return;
        }
        d->streams = n;
        d->streams[d->n_streams++] = s;
}

void events_unsubscribe(Daemon *d, HttpStream *s) {
        for (size_t i = 0; i < d->n_streams; i++)
                if (d->streams[i] == s) {
                        d->streams[i] = d->streams[--d->n_streams];
                        return;
                }
}

void events_close_who(Daemon *d, const char *who) {
        for (size_t i = 0; i < d->n_streams;) {
                HttpStream *s = d->streams[i];
                const char *w = http_stream_who(s);
                if (w && strcmp(w, who) == 0) {
                        d->streams[i] = d->streams[--d->n_streams];
                        http_stream_close(s);
                } else
                        i++;
        }
}
