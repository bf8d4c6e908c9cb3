# SPDX-License-Identifier: LGPL-2.1-or-later
"""The split-brain witness: the checker (witness.py) on logs written by
hand, then the test application's records on a one-node cluster, as root
and as nobody."""

import json
import os
import shutil
import signal
import tempfile
import time

import pytest

import testapps
import witness
from cluster import Cluster


def rec(t, event, node, pid, name="g1"):
    return json.dumps({"t": t, "event": event, "name": name, "node": node, "pid": pid}) + "\n"


def run(node, pid, start, end, step=0.05, stop=True, name="g1"):
    """The lines of one run: start, alive every step, stop (or not: killed)."""
    lines = [rec(start, "start", node, pid, name)]
    t = start + step
    while t < end - 1e-9:
        lines.append(rec(round(t, 6), "alive", node, pid, name))
        t += step
    lines.append(rec(end, "stop" if stop else "alive", node, pid, name))
    return lines


def check(tmp_path, *parts):
    path = tmp_path / "witness.log"
    path.write_text("".join(line for part in parts for line in (part if isinstance(part, list) else [part])))
    return witness.check(str(path)), str(path)


def test_two_nodes_at_once_is_an_overlap_with_an_account(tmp_path):
    report, path = check(tmp_path, run("n1", 100, 10.0, 12.0, stop=False), run("n2", 200, 11.5, 14.0))
    assert not report.ok
    assert len(report.overlaps) == 1
    o = report.overlaps[0]
    assert {o.a.node, o.b.node} == {"n1", "n2"} and o.a.name == "g1"
    assert o.since == 11.5 and o.until == 12.0 and abs(o.ms - 500.0) < 1e-6
    assert abs(report.overlap_ms_max() - 500.0) < 1e-6
    with pytest.raises(AssertionError) as e:
        witness.assert_no_overlap(path)
    text = str(e.value)
    assert "SPLIT BRAIN" in text and "g1 ran on n1 and n2 at once: for 500.0 ms" in text, text
    assert "from 11.500 (+1.500 s) to 12.000 (+2.000 s)" in text, text
    assert "n1 (pid 100, 10.000 (+0.000 s) to 12.000 (+2.000 s), last alive)" in text, text
    assert "n2 (pid 200, 11.500 (+1.500 s) to 14.000 (+4.000 s), stopped)" in text, text
    assert witness.main([path]) == 1


def test_runs_that_only_touch_do_not_overlap(tmp_path):
    report, path = check(tmp_path, run("n1", 100, 10.0, 12.0), run("n2", 200, 12.0, 13.0), run("n3", 300, 13.0, 14.0))
    assert report.ok, report.text()
    assert [(h.before.node, h.after.node) for h in report.handovers] == [("n1", "n2"), ("n2", "n3")]
    assert [h.gap_ms for h in report.handovers] == [0.0, 0.0]
    assert witness.assert_no_overlap(path) is not None
    assert witness.main([path]) == 0


def test_a_killed_run_ends_at_its_last_alive(tmp_path):
    # Killed at about 12.02: its last alive says 12.0; the next start at 12.1
    # is a handover of 100 ms.
    report, _ = check(tmp_path, run("n1", 100, 10.0, 12.0, stop=False), run("n2", 200, 12.1, 13.0))
    assert report.ok, report.text()
    (n1,) = report.runs_of("g1", "n1")
    assert n1.end == 12.0 and not n1.stopped and n1.ended() == "last alive"
    (h,) = report.handovers
    assert abs(h.gap_ms - 100.0) < 1e-6
    assert "handover n1 -> n2: 100.0 ms" in report.text(), report.text()
    # Started again before that last alive: an overlap, although n1 never said stop.
    report, _ = check(tmp_path, run("n1", 100, 10.0, 12.0, stop=False), run("n2", 200, 11.95, 13.0))
    assert not report.ok and abs(report.overlaps[0].ms - 50.0) < 1e-6


def test_a_run_killed_right_after_its_start_still_counts(tmp_path):
    """Only a start record: a point in time, inside another node's run."""
    report, _ = check(tmp_path, run("n1", 100, 10.0, 12.0), rec(11.0, "start", "n2", 200))
    assert not report.ok, report.text()
    o = report.overlaps[0]
    assert o.since == o.until == 11.0
    assert "start only" in report.text()
    # The same point where n1 stops is a touch, not an overlap.
    report, _ = check(tmp_path, run("n1", 100, 10.0, 12.0), rec(12.0, "start", "n2", 200))
    assert report.ok, report.text()


