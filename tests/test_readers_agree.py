"""The two readers of a results file held to one definition.

Usage: test_readers_agree.py PATH/TO/contend
Debian's python3 with python3-jsonschema. The scripts' loader
(scripts/contend_results.load) validates against results/schema.json, then
makes the checks JSON Schema cannot; `contend claims FILE` (the C
reader, runners/output/results_check.c) makes the same checks by hand.
Over every file of tests/hostile/ (and accepted/, and the committed results):
- both refuse, or both accept (exit 2 and one line, or exit 0);
- a refusal names the file and holds the text tests/hostile/expected.json
  gives; the C reader's where tests/hostile/expected-c.json gives one
  (where jansson, its parser, stops at what Python's parser takes);
- the schema alone, with a plain Draft 2020-12 validator, takes every
  accepted file and every committed results file.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile
import unittest

CONTEND = None
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
HOSTILE = os.path.join(HERE, "hostile")
SCHEMA = os.path.join(ROOT, "results", "schema.json")
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import contend_results as cr  # noqa: E402

with open(os.path.join(HOSTILE, "expected.json")) as f:
    EXPECTED = json.load(f)
with open(os.path.join(HOSTILE, "expected-c.json")) as f:
    EXPECTED_C = json.load(f)
ACCEPTED = [os.path.join(HOSTILE, "good.json")] + sorted(
    glob.glob(os.path.join(HOSTILE, "accepted", "*.json")))
# every results file committed (and the shared ones, where this checkout
# has them): what contend run wrote is what the schema must take
RESULTS = sorted(glob.glob(os.path.join(ROOT, "results", "*", "*.json"))
                 + glob.glob(os.path.join(ROOT, os.pardir, "shared",
                                          "results", "*", "*.json")))


def python_reads(path):
    """(accepted, the one line)"""
    try:
        cr.load(path)
    except cr.BadInput as e:
        return False, str(e)
    return True, ""


def c_reads(path, cwd):
    r = subprocess.run([CONTEND, "claims", path], capture_output=True,
                       text=True, timeout=60, cwd=cwd)
    lines = r.stderr.strip().splitlines()
    if r.returncode == 0:
        return True, ""
    if r.returncode != 2 or len(lines) != 1 or r.stdout:
        raise AssertionError(f"contend claims {path}: exit {r.returncode}, "
                             f"not 2 with one line: {r.stderr!r}")
    return False, lines[0]


class Agree(unittest.TestCase):
    def test_the_corpus_is_named_whole(self):
        files = {f for f in os.listdir(HOSTILE) if f.endswith(".json")}
        self.assertEqual(files - {"good.json", "expected.json",
                                  "expected-c.json"}, set(EXPECTED))
        self.assertLessEqual(set(EXPECTED_C), set(EXPECTED))

    def test_both_refuse_every_hostile_file_as_expected(self):
        with tempfile.TemporaryDirectory() as d:
            for name in sorted(EXPECTED):
                path = os.path.join(HOSTILE, name)
                with self.subTest(file=name):
                    ok_py, line_py = python_reads(path)
                    ok_c, line_c = c_reads(path, d)
                    self.assertFalse(ok_py, "the scripts' loader takes it")
                    self.assertFalse(ok_c, "contend claims takes it")
                    self.assertIn(path, line_py)
                    self.assertIn(path, line_c)
                    self.assertIn(EXPECTED[name], line_py)
                    self.assertIn(EXPECTED_C.get(name, EXPECTED[name]),
                                  line_c)
                    self.assertNotIn("\n", line_py)
            self.assertEqual(os.listdir(d), [], "claims wrote files")

    def test_both_accept_the_accepted_and_the_committed_results(self):
        self.assertTrue(RESULTS, "no results file committed")
        with tempfile.TemporaryDirectory() as d:
            for path in ACCEPTED + RESULTS:
                with self.subTest(file=os.path.relpath(path, ROOT)):
                    self.assertEqual(python_reads(path), (True, ""))
                    self.assertEqual(c_reads(path, d), (True, ""))


class Schema(unittest.TestCase):
    """results/schema.json on its own: a standard validator, no code."""

    @classmethod
    def setUpClass(cls):
        import jsonschema
        with open(SCHEMA) as f:
            cls.schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(cls.schema)
        cls.validator = jsonschema.Draft202012Validator(cls.schema)

    def errors(self, path):
        with open(path) as f:
            doc = json.load(f)
        return [f"{list(e.absolute_path)}: {e.message}"[:200]
                for e in self.validator.iter_errors(doc)]

    def test_every_committed_results_file_validates(self):
        for path in RESULTS + ACCEPTED:
            with self.subTest(file=os.path.relpath(path, ROOT)):
                self.assertEqual(self.errors(path), [])

    def test_it_refuses_what_it_can_say(self):
        """The hostile files whose problem is structure: the schema alone
        refuses them (the rest are the code's: NaN, nesting, a repeated
        case, a ci95 without its median, 1.0 as a count)."""
        semantic = {"ci95-without-median.json", "records-twice.json",
                    "threads-float.json"}
        for name in sorted(EXPECTED):
            path = os.path.join(HOSTILE, name)
            try:
                errors = self.errors(path)
            except (ValueError, RecursionError):
                continue  # not JSON, or too deep, to Python's parser
            with open(path) as f:
                text = f.read()
            if (name in semantic or name.startswith(("deep-", "integer-"))
                    or "NaN" in text or "Infinity" in text
                    or name.startswith("string-") or "1e400" in text):
                continue
            with self.subTest(file=name):
                self.assertNotEqual(errors, [])

    def test_without_jsonschema_the_scripts_say_so_in_one_line(self):
        script = os.path.join(ROOT, "scripts", "regress")
        good = os.path.join(HOSTILE, "good.json")
        code = ("import runpy, sys; sys.modules['jsonschema'] = None; "
                f"sys.argv = [{script!r}, {good!r}, {good!r}]; "
                f"runpy.run_path({script!r}, run_name='__main__')")
        r = subprocess.run([sys.executable, "-c", code],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2, r.stderr)
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertIn("python3-jsonschema is missing", lines[0])
        self.assertEqual(r.stdout, "")

    def test_the_loader_reads_the_same_schema(self):
        self.assertEqual(os.path.realpath(cr.SCHEMA_FILE),
                         os.path.realpath(SCHEMA))


if __name__ == "__main__":
    CONTEND = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
