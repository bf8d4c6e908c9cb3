# SPDX-License-Identifier: LGPL-2.1-or-later
"""The split-brain witness: did two nodes ever run the same group at once?

Test applications (apps/flockapp.py --witness LOG) append records to one log
that every node of a test cluster shares (the nodes share the machine's
/tmp and its CLOCK_MONOTONIC). One JSON object a line:

    {"t": 8123.456789, "event": "start", "name": "g1", "node": "n2", "pid": 4242}

  t      CLOCK_MONOTONIC, seconds, taken just before the write
  event  start (the program began), alive (every 50 ms while it runs),
         stop (it ended by itself or on SIGTERM; SIGKILL leaves no stop)
  name   the group (or resource) the program stands for
  node   the node it runs on
  pid    its process id

A *run* is one process: its records, keyed by (node, name, pid); a start
record always begins a new run (pids are reused). A run lasts from its first
record to its last: the stop, or for a killed run its last alive, which
bounds its end to within 50 ms. Two runs of one name on two different nodes
whose intervals share more than an end point are an *overlap*: the group ran
twice. The *handover* between consecutive runs (by start) on different nodes
is the gap from the first one's last record to the next one's start: what a
failover or a move cost.

check(path) builds a Report; assert_no_overlap(path) fails with its account.
As a program: witness.py LOG prints the report and exits 1 on an overlap.
Lines that are not records are listed, never fatal: a log must not hide an
overlap because something else wrote into it."""

import json
import os
import shlex
import sys

EVENTS = ("start", "alive", "stop")


class Record:
    __slots__ = ("t", "event", "name", "node", "pid", "line")

    def __init__(self, t, event, name, node, pid, line):
        self.t, self.event, self.name, self.node, self.pid, self.line = t, event, name, node, pid, line


def parse_line(text):
    """(fields, None) or (None, why the line is not a record)."""
    try:
        o = json.loads(text)
    except ValueError:
        return None, "not JSON"
    if not isinstance(o, dict):
        return None, "not a JSON object"
    for key, types in (("t", (int, float)), ("event", str), ("name", str), ("node", str), ("pid", int)):
        v = o.get(key)
        if not isinstance(v, types) or isinstance(v, bool):
            return None, "no %s" % key if v is None else "%s is %r" % (key, v)
    if o["event"] not in EVENTS:
        return None, "event %r is none of %s" % (o["event"], ", ".join(EVENTS))
    if not o["name"] or not o["node"]:
        return None, "empty name or node"
    return o, None


def parse(text):
    """(records in file order, bad lines as (line number, text, why)). A
    last line without its newline is still being written: left out."""
    records, bad = [], []
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if not line.strip():
            continue
        o, why = parse_line(line)
        if why:
            bad.append((n, line, why))
        else:
            records.append(Record(float(o["t"]), o["event"], o["name"], o["node"], o["pid"], n))
    return records, bad


class Run:
    def __init__(self, first):
        self.name, self.node, self.pid = first.name, first.node, first.pid
        self.records = [first]

    @property
    def start(self):
        return self.records[0].t

    @property
    def end(self):
        return self.records[-1].t

    @property
    def started(self):
        return self.records[0].event == "start"

    @property
    def stopped(self):
        return self.records[-1].event == "stop"

    def ended(self):
        return "stopped" if self.stopped else "last alive" if len(self.records) > 1 else "start only"

    def describe(self, t0):
        return "%s (pid %d, %s to %s, %s%s)" % (
            self.node, self.pid, clock(self.start, t0), clock(self.end, t0), self.ended(),
            "" if self.started else ", no start record")


def clock(t, t0):
    return "%.3f (+%.3f s)" % (t, t - t0)


def build_runs(records):
    """Every run, in order of start."""
    open_runs, runs = {}, []
    for r in sorted(records, key=lambda r: (r.t, r.line)):
        key = (r.node, r.name, r.pid)
        run = open_runs.get(key)
        if run is None or r.event == "start":
            run = open_runs[key] = Run(r)
            runs.append(run)
        else:
            run.records.append(r)
        if r.event == "stop":
            del open_runs[key]
    return runs


class Overlap:
    def __init__(self, a, b):
        self.a, self.b = a, b
        self.since = max(a.start, b.start)
        self.until = min(a.end, b.end)

    @property
    def ms(self):
        return (self.until - self.since) * 1000.0