def test_one_node_only_never_overlaps(tmp_path):
    """Two resources of one group on one node record the same name at
    once; restarts follow each other: no overlap, no handover."""
    report, _ = check(tmp_path, run("n1", 100, 10.0, 12.0), run("n1", 101, 10.0, 12.0),
                      run("n1", 102, 12.5, 13.0, stop=False), run("n1", 103, 13.2, 14.0))
    assert report.ok and not report.handovers, report.text()
    assert len(report.runs_of("g1")) == 4


def test_other_names_do_not_conflict(tmp_path):
    report, _ = check(tmp_path, run("n1", 100, 10.0, 12.0), run("n2", 200, 10.0, 12.0, name="g2"))
    assert report.ok and report.names() == ["g1", "g2"], report.text()


def test_a_reused_pid_starts_a_new_run(tmp_path):
    # n1's pid 100 killed at 11.0, n2 runs 11.5 to 12.5, then a new n1 process that got pid 100 again.
    report, _ = check(tmp_path, run("n1", 100, 10.0, 11.0, stop=False), run("n2", 200, 11.5, 12.5),
                      run("n1", 100, 13.0, 14.0))
    assert report.ok, report.text()
    assert [(r.node, r.start, r.end) for r in report.runs] == [("n1", 10.0, 11.0), ("n2", 11.5, 12.5),
                                                              ("n1", 13.0, 14.0)]


def test_lines_that_are_not_records_are_listed_and_hide_nothing(tmp_path):
    garbage = [
        "not json at all\n",
        "[1, 2]\n",
        json.dumps({"t": 11.0, "event": "start", "name": "g1", "node": "n3"}) + "\n",            # no pid
        json.dumps({"t": "11", "event": "start", "name": "g1", "node": "n3", "pid": 5}) + "\n",  # t a string
        json.dumps({"t": 11.0, "event": "begin", "name": "g1", "node": "n3", "pid": 5}) + "\n",
        json.dumps({"t": 11.0, "event": "start", "name": "g1", "node": "n3", "pid": True}) + "\n",
        "\n",
    ]
    lines = run("n1", 100, 10.0, 12.0)
    lines[3:3] = garbage
    report, _ = check(tmp_path, lines, run("n2", 200, 11.0, 13.0), '{"t": 12.5, "event": "sta')
    assert not report.ok and len(report.overlaps) == 1, report.text()
    assert {r.node for r in report.runs} == {"n1", "n2"}
    assert [(n, why) for n, _, why in report.bad] == [
        (4, "not JSON"), (5, "not a JSON object"), (6, "no pid"), (7, "t is '11'"),
        (8, "event 'begin' is none of start, alive, stop"), (9, "pid is True")]
    text = report.text()
    assert "6 lines that are not records" in text and "line 4: not JSON: 'not json at all'" in text, text


def test_an_empty_or_missing_log_has_no_runs(tmp_path):
    report = witness.check(str(tmp_path / "missing.log"))
    assert report.ok and report.runs == [] and report.overlap_ms_max() == 0.0
    assert "no overlap: 0 runs" in report.text()


# ---- the application's records, on one node ----

@pytest.fixture
def shared():
    """A directory every user can reach, with an empty witness log."""
    d = tempfile.mkdtemp(prefix="wp-wit-")
    os.chmod(d, 0o755)
    locks = os.path.join(d, "locks")
    os.mkdir(locks)
    os.chmod(locks, 0o1777)
    os.mkdir(os.path.join(d, "log"))
    yield locks, witness.new_log(os.path.join(d, "log"))
    shutil.rmtree(d, ignore_errors=True)


def records(path):
    with open(path) as f:
        return witness.parse(f.read())


