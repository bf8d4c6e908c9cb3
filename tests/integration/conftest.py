# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fixtures for the integration tests of the resource monitor.

Each test gets a `wp` object (class Env): a private directory, a cgroup
name of its own, and a factory for drivers (build/src/wolfpack-resmon-driver
run as a subprocess with pipes). A driver object sends JSON command lines
and collects the JSON lines the driver prints, through a reader thread, so
that a test waits for replies and events with timeouts.

At teardown the fixture quits every driver, waits for every monitor to end,
and checks that the test left nothing behind: no process in the test's
cgroup subtree (leftovers are killed and the test fails), the subtree
removed, no lock of a test application ever taken twice, no
TEST_COUNT_VIOLATION in any monitor's log.

Tests run as root (the monitor creates cgroups and changes users).
"""

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import pytest

import testapps

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.path.abspath(os.environ.get("WOLFPACK_BUILD") or os.path.join(SOURCE_ROOT, "build"))
DRIVER = os.path.join(BUILD, "src", "wolfpack-resmon-driver")
MONITOR = os.path.join(BUILD, "src", "wolfpack-resmon")
PLUGIN_DIRS = [os.path.join(BUILD, "src"), os.path.join(BUILD, "tests", "plugins")]
FLOCKAPP = testapps.FLOCKAPP
PYTHON = sys.executable or "/usr/bin/python3"

# Protocol requests get a reply; everything else is a driver command.
REQUESTS = {
    "hello", "list-types", "describe-type", "validate", "open", "probe", "online", "offline",
    "terminate", "close", "set-properties", "get-properties", "heartbeat", "lease", "exit",
}

DEFAULT_TIMEOUT = 10.0


def cgroup2_mount():
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-")
            if fields[sep + 1] == "cgroup2":
                return fields[4]
    raise RuntimeError("no cgroup2 tree mounted")


def own_cgroup(pid="self"):
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            if line.startswith("0::"):
                return line[3:].strip()
    raise RuntimeError("not in a cgroup2 tree")


def process_state(pid):
    """The state letter of /proc/PID/stat, or None when there is no such
    process. A zombie ('Z') has ended."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat[stat.rindex(")") + 2]


def alive(pid):
    state = process_state(pid)
    return state is not None and state not in ("Z", "X")


def wait_until(pred, timeout, interval=0.02):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            return v
        time.sleep(interval)


def cgroup_procs(path):
    """Every pid in the cgroup subtree at path (empty when absent)."""
    pids = []
    for dirpath, _dirs, files in os.walk(path):
        if "cgroup.procs" in files:
            try:
                with open(os.path.join(dirpath, "cgroup.procs")) as f:
                    pids += [int(x) for x in f.read().split()]
            except FileNotFoundError:
                pass
    return sorted(pids)


def process_cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


class DriverError(AssertionError):
    pass


