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

import testapps
import witness
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


def corosync_conf(name, nodes, subnet, token, node_dir, quorum=()):
    lines = ["totem {", "  version: 2", "  cluster_name: %s" % name, "  transport: knet",
             "  crypto_cipher: none", "  crypto_hash: none", "  token: %d" % token,
             # As `wolfpack cluster init` writes it: the token held after
             # two quiet rotations, not 30.
             "  seqno_unchanged_const: 2", "}",
             "logging {", "  to_stderr: no", "  to_syslog: no", "  to_logfile: yes",
             "  logfile: %s/log/corosync.log" % node_dir, "  timestamp: hires", "  debug: off", "}",
             "quorum {", "  provider: corosync_votequorum"] + ["  " + q for q in quorum] + ["}", "nodelist {"]
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
            # A client can hang while corosync starts on a loaded machine:
            # one that does not answer in time is one more try, not a failure.
            try:
                p = self.run("corosync-cmapctl", "-g", "runtime.config.totem.token", check=False,
                             timeout=max(1, min(5, end - time.monotonic())))
            except subprocess.TimeoutExpired:
                continue
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

    def stop_wolfpackd(self, timeout=20):
        """SIGTERM; wolfpackd must exit 0. Its corosync stays up."""
        self.wolfpackd.terminate()
        rc = self.wolfpackd.wait(timeout)
        assert rc == 0, "%s: wolfpackd exited %s: %s" % (self.name, rc, self.log_tail("wolfpackd.stderr"))

    def clear_state(self):
        """Empty wolfpackd's state directory (wolfpackd stopped)."""
        state = os.path.join(self.dir, "state")
        for name in os.listdir(state):
            path = os.path.join(state, name)
            shutil.rmtree(path) if os.path.isdir(path) else os.unlink(path)

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

    def api(self, method, path, body=None, timeout=10):
        c = UnixHTTP(self.socket, timeout=timeout)
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

    def database(self):
        """Every table of this node's cluster database, the version (meta)
        and where keys stand included, each as sorted rows; None while
        there is no database to read."""
        path = os.path.join(self.dir, "state", "cluster.db")
        if not os.path.exists(path):
            return None
        try:
            db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
            try:
                names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
                return {t: sorted(db.execute('SELECT * FROM "%s"' % t).fetchall()) for t in sorted(names)}
            finally:
                db.close()
        except sqlite3.Error:
            return None

    # ---- faults ----

    def cut(self):
        """Take this node's port on the bridge down: it is alone."""
        subprocess.run(["ip", "-n", self.cluster.switch, "link", "set", self.cluster.port(self.i), "down"], check=True)

    def heal(self):
        subprocess.run(["ip", "-n", self.cluster.switch, "link", "set", self.cluster.port(self.i), "up"], check=True)


