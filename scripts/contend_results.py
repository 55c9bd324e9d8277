"""Reading contend result files and the statistics compare, regress and
history share. Standard library and python3-jsonschema (charts live in the
scripts that draw).

A result file is schema contend.result/1 (results/README.md). load()
validates it against results/schema.json, then checks what JSON Schema
cannot say (NaN and Infinity, integers beyond 64 bits, NUL and lone
surrogates, nesting, a ci95 without its median, a case twice), and raises
BadInput with one line naming the file and the problem; the scripts print
that line and exit 2. runners/output/results_check.c makes the same checks for
`contend claims` (tests/test_readers_agree.py holds the two together).

Statistics, written here as benchstat does (and, for compare_runs(), as
`contend ab` does on the C side):
- median_ci(): the distribution-free confidence interval of the median from
  order statistics, [x(k), x(n-1-k)] with the largest k whose coverage
  1 - 2 P(Binomial(n, 1/2) <= k) is still >= 95% (the same rank the harness
  uses in runners/stats/stats.c); none below 6 samples.
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
# The impl names of Go's rows: what a case key (no record at hand) says of
# Go-ness, and what files written before records had `runtime` say.
GO_IMPLS = ("go", "go-locked", "go-1p")
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


# The largest results file read: a full sweep of a large machine writes a
# few MB; a file of 50 MB took compare minutes and a GB of memory. The C
# reader (runners/output/results_read.c) holds the same bound, in the same
# words.
MAX_FILE_BYTES = 32 << 20
# Deeper than any results file (they nest 5 levels): what both readers take
# (runners/output/results_check.c holds the same bound; Python's parser
# stops near 1000, jansson's at 2048, and the checks here walk no deeper
# than this).
MAX_DEPTH = 64


def read_json(path):
    """The JSON document in the file at path, read within the bounds the
    readers hold (size, nesting, numbers); raises BadInput."""
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
    except ValueError:
        # int() refuses a number of more digits than
        # sys.get_int_max_str_digits() (4300)
        raise BadInput(path, "not JSON: too big a number (an integer of "
                             "more than 4300 digits)") from None
    return doc


def load(path):
    """The parsed result file at path, checked; raises BadInput."""
    doc = read_json(path)
    if not isinstance(doc, dict):
        raise BadInput(path, f"not a {SCHEMA} file: top level is "
                             f"{type(doc).__name__}, not an object")
    schema = doc.get("schema")
    if schema != SCHEMA:
        if schema is None:
            raise BadInput(path, f"no 'schema' field (expected {SCHEMA})")
        raise BadInput(path, f"schema {shown(schema)} is not supported "
                             f"(expected {SCHEMA})")
    problem = _values(doc) or _structure(doc) or _semantics(doc)
    if problem:
        raise BadInput(path, problem)
    doc["_path"] = path
    return doc


# ---- the structure: results/schema.json --------------------------------

def _schema_file():
    """results/schema.json of the source tree this module sits in, or the
    copy `meson install` puts beside it (results-schema.json)."""
    here = os.path.dirname(os.path.abspath(__file__))
    for p in (os.path.join(here, os.pardir, "results", "schema.json"),
              os.path.join(here, "results-schema.json")):
        if os.path.exists(p):
            return p
    return os.path.join(here, "results-schema.json")


SCHEMA_FILE = _schema_file()
_validator = None


class MissingDependency(BadInput):
    """What the loader needs and does not have (no file's fault, but the
    scripts print it as they print a BadInput, one line, and exit 2)."""

    def __init__(self, message):
        Exception.__init__(self, message)
        self.path, self.problem = None, message


def _schema_validator():
    """The Draft 2020-12 validator of results/schema.json, built once;
    integer is Python's int (1.0 is no count, as jansson keeps 1 and 1.0
    apart), number any int or float (bool is neither)."""
    global _validator
    if _validator is not None:
        return _validator
    try:
        import jsonschema
    except ImportError:
        raise MissingDependency(
            "python3-jsonschema is missing, the results files' schema "
            "check (Debian: apt-get install python3-jsonschema, or make "
            "deps)") from None
    try:
        with open(SCHEMA_FILE, encoding="utf-8") as f:
            schema = json.load(f)
    except (OSError, ValueError) as e:
        raise MissingDependency(f"{SCHEMA_FILE}: cannot read the results "
                                f"schema: {e}") from None
    base = jsonschema.Draft202012Validator
    checker = base.TYPE_CHECKER.redefine_many({
        "integer": lambda _, v: isinstance(v, int)
        and not isinstance(v, bool),
        "number": lambda _, v: isinstance(v, (int, float))
        and not isinstance(v, bool),
    })
    cls = jsonschema.validators.extend(base, type_checker=checker)
    _validator = (cls(schema), schema)
    return _validator


def _resolve(root, node):
    """node with its (local) $ref followed."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 16:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            break
        node = root
        for part in ref[2:].split("/"):
            node = node.get(part, {})
        seen += 1
    return node if isinstance(node, dict) else {}


