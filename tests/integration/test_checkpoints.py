# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checkpoints across nodes: a resource's CheckpointPaths, changed while
it is online on n1, are there — contents, mode and modification time —
when its group comes online on n2 after n1 is killed. Each node has a
private /run (corosync_cluster.py), so the path is the same name and
another file on each node."""

import os
import time

from corosync_cluster import CorosyncCluster, kill_node, owner_everywhere
from testapps import FLOCKAPP


def test_a_file_changed_on_n1_is_there_on_n2_after_n1_is_killed():
    cs = CorosyncCluster(3, token=3000)
    try:
        n1, n2, n3 = cs.nodes
        on = lambda node, *p: os.path.join(node.dir, "run", "wp-ckpt", *p)
        os.makedirs(on(n1, "conf.d"))
        with open(on(n1, "state.txt"), "w") as f:
            f.write("v1\n")
        status, body = n1.api("POST", "/v1/groups", {"name": "ck", "properties": {"PreferredOwners": "n1 n2"}})
        assert status == 201, body
        # Checked at create: absolute paths without . or .., a cap in range.
        for bad, prop in (("relative/path", "CheckpointPaths"), ("/a/../b", "CheckpointPaths"),
                          ("/a/./b", "CheckpointPaths"), ("1G", "CheckpointMaxSize")):
            status, body = n1.api("POST", "/v1/resources", {"name": "bad", "type": "genapp", "group": "ck",
                                                             "properties": {"CommandLine": "/bin/true", prop: bad}})
            assert status == 422 and prop in body["error"]["message"], (bad, body)
        lock = os.path.join(cs.dir, "ck.lock")
        status, body = n1.api("POST", "/v1/resources", {"name": "ck-app", "type": "genapp", "group": "ck", "properties": {
            "CommandLine": "%s %s" % (FLOCKAPP, lock), "CheckpointPaths": "/run/wp-ckpt"}})
        assert status == 201, body
        n1.cli("group", "online", "ck")
        assert owner_everywhere(cs.nodes, "ck") == "n1"
        cs.wait("the first copy in n2's database", lambda: n2.dump("checkpoints"), timeout=10)

        # Back online on the node that made the last copy: what is there is
        # that copy or newer, and stays — a change made while it was offline
        # is not undone by the older copy.
        n1.cli("group", "offline", "ck")
        with open(on(n1, "state.txt"), "w") as f:
            f.write("changed here while offline\n")
        n1.cli("group", "online", "ck")
        with open(on(n1, "state.txt")) as f:
            assert f.read() == "changed here while offline\n"

        # Changed while online: a new content, mode and time; a new file.
        with open(on(n1, "state.txt"), "w") as f:
            f.write("v2 written on n1\n")
        os.chmod(on(n1, "state.txt"), 0o640)
        os.utime(on(n1, "state.txt"), (1700000000, 1700000000.5))
        with open(on(n1, "conf.d", "extra.conf"), "w") as f:
            f.write("extra\n")
        want = "v2 written on n1\n".encode().hex()
        t = time.monotonic()
        cs.wait("the change copied into n2's database", lambda: any(want in row[1] and "extra.conf" in row[1]
                                                                   for row in n2.dump("checkpoints")), timeout=10)
        print("change on n1 -> in n2's database after %.0f ms" % ((time.monotonic() - t) * 1000))
        assert not os.path.exists(on(n2, "state.txt"))

        kill_node(n1)
        cs.wait("ck Online on n2", lambda: owner_everywhere([n2, n3], "ck") == "n2", timeout=60, interval=0.2)
        with open(on(n2, "state.txt")) as f:
            assert f.read() == "v2 written on n1\n"
        st = os.stat(on(n2, "state.txt"))
        assert st.st_mode & 0o7777 == 0o640 and st.st_mtime_ns == 1700000000500000000, st
        with open(on(n2, "conf.d", "extra.conf")) as f:
            assert f.read() == "extra\n"
        assert [e for e in n2.cluster_log() if e.get("code") == "CHECKPOINT_RESTORED" and e.get("name") == "ck-app"]
    finally:
        cs.close()

