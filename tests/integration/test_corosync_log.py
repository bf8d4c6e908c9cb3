# SPDX-License-Identifier: LGPL-2.1-or-later
"""`wolfpack log` across three real corosync nodes, with no shared disk:
the log on any node holds every node's entries in time order, each with
its node; --node, --since, --limit and --json narrow and shape it;
--follow prints what another node logs while it runs; a node that is not
in the view, or does not answer, is named on stderr, never a silent gap."""

import datetime
import json
import os
import queue
import signal
import subprocess
import threading
import time

import pytest

from corosync_cluster import (WOLFPACK, CorosyncCluster, freeze_wolfpackd, heal_partition, partition,
                              thaw_wolfpackd)
from testapps import FLOCKAPP

FILLER = 4000


@pytest.fixture(scope="module")
def cs():
    c = CorosyncCluster(3, token=3000)
    try:
        c.wait_formed()
        yield c
    finally:
        c.close()


def make_group(cs, name, preferred, **props):
    n1 = cs.nodes[0]
    status, body = n1.api("POST", "/v1/groups", {"name": name, "properties": {"PreferredOwners": preferred}})
    assert status == 201, body
    lock = os.path.join(cs.dir, name + ".lock")
    n1.cli("resource", "create", name + "-app", "--type", "genapp", "--group", name,
           "CommandLine=%s %s" % (FLOCKAPP, lock), *["%s=%s" % kv for kv in props.items()])
    n1.cli("group", "online", name)


def logged(node, code, name):
    """node's own file has an entry code about name."""
    return lambda: any(e.get("code") == code and e.get("name") == name for e in node.cluster_log())


def get_log(node, query=""):
    status, body = node.api("GET", "/v1/log" + query)
    assert status == 200, body
    return body


def utc(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)


def order_key(e):
    return (e["time"], e["node"])


def test_every_node_s_entries_on_any_node_in_time_order(cs):
    n1, n2, n3 = cs.nodes
    make_group(cs, "g2", "n2")
    cs.wait("g2-app started on n2", logged(n2, "GENAPP_STARTED", "g2-app"), timeout=30)
    # RestartAction 1: a failure restarts it where it is, on n3.
    make_group(cs, "g3", "n3", RestartAction=1)
    cs.wait("g3-app started on n3", logged(n3, "GENAPP_STARTED", "g3-app"), timeout=30)
    n1.cli("resource", "fail", "g3-app")
    cs.wait("g3-app restarting on n3", logged(n3, "RESOURCE_RESTARTING", "g3-app"), timeout=30)

    files = {n.i: n.cluster_log() for n in cs.nodes}
    t0 = time.monotonic()
    body = get_log(n1)
    print("GET /v1/log on 3 nodes: %.0f ms, %d entries" % ((time.monotonic() - t0) * 1000, len(body["entries"])))
    assert body["missing"] == [] and body["truncated"] == [], body
    entries = body["entries"]
    assert entries == sorted(entries, key=order_key), "not in time order"
    # Every entry each node had written before the request, from n1 alone.
    for i, written in files.items():
        got = [(e["time"], e["code"], e.get("text")) for e in entries if e["node"] == i]
        for e in written:
            assert (e["time"], e["code"], e.get("text")) in got, (i, e)
        assert all(e["node_name"] == "n%d" % i for e in entries if e["node"] == i)
    codes = {(e["node"], e["code"], e.get("name")) for e in entries}
    assert (2, "GENAPP_STARTED", "g2-app") in codes and (3, "RESOURCE_RESTARTING", "g3-app") in codes
    assert (1, "NODE_STARTED", None) in codes
    assert (2, "GENAPP_STARTED", "g3-app") not in codes and (1, "GENAPP_STARTED", "g2-app") not in codes

    # The CLI, on another node: a table with each node's name.
    t0 = time.monotonic()
    p = n3.cli("log")
    print("wolfpack log on 3 nodes: %.0f ms" % ((time.monotonic() - t0) * 1000))
    assert p.stderr == "", p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].split()[:2] == ["TIME", "NODE"]
    assert any(line.split()[1] == "n2" and "GENAPP_STARTED" in line and "g2-app" in line for line in lines)
    assert any(line.split()[1] == "n3" and "RESOURCE_RESTARTING" in line and "g3-app" in line for line in lines)
    assert len(lines) - 1 >= len(entries)

    # --json parses, and is the API's answer.
    j = json.loads(n2.cli("--json", "log").stdout)
    assert set(j) == {"entries", "missing", "truncated"} and len(j["entries"]) >= len(entries)

    # One node: by name or by id.
    only = json.loads(n1.cli("--json", "log", "--node", "n2").stdout)["entries"]
    assert only and all(e["node"] == 2 for e in only)
    assert any(e["code"] == "GENAPP_STARTED" and e.get("name") == "g2-app" for e in only)
    only = json.loads(n1.cli("--json", "log", "--node", "3").stdout)["entries"]
    assert only and all(e["node"] == 3 for e in only)
    assert any(e["code"] == "RESOURCE_RESTARTING" and e.get("name") == "g3-app" for e in only)

    # --limit: each node's newest, and the CLI says what was left out.
    p = n1.cli("log", "--limit", "2")
    rows = p.stdout.splitlines()[1:]
    assert sorted(r.split()[1] for r in rows) == ["n1", "n1", "n2", "n2", "n3", "n3"], p.stdout
    for n in ("n1", "n2", "n3"):
        assert "older entries of node %s were left out" % n in p.stderr, p.stderr


