/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An OCF agent's meta-data, parsed with libxml2: see ocf-meta.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "macro.h"
#include "ocf-meta.h"
#include "props.h"
#include "text-quote.h"

static const char *const type_names[] = {
        [OCF_PARAM_STRING] = "string",
        [OCF_PARAM_INTEGER] = "integer",
        [OCF_PARAM_BOOLEAN] = "boolean",
};

const char *ocf_param_type_name(OcfParamType t) {
        return (unsigned) t < ELEMENTSOF(type_names) ? type_names[t] : NULL;
}

static bool is_alnum(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int ocf_prop_name(const char *ocf_name, char **ret) {
        char *out = malloc(strlen(ocf_name) + 1);
        if (!out)
                return -ENOMEM;
        size_t n = 0;
        bool start = true;
        for (const char *c = ocf_name; *c; c++) {
                if (!is_alnum(*c)) {
                        start = true;
                        continue;
                }
                out[n++] = start && *c >= 'a' && *c <= 'z' ? (char) (*c - 'a' + 'A') : *c;
                start = false;
        }
        out[n] = 0;
        if (n == 0) {
                free(out);
                return -EINVAL;
        }
        *ret = out;
        return 0;
}

static void param_done(OcfParam *p) {
        free(p->name);
        free(p->prop_name);
        free(p->default_value);
        free(p->shortdesc);
}

OcfMeta *ocf_meta_free(OcfMeta *m) {
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->n_params; i++)
                param_done(&m->params[i]);
        free(m->params);
        free(m->shortdesc);
        free(m);
        return NULL;
}

static bool is_element(const xmlNode *n, const char *name) {
        return n->type == XML_ELEMENT_NODE && strcmp((const char *) n->name, name) == 0;
}

/* An attribute's value, malloc'ed; NULL when absent. *ret_oom on failure. */
static char *attr(xmlNode *n, const char *name, bool *ret_oom) {
        xmlChar *v = xmlGetProp(n, (const xmlChar *) name);
        if (!v)
                return NULL;
        char *s = strdup((const char *) v);
        xmlFree(v);
        if (!s)
                *ret_oom = true;
        return s;
}

/* The text of an element on one line: runs of blanks become one space. */
static char *one_line(xmlNode *n, bool *ret_oom) {
        xmlChar *v = xmlNodeGetContent(n);
        if (!v)
                return NULL;
        char *s = malloc(strlen((const char *) v) + 1);
        if (!s) {
                xmlFree(v);
                *ret_oom = true;
                return NULL;
        }
        size_t k = 0;
        for (const char *c = (const char *) v; *c; c++) {
                bool blank = *c == ' ' || *c == '\t' || *c == '\n' || *c == '\r';
                if (blank) {
                        if (k > 0 && s[k - 1] != ' ')
                                s[k++] = ' ';
                } else
                        s[k++] = *c;
        }
        while (k > 0 && s[k - 1] == ' ')
                k--;
        s[k] = 0;
        xmlFree(v);
        if (k == 0) {
                free(s);
                return NULL;
        }
        return s;
}

/* The English shortdesc among n's children (or the first one). */
static char *shortdesc_of(xmlNode *n, bool *ret_oom) {
        xmlNode *pick = NULL;
        for (xmlNode *c = n->children; c; c = c->next) {
                if (!is_element(c, "shortdesc"))
                        continue;
                xmlChar *lang = xmlGetProp(c, (const xmlChar *) "lang");
                bool en = !lang || strncmp((const char *) lang, "en", 2) == 0;
                xmlFree(lang);
                if (!pick || en)
                        pick = c;
                if (en)
                        break;
        }
        return pick ? one_line(pick, ret_oom) : NULL;
}

static bool env_name_ok(const char *s) {
        if (!*s || strlen(s) > 128)
                return false;
        for (const char *c = s; *c; c++)
                if (!is_alnum(*c) && *c != '_')
                        return false;
        return true;
}

