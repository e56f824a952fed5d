"""LowerBound and UpperBound (tf.searchsorted, side 'left'/'right', out_type int32/int64):
TFLite kernels vs TF's own kernels."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

BF16 = ml_dtypes.bfloat16
DTYPES = [np.float32, np.float64, np.float16, BF16, np.int8, np.int16, np.int32, np.int64]
DTYPES += [np.uint8, np.uint16, np.uint32, np.uint64]


def both_sides(tf, out_type):
    return lambda s, v: {
        side: tf.searchsorted(s, v, side=side, out_type=tf.as_dtype(out_type)) for side in ("left", "right")
    }


@pytest.mark.parametrize("out_type", [np.int32, np.int64], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_every_dtype(tf, rng, dtype, out_type):
    """Rows with repeats; values below, between, equal to and above them."""
    sorted_ = np.sort(rng.integers(0, 30, (4, 25)), axis=1).astype(dtype)
    values = rng.integers(0, 33, (4, 40)).astype(dtype)
    report = assert_parity(both_sides(tf, out_type), [sorted_, values], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"LowerBound": 1, "UpperBound": 1}


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, BF16], ids=lambda d: np.dtype(d).name)
def test_special_values(tf, dtype):
    """NaN, infinities, signed zeros and subnormals (TF compares with subnormals flushed to zero;
    half and bfloat16 compare as floats, where a half subnormal is a normal number and a bfloat16
    one a subnormal); an unsorted row gives whatever the binary search finds, as in TF."""
    tiny = ml_dtypes.finfo(dtype).smallest_subnormal
    sorted_ = np.array(
        [
            [-np.inf, -1.0, -0.0, 0.0, tiny, 1.0, np.inf, np.nan],
            [3.0, 1.0, 2.0, -5.0, 0.5, 9.0, 0.0, 1.0],  # not sorted
        ],
        dtype,
    )
    values = np.array([[-np.inf, -0.0, 0.0, tiny, 1.0, np.inf, np.nan, 2.0, -7.0]] * 2, dtype)
    assert_parity(both_sides(tf, np.int32), [sorted_, values], rtol=0, atol=0, runtimes=RUNTIMES)


def test_every_bfloat16_value(tf, rng):
    """All 65536 bfloat16 values searched in a row with infinities, signed zeros, subnormals
    (equal to zero under TF's denormals-are-zero), the smallest normal and NaN."""
    edges = [-np.inf, -3e38, -1.0, -1e-39, -0.0, 0.0, 1e-39, 2e-39, 1.2e-38, 1.0, 3e38, np.inf, np.nan]
    sorted_ = np.sort(np.concatenate([edges, rng.standard_normal(51) * 100])).astype(BF16)[None]
    values = np.arange(1 << 16, dtype=np.uint16).view(BF16)[None]
    assert_parity(both_sides(tf, np.int32), [sorted_, values], rtol=0, atol=0, runtimes=RUNTIMES)


def test_nd_inputs_go_through_reshapes(tf, rng):
    """tf.searchsorted reshapes N-D inputs to [batch, n]; 1-D sequences become one row."""
    sorted_ = np.sort(rng.uniform(0, 1, (2, 3, 16)), axis=-1).astype(np.float32)
    values = rng.uniform(0, 1, (2, 3, 5)).astype(np.float32)
    assert_parity(both_sides(tf, np.int32), [sorted_, values], rtol=0, atol=0, runtimes=RUNTIMES)
    assert_parity(both_sides(tf, np.int64), [sorted_[0, 0], values[0, 0]], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("dtype", [np.float32, BF16], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shapes", [((2, 0), (2, 3)), ((2, 3), (2, 0)), ((0, 3), (0, 2))], ids=str)
def test_empty(tf, rng, shapes, dtype):
    spec = ((None, None), tf.as_dtype(dtype))
    model = convert_fn(both_sides(tf, np.int64), spec, spec)
    s, v = (rng.uniform(0, 1, shape).astype(dtype) for shape in shapes)
    want = both_sides(tf, np.int64)(s, v)
    for runtime in RUNTIMES:
        got = run_tflite(model, [s, v], runtime)
        for side in ("left", "right"):
            np.testing.assert_array_equal(got[side], want[side].numpy())


def test_threads_do_not_change_results(tf, rng):
    sorted_ = np.sort(rng.uniform(0, 1, (8, 10_000)), axis=1).astype(np.float32)
    values = rng.uniform(0, 1, (8, 20_000)).astype(np.float32)
    model = convert_fn(both_sides(tf, np.int32), (sorted_.shape, tf.float32), (values.shape, tf.float32))
    one = run_tflite(model, [sorted_, values], num_threads=1)
    four = run_tflite(model, [sorted_, values], num_threads=4)
    want = both_sides(tf, np.int32)(sorted_, values)
    for side in one:
        np.testing.assert_array_equal(one[side], four[side])
        np.testing.assert_array_equal(one[side], want[side].numpy())


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("op", ["LowerBound", "UpperBound"])
def test_bad_shapes_as_tf(tf, op, runtime):
    raw = getattr(tf.raw_ops, op)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Leading dim_size of both tensors must match"):
        raw(sorted_inputs=np.zeros((2, 3), np.float32), values=np.zeros((3, 3), np.float32))
    cases = [
        (([2, 3], [3, 3]), r"dim 0 of input 'sorted_inputs' \[2, 3\] must equal dim 0 of input 'values'"),
        (([3], [1, 3]), r"input 'sorted_inputs' must have rank 2, got shape \[3\]"),
        (([1, 3], [3]), r"input 'values' must have rank 2, got shape \[3\]"),
    ]
    for (s_shape, v_shape), message in cases:
        model = tflite_model.single_custom_op_model(
            op, [("s", s_shape, np.float32), ("v", v_shape, np.float32)], [("out", v_shape, np.int32)]
        )
        with pytest.raises(RuntimeError, match=f"{op}: {message}"):
            run_tflite(model, [np.zeros(s_shape, np.float32), np.zeros(v_shape, np.float32)], runtime)
