/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Command-line parsing for `wolfpack`, driven by the verb table: global
 * options, finding the verb (with "did you mean"), the verb's options,
 * positional arguments and K=V properties, and the usage texts. Owns every
 * rule about what a well-formed command line is; never talks to the server
 * and never prints except the usage texts it is asked for.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli-args.h"
#include "cli-kv.h"
#include "cli-suggest.h"
#include "macro.h"
#include "text-quote.h"

static const CliOption global_options[] = {
        { "socket", "PATH", false },
        { "server", "URL", false },
        { "token-file", "FILE", false },
        { "ca", "FILE", false },
        { "json", NULL, false },
        { "no-wait", NULL, false },
        { "timeout", "DURATION", false },
        { "help", NULL, false },
        { "version", NULL, false },
};

static void set_error(char *err, size_t errlen, const char *fmt, ...) _printf_(3, 4);
static void set_error(char *err, size_t errlen, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
}

/* "name" of "--name=value": its length, and the value after '=' or NULL. */
static size_t option_name(const char *arg, const char **ret_value) {
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        *ret_value = eq ? eq + 1 : NULL;
        return eq ? (size_t) (eq - name) : strlen(name);
}

static bool name_is(const char *name, size_t len, const char *want) {
        return strlen(want) == len && strncmp(name, want, len) == 0;
}

int cli_global_parse(int *argc, char **argv, CliGlobal *ret, char *err, size_t errlen) {
        CliGlobal g = {};
        int out = 1, i = 1;

        for (; i < *argc; i++) {
                const char *arg = argv[i];
                if (strcmp(arg, "--") == 0)
                        break;
                if (strcmp(arg, "-h") == 0) {
                        g.help = true;
                        continue;
                }
                if (strncmp(arg, "--", 2) != 0) {
                        argv[out++] = argv[i];
                        continue;
                }

                const char *value;
                size_t len = option_name(arg, &value);
                const CliOption *o = NULL;
                for (size_t k = 0; k < ELEMENTSOF(global_options); k++)
                        if (name_is(arg + 2, len, global_options[k].name))
                                o = &global_options[k];
                if (!o) {
                        argv[out++] = argv[i];  /* the verb's own, or unknown: the verb says */
                        continue;
                }
                if (o->metavar && !value) {
                        if (i + 1 >= *argc) {
                                set_error(err, errlen, "--%s needs a value (%s)", o->name, o->metavar);
                                return -EINVAL;
                        }
                        value = argv[++i];
                } else if (!o->metavar && value) {
                        set_error(err, errlen, "--%s takes no value", o->name);
                        return -EINVAL;
                }

                if (strcmp(o->name, "socket") == 0) {
                        if (!*value) {
                                set_error(err, errlen, "--socket needs a path");
                                return -EINVAL;
                        }
                        g.socket_path = value;
                } else if (strcmp(o->name, "server") == 0 || strcmp(o->name, "token-file") == 0 ||
                           strcmp(o->name, "ca") == 0) {
                        if (!*value) {
                                set_error(err, errlen, "--%s needs a value (%s)", o->name, o->metavar);
                                return -EINVAL;
                        }
                        *(strcmp(o->name, "server") == 0       ? &g.server
                          : strcmp(o->name, "token-file") == 0 ? &g.token_file
                                                               : &g.ca_file) = value;
                } else if (strcmp(o->name, "timeout") == 0)
                        g.timeout = value;
                else if (strcmp(o->name, "json") == 0)
                        g.json = true;
                else if (strcmp(o->name, "no-wait") == 0)
                        g.no_wait = true;
                else if (strcmp(o->name, "help") == 0)
                        g.help = true;
                else
                        g.version = true;
        }
        for (; i < *argc; i++)
                argv[out++] = argv[i];
        argv[out] = NULL;
        *argc = out;
        *ret = g;
        return 0;
}

static void unknown_option(const CliVerb *v, const char *arg, size_t len, char *err, size_t errlen);

/* The distinct nouns of table, in order. */
static size_t table_nouns(const CliVerb *table, const char **nouns, size_t max) {
        size_t n = 0;
        for (const CliVerb *v = table; v->noun; v++) {
                bool seen = false;
                for (size_t k = 0; k < n; k++)
                        if (strcmp(nouns[k], v->noun) == 0)
                                seen = true;
                if (!seen && n + 1 < max)
                        nouns[n++] = v->noun;
        }
        nouns[n] = NULL;
        return n;
}

static bool noun_matches(const char *typed, const char *noun) {
        size_t tl = strlen(typed), nl = strlen(noun);
        if (strcasecmp(typed, noun) == 0)
                return true;
        /* "groups" for "group". */
        return tl == nl + 1 && strncasecmp(typed, noun, nl) == 0 && (typed[nl] == 's' || typed[nl] == 'S');
}

