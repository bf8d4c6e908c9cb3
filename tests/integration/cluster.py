# SPDX-License-Identifier: LGPL-2.1-or-later
"""A one-node cluster for end-to-end tests: wolfpackd started in a cgroup
of its own (so its daemon/monitor/res subtree never meets another test's),
with its state, runtime directory, socket and log in a private directory,
driven through the real CLI and the real API."""

import http.client
import json
import os
import resource
import signal
import socket
import subprocess
import tempfile
import time
import uuid

import testapps

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.abspath(os.environ.get("WOLFPACK_BUILD") or os.path.join(HERE, "..", "..", "build"))
WOLFPACKD = os.path.join(BUILD, "src", "wolfpackd")
WOLFPACK = os.path.join(BUILD, "src", "wolfpack")
FLOCKAPP = testapps.FLOCKAPP


def cgroup2_mount():
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if fields[fields.index("-") + 1] == "cgroup2":
                return fields[4]
    raise RuntimeError("no cgroup2 tree")


def own_cgroup():
    with open("/proc/self/cgroup") as f:
        for line in f:
            if line.startswith("0::"):
                return cgroup2_mount() + line[3:].strip().rstrip("/")
    raise RuntimeError("no cgroup2 membership")


def cgroup_pids(path):
    pids = []
    for root, dirs, files in os.walk(path):
        try:
            with open(os.path.join(root, "cgroup.procs")) as f:
                pids += [int(x) for x in f.read().split()]
        except FileNotFoundError:
            pass
    return pids


