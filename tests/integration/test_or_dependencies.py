# SPDX-License-Identifier: LGPL-2.1-or-later
"""OR-groups of dependencies, end to end, on the diamond: d_top depends on
"d_l or d_r", and both of those on d_bottom. Online of d_top brings one
member of the OR-group (the first written); an offline of one member leaves
d_top up while the other is online, and takes it down when the other is
left Failed; a member left Failed has the other one brought online in its
place, with d_top running throughout."""

import json
import os
import signal
import subprocess
import time

from cluster import WOLFPACK
from test_cluster_service import make_group, pid


def diamond(c, left=()):
    make_group(c, "dg", ("d_top", ()), ("d_l", left), ("d_r", ()), ("d_bottom", ()))
    c.cli("resource", "depend", "d_top", "--on", "d_l or d_r")
    c.cli("resource", "depend", "d_l", "--on", "d_bottom")
    c.cli("resource", "depend", "d_r", "--on", "d_bottom")


def states(c):
    return {r["name"]: r["state"] for r in c.cli_json("resource", "list")}


def test_online_brings_one_member_of_an_or_group(c):
    diamond(c)
    c.cli("--timeout", "20s", "resource", "online", "d_top")
    time.sleep(0.5)
    assert states(c) == {"d_top": "Online", "d_l": "Online", "d_r": "Offline", "d_bottom": "Online"}
    assert c.resource("d_r")["desired"] == "offline"


def test_online_uses_a_member_online_already(c):
    diamond(c)
    c.cli("--timeout", "20s", "resource", "online", "d_r")
    c.cli("--timeout", "20s", "resource", "online", "d_top")
    time.sleep(0.5)
    assert states(c) == {"d_top": "Online", "d_l": "Offline", "d_r": "Online", "d_bottom": "Online"}


def test_offline_of_one_member_keeps_the_dependent_up(c):
    diamond(c)
    c.cli("--timeout", "20s", "group", "online", "dg")
    top = pid(c, "d_top")
    c.cli("--timeout", "20s", "resource", "offline", "d_l")
    time.sleep(0.5)
    assert states(c) == {"d_top": "Online", "d_l": "Offline", "d_r": "Online", "d_bottom": "Online"}
    assert pid(c, "d_top") == top
    # The last member: now d_top goes first.
    c.cli("--timeout", "20s", "resource", "offline", "d_r")
    assert states(c) == {"d_top": "Offline", "d_l": "Offline", "d_r": "Offline", "d_bottom": "Online"}
    c.cli("--timeout", "20s", "group", "offline", "dg")


def test_group_offline_never_leaves_the_dependent_without_a_member(c):
    diamond(c)
    c.cli("--timeout", "20s", "group", "online", "dg")
    c.cli("resource", "online", "d_r")
    events = subprocess.Popen([WOLFPACK, "--socket", c.socket, "--json", "events"], stdout=subprocess.PIPE,
                              text=True)
    try:
        time.sleep(0.3)
        c.cli("--timeout", "20s", "group", "offline", "dg")
        time.sleep(0.3)
    finally:
        events.terminate()
    order = [e.get("name") for e in map(json.loads, events.communicate()[0].splitlines())
             if e.get("type") == "state" and e.get("state") == "Offline"]
    # d_top before the second of its members, d_bottom after both.
    assert order.index("d_top") < max(order.index("d_l"), order.index("d_r")), order
    assert max(order.index("d_l"), order.index("d_r")) < order.index("d_bottom"), order


def test_failed_member_is_stood_in_for_and_the_dependent_stays_up(c):
    diamond(c, left=("RestartAction=0",))
    c.cli("--timeout", "20s", "resource", "online", "d_top")
    assert states(c)["d_r"] == "Offline"
    top = pid(c, "d_top")
    os.kill(pid(c, "d_l"), signal.SIGKILL)
    c.wait_state("resource", "d_l", "Failed")
    c.wait_state("resource", "d_r", "Online")
    assert c.resource("d_top")["state"] == "Online"
    assert pid(c, "d_top") == top
    assert [e for e in c.log() if e.get("code") == "DEPENDENCY_STAND_IN" and e.get("name") == "d_top"], c.log()
    c.cli("--timeout", "20s", "group", "offline", "dg")


def test_offline_of_the_last_healthy_member_takes_the_dependent_down(c):
    diamond(c, left=())
    c.cli("resource", "set", "d_r", "RestartAction=0")
    c.cli("--timeout", "20s", "group", "online", "dg")
    os.kill(pid(c, "d_r"), signal.SIGKILL)
    c.wait_state("resource", "d_r", "Failed")
    # d_l is all d_top has left: its offline takes d_top first, and ends.
    c.cli("--timeout", "20s", "resource", "offline", "d_l")
    assert states(c) == {"d_top": "Offline", "d_l": "Offline", "d_r": "Failed", "d_bottom": "Online"}
    c.cli("--timeout", "20s", "group", "offline", "dg")
