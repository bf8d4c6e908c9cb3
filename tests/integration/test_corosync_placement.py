# SPDX-License-Identifier: LGPL-2.1-or-later
"""Groups placed across three real corosync nodes: one coordinator places,
the owner runs, every node shows the whole cluster, a move goes from one
node to another, and the groups of a node that dies come up on a survivor
after the takeover delay, never on two nodes at once (each application
holds an flock on its resource's lock file: a second copy leaves a marker)."""

import os
import time

import pytest

from corosync_cluster import CorosyncCluster, kill_node
from testapps import FLOCKAPP


@pytest.fixture(scope="module")
def cs():
    c = CorosyncCluster(3, token=3000)
    try:
        yield c
    finally:
        c.close()


def group(node, name):
    status, body = node.api("GET", "/v1/groups/" + name)
    assert status == 200, body
    return body


def owner_online(cs, name, nodes=None):
    """The owner's name once every node given sees the group Online there."""
    nodes = nodes or cs.nodes
    def check():
        seen = {(group(n, name)["state"], group(n, name)["owner"]) for n in nodes}
        if len(seen) == 1:
            state, owner = seen.pop()
            return owner if state == "Online" and owner else None
        return None
    return check


def make_group(cs, name, preferred=None):
    n1 = cs.nodes[0]
    props = {"PreferredOwners": preferred} if preferred else {}
    status, body = n1.api("POST", "/v1/groups", {"name": name, "properties": props})
    assert status == 201, body
    lock = os.path.join(cs.dir, name + ".lock")
    marker = lock + ".twice"
    n1.cli("resource", "create", name + "-app", "--type", "genapp", "--group", name,
           "CommandLine=%s %s --marker %s" % (FLOCKAPP, lock, marker))
    return marker


def test_online_runs_the_group_on_its_preferred_node_and_every_node_shows_it(cs):
    marker = make_group(cs, "web", preferred="n2")
    n3 = cs.nodes[2]
    status, body = n3.api("POST", "/v1/groups/web/online")
    assert status in (200, 202), body
    owner = cs.wait("web Online on one node, seen alike by all", owner_online(cs, "web"), timeout=20)
    assert owner == "n2"
    for n in cs.nodes:
        status, r = n.api("GET", "/v1/resources/web-app")
        assert r["state"] == "Online" and r["owner"] == "n2", (n.name, r)
    status, body = n3.api("GET", "/v1/cluster")
    assert body["coordinator"] == "n1" and body["timings"]["takeover_delay_ms"] > body["timings"]["lease_ms"], body
    assert not os.path.exists(marker)


def test_move_takes_the_group_to_the_named_node(cs):
    n1 = cs.nodes[0]
    t0 = time.monotonic()
    n1.cli("group", "move", "web", "--to", "n3")
    cs.wait("web Online on n3", lambda: owner_online(cs, "web")() == "n3", timeout=20)
    print("move n2 -> n3: %.0f ms" % ((time.monotonic() - t0) * 1000))
    assert not os.path.exists(os.path.join(cs.dir, "web.lock.twice"))


def test_a_killed_node_s_group_comes_up_on_a_survivor(cs):
    n1, n2, n3 = cs.nodes
    assert owner_online(cs, "web")() == "n3"
    t0 = time.monotonic()
    kill_node(n3)
    owner = cs.wait("web Online on a survivor", lambda: owner_online(cs, "web", [n1, n2])() in ("n1", "n2") and
                    owner_online(cs, "web", [n1, n2])(), timeout=60)
    print("node killed -> group running on %s: %.0f ms" % (owner, (time.monotonic() - t0) * 1000))
    assert owner in ("n1", "n2")
    assert not os.path.exists(os.path.join(cs.dir, "web.lock.twice"))


def test_a_group_whose_resource_fails_moves_to_another_node(cs):
    """RestartThreshold 0: the first failure fails the group over; it comes
    up on another node, never two at once."""
    n1, n2 = cs.nodes[0], cs.nodes[1]
    marker = make_group(cs, "db", preferred="n1")
    n1.cli("resource", "set", "db-app", "RestartThreshold=0")
    n2.cli("group", "online", "db")
    assert cs.wait("db Online on n1", lambda: owner_online(cs, "db", [n1, n2])() == "n1", timeout=20)
    n2.cli("resource", "fail", "db-app", check=False)
    owner = cs.wait("db Online elsewhere", lambda: owner_online(cs, "db", [n1, n2])() not in (None, "n1") and
                    owner_online(cs, "db", [n1, n2])(), timeout=30)
    assert owner == "n2"
    status, failures = n1.api("GET", "/v1/resources/db-app")
    assert not os.path.exists(marker)


def test_a_stopped_wolfpackd_hands_its_groups_over_at_once(cs):
    """SIGTERM: the node stops what it runs, lets its groups go, and the
    others start them without waiting for the takeover delay."""
    n1, n2 = cs.nodes[0], cs.nodes[1]
    assert owner_online(cs, "db", [n1, n2])() == "n2"
    # A group that ran on n2 and runs on n1 now: its resource is still open
    # in n2's monitor, and n2 shows it Online on n1. That is n1's to stop,
    # not n2's: it must not keep n2 from leaving.
    make_group(cs, "pm", preferred="n1")
    n1.cli("group", "online", "pm")
    n1.cli("group", "move", "pm", "--to", "n2")
    n1.cli("group", "move", "pm", "--to", "n1")
    assert owner_online(cs, "pm", [n1, n2])() == "n1"
    takeover = n1.api("GET", "/v1/cluster")[1]["timings"]["takeover_delay_ms"] / 1000
    t0 = time.monotonic()
    n2.wolfpackd.terminate()
    n2.wolfpackd.wait(15)
    cs.wait("db Online on n1", lambda: owner_online(cs, "db", [n1])() == "n1", timeout=30)
    took = time.monotonic() - t0
    print("wolfpackd of the owner stopped -> group Online on n1 after %.2f s (takeover delay %.1f s)" % (
        took, takeover))
    assert took < takeover / 2, "it waited for the takeover delay: the stopped node did not let its groups go"
    assert not os.path.exists(os.path.join(cs.dir, "db.lock.twice"))
    assert owner_online(cs, "pm", [n1])() == "n1"
