# SPDX-License-Identifier: LGPL-2.1-or-later
"""Several wolfpackd on one host: each keeps to its own state directory,
runtime directory, monitors, cluster log and resources, even when they
share a runtime directory or were started from one cgroup; and a second
wolfpackd on a state directory in use leaves at once, touching nothing."""

import glob
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time

import pytest

from cluster import Cluster, cgroup_pids


def alive_pid(p):
    try:
        os.kill(p, 0)
        return True
    except ProcessLookupError:
        return False


def online(c, group, res, *extra):
    c.cli("group", "create", group)
    c.cli("resource", "create", res, "--type", "genapp", "--group", group, c.app(res), *extra)
    c.cli("group", "online", group)
    c.wait_state("resource", res, "Online")
    return int(c.resource(res)["properties"]["ProcessId"])


def codes(c, code):
    return [e for e in c.log() if e.get("code") == code]


def parent_of(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def monitor_cgroup(c):
    with open(os.path.join(c.state_dir, "daemon-id")) as f:
        return os.path.join(c.cgroup, "monitor", f.read().strip())


@pytest.fixture
def two():
    """Daemons A and B started from one cgroup, sharing one explicit
    runtime directory, as two daemons given only --state-dir used to share
    /run/wolfpack."""
    shared = tempfile.mkdtemp(prefix="wp-run-")
    a = Cluster(runtime_dir=shared, config="reattach-timeout = 30s\n")
    b = None
    try:
        b = Cluster(runtime_dir=shared, cgroup=a.cgroup, config="reattach-timeout = 30s\n")
        yield a, b
    finally:
        if b:
            b.close()
        left = a.close()
        shutil.rmtree(shared, ignore_errors=True)
        twice = a.twice() + (b.twice() if b else [])
        assert not twice, "a lock was taken twice: %s" % twice
        assert not left, "processes left behind: %s" % left


def test_restarted_daemon_never_adopts_another_daemons_monitor(two):
    a, b = two
    ra = online(a, "ga", "ra")
    rb = online(b, "gb", "rb")
    a_monitor = parent_of(ra)
    # Started from one cgroup, each daemon keeps its monitors apart.
    assert monitor_cgroup(a) != monitor_cgroup(b)
    assert cgroup_pids(monitor_cgroup(a)) == [a_monitor]
    assert cgroup_pids(monitor_cgroup(b)) == [parent_of(rb)]
    a.stop(signal.SIGKILL)              # A's monitor now waits for A
    b.stop()
    b.start()                           # an ordinary restart of B
    b.wait_state("resource", "rb", "Online")
    time.sleep(0.5)
    # B neither re-attached to A's monitor nor adopted its resource.
    assert not [e for e in codes(b, "RESOURCE_ADOPTED") if e.get("name") == "ra"]
    assert not any(str(a_monitor) in e.get("text", "") for e in codes(b, "MONITOR_REATTACHED"))
    assert "ra" not in [r["name"] for r in b.cli_json("resource", "list")]
    # B's resource runs under B's own monitor, not A's.
    rb = int(b.resource("rb")["properties"]["ProcessId"])
    assert parent_of(rb) != a_monitor
    # Stopping B leaves A's application alone ...
    b.stop()
    time.sleep(0.5)
    assert alive_pid(ra) and parent_of(ra) == a_monitor
    # ... and A, started again, takes it back as it is.
    a.start()
    a.wait_state("resource", "ra", "Online")
    assert int(a.resource("ra")["properties"]["ProcessId"]) == ra
    assert not codes(a, "RESOURCE_FAILED")


def test_both_killed_each_reattaches_its_own(two):
    a, b = two
    ra = online(a, "ga", "ra")
    rb = online(b, "gb", "rb")
    a.stop(signal.SIGKILL)
    b.stop(signal.SIGKILL)
    # Each monitor waits on a socket of its own.
    sockets = a.wait_for(lambda: len(glob.glob(os.path.join(a.runtime_dir, "resmon-*.sock"))) == 2 and
                         glob.glob(os.path.join(a.runtime_dir, "resmon-*.sock")), timeout=5)
    for c, name, p in ((a, "ra", ra), (b, "rb", rb)):
        c.start()
        c.wait_state("resource", name, "Online")
        assert int(c.resource(name)["properties"]["ProcessId"]) == p, sockets
    assert alive_pid(ra) and alive_pid(rb)
    assert not codes(a, "RESOURCE_FAILED") and not codes(b, "RESOURCE_FAILED")


def frame(body):
    data = json.dumps(body).encode()
    return b"WP\x01\x00" + struct.pack(">I", len(data)) + data


def read_frame(s):
    def exactly(n):
        got = b""
        while len(got) < n:
            chunk = s.recv(n - len(got))
            if not chunk:
                raise EOFError("the monitor closed the connection")
            got += chunk
        return got
    header = exactly(8)
    return json.loads(exactly(struct.unpack(">I", header[4:])[0]))


@pytest.mark.parametrize("daemon", ["0123456789abcdef", None])
def test_monitor_refuses_hello_of_another_daemon(daemon):
    c = Cluster(config="reattach-timeout = 30s\n")
    try:
        ra = online(c, "g", "ra")
        c.stop(signal.SIGKILL)
        path = c.wait_for(lambda: glob.glob(os.path.join(c.runtime_dir, "resmon-*.sock")), timeout=5)[0]
        hello = {"type": "hello", "id": 1, "versions": [1]}
        if daemon:
            hello["daemon"] = daemon
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(path)
        try:
            s.sendall(frame(hello))
            reply = read_frame(s)
        finally:
            s.close()
        assert reply["error"] == -1, reply      # -EPERM
        assert "belongs to the wolfpackd with identity" in reply["message"], reply
        assert "resources" not in reply
        # The monitor still waits for its own daemon, which takes its
        # resource back untouched.
        time.sleep(0.3)
        assert os.path.exists(path)
        c.start()
        c.wait_state("resource", "ra", "Online")
        assert int(c.resource("ra")["properties"]["ProcessId"]) == ra
    finally:
        left = c.close()
    assert not left


def test_defaults_follow_the_state_directory():
    a = Cluster(runtime_dir=None, log_dir=None)
    b = None
    try:
        b = Cluster(runtime_dir=None, log_dir=None)
        pa, pb = online(a, "g", "ra"), online(b, "g", "rb")
        # Each cluster log is under its own state directory, naming only
        # its own resource.
        assert os.path.exists(os.path.join(a.state_dir, "log", "cluster.log"))
        assert any(e.get("name") == "ra" for e in a.log()) and not any(e.get("name") == "rb" for e in a.log())
        assert not any(e.get("name") == "ra" for e in b.log())
        # Each monitor's re-attach socket is under its own state directory.
        a.stop(signal.SIGKILL)
        b.stop(signal.SIGKILL)
        for c in (a, b):
            c.wait_for(lambda c=c: glob.glob(os.path.join(c.state_dir, "run", "resmon-*.sock")), timeout=5)
        for c, name, p in ((a, "ra", pa), (b, "rb", pb)):
            c.start()
            c.wait_state("resource", name, "Online")
            assert int(c.resource(name)["properties"]["ProcessId"]) == p
    finally:
        left = (b.close() if b else []) + a.close()
    assert not left


def test_second_daemon_on_a_state_directory_in_use_leaves_at_once():
    c = Cluster()
    try:
        p = online(c, "sg", "sr")
        procs = os.path.join(c.cgroup, "cgroup.procs")
        second = subprocess.run(["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', procs] +
                                c.args(socket=os.path.join(c.dir, "s2.sock")), capture_output=True, text=True,
                                timeout=10)
        assert second.returncode != 0
        assert "is in use by another wolfpackd (pid %d)" % c.proc.pid in second.stderr, second.stderr
        assert "--state-dir" in second.stderr
        assert not os.path.exists(os.path.join(c.dir, "s2.sock"))
        time.sleep(1)
        r = c.resource("sr")
        assert r["state"] == "Online" and int(r["properties"]["ProcessId"]) == p
        assert not codes(c, "RESOURCE_FAILED") and not codes(c, "GENAPP_EXITED")
    finally:
        left = c.close()
    assert not left


def test_runtime_directory_too_long_for_monitor_sockets_is_refused_at_start():
    c = Cluster()
    try:
        c.stop()
        # Fits a path, but not a monitor's socket address (108 bytes).
        c.runtime_dir = os.path.join(c.dir, "r" * 60)
        c.start(wait=False)
        assert c.proc.wait(10) == 1
        assert "is too long for the resource monitors' sockets" in c.daemon_output()
    finally:
        left = c.close()
    assert not left


def test_connections_that_never_say_hello_do_not_extend_reattach_timeout():
    c = Cluster(config="reattach-timeout = 2s\n")
    try:
        ra = online(c, "g", "ra")
        c.stop(signal.SIGKILL)
        t0 = time.monotonic()
        path = c.wait_for(lambda: glob.glob(os.path.join(c.runtime_dir, "resmon-*.sock")), timeout=5)[0]
        # Someone keeps knocking and leaving, far more often than the
        # ReattachTimeout: the monitor still gives up on its parent and
        # ends its resources within a few seconds of losing it.
        while time.monotonic() - t0 < 10 and alive_pid(ra):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
            except OSError:
                pass
            s.close()
            time.sleep(0.2)
        assert not alive_pid(ra), "the application outlived its parent by %.1fs" % (time.monotonic() - t0)
    finally:
        left = c.close()
    assert not left


def test_daemon_leaves_alone_a_monitor_that_names_another_identity():
    """A monitor that answers hello, but for another daemon (one that does
    not check, say), is left alone: nothing of it is adopted."""
    c = Cluster()
    try:
        c.stop()
        with open(os.path.join(c.state_dir, "daemon-id")) as f:
            ours = f.read().strip()
        path = os.path.join(c.runtime_dir, "resmon-%s-impostor.sock" % ours)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(1)
        listener.settimeout(10)
        got = {}

        def impostor():
            conn, _ = listener.accept()
            conn.settimeout(10)
            try:
                hello = read_frame(conn)
                got["hello"] = hello
                snapshot = {"resource": "r-00000000000000ff", "name": "theirs", "rtype": "genapp",
                            "state": "Online", "properties": {}, "common": {}}
                conn.sendall(frame({"type": "reply", "id": hello["id"], "error": 0, "version": 1, "pid": 0,
                                    "name": "impostor", "api_min": 1, "api_max": 1, "daemon": "00000000000000ee",
                                    "lease": "none", "resources": [snapshot]}))
                while conn.recv(4096):
                    pass
                got["closed"] = True
            except (OSError, EOFError, ValueError):
                pass
            finally:
                conn.close()

        t = threading.Thread(target=impostor, daemon=True)
        t.start()
        try:
            c.start()
            c.wait_for(lambda: codes(c, "MONITOR_NOT_OURS"), timeout=10)
            t.join(10)
        finally:
            listener.close()
        assert got["hello"].get("daemon") == ours
        assert got.get("closed"), "the daemon kept the connection"
        assert not codes(c, "RESOURCE_ADOPTED")
        assert "00000000000000ee" in codes(c, "MONITOR_NOT_OURS")[0]["text"]
        assert os.path.exists(path), "the daemon removed another daemon's socket"
    finally:
        left = c.close()
    assert not left
