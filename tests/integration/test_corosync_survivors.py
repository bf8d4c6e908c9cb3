# SPDX-License-Identifier: LGPL-2.1-or-later
"""When a node fails, the nodes that keep quorum keep their resources: the
ring is silent while it re-forms (corosync's token, consensus and the new
ring's forming), and the default lease outlasts that silence, so only the
lost node's group moves. Three real corosync nodes with default timings,
each running a witness group; one is cut off."""

import time

import witness
from corosync_cluster import CorosyncCluster, owner_everywhere, twice, witness_group


def test_the_survivors_keep_their_groups_running_when_a_node_is_cut_off():
    cs = CorosyncCluster(3, token=3000)
    try:
        n1, n2, n3 = cs.nodes
        for node in cs.nodes:
            log = witness_group(cs, "s" + node.name, group_properties={"PreferredOwners": node.name})
            n1.cli("group", "online", "s" + node.name)
        for node in cs.nodes:
            cs.wait("s%s on %s" % (node.name, node.name),
                    lambda: owner_everywhere(cs.nodes, "s" + node.name) == node.name, timeout=30)
        timings = n1.api("GET", "/v1/cluster")[1]["timings"]
        print("timings:", timings, "corosync:", cs.effective)
        t = time.monotonic()
        n3.cut()
        cs.wait("sn3 taken over", lambda: owner_everywhere([n1, n2], "sn3") in ("n1", "n2"), timeout=90,
                interval=0.2)
        took = time.monotonic() - t
        print("n3 cut off: sn3 running on a survivor after %.1f s" % took)
        report = witness.check(log)
        for name in ("sn1", "sn2"):
            runs = report.runs_of(name)
            # One run, from before the cut until now: never stopped.
            assert len(runs) == 1 and runs[0].start < t and runs[0].end > time.monotonic() - 1.0, \
                "%s restarted when n3 failed: %s" % (name, [r.describe(report.t0) for r in runs])
        for n in (n1, n2):
            assert not [e for e in n.cluster_log() if e.get("code") == "NODE_LEASE_LOST"], n.name
        n3.heal()
        cs.wait_formed(timeout=90)
        assert twice(cs) == []
        witness.assert_no_overlap(log)
    finally:
        cs.close()
