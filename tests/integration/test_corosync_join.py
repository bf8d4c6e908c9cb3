# SPDX-License-Identifier: LGPL-2.1-or-later
"""Join and merge on three real corosync nodes (corosync_cluster.py): a node
that comes back after changes were made without it, with an empty state
directory, with a corrupt database, or from the minority side of a
partition, is brought up to date, and every node's database ends up
identical table by table, the version included; a cluster stopped and
started as a whole keeps its configuration; a joiner takes 5,000 resources
in one snapshot, timed. The tests share one cluster and run in order."""

import concurrent.futures
import datetime
import glob
import os
import time

import pytest

from cluster import Cluster
from corosync_cluster import CorosyncCluster, owner_everywhere


@pytest.fixture(scope="module")
def cs():
    c = CorosyncCluster(3, token=3000)
    try:
        yield c
    finally:
        c.close()


def identical(cs, timeout=60):
    """Until every node's database is the same, table by table; it."""
    def same():
        dbs = [n.database() for n in cs.nodes]
        return dbs[0] and all(d == dbs[0] for d in dbs) and dbs[0]
    return cs.wait("identical databases on every node", same, timeout=timeout, interval=0.2)


def group_names(db):
    return sorted(row[1] for row in db["groups"])


def create(node, kind, body):
    status, reply = node.api("POST", "/v1/" + kind, body)
    assert status == 201, (node.name, kind, body, reply)
    return reply


def changes(cs, prefix, makers):
    """Groups, resources and edits from each node in makers."""
    for i, node in enumerate(makers):
        g = "%s-g%d" % (prefix, i)
        create(node, "groups", {"name": g, "properties": {"PreferredOwners": "n2"}})
        create(node, "resources", {"name": "%s-r%d" % (prefix, i), "type": "genapp", "group": g,
                                   "properties": {"CommandLine": "/bin/sleep 100%d" % i}})
        status, body = node.api("PATCH", "/v1/groups/" + g, {"properties": {"FailoverThreshold": "4"}})
        assert status == 200, body


def codes(node, code):
    return [e for e in node.cluster_log() if e.get("code") == code]


def in_sync(cs, node):
    return node.api("GET", "/v1/cluster")[1].get("sync") == "in sync"


def restart_with(cs, node, prepare, makers, prefix):
    """Stop node's wolfpackd, make changes on the others, prepare (its
    state directory), start it again; the identical databases."""
    node.stop_wolfpackd()
    others = [n.i for n in cs.nodes if n is not node]
    cs.wait("the others see it gone", lambda: cs.view(makers[0]) == (True, others), timeout=30)
    changes(cs, prefix, makers)
    prepare()
    installed = len(codes(node, "SYNC_INSTALLED"))
    node.start_wolfpackd()
    node.wait_wolfpackd()
    cs.wait_formed()
    db = identical(cs)
    assert all("%s-g%d" % (prefix, i) in group_names(db) for i in range(len(makers))), group_names(db)
    cs.wait("%s in sync" % node.name, lambda: in_sync(cs, node), timeout=10)
    assert len(codes(node, "SYNC_INSTALLED")) == installed + 1, codes(node, "SYNC_INSTALLED")
    return db


def test_every_node_starts_in_sync(cs):
    db = identical(cs)
    assert [row[1] for row in db["nodes"]] == ["n1", "n2", "n3"], db["nodes"]
    for node in cs.nodes:
        cs.wait("%s in sync" % node.name, lambda n=node: in_sync(cs, n), timeout=10)
        assert codes(node, "SYNC_DECIDED"), node.cluster_log()[-10:]


def test_restarted_node_gets_the_changes_made_without_it(cs):
    n1, n2, n3 = cs.nodes
    sent = len(codes(n1, "SYNC_SNAPSHOT_SENT"))
    # (n2 may have sent one at the cluster's start, had n1 started last.)
    sent_by_n2 = len(codes(n2, "SYNC_SNAPSHOT_SENT"))
    db = restart_with(cs, n3, lambda: None, [n1, n2], "a")
    # n1 and n2 were equal: the lower id sent its database.
    assert len(codes(n1, "SYNC_SNAPSHOT_SENT")) == sent + 1
    assert len(codes(n2, "SYNC_SNAPSHOT_SENT")) == sent_by_n2
    status, r = n3.api("GET", "/v1/resources/a-r1")
    assert status == 200 and r["properties"]["CommandLine"] == "/bin/sleep 1001", r
    # And n3 changes the database like any other node.
    create(n3, "groups", {"name": "from-n3"})
    assert "from-n3" in group_names(identical(cs))


def test_node_with_an_empty_state_directory_is_brought_up_to_date(cs):
    n1, n2, n3 = cs.nodes
    restart_with(cs, n3, n3.clear_state, [n2], "b")
    assert "a-g0" in group_names(n3.database())


