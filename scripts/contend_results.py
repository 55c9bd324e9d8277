"""Reading contend result files and the statistics compare, regress and
history share. Standard library only (charts live in the scripts that draw).

A result file is schema contend.result/1 (results/README.md). load() checks
what the scripts rely on and raises BadInput with one line naming the file
and the problem; the scripts print that line and exit 2.

Statistics, written here as benchstat does (and, for compare_runs(), as
`contend ab` does on the C side):
- median_ci(): the distribution-free confidence interval of the median from
  order statistics, [x(k), x(n-1-k)] with the largest k whose coverage
  1 - 2 P(Binomial(n, 1/2) <= k) is still >= 95% (the same rank the harness
  uses in runners/stats.c); none below 6 samples.
- mann_whitney_u(): the two-sided Mann-Whitney U (Wilcoxon rank-sum) test.
  Exact null distribution of U (counted by the recurrence of Mann & Whitney,
  1947) when both sides are small and there are no ties; otherwise the
  normal approximation with the tie correction of the variance and a
  continuity correction (e.g. Hollander, Wolfe & Chicken, "Nonparametric
  Statistical Methods", 3rd ed., section 4.1).
- holm(): Holm's step-down adjustment of the cases' p-values (family-wise
  error rate); benjamini_hochberg() beside it for reference.
- run_shift(): the shift most cases share, the median of the per-case log
  ratios with its order-statistic interval; judge_controls(): did the
  machine change under the run (empty/loop, c2c/pingpong, run.controls)?
- compare_runs(): regress's verdict, and history's per step, from all of
  these and the records' interference.
"""
import fnmatch
import io
import json
import math
import os
import re

SCHEMA = "contend.result/1"
STATUSES = ("ok", "failed", "timeout", "skipped")
GO_IMPLS = ("go", "go-locked")
ALPHA = 0.05

# Fields whose difference means another machine (regress refuses, history
# refuses). The rest of the fingerprint (kernel, compiler, ...) may change on
# one machine and is only reported.
IDENTITY_FIELDS = (
    "id", "cpu.vendor", "cpu.brand", "cpu.family", "cpu.model",
    "cpu.stepping", "cpu.logical", "topology.packages",
    "topology.numa_nodes", "topology.l3_domains", "topology.cores",
    "topology.pus", "topology.smt", "machine_pus",
)
SETUP_FIELDS = ("os.kernel", "os.libc", "compiler", "cflags", "governor",
                "boost")


class BadInput(Exception):
    """A result file the scripts cannot use; str() is the one-line message."""

    def __init__(self, path, problem):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class BadOutput(Exception):
    """A report that cannot be written (a full disk, a read-only file
    system, a file where a directory should be); str() is the one-line
    message."""

    def __init__(self, path, problem):
        super().__init__(f"{path}: {problem}")


def write_text(path, text):
    """text to the file path, whole; BadOutput when it cannot be."""
    try:
        with open(path, "w") as f:
            f.write(text)
    except OSError as e:
        raise BadOutput(path, f"cannot write: {e.strerror}") from None


def _require(path, obj, key, kind, where):
    if not isinstance(obj, dict) or key not in obj:
        raise BadInput(path, f"not a {SCHEMA} file: {where} has no '{key}'")
    value = obj[key]
    if kind is not None and not isinstance(value, kind):
        raise BadInput(path, f"not a {SCHEMA} file: {where}.{key} is "
                             f"{type(value).__name__}")
    return value


# The largest results file read: a full sweep of a large machine writes a
# few MB; a file of 50 MB took compare minutes and a GB of memory. The C
# reader (runners/results_read.c) holds the same bound, in the same words.
MAX_FILE_BYTES = 32 << 20


def load(path):
    """The parsed result file at path, checked; raises BadInput."""
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise BadInput(path, f"cannot read: {e.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise BadInput(path, f"larger than {MAX_FILE_BYTES >> 20} MiB, the "
                             "most a results file is read at (a full sweep "
                             "writes a few MB)")
    if not raw.strip():
        raise BadInput(path, "empty file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput(path, "not JSON (not UTF-8 text)") from None
    try:
        doc = json.loads(text)
    except RecursionError:
        raise BadInput(path, "not a results file: arrays or objects nested "
                             "too deeply") from None
    except json.JSONDecodeError as e:
        # the parser stopped at the end, or in a string running to the end
        # (a JSON string cannot hold a raw newline, so it was cut there)
        if (e.pos >= len(text.rstrip())
                or e.msg.startswith("Unterminated string")):
            raise BadInput(path, "truncated JSON (ends at line "
                                 f"{e.lineno} before the document is "
                                 "complete)") from None
        raise BadInput(path, f"not JSON: {e.msg} at line {e.lineno} "
                             f"column {e.colno}") from None
    if not isinstance(doc, dict):
        raise BadInput(path, f"not a {SCHEMA} file: top level is "
                             f"{type(doc).__name__}, not an object")
    schema = doc.get("schema")
    if schema != SCHEMA:
        if schema is None:
            raise BadInput(path, f"no 'schema' field (expected {SCHEMA})")
        raise BadInput(path, f"schema {schema!r} is not supported "
                             f"(expected {SCHEMA})")
    machine = _require(path, doc, "machine", dict, "file")
    _file_name(path, _require(path, machine, "id", str, "machine"),
               "machine.id")
    _check_machine(path, machine)
    run = _require(path, doc, "run", dict, "file")
    started = _require(path, run, "started", str, "run")
    if not UTC_TIME.fullmatch(started):
        raise BadInput(path, f"run.started {shown(started)} is not an ISO "
                             "8601 UTC time")
    _check_run(path, run)
    suite = doc.get("suite")
    if suite is not None:
        _object(path, suite, "suite")
        _strings(path, suite, "suite", ("version", "git"))
    results = _require(path, doc, "results", list, "file")
    seen = {}
    for i, r in enumerate(results):
        where = f"results[{i}]"
        _check_record(path, r, where)
        key = case_key(r)
        if key in seen:
            raise BadInput(path, f"{where} repeats the case of "
                                 f"results[{seen[key]}] "
                                 f"({shown(case_name(key), 80)})")
        seen[key] = i
    doc["_path"] = path
    return doc


# A machine id names a directory (results/<id>/) and files the scripts
# write; it comes from a file anyone may have written, so it must be one
# plain file-name component: no '/', no '..', no leading '.' or '-'.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def shown(value, width=60):
    """value as a message quotes it: repr (control characters escaped),
    cut to width."""
    text = repr(value)
    return text if len(text) <= width else text[:width - 1] + "…"


def _file_name(path, value, where):
    if not SAFE_NAME.fullmatch(value):
        raise BadInput(path, f"{where} {shown(value)} is not a safe file "
                             "name (letters, digits, '.', '_', '-', at most "
                             "128, starting with a letter or digit)")
    return value


UTC_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:"
                      r"[0-9]{2}(\.[0-9]+)?Z")
