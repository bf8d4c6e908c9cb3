# SPDX-License-Identifier: LGPL-2.1-or-later
"""A monitor against misbehaving plug-ins (build/tests/plugins): a crash,
a hang, asynchronous failure through an eventfd, entry points that must
never overlap, a plug-in of the wrong API version."""

import os
import signal
import time

import pytest

from conftest import alive, assert_matches, message_of, reason_of

NO_POLL = {"LooksAlivePollInterval": "1h", "IsAlivePollInterval": "1h"}


def _monitor_exit(d, timeout=10):
    return d.wait_for(lambda ev: ev.get("type") == "monitor-exit", timeout, what="monitor-exit")


@pytest.mark.parametrize("where", ["online", "looks_alive", "offline"])
def test_crash_names_resource_and_entry_point(wp, plugin_path, where):
    plugin_path("test-crash")
    d = wp.driver()
    monitor = d.wait_attached()["pid"]
    rid = wp.new_id()
    common = {"LooksAlivePollInterval": "200ms"} if where == "looks_alive" else NO_POLL
    d.open(rid, "test-crash", {"CrashIn": where}, common=common)
    d.send({"type": "online", "resource": rid})
    if where == "offline":
        d.wait_state(rid, "Online")
        d.send({"type": "offline", "resource": rid})
    ev = _monitor_exit(d)
    assert ev.get("signal") == signal.SIGSEGV, ev
    assert ev.get("resource") == rid, ev
    assert ev.get("entry_point") == where, ev
    assert not alive(monitor)
    # Only the monitor died: the driver reports it and exits 1.
    d.proc.wait(5)
    d.expect_exit = 1


def test_crash_spares_other_resources(wp, plugin_path):
    plugin_path("test-crash")
    d = wp.driver()
    app = wp.new_id()
    d.open(app, "genapp", wp.genapp_props(app), common=NO_POLL)
    ev = d.online(app)
    assert ev["state"] == "Online", reason_of(ev)
    pid = int(ev["properties"]["ProcessId"])
    bad = wp.new_id()
    d.open(bad, "test-crash", {"CrashIn": "online"}, common=NO_POLL)
    d.send({"type": "online", "resource": bad})
    ev = _monitor_exit(d)
    assert ev.get("resource") == bad and ev.get("entry_point") == "online", ev
    d.proc.wait(5)
    d.expect_exit = 1
    # The application of the other resource still runs ...
    assert alive(pid)
    # ... and a new monitor finds it by probing, without restarting it.
    d2 = wp.driver()
    d2.open(app, "genapp", wp.genapp_props(app), common=NO_POLL)
    rep = d2.ok({"type": "probe", "resource": app})
    assert rep["running"] is True and rep["state"] == "Online", rep
    assert d2.get_properties(app)["ProcessId"] == str(pid)
    d2.offline(app)
    assert not alive(pid)


@pytest.mark.parametrize("where", ["online", "looks_alive"])
def test_hang_caught_by_deadlock_timeout(wp, plugin_path, where):
    plugin_path("test-hang")
    d = wp.driver("--deadlock-timeout", "2s")
    monitor = d.wait_attached()["pid"]
    rid = wp.new_id()
    common = {"LooksAlivePollInterval": "100ms"} if where == "looks_alive" else NO_POLL
    d.open(rid, "test-hang", {"HangIn": where}, common=common)
    m = d.mark()
    d.send({"type": "online", "resource": rid})
    ev = d.wait_for(lambda e: e.get("type") == "deadlock", 8, m, what="deadlock")
    assert ev.get("resource") == rid, ev
    assert ev.get("entry_point") == where, ev
    assert 1900 <= ev.get("after_ms", 0) < 5000, ev
    ev = _monitor_exit(d)
    assert ev.get("signal") == signal.SIGKILL, ev
    assert ev.get("resource") == rid and ev.get("entry_point") == where, ev
    assert not alive(monitor)
    d.proc.wait(5)
    d.expect_exit = 1


def test_eventfd_failure_at_once(wp, plugin_path):
    plugin_path("test-eventfd")
    d = wp.driver()
    rid = wp.new_id()
    d.open(rid, "test-eventfd", {"FailAfter": "300ms"}, common=NO_POLL)
    online = d.online(rid)
    assert online["state"] == "Online", reason_of(online)
    failed = d.wait_state(rid, "Failed", timeout=5)
    assert_matches(reason_of(failed), r"signalled failure")
    took = failed["t_ms"] - online["t_ms"]
    assert 250 <= took < 1300, f"Failed {took} ms after Online"
    # Failed, then online again works (the plug-in was terminated cleanly).
    online = d.online(rid)
    assert online["state"] == "Online"
    d.offline(rid)


