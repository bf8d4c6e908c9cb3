# SPDX-License-Identifier: LGPL-2.1-or-later
"""The quorum device of a corosync_cluster.py cluster, the witness of two
nodes: corosync-qnetd in a namespace of its own on the cluster's bridge,
corosync-qdevice on every node, TLS between them with client certificates
(what `wolfpack cluster init --witness` writes: tls: required), made the
way corosync-qdevice-net-certutil(8) and corosync-qnetd-certutil(8) say,
each host with a private /etc/corosync. Every process runs in the cgroup
<cluster>/q or in its node's, so the cluster's close() removes it with the
rest."""

import os
import shutil
import subprocess

PACKAGES = ["corosync-qnetd", "corosync-qdevice"]


def ensure_qdevice():
    """corosync-qnetd and corosync-qdevice must be there: installed if not,
    never skipped."""
    if shutil.which("corosync-qnetd") and shutil.which("corosync-qdevice"):
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends"] + PACKAGES, env=env,
                   capture_output=True, timeout=600)
    if not (shutil.which("corosync-qnetd") and shutil.which("corosync-qdevice")):
        raise AssertionError("corosync-qnetd or corosync-qdevice is missing and apt-get could not install them; "
                             "the two-node tests need them (make deps installs them)")


class Qnetd:
    def __init__(self, cluster):
        ensure_qdevice()
        self.cluster = cluster
        self.ns = cluster.tag + "-q"
        self.addr = "%s.200" % cluster.subnet
        self.dir = os.path.join(cluster.dir, "qnetd")
        self.cgroup = os.path.join(cluster.cgroup_root, "q")
        self.xfer = os.path.join(self.dir, "xfer")
        self.proc = None
        self.qdevices = {}

    def _in_mount_ns(self, etc, script, check=True):
        """script in a mount namespace whose /etc/corosync is etc."""
        p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                            'mount --bind "$0" /etc/corosync && ' + script, etc],
                           capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError("%s: exit %d\n%s%s" % (script, p.returncode, p.stdout, p.stderr))
        return p

    def setup(self):
        """Namespace, directories and certificates; before any corosync.
        With init, the certificates are those `wolfpack cluster init
        --witness` made in node 1's output (the witness's database moved
        here, the nodes' one taken by the others with --certs); else made
        here as corosync-qdevice-net-certutil(8) says."""
        for sub in ("run/corosync-qnetd", "etc", "log", "xfer"):
            os.makedirs(os.path.join(self.dir, sub))
        os.makedirs(self.cgroup)
        self.cluster.link(self.ns, 0, self.addr)
        etc = os.path.join(self.dir, "etc")
        if self.cluster.init:
            made = os.path.join(self.cluster.nodes[0].dir, "etc", "qnetd")
            shutil.move(made, os.path.join(etc, "qnetd"))
            return
        name = self.cluster.tag
        # The witness's CA and server certificate; its CA to every node.
        self._in_mount_ns(etc, "corosync-qnetd-certutil -i")
        shutil.copy(os.path.join(etc, "qnetd", "nssdb", "qnetd-cacert.crt"), self.xfer)
        first = os.path.join(self.cluster.nodes[0].dir, "etc")
        x = self.xfer
        # Node 1 asks for the cluster's certificate, the witness signs it,
        # node 1 makes the key pair the others import.
        self._in_mount_ns(first, "corosync-qdevice-net-certutil -i -c %s/qnetd-cacert.crt" % x)
        self._in_mount_ns(first, "corosync-qdevice-net-certutil -r -n %s" % name)
        shutil.copy(os.path.join(first, "qdevice", "net", "nssdb", "qdevice-net-node.crq"), x)
        self._in_mount_ns(etc, "cd %s && corosync-qnetd-certutil -s -c %s/qdevice-net-node.crq -n %s" % (x, x, name))
        shutil.copy(os.path.join(etc, "qnetd", "nssdb", "cluster-%s.crt" % name), x)
        self._in_mount_ns(first, "corosync-qdevice-net-certutil -M -c %s/cluster-%s.crt" % (x, name))
        shutil.copy(os.path.join(first, "qdevice", "net", "nssdb", "qdevice-net-node.p12"), x)
        for node in self.cluster.nodes[1:]:
            etc_n = os.path.join(node.dir, "etc")
            self._in_mount_ns(etc_n, "corosync-qdevice-net-certutil -i -c %s/qnetd-cacert.crt" % x)
            self._in_mount_ns(etc_n, "corosync-qdevice-net-certutil -m -c %s/qdevice-net-node.p12" % x)

    def start(self):
        d = self.dir
        out = open(os.path.join(d, "log", "qnetd.log"), "ab")
        # qnetd 3.0.3 takes "req" for required client certificates.
        script = ("mount --bind {d}/run /run && mount --bind {d}/etc /etc/corosync && "
                  "exec corosync-qnetd -f -d -s req -l {a}").format(d=d, a=self.addr)
        procs = os.path.join(self.cgroup, "cgroup.procs")
        self.proc = subprocess.Popen(["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', procs, "nsenter",
                                       "--net=/run/netns/" + self.ns, "--", "unshare", "-m", "--propagation",
                                       "private", "sh", "-c", script],
                                      stdout=out, stderr=out, stdin=subprocess.DEVNULL)

    def start_qdevice(self, node):
        """corosync-qdevice inside node, once its corosync answers."""
        os.makedirs(os.path.join(node.dir, "run", "corosync-qdevice"), exist_ok=True)
        out = open(os.path.join(node.dir, "log", "qdevice.log"), "ab")
        self.qdevices[node.i] = node._in_cgroup(node.enter() + ["corosync-qdevice", "-f", "-d"], out)

    def cut(self):
        """qnetd's port on the bridge down."""
        subprocess.run(["ip", "-n", self.cluster.switch, "link", "set", self.cluster.port(0), "down"], check=True)