class Handover:
    def __init__(self, before, after):
        self.before, self.after = before, after

    @property
    def gap_ms(self):
        return (self.after.start - self.before.end) * 1000.0


class Report:
    def __init__(self, records, bad):
        self.records = records
        self.bad = bad
        self.runs = build_runs(records)
        self.t0 = min((r.t for r in records), default=0.0)
        self.overlaps, self.handovers = [], []
        for name in self.names():
            runs = self.runs_of(name)
            for i, a in enumerate(runs):
                for b in runs[i + 1:]:
                    # Strict on both sides: runs that only touch (one ends
                    # as the next starts) did not run at once.
                    if a.node != b.node and a.start < b.end and b.start < a.end:
                        self.overlaps.append(Overlap(a, b))
            for before, after in zip(runs, runs[1:]):
                if before.node != after.node:
                    self.handovers.append(Handover(before, after))

    def names(self):
        return sorted({r.name for r in self.runs})

    def runs_of(self, name, node=None, after=None):
        """name's runs (on node), started after the time given."""
        return [r for r in self.runs if r.name == name and (node is None or r.node == node)
                and (after is None or r.start > after)]

    @property
    def ok(self):
        return not self.overlaps

    def overlap_ms_max(self):
        return max((o.ms for o in self.overlaps), default=0.0)

    def text(self):
        out = []
        if self.overlaps:
            out.append("SPLIT BRAIN: %d overlap%s" % (len(self.overlaps), "" if len(self.overlaps) == 1 else "s"))
            for o in self.overlaps:
                out.append("  %s ran on %s and %s at once: for %.1f ms, from %s to %s" % (
                    o.a.name, o.a.node, o.b.node, o.ms, clock(o.since, self.t0), clock(o.until, self.t0)))
                out.append("    %s" % o.a.describe(self.t0))
                out.append("    %s" % o.b.describe(self.t0))
        else:
            out.append("no overlap: %d run%s of %d name%s, %d record%s" % (
                len(self.runs), "" if len(self.runs) == 1 else "s", len(self.names()),
                "" if len(self.names()) == 1 else "s", len(self.records), "" if len(self.records) == 1 else "s"))
        for name in self.names():
            out.append("%s:" % name)
            for r in self.runs_of(name):
                out.append("  run on %s" % r.describe(self.t0))
            for h in self.handovers:
                if h.after.name == name:
                    out.append("  handover %s -> %s: %.1f ms from %s's last record to %s's start" % (
                        h.before.node, h.after.node, h.gap_ms, h.before.node, h.after.node))
        if self.bad:
            out.append("%d line%s that are not records (left out):" % (len(self.bad), "" if len(self.bad) == 1 else "s"))
            for n, line, why in self.bad[:20]:
                out.append("  line %d: %s: %r" % (n, why, line[:120]))
        return "\n".join(out)


def check(path):
    """The report over the log at path (a missing log has no records)."""
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except FileNotFoundError:
        text = ""
    return Report(*parse(text))


def assert_no_overlap(path):
    """The report; AssertionError with its account on any overlap."""
    report = check(path)
    if not report.ok:
        raise AssertionError("witness log %s:\n%s" % (path, report.text()))
    return report


def new_log(directory):
    """Create an empty witness log in directory, which becomes mode 1777,
    the log 0666: applications running as any user append to it. Every
    directory above must be searchable by others (not a mkdtemp one)."""
    os.chmod(directory, 0o1777)
    path = os.path.join(directory, "witness.log")
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666))
    os.chmod(path, 0o666)
    return path


def app_command(app, lock, log, name, node=None, node_file=None, extra=()):
    """The command line (CommandLine of a genapp resource) that runs the
    test application app (testapps.FLOCKAPP) holding lock and recording
    name in log, on the node named node or read from node_file."""
    argv = ["/usr/bin/python3", app, lock, "--witness", log, "--witness-name", name]
    argv += ["--node", node] if node else ["--node-file", node_file]
    return shlex.join(argv + list(extra))


def main(argv):
    if len(argv) != 1:
        sys.stderr.write("usage: witness.py LOG\n")
        return 2
    report = check(argv[0])
    print(report.text())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
