"""Fuzzing every kernel through both registration routes: refusals are fine, crashes are not."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow  # scheduled first (conftest.py)

FUZZER = ROOT / "tests" / "fuzz_kernels.py"
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
# Cases per op (random models) and per seed model (mutations) on the normal build. CI's
# `make sanitize` runs the same fuzzers on the same seeds under ASan + UBSan with more cases
# (tools/sanitize.py: 80 and 40 per op, 60 and 30 per seed, resolver and delegate), where a
# memory error cannot go unseen; here they are a smoke run of the optimized build (~1 min of CPU).
RANDOM_CASES = 30
SEED_CASES = 20


def fuzz(tmp_path, *args):
    log = tmp_path / "cases.log"
    result = subprocess.run(
        [sys.executable, str(FUZZER), "--log", str(log), *args], capture_output=True, text=True, env=ENV
    )
    last = log.read_text().splitlines()[-1:] if log.exists() else []
    assert result.returncode == 0, (
        f"the fuzzer died ({result.returncode}) on: {last}\n{result.stderr[-2000:]}"
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("route", ["resolver", "delegate"])
def test_random_models_never_crash_and_refusals_name_the_op(tmp_path, route):
    summary = fuzz(tmp_path, "--cases", str(RANDOM_CASES), "--seed", "11", "--route", route)
    assert summary["cases"] == RANDOM_CASES * summary["ops"]
    assert summary["outcomes"].get("refused-other", 0) == 0, summary
    # Only the delegate route skips ops: those LiteRT has its own kernel for (fuzz_kernels.py).
    assert (route == "delegate") == bool(summary["skipped_ops"]), summary["skipped_ops"]


@pytest.mark.parametrize("route", ["resolver", "delegate"])
def test_seed_models_with_hostile_values_shapes_and_options_never_crash(tmp_path, fuzz_seeds, route):
    summary = fuzz(
        tmp_path, "--seeds", str(fuzz_seeds), "--cases", str(SEED_CASES), "--seed", "12", "--route", route
    )
    ran = sum(v for k, v in summary["outcomes"].items() if k.endswith(":ran"))
    assert summary["cases"] == SEED_CASES * summary["seeds"] and ran > summary["cases"] // 4, summary
    # Only the delegate route skips seeds: those of LiteRT's own custom kernels (fuzz_kernels.py).
    assert (route == "delegate") == bool(summary["skipped_seeds"]), summary["skipped_seeds"]