# No figure here comes near this (1e15 ns is eleven days per op): beyond
# it a value is an edit, and sums of a few of them overflow to inf.
MAX_VALUE = 1e15


def _object(path, value, where, none_ok=False):
    if value is None and none_ok:
        return {}
    if not isinstance(value, dict):
        raise BadInput(path, f"{where} is {_kind(value)}, not an object")
    return value


def _strings(path, obj, where, keys):
    """The named fields of obj that are present: a string or null."""
    for key in keys:
        v = obj.get(key)
        if v is not None and not isinstance(v, str):
            raise BadInput(path, f"{where}.{key} is {_kind(v)}, not a "
                                 "string")


def _string_list(path, value, where):
    if value is None:
        return
    if not isinstance(value, list) or not all(isinstance(x, str)
                                              for x in value):
        raise BadInput(path, f"{where} is not a list of strings")


def _scalars(path, obj, where):
    """params: names to a string, a number or null (a list or an object
    would not name a case)."""
    for k, v in _object(path, obj, where, none_ok=True).items():
        if isinstance(v, float) and not math.isfinite(v):
            raise BadInput(path, f"{where}.{shown(k)} is {v}")
        if v is not None and not isinstance(v, (str, int, float)):
            raise BadInput(path, f"{where}.{shown(k)} is {_kind(v)}, not "
                                 "a string or a number")


def _check_machine(path, machine):
    """What compare's fingerprint and regress's machine check read."""
    _strings(path, machine, "machine", ("hostname", "compiler", "cflags"))
    cpu = _object(path, machine.get("cpu"), "machine.cpu", none_ok=True)
    _strings(path, cpu, "machine.cpu", ("vendor", "brand", "codename"))
    _object(path, cpu.get("caches"), "machine.cpu.caches", none_ok=True)
    _string_list(path, cpu.get("flags"), "machine.cpu.flags")
    for key in ("topology", "os"):
        _object(path, machine.get(key), f"machine.{key}", none_ok=True)


def _check_run(path, run):
    _object(path, run.get("options"), "run.options", none_ok=True)
    counters = _object(path, run.get("counters"), "run.counters",
                       none_ok=True)
    _string_list(path, counters.get("available"),
                 "run.counters.available")
    _object(path, counters.get("unavailable"), "run.counters.unavailable",
            none_ok=True)
    _check_run_extras(path, run)


def _check_record(path, r, where):
    """One record: the fields the scripts key, sort, count and draw on."""
    for key, kind in (("benchmark", str), ("impl", str), ("status", str)):
        _require(path, r, key, kind, where)
    if r["status"] not in STATUSES:
        raise BadInput(path, f"{where}.status {shown(r['status'])} is not "
                             f"one of {', '.join(STATUSES)}")
    _scalars(path, r.get("params"), f"{where}.params")
    threads = r.get("threads")
    if threads is not None and (isinstance(threads, bool)
                                or not isinstance(threads, int)
                                or threads < 1):
        raise BadInput(path, f"{where}.threads is {shown(threads)}, not a "
                             "thread count")
    _strings(path, r, where, ("placement", "reason", "note"))
    cpus = r.get("cpus")
    if cpus is not None and (not isinstance(cpus, list) or not all(
            c is None or (isinstance(c, int) and not isinstance(c, bool)
                          and c >= 0) for c in cpus)):
        raise BadInput(path, f"{where}.cpus is not a list of CPU numbers")
    _optional(path, r, where, numbers=("bytes_per_op", "allocs_per_op",
                                       "go_ratio", "c2c_ratio",
                                       "c2c_floor_ns"),
              bools=("noisy", "oversubscribed", "multiplexed"))
    for key in ("counters_per_op", "fields"):
        obj = _object(path, r.get(key), f"{where}.{key}", none_ok=True)
        for name, v in obj.items():
            _number(path, v, f"{where}.{key}.{shown(name)}", none_ok=True)
    if r["status"] == "ok":
        ns = _require(path, r, "ns_per_op", dict, where)
        if ns.get("median") is None:
            raise BadInput(path, f"{where}: status ok without "
                                 "ns_per_op.median")
        median = _number(path, ns["median"], f"{where}.ns_per_op.median")
        _optional(path, ns, f"{where}.ns_per_op",
                  numbers=("min", "max", "mean", "cv"))
        ci = ns.get("ci95")
        if ci is not None:
            _numbers(path, ci, f"{where}.ns_per_op.ci95")
            if len(ci) != 2:
                raise BadInput(path, f"{where}.ns_per_op.ci95 has "
                                     f"{len(ci)} values, not 2")
            if not ci[0] <= median <= ci[1]:
                raise BadInput(path, f"{where}.ns_per_op.ci95 {ci} does "
                                     f"not hold the median {median}")
        s = r.get("samples_ns_per_op")
        if s is not None:
            _numbers(path, s, f"{where}.samples_ns_per_op")
            if not s:
                raise BadInput(path, f"{where}: status ok with no "
                                     "samples_ns_per_op")
    _check_interference(path, r.get("interference"),
                        f"{where}.interference")


def _kind(value):
    return "null" if value is None else type(value).__name__


