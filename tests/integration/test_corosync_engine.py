# SPDX-License-Identifier: LGPL-2.1-or-later
"""The corosync engine on three real nodes (corosync_cluster.py): views with
every member and quorum, changes replicated in order to every node's
database, and changes refused with 409 no_quorum on a node cut off alone.
The tests share one cluster and run in order: the last one cuts a node."""

import concurrent.futures
import os
import sqlite3
import subprocess
import time

import pytest

from cluster import WOLFPACKD
from corosync_cluster import CorosyncCluster, ensure_corosync


@pytest.fixture(scope="module")
def cs():
    c = CorosyncCluster(3, token=3000)
    try:
        yield c
    finally:
        c.close()


def test_three_nodes_each_see_three_members_quorate(cs):
    for node in cs.nodes:
        assert cs.view(node) == (True, [1, 2, 3])
    for node in cs.nodes:
        status, body = node.api("GET", "/v1/cluster")
        assert body["engine"] == "corosync" and body["node"] == node.name
        # The cluster's name is corosync's (totem.cluster_name).
        assert body["name"] == cs.tag, body
        # Every node knows every node by the name corosync.conf gives it, and sees it Up.
        cs.wait("%s lists n1..n3 Up" % node.name, lambda n=node: sorted(
            (x["name"], x["state"]) for x in n.api("GET", "/v1/nodes")[1]) == [("n1", "Up"), ("n2", "Up"), ("n3", "Up")])
        out = node.cli("status").stdout
        assert "n1" in out and "n3" in out, out


def test_changes_made_on_any_node_reach_every_database_in_the_same_order(cs):
    n1, n2, n3 = cs.nodes
    status, body = n1.api("POST", "/v1/groups", {"name": "g1", "properties": {"PreferredOwners": "n2"}})
    assert status == 201, body
    n1.cli("resource", "create", "r1", "--type", "genapp", "--group", "g1", "CommandLine=/bin/sleep 1000")
    # From the other nodes too: each database applies all of them, in one order.
    status, body = n3.api("POST", "/v1/groups", {"name": "g3"})
    assert status == 201, body
    status, body = n2.api("PATCH", "/v1/groups/g1", {"properties": {"FailoverThreshold": "5"}})
    assert status == 200, body

    def same():
        dumps = [(n.dump("groups"), n.dump("resources")) for n in cs.nodes]
        return dumps[0][0] and dumps[0][1] and all(d == dumps[0] for d in dumps) and dumps
    groups, resources = cs.wait("the same groups and resources on every node", same, timeout=15)[0]
    assert len(groups) == 2 and len(resources) == 1, (groups, resources)
    status, g = n3.api("GET", "/v1/groups/g1")
    assert status == 200 and g["properties"]["FailoverThreshold"] == "5" and g["resources"] == ["r1"], g
    status, r = n3.api("GET", "/v1/resources/r1")
    assert status == 200 and r["group"] == "g1", r



def test_concurrent_changes_on_every_node_leave_identical_databases(cs):
    """Every node creates the same 20 group names at once: the ring orders
    the 60 creations, so on every node the same one of each name wins."""
    def create(job):
        node, name = job
        return node.name, name, node.api("POST", "/v1/groups", {"name": name, "properties": {
            "PreferredOwners": node.name}})[0]
    jobs = [(node, "c%02d" % i) for i in range(20) for node in cs.nodes]
    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        results = list(pool.map(create, jobs))
    for i in range(20):
        statuses = sorted(st for _, name, st in results if name == "c%02d" % i)
        assert statuses == [201, 409, 409], (i, statuses)

    def same():
        dumps = [n.dump("groups") for n in cs.nodes]
        return len(dumps[0]) == 22 and all(d == dumps[0] for d in dumps)
    cs.wait("identical groups tables after concurrent changes", same, timeout=15)
    # The node that was answered 201 is the one whose group every node holds.
    winners = {name: sender for sender, name, st in results if st == 201}
    for name, sender in winners.items():
        status, g = cs.nodes[2].api("GET", "/v1/groups/" + name)
        assert status == 200 and g["properties"]["PreferredOwners"] == sender, (name, sender, g)


def test_200_concurrent_changes_leave_byte_identical_database_dumps(cs):
    """200 property changes of one group, sent at once to all three nodes:
    every node's database, dumped whole as SQL, is the same text."""
    status, body = cs.nodes[0].api("POST", "/v1/groups", {"name": "busy"})
    assert status == 201, body

    def change(i):
        node = cs.nodes[i % 3]
        return node.api("PATCH", "/v1/groups/busy", {"properties": {"FailoverThreshold": str(1 + i % 100)}})[0]
    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        statuses = list(pool.map(change, range(200)))
    assert statuses == [200] * 200, statuses

    def whole(node):
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(node.dir, "state", "cluster.db"), uri=True, timeout=10)
        try:
            return "\n".join(db.iterdump())
        finally:
            db.close()

    def same():
        dumps = [whole(n) for n in cs.nodes]
        return all(d == dumps[0] for d in dumps) and dumps[0]
    text = cs.wait("byte-identical databases after 200 concurrent changes", same, timeout=30)
    assert "busy" in text


