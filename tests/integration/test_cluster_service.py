# SPDX-License-Identifier: LGPL-2.1-or-later
"""wolfpackd on one node, end to end: through the CLI and the API, with real
monitors, real genapp resources and the test application that holds an
flock per resource (no lock may ever be taken twice)."""

import json
import os
import signal
import subprocess
import time

import pytest

from cluster import WOLFPACK, Cluster, cgroup_pids



def make_group(c, name, *resources, group_props=()):
    c.cli("group", "create", name, *group_props)
    for r, extra in resources:
        c.cli("resource", "create", r, "--type", "genapp", "--group", name, c.app(r), *extra)


def pid(c, name):
    return int(c.resource(name)["properties"]["ProcessId"])


def restarted(c, name, old):
    """Online again with another process: one read, since between two the
    resource may fail, and a resource that runs nothing has no ProcessId."""
    r = c.resource(name)
    return r["state"] == "Online" and r["properties"].get("ProcessId") not in (None, str(old))


def alive(p):
    try:
        os.kill(p, 0)
        return True
    except ProcessLookupError:
        return False


def events_of(c, kind):
    return [e for e in c.log() if e.get("code") == kind]


def test_dependent_resources_online_in_order_offline_in_reverse(c):
    make_group(c, "web", ("db", ()), ("app", ()), ("front", ()))
    c.cli("resource", "depend", "app", "--on", "db")
    c.cli("resource", "depend", "front", "--on", "app")
    c.cli("group", "online", "web")
    c.wait_state("group", "web", "Online")
    starts = {r: pid(c, r) for r in ("db", "app", "front")}
    # Start order: each process started after the one it depends on.
    ticks = {}
    for r, p in starts.items():
        with open("/proc/%d/stat" % p) as f:
            ticks[r] = int(f.read().rsplit(")", 1)[1].split()[19])
    assert ticks["db"] <= ticks["app"] <= ticks["front"], ticks
    events = subprocess.Popen([WOLFPACK, "--socket", c.socket, "--json", "events"], stdout=subprocess.PIPE,
                              text=True)
    try:
        time.sleep(0.3)
        c.cli("group", "offline", "web")
        c.wait_state("group", "web", "Offline")
        time.sleep(0.3)
    finally:
        events.terminate()
    order = [e.get("name") for e in map(json.loads, events.communicate()[0].splitlines())
             if e.get("type") == "state" and e.get("state") == "Offline"]
    # Offline in reverse: front first, db last.
    assert order.index("front") < order.index("app") < order.index("db"), order


def test_killed_application_restarts_then_group_fails(c):
    make_group(c, "g", ("a", ("RestartThreshold=2", "RestartDelay=0", "RestartPeriod=10min")))
    c.cli("group", "online", "g")
    c.wait_state("resource", "a", "Online")
    for n in range(2):
        p = pid(c, "a")
        os.kill(p, signal.SIGKILL)
        c.wait_for(lambda: restarted(c, "a", p))
        assert c.resource("a")["restart_count"] == n + 1
    os.kill(pid(c, "a"), signal.SIGKILL)
    g = c.wait_state("group", "g", "Failed")
    assert g["state"] == "Failed"
    assert not cgroup_pids(os.path.join(c.cgroup, "res"))


def test_restart_action_0_leaves_failed_1_always_restarts(c):
    make_group(c, "g", ("never", ("RestartAction=0",)), ("always", ("RestartAction=1", "RestartDelay=0",
                                                                   "RestartThreshold=1")))
    c.cli("group", "online", "g")
    c.wait_state("group", "g", "Online")
    os.kill(pid(c, "never"), signal.SIGKILL)
    r = c.wait_state("resource", "never", "Failed")
    assert "signal 9" in (r["state_reason"] or "")
    time.sleep(1)
    assert c.resource("never")["state"] == "Failed"
    assert c.resource("always")["state"] == "Online"  # the group is not affected
    for _ in range(3):
        p = pid(c, "always")
        os.kill(p, signal.SIGKILL)
        c.wait_for(lambda: restarted(c, "always", p))
    assert c.group("g")["state"] != "Failed"


def test_persistent_state_across_restart(c):
    make_group(c, "up", ("u1", ()))
    make_group(c, "down", ("d1", ()))
    c.cli("group", "online", "up")
    c.cli("group", "online", "down")
    c.wait_state("group", "down", "Online")
    c.cli("group", "offline", "down")
    c.wait_state("group", "down", "Offline")
    c.wait_state("group", "up", "Online")
    assert c.stop() == 0
    assert not cgroup_pids(os.path.join(c.cgroup, "res")), "SIGTERM leaves no resource running"
    c.start()
    c.wait_state("group", "up", "Online")
    time.sleep(0.5)
    assert c.group("down")["state"] == "Offline"


