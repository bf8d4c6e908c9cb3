# SPDX-License-Identifier: LGPL-2.1-or-later
"""The monitor protocol spoken raw, without the driver: framing errors,
malformed requests and the hello rules. Whatever a parent sends, the
monitor answers with a clear error or closes the connection; it never
crashes."""

import json
import os
import socket
import struct
import subprocess
import tempfile

import pytest

BUILD = os.path.abspath(os.environ.get("WOLFPACK_BUILD") or
                        os.path.join(os.path.dirname(__file__), "..", "..", "build"))
MONITOR = os.path.join(BUILD, "src", "wolfpack-resmon")


class RawMonitor:
    def __init__(self, tmp):
        self.sock, child = socket.socketpair()
        self.proc = subprocess.Popen(
            [MONITOR, "--fd", str(child.fileno()), "--runtime-dir", os.path.join(tmp, "run"),
             "--state-dir", os.path.join(tmp, "state"), "--cgroup", "wptest-proto-%d" % os.getpid(),
             "--reattach-timeout", "500ms",
             "--plugin-dir", os.path.join(BUILD, "src") + ":" + os.path.join(BUILD, "tests", "plugins")],
            pass_fds=[child.fileno()], stderr=subprocess.PIPE)
        child.close()
        self.buf = b""
        self.next_id = 1

    def frame(self, body, version=1, magic=b"WP"):
        return magic + bytes([version, 0]) + struct.pack(">I", len(body)) + body

    def send(self, msg):
        if "id" not in msg:
            msg["id"] = self.next_id
            self.next_id += 1
        self.sock.sendall(self.frame(json.dumps(msg).encode()))
        return msg["id"]

    def recv(self, timeout=5):
        self.sock.settimeout(timeout)
        while True:
            if len(self.buf) >= 8:
                n = struct.unpack(">I", self.buf[4:8])[0]
                if len(self.buf) >= 8 + n:
                    m = json.loads(self.buf[8:8 + n])
                    self.buf = self.buf[8 + n:]
                    return m
            d = self.sock.recv(65536)
            if not d:
                return None
            self.buf += d

    def reply_to(self, rid):
        while True:
            m = self.recv()
            assert m is not None, "the monitor closed the connection"
            if m.get("type") == "reply" and m.get("id") == rid:
                return m

    def request(self, msg):
        return self.reply_to(self.send(msg))

    def close(self):
        self.sock.close()
        try:
            return self.proc.wait(10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


@pytest.fixture
def mon():
    with tempfile.TemporaryDirectory() as tmp:
        m = RawMonitor(tmp)
        yield m
        m.close()


def test_requests_before_hello_are_refused(mon):
    r = mon.request({"type": "list-types"})
    assert r["error"] < 0 and "hello" in r["message"]
    r = mon.request({"type": "hello", "versions": [7]})
    assert r["error"] < 0 and "version 1" in r["message"]
    r = mon.request({"type": "hello", "versions": [1]})
    assert r["error"] == 0 and r["version"] == 1 and r["pid"] == mon.proc.pid


def test_malformed_requests_get_messages(mon):
    mon.request({"type": "hello", "versions": [1]})
    cases = [
        ({"type": "frobnicate"}, "unknown request type"),
        ({"type": "online"}, "needs \"resource\""),
        ({"type": "online", "resource": "nope"}, "no resource \"nope\""),
        ({"type": "open", "resource": "a"}, "rtype"),
        ({"type": "open", "resource": "a/../b", "rtype": "genapp"}, "resource id"),
        ({"type": "open", "resource": "a", "name": "a b", "rtype": "genapp"}, "1 to 63 characters"),
        ({"type": "open", "resource": "a", "rtype": "../etc"}, "type names are"),
        ({"type": "open", "resource": "a", "rtype": "nosuchtype"}, "no nosuchtype.so"),
        ({"type": "lease", "duration_ms": "soon"}, "duration_ms"),
        ({"type": "describe-type"}, "rtype"),
    ]
    for msg, text in cases:
        r = mon.request(msg)
        assert r["error"] < 0, msg
        assert text in r["message"], (msg, r)
    # A request without an id cannot be answered by id, but is answered.
    mon.sock.sendall(mon.frame(b'{"type":"heartbeat"}'))
    m = mon.recv()
    assert m["type"] == "reply" and m["error"] < 0 and "id" in m["message"]
    # Still alive and answering.
    assert mon.request({"type": "heartbeat"})["error"] == 0


def test_refusals_quote_long_multibyte_text_whole(mon):
    # Values are cut for the message on a character boundary: cut inside
    # one, the message would not be UTF-8 and the reply would go without it.
    mon.request({"type": "hello", "versions": [1]})
    for msg, text in [({"type": "x" * 59 + "\u00e9\u00e9"}, "unknown request type"),
                      ({"type": "online", "resource": "r" * 79 + "\u00e9"}, "is open in this monitor")]:
        r = mon.request(msg)
        assert r["error"] < 0, msg
        assert text in r.get("message", ""), (msg, r)
        assert "\u00e9" in r["message"] or "..." in r["message"], r


def test_refusals_show_given_names_on_one_line(mon):
    # Names and values from the parent are quoted with escapes: a newline
    # in them never splits the message.
    mon.request({"type": "hello", "versions": [1]})
    for msg, text in [({"type": "describe-type", "rtype": "a\nb"}, "\"a\\nb\" is invalid"),
                      ({"type": "open", "resource": "a", "rtype": "x\ny"}, "\"x\\ny\" is invalid")]:
        r = mon.request(msg)
        assert r["error"] < 0, msg
        assert text in r["message"] and "\n" not in r["message"], (msg, r)


@pytest.mark.parametrize("garbage", [
    b"GARBAGE!" * 4,
    b"WP\x02\x00\x00\x00\x00\x02{}",
    b"WP\x01\x00\xff\xff\xff\xff",
    b"WP\x01\x00\x00\x00\x00\x05[1,2]",
    b"WP\x01\x00\x00\x00\x00\x04nope",
])
def test_corrupt_stream_closes_the_link_and_the_monitor_ends_alone(mon, garbage):
    mon.request({"type": "hello", "versions": [1]})
    mon.sock.sendall(garbage)
    # The monitor drops the corrupt link, waits ReattachTimeout (500ms) for
    # a new parent, and exits cleanly when none comes.
    while True:
        m = mon.recv(timeout=10)
        if m is None:
            break
    assert mon.proc.wait(10) == 0
    err = mon.proc.stderr.read().decode()
    assert "corrupt" in err or "RESMON" in err


def test_exit_replies_and_exits_zero(mon):
    mon.request({"type": "hello", "versions": [1]})
    r = mon.request({"type": "exit"})
    assert r["error"] == 0
    assert mon.proc.wait(10) == 0
