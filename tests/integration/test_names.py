# SPDX-License-Identifier: LGPL-2.1-or-later
"""One rule for names, end to end: groups, resources and nodes, and
property names, are matched ignoring ASCII case and stored in one spelling
(a reference as the object it names is spelled, a property name as the
type's table spells it). Two spellings of one property in one body are
refused, and so is an empty dependency expression."""

from test_cluster_service import make_group, pid


def cmdline(p):
    with open("/proc/%d/cmdline" % p) as f:
        return f.read().split("\0")


def test_dependency_in_another_case_is_followed_both_ways(c):
    make_group(c, "cg", ("db", ()), ("web", ()))
    c.cli("resource", "depend", "web", "--on", "DB")
    # Online brings db first.
    c.cli("--timeout", "20s", "resource", "online", "web")
    assert c.resource("db")["state"] == "Online"
    # Nothing that something depends on may be deleted.
    p = c.cli("resource", "delete", "db", check=False)
    assert p.returncode == 1 and "web depends on db" in p.stderr, p.stderr
    assert c.resource("db")
    # Offline of db takes web down first, and completes.
    c.cli("--timeout", "20s", "resource", "offline", "db")
    assert c.resource("web")["state"] == "Offline"
    assert c.resource("db")["state"] == "Offline"
    # Stored as the resource it names is spelled.
    assert c.resource("web")["depends"] == "db"


def test_names_match_ignoring_case(c):
    make_group(c, "g1", ("web", ()))
    p = c.cli("group", "create", "G1", check=False)
    assert p.returncode == 1 and "ignoring case" in p.stderr, p.stderr
    assert len(c.cli_json("group", "list")) == 1
    assert c.group("G1")["name"] == "g1"
    assert c.resource("WEB")["name"] == "web"
    assert c.cli_json("node", "show", "N1")["name"] == "n1"
    c.cli("--timeout", "20s", "resource", "online", "Web")
    assert c.resource("web")["state"] == "Online"
    c.cli("--timeout", "20s", "group", "offline", "G1")


def test_empty_dependency_expression_is_refused(c):
    make_group(c, "g", ("a", ()), ("b", ()))
    c.cli("resource", "depend", "b", "--on", "a")
    version = c.api("GET", "/v1/cluster")[1]["version"]
    for verb in ("depend", "undepend"):
        for expr in ("", " "):
            p = c.cli("resource", verb, "b", "--on", expr, check=False)
            assert p.returncode == 1 and "empty" in p.stderr, (verb, expr, p.stderr)
            status, body = c.api("POST", "/v1/resources/b/" + verb, {"on": expr})
            assert status == 422 and body["error"]["property"] == "on", body
    assert c.api("GET", "/v1/cluster")[1]["version"] == version
    assert c.resource("b")["depends"] == "a"


def test_private_property_in_another_case_replaces_it(c):
    make_group(c, "g", ("app", ()))
    before = c.resource("app")["properties"]["CommandLine"]
    changed = before + " --ready-after 0.01"
    c.cli("resource", "set", "app", "commandline=" + changed)
    props = c.resource("app")["properties"]
    assert [k for k in props if k.lower() == "commandline"] == ["CommandLine"], props
    assert props["CommandLine"] == changed
    c.cli("--timeout", "20s", "resource", "online", "app")
    assert cmdline(pid(c, "app"))[-3:-1] == ["--ready-after", "0.01"]
    # While Online: the name the type spells is the one that takes effect later.
    status, body = c.api("PATCH", "/v1/resources/app", {"properties": {"COMMANDLINE": before}})
    assert status == 200 and body["next_online"] == ["CommandLine"], body
    assert c.resource("app")["properties"]["CommandLine"] == before
    c.cli("--timeout", "20s", "resource", "offline", "app")


def test_two_spellings_of_one_property_are_refused(c):
    c.cli("group", "create", "g")
    line = c.app("two").split("=", 1)[1]
    status, body = c.api("POST", "/v1/resources", {"name": "two", "type": "genapp", "group": "g",
                                                   "properties": {"CommandLine": line, "commandline": "/bin/true"}})
    assert status == 422, body
    assert "CommandLine" in body["error"]["message"] and "commandline" in body["error"]["message"], body
    status, body = c.api("POST", "/v1/resources", {"name": "two", "type": "genapp", "group": "g",
                                                   "properties": {"CommandLine": line, "RestartAction": "1",
                                                                  "restartaction": "0"}})
    assert status == 422 and "restartaction" in body["error"]["message"], body
    assert c.api("GET", "/v1/resources/two")[0] == 404
    c.cli("resource", "create", "two", "--type", "genapp", "--group", "g", "CommandLine=" + line)
    status, body = c.api("PATCH", "/v1/resources/two", {"properties": {"StopTimeout": "1s", "stoptimeout": "2s"}})
    assert status == 422, body
    status, body = c.api("POST", "/v1/groups", {"name": "g2", "properties": {"PersistentState": "1",
                                                                            "persistentstate": "0"}})
    assert status == 422, body


def test_property_names_and_node_names_spelled_as_their_objects(c):
    c.cli("group", "create", "g", "preferredowners=n1")
    assert c.group("g")["properties"] == {"PreferredOwners": "n1"}
    # Node names as the node is named; names of nodes not known as given.
    c.cli("group", "set", "g", "PREFERREDOWNERS=N1 N7")
    assert c.group("g")["properties"] == {"PreferredOwners": "n1 N7"}
    c.cli("resource", "create", "r", "--type", "genapp", "--group", "g", c.app("r"), "possibleowners=N1")
    assert c.resource("r")["common"]["PossibleOwners"] == "n1"
