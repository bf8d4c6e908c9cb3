# SPDX-License-Identifier: LGPL-2.1-or-later
"""wolfpackd's file descriptor limit: it raises its own soft RLIMIT_NOFILE
to the hard limit, for the API's connections, while what it starts (the
monitor and, through it, the application) runs with the soft limit
wolfpackd was started with, as many programs use select() and break on
descriptors past 1,024."""

import resource

import pytest

from cluster import Cluster

START_SOFT = 1000


def nofile(pid):
    """The (soft, hard) "Max open files" of a process, as numbers or
    "unlimited"."""
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                soft, hard = line.split()[3:5]
                return soft, hard
    raise AssertionError("no Max open files in /proc/%d/limits" % pid)


def nr_open():
    with open("/proc/sys/fs/nr_open") as f:
        return int(f.read())


@pytest.fixture
def low():
    """wolfpackd started with a soft limit below its hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= START_SOFT:
        pytest.skip("the hard file descriptor limit %d leaves nothing to raise" % hard)
    cl = Cluster(nofile=(START_SOFT, hard))
    yield cl, hard
    assert not cl.close()


def test_daemon_raises_its_limit_its_applications_keep_the_original(low):
    c, hard = low
    want = nr_open() if hard == resource.RLIM_INFINITY else min(hard, nr_open())
    assert nofile(c.proc.pid) == (str(want), "unlimited" if hard == resource.RLIM_INFINITY else str(hard))

    c.cli("group", "create", "g")
    c.cli("resource", "create", "a", "--type", "genapp", "--group", "g", c.app("a"))
    c.cli("group", "online", "g")
    c.wait_state("group", "g", "Online")
    app = int(c.resource("a")["properties"]["ProcessId"])
    assert nofile(app)[0] == str(START_SOFT)
    # The daemon keeps its own.
    assert nofile(c.proc.pid)[0] == str(want)
