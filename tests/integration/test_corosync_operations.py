# SPDX-License-Identifier: LGPL-2.1-or-later
"""Running a three-node cluster day to day, on real corosync: failback to
the preferred node inside and outside its window (and never with
AutoFailbackType=prevent), drain and resume, moves that leave nothing
behind, and FailoverThreshold across nodes. Every application is the
witness application: no group ever runs on two nodes at once."""

import datetime
import os
import re
import time
import zoneinfo

import pytest

import witness
from corosync_cluster import kill_node, module_cluster, owner_everywhere, twice, witness_group


cs = module_cluster(3, token=3000)


# The cluster's time zone in the failback test: five hours from UTC, so a
# window around its hour is not around the machine's (UTC) hour.
ZONE = "Etc/GMT-5"


def window(offset_start, offset_end):
    """FailbackWindowStart/End as hours from now in ZONE."""
    h = datetime.datetime.now(zoneinfo.ZoneInfo(ZONE)).hour
    return {"FailbackWindowStart": str((h + offset_start) % 24), "FailbackWindowEnd": str((h + offset_end) % 24)}


def online(cs, group, via=None):
    via = via or cs.nodes[0]
    via.cli("group", "online", group)


def owner(cs, group, nodes=None):
    return owner_everywhere(nodes or [n for n in cs.nodes if n.wolfpackd.poll() is None], group)


def entries(node, code, name=None):
    return [e for e in node.cluster_log() if e.get("code") == code and (name is None or e.get("name") == name)]


def all_entries(cs, code, name=None):
    return [e for n in cs.nodes for e in entries(n, code, name)]


def test_the_cluster_time_zone_is_a_property_checked_when_set(cs):
    n1, n2 = cs.nodes[0], cs.nodes[1]
    assert n1.cli("cluster", "get", "TimeZone").stdout == "\n"
    p = n1.cli("cluster", "set", "TimeZone=Mars/Olympus", check=False)
    assert p.returncode != 0 and "not a time zone" in p.stderr, p.stderr
    assert 'TimeZone: "Mars/Olympus" is not a time zone' in p.stderr, p.stderr  # named once
    p = n1.cli("cluster", "set", "Colour=red", check=False)
    assert p.returncode != 0 and "not a cluster property" in p.stderr, p.stderr
    n1.cli("cluster", "set", "TimeZone=" + ZONE)
    cs.wait("every node has the zone", lambda: all(
        n.api("GET", "/v1/cluster")[1]["properties"]["TimeZone"] == ZONE for n in cs.nodes), timeout=10)
    assert n2.cli("cluster", "get", "TimeZone").stdout == ZONE + "\n"
    status, body = n2.api("PATCH", "/v1/cluster", {"properties": {"TimeZone": 5}})
    assert status == 400 and "text" in body["error"]["message"], body


