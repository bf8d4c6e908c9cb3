# SPDX-License-Identifier: LGPL-2.1-or-later
"""wolfpackd and its resource monitors, end to end: a monitor that dies while
a resource waits to be ready, DeadlockTimeout as the administrator sets it
(also across a re-attach), and a hung shared monitor that must not hold up
configuration changes."""

import os
import re
import signal
import subprocess
import time

import pytest

from cluster import Cluster, cgroup_pids
from test_cluster_service import pid


def monitor_pids(c, name=None):
    """The pids of the cluster's monitors (only the one called name)."""
    out = subprocess.run(["pgrep", "-a", "-f", "wolfpack-resmon"], capture_output=True, text=True).stdout
    pids = []
    for line in out.splitlines():
        if c.dir not in line or "wolfpack-resmon-driver" in line:
            continue
        words = line.split()
        if name and words[words.index("--name") + 1] != name:
            continue
        pids.append(int(words[0]))
    return pids


def app_pids(c, name):
    """The test application's processes in the resource's cgroup, without a
    ReadyCheck that may be running (ProcessId is there only once it is
    Online)."""
    pids = []
    for p in cgroup_pids(os.path.join(c.cgroup, "res", c.resource(name)["id"])):
        try:
            with open("/proc/%d/cmdline" % p, "rb") as f:
                if b"flockapp" in f.read():
                    pids.append(p)
        except FileNotFoundError:
            pass
    return pids


def started(c, name):
    return [e for e in c.log() if e.get("code") == "GENAPP_STARTED" and e.get("name") == name]


# ---- a monitor that dies while a resource is OnlinePending ----

@pytest.mark.parametrize("rtype", ["genapp", "genjob"])
def test_monitor_death_during_online_pending_waits_for_ready_again(c, rtype):
    ready = os.path.join(c.dir, "ready")
    c.cli("group", "create", "rc")
    c.cli("resource", "create", "slow", "--type", rtype, "--group", "rc", c.app("slow"),
          "ReadyCheck=test -e %s" % ready, "RestartAction=0")
    c.cli("resource", "create", "dep", "--type", rtype, "--group", "rc", c.app("dep"))
    c.cli("resource", "depend", "dep", "--on", "slow")
    c.cli("--no-wait", "group", "online", "rc")
    c.wait_for(lambda: "not ready" in (c.resource("slow")["state_reason"] or ""))
    before = app_pids(c, "slow")
    assert len(before) == 1, before
    for m in monitor_pids(c):
        os.kill(m, signal.SIGKILL)
    time.sleep(3)
    r = c.resource("slow")
    assert r["state"] == "OnlinePending", r
    assert c.resource("dep")["state"] == "Offline"
    assert not started(c, "dep")
    # The application was kept, not started again ...
    assert app_pids(c, "slow") == before
    # ... and it is Online once it is ready; its dependent follows.
    open(ready, "w").close()
    c.wait_state("resource", "slow", "Online", timeout=10)
    c.wait_state("resource", "dep", "Online", timeout=10)
    assert [pid(c, "slow")] == before


def test_monitor_death_during_online_pending_never_ready_fails(c):
    c.cli("group", "create", "rc")
    c.cli("resource", "create", "never", "--type", "genapp", "--group", "rc", c.app("never"),
          "ReadyCheck=false", "PendingTimeout=5s", "RestartAction=0")
    c.cli("resource", "create", "dep", "--type", "genapp", "--group", "rc", c.app("dep"))
    c.cli("resource", "depend", "dep", "--on", "never")
    c.cli("--no-wait", "group", "online", "rc")
    c.wait_for(lambda: "ReadyCheck exited with code 1" in (c.resource("never")["state_reason"] or ""))
    for m in monitor_pids(c):
        os.kill(m, signal.SIGKILL)
    time.sleep(2)
    assert c.resource("never")["state"] == "OnlinePending"
    # PendingTimeout ends the wait that went on in the new monitor.
    r = c.wait_state("resource", "never", "Failed", timeout=15)
    assert "PendingTimeout" in (r["state_reason"] or ""), r
    assert c.resource("dep")["state"] == "Offline"
    assert not started(c, "dep")


