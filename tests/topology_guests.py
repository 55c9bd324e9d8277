#!/usr/bin/python3
"""make test-topology: the suite on emulated machines nobody here has.

Boots qemu TCG guests of several shapes (sockets, SMT, NUMA nodes, several
L3 domains in one package, 64 CPUs, a taskset restriction) with an
initramfs of busybox, build/contend and the libraries it links, and checks
on each: discovery matches the configured shape; every placement's plan is
what the running threads read back for themselves; every pair class the
shape has is measured and the others are skipped with a reason; on guests
of up to 8 CPUs `--threads all` completes and c2c/pingpong covers every
pair of CPUs (the report's heatmap). Each guest's topology is exported as
hwloc XML (tests/topologies/ holds them as fixtures: --update-fixtures).

The kernel and busybox come from Debian's packages, downloaded at test
time (apt-get download, never installed); qemu-system-x86 and cpio are
installed where this runs as root. Where any cannot be had the test says
so and exits 77 (meson's skip)."""

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "topologies")
PLACEMENTS = ["compact", "scatter", "cores", "smt"]
PAIRS = ["smt-sibling", "same-l2", "same-l3", "cross-l3", "cross-numa",
         "cross-package"]
# short runs: these guests are emulated, their timings mean nothing
QUICK = ["--time", "2ms", "--repeat", "1", "--warmup", "0", "--no-progress",
         "--no-isolate", "--no-rerun"]


