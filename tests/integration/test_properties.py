# SPDX-License-Identifier: LGPL-2.1-or-later
"""Bad property values and bad names: each refused with a message that a
person can act on — the property, the value, what is allowed."""

import pytest

from conftest import assert_matches, message_of

# (case, property at fault, properties to add or drop, patterns the message must match)
BAD_VALUES = [
    ("StopTimeout", {"StopTimeout": "10x"}, [r"StopTimeout", r"10x"]),
    ("StopSignal", {"StopSignal": "FOO"}, [r"StopSignal", r"FOO"]),
    ("ReadyPort", {"ReadyPort": "70000"}, [r"ReadyPort", r"70000", r"65535"]),
    ("Environment", {"Environment": "NOEQUALS"}, [r"Environment", r"NOEQUALS", r"="]),
    ("ProcessId", {"ProcessId": "123"}, [r"ProcessId", r"read[- ]?only"]),
]


def _props(wp, rid, extra):
    p = wp.genapp_props(rid)
    p.update(extra)
    return p


def _check_refusal(rep, prop, patterns):
    assert rep["error"] < 0, f"accepted: {rep}"
    text = message_of(rep)
    assert text, f"an error without a message: {rep}"
    assert_matches(text, *patterns)
    if prop is not None:
        assert rep.get("property") == prop, f"property {rep.get('property')!r}, expected {prop!r}"


@pytest.mark.parametrize("prop,extra,patterns", BAD_VALUES, ids=[c[0] for c in BAD_VALUES])
def test_bad_value(wp, prop, extra, patterns):
    d = wp.driver()
    rid = wp.new_id()
    props = _props(wp, rid, extra)
    rep = d.request({"type": "validate", "rtype": "genapp", "properties": props})
    _check_refusal(rep, prop, patterns)
    rep = d.request({"type": "open", "resource": rid, "name": rid, "rtype": "genapp",
                     "properties": props, "common": {}})
    _check_refusal(rep, prop, patterns)
    # Not opened: an online of it is refused too.
    rep = d.request({"type": "online", "resource": rid})
    assert rep["error"] < 0 and message_of(rep)


def test_command_line_missing(wp):
    d = wp.driver()
    rid = wp.new_id()
    patterns = [r"CommandLine", r"required|missing|must be (given|set)|no value"]
    rep = d.request({"type": "validate", "rtype": "genapp", "properties": {}})
    _check_refusal(rep, "CommandLine", patterns)
    rep = d.request({"type": "open", "resource": rid, "name": rid, "rtype": "genapp",
                     "properties": {"StopTimeout": "5s"}, "common": {}})
    _check_refusal(rep, "CommandLine", patterns)


def test_bad_name(wp):
    d = wp.driver()
    rid = wp.new_id()
    rep = d.request({"type": "open", "resource": rid, "name": "a b", "rtype": "genapp",
                     "properties": wp.genapp_props(rid), "common": {}})
    _check_refusal(rep, None, [r"a b"])
    # The rule, however it is spaced out.
    assert "A-Za-z0-9._-" in "".join(message_of(rep).split()), rep


@pytest.mark.parametrize("name,value,patterns", [
    ("NoSuchProperty", "1", [r"NoSuchProperty"]),
    ("LooksAlivePollInterval", "often", [r"LooksAlivePollInterval", r"often"]),
])
def test_bad_property_name_or_common(wp, name, value, patterns):
    d = wp.driver()
    rid = wp.new_id()
    props = wp.genapp_props(rid)
    common = {}
    if name == "NoSuchProperty":
        props[name] = value
    else:
        common[name] = value
    rep = d.request({"type": "open", "resource": rid, "name": rid, "rtype": "genapp",
                     "properties": props, "common": common})
    _check_refusal(rep, name, patterns)


def test_set_properties_refused(wp):
    d = wp.driver()
    rid = wp.new_id()
    d.open(rid, "genapp", wp.genapp_props(rid))
    before = d.get_properties(rid)
    for extra, prop, patterns in [
        ({"ProcessId": "123"}, "ProcessId", [r"ProcessId", r"read[- ]?only"]),
        ({"StopTimeout": "10x"}, "StopTimeout", [r"StopTimeout", r"10x"]),
        ({"StopSignal": "FOO"}, "StopSignal", [r"StopSignal", r"FOO"]),
        ({"ReadyPort": "70000"}, "ReadyPort", [r"ReadyPort", r"70000", r"65535"]),
        ({"Environment": "NOEQUALS"}, "Environment", [r"Environment", r"NOEQUALS"]),
    ]:
        rep = d.request({"type": "set-properties", "resource": rid, "properties": extra})
        _check_refusal(rep, prop, patterns)
    # Nothing changed.
    assert d.get_properties(rid) == before


def test_set_properties_while_online(wp):
    d = wp.driver()
    rid = wp.new_id()
    d.open(rid, "genapp", wp.genapp_props(rid))
    ev = d.online(rid)
    assert ev["state"] == "Online"
    # CommandLine cannot change under a running program: stored for the
    # next online.
    new_cmd = wp.app_cmdline(rid, "--signal-log", wp.path("x"))
    rep = d.ok({"type": "set-properties", "resource": rid,
                "properties": {"CommandLine": new_cmd}})
    assert "CommandLine" in rep.get("next_online", []), rep
    assert "CommandLine" not in rep.get("applied", []), rep
    assert d.get_properties(rid)["CommandLine"]
    d.offline(rid)
