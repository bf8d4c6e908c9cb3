# SPDX-License-Identifier: LGPL-2.1-or-later
"""The API under a flood of connections: past wolfpackd's connection cap a
client is told so at once, and once the flood is gone the API answers
again. The flood is more connections than wolfpackd serves at a time (its
cap is at most 1,024, below its file descriptor limit); its clients all
close while wolfpackd is stopped, so that it sees every close in one
wake-up, the moment a server that takes its listening socket out of its
poll set at the limit never looks at it again."""

import os
import resource
import signal
import socket
import subprocess
import time

import pytest

from cluster import WOLFPACK, Cluster

FLOOD = 1100


@pytest.fixture
def c():
    # Room for the flood in this process; wolfpackd inherits the same
    # limit, so its cap is the largest one (1,024) whatever the caller's.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 4096 if hard == resource.RLIM_INFINITY else min(hard, 4096)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))
    cl = Cluster()
    yield cl
    cl.close()
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def flood(path, n=FLOOD):
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        socks.append(s)
    return socks


def cli_during(c, timeout=10):
    """One CLI call while the flood holds every connection: its result and
    how long it took, or None when it got no answer at all."""
    t0 = time.monotonic()
    try:
        p = subprocess.run([WOLFPACK, "--socket", c.socket, "cluster"], capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, time.monotonic() - t0
    return p, time.monotonic() - t0


def close_while_stopped(c, socks):
    os.kill(c.proc.pid, signal.SIGSTOP)
    try:
        for s in socks:
            s.close()
        time.sleep(0.2)
    finally:
        os.kill(c.proc.pid, signal.SIGCONT)


def test_api_answers_again_after_a_flood_past_the_connection_limit(c):
    for trial in range(3):
        socks = flood(c.socket)
        time.sleep(0.3)
        cli_during(c, timeout=3)
        close_while_stopped(c, socks)
        t0 = time.monotonic()
        try:
            p = c.cli("cluster", timeout=5)
        except subprocess.TimeoutExpired:
            raise AssertionError("trial %d: the API did not answer within 5 s after every client closed; "
                                 "wolfpackd: %s" % (trial, c.daemon_output()))
        assert time.monotonic() - t0 < 5
        assert "n1" in p.stdout


def test_client_over_the_connection_limit_is_told_at_once(c):
    socks = flood(c.socket)
    try:
        time.sleep(0.3)
        p, took = cli_during(c)
        assert p is not None, "a CLI call over the connection limit got no answer within %.0f s" % took
        assert took < 3, took
        assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
        assert "connections" in p.stderr and "try again" in p.stderr, p.stderr
    finally:
        for s in socks:
            s.close()
    # The connections it serves are not disturbed by the refusals, and
    # once they are gone it serves new ones.
    c.wait_for(lambda: c.cli("cluster", check=False, timeout=5).returncode == 0, timeout=10)


def test_connection_cap_keeps_descriptors_for_wolfpackd():
    # Started with 256 descriptors, wolfpackd serves 192 connections and
    # keeps the rest for its own work: a resource still goes online while
    # the API is full. The hard limit too, since wolfpackd raises its soft
    # limit to it.
    cl = Cluster(nofile=(256, 256))
    try:
        cl.cli("group", "create", "g")
        cl.cli("resource", "create", "a", "--type", "genapp", "--group", "g", cl.app("a"))
        socks = flood(cl.socket, 230)
        try:
            time.sleep(0.3)
            p, took = cli_during(cl)
            assert p is not None and took < 3, took
            assert "maximum of 192 connections" in p.stderr, p.stderr
            # Served connections are the first ones: free one for the change.
            socks.pop(0).close()
            time.sleep(0.3)
            cl.cli("--no-wait", "group", "online", "g", timeout=10)
        finally:
            for s in socks:
                s.close()
        cl.wait_state("resource", "a", "Online")
    finally:
        cl.close()
