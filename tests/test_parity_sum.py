"""Sum (tf.reduce_sum) where the converter leaves it custom (every dtype the builtin SUM lacks:
float64, as in inverse_stft's overlap-add on float64 spectrograms, half, bfloat16, complex64,
complex128, int8, int16, uint8, uint16, uint32): TFLite kernel vs TF's own kernel over axes
(negative, several, none, all), keep_dims, int32 and int64 axes fed at run time, empty tensors,
special values, integer wrap-around, and TF's errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

F64_RTOL = 1e-13  # TF sums in a tree of packets, ours compensated: a few ulps of the sums here
AXES = [0, -1, [0, 2], [1, -1], [0, 1, 2], 1]


@pytest.mark.parametrize("keep_dims", [False, True])
def test_float64_sums_dynamic_shapes(tf, rng, keep_dims):
    x = rng.standard_normal((4, 5, 300))

    def fn(v):
        return {f"s{i}": tf.reduce_sum(v, axis, keepdims=keep_dims) for i, axis in enumerate(AXES)}

    f = tf.function(fn, input_signature=[tf.TensorSpec([None, None, None], tf.float64, name="input_0")])
    report = assert_parity(f, [x], rtol=F64_RTOL, atol=F64_RTOL * 300, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"Sum": len(AXES)}


@pytest.mark.parametrize("axis_dtype", [np.int32, np.int64], ids=lambda d: np.dtype(d).name)
def test_axes_fed_at_run_time(tf, rng, axis_dtype):
    f = tf.function(
        lambda v, a: tf.reduce_sum(v, a),
        input_signature=[tf.TensorSpec([None, None, None], tf.float64), tf.TensorSpec([None], axis_dtype)],
    )
    model = convert_fn(
        lambda v, a: tf.reduce_sum(v, a), ([None, None, None], tf.float64), ([None], tf.as_dtype(axis_dtype))
    )
    assert tflite_model.custom_op_counts(model) == {"Sum": 1}
    x = rng.standard_normal((3, 4, 5))
    special = np.array([[[1e300, 1e300, -0.0], [np.inf, 1.0, np.nan], [-0.0, -0.0, 5e-324]]])
    cases = [
        (x, [2, 0]),
        (x, []),
        (x, [-2]),
        (np.zeros((0, 4, 2)), [0]),
        (np.zeros((3, 0, 2)), [2]),
        (special, [2]),
    ]
    for v, axes in cases:
        a = np.array(axes, axis_dtype)
        want = f(v, a).numpy()
        for runtime in RUNTIMES:
            (got,) = run_tflite(model, [v, a], runtime).values()
            assert got.shape == want.shape, (axes, got.shape, want.shape)
            np.testing.assert_allclose(got, want, rtol=F64_RTOL, atol=0, err_msg=f"{runtime} axes {axes}")


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_bad_axes_as_tf(tf, runtime):
    f = tf.function(
        lambda v, a: tf.reduce_sum(v, a),
        input_signature=[tf.TensorSpec([None, None], tf.float64), tf.TensorSpec([None], tf.int32)],
    )
    model = convert_fn(lambda v, a: tf.reduce_sum(v, a), ([None, None], tf.float64), ([None], tf.int32))
    x = np.ones((2, 3))
    for axes, text in (
        ([2], r"Invalid reduction dimension \(2 for input with 2 dimension\(s\)"),
        ([-3], r"Invalid reduction dimension \(-3 for input with 2 dimension\(s\)"),
        ([1, -1], "Axes contains duplicate dimension: 1"),
    ):
        a = np.array(axes, np.int32)
        with pytest.raises(tf.errors.InvalidArgumentError, match=text):
            f(x, a)
        with pytest.raises(RuntimeError, match="Sum: .*" + text):
            run_tflite(model, [x, a], runtime)


@pytest.mark.parametrize(
    "dtype", [np.int8, np.int16, np.uint8, np.uint16, np.uint32], ids=lambda d: np.dtype(d).name
)
def test_integer_sums_exact_with_wrap_around(tf, rng, dtype):
    """Integer sums wrap modulo 2^bits as TF's do: values near the type's limits, exact equality."""
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max, (5, 40, 3), endpoint=True).astype(dtype)

    def fn(v):
        return {f"s{i}": tf.reduce_sum(v, axis) for i, axis in enumerate([1, [0, 2], -1])}

    f = tf.function(
        fn, input_signature=[tf.TensorSpec([None, None, None], tf.as_dtype(dtype), name="input_0")]
    )
    report = assert_parity(f, [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"Sum": 3}


def exact_sum(x, axis):
    """The correctly rounded float64 / complex128 sum over `axis` (math.fsum per part)."""
    axes = [a % x.ndim for a in np.atleast_1d(axis)]
    kept = [d for d in range(x.ndim) if d not in axes]
    rows = np.transpose(x, kept + axes).reshape([x.shape[d] for d in kept] + [-1])
    flat = rows.reshape(-1, rows.shape[-1])
    re = np.array([math.fsum(r) for r in flat.real])
    out = re + 1j * np.array([math.fsum(r) for r in flat.imag]) if np.iscomplexobj(x) else re
    return out.reshape(rows.shape[:-1])


# Unit roundoff: a sum rounded once from a (much) wider accumulator is within it of the exact sum.
ROUNDOFF = {"float16": 2.0**-11, "bfloat16": 2.0**-8, "complex64": 2.0**-24, "complex128": 2.0**-53}


@pytest.mark.parametrize("dtype", list(ROUNDOFF))
def test_floating_sums_as_accurate_as_tf(tf, rng, dtype):
    """half, bfloat16, complex64, complex128: ours against the exact sum of the same (rounded)
    inputs is within TF's own error or one rounding, whichever is larger. (bfloat16 cannot be a
    model input: the model casts float32 in and out, exactly for bfloat16 values.)"""
    axes = [1, [0, 2], -1]
    shape = (6, 300, 5)
    if dtype.startswith("complex"):
        x = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
        spec_dtype = tf.as_dtype(dtype)
    else:
        x = rng.standard_normal(shape).astype(np.float32)
        x = tf.cast(tf.cast(x, dtype), tf.float32).numpy() if dtype == "bfloat16" else x.astype(np.float16)
        spec_dtype = tf.float32 if dtype == "bfloat16" else tf.float16

    def fn(v):
        if dtype == "bfloat16":
            b = tf.cast(v, tf.bfloat16)
            return [tf.cast(tf.reduce_sum(b, a), tf.float32) for a in axes]
        return [tf.reduce_sum(v, a) for a in axes]

    f = tf.function(fn, input_signature=[tf.TensorSpec([None, None, None], spec_dtype)])
    model = convert_fn(fn, ([None, None, None], spec_dtype))
    assert tflite_model.custom_op_counts(model) == {"Sum": len(axes)}
    want = [t.numpy() for t in f(x)]
    wide = x.astype(np.complex128 if dtype.startswith("complex") else np.float64)
    for runtime in RUNTIMES:
        got = run_tflite(model, [x], runtime)
        for i, axis in enumerate(axes):
            g, w = got[f"output_{i}"], want[i]
            assert g.shape == w.shape and g.dtype == w.dtype
            ref = exact_sum(wide, axis)
            scale = float(np.abs(ref).max())
            ours = float(np.abs(g.astype(ref.dtype) - ref).max()) / scale
            theirs = float(np.abs(w.astype(ref.dtype) - ref).max()) / scale
            assert ours <= max(theirs, ROUNDOFF[dtype]), (runtime, axis, ours, theirs)
