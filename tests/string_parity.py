"""Shared by the string-op parity tests: run a tf.function in TF and its converted model in every
runtime, and require the same outputs exactly (strings as bytes, integers as integers)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from conftest import RUNTIMES
from opbridge.testing import run_tflite


def strings(values: Any) -> np.ndarray:
    """A numpy array of bytes objects, as TF and the TFLite runtimes give string tensors."""
    return np.array(values, dtype=object)


def tf_outputs(fn: Any, inputs: Sequence[Any]) -> dict[str, np.ndarray]:
    out = fn(*inputs)
    if not isinstance(out, dict):
        out = {"output_0": out}
    return {k: np.asarray(v.numpy()) for k, v in out.items()}


def assert_same(want: dict[str, np.ndarray], got: dict[str, np.ndarray], context: str) -> None:
    assert set(got) == set(want), f"{context}: outputs {sorted(got)}, TF gives {sorted(want)}"
    for key, w in want.items():
        g = np.asarray(got[key])
        assert g.shape == w.shape, f"{context}: {key} has shape {g.shape}, TF gives {w.shape}"
        if w.dtype == object or w.dtype.kind == "S":
            assert g.dtype == object or g.dtype.kind == "S", (
                f"{context}: {key} is {g.dtype}, TF gives strings"
            )
            assert [bytes(x) for x in g.ravel()] == [bytes(x) for x in w.ravel()], (
                f"{context}: {key} = {g.tolist()!r}, TF gives {w.tolist()!r}"
            )
        else:
            assert g.dtype == w.dtype, f"{context}: {key} is {g.dtype}, TF gives {w.dtype}"
            np.testing.assert_array_equal(g, w, err_msg=f"{context}: {key}")


def check_cases(
    fn: Any, model: bytes, cases: Sequence[Sequence[Any]], runtimes: Sequence[str] = RUNTIMES
) -> None:
    """Every case (the model's inputs, by index) through TF and each runtime; one model for all."""
    for inputs in cases:
        want = tf_outputs(fn, inputs)
        for runtime in runtimes:
            got = run_tflite(model, list(inputs), runtime)
            assert_same(want, got, f"[{runtime}] inputs {[np.asarray(x).tolist() for x in inputs]!r}")
