# SPDX-License-Identifier: LGPL-2.1-or-later
"""Names made of bytes no name may hold (control characters, long runs of
UTF-8 continuation bytes) are refused with the usual message wherever they
come from: a stray socket file in the runtime directory, the config file,
the command line of wolfpackd and of the monitor programs. None of them
may crash on it."""

import os
import subprocess
import tempfile

import pytest

from cluster import BUILD, WOLFPACKD, Cluster

RESMON = os.path.join(BUILD, "src", "wolfpack-resmon")
DRIVER = os.path.join(BUILD, "src", "wolfpack-resmon-driver")

# 64 control characters, then continuation bytes: the stray file name is
# 255 bytes, the longest a file name can be.
# Monitors' sockets are named resmon-<daemon id>-<name>.sock: the stray one
# carries this daemon's id, so that it is looked at, and one without an id
# lies beside it.
BAD_NAME = b"\x01" * 64 + b"\xb0" * 150
OTHER = b"resmon-" + b"\x01" * 64 + b"\xb0" * 179 + b".sock"
BAD = b"\x01" * 64 + b"\xb0" * 1000
RULE = b"is invalid: names are 1 to 63 characters"


def test_stray_socket_name_does_not_stop_wolfpackd():
    c = Cluster()
    try:
        c.stop()
        run = os.path.join(c.dir, "run").encode()
        with open(os.path.join(c.state_dir, "daemon-id")) as f:
            daemon_id = f.read().strip().encode()
        stray = b"resmon-" + daemon_id + b"-" + BAD_NAME + b".sock"
        for name in (stray, OTHER):
            open(os.path.join(run, name), "w").close()
        c.start()
        assert c.api("GET", "/v1/cluster")[0] == 200
        skipped = [e for e in c.log() if e.get("code") == "MONITOR_SOCKET_SKIPPED"]
        assert skipped, c.log()
        assert "names are 1 to 63 characters" in skipped[-1]["text"]
        assert "\\x01" in skipped[-1]["text"]
        # It is left alone: it is not ours to remove.
        assert os.path.exists(os.path.join(run, stray)) and os.path.exists(os.path.join(run, OTHER))
        c.cli("group", "create", "g")
    finally:
        assert not c.close()


def run(args, **kw):
    p = subprocess.run(args, capture_output=True, timeout=30, **kw)
    # A signal (a crash) shows as a negative return code.
    assert p.returncode > 0, (p.returncode, p.stderr[-2000:])
    assert RULE in p.stderr, p.stderr[-2000:]
    # The value is shown cut, escaped, on one line.
    assert b"\\x01" in p.stderr and b"\xb0" not in p.stderr
    return p


@pytest.fixture
def tmp():
    with tempfile.TemporaryDirectory(prefix="wp-names-") as d:
        yield d


def daemon_args(d):
    return [WOLFPACKD, "--foreground", "--state-dir", d + "/state", "--runtime-dir", d + "/run",
            "--socket", d + "/s.sock", "--log-dir", d + "/log"]


def test_wolfpackd_node_name_option(tmp):
    run(daemon_args(tmp) + [b"--node-name", BAD])


def test_wolfpackd_node_name_in_config(tmp):
    conf = os.path.join(tmp, "conf")
    with open(conf, "wb") as f:
        f.write(b"node-name = " + BAD + b"\n")
    run(daemon_args(tmp) + ["--config", conf])


def test_resmon_name(tmp):
    # fd 3 as the parent's socket, as wolfpackd would pass it.
    run(["/bin/sh", "-c", 'exec "$0" "$@" 3>/dev/null', RESMON, b"--name", BAD, "--fd", "3",
         "--runtime-dir", tmp, "--state-dir", tmp])


def test_driver_name(tmp):
    run([DRIVER, b"--name", BAD, "--runtime-dir", tmp, "--state-dir", tmp], stdin=subprocess.DEVNULL)
