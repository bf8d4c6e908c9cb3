"""The remote API: TLS on TCP, tokens and roles on every route, the CLI's
--server, and tokens kept out of every log."""
import glob
import json
import http.client
import os
import socket
import ssl
import subprocess
import time

import pytest

from cluster import WOLFPACKD, wait_for
from remote import WOLFPACK, Remote


@pytest.fixture(scope="module")
def remote():
    r = Remote()
    r.tokens = {role: r.token("t-" + role, role) for role in ("read", "operator", "admin")}
    yield r
    r.close()


def routes():
    out = subprocess.run([WOLFPACKD, "--routes"], capture_output=True, text=True, check=True).stdout
    table = [line.split() for line in out.splitlines()]
    assert len(table) > 30 and all(len(r) == 3 for r in table), out
    return table


def status_of(remote, method, path, token):
    """The status alone: an event stream is not read past its headers."""
    c = http.client.HTTPSConnection("127.0.0.1", remote.port, context=remote.context(), timeout=10)
    try:
        headers = {"Authorization": "Bearer " + token} if token else {}
        body = b"{}" if method in ("POST", "PATCH", "PUT") else None
        if body:
            headers["Content-Type"] = "application/json"
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        if r.getheader("Content-Type", "").startswith("text/event-stream"):
            return r.status
        r.read()
        return r.status
    finally:
        c.close()


RANK = {"public": 0, "read": 1, "operator": 2, "admin": 3}


def test_tls_needs_the_cluster_ca(remote):
    tok = remote.tokens["read"]
    assert remote.request("GET", "/v1/whoami", tok) == (200, {"name": "t-read", "role": "read", "via": "token"})
    with pytest.raises(ssl.SSLCertVerificationError):
        remote.request("GET", "/v1/whoami", tok, trust=False)
    ok = subprocess.run(["curl", "-sS", "--cacert", remote.ca, "-H", "Authorization: Bearer " + tok,
                         remote.url + "/v1/whoami"], capture_output=True, text=True)
    assert ok.returncode == 0 and '"role":"read"' in ok.stdout, ok.stderr
    bad = subprocess.run(["curl", "-sS", "--capath", "/nonexistent", "--cacert", "/etc/ssl/certs/ca-certificates.crt",
                          remote.url + "/v1/whoami"], capture_output=True, text=True)
    assert bad.returncode == 60, (bad.returncode, bad.stderr)  # the peer's certificate is not trusted
    # Plain HTTP on the TLS port gets no API at all.
    plain = subprocess.run(["curl", "-sS", "-m", "5", "http://127.0.0.1:%d/v1/whoami" % remote.port],
                           capture_output=True, text=True)
    assert '"role"' not in plain.stdout


def test_every_route_checks_the_token_and_the_role(remote):
    """Walks wolfpackd's own route table, so that a new route cannot skip
    the check: 401 without a token or with a bad one; 403 for a role
    below the route's; through for a role at or above it."""
    table = routes()
    seen_403 = 0
    for method, pattern, role in table:
        path = pattern.replace("{}", "no-such-object")
        if role == "public":
            assert status_of(remote, method, path, None) not in (401, 403), (method, path)
            continue
        assert status_of(remote, method, path, None) == 401, (method, path)
        assert status_of(remote, method, path, "wp_not-a-token") == 401, (method, path)
        for held in ("read", "operator", "admin"):
            got = status_of(remote, method, path, remote.tokens[held])
            if RANK[held] < RANK[role]:
                assert got == 403, (method, path, held, got)
                seen_403 += 1
            else:
                assert got not in (401, 403), (method, path, held, got)
    assert seen_403 > 20
    # Without a token, a path that is no route says nothing either.
    assert status_of(remote, "GET", "/v1/no-such-route", None) == 401


def test_the_403_says_which_role_is_needed(remote):
    st, body = remote.request("POST", "/v1/groups", remote.tokens["operator"], {"name": "g"})
    assert st == 403
    assert body["error"]["message"] == "POST /v1/groups needs the admin role; token t-operator has the operator role"
    st, body = remote.request("GET", "/v1/status", None)
    assert st == 401 and "Authorization: Bearer TOKEN" in body["error"]["message"]


def test_unix_socket_needs_no_token(remote):
    st, body = remote.cluster.api("GET", "/v1/whoami")
    assert st == 200 and body["role"] == "admin" and body["via"] == "unix socket"


