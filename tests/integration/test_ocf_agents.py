# SPDX-License-Identifier: LGPL-2.1-or-later
"""Debian's OCF agents doing real work through Wolfpack, on three corosync
nodes in network namespaces, everything on n1: ocf:heartbeat:anything
around a real program, ocf:heartbeat:IPaddr2 adding an address inside the
node's namespace, and ocf:heartbeat:nginx with Debian's nginx answering
another node on the address of an ipaddr resource of the same group."""

import json
import os
import signal
import subprocess
import sys
import time

from corosync_cluster import module_cluster
from test_ocf import install_resource_agents

cs = module_cluster(3, token=3000)


def install_nginx():
    """Debian's nginx, installed when missing, without starting its service
    on this machine (a policy-rc.d that refuses, for the install alone)."""
    if os.access("/usr/sbin/nginx", os.X_OK):
        return
    policy = "/usr/sbin/policy-rc.d"
    mine = not os.path.exists(policy)
    if mine:
        with open(policy, "w") as f:
            f.write("#!/bin/sh\nexit 101\n")
        os.chmod(policy, 0o755)
    try:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        p = subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "nginx"], env=env,
                           capture_output=True, text=True, timeout=600)
    finally:
        if mine:
            os.unlink(policy)
    assert os.access("/usr/sbin/nginx", os.X_OK), "cannot install nginx: %s" % (p.stdout + p.stderr)[-2000:]


def resource(node, name):
    status, body = node.api("GET", "/v1/resources/" + name)
    assert status == 200, body
    return body


def make(node, group, resources):
    status, body = node.api("POST", "/v1/groups", {"name": group, "properties": {"PreferredOwners": "n1"}})
    assert status == 201, body
    for name, rtype, props in resources:
        status, body = node.api("POST", "/v1/resources", {"name": name, "type": rtype, "group": group,
                                                           "properties": props})
        assert status == 201, body


def addresses(node):
    out = node.run("ip", "-j", "addr", "show", "dev", "e0").stdout
    return [a["local"] for i in json.loads(out) for a in i.get("addr_info", [])]


def test_anything_runs_a_real_program_and_its_death_is_found(cs):
    install_resource_agents()
    n1 = cs.nodes[0]
    d = os.path.join(cs.dir, "anything")
    os.makedirs(d)
    os.chmod(cs.dir, 0o755)
    make(n1, "any", [("any-r", "ocf:heartbeat:anything", {
        "Binfile": "/bin/sleep", "CmdlineOptions": "100000", "Pidfile": os.path.join(d, "sleep.pid"),
        "LooksAlivePollInterval": "1s", "RestartDelay": "0"})])
    n1.cli("group", "online", "any", timeout=60)
    with open(os.path.join(d, "sleep.pid")) as f:
        pid = int(f.read())
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        assert f.read().split(b"\0")[:2] == [b"/bin/sleep", b"100000"]
    os.kill(pid, signal.SIGKILL)
    cs.wait("any-r restarted", lambda: resource(n1, "any-r")["restart_count"] == 1 and
            resource(n1, "any-r")["state"] == "Online", timeout=30)
    with open(os.path.join(d, "sleep.pid")) as f:
        assert int(f.read()) != pid
    n1.cli("group", "offline", "any", timeout=60)


def test_ipaddr2_adds_its_address_in_the_node_namespace(cs):
    install_resource_agents()
    n1 = cs.nodes[0]
    addr = cs.subnet + ".70"
    make(n1, "ip2", [("ip2-r", "ocf:heartbeat:IPaddr2", {"Ip": addr, "CidrNetmask": "24", "Nic": "e0"})])
    n1.cli("group", "online", "ip2", timeout=60)
    assert addr in addresses(n1)
    assert addr not in addresses(cs.nodes[1])
    n1.cli("group", "offline", "ip2", timeout=60)
    assert addr not in addresses(n1)


NGINX_CONF = """\
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    server {{
        listen {addr}:8080;
        location / {{ return 200 "served by wolfpack\\n"; }}
    }}
}}
"""


def test_nginx_answers_on_the_address_of_an_ipaddr_resource(cs):
    install_resource_agents()
    install_nginx()
    n1, n2 = cs.nodes[0], cs.nodes[1]
    addr = cs.subnet + ".71"
    d = os.path.join(cs.dir, "nginx")
    os.makedirs(d)
    os.chmod(cs.dir, 0o755)
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(d=d, addr=addr))
    make(n1, "web", [("web-ip", "ipaddr", {"Address": addr}),
                     # Its validate-all wants a status URL with a path.
                     ("web-nginx", "ocf:heartbeat:nginx", {"Configfile": conf, "Httpd": "/usr/sbin/nginx",
                                                           "Status10url": "http://%s:8080/" % addr})])
    n1.cli("resource", "depend", "web-nginx", "--on", "web-ip")
    # An argument the agent's validate-all calls invalid is refused at
    # create, with its reason; nothing is created. (Its "not configured" is
    # not: nginx -t cannot bind an address web-ip has not brought yet.)
    t = time.monotonic()
    status, body = n1.api("POST", "/v1/resources", {"name": "web-bad", "type": "ocf:heartbeat:nginx", "group": "web",
                                                     "properties": {"Configfile": conf, "Httpd": "/usr/sbin/nginx",
                                                                    "Status10url": "not-a-url"}})
    print("validate-all refused in %.0f ms: %s" % ((time.monotonic() - t) * 1000, body))
    assert status == 422 and "validate-all refuses" in body["error"]["message"] and \
        "OCF_ERR_ARGS" in body["error"]["message"] and "not-a-url" in body["error"]["message"], body
    assert n1.api("GET", "/v1/resources/web-bad")[0] == 404
    t = time.monotonic()
    n1.cli("group", "online", "web", timeout=120)
    print("ipaddr + nginx online in %.0f ms" % ((time.monotonic() - t) * 1000))
    fetch = ("import urllib.request; print(urllib.request.urlopen('http://%s:8080/', timeout=5).read().decode())"
             % addr)
    out = n2.run(sys.executable, "-c", fetch, timeout=20).stdout
    assert "served by wolfpack" in out, out
    n1.cli("group", "offline", "web", timeout=120)
    assert addr not in addresses(n1)
    assert not os.path.exists(os.path.join(d, "nginx.pid")) or not open(os.path.join(d, "nginx.pid")).read().strip()