def test_kill9_of_wolfpackd_keeps_applications(c):
    make_group(c, "g", ("a", ()), ("b", ()))
    c.cli("group", "online", "g")
    c.wait_state("group", "g", "Online")
    before = {r: pid(c, r) for r in ("a", "b")}
    c.stop(signal.SIGKILL)
    c.start()
    c.wait_state("group", "g", "Online")
    assert {r: pid(c, r) for r in ("a", "b")} == before
    assert all(alive(p) for p in before.values())


def test_kill9_during_online_then_restart_is_consistent(c):
    make_group(c, "g", *[("r%d" % i, ("ReadyCheck=sleep 0.3",)) for i in range(4)])
    c.cli("--no-wait", "group", "online", "g")
    time.sleep(0.2)
    c.stop(signal.SIGKILL)
    c.start()
    c.wait_state("group", "g", "Online", timeout=30)
    # One process per resource, each in its own cgroup.
    for i in range(4):
        procs = cgroup_pids(os.path.join(c.cgroup, "res", c.resource("r%d" % i)["id"]))
        assert len(procs) == 1, procs


def test_lease_expiry_with_stopped_wolfpackd_terminates_everything():
    cl = Cluster(lease_timeout="2s")
    try:
        make_group(cl, "g", ("a", ()))
        cl.cli("group", "online", "g")
        cl.wait_state("group", "g", "Online")
        p = pid(cl, "a")
        cl.proc.send_signal(signal.SIGSTOP)
        try:
            cl.wait_for(lambda: not alive(p), timeout=10)
        finally:
            cl.proc.send_signal(signal.SIGCONT)
    finally:
        left = cl.close()
    assert not left


def test_kill9_of_monitor_keeps_healthy_resources(c):
    make_group(c, "g", ("a", ()), ("b", ()))
    c.cli("group", "online", "g")
    c.wait_state("group", "g", "Online")
    before = {r: pid(c, r) for r in ("a", "b")}
    monitors = [int(l.split()[0]) for l in subprocess.run(["pgrep", "-a", "-f", "wolfpack-resmon --fd"],
                                                          capture_output=True, text=True).stdout.splitlines()
                if c.dir in l]
    assert monitors
    for m in monitors:
        os.kill(m, signal.SIGKILL)
    time.sleep(1)
    c.wait_state("group", "g", "Online")
    assert {r: pid(c, r) for r in ("a", "b")} == before


def test_bad_input_gets_specific_errors_and_changes_nothing(c):
    make_group(c, "g", ("a", ()), ("b", ()))
    c.cli("resource", "depend", "b", "--on", "a")
    version = c.api("GET", "/v1/cluster")[1]["version"]

    p = c.cli("resource", "show", "nope", check=False)
    assert p.returncode == 3 and "nope" in p.stderr
    p = c.cli("group", "show", "gg", check=False)
    assert p.returncode == 3 and "did you mean" in p.stderr
    p = c.cli("resource", "set", "a", "StopTimeout=10x", check=False)
    assert p.returncode == 1 and "StopTimeout" in p.stderr and "10x" in p.stderr
    p = c.cli("resource", "set", "a", "RestartAction=7", check=False)
    assert p.returncode == 1 and "RestartAction" in p.stderr
    p = c.cli("resource", "depend", "a", "--on", "b", check=False)
    assert p.returncode == 1 and "->" in p.stderr  # a cycle, shown
    p = c.cli("resource", "delete", "a", check=False)
    assert p.returncode == 1 and "depends on" in p.stderr
    p = c.cli("group", "create", "bad name", check=False)
    assert p.returncode != 0 and "63 characters" in p.stderr
    p = c.cli("resource", "create", "A", "--type", "genapp", "--group", "g", "CommandLine=true", check=False)
    assert p.returncode == 1 and "ignoring case" in p.stderr
    p = c.cli("resource", "create", "or", "--type", "genapp", "--group", "g", "CommandLine=true", check=False)
    assert p.returncode == 1 and "reserved" in p.stderr

    status, body = c.api("POST", "/v1/groups", raw=b"{not json")
    assert status == 400 and body["error"]["code"] == "bad_request"
    status, body = c.api("POST", "/v1/groups", raw=b"[1,2]")
    assert status == 400
    big = b'{"name":"' + b"x" * (2 * 1024 * 1024) + b'"}'
    assert c.raw(b"POST /v1/groups HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n" % len(big) + big) == 413
    status, body = c.api("GET", "/v1/nothing")
    assert status == 404

    # A client that is not root nor in the wolfpack group.
    code = ("import socket,sys,os; os.setgid(65534); os.setuid(65534);"
            "s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]);"
            "s.sendall(b'GET /v1/cluster HTTP/1.0\\r\\n\\r\\n'); print(s.recv(100).decode().split()[1])")
    os.chmod(c.dir, 0o755)
    os.chmod(c.socket, 0o777)
    out = subprocess.run(["/usr/bin/python3", "-c", code, c.socket], capture_output=True, text=True)
    assert out.stdout.strip() == "403", out

    assert c.api("GET", "/v1/cluster")[1]["version"] == version
    assert c.resource("b")["depends"] == "a"


