# SPDX-License-Identifier: LGPL-2.1-or-later
"""The ocf resource type (ocf.so) through wolfpackd and the CLI: Debian's
OCF agents (resource-agents) as Wolfpack resources, with no Pacemaker. The
agent's meta-data is the type's property table; start, stop and monitor run
as children in the resource's cgroup; a failure the monitor action finds is
restarted by the policy; a missing required parameter is refused at create;
an agent that hangs is killed at its timeout and the resource fails."""

import json
import os
import re
import signal
import time
import shutil
import stat
import subprocess

import pytest

from cluster import Cluster

OCF_ROOT = "/usr/lib/ocf"
DUMMY = os.path.join(OCF_ROOT, "resource.d", "heartbeat", "Dummy")


def install_resource_agents():
    """Debian's resource-agents, installed when missing; a test that needs
    it fails (never skips) with the reason when it cannot be."""
    if os.access(DUMMY, os.X_OK):
        return
    if os.geteuid() != 0:
        pytest.fail("%s is missing and installing resource-agents needs root "
                    "(apt-get install -y --no-install-recommends resource-agents)" % DUMMY)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "resource-agents"]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, text=True)
        p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if not os.access(DUMMY, os.X_OK):
        pytest.fail("cannot install resource-agents (exit %d): %s" % (p.returncode, (p.stdout + p.stderr)[-2000:]))


# An agent that starts and stops like Dummy (a state file) and whose monitor
# hangs, with a child of its own, while the resource runs; its start exits
# with start_rc when that is given.
HANGING_AGENT = """\
#!/bin/sh
case "$1" in
meta-data)
    cat <<'XML'
<?xml version="1.0"?>
<resource-agent name="Hang" version="1.0">
<shortdesc lang="en">Monitor hangs while started</shortdesc>
<parameters>
<parameter name="state" required="1"><shortdesc lang="en">State file</shortdesc><content type="string"/></parameter>
<parameter name="start_rc"><shortdesc lang="en">Exit code of start</shortdesc><content type="integer" default="0"/></parameter>
<parameter name="start_sleep"><shortdesc lang="en">Seconds start sleeps once the state is there</shortdesc><content type="integer" default="0"/></parameter>
<parameter name="monitor_hangs"><content type="boolean" default="true"/></parameter>
</parameters>
<actions>
<action name="start" timeout="5s"/>
<action name="stop" timeout="5s"/>
<action name="monitor" timeout="2s" interval="10s" depth="0"/>
<action name="meta-data" timeout="5s"/>
</actions>
</resource-agent>
XML
    exit 0;;
start)
    [ "${OCF_RESKEY_start_rc:-0}" = 0 ] || exit "$OCF_RESKEY_start_rc"
    env > "$OCF_RESKEY_state.env"
    cat /proc/self/cgroup > "$OCF_RESKEY_state.cgroup"
    echo start >> "$OCF_RESKEY_state.starts"
    : > "$OCF_RESKEY_state"
    sleep "${OCF_RESKEY_start_sleep:-0}"
    exit 0;;
stop) rm -f "$OCF_RESKEY_state"; exit 0;;
monitor)
    [ -e "$OCF_RESKEY_state" ] || exit 7
    [ "${OCF_RESKEY_monitor_hangs:-true}" = true ] || exit 0
    sleep 1000 &
    echo "$$ $!" > "$OCF_RESKEY_state.hung"
    wait
    exit 0;;
*) exit 3;;
esac
"""


# An agent whose meta-data never ends (its child writes its pid first).
HANGING_META_DATA = """\
#!/bin/sh
sleep 1000 &
echo $! > "${0%/*}/HangMetaData.pid"
wait
"""

NOT_XML = """\
#!/bin/sh
echo "usage: $0 {start|stop|monitor|meta-data}"
exit 0
"""


