# SPDX-License-Identifier: LGPL-2.1-or-later
"""GET /metrics: the Prometheus text format, parsed by Prometheus's own
parser (python3-prometheus-client), checked against the live state of a
one-node cluster: states, owners, a restart counted, the monitors'
request latencies and memory."""

import os
import shutil
import signal
import subprocess

import pytest

from cluster import UnixHTTP


def parser():
    """prometheus_client's text parser: installed if missing, never skipped."""
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "python3-prometheus-client"],
                       env=env, capture_output=True, timeout=600)
        from prometheus_client.parser import text_string_to_metric_families
    return text_string_to_metric_families


def scrape(c):
    h = UnixHTTP(c.socket)
    try:
        h.request("GET", "/metrics")
        r = h.getresponse()
        body = r.read().decode()
        assert r.status == 200, body
        assert r.getheader("Content-Type").startswith("text/plain; version=0.0.4"), r.getheader("Content-Type")
    finally:
        h.close()
    samples = {}
    for fam in parser()(body):
        for s in fam.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples, body


def value(samples, name, **labels):
    return samples[(name, tuple(sorted(labels.items())))]


def test_metrics_follow_the_cluster(c):
    c.cli("group", "create", "web")
    c.cli("resource", "create", "app", "--type", "genapp", "--group", "web", c.app("app"), "RestartDelay=0")
    c.cli("group", "online", "web")
    samples, body = scrape(c)
    assert value(samples, "wolfpack_cluster_quorate") == 1
    assert value(samples, "wolfpack_cluster_members") == 1
    assert value(samples, "wolfpack_node_up", node="n1") == 1
    assert value(samples, "wolfpack_node_paused", node="n1") == 0
    assert value(samples, "wolfpack_group_state", group="web", state="Online") == 1
    assert value(samples, "wolfpack_group_state", group="web", state="Offline") == 0
    assert value(samples, "wolfpack_group_owner", group="web", node="n1") == 1
    assert value(samples, "wolfpack_resource_state", resource="app", group="web", type="genapp", state="Online") == 1
    assert value(samples, "wolfpack_resource_restarts_total", resource="app", node="n1") == 0
    # The requests that brought it online: open, probe, online, each timed.
    for kind in ("open", "probe", "online"):
        assert value(samples, "wolfpack_monitor_request_seconds_count", request=kind) >= 1, kind
        assert value(samples, "wolfpack_monitor_request_seconds_bucket", request=kind, le="+Inf") >= 1
    assert value(samples, "wolfpack_process_resident_bytes", process="wolfpackd", pid=str(c.proc.pid)) > 1 << 20
    assert [k for k in samples if k[0] == "wolfpack_process_resident_bytes" and ("process", "monitor") in k[1]]

    # A failure restarts it: counted; paused: shown.
    os.kill(int(c.resource("app")["properties"]["ProcessId"]), signal.SIGKILL)
    c.wait_for(lambda: c.resource("app")["state"] == "Online" and c.resource("app")["restart_count"] == 1)
    c.cli("node", "pause", "n1")
    samples, _ = scrape(c)
    assert value(samples, "wolfpack_resource_restarts_total", resource="app", node="n1") == 1
    assert value(samples, "wolfpack_node_paused", node="n1") == 1
    c.cli("group", "offline", "web")
    samples, _ = scrape(c)
    assert value(samples, "wolfpack_group_state", group="web", state="Offline") == 1
    assert ("wolfpack_group_owner", (("group", "web"), ("node", "n1"))) not in samples


def test_names_with_dots_and_dashes_are_label_values_as_they_are(c):
    # Names take no quote or backslash; a property value cannot reach a
    # label. What a label can hold, a dot and a dash, passes as it is.
    c.cli("group", "create", "a.b-c")
    samples, body = scrape(c)
    assert value(samples, "wolfpack_group_state", group="a.b-c", state="Offline") == 1
