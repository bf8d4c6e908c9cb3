/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small files read whole: configuration, certificates, keys. Owns nothing;
 * never reads more than the caller allows.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file-read.h"
#include "macro.h"

int fd_read_all(int fd, uint8_t *buf, size_t size, size_t *ret) {
        size_t got = 0;
        while (got < size) {
                ssize_t k = read(fd, buf + got, size - got);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return negative_errno();
                if (k == 0)
                        break;
                got += (size_t) k;
        }
        *ret = got;
        return 0;
}

int file_read(const char *path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        struct stat st;
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        /* One byte more than allowed, to see a file too long. */
        _cleanup_free_ char *buf = malloc(max + 2);
        if (!buf)
                return -ENOMEM;
        size_t n;
        int r = fd_read_all(fd, (uint8_t *) buf, max + 1, &n);
        if (r < 0)
                return r;
        if (n > max)
                return -EFBIG;
        buf[n] = 0;
        *ret = TAKE_PTR(buf);
        *ret_size = n;
        return 0;
}