class Shape:
    """One emulated machine: qemu's -smp and NUMA nodes, and what the
    kernel should then show (packages, L3 domains, cores, SMT)."""

    def __init__(self, name, sockets, dies, cores, threads, nodes,
                 taskset=None, cpu="Skylake-Server"):
        self.name, self.cpu = name, cpu
        self.sockets, self.dies, self.cores, self.threads = (
            sockets, dies, cores, threads)
        self.nodes = nodes  # CPU ranges, one per NUMA node
        self.taskset = taskset  # run the suite under this CPU list
        self.ncpus = sockets * dies * cores * threads

    def qemu_args(self):
        smp = "%d,sockets=%d,dies=%d,cores=%d,threads=%d" % (
            self.ncpus, self.sockets, self.dies, self.cores, self.threads)
        args = ["-smp", smp, "-m", "%dM" % (256 * len(self.nodes))]
        for i, cpus in enumerate(self.nodes):
            args += ["-object", "memory-backend-ram,id=m%d,size=256M" % i,
                     "-numa", "node,nodeid=%d,memdev=m%d,cpus=%s" % (
                         i, i, cpus)]
        return args

    def visible(self):
        """The CPUs the suite may use: all, or the taskset's."""
        if not self.taskset:
            return list(range(self.ncpus))
        return cpu_list(self.taskset)

    def expected_discovery(self):
        """contend topology's summary line for the whole shape."""
        l3 = self.sockets * self.dies
        cores = l3 * self.cores
        return ("%d packages, %d NUMA nodes, %d L3, %d L2, %d cores, "
                "%d CPUs (SMT %d)" % (self.sockets, len(self.nodes), l3,
                                      cores, cores, self.ncpus,
                                      self.threads))

    def expected_pairs(self):
        """The pair classes of the shape: the closest level two CPUs
        share names their pair."""
        present = set()
        cpus = self.visible()
        for a in cpus:
            for b in cpus:
                if a < b:
                    present.add(self.pair_class(a, b))
        return present

    def pair_class(self, a, b):
        # qemu numbers CPUs thread-fastest: thread, core, die, socket
        def where(c):
            t = self.threads
            return (c // (t * self.cores * self.dies),
                    c // (t * self.cores), c // t, self.node_of(c))
        pa, da, ca, na = where(a)
        pb, db, cb, nb = where(b)
        if pa != pb:
            return "cross-package"
        if na != nb:
            return "cross-numa"
        if da != db:
            return "cross-l3"
        if ca != cb:
            return "same-l3"
        return "smt-sibling"

    def node_of(self, cpu):
        for i, cpus in enumerate(self.nodes):
            if cpu in cpu_list(cpus):
                return i
        raise ValueError("CPU %d in no node" % cpu)


SHAPES = [
    # two sockets, a NUMA node each, two cores of two threads per socket
    Shape("2pkg-2numa-smt2", 2, 1, 2, 2, ["0-3", "4-7"]),
    # one package of four dies with an L3 each (chiplet-style)
    Shape("1pkg-4l3", 1, 4, 2, 1, ["0-7"]),
    # one package, two NUMA nodes (sub-NUMA clustering), one L3
    Shape("1pkg-2numa", 1, 1, 8, 1, ["0-3", "4-7"]),
    # the 2-socket shape with the suite started under taskset
    Shape("2pkg-taskset", 2, 1, 2, 2, ["0-3", "4-7"], taskset="1,2,5,6"),
    # 64 CPUs: 4 sockets x 8 cores x 2 threads, a NUMA node each
    Shape("4pkg-64cpu", 4, 1, 8, 2, ["0-15", "16-31", "32-47", "48-63"]),
]


def cpu_list(s):
    out = []
    for part in s.split(","):
        lo, _, hi = part.partition("-")
        out += range(int(lo), int(hi or lo) + 1)
    return out


def skip(why):
    print("test-topology: skipped: %s" % why)
    sys.exit(SKIP)


# -- what the guests need, from Debian ------------------------------------

def ensure_host_tools():
    missing = [t for t in ("qemu-system-x86_64", "cpio")
               if not shutil.which(t)]
    if missing and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq",
                        "--no-install-recommends", "qemu-system-x86",
                        "cpio"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        missing = [t for t in missing if not shutil.which(t)]
    if missing:
        skip("%s not installed (Debian: qemu-system-x86, cpio; "
             "installed only as root)" % ", ".join(missing))


def debian_file(cache, package, member):
    """member (a glob) out of Debian's package, downloaded once into cache."""
    found = glob.glob(os.path.join(cache, package, member.lstrip("./")))
    if found:
        return found[0]
    os.makedirs(cache, exist_ok=True)
    r = subprocess.run(["apt-get", "download", package], cwd=cache,
                       capture_output=True, text=True)
    debs = glob.glob(os.path.join(cache, package + "_*.deb"))
    if r.returncode != 0 or not debs:
        skip("apt-get download %s failed: %s" % (
            package, (r.stderr.strip().splitlines() or ["?"])[-1]))
    dest = os.path.join(cache, package)
    os.makedirs(dest, exist_ok=True)
    subprocess.run("dpkg-deb --fsys-tarfile '%s' | tar x -C '%s' "
                   "--wildcards '%s'" % (debs[0], dest, member),
                   shell=True, check=True)
    found = glob.glob(os.path.join(dest, member.lstrip("./")))
    if not found:
        skip("%s has no %s" % (package, member))
    return found[0]


def kernel_package():
    """Debian's current amd64 kernel image package."""
    r = subprocess.run(["apt-cache", "depends", "linux-image-amd64"],
                       capture_output=True, text=True)
    m = re.search(r"Depends: (linux-image-\S+-amd64)", r.stdout)
    if not m:
        skip("apt-cache knows no linux-image-amd64")
    return m.group(1)


# -- the initramfs --------------------------------------------------------

def libraries(binary):
    r = subprocess.run(["ldd", binary], capture_output=True, text=True,
                       check=True)
    libs = re.findall(r"(/\S+) \(0x", r.stdout)
    return libs


def steps_script(shape):
    """The guest's commands, each framed by markers the host parses."""
    run = "contend"
    if shape.taskset:
        run = "taskset -c %s contend" % shape.taskset
    n = len(shape.visible())
    threads = sorted({t for t in (2, 4, n) if t <= n})
    lines = []

    def step(name, cmd):
        lines.append("echo \"@@step %s\"; %s; echo \"@@rc %s $?\"" % (
            name, cmd, name))

    def file(name, path):
        lines.append("echo '@@file %s'; cat %s; echo; echo '@@end'" % (
            name, path))

    step("topology", "%s topology" % run)
    step("machine", "%s machine" % run)
    step("xml", "%s topology --export-xml /tmp/topo.xml" % run)
    file("xml", "/tmp/topo.xml")
    for t in threads:
        for p in PLACEMENTS:
            step("plan %d %s" % (t, p),
                 "%s plan --threads %d --placement %s" % (run, t, p))
    # empty/loop does not spin: the plans' threads on 64 emulated CPUs
    step("run-placements", "%s run --filter empty/loop --threads %s "
         "--placement %s %s --out /tmp/places.json" % (
             run, ",".join(map(str, threads)), ",".join(PLACEMENTS),
             " ".join(QUICK)))
    file("run-placements", "/tmp/places.json")
    step("run-pairs", "%s run --filter c2c/pingpong --placement %s %s "
         "--out /tmp/pairs.json" % (run, ",".join(PAIRS), " ".join(QUICK)))
    file("run-pairs", "/tmp/pairs.json")
    if n <= 8:
        vis = shape.visible()
        every = ",".join("cpus:%d,%d" % (a, b) for a in vis for b in vis
                         if a < b)
        step("run-heatmap", "%s run --filter c2c/pingpong --placement %s "
             "%s --out /tmp/heat.json" % (run, every, " ".join(QUICK)))
        file("run-heatmap", "/tmp/heat.json")
        # a lock that parks: spinning threads on more emulated CPUs than
        # real ones starve each other (the guest's kernel reports lockups)
        step("run-all", "%s run --filter 'mutex/lock,impl=pthread' "
             "--threads all %s --out /tmp/all.json" % (run, " ".join(QUICK)))
        file("run-all", "/tmp/all.json")
    return "\n".join(lines) + "\n"


INIT = """#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev
mkdir -p /tmp
echo '@@boot'
. /steps.sh
echo '@@done'
poweroff -f
"""


def build_initramfs(shape, contend, busybox, out):
    root = tempfile.mkdtemp(prefix="guest-", dir=os.path.dirname(out))
    for d in ("bin", "proc", "sys", "dev", "tmp"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    shutil.copy(busybox, os.path.join(root, "bin/busybox"))
    shutil.copy(contend, os.path.join(root, "bin/contend"))
    for lib in libraries(contend):
        dest = os.path.join(root, lib.lstrip("/"))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy(lib, dest)
    with open(os.path.join(root, "init"), "w") as f:
        f.write(INIT)
    os.chmod(os.path.join(root, "init"), 0o755)
    with open(os.path.join(root, "steps.sh"), "w") as f:
        f.write(steps_script(shape))
    files = subprocess.run(["find", ".", "-mindepth", "1"], cwd=root,
                           capture_output=True, text=True, check=True).stdout
    with open(out, "wb") as f:
        subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=root,
                       input=files.encode(), stdout=f, check=True)
    shutil.rmtree(root)


# -- booting and reading the guest's answers ------------------------------

def boot(shape, kernel, initrd, log, timeout, loglevel=1):
    """The guest's console (also in log), qemu's stderr, the seconds it
    took, and whether it finished in time. One host thread runs every
    vCPU in turn (a PAUSE hands over to the next): with a thread per vCPU
    (thread=multi) an IPI was now and then never answered and the guest
    froze in smp_call_function_many_cond (from a process's exit, a TLB
    flush, a static key), in 1 of 5 runs of this test; it is no faster
    on 2 host CPUs."""
    cmd = ["qemu-system-x86_64", "-accel", "tcg,thread=single", "-cpu",
           shape.cpu, "-machine", "q35", *shape.qemu_args(), "-kernel",
           kernel, "-initrd", initrd, "-append",
           "console=ttyS0 loglevel=%d panic=-1 rdinit=/init" % loglevel,
           "-nographic", "-no-reboot", "-nodefaults", "-serial", "stdio"]
    start = time.monotonic()
    with open(log, "w") as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, text=True)
        try:
            _, err = p.communicate(timeout=timeout)
            done = True
        except subprocess.TimeoutExpired:
            p.kill()
            _, err = p.communicate()
            done = False
    with open(log, errors="replace") as f:
        console = f.read().replace("\r", "")
    return console, err, time.monotonic() - start, done


