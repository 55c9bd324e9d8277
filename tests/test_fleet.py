"""scripts/fleet.yml against this machine (pytest; `make test-fleet`).

Inventory hosts, all localhost over a local connection (no other address):
`good` builds, runs a tiny contend run and has its results file fetched
into results/<machine-id>/; `broken` has a directory it cannot create,
fails, and is reported, while the other host still counts and
scripts/compare runs over what was fetched. Hostile hosts give contend_dir
values with shell syntax, spaces and `..`: each is refused before anything
runs on it, and no second command runs. A second run with hostile
bench_flags runs no second command either. And the playbook itself uses
no shell at all.
"""
import glob
import json
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLAYBOOK = os.path.join(ROOT, "scripts", "fleet.yml")
SHELLS = {"shell", "raw", "script", "expect"}
FLAGS = "--filter empty/loop,c2c/pingpong --time 5ms --repeat 3 --warmup 0"


def playbook(inv, tmp, flags, timeout=900):
    exe = shutil.which("ansible-playbook")
    if not exe:
        pytest.skip("ansible is not installed (scripts/install-deps fleet)")
    r = subprocess.run(
        [exe, "-i", str(inv), PLAYBOOK,
         "-e", json.dumps({"bench_flags": flags}),
         "-e", f"fleet_results={tmp / 'results'}",
         "-e", f"fleet_report={tmp / 'report'}",
         "-e", f"fleet_tarball={tmp / 'src.tar.gz'}"],
        capture_output=True, text=True, timeout=timeout,
        env=dict(os.environ, ANSIBLE_NOCOLOR="1",
                 ANSIBLE_LOCALHOST_WARNING="false"))
    return r, r.stdout + r.stderr


def inventory(path, hosts):
    """A YAML inventory (no INI comment rules to trip over): {name:
    contend_dir}."""
    path.write_text(json.dumps({"all": {"hosts": {
        name: {"ansible_connection": "local", "contend_dir": d}
        for name, d in hosts.items()}}}))
    return path


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """One host directory for the module: the second playbook run finds
    the first one's build there."""
    return tmp_path_factory.mktemp("fleet")


def tasks(node):
    """Every task of the playbook, inside blocks and rescues too."""
    for t in node or []:
        yield t
        for key in ("block", "rescue", "always", "tasks"):
            yield from tasks(t.get(key))


def test_playbook_runs_no_shell():
    yaml = pytest.importorskip("yaml")
    plays = yaml.safe_load(open(PLAYBOOK))
    seen = 0
    for t in tasks(plays):
        modules = {k.split(".")[-1] for k in t}
        assert not modules & SHELLS, t.get("name")
        cmd = t.get("ansible.builtin.command") or t.get("command")
        if cmd is not None:
            seen += 1
            # an argument vector, never a command line to split or quote
            assert isinstance(cmd, dict) and "argv" in cmd, t.get("name")
            assert "cmd" not in cmd, t.get("name")
    assert seen >= 5


def test_fleet_on_localhost(fleet):
    pwned = fleet / "pwned"
    hosts = {
        "good": str(fleet / "good"),
        "broken": "/proc/contend-fleet-cannot-write",
        "semicolon": f"/tmp/x;touch {pwned}-semicolon",
        "subst": f"/tmp/$(touch {pwned}-subst)",
        "backtick": f"/tmp/`touch {pwned}-backtick`",
        "spaces": f"{fleet}/a b",
        "dotdot": f"{fleet}/good/../../escaped",
        "relative": "contend-here",
    }
    r, out = playbook(inventory(fleet / "hosts.yml", hosts), fleet, FLAGS)
    assert r.returncode == 0, out[-4000:]
    assert "broken: FAILED at 'Make the host's directory'" in out, out
    for name in ("semicolon", "subst", "backtick", "spaces", "dotdot",
                 "relative"):
        assert f"{name}: FAILED at 'Check the host's values'" in out, out
    assert "1 of 8 host(s) compared" in out
    assert not glob.glob(f"{pwned}*"), "a second command ran"
    assert not os.path.exists(fleet.parent / "escaped")
    assert not os.path.exists(fleet / "a b")
    files = glob.glob(str(fleet / "results" / "*" / "*.json"))
    assert len(files) == 1, files
    doc = json.load(open(files[0]))
    # named from the checked machine id and start time, and the host
    assert os.path.basename(os.path.dirname(files[0])) == doc["machine"]["id"]
    stamp = re.sub("[-:]", "", doc["run"]["started"])
    assert os.path.basename(files[0]) == f"{stamp}-good.json"
    assert {r["benchmark"] for r in doc["results"]} >= {"empty/loop"}
    # the copy has no .git; its commit travelled in .contend-git
    head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short",
                           "HEAD"], capture_output=True, text=True)
    if head.returncode == 0:
        assert doc["suite"]["git"] == head.stdout.strip()
    html = (fleet / "report" / "index.html").read_text()
    assert doc["machine"]["id"] in html


def test_hostile_bench_flags_run_no_second_command(fleet):
    pwned = fleet / "flags-pwned"
    flags = (f"--time 5ms; touch {pwned}-semicolon && touch {pwned}-and "
             f"| touch {pwned}-pipe $(touch {pwned}-subst) "
             f"`touch {pwned}-backtick` > {pwned}-redirect")
    r, out = playbook(inventory(fleet / "hosts2.yml",
                                {"good": str(fleet / "good")}),
                      fleet / "second", flags)
    assert r.returncode == 0, out[-4000:]
    assert "good: FAILED at 'Check that the run wrote results'" in out, out
    assert "0 of 1 host(s) compared" in out
    assert not glob.glob(f"{pwned}*"), "a second command ran"
