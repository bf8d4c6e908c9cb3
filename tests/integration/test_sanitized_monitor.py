# SPDX-License-Identifier: LGPL-2.1-or-later
"""The monitor built with AddressSanitizer and UndefinedBehaviorSanitizer
(the build `make test` makes for the unit tests, build-asan/), driven
through plug-in calls that stress its memory rules: a fault shows up as a
sanitizer report and a monitor that dies."""

import json
import os
import subprocess
import tempfile
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ASAN_BUILD = os.path.abspath(os.environ.get("WOLFPACK_ASAN_BUILD") or os.path.join(HERE, "..", "..", "build-asan"))


def own_cgroup():
    with open("/proc/self/mountinfo") as f:
        mount = next(l.split()[4] for l in f if l.split()[l.split().index("-") + 1] == "cgroup2")
    with open("/proc/self/cgroup") as f:
        return mount + next(l[3:].strip() for l in f if l.startswith("0::")).rstrip("/")


def run_driver(commands, cgroup):
    driver = os.path.join(ASAN_BUILD, "src", "wolfpack-resmon-driver")
    assert os.path.exists(driver), (
        "%s is missing: this test runs the sanitizer build; `make test` builds it (or set WOLFPACK_ASAN_BUILD)" % driver)
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0:abort_on_error=1",
                   UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
        p = subprocess.run(
            [driver, "--plugin-dir", os.path.join(ASAN_BUILD, "src") + ":" + os.path.join(ASAN_BUILD, "tests", "plugins"),
             "--runtime-dir", tmp + "/run", "--state-dir", tmp + "/state", "--cgroup", cgroup],
            input="".join(json.dumps(c) + "\n" for c in commands), capture_output=True, text=True, timeout=60, env=env)
    return p, [json.loads(line) for line in p.stdout.splitlines()]


def test_child_source_released_in_its_own_exit_callback():
    cmds = []
    for i in range(3):
        cmds += [{"type": "open", "resource": "r%d" % i, "rtype": "test-release"},
                 {"type": "online", "resource": "r%d" % i},
                 {"type": "wait", "resource": "r%d" % i, "state": "Online", "timeout": "10s"},
                 {"type": "offline", "resource": "r%d" % i},
                 {"type": "online", "resource": "r%d" % i},
                 {"type": "wait", "resource": "r%d" % i, "state": "Online", "timeout": "10s"}]
    cgroup = "wp-asan-" + uuid.uuid4().hex[:8]
    p, out = run_driver(cmds + [{"type": "quit"}], cgroup)
    # Closing a resource leaves nothing of it, even what its plug-in did
    # not stop (this one's helper may still run when it is closed).
    assert not os.path.exists(os.path.join(own_cgroup(), cgroup)), "the monitor left its cgroups behind"
    assert "ERROR: AddressSanitizer" not in p.stderr and "runtime error" not in p.stderr, p.stderr[-4000:]
    exits = [e for e in out if e["type"] == "monitor-exit"]
    assert exits and exits[-1].get("exit_code") == 0, (exits, p.stderr[-2000:])
    assert p.returncode == 0, p.stdout[-2000:]
