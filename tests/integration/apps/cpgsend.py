#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Multicast raw messages into wolfpackd's process group, as a peer that
misbehaves would: cpgsend.py FILE joins CPG group "wolfpack" on the
corosync it reaches (run it inside a node), multicasts each line of FILE
as one message in agreed order, and leaves. Bytes are sent as they are:
nothing is checked here, that is wolfpackd's job. libcpg through ctypes,
so that no module needs building."""

import ctypes
import sys
import time

CS_OK = 1
CS_ERR_TRY_AGAIN = 6
CPG_TYPE_AGREED = 2
GROUP = b"wolfpack"


class CpgName(ctypes.Structure):
    _fields_ = [("length", ctypes.c_uint32), ("value", ctypes.c_char * 128)]


class Iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class Callbacks(ctypes.Structure):
    _fields_ = [("deliver", ctypes.c_void_p), ("confchg", ctypes.c_void_p)]


def retry(call, what):
    for _ in range(500):
        r = call()
        if r != CS_ERR_TRY_AGAIN:
            break
        time.sleep(0.01)
    if r != CS_OK:
        sys.exit("cpgsend: %s: corosync error %d" % (what, r))


def main():
    lib = ctypes.CDLL("libcpg.so.4")
    handle_t = ctypes.c_uint64
    lib.cpg_initialize.argtypes = [ctypes.POINTER(handle_t), ctypes.POINTER(Callbacks)]
    lib.cpg_join.argtypes = lib.cpg_leave.argtypes = [handle_t, ctypes.POINTER(CpgName)]
    lib.cpg_mcast_joined.argtypes = [handle_t, ctypes.c_int, ctypes.POINTER(Iovec), ctypes.c_uint]
    lib.cpg_finalize.argtypes = [handle_t]
    handle = ctypes.c_uint64()
    callbacks = Callbacks(None, None)
    retry(lambda: lib.cpg_initialize(ctypes.byref(handle), ctypes.byref(callbacks)), "cpg_initialize")
    group = CpgName(len(GROUP), GROUP)
    retry(lambda: lib.cpg_join(handle, ctypes.byref(group)), "cpg_join")
    with open(sys.argv[1], "rb") as f:
        for line in f.read().splitlines():
            buf = ctypes.create_string_buffer(line, len(line))
            iov = Iovec(ctypes.cast(buf, ctypes.c_void_p), len(line))
            retry(lambda: lib.cpg_mcast_joined(handle, CPG_TYPE_AGREED, ctypes.byref(iov), 1), "cpg_mcast_joined")
    time.sleep(0.5)  # delivered before the leave
    lib.cpg_leave(handle, ctypes.byref(group))
    lib.cpg_finalize(handle)


if __name__ == "__main__":
    main()