def test_cli_reaches_a_node_with_a_token(remote):
    c = remote.cluster
    c.cli("group", "create", "web")
    c.cli("resource", "create", "app", "--type", "genapp", "--group", "web", c.app("app"))
    ops = remote.token_file("cli-ops", "operator")
    reader = remote.token_file("cli-read", "read")
    p = remote.cli("status", token_file=reader)
    assert "web" in p.stdout
    p = remote.cli("group", "online", "web", token_file=reader, check=False)
    assert p.returncode == 1 and "needs the operator role; token cli-read has the read role" in p.stderr
    remote.cli("group", "online", "web", token_file=ops)
    assert c.group("web")["state"] == "Online"
    # The token from the environment; a wrong CA is refused before any token is sent.
    p = remote.cli("group", "offline", "web", env={"WOLFPACK_TOKEN": open(ops).read().strip()})
    assert c.group("web")["state"] == "Offline"
    p = remote.cli("status", token_file=ops, ca="/etc/ssl/certs/ca-certificates.crt", check=False)
    assert p.returncode == 1 and "is not who it says, by the cluster's CA" in p.stderr
    # Usage errors: no token, or a server that is not https.
    p = remote.cli("status", check=False)
    assert p.returncode == 2 and "--server needs a token" in p.stderr
    p = subprocess.run([WOLFPACK, "--server", remote.url.replace("https", "http"), "--token-file", ops, "status"],
                       capture_output=True, text=True)
    assert p.returncode == 2 and "speaks https only" in p.stderr


def test_changes_are_logged_with_who_asked(remote):
    ops = remote.token("audit-ops", "operator")
    st, _ = remote.request("POST", "/v1/nodes/n1/pause", ops)
    assert st == 200
    st, _ = remote.request("POST", "/v1/nodes/n1/resume", ops)
    st, _ = remote.request("DELETE", "/v1/groups/web", ops)
    assert st == 403
    st, _ = remote.request("POST", "/v1/nodes/n1/pause", None)
    assert st == 401
    entries = [e for e in remote.cluster.log() if e["code"] == "API_REQUEST" and "audit-ops" in e["text"]]
    texts = [e["text"] for e in entries]
    assert any(t.startswith("token audit-ops (127.0.0.1:") and t.endswith("POST /v1/nodes/n1/pause: 200")
               for t in texts), texts
    assert any(t.endswith("DELETE /v1/groups/web: 403") for t in texts), texts
    assert next(e for e in entries if "403" in e["text"])["level"] == "warning"
    # Reads are not logged, nor is a request without a token.
    assert not any("GET " in e["text"] for e in remote.cluster.log() if e["code"] == "API_REQUEST")
    assert len([t for t in texts if "pause" in t]) == 1
    # Over the unix socket too, by uid.
    remote.cluster.cli("node", "pause", "n1")
    remote.cluster.cli("node", "resume", "n1")
    assert any(e["code"] == "API_REQUEST" and e["text"].startswith("uid 0 (local): POST /v1/nodes/n1/pause")
               for e in remote.cluster.log())


