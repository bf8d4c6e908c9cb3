# SPDX-License-Identifier: LGPL-2.1-or-later
"""tools/run-cluster (`make run-cluster`): three nodes answer with one
quorate view, the example group is on every node and Online, what it
prints works as printed (the sockets, nsenter into a node's corosync, the
cut of the group's owner, after which the group comes up on a survivor,
the heal, the crash), and after SIGINT, SIGTERM or --exit-when-ready
nothing it made is left: no namespace, no process, no cgroup, no
directory."""

import json
import os
import re
import signal
import subprocess
import time

import pytest

from cluster import BUILD, WOLFPACK, own_cgroup, wait_for
from corosync_cluster import ensure_corosync

RUN_CLUSTER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "run-cluster")


class Run:
    """tools/run-cluster in the background, its output read line by line;
    tag and dir: its namespaces' prefix and its directory, as it says them
    first."""

    def __init__(self, *args):
        ensure_corosync()
        self.proc = subprocess.Popen([RUN_CLUSTER, "--build", BUILD] + list(args),
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True)
        self.lines = []
        m = re.search(r"namespaces (\S+)-\*, state under (/\S+)$", self.read_until(r"^run-cluster: starting"))
        assert m, self.output()
        self.tag, self.dir = m.group(1), m.group(2)

    def read_until(self, pattern, timeout=120):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.lines.append(line.rstrip("\n"))
            if re.search(pattern, line):
                return line
        raise AssertionError("no line matching %r; run-cluster printed:\n%s" % (pattern, self.output()))

    def output(self):
        return "\n".join(self.lines)

    def finish(self, timeout=60):
        out, _ = self.proc.communicate(timeout=timeout)
        self.lines += out.splitlines()
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def printed(self, pattern):
        """Every match of pattern in what was printed."""
        return [m for line in self.lines for m in [re.search(pattern, line)] if m]

    def left_behind(self, pids=()):
        """What of this run still exists: namespaces, its cgroup, its
        directory, the processes named, any process started from its
        directory."""
        left = [ns for ns in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split()
                if ns.startswith(self.tag + "-")]
        cg = os.path.join(own_cgroup(), self.tag)
        left += [x for x in (cg, self.dir) if os.path.exists(x)]
        left += ["pid %d" % p for p in pids if os.path.exists("/proc/%d" % p)]
        for p in os.listdir("/proc"):
            if p.isdigit():
                try:
                    with open("/proc/%s/cmdline" % p, "rb") as f:
                        if self.dir.encode() in f.read():
                            left.append("process %s" % p)
                except OSError:
                    pass
        return left


