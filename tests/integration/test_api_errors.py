# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the API answers, and what the CLI exits with, when a request is
refused: each cause has one status and code (docs/api.md), and the CLI
exits 0 done, 1 failed, 2 usage, 3 no such object."""

import os
import subprocess

import pytest

from cluster import WOLFPACKD, Cluster


@pytest.fixture
def c():
    cl = Cluster()
    yield cl
    assert not cl.close()


def error(c, method, path, body=None):
    status, b = c.api(method, path, body)
    return status, (b or {}).get("error", {})


def make(c):
    c.cli("group", "create", "g")
    c.cli("resource", "create", "r1", "--type", "genapp", "--group", "g", "CommandLine=sleep 1000")


def test_refused_values_are_422_and_exit_1(c):
    make(c)
    status, e = error(c, "PATCH", "/v1/resources/r1", {"properties": {"ProcessId": "5"}})
    assert (status, e["code"]) == (422, "invalid"), e
    assert "read-only" in e["message"] and e["property"] == "ProcessId"

    status, e = error(c, "PATCH", "/v1/resources/r1", {"properties": {"Bogus": "1"}})
    assert (status, e["code"]) == (422, "invalid"), e
    assert "Bogus" in e["message"]
    p = c.cli("resource", "set", "r1", "Bogus=1", check=False)
    assert p.returncode == 1 and "Bogus" in p.stderr, p
    p = c.cli("resource", "create", "r2", "--type", "genapp", "--group", "g", "CommandLine=true", "Bogus=1",
              check=False)
    assert p.returncode == 1 and "Bogus" in p.stderr, p

    # A name in a body that names nothing is a value refused, not a missing object.
    p = c.cli("resource", "depend", "r1", "--on", "nosuch", check=False)
    assert p.returncode == 1 and "nosuch" in p.stderr, p
    status, e = error(c, "POST", "/v1/resources/r1/depend", {"on": "nosuch"})
    assert (status, e["code"], e.get("property")) == (422, "invalid", "on"), e
    status, e = error(c, "POST", "/v1/resources", {"name": "r3", "type": "genapp", "group": "nosuch"})
    assert (status, e["code"], e.get("property")) == (422, "invalid", "group"), e
    # A missing object in the path is still 404, exit 3.
    p = c.cli("resource", "set", "nosuch", "X=1", check=False)
    assert p.returncode == 3, p


def test_text_that_is_not_utf8_in_a_path_or_query_is_400_naming_the_byte(c):
    make(c)
    for path in ("/v1/groups/%E9", "/v1/resources?group=%E9", "/v1/log?since=%E9", "/v1/types/%E9",
                 "/v1/resources/r%E9/online"):
        status, e = error(c, "GET" if "online" not in path else "POST", path)
        assert (status, e["code"]) == (400, "bad_request"), (path, status, e)
        assert "0xe9" in e["message"] and "UTF-8" in e["message"], (path, e)


def test_unknown_body_members_are_refused_naming_them(c):
    make(c)
    version = c.api("GET", "/v1/cluster")[1]["version"]
    for method, path, body, bad in [
            ("POST", "/v1/groups", {"name": "typo1", "propertes": {"PreferredOwners": "n1"}}, "propertes"),
            ("PATCH", "/v1/groups/g", {"properties": {}, "nmae": "x"}, "nmae"),
            ("POST", "/v1/resources", {"name": "r2", "type": "genapp", "group": "g", "properties": {},
                                       "dependson": "r1"}, "dependson"),
            ("PATCH", "/v1/resources/r1", {"properties": {}, "common": {}}, "common"),
            ("POST", "/v1/resources/r1/depend", {"on": "r1", "and": "x"}, "and"),
            ("POST", "/v1/resources/r1/undepend", {"of": "r1"}, "of"),
            ("POST", "/v1/groups/g/move", {"node": "n1"}, "node"),
            ("POST", "/v1/groups/g/online", {"force": "1"}, "force"),
            ("POST", "/v1/groups/g/offline", {"force": "1"}, "force"),
            ("POST", "/v1/resources/r1/online", {"x": "1"}, "x"),
            ("POST", "/v1/resources/r1/offline", {"x": "1"}, "x"),
            ("POST", "/v1/resources/r1/fail", {"x": "1"}, "x"),
            ("POST", "/v1/nodes/n1/pause", {"x": "1"}, "x"),
            ("POST", "/v1/nodes/n1/resume", {"x": "1"}, "x"),
            ("POST", "/v1/nodes/n1/drain", {"x": "1"}, "x"),
            ("DELETE", "/v1/resources/r1", {"x": "1"}, "x"),
            ("DELETE", "/v1/groups/g", {"x": "1"}, "x")]:
        status, e = error(c, method, path, body)
        assert (status, e.get("code"), e.get("property")) == (400, "bad_request", bad), (method, path, status, e)
        assert '"%s"' % bad in e["message"], e
    assert c.api("GET", "/v1/cluster")[1]["version"] == version
    assert c.api("GET", "/v1/groups/typo1")[0] == 404
    # What the CLI sends is still taken.
    c.cli("group", "create", "g2", "PreferredOwners=n1")
    c.cli("resource", "set", "r1", "RestartDelay=1s")


def test_a_monitor_that_cannot_run_is_refused_at_start(tmp_path):
    conf = tmp_path / "wolfpackd.conf"
    conf.write_text("monitor = /nonexistent\n")
    p = subprocess.run([WOLFPACKD, "--foreground", "--config", str(conf), "--state-dir", str(tmp_path / "s"),
                        "--runtime-dir", str(tmp_path / "run"), "--socket", str(tmp_path / "s.sock"),
                        "--log-dir", str(tmp_path / "log")], capture_output=True, text=True, timeout=20)
    assert p.returncode != 0
    assert "monitor" in p.stderr and "/nonexistent" in p.stderr, p.stderr
    conf.write_text("monitor = %s\n" % tmp_path)
    p = subprocess.run([WOLFPACKD, "--foreground", "--config", str(conf), "--state-dir", str(tmp_path / "s"),
                        "--runtime-dir", str(tmp_path / "run"), "--socket", str(tmp_path / "s.sock"),
                        "--log-dir", str(tmp_path / "log")], capture_output=True, text=True, timeout=20)
    assert p.returncode != 0 and "not an executable file" in p.stderr, p.stderr


def test_a_monitor_that_fails_is_an_internal_error_and_exit_1():
    cl = Cluster()
    try:
        cl.stop()
        cl.config = os.path.join(cl.dir, "wolfpackd.conf")
        with open(cl.config, "w") as f:
            f.write("monitor = /bin/false\n")
        cl.start()
        status, e = error(cl, "GET", "/v1/types")
        assert (status, e["code"]) == (500, "internal_error"), (status, e)
        p = cl.cli("type", "list", check=False)
        assert p.returncode == 1, p
    finally:
        assert not cl.close()
