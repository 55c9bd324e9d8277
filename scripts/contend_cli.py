"""The scripts' command line: argparse, with bad usage said in one line.

argparse prints its whole usage block before the error; a user who typed
one wrong value wants the one line that names it (and the exit status 2
every contend command gives for bad usage), as `contend` itself does.
"""
import argparse
import sys


class Parser(argparse.ArgumentParser):
    """argparse.ArgumentParser whose errors are one line on stderr."""

    def error(self, message):
        sys.stderr.write(f"{self.prog}: {message} (see {self.prog} --help)\n")
        sys.exit(2)


def parser(prog, doc):
    """A Parser for a script whose module docstring is its help: the first
    paragraph the description, the rest the epilog."""
    paras = doc.split("\n\n")
    return Parser(prog=prog, description=paras[0],
                  formatter_class=argparse.RawDescriptionHelpFormatter,
                  epilog="\n\n".join(paras[1:]))
