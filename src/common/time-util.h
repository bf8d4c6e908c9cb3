/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Clocks: CLOCK_MONOTONIC for every interval, wall time (UTC) only for logs. */
#pragma once

#include <stddef.h>
#include <stdint.h>

uint64_t now_monotonic_usec(void);
/* "2026-11-24T22:57:41.123456Z" into buf (at least 32 bytes). */
char *format_utc_now(char *buf, size_t len);
