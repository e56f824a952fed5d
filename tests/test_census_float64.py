"""tools/census_float64.py measures which float64 ops stay custom, and docs/ops-float64.md is its output."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

import opbridge
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))

ROW = re.compile(r"^\| ([^|]+?) \| ([^|]*?) \| ([^|]*?) \| ([^|]*?) \| ([^|]*?) \| (yes|no) \|$", re.M)


def test_census_reports_custom_ops_and_parity(tmp_path):
    out = tmp_path / "ops-float64.md"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "census_float64.py"),
            "--only",
            "FloorMod,Reshape,Atan2",
            "--markdown",
            out,
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    rows = {m.group(1): m.groups()[1:] for m in ROW.finditer(out.read_text())}
    assert rows["FloorMod"][:2] == ("FloorMod", "-") and rows["FloorMod"][-1] == "yes"
    assert rows["Reshape"][0] == "-" and rows["Reshape"][-1] == "yes"  # the builtin RESHAPE takes float64
    # The converter cannot convert a float64 Atan2; opbridge.convert substitutes its own op.
    assert rows["Atan2"][:2] == ("Opbridge>Atan2", "-") and rows["Atan2"][-1] == "yes"
    assert "candidates 3 / with custom ops 2 / without kernel 0 / failing 0" in result.stdout


def test_half_census_runs_the_candidates_in_float16(tmp_path):
    out = tmp_path / "ops-float16.md"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "census_float64.py"),
            *("--dtype", "float16", "--only", "AddV2,Rint,Mean", "--markdown", out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert text.startswith("# float16 op coverage (generated)")
    rows = {m.group(1): m.groups()[1:] for m in ROW.finditer(text)}
    assert rows["AddV2"][:3] == ("AddV2", "-", "0.0e+00") and rows["AddV2"][-1] == "yes"
    assert rows["Mean"][0] == "Mean" and rows["Mean"][-1] == "yes"
    assert rows["Rint"][2].startswith("TF itself fails")  # TF has no half Rint: nothing to match


@pytest.mark.parametrize("page", ["ops-float64.md", "ops-float16.md", "ops-bfloat16.md"])
def test_docs_page_lists_every_candidate_and_only_real_kernels(page):
    from census_float64 import CANDIDATES

    rows = {m.group(1): m.groups()[1:] for m in ROW.finditer((ROOT / "docs" / page).read_text())}
    assert sorted(rows) == sorted(CANDIDATES), f"docs/{page} is stale: run tools/census_float64.py"
    kernels = set(opbridge.list_ops())
    for name, (custom, missing, *_runs, ok) in rows.items():
        if ok == "yes" and custom != "-":
            used = {op.split(" x")[0].strip() for op in custom.split(",")}
            assert used <= kernels, (name, used - kernels)
        if missing != "-":
            assert ok == "no", name