def wait_answering(proc, api, timeout, output):
    """Wait until the wolfpackd process proc answers GET /v1/cluster
    through api; fail with output() when it exits or stays silent."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError("wolfpackd exited %s: %s" % (proc.returncode, output()))
        try:
            if api("GET", "/v1/cluster")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError("wolfpackd did not answer within %ss: %s" % (timeout, output()))


def wait_for(what, timeout=20, interval=0.05, name="waiting"):
    """what()'s first true value, calling it every interval for up to
    timeout seconds; its exceptions count as false."""
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            last = what()
            if last:
                return last
        except (AssertionError, OSError, ValueError, KeyError) as e:
            last = e
        time.sleep(interval)
    raise AssertionError("%s: timed out; last value %r" % (name, last))


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path, timeout=10):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


class Cluster:
    """runtime_dir and log_dir: paths, or None to leave them to wolfpackd's
    defaults (which follow the state directory). cgroup: start wolfpackd
    in this existing cgroup, which another Cluster owns and cleans up,
    instead of one of its own. config: extra lines of wolfpackd.conf.
    start: False leaves starting wolfpackd to the test. nofile: the (soft,
    hard) RLIMIT_NOFILE to start wolfpackd with, instead of this process's.
    build: the build directory whose wolfpackd (and so monitors and
    plug-ins) runs, when not WOLFPACK_BUILD's; env: more environment for
    wolfpackd."""

    def __init__(self, lease_timeout=None, test_plugins=False, runtime_dir="", log_dir="", cgroup=None, config="",
                 start=True, nofile=None, build=None, env=None):
        self.wolfpackd = os.path.join(build, "src", "wolfpackd") if build else WOLFPACKD
        self.env = env or {}
        self.dir = tempfile.mkdtemp(prefix="wp-c-")
        self.tag = "wp-c-" + uuid.uuid4().hex[:8]
        self.owns_cgroup = cgroup is None
        self.cgroup = cgroup or os.path.join(own_cgroup(), self.tag)
        if self.owns_cgroup:
            os.makedirs(self.cgroup)
        self.state_dir = os.path.join(self.dir, "state")
        self.runtime_dir = os.path.join(self.dir, "run") if runtime_dir == "" else runtime_dir
        self.log_dir = os.path.join(self.dir, "log") if log_dir == "" else log_dir
        self.socket = os.path.join(self.dir, "wolfpack.sock")
        self.locks = os.path.join(self.dir, "locks")
        os.makedirs(self.locks)
        self.lease_timeout = lease_timeout
        self.config = None
        if test_plugins:
            config += ("# the test plug-ins next to the real ones\nplugin-dir = %s:%s\n"
                       % (os.path.join(BUILD, "src"), os.path.join(BUILD, "tests", "plugins")))
        if config:
            self.config = os.path.join(self.dir, "wolfpackd.conf")
            with open(self.config, "w") as f:
                f.write(config)
        self.nofile = nofile
        self.proc = None
        if start:
            try:
                self.start()
            except BaseException:
                # Nobody gets this object to close: leave no cgroup behind.
                self.close()
                raise

    # ---- the daemon ----

    def args(self, socket=None):
        """wolfpackd's command line; socket: another API socket."""
        args = [self.wolfpackd, "--foreground", "--state-dir", self.state_dir, "--socket", socket or self.socket,
                "--node-name", "n1"]
        if self.runtime_dir is not None:
            args += ["--runtime-dir", self.runtime_dir]
        if self.log_dir is not None:
            args += ["--log-dir", self.log_dir]
        if self.lease_timeout:
            args += ["--lease-timeout", self.lease_timeout]
        if self.config:
            args += ["--config", self.config]
        return args

    def start(self, wait=True):
        procs = os.path.join(self.cgroup, "cgroup.procs")
        self.stderr = open(os.path.join(self.dir, "wolfpackd.stderr"), "ab")
        self.proc = subprocess.Popen(
            ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', procs] + self.args(),
            stdout=self.stderr, stderr=self.stderr, env=dict(os.environ, WOLFPACK_PLUGIN_DIR="", **self.env),
            preexec_fn=self.nofile and (lambda: resource.setrlimit(resource.RLIMIT_NOFILE, self.nofile)))
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout=10):
        wait_answering(self.proc, self.api, timeout, self.daemon_output)

    def daemon_output(self):
        try:
            with open(os.path.join(self.dir, "wolfpackd.stderr")) as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            if sig != signal.SIGKILL:
                self.proc.wait(timeout)
            else:
                self.proc.wait(5)
        return self.proc.returncode if self.proc else None

    # ---- clients ----

    def cli(self, *args, check=True, timeout=60):
        p = subprocess.run([WOLFPACK, "--socket", self.socket] + list(args), capture_output=True, text=True,
                           timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError("wolfpack %s: exit %d\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
        return p

    def cli_json(self, *args):
        return json.loads(self.cli("--json", *args).stdout)

    def api(self, method, path, body=None, raw=None, headers=None):
        c = UnixHTTP(self.socket)
        try:
            data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
            h = {"Content-Type": "application/json"}
            h.update(headers or {})
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            text = r.read()
            return r.status, (json.loads(text) if text else None)
        finally:
            c.close()

    def raw(self, data, timeout=10):
        """Send bytes as they are; the status line of the answer (the
        server may answer and close before reading everything)."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(self.socket)
        try:
            try:
                s.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                pass
            got = b""
            while b"\r\n\r\n" not in got:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
            return int(got.split()[1]) if got else None
        finally:
            s.close()

    # ---- objects ----

    def app(self, name, *extra):
        """A genapp command line of the test application: it holds an flock
        on a file named after its resource and complains if it is taken."""
        return "CommandLine=/usr/bin/python3 %s %s/%s.lock %s" % (FLOCKAPP, self.locks, name, " ".join(extra))

    def resource(self, name):
        return self.cli_json("resource", "show", name)

    def group(self, name):
        return self.cli_json("group", "show", name)

    def wait_for(self, what, timeout=20, interval=0.05):
        return wait_for(what, timeout, interval)

    def wait_state(self, kind, name, state, timeout=20):
        return self.wait_for(lambda: (self.cli_json(kind, "show", name)["state"] == state) and
                             self.cli_json(kind, "show", name), timeout)

    def twice(self):
        return [f for f in os.listdir(self.locks) if f.endswith(".twice")]

    def log(self):
        out = []
        try:
            with open(os.path.join(self.log_dir or os.path.join(self.state_dir, "log"), "cluster.log")) as f:
                for line in f:
                    out.append(json.loads(line))
        except FileNotFoundError:
            pass
        return out

    def close(self):
        try:
            self.stop()
        finally:
            left = self.remove_cgroup() if self.owns_cgroup else []
        return left

    def remove_cgroup(self):
        # Whatever is left in the cgroup subtree is a leak: kill it,
        # and report it.
        left = [p for p in cgroup_pids(self.cgroup)]
        for p in left:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        # A cgroup whose last process has just exited can refuse rmdir
        # for a moment: retry, briefly.
        end = time.monotonic() + 3
        while os.path.exists(self.cgroup) and time.monotonic() < end:
            for root, dirs, files in sorted(os.walk(self.cgroup), key=lambda x: -len(x[0])):
                try:
                    os.rmdir(root)
                except OSError:
                    pass
            if os.path.exists(self.cgroup):
                time.sleep(0.05)
        assert not os.path.exists(self.cgroup), "cannot remove the test's cgroup %s" % self.cgroup
        return left