def wolfpack_json(socket, *args):
    p = subprocess.run([WOLFPACK, "--socket", socket, "--json"] + list(args), capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 0, (args, p.stdout, p.stderr)
    return json.loads(p.stdout)


def view(socket):
    c = wolfpack_json(socket, "cluster")
    return c["quorate"], sorted(m["id"] for m in c["members"])


def test_three_nodes_answer_a_cut_is_seen_and_sigint_removes_everything():
    r = Run()
    pids = []
    try:
        r.read_until(r"^run-cluster: ready$")
        out = r.output()
        # The node table: name, address, namespace, socket.
        rows = r.printed(r"^  (n[123])\s+(10\.\d+\.\d+\.[123])\s+(\S+)\s+(/\S+/wolfpack\.sock)$")
        assert [m.group(1) for m in rows] == ["n1", "n2", "n3"], out
        sockets = {m.group(1): m.group(4) for m in rows}
        assert all(m.group(3) == "%s-%s" % (r.tag, m.group(1)) for m in rows), out
        assert all(s.startswith(r.dir + "/") for s in sockets.values()), out
        # Every node answers, with the same quorate view of three.
        for name, sock in sockets.items():
            assert view(sock) == (True, [1, 2, 3]), name
            # The example group, made on n1, is on every node.
            g = wolfpack_json(sock, "group", "show", "example")
            assert sorted(g["resources"]) == ["content", "web"], g
            assert g["properties"]["PreferredOwners"] == "n1 n2 n3", g
            web = wolfpack_json(sock, "resource", "show", "web")
            assert web["depends"] == "content", web
        # Asked online, and what came back is said plainly.
        online = r.printed(r"^wolfpack group online example: group example is Online on (n\d)$")
        assert online, out
        owner = online[0].group(1)
        assert "The group example is Online on %s." % owner in out, out
        # The files came from `wolfpack cluster init`.
        assert r.printed(r"files written by: wolfpack cluster init %s --token 3000ms --node 1=n1=" % r.tag), out
        for n in ("n1", "n2", "n3"):
            with open(os.path.join(r.dir, n, "etc", "corosync.conf")) as f:
                assert "crypto_cipher: aes256" in f.read()

        # nsenter into each node's corosync, as printed.
        enters = r.printed(r"^  (nsenter -t (\d+) -n -m -- corosync-quorumtool -s)\s+# on (n\d)$")
        assert len(enters) == 3, out
        pids = [int(m.group(2)) for m in enters]
        q = subprocess.run(enters[0].group(1).split(), capture_output=True, text=True, timeout=20)
        assert re.search(r"Quorate:\s+Yes", q.stdout) and re.search(r"Nodes:\s+3", q.stdout), q.stdout

        # The cut, exactly as printed, seen from the node it says to watch on.
        # The owner is the one to cut; the group comes up on a survivor.
        watch = r.printed(r"^Watch from (n\d) while you cut (n\d) off:$")[0]
        watcher, victim = watch.group(1), watch.group(2)
        assert victim == owner, out
        cut = r.printed(r"^  (ip -n \S+ link set \S+ down)\s+# cut (n\d) off")[0]
        heal = r.printed(r"^  (ip -n \S+ link set \S+ up)\s+# and it comes back")[0]
        takeover = float(r.printed(r"example comes up on a survivor ([\d.]+)s after")[0].group(1))
        assert cut.group(2) == victim
        subprocess.run(cut.group(1).split(), check=True)
        t0 = time.monotonic()
        rest = sorted(int(n[1]) for n in ("n1", "n2", "n3") if n != victim)
        wait_for(lambda: view(sockets[watcher]) == (True, rest), timeout=30, interval=0.2,
                 name="%s sees %s gone" % (watcher, victim))
        seen = time.monotonic() - t0
        wait_for(lambda: view(sockets[victim])[0] is False, timeout=30, interval=0.2, name="%s not quorate" % victim)

        def moved():
            g = wolfpack_json(sockets[watcher], "group", "show", "example")
            return g["state"] == "Online" and g.get("owner") not in (None, victim) and g["owner"]
        new_owner = wait_for(moved, timeout=seen + takeover + 30, interval=0.2, name="example on a survivor")
        print("cut seen after %.1f s; example Online on %s after %.1f s (takeover delay %.1f s)"
              % (seen, new_owner, time.monotonic() - t0, takeover))
        subprocess.run(heal.group(1).split(), check=True)
        wait_for(lambda: view(sockets[watcher]) == (True, [1, 2, 3]), timeout=30, interval=0.2,
                 name="%s back" % victim)

        # The crash, as printed: every process of the node at once; the
        # script says so, and the others go on without it.
        crash = r.printed(r"^  (echo 1 > (/\S+)/cgroup\.kill)$")[0]
        assert crash.group(2).endswith("/" + victim)
        subprocess.run(["sh", "-c", crash.group(1)], check=True)
        r.read_until(r"^run-cluster: %s: corosync ended \(killed by signal 9\)" % victim, timeout=30)
        wait_for(lambda: view(sockets[watcher]) == (True, rest), timeout=30, interval=0.2,
                 name="%s sees the crashed %s gone" % (watcher, victim))

        r.proc.send_signal(signal.SIGINT)
        assert r.finish() == 0, r.output()
        assert "run-cluster: stopped" in r.output()
        assert r.left_behind(pids) == []
    finally:
        r.kill()


def test_exit_when_ready_leaves_nothing():
    r = Run("--exit-when-ready")
    assert r.finish(timeout=180) == 0, r.output()
    out = r.output()
    assert "run-cluster: ready" in out and "run-cluster: stopped" in out, out
    pids = [int(m.group(1)) for m in r.printed(r"^  nsenter -t (\d+) ")]
    assert len(pids) == 3, out
    assert r.left_behind(pids) == []


def test_sigterm_while_starting_leaves_nothing():
    r = Run()
    try:
        # Once it has made the first namespaces, long before it is ready.
        wait_for(lambda: r.tag + "-n1" in subprocess.run(["ip", "netns", "list"], capture_output=True,
                                                         text=True).stdout, timeout=30, interval=0.02,
                 name="the first namespaces")
        r.proc.send_signal(signal.SIGTERM)
        assert r.finish() == 0, r.output()
        assert "run-cluster: stopped" in r.output()
        assert "run-cluster: ready" not in r.output()
        assert r.left_behind() == []
    finally:
        r.kill()
