/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wolfpack-breakaway: run a command outside the job of the genjob
 * resource this process belongs to. It asks the resource monitor, through
 * the job's socket named in $WOLFPACK_BREAKAWAY_SOCKET, to move it out of
 * the job (allowed when the resource has BreakawayOk), then executes the
 * command, which with everything it starts is no longer counted, limited
 * or killed with the job. Never runs the command inside the job when the
 * move was refused: it says why and exits 1.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int usage(FILE *f, int code) {
        fprintf(f, "usage: wolfpack-breakaway [--] COMMAND [ARGUMENT...]\n"
                   "Runs COMMAND outside the job of the genjob resource this process belongs to\n"
                   "(the resource needs BreakawayOk).\n");
        return code;
}

int main(int argc, char **argv) {
        const char *address = getenv("WOLFPACK_BREAKAWAY_SOCKET");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char reply[600];
        socklen_t len;
        size_t n;
        ssize_t k;
        int fd, first = 1;

        if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))
                return usage(stdout, 0);
        if (argc > 1 && strcmp(argv[1], "--") == 0)
                first = 2;
        if (first >= argc)
                return usage(stderr, 2);
        if (!address || address[0] != '@' || (n = strlen(address)) > sizeof sa.sun_path) {
                fprintf(stderr, "wolfpack-breakaway: not in a job: WOLFPACK_BREAKAWAY_SOCKET is %s\n",
                        address ? "not an abstract socket name (@...)" : "not set");
                return 1;
        }
        /* An abstract socket: a leading NUL instead of the '@'. */
        memcpy(sa.sun_path + 1, address + 1, n - 1);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n);
        if (fd < 0 || connect(fd, (struct sockaddr *) &sa, len) < 0) {
                fprintf(stderr, "wolfpack-breakaway: cannot reach the resource monitor at %s: %s\n", address,
                        strerror(errno));
                return 1;
        }
        k = recv(fd, reply, sizeof reply - 1, 0);
        close(fd);
        if (k <= 0) {
                fprintf(stderr, "wolfpack-breakaway: the resource monitor did not answer%s%s\n", k < 0 ? ": " : "",
                        k < 0 ? strerror(errno) : "");
                return 1;
        }
        reply[k] = '\0';
        if (strcmp(reply, "ok") != 0) {
                fprintf(stderr, "wolfpack-breakaway: %s\n", strncmp(reply, "error: ", 7) == 0 ? reply + 7 : reply);
                return 1;
        }
        execvp(argv[first], argv + first);
        fprintf(stderr, "wolfpack-breakaway: cannot execute %s: %s\n", argv[first], strerror(errno));
        return 127;
}
