"""Parity cases as files: a converted model, its inputs and the framework's outputs (no framework needed).

The torch suite runs where TensorFlow is not installed; it saves its cases
(OPBRIDGE_PARITY_ARTIFACTS) and tools/replay_parity.py runs them in the TF
runtime's interpreter too, so both runtimes are checked against torch eager.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .comparison import max_abs_error
from .running import run_tflite


def _ordered(outputs: dict[str, np.ndarray]) -> list[np.ndarray]:
    """litert-torch names outputs output_0, output_1, ... in the module's order."""

    def index(name: str) -> int:
        found = re.search(r"(\d+)$", name)
        return int(found.group(1)) if found else 0

    return [outputs[k] for k in sorted(outputs, key=index)]


def save_case(
    directory: Path,
    model: bytes,
    inputs: list[np.ndarray],
    expected: list[np.ndarray],
    rtol: float,
    atol: float,
) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha1(model + b"".join(a.tobytes() for a in inputs)).hexdigest()[:16]
    np.savez(
        directory / f"{key}.npz",
        model=np.frombuffer(model, np.uint8),
        rtol=rtol,
        atol=atol,
        test=os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0],
        **{f"input_{k}": a for k, a in enumerate(inputs)},
        **{f"expected_{k}": e for k, e in enumerate(expected)},
    )


def compare(
    model: bytes,
    arrays: list[np.ndarray],
    expected: list[np.ndarray],
    rtol: float,
    atol: float,
    runtimes: Sequence[str],
) -> dict[str, list[float]]:
    """Runs `model` in each runtime (inputs by index) and compares every output with `expected`;
    AssertionError naming the runtime, output and worst element."""
    from .testing import _describe_mismatch

    errors: dict[str, list[float]] = {}
    failures = []
    for runtime in runtimes:
        actual = _ordered(run_tflite(model, arrays, runtime))
        if len(actual) != len(expected):
            failures.append(f"[{runtime}] the model has {len(actual)} outputs, torch gives {len(expected)}")
            continue
        errors[runtime] = []
        for k, (e, a) in enumerate(zip(expected, actual, strict=True)):
            problem = _describe_mismatch(runtime, f"output_{k}", e, a, rtol, atol)
            if problem:
                failures.append(problem.replace("tf=", "torch=").replace("|tf|", "|torch|"))
            else:
                errors[runtime].append(max_abs_error(e, a))
    if failures:
        raise AssertionError("torch and TFLite disagree:\n  " + "\n  ".join(failures))
    return errors


def load_case(path: Path) -> tuple[bytes, list[np.ndarray], list[np.ndarray], float, float, str]:
    """(model, inputs, expected outputs, rtol, atol, test id) of a saved case."""
    with np.load(path) as data:
        inputs = [data[f"input_{k}"] for k in range(sum(1 for n in data.files if n.startswith("input_")))]
        expected = [
            data[f"expected_{k}"] for k in range(sum(1 for n in data.files if n.startswith("expected_")))
        ]
        return (
            data["model"].tobytes(),
            inputs,
            expected,
            float(data["rtol"]),
            float(data["atol"]),
            str(data["test"]),
        )
