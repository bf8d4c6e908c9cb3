/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The web console's files, as routes of the API (console.c). */
#pragma once

#include "http.h"

/* GET /: the console's page. */
void console_get_index(HttpRequest *req, void *userdata);
/* GET /console/NAME: one of its files; 404 for a name it has not. */
void console_get_file(HttpRequest *req, void *userdata);
