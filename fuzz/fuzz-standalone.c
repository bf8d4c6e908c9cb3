/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The main of a fuzz target built without libFuzzer (-DFUZZ_STANDALONE):
 * it runs LLVMFuzzerTestOneInput on each file named on its command line,
 * and on every file in each directory named (a corpus, in name order), so
 * that `meson test --suite fuzz` replays the committed corpora and a saved
 * crash can be reproduced without clang.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "macro.h"

static int run_file(const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "rbe");
        if (!f) {
                fprintf(stderr, "%s: %m\n", path);
                return -errno;
        }
        _cleanup_free_ uint8_t *buf = NULL;
        size_t len = 0, cap = 0;
        for (;;) {
                if (cap - len < 65536) {
                        uint8_t *n = realloc(buf, cap + 65536);
                        if (!n)
                                return -ENOMEM;
                        buf = n;
                        cap += 65536;
                }
                size_t got = fread(buf + len, 1, cap - len, f);
                len += got;
                if (got == 0)
                        break;
        }
        if (ferror(f)) {
                fprintf(stderr, "%s: read error\n", path);
                return -EIO;
        }
        LLVMFuzzerTestOneInput(buf, len);
        return 0;
}

static int filter(const struct dirent *de) {
        return de->d_name[0] != '.';
}

/* Runs the inputs under path; the number run, or a negative errno. */
static int run_path(const char *path) {
        struct stat st;
        if (stat(path, &st) < 0) {
                fprintf(stderr, "%s: %m\n", path);
                return -errno;
        }
        if (!S_ISDIR(st.st_mode)) {
                int r = run_file(path);
                return r < 0 ? r : 1;
        }
        struct dirent **list;
        int n = scandir(path, &list, filter, alphasort), r = 0;
        if (n < 0) {
                fprintf(stderr, "%s: %m\n", path);
                return -errno;
        }
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *p = NULL;
                int k = asprintf(&p, "%s/%s", path, list[i]->d_name) < 0 ? -ENOMEM : run_path(p);
                if (k < 0 && r >= 0)
                        r = k;
                else if (r >= 0)
                        r += k;
                free(list[i]);
        }
        free(list);
        return r;
}

int main(int argc, char *argv[]) {
        int total = 0, failed = 0;
        if (argc <= 1) {
                fprintf(stderr, "usage: %s FILE|CORPUS-DIR...\n", argv[0]);
                return 2;
        }
        for (int i = 1; i < argc; i++) {
                int r = run_path(argv[i]);
                if (r < 0)
                        failed = 1;
                else
                        total += r;
        }
        printf("%s: %d input(s) passed\n", argv[0], total);
        /* An empty corpus would pass while testing nothing. */
        return failed || total == 0;
}
