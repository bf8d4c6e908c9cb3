# SPDX-License-Identifier: LGPL-2.1-or-later
"""The fault injection of the corosync test cluster (corosync_cluster.py),
on three real nodes with token 3000: what each fault does to the views that
wolfpackd shows, with the times printed. A partition {1}|{2,3} and its heal;
a frozen wolfpackd (SIGSTOP) while its corosync runs on; a whole node
killed, every process of it, and restarted. The witness application runs
inside a node, reads there which node it is, and records into the log all
nodes share. The tests share one cluster and run in order."""

import concurrent.futures
import os
import shlex
import signal
import time

import pytest

import witness
from cluster import cgroup_pids
from corosync_cluster import (NODE_FILE, CorosyncCluster, freeze_wolfpackd, heal_partition, kill_node, partition,
                              restart_node, start_in_node, thaw_wolfpackd, timing_config, twice, witness_command,
                              witness_dirs, witness_group)


@pytest.fixture(scope="module")
def cs():
    c = CorosyncCluster(3, token=3000, config=timing_config(lease="2s"))
    try:
        yield c
    finally:
        c.close()


def running(log, name, node):
    """name's runs on node that have recorded alive since their start."""
    return [r for r in witness.check(log).runs_of(name, node) if r.records[-1].event == "alive"]


def test_timings_reach_every_wolfpackd_conf(cs):
    assert timing_config(lease="2s", stop_budget="500ms", takeover_delay="5s") == (
        "lease-timeout = 2s\nstop-budget = 500ms\ntakeover-delay = 5s\n")
    assert timing_config() == ""
    for node in cs.nodes:
        with open(os.path.join(node.dir, "wolfpackd.conf")) as f:
            assert f.read() == "engine = corosync\nlease-timeout = 2s\n"


def test_the_witness_application_runs_in_each_node_and_knows_which(cs):
    """The group's command line is one replicated property; each node's
    copy reads its own name in its private /run and records into the one
    log under /tmp, as root and as nobody."""
    log = witness_group(cs, "wg", group_properties={"PreferredOwners": "n2"})
    for node in cs.nodes:
        status, r = node.api("GET", "/v1/resources/wg-app")
        assert status == 200 and r["group"] == "wg", r
        assert r["properties"]["CommandLine"] == witness_command(cs, "wg", "wg-app"), r
        assert NODE_FILE in r["properties"]["CommandLine"]
    argv = shlex.split(witness_command(cs, "wg", "wg-app"))
    # As nobody, with a lock of its own: reachable through every directory above.
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + shlex.split(
        witness_command(cs, "wx", "wx-app"))
    procs = [start_in_node(cs.nodes[0], argv)]
    try:
        cs.wait("n1 holds wg's lock", lambda: running(log, "wg", "n1"), timeout=15)
        # A second copy of wg, on n2: it records its start, finds the lock held, and stops.
        procs.append(start_in_node(cs.nodes[1], argv))
        assert procs[1].wait(15) == 3
        procs.append(start_in_node(cs.nodes[2], nobody))
        cs.wait("n3 runs wx", lambda: running(log, "wx", "n3"), timeout=15)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)
    report = witness.check(log)
    # Two nodes ran wg at once: the checker says so, and so does the lock.
    assert not report.ok and [(o.a.node, o.b.node) for o in report.overlaps] == [("n1", "n2")], report.text()
    assert twice(cs) == ["wg-app.lock.twice"]
    assert [(r.node, r.pid, r.stopped) for r in report.runs_of("wg")] == [
        ("n1", procs[0].pid, True), ("n2", procs[1].pid, True)], report.text()
    (wx,) = report.runs_of("wx")
    assert wx.stopped and wx.pid == procs[2].pid
    # Leave an empty log and no marker to the tests that follow.
    open(log, "w").close()
    os.remove(os.path.join(os.path.dirname(log), "locks", "wg-app.lock.twice"))


def test_partition_1_from_2_3_then_heal(cs):
    n1, n2, n3 = cs.nodes
    cs.wait_formed()
    t = partition(cs, [n1])
    cs.wait("n1 alone, without quorum", lambda: cs.view(n1) == (False, [1]), timeout=30, interval=0.05)
    alone = time.monotonic() - t
    for node in (n2, n3):
        cs.wait("%s quorate with n2, n3" % node.name, lambda n=node: cs.view(n) == (True, [2, 3]), timeout=30,
                interval=0.05)
    quorate = time.monotonic() - t
    # n2 and n3 still reach each other: the majority takes changes.
    status, body = n2.api("POST", "/v1/groups", {"name": "during-split"})
    assert status == 201, body
    cs.wait("n3 applied it", lambda: "during-split" in [row[1] for row in n3.dump("groups")], timeout=10)
    assert n1.api("POST", "/v1/groups", {"name": "on-n1"})[0] == 409
    t = heal_partition(cs)
    cs.wait_formed()
    healed = time.monotonic() - t
    print("partition {1}|{2,3}: n1 alone without quorum after %.2f s, n2+n3 quorate after %.2f s; "
          "healed, every node sees every node after %.2f s (token %d ms, consensus %d ms)" % (
              alone, quorate, healed, cs.effective["token_ms"], cs.effective["consensus_ms"]))


