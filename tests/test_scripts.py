"""scripts/compare, regress and history end to end (pytest).

Run by `make test` (tests/meson.build) as /usr/bin/python3 -m pytest. The
result files are built here, deterministically (fixed seeds): two machines,
two commits of one machine with one injected regression, a noise-only pair,
and every kind of bad input. The HTML report is opened in headless Chromium
(Debian's chromium): no console errors, every chart laid out, a screenshot
that is not blank.
"""
import copy
import glob
import json
import os
import random
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, "scripts")
sys.path.insert(0, SCRIPTS)
import contend_results as cr  # noqa: E402

PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else \
    sys.executable


def script(name, *args):
    return subprocess.run([PY, os.path.join(SCRIPTS, name), *map(str, args)],
                          capture_output=True, text=True, timeout=120)


# ---- fixtures -------------------------------------------------------------

MACHINE_A = {
    "id": "testcpu-a-8c-00000001", "hostname": "alpha",
    "cpu": {"vendor": "GenuineIntel", "brand": "Test CPU A", "family": 6,
            "model": 85, "stepping": 4, "codename": "Test", "cores": 4,
            "logical": 8, "caches": {"l1d_kb": 32, "l2_kb": 1024,
                                     "l3_kb": 16384, "line": 64},
            "flags": ["avx2"], "hypervisor": None, "tsc_hz": 2.0e9,
            "invariant_tsc": True, "identified_by": "fixture"},
    "topology": {"packages": 1, "numa_nodes": 1, "l3_domains": 1,
                 "l2_domains": 4, "cores": 4, "pus": 8, "smt": 2},
    "machine_pus": 8, "os": {"kernel": "Linux 6.1", "libc": "glibc 2.36"},
    "compiler": "gcc 12.2.0", "cflags": "buildtype=release",
    "governor": "performance", "boost": True,
}
MACHINE_B = copy.deepcopy(MACHINE_A)
MACHINE_B.update(id="testcpu-b-4c-00000002", hostname="beta",
                 machine_pus=4, governor=None, boost=None)
MACHINE_B["cpu"].update(vendor="AuthenticAMD", brand="Test CPU B",
                        family=25, model=1, logical=4)
MACHINE_B["topology"].update(l2_domains=4, cores=4, pus=4, smt=1)

# (benchmark, impl, params, threads, placement, ns, cpus)
CASES = [
    ("mutex/lock", impl, {}, t, "compact", base * t ** 0.7, None)
    for impl, base in (("pthread", 20.0), ("ticket", 15.0), ("go", 18.0))
    for t in (1, 2, 4)
] + [
    ("atomic/load", impl, {"size": 64}, t, "compact", base, None)
    for impl, base in (("c11", 0.4), ("go", 1.0)) for t in (1, 2, 4)
] + [
    ("c2c/pingpong", "line", {}, 2, pl, ns, cpus)
    for pl, ns, cpus in (("smt-sibling", 40.0, [0, 1]),
                         ("same-l3", 90.0, [0, 2]),
                         ("cross-l3", 95.0, [2, 4]))
] + [
    ("chan/pingpong", "hchan", {"cap": 0}, 2, "same-l3", 400.0, [0, 2]),
    ("chan/pingpong", "go-locked", {"cap": 0}, 2, "same-l3", 600.0, [0, 2]),
]
REGRESSED = ("mutex/lock", "ticket", 2)  # +20% in the "new" commit


def record(case, ns, rng, n, noise):
    bench, impl, params, threads, placement, _, cpus = case
    s = [round(ns * (1 + rng.gauss(0, noise)), 6) for _ in range(n)]
    m, lo, hi = cr.median_ci(s)
    r = {"benchmark": bench, "impl": impl, "params": params,
         "threads": threads, "placement": placement,
         "cpus": cpus or list(range(threads)), "status": "ok", "reason": "",
         "iterations": 1000, "ops": 1000 * n, "samples_ns_per_op": s,
         "ns_per_op": {"median": m, "min": min(s), "max": max(s),
                       "mean": sum(s) / n, "cv": noise,
                       "ci95": None if lo is None else [lo, hi]},
         "ns_per_op_thread": m * threads,
         "bytes_per_op": 0.0,
         "allocs_per_op": 0.0,
         "counters_per_op": {"cycles": None if impl.startswith("go")
                             else round(ns * 3, 3),
                             "context-switches": 0.0},
         "noisy": noise > 0.05, "go_ratio": None,
         "oversubscribed": False, "multiplexed": False}
    if bench == "atomic/load":
        r["fields"] = {"retired_peak": 0}
    return r


def make_doc(machine, commit, started, seed, n=10, noise=0.01,
             regress=None, extra=(), cases=CASES, factor=None, run=None):
    """factor(case): a multiplier of the case's ns (a shift, a moved
    control); run: fields added to run (interference, controls)."""
    rng = random.Random(seed)
    results = []
    for case in cases:
        ns = case[5]
        if regress and (case[0], case[1], case[3]) == REGRESSED:
            ns *= regress
        if machine is MACHINE_B:
            ns *= 1.5
        if factor:
            ns *= factor(case)
        results.append(record(case, ns, rng, n, noise))
    results += [copy.deepcopy(r) for r in extra]
    return {"schema": "contend.result/1",
            "suite": {"version": "0.1.0", "git": commit},
            "machine": copy.deepcopy(machine),
            "run": dict({"started": started, "finished": started, "argv":
                         ["contend", "run"], "options": {"mode": "quick"},
                         "counters": {"available": ["context-switches"],
                                      "unavailable": {"cycles": "no PMU"}},
                         "interrupted": False}, **(run or {})),
            "results": results}


SKIPPED = {"benchmark": "chan/throughput", "impl": "hchan",
           "params": {"pc": "1x4"}, "threads": 1, "placement": "compact",
           "cpus": [0], "status": "skipped",
           "reason": "needs 5 threads (min_threads)"}
FAILED = dict(SKIPPED, threads=2, status="failed", reason="deadlock?",
              cpus=[0, 1])


def write(path, doc):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("results")
    A, B = MACHINE_A, MACHINE_B
    f = {
        "old": write(d / A["id"] / "20260101T000000Z.json",
                     make_doc(A, "aaaaaaa", "2026-01-01T00:00:00Z", 1,
                              extra=[SKIPPED])),
        "new": write(d / A["id"] / "20260102T000000Z.json",
                     make_doc(A, "bbbbbbb", "2026-01-02T00:00:00Z", 2,
                              regress=1.20, extra=[SKIPPED, FAILED])),
        "noise": write(d / "noise" / "20260103T000000Z.json",
                       make_doc(A, "ccccccc", "2026-01-03T00:00:00Z", 3)),
        "b": write(d / B["id"] / "20260101T120000Z.json",
                   make_doc(B, "aaaaaaa", "2026-01-01T12:00:00Z", 4,
                            extra=[SKIPPED])),
    }
    f["dir"] = d
    return f


# ---- statistics -----------------------------------------------------------

def test_mann_whitney_exact_small_samples():
    # complete separation: p = 2 / C(n1+n2, n1)
    assert cr.mann_whitney_u([1, 2, 3, 4], [5, 6, 7, 8]) == \
        pytest.approx(2 / 70)
    assert cr.mann_whitney_u([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]) == \
        pytest.approx(2 / 252)
    assert cr.mann_whitney_u([1, 3, 5], [2, 4, 6]) == pytest.approx(0.7)
    assert cr.mann_whitney_u([5, 1, 3], [2, 4, 6]) == \
        cr.mann_whitney_u([2, 4, 6], [1, 3, 5])


