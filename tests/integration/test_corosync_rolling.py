# SPDX-License-Identifier: LGPL-2.1-or-later
"""Rolling maintenance of three corosync nodes: for each node in turn,
drain it, stop it (wolfpackd, then corosync), start it again, resume it,
and let failback bring its group home. Every group stays online but for
its moves: the witness application of each group runs without a gap
longer than a move, never on two nodes at once, and ends where it began."""

import os
import time

import witness
from corosync_cluster import CorosyncCluster, owner_everywhere, restart_node, twice, witness_group

# A move stops the application on one node and starts it on the other: its
# gap is a stop and a start, far below this on any machine.
MOVE_GAP_MAX_MS = 10000


def test_rolling_maintenance_keeps_every_group_online_but_for_its_moves():
    cs = CorosyncCluster(3, token=3000)
    try:
        groups = {"g%d" % n.i: n for n in cs.nodes}
        for g, home in groups.items():
            others = " ".join(n.name for n in cs.nodes if n is not home)
            witness_group(cs, g, group_properties={"PreferredOwners": "%s %s" % (home.name, others),
                                                   "AutoFailbackType": "allow"})
            cs.nodes[0].cli("group", "online", g)
        for g, home in groups.items():
            cs.wait(g + " at home", lambda: owner_everywhere(cs.nodes, g) == home.name, timeout=30)
        log = os.path.join(cs.dir, "witness", "witness.log")
        t0 = time.monotonic()

        for node in cs.nodes:
            up = [n for n in cs.nodes if n is not node]
            t = time.monotonic()
            p = up[0].cli("node", "drain", node.name, timeout=90)
            assert "is drained" in p.stdout, p.stdout
            for g in groups:
                assert owner_everywhere(cs.nodes, g) in [n.name for n in up], (g, p.stdout)
            node.stop_wolfpackd()
            node.corosync.terminate()
            node.corosync.wait(20)
            ids = [n.i for n in up]
            cs.wait("the others without " + node.name, lambda: all(cs.view(n) == (True, ids) for n in up),
                    timeout=60, interval=0.2)
            # Maintenance happens here; the groups keep running elsewhere.
            for g in groups:
                assert owner_everywhere(up, g) in [n.name for n in up], g
            restart_node(node)
            cs.wait_formed(timeout=60)
            up[0].cli("node", "resume", node.name)
            home = next(g for g, h in groups.items() if h is node)
            cs.wait(home + " back home on " + node.name, lambda: owner_everywhere(cs.nodes, home) == node.name,
                    timeout=60)
            print("%s: drain, stop, start, resume, failback in %.1f s" % (node.name, time.monotonic() - t))

        for g, home in groups.items():
            assert owner_everywhere(cs.nodes, g) == home.name, g
        # Online comes as the application starts; its own record of the
        # run a moment later (a loaded machine takes most of a second).
        def at_home():
            r = witness.check(log)
            for g, home in groups.items():
                runs = [x for x in r.runs_of(g) if x.end >= t0]
                if not runs or runs[-1].node != home.name or runs[-1].end <= time.monotonic() - 1.0:
                    return None
            return r
        cs.wait("every group's application running at home", at_home, timeout=20)
        report = witness.check(log)
        assert report.ok, report.text()
        assert twice(cs) == []
        for g in groups:
            runs = [r for r in report.runs_of(g) if r.end >= t0]
            # Each gap between two runs is a move (to another node), short.
            for before, after in zip(runs, runs[1:]):
                gap = (after.start - before.end) * 1000
                assert before.node != after.node and gap < MOVE_GAP_MAX_MS, (g, before.describe(t0),
                                                                             after.describe(t0), gap)
            # It ran until now: the last run is still going.
            assert runs[-1].end > time.monotonic() - 1.0 and runs[-1].node == groups[g].name, (g, runs[-1].describe(t0))
            print("%s: %d runs, gaps %s ms" % (g, len(runs), ", ".join(
                "%.0f" % ((b.start - a.end) * 1000) for a, b in zip(runs, runs[1:]))))
    finally:
        cs.close()
