# SPDX-License-Identifier: LGPL-2.1-or-later
"""Read-only properties through wolfpackd: a resource's accounting
(ProcessId, a job's processes and CPU time) is read from its monitor when
the resource is read, not frozen at the moment it went Online; a monitor
that does not answer gets the last values known, marked with their age;
the type list carries every type's description."""

import os
import re
import signal
import subprocess
import time



BUSY = """\
import os, sys, time
end = time.time() + 1.5
while time.time() < end:
    pass
for _ in range(3):
    if os.fork() == 0:
        time.sleep(1000)
        os._exit(0)
with open(sys.argv[1], "w") as f:
    f.write("done\\n")
time.sleep(1000)
"""

UNITS = {"d": 86400e6, "h": 3600e6, "min": 60e6, "s": 1e6, "ms": 1e3, "us": 1}


def usec(text):
    """A duration as the API writes it ("1s 372ms 12us") in microseconds."""
    parts = re.findall(r"(\d+)\s*(d|h|min|s|ms|us)\b", text)
    assert parts or text.strip() == "0s", text
    return sum(int(n) * UNITS[u] for n, u in parts)



def size(text):
    """A size as the API writes it ("4352K") in bytes."""
    m = re.fullmatch(r"(\d+)([KMGT]?)", text.strip())
    assert m, text
    return int(m.group(1)) * 1024 ** " KMGT".index(m.group(2) or " ")


def monitor_pids(c):
    out = subprocess.run(["pgrep", "-a", "-f", "wolfpack-resmon --fd"], capture_output=True, text=True).stdout
    return [int(line.split()[0]) for line in out.splitlines() if c.dir in line]


def busy_job(c):
    script = os.path.join(c.dir, "busy.py")
    with open(script, "w") as f:
        f.write(BUSY)
    marker = os.path.join(c.dir, "busy.done")
    c.cli("group", "create", "jg")
    c.cli("resource", "create", "j", "--type", "genjob", "--group", "jg",
          "CommandLine=/usr/bin/python3 %s %s" % (script, marker))
    c.cli("resource", "online", "j")
    return marker


def test_job_accounting_is_live(c):
    marker = busy_job(c)
    at_online = usec(c.cli("resource", "get", "j", "TotalUserTime").stdout)
    c.wait_for(lambda: os.path.exists(marker), timeout=20)
    # The CLI (resource get) and the API (GET /v1/resources/R) both read
    # the monitor's values now.
    later = usec(c.cli("resource", "get", "j", "TotalUserTime").stdout)
    assert later - at_online >= 800e3, (at_online, later)
    assert c.wait_for(lambda: c.cli("resource", "get", "j", "ActiveProcesses").stdout.strip() == "4", timeout=5)
    status, res = c.api("GET", "/v1/resources/j")
    assert status == 200, res
    props = res["properties"]
    assert usec(props["TotalUserTime"]) >= later
    assert props["ActiveProcesses"] == "4"
    assert int(props["TotalProcesses"]) >= 4
    assert int(props["ProcessId"]) > 0
    assert res["readonly_stale"] is False
    assert 0 <= res["readonly_age_ms"] < 1000
    c.cli("resource", "offline", "j")
    status, res = c.api("GET", "/v1/resources/j")
    assert "ProcessId" not in res["properties"] or res["properties"]["ProcessId"] in ("", "0")
    assert "readonly_age_ms" not in res


def test_unanswering_monitor_gives_last_values_with_their_age(c):
    marker = busy_job(c)
    c.wait_for(lambda: os.path.exists(marker), timeout=20)
    status, fresh = c.api("GET", "/v1/resources/j")
    assert status == 200 and fresh["readonly_stale"] is False, fresh
    mons = monitor_pids(c)
    assert mons
    for m in mons:
        os.kill(m, signal.SIGSTOP)
    try:
        time.sleep(0.5)
        t0 = time.monotonic()
        status, res = c.api("GET", "/v1/resources/j")
        took = time.monotonic() - t0
    finally:
        for m in mons:
            os.kill(m, signal.SIGCONT)
    assert status == 200, res
    assert took < 3, "the read waited %.1fs for a monitor that does not answer" % took
    assert res["readonly_stale"] is True, res
    assert res["readonly_age_ms"] >= 500, res
    assert res["properties"]["ProcessId"] == fresh["properties"]["ProcessId"]
    assert res["properties"]["ActiveProcesses"] == "4"
    # Once the monitor answers again, so do the values.
    assert c.wait_for(lambda: c.api("GET", "/v1/resources/j")[1]["readonly_stale"] is False, timeout=10)
    c.cli("resource", "offline", "j")