def _number(path, value, where, none_ok=False):
    """value, a finite number >= 0 (a time or a share): NaN, Inf, a
    negative figure or a string would turn every statistic built on it into
    nonsense, so they are bad input, not data."""
    if value is None and none_ok:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadInput(path, f"{where} is {_kind(value)}, not a number")
    if not math.isfinite(value):
        raise BadInput(path, f"{where} is {value}, not a finite number")
    if value < 0:
        raise BadInput(path, f"{where} is negative ({value})")
    if value > MAX_VALUE:
        raise BadInput(path, f"{where} is {value:g}, beyond any figure "
                             f"measured here (over {MAX_VALUE:g})")
    return value


def _numbers(path, values, where, none_ok=False):
    if not isinstance(values, list):
        raise BadInput(path, f"{where} is {_kind(values)}, not a list")
    for i, v in enumerate(values):
        _number(path, v, f"{where}[{i}]", none_ok)


def _optional(path, obj, where, numbers=(), counts=(), ints=(), lists=(),
              bools=(), gappy=()):
    """Checks the named fields of obj that are present and not null:
    counts are integers >= 0, ints any integer (after_case is -1 before the
    first case), gappy lists may hold null (a sample not measured)."""
    for key in numbers:
        _number(path, obj.get(key), f"{where}.{key}", none_ok=True)
    for key in counts + ints:
        v = obj.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int)
                              or (key in counts and v < 0)):
            raise BadInput(path, f"{where}.{key} is {v!r}, not a count")
    for key in lists + gappy:
        if obj.get(key) is not None:
            _numbers(path, obj[key], f"{where}.{key}", key in gappy)
    for key in bools:
        v = obj.get(key)
        if v is not None and not isinstance(v, bool):
            raise BadInput(path, f"{where}.{key} is {_kind(v)}, not "
                                 "true or false")


def _check_interference(path, inter, where):
    """A record's interference (absent in older files: unknown)."""
    if inter is None:
        return
    if not isinstance(inter, dict):
        raise BadInput(path, f"{where} is {_kind(inter)}, not an object")
    _optional(path, inter, where,
              numbers=("others", "wait", "steal", "psi_some", "max"),
              counts=("disturbed_samples",), gappy=("samples",),
              bools=("disturbed",))


def _check_run_extras(path, run):
    """run.interference and run.controls (both absent in older files)."""
    inter = run.get("interference")
    if inter is not None:
        if not isinstance(inter, dict):
            raise BadInput(path, "run.interference is "
                                 f"{_kind(inter)}, not an object")
        _optional(path, inter, "run.interference", numbers=("max",),
                  counts=("cases", "disturbed", "rerun"))
    controls = run.get("controls")
    if controls is None:
        return
    if not isinstance(controls, list):
        raise BadInput(path, f"run.controls is {_kind(controls)}, not a "
                             "list")
    for i, c in enumerate(controls):
        where = f"run.controls[{i}]"
        if not isinstance(c, dict):
            raise BadInput(path, f"{where} is {_kind(c)}, not an object")
        _optional(path, c, where, numbers=("t_s", "ref_ns", "c2c_ns"),
                  ints=("after_case",), lists=("ref_samples",))


def expand(paths):
    """Files named, and the *.json files under directories named, sorted."""
    out = []
    for p in paths:
        if os.path.isdir(p):
            found = []
            for root, dirs, files in os.walk(p):
                dirs.sort()
                found += [os.path.join(root, f) for f in files
                          if f.endswith(".json")]
            out += sorted(found)
        else:
            out.append(p)
    return out


def load_all(paths):
    """Every result file under paths, loaded; BadInput on the first bad one
    and on nothing found."""
    files = expand(paths)
    if not files:
        raise BadInput(" ".join(paths) or "(no arguments)",
                       "no result files (*.json) found")
    return [load(f) for f in files]


def get(doc, dotted):
    """doc['a']['b'] for 'a.b'; None where a step is missing."""
    for part in dotted.split("."):
        if not isinstance(doc, dict):
            return None
        doc = doc.get(part)
    return doc


def fingerprint_diff(a, b, fields=IDENTITY_FIELDS):
    """[(field, value in a, value in b)] where the machines differ."""
    ma, mb = a["machine"], b["machine"]
    return [(f, get(ma, f), get(mb, f)) for f in fields
            if get(ma, f) != get(mb, f)]


def params_text(params):
    if not params:
        return ""
    return " ".join(f"{k}={params[k]}" for k in sorted(params))


def case_key(r):
    """What identifies a case across runs: benchmark, impl, params, threads,
    placement."""
    params = tuple(sorted((k, str(v)) for k, v in (r.get("params") or {})
                          .items()))
    return (r["benchmark"], r["impl"], params, r.get("threads"),
            r.get("placement") or "")


def case_name(key):
    bench, impl, params, threads, placement = key
    p = " ".join(f"{k}={v}" for k, v in params)
    parts = [f"{bench} {impl}"]
    if p:
        parts.append(p)
    parts.append(f"threads={threads}")
    if placement:
        parts.append(placement)
    return " ".join(parts)


def case_sort_key(key):
    """Go rows directly after the C rows of the same case."""
    bench, impl, params, threads, placement = key
    return (bench, params, placement, threads if threads is not None else 0,
            impl in GO_IMPLS, impl)


def matches(benchmark, globs):
    return not globs or any(fnmatch.fnmatchcase(benchmark, g) for g in globs)


def status_text(r):
    """'failed: reason' for a record that did not produce a number."""
    reason = (r.get("reason") or "").strip()
    return f"{r['status']}: {reason}" if reason else r["status"]


def samples(r):
    """The per-sample ns/op of an ok record (the median alone if the file has
    no samples)."""
    s = [x for x in (r.get("samples_ns_per_op") or [])
         if isinstance(x, (int, float))]
    if not s and isinstance(get(r, "ns_per_op.median"), (int, float)):
        s = [r["ns_per_op"]["median"]]
    return s


def fmt_ns(v):
    if v is None:
        return "n/a"
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.1f}"
    if a >= 10:
        return f"{v:.2f}"
    if a >= 0.01:
        return f"{v:.3f}"
    return f"{v:.3g}"


