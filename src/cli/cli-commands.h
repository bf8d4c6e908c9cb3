/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The verbs of `wolfpack`, one function each, listed in cli-verbs.c and
 * written in the file of their noun. Each returns 0 or a negative errno,
 * having printed what went wrong (cli.h). */
#pragma once

#include "cli.h"

int verb_status(Cli *cli, const CliArgs *a);
int verb_cluster(Cli *cli, const CliArgs *a);
int verb_cluster_set(Cli *cli, const CliArgs *a);
int verb_cluster_get(Cli *cli, const CliArgs *a);
int verb_cluster_init(Cli *cli, const CliArgs *a);

int verb_cert_create(Cli *cli, const CliArgs *a);
int verb_cert_show(Cli *cli, const CliArgs *a);

int verb_node_list(Cli *cli, const CliArgs *a);
int verb_node_show(Cli *cli, const CliArgs *a);
int verb_node_pause(Cli *cli, const CliArgs *a);
int verb_node_resume(Cli *cli, const CliArgs *a);
int verb_node_drain(Cli *cli, const CliArgs *a);
int verb_node_evict(Cli *cli, const CliArgs *a);

int verb_group_create(Cli *cli, const CliArgs *a);
int verb_group_list(Cli *cli, const CliArgs *a);
int verb_group_show(Cli *cli, const CliArgs *a);
int verb_group_online(Cli *cli, const CliArgs *a);
int verb_group_offline(Cli *cli, const CliArgs *a);
int verb_group_move(Cli *cli, const CliArgs *a);
int verb_group_set(Cli *cli, const CliArgs *a);
int verb_group_get(Cli *cli, const CliArgs *a);
int verb_group_delete(Cli *cli, const CliArgs *a);

int verb_resource_create(Cli *cli, const CliArgs *a);
int verb_resource_list(Cli *cli, const CliArgs *a);
int verb_resource_show(Cli *cli, const CliArgs *a);
int verb_resource_online(Cli *cli, const CliArgs *a);
int verb_resource_offline(Cli *cli, const CliArgs *a);
int verb_resource_fail(Cli *cli, const CliArgs *a);
int verb_resource_set(Cli *cli, const CliArgs *a);
int verb_resource_get(Cli *cli, const CliArgs *a);
int verb_resource_depend(Cli *cli, const CliArgs *a);
int verb_resource_undepend(Cli *cli, const CliArgs *a);
int verb_resource_delete(Cli *cli, const CliArgs *a);

int verb_type_list(Cli *cli, const CliArgs *a);
int verb_type_show(Cli *cli, const CliArgs *a);

int verb_events(Cli *cli, const CliArgs *a);
int verb_log(Cli *cli, const CliArgs *a);

int verb_why(Cli *cli, const CliArgs *a);

int verb_token_create(Cli *cli, const CliArgs *a);
int verb_token_list(Cli *cli, const CliArgs *a);
int verb_token_revoke(Cli *cli, const CliArgs *a);
