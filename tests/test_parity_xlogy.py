"""Xlogy (tf.math.xlogy) in float64, half and bfloat16 against TF's own kernel, bit for bit, in both
runtimes, on two threads and on the baseline build (OPBRIDGE_NO_AVX2=1): x with +0 and -0 in packet
and tail positions (TF's packets keep a -0 x, its scalar tail gives +0), y over many magnitudes,
zero, negative, infinite and NaN, same-shape and row operands. (Complex Xlogy:
test_parity_complex_binary.py.)"""

from __future__ import annotations

import numpy as np

from conftest import convert_fn
from opbridge import tflite_model
from test_parity_xdivy_xlog1py import (
    SHAPES,
    assert_baseline_gives_tf_bits,
    assert_runtimes_give_tf_bits,
    real_values,
)


def xlogy_model(tf):
    """float64 and half (fed as is) and bfloat16 (fed as float32, computed in bfloat16), each with
    x and y of one shape, a row of x and a row of y: (the converted model, TF's function)."""

    def fn(x64, y64, r64, x16, y16, r16, xb, yb, rb):
        out = {}
        for name, x, y, r in [("f64", x64, y64, r64), ("f16", x16, y16, r16)]:
            out[f"same_{name}"] = tf.math.xlogy(x, y)
            out[f"x_row_{name}"] = tf.math.xlogy(r, y)
            out[f"y_row_{name}"] = tf.math.xlogy(x, r)
        xb, yb, rb = tf.cast(xb, tf.bfloat16), tf.cast(yb, tf.bfloat16), tf.cast(rb, tf.bfloat16)
        out["same_bf16"] = tf.cast(tf.math.xlogy(xb, yb), tf.float32)
        out["x_row_bf16"] = tf.cast(tf.math.xlogy(rb, yb), tf.float32)
        return out

    specs = [([None, None], t) for t in [tf.float64] * 2] + [([None], tf.float64)]
    specs += [([None, None], tf.float16)] * 2 + [([None], tf.float16)]
    specs += [([None, None], tf.float32)] * 2 + [([None], tf.float32)]
    model = convert_fn(fn, *specs)
    assert tflite_model.custom_op_counts(model).get("Xlogy") == 8, tflite_model.custom_op_counts(model)
    return model, tf.function(fn, input_signature=[tf.TensorSpec(s, t) for s, t in specs])


def xlogy_inputs(tf, rng, shape: tuple[int, int]) -> list[np.ndarray]:
    bf16 = tf.bfloat16.as_numpy_dtype
    x, y = real_values(rng, shape)
    x[rng.uniform(size=shape) < 0.2] = 0.0  # zeros at random, as probabilities and labels have
    r = rng.uniform(-0.9, 4, shape[1])
    r[::3] = 0.0
    r[1::4] = -0.0
    with np.errstate(over="ignore"):  # 1e30 is inf in half, as intended
        inputs = [x, y, r, x.astype(np.float16), y.astype(np.float16), r.astype(np.float16)]
    return inputs + [v.astype(bf16).astype(np.float32) for v in (x, y, r)]


def test_real_xlogy_gives_tf_bits(tf, rng):
    model, reference = xlogy_model(tf)
    for n, shape in enumerate([*SHAPES, (33, 40)]):
        inputs = xlogy_inputs(tf, rng, shape)
        assert_runtimes_give_tf_bits(model, reference, inputs, f"case {n} {shape}")


def test_real_xlogy_baseline_path_gives_tf_bits(tf, rng, tmp_path):
    """The baseline build converts half without F16C and takes SSE packets."""
    model, reference = xlogy_model(tf)
    sets = [xlogy_inputs(tf, rng, shape) for shape in [*SHAPES, (33, 40)]]
    assert_baseline_gives_tf_bits(model, reference, sets, tmp_path)