def test_wolfpackd_killed_during_online_pending_keeps_waiting(c):
    # The monitor outlives wolfpackd and goes on waiting; the new wolfpackd
    # adopts the resource as it is, OnlinePending.
    ready = os.path.join(c.dir, "ready")
    c.cli("group", "create", "rc")
    c.cli("resource", "create", "slow", "--type", "genapp", "--group", "rc", c.app("slow"),
          "ReadyCheck=test -e %s" % ready)
    c.cli("resource", "create", "dep", "--type", "genapp", "--group", "rc", c.app("dep"))
    c.cli("resource", "depend", "dep", "--on", "slow")
    c.cli("--no-wait", "group", "online", "rc")
    c.wait_for(lambda: "not ready" in (c.resource("slow")["state_reason"] or ""))
    c.stop(signal.SIGKILL)
    c.start()
    time.sleep(2)
    assert c.resource("slow")["state"] == "OnlinePending"
    assert c.resource("dep")["state"] == "Offline" and not started(c, "dep")
    open(ready, "w").close()
    c.wait_state("resource", "dep", "Online", timeout=10)


def test_wolfpackd_and_monitor_killed_during_online_pending(c):
    # Nobody is left to remember that the resource was still waiting: the
    # new wolfpackd finds its process and must see it ready first.
    ready = os.path.join(c.dir, "ready")
    c.cli("group", "create", "rc")
    c.cli("resource", "create", "slow", "--type", "genapp", "--group", "rc", c.app("slow"),
          "ReadyCheck=test -e %s" % ready, "RestartAction=0")
    c.cli("resource", "create", "dep", "--type", "genapp", "--group", "rc", c.app("dep"))
    c.cli("resource", "depend", "dep", "--on", "slow")
    c.cli("--no-wait", "group", "online", "rc")
    c.wait_for(lambda: "not ready" in (c.resource("slow")["state_reason"] or ""))
    before = app_pids(c, "slow")
    mons = monitor_pids(c)
    c.stop(signal.SIGKILL)
    for m in mons:
        os.kill(m, signal.SIGKILL)
    c.start()
    time.sleep(3)
    assert c.resource("slow")["state"] == "OnlinePending"
    assert c.resource("dep")["state"] == "Offline" and not started(c, "dep")
    assert app_pids(c, "slow") == before
    open(ready, "w").close()
    c.wait_state("resource", "dep", "Online", timeout=10)
    assert [pid(c, "slow")] == before


# ---- DeadlockTimeout ----

def stopped_monitor_is_killed(c, name, within):
    """SIGSTOP the monitor called name; True when it is killed for its
    DeadlockTimeout within `within` seconds."""
    (mon,) = monitor_pids(c, name)
    os.kill(mon, signal.SIGSTOP)
    try:
        end = time.monotonic() + within
        while time.monotonic() < end:
            if not os.path.exists("/proc/%d" % mon) or open("/proc/%d/stat" % mon).read().split()[2] == "Z":
                return True
            time.sleep(0.1)
        return False
    finally:
        try:
            os.kill(mon, signal.SIGCONT)
        except ProcessLookupError:
            pass


def test_deadlock_timeout_set_takes_effect_at_once(c):
    c.cli("group", "create", "big")
    c.cli("resource", "create", "b1", "--type", "genapp", "--group", "big", c.app("b1"))
    c.cli("group", "online", "big")
    before = pid(c, "b1")
    status, body = c.api("PATCH", "/v1/resources/b1", {"properties": {"DeadlockTimeout": "2s"}})
    assert status == 200 and body["next_online"] == [], body
    assert stopped_monitor_is_killed(c, "main", 8)
    assert [e for e in c.log() if e.get("code") == "MONITOR_DEADLOCK"]
    # Idle when killed: nothing is charged, the application is found again.
    c.wait_state("resource", "b1", "Online")
    assert pid(c, "b1") == before
    # The new monitor keeps the resource's value.
    assert stopped_monitor_is_killed(c, "main", 8)


def test_deadlock_timeout_kept_across_reattach(c):
    c.cli("group", "create", "big")
    c.cli("resource", "create", "b2", "--type", "genapp", "--group", "big", c.app("b2"), "DeadlockTimeout=2s")
    c.cli("group", "online", "big")
    before = pid(c, "b2")
    c.stop(signal.SIGKILL)
    c.start()
    c.wait_state("resource", "b2", "Online")
    assert stopped_monitor_is_killed(c, "main", 8)
    c.wait_state("resource", "b2", "Online")
    assert pid(c, "b2") == before