@pytest.fixture
def providers():
    """A provider directory of the test's own, searched before the system's
    (OCF_RA_PATH); readable and searchable by everyone, whatever the mode of
    the directory the tests run from."""
    install_resource_agents()
    base = os.path.join("/tmp", "wp-ocf-%d" % os.getpid())
    os.makedirs(os.path.join(base, "wptest"), exist_ok=True)
    os.chmod(base, 0o755)
    os.chmod(os.path.join(base, "wptest"), 0o755)
    for name, text in (("Hang", HANGING_AGENT), ("HangMetaData", HANGING_META_DATA), ("NotXml", NOT_XML)):
        agent = os.path.join(base, "wptest", name)
        with open(agent, "w") as f:
            f.write(text)
        os.chmod(agent, 0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def oc(providers):
    cl = Cluster(env={"OCF_RA_PATH": "%s:%s/resource.d" % (providers, OCF_ROOT)})
    yield cl
    left = cl.close()
    assert not left, "processes left behind: %s" % left


def type_show(oc, rtype):
    """wolfpack type show, again while the monitor says the agent's
    meta-data is still running (it waits 250 ms at most for it)."""
    def show():
        p = oc.cli("--json", "type", "show", rtype, check=False)
        return None if "meta-data is still running" in p.stderr else p
    p = oc.wait_for(show, timeout=10, interval=0.2)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def create_online(oc, name, rtype, *props):
    """A resource of rtype in a group of its own, brought Online."""
    type_show(oc, rtype)
    oc.cli("group", "create", "g-" + name)
    oc.cli("resource", "create", name, "--type", rtype, "--group", "g-" + name, *props)
    oc.cli("resource", "online", name)
    return oc.wait_state("resource", name, "Online")


def test_dummy_type_show_lists_its_parameters(oc):
    show = type_show(oc, "ocf:heartbeat:Dummy")
    assert show["name"] == "ocf:heartbeat:Dummy"
    props = {p["name"]: p for p in show["properties"]}
    for name in ("State", "Fake", "StartActionTimeout", "StopActionTimeout", "MonitorActionTimeout"):
        assert name in props, f"no property {name}: {sorted(props)}"
    assert props["State"]["type"] == "string"
    assert props["State"]["description"].startswith("State file")
    assert props["Fake"]["default"] == "dummy"
    # Dummy advises 20s for start, stop and monitor.
    assert props["StartActionTimeout"]["default"] == "20s"
    assert props["MonitorActionTimeout"]["default"] == "20s"
    text = oc.cli("type", "show", "ocf:heartbeat:Dummy").stdout
    assert "State" in text and "StartActionTimeout" in text, text
    # The class alone and an agent that does not exist are refused by name.
    p = oc.cli("type", "show", "ocf:heartbeat:NoSuchAgent", check=False)
    assert p.returncode != 0 and "NoSuchAgent" in p.stderr, p.stderr
    # The class itself is listed and shown, and says how its types are named.
    cls = oc.cli_json("type", "show", "ocf")
    assert "ocf:<provider>:<agent>" in cls["description"], cls
    assert "ocf" in oc.cli("type", "list").stdout
    oc.cli("group", "create", "g")
    p = oc.cli("resource", "create", "x", "--type", "ocf", "--group", "g", check=False)
    assert p.returncode != 0 and "name one as ocf:<provider>:<agent>" in p.stderr, p.stderr


def test_dummy_online_failure_restart_offline(oc):
    state = os.path.join(oc.dir, "dummy.state")
    create_online(oc, "d", "ocf:heartbeat:Dummy", "state=" + state, "LooksAlivePollInterval=1s", "RestartAction=1",
                  "RestartDelay=0")
    assert os.path.exists(state)
    before = oc.resource("d").get("restart_count", 0)

    # The agent's monitor finds it not running; the policy restarts it.
    os.unlink(state)
    assert oc.wait_for(lambda: oc.resource("d").get("restart_count", 0) > before, timeout=20), oc.resource("d")
    assert oc.wait_for(lambda: oc.resource("d")["state"] == "Online" and os.path.exists(state), timeout=20)
    codes = [e.get("code") for e in oc.log()]
    assert "OCF_MONITOR_FAILED" in codes, codes

    oc.cli("resource", "offline", "d")
    oc.wait_state("resource", "d", "Offline")
    assert not os.path.exists(state)

    # A parameter changed while Offline is the agent's at the next start.
    moved = os.path.join(oc.dir, "moved.state")
    oc.cli("resource", "set", "d", "State=" + moved)
    oc.cli("resource", "online", "d")
    oc.wait_state("resource", "d", "Online")
    assert os.path.exists(moved) and not os.path.exists(state)
    oc.cli("resource", "offline", "d")
    oc.wait_state("resource", "d", "Offline")
    assert not os.path.exists(moved)


def test_missing_required_parameter_refused(oc):
    type_show(oc, "ocf:heartbeat:anything")
    oc.cli("group", "create", "g")
    p = oc.cli("resource", "create", "a", "--type", "ocf:heartbeat:anything", "--group", "g", check=False)
    assert p.returncode != 0
    assert "Binfile is required" in p.stderr, p.stderr
    p = oc.cli("resource", "show", "a", check=False)
    assert p.returncode != 0, "the refused resource was created"


def test_hanging_monitor_is_killed_and_the_resource_fails(oc):
    state = os.path.join(oc.dir, "hang.state")
    show = type_show(oc, "ocf:wptest:Hang")
    props = {p["name"]: p for p in show["properties"]}
    assert props["State"]["required"] is True
    assert props["MonitorActionTimeout"]["default"] == "2s"
    create_online(oc, "h", "ocf:wptest:Hang", "state=" + state, "LooksAlivePollInterval=1s", "RestartAction=0")
    hung = state + ".hung"
    assert oc.wait_for(lambda: os.path.exists(hung) and os.path.getsize(hung) > 0, timeout=10)
    pids = [int(x) for x in open(hung).read().split()]
    # start ran in the resource's own cgroup, with the OCF environment.
    rid = oc.resource("h")["id"]
    cgroup = open(state + ".cgroup").read()
    assert re.search(r"^0::.*/res/%s$" % re.escape(rid), cgroup, re.M), cgroup
    env = dict(line.split("=", 1) for line in open(state + ".env").read().splitlines() if "=" in line)
    expect = {"OCF_ROOT": OCF_ROOT, "OCF_RESOURCE_INSTANCE": rid, "OCF_RESOURCE_TYPE": "Hang",
              "OCF_RESOURCE_PROVIDER": "wptest", "OCF_RESKEY_state": state, "OCF_RESKEY_CRM_meta_timeout": "5000",
              "OCF_RESKEY_CRM_meta_interval": "0", "OCF_RA_VERSION_MAJOR": "1"}
    assert {k: env.get(k) for k in expect} == expect, env
    assert "OCF_RESKEY_start_rc" not in env, "a parameter not given was passed"
    res = oc.wait_state("resource", "h", "Failed", timeout=15)
    assert res, oc.resource("h")
    # The agent and its child were killed with the cgroup.
    for pid in pids:
        assert oc.wait_for(lambda: not os.path.exists("/proc/%d" % pid) or
                           open("/proc/%d/stat" % pid).read().split()[2] == "Z", timeout=5), pid
    timeouts = [e for e in oc.log() if e.get("code") == "OCF_ACTION_TIMEOUT"]
    assert timeouts and "monitor" in timeouts[0]["text"], [e.get("code") for e in oc.log()]


def test_dummy_is_alive_finds_the_failure(oc):
    """With LooksAlive polls off, IsAlive's monitor (OCF_CHECK_LEVEL of the
    agent's deepest depth) finds the failure."""
    state = os.path.join(oc.dir, "deep.state")
    create_online(oc, "d", "ocf:heartbeat:Dummy", "state=" + state, "LooksAlivePollInterval=1h",
                  "IsAlivePollInterval=1s", "RestartAction=0")
    os.unlink(state)
    res = oc.wait_state("resource", "d", "Failed", timeout=15)
    assert "OCF_NOT_RUNNING" in res.get("state_reason", ""), res


def test_start_failure_named_by_its_ocf_meaning(oc):
    state = os.path.join(oc.dir, "broken.state")
    type_show(oc, "ocf:wptest:Hang")
    oc.cli("group", "create", "g")
    p = oc.cli("resource", "create", "b", "--type", "ocf:wptest:Hang", "--group", "g", "state=" + state,
               "StartRc=five", check=False)
    assert p.returncode != 0 and "StartRc" in p.stderr and "five" in p.stderr, p.stderr
    oc.cli("resource", "create", "b", "--type", "ocf:wptest:Hang", "--group", "g", "state=" + state, "StartRc=5",
           "RestartAction=0")
    oc.cli("resource", "online", "b", check=False)
    res = oc.wait_state("resource", "b", "Failed")
    assert "exit code 5 (OCF_ERR_INSTALLED: not installed)" in res.get("state_reason", ""), res
    assert any(e.get("code") == "OCF_START_FAILED" for e in oc.log())
    assert not os.path.exists(state)


def test_every_installed_agent_is_a_type(oc):
    """The meta-data of every agent resource-agents installs parses into a
    property table."""
    root = os.path.join(OCF_ROOT, "resource.d")
    names = ["ocf:%s:%s" % (prov, a) for prov in sorted(os.listdir(root))
             for a in sorted(os.listdir(os.path.join(root, prov)))
             if os.path.isfile(os.path.join(root, prov, a)) and os.access(os.path.join(root, prov, a), os.X_OK)]
    assert len(names) > 50, names
    refused = {}
    for n in names:
        status, body = oc.wait_for(lambda: (lambda a: "still running" not in json.dumps(a[1]) and a)(
            oc.api("GET", "/v1/types/" + n)), timeout=10, interval=0.2)
        if status != 200 or body.get("name") != n:
            refused[n] = body
    assert not refused, refused


def test_new_monitor_probes_and_keeps_a_running_resource(oc):
    """A monitor killed under an Online Dummy: the new monitor's probe (the
    agent's monitor) finds it running, and it is not started again."""
    state = os.path.join(oc.dir, "probe.state")
    create_online(oc, "d", "ocf:heartbeat:Dummy", "state=" + state, "RestartAction=1")
    before = oc.resource("d").get("restart_count", 0)
    mtime = os.stat(state).st_mtime_ns
    from test_cluster_monitors import monitor_pids
    monitors = monitor_pids(oc)
    assert monitors
    for m in monitors:
        os.kill(m, signal.SIGKILL)
    assert oc.wait_for(lambda: monitor_pids(oc) and not set(monitor_pids(oc)) & set(monitors), timeout=15)
    time.sleep(2)
    r = oc.resource("d")
    assert r["state"] == "Online", r
    assert r.get("restart_count", 0) == before, r
    assert os.stat(state).st_mtime_ns == mtime, "Dummy was started again"
    assert "still running after" in (r.get("state_reason") or ""), r  # the probe said so


def test_meta_data_refused_with_the_reason(oc, providers):
    p = oc.cli("type", "show", "ocf:wptest:NotXml", check=False)
    assert p.returncode != 0 and "meta-data is not XML" in p.stderr, p.stderr
    # Hung: the monitor does not wait for it (250 ms at most) but says
    # so; it is killed (its session, children too) after 5s, and the type
    # is refused with that reason.
    start = time.monotonic()
    p = oc.cli("type", "show", "ocf:wptest:HangMetaData", check=False)
    assert time.monotonic() - start < 2
    assert p.returncode != 0 and "meta-data is still running after 250 ms" in p.stderr, p.stderr
    assert type_show(oc, "ocf:heartbeat:Dummy")["name"] == "ocf:heartbeat:Dummy"
    p = oc.wait_for(lambda: (lambda q: "still running" not in q.stderr and q)(
        oc.cli("type", "show", "ocf:wptest:HangMetaData", check=False)), timeout=10, interval=0.5)
    assert time.monotonic() - start > 4.5
    assert p.returncode != 0 and "did not finish within 5 s; killed" in p.stderr, p.stderr
    child = int(open(os.path.join(providers, "wptest", "HangMetaData.pid")).read())
    assert oc.wait_for(lambda: not os.path.exists("/proc/%d" % child), timeout=5), child
    # The monitor went on serving.
    assert type_show(oc, "ocf:heartbeat:Dummy")["name"] == "ocf:heartbeat:Dummy"


def test_start_that_outlives_its_monitor_is_resumed(oc):
    """The monitor dies while start runs (OnlinePending): the new monitor
    asks the agent's monitor, which says running, and the resource is Online
    without a second start."""
    state = os.path.join(oc.dir, "slow.state")
    type_show(oc, "ocf:wptest:Hang")
    oc.cli("group", "create", "g")
    oc.cli("resource", "create", "s", "--type", "ocf:wptest:Hang", "--group", "g", "state=" + state,
           "StartSleep=30", "MonitorHangs=false", "RestartAction=0")
    oc.cli("--no-wait", "resource", "online", "s")
    assert oc.wait_for(lambda: os.path.exists(state) and oc.resource("s")["state"] == "OnlinePending", timeout=10)
    from test_cluster_monitors import monitor_pids
    for m in monitor_pids(oc):
        os.kill(m, signal.SIGKILL)
    r = oc.wait_state("resource", "s", "Online", timeout=15)
    assert "still running after" in (r.get("state_reason") or ""), r
    assert open(state + ".starts").read().count("start") == 1
    # Offline: stop, and the start still sleeping is killed with the cgroup.
    oc.cli("resource", "offline", "s")
    oc.wait_state("resource", "s", "Offline")
    assert not os.path.exists(state)


def test_a_reloadable_parameter_changes_while_online_through_the_agents_reload(oc):
    """Dummy has the older reload: its non-unique fake reloads; state does
    not (it waits for the next online)."""
    show = type_show(oc, "ocf:heartbeat:Dummy")
    props = {p["name"]: p for p in show["properties"]}
    assert props["Fake"]["live"] is True and props["State"]["live"] is False, props
    state = os.path.join(oc.dir, "reload.state")
    create_online(oc, "rl", "ocf:heartbeat:Dummy", "state=" + state)
    status, body = oc.api("PATCH", "/v1/resources/rl", {"properties": {"Fake": "changed"}})
    assert status == 200 and "Fake" not in (body.get("next_online") or []), body
    assert oc.wait_for(lambda: [e for e in oc.log() if e.get("code") == "OCF_RELOADED" and e.get("name") == "rl"],
                       timeout=10), [e.get("code") for e in oc.log()]
    assert oc.resource("rl")["state"] == "Online"
    status, body = oc.api("PATCH", "/v1/resources/rl", {"properties": {"State": state + ".2"}})
    assert status == 200 and "State" in (body.get("next_online") or []), body
    oc.cli("resource", "offline", "rl")