class Driver:
    """One wolfpack-resmon-driver process."""

    def __init__(self, env, name, attach, args):
        self.env = env
        self.name = name
        self.events = []               # every line printed, parsed, in order
        self.cond = threading.Condition()
        self.eof = False
        self.scan_cursor = 0           # events before this index are filed
        self.unclaimed = {}            # (request, resource) -> replies not yet taken
        self.expect_exit = 0           # checked at teardown; None: anything
        self.quit_sent = False
        self.stderr_path = os.path.join(env.dir, f"driver-{len(env.drivers)}.stderr")
        cmd = [
            DRIVER,
            "--plugin-dir", ":".join(PLUGIN_DIRS),
            "--runtime-dir", env.runtime_dir,
            "--state-dir", env.state_dir,
            "--cgroup", env.cgname,
            "--name", name,
        ]
        if attach:
            cmd.append("--attach")
        cmd += list(args)
        self.cmd = cmd
        self.stderr_file = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr_file,
            preexec_fn=_child_setup, cwd=env.dir, close_fds=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    # -- output -----------------------------------------------------------

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").strip()
            if not line:
                continue
            try:
                ev = json.loads(line)
                if not isinstance(ev, dict):
                    ev = {"type": "_unparsed", "line": line}
            except ValueError:
                ev = {"type": "_unparsed", "line": line}
            with self.cond:
                self.events.append(ev)
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def mark(self):
        """The index of the next event: wait for what comes after it."""
        with self.cond:
            return len(self.events)

    def wait_for(self, pred, timeout=DEFAULT_TIMEOUT, since=0, what=None):
        """The first event at index >= since for which pred is true;
        fails the test after timeout seconds."""
        deadline = time.monotonic() + timeout
        i = since
        with self.cond:
            while True:
                while i < len(self.events):
                    ev = self.events[i]
                    i += 1
                    if pred(ev):
                        return ev
                left = deadline - time.monotonic()
                if left <= 0 or (self.eof and i >= len(self.events)):
                    break
                self.cond.wait(left)
        raise DriverError(
            f"timed out after {timeout}s waiting for {what or 'an event'}"
            + (" (driver output ended)" if self.eof else "")
            + "; events since:\n" + self.dump(since))

    def find(self, pred, since=0):
        with self.cond:
            return [ev for ev in self.events[since:] if pred(ev)]

    def dump(self, since=0, limit=60):
        with self.cond:
            evs = self.events[since:]
        lines = [json.dumps(ev) for ev in evs[-limit:]]
        return "\n".join(lines) if lines else "(none)"

    def wait_state(self, resource, state, timeout=DEFAULT_TIMEOUT, since=0):
        states = {state} if isinstance(state, str) else set(state)
        return self.wait_for(
            lambda ev: ev.get("type") == "state" and ev.get("resource") == resource
            and ev.get("state") in states,
            timeout, since, what=f"{resource} to be {'/'.join(sorted(states))}")

    def states(self, resource, since=0):
        return [ev["state"] for ev in self.find(
            lambda ev: ev.get("type") == "state" and ev.get("resource") == resource, since)]

    def last_state(self, resource):
        s = self.states(resource)
        return s[-1] if s else None

    def logs(self, code=None, since=0):
        return self.find(lambda ev: ev.get("type") == "log"
                         and (code is None or ev.get("code") == code), since)

    def wait_attached(self, timeout=DEFAULT_TIMEOUT):
        ev = self.wait_for(lambda ev: ev.get("type") == "attached", timeout, what="attached")
        self.env.monitor_pids.add(int(ev["pid"]))
        return ev

    # -- input ------------------------------------------------------------

    def send(self, obj):
        line = (json.dumps(obj) + "\n").encode()
        try:
            self.proc.stdin.write(line)
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError) as e:
            raise DriverError(f"driver no longer reads commands ({e}); output:\n{self.dump()}")

    def _scan_replies(self):
        """File new replies under (request type, resource): the driver
        annotates each reply with them."""
        while self.scan_cursor < len(self.events):
            ev = self.events[self.scan_cursor]
            if ev.get("type") == "reply" and "request" in ev:
                self.unclaimed.setdefault((ev["request"], ev.get("resource")), []).append(ev)
            self.scan_cursor += 1

    def _replies(self, objs, timeout, what):
        """The replies to objs, in order. The driver numbers requests in
        the order it sends them, so among the replies to requests of one
        type for one resource, the lowest id answers the first sent."""
        need = {}
        for o in objs:
            k = (o["type"], o.get("resource"))
            need[k] = need.get(k, 0) + 1
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                self._scan_replies()
                if all(len(self.unclaimed.get(k, [])) >= n for k, n in need.items()):
                    break
                left = deadline - time.monotonic()
                if left <= 0 or self.eof:
                    got = sum(min(len(self.unclaimed.get(k, [])), n) for k, n in need.items())
                    raise DriverError(
                        f"timed out after {timeout}s waiting for the reply to {what} "
                        f"({got} of {len(objs)} came)"
                        + (" (driver output ended)" if self.eof else "")
                        + f"; output:\n{self.dump()}")
                self.cond.wait(left)
            taken = {}
            for k, n in need.items():
                evs = sorted(self.unclaimed[k], key=lambda ev: ev.get("id", 0))
                taken[k] = evs[:n]
                self.unclaimed[k] = evs[n:]
        out = []
        for o in objs:
            out.append(taken[(o["type"], o.get("resource"))].pop(0))
        return out

    def request(self, obj, timeout=DEFAULT_TIMEOUT):
        """Send one protocol request and return its reply."""
        assert obj["type"] in REQUESTS, obj
        self.send(obj)
        return self._replies([obj], timeout, obj["type"])[0]

    def burst(self, objs, timeout=30.0):
        """Send many requests back to back; their replies in sending order."""
        for o in objs:
            assert o["type"] in REQUESTS, o
        for o in objs:
            self.send(o)
        return self._replies(objs, timeout, f"a burst of {len(objs)} requests")

    def ok(self, obj, timeout=DEFAULT_TIMEOUT):
        """A request that must succeed."""
        rep = self.request(obj, timeout)
        if rep.get("error") != 0:
            raise DriverError(f"{obj['type']} failed: {json.dumps(rep)}\nrequest: {json.dumps(obj)}")
        return rep

    def command(self, obj):
        """A driver command (sleep, lease-start ...): no reply."""
        assert obj["type"] not in REQUESTS, obj
        self.send(obj)

    # -- resources --------------------------------------------------------

    def open(self, resource, rtype, properties, name=None, common=None, timeout=DEFAULT_TIMEOUT):
        return self.ok({
            "type": "open", "resource": resource, "name": name or resource, "rtype": rtype,
            "properties": properties, "common": common or {},
        }, timeout)

    def online(self, resource, timeout=DEFAULT_TIMEOUT):
        """Online, and wait until the resource is Online; the Online event."""
        m = self.mark()
        rep = self.ok({"type": "online", "resource": resource}, timeout)
        assert rep.get("state") in ("Online", "OnlinePending"), rep
        return self.wait_state(resource, ("Online", "Failed"), timeout, since=m)

    def offline(self, resource, timeout=DEFAULT_TIMEOUT):
        m = self.mark()
        rep = self.ok({"type": "offline", "resource": resource}, timeout)
        assert rep.get("state") in ("Offline", "OfflinePending"), rep
        if rep.get("state") == "Offline":
            return rep
        return self.wait_state(resource, ("Offline", "Failed"), timeout, since=m)

    def get_properties(self, resource):
        return self.ok({"type": "get-properties", "resource": resource})["properties"]

    # -- the process ------------------------------------------------------

    def running(self):
        return self.proc.poll() is None

    def quit(self, timeout=15.0):
        if self.running() and not self.quit_sent:
            self.quit_sent = True
            try:
                self.send({"type": "quit"})
                self.proc.stdin.close()
            except (DriverError, BrokenPipeError, OSError):
                pass
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return False
        return True

    def kill(self, sig=signal.SIGKILL):
        self.proc.send_signal(sig)
        self.proc.wait(10)
        self.expect_exit = -sig

    def close_files(self):
        # The reader ends at the end of the driver's output; closing the
        # pipe under it instead kills it with an exception.
        if self.proc.poll() is not None:
            self.reader.join(5)
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except Exception:
                pass
        self.stderr_file.close()

    def stderr(self):
        try:
            with open(self.stderr_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


def _child_setup():
    import resource
    # A crashing monitor must not leave core files in the tree.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class Env:
    """What a test runs in: directories, its cgroup, its drivers."""

    def __init__(self, test_name):
        tag = uuid.uuid4().hex[:8]
        self.tag = tag
        # Short paths: the monitor's socket path must fit in sun_path.
        self.dir = tempfile.mkdtemp(prefix=f"wp-it-{tag}-")
        os.chmod(self.dir, 0o755)
        self.runtime_dir = os.path.join(self.dir, "run")
        self.state_dir = os.path.join(self.dir, "state")
        self.lock_dir = os.path.join(self.dir, "locks")
        self.work_dir = os.path.join(self.dir, "work")
        for d in (self.runtime_dir, self.state_dir, self.lock_dir, self.work_dir):
            os.mkdir(d)
        # Applications may run as another user.
        os.chmod(self.lock_dir, 0o1777)
        os.chmod(self.work_dir, 0o1777)
        self.cgname = f"wp-it-{tag}"
        self.cgroot = os.path.join(cgroup2_mount(), own_cgroup().lstrip("/"))
        self.drivers = []
        self.monitor_pids = set()
        self.test_name = test_name

    # -- cgroups ----------------------------------------------------------

    def cgroup_path(self):
        """The v2 directory that the monitors put resource cgroups in: the
        --cgroup name, relative to the monitor's own cgroup (ours: the
        monitor is started by the driver, our child)."""
        return os.path.join(self.cgroot, self.cgname)

    def resource_cgroup(self, resource):
        return os.path.join(self.cgroup_path(), resource)

    def check_in_resource_cgroup(self, pid, resource):
        cg = own_cgroup(pid)
        want = "/" + os.path.relpath(self.resource_cgroup(resource), cgroup2_mount())
        assert cg == want, f"process {pid} is in cgroup {cg}, expected {want}"

    # -- drivers ----------------------------------------------------------

    def driver(self, *args, name="main", attach=False, wait_attached=True):
        d = Driver(self, name, attach, args)
        self.drivers.append(d)
        if wait_attached:
            d.wait_attached()
        return d

    # -- applications -----------------------------------------------------

    def new_id(self, prefix="r"):
        return f"{prefix}-{uuid.uuid4().hex[:10]}"

    def lock_path(self, resource):
        return os.path.join(self.lock_dir, resource + ".lock")

    def path(self, name):
        return os.path.join(self.work_dir, name)

    def wait_up(self, resource, pid, timeout=5.0):
        """Wait until the application pid of resource holds its lock and
        has its signal handlers in place."""
        path = self.lock_path(resource) + ".up"

        def up():
            try:
                with open(path) as f:
                    return f.read().strip() == str(pid)
            except FileNotFoundError:
                return False
        assert wait_until(up, timeout), f"application {pid} of {resource} did not come up"

    def app_argv(self, resource, *args):
        return [PYTHON, FLOCKAPP, self.lock_path(resource), *args]

    def app_cmdline(self, resource, *args):
        return shlex.join(self.app_argv(resource, *args))

    def genapp_props(self, resource, *args, **props):
        p = {"CommandLine": self.app_cmdline(resource, *args)}
        p.update(props)
        return p

    # -- teardown ---------------------------------------------------------

    def teardown(self):
        problems = []
        for i, d in enumerate(self.drivers):
            if d.running():
                if not d.quit():
                    problems.append(f"driver {i} did not exit after quit; killed")
            code = d.proc.returncode
            if d.expect_exit is not None and code != d.expect_exit:
                problems.append(f"driver {i} exited with {code}, expected {d.expect_exit}; "
                                f"stderr:\n{d.stderr()[-3000:]}")
            d.close_files()

        for pid in sorted(self.monitor_pids):
            if not wait_until(lambda: not alive(pid), 12.0):
                problems.append(f"monitor {pid} still running after its driver quit; killed")
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

        cg = self.cgroup_path()
        leftovers = cgroup_procs(cg)
        if leftovers:
            desc = ", ".join(f"{p} ({process_cmdline(p)})" for p in leftovers)
            problems.append(f"processes left in {cg}: {desc}; killed")
            try:
                with open(os.path.join(cg, "cgroup.kill"), "w") as f:
                    f.write("1")
            except OSError:
                for p in leftovers:
                    try:
                        os.kill(p, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            wait_until(lambda: not cgroup_procs(cg), 5.0)
        if os.path.isdir(cg):
            subdirs = sorted(os.path.relpath(dp, cg) for dp, _d, _f in os.walk(cg))
            # A monitor that was killed or crashed cannot remove its own
            # cgroup, and no parent is told to: only the resources' cgroups
            # must be gone then.
            died = any(ev.get("signal") for d in self.drivers
                       for ev in d.find(lambda e: e.get("type") == "monitor-exit"))
            if not (died and subdirs == ["."]):
                problems.append(f"cgroup {cg} not removed (left: {', '.join(subdirs)})")
            for dp, _dirs, _files in sorted(os.walk(cg), key=lambda t: -len(t[0])):
                try:
                    os.rmdir(dp)
                except OSError as e:
                    problems.append(f"cannot remove {dp}: {e}")

        for f in sorted(os.listdir(self.lock_dir)):
            if f.endswith(".twice"):
                with open(os.path.join(self.lock_dir, f)) as fh:
                    problems.append(f"lock taken twice ({f}): {fh.read().strip()}")

        for i, d in enumerate(self.drivers):
            for ev in d.logs("TEST_COUNT_VIOLATION"):
                problems.append(f"driver {i}: {json.dumps(ev)}")
        return problems

    def report(self):
        out = [f"test directory: {self.dir}", f"cgroup: {self.cgroup_path()}"]
        for i, d in enumerate(self.drivers):
            out.append(f"--- driver {i}: {' '.join(d.cmd)}")
            out.append(f"exit: {d.proc.returncode}")
            out.append("output:\n" + d.dump(limit=80))
            err = d.stderr()
            if err:
                out.append("stderr:\n" + err[-4000:])
        return "\n".join(out)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def _require_build():
    missing = [p for p in (DRIVER, MONITOR) if not os.access(p, os.X_OK)]
    if missing:
        pytest.fail(f"not built: {', '.join(missing)} (WOLFPACK_BUILD={BUILD})")
    if os.geteuid() != 0:
        pytest.skip("the resource monitor tests run as root")


@pytest.fixture
def wp(request):
    _require_build()
    env = Env(request.node.name)
    yield env
    problems = env.teardown()
    rep = getattr(request.node, "rep_call", None)
    failed = rep is not None and rep.failed
    if failed or problems:
        print(env.report())
    if problems:
        pytest.fail("left behind by the test:\n" + "\n".join(problems), pytrace=False)
    if not failed and not os.environ.get("WOLFPACK_KEEP_TMP"):
        shutil.rmtree(env.dir, ignore_errors=True)


@pytest.fixture
def c():
    """A one-node cluster (cluster.py) for an end-to-end test. At the end
    nothing it started may be left running and no lock of a test
    application may have been taken twice."""
    from cluster import Cluster
    cl = Cluster()
    yield cl
    left = cl.close()
    assert not cl.twice(), "a lock was taken twice: %s" % cl.twice()
    assert not left, "processes left behind: %s" % left


@pytest.fixture
def plugin_path():
    def find(name):
        for d in PLUGIN_DIRS:
            p = os.path.join(d, name + ".so")
            if os.path.exists(p):
                return p
        pytest.fail(f"plug-in {name}.so not built in {', '.join(PLUGIN_DIRS)}")
    return find


def reason_of(ev):
    return ev.get("reason") or ""


def message_of(rep):
    return rep.get("message") or ""


def assert_matches(text, *patterns):
    for p in patterns:
        assert re.search(p, text, re.IGNORECASE), f"{p!r} not found in {text!r}"
