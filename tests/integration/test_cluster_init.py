# SPDX-License-Identifier: LGPL-2.1-or-later
"""`wolfpack cluster init` makes a cluster that works: three nodes whose
corosync.conf, authkey and wolfpackd.conf it wrote (node 1 made the key,
the others were given it with --authkey) start real corosync with crypto on
in three network namespaces and form a quorate three-node membership, and
wolfpackd joins on every node. A node given a key of its own stays out.
Each node serves the remote API over TLS with the certificate cluster init
made, signed by the CA node 1 made and the others took with --tls.
And the command itself: refusals write nothing, files in the way are
named, the two-node configuration with a witness is one corosync takes,
and two nodes with corosync-qnetd as that witness keep exactly one side
quorate when they lose each other."""

import json
import os
import re
import subprocess
import tempfile
import time

import pytest

from cluster import WOLFPACK
from corosync_cluster import CorosyncCluster, ensure_corosync
from qnetd import ensure_qdevice


@pytest.fixture(scope="module")
def cs():
    c = CorosyncCluster(3, token=3000, init=True)
    try:
        yield c
    finally:
        c.close()


def init(*args, check=True):
    p = subprocess.run([WOLFPACK, "cluster", "init"] + list(args), capture_output=True, text=True, timeout=30)
    if check and p.returncode != 0:
        raise AssertionError("cluster init %s: exit %d\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return p


def quorumtool(node):
    return node.run("corosync-quorumtool", "-s", check=False).stdout


def test_generated_files_form_a_quorate_three_node_cluster(cs):
    for node in cs.nodes:
        out = quorumtool(node)
        assert re.search(r"Quorate:\s+Yes", out), out
        assert re.search(r"Nodes:\s+3", out), out
        assert re.search(r"Expected votes:\s+3", out), out
        for other in cs.nodes:
            assert re.search(r"\b%d\s+1\s+%s\b" % (other.i, other.name), out), out
        # What the generated file asked for is what runs: crypto on.
        cmap = node.run("corosync-cmapctl", "totem.").stdout
        assert "totem.crypto_cipher (str) = aes256" in cmap, cmap
        assert "totem.crypto_hash (str) = sha256" in cmap, cmap
        assert "totem.cluster_name (str) = %s" % cs.tag in cmap, cmap
        assert "totem.transport (str) = knet" in cmap, cmap
        # The token is held once the ring is quiet, not after 30 empty rotations.
        assert "runtime.config.totem.seqno_unchanged_const (u32) = 2" in node.run("corosync-cmapctl", "runtime.config.totem.").stdout
        # Every node the same key, node 1's, mode 0400.
        key = os.path.join(node.dir, "etc", "authkey")
        assert os.stat(key).st_mode & 0o777 == 0o400
        with open(key, "rb") as f, open(os.path.join(cs.nodes[0].dir, "etc", "authkey"), "rb") as g:
            assert f.read() == g.read()
    print("effective:", cs.effective)
    # token 3000 on three nodes: 3000 + 650.
    assert cs.effective["token_ms"] == 3650


def test_wolfpackd_runs_each_node_as_its_wolfpackd_conf_says(cs):
    for node in cs.nodes:
        with open(node.wolfpackd_conf) as f:
            conf = f.read()
        assert "engine = corosync\n" in conf
        assert "node-id = %d\n" % node.i in conf and "node-name = %s\n" % node.name in conf
        assert "listen = *:7443\ntls-cert = /etc/wolfpack/tls/node.pem\ntls-key = /etc/wolfpack/tls/node-key.pem\n" in conf
        status, body = node.api("GET", "/v1/cluster")
        assert status == 200 and body["engine"] == "corosync" and body["node"] == node.name, body
        assert cs.view(node) == (True, [1, 2, 3])
        assert node.corosync.poll() is None and node.wolfpackd.poll() is None
    out = cs.nodes[1].cli("node", "list", "--quiet").stdout.split()
    assert sorted(out) == ["n1", "n2", "n3"], out
    # Every node's remote API, asked from n1 over the bridge, by address
    # and by name, with node 1's CA alone: each certificate verifies (no
    # token: 401).
    ca = os.path.join(cs.nodes[0].tls, "ca.pem")
    for node in cs.nodes:
        addr = "%s.%d" % (cs.subnet, node.i)
        for url, extra in (("https://%s:7443/v1/cluster" % addr, []),
                           ("https://%s:7443/v1/cluster" % node.name, ["--resolve", "%s:7443:%s" % (node.name, addr)])):
            p = cs.nodes[0].run("curl", "-sS", "-m", "10", "--cacert", ca, "-o", "/dev/null", "-w", "%{http_code}",
                                *extra, url, check=False, timeout=20)
            assert p.returncode == 0 and p.stdout == "401", (url, p.returncode, p.stdout, p.stderr)
        with open(ca, "rb") as f, open(os.path.join(node.tls, "ca.pem"), "rb") as g:
            assert f.read() == g.read()
    # What node 1 was told to do next names the command for the others.
    text = cs.init_output[1]
    assert "--authkey /etc/corosync/authkey --this ID" in text, text
    assert "(2 for n2, 3 for n3)" in text, text


def test_a_node_with_another_key_stays_out(cs):
    """Crypto is really on: node 3 restarted with a key of its own is not
    let in; the others go on with two of three votes."""
    n1, n2, n3 = cs.nodes
    for proc in (n3.wolfpackd, n3.corosync):
        proc.kill()
        proc.wait(10)
    cs.cluster_init(n3, fresh_key=True)
    with open(os.path.join(n3.dir, "etc", "authkey"), "rb") as f, \
            open(os.path.join(n1.dir, "etc", "authkey"), "rb") as g:
        assert f.read() != g.read()
    n3.start_corosync()
    n3.wait_corosync()
    cs.wait("n1 sees n1 and n2, quorate", lambda: cs.view(n1) == (True, [1, 2]), timeout=30)

    def alone():
        out = quorumtool(n3)
        return re.search(r"Nodes:\s+1\b", out) and re.search(r"Quorate:\s+No", out) and out
    cs.wait("n3 alone, not quorate", alone, timeout=20)
    # With the same key it is back within about 4s (measured 3.6s); with
    # another, a few tokens later it still is not, and says why.
    time.sleep(8)
    assert re.search(r"Nodes:\s+2\b", quorumtool(n1)), quorumtool(n1)
    assert alone(), quorumtool(n3)
    assert "Unable to decrypt packet" in n3.log_tail("corosync.log", 20000)


NODES = ["--node", "1=alpha=10.9.0.1", "--node", "2=beta=10.9.0.2", "--node", "3=gamma=10.9.0.3"]


@pytest.mark.parametrize("args,says", [
    (["--node", "1=alpha=10.9.0.1", "--node", "1=beta=10.9.0.2", "--node", "3=g=10.9.0.3"], "node id 1 is given twice"),
    (["--node", "1=alpha=10.9.0.1", "--node", "2=Alpha=10.9.0.2", "--node", "3=g=10.9.0.3"], "given twice"),
    (["--node", "1=al pha=10.9.0.1"], "names are 1 to 63 characters of A-Z a-z 0-9 . _ -"),
    (["--node", "33=alpha=10.9.0.1"], "from 1 to 32"),
    (["--node", "1=alpha=10.9.0.300"], "not an IPv4 or IPv6 address"),
    (NODES + ["--this", "4"], "--this \"4\": no such node"),
    (["--node", "1=alpha=10.9.0.1", "--node", "2=beta=10.9.0.2"], "two nodes need a witness"),
    (NODES + ["--token", "3000"], "a bare number is seconds"),
    (NODES + ["--authkey", "/nonexistent/authkey"], "--authkey \"/nonexistent/authkey\": No such file"),
    (NODES + ["--tls", "/nonexistent"], "--tls \"/nonexistent\": no ca.pem and ca-key.pem there nor in its tls/"),
])
def test_bad_input_writes_nothing(args, says):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out")
        p = init("prod", "--output", out, *args, check=False)
        assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
        assert says in p.stderr, p.stderr
        assert p.stderr.startswith("wolfpack: ") and p.stdout == ""
        assert not os.path.exists(out)


def test_bad_name_and_missing_nodes():
    p = init("my cluster", *NODES, "--output", "/nonexistent/x", check=False)
    assert p.returncode == 2 and "cluster name \"my cluster\" is invalid" in p.stderr, p.stderr
    p = init("prod", check=False)
    assert p.returncode == 2 and "missing --node ID=NAME=ADDRESS" in p.stderr, p.stderr
    assert "usage: wolfpack cluster init NAME --node ID=NAME=ADDRESS ..." in p.stderr


def test_files_in_the_way_are_named_and_kept():
    with tempfile.TemporaryDirectory() as d:
        first = init("prod", *NODES, "--this", "1", "--output", d)
        assert "Wrote the configuration of the cluster prod (3 nodes) for node 1 (alpha):" in first.stdout
        with open(os.path.join(d, "authkey"), "rb") as f:
            key = f.read()
        assert len(key) == 256 and os.stat(os.path.join(d, "authkey")).st_mode & 0o777 == 0o400
        with open(os.path.join(d, "corosync.conf")) as f:
            conf = f.read()
        assert "crypto_cipher: aes256" in conf and "nodeid: 3" in conf

        # Again, as it was: a new key would replace the one the others
        # have; refused, naming it, and the key is untouched.
        p = init("prod", *NODES, "--this", "1", "--output", d, check=False)
        assert p.returncode == 1, (p.stdout, p.stderr)
        assert "%s/authkey exists already; nothing was written" % d in p.stderr, p.stderr
        assert "give --authkey %s/authkey" % d in p.stderr, p.stderr
        with open(os.path.join(d, "authkey"), "rb") as f:
            assert f.read() == key

        # The same key: nothing else differs, so nothing is in the way.
        init("prod", *NODES, "--this", "1", "--output", d, "--authkey", os.path.join(d, "authkey"))
        # Another node: wolfpackd.conf differs and is named.
        # Another node: wolfpackd.conf and the API's certificate (alpha's)
        # differ and are named.
        p = init("prod", *NODES, "--this", "beta", "--output", d, "--authkey", os.path.join(d, "authkey"), check=False)
        assert p.returncode == 1 and "%s/wolfpackd.conf, %s/tls/node.pem, %s/tls/node-key.pem exist already" % (d, d, d) \
            in p.stderr, p.stderr
        assert "the API's certificate there is not this node's" in p.stderr, p.stderr
        with open(os.path.join(d, "tls", "ca.pem"), "rb") as f:
            ca = f.read()
        p = init("prod", *NODES, "--this", "beta", "--output", d, "--authkey", os.path.join(d, "authkey"), "--force")
        with open(os.path.join(d, "wolfpackd.conf")) as f:
            assert "node-id = 2\nnode-name = beta\n" in f.read()
        with open(os.path.join(d, "authkey"), "rb") as f:
            assert f.read() == key
        # beta's certificate, of the same CA: --force never makes a new one.
        with open(os.path.join(d, "tls", "ca.pem"), "rb") as f:
            assert f.read() == ca
        assert "CN=beta" in subprocess.run(["openssl", "x509", "-in", os.path.join(d, "tls", "node.pem"), "-noout",
                                            "-subject"], capture_output=True, text=True).stdout.replace(" ", "")
        assert sorted(os.listdir(d)) == ["authkey", "corosync.conf", "tls", "wolfpackd.conf"]
        assert sorted(os.listdir(os.path.join(d, "tls"))) == ["ca-key.pem", "ca.pem", "node-key.pem", "node.pem"]


def test_json():
    with tempfile.TemporaryDirectory() as d:
        p = subprocess.run([WOLFPACK, "--json", "cluster", "init", "prod"] + NODES + ["--output", d, "--token", "5s"],
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 0, p.stderr
        j = json.loads(p.stdout)
        assert j["name"] == "prod" and j["token_ms"] == 5000 and j["this"] is None and j["qdevice"] is None
        assert [n["name"] for n in j["nodes"]] == ["alpha", "beta", "gamma"]
        assert j["files"]["authkey"] == os.path.join(d, "authkey")


def test_two_nodes_with_a_witness_is_a_configuration_corosync_takes():
    """corosync -t reads the two-node corosync.conf with its quorum device
    and the authkey, from /etc/corosync in a mount namespace of its own."""
    ensure_corosync()
    ensure_qdevice()
    with tempfile.TemporaryDirectory() as d:
        p = init("pair", "--node", "1=a=10.9.0.1", "--node", "2=b=10.9.0.2", "--qdevice", "10.9.0.9", "--output", d)
        assert "scp -r %s/qnetd/nssdb root@10.9.0.9:/etc/corosync/qnetd/" % d in p.stdout, p.stdout
        # The witness's CA and the cluster's certificate it signed; the
        # nodes' database holds that certificate with its key.
        certs = subprocess.run(["certutil", "-L", "-d", os.path.join(d, "qnetd", "nssdb")], capture_output=True,
                               text=True).stdout
        assert "QNet CA" in certs and "QNetd Cert" in certs, certs
        node = os.path.join(d, "qdevice", "net", "nssdb")
        certs = subprocess.run(["certutil", "-L", "-d", node], capture_output=True, text=True).stdout
        assert "Cluster Cert" in certs and "QNet CA" in certs, certs
        keys = subprocess.run(["certutil", "-K", "-d", node, "-f", os.path.join(node, "pwdfile.txt")],
                              capture_output=True, text=True).stdout
        assert "Cluster Cert" in keys, keys
        # Nothing of it went to this machine's /etc/corosync.
        assert not os.path.exists("/etc/corosync/qnetd/nssdb/cluster-pair.crt")
        # A second node takes it; --certs without a witness is refused.
        with tempfile.TemporaryDirectory() as d2:
            init("pair", "--node", "1=a=10.9.0.1", "--node", "2=b=10.9.0.2", "--witness", "10.9.0.9", "--this", "2",
                 "--authkey", os.path.join(d, "authkey"), "--certs", d, "--output", d2)
            with open(os.path.join(d2, "qdevice", "net", "nssdb", "cert9.db"), "rb") as a, \
                    open(os.path.join(node, "cert9.db"), "rb") as b:
                assert a.read() == b.read()
            assert not os.path.exists(os.path.join(d2, "qnetd"))
            p = init("pair", "--node", "1=a=10.9.0.1", "--node", "2=b=10.9.0.2", "--witness", "10.9.0.9",
                     "--certs", d2 + "/nowhere", "--output", d2 + "/x", check=False)
            assert p.returncode != 0 and "--certs" in p.stderr and "nowhere" in p.stderr, p.stderr
            p = init("trio", "--node", "1=a=10.9.0.1", "--node", "2=b=10.9.0.2", "--node", "3=c=10.9.0.3",
                     "--certs", d, "--output", d2 + "/y", check=False)
            assert p.returncode != 0 and "no witness" in p.stderr, p.stderr
        with open(os.path.join(d, "corosync.conf")) as f:
            conf = f.read()
        assert "two_node" not in conf and "algorithm: ffsplit" in conf and "host: 10.9.0.9" in conf
        os.makedirs(os.path.join(d, "log"))
        # corosync -t looks for this host among the nodes: a network
        # namespace of its own with node 1's address.
        check = ["unshare", "-n", "-m", "--propagation", "private", "sh", "-c",
                 "ip link set lo up && ip addr add 10.9.0.1/32 dev lo && "
                 "mount --bind {d} /etc/corosync && mount --bind {d}/log /var/log/corosync && "
                 "corosync -t -c /etc/corosync/corosync.conf".format(d=d)]
        t = subprocess.run(check, capture_output=True, text=True, timeout=30)
        assert t.returncode == 0, (t.stdout, t.stderr)
        # The proof that -t reads the key: without one it refuses.
        os.unlink(os.path.join(d, "authkey"))
        t = subprocess.run(check, capture_output=True, text=True, timeout=30)
        assert t.returncode != 0 and "authkey" in t.stdout + t.stderr, (t.stdout, t.stderr)


def test_default_places_and_the_package_example():
    """Without --output: /etc/corosync and /etc/wolfpack, in a mount
    namespace whose /etc is a tmpfs of its own. There the corosync
    package's example corosync.conf is in the way of the first run, said
    so; --force replaces it, and /etc/wolfpack is made."""
    example = "totem {\n  version: 2\n  cluster_name: debian\n}\nnodelist {\n  node {\n    name: node1\n" \
              "    nodeid: 1\n    ring0_addr: 127.0.0.1\n  }\n}\n"
    script = """
set -e
mount -t tmpfs tmpfs /etc
mkdir /etc/corosync
cat > /etc/corosync/corosync.conf <<'X'
%s
X
if "$0" cluster init prod --this 2 "$@" 2>/tmp/err.$$; then echo UNEXPECTED; fi
cat /tmp/err.$$; rm -f /tmp/err.$$
test ! -e /etc/wolfpack && echo NO-WOLFPACK-DIR
grep -q cluster_name:.debian /etc/corosync/corosync.conf && echo EXAMPLE-KEPT
"$0" cluster init prod --this 2 --force "$@" >/dev/null
stat -c '%%n %%a %%s' /etc/corosync/corosync.conf /etc/corosync/authkey /etc/wolfpack /etc/wolfpack/wolfpackd.conf
stat -c '%%n %%a' /etc/wolfpack/tls /etc/wolfpack/tls/ca.pem /etc/wolfpack/tls/ca-key.pem /etc/wolfpack/tls/node.pem /etc/wolfpack/tls/node-key.pem
"$0" cert show | grep verified
grep -c 'written by `wolfpack cluster init`' /etc/corosync/corosync.conf /etc/wolfpack/wolfpackd.conf
""" % example.rstrip("\n")
    def host_etc():
        return [(d, sorted(os.listdir(d)) if os.path.isdir(d) else None) for d in ("/etc/corosync", "/etc/wolfpack")]
    before = host_etc()
    p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script, WOLFPACK] + NODES,
                       capture_output=True, text=True, timeout=60)
    out = p.stdout
    assert p.returncode == 0, (out, p.stderr)
    assert "UNEXPECTED" not in out
    assert "wolfpack: /etc/corosync/corosync.conf exists already; nothing was written" in out, out
    assert "the corosync package installs an example): --force replaces it" in out, out
    assert "NO-WOLFPACK-DIR" in out and "EXAMPLE-KEPT" in out, out
    assert "/etc/corosync/corosync.conf 644 " in out, out
    assert "/etc/corosync/authkey 400 256\n" in out, out
    assert "/etc/wolfpack 755 " in out and "/etc/wolfpack/wolfpackd.conf 644 " in out, out
    assert "/etc/corosync/corosync.conf:1\n/etc/wolfpack/wolfpackd.conf:1\n" in out, out
    # The API's certificates, where wolfpackd.conf names them.
    assert ("/etc/wolfpack/tls 755\n/etc/wolfpack/tls/ca.pem 644\n/etc/wolfpack/tls/ca-key.pem 600\n"
            "/etc/wolfpack/tls/node.pem 644\n/etc/wolfpack/tls/node-key.pem 600\n") in out, out
    assert "  verified     yes, against the CA above\n" in out, out
    # The host's own /etc was never touched.
    assert host_etc() == before