def test_job_accounting_stays_after_the_job_ends(c):
    """What a job used (CPU time, processes, peaks) is still there once it
    has gone Offline, or Failed, until its next online; what it uses now
    (ActiveProcesses, MemoryUsed, ProcessId) is none."""
    marker = busy_job(c)
    c.wait_for(lambda: os.path.exists(marker), timeout=20)
    c.wait_for(lambda: c.cli("resource", "get", "j", "ActiveProcesses").stdout.strip() == "4", timeout=5)
    running = c.api("GET", "/v1/resources/j")[1]["properties"]
    c.cli("resource", "offline", "j")
    status, res = c.api("GET", "/v1/resources/j")
    assert status == 200 and res["state"] == "Offline", res
    ended = res["properties"]
    assert usec(ended.get("TotalUserTime", "0s")) >= max(usec(running["TotalUserTime"]), 800e3), (running, ended)
    assert int(ended.get("TotalProcesses", 0)) >= 4, ended
    assert size(ended.get("PeakJobMemoryUsed", "0")) >= size(running["PeakJobMemoryUsed"]), (running, ended)
    assert ended["ActiveProcesses"] == "0" and ended["MemoryUsed"] == "0", ended
    assert ended.get("ProcessId") in (None, "", "0"), ended
    # They no longer change, so they have no age.
    assert "readonly_age_ms" not in res, res
    # The list serves them too.
    listed = [r for r in c.api("GET", "/v1/resources")[1] if r["name"] == "j"][0]
    assert listed["properties"]["TotalUserTime"] == ended["TotalUserTime"], listed

    # A job that fails keeps its accounting as well: it says what the run
    # that failed used. The next online starts afresh.
    c.cli("resource", "set", "j", "RestartAction=0")
    os.remove(marker)
    c.cli("resource", "online", "j")
    c.wait_for(lambda: os.path.exists(marker), timeout=20)
    fresh = usec(c.cli("resource", "get", "j", "TotalUserTime").stdout)
    assert fresh < usec(ended["TotalUserTime"]) + 800e3, (fresh, ended)
    assert c.wait_for(lambda: c.cli("resource", "get", "j", "ActiveProcesses").stdout.strip() == "4", timeout=5)
    subprocess.run(["pkill", "-KILL", "-f", marker], check=False)
    failed = c.wait_state("resource", "j", "Failed", timeout=10)
    assert usec(failed["properties"].get("TotalUserTime", "0s")) >= 800e3, failed
    assert int(failed["properties"].get("TotalProcesses", 0)) >= 4, failed
    c.cli("resource", "offline", "j")


def test_type_list_has_descriptions_from_the_start(c):
    status, types = c.api("GET", "/v1/types")
    assert status == 200, types
    names = {t["name"]: t["description"] for t in types}
    assert "genapp" in names and "genjob" in names, names
    for name, desc in names.items():
        assert desc, "type %s is listed without its description: %s" % (name, types)
    out = c.cli("type", "list").stdout
    assert re.search(r"genjob\s+\S", out), out


def test_stop_while_a_read_waits_on_a_stopped_monitor_leaks_nothing():
    """wolfpackd built with AddressSanitizer, stopped while reads of a
    resource and a create still wait for their monitor (SIGSTOPped): every
    read and request the monitor never answered is let go, and
    LeakSanitizer finds nothing at exit."""
    import threading
    from cluster import Cluster
    asan = os.path.abspath(os.environ.get("WOLFPACK_ASAN_BUILD") or
                           os.path.join(os.path.dirname(__file__), "..", "..", "build-asan"))
    assert os.path.exists(os.path.join(asan, "src", "wolfpackd")), (
        "%s/src/wolfpackd is missing: this test runs the sanitizer build; `make test` builds it "
        "(or set WOLFPACK_ASAN_BUILD)" % asan)
    logs = None
    c = Cluster(build=asan, env={"ASAN_OPTIONS": "detect_leaks=1", "UBSAN_OPTIONS": "halt_on_error=1"})
    try:
        logs = os.path.join(c.dir, "lsan")
        c.cli("group", "create", "g")
        c.cli("resource", "create", "r", "--type", "genapp", "--group", "g", c.app("r"))
        c.cli("resource", "online", "r")
        mons = monitor_pids(c)
        assert mons
        for m in mons:
            os.kill(m, signal.SIGSTOP)
        try:
            # One read the monitor never answers (given up after 1 s),
            # one still waiting when wolfpackd stops.
            assert c.api("GET", "/v1/resources/r")[1]["readonly_stale"] is True
            # And a create, whose values the monitor is to check.
            def call(*args):
                try:
                    c.api(*args)
                except OSError:
                    pass  # wolfpackd left before answering: so be it
            for args in (("GET", "/v1/resources/r"),
                         ("POST", "/v1/resources", {"name": "r2", "type": "genapp", "group": "g",
                                                    "properties": {"CommandLine": "/bin/true"}})):
                threading.Thread(target=call, args=args, daemon=True).start()
            time.sleep(0.3)
            # The first signal stops the resources (the stopped monitor
            # does not answer); the second leaves at once.
            c.proc.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            c.proc.send_signal(signal.SIGTERM)
            time.sleep(0.5)
        finally:
            for m in mons:
                os.kill(m, signal.SIGCONT)
        rc = c.proc.wait(30)
        out = c.daemon_output()
        assert "LeakSanitizer" not in out and "AddressSanitizer" not in out, out
        assert rc == 0, out
    finally:
        c.close()
