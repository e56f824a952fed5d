"""Cumprod: TFLite kernel vs TF's own kernel, every dtype, exclusive/reverse, axis (int32/int64), errors."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

INTS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
FLOATS = [np.float32, np.float64, np.float16]
COMPLEX = [np.complex64, np.complex128]
FLAGS = [(False, False), (True, False), (False, True), (True, True)]


def values(rng, dtype, shape) -> np.ndarray:
    if np.issubdtype(dtype, np.integer):
        low = 0 if np.issubdtype(dtype, np.unsignedinteger) else -9
        return rng.integers(low, 10, shape).astype(dtype)  # long scans overflow and wrap, as in TF
    x = rng.uniform(-1.6, 1.6, shape)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.uniform(-1, 1, shape)
    return x.astype(dtype)


def all_axes(tf, exclusive, reverse):
    def fn(x):
        return {
            f"axis_{a}": tf.math.cumprod(x, axis=a, exclusive=exclusive, reverse=reverse)
            for a in (0, 1, 2, -1, -3)
        }

    return fn


@pytest.mark.parametrize("exclusive,reverse", FLAGS, ids=str)
@pytest.mark.parametrize("dtype", FLOATS + INTS + COMPLEX, ids=lambda d: np.dtype(d).name)
def test_every_dtype_flag_and_axis(tf, rng, dtype, exclusive, reverse):
    """Float products are sequential in scan order as in TF's Eigen scan: bit-exact."""
    x = values(rng, dtype, (3, 17, 6))
    report = assert_parity(all_axes(tf, exclusive, reverse), [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"Cumprod": 5}


@pytest.mark.parametrize("axis_dtype", [np.int32, np.int64], ids=lambda d: np.dtype(d).name)
def test_axis_is_a_runtime_input(tf, rng, axis_dtype):
    """The axis may come from the graph: Tidx int32 or int64, every value of it at run time."""
    x = values(rng, np.float32, (4, 5, 3))
    fn = tf.function(
        lambda v, a: tf.math.cumprod(v, axis=a, exclusive=True),
        input_signature=[tf.TensorSpec(x.shape, tf.float32), tf.TensorSpec((), tf.as_dtype(axis_dtype))],
    )
    model = convert_fn(fn, (x.shape, tf.float32), ((), tf.as_dtype(axis_dtype)))
    assert tflite_model.custom_op_counts(model) == {"Cumprod": 1}
    for axis in (-3, -2, -1, 0, 1, 2):
        want = fn(x, axis_dtype(axis)).numpy()
        for runtime in RUNTIMES:
            (got,) = run_tflite(model, [x, axis_dtype(axis)], runtime).values()
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 4), (1,), (5,), (1, 1, 1)], ids=str)
def test_shapes(tf, rng, shape):
    x = values(rng, np.float32, shape)
    model = convert_fn(
        lambda v: tf.math.cumprod(v, axis=-1, reverse=True), ((None,) * len(shape), tf.float32)
    )
    for runtime in RUNTIMES:
        (out,) = run_tflite(model, [x], runtime).values()
        np.testing.assert_array_equal(out, tf.math.cumprod(x, axis=-1, reverse=True).numpy())


@pytest.mark.parametrize("exclusive,reverse", FLAGS, ids=str)
def test_special_values(tf, exclusive, reverse):
    """inf, NaN, signed zeros, overflow, and underflow below the normal range (TF flushes it to 0)."""
    x = np.array(
        [
            [2.0, np.inf, 0.0, 3.0],
            [1.0, np.nan, 2.0, 2.0],
            [-0.0, 5.0, -1.0, 1.0],
            [1e30, 1e30, 1e-30, 1e-10],
        ],
        np.float32,
    )
    assert_parity(all_axes(tf, exclusive, reverse), [x[None]], rtol=0, atol=0, runtimes=RUNTIMES)


def test_threads_do_not_change_results(tf, rng):
    """Work is split over (outer index, block of lanes); a scan never is."""
    for shape, axis in (((2, 3000, 700), 1), ((50, 4000), 1), ((4000, 3), 0)):
        x = values(rng, np.float32, shape)
        model = convert_fn(lambda v, a=axis: tf.math.cumprod(v, axis=a), (shape, tf.float32))
        (one,) = run_tflite(model, [x], num_threads=1).values()
        (four,) = run_tflite(model, [x], num_threads=4).values()
        np.testing.assert_array_equal(one, four)
        np.testing.assert_array_equal(one, tf.math.cumprod(x, axis=axis).numpy())


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_axis_out_of_range_as_tf(tf, runtime):
    fn = tf.function(
        lambda v, a: tf.math.cumprod(v, axis=a),
        input_signature=[tf.TensorSpec((2, 3), tf.float32), tf.TensorSpec((), tf.int32)],
    )
    model = convert_fn(fn, ((2, 3), tf.float32), ((), tf.int32))
    x = np.ones((2, 3), np.float32)
    for axis in (2, -3):
        with pytest.raises(tf.errors.InvalidArgumentError, match="Expected scan axis in the range"):
            fn(x, np.int32(axis))
        with pytest.raises(RuntimeError, match=rf"Cumprod: axis must be in the range \[-2, 2\).*got {axis}"):
            run_tflite(model, [x, np.int32(axis)], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_axis_must_be_a_scalar(runtime):
    model = tflite_model.single_custom_op_model(
        "Cumprod", [("x", [2, 3], np.float32), ("axis", [1], np.int32)], [("out", [2, 3], np.float32)]
    )
    with pytest.raises(RuntimeError, match=r"Cumprod: input 'axis' must have rank 0, got shape \[1\]"):
        run_tflite(model, [np.ones((2, 3), np.float32), np.zeros(1, np.int32)], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_scalar_input_has_no_axis_as_in_tf(tf, runtime):
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"range \[0, 0\)"):
        tf.raw_ops.Cumprod(x=np.float32(2), axis=0)
    model = tflite_model.single_custom_op_model(
        "Cumprod", [("x", [], np.float32), ("axis", [], np.int32)], [("out", [], np.float32)]
    )
    with pytest.raises(RuntimeError, match=r"Cumprod: axis must be in the range \[0, 0\)"):
        run_tflite(model, [np.float32(2), np.int32(0)], runtime)
