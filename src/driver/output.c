/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Prints JSON lines on standard output for the driver. Owns nothing but
 * the formatting; a closed standard output is not the driver's failure and
 * is ignored.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "driver.h"
#include "macro.h"
#include "output.h"
#include "time-util.h"

int output_line(FILE *f, json_t *msg, uint64_t t_ms) {
        if (json_object_set_new(msg, "t_ms", json_integer((json_int_t) t_ms)) < 0)
                return -ENOMEM;
        _cleanup_free_ char *text = json_dumps(msg, JSON_COMPACT);
        if (!text)
                return -ENOMEM;
        size_t n = strlen(text);
        text[n] = '\n'; /* json_dumps leaves room: replace the NUL */
        if (fwrite(text, 1, n + 1, f) != n + 1 || fflush(f) != 0)
                return -EIO;
        return 0;
}

uint64_t driver_t_ms(const Driver *d) {
        return (now_monotonic_usec() - d->t0_usec) / 1000;
}

void driver_emit(Driver *d, json_t *msg) {
        if (!msg) {
                fprintf(stderr, "wolfpack-resmon-driver: out of memory formatting output\n");
                return;
        }
        (void) output_line(stdout, msg, driver_t_ms(d));
        json_decref(msg);
}

void driver_emit_error(Driver *d, const char *fmt, ...) {
        char message[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(message, sizeof message, fmt, ap);
        va_end(ap);
        driver_emit(d, json_pack("{s:s, s:s}", "type", "error", "message", message));
}
