"""contend claims: the claim file, the verdicts, bad inputs and a short run.

Usage: test_claims.py PATH/TO/contend
Standard library only. The verdicts are checked on fixture files
(tests/claims/): a claim that holds, one off by 10x, one not comparable,
one whose rows the results lack (missing, not a number), a B/op figure of
0 and a per-defer figure that is a difference of two rows. No timing is
asserted: the one run checks which rows ran, not what they measured.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

CONTEND = None
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ARTICLE = os.path.join(ROOT, "bench", "claims", "article.json")
FIX_CLAIMS = os.path.join(HERE, "claims", "fixture-claims.json")
FIX_RESULTS = os.path.join(HERE, "claims", "fixture-results.json")
FAST = ["--time", "5ms", "--repeat", "3", "--warmup", "0", "--no-progress"]


def run(*args, timeout=300):
    return subprocess.run([CONTEND, *args], capture_output=True, text=True,
                          timeout=timeout)


def verdicts(*args):
    r = run("claims", "--format", "json", *args)
    if r.returncode != 0:
        raise AssertionError(r.stderr)
    return {c["id"]: c for c in json.loads(r.stdout)["claims"]}


def listed():
    """{(benchmark, impl, frozenset of k=v)} from `contend list`."""
    out = set()
    for line in run("list").stdout.splitlines():
        words = line.split()
        params = words[2] if len(words) > 2 and "=" in words[2] else ""
        out.add((words[0], words[1],
                 frozenset(p for p in params.split(",") if p)))
    return out


def kv(params):
    return frozenset(f"{k}={v}" for k, v in params.items())


class ClaimFile(unittest.TestCase):
    def test_parses_and_covers_sections_41_and_43(self):
        with open(ARTICLE, encoding="utf-8") as f:
            doc = json.load(f)
        self.assertEqual(doc["schema"], "contend.claims/1")
        sections = {c["section"] for c in doc["claims"]}
        self.assertEqual(sections, {"4.1", "4.3"})
        for c in doc["claims"]:
            with self.subTest(claim=c["id"]):
                self.assertTrue(c["quote"] and c["workload"]
                                and c["conditions"])
                # a figure that is judged has rows; one that is not says why
                if "not_comparable" not in c:
                    self.assertIn("rows", c)
                    self.assertIsInstance(c["figure"], (int, float))

    def test_every_mapped_row_exists_in_contend_list(self):
        with open(ARTICLE, encoding="utf-8") as f:
            doc = json.load(f)
        have = listed()
        names = {(b, p) for b, _, p in have}
        for c in doc["claims"]:
            rows = c.get("rows")
            if not rows:
                continue
            with self.subTest(claim=c["id"]):
                want = (rows["benchmark"], kv(rows["params"]))
                self.assertIn(want, names)
                for impl in rows.get("c_impls", []):
                    self.assertIn((want[0], impl, want[1]), have)
                minus = rows.get("minus")
                if minus:
                    self.assertIn((want[0], minus["c_impl"],
                                   kv(minus["params"])), have)

    def test_the_binary_reads_the_same_claims(self):
        with open(ARTICLE, encoding="utf-8") as f:
            ids = [c["id"] for c in json.load(f)["claims"]]
        self.assertEqual(list(verdicts(FIX_RESULTS)), ids)


class Verdicts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.v = verdicts("--claims", FIX_CLAIMS, FIX_RESULTS)

    def test_a_claim_that_holds(self):
        c = self.v["holds"]
        self.assertEqual(c["verdict"], "holds")
        self.assertAlmostEqual(c["ratio"], 1.25)
        # 8 threads claimed, the machine measured has 4: judged at 4
        self.assertEqual((c["threads"], c["capped"]), (4, True))
        self.assertIn("4 (article 8)", c["cells"]["threads"])
        # a noisy row (CV > 5%) is marked as the run's tables mark it
        self.assertTrue(c["go"]["noisy"])
        self.assertEqual(c["cells"]["go"], "12.5 ns!")
        self.assertEqual(c["cells"]["best_c"], "0.1 ns c11")
        # best C: the lowest ok row (hp, lower, failed)
        self.assertEqual(c["best_c"]["impl"], "c11")
        self.assertAlmostEqual(c["best_c"]["value"], 0.1)

    def test_a_claim_off_by_10x(self):
        c = self.v["off10"]
        self.assertEqual(c["verdict"], "off")
        self.assertAlmostEqual(c["ratio"], 10)
        self.assertEqual(c["verdict_text"], "off by 10x")

    def test_a_claim_not_comparable_shows_the_rows_but_no_ratio(self):
        c = self.v["unclear"]
        self.assertEqual(c["verdict"], "not comparable")
        self.assertEqual(c["verdict_text"],
                         "not comparable: the unit is doubtful")
        self.assertIsNone(c["ratio"])
        self.assertAlmostEqual(c["go"]["value"], 3.0)
        r = self.v["rating"]
        self.assertEqual(r["verdict"], "not comparable")
        self.assertEqual(r["cells"]["article"], "high")

    def test_missing_rows_are_missing_not_a_number(self):
        c = self.v["norows"]
        self.assertEqual(c["verdict"], "missing")
        self.assertIn("no go row for chan/pingpong cap=0",
                      c["verdict_text"])
        self.assertIsNone(c["go"]["value"])
        self.assertIsNone(c["ratio"])
        self.assertEqual(c["cells"]["go"], "missing")
        self.assertEqual(c["cells"]["best_c"], "missing")

    def test_zero_bytes_reads_as_zero_below_half_a_byte(self):
        c = self.v["zero"]
        self.assertEqual(c["verdict"], "holds")
        self.assertAlmostEqual(c["go"]["value"], 0.2)
        # the row is noisy in its time, not in its bytes
        self.assertEqual(c["cells"]["go"], "0.2 B")

    def test_a_difference_of_two_rows_per_defer(self):
        c = self.v["defer"]
        # Go (50 - 18) / 16; C cleanup (34 - 18) / 16, stack (66 - 18) / 16
        self.assertAlmostEqual(c["go"]["value"], 2.0)
        self.assertEqual(c["best_c"]["impl"], "cleanup")
        self.assertAlmostEqual(c["best_c"]["value"], 1.0)
        self.assertEqual(c["verdict"], "holds")
        self.assertEqual(c["threads"], 1)

    def test_table_and_markdown_say_the_same(self):
        for fmt, sep in (("table", "  "), ("markdown", " | ")):
            with self.subTest(fmt=fmt):
                r = run("claims", "--claims", FIX_CLAIMS, "--format", fmt,
                        FIX_RESULTS)
                self.assertEqual(r.returncode, 0, r.stderr)
                for text in ("holds (within 2x)", "off by 10x",
                             "not comparable: the unit is doubtful",
                             "missing: no go row", "measured at 4",
                             "ote"):
                    self.assertIn(text, r.stdout)
                self.assertIn(sep + "4 (article 8)" + sep, r.stdout)

    def test_article_claims_missing_from_a_results_file(self):
        v = verdicts(FIX_RESULTS)  # the article's claims
        self.assertEqual(v["4.1/atomic.Value/ns"]["verdict"], "off")
        for cid in ("4.1/chan-unbuffered/ns", "4.1/chan-unbuffered/bytes"):
            with self.subTest(claim=cid):
                self.assertEqual(v[cid]["verdict"], "missing")
                self.assertIsNone(v[cid]["go"]["value"])


def write(d, name, text):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    return path


class BadInput(unittest.TestCase):
    def test_each_exits_2_with_one_line_naming_it(self):
        with open(FIX_CLAIMS) as f:
            good = json.load(f)
        unknown = json.loads(json.dumps(good))
        unknown["claims"][0]["rows"]["benchmark"] = "atomic/nosuch"
        nofigure = json.loads(json.dumps(good))
        del nofigure["claims"][1]["figure"]
        with tempfile.TemporaryDirectory() as d:
            notjson = write(d, "notjson.json", "{ not json")
            schema = write(d, "schema.json",
                           json.dumps({"schema": "other/1", "results": []}))
            noresults = write(d, "noresults.json",
                              json.dumps({"schema": "contend.result/1"}))
            cases = [
                (["/nonexistent/r.json"], "/nonexistent/r.json"),
                ([notjson], notjson),
                ([schema], "other/1"),
                ([noresults], "results"),
                (["--claims", "/nonexistent/c.json", FIX_RESULTS],
                 "/nonexistent/c.json"),
                (["--claims", notjson, FIX_RESULTS], notjson),
                (["--claims", write(d, "u.json", json.dumps(unknown)),
                  FIX_RESULTS], "atomic/nosuch"),
                (["--claims", write(d, "f.json", json.dumps(nofigure)),
                  FIX_RESULTS], "'off10': 'figure'"),
                (["--format", "xml", FIX_RESULTS], "xml"),
                (["--time", "1s", FIX_RESULTS], "--time"),
                ([FIX_RESULTS, FIX_RESULTS], "unexpected argument"),
                (["--bogus"], "--bogus"),
            ]
            for args, value in cases:
                with self.subTest(args=args):
                    r = run("claims", *args)
                    self.assertEqual(r.returncode, 2, r.stderr)
                    lines = r.stderr.strip().splitlines()
                    self.assertEqual(len(lines), 1, r.stderr)
                    self.assertIn(value, lines[0])
                    self.assertEqual(r.stdout, "")

    def test_without_a_claim_file_beside_it_says_so(self):
        with tempfile.TemporaryDirectory() as d:
            exe = os.path.join(d, "contend")
            shutil.copy(CONTEND, exe)
            r = subprocess.run([exe, "claims", FIX_RESULTS],
                               capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--claims FILE", r.stderr)

    def test_help(self):
        r = run("claims", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("usage: contend claims", r.stdout)
        self.assertIn("claims", run("--help").stdout)


HOSTILE = os.path.join(HERE, "hostile")
# NaN and Infinity are what Python writes for a float that is not finite
# (and reads back), but not JSON: jansson stops at the token, so contend
# names it and its line where the scripts name the field; the same for a
# NUL, a lone surrogate and a number too big (tests/hostile/expected-c.json).
with open(os.path.join(HOSTILE, "expected-c.json")) as f:
    NOT_JSON = json.load(f)


class Hostile(unittest.TestCase):
    """tests/hostile/: each file the scripts' loader refuses, refused by
    contend claims in one line naming the file and the same problem (the
    C reader makes the loader's checks, in its words). Every file there is
    a results document, the input claims reads: none is skipped."""

    def refused(self, path, problems, cwd):
        r = subprocess.run([CONTEND, "claims", path], capture_output=True,
                           text=True, timeout=60, cwd=cwd)
        self.assertEqual(r.returncode, 2, r.stderr)
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertIn(path, lines[0])
        for problem in problems:
            self.assertIn(problem, lines[0])
        self.assertEqual(r.stdout, "")

    def test_every_hostile_file_is_refused_as_the_scripts_refuse_it(self):
        with open(os.path.join(HOSTILE, "expected.json")) as f:
            expected = json.load(f)
        with tempfile.TemporaryDirectory() as d:
            for name, problem in sorted(expected.items()):
                with self.subTest(file=name):
                    problems = [NOT_JSON.get(name, problem)]
                    self.refused(os.path.join(HOSTILE, name), problems, d)
            self.assertEqual(os.listdir(d), [], "claims wrote files")

    def test_a_huge_file_is_refused_by_its_size(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "huge.json")
            with open(path, "wb") as f:
                f.write(b'{"schema": "contend.results/1"' +
                        b" " * (33 << 20) + b"}")
            self.refused(path, ["larger than 32 MiB"], d)

    def test_good_and_hostile_names_are_read(self):
        for path in (os.path.join(HOSTILE, "good.json"),
                     os.path.join(HOSTILE, "accepted",
                                  "names-with-escapes.json")):
            r = run("claims", path)
            self.assertEqual(r.returncode, 0, r.stderr)

    def test_names_from_a_file_print_escaped(self):
        """A record's impl, placement and reason reach the table and the
        notes: a terminal's escape sequences and bidirectional overrides
        in them print as \\xNN and \\uNNNN, never as themselves."""
        with open(FIX_RESULTS) as f:
            doc = json.load(f)
        for i, r in enumerate(doc["results"]):
            r["impl"] = f"evil{i}\x1b[31m\u202e"
            r["placement"] = "pl\x07ace"
            r["status"], r["reason"] = "skipped", "why\x1b]0;title\x07 \x9b"
        with tempfile.TemporaryDirectory() as d:
            path = write(d, "names.json", json.dumps(doc))
            for fmt in ("table", "markdown"):
                r = run("claims", "--claims", FIX_CLAIMS, "--format", fmt,
                        path)
                self.assertEqual(r.returncode, 0, r.stderr)
                for raw in ("\x1b", "\x07", "\x9b", "\u202e"):
                    self.assertNotIn(raw, r.stdout)
                # markdown: the bracket backslash-escaped too
                self.assertIn("why\\x1b]0;title\\x07 \\x9b"
                              if fmt == "table" else
                              "why\\x1b\\]0;title\\x07 \\x9b", r.stdout)

    def test_markup_from_a_file_stays_text_in_markdown(self):
        """Markdown passes HTML through and makes links and emphasis of
        brackets and stars: a file's names are escaped so that a claim
        table rendered in a pull request shows them as written."""
        with open(FIX_RESULTS) as f:
            doc = json.load(f)
        for i, r in enumerate(doc["results"]):
            r["impl"] = f"x{i}*b*_[l](http://e)"
            r["status"], r["reason"] = "skipped", "<img src=x> & `c` | d"
        with tempfile.TemporaryDirectory() as d:
            path = write(d, "markup.json", json.dumps(doc))
            r = run("claims", "--claims", FIX_CLAIMS, "--format",
                    "markdown", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotRegex(r.stdout, r"(?<!\\)<img")  # unescaped
        self.assertNotRegex(r.stdout, r"(?<!\\)\]\(http")
        self.assertIn("x2\\*b\\*\\_\\[l\\](http://e)", r.stdout)
        self.assertIn("\\<img src=x\\> \\& \\`c\\` \\| d", r.stdout)

    def test_the_loaders_other_checks(self):
        """What tests/test_scripts.py makes of good.json for the loader,
        some of it: the C reader makes the same checks."""
        with open(os.path.join(HOSTILE, "good.json")) as f:
            text = f.read()

        def bad(edit, problem):
            doc = json.loads(text)
            edit(doc)
            return doc, problem
        r0 = lambda d: d["results"][0]  # noqa: E731
        cases = {
            "top-list": ([1, 2], "top level is list, not an object"),
            "schema-number": ({"schema": 3}, "schema 3 is not supported"),
            "truncated": (None, "truncated JSON"),
            "interference-list": bad(lambda d: r0(d).update(
                interference=[]), "results[0].interference is list"),
            "disturbed-string": bad(lambda d: r0(d).update(
                interference={"disturbed": "yes"}), "not true or false"),
            "controls-object": bad(lambda d: d["run"].update(controls={}),
                                   "run.controls is dict, not a list"),
            "control-negative": bad(lambda d: d["run"].update(
                controls=[{"t_s": 1, "ref_ns": -3, "c2c_ns": None}]),
                "run.controls[0].ref_ns is negative (-3)"),
            "run-interference": bad(lambda d: d["run"].update(
                interference={"cases": "many"}),
                "run.interference.cases is 'many', not a count"),
            "ci95-three": bad(lambda d: r0(d)["ns_per_op"].update(
                ci95=[1, 2, 3]), "ci95 has 3 values, not 2"),
            "noisy-string": bad(lambda d: r0(d).update(noisy="no"),
                                "results[0].noisy is str, not true or "
                                "false"),
            "started-local": bad(lambda d: d["run"].update(
                started="2026-01-01T00:00:00+01:00"), "not an ISO 8601"),
            "id-hidden": bad(lambda d: d["machine"].update(id=".hidden"),
                             "machine.id '.hidden' is not a safe"),
            "long-status": bad(lambda d: r0(d).update(status="x" * 100),
                               "results[0].status 'xxxxx"),
        }
        with tempfile.TemporaryDirectory() as d:
            for name, (doc, problem) in cases.items():
                with self.subTest(case=name):
                    content = (text[: len(text) // 2] if doc is None
                               else json.dumps(doc))
                    path = write(d, name + ".json", content)
                    self.refused(path, [problem], d)


class Run(unittest.TestCase):
    def test_runs_exactly_the_rows_the_claims_need(self):
        claims = {"schema": "contend.claims/1", "title": "one claim",
                  "tolerance": 2, "claims": [{
                      "id": "one", "section": "0", "subject": "load",
                      "quote": "q", "figure": 1, "unit": "ns/op",
                      "metric": "ns_per_op", "workload": "w",
                      "conditions": "c", "threads": 64,
                      "rows": {"benchmark": "atomic/load",
                               "params": {"size": 64},
                               "c_impls": ["c11", "mutex"]}}]}
        go = os.path.exists(os.path.join(os.path.dirname(CONTEND), "bench",
                                         "contend-go.test"))
        with tempfile.TemporaryDirectory() as d:
            path = write(d, "c.json", json.dumps(claims))
            out = os.path.join(d, "r.json")
            r = run("claims", "--claims", path, "--out", out, "--format",
                    "json", *(["--with-go"] if go else []), *FAST)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out) as f:
                doc = json.load(f)
        npus = doc["machine"]["topology"]["pus"]
        rows = sorted((x["impl"], x["threads"]) for x in doc["results"])
        want = [("c11", min(64, npus)), ("mutex", min(64, npus))]
        if go:
            want.append(("go", min(64, npus)))
        self.assertEqual(rows, sorted(want))
        self.assertEqual(doc["run"]["argv"][1], "claims")
        c = json.loads(r.stdout)["claims"][0]
        self.assertEqual(c["threads"], min(64, npus))
        self.assertEqual(c["capped"], npus < 64)
        self.assertIn(c["verdict"], ("holds", "off") if go else ("missing",))
        self.assertIn(out, r.stderr)  # results: PATH


if __name__ == "__main__":
    CONTEND = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
