# SPDX-License-Identifier: LGPL-2.1-or-later
"""Node failover on three real corosync nodes (token 3000), proved by the
split-brain witness: one group, wg, whose genapp resource runs the witness
application (corosync_cluster.witness_group), and after every test the
checker (witness.py) over the whole log: never two nodes running wg at once.

Timings (wolfpackd.conf): lease-timeout 2s, stop-budget 2s, takeover-delay
5s, so that takeover-delay >= lease + stop budget + 1 s. The faults: the
owner killed (every process of its node); the owner's wolfpackd frozen
(SIGSTOP; the lease guard ends its application); the owner partitioned
off; a planned move. Each test prints what it measured, on the
CLOCK_MONOTONIC the witness records carry.

They need the placement coordinator and node failover of the corosync
engine, with the settings stop-budget and takeover-delay and the timings
of GET /v1/cluster; a wolfpackd without them refuses stop-budget at start,
and every test here fails there."""

import time

import pytest

import witness
from corosync_cluster import (CorosyncCluster, freeze_wolfpackd, heal_partition, kill_node, owner_everywhere,
                              partition, thaw_wolfpackd, timing_config, twice, watch, witness_group)

LEASE, STOP_BUDGET, TAKEOVER_DELAY = 2.0, 2.0, 5.0
GROUP = "wg"
# Polls of the API and of the witness log: a time seen is late by up to this.
SLACK = 0.25


@pytest.fixture
def cs():
    c = CorosyncCluster(3, token=3000, config=timing_config(lease="2s", stop_budget="2s", takeover_delay="5s"))
    try:
        c.log = witness_group(c, GROUP)
        yield c
        # Whatever the test did: wg never ran on two nodes at once, and no
        # copy ever found another's lock held.
        report = witness.assert_no_overlap(c.log)
        print(report.text())
        assert not twice(c), twice(c)
    finally:
        c.close()


def owner_seen_by(nodes):
    return owner_everywhere(nodes, GROUP)


def by_name(cs, name):
    return next(n for n in cs.nodes if n.name == name)


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


def runs_on(cs, node_name, after=None):
    """wg's runs on node_name, started after the time given."""
    return witness.check(cs.log).runs_of(GROUP, node_name, after)


def run_of(cs, node, pid):
    """The run of process pid on node, as the log has it now."""
    (run,) = [r for r in witness.check(cs.log).runs_of(GROUP, node.name) if r.pid == pid]
    return run


def online(cs):
    """Bring wg online from n1; once every node shows one owner and the
    witness application runs there: (owner node, its run)."""
    timings = cs.nodes[0].api("GET", "/v1/cluster")[1].get("timings")
    assert timings and timings["lease_ms"] == LEASE * 1000 and timings["stop_budget_ms"] == STOP_BUDGET * 1000 \
        and timings["takeover_delay_ms"] == TAKEOVER_DELAY * 1000, timings
    print("timings:", timings, "corosync:", cs.effective)
    cs.nodes[0].cli("group", "online", GROUP, timeout=60)
    owner = cs.wait("every node shows wg Online with one owner", lambda: owner_seen_by(cs.nodes), timeout=30)
    (run,) = cs.wait("the witness application runs on " + owner,
                     lambda: [r for r in runs_on(cs, owner) if r.records[-1].event == "alive"], timeout=30)
    return by_name(cs, owner), run