def test_a_sustained_stream_of_changes_is_answered_all_along(cs):
    """Changes sent without pause from 24 clients to all three nodes are
    each answered within seconds, although the nodes are never idle
    (commits and sends must not wait for an idle loop)."""
    status, body = cs.nodes[0].api("POST", "/v1/groups", {"name": "stream"})
    assert status == 201, body
    slowest = [0.0]

    def create(i):
        node = cs.nodes[i % 3]
        t = time.monotonic()
        status = node.api("POST", "/v1/resources", {"name": "s%04d" % i, "type": "genapp", "group": "stream",
                                                    "properties": {"CommandLine": "/bin/true"}})[0]
        slowest[0] = max(slowest[0], time.monotonic() - t)
        return status
    with concurrent.futures.ThreadPoolExecutor(24) as pool:
        statuses = list(pool.map(create, range(1500)))
    print("1500 creations from 24 clients: slowest answer %.2f s" % slowest[0])
    assert statuses == [201] * 1500
    assert slowest[0] < 5, slowest


def wolfpackd_refuses(prefix, tmp, *extra):
    """Start a wolfpackd with engine = corosync through prefix; it must exit
    1 at once. Its stderr."""
    conf = os.path.join(tmp, "wolfpackd.conf")
    with open(conf, "w") as f:
        f.write("engine = corosync\n" + "".join(x + "\n" for x in extra))
    p = subprocess.run(prefix + [WOLFPACKD, "--foreground", "--config", conf, "--state-dir",
                                 os.path.join(tmp, "state"), "--socket", os.path.join(tmp, "s.sock")],
                       capture_output=True, text=True, timeout=20)
    assert p.returncode == 1, (p.returncode, p.stderr)
    return p.stderr


def test_node_id_or_name_other_than_corosyncs_is_refused(cs, tmp_path):
    n1 = cs.nodes[0]
    err = wolfpackd_refuses(n1.enter(), str(tmp_path), "node-id = 2")
    assert "node-id = 2, but corosync says this node is 1" in err, err
    err = wolfpackd_refuses(n1.enter(), str(tmp_path), "node-name = web")
    assert "node-name = web, but corosync names this node n1" in err, err
    # The running node saw no second member.
    assert cs.view(n1) == (True, [1, 2, 3])


def test_without_corosync_wolfpackd_refuses_to_start(tmp_path):
    ensure_corosync()
    # A network namespace of its own: no corosync can answer there.
    err = wolfpackd_refuses(["unshare", "-n", "--"], str(tmp_path))
    assert "cannot reach corosync" in err and "engine = corosync needs corosync running" in err, err


def test_node_cut_off_alone_refuses_changes_with_409_no_quorum(cs):
    n1, n2, n3 = cs.nodes
    cs.wait_formed()
    start = time.monotonic()
    n3.cut()
    cs.wait("n3 alone, without quorum", lambda: cs.view(n3) == (False, [3]), timeout=30)
    print("cut to n3 alone without quorum: %.2f s (token %d ms, consensus %d ms)" % (
        time.monotonic() - start, cs.effective["token_ms"], cs.effective["consensus_ms"]))
    status, body = n3.api("POST", "/v1/groups", {"name": "lonely"})
    assert status == 409, body
    err = body["error"]
    assert err["code"] == "no_quorum", err
    assert "has no quorum" in err["message"] and "it sees n3 (1 of 3 nodes)" in err["message"], err
    p = n3.cli("group", "create", "lonely2", check=False)
    assert p.returncode != 0 and "no quorum" in p.stderr, (p.stdout, p.stderr)
    # The majority goes on, and the cut node's database does not get it.
    cs.wait("n1 quorate with n1, n2", lambda: cs.view(n1) == (True, [1, 2]), timeout=30)
    status, body = n1.api("POST", "/v1/groups", {"name": "majority"})
    assert status == 201, body
    cs.wait("n2 applied it", lambda: "majority" in [row[1] for row in n2.dump("groups")], timeout=10)
    assert "majority" not in [row[1] for row in n3.dump("groups")]
    assert "lonely" not in [row[1] for row in n3.dump("groups")]


def test_stopped_wolfpackd_leaves_the_view_and_its_corosync_keeps_quorum(cs):
    """SIGTERM: wolfpackd leaves the process group and exits 0; the node's
    corosync still votes, so the others stay quorate without it."""
    n1, n2, n3 = cs.nodes
    quorate, members = cs.view(n1)
    assert quorate and 2 in members
    n2.wolfpackd.terminate()
    assert n2.wolfpackd.wait(15) == 0, n2.log_tail("wolfpackd.stderr")
    without = [m for m in members if m != 2]
    cs.wait("n1 sees n2 gone, still quorate", lambda: cs.view(n1) == (True, without), timeout=15)
    status, body = n1.api("POST", "/v1/groups", {"name": "after-n2-left"})
    if len(without) * 2 > len(cs.nodes):
        assert status == 201, body
    else:
        # Quorate, but too few wolfpackds to take a change: refused, saying why.
        assert status == 409 and "changes need 2" in body["error"]["message"], (status, body)