def test_mann_whitney_normal_approximation_agrees_with_exact(monkeypatch):
    rng = random.Random(7)
    x = [rng.gauss(10, 1) for _ in range(15)]
    y = [rng.gauss(10.8, 1) for _ in range(15)]
    exact = cr.mann_whitney_u(x, y)
    monkeypatch.setattr(cr, "EXACT_MAX", 0)
    approx = cr.mann_whitney_u(x, y)
    assert 0.001 < exact < 0.2
    assert approx == pytest.approx(exact, rel=0.1)


def test_mann_whitney_ties():
    assert cr.mann_whitney_u([1, 1, 1], [1, 1, 1]) == 1.0
    # tie-corrected normal approximation: U = 6.5, n = 5 + 6
    assert cr.mann_whitney_u([1, 1, 2, 2, 3], [2, 3, 3, 4, 4, 4]) == \
        pytest.approx(0.0304, abs=1e-3)


def test_median_ci_matches_the_harness_on_real_results():
    files = glob.glob(os.path.join(ROOT, "results", "*", "*.json"))
    checked = 0
    for f in files:
        for r in cr.load(f)["results"]:
            s = r.get("samples_ns_per_op") or []
            if r["status"] != "ok" or len(s) < 6 or not r["ns_per_op"]["ci95"]:
                continue
            m, lo, hi = cr.median_ci(s)
            assert m == pytest.approx(r["ns_per_op"]["median"], rel=1e-6)
            assert [lo, hi] == pytest.approx(r["ns_per_op"]["ci95"],
                                             rel=1e-6)
            checked += 1
    if files:
        assert checked > 0


def test_too_few_samples_is_never_significant():
    v = cr.compare_samples([1.0, 1.1, 1.2], [5.0, 5.1, 5.2], 5)
    assert v["verdict"] == "~" and v["reason"] == "too few samples"


# ---- regress --------------------------------------------------------------

def test_regress_flags_the_injected_regression(data):
    r = script("regress", data["old"], data["new"])
    assert r.returncode == 1, r.stdout + r.stderr
    flagged = [ln for ln in r.stdout.splitlines() if "REGRESSION" in ln]
    assert any(ln.startswith("mutex/lock ticket threads=2 ")
               for ln in flagged), r.stdout
    # the failed case (absent from the old run) is listed, not a number
    assert "failed: deadlock?" in r.stdout
    assert "skipped: needs 5 threads" in r.stdout
    # nothing else moved beyond the threshold
    assert len(flagged) == 1, r.stdout


