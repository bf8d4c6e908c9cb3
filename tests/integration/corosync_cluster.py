# SPDX-License-Identifier: LGPL-2.1-or-later
"""Several Wolfpack nodes on one machine, each a real corosync and a real
wolfpackd (engine = corosync) in a network namespace and a mount namespace
of its own, the nodes joined by a bridge in one more namespace, so that no
test traffic ever leaves the test's namespaces.

Per node: private /run, /var/lib/corosync, /etc/corosync and /dev/shm (a
tmpfs: a killed corosync leaves its IPC files there); wolfpackd's state,
runtime and log directories and its API socket under the node's directory,
the socket reachable from the test. Every process of node I runs in the
cgroup <own>/<tag>-nI, so that close() finds and kills all of them.

close() tears down everything, also after a failure: processes (by
cgroup), cgroups, namespaces (their mounts go with their last process),
directories."""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import uuid

from cluster import WOLFPACK, WOLFPACKD, UnixHTTP, cgroup_pids, own_cgroup, wait_answering, wait_for
from qnetd import Qnetd

PACKAGES = ["corosync"]


def ensure_corosync():
    """corosync must be there: install it if not, never skip."""
    if shutil.which("corosync") and shutil.which("corosync-cmapctl"):
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends"] + PACKAGES, env=env,
                   capture_output=True, timeout=600)
    if not shutil.which("corosync"):
        raise AssertionError("corosync is not installed and `apt-get install corosync` failed; "
                             "the corosync engine's tests need it (make deps installs it)")


def corosync_conf(name, nodes, subnet, token, node_dir):
    lines = ["totem {", "  version: 2", "  cluster_name: %s" % name, "  transport: knet",
             "  crypto_cipher: none", "  crypto_hash: none", "  token: %d" % token, "}",
             "logging {", "  to_stderr: no", "  to_syslog: no", "  to_logfile: yes",
             "  logfile: %s/log/corosync.log" % node_dir, "  timestamp: hires", "  debug: off", "}",
             "quorum {", "  provider: corosync_votequorum", "}", "nodelist {"]
    for i in range(1, nodes + 1):
        lines += ["  node {", "    ring0_addr: %s.%d" % (subnet, i), "    nodeid: %d" % i, "    name: n%d" % i, "  }"]
    lines += ["}", ""]
    return "\n".join(lines)