def test_failback_moves_back_once_in_the_window_and_stays_outside_it_or_when_prevented(cs):
    n1, n2, n3 = cs.nodes
    # Reckoned in the cluster's zone: fb-in's window is not around the
    # machine's own hour.
    assert n1.api("GET", "/v1/cluster")[1]["properties"]["TimeZone"] == ZONE
    assert time.gmtime().tm_hour not in [(int(window(-1, 1)["FailbackWindowStart"]) + i) % 24 for i in range(3)]
    # An hour that is not now at either end of a window around now would
    # need the clock to pass an hour during the test: start an hour back.
    groups = {
        "fb-in": dict(window(-1, 1), AutoFailbackType="allow"),
        "fb-any": dict(AutoFailbackType="allow"),
        "fb-out": dict(window(2, 3), AutoFailbackType="allow"),
        "fb-prevent": dict(AutoFailbackType="prevent"),
    }
    for g, props in groups.items():
        props["PreferredOwners"] = "n3 n2"
        witness_group(cs, g, group_properties=props)
        online(cs, g)
    for g in groups:
        cs.wait(g + " Online on n3", lambda: owner(cs, g) == "n3", timeout=30)

    n3.stop_wolfpackd()
    for g in groups:
        cs.wait(g + " Online on n2 while n3 is away", lambda: owner(cs, g, [n1, n2]) == "n2", timeout=30)
    t0 = time.monotonic()
    n3.start_wolfpackd()
    n3.wait_wolfpackd()
    for g in ("fb-in", "fb-any"):
        cs.wait(g + " back on n3", lambda: owner(cs, g) == "n3", timeout=30)
    print("n3 back -> fb-in Online on n3 after %.0f ms" % ((time.monotonic() - t0) * 1000))
    # Those that may not fail back stay, a while after the others did.
    time.sleep(3)
    for g in ("fb-out", "fb-prevent"):
        assert owner(cs, g) == "n2", g
    for g in ("fb-in", "fb-any"):
        assert owner(cs, g) == "n3", g
        moved = [e for e in all_entries(cs, "GROUP_FAILBACK", g)]
        # Logged by each node that saw it: one failback, from n2 to n3.
        assert moved and all("from n2 to n3" in e["text"] for e in moved), moved
        assert len({(e["node"], e["time"]) for e in moved}) == len({e["node"] for e in moved}), moved
        on = [e for e in entries(n3, "GROUP_ONLINE", g) if "failback from n2" in e["text"]]
        assert len(on) == 1, entries(n3, "GROUP_ONLINE", g)
    assert twice(cs) == []
    witness.assert_no_overlap(os.path.join(cs.dir, "witness", "witness.log"))


def test_drain_moves_every_group_away_and_pauses_resume_lets_failback_return(cs):
    n1, n2, n3 = cs.nodes
    assert owner(cs, "fb-in") == "n3" and owner(cs, "fb-any") == "n3"
    t0 = time.monotonic()
    p = n1.cli("node", "drain", "n3", timeout=60)
    took = time.monotonic() - t0
    print(p.stdout)
    print("drain of n3 with 2 groups: %.0f ms" % (took * 1000))
    for g in ("fb-in", "fb-any"):
        assert "moving group %s to n" % g in p.stdout, p.stdout
        assert any(line.startswith("group %s is Online on n" % g) for line in p.stdout.splitlines()), p.stdout
        assert owner(cs, g) in ("n1", "n2"), g
    status, node = n1.api("GET", "/v1/nodes/n3")
    assert node["paused"] is True and node["groups"] == 0, node
    assert "drained" in p.stdout, p.stdout

    # A paused node takes no group, even the one it is most preferred by.
    witness_group(cs, "pref3", group_properties={"PreferredOwners": "n3"})
    online(cs, "pref3")
    cs.wait("pref3 Online", lambda: owner(cs, "pref3") is not None, timeout=30)
    assert owner(cs, "pref3") != "n3"

    # Resume: failback brings back those that may fail back.
    n1.cli("node", "resume", "n3")
    for g in ("fb-in", "fb-any"):
        cs.wait(g + " back on n3 after resume", lambda: owner(cs, g) == "n3", timeout=30)
    time.sleep(2)
    assert owner(cs, "pref3") != "n3", "pref3 has AutoFailbackType=prevent"
    assert twice(cs) == []


def test_drain_refuses_when_a_group_has_nowhere_to_go_and_changes_nothing(cs):
    n1 = cs.nodes[0]
    witness_group(cs, "only3", group_properties={"PreferredOwners": "n3"}, properties={"PossibleOwners": "n3"})
    online(cs, "only3")
    cs.wait("only3 Online on n3", lambda: owner(cs, "only3") == "n3", timeout=30)
    p = n1.cli("node", "drain", "n3", check=False)
    assert p.returncode != 0 and "only3" in p.stderr and "nothing was changed" in p.stderr, p.stderr
    status, node = n1.api("GET", "/v1/nodes/n3")
    assert node["paused"] is False, node
    assert owner(cs, "only3") == "n3"
    n1.cli("group", "offline", "only3")