def test_two_nodes_and_a_witness_from_cluster_init():
    """Two nodes whose files came from `wolfpack cluster init --witness`,
    with corosync-qnetd on a third host and TLS required: both quorate with
    three votes; a node cut off from both loses quorum, the other keeps it
    with the witness's vote."""
    cs2 = CorosyncCluster(2, token=3000, init=True, qnetd=True)
    try:
        n1, n2 = cs2.nodes

        def both_with_device():
            outs = [quorumtool(n) for n in cs2.nodes]
            return all(re.search(r"Total votes:\s+3", o) and re.search(r"Flags:\s+Quorate WaitForAll Qdevice", o)
                       and re.search(r"\s0\s+1\s+Qdevice\n", o) for o in outs) and outs
        outs = cs2.wait("both nodes quorate with the witness's vote", both_with_device, timeout=60, interval=0.5)
        print(outs[0])
        with open(os.path.join(n1.dir, "etc", "corosync.conf")) as f:
            conf = f.read()
        assert "host: %s" % cs2.qnetd.addr in conf and "tls: required" in conf and "two_node" not in conf
        q = n1.run("corosync-qdevice-tool", "-s", "-v", check=False).stdout
        assert re.search(r"TLS:\s+Required", q) and re.search(r"TLS active:\s+Yes \(client certificate sent\)", q), q
        assert re.search(r"Algorithm:\s+Fifty-Fifty split", q), q
        for node in cs2.nodes:
            assert cs2.view(node) == (True, [1, 2])

        t0 = time.monotonic()
        n2.cut()
        cs2.wait("n1 quorate alone, with the witness", lambda: cs2.view(n1) == (True, [1]), timeout=60, interval=0.2)
        won = time.monotonic() - t0
        # The loser's verdict comes later, when its qdevice gives up on
        # qnetd; its wolfpackd stopped trusting quorum at the ring change.
        cs2.wait("n2 not quorate", lambda: cs2.view(n2)[0] is False, timeout=60, interval=0.2)
        cs2.wait("n2's corosync not quorate", lambda: re.search(r"Quorate:\s+No", quorumtool(n2)), timeout=60,
                 interval=0.5)
        print("cut n2: n1 quorate with the witness after %.1f s, n2's corosync not quorate after %.1f s"
              % (won, time.monotonic() - t0))
        out = quorumtool(n1)
        assert re.search(r"Quorate:\s+Yes", out) and re.search(r"Total votes:\s+2", out), out
    finally:
        cs2.close()
