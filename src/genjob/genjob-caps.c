/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The names of the Linux capabilities, as capabilities(7) lists them, for
 * the CapabilitiesToDrop property. Pure: a table and lookups.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "genjob-caps.h"
#include "macro.h"
#include "text-quote.h"

static const char *const names[JOB_CAP_NAMED] = {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
};

int job_cap_from_name(const char *name) {
        if (!name)
                return -EINVAL;
        if (strncasecmp(name, "CAP_", 4) == 0)
                name += 4;
        for (int i = 0; i < JOB_CAP_NAMED; i++)
                if (strcasecmp(name, names[i] + 4) == 0)
                        return i;
        return -EINVAL;
}

const char *job_cap_name(int cap) {
        return cap >= 0 && cap < JOB_CAP_NAMED ? names[cap] : NULL;
}

int job_caps_parse(char *const *list, uint64_t *ret, char *err, size_t errlen) {
        uint64_t mask = 0;

        for (size_t i = 0; list && list[i]; i++) {
                int c = job_cap_from_name(list[i]);
                if (c < 0) {
                        snprintf(err, errlen,
                                 "%s is not a capability: give names as capabilities(7) lists them "
                                 "(CAP_NET_ADMIN, or net_admin)",
                                 text_quote(list[i]).s);
                        return -EINVAL;
                }
                mask |= UINT64_C(1) << c;
        }
        *ret = mask;
        return 0;
}
