# SPDX-License-Identifier: LGPL-2.1-or-later
"""`wolfpack why` on three real corosync nodes: for each rule that keeps a
node from running a group, the verdict names the rule and the node
(not_possible_owner, paused, anti_affinity, failed_recently,
failover_threshold, down, no_quorum; dependency_failed for a resource),
--json carries the same codes, and an unknown name is an error. Also that
anti-affinity acts between nodes: two groups of one class that both
prefer one node run on two."""

import json
import subprocess
import time

import pytest

from cluster import WOLFPACK
from corosync_cluster import CorosyncCluster, kill_node


@pytest.fixture(scope="module")
def cs():
    with CorosyncCluster(3, token=3000) as c:
        yield c


def make_group(cs, name, props=None, command="/bin/sleep 100000", resource_props=()):
    n1 = cs.nodes[0]
    status, body = n1.api("POST", "/v1/groups", {"name": name, "properties": props or {}})
    assert status == 201, body
    n1.cli("resource", "create", name + "-app", "--type", "genapp", "--group", name, "CommandLine=" + command,
           *resource_props)


def state_owner(node, name):
    status, g = node.api("GET", "/v1/groups/" + name)
    assert status == 200, g
    return g["state"], g["owner"]


def online_on(cs, name, nodes=None):
    """The group's owner once every node given sees it Online there."""
    nodes = nodes or cs.nodes
    def check():
        seen = {state_owner(n, name) for n in nodes}
        if len(seen) == 1:
            state, owner = seen.pop()
            return owner if state == "Online" and owner else None
        return None
    return cs.wait("%s Online on one node, seen alike" % name, check, timeout=30)


def why(node, name):
    """`wolfpack why --json NAME` parsed, checked against the table form."""
    p = node.cli("--json", "why", name)
    j = json.loads(p.stdout)
    table = node.cli("why", name).stdout
    assert "NODE" in table and "VERDICT" in table and "DETAIL" in table, table
    for v in j["nodes"]:
        assert any(line.split()[:2] == [v["name"], v["rule"]] for line in table.splitlines()), (v, table)
    return j


def verdict(j, node):
    [v] = [v for v in j["nodes"] if v["name"] == node]
    return v


