# SPDX-License-Identifier: LGPL-2.1-or-later
"""Waiting verbs that cannot get where they aim: each one ends at once with
the reason and what to do, or does what was asked. Every CLI call here has
a short --timeout and a subprocess timeout, so a wait that would hang fails
the test instead."""

import os
import signal
import time

import pytest

from cluster import Cluster


@pytest.fixture
def c():
    cl = Cluster()
    yield cl
    left = cl.close()
    assert not left, "processes left behind: %s" % left


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
