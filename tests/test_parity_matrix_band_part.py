"""MatrixBandPart: TFLite kernel vs TF's kernel, bit for bit, for the dtypes the converter leaves
custom (float64, complex, half, uint8; float32, int32, int64, int8 and bool lower to builtins), bounds as
run-time tensors (int32 and int64; negative, zero, up to the dims), square, wide and tall
matrices, batches, empty tensors, and TF's errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite

DTYPES = [np.float64, np.complex64, np.complex128, np.float16, np.uint8]


def name(dtype: Any) -> str:
    return np.dtype(dtype).name


def values(rng: np.random.Generator, dtype: Any, shape: tuple[int, ...]) -> np.ndarray:
    if dtype == np.bool_:
        return rng.integers(0, 2, shape).astype(bool)
    x = (np.arange(int(np.prod(shape))) + 1).reshape(shape)
    if np.issubdtype(dtype, np.complexfloating):
        return (x - 0.5j * x).astype(dtype)
    return x.astype(dtype)


def model_for(tf: Any, dtype: Any, index: Any, rank: int = 3) -> tuple[Any, bytes]:
    t, i = tf.as_dtype(dtype), tf.as_dtype(index)
    fn = tf.function(
        tf.linalg.band_part,
        input_signature=[
            tf.TensorSpec([None] * rank, t, name="x"),
            tf.TensorSpec([], i, name="lower"),
            tf.TensorSpec([], i, name="upper"),
        ],
    )
    model = convert_fn(fn, ([None] * rank, t), ([], i), ([], i))
    assert tflite_model.custom_op_counts(model) == {"MatrixBandPart": 1}
    return fn, model


def check(fn: Any, model: bytes, x: np.ndarray, bounds: Any, index: Any) -> None:
    for lower, upper in bounds:
        lo, up = np.array(lower, index), np.array(upper, index)
        want = fn(x, lo, up).numpy()
        for runtime in RUNTIMES:
            (got,) = run_tflite(model, [x, lo, up], runtime).values()
            np.testing.assert_array_equal(got, want, err_msg=f"{runtime} {lower} {upper} {x.shape}")


@pytest.mark.parametrize("dtype", DTYPES, ids=name)
def test_every_dtype_and_band(tf, rng, dtype):
    fn, model = model_for(tf, dtype, np.int64)
    for shape in [(2, 4, 4), (3, 3, 6), (1, 5, 2)]:
        m, n = shape[-2:]
        bounds = [(-1, -1), (0, 0), (-1, 0), (0, -1), (1, 2), (m, n), (m - 1, -5), (-7, n - 1), (2, 0)]
        check(fn, model, values(rng, dtype, shape), bounds, np.int64)


def test_int32_bounds_ranks_and_empty(tf, rng):
    for rank, shapes in [(2, [(4, 3), (0, 3), (3, 0)]), (4, [(2, 2, 3, 3), (0, 2, 3, 3), (2, 1, 1, 1)])]:
        fn, model = model_for(tf, np.float64, np.int32, rank)
        for shape in shapes:
            m, n = shape[-2:]
            check(
                fn,
                model,
                values(rng, np.float64, shape),
                [(-1, 0), (0, -1), (min(1, m), min(1, n)), (m, n)],
                np.int32,
            )


def test_constant_bounds_float64(tf, rng):
    """The common use: tf.linalg.band_part(x, 0, -1) with constants on a float64 batch."""
    fn = tf.function(lambda x: {"upper": tf.linalg.band_part(x, 0, -1), "tri": tf.linalg.band_part(x, 1, 1)})
    model = convert_fn(fn, ([None, None, None], tf.float64))
    assert tflite_model.custom_op_counts(model) == {"MatrixBandPart": 2}
    x = rng.standard_normal((3, 5, 5))
    want = fn(x)
    for runtime in RUNTIMES:
        got = run_tflite(model, [x], runtime)
        for key in want:
            np.testing.assert_array_equal(got[key], want[key].numpy())


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_errors_as_tf(tf, runtime):
    fn, model = model_for(tf, np.float64, np.int64, rank=2)
    x = np.ones((3, 4))
    for lower, upper, text in [
        (4, 0, r"num_lower must be negative or less or equal to number of rows \(3\) got: 4"),
        (0, 5, r"num_upper must be negative or less or equal to number of columns \(4\) got: 5"),
    ]:
        lo, up = np.int64(lower), np.int64(upper)
        with pytest.raises(tf.errors.InvalidArgumentError, match=text):
            fn(x, lo, up)
        with pytest.raises(RuntimeError, match=f"MatrixBandPart.*{text}"):
            run_tflite(model, [x, lo, up], runtime)
