#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A stand-in application for the genjob integration tests.

It does what a job's limits and restrictions are about, as options ask,
reports what it saw to JSON files, then sleeps until it is stopped:

  --report FILE       (- for standard output)
                      identity, capabilities, no_new_privs, nice value,
                      resource limits, cgroups, what /tmp holds
  --tmp-marker        with --report: write a file in /tmp (PrivateTmp)
  --probe FILE        the errno of calls that are harmless whether or not
                      a restriction is in force: reboot(0, 0, 0, NULL),
                      adjtimex(ADJ_TICK, tick 0), clock_settime of
                      CLOCK_MONOTONIC, sethostname(the current name),
                      mount on a path that does not exist
  --children N        N short-lived children, one after another
  --wait-for FILE     wait until FILE exists before what follows
  --fork-bomb N       up to N sleeping children at once; FILE of
                      --forks gets how many started and the errno that
                      stopped it; with --grandchildren each child at once
                      forks a sleeping child of its own
  --spin-child FILE   a child that spins on the CPU; its pid in FILE
  --spin              the main process spins
  --hog-child SIZE    a child that allocates SIZE bytes, 1M at a time
  --hog SIZE          the main process does
  --crash-child       a child that dies of SIGSEGV after --crash-delay
  --daemon FILE       a double-forked daemon that ignores SIGTERM; its pid
  --breakaway FILE    run `wolfpack-breakaway sleep 1000` (--breakaway-bin)
                      as a child; its pid and, if it failed, its message
  --ignore-term       the main process survives SIGTERM
  --exit-after S      exit 0 after S seconds
  --up FILE           written (the pid) once everything above is set up