def test_node_with_a_corrupt_database_sets_it_aside_and_joins(cs):
    n1, n2, n3 = cs.nodes
    state = os.path.join(n3.dir, "state")

    def spoil():
        for suffix in ("-wal", "-shm"):
            if os.path.exists(os.path.join(state, "cluster.db" + suffix)):
                os.unlink(os.path.join(state, "cluster.db" + suffix))
        with open(os.path.join(state, "cluster.db"), "wb") as f:
            f.write(bytes((i * 7919) & 0xff for i in range(64 * 1024)))
    restart_with(cs, n3, spoil, [n1], "c")
    aside = glob.glob(os.path.join(state, "cluster.db.corrupt-*"))
    assert len(aside) == 1, os.listdir(state)
    entry = codes(n3, "DB_SET_ASIDE")[-1]
    assert "is corrupt" in entry["text"] and os.path.basename(aside[0]) in entry["text"], entry


def test_local_engine_refuses_to_start_on_a_corrupt_database():
    """The local engine has no other copy to take: it refuses, saying what
    to do, and leaves the file as it is."""
    c = Cluster(start=False)
    try:
        os.makedirs(c.state_dir)
        garbage = bytes((i * 7919) & 0xff for i in range(64 * 1024))
        with open(os.path.join(c.state_dir, "cluster.db"), "wb") as f:
            f.write(garbage)
        c.start(wait=False)
        assert c.proc.wait(20) == 1
        out = c.daemon_output()
        assert "cluster.db is corrupt" in out and "restore" in out and "move it aside" in out, out
        with open(os.path.join(c.state_dir, "cluster.db"), "rb") as f:
            assert f.read() == garbage
        assert not glob.glob(os.path.join(c.state_dir, "cluster.db.corrupt-*"))
    finally:
        left = c.close()
    assert not left


def test_minority_side_takes_the_majority_database_after_a_partition(cs):
    n1, n2, n3 = cs.nodes
    identical(cs)
    n1.cut()
    cs.wait("n1 alone, without quorum", lambda: cs.view(n1) == (False, [1]), timeout=30)
    cs.wait("n2 with n3, quorate", lambda: cs.view(n2) == (True, [2, 3]), timeout=30)
    assert n1.api("POST", "/v1/groups", {"name": "d-minority"})[0] == 409
    changes(cs, "d", [n2, n3])
    installed = len(codes(n1, "SYNC_INSTALLED"))
    n1.heal()
    cs.wait_formed(timeout=60)
    db = identical(cs)
    assert "d-g0" in group_names(db) and "d-g1" in group_names(db) and "d-minority" not in group_names(db)
    assert len(codes(n1, "SYNC_INSTALLED")) == installed + 1
    decided = codes(n1, "SYNC_DECIDED")[-1]["text"]
    assert "behind: n1" in decided, decided


def restart_whole_cluster(cs):
    """Every wolfpackd stopped, then every one started; corosync runs on."""
    for node in cs.nodes:
        node.stop_wolfpackd()
    for node in cs.nodes:
        node.start_wolfpackd()
    for node in cs.nodes:
        node.wait_wolfpackd()
    cs.wait_formed(timeout=60)


def test_whole_cluster_stopped_and_started_keeps_its_configuration(cs):
    before = identical(cs)
    restart_whole_cluster(cs)
    after = identical(cs)
    for table in ("nodes", "groups", "resources", "failures"):
        assert after[table] == before[table], table
    for node in cs.nodes:
        cs.wait("%s in sync" % node.name, lambda n=node: in_sync(cs, n), timeout=10)


def persistent_group(cs, name, persistent):
    n1 = cs.nodes[0]
    status, body = n1.api("POST", "/v1/groups", {"name": name, "properties": {"PersistentState": persistent}})
    assert status == 201, body
    n1.cli("resource", "create", name + "-app", "--type", "genapp", "--group", name, "CommandLine=sleep 100000")
    status, body = n1.api("POST", "/v1/groups/%s/online" % name)
    assert status in (200, 202), body


def group_everywhere(cs, name):
    """(state, desired) every node shows for the group, or None while they
    differ."""
    seen = {(b["state"], b["desired"]) for b in (n.api("GET", "/v1/groups/" + name)[1] for n in cs.nodes)}
    return seen.pop() if len(seen) == 1 else None


def print_start_log(cs, group):
    """What each node's cluster log says of the comparisons and the group."""
    for n in cs.nodes:
        print("==", n.name, n.api("GET", "/v1/groups/" + group)[1].get("state"))
        for e in n.cluster_log()[-80:]:
            c = e.get("code", "")
            if c.startswith("SYNC_") or c.startswith("NODE") or "REFUSED" in c or e.get("name") == group:
                print("   ", e.get("time"), c, e.get("name", ""), e.get("text"))