def _nodes(root, node):
    """node, what its $ref names, and its then branch: the schemas that
    may say something of the value under node."""
    out = []
    while isinstance(node, dict) and node not in out:
        out.append(node)
        if "$ref" not in node:
            break
        node = _resolve(root, {"$ref": node["$ref"]})
    for n in list(out):
        if isinstance(n.get("then"), dict):
            out.append(n["then"])
    return out


def _step(root, node, key):
    """(the schema of node's member key, whether key is written plain in
    a path: a declared property is, a free name such as a param's is
    quoted, as the messages always have; another name plain where it is
    one word)."""
    nodes = _nodes(root, node)
    if isinstance(key, int):
        for n in nodes:
            if isinstance(n.get("items"), dict):
                return n["items"], True
        return {}, True
    for n in nodes:
        if key in n.get("properties", {}):
            return n["properties"][key], True
    for n in nodes:
        if isinstance(n.get("additionalProperties"), dict):
            return n["additionalProperties"], False
    return {}, bool(_WORD.fullmatch(key))


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _walk_path(root, path):
    """[(where, schema node, declared)] for the root and each step of
    path, where as the messages write it: file, machine.id, results[3],
    results[3].params.'size'."""
    node, where = root, "file"
    out = [(where, node, True)]
    for key in path:
        node, declared = _step(root, node, key)
        if isinstance(key, int):
            where = f"{'' if where == 'file' else where}[{key}]"
        else:
            name = key if declared else shown(key)
            where = name if where == "file" else f"{where}.{name}"
        out.append((where, node, declared))
    return out


def _where(path):
    return _walk_path(_schema_validator()[1], path)[-1][0]


_TYPES = {"object": "an object", "array": "a list", "string": "a string",
          "number": "a number", "integer": "an integer",
          "boolean": "true or false"}


def _message(doc, error):
    """One line for the schema's first failure in doc, as the loader words
    it: the field's path, then the problem (a template of the schema's
    errorMessage where it has one)."""
    _, root = _schema_validator()
    path = list(error.absolute_path)
    steps = _walk_path(root, path)
    trail = [doc]  # the values along path, the document first
    for k in path:
        trail.append(trail[-1][k])
    value, key = error.instance, error.validator
    # the nearest errorMessage that serves this keyword, innermost first
    levels = [(len(path), [error.schema])] + [
        (i, _nodes(root, steps[i][1])) for i in range(len(path), -1, -1)]
    for i, nodes in levels:
        for n in nodes:
            text = n.get("errorMessage")
            if isinstance(text, dict):
                text = text.get(key)
            if isinstance(text, str):
                at = trail[i]
                return text.format(
                    where=steps[i][0], parent=steps[max(i - 1, 0)][0],
                    shown=shown(at), repr=repr(at), kind=_kind(at),
                    len=len(at) if isinstance(at, (list, dict, str)) else 0)
    where = steps[-1][0]
    parent_nodes = _nodes(root, steps[-2][1]) if len(steps) > 1 else []
    required = bool(path) and any(path[-1] in n.get("required", ())
                                  for n in parent_nodes)
    if key == "required":
        missing = next((k for k in error.validator_value
                        if isinstance(value, dict) and k not in value), "?")
        return f"not a {SCHEMA} file: {where} has no {shown(missing)}"
    if key == "type":
        types = error.validator_value
        types = [types] if isinstance(types, str) else types
        if required and "number" not in types:
            # a member the file is made of (machine, results[3].status):
            # the file is of another kind; a figure is a wrong figure
            at = f"file.{where}" if len(path) == 1 else where
            return (f"not a {SCHEMA} file: {at} is "
                    f"{type(value).__name__}")
        kinds = [_TYPES.get(t, t) for t in types if t != "null"]
        return f"{where} is {_kind(value)}, not {' or '.join(kinds)}"
    if key == "minimum" and error.validator_value == 0:
        return f"{where} is negative ({value})"
    if key == "maximum":
        return (f"{where} is {value:g}, beyond any figure measured here "
                f"(over {error.validator_value:g})")
    if key == "enum":
        return (f"{where} {shown(value)} is not one of "
                f"{', '.join(map(str, error.validator_value))}")
    if key == "const":
        return (f"{where} is {shown(value)}, not "
                f"{shown(error.validator_value)}")
    return f"{where}: {shown(clean(error.message), 200)}"


