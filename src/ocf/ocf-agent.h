/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where OCF agents live and what every action of theirs runs with. An agent
 * provider:agent is the executable <dir>/<provider>/<agent> in the first
 * directory of OCF_RA_PATH (colon-separated, as Pacemaker names it) that
 * has one; without OCF_RA_PATH, $OCF_ROOT/resource.d. OCF_ROOT is the
 * monitor's own, or /usr/lib/ocf. Owns the lookup, the base environment and
 * the one synchronous run, meta-data, bounded by its timeout.
 */
#pragma once

#include <stddef.h>

#include <wolfpack/resapi.h>

#define OCF_ROOT_DEFAULT "/usr/lib/ocf"
#define OCF_META_DATA_TIMEOUT (5 * WP_USEC_PER_SEC)
#define OCF_META_DATA_MAX (1024 * 1024)

const char *ocf_root(void);

/* subtype: "provider:agent". -ENOENT with err naming where it looked, or
 * -EINVAL when subtype is not two parts. Outputs malloc'ed. */
int ocf_agent_find(const char *subtype, char **ret_provider, char **ret_agent, char **ret_path, char *err,
                   size_t errlen);

/* The environment every action starts from: the monitor's own without any
 * OCF_ variable, then OCF_ROOT and OCF_RA_VERSION_MAJOR/MINOR. */
int ocf_env_base(char ***ret);

/* Run "<path> meta-data" and return what it printed (NUL-terminated). It
 * runs outside any resource's cgroup, in its own session, and is killed
 * (its session) past OCF_META_DATA_TIMEOUT; this blocks the caller for at
 * most that long. Errors: the agent cannot run, timed out, failed (with its
 * exit code's OCF meaning), printed more than OCF_META_DATA_MAX bytes. */
int ocf_agent_meta_data(const char *path, char **ret, size_t *ret_len, char *err, size_t errlen);

/* path validate-all with env (the resource's OCF_RESKEY_ values), for at
 * most budget. -EINVAL, with the agent's reason in err, when it says the
 * arguments are invalid (OCF_ERR_ARGS); 1, with its reason in err, when it
 * says "not configured" (OCF_ERR_CONFIGURED: that may depend on what is
 * not there yet, such as an address another resource brings); 0
 * otherwise, also when it did not answer in time or lacks something here. */
int ocf_agent_validate(const char *path, char **env, wp_usec_t budget, char *err, size_t errlen);
