/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The verb table of `wolfpack`: every command, its arguments and options,
 * the line of help it shows, and the function that runs it. Usage texts,
 * argument checks and "did you mean" are all derived from this table
 * (cli-args.c); adding a verb is adding a row. Holds no logic and must never
 * grow any: behaviour belongs in the nouns' files.
 */
#include <stddef.h>

#include "cli-commands.h"
#include "cli.h"

#define QUIET { "quiet", NULL, false }

const CliVerb cli_verbs[] = {
        { "status", NULL, "", {}, CLI_PROPS_NONE, 0, "nodes, then groups with their resources: states and owners",
          verb_status },
        { "cluster", NULL, "", {}, CLI_PROPS_NONE, 0, "the cluster: name, quorum, counts", verb_cluster },
        { "cluster", "set", "", {}, CLI_PROPS_REQUIRED, 0, "set cluster properties (TimeZone)", verb_cluster_set },
        { "cluster", "get", "[K]", {}, CLI_PROPS_NONE, 0, "print one cluster property's value, or all as K=V",
          verb_cluster_get },
        { "cluster", "init", "NAME",
          { { "node", "ID=NAME=ADDRESS", CLI_REPEATED }, { "this", "ID", false }, { "authkey", "FILE", false },
            { "output", "DIR", false }, { "token", "DURATION", false }, { "witness", "HOST", false },
            { "qdevice", "HOST", false }, { "certs", "DIR", false }, { "tls", "DIR", false },
            { "force", NULL, false } },
          CLI_PROPS_NONE, CLI_LOCAL, "write corosync.conf, authkey and wolfpackd.conf for a cluster of these nodes",
          verb_cluster_init },

        { "cert", "create", "",
          { { "dir", "DIR", false }, { "name", "NODE", false }, { "host", "NAME|IP", CLI_REPEATED_OPTIONAL },
            { "days", "N", false }, { "force", NULL, false } },
          CLI_PROPS_NONE, CLI_LOCAL, "make the cluster's CA (when there is none) and this node's TLS certificate",
          verb_cert_create },
        { "cert", "show", "", { { "dir", "DIR", false } }, CLI_PROPS_NONE, CLI_LOCAL,
          "what the CA's and this node's certificates say, and whether they fit together", verb_cert_show },

        { "node", "list", "", { QUIET }, CLI_PROPS_NONE, 0, "list the nodes", verb_node_list },
        { "node", "show", "N", {}, CLI_PROPS_NONE, 0, "show a node", verb_node_show },
        { "node", "pause", "N", {}, CLI_PROPS_NONE, 0, "take no new groups on a node", verb_node_pause },
        { "node", "resume", "N", {}, CLI_PROPS_NONE, 0, "let a paused node take groups again", verb_node_resume },
        { "node", "drain", "N", {}, CLI_PROPS_NONE, CLI_WAITS, "move every group off a node, then pause it",
          verb_node_drain },
        { "node", "evict", "N", {}, CLI_PROPS_NONE, 0,
          "take a node that is down out of the cluster and out of corosync's nodelist", verb_node_evict },

        { "group", "create", "G", { { "preferred", "N1,N2", false } }, CLI_PROPS_OPTIONAL, 0,
          "create a group (a virtual server)", verb_group_create },
        { "group", "list", "", { QUIET }, CLI_PROPS_NONE, 0, "list the groups", verb_group_list },
        { "group", "show", "G", {}, CLI_PROPS_NONE, 0, "show a group and its properties", verb_group_show },
        { "group", "online", "G", {}, CLI_PROPS_NONE, CLI_WAITS, "bring a group online", verb_group_online },
        { "group", "offline", "G", {}, CLI_PROPS_NONE, CLI_WAITS, "take a group offline", verb_group_offline },
        { "group", "move", "G", { { "to", "NODE", false } }, CLI_PROPS_NONE, CLI_WAITS,
          "move a group to a node (else to the best other one)", verb_group_move },
        { "group", "set", "G", {}, CLI_PROPS_REQUIRED, 0, "set group properties", verb_group_set },
        { "group", "get", "G [K]", {}, CLI_PROPS_NONE, 0, "print one property's value, or all as K=V",
          verb_group_get },
        { "group", "delete", "G", {}, CLI_PROPS_NONE, 0, "delete a group that holds no resources",
          verb_group_delete },

        { "resource", "create", "R", { { "type", "T", true }, { "group", "G", true } }, CLI_PROPS_OPTIONAL, 0,
          "create a resource in a group", verb_resource_create },
        { "resource", "list", "", { { "group", "G", false }, QUIET }, CLI_PROPS_NONE, 0,
          "list the resources (of one group)", verb_resource_list },
        { "resource", "show", "R", {}, CLI_PROPS_NONE, 0, "show a resource, its state and properties",
          verb_resource_show },
        { "resource", "online", "R", {}, CLI_PROPS_NONE, CLI_WAITS, "bring a resource (and what it depends on) online",
          verb_resource_online },
        { "resource", "offline", "R", {}, CLI_PROPS_NONE, CLI_WAITS, "take a resource (and its dependents) offline",
          verb_resource_offline },
        { "resource", "fail", "R", {}, CLI_PROPS_NONE, CLI_WAITS, "make a resource fail, to test its policy",
          verb_resource_fail },
        { "resource", "set", "R", {}, CLI_PROPS_REQUIRED, 0, "set resource properties", verb_resource_set },
        { "resource", "get", "R [K]", {}, CLI_PROPS_NONE, 0, "print one property's value, or all as K=V",
          verb_resource_get },
        { "resource", "depend", "R", { { "on", "EXPR", true } }, CLI_PROPS_NONE, 0,
          "add a dependency: \"a and (b or c)\"", verb_resource_depend },
        { "resource", "undepend", "R", { { "on", "EXPR", true } }, CLI_PROPS_NONE, 0,
          "remove the named resources from the dependencies", verb_resource_undepend },
        { "resource", "delete", "R", {}, CLI_PROPS_NONE, 0, "delete a resource nothing depends on",
          verb_resource_delete },

        { "type", "list", "", { QUIET }, CLI_PROPS_NONE, 0, "list the resource types", verb_type_list },
        { "type", "show", "T", {}, CLI_PROPS_NONE, 0, "show a type and its property table", verb_type_show },

        { "events", NULL, "", { { "follow", NULL, false } }, CLI_PROPS_NONE, 0,
          "print events as they happen (--follow: reconnect when wolfpackd restarts)", verb_events },
        { "log", NULL, "",
          { { "since", "DURATION", false }, { "node", "NODE", false }, { "limit", "N", false }, { "follow", NULL, false } },
          CLI_PROPS_NONE, 0,
          "print every node's cluster log in time order (--follow: then new entries)",
          verb_log },
        { "why", NULL, "NAME", {}, CLI_PROPS_NONE, 0,
          "why a group (or a resource) is where it is, or not running: every node's verdict", verb_why },

        { "token", "create", "NAME", { { "role", "ROLE", true } }, CLI_PROPS_NONE, 0,
          "make a token for the remote API and print it, once (ROLE: read, operator, admin)", verb_token_create },
        { "token", "list", "", { QUIET }, CLI_PROPS_NONE, 0, "list the tokens (never the tokens themselves)",
          verb_token_list },
        { "token", "revoke", "NAME", {}, CLI_PROPS_NONE, 0, "refuse a token from now on, on every node",
          verb_token_revoke },
        {},
};