def _structure(doc):
    """results/schema.json's first failure in doc, as one line; None when it
    holds."""
    validator, _ = _schema_validator()
    error = next(iter(validator.iter_errors(doc)), None)
    if error is None:
        return None
    return _message(doc, error)


# ---- what JSON Schema cannot say -----------------------------------------

INT64 = 1 << 63
_SURROGATE = re.compile("[\ud800-\udfff]")


def _text_problem(s):
    if "\x00" in s:
        return "holds a NUL character (\\u0000)"
    if _SURROGATE.search(s):
        return "holds invalid Unicode (a lone surrogate)"
    return None


def _values(doc):
    """The first value anywhere in doc that no results file holds: NaN or
    an infinity (not JSON, but Python writes and reads them), an integer
    beyond 64 bits, a string or a name with a NUL or a lone surrogate
    (jansson, the C reader's parser, refuses all of these), or nesting
    beyond MAX_DEPTH. Walked without recursion, in document order."""
    stack = [((), doc)]
    while stack:
        path, v = stack.pop()
        if len(path) > MAX_DEPTH:
            return "not a results file: arrays or objects nested too deeply"
        if isinstance(v, float) and not math.isfinite(v):
            return f"{_where(path)} is {v}, not a finite number"
        if isinstance(v, int) and not isinstance(v, bool) and not (
                -INT64 <= v < INT64):
            return (f"{_where(path)} is too big a number (an integer beyond "
                    "64 bits)")
        if isinstance(v, str):
            problem = _text_problem(v)
            if problem:
                return f"{_where(path)} {problem}"
        elif isinstance(v, dict):
            for k in v:
                problem = _text_problem(k)
                if problem:
                    return f"{_where(path)} has a name that {problem}"
            stack += [(path + (k,), x) for k, x in reversed(v.items())]
        elif isinstance(v, list):
            stack += [(path + (i,), x) for i, x in
                      reversed(list(enumerate(v)))]
    return None


def _semantics(doc):
    """What the schema leaves to code once it holds: the ci95 holds its
    median, no case twice."""
    seen = {}
    for i, r in enumerate(doc["results"]):
        where = f"results[{i}]"
        ns = r.get("ns_per_op")
        if r["status"] == "ok" and isinstance(ns.get("ci95"), list):
            ci, median = ns["ci95"], ns["median"]
            if not ci[0] <= median <= ci[1]:
                return (f"{where}.ns_per_op.ci95 {ci} does not hold the "
                        f"median {median}")
        key = case_key(r)
        if key in seen:
            return (f"{where} repeats the case of results[{seen[key]}] "
                    f"({shown(case_name(key), 80)})")
        seen[key] = i
    return None


def shown(value, width=60):
    """value as a message quotes it: repr (control characters escaped),
    cut to width."""
    text = repr(value)
    return text if len(text) <= width else text[:width - 1] + "…"


def _kind(value):
    return "null" if value is None else type(value).__name__


def expand(paths):
    """Files named, and the *.json files under directories named, sorted
    (results/schema.json, which lies in results/, left out)."""
    schema = os.path.realpath(SCHEMA_FILE)
    out = []
    for p in paths:
        if os.path.isdir(p):
            found = []
            for root, dirs, files in os.walk(p):
                dirs.sort()
                found += [os.path.join(root, f) for f in files
                          if f.endswith(".json") and os.path.realpath(
                              os.path.join(root, f)) != schema]
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


def is_go(r):
    """A record Go's runtime measured: its `runtime`; in files written
    before that field, impl go or go-locked."""
    rt = r.get("runtime")
    return rt == "go" if rt is not None else r.get("impl") in GO_IMPLS


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
    shifted = sum(1 for r in cases.values() if r.get("level_shift"))
    if shifted:
        text += (f"; {shifted} at two levels (the machine changed "
                 "mid-case)")
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

