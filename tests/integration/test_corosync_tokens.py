# SPDX-License-Identifier: LGPL-2.1-or-later
"""Tokens of the remote API on three corosync nodes: a token made on one
node works on the remote API of every node, a revoke on another node is
refused everywhere, and a node that was down when the token was made
learns it when it joins again. Each node's remote API is reached from
inside its own network namespace, on its loopback."""

import json
import os
import tempfile

import pytest

from corosync_cluster import CorosyncCluster, kill_node, restart_node
from remote import make_certs

PORT = 7443


@pytest.fixture(scope="module")
def cs():
    tls = make_certs(tempfile.mkdtemp(prefix="wp-tls-"))
    config = "listen = 127.0.0.1:%d\ntls-cert = %s/node.pem\ntls-key = %s/node-key.pem\n" % (PORT, tls, tls)
    with CorosyncCluster(3, token=3000, config=config) as c:
        c.tls = tls
        yield c


def whoami(node, token):
    """(status, answer) of the node's remote API, asked inside the node."""
    p = node.run("curl", "-sS", "-m", "10", "--cacert", os.path.join(node.cluster.tls, "ca.pem"), "-H",
                 "Authorization: Bearer " + token, "-w", "\n%{http_code}", "https://127.0.0.1:%d/v1/whoami" % PORT,
                 timeout=20)
    body, status = p.stdout.rsplit("\n", 1)
    return int(status), json.loads(body)


def wait_status(cs, node, token, status, timeout=10):
    """The node's answer once its status is status."""
    def check():
        r = whoami(node, token)
        return r[0] == status and r
    return cs.wait("%s answering %d" % (node.name, status), check, timeout=timeout)


def make_token(node, name, role):
    p = node.cli("token", "create", name, "--role", role)
    return p.stdout.strip()


def test_a_token_works_on_every_node(cs):
    n1, n2, n3 = cs.nodes
    tok = make_token(n1, "everywhere", "operator")
    for node in cs.nodes:
        status, body = wait_status(cs, node, tok, 200)
        assert body == {"name": "everywhere", "role": "operator", "via": "token"}, (node.name, body)
    n3.cli("token", "revoke", "everywhere")
    for node in cs.nodes:
        status, body = wait_status(cs, node, tok, 401)
        assert "revoked" in body["error"]["message"]


def test_a_node_that_was_down_learns_the_tokens(cs):
    n1, n2, n3 = cs.nodes
    kill_node(n3)
    tok = make_token(n1, "while-away", "read")
    assert whoami(n2, tok)[0] == 200
    restart_node(n3)
    cs.wait_formed()
    status, body = wait_status(cs, n3, tok, 200, timeout=40)
    assert body["name"] == "while-away"
    # Listed alike on every node, without hashes.
    lists = [json.loads(node.cli("--json", "token", "list").stdout) for node in cs.nodes]
    assert lists[0] == lists[1] == lists[2]
    assert [t["name"] for t in lists[0]] == ["while-away"]