const CliHelp cli_help[] = {
        { "cluster", "init",
          "Each --node is ID=NAME=ADDRESS: an id from 1 to 32, a name of A-Z a-z 0-9 . _ - and\n"
          "the IPv4 or IPv6 address corosync reaches the node at. The files go to /etc/corosync\n"
          "(corosync.conf, authkey) and /etc/wolfpack (wolfpackd.conf), or all into --output DIR;\n"
          "a file that holds something else is left alone unless --force. --this names the node\n"
          "the files are for (its id or name); without it wolfpackd.conf serves every node.\n"
          "--authkey reuses the key written on the first node: every node needs the same one.\n"
          "--token is corosync's token (default 3s). Two nodes need --witness HOST, a third host\n"
          "running corosync-qnetd as the witness (--qdevice is the same): the first run makes\n"
          "the witness's CA and the cluster's TLS certificate with corosync's certutil tools\n"
          "(as root); the other nodes take that one with --certs DIR, the first run's --output\n"
          "(or /etc/corosync). Nothing is written when an argument is refused.\n" },
        { "why", NULL,
          "NAME is a group, or else a resource. For each node of the cluster it shows the first\n"
          "rule that keeps the node from running the group (not_possible_owner, paused, down,\n"
          "no_quorum, leaving, failover_threshold, failed_recently, anti_affinity, less_preferred,\n"
          "more_groups) or why it runs it (chosen, owner; available: next in line). For a resource\n"
          "it says its own state too: online, pending, offline_desired, dependency_failed, failed,\n"
          "group. --json gives the same with these codes for scripts.\n" },
        { "token", "create",
          "A token lets its holder use a node's remote API (--server https://HOST:PORT) with the\n"
          "rights of its role: read sees everything (and the event stream, the log, /metrics);\n"
          "operator also brings groups and resources online and offline, moves groups, pauses,\n"
          "resumes and drains nodes and fails resources to rehearse; admin may do everything,\n"
          "properties, creating and deleting objects and tokens too. The token is printed on\n"
          "stdout, once: the cluster keeps only its SHA-256. Give it with --token-file FILE (a\n"
          "file only you can read) or $WOLFPACK_TOKEN.\n" },
        {},
};
