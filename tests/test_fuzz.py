"""Fuzzing every kernel through both registration routes: refusals are fine, crashes are not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

FUZZER = ROOT / "tests" / "fuzz_kernels.py"
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    # `make test` names a directory and a key (the wheel's hash): the seeds made
    # here are then the ones `make sanitize` runs under the sanitizers.
    shared = os.environ.get("OPBRIDGE_FUZZ_SEEDS")
    out = Path(shared) if shared else tmp_path_factory.mktemp("seeds")
    key_value = os.environ.get("OPBRIDGE_FUZZ_SEEDS_KEY")
    key = ["--key", key_value] if shared and key_value else []
    subprocess.run(
        [sys.executable, str(ROOT / "tests" / "make_fuzz_seeds.py"), str(out), *key], check=True, env=ENV
    )
    return out


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
    summary = fuzz(tmp_path, "--cases", "60", "--seed", "11", "--route", route)
    assert summary["cases"] == 60 * summary["ops"]
    assert summary["outcomes"].get("refused-other", 0) == 0, summary


@pytest.mark.parametrize("route", ["resolver", "delegate"])
def test_seed_models_with_hostile_values_shapes_and_options_never_crash(tmp_path, seeds, route):
    summary = fuzz(tmp_path, "--seeds", str(seeds), "--cases", "40", "--seed", "12", "--route", route)
    ran = sum(v for k, v in summary["outcomes"].items() if k.endswith(":ran"))
    assert summary["cases"] == 40 * summary["seeds"] and ran > summary["cases"] // 4, summary