It never touches files it was not named, and never changes the system:
every probe fails either with the restriction's EPERM or with EINVAL or
ENOENT.
"""

import argparse
import ctypes
import errno
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)


def write_atomically(path, text):
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def status_fields():
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def report(path, tmp_marker):
    tmp_written = None
    if tmp_marker:
        # Only where /tmp is the job's own (PrivateTmp).
        marker = f"/tmp/jobapp-{os.getpid()}"
        try:
            with open(marker, "w") as f:
                f.write("x")
            tmp_written = marker
        except OSError as e:
            tmp_written = f"error: {e}"
    st = status_fields()
    with open("/proc/self/cgroup") as f:
        cgroups = f.read().splitlines()
    info = {
        "pid": os.getpid(),
        "uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
        "CapEff": st.get("CapEff"), "CapPrm": st.get("CapPrm"), "CapBnd": st.get("CapBnd"),
        "CapAmb": st.get("CapAmb"), "NoNewPrivs": st.get("NoNewPrivs"), "Seccomp": st.get("Seccomp"),
        "nice": os.getpriority(os.PRIO_PROCESS, 0),
        "rlimit_cpu": resource.getrlimit(resource.RLIMIT_CPU),
        "rlimit_as": resource.getrlimit(resource.RLIMIT_AS),
        "rlimit_core": resource.getrlimit(resource.RLIMIT_CORE),
        "cgroups": cgroups,
        "tmp": sorted(os.listdir("/tmp")),
        "tmp_written": tmp_written,
        "cwd": os.getcwd(),
    }
    if path == "-":
        print(json.dumps(info), flush=True)
    else:
        write_atomically(path, json.dumps(info))


class Timex(ctypes.Structure):
    _fields_ = [("modes", ctypes.c_uint), ("offset", ctypes.c_long), ("freq", ctypes.c_long),
                ("maxerror", ctypes.c_long), ("esterror", ctypes.c_long), ("status", ctypes.c_int),
                ("constant", ctypes.c_long), ("precision", ctypes.c_long), ("tolerance", ctypes.c_long),
                ("time_sec", ctypes.c_long), ("time_usec", ctypes.c_long), ("tick", ctypes.c_long),
                ("reserved", ctypes.c_byte * 256)]


class Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


ADJ_TICK = 0x4000
SYS_REBOOT = {"x86_64": 169, "aarch64": 142}.get(os.uname().machine)


def errno_of(rc):
    return 0 if rc == 0 else ctypes.get_errno()


def probe(path):
    out = {}
    if SYS_REBOOT is not None:
        # Magic numbers 0: EINVAL for root, EPERM without CAP_SYS_BOOT or
        # under a filter. Never reboots.
        out["reboot"] = errno_of(libc.syscall(SYS_REBOOT, 0, 0, 0, None))
    tx = Timex(modes=ADJ_TICK, tick=0)
    # tick 0 is out of range: EINVAL when allowed, EPERM when not.
    out["adjtimex"] = errno_of(0 if libc.adjtimex(ctypes.byref(tx)) >= 0 else -1)
    ts = Timespec(0, 0)
    out["clock_settime"] = errno_of(libc.clock_settime(1, ctypes.byref(ts)))  # CLOCK_MONOTONIC: EINVAL
    name = socket.gethostname().encode()
    out["sethostname"] = errno_of(libc.sethostname(name, len(name)))  # the same name
    out["mount"] = errno_of(libc.mount(b"none", b"/nonexistent-jobapp", b"tmpfs", 0, None))
    write_atomically(path, json.dumps(out))


def spin():
    while True:
        pass


def hog(size):
    chunks = []
    step = 1 << 20
    for _ in range(size // step):
        chunks.append(bytearray(b"\1") * step)
    return chunks


def fork_bomb(n, path, grandchildren=False):
    started, err = 0, 0
    for _ in range(n):
        try:
            pid = os.fork()
        except OSError as e:
            err = e.errno
            break
        if pid == 0:
            if grandchildren and os.fork() == 0:
                time.sleep(3600)
                os._exit(0)
            time.sleep(3600)
            os._exit(0)
        started += 1
    write_atomically(path, json.dumps({"started": started, "errno": err}))


def child(fn, *args):
    pid = os.fork()
    if pid == 0:
        try:
            fn(*args)
        finally:
            os._exit(0)
    return pid


def daemon(path):
    r, w = os.pipe()
    if os.fork() > 0:
        os.close(w)
        os.read(r, 1)
        os.close(r)
        return
    os.close(r)
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    write_atomically(path, f"{os.getpid()}\n")
    os.write(w, b"1")
    os.close(w)
    while True:
        time.sleep(3600)


def breakaway(path, binary):
    p = subprocess.Popen([binary, "/bin/sleep", "1000"], stderr=subprocess.PIPE, start_new_session=True)
    try:
        rc = p.wait(1.0)
        msg = p.stderr.read().decode(errors="replace")
    except subprocess.TimeoutExpired:
        rc, msg = None, ""
    write_atomically(path, json.dumps({"pid": p.pid, "rc": rc, "message": msg}))


def reap(signum, frame):
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def main(argv):
    p = argparse.ArgumentParser(prog="jobapp")
    p.add_argument("--report")
    p.add_argument("--tmp-marker", action="store_true")
    p.add_argument("--probe")
    p.add_argument("--children", type=int, default=0)
    p.add_argument("--wait-for")
    p.add_argument("--fork-bomb", type=int, default=0)
    p.add_argument("--forks")
    p.add_argument("--grandchildren", action="store_true")
    p.add_argument("--spin-child")
    p.add_argument("--spin", action="store_true")
    p.add_argument("--hog-child", type=int)
    p.add_argument("--hog", type=int)
    p.add_argument("--crash-child", action="store_true")
    p.add_argument("--crash-delay", type=float, default=0.2)
    p.add_argument("--daemon")
    p.add_argument("--breakaway")
    p.add_argument("--breakaway-bin", default="wolfpack-breakaway")
    p.add_argument("--ignore-term", action="store_true")
    p.add_argument("--exit-after", type=float)
    p.add_argument("--up")
    a = p.parse_args(argv)

    if a.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if a.report:
        report(a.report, a.tmp_marker)
    if a.probe:
        probe(a.probe)
    for _ in range(a.children):
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
    if a.daemon:
        daemon(a.daemon)
    if a.breakaway:
        breakaway(a.breakaway, a.breakaway_bin)
    signal.signal(signal.SIGCHLD, reap)
    while a.wait_for and not os.path.exists(a.wait_for):
        time.sleep(0.02)
    if a.fork_bomb:
        fork_bomb(a.fork_bomb, a.forks, a.grandchildren)
    if a.spin_child:
        pid = child(spin)
        write_atomically(a.spin_child, f"{pid}\n")
    if a.hog_child:
        child(hog, a.hog_child)
    if a.crash_child:
        def crash():
            time.sleep(a.crash_delay)
            signal.signal(signal.SIGSEGV, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGSEGV)
        child(crash)
    if a.up:
        write_atomically(a.up, f"{os.getpid()}\n")
    if a.hog:
        keep = hog(a.hog)
    if a.spin:
        spin()
    start = time.monotonic()
    while True:
        if a.exit_after is not None and time.monotonic() - start >= a.exit_after:
            os._exit(0)
        time.sleep(0.05)


if __name__ == "__main__":
    main(sys.argv[1:])
