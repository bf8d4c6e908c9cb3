/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* OCF exit codes: see ocf-exit.h. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "ocf-exit.h"

static const struct {
        int code;
        const char *name, *meaning;
        OcfOutcome outcome;
} codes[] = {
        { OCF_SUCCESS, "OCF_SUCCESS", "success", OCF_OUTCOME_SUCCESS },
        { OCF_ERR_GENERIC, "OCF_ERR_GENERIC", "generic error", OCF_OUTCOME_ERROR },
        { OCF_ERR_ARGS, "OCF_ERR_ARGS", "invalid arguments", OCF_OUTCOME_ERROR },
        { OCF_ERR_UNIMPLEMENTED, "OCF_ERR_UNIMPLEMENTED", "action not implemented", OCF_OUTCOME_ERROR },
        { OCF_ERR_PERM, "OCF_ERR_PERM", "insufficient privileges", OCF_OUTCOME_ERROR },
        { OCF_ERR_INSTALLED, "OCF_ERR_INSTALLED", "not installed", OCF_OUTCOME_ERROR },
        { OCF_ERR_CONFIGURED, "OCF_ERR_CONFIGURED", "not configured", OCF_OUTCOME_ERROR },
        { OCF_NOT_RUNNING, "OCF_NOT_RUNNING", "not running", OCF_OUTCOME_NOT_RUNNING },
        { OCF_RUNNING_PROMOTED, "OCF_RUNNING_PROMOTED",
          "running promoted; promotable resources are not supported", OCF_OUTCOME_UNSUPPORTED },
        { OCF_FAILED_PROMOTED, "OCF_FAILED_PROMOTED",
          "failed promoted; promotable resources are not supported", OCF_OUTCOME_UNSUPPORTED },
        { OCF_DEGRADED, "OCF_DEGRADED", "running, degraded", OCF_OUTCOME_SUCCESS },
        { OCF_DEGRADED_PROMOTED, "OCF_DEGRADED_PROMOTED",
          "running promoted, degraded; promotable resources are not supported", OCF_OUTCOME_UNSUPPORTED },
};

OcfOutcome ocf_outcome(const wp_exit *how, bool timed_out, char *text, size_t len) {
        if (timed_out) {
                snprintf(text, len, "timed out; the agent was killed");
                return OCF_OUTCOME_ERROR;
        }
        if (how->code != CLD_EXITED) {
                snprintf(text, len, "killed by signal %d (%s)", how->status, strsignal(how->status));
                return OCF_OUTCOME_ERROR;
        }
        for (size_t i = 0; i < ELEMENTSOF(codes); i++)
                if (codes[i].code == how->status) {
                        snprintf(text, len, "exit code %d (%s: %s)", how->status, codes[i].name, codes[i].meaning);
                        return codes[i].outcome;
                }
        snprintf(text, len, "exit code %d (not an OCF exit code; taken as an error)", how->status);
        return OCF_OUTCOME_ERROR;
}
