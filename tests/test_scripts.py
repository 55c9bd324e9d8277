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
                         ("same-l3", 95.0, [2, 4]))
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
             regress=None, extra=()):
    rng = random.Random(seed)
    results = []
    for case in CASES:
        ns = case[5]
        if regress and (case[0], case[1], case[3]) == REGRESSED:
            ns *= regress
        if machine is MACHINE_B:
            ns *= 1.5
        results.append(record(case, ns, rng, n, noise))
    results += [copy.deepcopy(r) for r in extra]
    return {"schema": "contend.result/1",
            "suite": {"version": "0.1.0", "git": commit},
            "machine": copy.deepcopy(machine),
            "run": {"started": started, "finished": started, "argv":
                    ["contend", "run"], "options": {"mode": "quick"},
                    "counters": {"available": ["context-switches"],
                                 "unavailable": {"cycles": "no PMU"}},
                    "interrupted": False},
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


def test_compare_charts(report):
    charts = sorted(os.listdir(report / "charts"))
    # scaling: mutex/lock and atomic/load on two machines; c2c: two
    assert len([c for c in charts if c.startswith("scaling-")]) == 4, charts
    assert len([c for c in charts if c.startswith("c2c-")]) == 2, charts
    html = open(report / "index.html").read()
    assert html.count("<svg") == 6
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


def chromium_open(html, tmp_path):
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
         "--enable-logging=stderr", "--v=0", "--window-size=1280,2400",
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
    assert checks == ["contend-check charts=6 shown=6"], console
    # the screenshot shows something: not one flat colour
    import matplotlib.image
    img = matplotlib.image.imread(str(shot))
    assert img.shape[0] > 1000 and img.shape[1] > 1000
    assert float(img[..., :3].std()) > 0.05


def test_chromium_check_catches_a_script_error(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><html><body><p>x</p>"
                    "<script>nosuchfunction();</script></body></html>")
    console, _ = chromium_open(page, tmp_path)
    assert any("nosuchfunction" in c for c in console), console


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