def parse(console):
    """{'step name': (rc, output)} and {'file name': text}."""
    steps, files = {}, {}
    cur, buf, kind = None, [], None
    for line in console.splitlines():
        m = re.match(r"@@(step|file|rc|end)\s*(.*)$", line)
        if not m:
            if cur is not None:
                buf.append(line)
            continue
        tag, rest = m.groups()
        if tag in ("step", "file"):
            cur, buf, kind = rest, [], tag
        elif tag == "rc" and kind == "step":
            name, _, rc = rest.rpartition(" ")
            steps[name] = (int(rc), "\n".join(buf))
            cur = None
        elif tag == "end" and kind == "file":
            files[cur] = "\n".join(buf)
            cur = None
    return steps, files


# -- the checks -----------------------------------------------------------

class Checker:
    def __init__(self, shape):
        self.shape, self.failures = shape, []

    def check(self, ok, what):
        if not ok:
            self.failures.append("%s: %s" % (self.shape.name, what))
        return ok

    def step(self, steps, name, want_rc=(0,)):
        if not self.check(name in steps, "step '%s' gave no answer" % name):
            return None
        rc, out = steps[name]
        self.check(rc in want_rc, "step '%s' exit %d: %s" % (
            name, rc, out.strip()[-300:]))
        return out

    def results(self, files, name):
        try:
            return json.loads(files[name])["results"]
        except (KeyError, ValueError) as ex:
            self.check(False, "%s: no results file (%s)" % (name, ex))
            return []

    def run_all(self, steps, files):
        s = self.shape
        out = self.step(steps, "topology") or ""
        line = re.search(r"^\d+ packages.*$", out, re.M)
        want = s.expected_discovery()
        if s.taskset:
            n = len(s.visible())
            want = re.sub(r"\d+ CPUs", "%d CPUs" % n, want)
        got = line.group(0) if line else "?"
        if not s.taskset:
            self.check(got == want, "discovery '%s', configured '%s'" % (
                got, want))
        else:
            self.check("%d CPUs" % len(s.visible()) in got,
                       "under taskset %s: '%s'" % (s.taskset, got))
        classes = re.search(r"^pair classes: (.*)$", out, re.M)
        got_pairs = set(classes.group(1).split()) if classes else set()
        self.check(got_pairs == s.expected_pairs(),
                   "pair classes %s, configured %s" % (
                       sorted(got_pairs), sorted(s.expected_pairs())))
        machine = self.step(steps, "machine") or ""
        self.check(re.search(r"^emulated:\s+yes", machine, re.M),
                   "machine does not say it is emulated")
        self.step(steps, "xml")
        self.check("<topology" in files.get("xml", ""), "no XML export")
        self.check_plans(steps, files)
        self.check_pairs(steps, files)
        if "run-heatmap" in steps or len(s.visible()) <= 8:
            self.check_small(steps, files)
        return line.group(0) if line else "?", sorted(got_pairs)

    def check_plans(self, steps, files):
        self.step(steps, "run-placements")
        recs = {(r["threads"], r["placement"]): r
                for r in self.results(files, "run-placements")}
        vis = set(self.shape.visible())
        for name, (rc, out) in steps.items():
            m = re.match(r"plan (\d+) (\S+)$", name)
            if not m:
                continue
            t, p = int(m.group(1)), m.group(2)
            planned = re.search(r"^cpus: (\S+)", out, re.M)
            r = recs.get((t, p))
            if rc != 0:
                # a placement this shape cannot give: skipped alike
                self.check(r is None or r["status"] == "skipped",
                           "plan %d %s refused but ran" % (t, p))
                continue
            if not self.check(planned and r, "plan %d %s: no plan or "
                              "no record" % (t, p)):
                continue
            cpus = [int(c) for c in planned.group(1).split(",")]
            self.check(set(cpus) <= vis, "plan %d %s uses CPUs outside "
                       "%s: %s" % (t, p, sorted(vis), cpus))
            self.check(r["status"] == "ok" and r["cpus"] == cpus,
                       "plan %d %s: planned %s, threads ran on %s (%s)" % (
                           t, p, cpus, r.get("cpus"), r["status"]))

    def check_pairs(self, steps, files):
        self.step(steps, "run-pairs", want_rc=(0, 1))
        recs = {r["placement"]: r for r in self.results(files, "run-pairs")}
        have = self.shape.expected_pairs()
        for p in PAIRS:
            r = recs.get(p)
            if not self.check(r, "pair %s: no record" % p):
                continue
            if p in have:
                self.check(r["status"] == "ok", "pair %s: %s (%s)" % (
                    p, r["status"], r.get("reason")))
                a, b = r["cpus"]
                self.check(self.shape.pair_class(a, b) == p,
                           "pair %s ran on CPUs %d,%d" % (p, a, b))
            else:
                self.check(r["status"] == "skipped" and r.get("reason"),
                           "pair %s absent but %s" % (p, r["status"]))

    def check_small(self, steps, files):
        self.step(steps, "run-heatmap")
        vis = self.shape.visible()
        want = {(a, b) for a in vis for b in vis if a < b}
        got = {tuple(sorted(r["cpus"]))
               for r in self.results(files, "run-heatmap")
               if r["status"] == "ok"}
        self.check(got == want, "heatmap covers %d of %d pairs" % (
            len(got & want), len(want)))
        self.step(steps, "run-all")
        recs = self.results(files, "run-all")
        n = len(vis)
        self.check(any(r["threads"] == n and r["status"] == "ok"
                       for r in recs), "--threads all did not run %d" % n)
        bad = [r["benchmark"] for r in recs if r["status"] != "ok"]
        self.check(not bad, "--threads all: not ok: %s" % bad)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("contend", help="the build's contend binary")
    ap.add_argument("--cache", default=None,
                    help="where the Debian packages are kept "
                    "(default: beside the binary)")
    ap.add_argument("--shape", action="append",
                    help="only this shape (repeatable): " +
                    ", ".join(s.name for s in SHAPES))
    ap.add_argument("--update-fixtures", action="store_true",
                    help="write each guest's XML to tests/topologies/")
    ap.add_argument("--kernel-log", action="store_true",
                    help="the guest kernel's messages on its console "
                    "(a soft lockup's backtrace; default: emergencies)")
    ap.add_argument("--timeout", type=float, default=150,
                    help="seconds one guest may take (default 150)")
    a = ap.parse_args()
    shapes = [s for s in SHAPES if not a.shape or s.name in a.shape]
    if not shapes:
        ap.error("no shape named %s" % a.shape)
    if sys.platform != "linux" or os.uname().machine != "x86_64":
        skip("needs an x86-64 Linux host")
    ensure_host_tools()
    cache = a.cache or os.path.join(os.path.dirname(
        os.path.abspath(a.contend)), "topology-guests")
    kernel = debian_file(cache, kernel_package(), "./boot/vmlinuz-*")
    busybox = debian_file(cache, "busybox-static", "./bin/busybox")
    failures = []
    for s in shapes:
        initrd = os.path.join(cache, s.name + ".cpio")
        build_initramfs(s, a.contend, busybox, initrd)
        log = os.path.join(cache, s.name + ".log")
        console, err, took, done = boot(s, kernel, initrd, log, a.timeout,
                                        8 if a.kernel_log else 1)
        if not done:
            failures.append("%s: did not finish within %.0f s (console: "
                            "%s)" % (s.name, a.timeout, log))
        steps, files = parse(console)
        if "@@done" not in console:
            failures.append("%s: the guest stopped early: %s" % (
                s.name, (console + err).strip()[-400:]))
        c = Checker(s)
        line, pairs = c.run_all(steps, files)
        failures += c.failures
        print("%-16s %5.1f s  %s; pair classes: %s%s" % (
            s.name, took, line, ", ".join(pairs),
            "; under taskset " + s.taskset if s.taskset else ""))
        if a.update_fixtures and "<topology" in files.get("xml", ""):
            os.makedirs(FIXTURES, exist_ok=True)
            with open(os.path.join(FIXTURES, s.name + ".xml"), "w") as f:
                f.write(files["xml"].strip() + "\n")
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