int cli_verb_find(const CliVerb *table, int n_args, char **args, const CliVerb **ret, int *ret_used,
                  const char **ret_noun, char *err, size_t errlen) {
        *ret_noun = NULL;
        if (n_args < 1) {
                set_error(err, errlen, "no command given");
                return -EINVAL;
        }

        if (args[0][0] == '-' && args[0][1]) {
                /* Before any command only the global options are known. */
                static const CliVerb none = {};
                const char *value;
                size_t len = args[0][1] == '-' ? option_name(args[0], &value) : strlen(args[0]);
                unknown_option(&none, args[0], len, err, errlen);
                return -EINVAL;
        }

        const CliVerb *first = NULL;
        for (const CliVerb *v = table; v->noun && !first; v++)
                if (noun_matches(args[0], v->noun))
                        first = v;
        if (!first) {
                const char *nouns[64];
                table_nouns(table, nouns, ELEMENTSOF(nouns));
                const char *s = cli_suggest(args[0], nouns);
                if (s)
                        set_error(err, errlen, "unknown command %s; did you mean \"%s\"?", text_quote(args[0]).s, s);
                else
                        set_error(err, errlen, "unknown command %s (wolfpack --help lists them)", text_quote(args[0]).s);
                return -EINVAL;
        }
        const char *noun = first->noun;
        bool defaulted = n_args < 2 || (args[1][0] == '-' && args[1][1]);
        if (!first->verb) {
                /* A command of its own; when its noun has verbs too
                 * ("cluster init"), a word after it names one of them. */
                const CliVerb *verb_row = NULL;
                for (const CliVerb *v = table; v->noun && !verb_row; v++)
                        if (strcmp(v->noun, noun) == 0 && v->verb)
                                verb_row = v;
                if (!verb_row || defaulted) {
                        *ret = first;
                        *ret_used = 1;
                        return 0;
                }
                first = verb_row;
        }

        *ret_noun = noun;
        const char *verb = defaulted ? "list" : args[1];

        const char *verbs[64];
        size_t n_verbs = 0;
        for (const CliVerb *v = first; v->noun; v++) {
                if (strcmp(v->noun, noun) != 0 || !v->verb)
                        continue;
                if (strcasecmp(v->verb, verb) == 0) {
                        *ret = v;
                        *ret_used = defaulted ? 1 : 2;
                        return 0;
                }
                if (n_verbs + 1 < ELEMENTSOF(verbs))
                        verbs[n_verbs++] = v->verb;
        }
        verbs[n_verbs] = NULL;

        if (defaulted) {
                set_error(err, errlen, "%s needs a verb", noun);
                return -EINVAL;
        }
        const char *s = cli_suggest(verb, verbs);
        _cleanup_free_ char *typed = NULL;
        if (asprintf(&typed, "%s %s", noun, verb) < 0)
                return -ENOMEM;
        if (s)
                set_error(err, errlen, "unknown command %s; did you mean \"%s %s\"?", text_quote(typed).s, noun, s);
        else
                set_error(err, errlen, "unknown command %s", text_quote(typed).s);
        return -EINVAL;
}

/* The positional words of v->pos: how many in all and how many required;
 * the i-th name (brackets dropped) into buf when asked. */
static size_t pos_words(const CliVerb *v, size_t *ret_required, size_t want, char *buf, size_t buflen) {
        size_t n = 0, required = 0;
        const char *p = v->pos ? v->pos : "";

        for (;;) {
                p += strspn(p, " ");
                if (!*p)
                        break;
                size_t len = strcspn(p, " ");
                bool optional = p[0] == '[';
                if (!optional)
                        required++;
                if (buf && n == want) {
                        const char *s = optional ? p + 1 : p;
                        size_t l = optional ? len - 2 : len;
                        snprintf(buf, buflen, "%.*s", (int) l, s);
                }
                n++;
                p += len;
        }
        if (ret_required)
                *ret_required = required;
        return n;
}

static bool option_repeats(const CliOption *o) {
        return o->required == CLI_REPEATED || o->required == CLI_REPEATED_OPTIONAL;
}

static bool option_required(const CliOption *o) {
        return o->required && o->required != CLI_REPEATED_OPTIONAL;
}

static size_t n_options(const CliVerb *v) {
        size_t n = 0;
        while (n < CLI_MAX_OPTIONS && v->options[n].name)
                n++;
        return n;
}

