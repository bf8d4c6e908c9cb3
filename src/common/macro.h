/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small language helpers used everywhere: cleanup attributes, array sizes,
 * error-returning helpers. Depends on nothing but libc. */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))

static inline void freep(void *p) {
        free(*(void **) p);
}
static inline void closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}
static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Hand ownership over: `*ret = TAKE_PTR(p);` leaves p NULL. */
#define TAKE_PTR(p)                           \
        ({                                    \
                __typeof__(p) _tp = (p);      \
                (p) = NULL;                   \
                _tp;                          \
        })
#define TAKE_FD(fd)                           \
        ({                                    \
                int _tf = (fd);               \
                (fd) = -1;                    \
                _tf;                          \
        })

static inline int negative_errno(void) {
        return errno > 0 ? -errno : -EIO;
}
