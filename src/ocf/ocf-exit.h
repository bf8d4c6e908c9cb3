/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What an OCF agent's action ended with, as the OCF standard (and
 * Pacemaker, which runs the agents) reads exit codes: 0 success or running,
 * 7 not running, 1-6 errors, 8 and 9 the states of promotable resources,
 * which this type does not run. Owns the codes' names and meanings; pure.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <wolfpack/resapi.h>

enum {
        OCF_SUCCESS = 0,
        OCF_ERR_GENERIC = 1,
        OCF_ERR_ARGS = 2,
        OCF_ERR_UNIMPLEMENTED = 3,
        OCF_ERR_PERM = 4,
        OCF_ERR_INSTALLED = 5,
        OCF_ERR_CONFIGURED = 6,
        OCF_NOT_RUNNING = 7,
        OCF_RUNNING_PROMOTED = 8,
        OCF_FAILED_PROMOTED = 9,
        OCF_DEGRADED = 190,
        OCF_DEGRADED_PROMOTED = 191,
};

typedef enum OcfOutcome {
        OCF_OUTCOME_SUCCESS = 0,   /* 0 (and 190, degraded: still running) */
        OCF_OUTCOME_NOT_RUNNING,   /* 7 */
        OCF_OUTCOME_ERROR,         /* 1-6, other codes, a signal, a timeout */
        OCF_OUTCOME_UNSUPPORTED,   /* 8, 9, 191: promotable, which this type does not run */
} OcfOutcome;

/* The outcome of an action that ended as how says (timed_out: it was
 * killed at its timeout), and in text, for a person, how it ended:
 * "exit code 5 (OCF_ERR_INSTALLED: not installed)", "killed by signal 9
 * (Killed)", "exit code 8 (OCF_RUNNING_PROMOTED: running promoted; promotable
 * resources are not supported)". */
OcfOutcome ocf_outcome(const wp_exit *how, bool timed_out, char *text, size_t len);