static int parse_param(xmlNode *n, OcfParam *p, char *err, size_t errlen) {
        bool oom = false;
        p->name = attr(n, "name", &oom);
        if (oom)
                return -ENOMEM;
        if (!p->name) {
                snprintf(err, errlen, "a <parameter> has no name");
                return -EINVAL;
        }
        if (!env_name_ok(p->name)) {
                snprintf(err, errlen,
                         "parameter %s cannot be passed as OCF_RESKEY_%s: names are 1 to 128 characters of A-Z a-z "
                         "0-9 _",
                         text_quote(p->name).s, text_quote(p->name).s);
                return -EINVAL;
        }
        int k = ocf_prop_name(p->name, &p->prop_name);
        if (k == -EINVAL) {
                snprintf(err, errlen, "parameter %s has no letter or digit to make a property name of",
                         text_quote(p->name).s);
                return k;
        }
        if (k < 0)
                return k;
        _cleanup_free_ char *required = attr(n, "required", &oom);
        p->required = required && (strcmp(required, "1") == 0 || strcasecmp(required, "true") == 0);
        _cleanup_free_ char *reloadable = attr(n, "reloadable", &oom), *unique = attr(n, "unique", &oom);
        p->reloadable = reloadable && (strcmp(reloadable, "1") == 0 || strcasecmp(reloadable, "true") == 0);
        /* The older rule (an agent with "reload" and no reloadable
         * attributes): what is not unique reloads; settled once the
         * actions are read. */
        p->unique_zero = unique && strcmp(unique, "0") == 0;
        p->shortdesc = shortdesc_of(n, &oom);
        for (xmlNode *c = n->children; c; c = c->next) {
                if (!is_element(c, "content"))
                        continue;
                _cleanup_free_ char *type = attr(c, "type", &oom);
                if (type && strcasecmp(type, "integer") == 0)
                        p->type = OCF_PARAM_INTEGER;
                else if (type && strcasecmp(type, "boolean") == 0)
                        p->type = OCF_PARAM_BOOLEAN;
                p->default_value = attr(c, "default", &oom);
                break;
        }
        return oom ? -ENOMEM : 0;
}

/* OCF timeouts: "20s", "2min", "20" (seconds). Values that do not parse
 * are left for the defaults: an agent's advice, not a contract. */
static void parse_action(xmlNode *n, OcfMeta *m) {
        xmlChar *name = xmlGetProp(n, (const xmlChar *) "name");
        xmlChar *timeout = xmlGetProp(n, (const xmlChar *) "timeout");
        xmlChar *depth = xmlGetProp(n, (const xmlChar *) "depth");
        wp_usec_t t = 0;
        if (timeout && parse_duration((const char *) timeout, &t) < 0)
                t = 0;
        if (name) {
                const char *a = (const char *) name;
                if (strcmp(a, "validate-all") == 0)
                        m->validate = true;
                else if (strcmp(a, "reload-agent") == 0)
                        m->reload_action = "reload-agent";
                else if (strcmp(a, "reload") == 0 && !m->reload_action)
                        m->reload_action = "reload";
                else if (strcmp(a, "start") == 0)
                        m->start_timeout = t;
                else if (strcmp(a, "stop") == 0)
                        m->stop_timeout = t;
                else if (strcmp(a, "monitor") == 0) {
                        int64_t d = 0;
                        if (depth && parse_int64((const char *) depth, &d) >= 0 && d > m->monitor_depth && d <= 100)
                                m->monitor_depth = (int) d;
                        /* The shallowest monitor's timeout is LooksAlive's. */
                        if (t && (d == 0 || !m->monitor_timeout))
                                m->monitor_timeout = t;
                }
        }
        xmlFree(name);
        xmlFree(timeout);
        xmlFree(depth);
}