def test_since_narrows_to_the_last_seconds(cs):
    n1, n2 = cs.nodes[0], cs.nodes[1]
    everything = get_log(n1)["entries"]
    started = max(utc(e["time"]) for e in everything if e["code"] == "NODE_STARTED")
    # Far enough from the last node's start that its entries can fall outside.
    while datetime.datetime.now(datetime.timezone.utc) - started < datetime.timedelta(seconds=8):
        time.sleep(0.5)
    mark = datetime.datetime.now(datetime.timezone.utc)
    n1.cli("group", "offline", "g2")
    try:
        cs.wait("an entry of n2 after the offline", lambda: any(utc(e["time"]) > mark for e in n2.cluster_log()),
                timeout=30)
    except AssertionError as e:
        # What each node says of g2, and n2's last entries, to tell why.
        raise AssertionError("%s (mark %s)\ng2 on n1: %s\ng2 on n2: %s\nn2's last entries:\n%s" % (
            e, mark.isoformat(), n1.api("GET", "/v1/groups/g2"), n2.api("GET", "/v1/groups/g2"),
            "\n".join(json.dumps(x) for x in n2.cluster_log()[-15:])))
    # Back to 2 s after the last start, however long the machine took: the
    # new entries are in, the starts are out.
    now = datetime.datetime.now(datetime.timezone.utc)
    back = int((now - started).total_seconds()) - 2
    answer = json.loads(n1.cli("--json", "log", "--since", "%ds" % back).stdout)
    after = datetime.datetime.now(datetime.timezone.utc)
    assert answer["missing"] == [], answer["missing"]
    recent = answer["entries"]
    assert any(e["node"] == 2 and utc(e["time"]) > mark for e in recent), (back, recent)
    assert not any(e["code"] == "NODE_STARTED" for e in recent), (back, recent)
    # The server counts back from its now, in whole seconds.
    assert all(utc(e["time"]) >= now - datetime.timedelta(seconds=back + 1) for e in recent), (back, recent)
    key = lambda e: (e["node"], e["time"], e["code"], e.get("text"))
    inside = {key(e) for e in get_log(n1)["entries"]
              if after - datetime.timedelta(seconds=back) <= utc(e["time"]) <= now}
    assert inside <= {key(e) for e in recent}, inside - {key(e) for e in recent}
    assert len(recent) < len(everything)