def test_separate_monitor_set_applies_at_the_next_online(c):
    c.cli("group", "create", "g")
    c.cli("resource", "create", "s", "--type", "genapp", "--group", "g", c.app("s"))
    c.cli("group", "online", "g")
    rid = c.resource("s")["id"]
    status, body = c.api("PATCH", "/v1/resources/s", {"properties": {"SeparateMonitor": "1"}})
    assert status == 200 and body["next_online"] == ["SeparateMonitor"], body
    c.cli("resource", "offline", "s")
    c.cli("resource", "online", "s")
    assert monitor_pids(c, rid), "resource s is not in a monitor of its own"


def test_hung_entry_point_is_reported_by_name_with_the_time_it_hung():
    cl = Cluster(test_plugins=True)
    try:
        cl.cli("group", "create", "g")
        cl.cli("resource", "create", "hung", "--type", "test-hang", "--group", "g", "HangIn=online",
               "DeadlockTimeout=2s", "RestartAction=0")
        cl.cli("--no-wait", "resource", "online", "hung")
        r = cl.wait_state("resource", "hung", "Failed", timeout=15)
        m = re.search(r"hung in online for (\d+\.\d)s", r["state_reason"] or "")
        assert m and 2.0 <= float(m.group(1)) < 3.0, r["state_reason"]
        assert "DeadlockTimeout 2s" in r["state_reason"], r["state_reason"]
        log = cl.log()
        for code in ("MONITOR_DIED", "RESOURCE_REQUEST_FAILED"):
            entries = [e for e in log if e.get("code") == code]
            assert entries and all(e.get("name") == "hung" for e in entries), (code, entries)
    finally:
        left = cl.close()
    assert not left


def test_monitor_timing_set_reaches_an_open_resource(c):
    # PendingTimeout (like the poll intervals) is the monitor's: a change
    # reaches a resource that is open already, not only a new one.
    c.cli("group", "create", "g")
    c.cli("resource", "create", "p", "--type", "genapp", "--group", "g", c.app("p"), "RestartAction=0")
    c.cli("group", "online", "g")
    c.cli("resource", "offline", "p")
    c.cli("resource", "set", "p", "ReadyCheck=false", "PendingTimeout=1s")
    c.cli("--no-wait", "resource", "online", "p")
    r = c.wait_state("resource", "p", "Failed", timeout=8)
    assert "PendingTimeout (1s)" in (r["state_reason"] or ""), r


# ---- a hung shared monitor ----

def test_hung_main_monitor_does_not_hold_up_create_and_set(c):
    c.cli("group", "create", "g")
    c.cli("resource", "create", "a", "--type", "genapp", "--group", "g", c.app("a"))
    (mon,) = monitor_pids(c, "main")
    os.kill(mon, signal.SIGSTOP)
    try:
        for args in (("resource", "create", "web", "--type", "genapp", "--group", "g", c.app("web")),
                     ("resource", "set", "a", "StopTimeout=5s")):
            t0 = time.monotonic()
            p = c.cli(*args, check=False, timeout=30)
            took = time.monotonic() - t0
            assert p.returncode != 0 and took < 10, (took, p.stderr)
            assert "resource monitor main" in p.stderr and "did not answer" in p.stderr, p.stderr
        assert c.cli_json("resource", "list") and "web" not in [r["name"] for r in c.cli_json("resource", "list")]
    finally:
        os.kill(mon, signal.SIGCONT)
    c.cli("resource", "create", "web", "--type", "genapp", "--group", "g", c.app("web"))
    c.cli("resource", "set", "a", "StopTimeout=5s")


# ---- offline while an online is pending ----

def test_offline_during_online_pending_does_not_wait_for_pending_timeout(c):
    c.cli("group", "create", "g")
    c.cli("resource", "create", "never", "--type", "genapp", "--group", "g", c.app("never"), "ReadyCheck=false")
    c.cli("--no-wait", "resource", "online", "never")
    c.wait_for(lambda: "ReadyCheck exited with code 1" in (c.resource("never")["state_reason"] or ""))
    procs = cgroup_pids(os.path.join(c.cgroup, "res", c.resource("never")["id"]))
    assert procs
    t0 = time.monotonic()
    c.cli("resource", "offline", "never", timeout=30)
    assert time.monotonic() - t0 < 5
    r = c.resource("never")
    assert r["state"] == "Offline", r
    assert not [p for p in procs if os.path.exists("/proc/%d" % p)]
    # And a stop of the node does not wait for it either.
    c.cli("--no-wait", "resource", "online", "never")
    c.wait_for(lambda: "ReadyCheck exited with code 1" in (c.resource("never")["state_reason"] or ""))
    t0 = time.monotonic()
    c.stop(timeout=15)
    assert time.monotonic() - t0 < 5
