/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target of OCF meta-data (src/ocf/ocf-meta.c) and the property table
 * made of it (src/ocf/ocf-table.c). The input is what an agent's meta-data
 * action printed. Meta-data refused must say why; meta-data accepted must
 * give parameters with names fit for OCF_RESKEY_ and distinct properties,
 * and a table whose defaults all parse (props_init) and which, with every
 * value at its default, passes no parameter to the agent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "ocf-meta.h"
#include "ocf-table.h"
#include "props.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        OcfMeta *m = NULL;
        char err[512] = "";
        int k = ocf_meta_parse((const char *) data, size, &m, err, sizeof(err));
        if (k < 0) {
                check(err[0] != 0);
                check(!m);
                return 0;
        }
        for (size_t i = 0; i < m->n_params; i++) {
                check(m->params[i].name[0] != 0 && m->params[i].prop_name[0] != 0);
                for (size_t j = 0; j < i; j++)
                        check(strcasecmp(m->params[i].prop_name, m->params[j].prop_name) != 0);
        }
        OcfTable *t = NULL;
        err[0] = 0;
        k = ocf_table_new(m, &t, err, sizeof(err));
        if (k < 0) {
                check(err[0] != 0);
                ocf_meta_free(m);
                return 0;
        }
        void *params = calloc(1, t->params_size);
        check(params);
        check(props_init(t->props, params, err, sizeof(err)) == 0);
        char **env = calloc(1, sizeof(char *));
        check(env);
        check(ocf_table_env(m, t, params, &env) == 0);
        check(strv_length(env) == 0);
        strv_free(env);
        props_free(t->props, params);
        free(params);
        ocf_table_free(t);
        ocf_meta_free(m);
        return 0;
}