def test_regress_passes_the_noise_only_pair(data):
    r = script("regress", data["old"], data["noise"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "REGRESSION" not in r.stdout
    assert "0 regression(s)" in r.stdout


def test_regress_threshold_hides_a_small_change(data):
    r = script("regress", "--threshold", "25", data["old"], data["new"])
    assert r.returncode == 0, r.stdout


def test_regress_a_case_that_now_fails_is_a_regression(data, tmp_path):
    new = json.load(open(data["noise"]))
    for rec in new["results"]:
        if rec["benchmark"] == "atomic/load" and rec["impl"] == "c11":
            rec.update(status="timeout", reason="ran past 10 s")
    r = script("regress", data["old"], write(tmp_path / "x.json", new))
    assert r.returncode == 1
    assert "timeout: ran past 10 s" in r.stdout


def test_regress_markdown(data):
    r = script("regress", "--format", "markdown", data["old"], data["new"])
    assert r.returncode == 1
    assert r.stdout.startswith("### contend regress")
    assert "|---|" in r.stdout
    assert "- `mutex/lock ticket threads=2 compact`" in r.stdout


def test_regress_refuses_other_machines(data):
    r = script("regress", data["old"], data["b"])
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1
    for field in ("id", "cpu.brand", "cpu.vendor", "machine_pus"):
        assert field in lines[0]
    r = script("regress", "--cross-machine", data["old"], data["b"])
    assert r.returncode in (0, 1)
    assert "different machines" in r.stdout


# an emulated guest (QEMU TCG) of machine B's shape
MACHINE_EMU = copy.deepcopy(MACHINE_B)
MACHINE_EMU.update(id="emulated-testcpu-b-4c-00000003", hostname="guest",
                   emulated=True)
MACHINE_EMU["cpu"].update(hypervisor="qemu")


@pytest.fixture(scope="module")
def emulated(tmp_path_factory):
    d = tmp_path_factory.mktemp("emulated")
    return [write(d / MACHINE_EMU["id"] / f"2026010{i}T000000Z.json",
                  make_doc(MACHINE_EMU, "aaaaaaa",
                           f"2026-01-0{i}T00:00:00Z", 10 + i))
            for i in (1, 2)]


def test_regress_keeps_an_emulated_machine_to_itself(data, emulated):
    for args in ([data["old"], emulated[0]],
                 ["--cross-machine", emulated[0], data["b"]]):
        r = script("regress", *args)
        assert r.returncode == 2, r.stdout
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "emulated CPU (QEMU TCG)" in lines[0]
    r = script("regress", emulated[0], emulated[1])
    assert r.returncode in (0, 1, 3), r.stderr
    assert "emulated CPU (QEMU TCG)" in r.stdout


def test_compare_gives_an_emulated_machine_no_ratio(data, emulated,
                                                    tmp_path):
    # the emulated machine sorts first, yet the baseline is a real one
    r = script("compare", "--out", tmp_path / "r", data["b"], data["old"],
               *emulated)
    assert r.returncode == 0, r.stderr
    md = open(tmp_path / "r" / "report.md").read()
    header = next(ln for ln in md.splitlines()
                  if ln.startswith("| impl params threads placement"))
    assert header.count("÷") == 1, header  # A's, not the guest's
    assert "÷ testcpu-b" not in header and "÷ emulated" not in header
    assert "Emulated (QEMU TCG), so in no ratio: " + MACHINE_EMU["id"] in md
    assert MACHINE_EMU["id"] + " (emulated)" in md
    r = script("compare", "--out", tmp_path / "r2", "--baseline", "guest",
               data["b"], *emulated)
    assert r.returncode == 2
    assert "emulated (QEMU TCG)" in r.stderr.strip()
    assert not os.path.exists(tmp_path / "r2")
    r = script("compare", "--out", tmp_path / "r3", *emulated)
    assert r.returncode == 0, r.stderr
    md = open(tmp_path / "r3" / "report.md").read()
    assert "baseline none (every machine is emulated)" in md
    assert not [ln for ln in md.splitlines()
                if ln.startswith("| impl params") and "÷" in ln]


# ---- regress on a shared machine: shift, controls, interference, Holm -----

def test_holm_and_benjamini_hochberg_hand_computed():
    p = [0.01, 0.04, 0.03, 0.005]
    # Holm: sorted 0.005*4, 0.01*3, 0.03*2, 0.04*1 -> running max
    assert cr.holm(p) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # BH: sorted 0.005*4/1, 0.01*4/2, 0.03*4/3, 0.04*4/4 -> running min
    # from the top
    assert cr.benjamini_hochberg(p) == pytest.approx([0.02, 0.04, 0.04,
                                                      0.02])
    # untested cases (None) stay None and are not counted in m
    assert cr.holm([None, 0.01, 0.04]) == pytest.approx([None, 0.02, 0.04])
    assert cr.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert cr.holm([]) == [] and cr.benjamini_hochberg([]) == []


def test_run_shift_known_answers():
    rng = random.Random(5)
    shift = cr.run_shift([1.08 * (1 + rng.gauss(0, 0.005))
                          for _ in range(250)])
    assert shift["significant"] and shift["n"] == 250
    assert cr.pct(shift["log"]) == pytest.approx(8.0, abs=0.2)
    assert cr.pct(shift["lo"]) < cr.pct(shift["log"]) < cr.pct(shift["hi"])
    assert cr.shift_text(shift).endswith("over 250 cases")
    # symmetric noise around no change
    shift = cr.run_shift([1 + rng.gauss(0, 0.05) for _ in range(101)])
    assert not shift["significant"]
    # too few cases for an interval: never significant
    assert not cr.run_shift([1.5, 1.5, 1.5])["significant"]


EMPTY_LOOP = [("empty/loop", "none", {}, t, "compact", 0.28, None)
              for t in (1, 2)]
SHARED = CASES + EMPTY_LOOP  # with the harness's own loop: every control


def probes(rng, ref=120.0, c2c=141.0, k=8):
    """run.controls: k probes through the sweep."""
    return [{"t_s": 20.0 * i, "after_case": 3 * i,
             "ref_ns": round(ref * (1 + rng.gauss(0, 0.004)), 4),
             "ref_samples": [round(ref * (1 + rng.gauss(0, 0.004)), 4)
                             for _ in range(5)],
             "c2c_ns": round(c2c * (1 + rng.gauss(0, 0.01)), 3)}
            for i in range(k)]


def clean(doc):
    """The new fields as a current contend writes them, nothing disturbed."""
    for r in doc["results"]:
        n = len(r.get("samples_ns_per_op") or [])
        r["interference"] = {"others": 0.002, "wait": 0.001, "steal": 0.0,
                             "psi_some": None, "max": 0.01,
                             "disturbed_samples": 0, "disturbed": False,
                             "samples": [0.0] * n}
    doc["run"]["interference"] = {"cases": len(doc["results"]),
                                  "disturbed": 0, "rerun": 0, "max": 0.01}
    return doc


def shared_pair(tmp_path, factor=None, base_probes=None, cur_probes=None,
                regress=None):
    rng = random.Random(99)
    base = clean(make_doc(MACHINE_A, "aaaaaaa", "2026-02-01T00:00:00Z", 21,
                          cases=SHARED,
                          run={"controls": base_probes or probes(rng)}))
    cur = clean(make_doc(MACHINE_A, "aaaaaaa", "2026-02-01T01:00:00Z", 22,
                         cases=SHARED, factor=factor, regress=regress,
                         run={"controls": cur_probes or probes(rng)}))
    return base, cur


def flagged_lines(out, word="REGRESSION"):
    return [ln for ln in out.splitlines() if word in ln]


def test_regress_reports_a_run_wide_shift_once_and_flags_only_the_outlier(
        tmp_path):
    # every case 8% slower (the host drifted), the controls with it; one
    # case 30% slower in all
    rng = random.Random(3)
    ticket = ("mutex/lock", "ticket", 2)
    base, cur = shared_pair(
        tmp_path,
        factor=lambda c: 1.30 if (c[0], c[1], c[3]) == ticket else 1.08,
        base_probes=probes(rng), cur_probes=probes(rng, 129.6, 152.3))
    b = write(tmp_path / "b.json", base)
    c = write(tmp_path / "c.json", cur)
    r = script("regress", b, c)
    assert r.returncode == 1, r.stdout + r.stderr
    shift = [ln for ln in r.stdout.splitlines() if "run-wide shift" in ln]
    assert len(shift) == 1, r.stdout
    m = re.search(r"run-wide shift: \+(\d+\.\d)% \[(\d+\.\d), (\d+\.\d)\] "
                  r"over (\d+) cases", shift[0])
    assert m, shift[0]
    assert 7.0 < float(m[1]) < 9.0 and float(m[2]) < float(m[3])
    assert int(m[4]) == 17  # the ok cases both have, controls left out
    assert "`contend ab` tells which" in shift[0]
    # the controls moved with the shift: the machine, not a change
    assert "controls moved with it" in shift[0] and "ref loop +8%" in \
        shift[0]
    assert "machine changed" not in r.stdout
    flagged = flagged_lines(r.stdout)
    assert len(flagged) == 1 and flagged[0].startswith(
        "mutex/lock ticket threads=2 "), r.stdout
    # its departure from the shift: 1.30 / 1.08 = +20%
    assert re.search(r"\+3\d\.\d\d%\s+\+(19|20|21)\.\d\d%", flagged[0]), \
        flagged[0]
    assert "1 regression(s) beyond 5% of the shift" in r.stdout
    assert "Holm" in r.stdout
    # judged case by case, as before, all 17 would have been regressions
    raw = [cr.compare_samples(cr.samples(x), cr.samples(y), 5)["verdict"]
           for x, y in zip(base["results"], cur["results"])
           if x["benchmark"] not in cr.CONTROL_BENCHMARKS]
    assert raw.count("regression") == 17


def test_regress_pure_shift_beyond_threshold_is_inconclusive(tmp_path):
    base, cur = shared_pair(tmp_path, factor=lambda c: 1.08)
    r = script("regress", write(tmp_path / "b.json", base),
               write(tmp_path / "c.json", cur))
    assert r.returncode == 3, r.stdout + r.stderr
    assert "REGRESSION" not in r.stdout
    assert "0 regression(s)" in r.stdout
    assert "leaves the run inconclusive" in r.stdout
    # a global change of the code: the cases moved, the controls did not;
    # that is no machine change (still inconclusive: `contend ab` tells)
    base, cur = shared_pair(tmp_path, factor=lambda c: 1.0
                            if cr.is_control(c) else 1.08)
    r = script("regress", write(tmp_path / "b.json", base),
               write(tmp_path / "c.json", cur))
    assert r.returncode == 3, r.stdout
    assert "machine changed" not in r.stdout
    assert "controls steady: 7 checked" in r.stdout
    assert "controls moved with it" not in r.stdout
    # a shift within the threshold is reported and passes
    base, cur = shared_pair(tmp_path, factor=lambda c: 1.03)
    r = script("regress", write(tmp_path / "b.json", base),
               write(tmp_path / "c.json", cur))
    assert r.returncode == 0, r.stdout
    assert "run-wide shift: +3." in r.stdout


def test_regress_disturbed_and_slower_is_inconclusive(tmp_path):
    base, cur = shared_pair(tmp_path, regress=1.30)
    for rec in cur["results"]:
        if (rec["benchmark"], rec["impl"], rec["threads"]) == REGRESSED:
            rec["interference"] = {
                "others": 0.12, "wait": 0.002, "steal": 0.0,
                "psi_some": 0.03, "max": 0.31, "disturbed_samples": 2,
                "disturbed": True,
                "samples": [0.0, 0.31, 0.0, 0.0, 0.22, 0, 0, 0, 0, 0]}
    cur["run"]["interference"].update(disturbed=1, rerun=1, max=0.31)
    b = write(tmp_path / "b.json", base)
    c = write(tmp_path / "c.json", cur)
    r = script("regress", b, c)
    assert r.returncode == 3, r.stdout + r.stderr
    assert "REGRESSION" not in r.stdout
    row = next(ln for ln in r.stdout.splitlines()
               if ln.startswith("mutex/lock ticket threads=2 "))
    assert "inconclusive (current disturbed: others took up to 31% of its " \
           "CPU time (2 of 10 samples))" in row, row
    assert "current: 1 of 22 case(s) disturbed (1 rerun)" in r.stdout
    assert "0 regression(s)" in r.stdout and "1 inconclusive" in r.stdout
    assert "exit 3" in r.stdout
    # markdown lists it
    r = script("regress", "--format", "markdown", b, c)
    assert r.returncode == 3
    assert "**Inconclusive:**" in r.stdout
    assert "- `mutex/lock ticket threads=2 compact`" in r.stdout
    # the baseline side is named as well
    r = script("regress", c, b)
    assert r.returncode == 3, r.stdout
    assert "inconclusive (baseline disturbed: others took up to 31%" in \
        r.stdout
    # and a case that now fails is a regression, disturbed or not
    for rec in cur["results"]:
        if rec["benchmark"] == "atomic/load" and rec["impl"] == "c11":
            rec.update(status="failed", reason="SIGSEGV")
    r = script("regress", b, write(tmp_path / "f.json", cur))
    assert r.returncode == 1, r.stdout


def test_regress_pooled_sides_drop_disturbed_records(tmp_path):
    """A disturbed record is left out where the side has a clean one."""
    base, cur = shared_pair(tmp_path)
    slow = make_doc(MACHINE_A, "aaaaaaa", "2026-02-01T02:00:00Z", 23,
                    cases=SHARED, regress=1.30)
    clean(slow)
    for rec in slow["results"]:
        rec["interference"]["disturbed"] = True
        rec["interference"]["max"] = 0.4
    d = tmp_path / "cur"
    write(d / "1.json", cur)
    write(d / "2.json", slow)
    r = script("regress", write(tmp_path / "b.json", base), d)
    assert r.returncode == 0, r.stdout
    assert "current: 0 of 22 case(s) disturbed" in r.stdout


def test_regress_controls_moved_is_inconclusive(tmp_path):
    # the c2c floor 141 -> 180 ns and the reference loop +15%, nothing else
    # moved but the injected regression: the machine changed under it
    rng = random.Random(4)

    def factor(c):
        return 1.28 if c[0] in ("c2c/pingpong", "empty/loop") else 1.0
    base, cur = shared_pair(tmp_path, factor=factor, regress=1.20,
                            base_probes=probes(rng),
                            cur_probes=probes(rng, 138.0, 180.0))
    r = script("regress", write(tmp_path / "b.json", base),
               write(tmp_path / "c.json", cur))
    assert r.returncode == 3, r.stdout + r.stderr
    assert "REGRESSION" not in r.stdout
    note = [ln for ln in r.stdout.splitlines()
            if ln.startswith("note: machine changed: ")]
    assert len(note) == 1, r.stdout
    assert re.search(r"c2c floor \(probes\) 14\d\.\d → 1[78]\d\.\d ns",
                     note[0]), note[0]
    assert re.search(r"c2c floor smt-sibling [34]\d\.\d\d → 5\d\.\d\d ns",
                     note[0]), note[0]
    assert "ref loop +15%" in note[0]
    assert "empty loop threads=1 +28%" in note[0]
    assert "not significant: cases judged as measured" in r.stdout
    row = next(ln for ln in r.stdout.splitlines()
               if ln.startswith("mutex/lock ticket threads=2 "))
    assert "inconclusive (machine changed: " in row, row
    assert "control MOVED" in r.stdout
    # nothing would have been flagged: the machine changed, yet exit 0
    base, cur = shared_pair(tmp_path, factor=factor,
                            cur_probes=probes(rng, 138.0, 180.0))
    r = script("regress", write(tmp_path / "b.json", base),
               write(tmp_path / "c.json", cur))
    assert r.returncode == 0, r.stdout
    assert "note: machine changed: " in r.stdout


def test_regress_old_files_say_what_they_lack(data):
    r = script("regress", data["old"], data["noise"])
    assert r.returncode == 0
    assert "run-wide shift: " in r.stdout and "not significant" in r.stdout
    assert "controls steady: " in r.stdout  # the c2c/pingpong records
    assert "disturbed" not in r.stdout  # unknown, not disturbed


def test_regress_holm_without_power_says_so(tmp_path):
    # 5 + 5 samples: the smallest p is 2/252; over 17 cases Holm can never
    # reach 0.05, and the injected +20% is not called a regression
    base = make_doc(MACHINE_A, "aaaaaaa", "2026-01-01T00:00:00Z", 1, n=5)
    cur = make_doc(MACHINE_A, "bbbbbbb", "2026-01-02T00:00:00Z", 2, n=5,
                   regress=1.20)
    r = script("regress", write(tmp_path / "b.json", base),
               write(tmp_path / "c.json", cur))
    assert r.returncode == 0, r.stdout
    assert "Holm over 17 case(s): with these sample counts the smallest " \
           "adjusted p is 0.13, so no case can be significant" in r.stdout
    # the injected case is completely separated: p = 2/252 alone, 17 times
    # that after Holm
    row = next(ln for ln in r.stdout.splitlines()
               if ln.startswith("mutex/lock ticket threads=2 "))
    assert "p=0.008 holm=0.135 n=5+5" in row, row


@pytest.mark.parametrize("name", ["compare", "regress", "history",
                                  "ab-forest"])
def test_help_describes_the_script(name):
    """The description is the docstring's first line, not the shell
    line that starts the file."""
    r = script(name, "--help")
    assert r.returncode == 0
    assert "exec" not in r.stdout and "/usr/bin/python3" not in r.stdout
    assert re.search(rf"^{name} \S.*: ", r.stdout, re.M), r.stdout


def test_regress_help_documents_exit_statuses():
    r = script("regress", "--help")
    assert r.returncode == 0
    text = " ".join(r.stdout.split())
    for s in ("0 no regression", "1 a regression", "2 bad input",
              "3 no regression, but some cases inconclusive", "Holm"):
        assert s in text, s


@pytest.mark.parametrize("name,args,says", [
    ("regress", ["--threshold", "nan", "a", "b"],
     "--threshold nan: must be a number >= 0"),
    ("regress", ["--threshold", "abc", "a", "b"], "invalid float value"),
    ("history", ["--order", "size", "a"], "invalid choice"),
    ("compare", [], "required"),
])
def test_bad_usage_is_one_line_exit_2(name, args, says):
    r = script(name, *args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"{name}: ") and says in lines[0], lines[0]


@pytest.mark.parametrize("name", ["regress", "history", "compare"])
def test_bad_values_one_line_exit_2(name, data, tmp_path):
    good = json.load(open(data["old"]))

    def bad(edit, problem):
        doc = copy.deepcopy(good)
        edit(doc)
        return doc, problem

    def rec(doc):
        return doc["results"][0]
    cases = {
        "nan-median": bad(lambda d: rec(d)["ns_per_op"].update(
            median=float("nan")), "ns_per_op.median is nan"),
        "inf-sample": bad(lambda d: rec(d)["samples_ns_per_op"].__setitem__(
            2, float("inf")), "samples_ns_per_op[2] is inf"),
        "negative-sample": bad(lambda d: rec(d)["samples_ns_per_op"]
                               .__setitem__(0, -1.5), "negative"),
        "string-sample": bad(lambda d: rec(d)["samples_ns_per_op"]
                             .__setitem__(1, "12"), "is str, not a number"),
        "bool-median": bad(lambda d: rec(d)["ns_per_op"].update(median=True),
                           "median is bool"),
        "samples-object": bad(lambda d: rec(d).update(samples_ns_per_op={}),
                              "not a list"),
        "interference-list": bad(lambda d: rec(d).update(interference=[1]),
                                 "interference is list"),
        "interference-nan": bad(lambda d: rec(d).update(
            interference={"max": float("nan"), "disturbed": True}),
            "interference.max is nan"),
        "disturbed-string": bad(lambda d: rec(d).update(
            interference={"disturbed": "yes"}), "not true or false"),
        "controls-object": bad(lambda d: d["run"].update(controls={}),
                               "run.controls is dict"),
        "control-negative": bad(lambda d: d["run"].update(
            controls=[{"t_s": 1, "ref_ns": -3, "c2c_ns": None}]),
            "run.controls[0].ref_ns is negative"),
        "run-interference": bad(lambda d: d["run"].update(
            interference={"cases": "many"}), "not a count"),
    }
    for fname, (doc, problem) in cases.items():
        path = tmp_path / (fname + ".json")
        with open(path, "w") as f:
            json.dump(doc, f)  # NaN and Infinity as Python writes them
        args = ([data["old"], path] if name != "compare"
                else ["--out", tmp_path / "rep", data["old"], path])
        r = script(name, *args)
        assert r.returncode == 2, (fname, r.stdout, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1, (fname, r.stderr)
        assert str(path) in lines[0] and problem in lines[0], lines[0]
        assert "Traceback" not in r.stderr and r.stdout == ""


# ---- bad input, all three scripts ------------------------------------------

def bad_files(d, good):
    text = open(good).read()
    other = json.loads(text)
    other["schema"] = "contend.result/2"
    no_results = json.loads(text)
    del no_results["results"]
    bad_status = json.loads(text)
    bad_status["results"][0]["status"] = "maybe"
    files = {
        "empty": ("", "empty file"),
        "not-json": ("this is not json\n", "not JSON"),
        "truncated": (text[: len(text) // 2], "truncated"),
        "cut-in-a-string": (text[: text.index('"contend.result/1"') + 5],
                            "truncated"),
        "cut-after-a-comma": (text[: text.index(",", 100) + 1],
                              "truncated"),
        "other-schema": (json.dumps(other), "contend.result/2"),
        "no-schema": (json.dumps({"results": []}), "no 'schema'"),
        "array": ("[1, 2]", "top level is list"),
        "no-results": (json.dumps(no_results), "'results'"),
        "bad-status": (json.dumps(bad_status), "'maybe'"),
    }
    out = {}
    for name, (content, problem) in files.items():
        p = os.path.join(d, name + ".json")
        with open(p, "w") as f:
            f.write(content)
        out[p] = problem
    return out


@pytest.mark.parametrize("name", ["compare", "regress", "history"])
def test_bad_input_one_line_exit_2(name, data, tmp_path):
    for path, problem in bad_files(tmp_path, data["old"]).items():
        if name == "regress":
            args = [data["old"], path]
        elif name == "compare":
            args = ["--out", tmp_path / "rep", data["old"], path]
        else:
            args = [data["old"], path]
        r = script(name, *args)
        assert r.returncode == 2, (path, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1, (path, r.stderr)
        assert path in lines[0] and problem in lines[0], lines[0]
        assert r.stdout == ""
    r = script(name, tmp_path / "does-not-exist.json", data["old"])
    assert r.returncode == 2 and "cannot read" in r.stderr


# ---- the hostile corpus (tests/hostile/) ----------------------------------

HOSTILE = os.path.join(ROOT, "tests", "hostile")
HOSTILE_EXPECTED = json.load(open(os.path.join(HOSTILE, "expected.json")))


def tree(d):
    """Every path under d (files and directories), relative to it."""
    out = set()
    for root, dirs, files in os.walk(d):
        out |= {os.path.relpath(os.path.join(root, x), d)
                for x in dirs + files}
    return out


def test_hostile_corpus_is_complete():
    files = {f for f in os.listdir(HOSTILE) if f.endswith(".json")}
    assert files - {"good.json", "expected.json", "expected-c.json"} == set(
        HOSTILE_EXPECTED)


@pytest.mark.parametrize("name", ["compare", "regress", "history"])
@pytest.mark.parametrize("hostile", sorted(HOSTILE_EXPECTED))
def test_hostile_input_one_line_exit_2_nothing_written(name, hostile,
                                                       tmp_path):
    good = os.path.join(HOSTILE, "good.json")
    path = os.path.join(HOSTILE, hostile)
    work = tmp_path / "work" / "deep"
    work.mkdir(parents=True)
    # a relative machine id would be resolved against the temp directory
    # or the working directory: both sit deep inside tmp_path
    args = ([good, path] if name != "compare"
            else ["--out", work / "rep", good, path])
    before = tree(tmp_path)
    r = subprocess.run([PY, os.path.join(SCRIPTS, name), *map(str, args)],
                       capture_output=True, text=True, timeout=120,
                       cwd=work, env=dict(os.environ, TMPDIR=str(work)))
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"{name}: {path}: "), lines[0]
    assert HOSTILE_EXPECTED[hostile] in lines[0], lines[0]
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert tree(tmp_path) == before
    assert not glob.glob("/tmp/contend-hostile-escaped*")


@pytest.fixture(scope="module")
def huge_file(tmp_path_factory):
    """33 MiB: one more than a results file is read at (a valid start, then
    whitespace, so that only its size can refuse it)."""
    path = tmp_path_factory.mktemp("huge") / "huge.json"
    with open(path, "wb") as f:
        f.write(b'{"schema": "contend.results/1"' + b" " * (33 << 20) + b"}")
    return str(path)


@pytest.mark.parametrize("name", ["compare", "regress", "history"])
def test_a_huge_file_is_refused_by_its_size(name, huge_file, tmp_path):
    good = os.path.join(HOSTILE, "good.json")
    args = ([good, huge_file] if name != "compare"
            else ["--out", str(tmp_path / "rep"), good, huge_file])
    r = subprocess.run([PY, os.path.join(SCRIPTS, name), *args],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "larger than 32 MiB" in lines[0], r.stderr
    assert huge_file in lines[0]


def test_compare_writes_only_inside_its_out_directory(tmp_path):
    """A machine id that passes is used in no path: the report's files,
    charts included, all land under --out."""
    work = tmp_path / "work"
    work.mkdir()
    good = os.path.join(HOSTILE, "good.json")
    r = subprocess.run([PY, os.path.join(SCRIPTS, "compare"), "--out",
                        str(work / "rep"), good],
                       capture_output=True, text=True, timeout=120,
                       cwd=work, env=dict(os.environ, TMPDIR=str(work)))
    assert r.returncode == 0, r.stderr
    assert {p.split(os.sep)[0] for p in tree(tmp_path)} == {"work"}
    assert {p.split(os.sep)[0] for p in tree(work)} == {"rep"}


ESCAPES = os.path.join(HOSTILE, "accepted", "names-with-escapes.json")
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize("name,fmt", [("regress", "text"),
                                      ("regress", "markdown"),
                                      ("history", "text"),
                                      ("history", "markdown")])
def test_names_print_escaped(name, fmt):
    """A file's names (benchmark, impl, placement, params, reasons) hold
    terminal escapes, bidirectional overrides and markup: the output shows
    them as escapes and entities, never as themselves."""
    good = os.path.join(HOSTILE, "good.json")
    r = script(name, "--format", fmt, good, ESCAPES)
    assert r.returncode in (0, 3), r.stderr
    assert not RAW.search(r.stdout), repr(r.stdout)
    assert re.search(r"\\x1b\\?\[31mred", r.stdout), r.stdout
    if fmt == "markdown":
        assert "<script>" not in r.stdout and "&lt;script&gt;" in r.stdout
        assert "[click](" not in r.stdout


def test_compare_markdown_holds_no_markup_or_escapes(tmp_path):
    good = os.path.join(HOSTILE, "good.json")
    r = script("compare", "--out", tmp_path, good, ESCAPES)
    assert r.returncode == 0, r.stderr
    md = open(tmp_path / "report.md").read()
    html = open(tmp_path / "index.html").read()
    assert not RAW.search(md), repr(md)
    for raw in ("<script>alert", "<img src", "<b>bold"):
        assert raw not in md and raw not in html
    assert "[click](" not in md and not RAW.search(html)
    assert "&lt;script&gt;" in md and "\\x1b\\[31mred" in md


def full_out(tmp_path):
    """A report directory whose report.md is /dev/full: the disk is full
    when the report is written."""
    d = tmp_path / "full"
    d.mkdir()
    os.symlink("/dev/full", d / "report.md")
    return d


@pytest.mark.parametrize("name", ["compare", "history"])
def test_unwritable_out_one_line_exit_2(name, tmp_path):
    good = os.path.join(HOSTILE, "good.json")
    outs = {"/dev/full": "cannot create the report's directory",
            "/proc/contend-report": "cannot create the report's directory",
            str(full_out(tmp_path)): "report.md: cannot write: No space "
                                     "left on device"}
    for out, problem in outs.items():
        r = script(name, "--out", out, good)
        assert r.returncode == 2, (out, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1, r.stderr
        assert lines[0].startswith(f"{name}: {out}"), lines[0]
        assert problem in lines[0], lines[0]
        assert "Traceback" not in r.stderr


# ---- compare --------------------------------------------------------------

@pytest.fixture(scope="module")
def report(data, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    r = script("compare", "--out", out, "--baseline", "alpha",
               data["old"], data["new"], data["b"])
    assert r.returncode == 0, r.stderr
    return out


def test_compare_writes_both_formats(report):
    md = open(report / "report.md").read()
    html = open(report / "index.html").read()
    for text in (md, html):
        assert "mutex/lock" in text and "c2c/pingpong" in text
        assert MACHINE_A["id"] in text and MACHINE_B["id"] in text
        assert "skipped: needs 5 threads (min_threads)" in text
        assert "failed: deadlock?" in text
        assert "Test CPU B" in text  # fingerprint
        assert "n/a" in text  # Go's cycles are not measured
    # B is 1.5x slower than the baseline A in every case
    assert "×1.50" in md or "×1.49" in md or "×1.51" in md
    # Go rows directly follow the C rows of the same case
    rows = [ln for ln in md.splitlines()
            if re.match(r"\| (pthread|ticket|go) t=2 compact \|", ln)]
    impls = [ln.split()[1] for ln in rows][:3]
    assert impls == ["pthread", "ticket", "go"], rows


def with_go_ratios(doc):
    """Each C row's go_ratio over the Go row of its case, as run writes."""
    go = {(r["benchmark"], str(r["params"]), r["threads"]): r
          for r in doc["results"] if r["impl"] == "go"}
    for r in doc["results"]:
        g = go.get((r["benchmark"], str(r["params"]), r["threads"]))
        if g and r["impl"] != "go" and r["status"] == "ok":
            r["go_ratio"] = r["ns_per_op"]["median"] / \
                g["ns_per_op"]["median"]
    return doc


def summary_report(tmp_path):
    """compare over machines A and B whose C rows have go_ratio, into
    tmp_path/r."""
    files = [write(tmp_path / "in" / m["id"] / "20260101T000000Z.json",
                   with_go_ratios(make_doc(m, "aaaaaaa",
                                           "2026-01-01T00:00:00Z", i)))
             for i, m in enumerate((MACHINE_A, MACHINE_B))]
    r = script("compare", "--out", tmp_path / "r", *files)
    assert r.returncode == 0, r.stderr


def test_compare_summary_answers_first(tmp_path):
    summary_report(tmp_path)
    md = open(tmp_path / "r" / "report.md").read()
    html = open(tmp_path / "r" / "index.html").read()
    # the summary comes before any benchmark's section
    assert md.index("## Summary") < md.index("## atomic/load")
    summary = md[md.index("## Summary"):md.index("## atomic/load")]
    for m in (MACHINE_A, MACHINE_B):
        assert m["id"] in summary
    # ticket (15 ns x t^0.7) beats pthread (20) against Go (18) on both
    mutex = next(ln for ln in summary.splitlines()
                 if ln.startswith("| mutex |") and "Go (" in ln)
    assert len(re.findall(r"ticket ×0\.8[2-5] Go \(3 cases\)", mutex)) == 2, \
        mutex
    # B is 1.5x A in every case: the family geomeans say so
    assert re.search(r"\| mutex \| ×1\.(49|50|51) \(9 cases\)", summary)
    assert "summary-best-vs-go.svg" in summary
    # every link lands on a section that exists
    for anchor in re.findall(r"\]\(#([^)]+)\)", summary):
        assert f'id="{anchor}"' in html, anchor


def test_compare_bars_name_a_machine_with_no_case_in_common(tmp_path):
    b = make_doc(MACHINE_B, "aaaaaaa", "2026-01-01T00:00:00Z", 2)
    for r in b["results"]:
        if r["benchmark"] == "chan/pingpong":
            r["placement"] = "cross-package"
    files = [write(tmp_path / "in" / "a.json",
                   make_doc(MACHINE_A, "aaaaaaa", "2026-01-01T00:00:00Z", 1)),
             write(tmp_path / "in" / "b.json", b)]
    r = script("compare", "--out", tmp_path / "r", *files)
    assert r.returncode == 0, r.stderr
    md = open(tmp_path / "r" / "report.md").read()
    chan = md[md.index("## chan/pingpong"):]
    assert ("not shown, no case in common: " + MACHINE_B["id"]) in \
        chan[:chan.index("|")]
    mutex = md[md.index("## mutex/lock"):]
    assert "not shown" not in mutex[:mutex.index("|")]


def test_compare_charts(report):
    charts = sorted(os.listdir(report / "charts"))
    # scaling: mutex/lock and atomic/load on two machines; c2c: two
    assert len([c for c in charts if c.startswith("scaling-")]) == 4, charts
    assert len([c for c in charts if c.startswith("c2c-")]) == 2, charts
    # a bar chart per benchmark measured on both machines: mutex/lock,
    # atomic/load, c2c/pingpong, chan/pingpong (chan/throughput never ran)
    assert len([c for c in charts if c.startswith("bars-")]) == 4, charts
    html = open(report / "index.html").read()
    assert html.count("<svg") == 10
    # self-contained: nothing is fetched from anywhere
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:|//)', html)
    assert "url(http" not in html and "@import" not in html
    assert 'src="charts/' not in html


def test_compare_claims_section(report):
    if not os.environ.get("CONTEND"):
        pytest.skip("CONTEND (the built contend) not given")
    md = open(report / "report.md").read()
    html = open(report / "index.html").read()
    assert 'id="claims"' in html and "## Claims of the article" in md
    section = md.split("## Claims of the article")[1].split("\n## ")[0]
    a, b = (section.split(f"### claims · {m['id']}")[1].split("###")[0]
            for m in (MACHINE_A, MACHINE_B))
    # atomic/load: Go 1.0 ns on A (2.1 / 1.0 > 2x off), 1.5 ns on B
    row = next(ln for ln in a.splitlines() if "atomic.Value ns/op" in ln)
    assert "| 4 (article 8) |" in row and "off by 2.1x" in row, row
    row = next(ln for ln in b.splitlines() if "atomic.Value ns/op" in ln)
    assert "holds (within 2x)" in row, row
    # no rwmutex/read-ratio rows in these files: missing, not a number
    row = next(ln for ln in a.splitlines() if "sync.RWMutex ns/op" in ln)
    assert "| missing | missing |" in row and "missing: no go row" in row


def test_compare_without_contend_has_no_claims_section(data, tmp_path):
    r = script("compare", "--out", tmp_path, "--contend", "/nonexistent",
               data["old"])
    assert r.returncode == 0, r.stderr
    assert "no claims section" in r.stderr and "/nonexistent" in r.stderr
    assert "Claims of the article" not in open(tmp_path / "report.md").read()


def test_make_report_over_results_dir(tmp_path):
    if not glob.glob(os.path.join(ROOT, "results", "*", "*.json")):
        pytest.skip("no result files under results/")
    # every file is read; two benchmarks drawn, to keep the test short
    r = script("compare", "--out", tmp_path, "--filter", "mutex/*",
               "--filter", "c2c/*", os.path.join(ROOT, "results"))
    assert r.returncode == 0, r.stderr
    html = open(tmp_path / "index.html").read()
    assert "mutex/lock" in html and "core-to-core" in html
    assert "atomic/load" not in html
    # the Intel machine's newest file has c2c/states: its table per state
    assert "left modified (M), exclusive (E)" in html
    assert re.search(r"<td>same-l3</td>\s*<td>S</td>", html)


def chromium_open(html, tmp_path, size="1280,2400"):
    """(console messages, screenshot path) of html in headless Chromium."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        pytest.skip("chromium is not installed (Debian: apt-get install "
                    "chromium, or make deps)")
    shot = tmp_path / "shot.png"
    r = subprocess.run(
        [exe, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-dev-shm-usage",
         "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}",
         "--enable-logging=stderr", "--v=0", f"--window-size={size}",
         f"--screenshot={shot}", "file://" + str(html)],
        capture_output=True, text=True, timeout=90,
        env=dict(os.environ, HOME=str(tmp_path)))
    assert shot.exists(), r.stderr[-2000:]
    console = re.findall(r":CONSOLE[^\]]*\] \"(.*)\", source", r.stderr)
    return console, shot


def test_html_report_in_headless_chromium(report, tmp_path):
    console, shot = chromium_open(report / "index.html", tmp_path)
    checks = [c for c in console if c.startswith("contend-check ")]
    errors = [c for c in console if not c.startswith("contend-check ")]
    assert errors == []
    assert checks == ["contend-check charts=10 shown=10 overlaps=0 "
                      "summary=2"], console
    # the screenshot shows something: not one flat colour
    import matplotlib.image
    img = matplotlib.image.imread(str(shot))
    assert img.shape[0] > 1000 and img.shape[1] > 1000
    assert float(img[..., :3].std()) > 0.05


@pytest.mark.parametrize("size", ["1280,1400", "420,1400"])
def test_summary_in_headless_chromium(tmp_path, size):
    # the summary's chart drawn, its labels apart, every machine listed, at
    # a desktop's width and a phone's
    summary_report(tmp_path)
    console, shot = chromium_open(tmp_path / "r" / "index.html", tmp_path,
                                  size)
    assert console == ["contend-check charts=11 shown=11 overlaps=0 "
                       "summary=2"], console
    assert shot.exists()


def test_chromium_check_catches_overlapping_labels(tmp_path):
    page = tmp_path / "over.html"
    page.write_text(
        "<!DOCTYPE html><html><head><script>" + cr.CHECK_JS
        + "</script></head><body><figure><svg width='200' height='200'>"
        "<text x='10' y='50'>label one</text><text x='14' y='52'>label "
        "two</text></svg></figure></body></html>")
    console, _ = chromium_open(page, tmp_path)
    assert console == ["contend-check charts=1 shown=1 overlaps=1 "
                       "summary=0"], console


def test_report_tables_sort_by_a_clicked_column(tmp_path):
    # numbers by value (×10.5 after ×9.8, whatever the text around them),
    # a second click the other way
    rows = [["a", "×9.8 (3 cases)"], ["b", "×10.5 (2 cases)"],
            ["c", "—"], ["d", "×0.70 (1 cases)"]]
    page = tmp_path / "sort.html"
    page.write_text(
        "<!DOCTYPE html><html><head><script>" + cr.SORT_JS
        + "</script></head><body>" + cr.table_html(["m", "x"], rows)
        + "<script>window.addEventListener('load',function(){"
        "var th=document.querySelectorAll('th')[1],o=[];"
        "function order(){return Array.prototype.map.call("
        "document.querySelectorAll('tbody tr td:first-child'),"
        "function(td){return td.textContent;}).join('');}"
        "th.click();o.push(order());th.click();o.push(order());"
        "console.log('sorted '+o.join(' '));});</script></body></html>")
    console, _ = chromium_open(page, tmp_path)
    assert console == ["sorted dabc cbad"], console


def test_chromium_check_catches_a_script_error(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><html><body><p>x</p>"
                    "<script>nosuchfunction();</script></body></html>")
    console, _ = chromium_open(page, tmp_path)
    assert any("nosuchfunction" in c for c in console), console


# ---- ab-forest ------------------------------------------------------------

def ab_doc():
    """A contend ab --out document, as ab_report.c writes it (the fields
    ab-forest reads)."""
    def case(impl, ratio, lo, hi, verdict, status="ok"):
        return {"benchmark": "mutex/lock", "impl": impl, "params": {},
                "threads": 2, "placement": "compact", "go": False,
                "status": status, "reason": "" if status == "ok" else
                "needs 4 threads", "verdict": verdict, "ratio": ratio,
                "ci95": None if ratio is None else [lo, hi]}
    return {"schema": "contend.ab/3", "machine": {"id": MACHINE_A["id"]},
            "base": {"spec": "main", "git": "aaaaaaa"},
            "head": {"spec": "build/contend", "git": "bbbbbbb"},
            "run": {"threshold_pct": 5.0},
            "cases": [case("ticket", 1.31, 1.22, 1.40, "regression"),
                      case("pthread", 1.01, 0.97, 1.05, "same"),
                      case("mcs", 0.80, 0.75, 0.86, "improvement"),
                      case("ttas", 1.10, 0.90, 1.30, "inconclusive"),
                      case("futex", None, 0, 0, "same", "skipped")],
            "families": {"mutex": {"geomean": 1.03, "cases": 4,
                                   "regressions": 1, "improvements": 1}}}


def test_ab_forest_plots_each_case_with_its_verdict(tmp_path):
    path = write(tmp_path / "ab.json", ab_doc())
    r = script("ab-forest", "--out", tmp_path / "r", path)
    assert r.returncode == 0, r.stderr
    svg = open(tmp_path / "r" / "charts" / "forest.svg").read()
    md = open(tmp_path / "r" / "ab.md").read()
    # slowest first, each in its verdict's colour, the skip listed below
    order = [svg.index(f"mutex/lock {i} t=2") for i in
             ("ticket", "ttas", "pthread", "mcs")]
    assert order == sorted(order)
    for colour in ("#c0392b", "#27ae60", "#999999"):
        assert colour in svg, colour
    assert "skipped: needs 4 threads" in md
    assert "| mutex | 1.030 | 4 | 1 | 1 |" in md
    console, _ = chromium_open(tmp_path / "r" / "index.html", tmp_path)
    assert console == ["contend-check charts=1 shown=1 overlaps=0 "
                       "summary=0"], console


@pytest.mark.parametrize("change, says", [
    (lambda d: d.update(schema="contend.result/1"),
     "not a contend.ab/3 file"),
    (lambda d: d["cases"][0].update(verdict="maybe"),
     "cases[0].verdict 'maybe' is not one contend ab gives"),
    (lambda d: d["cases"][1].update(ratio=-1),
     "cases[1].ratio -1 is not a ratio above 0"),
    (lambda d: d["cases"][2].update(ci95=[2, 1]),
     "cases[2].ci95 [2, 1] is not an interval"),
    (lambda d: d.update(cases={}), "cases is not a list"),
])
def test_ab_forest_bad_input_one_line_exit_2(tmp_path, change, says):
    doc = ab_doc()
    change(doc)
    path = write(tmp_path / "ab.json", doc)
    r = script("ab-forest", "--out", tmp_path / "r", path)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and str(path) in lines[0], \
        r.stderr
    assert not os.path.exists(tmp_path / "r")


# ---- history --------------------------------------------------------------

def test_history_orders_by_time_and_marks_the_change(data, tmp_path):
    out = tmp_path / "hist"
    # given newest first: history orders by run.started
    r = script("history", "--filter", "mutex/*", "--out", out,
               data["noise"], data["new"], data["old"])
    assert r.returncode == 0, r.stderr
    head = r.stdout.splitlines()[0]
    assert head.index("aaaaaaa") < head.index("bbbbbbb") < \
        head.index("ccccccc")
    row = next(ln for ln in r.stdout.splitlines()
               if ln.startswith("mutex/lock ticket threads=2 "))
    assert row.count("▲") == 1 and row.count("▼") == 1, row
    assert "atomic/load" not in r.stdout
    assert "2 change point(s)" in r.stdout
    assert os.listdir(out / "charts") == ["history-mutex-lock.svg"]
    assert "mutex/lock" in open(out / "history.md").read()


def test_history_in_headless_chromium(data, tmp_path):
    # its chart drawn, the run labels and change-point marks apart; a case
    # of one run only is not a line (no trend), the caption says so
    out = tmp_path / "hist"
    r = script("history", "--filter", "mutex/*", "--out", out,
               data["noise"], data["new"], data["old"])
    assert r.returncode == 0, r.stderr
    console, _ = chromium_open(out / "index.html", tmp_path)
    assert console == ["contend-check charts=1 shown=1 overlaps=0 "
                       "summary=0"], console
    svg = open(out / "charts" / "history-mutex-lock.svg").read()
    assert "#1" in svg and "#3" in svg and "2026-01-01" not in svg


def test_history_refuses_several_machines(data):
    r = script("history", data["old"], data["b"])
    assert r.returncode == 2
    assert "several machines" in r.stderr
    r = script("history", "--machine", MACHINE_B["id"], data["old"],
               data["b"])
    assert r.returncode == 0, r.stderr


def test_history_by_commit_needs_known_commits(data):
    # the fixtures' commits are not in this repository's history
    r = script("history", "--order", "commit", data["old"], data["new"])
    assert r.returncode == 2
    assert str(data["old"]) in r.stderr and "not a commit" in r.stderr


def test_history_uses_regress_statistics_per_step(tmp_path):
    """#1 -> #2 every case 8% slower (a shift, no change point); #2 -> #3
    the ticket case 30% slower but disturbed (inconclusive, ?); #3 -> #4 the
    controls moved, nothing else (said under the table)."""
    ticket = ("mutex/lock", "ticket", 2)
    rng = random.Random(8)

    def run(i, factor, ref=120.0, c2c=141.0):
        return clean(make_doc(MACHINE_A, f"{i}{i}{i}{i}{i}{i}{i}",
                              f"2026-03-0{i}T00:00:00Z", 30 + i,
                              cases=SHARED, factor=factor,
                              run={"controls": probes(rng, ref, c2c)}))
    docs = [run(1, None),
            run(2, lambda c: 1.08, 129.6),
            run(3, lambda c: 1.08 * (1.3 if (c[0], c[1], c[3]) == ticket
                                     else 1.0), 129.6),
            run(4, lambda c: 1.08 * (1.3 if (c[0], c[1], c[3]) == ticket
                                     else 1.28 if cr.is_control(c)
                                     else 1.0), 129.6 * 1.25, 180.0)]
    for rec in docs[2]["results"]:
        if (rec["benchmark"], rec["impl"], rec["threads"]) == ticket:
            rec["interference"].update(disturbed=True, max=0.31, steal=0.2,
                                       disturbed_samples=3)
    paths = [write(tmp_path / f"{i}.json", d) for i, d in enumerate(docs)]
    out = tmp_path / "hist"
    r = script("history", "--out", out, *paths)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    row = next(ln for ln in lines
               if ln.startswith("mutex/lock ticket threads=2 "))
    assert row.count("?") == 1 and "▲" not in row and "▼" not in row, row
    table = r.stdout.split("\n\n")[0]
    assert "▲" not in table and "▼" not in table
    step = {ln.split(":")[0]: ln for ln in lines if ln.startswith("#")
            and "→" in ln.split(":")[0]}
    assert "run-wide shift +8." in step["#1 → #2"], step
    assert "1 disturbed record(s)" in step["#2 → #3"], step
    assert "machine changed: " in step["#3 → #4"], step
    assert "ref loop +25%" in step["#3 → #4"], step
    assert "(0 change point(s), 1 inconclusive)" in r.stdout
    assert "Holm" in r.stdout
    md = open(out / "history.md").read()
    assert "machine changed" in md and "grey ◆" in md
