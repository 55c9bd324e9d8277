"""Reading contend result files and the statistics compare, regress and
history share. Standard library only (charts live in the scripts that draw).

A result file is schema contend.result/1 (results/README.md). load() checks
what the scripts rely on and raises BadInput with one line naming the file
and the problem; the scripts print that line and exit 2.

Statistics, written here as benchstat does:
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


def _require(path, obj, key, kind, where):
    if not isinstance(obj, dict) or key not in obj:
        raise BadInput(path, f"not a {SCHEMA} file: {where} has no '{key}'")
    value = obj[key]
    if kind is not None and not isinstance(value, kind):
        raise BadInput(path, f"not a {SCHEMA} file: {where}.{key} is "
                             f"{type(value).__name__}")
    return value


def load(path):
    """The parsed result file at path, checked; raises BadInput."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise BadInput(path, f"cannot read: {e.strerror}") from None
    if not raw.strip():
        raise BadInput(path, "empty file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput(path, "not JSON (not UTF-8 text)") from None
    try:
        doc = json.loads(text)
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
    _require(path, machine, "id", str, "machine")
    run = _require(path, doc, "run", dict, "file")
    _require(path, run, "started", str, "run")
    results = _require(path, doc, "results", list, "file")
    for i, r in enumerate(results):
        where = f"results[{i}]"
        for key, kind in (("benchmark", str), ("impl", str),
                          ("status", str)):
            _require(path, r, key, kind, where)
        if r["status"] not in STATUSES:
            raise BadInput(path, f"{where}.status {r['status']!r} is not "
                                 f"one of {', '.join(STATUSES)}")
        if r["status"] == "ok":
            ns = _require(path, r, "ns_per_op", dict, where)
            if not isinstance(ns.get("median"), (int, float)):
                raise BadInput(path, f"{where}: status ok without "
                                     "ns_per_op.median")
    doc["_path"] = path
    return doc


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


def html_escape(s):
    return (str(s).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


# ---- tables --------------------------------------------------------------

def table_text(headers, rows):
    """Columns padded to their widest cell, the first left-aligned."""
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows)]
    lines = []
    for row in [headers] + rows:
        cells = [str(c).ljust(w) if i == 0 else str(c).rjust(w)
                 for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def table_md(headers, rows):
    def cell(c):
        return str(c).replace("|", "\\|").replace("\n", " ")
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
        os.makedirs(os.path.join(out, "charts"), exist_ok=True)

    def heading(self, level, text, anchor=None):
        self.md.append("#" * level + " " + text + "\n")
        a = f' id="{anchor}"' if anchor else ""
        self.html.append(f"<h{level}{a}>{html_escape(text)}</h{level}>")
        if anchor and level == 2:
            self.toc.append((anchor, text))

    def para(self, text):
        self.md.append(text + "\n")
        self.html.append(f'<p class="note">{html_escape(text)}</p>')

    def table(self, headers, rows, classes=None, kind=None):
        self.md.append(table_md(headers, rows) + "\n")
        self.html.append(table_html(headers, rows, classes, kind))

    def figure(self, fig, name, caption):
        path = os.path.join(self.out, "charts", name + ".svg")
        buf = io.StringIO()
        fig.savefig(buf, format="svg", bbox_inches="tight")
        svg = buf.getvalue()
        with open(path, "w") as f:
            f.write(svg)
        self.md.append(f"![{caption}](charts/{name}.svg)\n")
        start = svg.find("<svg")
        self.html.append(f"<figure>{svg[start:]}<figcaption>"
                         f"{html_escape(caption)}</figcaption></figure>")

    def write(self, title, intro):
        with open(os.path.join(self.out, "report.md"), "w") as f:
            f.write(f"# {title}\n\n{intro}\n\n" + "\n".join(self.md))
        nav = "".join(f'<a href="#{a}">{html_escape(t)}</a>'
                      for a, t in self.toc)
        with open(os.path.join(self.out, "index.html"), "w") as f:
            f.write("<!DOCTYPE html>\n<html lang=\"en\"><head>"
                    "<meta charset=\"utf-8\">"
                    f"<title>{html_escape(title)}</title>"
                    f"<style>{CSS}</style><script>{CHECK_JS}</script>"
                    f"</head><body><h1>{html_escape(title)}</h1>"
                    f"<p>{html_escape(intro)}</p><nav>{nav}</nav>"
                    + "\n".join(self.html) + "</body></html>\n")