static void unknown_option(const CliVerb *v, const char *arg, size_t len, char *err, size_t errlen) {
        const char *names[CLI_MAX_OPTIONS + ELEMENTSOF(global_options) + 1];
        size_t n = 0;
        for (size_t k = 0; k < n_options(v); k++)
                names[n++] = v->options[k].name;
        for (size_t k = 0; k < ELEMENTSOF(global_options); k++)
                names[n++] = global_options[k].name;
        names[n] = NULL;

        char typed[128];
        snprintf(typed, sizeof typed, "%.*s", (int) (len < 127 ? len : 127), arg + 2);
        const char *s = arg[1] == '-' ? cli_suggest(typed, names) : NULL;
        if (s)
                set_error(err, errlen, "unknown option %s; did you mean --%s?", text_quote_n(arg, len + 2).s, s);
        else
                set_error(err, errlen, "unknown option %s", text_quote(arg).s);
}

void cli_args_done(CliArgs *a) {
        if (!a)
                return;
        if (a->props) {
                json_decref(a->props);
                a->props = NULL;
        }
        for (size_t k = 0; k < CLI_MAX_OPTIONS; k++) {
                free(a->all[k]);
                a->all[k] = NULL;
                a->n_all[k] = 0;
        }
}

int cli_args_parse(const CliVerb *v, int n_args, char **args, CliArgs *ret, char *err, size_t errlen) {
        CliArgs a = { .verb = v };
        size_t required, max_pos = pos_words(v, &required, 0, NULL, 0);
        size_t n_opt = n_options(v);
        bool dashdash = false;
        int r;

        if (max_pos > CLI_MAX_POSITIONAL)
                max_pos = CLI_MAX_POSITIONAL;
        if (v->props != CLI_PROPS_NONE) {
                a.props = json_object();
                if (!a.props)
                        return -ENOMEM;
        }

        for (int i = 0; i < n_args; i++) {
                const char *arg = args[i];

                if (!dashdash && strcmp(arg, "--") == 0) {
                        dashdash = true;
                        continue;
                }
                if (!dashdash && arg[0] == '-' && arg[1]) {
                        const char *value;
                        size_t len = arg[1] == '-' ? option_name(arg, &value) : strlen(arg) - 2;
                        size_t k = 0;
                        if (arg[1] == '-')
                                for (; k < n_opt; k++)
                                        if (name_is(arg + 2, len, v->options[k].name))
                                                break;
                        if (arg[1] != '-' || k == n_opt) {
                                unknown_option(v, arg, arg[1] == '-' ? len : strlen(arg), err, errlen);
                                r = -EINVAL;
                                goto fail;
                        }
                        const CliOption *o = &v->options[k];
                        if (a.opt[k] && !option_repeats(o)) {
                                set_error(err, errlen, "--%s is given twice", o->name);
                                r = -EINVAL;
                                goto fail;
                        }
                        if (o->metavar && !value) {
                                if (i + 1 >= n_args) {
                                        set_error(err, errlen, "--%s needs a value (%s)", o->name, o->metavar);
                                        r = -EINVAL;
                                        goto fail;
                                }
                                value = args[++i];
                        } else if (!o->metavar && value) {
                                set_error(err, errlen, "--%s takes no value", o->name);
                                r = -EINVAL;
                                goto fail;
                        }
                        if (!a.opt[k])
                                a.opt[k] = o->metavar ? value : "";
                        if (option_repeats(o)) {
                                const char **all = realloc(a.all[k], (a.n_all[k] + 1) * sizeof *all);
                                if (!all) {
                                        r = -ENOMEM;
                                        goto fail;
                                }
                                all[a.n_all[k]++] = value;
                                a.all[k] = all;
                        }
                        continue;
                }
                if (a.props && cli_kv_is(arg)) {
                        r = cli_kv_add(a.props, arg, err, errlen);
                        if (r < 0)
                                goto fail;
                        continue;
                }
                if (a.n_pos >= max_pos) {
                        if (a.props)
                                set_error(err, errlen, "unexpected argument %s (properties are given as K=V)", text_quote(arg).s);
                        else
                                set_error(err, errlen, "unexpected argument %s", text_quote(arg).s);
                        r = -EINVAL;
                        goto fail;
                }
                a.pos[a.n_pos++] = arg;
        }

        if (a.n_pos < required) {
                char name[64];
                pos_words(v, NULL, a.n_pos, name, sizeof name);
                set_error(err, errlen, "missing %s", name);
                r = -EINVAL;
                goto fail;
        }
        for (size_t k = 0; k < n_opt; k++)
                if (option_required(&v->options[k]) && !a.opt[k]) {
                        set_error(err, errlen, "missing --%s %s", v->options[k].name,
                                  v->options[k].metavar ? v->options[k].metavar : "");
                        r = -EINVAL;
                        goto fail;
                }
        if (v->props == CLI_PROPS_REQUIRED && json_object_size(a.props) == 0) {
                set_error(err, errlen, "no K=V given: name the properties to set");
                r = -EINVAL;
                goto fail;
        }

        *ret = a;
        return 0;
fail:
        cli_args_done(&a);
        return r;
}

