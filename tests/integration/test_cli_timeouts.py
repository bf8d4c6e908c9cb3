# SPDX-License-Identifier: LGPL-2.1-or-later
"""The CLI against a server that does not do its part: one that accepts and
never answers, one that never accepts, one whose backlog is full, and one
whose event stream goes on past the answer timeout. Every call ends, with a
message that says what wolfpackd failed to do, within a bound of its own;
an event stream that keeps sending is not cut. The cases run side by side,
so the whole takes about the default answer timeout (30 s)."""

import os
import socket
import subprocess
import tempfile
import threading
import time

from cluster import WOLFPACK

ANSWER_TIMEOUT = 30  # the CLI's default wait for an answer


class FakeServer:
    """A unix socket at a path of its own; mode says how it misbehaves."""

    def __init__(self, mode):
        self.dir = tempfile.mkdtemp(prefix="wp-fake-")
        self.path = os.path.join(self.dir, "s.sock")
        self.mode = mode
        self.keep = []
        self.stop = threading.Event()
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        if mode == "full":
            # Backlog 0 holds one connection: with it queued, the next
            # connect finds the queue full.
            self.listener.listen(0)
            for _ in range(4):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.setblocking(False)
                try:
                    s.connect(self.path)
                    self.keep.append(s)
                except BlockingIOError:
                    s.close()
                    break
            assert self.keep, "could not fill the backlog"
        else:
            self.listener.listen(16)
        if mode in ("silent", "stream"):
            self.thread = threading.Thread(target=self.serve, daemon=True)
            self.thread.start()

    def serve(self):
        self.listener.settimeout(0.2)
        while not self.stop.is_set():
            try:
                c, _ = self.listener.accept()
            except socket.timeout:
                continue
            self.keep.append(c)
            if self.mode == "stream":
                threading.Thread(target=self.stream, args=(c,), daemon=True).start()

    def stream(self, c):
        c.recv(65536)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
        start = time.monotonic()
        # Keep-alives only, past the answer timeout; then one event, and
        # the end of the stream.
        while time.monotonic() - start < ANSWER_TIMEOUT + 3 and not self.stop.is_set():
            c.sendall(b": keepalive\n\n")
            time.sleep(1)
        c.sendall(b'data: {"type":"log","text":"late event"}\n\n')
        c.close()

    def close(self):
        self.stop.set()
        for s in self.keep:
            s.close()
        self.listener.close()
        os.unlink(self.path)
        os.rmdir(self.dir)


CASES = [
    # (server, command, bound on how long it may take, text the message must hold, exit status)
    ("silent", ["status"], ANSWER_TIMEOUT + 10, "did not answer within 30s", 1),
    ("silent", ["events"], ANSWER_TIMEOUT + 10, "did not answer within 30s", 1),
    ("silent", ["group", "create", "g"], ANSWER_TIMEOUT + 10, "may still carry out the request", 1),
    ("unaccepted", ["status"], ANSWER_TIMEOUT + 10, "did not answer within 30s", 1),
    ("full", ["status"], 5, "is not accepting connections", 1),
    ("stream", ["--json", "events"], ANSWER_TIMEOUT + 15, None, 0),
]


def test_cli_calls_end_within_their_bounds():
    servers, runs = [], []
    try:
        for mode, args, bound, text, status in CASES:
            srv = FakeServer(mode)
            servers.append(srv)
            p = subprocess.Popen([WOLFPACK, "--socket", srv.path] + args, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            runs.append((mode, args, bound, text, status, p, time.monotonic()))
        failures = []
        for mode, args, bound, text, status, p, t0 in runs:
            try:
                out, err = p.communicate(timeout=max(1, bound - (time.monotonic() - t0)))
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()
                failures.append("%s server, wolfpack %s: no end within %d s" % (mode, " ".join(args), bound))
                continue
            took = time.monotonic() - t0
            if p.returncode != status:
                failures.append("%s server, wolfpack %s: exit %d, not %d: %s%s"
                                % (mode, " ".join(args), p.returncode, status, out, err))
            elif text and text not in err:
                failures.append("%s server, wolfpack %s: message lacks %r: %s" % (mode, " ".join(args), text, err))
            elif mode == "stream" and ("late event" not in out or took < ANSWER_TIMEOUT):
                failures.append("stream cut after %.1f s (stdout %r, stderr %r)" % (took, out, err))
        assert not failures, "\n".join(failures)
    finally:
        for srv in servers:
            srv.close()


def test_completion_does_not_hang_on_a_server_that_does_not_answer():
    completion = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "completion",
                              "wolfpack.bash")
    srv = FakeServer("silent")
    try:
        t0 = time.monotonic()
        p = subprocess.run(["bash", "-c", 'source "$1"; _wolfpack_cmd="$2"; _wolfpack_socket="$3"; '
                            '_wolfpack_query group; _wolfpack_props group g', "-", completion, WOLFPACK, srv.path],
                           capture_output=True, text=True, timeout=20)
        took = time.monotonic() - t0
        assert p.stdout == "", p.stdout
        assert took < 6, "completion waited %.1f s for a server that does not answer" % took
    finally:
        srv.close()
