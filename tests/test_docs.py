"""docs/DESIGN.md's command-line synopsis against the binary's --help.

Usage: test_docs.py PATH/TO/contend [PATH/TO/DESIGN.md]
Standard library only. The "Command line" section's first fenced block holds
one synopsis per command, each exactly the "usage:" lines that
`contend COMMAND --help` prints first (whitespace normalised): a changed
option on either side fails here, as does a command the top-level help lists
and the document leaves out, or an option the section names that no
command's help knows.
"""
import os
import re
import subprocess
import sys
import unittest

CONTEND = None
DESIGN = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                      "docs", "DESIGN.md")


def normalise(text):
    return " ".join(text.split())


def section(doc, title):
    """The text of the '## title…' section, up to the next '## '."""
    m = re.search(r"^## " + re.escape(title) + r".*?$(.*?)(?=^## |\Z)", doc,
                  re.M | re.S)
    if not m:
        raise AssertionError("DESIGN.md has no section '## %s'" % title)
    return m.group(1)


def documented(doc):
    """{command: synopsis} from the section's first fenced block; the
    top-level synopsis (contend COMMAND …) is under 'COMMAND'."""
    m = re.search(r"^```[^\n]*\n(.*?)^```", section(doc, "Command line"),
                  re.M | re.S)
    if not m:
        raise AssertionError("the Command line section has no fenced block")
    entries = []
    for line in m.group(1).splitlines():
        if line.startswith("contend "):
            entries.append(line)
        elif line.strip() and line[0].isspace() and entries:
            entries[-1] += " " + line  # a continuation line
        elif line.strip():
            raise AssertionError("not a synopsis line: %r" % line)
    out = {}
    for e in entries:
        cmd = e.split()[1]
        if cmd in out:
            raise AssertionError("command %s documented twice" % cmd)
        out[cmd] = normalise(e)
    return out


def contend(*args):
    return subprocess.run([CONTEND, *args], capture_output=True, text=True,
                          timeout=60)


def help_text(cmd):
    """What `contend [cmd] --help` prints. serve keeps its stdout for its
    protocol, so its help comes on stderr: both are read."""
    r = contend(*([] if cmd == "COMMAND" else [cmd]), "--help")
    if r.returncode != 0:
        raise AssertionError("contend %s --help: exit %d: %s"
                             % (cmd, r.returncode, r.stderr.strip()))
    return r.stdout + r.stderr


def usage(cmd):
    """The first "usage:" lines `contend [cmd] --help` prints, up to the
    first blank line, without the "usage:" prefix."""
    lines = help_text(cmd).splitlines()
    start = next((i for i, x in enumerate(lines)
                  if x.startswith("usage:")), None)
    if start is None:
        raise AssertionError("contend %s --help prints no usage" % cmd)
    block = []
    for x in lines[start:]:
        if not x.strip():
            break
        block.append(x)
    return normalise(" ".join(block)[len("usage:"):])


def listed_commands():
    """The commands `contend --help` lists under "commands:"."""
    out = contend("--help").stdout
    m = re.search(r"^commands:\n((?:  \S.*\n)+)", out, re.M)
    if not m:
        raise AssertionError("contend --help lists no commands")
    return [x.split()[0] for x in m.group(1).splitlines()]


def mismatches(doc):
    """What differs between the document's synopses and the binary's."""
    docs = documented(doc)
    found = []
    for cmd in ["COMMAND"] + listed_commands():
        if cmd not in docs:
            found.append("%s: in contend --help, not in DESIGN.md" % cmd)
    for cmd, text in sorted(docs.items()):
        real = usage(cmd)
        if text != real:
            found.append("%s:\n  DESIGN.md:   %s\n  --help says: %s"
                         % (cmd, text, real))
    return found


class Synopsis(unittest.TestCase):
    def setUp(self):
        with open(DESIGN, encoding="utf-8") as f:
            self.doc = f.read()

    def test_every_synopsis_is_what_help_prints(self):
        found = mismatches(self.doc)
        self.assertEqual(found, [], "\n" + "\n".join(found))

    def test_the_section_names_only_options_that_exist(self):
        # --help itself: every command takes it
        helps = "--help " + "".join(help_text(c) for c in
                                    documented(self.doc))
        named = set(re.findall(r"--[a-z][a-z0-9-]*",
                               section(self.doc, "Command line")))
        self.assertTrue(named)
        unknown = sorted(o for o in named
                         if not re.search(re.escape(o) + r"(?![a-z0-9-])",
                                          helps))
        self.assertEqual(unknown, [], "options no --help mentions")

    def test_a_changed_option_is_caught(self):
        # the check itself must be able to fail: one option renamed in the
        # block, and one command's synopsis dropped
        block = re.search(r"^```[^\n]*\n(.*?)^```",
                          section(self.doc, "Command line"),
                          re.M | re.S).group(1)
        self.assertIn("[--topology SPEC]", block)
        changed = self.doc.replace(
            block, block.replace("[--topology SPEC]", "[--topo SPEC]", 1))
        self.assertEqual(len(mismatches(changed)), 1)
        dropped = self.doc.replace(
            block, "\n".join(x for x in block.splitlines()
                             if not x.startswith("contend version")) + "\n")
        self.assertEqual(mismatches(dropped),
                         ["version: in contend --help, not in DESIGN.md"])


if __name__ == "__main__":
    CONTEND = os.path.abspath(sys.argv.pop(1))
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        DESIGN = sys.argv.pop(1)
    unittest.main(verbosity=2)
