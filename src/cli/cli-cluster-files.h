/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The files `wolfpack cluster init` writes: corosync's key (made from
 * getrandom, or read from another node's copy) and a set of files written
 * all or none. Every refusal names the file and what to do.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What corosync-keygen writes, and the sizes corosync takes. */
#define CLUSTER_AUTHKEY_SIZE 256
#define CLUSTER_AUTHKEY_MIN 128
#define CLUSTER_AUTHKEY_MAX 4096

typedef struct ClusterFile {
        const char *path;
        const void *content;
        size_t size;
        mode_t mode;
} ClusterFile;

/* fmt into err; returns r (a negative errno). */
int cluster_fail(int r, char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* CLUSTER_AUTHKEY_SIZE random bytes into key. */
int cluster_authkey_new(uint8_t key[static CLUSTER_AUTHKEY_SIZE], char *err, size_t errlen);
/* The key in path: a regular file of CLUSTER_AUTHKEY_MIN to _MAX bytes;
 * *ret malloc'ed. */
int cluster_authkey_read(const char *path, uint8_t **ret, size_t *ret_size, char *err, size_t errlen);

/* dir without its trailing slashes ("/" stays); malloc'ed, NULL when out
 * of memory. */
char *cluster_dir_trim(const char *dir);

/* Write every file, each through a temporary file renamed over it, with
 * its mode; the directories they are in are made when missing (0755,
 * whatever the umask).
 * Without force, a file that exists with other content is not overwritten:
 * -EEXIST naming every such file, and nothing is written. A file that
 * already holds exactly the content is written again. */
int cluster_files_write(const ClusterFile *files, size_t n, bool force, char *err, size_t errlen);
