# SPDX-License-Identifier: LGPL-2.1-or-later
"""Waiting verbs that cannot get where they aim: each one ends at once with
the reason and what to do, or does what was asked. Every CLI call here has
a short --timeout and a subprocess timeout, so a wait that would hang fails
the test instead."""

import os
import re
import signal
import time





def make_group(c, name, *resources):
    c.cli("group", "create", name)
    for r, extra in resources:
        c.cli("resource", "create", r, "--type", "genapp", "--group", name, c.app(r), *extra)


def pid(c, name):
    return int(c.resource(name)["properties"]["ProcessId"])


def timed(c, *args, limit=8):
    """Run a waiting verb that must end well before its own --timeout."""
    start = time.monotonic()
    p = c.cli("--timeout", "30s", *args, check=False, timeout=40)
    took = time.monotonic() - start
    assert took < limit, "%s took %.1fs: %s%s" % (args, took, p.stdout, p.stderr)
    assert "timed out" not in p.stderr, p.stderr
    return p


def fail_group(c, name, res):
    """Bring the group online, then kill res until RestartThreshold (1) is
    reached: the group is Failed, retried only in an hour."""
    c.cli("group", "online", name)
    c.wait_state("resource", res, "Online")
    os.kill(pid(c, res), signal.SIGKILL)
    c.wait_for(lambda: c.resource(res)["state"] == "Online" and c.resource(res)["restart_count"] == 1)
    os.kill(pid(c, res), signal.SIGKILL)
    c.wait_state("group", name, "Failed")


FAILING = ("RestartThreshold=1", "RestartDelay=0", "RestartPeriod=1h", "RetryPeriodOnFailure=1h")


def test_failed_group_says_why_and_when_it_is_tried_again(c):
    make_group(c, "pf", ("pf1", FAILING), ("pf2", ()))
    fail_group(c, "pf", "pf1")
    g = c.group("pf")
    assert "RestartThreshold" in (g["state_reason"] or ""), g
    assert "RetryPeriodOnFailure" in g["state_reason"] and "group online pf" in g["state_reason"], g


def test_resource_online_in_a_failed_group_tries_now(c):
    make_group(c, "pf", ("pf1", FAILING), ("pf2", ()))
    fail_group(c, "pf", "pf1")
    # An explicit online clears the Failed state and tries now, as a group online does.
    p = timed(c, "resource", "online", "pf2")
    assert p.returncode == 0, p.stderr
    assert "Online" in p.stdout
    c.wait_state("resource", "pf1", "Online")
    assert c.group("pf")["state"] == "Online"


def test_resource_online_that_fails_again_at_once_says_so(c):
    make_group(c, "pf", ("pf1", ("RestartThreshold=0",)))
    c.cli("resource", "set", "pf1", "CommandLine=/nonexistent/program")
    p = timed(c, "resource", "online", "pf1")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "/nonexistent/program" in p.stderr, p.stderr
    assert "group pf is Failed" in p.stderr and "RestartThreshold" in p.stderr, p.stderr
    assert "group online pf" in p.stderr, p.stderr


def test_group_online_on_a_paused_node_says_why_then_resume_brings_it_online(c):
    make_group(c, "pz", ("pz1", ()))
    c.cli("node", "pause", "n1")
    p = timed(c, "group", "online", "pz")
    assert p.returncode == 1
    assert "paused" in p.stderr and "node resume" in p.stderr, p.stderr
    p = timed(c, "resource", "online", "pz1")
    assert p.returncode == 1
    assert "paused" in p.stderr, p.stderr
    # Resuming the node is enough: the group was waiting only for it.
    c.cli("node", "resume", "n1")
    c.wait_state("group", "pz", "Online", timeout=10)


def test_group_online_without_a_possible_owner_says_why(c):
    make_group(c, "po", ("po1", ("PossibleOwners=othernode",)))
    p = timed(c, "group", "online", "po")
    assert p.returncode == 1
    assert "PossibleOwners" in p.stderr or "possible owner" in p.stderr, p.stderr
    assert "po1" in p.stderr, p.stderr
    # Changing the resource's possible owners lets placement try again.
    c.cli("resource", "set", "po1", "PossibleOwners=n1")
    c.wait_state("group", "po", "Online", timeout=10)


def test_offline_of_a_failed_group_and_its_resources_ends_offline(c):
    make_group(c, "pf", ("pf1", FAILING), ("pf2", ()))
    fail_group(c, "pf", "pf1")
    p = timed(c, "resource", "offline", "pf1")
    assert p.returncode == 0, p.stderr
    assert c.resource("pf1")["state"] == "Offline"
    p = timed(c, "group", "offline", "pf")
    assert p.returncode == 0, p.stderr
    assert c.group("pf")["state"] == "Offline"


