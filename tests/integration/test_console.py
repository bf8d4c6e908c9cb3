# SPDX-License-Identifier: LGPL-2.1-or-later
"""The web console in a real browser: wolfpackd on one node with its TLS
listener, tokens of each role, and tests/browser/console.test.mjs driving
Debian's chromium through playwright-core against it (that script says
what it checks). The application is killed by the script itself, through
WOLFPACK_KILL_CMD. Screenshots of every view land in the test's temporary
directory.

Needs node, chromium and tests/browser/node_modules (make integration
installs them); without them the test fails, it does not skip."""

import os
import shlex
import shutil
import subprocess
import time

from cluster import WOLFPACK
from remote import Remote

HERE = os.path.dirname(os.path.abspath(__file__))
BROWSER_TESTS = os.path.join(os.path.dirname(HERE), "browser")
SCRIPT = os.path.join(BROWSER_TESTS, "console.test.mjs")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

SHOTS = ["overview", "group", "property-refused", "nodes", "log", "read-overview", "read-group"]


def require_tools():
    problems = []
    node = shutil.which("node")
    if not node:
        problems.append("node is not installed (make integration installs Debian's nodejs)")
    if not os.access(CHROMIUM, os.X_OK):
        problems.append("%s is missing (apt-get install chromium; make test does)" % CHROMIUM)
    if not os.path.isfile(os.path.join(BROWSER_TESTS, "node_modules", "playwright-core", "package.json")):
        problems.append("playwright-core is not installed (npm ci --prefix tests/browser; make integration does)")
    assert not problems, "; ".join(problems)
    return node


def test_console_modules():
    """The modules that need no page (the event stream's parser, the
    dependency graph's layout, the roles), under node's test runner."""
    node = require_tools()
    p = subprocess.run([node, "--test", os.path.join(BROWSER_TESTS, "modules.test.mjs")], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, "node --test modules.test.mjs failed:\n%s\n%s" % (p.stdout[-6000:], p.stderr[-2000:])


def test_console_in_a_browser(tmp_path):
    node = require_tools()
    r = Remote()
    c = r.cluster
    try:
        c.cli("group", "create", "web")
        # db <- app <- front: a graph of two edges. app restarts after a kill
        # (RestartThreshold well above the one kill of the run).
        c.cli("resource", "create", "db", "--type", "genapp", "--group", "web", c.app("db"))
        c.cli("resource", "create", "app", "--type", "genapp", "--group", "web", c.app("app"),
              "RestartThreshold=10", "RestartDelay=1s")
        c.cli("resource", "create", "front", "--type", "genapp", "--group", "web", c.app("front"))
        c.cli("resource", "depend", "app", "--on", "db")
        c.cli("resource", "depend", "front", "--on", "app")
        c.cli("group", "online", "web")
        c.wait_state("group", "web", "Online")

        shots = tmp_path / "screenshots"
        pid = "%s --socket %s resource get app ProcessId" % (shlex.quote(WOLFPACK), shlex.quote(c.socket))
        env = dict(os.environ,
                   WOLFPACK_URL=r.url,
                   WOLFPACK_ADMIN_TOKEN=r.token("console-admin", "admin"),
                   WOLFPACK_OPERATOR_TOKEN=r.token("console-operator", "operator"),
                   WOLFPACK_READ_TOKEN=r.token("console-read", "read"),
                   WOLFPACK_GROUP="web",
                   WOLFPACK_RESOURCE="app",
                   # A pid of 0 or 1 would make kill signal far more than the application.
                   WOLFPACK_KILL_CMD='p=$(%s) && [ "$p" -gt 1 ] && kill -KILL "$p"' % pid,
                   WOLFPACK_SCREENSHOTS=str(shots),
                   CHROMIUM=CHROMIUM)
        start = time.monotonic()
        p = subprocess.run([node, "--test-reporter=spec", SCRIPT], cwd=BROWSER_TESTS, env=env,
                           capture_output=True, text=True, timeout=300)
        took = time.monotonic() - start
        print(p.stdout)
        print(p.stderr)
        print("browser test: exit %d after %.1f s; screenshots in %s" % (p.returncode, took, shots))
        assert p.returncode == 0, "the browser test failed (exit %d):\n%s\n%s" % (
            p.returncode, p.stdout[-6000:], p.stderr[-3000:])
        made = sorted(f.name for f in shots.iterdir())
        for name in SHOTS:
            assert any(f.endswith("-%s.png" % name) for f in made), "no screenshot of %s among %s" % (name, made)
        assert c.group("web")["state"] == "Online"
    finally:
        left = c.close()
    assert not c.twice(), "a lock was taken twice: %s" % c.twice()
    assert not left, "processes left behind: %s" % left
