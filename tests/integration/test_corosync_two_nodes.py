# SPDX-License-Identifier: LGPL-2.1-or-later
"""Two nodes: refused without a witness, and with corosync-qnetd as the
witness (cluster init --witness, TLS required) a split is won by exactly
one side: the other terminates what it ran, the winner takes it over, and
the witness application never runs twice."""

import os
import re
import time

import pytest

import witness
from corosync_cluster import CorosyncCluster, owner_everywhere, twice, witness_group


@pytest.mark.parametrize("quorum, says", [
    ((), "neither half has a majority"),
    (("two_node: 1",), "two_node keeps both halves quorate"),
])
def test_two_nodes_without_a_witness_are_refused_with_the_reason(quorum, says):
    cs = CorosyncCluster(2, token=3000, wolfpackd=False, quorum=quorum)
    try:
        for node in cs.nodes:
            node.start_wolfpackd()
        for node in cs.nodes:
            rc = node.wolfpackd.wait(30)
            err = node.log_tail("wolfpackd.stderr")
            assert rc != 0, err
            assert "two nodes and no witness" in err and "--witness HOST" in err, err
            assert says in err, err
        print(err)
    finally:
        cs.close()


def test_a_split_is_won_by_one_side_and_the_other_terminates_its_resources():
    cs = CorosyncCluster(2, token=3000, init=True, qnetd=True)
    try:
        n1, n2 = cs.nodes
        with open(os.path.join(n1.dir, "etc", "corosync.conf")) as f:
            assert "model: net" in f.read()
        witness_group(cs, "a", group_properties={"PreferredOwners": "n1"})
        witness_group(cs, "b", group_properties={"PreferredOwners": "n2"})
        for g in ("a", "b"):
            n1.cli("group", "online", g)
        cs.wait("a on n1, b on n2", lambda: owner_everywhere(cs.nodes, "a") == "n1" and
                owner_everywhere(cs.nodes, "b") == "n2", timeout=30)

        t0 = time.monotonic()
        n2.cut()
        # n1 keeps quorum with the witness's vote and takes b over; n2
        # loses it, and its lease ends b there before n1 starts it.
        cs.wait("b taken over by n1", lambda: owner_everywhere([n1], "b") == "n1", timeout=90, interval=0.2)
        took = time.monotonic() - t0
        cs.wait("n2 without quorum", lambda: cs.view(n2)[0] is False, timeout=60, interval=0.2)
        status, g = n2.api("GET", "/v1/resources/b-app")
        assert g["state"] != "Online" or g["owner"] != "n2", g
        if owner_everywhere([n1], "a") != "n1":
            print(n1.api("GET", "/v1/groups/a")[1])
            for e in n1.cluster_log()[-40:]:
                print("  ", e.get("time"), e.get("code"), e.get("name"), e.get("text"))
            print(witness.check(os.path.join(cs.dir, "witness", "witness.log")).text())
        assert owner_everywhere([n1], "a") == "n1"
        q = n1.run("corosync-quorumtool", "-s").stdout
        assert re.search(r"Quorate:\s+Yes", q), q
        print("n2 cut off: b Online on n1 after %.1f s" % took)
        # Exactly one side: n2 runs nothing of either group.
        for g in ("a", "b"):
            status, r = n2.api("GET", "/v1/resources/%s-app" % g)
            assert not (r["owner"] == "n2" and r["state"] in ("Online", "OnlinePending")), r

        n2.heal()
        cs.wait("both quorate again", lambda: cs.view(n1) == (True, [1, 2]) and cs.view(n2) == (True, [1, 2]),
                timeout=90, interval=0.5)
        try:
            cs.wait("b seen Online on n1 by both", lambda: owner_everywhere(cs.nodes, "b") == "n1", timeout=30)
        except AssertionError:
            for n in cs.nodes:
                print(n.name, n.api("GET", "/v1/groups/b")[1], n.api("GET", "/v1/resources/b-app")[1])
                for e in n.cluster_log()[-25:]:
                    print("  ", e)
            raise
        assert twice(cs) == []
        witness.assert_no_overlap(os.path.join(cs.dir, "witness", "witness.log"))
    finally:
        cs.close()