class Node:
    def __init__(self, cluster, i):
        self.cluster = cluster
        self.i = i
        self.name = "n%d" % i
        self.ns = "%s-n%d" % (cluster.tag, i)
        self.dir = os.path.join(cluster.dir, self.name)
        self.socket = os.path.join(self.dir, "wolfpack.sock")
        self.cgroup = os.path.join(cluster.cgroup_root, self.name)
        self.corosync = None
        self.wolfpackd = None
        self.wolfpackd_conf = os.path.join(self.dir, "wolfpackd.conf")

    # ---- processes ----

    def _in_cgroup(self, argv, out):
        procs = os.path.join(self.cgroup, "cgroup.procs")
        return subprocess.Popen(["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', procs] + argv,
                                stdout=out, stderr=out, stdin=subprocess.DEVNULL,
                                env=dict(os.environ, WOLFPACK_PLUGIN_DIR=""))

    def start_corosync(self):
        d = self.dir
        # /var/log/corosync too: where a corosync.conf from `wolfpack
        # cluster init` logs.
        script = ("mount --bind {d}/run /run && mount --bind {d}/lib /var/lib/corosync && "
                  "mount --bind {d}/etc /etc/corosync && mount -t tmpfs -o size=64m tmpfs /dev/shm && "
                  "{{ ! [ -d /var/log/corosync ] || mount --bind {d}/log /var/log/corosync; }} && "
                  "exec corosync -f -c {d}/etc/corosync.conf").format(d=d)
        out = open(os.path.join(d, "log", "corosync.stderr"), "ab")
        # Not `ip netns exec`: it remounts /sys and so hides the cgroup
        # trees wolfpackd needs. nsenter and unshare without --fork exec:
        # the pid is corosync's.
        self.corosync = self._in_cgroup(["nsenter", "--net=/run/netns/" + self.ns, "--", "unshare", "-m",
                                         "--propagation", "private", "sh", "-c", script], out)

    def enter(self):
        """The command prefix that runs a program inside this node."""
        return ["nsenter", "-t", str(self.corosync.pid), "-n", "-m", "--"]

    def run(self, *argv, check=True, timeout=10):
        p = subprocess.run(self.enter() + list(argv), capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError("%s on %s: exit %d\n%s%s" % (argv, self.name, p.returncode, p.stdout, p.stderr))
        return p

    def wait_corosync(self, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.corosync.poll() is not None:
                raise AssertionError("corosync on %s exited %s: %s" % (self.name, self.corosync.returncode,
                                                                     self.log_tail("corosync.log")))
            p = self.run("corosync-cmapctl", "-g", "runtime.config.totem.token", check=False)
            if p.returncode == 0:
                return p.stdout.strip()
            time.sleep(0.1)
        raise AssertionError("corosync on %s did not answer within %ss: %s" % (self.name, timeout,
                                                                             self.log_tail("corosync.log")))

    def start_wolfpackd(self):
        d = self.dir
        out = open(os.path.join(d, "log", "wolfpackd.stderr"), "ab")
        self.wolfpackd = self._in_cgroup(self.enter() + [
            WOLFPACKD, "--foreground", "--config", self.wolfpackd_conf,
            "--state-dir", os.path.join(d, "state"), "--runtime-dir", os.path.join(d, "wprun"),
            "--log-dir", os.path.join(d, "wplog"), "--socket", self.socket], out)

    def wait_wolfpackd(self, timeout=20):
        wait_answering(self.wolfpackd, self.api, timeout,
                       lambda: "%s: %s" % (self.name, self.log_tail("wolfpackd.stderr")))

    def log_tail(self, name, n=3000):
        try:
            with open(os.path.join(self.dir, "log", name), errors="replace") as f:
                return f.read()[-n:]
        except OSError:
            return ""

    def cluster_log(self):
        try:
            with open(os.path.join(self.dir, "wplog", "cluster.log"), errors="replace") as f:
                return [json.loads(x) for x in f if x.strip()]
        except OSError:
            return []

    # ---- clients ----

    def api(self, method, path, body=None):
        c = UnixHTTP(self.socket)
        try:
            c.request(method, path, body=json.dumps(body).encode() if body is not None else None,
                      headers={"Content-Type": "application/json"})
            r = c.getresponse()
            text = r.read()
            return r.status, (json.loads(text) if text else None)
        finally:
            c.close()

    def cli(self, *args, check=True, timeout=30):
        p = subprocess.run([WOLFPACK, "--socket", self.socket] + list(args), capture_output=True, text=True,
                           timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError("wolfpack %s on %s: exit %d\n%s%s" % (" ".join(args), self.name, p.returncode,
                                                                      p.stdout, p.stderr))
        return p

    def dump(self, table):
        """The rows of a table of this node's cluster database, sorted."""
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(self.dir, "state", "cluster.db"), uri=True, timeout=10)
        try:
            return sorted(db.execute("SELECT * FROM %s" % table).fetchall())
        finally:
            db.close()

    # ---- faults ----

    def cut(self):
        """Take this node's port on the bridge down: it is alone."""
        subprocess.run(["ip", "-n", self.cluster.switch, "link", "set", self.cluster.port(self.i), "down"], check=True)

    def heal(self):
        subprocess.run(["ip", "-n", self.cluster.switch, "link", "set", self.cluster.port(self.i), "up"], check=True)


class CorosyncCluster:
    """n nodes; token: corosync's totem.token in ms (3000 or more: 1000
    flaps on two busy cores). init: each node's corosync.conf, authkey
    (node 1's, reused by the others) and wolfpackd.conf written by
    `wolfpack cluster init`, crypto on, instead of the fixture's own
    (crypto off); init_output keeps what it printed, by node. qnetd (with
    init): a quorum device, corosync-qnetd on a host of its own and
    corosync-qdevice on every node (qnetd.py), given to init as --qdevice.
    start:
    False leaves calling start() to the caller, who may show tag and dir
    first."""

    def __init__(self, n=3, token=3000, init=False, qnetd=False, start=True):
        ensure_corosync()
        self.tag = "wpc" + uuid.uuid4().hex[:6]
        self.dir = tempfile.mkdtemp(prefix="wp-cs-")
        self.cgroup_root = os.path.join(own_cgroup(), self.tag)
        self.switch = self.tag + "-sw"
        self.subnet = "10.%d.%d" % (200 + int(self.tag[3:5], 16) % 50, int(self.tag[5:7], 16))
        self.namespaces = []
        self.nodes = [Node(self, i) for i in range(1, n + 1)]
        self.token = token
        self.init = init
        self.init_output = {}
        self.qnetd = Qnetd(self) if qnetd else None
        self.effective = {}
        if start:
            self.start()

    def start(self):
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def port(self, i):
        return "%sv%d" % (self.tag, i)

    def _netns(self, name):
        subprocess.run(["ip", "netns", "add", name], check=True)
        self.namespaces.append(name)

    def link(self, ns, i, addr):
        """A namespace ns on the bridge through port i, at addr."""
        self._netns(ns)
        sw = ["ip", "-n", self.switch]
        subprocess.run(["ip", "link", "add", self.port(i), "type", "veth", "peer", "name", "e0", "netns", ns], check=True)
        subprocess.run(["ip", "link", "set", self.port(i), "netns", self.switch], check=True)
        subprocess.run(sw + ["link", "set", self.port(i), "master", "br0", "up"], check=True)
        ip = ["ip", "-n", ns]
        subprocess.run(ip + ["addr", "add", "%s/24" % addr, "dev", "e0"], check=True)
        subprocess.run(ip + ["link", "set", "e0", "up"], check=True)
        subprocess.run(ip + ["link", "set", "lo", "up"], check=True)

    def _start(self):
        os.makedirs(self.cgroup_root)
        self._netns(self.switch)
        sw = ["ip", "-n", self.switch]
        subprocess.run(sw + ["link", "add", "br0", "type", "bridge"], check=True)
        subprocess.run(sw + ["link", "set", "br0", "up"], check=True)
        for node in self.nodes:
            self.link(node.ns, node.i, "%s.%d" % (self.subnet, node.i))
            os.makedirs(node.cgroup)
            for sub in ("run", "lib", "etc", "log", "state"):
                os.makedirs(os.path.join(node.dir, sub))
            if os.path.isdir("/etc/corosync/uidgid.d"):
                shutil.copytree("/etc/corosync/uidgid.d", os.path.join(node.dir, "etc", "uidgid.d"))
            if self.init:
                self.cluster_init(node)
                continue
            with open(os.path.join(node.dir, "etc", "corosync.conf"), "w") as f:
                f.write(corosync_conf(self.tag, len(self.nodes), self.subnet, self.token, node.dir))
            with open(os.path.join(node.dir, "wolfpackd.conf"), "w") as f:
                f.write("engine = corosync\n")
        if self.qnetd:
            self.qnetd.setup()
            self.qnetd.start()
        for node in self.nodes:
            node.start_corosync()
        for node in self.nodes:
            node.wait_corosync()
            if self.qnetd:
                self.qnetd.start_qdevice(node)
        p = self.nodes[0].run("corosync-cmapctl", "-g", "runtime.config.totem.token")
        q = self.nodes[0].run("corosync-cmapctl", "-g", "runtime.config.totem.consensus")
        self.effective = {"token_ms": int(p.stdout.split()[-1]), "consensus_ms": int(q.stdout.split()[-1])}
        print("corosync effective timings:", self.effective)
        for node in self.nodes:
            node.start_wolfpackd()
        for node in self.nodes:
            node.wait_wolfpackd()
        self.wait_formed()

    def init_args(self):
        """`wolfpack cluster init` for this cluster, without --this,
        --authkey or --output."""
        args = [WOLFPACK, "cluster", "init", self.tag, "--token", "%dms" % self.token]
        for n in self.nodes:
            args += ["--node", "%d=%s=%s.%d" % (n.i, n.name, self.subnet, n.i)]
        if self.qnetd:
            args += ["--qdevice", self.qnetd.addr]
        return args

    def cluster_init(self, node, fresh_key=False):
        """Write node's configuration with `wolfpack cluster init`: node 1
        makes the key, the others take node 1's (fresh_key: a key of its
        own, overwriting what is there)."""
        args = self.init_args() + ["--this", str(node.i), "--output", os.path.join(node.dir, "etc")]
        if fresh_key:
            args.append("--force")
        elif node.i != 1:
            args += ["--authkey", os.path.join(self.nodes[0].dir, "etc", "authkey")]
        p = subprocess.run(args, capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            raise AssertionError("%s: exit %d\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
        self.init_output[node.i] = p.stdout
        node.wolfpackd_conf = os.path.join(node.dir, "etc", "wolfpackd.conf")

    def view(self, node):
        """(quorate, member ids) as node's wolfpackd sees them now."""
        status, body = node.api("GET", "/v1/cluster")
        assert status == 200, body
        return body["quorate"], [m["id"] for m in body["members"]]

    def wait_formed(self, timeout=30):
        """Until every node sees every node, quorate."""
        every = list(range(1, len(self.nodes) + 1))
        for node in self.nodes:
            self.wait("%s sees every node, quorate" % node.name, lambda n=node: self.view(n) == (True, every), timeout)

    def wait(self, what, check, timeout=30, interval=0.1):
        return wait_for(check, timeout, interval, name=what)

    def close(self):
        # Every process of every node, by cgroup: corosync, wolfpackd, monitors, applications.
        for _ in range(50):
            pids = cgroup_pids(self.cgroup_root) if os.path.isdir(self.cgroup_root) else []
            if not pids:
                break
            for p in pids:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.1)
        procs = [p for node in self.nodes for p in (node.wolfpackd, node.corosync)]
        if self.qnetd:
            procs += [self.qnetd.proc] + list(self.qnetd.qdevices.values())
        for proc in procs:
            if proc:
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    pass
        if os.path.isdir(self.cgroup_root):
            for root, dirs, files in os.walk(self.cgroup_root, topdown=False):
                for _ in range(20):
                    try:
                        os.rmdir(root)
                        break
                    except FileNotFoundError:
                        break
                    except OSError:
                        time.sleep(0.1)
        for ns in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "delete", ns], capture_output=True)
        self.namespaces = []
        shutil.rmtree(self.dir, ignore_errors=True)
