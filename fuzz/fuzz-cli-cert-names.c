/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target of the names and lifetime of a node's TLS certificate
 * (src/cli/cli-cert-names.c). The first byte picks what is parsed: 'h' one
 * --host value, 'd' --days, 'n' a list of --host values separated by NUL
 * bytes added to one set; the rest is the text.
 * Invariants: a refusal has a one-line valid UTF-8 message naming the
 * option and leaves the output untouched; an address accepted is 4 or 16
 * bytes whose canonical text parses back to the same bytes; a name
 * accepted is the input itself and a DNS name by the rule; a set holds
 * each name once and is the same as itself in any order; days are 1 to
 * 36500.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli-cert-names.h"
#include "fuzz.h"

static void check_refusal(const char *err, size_t errlen, const char *option) {
        check_message(err, errlen);
        check(strncmp(err, option, strlen(option)) == 0);
}

static void check_san(const char *text, const CertSan *s) {
        if (s->type == CERT_SAN_IP) {
                check(s->ip_len == 4 || s->ip_len == 16);
                uint8_t back[16];
                check(inet_pton(s->ip_len == 4 ? AF_INET : AF_INET6, s->text, back) == 1);
                check(memcmp(back, s->ip, s->ip_len) == 0);
                CertSan again;
                char err[1024];
                check(cert_san_parse(s->text, &again, err, sizeof err) == 0 && cert_san_equal(&again, s));
        } else {
                check(s->type == CERT_SAN_DNS && s->ip_len == 0);
                check(strcmp(s->text, text) == 0);
                check(cert_dns_name_valid(s->text, true));
                check(strspn(s->text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.*") ==
                      strlen(s->text));
                check(!strchr(s->text + 1, '*'));
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 1)
                return 0;
        char **words = fuzz_words(data + 1, size - 1);
        const char *text = words[0] ? words[0] : "";
        char err[1024] = "";

        switch (data[0]) {
        case 'h': {
                CertSan s = { .type = CERT_SAN_DNS, .text = "untouched" };
                if (cert_san_parse(text, &s, err, sizeof err) < 0) {
                        check_refusal(err, sizeof err, "--host ");
                        check(strcmp(s.text, "untouched") == 0);
                } else
                        check_san(text, &s);
                break;
        }
        case 'd': {
                unsigned d = 7;
                if (cert_days_parse(text, &d, err, sizeof err) < 0) {
                        check_refusal(err, sizeof err, "--days ");
                        check(d == 7);
                } else
                        check(d >= 1 && d <= CERT_DAYS_MAX);
                break;
        }
        case 'n': {
                CertSans *s = calloc(1, sizeof *s);
                check(s);
                for (size_t i = 0; words[i]; i++) {
                        size_t before = s->n;
                        int r = cert_sans_add(s, words[i], err, sizeof err);
                        if (r < 0) {
                                check_refusal(err, sizeof err, "--host ");
                                check(s->n == before);
                        } else
                                check(s->n == before || s->n == before + 1);
                }
                for (size_t i = 0; i < s->n; i++)
                        for (size_t j = 0; j < i; j++)
                                check(!cert_san_equal(&s->san[i], &s->san[j]));
                CertSans *r = calloc(1, sizeof *r);
                check(r);
                for (size_t i = s->n; i-- > 0;)
                        r->san[r->n++] = s->san[i];
                check(cert_sans_same(s, r) && cert_sans_same(r, s));
                free(r);
                free(s);
                break;
        }
        }
        for (size_t i = 0; words[i]; i++)
                free(words[i]);
        free(words);
        return 0;
}