def emulated(docs):
    """Any of docs (one machine's) ran on an emulated CPU (QEMU's TCG):
    its timings are the emulator's, comparable with no machine's."""
    return any((d.get("machine") or {}).get("emulated") is True
               for d in docs)


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
th{background:#f3f3f3;cursor:pointer}
tr.go td{background:#f2f8ff}
tr.bad td{background:#fff1f0;color:#a00}
tr.holds td{background:#f0f9f0}
table.kv td{text-align:left;white-space:normal}
.scroll{overflow-x:auto}
figure{display:inline-block;margin:.5em 1em .5em 0;vertical-align:top}
figure svg{max-width:100%;height:auto}
figcaption{font-size:12px;color:#555}
.note{color:#555;font-size:13px}
nav a{margin-right:.8em;display:inline-block}
"""

# Once the page is laid out, logs how many charts it has and how many are
# shown with a visible size: what the screenshot test reads from headless
# Chromium's console (any other console message is an error there).
CHECK_JS = """
window.addEventListener('load',function(){
 var s=document.querySelectorAll('figure svg'),shown=0,over=0;
 for(var i=0;i<s.length;i++){var r=s[i].getBoundingClientRect();
  if(r.width>50&&r.height>50)shown++;
  var t=s[i].querySelectorAll('text'),b=[];
  for(var j=0;j<t.length;j++){var q=t[j].getBoundingClientRect();
   if(q.width>0&&q.height>0)b.push(q);}
  for(var j=0;j<b.length;j++)for(var k=j+1;k<b.length;k++){
   var x=Math.min(b[j].right,b[k].right)-Math.max(b[j].left,b[k].left),
    y=Math.min(b[j].bottom,b[k].bottom)-Math.max(b[j].top,b[k].top);
   if(x>1&&y>1)over++;}}
 var m=document.querySelectorAll('table.conditions tbody tr').length;
 console.log('contend-check charts='+s.length+' shown='+shown+
  ' overlaps='+over+' summary='+m);});
"""


# A click on a column's header sorts the table's rows by it (numbers by
# value: the first number in the cell, so "×1.50 (9 cases)" and "12.3 ±0.4"
# sort as 1.5 and 12.3; text alphabetically); a second click reverses.
SORT_JS = """
document.addEventListener('click',function(e){
 var th=e.target.closest('th');if(!th)return;
 var tb=th.closest('table').tBodies[0];if(!tb)return;
 var i=Array.prototype.indexOf.call(th.parentNode.children,th);
 var up=th.dataset.sorted!=='up';th.dataset.sorted=up?'up':'down';
 function key(r){var t=r.children[i]?r.children[i].textContent:'';
  var m=t.replace(/[−–]/g,'-').match(/-?[0-9]+(\\.[0-9]+)?(e-?[0-9]+)?/);
  return m?[0,parseFloat(m[0])]:[1,t];}
 var rows=Array.prototype.slice.call(tb.rows);
 rows.sort(function(a,b){var x=key(a),y=key(b);
  var c=x[0]-y[0]||(x[1]<y[1]?-1:x[1]>y[1]?1:0);return up?c:-c;});
 rows.forEach(function(r){tb.appendChild(r);});});
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

    def links(self, title, items):
        """A titled list of (text, anchor): links to sections above or
        below."""
        self.md.append(md_text(title) + ":\n\n" + "".join(
            f"- [{md_text(t)}](#{a})\n" for t, a in items))
        self.html.append(
            f'<p class="note">{html_escape(title)}:</p><ul>' + "".join(
                f'<li><a href="#{html_escape(a)}">{html_escape(t)}</a></li>'
                for t, a in items) + "</ul>")

    def table(self, headers, rows, classes=None, kind=None, collapsed=None):
        """collapsed: the HTML shows the table folded under this line."""
        self.md.append(table_md(headers, rows) + "\n")
        html = table_html(headers, rows, classes, kind)
        if collapsed:
            html = (f"<details><summary>{html_escape(collapsed)}</summary>"
                    f"{html}</details>")
        self.html.append(html)

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
                   f"<style>{CSS}</style>"
                   f"<script>{CHECK_JS}{SORT_JS}</script>"
                   f"</head><body><h1>{html_escape(title)}</h1>"
                   f"<p>{html_escape(intro)}</p><nav>{nav}</nav>"
                   + "\n".join(self.html) + "</body></html>\n")
