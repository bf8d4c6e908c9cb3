/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* corosync.conf's nodelist edited as text (see corosync-nodelist.h). */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corosync-nodelist.h"

typedef struct Line {
        const char *s;  /* start of the line */
        size_t len;     /* without its newline */
        size_t next;    /* offset of the next line */
} Line;

/* The line's text without leading and trailing blanks. */
static void trimmed(const Line *l, const char **ret, size_t *ret_len) {
        const char *s = l->s;
        size_t n = l->len;
        while (n > 0 && isspace((unsigned char) *s))
                s++, n--;
        while (n > 0 && isspace((unsigned char) s[n - 1]))
                n--;
        *ret = s;
        *ret_len = n;
}

/* "name {": the section's name, trimmed. */
static bool opens(const char *s, size_t n, const char **name, size_t *name_len) {
        if (n == 0 || s[n - 1] != '{')
                return false;
        n--;
        while (n > 0 && isspace((unsigned char) s[n - 1]))
                n--;
        *name = s;
        *name_len = n;
        return true;
}

static bool is_word(const char *s, size_t n, const char *w) {
        return n == strlen(w) && memcmp(s, w, n) == 0;
}

/* "nodeid: 3": the value, or -1 when the line sets no nodeid. */
static long long nodeid_of(const char *s, size_t n) {
        const char *colon = memchr(s, ':', n);
        if (!colon)
                return -1;
        size_t kn = (size_t) (colon - s);
        while (kn > 0 && isspace((unsigned char) s[kn - 1]))
                kn--;
        if (!is_word(s, kn, "nodeid"))
                return -1;
        char buf[32];
        size_t vn = n - (size_t) (colon + 1 - s);
        if (vn >= sizeof(buf))
                return -1;
        memcpy(buf, colon + 1, vn);
        buf[vn] = 0;
        char *end;
        long long v = strtoll(buf, &end, 10);
        while (isspace((unsigned char) *end))
                end++;
        return *end || v < 0 ? -1 : v;
}

int corosync_nodelist_drop(const char *text, uint32_t id, char **ret, size_t *ret_left, char *err, size_t errlen) {
        size_t len = strlen(text), depth = 0, line_no = 0, left = 0;
        /* Where each open section began; the node block being read. */
        bool in_nodelist = false, in_node = false;
        size_t nodelist_depth = 0, node_start = 0, node_line = 0, drop_start = 0, drop_end = 0;
        long long node_id = -1;
        bool found = false;
        for (size_t o = 0; o < len;) {
                const char *nl = memchr(text + o, '\n', len - o);
                Line l = { text + o, nl ? (size_t) (nl - (text + o)) : len - o, nl ? (size_t) (nl - text) + 1 : len };
                line_no++;
                const char *s, *name;
                size_t n, name_len;
                trimmed(&l, &s, &n);
                if (n == 0 || s[0] == '#') {
                        o = l.next;
                        continue;
                }
                if (opens(s, n, &name, &name_len)) {
                        depth++;
                        if (depth == 1 && is_word(name, name_len, "nodelist")) {
                                in_nodelist = true;
                                nodelist_depth = depth;
                        } else if (in_nodelist && depth == nodelist_depth + 1 && is_word(name, name_len, "node")) {
                                in_node = true;
                                node_start = o;
                                node_line = line_no;
                                node_id = -1;
                        }
                } else if (is_word(s, n, "}")) {
                        if (depth == 0) {
                                snprintf(err, errlen, "line %zu: a \"}\" closes no section", line_no);
                                return -EINVAL;
                        }
                        if (in_node && depth == nodelist_depth + 1) {
                                in_node = false;
                                if (node_id < 0) {
                                        snprintf(err, errlen, "line %zu: this node { } of the nodelist has no nodeid",
                                                 node_line);
                                        return -EINVAL;
                                }
                                if ((uint32_t) node_id == id && !found) {
                                        found = true;
                                        drop_start = node_start;
                                        drop_end = l.next;
                                } else
                                        left++;
                        }
                        if (in_nodelist && depth == nodelist_depth)
                                in_nodelist = false;
                        depth--;
                } else if (in_node && depth == nodelist_depth + 1) {
                        long long v = nodeid_of(s, n);
                        if (v >= 0)
                                node_id = v;
                }
                o = l.next;
        }
        if (depth != 0) {
                snprintf(err, errlen, "%zu section(s) not closed at the end of the file", depth);
                return -EINVAL;
        }
        if (!found)
                return -ENOENT;
        char *out = malloc(len - (drop_end - drop_start) + 1);
        if (!out)
                return -ENOMEM;
        memcpy(out, text, drop_start);
        memcpy(out + drop_start, text + drop_end, len - drop_end);
        out[len - (drop_end - drop_start)] = 0;
        *ret = out;
        if (ret_left)
                *ret_left = left;
        return 0;
}
