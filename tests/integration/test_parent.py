# SPDX-License-Identifier: LGPL-2.1-or-later
"""The monitor and its parent: a parent that dies and a new one that
re-attaches, nobody re-attaching, the lease guard."""

import os
import signal
import time

from conftest import alive, assert_matches, cgroup_procs, message_of, reason_of, wait_until

NO_POLL = {"LooksAlivePollInterval": "1h", "IsAlivePollInterval": "1h"}


def _online_apps(wp, d, n):
    pids = {}
    for _ in range(n):
        rid = wp.new_id()
        d.open(rid, "genapp", wp.genapp_props(rid), common=NO_POLL)
        ev = d.online(rid)
        assert ev["state"] == "Online", reason_of(ev)
        pids[rid] = int(ev["properties"]["ProcessId"])
        wp.wait_up(rid, pids[rid])
    return pids


def test_reattach_keeps_everything(wp):
    d = wp.driver("--reattach-timeout", "10s", name="ra")
    monitor = d.wait_attached()["pid"]
    pids = _online_apps(wp, d, 3)

    d.kill(signal.SIGKILL)
    time.sleep(0.3)
    assert alive(monitor), "the monitor died with its parent"
    sock = os.path.join(wp.runtime_dir, "resmon-ra.sock")
    assert wait_until(lambda: os.path.exists(sock), 3.0), f"no {sock}"
    sock_mode = os.stat(sock).st_mode & 0o777

    d2 = wp.driver(name="ra", attach=True)
    att = d2.wait_attached()
    assert att["pid"] == monitor
    snap = {r["resource"]: r for r in att["resources"]}
    assert set(snap) == set(pids), att
    for rid, pid in pids.items():
        assert snap[rid]["state"] == "Online", snap[rid]
        assert snap[rid]["properties"]["ProcessId"] == str(pid), snap[rid]
        assert alive(pid), f"{rid}: process {pid} gone"
        assert d2.get_properties(rid)["ProcessId"] == str(pid)

    # The new parent is in charge: offline one, the others stay.
    first = sorted(pids)[0]
    d2.offline(first)
    assert not alive(pids[first])
    for rid in sorted(pids)[1:]:
        assert alive(pids[rid])
    assert sock_mode == 0o600, f"the named socket has mode {sock_mode:o}"
    # quit: the monitor terminates the rest and exits (checked at teardown).


def test_nobody_reattaches(wp):
    d = wp.driver("--reattach-timeout", "2s", name="nr")
    monitor = d.wait_attached()["pid"]
    pids = _online_apps(wp, d, 2)
    d.kill(signal.SIGKILL)
    t0 = time.monotonic()
    time.sleep(1.0)
    assert alive(monitor)
    assert all(alive(p) for p in pids.values()), "resources stopped before ReattachTimeout"
    assert wait_until(lambda: not alive(monitor), 5.0), "the monitor outlived ReattachTimeout"
    took = time.monotonic() - t0
    assert took >= 1.8, f"the monitor gave up after {took:.1f}s"
    for pid in pids.values():
        assert not alive(pid)
    assert cgroup_procs(wp.cgroup_path()) == []
    assert not os.path.exists(os.path.join(wp.runtime_dir, "resmon-nr.sock"))


def test_detach_then_reattach(wp):
    # A parent that exits without a word (the detach command), and one that
    # comes back in time.
    d = wp.driver("--reattach-timeout", "5s", name="dt")
    monitor = d.wait_attached()["pid"]
    pids = _online_apps(wp, d, 1)
    d.command({"type": "detach"})
    d.proc.wait(5)
    d.expect_exit = None
    time.sleep(0.2)
    d2 = wp.driver(name="dt", attach=True)
    att = d2.wait_attached()
    assert att["pid"] == monitor
    assert [r["state"] for r in att["resources"]] == ["Online"]
    rid, pid = next(iter(pids.items()))
    assert att["resources"][0]["properties"]["ProcessId"] == str(pid)
    assert alive(pid)


def test_lease_expiry_terminates_everything(wp):
    d = wp.driver()
    d.command({"type": "lease-start", "duration": "1s", "renew": "250ms"})
    time.sleep(0.1)
    pids = _online_apps(wp, d, 2)
    time.sleep(1.2)   # renewals keep it alive past one duration
    for rid in pids:
        assert d.last_state(rid) == "Online"
    m = d.mark()
    t0 = time.monotonic()
    d.command({"type": "lease-stop"})
    for rid, pid in pids.items():
        ev = d.wait_state(rid, "Failed", timeout=4, since=m)
        assert_matches(reason_of(ev), r"lease expired")
        assert not alive(pid)
    took = time.monotonic() - t0
    assert 0.5 <= took < 3.0, f"lease ran out {took:.2f}s after the last renewal stopped"
    assert cgroup_procs(wp.cgroup_path()) == []

    # No online without a lease ...
    rid = sorted(pids)[0]
    rep = d.request({"type": "online", "resource": rid})
    assert rep["error"] < 0, rep
    assert_matches(message_of(rep), r"lease")
    # ... until a new one arrives.
    d.command({"type": "lease-start", "duration": "5s", "renew": "1s"})
    time.sleep(0.2)
    ev = d.online(rid)
    assert ev["state"] == "Online", reason_of(ev)


def test_lease_withdrawn(wp):
    d = wp.driver()
    d.ok({"type": "lease", "duration_ms": 30000})
    pids = _online_apps(wp, d, 1)
    m = d.mark()
    d.ok({"type": "lease", "duration_ms": 0})
    rid, pid = next(iter(pids.items()))
    ev = d.wait_state(rid, "Failed", timeout=2, since=m)
    assert_matches(reason_of(ev), r"lease expired")
    assert not alive(pid)
