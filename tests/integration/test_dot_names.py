# SPDX-License-Identifier: LGPL-2.1-or-later
"""Names as the CLI sends them: "." and ".." are refused (no path could
name them), and every name that is allowed can be addressed, whatever a
URL normaliser would make of it."""

import pytest

from cluster import Cluster


@pytest.fixture
def c():
    cl = Cluster()
    yield cl
    cl.close()


@pytest.mark.parametrize("name", [".", ".."])
def test_dot_names_are_refused_with_the_reason(c, name):
    p = c.cli("group", "create", name, check=False)
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert '"." and ".." cannot be names' in p.stderr, p.stderr
    c.cli("group", "create", "g")
    p = c.cli("resource", "create", name, "--type", "genapp", "--group", "g", "CommandLine=/bin/true", check=False)
    assert p.returncode == 1 and '"." and ".." cannot be names' in p.stderr, p.stderr
    assert [g["name"] for g in c.cli_json("group", "list")] == ["g"]
    assert c.cli_json("resource", "list") == []


@pytest.mark.parametrize("name", ["...", ".x", "x..", "a.-_b"])
def test_names_of_dots_round_trip_through_the_cli(c, name):
    c.cli("group", "create", name)
    assert c.group(name)["name"] == name
    c.cli("resource", "create", name, "--type", "genapp", "--group", name, c.app(name))
    assert c.resource(name)["group"] == name
    assert [r["name"] for r in c.cli_json("resource", "list", "--group", name)] == [name]
    c.cli("group", "online", name)
    assert c.resource(name)["state"] == "Online"
    c.cli("group", "offline", name)
    c.cli("resource", "delete", name)
    c.cli("group", "delete", name)
    assert c.cli("group", "show", name, check=False).returncode == 3
