"""Shared by the MaxPool3D and AvgPool3D parity tests: windows, strides and paddings, and the
inputs that show TF's edge behaviour (ties, infinities, NaN, float32's lowest)."""

from __future__ import annotations

from typing import Any

import numpy as np

from conftest import RUNTIMES, bfloat16_reference_via_float32, convert_fn, tf_runs_bfloat16_in_onednn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

# (ksize, strides, padding) over (depth, rows, cols): odd and even windows, strides above and below
# the window, windows as large as a dim, SAME with odd padding totals.
WINDOWS = [
    ((1, 1, 1), (1, 1, 1), "VALID"),
    ((2, 2, 2), (2, 2, 2), "VALID"),
    ((2, 2, 2), (2, 2, 2), "SAME"),
    ((3, 3, 3), (1, 1, 1), "SAME"),
    ((3, 2, 1), (1, 2, 3), "VALID"),
    ((1, 3, 2), (2, 1, 2), "SAME"),
    ((4, 5, 6), (3, 1, 4), "SAME"),
    ((5, 6, 7), (1, 1, 1), "VALID"),
    ((2, 4, 3), (5, 5, 5), "SAME"),
]
SHAPE = (2, 5, 6, 7, 3)


def pool(tf: Any, op: str, x: Any, ksize: tuple[int, ...], strides: tuple[int, ...], padding: str) -> Any:
    f = tf.nn.max_pool3d if op == "MaxPool3D" else tf.nn.avg_pool3d
    return f(x, [1, *ksize, 1], [1, *strides, 1], padding)


def all_windows(tf: Any, op: str) -> Any:
    return lambda v: {f"w{i}": pool(tf, op, v, *w) for i, w in enumerate(WINDOWS)}


def check_windows(tf: Any, op: str, x: np.ndarray, shape: list[int | None]) -> None:
    """Every window on one model, the input's dims as `shape` gives them (None: unknown)."""
    fn = tf.function(all_windows(tf, op), input_signature=[tf.TensorSpec(shape, tf.float32, name="input_0")])
    report = assert_parity(fn, [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {op: len(WINDOWS)}


def special_values(rng: np.random.Generator, shape: tuple[int, ...] = SHAPE) -> np.ndarray:
    """Normal data with ties, +-inf, NaN and float32's lowest (Eigen's padding marker) sprinkled in."""
    x = np.round(rng.standard_normal(shape) * 2).astype(np.float32)  # many ties
    flat = x.reshape(-1)
    picks = rng.choice(flat.size, 40, replace=False)
    specials = [np.inf, -np.inf, np.nan, -np.finfo(np.float32).max, np.finfo(np.float32).max]
    for k, i in enumerate(picks):
        flat[i] = specials[k % len(specials)]
    x[0, :3, :3, :3, 0] = -np.inf  # whole windows of -inf
    x[1, :3, :3, :3, 1] = np.nan  # and of NaN
    return x


def check_bfloat16(tf: Any, op: str, rng: np.random.Generator, shape: tuple[int, ...] = SHAPE) -> None:
    """bfloat16 cannot be a model input: the pools between casts keep bfloat16 nodes."""
    x = rng.standard_normal(shape).astype(np.float32)

    def fn(v):
        b = tf.cast(v, tf.bfloat16)
        return {f"w{i}": tf.cast(pool(tf, op, b, *w), tf.float32) for i, w in enumerate(WINDOWS)}

    f = tf.function(fn, input_signature=[tf.TensorSpec([None] * 5, tf.float32, name="input_0")])
    if not tf_runs_bfloat16_in_onednn():
        # TF's Eigen bfloat16 pools (AVX2-only x86) sum and divide in bfloat16: the reference is
        # oneDNN's way, float32 on the bfloat16-rounded input, each output rounded once; opbridge
        # equals it bit for bit, as it equals oneDNN's bfloat16 below (max: exact; average: seen 0).
        model = convert_fn(fn, ([None] * 5, tf.float32))
        assert tflite_model.custom_op_counts(model) == {op: len(WINDOWS)}
        want = bfloat16_reference_via_float32(all_windows(tf, op), x)
        for runtime in RUNTIMES:
            got = run_tflite(model, [x], runtime)
            for key, value in want.items():
                np.testing.assert_array_equal(got[key], value.astype(np.float32), err_msg=f"{runtime} {key}")
        return
    report = assert_parity(f, [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {op: len(WINDOWS)}


def check_empty(tf: Any, op: str) -> None:
    """Empty batch, channels and spatial dims: TF gives empty outputs of the pooled shape."""
    fn = tf.function(
        lambda v: {
            "same": pool(tf, op, v, (2, 2, 2), (2, 1, 2), "SAME"),
            "valid": pool(tf, op, v, *WINDOWS[0]),
        },
        input_signature=[tf.TensorSpec([None] * 5, tf.float32, name="input_0")],
    )
    report = assert_parity(fn, [np.zeros((0, 4, 4, 4, 2), np.float32)], rtol=0, atol=0, runtimes=RUNTIMES)
    for shape in [(2, 4, 4, 4, 0), (1, 0, 3, 3, 2), (1, 3, 3, 0, 2)]:
        x = np.zeros(shape, np.float32)
        want = fn(x)
        for runtime in RUNTIMES:
            got = run_tflite(report.model, [x], runtime)
            for key, value in want.items():
                np.testing.assert_array_equal(got[key], value.numpy(), err_msg=f"{runtime} {shape} {key}")


def check_threads(tf: Any, op: str, rng: np.random.Generator) -> None:
    x = rng.standard_normal((3, 12, 14, 16, 8)).astype(np.float32)
    fn = tf.function(lambda v: pool(tf, op, v, (3, 3, 3), (1, 2, 1), "SAME"))
    model = tflite_model_for(tf, fn, x)
    (one,) = run_tflite(model, [x], num_threads=1).values()
    (four,) = run_tflite(model, [x], num_threads=4).values()
    np.testing.assert_array_equal(one, four)
    np.testing.assert_array_equal(one, fn(x).numpy())


def tflite_model_for(tf: Any, fn: Any, x: np.ndarray) -> bytes:
    from conftest import convert_fn

    return convert_fn(fn, ([None] * x.ndim, tf.float32))
