# SPDX-License-Identifier: LGPL-2.1-or-later
"""The test applications, copied where every user can run them.

Some tests start an application as `nobody`. A checkout often lives where
only root can look (/root is mode 0700), so the scripts in apps/ are
copied once per test session into a fresh directory of mode 0755 under
the system's temporary directory, and the tests run those copies. The
directory is removed when the session ends."""

import atexit
import os
import shutil
import tempfile

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "apps")


def _publish():
    d = tempfile.mkdtemp(prefix="wp-apps-")
    os.chmod(d, 0o755)
    for name in sorted(os.listdir(SOURCE)):
        if name.endswith(".py"):
            dst = os.path.join(d, name)
            shutil.copyfile(os.path.join(SOURCE, name), dst)
            os.chmod(dst, 0o755)
    atexit.register(shutil.rmtree, d, True)
    return d


DIR = _publish()
FLOCKAPP = os.path.join(DIR, "flockapp.py")
JOBAPP = os.path.join(DIR, "jobapp.py")


def reachable_by_others(path):
    """Whether a user who is neither the owner nor in the group can read
    path: every directory above it searchable by others, the file readable."""
    path = os.path.abspath(path)
    if not os.stat(path).st_mode & 0o004:
        return False
    d = os.path.dirname(path)
    while True:
        if not os.stat(d).st_mode & 0o001:
            return False
        if d == "/":
            return True
        d = os.path.dirname(d)
