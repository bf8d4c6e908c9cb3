#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A stand-in application for the integration tests.

It takes flock(LOCK_EX | LOCK_NB) on the lock file it is given and holds it
while it lives. Each test resource has its own lock file, so two copies of
one resource running at once show up at once: the second copy finds the
lock held, appends a line to the marker file (LOCK.twice unless --marker
says otherwise), complains on stderr and exits 3. The test fixture fails
any test that leaves a marker behind.

Options make it behave like the programs a cluster meets: ignore SIGTERM,
fork into the background (double fork, pid file), crash, exit, become ready
late (a file, a listening TCP port), start children, and report its
identity, directory and environment to a JSON file. It must never take a
lock other than the one it is given, nor touch files it was not named.

With --witness LOG it also appends records to LOG, a file that every node
of a test cluster shares: `start` as soon as it runs (before it tries the
lock, so that a second copy shows up in the log too), `alive` every 50 ms,
`stop` when it ends by itself or on SIGTERM. A copy killed with SIGKILL
writes nothing more; its last `alive` bounds its end. Each record is one
line, one write() on a descriptor opened O_APPEND, so that lines from
several processes never mix; tests/integration/witness.py reads them and
describes the format.
"""

import argparse
import fcntl
import json
import os
import signal
import socket
import sys
import threading
import time


def parse_args(argv):
    p = argparse.ArgumentParser(prog="flockapp")
    p.add_argument("lock", help="lock file of the resource")
    p.add_argument("--marker", help="file to append to when the lock is already held")
    p.add_argument("--ignore-term", action="store_true", help="survive SIGTERM")
    p.add_argument("--signal-log", help="append the name of every signal caught here")
    p.add_argument("--daemon", action="store_true", help="double fork; the first process exits 0")
    p.add_argument("--pidfile", help="the process holding the lock writes its pid here")
    p.add_argument("--crash-after", type=float, help="die of SIGSEGV after this many seconds")
    p.add_argument("--exit-after", type=float, help="exit after this many seconds")
    p.add_argument("--exit-code", type=int, default=0)
    p.add_argument("--ready-file", help="create this file once ready")
    p.add_argument("--ready-after", type=float, default=0.0, help="seconds before being ready")
    p.add_argument("--listen", type=int, help="listen on this TCP port once ready")
    p.add_argument("--children", type=int, default=0, help="fork this many sleeping children")
    p.add_argument("--info", help="write pid, ids, cwd and environment to this JSON file")
    p.add_argument("--witness", help="append start/alive/stop records to this shared log")
    p.add_argument("--witness-name", help="the name the records carry (default $WOLFPACK_RESOURCE_NAME)")
    p.add_argument("--node", help="the node name the records carry")
    p.add_argument("--node-file", help="read the node name from this file (a file private to each node)")
    return p.parse_args(argv)


class Witness:
    """Records in the shared witness log; see tests/integration/witness.py."""

    INTERVAL = 0.05

    def __init__(self, args):
        self.fd = None
        if not args.witness:
            return
        node = args.node
        if args.node_file:
            try:
                with open(args.node_file) as f:
                    node = f.read().strip()
            except OSError as e:
                fail(f"--node-file {args.node_file}: {e.strerror}; the fixture writes the node name there")
        if not node:
            fail("--witness needs --node or --node-file: the records must say on which node this runs")
        self.node = node
        self.name = args.witness_name or os.environ.get("WOLFPACK_RESOURCE_NAME") \
            or os.path.basename(args.lock).removesuffix(".lock")
        try:
            self.fd = os.open(args.witness, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
        except OSError as e:
            fail(f"--witness {args.witness}: {e.strerror}; the test creates the log, writable by every user")

    def record(self, event):
        if self.fd is None:
            return
        line = json.dumps({"t": time.clock_gettime(time.CLOCK_MONOTONIC), "event": event, "name": self.name,
                           "node": self.node, "pid": os.getpid()}) + "\n"
        # One write: O_APPEND places it whole at the end, whoever else writes.
        os.write(self.fd, line.encode())

    def start(self):
        self.record("start")
        if self.fd is not None:
            threading.Thread(target=self._alive, daemon=True).start()

    def _alive(self):
        while True:
            time.sleep(self.INTERVAL)
            self.record("alive")


def fail(message):
    sys.stderr.write(f"flockapp: {message}\n")
    sys.stderr.flush()
    os._exit(2)


def log_signal(path, signo):
    if not path:
        return
    with open(path, "a") as f:
        f.write(signal.Signals(signo).name + "\n")


def write_atomically(path, text):
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def take_lock(args, witness):
    fd = os.open(args.lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        marker = args.marker or args.lock + ".twice"
        line = f"pid {os.getpid()} found {args.lock} locked at {time.time():.6f}\n"
        with open(marker, "a") as f:
            f.write(line)
        sys.stderr.write("FLOCKAPP: LOCK TAKEN TWICE: " + line)
        sys.stderr.flush()
        witness.record("stop")
        os._exit(3)
    return fd


def daemonize():
    """Double fork. The original process waits until the daemon holds the
    lock (or failed), so that whoever started it sees a daemon that is
    already up when it exits."""
    r, w = os.pipe()
    if os.fork() > 0:
        os.close(w)
        status = os.read(r, 1)
        os._exit(0 if status == b"1" else 1)
    os.close(r)
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    return w


def become_ready(args):
    if args.ready_after > 0:
        time.sleep(args.ready_after)
    if args.listen is not None:
        try:
            s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("::", args.listen))
        except OSError:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("0.0.0.0", args.listen))
        s.listen(16)
        threading.Thread(target=accept_forever, args=(s,), daemon=True).start()
    if args.ready_file:
        write_atomically(args.ready_file, f"{os.getpid()}\n")


def accept_forever(s):
    while True:
        try:
            c, _ = s.accept()
            c.close()
        except OSError:
            return


def write_info(path):
    info = {
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "sid": os.getsid(0),
        "pgid": os.getpgid(0),
        "uid": os.getuid(),
        "gid": os.getgid(),
        "groups": os.getgroups(),
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "argv": sys.argv,
    }
    write_atomically(path, json.dumps(info))


def main(argv):
    args = parse_args(argv)
    witness = Witness(args)

    if args.ignore_term:
        signal.signal(signal.SIGTERM, lambda signo, frame: log_signal(args.signal_log, signo))
    elif args.signal_log or args.witness:
        def term(signo, frame):
            log_signal(args.signal_log, signo)
            witness.record("stop")
            os._exit(0)
        signal.signal(signal.SIGTERM, term)

    ready_pipe = daemonize() if args.daemon else None

    witness.start()
    lock_fd = take_lock(args, witness)
    print(f"flockapp: pid {os.getpid()} holds {args.lock}", flush=True)
    if args.pidfile:
        write_atomically(args.pidfile, f"{os.getpid()}\n")
    if args.info:
        write_info(args.info)
    # Up: the lock is held and the signal handlers are in place.
    write_atomically(args.lock + ".up", f"{os.getpid()}\n")
    if ready_pipe is not None:
        os.write(ready_pipe, b"1")
        os.close(ready_pipe)
        # A daemon keeps no descriptor of whoever started it.
        fd = os.open(os.devnull, os.O_RDWR)
        for n in (0, 1, 2):
            os.dup2(fd, n)
        os.close(fd)

    for _ in range(args.children):
        if os.fork() == 0:
            os.close(lock_fd)
            witness.fd = None  # the records are the parent's
            while True:
                time.sleep(3600)

    threading.Thread(target=become_ready, args=(args,), daemon=True).start()

    start = time.monotonic()
    while True:
        now = time.monotonic() - start
        if args.crash_after is not None and now >= args.crash_after:
            signal.signal(signal.SIGSEGV, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGSEGV)
        if args.exit_after is not None and now >= args.exit_after:
            sys.stdout.flush()
            witness.record("stop")
            os._exit(args.exit_code)
        time.sleep(0.02)


if __name__ == "__main__":
    main(sys.argv[1:])