def test_fail_that_fails_the_group_says_so(c):
    make_group(c, "ff", ("ff1", ("RestartThreshold=0",)))
    c.cli("group", "online", "ff")
    c.wait_state("resource", "ff1", "Online")
    p = timed(c, "resource", "fail", "ff1")
    assert p.returncode == 0, p.stderr
    assert "group ff is Failed" in p.stdout, p.stdout
    assert "group online ff" in p.stdout, p.stdout


def test_online_of_a_resource_whose_prerequisite_is_left_failed_says_so(c):
    make_group(c, "dg", ("top", ()), ("base", ("RestartAction=0",)))
    c.cli("resource", "set", "base", "CommandLine=/nonexistent/base")
    c.cli("resource", "depend", "top", "--on", "base")
    p = timed(c, "resource", "online", "top")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "it needs base" in p.stderr and "resource online base" in p.stderr, p.stderr
    assert c.resource("top")["state"] == "Offline"


def flaky(c, name, failures):
    """Properties of a program that fails (exit 1) while starting, before
    it is ready, its first `failures` starts, then comes up and stays:
    each start counts itself in a file."""
    script = os.path.join(c.dir, name + ".sh")
    with open(script, "w") as f:
        f.write('n=$(cat "$0.count" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > "$0.count"\n'
                '[ $n -gt %d ] && touch "$0.up" && exec sleep 100000\nsleep 0.1; exit 1\n' % failures)
    return "CommandLine=/bin/sh " + script, "ReadyCheck=/usr/bin/test -e %s.up" % script


def starts(c, name):
    with open(os.path.join(c.dir, name + ".sh.count")) as f:
        return int(f.read())


def test_resource_online_rides_through_the_restarts_its_policy_makes(c):
    c.cli("group", "create", "fg")
    c.cli("resource", "create", "fl", "--type", "genapp", "--group", "fg", *flaky(c, "fl", 2),
          "RestartAction=1", "RestartDelay=200ms")
    p = timed(c, "resource", "online", "fl", limit=20)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "resource fl is Online" in p.stdout, p.stdout
    # Each restart is said as it happens, with why it was needed.
    assert "restart 1 in" in p.stderr and "restart 2 in" in p.stderr, p.stderr
    assert "resource fl failed" in p.stderr, p.stderr
    assert starts(c, "fl") == 3
    assert c.resource("fl")["restarting"] is None


def test_group_online_rides_through_restarts(c):
    c.cli("group", "create", "fg")
    c.cli("resource", "create", "fl", "--type", "genapp", "--group", "fg", *flaky(c, "fl", 1),
          "RestartThreshold=3", "RestartDelay=200ms")
    c.cli("resource", "create", "steady", "--type", "genapp", "--group", "fg", c.app("steady"))
    p = timed(c, "group", "online", "fg", limit=20)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "group fg is Online" in p.stdout, p.stdout
    assert "restart 1 of 3 in" in p.stderr, p.stderr


def test_online_ends_when_the_policy_gives_up(c):
    c.cli("group", "create", "fg")
    c.cli("resource", "create", "bad", "--type", "genapp", "--group", "fg", *flaky(c, "bad", 1000),
          "RestartThreshold=2", "RestartDelay=200ms", "RetryPeriodOnFailure=1h")
    p = timed(c, "resource", "online", "bad", limit=20)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "restart 1 of 2 in" in p.stderr and "restart 2 of 2 in" in p.stderr, p.stderr
    # The last line is the policy's verdict, with what to do.
    assert "reached RestartThreshold 2" in p.stderr and "group online fg" in p.stderr, p.stderr
    assert starts(c, "bad") == 3


def test_a_scheduled_restart_is_in_the_resource(c):
    c.cli("group", "create", "fg")
    c.cli("resource", "create", "slow", "--type", "genapp", "--group", "fg", *flaky(c, "slow", 1),
          "RestartAction=2", "RestartThreshold=3", "RestartDelay=3s")
    c.cli("--no-wait", "resource", "online", "slow")
    r = c.wait_for(lambda: c.resource("slow")["state"] == "Failed" and c.resource("slow"))
    rs = r["restarting"]
    assert rs["attempt"] == 1 and rs["of"] == 3 and 0 < rs["in_ms"] <= 3000, r
    out = c.cli("resource", "show", "slow").stdout
    assert re.search(r"\nRestart: +1 of 3 in \d", out), out
    c.wait_state("resource", "slow", "Online", timeout=10)
    assert c.resource("slow")["restarting"] is None


def test_fail_follows_the_restart_the_policy_schedules(c):
    make_group(c, "rf", ("rf1", ("RestartDelay=1s",)))
    c.cli("group", "online", "rf")
    c.wait_state("resource", "rf1", "Online")
    before = pid(c, "rf1")
    p = timed(c, "resource", "fail", "rf1")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "restart 1 of 3 in" in p.stderr, p.stderr
    assert "resource rf1 is Online on n1 again, after a restart" in p.stdout, p.stdout
    assert pid(c, "rf1") != before
