# SPDX-License-Identifier: LGPL-2.1-or-later
"""`wolfpack cert create` and `wolfpack cert show`: the cluster's CA and a
node's certificate for the API's TLS. What it makes is what TLS clients
take: openssl verifies the node's certificate against the CA, and a TLS
server on 127.0.0.1 presenting node.pem is accepted by a client that trusts
ca.pem for each of the certificate's names, and refused by one with the
system's CAs or for another name. The files have their modes; a second
create is refused, --force replaces the node's certificate and never the
CA; every refusal writes nothing and says what to do. And `wolfpack cluster
init` makes the same files next to wolfpackd.conf, with its TLS lines."""

import hashlib
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import threading

import pytest

from cluster import BUILD, WOLFPACK

HERE = os.path.dirname(os.path.abspath(__file__))
ASAN_BUILD = os.path.abspath(os.environ.get("WOLFPACK_ASAN_BUILD") or os.path.join(HERE, "..", "..", "build-asan"))
FILES = ["ca-key.pem", "ca.pem", "node-key.pem", "node.pem"]
NODES = ["--node", "1=alpha=10.9.0.1", "--node", "2=beta=10.9.0.2", "--node", "3=gamma=10.9.0.3"]


def wolfpack(*args, check=True, program=WOLFPACK, env=None):
    p = subprocess.run([program] + list(args), capture_output=True, text=True, timeout=60, env=env)
    if check and p.returncode != 0:
        raise AssertionError("wolfpack %s: exit %d\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return p


def create(d, *args, **kw):
    return wolfpack("cert", "create", "--dir", d, *args, **kw)


def mode(path):
    return os.stat(path).st_mode & 0o7777


def contents(d):
    out = {}
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            out[name] = f.read()
    return out


def openssl(*args, stdin=None):
    return subprocess.run(["openssl"] + list(args), capture_output=True, text=True, timeout=30, input=stdin)


def sans(cert):
    """The subjectAltName of a certificate file, as openssl prints it."""
    text = openssl("x509", "-in", cert, "-noout", "-ext", "subjectAltName").stdout
    return text.splitlines()[1].strip() if "\n" in text else ""


class TLSServer:
    """A TLS server on 127.0.0.1 (or ::1) presenting cert and key: it
    answers every connection that completes a handshake with b"ok"."""

    def __init__(self, cert, key, family=socket.AF_INET):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1" if family == socket.AF_INET else "::1", 0))
        self.sock.listen(8)
        self.addr = self.sock.getsockname()[:2]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            try:
                with self.ctx.wrap_socket(conn, server_side=True) as s:
                    s.sendall(b"ok")
            except (ssl.SSLError, OSError):
                pass

    def connect(self, ctx, hostname):
        """What the server said, through ctx checking hostname."""
        with socket.create_connection(self.addr, timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname=hostname) as s:
                return s.recv(16)

    def close(self):
        self.sock.close()


def trusting(ca):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = True
    return ctx


def test_create_makes_what_tls_clients_take(tmp_path):
    d = str(tmp_path / "etc" / "tls")   # made, with its parent
    p = create(d, "--name", "alpha")
    assert sorted(os.listdir(d)) == FILES
    assert mode(d) == 0o755 and mode(os.path.dirname(d)) == 0o755
    assert mode(os.path.join(d, "ca.pem")) == 0o644 and mode(os.path.join(d, "node.pem")) == 0o644
    assert mode(os.path.join(d, "ca-key.pem")) == 0o600 and mode(os.path.join(d, "node-key.pem")) == 0o600
    ca, node, key = (os.path.join(d, n) for n in ("ca.pem", "node.pem", "node-key.pem"))

    # What it said it made, and what to do next.
    assert "Made the cluster's CA (CN=Wolfpack cluster CA, valid until " in p.stdout, p.stdout
    assert "Made the certificate of alpha, signed by that CA" in p.stdout, p.stdout
    assert "for DNS:alpha, DNS:localhost, IP:127.0.0.1, IP:::1\n" in p.stdout, p.stdout
    assert "tls-cert = %s\n" % node in p.stdout and "tls-key = %s\n" % key in p.stdout, p.stdout
    assert "listen = *:7443\n" in p.stdout
    assert "scp -p %s %s/ca-key.pem root@NODE:/etc/wolfpack/tls/" % (ca, d) in p.stdout, p.stdout
    assert "--dir /tmp/NODE --name NODE" in p.stdout and "where --ca looks" in p.stdout, p.stdout

    # openssl agrees, strictly.
    v = openssl("verify", "-x509_strict", "-CAfile", ca, node)
    assert v.returncode == 0 and v.stdout.strip() == "%s: OK" % node, (v.stdout, v.stderr)
    catext = openssl("x509", "-in", ca, "-noout", "-text").stdout
    assert re.search(r"Basic Constraints: critical\s+CA:TRUE", catext), catext
    assert re.search(r"Key Usage: critical\s+Certificate Sign, CRL Sign", catext), catext
    assert "Subject: CN = Wolfpack cluster CA" in catext and "NIST CURVE: P-256" in catext, catext
    nodetext = openssl("x509", "-in", node, "-noout", "-text").stdout
    assert re.search(r"Basic Constraints: critical\s+CA:FALSE", nodetext), nodetext
    assert re.search(r"Key Usage: critical\s+Digital Signature\n", nodetext), nodetext
    assert "TLS Web Server Authentication, TLS Web Client Authentication" in nodetext, nodetext
    assert "Subject: CN = alpha" in nodetext and "NIST CURVE: P-256" in nodetext, nodetext
    assert "ecdsa-with-SHA256" in nodetext
    assert sans(node) == "DNS:alpha, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"
    # A random serial of 16 bytes, positive (the top bit clear).
    for cert in (ca, node):
        serial = openssl("x509", "-in", cert, "-noout", "-serial").stdout.strip().split("=")[1]
        assert len(serial) == 32 and int(serial[0], 16) < 8, serial
    ends = [openssl("x509", "-in", c, "-noout", "-enddate", "-dateopt", "iso_8601").stdout for c in (ca, node)]
    assert int(ends[0].split("=")[1][:4]) - int(ends[1].split("=")[1][:4]) in (7, 8), ends   # 10 years, 825 days

    # A TLS client that trusts the CA takes the node for each of its names.
    srv = TLSServer(node, key)
    try:
        for name in ("localhost", "alpha", "127.0.0.1"):
            assert srv.connect(trusting(ca), name) == b"ok", name
        # Not for a name it does not hold; not with the system's CAs.
        with pytest.raises(ssl.SSLCertVerificationError, match="match|mismatch"):
            srv.connect(trusting(ca), "beta")
        with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer|self.signed|verify failed"):
            srv.connect(ssl.create_default_context(), "localhost")
    finally:
        srv.close()
    if socket.has_ipv6:
        try:
            srv6 = TLSServer(node, key, socket.AF_INET6)
        except OSError:
            srv6 = None
        if srv6:
            try:
                assert srv6.connect(trusting(ca), "::1") == b"ok"
            finally:
                srv6.close()


def test_modes_whatever_the_umask(tmp_path):
    """A umask of 077 (root's on hardened systems) would leave the made
    directories 0700, and ca.pem unreadable to the CLI's users: they are
    made 0755, the files get their own modes."""
    d = str(tmp_path / "etc" / "tls")
    p = subprocess.run([WOLFPACK, "cert", "create", "--dir", d], capture_output=True, text=True, timeout=60,
                       preexec_fn=lambda: os.umask(0o077))
    assert p.returncode == 0, p.stderr
    assert mode(str(tmp_path / "etc")) == 0o755 and mode(d) == 0o755
    assert [mode(os.path.join(d, n)) for n in FILES] == [0o600, 0o644, 0o600, 0o644]


def test_again_is_refused_and_force_keeps_the_ca(tmp_path):
    d = str(tmp_path)
    create(d, "--name", "alpha")
    before = contents(d)
    p = create(d, "--name", "alpha", check=False)
    assert p.returncode == 1 and p.stdout == "", (p.stdout, p.stderr)
    assert p.stderr == ("wolfpack: %s/node.pem exists already: this node has a certificate; nothing was written. "
                        "--force replaces it and its key (the CA is kept), --dir DIR writes elsewhere\n" % d), p.stderr
    assert contents(d) == before
    # Only the key left: still this node's.
    os.unlink(os.path.join(d, "node.pem"))
    p = create(d, "--name", "alpha", check=False)
    assert p.returncode == 1 and "%s/node-key.pem exists already" % d in p.stderr, p.stderr
    with open(os.path.join(d, "node.pem"), "wb") as f:
        f.write(before["node.pem"])

    p = create(d, "--name", "alpha", "--force", "--host", "alpha.example.com", "--days", "30")
    assert "Used the cluster's CA in %s/ca.pem" % d in p.stdout and "Made the cluster's CA" not in p.stdout, p.stdout
    after = contents(d)
    assert after["ca.pem"] == before["ca.pem"] and after["ca-key.pem"] == before["ca-key.pem"]
    assert after["node.pem"] != before["node.pem"] and after["node-key.pem"] != before["node-key.pem"]
    assert sorted(after) == FILES
    assert mode(os.path.join(d, "node-key.pem")) == 0o600
    v = openssl("verify", "-CAfile", os.path.join(d, "ca.pem"), os.path.join(d, "node.pem"))
    assert v.returncode == 0, v.stderr
    assert sans(os.path.join(d, "node.pem")) == "DNS:alpha.example.com"


@pytest.mark.parametrize("args,says", [
    (["--host", "a_b"], "--host \"a_b\": give an IPv4 or IPv6 address, or a DNS name: letters, digits, '-' and '.', "
                        "in labels of 1 to 63 characters that neither start nor end with '-' (253 in all, the last "
                        "label not all digits), '*' only as the whole first label (*.example.com)"),
    (["--host", "ok.example.com", "--host", "10.0.0.300"], "--host \"10.0.0.300\": give an IPv4 or IPv6 address"),
    (["--host", "a.*.example.com"], "'*' only as the whole first label"),
    (["--host", "0.0.0.0"], "the unspecified address is no address a client connects to"),
    (["--days", "0"], "--days \"0\": a whole number of days from 1 to 36500 (default 825)"),
    (["--days", "36501"], "from 1 to 36500"),
    (["--days", "1y"], "a whole number of days"),
    (["--name", "al pha"], "--name: the node name \"al pha\" is invalid"),
    (["--dir", ""], "--dir needs a directory"),
    (["--host"], "--host needs a value (NAME|IP)"),
])
def test_bad_arguments_write_nothing(tmp_path, args, says):
    d = str(tmp_path / "tls")
    p = wolfpack("cert", "create", "--dir", d, *args, check=False) if args[0] != "--dir" else \
        wolfpack("cert", "create", *args, check=False)
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    assert says in p.stderr and p.stderr.startswith("wolfpack: ") and p.stdout == "", p.stderr
    assert not os.path.exists(d)


@pytest.mark.parametrize("present,missing,mode_said", [("ca.pem", "ca-key.pem", "0600"),
                                                       ("ca-key.pem", "ca.pem", "0644")])
def test_half_a_ca_is_refused(tmp_path, present, missing, mode_said):
    src, d = str(tmp_path / "src"), str(tmp_path / "d")
    create(src, "--name", "alpha")
    os.makedirs(d)
    shutil.copy(os.path.join(src, present), d)
    p = create(d, "--name", "beta", check=False)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert ("%s/%s is missing, but %s/%s is there: a CA is the two files. Copy %s/%s from where the cluster's CA was "
            "made (mode %s), or, to make a new CA, remove %s/%s" % (d, missing, d, present, d, missing, mode_said, d,
                                                                  present)) in p.stderr, p.stderr
    assert "nothing was written" in p.stderr
    assert os.listdir(d) == [present]


def test_a_ca_that_is_not_one_is_refused(tmp_path):
    """Files in the CA's place that cannot sign: its key and another's
    certificate, or a node's certificate and key."""
    a, b, d = (str(tmp_path / n) for n in "abd")
    create(a, "--name", "alpha")
    create(b, "--name", "alpha")
    os.makedirs(d)
    shutil.copy(os.path.join(a, "ca.pem"), d)
    shutil.copy(os.path.join(b, "ca-key.pem"), d)
    p = create(d, check=False)
    assert p.returncode == 1 and "%s/ca-key.pem is not the key of %s/ca.pem" % (d, d) in p.stderr, p.stderr
    shutil.copy(os.path.join(a, "node.pem"), os.path.join(d, "ca.pem"))
    shutil.copy(os.path.join(a, "node-key.pem"), os.path.join(d, "ca-key.pem"))
    p = create(d, check=False)
    assert p.returncode == 1 and "%s/ca.pem is not a CA's certificate" % d in p.stderr, p.stderr
    assert sorted(os.listdir(d)) == ["ca-key.pem", "ca.pem"]


def test_hosts_given_are_the_names(tmp_path):
    d = str(tmp_path)
    create(d, "--name", "web1", "--host", "web.example.com", "--host", "10.1.2.3", "--host", "[::1]",
           "--host", "*.web.example.com", "--host", "WEB.example.com")
    node, key, ca = (os.path.join(d, n) for n in ("node.pem", "node-key.pem", "ca.pem"))
    assert sans(node) == "DNS:web.example.com, IP Address:10.1.2.3, IP Address:0:0:0:0:0:0:0:1, DNS:*.web.example.com"
    srv = TLSServer(node, key)
    try:
        for name in ("web.example.com", "x.web.example.com"):
            assert srv.connect(trusting(ca), name) == b"ok"
        # The defaults are only for when no --host is given.
        for name in ("localhost", "web1", "127.0.0.1"):
            with pytest.raises(ssl.SSLCertVerificationError):
                srv.connect(trusting(ca), name)
    finally:
        srv.close()


def test_the_ca_kept_on_one_machine(tmp_path):
    """The second way the next steps give: the CA's key stays on one
    machine, which makes another node's files in a directory of their own."""
    d = str(tmp_path / "tls")
    p = create(d, "--name", "alpha")
    steps = [l.strip() for l in p.stdout.splitlines()]
    assert "mkdir -m 0700 /tmp/NODE && cp -p %s/ca.pem %s/ca-key.pem /tmp/NODE/" % (d, d) in steps, p.stdout
    beta = str(tmp_path / "beta")
    os.mkdir(beta, 0o700)
    for n in ("ca.pem", "ca-key.pem"):
        shutil.copy2(os.path.join(d, n), beta)
    q = create(beta, "--name", "beta", "--host", "beta", "--host", "10.0.0.2")
    assert "Used the cluster's CA in %s/ca.pem" % beta in q.stdout, q.stdout
    v = openssl("verify", "-CAfile", os.path.join(d, "ca.pem"), os.path.join(beta, "node.pem"))
    assert v.returncode == 0, v.stderr
    assert sans(os.path.join(beta, "node.pem")) == "DNS:beta, IP Address:10.0.0.2"
    assert mode(os.path.join(beta, "ca-key.pem")) == 0o600


def test_show(tmp_path):
    d = str(tmp_path)
    create(d, "--name", "alpha")
    p = wolfpack("cert", "show", "--dir", d)
    out = p.stdout
    fp = openssl("x509", "-in", os.path.join(d, "node.pem"), "-noout", "-fingerprint", "-sha256").stdout
    fp = fp.strip().split("=", 1)[1]
    assert ("%s/node.pem\n  subject      CN=alpha\n  issuer       CN=Wolfpack cluster CA\n"
            "  names        DNS:alpha, DNS:localhost, IP:127.0.0.1, IP:::1\n" % d) in out, out
    assert "  sha256       %s\n" % fp in out, out
    assert "%s/ca.pem\n  subject      CN=Wolfpack cluster CA\n  issuer       CN=Wolfpack cluster CA (itself)\n" % d in out
    assert re.search(r"  valid        \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC to \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n", out)
    assert "  key          %s/node-key.pem, mode 0600\n" % d in out, out
    assert "  verified     yes, against the CA above\n" in out, out

    j = json.loads(wolfpack("--json", "cert", "show", "--dir", d).stdout)
    assert j["dir"] == d
    assert j["node"]["verified"] is True and j["node"]["problem"] is None
    assert j["node"]["names"] == ["DNS:alpha", "DNS:localhost", "IP:127.0.0.1", "IP:::1"]
    assert j["node"]["sha256"] == fp and j["node"]["subject"] == "CN=alpha"
    assert j["node"]["key"] == {"path": d + "/node-key.pem", "present": True, "matches": True, "mode": "0600"}
    assert j["ca"]["ca"] is True and j["node"]["ca"] is False
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", j["node"]["not_after"])
    assert "verified" not in j["ca"]

    # Another CA in its place: shown, said, exit 1.
    other = str(tmp_path / "other")
    create(other, "--name", "alpha")
    shutil.copy(os.path.join(other, "ca.pem"), os.path.join(d, "ca.pem"))
    p = wolfpack("cert", "show", "--dir", d, check=False)
    assert p.returncode == 1 and "  verified     NO: " in p.stdout, (p.stdout, p.stderr)
    assert "%s/node.pem does not verify against %s/ca.pem" % (d, d) in p.stderr, p.stderr
    assert "%s/ca-key.pem is not the key of %s/ca.pem" % (d, d) in p.stderr, p.stderr
    j = json.loads(wolfpack("--json", "cert", "show", "--dir", d, check=False).stdout)
    assert j["node"]["verified"] is False and j["ca"]["key"]["matches"] is False

    # A node's certificate in the CA's place does not make it verify
    # (GnuTLS trusts a certificate that is in the list itself).
    shutil.copy(os.path.join(d, "node.pem"), os.path.join(d, "ca.pem"))
    os.unlink(os.path.join(d, "ca-key.pem"))
    p = wolfpack("cert", "show", "--dir", d, check=False)
    assert p.returncode == 1 and "no basic constraint CA:TRUE" in p.stdout + p.stderr, (p.stdout, p.stderr)

    # Where a CLI runs: the CA's certificate alone is fine.
    cli = str(tmp_path / "cli")
    os.mkdir(cli)
    shutil.copy(os.path.join(other, "ca.pem"), cli)
    p = wolfpack("cert", "show", "--dir", cli)
    assert "ca-key.pem is not there (a CLI's machine needs none" in p.stdout, p.stdout
    assert "%s/node.pem\n  not there: `wolfpack cert create` makes it\n" % cli in p.stdout, p.stdout
    assert json.loads(wolfpack("--json", "cert", "show", "--dir", cli).stdout)["node"] is None

    # Nothing there.
    p = wolfpack("cert", "show", "--dir", str(tmp_path / "none"), check=False)
    assert p.returncode == 3 and "holds neither ca.pem nor node.pem: `wolfpack cert create --dir " in p.stderr


def init(*args, check=True):
    return wolfpack("cluster", "init", "prod", *NODES, *args, check=check)


def test_cluster_init_makes_the_api_certificates(tmp_path):
    """The first node makes the CA and its certificate next to
    wolfpackd.conf, which names them; another node takes that CA with
    --tls; running again keeps what fits; what does not is named."""
    d1, d2, d3 = (str(tmp_path / n) for n in ("n1", "n2", "n3"))
    p = init("--this", "1", "--output", d1)
    tls1 = os.path.join(d1, "tls")
    assert sorted(os.listdir(tls1)) == FILES
    assert [mode(os.path.join(tls1, n)) for n in FILES] == [0o600, 0o644, 0o600, 0o644]
    with open(os.path.join(d1, "wolfpackd.conf")) as f:
        conf = f.read()
    assert "\nlisten = *:7443\ntls-cert = /etc/wolfpack/tls/node.pem\ntls-key = /etc/wolfpack/tls/node-key.pem\n" in conf
    out = p.stdout
    assert "  %s/ca.pem, ca-key.pem\n    the cluster's CA for the API (listen = *:7443 in wolfpackd.conf), made " \
           "here; the key mode 0600\n" % tls1 in out, out
    assert "  %s/node.pem, node-key.pem\n    alpha's certificate for it, signed by that CA, for DNS:alpha, " \
           "IP:10.9.0.1, DNS:localhost, IP:127.0.0.1, IP:::1\n" % tls1 in out, out
    assert "mkdir -p /etc/wolfpack/tls && cp -p %s/*.pem /etc/wolfpack/tls/\n" % tls1 in out, out
    assert "and the CA, %s/ca.pem and ca-key.pem, to /etc/wolfpack/tls" % tls1 in out, out
    assert "--tls /etc/wolfpack/tls --authkey /etc/corosync/authkey --this ID\n" in out, out
    assert "put the CA's certificate where --ca looks" in out
    node1 = os.path.join(tls1, "node.pem")
    assert sans(node1) == "DNS:alpha, IP Address:10.9.0.1, DNS:localhost, IP Address:127.0.0.1, " \
                          "IP Address:0:0:0:0:0:0:0:1"
    assert "O = prod, CN = Wolfpack cluster CA" in openssl("x509", "-in", os.path.join(tls1, "ca.pem"), "-noout",
                                                           "-subject").stdout
    before = contents(tls1)

    # The same again, with the key it made: nothing differs, nothing is
    # in the way, the certificates are kept as they are.
    p = init("--this", "1", "--output", d1, "--authkey", os.path.join(d1, "authkey"))
    assert "the one there, kept" in p.stdout, p.stdout
    assert contents(tls1) == before

    # Another node: the first node's CA, by its --output or its tls/.
    for d, tls_from in ((d2, d1), (d3, tls1)):
        p = init("--this", "2", "--output", d, "--authkey", os.path.join(d1, "authkey"), "--tls", tls_from)
        tls = os.path.join(d, "tls")
        assert "copied from %s" % tls1 in p.stdout, p.stdout
        got = contents(tls)
        assert got["ca.pem"] == before["ca.pem"] and got["ca-key.pem"] == before["ca-key.pem"]
        assert mode(os.path.join(tls, "ca-key.pem")) == 0o600
        v = openssl("verify", "-x509_strict", "-CAfile", os.path.join(tls1, "ca.pem"), os.path.join(tls, "node.pem"))
        assert v.returncode == 0, v.stderr
        assert sans(os.path.join(tls, "node.pem")).startswith("DNS:beta, IP Address:10.9.0.2, DNS:localhost")

    # A TLS client with the first node's CA takes the second node by its
    # name and its address.
    tls2 = os.path.join(d2, "tls")
    srv = TLSServer(os.path.join(tls2, "node.pem"), os.path.join(tls2, "node-key.pem"))
    try:
        for name in ("beta", "10.9.0.2", "localhost"):
            assert srv.connect(trusting(os.path.join(tls1, "ca.pem")), name) == b"ok"
        with pytest.raises(ssl.SSLCertVerificationError):
            srv.connect(trusting(os.path.join(tls1, "ca.pem")), "alpha")
    finally:
        srv.close()

    # --json names the files and where the CA came from.
    j = json.loads(wolfpack("--json", "cluster", "init", "prod", *NODES, "--this", "2", "--output", d2,
                            "--authkey", os.path.join(d1, "authkey"), "--tls", d1).stdout)
    assert j["tls"] == {"ca": "taken", "cn": "beta", "node_kept": True}
    assert j["files"]["tls_cert"] == os.path.join(tls2, "node.pem") and j["files"]["tls_ca"] == os.path.join(tls2, "ca.pem")

    # A CA of its own in the way of the one --tls gives: named, kept.
    other = str(tmp_path / "other")
    init("--this", "3", "--output", other)
    theirs = contents(os.path.join(other, "tls"))
    p = init("--this", "3", "--output", other, "--authkey", os.path.join(other, "authkey"), "--tls", d1, check=False)
    assert p.returncode == 1 and "%s/tls/ca.pem, %s/tls/ca-key.pem, %s/tls/node.pem, %s/tls/node-key.pem exist " \
        "already; nothing was written" % (other, other, other, other) in p.stderr, p.stderr
    assert contents(os.path.join(other, "tls")) == theirs


def test_cluster_init_refusals_write_nothing(tmp_path):
    d, src = str(tmp_path / "out"), str(tmp_path / "src")
    # --tls where there is no CA: an argument refused.
    os.makedirs(src)
    p = init("--this", "1", "--output", d, "--tls", src, check=False)
    assert p.returncode == 2 and ("--tls \"%s\": no ca.pem and ca-key.pem there nor in its tls/; give the "
                                  "directory the first run wrote them to" % src) in p.stderr, p.stderr
    assert not os.path.exists(d)
    # Half a CA in the output: which one is missing, and nothing written.
    create(src, "--name", "x")
    os.makedirs(os.path.join(d, "tls"))
    shutil.copy(os.path.join(src, "ca.pem"), os.path.join(d, "tls"))
    p = init("--this", "1", "--output", d, check=False)
    assert p.returncode == 1 and "%s/tls/ca-key.pem is missing, but %s/tls/ca.pem is there" % (d, d) in p.stderr
    assert "(or give --tls DIR, the first node's CA); nothing was written" in p.stderr, p.stderr
    assert os.listdir(d) == ["tls"] and os.listdir(os.path.join(d, "tls")) == ["ca.pem"]
    # Half a CA given with --tls.
    os.unlink(os.path.join(src, "ca-key.pem"))
    p = init("--this", "1", "--output", str(tmp_path / "o2"), "--tls", src, check=False)
    assert p.returncode == 2 and "--tls \"%s\": %s/ca-key.pem is missing" % (src, src) in p.stderr, p.stderr
    assert not os.path.exists(str(tmp_path / "o2"))


def test_cluster_init_for_every_node(tmp_path):
    """Without --this, one certificate for every node's name and address,
    to be copied with the other files."""
    d = str(tmp_path)
    p = init("--output", d)
    assert sans(os.path.join(d, "tls", "node.pem")) == (
        "DNS:alpha, IP Address:10.9.0.1, DNS:beta, IP Address:10.9.0.2, DNS:gamma, IP Address:10.9.0.3, "
        "DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1")
    assert "prod's certificate for it" in p.stdout and "Copy the files to the same places" in p.stdout, p.stdout
    assert "Or copy only\n     the authkey and the CA (ca.pem, ca-key.pem) and run there" in p.stdout, p.stdout


def test_no_server_is_asked(tmp_path):
    """cert and cluster init work on this machine's files: with
    $WOLFPACK_SERVER set (a CLI that talks to a remote node) and no CA yet
    where --ca looks, they still run, and never try to connect."""
    env = dict(os.environ, WOLFPACK_SERVER="https://127.0.0.1:1", WOLFPACK_CA=str(tmp_path / "no-ca.pem"))
    env.pop("WOLFPACK_TOKEN", None)
    d = str(tmp_path / "tls")
    p = create(d, "--name", "alpha", env=env)
    assert "Made the cluster's CA" in p.stdout
    assert "verified     yes" in wolfpack("cert", "show", "--dir", d, env=env).stdout
    p = wolfpack("cluster", "init", "prod", *NODES, "--output", str(tmp_path / "out"), env=env)
    assert "Wrote the configuration of the cluster prod" in p.stdout
    # The others still go to the server, and say why they cannot.
    p = wolfpack("status", check=False, env=env)
    assert p.returncode == 1 and "no-ca.pem" in p.stderr, p.stderr


def test_sanitized(tmp_path):
    """create, show, and a refusal, under ASan (leaks too) and UBSan."""
    program = os.path.join(ASAN_BUILD, "src", "wolfpack")
    if not os.access(program, os.X_OK):
        pytest.fail("%s is missing: this test runs the sanitizer build; `make test` builds it (or set "
                    "WOLFPACK_ASAN_BUILD)" % program)
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=1", UBSAN_OPTIONS="halt_on_error=1")
    d = str(tmp_path)
    for args, rc in ((["cert", "create", "--dir", d, "--host", "a.example", "--host", "::1"], 0),
                     (["cert", "create", "--dir", d], 1),
                     (["cert", "create", "--dir", d, "--force", "--days", "2"], 0),
                     (["--json", "cert", "create", "--dir", d, "--force"], 0),
                     (["cert", "show", "--dir", d], 0),
                     (["--json", "cert", "show", "--dir", d], 0),
                     (["cert", "create", "--dir", d, "--host", "bad_name"], 2)):
        p = wolfpack(*args, check=False, program=program, env=env)
        assert p.returncode == rc and "Sanitizer" not in p.stderr and "runtime error" not in p.stderr, \
            (args, p.returncode, p.stderr)
    j = json.loads(wolfpack("--json", "cert", "create", "--dir", str(tmp_path / "j"), program=program, env=env).stdout)
    assert j["ca"]["made"] is True and j["ca"]["key_path"] == str(tmp_path / "j" / "ca-key.pem")
    assert j["node"]["names"][-1] == "IP:::1" and j["node"]["issuer"] == "CN=Wolfpack cluster CA"
