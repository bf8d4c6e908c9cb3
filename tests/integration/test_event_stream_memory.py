# SPDX-License-Identifier: LGPL-2.1-or-later
"""The event stream under clients that never read: what wolfpackd queues
for all of them together is bounded (event-stream-memory, 64 MiB by
default), not only per client (4 MiB), so a crowd of them cannot grow
wolfpackd by gigabytes. The client furthest behind is cut first, with a
log entry saying why; a client that reads keeps its stream."""

import socket
import threading
import time

from cluster import Cluster

MIB = 1024 * 1024
BOUND = 64 * MIB
# Enough that, without the bound, their queues (4 MiB each) would take
# wolfpackd far past it.
SLOW = 40
# Each online of the resource fails with a message that quotes its long
# CurrentDirectory: about 10 KB of events per online/offline cycle.
LONG_DIR = "/nonexistent/" + "d" * 3900


def rss_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError("no %s for %d" % (field, pid))


def subscribe(path, rcvbuf=None):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(path)
    s.sendall(b"GET /v1/events HTTP/1.1\r\nHost: wolfpack\r\n\r\n")
    return s


class Reader(threading.Thread):
    """A client that reads all the time; remembers how much it got and
    whether the stream ended."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.sock = subscribe(path)
        self.sock.settimeout(0.2)
        self.got = 0
        self.tail = b""
        self.seen = set()
        self.ended = False
        self.stop = False
        self.lock = threading.Lock()

    def run(self):
        while not self.stop:
            try:
                d = self.sock.recv(1 << 16)
            except socket.timeout:
                continue
            except OSError:
                d = b""
            if not d:
                self.ended = True
                return
            with self.lock:
                self.got += len(d)
                text = self.tail + d
                for word in (b"EVENT_STREAM_DROPPED", b"furthest behind"):
                    if word in text:
                        self.seen.add(word.decode())
                self.tail = text[-200:]


def cut(sock, timeout=10):
    """Whether wolfpackd ended this stream: what is left in the socket,
    then the end."""
    sock.settimeout(timeout)
    try:
        while sock.recv(1 << 20):
            pass
        return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def check_bounded(bound, slow_clients, config=""):
    """slow_clients that never read and one that does, while events flow:
    wolfpackd's peak RSS grows by at most the bound plus a margin for the
    connections' own buffers, the slow ones are cut for the bound, and
    the reader keeps its stream."""
    c = Cluster(config=config)
    slow = []
    reader = None
    try:
        c.cli("group", "create", "g")
        c.cli("resource", "create", "a", "--type", "genapp", "--group", "g", "CommandLine=/bin/true",
              "CurrentDirectory=" + LONG_DIR)
        pid = c.proc.pid
        base = rss_kib(pid, "VmRSS")
        reader = Reader(c.socket)
        reader.start()
        slow = [subscribe(c.socket, rcvbuf=4096) for _ in range(slow_clients)]
        time.sleep(0.3)

        # Events until every slow client would be past its own 4 MiB.
        end = time.monotonic() + 20
        while reader.got < 6 * MIB and time.monotonic() < end:
            assert c.api("POST", "/v1/resources/a/online", {})[0] == 202
            assert c.api("POST", "/v1/resources/a/offline", {})[0] == 202
        assert reader.got >= 6 * MIB, "only %d bytes of events in 20 s" % reader.got

        peak = rss_kib(pid, "VmHWM")
        print("wolfpackd RSS before %d KiB, peak %d KiB, now %d KiB; %d bytes of events to the reader"
              % (base, peak, rss_kib(pid, "VmRSS"), reader.got))
        assert (peak - base) * 1024 < bound + 16 * MIB, \
            "wolfpackd grew by %d KiB for %d clients that do not read" % (peak - base, slow_clients)

        assert all(cut(s) for s in slow), "a client that does not read kept its stream"
        with reader.lock:
            seen = set(reader.seen)
        assert {"EVENT_STREAM_DROPPED", "furthest behind"} <= seen, seen
        assert any(e.get("code") == "EVENT_STREAM_DROPPED" and "furthest behind" in e.get("text", "")
                   for e in c.log())

        # The reader still gets what happens now.
        before = reader.got
        assert c.api("POST", "/v1/resources/a/online", {})[0] == 202
        c.wait_for(lambda: reader.got > before, timeout=5)
        assert not reader.ended
    finally:
        if reader:
            reader.stop = True
        for s in slow:
            s.close()
        assert not c.close()


def test_non_reading_clients_are_bounded_together_and_cut_slowest_first():
    check_bounded(BOUND, SLOW)


def test_the_bound_is_configured():
    # 8 MiB for 20 clients: without it they would hold 80.
    check_bounded(8 * MIB, 20, config="event-stream-memory = 8M\n")