def test_move_leaves_nothing_behind(cs):
    """A move to a named node stays there (no failback undoes it); a move
    without a target takes the best node; when its node fails afterwards,
    the group goes where its properties say, not to the move's target."""
    n1, n2, n3 = cs.nodes
    witness_group(cs, "mv", group_properties={"PreferredOwners": "n1 n2 n3", "AutoFailbackType": "allow"})
    online(cs, "mv")
    cs.wait("mv Online on n1", lambda: owner(cs, "mv") == "n1", timeout=30)
    n2.cli("group", "move", "mv", "--to", "n3")
    cs.wait("mv Online on n3", lambda: owner(cs, "mv") == "n3", timeout=30)
    time.sleep(2)
    assert owner(cs, "mv") == "n3", "an administrator's move is not failed back"
    n2.cli("group", "move", "mv")
    cs.wait("mv Online on its best node, n1", lambda: owner(cs, "mv") == "n1", timeout=30)
    n2.cli("group", "move", "mv", "--to", "n3")
    cs.wait("mv Online on n3 again", lambda: owner(cs, "mv") == "n3", timeout=30)
    n3.stop_wolfpackd()
    cs.wait("mv placed by its properties: n1", lambda: owner(cs, "mv", [n1, n2]) == "n1", timeout=30)
    n3.start_wolfpackd()
    n3.wait_wolfpackd()
    cs.wait("n3 back", lambda: n1.api("GET", "/v1/nodes/n3")[1]["state"] == "Up", timeout=30)
    time.sleep(3)
    assert owner(cs, "mv") == "n1", "the move to n3 left a preference behind"
    assert twice(cs) == []


def test_failover_threshold_across_nodes_leaves_the_group_failed(cs):
    """A resource that fails at once everywhere: with FailoverThreshold 1
    the group fails over once, then stays Failed on that node, saying so."""
    n1, n2, n3 = cs.nodes
    status, body = n1.api("POST", "/v1/groups", {"name": "bad", "properties": {
        "FailoverThreshold": "1", "PreferredOwners": "n1 n2 n3"}})
    assert status == 201, body
    status, body = n1.api("POST", "/v1/resources", {"name": "bad-app", "type": "genapp", "group": "bad",
                                                     "properties": {"CommandLine": "/bin/sh -c 'sleep 1; exit 3'",
                                                                    "RestartThreshold": "0"}})
    assert status == 201, body
    n1.cli("group", "online", "bad", "--no-wait")

    def failed_everywhere():
        seen = set()
        for n in cs.nodes:
            g = n.api("GET", "/v1/groups/bad")[1]
            seen.add((g["state"], g.get("reason") or g.get("state_reason")))
        state, reason = next(iter(seen))
        # Failed for a moment on its first node, before it fails over: at
        # the threshold it says so.
        return len(seen) == 1 and state == "Failed" and reason and "FailoverThreshold" in reason and seen
    seen = cs.wait("bad Failed on every node at its threshold", failed_everywhere, timeout=60)
    print(seen)
    failed = all_entries(cs, "GROUP_FAILED", "bad")
    assert len({e["node"] for e in failed}) == 2, failed
    n1.cli("group", "offline", "bad")