def test_resource_offline_takes_dependents_first_and_online_brings_prerequisites(c):
    make_group(c, "g", ("base", ()), ("mid", ()), ("top", ()))
    c.cli("resource", "depend", "mid", "--on", "base")
    c.cli("resource", "depend", "top", "--on", "mid")
    c.cli("group", "online", "g")
    c.wait_state("group", "g", "Online")
    c.cli("resource", "offline", "base")
    for r in ("top", "mid", "base"):
        c.wait_state("resource", r, "Offline")
        assert "ProcessId" not in c.resource(r)["properties"] or c.resource(r)["properties"]["ProcessId"] in ("0", None)
    c.cli("resource", "online", "top")
    for r in ("base", "mid", "top"):
        c.wait_state("resource", r, "Online")


def test_failed_resource_taken_offline_settles_offline(c):
    make_group(c, "g", ("a", ("RestartAction=0",)))
    c.cli("group", "online", "g")
    c.wait_state("resource", "a", "Online")
    os.kill(pid(c, "a"), signal.SIGKILL)
    c.wait_state("resource", "a", "Failed")
    c.cli("resource", "offline", "a")
    c.wait_state("resource", "a", "Offline")
    c.cli("group", "offline", "g")
    c.wait_state("group", "g", "Offline")


def test_separate_monitor_crash_leaves_the_others_running():
    cl = Cluster(test_plugins=True)
    try:
        make_group(cl, "g", ("a", ()))
        cl.cli("resource", "create", "boom", "--type", "test-crash", "--group", "g", "SeparateMonitor=1",
               "RestartAction=0")
        cl.cli("--no-wait", "group", "online", "g")
        r = cl.wait_state("resource", "boom", "Failed")
        assert "crashed in online" in (r["state_reason"] or ""), r
        cl.wait_state("resource", "a", "Online")
        before = pid(cl, "a")
        time.sleep(1)
        a = cl.resource("a")
        assert a["state"] == "Online" and int(a["properties"]["ProcessId"]) == before and alive(before)
    finally:
        left = cl.close()
    assert not left