def read_events(remote, token, until, timeout=10):
    """Events of the remote event stream until until(events) holds."""
    s = remote.context().wrap_socket(socket.create_connection(("127.0.0.1", remote.port)),
                                     server_hostname="127.0.0.1")
    s.settimeout(timeout)
    s.sendall(b"GET /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token.encode() + b"\r\n\r\n")
    buf, events = b"", []
    end = time.monotonic() + timeout
    try:
        while time.monotonic() < end and not until(events):
            buf += s.recv(65536)
            for line in buf.split(b"\n"):
                if line.startswith(b"data: "):
                    ev = json.loads(line[6:])
                    if ev not in events:
                        events.append(ev)
            yield events
    finally:
        s.close()


def test_node_changes_reach_the_event_stream(remote):
    """What a console needs to follow a pause made elsewhere without
    asking again."""
    import threading
    c = remote.cluster
    got = []
    def want(events):
        return any(e.get("type") == "object" and e.get("kind") == "node" and e["node"]["paused"] is False
                   and any(x.get("type") == "object" and x["node"]["paused"] is True for x in events)
                   for e in events)
    def reader():
        for events in read_events(remote, remote.tokens["read"], want, timeout=20):
            got[:] = events
    t = threading.Thread(target=reader)
    t.start()
    time.sleep(0.5)
    c.cli("node", "pause", "n1")
    c.cli("node", "resume", "n1")
    t.join(25)
    nodes = [e for e in got if e.get("type") == "object"]
    assert [e["node"]["paused"] for e in nodes][:2] == [True, False], nodes
    assert nodes[0]["id"] == 1 and nodes[0]["node"]["name"] == "n1" and nodes[0]["deleted"] is False
    assert nodes[0]["node"]["state"] == "Paused" and nodes[1]["node"]["state"] == "Up"


def test_tokens_list_create_revoke(remote):
    c = remote.cluster
    p = c.cli("token", "create", "bad name", "--role", "read", check=False)
    assert p.returncode != 0 and "token name" in p.stderr
    p = c.cli("token", "create", "x", "--role", "root", check=False)
    assert p.returncode != 0 and "read, operator or admin" in p.stderr
    p = c.cli("token", "create", "t-read", "--role", "read", check=False)
    assert p.returncode != 0 and "exists" in p.stderr
    listed = c.cli_json("token", "list")
    names = [t["name"] for t in listed]
    assert "t-read" in names and all("hash" not in t and "token" not in t for t in listed)
    assert next(t for t in listed if t["name"] == "t-admin")["role"] == "admin"


def test_revoked_token_is_refused_at_once(remote):
    tok = remote.token("short-lived", "read")
    assert remote.request("GET", "/v1/whoami", tok)[0] == 200
    # An event stream opened with it ends when it is revoked.
    s = socket.create_connection(("127.0.0.1", remote.port))
    s = remote.context().wrap_socket(s, server_hostname="127.0.0.1")
    s.sendall(b"GET /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tok.encode() + b"\r\n\r\n")
    s.settimeout(10)
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(4096)
    assert head.startswith(b"HTTP/1.1 200")
    remote.cluster.cli("token", "revoke", "short-lived")
    assert remote.request("GET", "/v1/whoami", tok)[0] == 401
    # The response ends (its last chunk), or the connection does.
    start = time.monotonic()
    ended = False
    got = b""
    while time.monotonic() - start < 10 and not ended:
        try:
            chunk = s.recv(4096)
        except (ssl.SSLError, ConnectionResetError):
            ended = True
            break
        got += chunk
        ended = not chunk or (head.split(b"\r\n\r\n", 1)[1] + got).endswith(b"0\r\n\r\n")
    s.close()
    assert ended, "the event stream of a revoked token stayed open"
    p = remote.cluster.cli("token", "revoke", "short-lived", check=False)
    assert p.returncode == 3 and "no token is named" in p.stderr


def test_no_token_in_any_log_or_in_the_database(remote):
    tokens = list(remote.tokens.values())
    for f in glob.glob(os.path.join(remote.cluster.dir, "*.token")):
        tokens.append(open(f).read().strip())
    assert len(tokens) >= 5
    files = [os.path.join(remote.cluster.dir, "wolfpackd.stderr")]
    files += glob.glob(os.path.join(remote.cluster.log_dir, "*"))
    files += glob.glob(os.path.join(remote.cluster.state_dir, "*"))
    files += glob.glob(os.path.join(remote.cluster.state_dir, "**", "*"), recursive=True)
    checked = 0
    for path in set(files):
        if not os.path.isfile(path):
            continue
        data = open(path, "rb").read()
        checked += 1
        for t in tokens:
            assert t.encode() not in data, "a token is in %s" % path
    assert checked >= 3


def test_metrics_need_a_token(remote):
    st, _ = remote.request("GET", "/metrics", None)
    assert st == 401
    st, text = remote.request("GET", "/metrics", remote.tokens["read"])
    assert st == 200 and "wolfpack_" in text


def test_listen_without_certificates_is_refused(tmp_path):
    from cluster import Cluster
    c = Cluster(start=False, config="listen = 127.0.0.1:1\ntls-cert = %s/none.pem\n" % tmp_path)
    try:
        c.start(wait=False)
        assert c.proc.wait(20) != 0
        out = c.daemon_output()
        assert "listen = 127.0.0.1:1 needs tls-cert %s/none.pem" % tmp_path in out, out
        assert "wolfpack cert create" in out
    finally:
        c.close()


def test_property_tables_are_served(remote):
    """The tables the console's forms are built from, wolfpackd's own."""
    st, t = remote.request("GET", "/v1/properties", remote.tokens["read"])
    assert st == 200 and set(t) == {"group", "resource", "cluster"}, t
    group = {p["name"]: p for p in t["group"]}
    assert group["AutoFailbackType"]["enum"] == ["prevent", "allow"] and group["FailoverPeriod"]["default"] == "6h"
    assert "RestartThreshold" in {p["name"] for p in t["resource"]}
    assert [p["name"] for p in t["cluster"]] == ["TimeZone"]
    assert all(p["description"] for table in t.values() for p in table)