def test_a_group_failed_at_its_threshold_is_tried_again_after_retry_period(cs):
    """RetryPeriodOnFailure: the group left Failed at its threshold comes
    online by itself once the period has passed, the fault gone meanwhile."""
    n1 = cs.nodes[0]
    flag = os.path.join(cs.dir, "retry-broken")
    open(flag, "w").close()
    os.chmod(cs.dir, 0o755)
    status, body = n1.api("POST", "/v1/groups", {"name": "retry", "properties": {
        "FailoverThreshold": "1", "PreferredOwners": "n1 n2"}})
    assert status == 201, body
    status, body = n1.api("POST", "/v1/resources", {"name": "retry-app", "type": "genapp", "group": "retry",
                                                     "properties": {
                                                         "CommandLine": "/bin/sh -c 'test -e %s && exit 3; exec sleep 100000'" % flag,
                                                         "RestartThreshold": "0", "RetryPeriodOnFailure": "6s"}})
    assert status == 201, body
    n1.cli("group", "online", "retry", "--no-wait")

    def failed_at_threshold():
        g = n1.api("GET", "/v1/groups/retry")[1]
        return g["state"] == "Failed" and "FailoverThreshold" in (g.get("state_reason") or "") and g
    g = cs.wait("retry Failed at its threshold", failed_at_threshold, timeout=60)
    t = time.monotonic()
    os.unlink(flag)
    owner_now = cs.wait("retry Online again by itself", lambda: owner(cs, "retry"), timeout=60, interval=0.2)
    took = time.monotonic() - t
    print("Failed at the threshold -> Online again after %.1f s (RetryPeriodOnFailure 6s)" % took)
    assert owner_now in ("n1", "n2", "n3")
    assert any(e for e in all_entries(cs, "GROUP_RETRY", "retry")), "no GROUP_RETRY in the log"
    n1.cli("group", "offline", "retry")


def test_evict_takes_a_down_node_out_of_the_cluster_and_of_corosync(cs):
    """Last: the cluster has two nodes after it."""
    n1, n2, n3 = cs.nodes
    p = n1.cli("node", "evict", "n2", check=False)
    assert p.returncode != 0 and "runs the cluster service" in p.stderr, p.stderr
    p = n1.cli("node", "evict", "n1", check=False)
    assert p.returncode != 0 and "runs the cluster service" in p.stderr, p.stderr
    p = n1.cli("node", "evict", "n9", check=False)
    assert p.returncode != 0 and "n9" in p.stderr, p.stderr

    groups = [g["name"] for g in n1.api("GET", "/v1/groups")[1] if owner(cs, g["name"]) == "n3"]
    kill_node(n3)
    cs.wait("n3 Down on n1 and n2", lambda: all(n.api("GET", "/v1/nodes/n3")[1]["state"] == "Down"
                                                for n in (n1, n2)), timeout=60, interval=0.2)
    for g in groups:
        cs.wait(g + " taken over", lambda: owner(cs, g, [n1, n2]) in ("n1", "n2"), timeout=60, interval=0.2)
    n2.cli("node", "evict", "n3")

    def gone():
        for n in (n1, n2):
            names = [x["name"] for x in n.api("GET", "/v1/nodes")[1]]
            if "n3" in names:
                return False
            with open(os.path.join(n.dir, "etc", "corosync.conf")) as f:
                conf = f.read()
            if "nodeid: 3" in conf or "name: n3" in conf:
                return False
            cmap = n.run("corosync-cmapctl", "-b", "nodelist.node").stdout
            if "n3" in cmap or len({line.split(".")[2] for line in cmap.splitlines() if line.startswith("nodelist.node.")}) != 2:
                return False
            q = n.run("corosync-quorumtool", "-s", check=False).stdout
            if not re.search(r"Expected votes:\s+2\n", q):
                return False
        return True
    cs.wait("n3 gone from the node list and from corosync on n1 and n2", gone, timeout=30, interval=0.2)
    for n in (n1, n2):
        evicted = entries(n, "NODE_EVICTED")
        assert evicted and "n3" in evicted[-1]["text"] and "1 node" not in evicted[-1]["text"], evicted
    status, cluster = n1.api("GET", "/v1/cluster")
    assert status == 200 and cluster["quorate"], cluster
    p = n1.cli("status")
    assert "n3" not in p.stdout, p.stdout
    for g in groups:
        assert owner(cs, g, [n1, n2]) in ("n1", "n2"), g
    # Changes still take, with both remaining nodes.
    n1.cli("group", "create", "after-evict")
