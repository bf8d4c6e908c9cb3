/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the API's answers mean for the CLI: an HTTP status as a negative
 * errno (404 is -ENOENT, so "no such object" exits 3), the message of an
 * error body for a person, and exit statuses. Pure.
 */
#pragma once

#include <stddef.h>

/* 0 for 1xx-3xx; 404 -ENOENT; 400 -EBADMSG; 403 -EACCES; 405 -EOPNOTSUPP;
 * 409 -EBUSY; 413 -EMSGSIZE; 422 -EDOM; 503 -ENOTCONN; any other 4xx
 * -EPROTO, 5xx -EREMOTEIO. Never -EINVAL: that is kept for usage errors. */
int cli_errno_from_status(long status);

/* The message of an answer with status >= 400: error.message of the
 * API's error body, or, for a body that is not one, what the status
 * means and the body's first line. *ret malloc'ed; 0 or -ENOMEM. */
int cli_error_message(long status, const char *body, size_t len, char **ret);