def test_count_one_entry_point_at_a_time(wp, plugin_path):
    plugin_path("test-count")
    d = wp.driver()
    rid = wp.new_id()
    d.open(rid, "test-count", {"PendingDelay": "20ms"},
           common={"LooksAlivePollInterval": "50ms", "IsAlivePollInterval": "70ms"})

    # Every kind of request for one resource, back to back: the monitor
    # must queue them, never overlap them.
    reqs = []
    for i in range(15):
        reqs += [
            {"type": "online", "resource": rid},
            {"type": "get-properties", "resource": rid},
            {"type": "set-properties", "resource": rid,
             "properties": {"PendingDelay": f"{10 + i % 3 * 10}ms"}},
            {"type": "get-properties", "resource": rid},
            {"type": "offline", "resource": rid},
            {"type": "set-properties", "resource": rid, "properties": {"PendingDelay": "5ms"}},
        ]
    replies = d.burst(reqs, timeout=40)
    bad = [(q, r) for q, r in zip(reqs, replies) if r.get("error") != 0]
    assert not bad, f"refused: {bad[:3]}"
    d.wait_state(rid, "Offline", since=0)
    states = d.states(rid)
    assert states.count("Online") == 15, states
    assert d.get_properties(rid)["MaxConcurrent"] == "1"

    # Online, with the polls running between requests.
    ev = d.online(rid)
    assert ev["state"] == "Online"
    polls = int(d.get_properties(rid)["Polls"])
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        replies = d.burst([{"type": "get-properties", "resource": rid}] * 10)
        assert all(r.get("error") == 0 for r in replies), replies
        time.sleep(0.03)
    assert d.logs("TEST_COUNT_VIOLATION") == []
    # The polls ran in between (50ms and 70ms apart).
    assert int(d.get_properties(rid)["Polls"]) - polls >= 8
    d.offline(rid)
    assert d.get_properties(rid)["MaxConcurrent"] == "1"

    # terminate aside: it cancels a pending online, and nothing comes late.
    d.ok({"type": "set-properties", "resource": rid, "properties": {"PendingDelay": "1s"}})
    m = d.mark()
    a, b = d.burst([{"type": "online", "resource": rid}, {"type": "terminate", "resource": rid}])
    assert a["error"] == 0 and a["state"] == "OnlinePending", a
    assert b["error"] == 0 and b["state"] == "Offline", b
    time.sleep(1.3)
    assert "Online" not in d.states(rid, m), d.dump(m)
    assert d.get_properties(rid)["MaxConcurrent"] == "1"
    assert d.logs("TEST_COUNT_VIOLATION") == []


def test_polls_go_on_under_set_properties(wp, plugin_path):
    # Changing a property that has nothing to do with the polls must not
    # put them off: a resource whose properties are set often is still
    # watched.
    plugin_path("test-count")
    d = wp.driver()
    rid = wp.new_id()
    d.open(rid, "test-count", {"PendingDelay": "5ms"},
           common={"LooksAlivePollInterval": "100ms", "IsAlivePollInterval": "150ms"})
    assert d.online(rid)["state"] == "Online"
    polls = int(d.get_properties(rid)["Polls"])
    deadline = time.monotonic() + 1.0
    n = 0
    while time.monotonic() < deadline:
        d.ok({"type": "set-properties", "resource": rid,
              "properties": {"PendingDelay": f"{5 + n % 2}ms"}})
        n += 1
        time.sleep(0.04)
    got = int(d.get_properties(rid)["Polls"]) - polls
    assert got >= 8, f"{got} polls in 1s with LooksAlive every 100ms and IsAlive every 150ms"
    d.offline(rid)


def test_wrong_api_version_refused(wp, plugin_path):
    plugin_path("test-badabi")
    d = wp.driver()
    rep = d.request({"type": "describe-type", "rtype": "test-badabi"})
    assert rep["error"] < 0, rep
    assert_matches(message_of(rep), r"\b999\b", r"\b1\b")
    rid = wp.new_id()
    rep = d.request({"type": "open", "resource": rid, "name": rid, "rtype": "test-badabi",
                     "properties": {}, "common": {}})
    assert rep["error"] < 0, rep
    assert_matches(message_of(rep), r"\b999\b", r"\b1\b")
    # The monitor goes on serving other types.
    desc = d.ok({"type": "describe-type", "rtype": "test-count"})["description"]
    assert desc["name"] == "test-count"
    assert desc["api_version"] == 1  # test-count speaks version 1 on purpose


def test_resume_online_needs_a_type_that_can(wp, plugin_path):
    # A resource found running after its monitor ended during a pending
    # online: a type of Resource API version 1 has no resume_online, so
    # nobody can say whether it is ready. It is terminated, never Online.
    plugin_path("test-count")
    d = wp.driver()
    rid = wp.new_id()
    d.open(rid, "test-count", {"ProbeRunning": "1"}, common=NO_POLL)
    rep = d.request({"type": "probe", "resource": rid, "resume_online": True})
    assert rep["error"] < 0, rep
    assert_matches(message_of(rep), r"OnlinePending", r"cannot resume", r"version 1", r"terminated")
    assert d.ok({"type": "get-properties", "resource": rid})["state"] == "Offline"
    # A plain probe still adopts it.
    rep = d.ok({"type": "probe", "resource": rid})
    assert rep["running"] is True and rep["state"] == "Online", rep
    d.offline(rid)


def test_resume_online_waits_for_ready_again(wp, tmp_path):
    # genapp resumes: the process a dead monitor left is kept, and is Online
    # only once its ReadyCheck passes.
    ready = tmp_path / "ready"
    d = wp.driver()
    rid = wp.new_id()
    props = dict(wp.genapp_props(rid), ReadyCheck="test -e %s" % ready)
    d.open(rid, "genapp", props, common=NO_POLL)
    d.send({"type": "online", "resource": rid})
    d.wait_state(rid, "OnlinePending")
    monitor = d.wait_attached()["pid"]
    os.kill(monitor, signal.SIGKILL)
    d.proc.wait(5)
    d.expect_exit = 1
    d2 = wp.driver()
    d2.open(rid, "genapp", props, common=NO_POLL)
    m = d2.mark()
    rep = d2.ok({"type": "probe", "resource": rid, "resume_online": True})
    assert rep["running"] is True and rep["state"] == "OnlinePending", rep
    time.sleep(1)
    assert d2.ok({"type": "get-properties", "resource": rid})["state"] == "OnlinePending"
    ready.write_text("")
    d2.wait_state(rid, "Online", since=m)
    assert d2.logs("GENAPP_RESUMED"), d2.logs()
    d2.offline(rid)