def test_whole_cluster_start_keeps_groups_with_persistent_state_offline(cs):
    """PersistentState=0: a group online when every wolfpackd stopped stays
    offline when they start again, as on one node; PersistentState=1 comes
    back online. One node restarted alone is no cluster start: both stay
    online."""
    persistent_group(cs, "ps-keep", "1")
    persistent_group(cs, "ps-off", "0")
    both_online = lambda: all(owner_everywhere(cs.nodes, g) for g in ("ps-keep", "ps-off"))
    cs.wait("both groups online", both_online, timeout=60)

    n3 = cs.nodes[2]
    n3.stop_wolfpackd()
    n3.start_wolfpackd()
    n3.wait_wolfpackd()
    cs.wait_formed(timeout=60)
    cs.wait("n3 in sync", lambda: in_sync(cs, n3), timeout=30)
    cs.wait("both groups online after one node's restart", both_online, timeout=60)
    assert group_everywhere(cs, "ps-off") == ("Online", "online")

    restart_whole_cluster(cs)
    cs.wait("ps-keep online again", lambda: owner_everywhere(cs.nodes, "ps-keep"), timeout=60)
    try:
        cs.wait("ps-off offline everywhere", lambda: group_everywhere(cs, "ps-off") == ("Offline", "offline"), timeout=30)
    except AssertionError:
        print_start_log(cs, "ps-off")
        raise
    said = [e for n in cs.nodes for e in codes(n, "GROUP_PERSISTENT_OFFLINE") if e.get("name") == "ps-off"]
    assert len(said) == 1, said
    time.sleep(3)
    assert group_everywhere(cs, "ps-off") == ("Offline", "offline")
    assert owner_everywhere(cs.nodes, "ps-keep")


class Writer:
    """Groups created on node one after another from a thread, until
    stopped: changes that come while another node joins."""

    def __init__(self, node, prefix):
        self.node, self.prefix, self.statuses, self.stop_flag = node, prefix, [], False
        self.pool = concurrent.futures.ThreadPoolExecutor(1)
        self.future = self.pool.submit(self._run)

    def _run(self):
        while not self.stop_flag:
            name = "%s%03d" % (self.prefix, len(self.statuses))
            self.statuses.append((name, self.node.api("POST", "/v1/groups", {"name": name})))

    def stop(self):
        self.stop_flag = True
        self.future.result(30)
        self.pool.shutdown()
        return self.statuses


def test_joiner_takes_5000_resources_in_one_snapshot(cs):
    n1, n2, n3 = cs.nodes
    n3.stop_wolfpackd()
    cs.wait("n1 sees n3 gone", lambda: cs.view(n1) == (True, [1, 2]), timeout=30)
    start = time.monotonic()
    for g in range(50):
        create(n1 if g % 2 else n2, "groups", {"name": "big%02d" % g})

    def make(job):
        g, r = job
        node = n1 if r % 2 else n2
        create(node, "resources", {"name": "big%02d_%03d" % (g, r), "type": "genapp", "group": "big%02d" % g,
                                   "properties": {"CommandLine": "/usr/bin/app --instance %d" % r}})
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(make, [(g, r) for g in range(50) for r in range(100)]))
    print("5000 resources created through the API in %.1f s" % (time.monotonic() - start))
    want = cs.wait("n1 and n2 identical", lambda: (lambda a, b: a == b and a)(n1.database(), n2.database()),
                   timeout=60, interval=0.5)
    assert len(want["resources"]) >= 5000
    n3.clear_state()
    n3.start_wolfpackd()
    n3.wait_wolfpackd()
    cs.wait("n3 holds the 5,000 resources", lambda: n3.database() == n1.database(), timeout=60, interval=0.02)
    seen = datetime.datetime.now(datetime.timezone.utc)
    cs.wait_formed()
    views = [e for e in n3.cluster_log() if e.get("code") == "NODE_VIEW" and "quorate" in e.get("text", "")
             and "without" not in e["text"]]
    first = datetime.datetime.fromisoformat(views[-1]["time"].replace("Z", "+00:00"))
    installed = codes(n3, "SYNC_INSTALLED")[-1]["text"]
    sent = codes(n1, "SYNC_SNAPSHOT_SENT")[-1]["text"]
    print("join of 5,000 resources: %.0f ms from n3's quorate view to an identical database seen by the test"
          % ((seen - first).total_seconds() * 1000))
    print("n1: %s" % sent)
    print("n3: %s" % installed)
    assert (seen - first).total_seconds() < 10, (seen, first)


def test_changes_while_a_node_joins_reach_every_database(cs):
    """Changes keep coming from n1 while n3 starts again: held while the
    members compare and, on n3, until it installed; applied everywhere
    in one order, none refused."""
    n1, n2, n3 = cs.nodes
    n3.stop_wolfpackd()
    cs.wait("n1 sees n3 gone", lambda: cs.view(n1) == (True, [1, 2]), timeout=30)
    create(n2, "groups", {"name": "before-join"})
    writer = Writer(n1, "w")
    time.sleep(0.5)
    n3.start_wolfpackd()
    n3.wait_wolfpackd()
    cs.wait_formed()
    cs.wait("n3 in sync", lambda: in_sync(cs, n3), timeout=30)
    time.sleep(0.5)
    statuses = writer.stop()
    refused = [(name, st) for name, (st, body) in statuses if st != 201]
    assert not refused, refused
    db = identical(cs)
    names = group_names(db)
    assert all(name in names for name, _ in statuses), len(statuses)
    held = [e["text"] for e in codes(n3, "SYNC_INSTALLED")][-1]
    print("%d groups created while n3 joined; n3: %s" % (len(statuses), held))
