/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cs_error_t to errno (cs-errno.h). */
#include <errno.h>

#include "cs-errno.h"

int cs_errno(cs_error_t e) {
        switch (e) {
        case CS_OK:
                return 0;
        case CS_ERR_TRY_AGAIN:
        case CS_ERR_QUEUE_FULL:
                return -EAGAIN;
        case CS_ERR_TIMEOUT:
                return -ETIMEDOUT;
        case CS_ERR_INVALID_PARAM:
        case CS_ERR_BAD_FLAGS:
                return -EINVAL;
        case CS_ERR_NO_MEMORY:
                return -ENOMEM;
        case CS_ERR_BAD_HANDLE:
                return -EBADF;
        case CS_ERR_BUSY:
                return -EBUSY;
        case CS_ERR_ACCESS:
        case CS_ERR_SECURITY:
                return -EACCES;
        case CS_ERR_NOT_EXIST:
        case CS_ERR_NAME_NOT_FOUND:
        case CS_ERR_CONTEXT_NOT_FOUND:
        case CS_ERR_NO_SECTIONS:
                return -ENOENT;
        case CS_ERR_NAME_TOO_LONG:
                return -ENAMETOOLONG;
        case CS_ERR_EXIST:
                return -EEXIST;
        case CS_ERR_NO_SPACE:
        case CS_ERR_NO_RESOURCES:
        case CS_ERR_TOO_MANY_GROUPS:
                return -ENOSPC;
        case CS_ERR_INTERRUPT:
                return -EINTR;
        case CS_ERR_NOT_SUPPORTED:
                return -EOPNOTSUPP;
        case CS_ERR_TOO_BIG:
                return -EMSGSIZE;
        case CS_ERR_LIBRARY:
        case CS_ERR_QUEUE_NOT_AVAILABLE:
                /* The connection to corosync is gone (or was never made). */
                return -ENOTCONN;
        case CS_ERR_VERSION:
        case CS_ERR_INIT:
        case CS_ERR_BAD_OPERATION:
        case CS_ERR_FAILED_OPERATION:
        case CS_ERR_MESSAGE_ERROR:
                return -EPROTO;
        }
        return -EIO;
}
