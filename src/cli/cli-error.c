/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Errors of the CLI: the API's error bodies, HTTP statuses as errnos, exit
 * statuses, and the one place that prints "wolfpack: ..." on stderr. Never
 * decides whether something failed; it only says so.
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli-args.h"
#include "cli-error.h"
#include "cli.h"
#include "macro.h"

int cli_errno_from_status(long status) {
        switch (status) {
        case 400:
                return -EBADMSG;
        case 403:
                return -EACCES;
        case 404:
                return -ENOENT;
        case 405:
                return -EOPNOTSUPP;
        case 409:
                return -EBUSY;
        case 413:
                return -EMSGSIZE;
        case 422:
                return -EDOM;
        case 503:
                return -ENOTCONN;
        }
        if (status >= 100 && status < 400)
                return 0;
        if (status >= 400 && status < 500)
                return -EPROTO;
        return -EREMOTEIO;
}

static const char *status_text(long status) {
        switch (status) {
        case 400:
                return "bad request";
        case 403:
                return "forbidden";
        case 404:
                return "not found";
        case 405:
                return "method not allowed";
        case 409:
                return "conflict";
        case 413:
                return "request too large";
        case 422:
                return "value refused";
        case 500:
                return "internal error";
        case 503:
                return "unavailable";
        }
        return "error";
}

int cli_error_message(long status, const char *body, size_t len, char **ret) {
        char *m = NULL;

        if (body && len > 0) {
                json_t *j = json_loadb(body, len, 0, NULL);
                const char *msg = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
                bool have = msg && *msg;
                if (have)
                        m = strdup(msg);
                json_decref(j);
                if (have) {
                        if (!m)
                                return -ENOMEM;
                        *ret = m;
                        return 0;
                }
        }

        /* Not the API's error body (a proxy, a crash page): the first line
         * of what came, trimmed. */
        size_t n = 0;
        if (body)
                while (n < len && n < 200 && body[n] != '\n' && body[n] != '\r' && body[n] != '\0')
                        n++;
        if (n > 0) {
                if (asprintf(&m, "wolfpackd answered %ld (%s): %.*s", status, status_text(status), (int) n, body) < 0)
                        return -ENOMEM;
        } else if (asprintf(&m, "wolfpackd answered %ld (%s)", status, status_text(status)) < 0)
                return -ENOMEM;
        *ret = m;
        return 0;
}

int cli_exit_code(int r) {
        if (r >= 0)
                return CLI_EXIT_OK;
        if (r == -EINVAL)
                return CLI_EXIT_USAGE;
        if (r == -ENOENT)
                return CLI_EXIT_NOT_FOUND;
        return CLI_EXIT_FAILED;
}

int cli_fail(int r, const char *fmt, ...) {
        va_list ap;
        fputs("wolfpack: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return r;
}

int cli_usage_error(const CliVerb *v, const char *fmt, ...) {
        va_list ap;
        fputs("wolfpack: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        if (v) {
                fputs("usage: ", stderr);
                cli_usage_line(v, stderr);
        }
        return -EINVAL;
}
