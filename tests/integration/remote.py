"""The remote API for tests: a free port, the cluster's certificates, a
one-node cluster listening with TLS, and an https client that trusts the
cluster's CA (or not)."""
import http.client
import json
import os
import socket
import ssl
import subprocess

from cluster import BUILD, Cluster

WOLFPACK = os.path.join(BUILD, "src", "wolfpack")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certs(directory):
    """The cluster's CA and this node's certificate (for 127.0.0.1 and
    localhost) under directory, as an administrator makes them: with
    `wolfpack cert create`."""
    subprocess.run([WOLFPACK, "cert", "create", "--dir", directory, "--name", "n1", "--host", "127.0.0.1",
                    "--host", "localhost", "--days", "30"], check=True, capture_output=True)
    return directory


class Remote:
    """A one-node cluster with its remote API on 127.0.0.1:port."""

    def __init__(self, config="", **kw):
        self.port = free_port()
        self.cluster = Cluster(start=False, config="# placeholder\n", **kw)
        self.tls = make_certs(os.path.join(self.cluster.dir, "tls"))
        self.ca = os.path.join(self.tls, "ca.pem")
        with open(self.cluster.config, "w") as f:
            f.write("listen = 127.0.0.1:%d\ntls-cert = %s/node.pem\ntls-key = %s/node-key.pem\n%s"
                    % (self.port, self.tls, self.tls, config))
        self.url = "https://127.0.0.1:%d" % self.port
        self.cluster.start()

    def token(self, name, role):
        """A new token (over the unix socket, as root)."""
        p = self.cluster.cli("token", "create", name, "--role", role)
        return p.stdout.strip()

    def token_file(self, name, role):
        path = os.path.join(self.cluster.dir, name + ".token")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.token(name, role) + "\n")
        return path

    def context(self, trust=True):
        return ssl.create_default_context(cafile=self.ca) if trust else ssl.create_default_context()

    def request(self, method, path, token=None, body=None, trust=True, timeout=10):
        """(status, JSON answer or text) over https."""
        c = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context(trust), timeout=timeout)
        try:
            headers = {"Content-Type": "application/json"}
            if token is not None:
                headers["Authorization"] = "Bearer " + token
            c.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers=headers)
            r = c.getresponse()
            text = r.read()
            if r.getheader("Content-Type", "").startswith("application/json") and text:
                return r.status, json.loads(text)
            return r.status, text.decode(errors="replace")
        finally:
            c.close()

    def cli(self, *args, token_file=None, env=None, check=True, ca=None):
        argv = [WOLFPACK, "--server", self.url, "--ca", ca or self.ca]
        if token_file:
            argv += ["--token-file", token_file]
        e = dict(os.environ)
        e.pop("WOLFPACK_SOCKET", None)
        e.update(env or {})
        p = subprocess.run(argv + list(args), capture_output=True, text=True, timeout=60, env=e)
        if check and p.returncode != 0:
            raise AssertionError("wolfpack %s: exit %d\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
        return p

    def close(self):
        self.cluster.close()
