# SPDX-License-Identifier: LGPL-2.1-or-later
"""The ipaddr type in network namespaces: three corosync nodes on one
bridge, the address on n1. Online adds it and sends gratuitous ARPs (seen
by a packet socket in n2's namespace), offline removes it, `ip addr del`
by hand fails the resource at once (the netlink failure fd), and an
address another host already holds is refused."""

import json
import os
import subprocess
import sys
import tempfile
import time

import pytest

from corosync_cluster import module_cluster

SNIFFER = r"""
import json, socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind(("e0", 0))
s.settimeout(0.2)
end = time.monotonic() + float(sys.argv[1])
print("ready", flush=True)
while time.monotonic() < end:
    try:
        frame = s.recv(128)
    except socket.timeout:
        continue
    arp = frame[14:42]
    op, sha, spa, tha, tpa = struct.unpack("!6xH6s4s6s4s", arp)
    print(json.dumps({"t": time.monotonic(), "op": op, "sha": sha.hex(), "spa": socket.inet_ntoa(spa),
                      "tpa": socket.inet_ntoa(tpa)}), flush=True)
"""


cs = module_cluster(3, token=3000)


def addresses(node):
    out = node.run("ip", "-j", "addr", "show", "dev", "e0").stdout
    return [a["local"] for i in json.loads(out) for a in i.get("addr_info", [])]


def resource(node, name):
    status, body = node.api("GET", "/v1/resources/" + name)
    assert status == 200, body
    return body


def group_with_address(cs, group, address, **props):
    n1 = cs.nodes[0]
    status, body = n1.api("POST", "/v1/groups", {"name": group, "properties": {"PreferredOwners": "n1"}})
    assert status == 201, body
    p = {"Address": address}
    p.update(props)
    return n1.api("POST", "/v1/resources", {"name": group + "-ip", "type": "ipaddr", "group": group, "properties": p})