def test_help_lists_the_rule_codes():
    p = subprocess.run([WOLFPACK, "help", "why"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 0, p
    for code in ("not_possible_owner", "failover_threshold", "anti_affinity", "dependency_failed", "no_quorum"):
        assert code in p.stdout, p.stdout


def test_anti_affinity_puts_groups_of_one_class_on_different_nodes(cs):
    n1 = cs.nodes[0]
    props = {"AntiAffinityClassNames": "sql", "PreferredOwners": "n1"}
    make_group(cs, "sqla", props)
    make_group(cs, "sqlb", props)
    n1.cli("group", "online", "sqla")
    assert online_on(cs, "sqla") == "n1"
    n1.cli("group", "online", "sqlb")
    owner = online_on(cs, "sqlb")
    assert owner != "n1", "sqlb runs beside sqla on n1: anti-affinity did not act across nodes"
    j = why(cs.nodes[2], "sqlb")
    assert j["rule"] == "owner" and j["node"] == owner, j
    # n1 is what a move or failover of sqlb would avoid: it runs sqla.
    v = verdict(j, "n1")
    assert v["rule"] == "anti_affinity" and "sqla" in v["text"] and "sql" in v["text"], v


def test_not_a_possible_owner_names_the_resource(cs):
    n1 = cs.nodes[0]
    make_group(cs, "po", resource_props=("PossibleOwners=n2 n3",))
    n1.cli("resource", "create", "po-free", "--type", "genapp", "--group", "po", "CommandLine=/bin/sleep 100000")
    j = why(n1, "po")
    assert j["state"] == "Offline" and j["wanted"] is False, j
    v = verdict(j, "n1")
    assert v["rule"] == "not_possible_owner" and "po-app" in v["text"] and "po-free" not in v["text"], v
    assert j["rule"] == "chosen" and j["node"] in ("n2", "n3"), j


def test_a_paused_node(cs):
    n1, n2, n3 = cs.nodes
    n1.cli("node", "pause", "n3")
    try:
        make_group(cs, "pz", {"PreferredOwners": "n3 n2"})
        n1.cli("group", "online", "pz")
        assert online_on(cs, "pz") == "n2"
        j = why(n3, "pz")
        assert verdict(j, "n3")["rule"] == "paused", j
        assert verdict(j, "n2")["rule"] == "owner", j
        assert "n2" in j["summary"], j
    finally:
        n1.cli("node", "resume", "n3")


def test_the_node_a_group_failed_on_recently(cs):
    """RestartThreshold 0: one failure fails the group over; until
    FailoverPeriod has passed a failover or a move avoids that node."""
    n1 = cs.nodes[0]
    make_group(cs, "fr", {"PreferredOwners": "n1"}, resource_props=("RestartThreshold=0",))
    n1.cli("group", "online", "fr")
    assert online_on(cs, "fr") == "n1"
    n1.cli("resource", "fail", "fr-app", check=False)
    owner = cs.wait("fr Online on another node", lambda: (lambda o: o if o not in (None, "n1") else None)(
        state_owner(n1, "fr")[1] if state_owner(n1, "fr")[0] == "Online" else None), timeout=30)
    j = why(n1, "fr")
    assert j["node"] == owner and j["rule"] == "owner", j
    v = verdict(j, "n1")
    assert v["rule"] == "failed_recently" and v["until_ms"] > time.time() * 1000, v
    assert "FailoverPeriod" in v["text"], v


def owner_other_than(cs, name, *nodes):
    def check():
        state, owner = state_owner(cs.nodes[0], name)
        return owner if state == "Online" and owner not in (None,) + nodes else None
    return cs.wait("%s Online elsewhere than %s" % (name, ", ".join(nodes)), check, timeout=30)


def test_a_group_that_failed_on_two_nodes_goes_to_the_third(cs):
    """The coordinator reads the whole failure history: failed on n1, then
    on n2, the group goes to n3, not back to its preferred n1."""
    n1 = cs.nodes[0]
    make_group(cs, "fh", {"PreferredOwners": "n1 n2 n3"}, resource_props=("RestartThreshold=0",))
    n1.cli("group", "online", "fh")
    assert online_on(cs, "fh") == "n1"
    n1.cli("resource", "fail", "fh-app", check=False)
    assert owner_other_than(cs, "fh", "n1") == "n2"
    n1.cli("resource", "fail", "fh-app", check=False)
    assert owner_other_than(cs, "fh", "n2") == "n3", "fh went back to n1, where it failed a moment ago"
    j = why(n1, "fh")
    assert verdict(j, "n3")["rule"] == "owner", j
    # Should n3 let it go, it failed recently on every other node: the
    # rules choose among them again, n1 first.
    v = verdict(j, "n1")
    assert v["rule"] == "available" and "failed recently on every node" in v["text"], v


def test_a_group_that_keeps_failing_stops_at_its_failover_threshold(cs):
    """FailoverThreshold 1: the first failure fails over, the second leaves
    the group Failed; why says so on every node, and until when."""
    n1 = cs.nodes[0]
    make_group(cs, "ft", {"FailoverThreshold": "1"}, command="/bin/sh -c 'sleep 1; exit 3'",
               resource_props=("RestartThreshold=0",))
    n1.cli("group", "online", "ft")
    cs.wait("ft Failed", lambda: all(state_owner(n, "ft") == ("Failed", None) for n in cs.nodes), timeout=60)
    j = why(cs.nodes[1], "ft")
    assert j["node"] is None and j["rule"] is None, j
    for v in j["nodes"]:
        assert v["rule"] == "failover_threshold", j
        assert "FailoverThreshold 1" in v["text"] and "tried again at" in v["text"], v
        assert v["until_ms"] > time.time() * 1000, v


def test_a_resource_whose_dependency_failed(cs):
    n1 = cs.nodes[0]
    status, body = n1.api("POST", "/v1/groups", {"name": "dep"})
    assert status == 201, body
    n1.cli("resource", "create", "dep-db", "--type", "genapp", "--group", "dep", "CommandLine=/nonexistent/db",
           "RestartAction=0")
    n1.cli("resource", "create", "dep-web", "--type", "genapp", "--group", "dep", "CommandLine=/bin/sleep 100000")
    n1.cli("resource", "depend", "dep-web", "--on", "dep-db")
    n1.cli("group", "online", "dep", check=False)
    cs.wait("dep-db Failed", lambda: n1.api("GET", "/v1/resources/dep-db")[1]["state"] == "Failed", timeout=30)
    j = why(n1, "dep-web")
    r = j["resource"]
    assert r["rule"] == "dependency_failed" and r["dependency"] == "dep-db", r
    assert "dep-db" in r["text"] and "wolfpack resource online dep-db" in r["text"], r
    assert j["group"] == "dep" and j["nodes"], j
    text = n1.cli("why", "dep-web").stdout
    assert "dependency_failed" in text and "dep-db" in text, text
    status, body = n1.api("GET", "/v1/resources/dep-db/why")
    assert status == 200 and body["resource"]["rule"] == "failed", body


def test_an_unknown_name_is_an_error(cs):
    n1 = cs.nodes[0]
    p = n1.cli("why", "no-such-thing", check=False)
    assert p.returncode == 3 and "no-such-thing" in p.stderr and "group" in p.stderr and "resource" in p.stderr, p
    for path in ("/v1/groups/no-such-thing/why", "/v1/resources/no-such-thing/why"):
        status, body = n1.api("GET", path)
        assert status == 404 and "no-such-thing" in body["error"]["message"], (path, body)


def test_a_down_node(cs):
    n1, n2, n3 = cs.nodes
    make_group(cs, "dn", {"PreferredOwners": "n3 n2 n1"})
    n1.cli("group", "online", "dn")
    assert online_on(cs, "dn") == "n3"
    kill_node(n3)
    cs.wait("dn taken over by n2", lambda: all(state_owner(n, "dn") == ("Online", "n2") for n in (n1, n2)),
            timeout=60)
    j = why(n1, "dn")
    assert verdict(j, "n3")["rule"] == "down" and verdict(j, "n2")["rule"] == "owner", j


def test_no_quorum_on_the_survivor(cs):
    n1, n2 = cs.nodes[0], cs.nodes[1]
    kill_node(n2)
    cs.wait("n1 without quorum", lambda: n1.api("GET", "/v1/cluster")[1]["quorate"] is False, timeout=30)
    j = why(n1, "po")
    assert j["quorate"] is False and j["node"] is None, j
    assert verdict(j, "n1")["rule"] == "no_quorum", j
    assert verdict(j, "n2")["rule"] == "down" and verdict(j, "n3")["rule"] == "down", j
