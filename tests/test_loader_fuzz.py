"""Generated documents thrown at the scripts' loader (pytest, Hypothesis).

Each example is tests/hostile/good.json with a few values replaced by
arbitrary JSON (NaN and infinities included), keys dropped or added. The
property: scripts/contend_results.load() either refuses the file with
BadInput (one line) or returns a document that regress's and history's
whole pipeline (pooling, the comparison, the rows and notes they print)
and compare's grouping take without an exception. A traceback reachable
from a results file is a bug, whatever the file holds.
"""
import copy
import importlib.machinery
import importlib.util
import json
import os
import sys
import tempfile

import pytest

# Hypothesis keeps caches in .hypothesis/ under the working directory:
# not in the source tree
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(
    tempfile.gettempdir(), "contend-hypothesis"))
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, "scripts")
sys.path.insert(0, SCRIPTS)
import contend_results as cr  # noqa: E402

GOOD_PATH = os.path.join(ROOT, "tests", "hostile", "good.json")
GOOD = json.load(open(GOOD_PATH))


def script_module(name):
    """scripts/NAME (no .py) imported as a module: main() is not run."""
    path = os.path.join(SCRIPTS, name)
    loader = importlib.machinery.SourceFileLoader(name, path)
    spec = importlib.util.spec_from_loader(name, loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


REGRESS = script_module("regress")
HISTORY = script_module("history")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6)


def paths(doc, prefix=()):
    """Every (path, value) in doc, the root excluded, and the schema: a
    file of another schema is refused before anything else is read (and
    tested by test_scripts.py)."""
    items = doc.items() if isinstance(doc, dict) else (
        enumerate(doc) if isinstance(doc, list) else ())
    for k, v in items:
        if prefix + (k,) == ("schema",):
            continue
        yield prefix + (k,), v
        yield from paths(v, prefix + (k,))


ALL_PATHS = [p for p, _ in paths(GOOD)]


@st.composite
def mutated(draw):
    doc = copy.deepcopy(GOOD)
    for _ in range(draw(st.integers(1, 4))):
        live = [p for p, _ in paths(doc)] or ALL_PATHS
        where = draw(st.sampled_from(live))
        parent = doc
        try:
            for k in where[:-1]:
                parent = parent[k]
            last = where[-1]
            action = draw(st.sampled_from(("replace", "drop", "add")))
            if action == "replace":
                parent[last] = draw(json_values)
            elif action == "drop":
                del parent[last]
            elif isinstance(parent, dict):
                parent[draw(st.text(max_size=6))] = draw(json_values)
        except (KeyError, IndexError, TypeError):
            pass  # an earlier mutation moved this path away
    return doc


def pipeline(doc):
    """What regress, history and compare do with a loaded document, beside
    the valid one."""
    good = cr.load(GOOD_PATH)
    base, cur = cr.pool([good]), cr.pool([doc])
    cmp = cr.compare_runs([good], base, [doc], cur, 5.0)
    shifted = 1 if cmp["shift"]["significant"] else 0
    rows = [REGRESS.row_cells(r, shifted) for r in cmp["rows"]]
    cr.table_text(["case", "b", "c", "d"] + ["s"] * shifted + ["p", ""],
                  rows)
    cr.table_md(["case"], [[r[0]] for r in rows])
    cr.comparison_notes(cmp, 5.0)
    cr.side_interference_text([doc], cur, "current")
    REGRESS.machines_differ([good], [doc])
    args = type("Args", (), {"threshold": 5.0, "filter": []})()
    HISTORY.changes([good, doc], args)
    cr.by_machine([good, doc])
    for k in cr.newest_records([doc]):
        cr.case_name(k)
        cr.case_sort_key(k)


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_load_refuses_in_one_line_or_the_pipeline_takes_it(tmp_path_factory,
                                                           doc):
    path = tmp_path_factory.mktemp("doc") / "r.json"
    path.write_text(json.dumps(doc))
    try:
        loaded = cr.load(str(path))
    except cr.BadInput as e:
        assert "\n" not in str(e) and str(path) in str(e)
        return
    pipeline(loaded)