def test_detached_start_reports_success_or_the_reason(tmp_path):
    from cluster import WOLFPACKD
    base = [WOLFPACKD, "--state-dir", str(tmp_path / "state"), "--runtime-dir", str(tmp_path / "run"),
            "--socket", str(tmp_path / "w.sock")]
    p = subprocess.run(base + ["--log-dir", "/proc/no-such-dir"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "/proc/no-such-dir" in p.stderr, p
    p = subprocess.run(base + ["--config", str(tmp_path / "missing.conf")], capture_output=True, text=True)
    assert p.returncode == 2 and "missing.conf" in p.stderr, p
    conf = tmp_path / "bad.conf"
    conf.write_text("state-dir = /x\nfrobnicate = 1\n")
    p = subprocess.run(base + ["--config", str(conf)], capture_output=True, text=True)
    assert p.returncode == 2 and "bad.conf:2" in p.stderr and "frobnicate" in p.stderr, p


def test_instant_failures_back_off_and_the_history_stays_small(c):
    import sqlite3
    c.cli("group", "create", "ff")
    c.cli("resource", "create", "boom", "--type", "genapp", "--group", "ff", "CommandLine=false", "RestartAction=1",
          "RestartDelay=0")
    c.cli("--no-wait", "resource", "online", "boom")
    time.sleep(5)
    restarts = events_of(c, "RESOURCE_RESTARTING")
    # Five at once, then 100ms, 200ms, 400ms ... : about ten in 5 s.
    assert 3 <= len(restarts) <= 15, len(restarts)
    assert "backing off" in restarts[-1]["text"], restarts[-1]
    assert len(c.log()) < 300
    db = sqlite3.connect("file:%s/state/cluster.db?mode=ro" % c.dir, uri=True)
    try:
        rows = db.execute("SELECT count(*) FROM failures").fetchone()[0]
    finally:
        db.close()
    assert rows <= 15, rows
    c.cli("group", "offline", "ff")


def test_use_shell_script_is_kept_and_run_as_written(c):
    # The text given is the text stored, shown and run: quoting survives
    # the CLI, the API, the database and the monitor.
    out = os.path.join(c.dir, "shell.out")
    script = 'printf "%%s|" "x y" \'a;b\' > %s; exec sleep 1000' % out
    c.cli("group", "create", "sh")
    c.cli("resource", "create", "shx", "--type", "genapp", "--group", "sh", "UseShell=1", "CommandLine=" + script)
    assert c.cli("resource", "get", "shx", "CommandLine").stdout == script + "\n"
    assert c.resource("shx")["properties"]["CommandLine"] == script
    c.cli("resource", "online", "shx")
    c.wait_for(lambda: os.path.exists(out) and open(out).read())
    with open(out) as f:
        assert f.read() == "x y|a;b|"
    assert c.cli("resource", "get", "shx", "CommandLine").stdout == script + "\n"
    c.cli("resource", "offline", "shx")


def test_too_long_durations_are_called_too_long(c):
    status, body = c.api("GET", "/v1/log?since=99999999999999h")
    assert status == 400, body
    msg = body["error"]["message"]
    assert "too long" in msg and "3650d" in msg, body
    assert "not a duration" not in msg, body
    p = c.cli("--timeout", "99999999999999h", "status", check=False)
    assert p.returncode != 0 and "too long" in p.stderr and "3650d" in p.stderr, p.stderr
    p = c.cli("log", "--since", "99999999999999h", check=False)
    assert p.returncode != 0 and "too long" in p.stderr, p.stderr
    c.cli("group", "create", "g")
    p = c.cli("resource", "create", "r", "--type", "genapp", "--group", "g", c.app("r"),
              "StopTimeout=18446744073709s", check=False)
    assert p.returncode != 0 and "too long" in p.stderr and "3650d" in p.stderr, p.stderr
    p = c.cli("resource", "create", "r", "--type", "genapp", "--group", "g", c.app("r"),
              "PendingTimeout=99999999999999h", check=False)
    assert p.returncode != 0 and "too long" in p.stderr, p.stderr


@pytest.mark.parametrize("lease", ["2d", "500us"])
def test_lease_the_monitors_cannot_take_is_refused_at_start(tmp_path, lease):
    # A monitor takes leases from 1ms to 1d; wolfpackd used to start with
    # any other, and then ran every resource with no lease guard at all.
    from cluster import WOLFPACKD
    p = subprocess.run([WOLFPACKD, "--foreground", "--state-dir", str(tmp_path / "state"),
                        "--runtime-dir", str(tmp_path / "run"), "--socket", str(tmp_path / "w.sock"),
                        "--log-dir", str(tmp_path / "log"), "--lease-timeout", lease],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 2, p
    assert "lease-timeout" in p.stderr and lease in p.stderr and "1ms to 1d" in p.stderr, p.stderr


def test_the_log_on_one_node_is_its_own_with_its_name(c):
    status, cluster = c.api("GET", "/v1/cluster")
    assert status == 200, cluster
    name = cluster["node"]
    status, body = c.api("GET", "/v1/log")
    assert status == 200, body
    assert body["missing"] == [] and body["truncated"] == [] and body["entries"], body
    assert all(e["node"] == 1 and e["node_name"] == name for e in body["entries"]), body
    assert any(e["code"] == "NODE_STARTED" for e in body["entries"])
    p = c.cli("log")
    assert p.stderr == "" and p.stdout.splitlines()[0].split()[:2] == ["TIME", "NODE"], p
    assert all(line.split()[1] == name for line in p.stdout.splitlines()[1:]), p.stdout
    assert c.cli("log", "--node", name).stdout == p.stdout
    assert c.cli("log", "--node", "1").stdout == p.stdout
    p = c.cli("log", "--node", "nosuch", check=False)
    assert p.returncode != 0 and 'no node "nosuch" in this cluster; its nodes are %s (1)' % name in p.stderr, p
    p = c.cli("log", "--limit", "1")
    assert len(p.stdout.splitlines()) == 2 and "older entries of node %s were left out" % name in p.stderr, p
