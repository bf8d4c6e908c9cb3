# SPDX-License-Identifier: LGPL-2.1-or-later
"""`wolfpack group create G --preferred N1,N2`, as its usage and the man
page write it: the preferred owners in that order."""

import pytest

from cluster import Cluster


@pytest.fixture
def c():
    cl = Cluster()
    try:
        yield cl
    finally:
        cl.close()


def test_preferred_owners_given_with_commas(c):
    c.cli("group", "create", "web", "--preferred", "n1,n2,n3")
    assert c.cli("group", "get", "web", "PreferredOwners").stdout.strip() == "n1 n2 n3"
    c.cli("group", "create", "db", "--preferred", "n2")
    assert c.cli("group", "get", "db", "PreferredOwners").stdout.strip() == "n2"
    p = c.cli("group", "create", "bad", "--preferred", "n1,n1", check=False)
    assert p.returncode == 1 and "listed twice" in p.stderr, p.stderr