def not_started_again(cs, node_name, since, seconds):
    """For seconds, node_name starts no copy of wg."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        assert not runs_on(cs, node_name, since), runs_on(cs, node_name, since)
        time.sleep(0.2)


def test_killed_owner_group_online_on_a_survivor(cs):
    victim, run = online(cs)
    survivors = [n for n in cs.nodes if n is not victim]
    ids = [n.i for n in survivors]
    t = kill_node(victim)
    seen = watch({
        "view": lambda: cs.view(survivors[0]) == (True, ids),
        "api": lambda: owner_seen_by(survivors) in [n.name for n in survivors],
        "witness": lambda: any(runs_on(cs, n.name, t) for n in survivors),
    })
    new = owner_seen_by(survivors)
    (started,) = runs_on(cs, new, t)
    assert run_of(cs, victim, run.pid).end <= t
    print("owner %s killed: survivors' view without it after %.2f s; wg running on %s after %.2f s (witness), "
          "Online there on every survivor after %.2f s; takeover delay %.1f s" % (
              victim.name, seen["view"] - t, new, started.start - t, seen["api"] - t, TAKEOVER_DELAY))
    assert started.start - t >= TAKEOVER_DELAY, "started before the takeover delay had passed"


def test_frozen_owner_is_ended_by_its_lease_before_a_survivor_starts(cs):
    victim, run = online(cs)
    survivors = [n for n in cs.nodes if n is not victim]
    t = freeze_wolfpackd(victim)
    try:
        seen = watch({
            "terminated": lambda: not alive(run.pid),
            "witness": lambda: any(runs_on(cs, n.name, t) for n in survivors),
            "api": lambda: owner_seen_by(survivors) in [n.name for n in survivors],
        })
        # The lease guard, not wolfpackd (frozen), ended it: killed, so its
        # last alive bounds its end.
        ended = run_of(cs, victim, run.pid)
        new = owner_seen_by(survivors)
        (started,) = runs_on(cs, new, t)
        print("wolfpackd of owner %s frozen: its application ended after %.2f s (last record; lease %.1f s), "
              "wg running on %s after %.2f s (witness; takeover delay %.1f s)" % (
                  victim.name, ended.end - t, LEASE, new, started.start - t, TAKEOVER_DELAY))
        assert seen["terminated"] < seen["witness"]
        assert ended.end < started.start
        assert ended.end - t <= LEASE + 1.0, "the lease guard took %.2f s" % (ended.end - t)
    finally:
        thawed = thaw_wolfpackd(victim)
    # Thawed, it learns that its lease expired and another node owns wg:
    # it starts no copy of its own.
    cs.wait("%s shows wg Online on %s" % (victim.name, new), lambda: owner_seen_by(cs.nodes) == new, timeout=30)
    not_started_again(cs, victim.name, thawed, LEASE + TAKEOVER_DELAY + 3)
    assert owner_seen_by(cs.nodes) == new


def test_partitioned_owner_stops_within_the_budget_the_others_start_after_the_delay(cs):
    victim, run = online(cs)
    others = [n for n in cs.nodes if n is not victim]
    ids = [n.i for n in others]
    t = partition(cs, [victim])
    seen = watch({
        "victim without quorum": lambda: cs.view(victim) == (False, [victim.i]),
        "others quorate": lambda: cs.view(others[0]) == (True, ids) and cs.view(others[1]) == (True, ids),
        "terminated": lambda: not alive(run.pid),
        "witness": lambda: any(runs_on(cs, n.name, t) for n in others),
    })
    ended = run_of(cs, victim, run.pid)
    new = cs.wait("the others show wg Online on one of them",
                  lambda: owner_seen_by(others) in [n.name for n in others] and owner_seen_by(others), timeout=30)
    (started,) = runs_on(cs, new, t)
    lost, formed = seen["victim without quorum"], seen["others quorate"]
    print("owner %s partitioned off: without quorum after %.2f s, its application ended %.2f s later "
          "(stop budget %.1f s); the others quorate after %.2f s, wg running on %s %.2f s after the cut "
          "(takeover delay %.1f s from its last heartbeat)" % (victim.name, lost - t, ended.end - lost, STOP_BUDGET,
                                                                formed - t, new, started.start - t, TAKEOVER_DELAY))
    assert ended.end - lost <= STOP_BUDGET + SLACK, "the owner stopped %.2f s after losing quorum" % (ended.end - lost)
    # The delay counts from the last heartbeat the others had from it,
    # sent at most one heartbeat interval before the cut.
    heartbeat = cs.nodes[0].api("GET", "/v1/cluster")[1]["timings"]["heartbeat_ms"] / 1000
    assert started.start - t >= TAKEOVER_DELAY - heartbeat - SLACK, "the others started %.2f s after the cut" % (
        started.start - t)
    assert ended.end < started.start
    healed = heal_partition(cs)
    cs.wait_formed(timeout=60)
    print("healed: every node sees every node after %.2f s" % (time.monotonic() - healed))
    cs.wait("%s shows wg Online on %s" % (victim.name, new), lambda: owner_seen_by(cs.nodes) == new, timeout=30)
    not_started_again(cs, victim.name, healed, TAKEOVER_DELAY + 3)


def test_planned_move(cs):
    source, current = online(cs)
    target, via = [n for n in cs.nodes if n is not source]
    for frm, to in ((source, target), (target, source)):
        t = time.monotonic()
        via.cli("group", "move", GROUP, "--to", to.name, timeout=60)
        returned = time.monotonic()
        seen = watch({"api": lambda: owner_seen_by(cs.nodes) == to.name,
                          "witness": lambda: runs_on(cs, to.name, t)}, timeout=60)
        (started,) = runs_on(cs, to.name, t)
        stopped = run_of(cs, frm, current.pid)
        print("move %s -> %s through %s: running on %s after %.2f s (witness), the command returned after %.2f s, "
              "Online on every node after %.2f s; %.1f ms from the stop on %s to the start" % (
                  frm.name, to.name, via.name, to.name, started.start - t, returned - t, seen["api"] - t,
                  (started.start - stopped.end) * 1000, frm.name))
        # Taken offline, not killed: it said stop before the target began.
        assert stopped.stopped and stopped.end <= started.start
        current = started
