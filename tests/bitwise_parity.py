"""Shared by the parity tests of small exact ops (ListDiff, UnravelIndex, ConjugateTranspose,
...): run a tf.function in TF and its converted model in each runtime, fed by index, and require
the same outputs bit for bit (a float's sign of zero and NaN payload included; strings as bytes);
and, where TF's kernel fails, the same error text from each runtime."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from conftest import RUNTIMES
from opbridge.testing import run_tflite


def tf_outputs(fn: Any, inputs: Sequence[Any]) -> dict[str, np.ndarray]:
    """fn's outputs by name (a dict, or one tensor as output_0), as numpy arrays."""
    out = fn(*inputs)
    if not isinstance(out, dict):
        out = {"output_0": out}
    return {k: np.asarray(v.numpy()) for k, v in out.items()}


def assert_bits(want: dict[str, np.ndarray], got: dict[str, np.ndarray], context: str) -> None:
    assert set(got) == set(want), f"{context}: outputs {sorted(got)}, TF gives {sorted(want)}"
    for key, w in want.items():
        g = np.asarray(got[key])
        assert g.shape == w.shape, f"{context}: {key} has shape {g.shape}, TF gives {w.shape}"
        if w.dtype == object or w.dtype.kind == "S":
            assert [bytes(x) for x in g.ravel()] == [bytes(x) for x in w.ravel()], (
                f"{context}: {key} = {g.tolist()!r}, TF gives {w.tolist()!r}"
            )
        else:
            assert g.dtype == w.dtype, f"{context}: {key} is {g.dtype}, TF gives {w.dtype}"
            assert g.tobytes() == w.tobytes(), f"{context}: {key} = {g!r}, TF gives {w!r}"


def check_cases(
    fn: Any, model: bytes, cases: Sequence[Sequence[Any]], num_threads: Sequence[int] = (1,)
) -> None:
    """Every case (the model's inputs, by index) through TF and each runtime; one model for all."""
    for n, inputs in enumerate(cases):
        want = tf_outputs(fn, inputs)
        for runtime in RUNTIMES:
            for threads in num_threads:
                got = run_tflite(model, list(inputs), runtime, num_threads=threads)
                shapes = [np.shape(x) for x in inputs]
                assert_bits(want, got, f"[{runtime}, {threads} threads] case {n}, shapes {shapes}")


def any_shape(tf: Any, fn: Any, *dtypes: Any) -> Any:
    """tf.function(fn) for inputs of any shape of these dtypes: TF's shape inference then leaves
    the checks to its kernel, whose error texts the tests compare with ours."""
    return tf.function(fn, input_signature=[tf.TensorSpec(None, d) for d in dtypes])


def tf_error(tf: Any, fn: Any, inputs: Sequence[Any]) -> str:
    """The text of TF's kernel error for fn(*inputs) (it must fail)."""
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        fn(*inputs)
    message = info.value.message
    # In graph mode the kernel's text is the line before "\t [[{{node ...}}]]".
    found = re.search(r"([^\n]+)\n\t \[\[\{\{node", message)
    text = found.group(1) if found else message.split("\n")[0]
    return re.sub(r"^\{\{function_node [^}]*\}\} ", "", text)


def assert_fails_as_tf(tf: Any, fn: Any, model: bytes, op: str, inputs: Sequence[Any]) -> str:
    """TF's kernel fails on inputs, and each runtime fails with `op: ` and TF's text."""
    message = tf_error(tf, fn, inputs)
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError) as info:
            run_tflite(model, list(inputs), runtime)
        assert f"{op}: {message}" in str(info.value), (runtime, message, str(info.value))
    return message