static int check_names(const OcfMeta *m, char *err, size_t errlen) {
        for (size_t i = 0; i < m->n_params; i++)
                for (size_t j = 0; j < i; j++) {
                        if (strcmp(m->params[i].name, m->params[j].name) == 0) {
                                snprintf(err, errlen, "parameter %s is declared twice", text_quote(m->params[i].name).s);
                                return -EINVAL;
                        }
                        if (strcasecmp(m->params[i].prop_name, m->params[j].prop_name) == 0) {
                                snprintf(err, errlen, "parameters %s and %s would both be property %s",
                                         text_quote(m->params[j].name).s, text_quote(m->params[i].name).s,
                                         m->params[j].prop_name);
                                return -EINVAL;
                        }
                }
        return 0;
}

static int parse_agent(xmlNode *root, OcfMeta *m, char *err, size_t errlen) {
        bool oom = false;
        m->shortdesc = shortdesc_of(root, &oom);
        if (oom)
                return -ENOMEM;
        for (xmlNode *c = root->children; c; c = c->next) {
                if (is_element(c, "parameters")) {
                        for (xmlNode *p = c->children; p; p = p->next) {
                                if (!is_element(p, "parameter"))
                                        continue;
                                OcfParam *grown = realloc(m->params, (m->n_params + 1) * sizeof(*grown));
                                if (!grown)
                                        return -ENOMEM;
                                m->params = grown;
                                memset(&m->params[m->n_params], 0, sizeof(OcfParam));
                                m->n_params++;
                                int k = parse_param(p, &m->params[m->n_params - 1], err, errlen);
                                if (k < 0)
                                        return k;
                        }
                } else if (is_element(c, "actions")) {
                        for (xmlNode *a = c->children; a; a = a->next)
                                if (is_element(a, "action"))
                                        parse_action(a, m);
                }
        }
        return check_names(m, err, errlen);
}

int ocf_meta_parse(const char *xml, size_t len, OcfMeta **ret, char *err, size_t errlen) {
        if (len > INT32_MAX) {
                snprintf(err, errlen, "meta-data of %zu bytes is too large", len);
                return -EINVAL;
        }
        xmlDoc *doc = xmlReadMemory(xml, (int) len, "meta-data", NULL,
                                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        if (!doc) {
                const xmlError *e = xmlGetLastError();
                _cleanup_free_ char *msg = e && e->message ? strdup(e->message) : NULL;
                if (msg && *msg && msg[strlen(msg) - 1] == '\n')
                        msg[strlen(msg) - 1] = 0;
                if (msg)
                        snprintf(err, errlen, "meta-data is not XML: %s at line %d", msg, e->line);
                else
                        snprintf(err, errlen, "meta-data is not XML");
                return -EINVAL;
        }
        xmlNode *root = xmlDocGetRootElement(doc);
        if (!root || !is_element(root, "resource-agent")) {
                snprintf(err, errlen, "meta-data has no <resource-agent> element%s%s", root ? "; it starts with <" : "",
                         root ? (const char *) root->name : "");
                if (root)
                        strncat(err, ">", errlen - strlen(err) - 1);
                xmlFreeDoc(doc);
                return -EINVAL;
        }
        OcfMeta *m = calloc(1, sizeof(*m));
        int k = m ? parse_agent(root, m, err, errlen) : -ENOMEM;
        xmlFreeDoc(doc);
        if (k == -ENOMEM)
                snprintf(err, errlen, "out of memory");
        if (k < 0) {
                ocf_meta_free(m);
                return k;
        }
        /* No parameter says reloadable, and the agent has the older
         * reload: Pacemaker's older rule, what is not unique reloads. */
        bool marked = false;
        for (size_t i = 0; i < m->n_params; i++)
                marked = marked || m->params[i].reloadable;
        for (size_t i = 0; !marked && m->reload_action && i < m->n_params; i++)
                m->params[i].reloadable = m->params[i].unique_zero;
        if (!m->reload_action)
                for (size_t i = 0; i < m->n_params; i++)
                        m->params[i].reloadable = false;
        *ret = m;
        return 0;
}
