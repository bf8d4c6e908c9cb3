/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The web console, served: its page at GET / and its files at
 * GET /console/NAME, from the copies built into wolfpackd
 * (embedded-files.h). The files hold no data of the cluster, so they need
 * no token; everything they show comes from the API, with the token the
 * person logs in with. Owns nothing; must never serve anything but the
 * embedded files.
 */
#include <string.h>

#include "console.h"
#include "embedded-files.h"

const EmbeddedFile *embedded_file(const char *name) {
        for (const EmbeddedFile *f = embedded_files; name && f->name; f++)
                if (strcmp(f->name, name) == 0)
                        return f;
        return NULL;
}

static void serve(HttpRequest *req, const char *name) {
        const EmbeddedFile *f = embedded_file(name);
        if (!f) {
                http_reply_error(req, 404, "not_found", NULL, "the console has no file %.80s", name);
                return;
        }
        /* no-cache: revalidated each time, so a new wolfpackd's console is
         * the one shown after an upgrade. */
        http_reply_static(req, f->data, f->size, f->content_type, "no-cache");
}

void console_get_index(HttpRequest *req, void *userdata) {
        serve(req, "index.html");
}

void console_get_file(HttpRequest *req, void *userdata) {
        serve(req, http_request_param(req, 0));
}
