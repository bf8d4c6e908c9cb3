# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Job Object resource type (genjob.so) run by a real monitor, with
real cgroups (this host's cgroup v1 controllers and its controller-less
cgroup2 tree) and real processes: one test at least per row of the table
in DESIGN.md, "The Job Object resource (genjob) on Linux"."""

import json
import os
import re
import shlex
import shutil
import signal
import time

import pytest

import conftest
import testapps
from conftest import PYTHON, alive, assert_matches, cgroup_procs, message_of, reason_of, wait_until

JOBAPP = testapps.JOBAPP
BREAKAWAY = os.path.join(conftest.BUILD, "src", "wolfpack-breakaway")
NO_POLL = {"LooksAlivePollInterval": "1h", "IsAlivePollInterval": "1h"}
V1 = ("memory", "pids", "cpu", "cpuset")


# ---- the host's hierarchies --------------------------------------------------

def v1_mounts():
    """controller -> mount point of its cgroup v1 hierarchy."""
    out = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-")
            if fields[sep + 1] != "cgroup" or fields[3] != "/":
                continue
            for opt in fields[sep + 3].split(","):
                if opt in V1:
                    out.setdefault(opt, fields[4])
    return out


def v1_cgroups(pid="self"):
    """controller -> the cgroup of pid on that v1 hierarchy."""
    out = {}
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, ctls, path = line.rstrip("\n").split(":", 2)
            for c in ctls.split(","):
                if c in V1:
                    out[c] = path
    return out


MOUNTS = v1_mounts()
OWN = v1_cgroups()


def v1_dir(wp, ctl, rid=None):
    """The directory of resource rid (None: the base) on ctl's v1
    hierarchy: the monitor's own cgroup there (the monitor runs in ours),
    then the same relative path as on the v2 tree."""
    parts = [MOUNTS[ctl], OWN[ctl].lstrip("/"), wp.cgname] + ([rid] if rid else [])
    return os.path.join(*[p for p in parts if p])


def re_escape(text):
    return re.escape(text)


def read(path):
    with open(path) as f:
        return f.read().strip()


def require_v1():
    missing = [c for c in V1 if c not in MOUNTS]
    if missing:
        pytest.skip(f"these tests need cgroup v1 {', '.join(missing)} (hybrid host)")


# ---- helpers -------------------------------------------------------------------

def app(*args):
    return shlex.join([PYTHON, JOBAPP, *args])


def process_id(ev):
    pid = (ev.get("properties") or {}).get("ProcessId")
    assert pid not in (None, "", "0"), f"no ProcessId in {json.dumps(ev)}"
    return int(pid)


def wait_file(path, timeout=5.0, want_json=False):
    """The content of path once it holds a whole line: JSON, or text. With
    want_json, once it holds a whole JSON document (a log file may be
    written in pieces that each end a line)."""
    def content():
        try:
            with open(path) as f:
                text = f.read()
        except FileNotFoundError:
            return None
        if want_json:
            try:
                json.loads(text)
            except ValueError:
                return None
            return text
        return text if text.endswith("\n") or (text and not path.endswith(".log")) else None
    text = wait_until(content, timeout)
    assert text, f"{path} was not written"
    try:
        return json.loads(text)
    except ValueError:
        return text.strip()


def start(wp, props, d=None, common=None, rid=None):
    """Open a genjob resource and bring it online; (driver, id, pid)."""
    d = d or wp.driver()
    rid = rid or wp.new_id("j")
    d.open(rid, "genjob", props, common=dict(NO_POLL, **(common or {})))
    ev = d.online(rid)
    assert ev["state"] == "Online", reason_of(ev)
    return d, rid, process_id(ev)


def log_of(d, code, since=0, timeout=5.0, match=None):
    return d.wait_for(lambda ev: ev.get("type") == "log" and ev.get("code") == code
                      and (match is None or match in ev.get("text", "")),
                      timeout, since, what=f"log {code}")


def assert_gone(wp, rid):
    """No cgroup of the resource left on any hierarchy."""
    assert wait_until(lambda: not os.path.exists(wp.resource_cgroup(rid)), 3.0), \
        f"{wp.resource_cgroup(rid)} left"
    for c in V1:
        if c in MOUNTS:
            assert not os.path.exists(v1_dir(wp, c, rid)), f"{v1_dir(wp, c, rid)} left"


def set_props(d, rid, **props):
    return d.request({"type": "set-properties", "resource": rid, "properties": props})


# ---- the type --------------------------------------------------------------------

def test_describe_genjob(wp):
    d = wp.driver()
    desc = d.ok({"type": "describe-type", "rtype": "genjob"})["description"]
    props = {p["name"]: p for p in desc["properties"]}
    live = ["PerProcessUserTimeLimit", "PerJobUserTimeLimit", "EndOfJobTimeAction", "MinimumWorkingSetSize",
            "MaximumWorkingSetSize", "ActiveProcessLimit", "Affinity", "PriorityClass", "SchedulingClass",
            "ProcessMemoryLimit", "JobMemoryLimit", "JobMemoryLimitAction", "DieOnUnhandledException",
            "BreakawayOk", "SilentBreakawayOk"]
    later = ["NoReboot", "NoClockChange", "NoHostnameChange", "NoMount", "PrivateTmp", "NoNewPrivileges",
             "User", "Group", "NoAdmin", "CapabilitiesToDrop", "SupplementaryGroups", "CommandLine"]
    readonly = ["ActiveProcesses", "TotalProcesses", "TotalUserTime", "TotalKernelTime",
                "PeakProcessMemoryUsed", "PeakJobMemoryUsed", "MemoryUsed"]
    for n in live:
        assert props[n]["live"] is True, n
    for n in later:
        assert props[n]["live"] is False, n
    for n in readonly:
        assert props[n]["readonly"] is True, n
    assert props["JobMemoryLimitAction"]["enum"] == ["KillJob", "KillProcess"]
    assert props["JobMemoryLimitAction"]["default"] == "KillJob"
    assert props["PriorityClass"]["enum"] == ["Idle", "BelowNormal", "Normal", "AboveNormal", "High"]
    assert props["EndOfJobTimeAction"]["enum"] == ["Terminate", "Post"]
    assert props["DieOnUnhandledException"]["default"] == "1"
    # Where per-process events are counts, the table says so.
    assert_matches(props["TotalProcesses"]["description"], r"network namespace", r"lower bound")


# ---- CreateJobObject / AssignProcessToJobObject -----------------------------

def test_processes_start_inside_every_cgroup(wp):
    require_v1()
    rep = wp.path("report.json")
    d, rid, pid = start(wp, {"CommandLine": app("--report", rep)})
    info = wait_file(rep)
    # The v2 cgroup from clone3, every v1 one before execve: the report is
    # written by the program itself, so it never ran outside the job.
    v2 = [l for l in info["cgroups"] if l.startswith("0::")][0][3:]
    want_v2 = "/" + os.path.relpath(wp.resource_cgroup(rid), conftest.cgroup2_mount())
    assert v2 == want_v2
    mine = v1_cgroups(pid)
    for c in V1:
        want = "/" + os.path.relpath(v1_dir(wp, c, rid), MOUNTS[c])
        assert mine[c] == want, f"{c}: in {mine[c]}, not in the job's {want}"
        assert pid in [int(x) for x in read(os.path.join(v1_dir(wp, c, rid), "cgroup.procs")).split()]
    # Never at a fixed path at the root: under the monitor's own cgroup.
    assert v1_dir(wp, "memory", rid).startswith(os.path.join(MOUNTS["memory"], OWN["memory"].lstrip("/")))
    # A new cpuset got its parent's cpus and mems.
    assert read(os.path.join(v1_dir(wp, "cpuset", rid), "cpuset.cpus")) != ""
    assert read(os.path.join(v1_dir(wp, "cpuset", rid), "cpuset.mems")) != ""
    d.offline(rid)
    d.ok({"type": "close", "resource": rid})
    assert_gone(wp, rid)
    for c in V1:
        assert not os.path.exists(v1_dir(wp, c)), f"base {v1_dir(wp, c)} left"


def test_ready_check_runs_in_the_job(wp):
    """Every process of the resource is in the job: ReadyCheck too."""
    require_v1()
    rid = wp.new_id("j")
    mem = "/" + os.path.relpath(v1_dir(wp, "memory", rid), MOUNTS["memory"])
    check = shlex.join(["/bin/grep", "-qx", f"[0-9]*:memory:{mem}", "/proc/self/cgroup"])
    d, rid, pid = start(wp, {"CommandLine": app(), "ReadyCheck": check, "JobMemoryLimit": "100M"}, rid=rid)
    d.offline(rid)


def test_child_setup_failure_says_which_step(wp):
    """PrivateTmp hides the host's /tmp: a working directory there is
    missing in the job, and online says so precisely."""
    d = wp.driver()
    rid = wp.new_id("j")
    d.open(rid, "genjob", {"CommandLine": app(), "PrivateTmp": "1", "CurrentDirectory": wp.work_dir},
           common=NO_POLL)
    rep = d.request({"type": "online", "resource": rid})
    assert rep["error"] != 0
    assert_matches(message_of(rep), r"cannot change directory to", re_escape(wp.work_dir), r"private /tmp")
    assert_gone(wp, rid)


# ---- completion port, NewProcess / ExitProcess ----------------------------------

def test_total_processes_and_counts(wp):
    up = wp.path("up")
    d, rid, pid = start(wp, {"CommandLine": app("--children", "10", "--up", up)})
    wait_file(up)
    assert wait_until(lambda: int(d.get_properties(rid)["TotalProcesses"]) >= 11, 3.0), \
        d.get_properties(rid)
    props = d.get_properties(rid)
    assert int(props["ActiveProcesses"]) == 1
    ev = log_of(d, "GENJOB_NEW_PROCESS", timeout=3)
    assert_matches(ev["text"], r"\b10 new process")
    log_of(d, "GENJOB_EXIT_PROCESS", timeout=3)
    d.offline(rid)


def test_counts_without_process_events(wp, monkeypatch):
    """In a network namespace of its own the kernel's process events are
    missing: the job counts by sampling and says so."""
    wrapper = wp.path("netns-driver")
    with open(wrapper, "w") as f:
        f.write(f"#!/bin/sh\nexec unshare --net {shlex.quote(conftest.DRIVER)} \"$@\"\n")
    os.chmod(wrapper, 0o755)
    monkeypatch.setattr(conftest, "DRIVER", wrapper)
    up = wp.path("up")
    d, rid, pid = start(wp, {"CommandLine": app("--fork-bomb", "3", "--forks", wp.path("f"), "--up", up)})
    ev = log_of(d, "GENJOB_PROCESS_EVENTS")
    assert_matches(ev["text"], r"counts", r"network namespace")
    wait_file(up)
    assert wait_until(lambda: int(d.get_properties(rid)["TotalProcesses"]) >= 4, 3.0), d.get_properties(rid)
    log_of(d, "GENJOB_NEW_PROCESS", match="sampling", timeout=3)
    d.offline(rid)


def test_use_shell_runs_the_text_as_written(wp):
    # genjob shares genapp's core: the shell gets CommandLine verbatim.
    out = wp.path("out")
    script = f'printf "%s|" "a  b" \'c;d\' > {out}; exec sleep 1000'
    d, rid, pid = start(wp, {"CommandLine": script, "UseShell": "1"})
    assert wait_file(out) == "a  b|c;d|"
    assert d.get_properties(rid)["CommandLine"] == script
    d.offline(rid)


# ---- ACTIVE_PROCESS_ZERO -----------------------------------------------------------

def test_empty_while_online_fails(wp):
    d, rid, pid = start(wp, {"CommandLine": app("--exit-after", "0.3")})
    ev = d.wait_state(rid, "Failed", timeout=5)
    assert_matches(reason_of(ev), r"exit")
    log_of(d, "GENJOB_ACTIVE_PROCESS_ZERO")
    assert_gone(wp, rid)


def test_empty_while_offline_is_the_end(wp):
    d, rid, pid = start(wp, {"CommandLine": app()})
    m = d.mark()
    ev = d.offline(rid)
    assert ev["state"] == "Offline", reason_of(ev)
    ev = log_of(d, "GENJOB_ACTIVE_PROCESS_ZERO", since=m)
    assert ev["level"] == "info"
    assert "Failed" not in d.states(rid, m)


# ---- PerProcessUserTimeLimit -------------------------------------------------------

def test_per_process_time_kills_the_spinner_alone(wp):
    child = wp.path("child")
    d, rid, pid = start(wp, {"CommandLine": app("--spin-child", child), "PerProcessUserTimeLimit": "1s"})
    spinner = int(wait_file(child))
    with open(f"/proc/{pid}/limits") as f:
        assert_matches(f.read(), r"Max cpu time\s+1\s+2\s+seconds")
    m = d.mark()
    assert wait_until(lambda: not alive(spinner), 5.0), "the spinning child still runs"
    ev = log_of(d, "GENJOB_END_OF_PROCESS_TIME", since=m)
    assert_matches(ev["text"], str(spinner), r"XCPU")
    # It died alone: the job and its main process go on.
    assert alive(pid)
    assert d.last_state(rid) == "Online"
    d.offline(rid)


# ---- PerJobUserTimeLimit, EndOfJobTimeAction ---------------------------------------

def test_per_job_time_terminate(wp):
    d, rid, pid = start(wp, {"CommandLine": app("--spin"), "PerJobUserTimeLimit": "400ms"})
    ev = d.wait_state(rid, "Failed", timeout=5)
    assert_matches(reason_of(ev), r"PerJobUserTimeLimit")
    log_of(d, "GENJOB_END_OF_JOB_TIME")
    assert not alive(pid)
    assert_gone(wp, rid)


def test_per_job_time_post(wp):
    d, rid, pid = start(wp, {"CommandLine": app("--spin"), "PerJobUserTimeLimit": "300ms",
                             "EndOfJobTimeAction": "Post"})
    ev = log_of(d, "GENJOB_END_OF_JOB_TIME", timeout=5)
    assert_matches(ev["text"], r"Post")
    time.sleep(0.3)
    assert alive(pid)
    assert d.last_state(rid) == "Online"
    assert len(d.logs("GENJOB_END_OF_JOB_TIME")) == 1, "posted more than once"
    d.offline(rid)


# ---- Minimum/MaximumWorkingSetSize ---------------------------------------------------

def test_working_set(wp):
    require_v1()
    d = wp.driver()
    rid = wp.new_id("j")
    d.open(rid, "genjob", {"CommandLine": app(), "MinimumWorkingSetSize": "16M"}, common=NO_POLL)
    rep = d.request({"type": "online", "resource": rid})
    assert rep["error"] != 0
    assert_matches(message_of(rep), r"MinimumWorkingSetSize", r"memory\.low", r"v1")
    assert not os.path.exists(wp.resource_cgroup(rid)) or cgroup_procs(wp.resource_cgroup(rid)) == []

    d, rid, pid = start(wp, {"CommandLine": app(), "MaximumWorkingSetSize": "48M"}, d=d)
    assert int(read(os.path.join(v1_dir(wp, "memory", rid), "memory.soft_limit_in_bytes"))) == 48 << 20
    d.offline(rid)


# ---- ActiveProcessLimit --------------------------------------------------------------

def test_fork_bomb_stops_at_active_process_limit(wp):
    require_v1()
    forks = wp.path("forks")
    d, rid, pid = start(wp, {"CommandLine": app("--fork-bomb", "200", "--forks", forks),
                             "ActiveProcessLimit": "8"})
    res = wait_file(forks)
    assert res["errno"] == 11, res  # EAGAIN
    assert res["started"] <= 7
    assert int(read(os.path.join(v1_dir(wp, "pids", rid), "pids.max"))) == 8
    assert len(cgroup_procs(wp.resource_cgroup(rid))) <= 8
    ev = log_of(d, "GENJOB_ACTIVE_PROCESS_LIMIT", timeout=3)
    assert_matches(ev["text"], r"ActiveProcessLimit 8")
    d.offline(rid)
    assert_gone(wp, rid)


def test_active_process_limit_lowered_online(wp):
    require_v1()
    go, forks = wp.path("go"), wp.path("forks")
    d, rid, pid = start(wp, {"CommandLine": app("--wait-for", go, "--fork-bomb", "10", "--forks", forks),
                             "ActiveProcessLimit": "50"})
    m = d.mark()
    rep = set_props(d, rid, ActiveProcessLimit="3")
    assert rep["error"] == 0, rep
    assert "ActiveProcessLimit" in rep["applied"]
    # Written at once, and said so.
    assert int(read(os.path.join(v1_dir(wp, "pids", rid), "pids.max"))) == 3
    ev = log_of(d, "GENJOB_LIMIT_CHANGED", since=m)
    assert_matches(ev["text"], r"ActiveProcessLimit changed from 50 to 3", r"pids\.max")
    # It takes effect: the job cannot grow past it.
    with open(go, "w"):
        pass
    res = wait_file(forks)
    assert res["errno"] == 11 and res["started"] == 2, res
    log_of(d, "GENJOB_ACTIVE_PROCESS_LIMIT", since=m)
    d.offline(rid)


# ---- Affinity ------------------------------------------------------------------------

def test_affinity_narrowed(wp):
    require_v1()
    online = read("/sys/devices/system/cpu/online")
    d, rid, pid = start(wp, {"CommandLine": app(), "Affinity": "0-7"})
    ev = log_of(d, "GENJOB_AFFINITY_NARROWED")
    assert_matches(ev["text"], r"0-7", online)
    assert read(os.path.join(v1_dir(wp, "cpuset", rid), "cpuset.cpus")) == online
    assert read(f"/proc/{pid}/status").find("Cpus_allowed_list:\t" + online) >= 0
    d.offline(rid)


def test_affinity_empty_fails(wp):
    online = read("/sys/devices/system/cpu/online")
    cpus = os.cpu_count()
    d = wp.driver()
    rid = wp.new_id("j")
    d.open(rid, "genjob", {"CommandLine": app(), "Affinity": str(cpus + 3)}, common=NO_POLL)
    rep = d.request({"type": "online", "resource": rid})
    assert rep["error"] != 0
    assert_matches(message_of(rep), r"Affinity", rf"\b{cpus + 3}\b", online)
    assert_gone(wp, rid)


# ---- PriorityClass, SchedulingClass -------------------------------------------------------

def test_priority_and_scheduling_class(wp):
    require_v1()
    rep = wp.path("r")
    d, rid, pid = start(wp, {"CommandLine": app("--report", rep), "PriorityClass": "BelowNormal",
                             "SchedulingClass": "7"})
    assert wait_file(rep)["nice"] == 10
    assert int(read(os.path.join(v1_dir(wp, "cpu", rid), "cpu.shares"))) == 250 * 1024 // 100
    m = d.mark()
    assert set_props(d, rid, PriorityClass="Idle")["error"] == 0
    assert os.getpriority(os.PRIO_PROCESS, pid) == 19
    log_of(d, "GENJOB_LIMIT_CHANGED", since=m, match="PriorityClass")
    d.offline(rid)


# ---- ProcessMemoryLimit, JobMemoryLimit, JobMemoryLimitAction -----------------------

def test_process_memory_limit(wp):
    rep = wp.path("r")
    d, rid, pid = start(wp, {"CommandLine": app("--report", rep), "ProcessMemoryLimit": "1G"})
    assert wait_file(rep)["rlimit_as"] == [1 << 30, 1 << 30]
    # Lowered while online: every running process at once.
    assert set_props(d, rid, ProcessMemoryLimit="512M")["error"] == 0
    with open(f"/proc/{pid}/limits") as f:
        assert_matches(f.read(), rf"Max address space\s+{512 << 20}\s+{512 << 20}")
    # Raising a hard limit needs CAP_SYS_RESOURCE: done, or refused saying so.
    rep = set_props(d, rid, ProcessMemoryLimit="2G")
    if rep["error"] != 0:
        assert_matches(message_of(rep), r"ProcessMemoryLimit", r"CAP_SYS_RESOURCE")
        with open(f"/proc/{pid}/limits") as f:
            assert_matches(f.read(), rf"Max address space\s+{512 << 20}\s+{512 << 20}")
    d.offline(rid)


def test_job_memory_limit_kills_job(wp):
    require_v1()
    d, rid, pid = start(wp, {"CommandLine": app("--hog-child", str(256 << 20)), "JobMemoryLimit": "64M"})
    ev = d.wait_state(rid, "Failed", timeout=10)
    assert_matches(reason_of(ev), r"JobMemoryLimit 64M")
    log_of(d, "GENJOB_JOB_MEMORY_LIMIT")
    assert not alive(pid)
    assert_gone(wp, rid)


def test_job_memory_limit_kill_process(wp):
    require_v1()
    d, rid, pid = start(wp, {"CommandLine": app("--hog-child", str(256 << 20)), "JobMemoryLimit": "64M",
                             "JobMemoryLimitAction": "KillProcess"})
    assert int(read(os.path.join(v1_dir(wp, "memory", rid), "memory.limit_in_bytes"))) == 64 << 20
    ev = log_of(d, "GENJOB_JOB_MEMORY_LIMIT", timeout=10)
    assert_matches(ev["text"], r"KillProcess")
    time.sleep(0.3)
    assert alive(pid)
    assert d.last_state(rid) == "Online"
    # Raised while online: written at once.
    assert set_props(d, rid, JobMemoryLimit="96M")["error"] == 0
    assert int(read(os.path.join(v1_dir(wp, "memory", rid), "memory.limit_in_bytes"))) == 96 << 20
    log_of(d, "GENJOB_LIMIT_CHANGED", match="JobMemoryLimit changed from 64M to 96M")
    d.offline(rid)


# ---- DIE_ON_UNHANDLED_EXCEPTION -------------------------------------------------------------

def test_die_on_unhandled_exception(wp):
    rep = wp.path("r")
    d, rid, pid = start(wp, {"CommandLine": app("--report", rep, "--crash-child", "--crash-delay", "0.3")})
    assert wait_file(rep)["rlimit_core"] == [0, 0], "core dumps are not off"
    ev = d.wait_state(rid, "Failed", timeout=5)
    assert_matches(reason_of(ev), r"SEGV", r"DieOnUnhandledException")
    log_of(d, "GENJOB_ABNORMAL_EXIT_PROCESS", match="SEGV")


def test_unhandled_exception_logged_only_when_off(wp):
    d, rid, pid = start(wp, {"CommandLine": app("--crash-child"), "DieOnUnhandledException": "0"})
    ev = log_of(d, "GENJOB_ABNORMAL_EXIT_PROCESS", timeout=5)
    assert_matches(ev["text"], r"signal 11|SEGV")
    time.sleep(0.2)
    assert d.last_state(rid) == "Online"
    d.offline(rid)


# ---- BREAKAWAY_OK, SILENT_BREAKAWAY_OK ------------------------------------------------------

def kill_later(request, pid):
    def kill():
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    request.addfinalizer(kill)


def test_breakaway(wp, request):
    require_v1()
    out = wp.path("b")
    d, rid, pid = start(wp, {"CommandLine": app("--breakaway", out, "--breakaway-bin", BREAKAWAY),
                             "BreakawayOk": "1"})
    res = wait_file(out)
    kill_later(request, res["pid"])
    assert res["rc"] is None, res["message"]
    child = res["pid"]
    log_of(d, "GENJOB_BREAKAWAY", match=str(child))
    # It left every hierarchy, the v1 ones included.
    assert child not in cgroup_procs(wp.resource_cgroup(rid))
    for c, path in v1_cgroups(child).items():
        assert path == OWN[c], f"{c}: {path}"
    assert int(d.get_properties(rid)["ActiveProcesses"]) == 1
    # It survives offline.
    d.offline(rid)
    assert not alive(pid)
    assert alive(child)
    assert_gone(wp, rid)


def test_breakaway_refused(wp):
    out = wp.path("b")
    d, rid, pid = start(wp, {"CommandLine": app("--breakaway", out, "--breakaway-bin", BREAKAWAY)})
    res = wait_file(out)
    assert res["rc"] == 1
    assert_matches(res["message"], r"BreakawayOk is off")
    assert res["pid"] not in cgroup_procs(wp.resource_cgroup(rid))  # it exited, in the job
    d.offline(rid)


def children_of(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def test_silent_breakaway(wp, request):
    require_v1()
    forks = wp.path("f")
    up = wp.path("up")
    d, rid, pid = start(wp, {"CommandLine": app("--fork-bomb", "3", "--grandchildren", "--forks", forks,
                                                "--up", up),
                             "SilentBreakawayOk": "1"})
    wait_file(up)
    assert wait_until(lambda: len(d.logs("GENJOB_BREAKAWAY")) >= 3, 3.0), d.dump()
    kids = children_of(pid)
    assert len(kids) == 3
    # What the children forked at once, before or after they were moved,
    # is out of the job too.
    assert wait_until(lambda: all(len(children_of(k)) == 1 for k in kids), 3.0)
    tree = kids + [g for k in kids for g in children_of(k)]
    for k in tree:
        kill_later(request, k)
    time.sleep(0.2)
    for k in tree:
        assert v1_cgroups(k)["pids"] == OWN["pids"], k
    assert cgroup_procs(wp.resource_cgroup(rid)) == [pid]
    props = d.get_properties(rid)
    assert props["ActiveProcesses"] == "1" and props["TotalProcesses"] == "1", props
    d.offline(rid)
    assert all(alive(k) for k in tree)


# ---- KILL_ON_JOB_CLOSE / TerminateJobObject --------------------------------------------------

def test_offline_leaves_nothing(wp):
    daemon = wp.path("daemon")
    d, rid, pid = start(wp, {"CommandLine": app("--daemon", daemon, "--ignore-term"), "StopTimeout": "500ms"})
    dpid = int(wait_file(daemon))
    assert os.getsid(dpid) != os.getsid(pid), "not a daemon: still in the main process's session"
    ev = d.offline(rid)
    assert ev["state"] == "Offline"
    assert not alive(dpid) and not alive(pid)
    assert_gone(wp, rid)


def test_terminate(wp):
    daemon = wp.path("daemon")
    d, rid, pid = start(wp, {"CommandLine": app("--daemon", daemon, "--ignore-term")})
    dpid = int(wait_file(daemon))
    rep = d.ok({"type": "terminate", "resource": rid})
    assert rep["state"] == "Offline"
    assert not alive(dpid) and not alive(pid)
    assert_gone(wp, rid)


# ---- system restrictions -----------------------------------------------------------------

def test_restrictions(wp):
    out = wp.path("p")
    d, rid, pid = start(wp, {"CommandLine": app("--probe", out), "NoReboot": "1", "NoClockChange": "1",
                             "NoHostnameChange": "1", "NoMount": "1"})
    res = wait_file(out)
    for call in ("reboot", "adjtimex", "clock_settime", "sethostname", "mount"):
        assert res[call] == 1, f"{call}: errno {res[call]}, not EPERM"  # EPERM
    d.offline(rid)


@pytest.mark.parametrize("prop,calls", [
    ("NoReboot", ["reboot"]),
    ("NoClockChange", ["adjtimex", "clock_settime"]),
    ("NoHostnameChange", ["sethostname"]),
    ("NoMount", ["mount"]),
])
def test_one_restriction_each(wp, prop, calls):
    out = wp.path("p")
    d, rid, pid = start(wp, {"CommandLine": app("--probe", out), prop: "1"})
    res = wait_file(out)
    for call, err in res.items():
        if call in calls:
            assert err == 1, f"{prop}: {call} gives errno {err}, not EPERM"
        else:
            assert err != 1, f"{prop} also refuses {call}"
    d.offline(rid)


def test_restrictions_off(wp):
    """The probes are harmless: without the restrictions they fail all the
    same, with EINVAL or ENOENT."""
    out = wp.path("p")
    d, rid, pid = start(wp, {"CommandLine": app("--probe", out)})
    res = wait_file(out)
    assert res["reboot"] == 22 and res["adjtimex"] == 22 and res["clock_settime"] == 22, res
    assert res["mount"] == 2, res
    d.offline(rid)


def test_private_tmp(wp):
    # The job cannot see the test's directory (it is below /tmp): it
    # reports on its standard output, the resource's log file. The
    # application itself is copied outside /tmp, for a checkout that lives
    # there.
    script = "/dev/shm/wp-jobapp-%d-%s.py" % (os.getpid(), os.path.basename(wp.path("x")))
    shutil.copy(JOBAPP, script)
    try:
        d, rid, pid = start(wp, {"CommandLine": shlex.join([PYTHON, script, "--report", "-", "--tmp-marker"]),
                                 "PrivateTmp": "1"})
        log = os.path.join(wp.state_dir, "resources", rid, "output.log")
        info = wait_file(log, want_json=True)
        marker = info["tmp_written"]
        assert marker.startswith("/tmp/jobapp-"), marker
        assert not os.path.exists(marker), "the job's /tmp is the host's"
        assert info["tmp"] == [os.path.basename(marker)], info["tmp"]
        d.offline(rid)
        assert not os.path.exists(os.path.join(wp.state_dir, "resources", rid, "job-tmp"))
    finally:
        os.unlink(script)


# ---- security limits -----------------------------------------------------------------------

def test_nobody_no_admin(wp):
    rep = wp.path("r")
    d, rid, pid = start(wp, {"CommandLine": app("--report", rep), "User": "nobody", "NoAdmin": "1",
                             "NoNewPrivileges": "1", "CurrentDirectory": wp.work_dir})
    info = wait_file(rep)
    assert info["uid"] == 65534
    assert int(info["CapEff"], 16) == 0 and int(info["CapPrm"], 16) == 0
    assert int(info["CapBnd"], 16) == 0, "capabilities left in the bounding set"
    assert info["NoNewPrivs"] == "1"
    status = read(f"/proc/{pid}/status")
    assert "CapEff:\t0000000000000000" in status and "NoNewPrivs:\t1" in status
    d.offline(rid)


def test_no_admin_refuses_root(wp):
    d = wp.driver()
    rid = wp.new_id("j")
    rep = d.request({"type": "open", "resource": rid, "name": rid, "rtype": "genjob",
                     "properties": {"CommandLine": app(), "NoAdmin": "1"}, "common": {}})
    assert rep["error"] != 0
    assert_matches(message_of(rep), r"NoAdmin", r"root", r"User")


def test_capabilities_to_drop(wp):
    rep = wp.path("r")
    d, rid, pid = start(wp, {"CommandLine": app("--report", rep),
                             "CapabilitiesToDrop": "CAP_NET_RAW sys_admin"})
    info = wait_file(rep)
    for field in ("CapEff", "CapPrm", "CapBnd"):
        v = int(info[field], 16)
        assert not v & (1 << 13) and not v & (1 << 21), f"{field} {info[field]}"
        assert v & 1, f"{field} lost CAP_CHOWN too"
    d.offline(rid)


def test_supplementary_groups(wp):
    rep = wp.path("r")
    d, rid, pid = start(wp, {"CommandLine": app("--report", rep), "User": "nobody",
                             "SupplementaryGroups": "100 daemon", "CurrentDirectory": wp.work_dir})
    info = wait_file(rep)
    assert sorted(info["groups"]) == [1, 100], info["groups"]
    d.offline(rid)


# ---- properties ----------------------------------------------------------------------------

BAD = [
    ("PerProcessUserTimeLimit", "500ms", r"1s or more"),
    ("PerProcessUserTimeLimit", "soon", r"PerProcessUserTimeLimit"),
    ("PerJobUserTimeLimit", "1ms", r"10ms or more"),
    ("EndOfJobTimeAction", "Kill", r"EndOfJobTimeAction.*Terminate.*Post"),
    ("MinimumWorkingSetSize", "lots", r"MinimumWorkingSetSize"),
    ("MaximumWorkingSetSize", "-1", r"MaximumWorkingSetSize"),
    ("ActiveProcessLimit", "-3", r"ActiveProcessLimit"),
    ("ActiveProcessLimit", "many", r"ActiveProcessLimit"),
    ("Affinity", "3-1", r"Affinity.*backwards"),
    ("Affinity", "0,,2", r"Affinity"),
    ("PriorityClass", "Realtime", r"PriorityClass.*Idle.*High"),
    ("SchedulingClass", "10", r"SchedulingClass"),
    ("ProcessMemoryLimit", "4K", r"ProcessMemoryLimit.*1M or more"),
    ("JobMemoryLimit", "100", r"JobMemoryLimit.*1M or more"),
    ("JobMemoryLimitAction", "KillAll", r"JobMemoryLimitAction.*KillJob.*KillProcess"),
    ("DieOnUnhandledException", "maybe", r"DieOnUnhandledException"),
    ("BreakawayOk", "2", r"BreakawayOk"),
    ("SilentBreakawayOk", "x", r"SilentBreakawayOk"),
    ("NoReboot", "x", r"NoReboot"),
    ("NoClockChange", "x", r"NoClockChange"),
    ("NoHostnameChange", "x", r"NoHostnameChange"),
    ("NoMount", "x", r"NoMount"),
    ("PrivateTmp", "x", r"PrivateTmp"),
    ("NoNewPrivileges", "x", r"NoNewPrivileges"),
    ("NoAdmin", "x", r"NoAdmin"),
    ("CapabilitiesToDrop", "CAP_FLY", r"CapabilitiesToDrop.*CAP_FLY.*not a capability"),
    ("SupplementaryGroups", "wheel none", r"SupplementaryGroups.*none"),
    ("SupplementaryGroups", "a:b", r"SupplementaryGroups.*neither a group name"),
    ("ActiveProcesses", "3", r"ActiveProcesses.*read-only|ActiveProcesses"),
]


def test_bad_values(wp):
    d = wp.driver()
    rid = wp.new_id("j")
    d.open(rid, "genjob", {"CommandLine": app()}, common=NO_POLL)
    for name, value, pattern in BAD:
        rep = set_props(d, rid, **{name: value})
        assert rep["error"] != 0, f"{name}={value!r} accepted"
        assert_matches(message_of(rep), pattern)
    rep = set_props(d, rid, MinimumWorkingSetSize="64M", MaximumWorkingSetSize="32M")
    assert rep["error"] != 0
    assert_matches(message_of(rep), r"MinimumWorkingSetSize.*above MaximumWorkingSetSize")


def test_live_and_next_online(wp):
    require_v1()
    rep_file = wp.path("r")
    d, rid, pid = start(wp, {"CommandLine": app("--report", rep_file), "JobMemoryLimit": "200M"})
    assert wait_file(rep_file)["Seccomp"] == "0"
    m = d.mark()
    rep = set_props(d, rid, JobMemoryLimit="300M", NoReboot="1")
    assert rep["error"] == 0, rep
    assert rep["applied"] == ["JobMemoryLimit"] and rep["next_online"] == ["NoReboot"], rep
    assert int(read(os.path.join(v1_dir(wp, "memory", rid), "memory.limit_in_bytes"))) == 300 << 20
    log_of(d, "GENJOB_LIMIT_CHANGED", since=m, match="from 200M to 300M")
    log_of(d, "RESOURCE_PROPERTIES_DEFERRED", since=m)
    d.offline(rid)
    # The next online has both.
    os.unlink(rep_file)
    ev = d.online(rid)
    assert ev["state"] == "Online", reason_of(ev)
    info = wait_file(rep_file)
    assert info["Seccomp"] == "2", "NoReboot not in force after the next online"
    assert int(read(os.path.join(v1_dir(wp, "memory", rid), "memory.limit_in_bytes"))) == 300 << 20
    d.offline(rid)


def test_missing_controller_fails_clearly(wp, monkeypatch):
    """A job root without the memory and pids controllers (this host's
    cgroup2 tree has none): the limits that need them fail online, saying
    which controller is missing; a job without them runs."""
    monkeypatch.setenv("WOLFPACK_CGROUP_ROOT", conftest.cgroup2_mount())
    d = wp.driver()
    rid = wp.new_id("j")
    d.open(rid, "genjob", {"CommandLine": app(), "JobMemoryLimit": "64M"}, common=NO_POLL)
    rep = d.request({"type": "online", "resource": rid})
    assert rep["error"] != 0
    assert_matches(message_of(rep), r"JobMemoryLimit", r"memory controller is missing", conftest.cgroup2_mount())
    rid2 = wp.new_id("j")
    d.open(rid2, "genjob", {"CommandLine": app(), "ActiveProcessLimit": "5"}, common=NO_POLL)
    rep = d.request({"type": "online", "resource": rid2})
    assert_matches(message_of(rep), r"ActiveProcessLimit", r"pids controller is missing")
    d, rid3, pid = start(wp, {"CommandLine": app()}, d=d)
    assert d.last_state(rid3) == "Online"
    rep = set_props(d, rid3, JobMemoryLimit="64M")
    assert rep["error"] != 0
    assert_matches(message_of(rep), r"memory controller is missing")
    d.offline(rid3)


# ---- probe: a job found running ----------------------------------------------------------

def test_probe_adopts_the_job(wp):
    require_v1()
    props = {"CommandLine": app(), "JobMemoryLimit": "100M", "ActiveProcessLimit": "20"}
    d, rid, pid = start(wp, props)
    d.command({"type": "kill-monitor", "signal": 9})
    d.wait_for(lambda ev: ev.get("type") == "monitor-exit", 5, what="monitor-exit")
    d.proc.wait(5)
    d.expect_exit = 1
    assert alive(pid)
    d2 = wp.driver()
    d2.open(rid, "genjob", props, common=NO_POLL)
    rep = d2.ok({"type": "probe", "resource": rid})
    assert rep["running"] is True and rep["state"] == "Online", rep
    log_of(d2, "GENJOB_ADOPTED")
    assert int(d2.get_properties(rid)["ActiveProcesses"]) == 1
    # The adopted job is managed: limits change live, offline removes it.
    assert set_props(d2, rid, JobMemoryLimit="120M")["error"] == 0
    assert int(read(os.path.join(v1_dir(wp, "memory", rid), "memory.limit_in_bytes"))) == 120 << 20
    d2.offline(rid)
    assert not alive(pid)
    assert_gone(wp, rid)