class Lines:
    """A process's stdout (or another of its pipes), line by line, read
    on a thread."""

    def __init__(self, proc, pipe=None):
        self.q = queue.Queue()
        self.pipe = pipe or proc.stdout
        self.all = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.pipe:
            self.all.append(line)
            self.q.put(line)

    def wait(self, pred, timeout):
        end = time.monotonic() + timeout
        seen = []
        while time.monotonic() < end:
            try:
                line = self.q.get(timeout=max(0.01, end - time.monotonic()))
            except queue.Empty:
                break
            seen.append(line)
            if pred(line):
                return line
        raise AssertionError("no such line within %ss; saw:\n%s" % (timeout, "".join(seen[-20:])))


def test_follow_prints_an_entry_another_node_makes_while_it_runs(cs):
    n1, n3 = cs.nodes[0], cs.nodes[2]
    proc = subprocess.Popen([WOLFPACK, "--socket", n1.socket, "--json", "log", "--follow", "--since", "1h"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out = Lines(proc)
        # The history first: once n3's last restart is printed, what comes
        # is new.
        out.wait(lambda l: json.loads(l).get("code") == "RESOURCE_RESTARTING", timeout=10)
        time.sleep(0.5)
        made = datetime.datetime.now(datetime.timezone.utc)
        n1.cli("resource", "fail", "g3-app")
        t0 = time.monotonic()
        line = out.wait(lambda l: json.loads(l).get("code") == "RESOURCE_RESTARTING" and
                        utc(json.loads(l)["time"]) >= made - datetime.timedelta(seconds=1), timeout=15)
        print("an entry of n3 shown by --follow on n1 %.0f ms after `resource fail`" % ((time.monotonic() - t0) * 1000))
        e = json.loads(line)
        assert e["node"] == 3 and e["node_name"] == "n3" and e["name"] == "g3-app", e
        assert proc.poll() is None, "--follow ended by itself"
        # The log, then what came: nothing twice, and the log as GET has it.
        keys = [(x["node"], x["time"], x["code"], x.get("text")) for x in map(json.loads, out.all)]
        assert len(keys) == len(set(keys)), [k for k in keys if keys.count(k) > 1]
        logged_before = {(x["node"], x["time"], x["code"], x.get("text")) for x in get_log(n1, "?since=1h")["entries"]
                         if utc(x["time"]) < made - datetime.timedelta(seconds=2)}
        assert logged_before <= set(keys)
    finally:
        proc.terminate()
        proc.wait(10)

    # The table form of --follow: one line per entry, node named.
    proc = subprocess.Popen([WOLFPACK, "--socket", n1.socket, "log", "--follow", "--node", "n3", "--since", "1h"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out = Lines(proc)
        line = out.wait(lambda l: "RESOURCE_RESTARTING" in l, timeout=10)
        assert line.split()[1] == "n3", line
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_node_that_does_not_answer_is_named_as_missing(cs):
    n1, n2, n3 = cs.nodes
    freeze_wolfpackd(n2)
    try:
        t0 = time.monotonic()
        p = n1.cli("log")
        took = time.monotonic() - t0
        # Requests waiting for answers are bounded: one past 16 is told to
        # come back, the others are answered.
        answers = []
        waiting = [threading.Thread(target=lambda: answers.append(n1.api("GET", "/v1/log"))) for _ in range(16)]
        for t in waiting:
            t.start()
        time.sleep(0.5)
        status, body = n1.api("GET", "/v1/log")
        for t in waiting:
            t.join(15)
    finally:
        thaw_wolfpackd(n2)
    assert status == 503 and body["error"]["code"] == "busy" and "try again" in body["error"]["message"], body
    assert len(answers) == 16 and all(s == 200 and [m["node"] for m in b["missing"]] == ["n2"] for s, b in answers)
    print("wolfpack log with n2's wolfpackd stopped: %.1f s" % took)
    assert p.returncode == 0
    assert "the entries of node n2 (id 2) are missing: did not answer within 2 s" in p.stderr, p.stderr
    nodes = {line.split()[1] for line in p.stdout.splitlines()[1:]}
    assert nodes == {"n1", "n3"}, p.stdout
    assert 1.5 < took < 8, took


def test_a_member_that_leaves_the_view_before_it_answers_is_named_at_once(cs):
    """n2's wolfpackd frozen, then killed while n1 waits for its answer:
    CPG drops it from the view at once, and n1 answers then, naming it,
    without waiting out the 2 s."""
    n1, n2 = cs.nodes[0], cs.nodes[1]
    freeze_wolfpackd(n2)
    pid = n2.wolfpackd.pid
    answer = {}

    def ask():
        t0 = time.monotonic()
        answer["body"] = get_log(n1)
        answer["took"] = time.monotonic() - t0

    asker = threading.Thread(target=ask)
    asker.start()
    time.sleep(0.3)
    os.kill(pid, signal.SIGKILL)
    n2.wolfpackd.wait(10)
    asker.join(15)
    try:
        missing = answer["body"]["missing"]
        assert [(m["node"], m["why"]) for m in missing] == [("n2", "left the view before it answered")], missing
        assert answer["took"] < 1.9, answer["took"]
        print("a member killed while its answer was due: answered in %.2f s" % answer["took"])
    finally:
        n2.start_wolfpackd()
        n2.wait_wolfpackd()
        cs.wait_formed()


def test_a_node_that_is_down_is_named_as_missing(cs):
    n1, n2, n3 = cs.nodes
    follow = subprocess.Popen([WOLFPACK, "--socket", n1.socket, "--json", "log", "--follow", "--since", "1h"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, notes = Lines(follow), Lines(follow, follow.stderr)
        out.wait(lambda l: True, timeout=10)
        time.sleep(0.5)
        n3.stop_wolfpackd()
        # Its last words, logged as it exits, reach the others.
        out.wait(lambda l: json.loads(l).get("code") == "NODE_STOPPED" and json.loads(l)["node"] == 3, timeout=15)
        # And the follower is told that n3's entries cannot come now.
        notes.wait(lambda l: "node n3 left the view of n1: its entries are missing from here on" in l, timeout=15)

        # An older log than memory holds, as a node that ran a long time
        # has: read back from the file after the restart, in many parts.
        path = os.path.join(n3.dir, "wplog", "cluster.log")
        start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
        filler = [json.dumps({"level": "info", "code": "TEST_FILLER", "text": "entry %d %s" % (i, "x" * 200),
                              "time": (start + datetime.timedelta(milliseconds=i)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                              "node": 3}) for i in range(FILLER)]
        with open(path) as f:
            before = f.read()
        with open(path, "w") as f:
            f.write("\n".join(filler) + "\n" + before)
        cs.wait("n3 out of n1's view", lambda: cs.view(n1)[1] == [1, 2], timeout=30)
        p = n1.cli("log")
        assert p.returncode == 0
        assert "the entries of node n3 (id 3) are missing: not a member of this view" in p.stderr, p.stderr
        assert {line.split()[1] for line in p.stdout.splitlines()[1:]} == {"n1", "n2"}
        body = get_log(n2, "?node=n3")
        assert body["entries"] == [] and [m["node"] for m in body["missing"]] == ["n3"], body
        # Only n3 asked for, and n3 cannot answer: nothing to show is a failure.
        p = n2.cli("log", "--node", "n3", check=False)
        assert p.returncode == 1 and "the entries of node n3 (id 3) are missing" in p.stderr, p
        n3.start_wolfpackd()
        n3.wait_wolfpackd()
        cs.wait_formed()
        notes.wait(lambda l: "node n3 is in the view of n1 again" in l, timeout=15)
        # What n3 logs now comes again (what it logged alone, before it
        # joined, only wolfpack log shows).
        out.wait(lambda l: json.loads(l).get("code") == "NODE_VIEW" and json.loads(l)["node"] == 3, timeout=15)
    finally:
        follow.terminate()
        follow.wait(10)
        if n3.wolfpackd.poll() is not None:  # the others' tests need it back
            n3.start_wolfpackd()
            n3.wait_wolfpackd()
            cs.wait_formed()
    cs.wait("n3's entries again", lambda: get_log(n1)["missing"] == [], timeout=30)
    # Its log from before the restart, read back from its file.
    body = get_log(n1, "?node=n3")
    assert [t["node"] for t in body["truncated"]] == ["n3"], body["truncated"]
    assert any(e["code"] == "RESOURCE_RESTARTING" and e.get("name") == "g3-app" for e in body["entries"])
    t0 = time.monotonic()
    body = get_log(n1, "?limit=100000")
    took = time.monotonic() - t0
    size = len(json.dumps(body))
    print("GET /v1/log with %d entries of n3 read back from its file: %.0f ms, %d bytes" % (
        len(body["entries"]), took * 1000, size))
    assert body["missing"] == [] and body["truncated"] == [], body
    got = [e["text"] for e in body["entries"] if e["code"] == "TEST_FILLER"]
    assert got == [json.loads(x)["text"] for x in filler]
    assert body["entries"] == sorted(body["entries"], key=order_key)
    assert size > 1024 * 1024  # more than one message could carry
    t0 = time.monotonic()
    p = n2.cli("log", "--limit", "100000")
    print("wolfpack log of %d lines on n2: %.0f ms" % (len(p.stdout.splitlines()) - 1, (time.monotonic() - t0) * 1000))
    assert len(p.stdout.splitlines()) - 1 >= len(body["entries"]) and p.stderr == ""


def test_each_side_of_a_partition_shows_the_log_of_the_nodes_it_reaches(cs):
    """Runtime messages go whatever the quorum: the side without quorum
    still shows its own log, and each side names the other's nodes."""
    n1, n2, n3 = cs.nodes
    partition(cs, [n3])
    try:
        cs.wait("n3 alone", lambda: cs.view(n3) == (False, [3]), timeout=30)
        cs.wait("n1 with n2", lambda: cs.view(n1) == (True, [1, 2]), timeout=30)
        p = n3.cli("log")
        assert p.returncode == 0
        for n in ("n1 (id 1)", "n2 (id 2)"):
            assert "the entries of node %s are missing: not a member of this view" % n in p.stderr, p.stderr
        assert {line.split()[1] for line in p.stdout.splitlines()[1:]} == {"n3"}
        p = n2.cli("log")
        assert "the entries of node n3 (id 3) are missing" in p.stderr, p.stderr
        assert {line.split()[1] for line in p.stdout.splitlines()[1:]} == {"n1", "n2"}
    finally:
        heal_partition(cs)
    cs.wait_formed()
    cs.wait("every node's entries on n3 again", lambda: get_log(n3)["missing"] == [], timeout=30)


def test_bad_log_messages_from_a_peer_are_logged_and_dropped(cs):
    """A process on n3 joins wolfpackd's process group and multicasts
    rt.log.* messages of every wrong shape, then a good one: every node's
    wolfpackd logs and drops each bad one, naming n3 and what is wrong, and
    shows the good one; none of them stops answering."""
    n1, n2, n3 = cs.nodes
    inc = 4242

    def envelope(msg):
        return json.dumps({"wolfpack": 1, "node": 3, "incarnation": inc, "ring": [1, 1],
                           "msg": dict(msg, v=1, origin=3, incarnation=inc, seq=1)})

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    entry = {"time": now, "node": 3, "level": "info", "code": "FROM_A_PEER", "text": "as a peer sends it"}
    bad = [
        ({"type": "rt.log.new", "entries": [dict(entry, time="yesterday")]}, "an entry's time is not"),
        ({"type": "rt.log.new", "entries": [entry, dict(entry, node=1)]}, "entry 1: an entry's node is not its sender"),
        ({"type": "rt.log.new", "entries": "none"}, "entries is not a list"),
        ({"type": "rt.log.new", "entries": [dict(entry, code="a b")]}, "an entry's code is not"),
        ({"type": "rt.log.ask", "req": 1, "nodes": [1, 2, 99], "limit": 10}, "nodes[2] is not a node id"),
        ({"type": "rt.log.ask", "req": 1, "nodes": [1, 2], "limit": 10, "since": "never"}, "since is not"),
        ({"type": "rt.log.ask", "req": "one", "nodes": [1, 2], "limit": 10}, "req is not a number"),
    ]
    to_n1 = ({"type": "rt.log.part", "to": 1, "to_inc": 1, "req": 1, "part": -5, "last": True, "more": False,
              "entries": []}, "rt.log.part: to, to_inc, req, part, last or more")
    # Then a flood: logged up to a burst, then counted.
    flood = [bad[0]] * 20
    good = {"type": "rt.log.new", "entries": [entry]}
    path = os.path.join(cs.dir, "peer-messages")
    with open(path, "w") as f:
        f.write("\n".join(envelope(m) for m, _ in bad + [to_n1] + flood) + "\n" + envelope(good) + "\n")

    follow = subprocess.Popen([WOLFPACK, "--socket", n1.socket, "--json", "log", "--follow", "--since", "1s"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out = Lines(follow)
        time.sleep(1)
        n3.run("/usr/bin/python3", os.path.join(os.path.dirname(FLOCKAPP), "cpgsend.py"), path, timeout=30)
        # The good one gets through: the way in works.
        line = out.wait(lambda l: json.loads(l).get("code") == "FROM_A_PEER", timeout=15)
        assert json.loads(line)["node_name"] == "n3"
    finally:
        follow.terminate()
        follow.wait(10)

    def dropped(node):
        return [e["text"] for e in node.cluster_log() if e["code"] == "LOG_MESSAGE_INVALID"]

    # Ten lines, the last saying that the rest are dropped without a line.
    cs.wait("n1 and n2 logged the bad messages", lambda: len(dropped(n1)) == 10 and len(dropped(n2)) == 10,
            timeout=15)
    time.sleep(1)
    for node, expected in ((n1, bad + [to_n1] + flood), (n2, bad + flood)):
        texts = dropped(node)
        assert len(texts) == 10, (node.name, texts)
        for (_, why), text in zip(expected, texts):
            assert text.startswith("message from n3 dropped: ") and why in text, (node.name, text, why)
        assert "its further bad messages are dropped without a line for a minute" in texts[-1], texts[-1]
        assert all("further" not in t for t in texts[:-1])
    # Every wolfpackd still answers, and with every node's log.
    for n in cs.nodes:
        assert n.wolfpackd.poll() is None, n.name
        assert get_log(n)["missing"] == []


def test_a_node_that_does_not_exist_is_refused(cs):
    n1 = cs.nodes[0]
    p = n1.cli("log", "--node", "nosuch", check=False)
    assert p.returncode != 0 and p.stdout == ""
    assert 'no node "nosuch" in this cluster; its nodes are n1 (1), n2 (2), n3 (3)' in p.stderr, p.stderr
    status, body = n1.api("GET", "/v1/log?node=9")
    assert status == 404 and "no node \"9\"" in body["error"]["message"], body
    for bad in ("limit=0", "limit=x", "limit=100001", "since=soon"):
        status, body = n1.api("GET", "/v1/log?" + bad)
        assert status == 400, (bad, body)
    # wolfpackd still answers, everywhere.
    for n in cs.nodes:
        assert get_log(n)["missing"] == []