def sniff(node, seconds, script=SNIFFER):
    """script (a sniffer) inside node for seconds, once it is ready."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False, dir=node.cluster.dir) as f:
        f.write(script)
    os.chmod(f.name, 0o644)
    p = subprocess.Popen(node.enter() + [sys.executable, f.name, str(seconds)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    return p


def test_online_adds_the_address_and_announces_it_offline_removes_it(cs):
    n1, n2 = cs.nodes[0], cs.nodes[1]
    addr = cs.subnet + ".50"
    status, body = group_with_address(cs, "vip", addr, ArpCount="3", ArpInterval="100ms")
    assert status == 201, body
    status, t = n1.api("GET", "/v1/types/ipaddr")
    assert status == 200 and {p["name"] for p in t["properties"]} >= {"Address", "Interface", "ArpCount"}, t
    sniffer = sniff(n2, 6)
    t0 = time.monotonic()
    n1.cli("group", "online", "vip")
    took = time.monotonic() - t0
    assert addr in addresses(n1)
    out, _ = sniffer.communicate(timeout=15)
    arps = [json.loads(x) for x in out.splitlines() if x.strip()]
    probes = [a for a in arps if a["spa"] == "0.0.0.0" and a["tpa"] == addr]
    announced = [a for a in arps if a["spa"] == addr and a["tpa"] == addr]
    print("online in %.0f ms; seen from n2: %d probe(s), %d gratuitous ARP(s)" % (took * 1000, len(probes),
                                                                                 len(announced)))
    assert len(probes) >= 1, arps
    assert len(announced) == 3, arps
    assert probes[0]["t"] < announced[0]["t"]
    gaps = [b["t"] - a["t"] for a, b in zip(announced, announced[1:])]
    assert all(0.05 < g < 1.0 for g in gaps), gaps
    # Another node reaches it at n1's link-layer address.
    mac = json.loads(n1.run("ip", "-j", "link", "show", "dev", "e0").stdout)[0]["address"]
    assert all(a["sha"] == mac.replace(":", "") for a in announced), (mac, announced)
    n2.run(sys.executable, "-c", "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', "
           "('%s', 9))" % addr)
    cs.wait("n2 knows where the address is", lambda: [
        x for x in json.loads(n2.run("ip", "-j", "neigh", "show", addr).stdout) if x.get("lladdr") == mac],
        timeout=5)
    p = n1.cli("--timeout", "10s", "group", "offline", "vip", check=False)
    if p.returncode != 0:
        print(p.stdout, p.stderr, resource(n1, "vip-ip"))
        for e in n1.cluster_log()[-15:]:
            print("  ", e.get("code"), e.get("name"), e.get("text"))
    assert p.returncode == 0
    assert addr not in addresses(n1)


def test_an_address_removed_by_hand_fails_the_resource_at_once(cs):
    n1 = cs.nodes[0]
    addr = cs.subnet + ".51"
    status, body = group_with_address(cs, "vip2", addr, RestartAction="0", LooksAlivePollInterval="1h",
                                      IsAlivePollInterval="1h")
    assert status == 201, body
    n1.cli("group", "online", "vip2")
    assert resource(n1, "vip2-ip")["state"] == "Online"
    t0 = time.monotonic()
    n1.run("ip", "addr", "del", addr + "/24", "dev", "e0")
    cs.wait("vip2-ip Failed", lambda: resource(n1, "vip2-ip")["state"] == "Failed", timeout=10, interval=0.01)
    took = time.monotonic() - t0
    r = resource(n1, "vip2-ip")
    print("address removed by hand -> Failed after %.0f ms (polls every hour): %s" % (took * 1000, r["state_reason"]))
    assert took < 2.0, took
    assert "no longer on e0" in (r["state_reason"] or ""), r
    n1.cli("group", "offline", "vip2")


def test_an_address_in_use_on_the_network_is_refused(cs):
    n1, n2 = cs.nodes[0], cs.nodes[1]
    addr = cs.subnet + ".52"
    n2.run("ip", "addr", "add", addr + "/24", "dev", "e0")
    try:
        status, body = group_with_address(cs, "vip3", addr, RestartAction="0")
        assert status == 201, body
        p = n1.cli("group", "online", "vip3", check=False)
        assert p.returncode != 0, p.stdout
        r = resource(n1, "vip3-ip")
        assert r["state"] == "Failed" and "already in use" in (r["state_reason"] or ""), r
        assert addr not in addresses(n1)
    finally:
        n2.run("ip", "addr", "del", addr + "/24", "dev", "e0")
        n1.cli("group", "offline", "vip3", check=False)


def test_bad_addresses_are_refused_at_create(cs):
    status, body = cs.nodes[0].api("POST", "/v1/resources", {"name": "bad-ip", "type": "ipaddr", "group": "vip"})
    assert status == 422 and "Address" in body["error"]["message"], body
    for bad, says in (("", "give an IPv4 or IPv6 address"), ("10.0.0.300", "not an IPv4 or IPv6 address"),
                      ("10.0.0.1/33", "prefix length")):
        status, body = cs.nodes[0].api("POST", "/v1/resources", {
            "name": "bad-ip", "type": "ipaddr", "group": "vip", "properties": {"Address": bad}})
        assert status == 422 and says in body["error"]["message"], (bad, body)


NA_SNIFFER = r"""
import json, socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x86dd))
s.bind(("e0", 0))
s.settimeout(0.2)
end = time.monotonic() + float(sys.argv[1])
print("ready", flush=True)
while time.monotonic() < end:
    try:
        frame = s.recv(256)
    except socket.timeout:
        continue
    ip6 = frame[14:]
    if len(ip6) < 40 + 24 or ip6[6] != 58 or ip6[40] != 136:
        continue
    print(json.dumps({"t": time.monotonic(), "src": socket.inet_ntop(socket.AF_INET6, ip6[8:24]),
                      "dst": socket.inet_ntop(socket.AF_INET6, ip6[24:40]), "flags": ip6[44],
                      "target": socket.inet_ntop(socket.AF_INET6, ip6[48:64])}), flush=True)
"""


def test_ipv6_after_duplicate_address_detection_with_unsolicited_advertisements(cs):
    n1, n2 = cs.nodes[0], cs.nodes[1]
    addr = "fd00:77::50"
    status, body = group_with_address(cs, "vip6", addr + "/64", Interface="e0", ArpCount="2", ArpInterval="100ms")
    assert status == 201, body
    p = sniff(n2, 8, NA_SNIFFER)
    t0 = time.monotonic()
    n1.cli("group", "online", "vip6")
    print("IPv6 online (after duplicate address detection) in %.0f ms" % ((time.monotonic() - t0) * 1000))
    assert addr in addresses(n1)
    out, _ = p.communicate(timeout=20)
    nas = [json.loads(x) for x in out.splitlines() if x.strip()]
    ours = [a for a in nas if a["target"] == addr and a["src"] == addr and a["dst"] == "ff02::1"]
    assert len(ours) >= 2 and all(a["flags"] & 0x20 for a in ours), nas  # Override
    n1.cli("group", "offline", "vip6")
    assert addr not in addresses(n1)

    # Held by another host: duplicate address detection fails it.
    dup = "fd00:77::52"
    n2.run("ip", "addr", "add", dup + "/64", "dev", "e0", "nodad")
    try:
        status, body = group_with_address(cs, "vip6d", dup + "/64", Interface="e0", RestartAction="0")
        assert status == 201, body
        p = n1.cli("group", "online", "vip6d", check=False)
        r = resource(n1, "vip6d-ip")
        assert p.returncode != 0 and r["state"] == "Failed" and "in use" in (r["state_reason"] or ""), r
        assert dup not in addresses(n1)
    finally:
        n2.run("ip", "addr", "del", dup + "/64", "dev", "e0")
        n1.cli("group", "offline", "vip6d", check=False)