const char *cli_args_opt(const CliArgs *a, const char *name) {
        for (size_t k = 0; k < CLI_MAX_OPTIONS && a->verb->options[k].name; k++)
                if (strcmp(a->verb->options[k].name, name) == 0)
                        return a->opt[k];
        return NULL;
}

const char *const *cli_args_opt_all(const CliArgs *a, const char *name, size_t *ret_n) {
        for (size_t k = 0; k < CLI_MAX_OPTIONS && a->verb->options[k].name; k++)
                if (strcmp(a->verb->options[k].name, name) == 0) {
                        *ret_n = a->n_all[k];
                        return a->all[k];
                }
        *ret_n = 0;
        return NULL;
}

void cli_usage_line(const CliVerb *v, FILE *f) {
        fprintf(f, "wolfpack %s", v->noun);
        if (v->verb)
                fprintf(f, " %s", v->verb);
        if (v->pos && *v->pos)
                fprintf(f, " %s", v->pos);
        for (size_t k = 0; k < n_options(v); k++) {
                const CliOption *o = &v->options[k];
                fprintf(f, " %s--%s%s%s%s%s", option_required(o) ? "" : "[", o->name, o->metavar ? " " : "",
                        o->metavar ? o->metavar : "", option_required(o) ? "" : "]", option_repeats(o) ? " ..." : "");
        }
        if (v->props == CLI_PROPS_OPTIONAL)
                fputs(" [K=V ...]", f);
        else if (v->props == CLI_PROPS_REQUIRED)
                fputs(" K=V ...", f);
        if (v->flags & CLI_WAITS)
                fputs(" [--no-wait] [--timeout DURATION]", f);
        fputc('\n', f);
}

bool cli_noun_has_verbs(const CliVerb *table, const char *noun) {
        for (const CliVerb *v = table; v->noun; v++)
                if (v->verb && strcmp(v->noun, noun) == 0)
                        return true;
        return false;
}

void cli_usage_noun(const CliVerb *table, const char *noun, FILE *f) {
        bool first = true;
        for (const CliVerb *v = table; v->noun; v++) {
                if (strcmp(v->noun, noun) != 0)
                        continue;
                fputs(first ? "usage: " : "       ", f);
                cli_usage_line(v, f);
                first = false;
        }
}

void cli_usage_all(const CliVerb *table, FILE *f) {
        int width = 0;
        for (const CliVerb *v = table; v->noun; v++) {
                int w = (int) strlen(v->noun) + (v->verb ? 1 + (int) strlen(v->verb) : 0);
                if (w > width)
                        width = w;
        }

        fputs("usage: wolfpack [--socket PATH | --server URL] [--json] [--no-wait] [--timeout DURATION] COMMAND [ARGS]\n\n"
              "Commands:\n", f);
        const char *last = NULL;
        for (const CliVerb *v = table; v->noun; v++) {
                if (last && strcmp(last, v->noun) != 0 && (v->verb || (v > table && v[-1].verb)))
                        fputc('\n', f);
                last = v->noun;
                char head[128];
                snprintf(head, sizeof head, "%s%s%s", v->noun, v->verb ? " " : "", v->verb ? v->verb : "");
                fprintf(f, "  %-*s  %s\n", width, head, v->summary ? v->summary : "");
        }
        fputs("\nGlobal options, anywhere on the line:\n"
              "  --socket PATH       the API socket (else $" CLI_SOCKET_ENV ", else " CLI_DEFAULT_SOCKET ")\n"
              "  --server URL        a node's remote API instead, https://HOST:PORT (else $" CLI_SERVER_ENV ")\n"
              "  --token-file FILE   the token for --server (else $" CLI_TOKEN_ENV " holds it)\n"
              "  --ca FILE           the cluster's CA for --server (else $" CLI_CA_ENV ", else " CLI_DEFAULT_CA ")\n"
              "  --json              print the API's JSON (one compact object a line for streams)\n"
              "  --no-wait           do not wait for online, offline, move, fail or drain to finish\n"
              "  --timeout DURATION  how long to wait for them (default 5min), and for any answer (default 30s)\n"
              "\n`wolfpack help NOUN` (or `wolfpack NOUN --help`) shows a noun's verbs and their arguments.\n"
              "Exit status: 0 done, 1 the operation failed, 2 usage error, 3 no such object.\n",
              f);
}