@pytest.mark.parametrize("user", ["root", "nobody"])
def test_the_application_records_start_alive_and_stop(shared, user):
    locks, log = shared
    assert testapps.reachable_by_others(log)
    c = Cluster()
    try:
        c.cli("group", "create", "wg")
        c.cli("resource", "create", "wr", "--type", "genapp", "--group", "wg", "User=" + user,
              "CommandLine=" + witness.app_command(testapps.FLOCKAPP, os.path.join(locks, "wr.lock"), log, "wg",
                                                   node="n1"))
        before = time.clock_gettime(time.CLOCK_MONOTONIC)
        c.cli("group", "online", "wg")
        c.wait_state("group", "wg", "Online")
        pid = int(c.resource("wr")["properties"]["ProcessId"])
        time.sleep(0.5)
        c.cli("group", "offline", "wg")
        c.wait_state("group", "wg", "Offline")
        after = time.clock_gettime(time.CLOCK_MONOTONIC)
    finally:
        left = c.close()
    assert not left
    recs, bad = records(log)
    assert not bad, bad
    assert {(r.name, r.node, r.pid) for r in recs} == {("wg", "n1", pid)}
    events = [r.event for r in recs]
    assert events[0] == "start" and events[-1] == "stop" and set(events[1:-1]) == {"alive"}, events
    # Every 50 ms: at least 5 in the half second it was left alone.
    assert events.count("alive") >= 5, events
    assert before <= recs[0].t <= recs[-1].t <= after
    report = witness.assert_no_overlap(log)
    assert len(report.runs) == 1 and report.runs[0].stopped
    assert os.stat(log).st_uid == 0, "the log stays the test's"


def test_a_killed_application_ends_at_its_last_alive(shared):
    locks, log = shared
    c = Cluster()
    try:
        c.cli("group", "create", "wg")
        c.cli("resource", "create", "wr", "--type", "genapp", "--group", "wg", "RestartAction=0",
              "CommandLine=" + witness.app_command(testapps.FLOCKAPP, os.path.join(locks, "wr.lock"), log, "wg",
                                                   node="n1"))
        c.cli("group", "online", "wg")
        c.wait_state("group", "wg", "Online")
        pid = int(c.resource("wr")["properties"]["ProcessId"])
        time.sleep(0.3)
        killed = time.clock_gettime(time.CLOCK_MONOTONIC)
        os.kill(pid, signal.SIGKILL)
        c.wait_state("resource", "wr", "Failed")
    finally:
        left = c.close()
    assert not left
    (r,) = witness.check(log).runs
    assert not r.stopped and r.ended() == "last alive"
    # Bounded by the last alive: within two intervals (a loaded machine) before the kill.
    assert killed - 0.1 <= r.end <= killed, (killed, r.end)


def test_a_second_copy_shows_in_the_log_and_in_the_marker(shared):
    """Started while the first holds the lock (on another node, say): its
    start is in the log, the checker finds the overlap, the lock's marker
    says the same."""
    import subprocess
    locks, log = shared
    lock = os.path.join(locks, "wr.lock")
    argv = lambda node: ["/usr/bin/python3", testapps.FLOCKAPP, lock, "--witness", log, "--witness-name", "wg",
                         "--node", node]
    first = subprocess.Popen(argv("n1"))
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(lock + ".up") and time.monotonic() < deadline:
            time.sleep(0.02)
        second = subprocess.run(argv("n2"), timeout=10)
        assert second.returncode == 3
    finally:
        first.terminate()
        first.wait(10)
    report = witness.check(log)
    assert not report.ok, report.text()
    o = report.overlaps[0]
    assert {o.a.node, o.b.node} == {"n1", "n2"}
    assert os.path.exists(lock + ".twice")
    assert all(r.stopped for r in report.runs), report.text()


def test_the_application_refuses_a_log_it_cannot_write(shared, tmp_path):
    import subprocess
    locks, log = shared
    p = subprocess.run(["/usr/bin/python3", testapps.FLOCKAPP, os.path.join(locks, "x.lock"), "--witness",
                        str(tmp_path / "absent.log"), "--node", "n1"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 2 and "absent.log: No such file or directory" in p.stderr, p.stderr
    p = subprocess.run(["/usr/bin/python3", testapps.FLOCKAPP, os.path.join(locks, "x.lock"), "--witness", log],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 2 and "needs --node or --node-file" in p.stderr, p.stderr
    assert not os.path.exists(os.path.join(locks, "x.lock")), "it took the lock although it could not record"