class CorosyncCluster:
    """n nodes; token: corosync's totem.token in ms (3000 or more: 1000
    flaps on two busy cores); config: more lines of every node's
    wolfpackd.conf (timing_config() makes the timing ones). init: each
    node's corosync.conf, authkey (node 1's, reused by the others) and
    wolfpackd.conf written by `wolfpack cluster init`, crypto on, instead
    of the fixture's own (crypto off), config added to wolfpackd.conf;
    init_output keeps what it printed, by node. qnetd (with init): a
    quorum device, corosync-qnetd on a host of its own and corosync-qdevice
    on every node (qnetd.py), given to init as --witness. start: False
    leaves calling start() to the caller, who may show tag and dir first.
    wolfpackd: False starts corosync (and the witness) alone, for the caller
    to start each wolfpackd (node.start_wolfpackd()). quorum: more lines of
    the fixture's corosync.conf quorum { } section ("two_node: 1")."""

    def __init__(self, n=3, token=3000, config="", init=False, qnetd=False, start=True, wolfpackd=True, quorum=()):
        ensure_corosync()
        self.tag = "wpc" + uuid.uuid4().hex[:6]
        self.dir = tempfile.mkdtemp(prefix="wp-cs-")
        self.cgroup_root = os.path.join(own_cgroup(), self.tag)
        self.switch = self.tag + "-sw"
        self.subnet = "10.%d.%d" % (200 + int(self.tag[3:5], 16) % 50, int(self.tag[5:7], 16))
        self.namespaces = []
        self.nodes = [Node(self, i) for i in range(1, n + 1)]
        self.token = token
        self.config = config
        self.init = init
        self.init_output = {}
        self.qnetd = Qnetd(self) if qnetd else None
        self.effective = {}
        self.with_wolfpackd = wolfpackd
        self.quorum = quorum
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
                f.write(corosync_conf(self.tag, len(self.nodes), self.subnet, self.token, node.dir, self.quorum))
            with open(os.path.join(node.dir, "wolfpackd.conf"), "w") as f:
                f.write("engine = corosync\n" + self.config)
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
        if not self.with_wolfpackd:
            return
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
            args += ["--witness", self.qnetd.addr]
        return args

    def cluster_init(self, node, fresh_key=False):
        """Write node's configuration with `wolfpack cluster init`: node 1
        makes the key and the API's CA, the others take node 1's (fresh_key:
        a key of its own, overwriting what is there). wolfpackd.conf names
        the certificates at /etc/wolfpack/tls, where a real node has them:
        here they stay where cluster init wrote them, and lines added to
        wolfpackd.conf say so."""
        args = self.init_args() + ["--this", str(node.i), "--output", os.path.join(node.dir, "etc")]
        if fresh_key:
            args.append("--force")
        elif node.i != 1:
            args += ["--authkey", os.path.join(self.nodes[0].dir, "etc", "authkey"),
                     "--tls", os.path.join(self.nodes[0].dir, "etc")]
            if self.qnetd:
                args += ["--certs", os.path.join(self.nodes[0].dir, "etc")]
        p = subprocess.run(args, capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            raise AssertionError("%s: exit %d\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
        self.init_output[node.i] = p.stdout
        node.wolfpackd_conf = os.path.join(node.dir, "etc", "wolfpackd.conf")
        node.tls = os.path.join(node.dir, "etc", "tls")
        with open(node.wolfpackd_conf, "a") as f:
            f.write("# The test's place for the certificates cluster init wrote.\n"
                    "tls-cert = %s/node.pem\ntls-key = %s/node-key.pem\n" % (node.tls, node.tls))
            f.write(self.config)

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

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

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


# ---- faults and the witness group ----
#
# Whole-node crash and restart, a frozen wolfpackd, partitions of the
# bridge, the timing settings of wolfpackd.conf, and the test group whose
# application records into the shared witness log (witness.py).

NODE_FILE = "/run/wolfpack-test-node"  # inside each node: its private /run says which node it is
PRIVATE = ("/run", "/var/lib/corosync", "/etc/corosync", "/dev/shm")  # what each node's mount namespace hides


def timing_config(lease=None, stop_budget=None, takeover_delay=None):
    """wolfpackd.conf lines (CorosyncCluster(config=...)) for the timings
    given, as durations ("2s", "500ms"); those not given keep wolfpackd's
    defaults."""
    keys = (("lease-timeout", lease), ("stop-budget", stop_budget), ("takeover-delay", takeover_delay))
    return "".join("%s = %s\n" % (k, v) for k, v in keys if v is not None)


def kill_node(node):
    """Crash node: SIGKILL every process of it at once (corosync,
    wolfpackd, monitors, applications: its cgroup's subtree, by
    cgroup.kill). Returns the CLOCK_MONOTONIC time of the kill, once no
    process of the node is left."""
    t = time.monotonic()
    try:
        with open(os.path.join(node.cgroup, "cgroup.kill"), "w") as f:
            f.write("1")
    except OSError:  # a kernel before 5.14: one by one, as close() does
        for p in cgroup_pids(node.cgroup):
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
    wait_for(lambda: not cgroup_pids(node.cgroup), 10, name="every process of %s gone" % node.name)
    for proc in (node.wolfpackd, node.corosync):
        if proc:
            proc.wait(5)
    return t


def restart_node(node):
    """Start a killed (or stopped) node again: its corosync, then its
    wolfpackd, on the state it left; returns once both answer (not once
    the others see it: cluster.wait_formed())."""
    assert not cgroup_pids(node.cgroup), "%s still runs %s" % (node.name, cgroup_pids(node.cgroup))
    node.start_corosync()
    node.wait_corosync()
    node.start_wolfpackd()
    node.wait_wolfpackd()


def _wolfpackd_pid(node):
    pid = node.wolfpackd.pid
    with open("/proc/%d/comm" % pid) as f:
        assert f.read().strip() == "wolfpackd", "pid %d of %s is not wolfpackd" % (pid, node.name)
    return pid


def freeze_wolfpackd(node):
    """SIGSTOP node's wolfpackd only: its corosync, monitors and
    applications run on. Returns the time."""
    t = time.monotonic()
    os.kill(_wolfpackd_pid(node), signal.SIGSTOP)
    return t


def thaw_wolfpackd(node):
    t = time.monotonic()
    os.kill(_wolfpackd_pid(node), signal.SIGCONT)
    return t


SPLIT_BRIDGE = "br1"


def partition(cluster, side):
    """Split the cluster in two: the nodes of side move to a bridge of
    their own, where they still reach each other, and no longer the rest
    ({1}|{2,3}: partition(cs, [cs.nodes[0]])). Returns the time."""
    sw = ["ip", "-n", cluster.switch]
    if subprocess.run(sw + ["link", "show", SPLIT_BRIDGE], capture_output=True).returncode != 0:
        subprocess.run(sw + ["link", "add", SPLIT_BRIDGE, "type", "bridge"], check=True)
        subprocess.run(sw + ["link", "set", SPLIT_BRIDGE, "up"], check=True)
    t = time.monotonic()
    for node in side:
        subprocess.run(sw + ["link", "set", cluster.port(node.i), "master", SPLIT_BRIDGE], check=True)
    return t


def heal_partition(cluster):
    """Every node's port back on the one bridge. Returns the time."""
    t = time.monotonic()
    for node in cluster.nodes:
        subprocess.run(["ip", "-n", cluster.switch, "link", "set", cluster.port(node.i), "master", "br0"],
                       check=True)
    return t


def start_in_node(node, argv, out=subprocess.DEVNULL):
    """Run argv inside node (its namespaces and its cgroup, so that
    kill_node() takes it too); the Popen."""
    return node._in_cgroup(node.enter() + list(argv), out)


def witness_dirs(cluster):
    """(witness log, lock directory) of the cluster, made at the first
    call: under the cluster's directory in /tmp, which every node shares
    (none of them hides it), reachable by every user; and in each node's
    private /run, NODE_FILE with the node's name."""
    d = os.path.join(cluster.dir, "witness")
    log, locks = os.path.join(d, "witness.log"), os.path.join(d, "locks")
    assert not any(d == p or d.startswith(p + "/") for p in PRIVATE), d
    if not os.path.exists(log):
        os.chmod(cluster.dir, 0o755)
        os.makedirs(locks)
        os.chmod(locks, 0o1777)
        witness.new_log(d)
        for node in cluster.nodes:
            with open(os.path.join(node.dir, "run", os.path.basename(NODE_FILE)), "w") as f:
                f.write(node.name + "\n")
    return log, locks


def witness_command(cluster, group, resource, extra=()):
    """The command line of the witness application for resource of group:
    the same on every node, each copy reading its node's name in NODE_FILE."""
    log, locks = witness_dirs(cluster)
    return witness.app_command(testapps.FLOCKAPP, os.path.join(locks, resource + ".lock"), log, group,
                               node_file=NODE_FILE, extra=extra)


def witness_group(cluster, group, via=None, resource=None, group_properties=None, properties=None, extra=()):
    """Create group with one genapp resource (resource, default GROUP-app)
    running the witness application, through node via (default the
    first); returns the witness log."""
    via = via or cluster.nodes[0]
    resource = resource or group + "-app"
    status, body = via.api("POST", "/v1/groups", {"name": group, "properties": group_properties or {}})
    assert status == 201, body
    props = {"CommandLine": witness_command(cluster, group, resource, extra), "StopTimeout": "2s"}
    props.update(properties or {})
    status, body = via.api("POST", "/v1/resources", {"name": resource, "type": "genapp", "group": group,
                                                      "properties": props})
    assert status == 201, body
    return witness_dirs(cluster)[0]


def owner_everywhere(nodes, group):
    """The owner every one of nodes shows for group, Online there; None
    while they disagree, or it is not Online, or has no owner."""
    seen = set()
    for node in nodes:
        status, body = node.api("GET", "/v1/groups/" + group)
        assert status == 200, body
        seen.add((body["state"], body.get("owner")))
    if len(seen) == 1:
        state, owner = seen.pop()
        if state == "Online" and owner:
            return owner
    return None


def watch(conditions, timeout=90, interval=0.05):
    """Poll every condition (name -> callable) until each has been true
    once: the time each was first seen true. Fails naming those never seen."""
    seen = {}
    end = time.monotonic() + timeout
    while len(seen) < len(conditions) and time.monotonic() < end:
        for name, cond in conditions.items():
            if name not in seen:
                try:
                    if cond():
                        seen[name] = time.monotonic()
                except (AssertionError, OSError, ValueError, KeyError):
                    pass
        time.sleep(interval)
    missing = [n for n in conditions if n not in seen]
    assert not missing, "never seen within %ss: %s (seen: %s)" % (timeout, ", ".join(missing), seen)
    return seen


def twice(cluster):
    """Lock files of witness applications taken twice (flockapp's
    markers): each is a second copy that found the first running."""
    locks = os.path.join(cluster.dir, "witness", "locks")
    return sorted(f for f in os.listdir(locks) if f.endswith(".twice")) if os.path.isdir(locks) else []


def module_cluster(n=3, **kwargs):
    """A module's one cluster, as a pytest fixture named cs:
    cs = module_cluster(3, token=3000)."""
    import pytest  # the benchmarks use this module without pytest

    @pytest.fixture(scope="module")
    def cs():
        c = CorosyncCluster(n, **kwargs)
        try:
            yield c
        finally:
            c.close()
    return cs
