# SPDX-License-Identifier: LGPL-2.1-or-later
"""wolfpackd and its resource monitors, end to end: a monitor that dies while
a resource waits to be ready, DeadlockTimeout as the administrator sets it
(also across a re-attach), and a hung shared monitor that must not hold up
configuration changes."""

import os
import signal
import subprocess
import time

import pytest

from cluster import cgroup_pids
from test_cluster_service import c, pid  # noqa: F401 (c: the one-node cluster fixture)


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
    """The processes in the resource's cgroup (ProcessId is there only
    once it is Online)."""
    return cgroup_pids(os.path.join(c.cgroup, "res", c.resource(name)["id"]))


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
