/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An OCF resource agent's meta-data (the XML its "meta-data" action
 * prints, ra-api-1.dtd): its parameters with their types, defaults,
 * required flags and short descriptions, and the timeouts and depths of its
 * start, stop and monitor actions. Owns the parsed form and the rules that
 * refuse meta-data Wolfpack cannot use; pure: parses text, runs nothing.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <wolfpack/resapi.h>

typedef enum OcfParamType {
        OCF_PARAM_STRING = 0, /* also every type OCF names that is not one of the two below */
        OCF_PARAM_INTEGER,
        OCF_PARAM_BOOLEAN,
} OcfParamType;

typedef struct OcfParam {
        char *name;           /* as the agent spells it: OCF_RESKEY_<name> */
        char *prop_name;      /* the Wolfpack property: CamelCase of name ("op_sleep" → "OpSleep") */
        OcfParamType type;
        char *default_value;  /* NULL: none */
        bool required;
        bool reloadable;      /* reloadable="1" (OCF 1.1), or unique="0" for an agent with the older reload */
        bool unique_zero;     /* unique="0" */
        char *shortdesc;      /* one line; NULL: none */
} OcfParam;

typedef struct OcfMeta {
        char *shortdesc;      /* of the agent; NULL: none */
        OcfParam *params;
        size_t n_params;
        /* The timeouts the agent advises for its actions; 0: not given. */
        wp_usec_t start_timeout, stop_timeout, monitor_timeout;
        /* The deepest OCF_CHECK_LEVEL among its monitor actions (0, or 10
         * for an agent that offers a thorough check). */
        int monitor_depth;
        bool validate;        /* it has a validate-all action */
        /* The action that applies reloadable parameters: "reload-agent"
         * (OCF 1.1), else "reload"; NULL: none. */
        const char *reload_action;
} OcfMeta;

/* Parse meta-data text. -EINVAL with err saying what is wrong: not XML (with
 * libxml2's message and line), no <resource-agent>, a parameter without a
 * name or with one that cannot be an environment variable's, a name given
 * twice, two names that become one property. */
int ocf_meta_parse(const char *xml, size_t len, OcfMeta **ret, char *err, size_t errlen);
OcfMeta *ocf_meta_free(OcfMeta *m);
const char *ocf_param_type_name(OcfParamType t);   /* "string", "integer", "boolean" */

/* The Wolfpack property name of an OCF parameter name: each run of letters
 * and digits capitalised, the rest dropped. *ret malloc'ed; -EINVAL when
 * nothing is left. */
int ocf_prop_name(const char *ocf_name, char **ret);