def test_frozen_wolfpackd_stays_in_the_view(cs):
    """SIGSTOP of n2's wolfpackd: its corosync runs and keeps its CPG
    member, so the others' view keeps n2, for as long as we watch, while
    n1 sends changes that n2 cannot take. After SIGCONT n2 applies them."""
    n1, n2, n3 = cs.nodes
    cs.wait_formed()
    watch = 2.5 * (cs.effective["token_ms"] + cs.effective["consensus_ms"]) / 1000.0
    t = freeze_wolfpackd(n2)
    noticed = {}
    sent = 0
    try:
        end = t + watch
        while time.monotonic() < end:
            # A ring that re-forms meanwhile (same members, under load)
            # holds changes for the offer timeout, n2 being silent.
            status, body = n1.api("PATCH", "/v1/groups/wg", {"properties": {"FailoverThreshold": str(sent)}},
                                  timeout=30)
            assert status == 200, body
            sent += 1
            for node in (n1, n3):
                if node.name not in noticed and cs.view(node) != (True, [1, 2, 3]):
                    noticed[node.name] = (time.monotonic() - t, cs.view(node))
            time.sleep(0.2)
    finally:
        thaw_wolfpackd(n2)
    print("wolfpackd of n2 stopped for %.1f s while n1 sent %d changes: %s" % (
        watch, sent, "; ".join("%s saw %s after %.2f s" % (k, v[1], v[0]) for k, v in noticed.items())
        or "nobody noticed"))
    assert not noticed, noticed
    last = str(sent - 1)
    t = time.monotonic()
    cs.wait("n2 took every change", lambda: n2.api("GET", "/v1/groups/wg")[1]["properties"].get(
        "FailoverThreshold") == last, timeout=30)
    print("n2 applied the %d changes within %.2f s of SIGCONT" % (sent, time.monotonic() - t))
    # (n1 lacks what n2 and n3 did while it was cut off: no snapshot at a merge yet.)
    assert n2.dump("groups") == n3.dump("groups")


def test_frozen_wolfpackd_at_a_view_change_holds_changes_only_for_a_while(cs):
    """n2's wolfpackd frozen, then n3's restarted: a new round in which n2,
    still a member, never says its version. After the offer timeout n1 and
    n3 compare without it and take changes again. n2, thawed, finds itself
    left out, asks to compare again and takes the others' database. A
    change sent to n2 while it was frozen is answered as the cluster took
    it: 200 and applied everywhere, or refused and applied nowhere."""
    n1, n2, n3 = cs.nodes
    cs.wait_formed()
    freeze_wolfpackd(n2)
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        n3.stop_wolfpackd()
        n3.start_wolfpackd()
        n3.wait_wolfpackd()
        t = time.monotonic()
        status, body = n1.api("PATCH", "/v1/groups/wg", {"properties": {"FailoverThreshold": "7"}}, timeout=30)
        took = time.monotonic() - t
        assert status == 200, body
        print("a change made while n2 was silent at the view took %.2f s" % took)
        assert any(e.get("code") == "SYNC_SILENT" for e in n1.cluster_log())
        sent_to_n2 = pool.submit(n2.api, "PATCH", "/v1/groups/wg", {"properties": {"FailoverThreshold": "8"}}, 30)
        time.sleep(0.5)
    finally:
        thaw_wolfpackd(n2)
    status, body = sent_to_n2.result(40)
    pool.shutdown()
    cs.wait("n2 in sync again", lambda: n2.api("GET", "/v1/cluster")[1]["sync"] == "in sync", timeout=30)
    codes = [e.get("code") for e in n2.cluster_log()]
    assert "SYNC_OUT" in codes and "SYNC_AGAIN" in codes, codes[-30:]
    want = "8" if status == 200 else "7"
    print("the change sent to n2 while frozen: %d %s" % (status, body if status != 200 else ""))
    assert status in (200, 409), (status, body)
    cs.wait("every node holds FailoverThreshold=%s" % want, lambda: all(
        n.api("GET", "/v1/groups/wg")[1]["properties"].get("FailoverThreshold") == want for n in cs.nodes), timeout=30)
    assert n2.dump("groups") == n1.dump("groups")


def test_killed_node_leaves_every_survivors_view_and_restarts(cs):
    n1, n2, n3 = cs.nodes
    cs.wait_formed()
    log = witness_dirs(cs)[0]
    app = start_in_node(n3, shlex.split(witness_command(cs, "wk", "wk-app")))
    cs.wait("the application on n3 recorded alive", lambda: running(log, "wk", "n3"), timeout=15)
    processes = len(cgroup_pids(n3.cgroup))
    t = kill_node(n3)
    assert app.wait(5) == -signal.SIGKILL
    assert not cgroup_pids(n3.cgroup)
    for node in (n1, n2):
        cs.wait("%s sees n3 gone, quorate" % node.name, lambda n=node: cs.view(n) == (True, [1, 2]), timeout=30,
                interval=0.05)
    print("n3 killed (%d processes): n1 and n2 see it gone after %.2f s" % (processes, time.monotonic() - t))
    (run,) = witness.check(log).runs_of("wk", "n3")
    assert not run.stopped and run.end <= t, (run.end, t)
    t = time.monotonic()
    restart_node(n3)
    cs.wait_formed()
    print("n3 restarted: every node sees every node after %.2f s" % (time.monotonic() - t))
    status, body = n3.api("GET", "/v1/cluster")
    assert body["node"] == "n3" and body["quorate"], body
    witness.assert_no_overlap(log)

