"""Shared by op parity tests that feed raw inputs to a tf.function: TF's outputs must come out of
every runtime bit for bit (strings as bytes), or TF's error text must be in the runtime's error."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge.testing import run_tflite


def convert(tf: Any, fn: Any, specs: list[tuple[list[int | None], Any]]) -> tuple[Any, bytes]:
    """The concrete function of `fn` over (shape, dtype) specs, and its opbridge.convert model."""
    signature = [tf.TensorSpec(s, tf.as_dtype(d), name=f"input_{i}") for i, (s, d) in enumerate(specs)]
    concrete = tf.function(fn, input_signature=signature).get_concrete_function()
    return concrete, opbridge.convert(concrete)


def tf_outputs(tf: Any, concrete: Any, arrays: list[np.ndarray]) -> tuple[dict[str, np.ndarray] | None, str]:
    """TF's outputs, or None and the kernel's error text (the last line before TF's annotations)."""
    try:
        out = concrete(*[tf.constant(a) for a in arrays])
    except tf.errors.InvalidArgumentError as e:
        text = e.message.split("\n\t [[")[0].split(" [Op:")[0]
        return None, text.strip().split("\n")[-1].split("}} ")[-1]
    return {k: np.asarray(v) for k, v in out.items()}, ""


def check(tf: Any, concrete: Any, model: bytes, arrays: list[np.ndarray], op: str) -> None:
    """TF's outputs equal in both runtimes, or TF's error message in both."""
    want, message = tf_outputs(tf, concrete, arrays)
    for runtime in RUNTIMES:
        if want is None:
            with pytest.raises(RuntimeError, match=op) as caught:
                run_tflite(model, arrays, runtime)
            assert message in str(caught.value), (runtime, message, str(caught.value))
            continue
        got = run_tflite(model, arrays, runtime)
        for key, w in want.items():
            g = got[key]
            context = f"{runtime} {key}: {[a.tolist() for a in arrays]}"
            assert g.shape == w.shape, (context, g.shape, w.shape)
            if w.dtype == object:
                assert g.tolist() == w.tolist(), context
            else:
                assert g.dtype == w.dtype, context
                # Bitwise for floats (signed zeros and NaN payloads count).
                np.testing.assert_array_equal(g.view(np.uint8), w.view(np.uint8), err_msg=context)
