# SPDX-License-Identifier: LGPL-2.1-or-later
"""A monitor with running resources and nothing happening sleeps: it must
not spin on a watch that stays ready (kernfs reports EPOLLPRI on
cgroup.events until the watching fd reads it again)."""

import json
import os
import subprocess
import tempfile
import time

BUILD = os.path.abspath(os.environ.get("WOLFPACK_BUILD") or
                        os.path.join(os.path.dirname(__file__), "..", "..", "build"))


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def test_idle_monitor_uses_almost_no_cpu():
    with tempfile.TemporaryDirectory() as tmp:
        d = subprocess.Popen(
            [os.path.join(BUILD, "src", "wolfpack-resmon-driver"), "--plugin-dir", os.path.join(BUILD, "src"),
             "--runtime-dir", tmp + "/run", "--state-dir", tmp + "/state", "--cgroup", "wptest-idle-%d" % os.getpid()],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        try:
            monitor = json.loads(d.stdout.readline())["pid"]
            for i in range(3):
                d.stdin.write(json.dumps({"type": "open", "resource": "r%d" % i, "rtype": "genapp",
                                          "properties": {"CommandLine": "sleep 1000"}}) + "\n")
                d.stdin.write(json.dumps({"type": "online", "resource": "r%d" % i}) + "\n")
                d.stdin.write(json.dumps({"type": "wait", "resource": "r%d" % i, "state": "Online",
                                          "timeout": "5s"}) + "\n")
            d.stdin.flush()
            waits = 0
            while waits < 3:
                m = json.loads(d.stdout.readline())
                assert m["type"] != "wait-timeout", m
                waits += m["type"] == "wait-done"
            time.sleep(0.5)
            before = cpu_ticks(monitor)
            time.sleep(2)
            used = cpu_ticks(monitor) - before
            # A spinning loop uses all 2 s (200 ticks); an idle one next to none.
            assert used < 40, "the monitor used %d ticks in 2 s while idle" % used
        finally:
            d.stdin.write('{"type":"quit"}\n')
            d.stdin.close()
            d.wait(30)
