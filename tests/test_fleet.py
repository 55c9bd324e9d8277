"""scripts/fleet.yml against this machine (pytest; `make test-fleet`).

Two inventory hosts, both localhost over a local connection (no other
address): `good` builds, runs a tiny `make bench` and has its results file
fetched into results/<machine-id>/; `broken` has a directory it cannot
create, fails, and is reported, while the other host still counts and
scripts/compare runs over what was fetched.
"""
import glob
import json
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_fleet_on_localhost(tmp_path):
    exe = shutil.which("ansible-playbook")
    if not exe:
        pytest.skip("ansible is not installed (scripts/install-deps fleet)")
    inv = tmp_path / "hosts.ini"
    inv.write_text(
        "[fleet]\n"
        f"good ansible_connection=local contend_dir={tmp_path / 'good'}\n"
        "broken ansible_connection=local "
        "contend_dir=/proc/contend-fleet-cannot-write\n")
    flags = "--filter empty/loop,c2c/* --time 5ms --repeat 3 --warmup 0"
    r = subprocess.run(
        [exe, "-i", str(inv), os.path.join(ROOT, "scripts", "fleet.yml"),
         "-e", f"bench_flags='{flags}'",
         "-e", f"fleet_results={tmp_path / 'results'}",
         "-e", f"fleet_report={tmp_path / 'report'}",
         "-e", f"fleet_tarball={tmp_path / 'src.tar.gz'}"],
        capture_output=True, text=True, timeout=900,
        env=dict(os.environ, ANSIBLE_NOCOLOR="1",
                 ANSIBLE_LOCALHOST_WARNING="false"))
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-4000:]
    assert "broken: FAILED at 'Make the host's directory'" in out, out
    assert "1 of 2 host(s) compared" in out and "failed: broken" in out
    files = glob.glob(str(tmp_path / "results" / "*" / "*.json"))
    assert len(files) == 1, files
    doc = json.load(open(files[0]))
    assert os.path.basename(os.path.dirname(files[0])) == doc["machine"]["id"]
    assert {r["benchmark"] for r in doc["results"]} >= {"empty/loop"}
    # the copy has no .git; its commit travelled in .contend-git
    head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short",
                           "HEAD"], capture_output=True, text=True)
    if head.returncode == 0:
        assert doc["suite"]["git"] == head.stdout.strip()
    html = (tmp_path / "report" / "index.html").read_text()
    assert doc["machine"]["id"] in html
