/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target of the driver's command script (src/driver/command-parse.c).
 * The input is one command line. Invariants: a line parses to a command
 * whose arguments hold (a known state to wait for, a renew of at least
 * 1 ms for a lease that is not withdrawn, a signal below NSIG, a request
 * with a string type), or it is refused with a one-line valid UTF-8
 * message; blank lines and comments are nothing. Any difference aborts.
 *
 * Built with libFuzzer (clang -fsanitize=fuzzer, see README.md), or with
 * -DFUZZ_STANDALONE as a plain program that replays files and corpora.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wolfpack/resapi.h>

#include "command-parse.h"
#include "fuzz.h"
#include "resource-states.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *line = malloc(size + 1);
        check(line);
        memcpy(line, data, size);
        line[size] = '\0';

        Command c;
        char err[512] = "";
        int r = command_parse(line, &c, err, sizeof err);
        if (r < 0) {
                check(r == -EINVAL);
                check_message(err, sizeof err);
                free(line);
                return 0;
        }
        const char *p = line + strspn(line, " \t");
        check((c.kind == COMMAND_NONE) == (p[0] == '\0' || p[0] == '#'));
        if (c.kind != COMMAND_NONE)
                check(json_is_object(c.msg) && c.type && json_is_string(json_object_get(c.msg, "type")));
        switch (c.kind) {
        case COMMAND_WAIT:
                check(c.resource && c.state && resource_state_known(c.state));
                break;
        case COMMAND_LEASE_START:
                check(c.duration_usec == 0 || c.renew_usec >= WP_USEC_PER_MSEC);
                break;
        case COMMAND_KILL_MONITOR:
                check(c.signal >= 0 && c.signal < NSIG);
                break;
        default:
                break;
        }
        command_done(&c);
        free(line);
        return 0;
}
