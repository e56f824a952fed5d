"""DenseBincount (tf.math.bincount): TFLite kernel vs TF's own kernel.

tf.math.bincount computes `size` from minlength, maxlength and max(arr) + 1 with
builtin ops; the custom op gets it as a run-time input, so its output is dynamic.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

WEIGHT_DTYPES = [np.float32, np.float64, np.int32, np.int64]
INDEX_DTYPES = [np.int32, np.int64]


def weights_for(rng, dtype, shape):
    if np.issubdtype(dtype, np.integer):
        return rng.integers(-3, 6, shape).astype(dtype)
    return rng.uniform(-1, 2, shape).astype(dtype)


def dtype_id(dtype) -> str:
    return np.dtype(dtype).name


@pytest.mark.parametrize("index", INDEX_DTYPES, ids=dtype_id)
@pytest.mark.parametrize("dtype", WEIGHT_DTYPES, ids=dtype_id)
def test_weights_binary_output_and_lengths(tf, rng, dtype, index):
    """1-D and 2-D (axis=-1), weighted and not, binary_output, minlength/maxlength, in one model."""
    arr = rng.integers(0, 12, (5, 40)).astype(index)
    w = weights_for(rng, dtype, arr.shape)

    def fn(a, weights):
        bincount = tf.math.bincount
        return {
            "flat": bincount(a, weights=weights),
            "flat_min": bincount(a, weights=weights, minlength=20),
            "flat_max": bincount(a, weights=weights, maxlength=5),
            "flat_counts": bincount(a, minlength=3, dtype=dtype),
            "flat_binary": bincount(a, minlength=2, maxlength=9, binary_output=True, dtype=dtype),
            "rows": bincount(a, weights=weights, axis=-1),
            "rows_min": bincount(a, weights=weights, axis=-1, minlength=15),
            "rows_counts": bincount(a, axis=-1, maxlength=7, dtype=dtype),
            "rows_binary": bincount(a, axis=-1, binary_output=True, dtype=dtype),
        }

    # Float sums of a few weights: TF's per-thread partial sums and our input-order sums may
    # round differently in the last bit (docs/ops/dense_bincount.md).
    rtol = {np.float32: 1e-6, np.float64: 1e-14}.get(dtype, 0)
    report = assert_parity(fn, [arr, w], rtol=rtol, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"DenseBincount": 9}


def test_raw_op_with_every_attr(tf, rng):
    """The op itself: sizes below, at and above the values, 0-d input, weights NaN."""
    arr = np.array([1, 2, 2, 5, 0, 7], np.int32)
    w = np.array([0.5, np.nan, 1.0, 2.0, -1.0, 3.0], np.float32)

    def fn(a, weights, size):
        raw = tf.raw_ops.DenseBincount
        return {
            "weighted": raw(input=a, size=size, weights=weights, binary_output=False),
            "binary": raw(input=a, size=size, weights=weights, binary_output=True),
            "counts": raw(input=a, size=size, weights=tf.zeros([0], tf.float32), binary_output=False),
            "scalar": raw(input=a[3], size=size, weights=tf.zeros([0], tf.float32), binary_output=False),
        }

    model = convert_fn(fn, ((None,), tf.int32), ((None,), tf.float32), ((), tf.int32))
    for size in (0, 1, 3, 6, 8, 20):
        want = {k: v.numpy() for k, v in fn(arr, w, np.int32(size)).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, [arr, w, np.int32(size)], runtime)
            for name in want:
                np.testing.assert_array_equal(got[name], want[name], err_msg=f"{name} size={size} {runtime}")


@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 4)], ids=str)
def test_empty_input(tf, shape):
    model = convert_fn(
        lambda a: tf.math.bincount(a, minlength=4, axis=None if len(shape) == 1 else -1),
        ((None,) * len(shape), tf.int32),
    )
    arr = np.zeros(shape, np.int32)
    want = tf.math.bincount(arr, minlength=4, axis=None if len(shape) == 1 else -1).numpy()
    for runtime in RUNTIMES:
        (got,) = run_tflite(model, [arr], runtime).values()
        np.testing.assert_array_equal(got, want)


def test_threads_do_not_change_results(tf, rng):
    """Large 1-D inputs are counted in fixed chunks, in parallel; the chunks, and so the float
    sums, depend on the input only. TF's own sums depend on its thread pool."""
    arr = rng.integers(0, 1000, 300_000).astype(np.int32)
    w = rng.uniform(0, 1, arr.shape).astype(np.float32)
    model = convert_fn(
        lambda a, b: {
            "sum": tf.math.bincount(a, weights=b),
            "binary": tf.math.bincount(a, binary_output=True),
        },
        (arr.shape, tf.int32),
        (w.shape, tf.float32),
    )
    one = run_tflite(model, [arr, w], num_threads=1)
    four = run_tflite(model, [arr, w], num_threads=4)
    for name in one:
        np.testing.assert_array_equal(one[name], four[name])
    np.testing.assert_allclose(one["sum"], tf.math.bincount(arr, weights=w).numpy(), rtol=1e-5)
    np.testing.assert_array_equal(one["binary"], tf.math.bincount(arr, binary_output=True).numpy())


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_errors_as_tf(tf, runtime):
    raw = tf.raw_ops.DenseBincount

    def fn(a, weights, size):
        return raw(input=a, size=size, weights=weights, binary_output=False)

    model = convert_fn(fn, (None, tf.int32), (None, tf.float32), (None, tf.int32))
    none = np.zeros(0, np.float32)
    cases = [
        ((np.array([1, -2, 2]), none, 4), r"Input arr must be non-negative!"),
        (
            (np.array([[1, -2], [2, 2]]), none, 4),
            r"Input 'in' must be non-negative! Negative input value found: -2",
        ),
        ((np.array([1, 2]), none, -1), r"size \(-1\) must be non-negative"),
        (
            (np.array([1, 2]), none, np.array([3])),
            r"Shape must be rank 0 but is rank 1|input 'size' must have rank 0",
        ),
        ((np.array([1, 2, 2]), np.ones(2, np.float32), 4), r"`weights` must be the same shape as `arr`"),
        (
            (np.array([[1, 2], [2, 2]]), np.ones(4, np.float32), 4),
            r"`weights` must be the same shape as `arr`",
        ),
        ((np.ones((1, 1, 2)), none, 4), r"Shape must be at most rank 2 but is rank 3"),
    ]
    for (a, w, size), message in cases:
        a, size = np.asarray(a, np.int32), np.asarray(size, np.int32)
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            fn(a, w, size)
        with pytest.raises(RuntimeError, match=f"DenseBincount: (?:{message})"):
            run_tflite(model, [a, w, size], runtime)