def fmt_value(v):
    """A table cell: n/a stays n/a."""
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return fmt_ns(v)
    return str(v)


# ---- statistics --------------------------------------------------------

def median(xs):
    x = sorted(xs)
    n = len(x)
    if n == 0:
        return None
    return x[n // 2] if n % 2 else (x[n // 2 - 1] + x[n // 2]) / 2


def median_ci_rank(n, level=0.95):
    """The largest k with [x(k), x(n-1-k)] covering the median with
    probability >= level; -1 when no interval does (n < 6 at 95%)."""
    best, cdf = -1, 0.0
    k = 0
    while 2 * k + 1 < n:
        cdf += math.comb(n, k) / 2 ** n
        if 1.0 - 2.0 * cdf < level:
            break
        best = k
        k += 1
    return best


def median_ci(xs, level=0.95):
    """(median, lo, hi); lo and hi None when too few samples."""
    x = sorted(xs)
    m = median(x)
    k = median_ci_rank(len(x), level)
    if k < 0:
        return m, None, None
    return m, x[k], x[len(x) - 1 - k]


def _ranks(values):
    """Mid-ranks (1-based) of values, and the tie group sizes."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    ties = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for t in range(i, j + 1):
            ranks[order[t]] = (i + j) / 2 + 1
        if j > i:
            ties.append(j - i + 1)
        i = j + 1
    return ranks, ties


def _u_counts(n1, n2):
    """Number of arrangements with each U = 0..n1*n2 (Mann & Whitney's
    recurrence f(n1, n2, u) = f(n1-1, n2, u-n2) + f(n1, n2-1, u))."""
    # table[j][u] for the current n1 row, j = 0..n2
    prev = [[1] + [0] * (n1 * n2) for _ in range(n2 + 1)]  # n1 = 0
    for a in range(1, n1 + 1):
        cur = [[0] * (n1 * n2 + 1) for _ in range(n2 + 1)]
        cur[0][0] = 1
        for b in range(1, n2 + 1):
            for u in range(a * b + 1):
                v = cur[b - 1][u]
                if u >= b:
                    v += prev[b][u - b]
                cur[b][u] = v
        prev = cur
    return prev[n2]


EXACT_MAX = 50  # exact distribution when n1 + n2 <= this and no ties


def mann_whitney_u(x, y):
    """Two-sided p-value of the Mann-Whitney U test of x against y."""
    n1, n2 = len(x), len(y)
    if n1 == 0 or n2 == 0:
        return 1.0
    ranks, ties = _ranks(list(x) + list(y))
    r1 = sum(ranks[:n1])
    u1 = r1 - n1 * (n1 + 1) / 2
    u = min(u1, n1 * n2 - u1)
    if not ties and n1 + n2 <= EXACT_MAX:
        counts = _u_counts(n1, n2)
        total = math.comb(n1 + n2, n1)
        tail = sum(counts[:int(u) + 1]) / total
        return min(1.0, 2 * tail)
    n = n1 + n2
    mean = n1 * n2 / 2
    tie_term = sum(t ** 3 - t for t in ties) / (n * (n - 1))
    var = n1 * n2 / 12 * ((n + 1) - tie_term)
    if var <= 0:
        return 1.0  # every value equal
    z = (abs(u1 - mean) - 0.5) / math.sqrt(var)
    if z < 0:
        z = 0.0
    return min(1.0, math.erfc(z / math.sqrt(2)))


def min_p(n1, n2):
    """The smallest two-sided p the test can give for these sample sizes:
    when it is not below ALPHA, no difference can be significant."""
    if n1 == 0 or n2 == 0:
        return 1.0
    return min(1.0, 2 / math.comb(n1 + n2, n1))


def compare_samples(base, cur, threshold_pct):
    """benchstat's verdict for one case: a dict with medians, CIs, delta %,
    p, and 'verdict' one of 'regression', 'improvement', '~' (no significant
    change or too few samples) and 'reason' for '~'."""
    mb, lb, hb = median_ci(base)
    mc, lc, hc = median_ci(cur)
    out = {"base": (mb, lb, hb, len(base)), "cur": (mc, lc, hc, len(cur)),
           "delta": None, "p": None, "verdict": "~", "reason": ""}
    if mb is None or mc is None:
        out["reason"] = "no samples"
        return out
    out["delta"] = (mc - mb) / mb * 100 if mb else None
    if min_p(len(base), len(cur)) >= ALPHA:
        out["reason"] = "too few samples"
        return out
    p = mann_whitney_u(base, cur)
    out["p"] = p
    if p >= ALPHA:
        out["reason"] = "not significant"
        return out
    if out["delta"] is None:
        return out
    if out["delta"] > threshold_pct:
        out["verdict"] = "regression"
    elif out["delta"] < -threshold_pct:
        out["verdict"] = "improvement"
    else:
        out["verdict"] = "within threshold"
    return out


def fmt_ci(m, lo, hi):
    """'12.3 ±4%' (the CI's larger half relative to the median); '±∞' with
    too few samples for an interval."""
    if m is None:
        return "n/a"
    if lo is None or not m:
        return f"{fmt_ns(m)} ±∞"
    half = max(hi - m, m - lo) / abs(m) * 100
    return f"{fmt_ns(m)} ±{half:.0f}%"


def fmt_delta(c):
    if c["verdict"] in ("~",):
        return "~"
    return f"{c['delta']:+.2f}%"


def holm(pvalues):
    """Holm's step-down adjusted p-values (Holm 1979), in the order given;
    None (a case not tested) stays None and is not counted. Rejecting where
    the adjusted p < ALPHA holds the family-wise error rate, the chance of
    even one false regression among all cases, at ALPHA: with 287 cases
    tested at 0.05 each, some 14 would be flagged by chance alone. The
    same correction as `contend ab` on the C side."""
    idx = sorted((i for i, p in enumerate(pvalues) if p is not None),
                 key=lambda i: pvalues[i])
    m = len(idx)
    out = [None] * len(pvalues)
    running = 0.0
    for rank, i in enumerate(idx):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        out[i] = running
    return out


def benjamini_hochberg(pvalues):
    """Benjamini-Hochberg step-up adjusted p-values (the false discovery
    rate), in the order given; None stays None. Kept beside holm() for
    reference: regress uses Holm, as `contend ab` does."""
    idx = sorted((i for i, p in enumerate(pvalues) if p is not None),
                 key=lambda i: pvalues[i])
    m = len(idx)
    out = [None] * len(pvalues)
    running = 1.0
    for rank in range(m, 0, -1):
        i = idx[rank - 1]
        running = min(running, pvalues[i] * m / rank)
        out[i] = running
    return out


def fmt_p(p):
    """'0.035', '1.1e-05': small p-values keep their size."""
    return f"{p:.1e}" if p < 0.001 else f"{p:.3f}"


def pct(log_ratio):
    """A log ratio as a change in percent."""
    return (math.exp(log_ratio) - 1) * 100


def run_shift(ratios):
    """The shift most cases share: the median over cases of
    log(median current / median baseline), with the order-statistic 95%
    interval of that median (median_ci). A host that drifted between two
    runs (a VM: 5-12% slower everywhere) moves every case together; judged
    case by case, that is hundreds of "regressions" with tight intervals.
    Significant when the interval excludes 0; None figures below 6 cases."""
    logs = [math.log(r) for r in ratios if r > 0]
    m, lo, hi = median_ci(logs)
    return {"n": len(logs), "log": m, "lo": lo, "hi": hi,
            "significant": lo is not None and (lo > 0 or hi < 0)}


def shift_text(shift):
    """'+8.1% [6.9, 9.4] over 250 cases'."""
    if shift["log"] is None or shift["lo"] is None:
        return f"not estimated ({shift['n']} case(s), fewer than 6)"
    return (f"{pct(shift['log']):+.1f}% [{pct(shift['lo']):.1f}, "
            f"{pct(shift['hi']):.1f}] over {shift['n']} cases")


# ---- interference ----------------------------------------------------------

INTERFERENCE_KINDS = (("others", "others took"),
                      ("steal", "steal (the hypervisor) took"),
                      ("wait", "waiting for a CPU took"))


def disturbed(r):
    """True where the harness saw another process, the hypervisor or the
    run queue take a share of the case's CPU time; a record without
    'interference' (older files) is unknown, not disturbed."""
    inter = r.get("interference")
    return isinstance(inter, dict) and inter.get("disturbed") is True


def disturbance_text(r):
    """'others took up to 31% of its CPU time (2 of 6 samples)': the kind
    with the largest share over the case, the worst sample's share."""
    inter = r.get("interference") or {}
    _, who = max(INTERFERENCE_KINDS, key=lambda kw: inter.get(kw[0]) or 0)
    worst = inter.get("max")
    if worst is None:
        worst = max(inter.get(k) or 0 for k, _ in INTERFERENCE_KINDS)
    text = f"{who} up to {worst * 100:.0f}% of its CPU time"
    n, total = inter.get("disturbed_samples"), len(inter.get("samples")
                                                   or [])
    if n is not None and total:
        text += f" ({n} of {total} samples)"
    return text


def side_interference_text(docs, cases, label):
    """'current: 2 of 287 cases disturbed (1 rerun), worst 31%' or None
    where the files say nothing of interference."""
    known = [r for r in cases.values() if isinstance(r.get("interference"),
                                                     dict)]
    runs = [get(d, "run.interference") for d in docs]
    runs = [x for x in runs if isinstance(x, dict)]
    if not known and not runs:
        return None
    bad = [r for r in cases.values() if r.get("_disturbed")]
    worst = [r["interference"].get("max") for r in known]
    worst += [x.get("max") for x in runs]
    worst = max((w for w in worst if w is not None), default=None)
    text = f"{label}: {len(bad)} of {len(cases)} case(s) disturbed"
    rerun = sum(x.get("rerun") or 0 for x in runs)
    if rerun:
        text += f" ({rerun} rerun)"
    if worst is not None:
        text += ("; the most any sample lost to interference: "
                 f"{worst * 100:.0f}% of its CPU time")
    return text


def pool(docs):
    """{case key: record} over the runs of one side, '_samples' holding the
    samples of its ok records together. Disturbed records are left out
    where the case has clean ones; where all are disturbed, '_disturbed'
    lists them (the case is then never judged a regression)."""
    recs = {}
    for d in docs:
        for r in d["results"]:
            recs.setdefault(case_key(r), []).append(r)
    out = {}
    for k, rs in recs.items():
        ok = [r for r in rs if r["status"] == "ok"]
        if not ok:
            out[k] = dict(rs[-1], _samples=[], _disturbed=[])
            continue
        clean = [r for r in ok if not disturbed(r)]
        use = clean or ok
        out[k] = dict(use[0], _samples=[x for r in use for x in samples(r)],
                      _disturbed=[] if clean else use)
    return out


# ---- controls --------------------------------------------------------------

CONTROL_BENCHMARKS = ("empty/loop", "c2c/pingpong")


def is_control(key):
    """The harness's own loop and the cache-line round trip measure the
    machine, not the code under test."""
    return key[0] in CONTROL_BENCHMARKS


def control_name(key):
    bench, _, params, threads, placement = key
    impl = "" if key[1] in ("line", "none") else key[1]
    p = " ".join(f"{k}={v}" for k, v in params)
    if bench == "c2c/pingpong":
        return " ".join(x for x in ("c2c floor", impl, placement, p) if x)
    return " ".join(x for x in ("empty loop", impl, p,
                                f"threads={threads}") if x)


def probe_values(docs, field, per_probe):
    """The run.controls probes' figures over docs: one per probe
    (per_probe, field 'ref_ns' or 'c2c_ns'), or every 'ref_samples'
    value."""
    out = []
    for d in docs:
        for c in get(d, "run.controls") or []:
            if per_probe and c.get(field) is not None:
                out.append(c[field])
            elif not per_probe:
                out += c.get(field) or []
    return [x for x in out if x > 0]  # 0: a probe that could not run


def control_series(base_docs, base, cur_docs, cur):
    """[(key, name, unit, baseline values, current values)] for every
    control both sides have: control records (their samples) and the
    probes spread through the sweep (one value per probe, so the sweep's
    own drift is their noise; the reference loop's samples where there are
    too few probes for the test)."""
    out = []
    for k in sorted(set(base) & set(cur), key=case_sort_key):
        b, c = base[k], cur[k]
        if is_control(k) and b["_samples"] and c["_samples"]:
            unit = "ns" if k[0] == "c2c/pingpong" else "%"
            out.append((k, control_name(k), unit, b["_samples"],
                        c["_samples"]))
    for field, name, unit in (("ref_ns", "ref loop", "%"),
                              ("c2c_ns", "c2c floor (probes)", "ns")):
        b = probe_values(base_docs, field, True)
        c = probe_values(cur_docs, field, True)
        if field == "ref_ns" and min_p(len(b), len(c)) >= ALPHA:
            bs = probe_values(base_docs, "ref_samples", False)
            cs = probe_values(cur_docs, "ref_samples", False)
            if bs and cs:
                b, c = bs, cs
        if b and c:
            out.append((None, name, unit, b, c))
    return out


def _moved(base, cur, scale):
    """(p, apart): the U test of base against cur / scale, and whether
    their medians' 95% intervals are disjoint (beyond the control's own
    noise; without an interval, the test alone)."""
    cur = [x / scale for x in cur]
    p = mann_whitney_u(base, cur) if min_p(len(base), len(cur)) < ALPHA \
        else None
    _, lb, hb = median_ci(base)
    _, lc, hc = median_ci(cur)
    apart = lb is None or lc is None or hc < lb or lc > hb
    return p, apart


def judge_controls(series, scale):
    """Each control: did it move beyond its own noise as measured
    ('raw_moved') and also once the run-wide shift (scale) is taken out
    ('moved': the machine changed)? Both, because a drifting host moves
    the cases and the controls together (raw_moved alone: the shift is the
    machine's), while a global change of the code moves the cases and not
    the controls (moved against the shift alone: nothing changed in the
    machine). Holm over the controls, so that checking several does not
    itself cry wolf."""
    out = []
    for key, name, unit, b, c in series:
        mb, mc = median(b), median(c)
        p, apart = _moved(b, c, scale)
        p_raw, apart_raw = _moved(b, c, 1.0)
        out.append({"key": key, "name": name, "unit": unit, "base": mb,
                    "cur": mc,
                    "departure": (mc / scale - mb) / mb * 100 if mb else None,
                    "p": p, "apart": apart, "p_raw": p_raw,
                    "apart_raw": apart_raw})
    for field, apart, flag in (("p", "apart", "moved"),
                               ("p_raw", "apart_raw", "raw_moved")):
        adj = holm([c[field] for c in out])
        for c, a in zip(out, adj):
            c[flag] = a is not None and a < ALPHA and c[apart]
            c[field + "_holm"] = a
    for c in out:
        c["moved"] = c["moved"] and c["raw_moved"]
    return out


def control_text(c, scale=1.0, percent=False):
    """'c2c floor same-l3 141 → 180 ns' or 'ref loop +8%' (percent: every
    control so), and how far beyond the run-wide shift, when one was taken
    out."""
    if c["unit"] == "ns" and not percent:
        text = f"{c['name']} {fmt_ns(c['base'])} → {fmt_ns(c['cur'])} ns"
    elif c["base"]:
        text = f"{c['name']} {(c['cur'] - c['base']) / c['base'] * 100:+.0f}%"
    else:
        text = f"{c['name']} {fmt_ns(c['base'])} → {fmt_ns(c['cur'])}"
    if scale != 1.0 and c["departure"] is not None:
        text += f" ({c['departure']:+.0f}% beyond the shift)"
    return text


# ---- comparing two runs ----------------------------------------------------

FLAGGED = ("regression", "improvement")


def _test_case(bs, cs, scale):
    """Medians, CIs, delta and departure from the shift of one ok case, and
    the raw U test p of baseline against current / scale (None with too
    few samples to ever reach ALPHA)."""
    mb, lb, hb = median_ci(bs)
    mc, lc, hc = median_ci(cs)
    scaled = [x / scale for x in cs]
    ms = median(scaled)
    out = {"base": (mb, lb, hb, len(bs)), "cur": (mc, lc, hc, len(cs)),
           "delta": (mc - mb) / mb * 100 if mb else None,
           "departure": (ms - mb) / mb * 100 if mb else None,
           "p": None, "p_holm": None, "verdict": "~", "reason": ""}
    if min_p(len(bs), len(cs)) >= ALPHA:
        out["reason"] = "too few samples"
    else:
        out["p"] = mann_whitney_u(bs, scaled)
    return out


def _inconclusive_reason(b, c, moved):
    """Why a flagged case cannot be called one: a disturbed side (named,
    with its figure) or the machine changing under it; None when it can."""
    sides = [f"{label} disturbed: {disturbance_text(r['_disturbed'][-1])}"
             for label, r in (("baseline", b), ("current", c))
             if r.get("_disturbed")]
    if sides:
        return "; ".join(sides)
    if moved:
        more = f", +{len(moved) - 1} more" if len(moved) > 1 else ""
        return f"machine changed: {control_text(moved[0])}{more}"
    return None


def compare_runs(base_docs, base, cur_docs, cur, threshold_pct, globs=(),
                 same_machine=True):
    """regress's (and history's per-step) verdict on two sides, each the
    docs and their pool(). In order: the run-wide shift over every ok case
    both sides have (controls and disturbed records left out), taken out
    of the current samples only when significant; the controls judged
    against it; per case the U test of baseline against current / shift,
    Holm-adjusted over the cases shown (controls apart), and the departure
    from the shift against the threshold. A flagged case with a disturbed
    side, or while a control moved, is 'inconclusive'; a case that ran and
    now fails or times out is a regression whatever the machine did.
    Between different machines (same_machine False: regress
    --cross-machine) a shift and moved controls are what was asked for:
    reported, they make nothing inconclusive.

    Returns {'rows': [{'key', 'kind' ('only', 'status', 'ok'), 'base',
    'cur', 'test' (for ok), 'verdict', 'reason'}], 'shift', 'scale',
    'controls', 'moved', 'tests' (Holm's m), 'holm_floor' (the smallest
    adjusted p the sample counts allow), 'shift_inconclusive'}."""
    keys = sorted(set(base) | set(cur), key=case_sort_key)
    both_ok = [k for k in keys if k in base and k in cur
               and base[k]["status"] == cur[k]["status"] == "ok"]
    ratios = []
    for k in both_ok:
        b, c = base[k], cur[k]
        if is_control(k) or b["_disturbed"] or c["_disturbed"]:
            continue
        mb, mc = median(b["_samples"]), median(c["_samples"])
        if mb and mc:
            ratios.append(mc / mb)
    shift = run_shift(ratios)
    scale = math.exp(shift["log"]) if shift["significant"] else 1.0
    controls = judge_controls(control_series(base_docs, base, cur_docs, cur),
                              scale)
    moved = [c for c in controls if c["moved"]]
    by_key = {c["key"]: c for c in controls if c["key"]}

    rows = []
    for k in keys:
        if not matches(k[0], globs):
            continue
        b, c = base.get(k), cur.get(k)
        row = {"key": k, "base": b, "cur": c, "verdict": "", "reason": ""}
        rows.append(row)
        if b is None or c is None:
            row["kind"] = "only"
        elif b["status"] != "ok" or c["status"] != "ok":
            row["kind"] = "status"
            if b["status"] == "ok" and c["status"] in ("failed", "timeout"):
                row["verdict"] = "regression"
        else:
            row["kind"] = "ok"
            row["test"] = _test_case(b["_samples"], c["_samples"], scale)
    tested = [r for r in rows if r["kind"] == "ok"
              and not is_control(r["key"]) and r["test"]["p"] is not None]
    for r, a in zip(tested, holm([r["test"]["p"] for r in tested])):
        r["test"]["p_holm"] = a
    for r in rows:
        if r["kind"] == "ok":
            _verdict(r, threshold_pct, moved if same_machine else [],
                     by_key)
    floor = None
    if tested:
        floor = min(1.0, len(tested) * min(
            min_p(r["test"]["base"][3], r["test"]["cur"][3])
            for r in tested))
    return {"rows": rows, "shift": shift, "scale": scale,
            "controls": controls, "moved": moved, "tests": len(tested),
            "holm_floor": floor, "same_machine": same_machine,
            "shift_inconclusive": same_machine and shift["significant"]
            and pct(shift["log"]) > threshold_pct}


def _verdict(row, threshold_pct, moved, controls):
    t = row["test"]
    if is_control(row["key"]):
        c = controls.get(row["key"])
        row["verdict"] = "control moved" if c and c["moved"] else "control"
        if c:
            t["p_holm"] = c["p_holm"]
        return
    if t["p"] is None:
        row["verdict"], row["reason"] = "~", t["reason"]
        return
    if t["p_holm"] >= ALPHA or t["departure"] is None:
        row["verdict"], row["reason"] = "~", "not significant"
        return
    if t["departure"] > threshold_pct:
        verdict = "regression"
    elif t["departure"] < -threshold_pct:
        verdict = "improvement"
    else:
        row["verdict"] = "within threshold"
        return
    why = _inconclusive_reason(row["base"], row["cur"], moved)
    if why:
        row["verdict"], row["reason"] = "inconclusive", why
    else:
        row["verdict"] = verdict


def comparison_notes(cmp, threshold_pct):
    """The lines said once per comparison: the shift, the controls, and
    when Holm leaves the cases no power."""
    notes = []
    shift, scale = cmp["shift"], cmp["scale"]
    if shift["significant"]:
        what = ("the whole machine or a global change; `contend ab` tells "
                "which" if cmp["same_machine"] else "different machines")
        text = (f"run-wide shift: {shift_text(shift)} — {what}. Cases are "
                "judged by how far they depart from it")
        with_it = [c for c in cmp["controls"]
                   if c["raw_moved"] and not c["moved"]]
        if with_it:
            text += ("; controls moved with it (" + ", ".join(
                control_text(c, percent=True) for c in with_it)
                + "): the machine, most likely")
        if cmp["shift_inconclusive"]:
            text += (f"; beyond {threshold_pct:g}%, it leaves the run "
                     "inconclusive")
        notes.append(text)
    elif shift["lo"] is None:
        notes.append(f"run-wide shift: {shift_text(shift)}: cases judged "
                     "as measured")
    else:
        notes.append(f"run-wide shift: {shift_text(shift)}, not significant"
                     ": cases judged as measured")
    if cmp["moved"]:
        notes.append(("machine changed: " if cmp["same_machine"] else
                      "controls moved (different machines): ") + ", ".join(
            control_text(c, scale) for c in cmp["moved"]))
    elif cmp["controls"]:
        notes.append(f"controls steady: {len(cmp['controls'])} checked ("
                     + ", ".join(c["name"] for c in cmp["controls"]) + ")")
    else:
        notes.append("controls: none in both files (no empty/loop, "
                     "c2c/pingpong or run.controls)")
    if cmp["holm_floor"] is not None and cmp["holm_floor"] >= ALPHA:
        notes.append(f"Holm over {cmp['tests']} case(s): with these sample "
                     "counts the smallest adjusted p is "
                     f"{cmp['holm_floor']:.2g}, so no case can be "
                     "significant; pool more runs per side (directories), "
                     "take more samples (--repeat) or fewer cases (--filter)")
    return notes


# ---- grouping ------------------------------------------------------------

def by_machine(docs):
    """{machine id: [docs, oldest run first]}."""
    out = {}
    for d in docs:
        out.setdefault(d["machine"]["id"], []).append(d)
    for v in out.values():
        v.sort(key=lambda d: (d["run"]["started"], d["_path"]))
    return dict(sorted(out.items()))


def newest_records(docs):
    """{case key: record} over docs oldest first: a newer run's record of a
    case replaces an older one."""
    out = {}
    for d in docs:
        for r in d["results"]:
            out[case_key(r)] = r
    return out


# C0 and C1 controls (a terminal's escape sequences start with one) and the
# bidirectional overrides that reorder what a reader sees; a file's names
# are printed with these shown as escapes, never as themselves.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e"
                      "\u2066-\u2069\u2028\u2029]")


def clean(s):
    """str(s) with every control character written as \\xNN or
    \\uNNNN: safe to print on a terminal, one line."""
    def esc(m):
        c = ord(m.group())
        return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"
    return _CONTROL.sub(esc, str(s))


def md_text(s):
    """clean(s) for Markdown: HTML markup (which Markdown passes through
    raw) and link brackets escaped, so text from a file stays text."""
    return (clean(s).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace("[", "\\[").replace("]", "\\]"))


def print_clean(text, file=None):
    """Prints text line by line, each clean(): the scripts' terminal
    output."""
    print("\n".join(clean(line) for line in str(text).split("\n")),
          file=file)


def html_escape(s):
    return (clean(s).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


# ---- tables --------------------------------------------------------------

def table_text(headers, rows):
    """Columns padded to their widest cell, the first left-aligned."""
    headers = [clean(c) for c in headers]
    rows = [[clean(c) for c in r] for r in rows]
    widths = [max(len(c) for c in col) for col in zip(headers, *rows)]
    lines = []
    for row in [headers] + rows:
        cells = [c.ljust(w) if i == 0 else c.rjust(w)
                 for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def table_md(headers, rows):
    def cell(c):
        return md_text(c).replace("|", "\\|")
    out = ["| " + " | ".join(cell(h) for h in headers) + " |",
           "|" + "|".join(["---"] + ["---:"] * (len(headers) - 1)) + "|"]
    out += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def table_html(headers, rows, classes=None, kind=None):
    """classes: per row, a CSS class or None; kind: the table's class."""
    cls = f' class="{kind}"' if kind else ""
    out = [f'<div class="scroll"><table{cls}><thead><tr>']
    out += [f"<th>{html_escape(h)}</th>" for h in headers]
    out.append("</tr></thead><tbody>")
    for i, r in enumerate(rows):
        cls = classes[i] if classes else None
        out.append(f'<tr class="{cls}">' if cls else "<tr>")
        out += [f"<td>{html_escape(c)}</td>" for c in r]
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


# ---- the report page ------------------------------------------------------

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1200px;
 padding:0 1em;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0;font-size:13px}
td,th{border:1px solid #ddd;padding:2px 7px;text-align:right;
 white-space:nowrap}
td:first-child,th:first-child{text-align:left}
th{background:#f3f3f3}
tr.go td{background:#f2f8ff}
tr.bad td{background:#fff1f0;color:#a00}
tr.holds td{background:#f0f9f0}
table.kv td{text-align:left;white-space:normal}
.scroll{overflow-x:auto}
figure{display:inline-block;margin:.5em 1em .5em 0;vertical-align:top}
figure svg{max-width:100%;height:auto}
figcaption{font-size:12px;color:#555}
.note{color:#555;font-size:13px}
nav a{margin-right:.8em}
"""

# Once the page is laid out, logs how many charts it has and how many are
# shown with a visible size: what the screenshot test reads from headless
# Chromium's console (any other console message is an error there).
CHECK_JS = """
window.addEventListener('load',function(){
 var s=document.querySelectorAll('figure svg'),shown=0;
 for(var i=0;i<s.length;i++){var r=s[i].getBoundingClientRect();
  if(r.width>50&&r.height>50)shown++;}
 console.log('contend-check charts='+s.length+' shown='+shown);});
"""


def slug(s):
    return re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-").lower()


class Report:
    """Collects sections once, writes them as markdown and as HTML."""

    def __init__(self, out):
        self.out = out
        self.md = []
        self.html = []
        self.toc = []
        charts = os.path.join(out, "charts")
        try:
            os.makedirs(charts, exist_ok=True)
        except OSError as e:
            raise BadOutput(charts, "cannot create the report's directory:"
                                    f" {e.strerror}") from None

    def heading(self, level, text, anchor=None):
        self.md.append("#" * level + " " + md_text(text) + "\n")
        a = f' id="{anchor}"' if anchor else ""
        self.html.append(f"<h{level}{a}>{html_escape(text)}</h{level}>")
        if anchor and level == 2:
            self.toc.append((anchor, text))

    def para(self, text):
        self.md.append(md_text(text) + "\n")
        self.html.append(f'<p class="note">{html_escape(text)}</p>')

    def table(self, headers, rows, classes=None, kind=None):
        self.md.append(table_md(headers, rows) + "\n")
        self.html.append(table_html(headers, rows, classes, kind))

    def figure(self, fig, name, caption):
        path = os.path.join(self.out, "charts", name + ".svg")
        buf = io.StringIO()
        fig.savefig(buf, format="svg", bbox_inches="tight")
        svg = buf.getvalue()
        write_text(path, svg)
        self.md.append(f"![{md_text(caption)}](charts/{name}.svg)\n")
        start = svg.find("<svg")
        self.html.append(f"<figure>{svg[start:]}<figcaption>"
                         f"{html_escape(caption)}</figcaption></figure>")

    def write(self, title, intro):
        write_text(os.path.join(self.out, "report.md"),
                   f"# {md_text(title)}\n\n{md_text(intro)}\n\n"
                   + "\n".join(self.md))
        nav = "".join(f'<a href="#{a}">{html_escape(t)}</a>'
                      for a, t in self.toc)
        write_text(os.path.join(self.out, "index.html"),
                   "<!DOCTYPE html>\n<html lang=\"en\"><head>"
                   "<meta charset=\"utf-8\">"
                   f"<title>{html_escape(title)}</title>"
                   f"<style>{CSS}</style><script>{CHECK_JS}</script>"
                   f"</head><body><h1>{html_escape(title)}</h1>"
                   f"<p>{html_escape(intro)}</p><nav>{nav}</nav>"
                   + "\n".join(self.html) + "</body></html>\n")
