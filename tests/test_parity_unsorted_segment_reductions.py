"""UnsortedSegmentMax, UnsortedSegmentMin, UnsortedSegmentProd: TFLite kernels vs TF's own kernels.

The converter's builtins take float32/int32 only; every other dtype stays CUSTOM. Each output row
folds its data rows in input order from lowest() (max), highest() (min) or 1 (prod); negative ids
are dropped; empty segments keep the initial value.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

NAMES = ["max", "min", "prod"]
REAL = [np.float64, np.float16, np.int8, np.int16, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
# Negative ids (dropped), a repeated id far apart, and segments 1, 5 left empty.
IDS = np.array([0, 3, -1, 2, 3, 0, 4, -5, 6, 3, 2, 0], np.int64)
SEGMENTS = 7


def data_for(rng: np.random.Generator, dtype: type, shape: tuple[int, ...]) -> np.ndarray:
    if np.issubdtype(dtype, np.integer):
        low = 0 if np.issubdtype(dtype, np.unsignedinteger) else -100
        return rng.integers(low, 100, shape).astype(dtype)  # products overflow and wrap, as in TF
    x = rng.uniform(-2, 2, shape)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.uniform(-2, 2, shape)
    return x.astype(dtype)


def reductions(tf, names: list[str], segments: int = SEGMENTS):
    return lambda data, ids: {
        name: getattr(tf.math, f"unsorted_segment_{name}")(data, ids, segments) for name in names
    }


@pytest.mark.parametrize("index", [np.int32, np.int64], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("dtype", REAL, ids=lambda d: np.dtype(d).name)
def test_every_dtype(tf, rng, dtype, index):
    data = data_for(rng, dtype, (len(IDS), 3, 5))
    report = assert_parity(
        reductions(tf, NAMES), [data, IDS.astype(index)], rtol=0, atol=0, runtimes=RUNTIMES
    )
    assert tflite_model.custom_op_counts(report.model) == {
        "UnsortedSegmentMax": 1,
        "UnsortedSegmentMin": 1,
        "UnsortedSegmentProd": 1,
    }


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128], ids=lambda d: np.dtype(d).name)
def test_complex_prod(tf, rng, dtype):
    data = data_for(rng, dtype, (len(IDS), 4))
    assert_parity(reductions(tf, ["prod"]), [data, IDS.astype(np.int32)], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("cols", [1, 2, 3, 4, 5, 8, 9, 17], ids=lambda c: f"cols{c}")
@pytest.mark.parametrize("dtype", [np.float64, np.float16], ids=lambda d: np.dtype(d).name)
def test_nan_inf_and_signed_zeros_as_tf(tf, rng, dtype, cols):
    """TF folds std::max(data, out) (cwiseMax for rows, whose packets keep std::max's NaN rule):
    a NaN row replaces the accumulator and the next row replaces the NaN, whatever the width."""
    ids = rng.integers(-1, 6, 60).astype(np.int32)
    big = float(np.finfo(dtype).max)  # lowest()/highest(), TF's initial values
    pool = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.5, -1.5, big, -big], dtype)
    data = rng.choice(pool, (len(ids), cols))
    data[ids == 4] = np.nan  # a segment of NaNs only
    assert_parity(reductions(tf, NAMES), [data, ids], rtol=0, atol=0, runtimes=RUNTIMES)
    zeros = np.where(rng.uniform(size=data.shape) < 0.5, 0.0, -0.0).astype(dtype)
    model = convert_fn(reductions(tf, NAMES), (zeros.shape, tf.as_dtype(dtype)), (ids.shape, tf.int32))
    want = reductions(tf, NAMES)(zeros, ids)
    for runtime in RUNTIMES:
        got = run_tflite(model, [zeros, ids], runtime)
        for name in NAMES:
            np.testing.assert_array_equal(np.signbit(got[name]), np.signbit(want[name].numpy()), err_msg=name)


def test_products_in_input_order(tf, rng):
    ids = rng.integers(0, 3, 400).astype(np.int32)
    data = rng.uniform(0.5, 1.9, (400, 7))
    assert_parity(reductions(tf, ["prod"], 3), [data, ids], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("index", [np.int32, np.int64], ids=lambda d: np.dtype(d).name)
def test_two_dimensional_ids(tf, rng, index):
    ids = rng.integers(-2, 5, (4, 6)).astype(index)
    data = data_for(rng, np.float64, (4, 6, 3))
    assert_parity(reductions(tf, NAMES, 5), [data, ids], rtol=0, atol=0, runtimes=RUNTIMES)
    assert_parity(reductions(tf, NAMES, 5), [data[..., 0], ids], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_dynamic_shapes_and_int64_num_segments(tf, rng, runtime):
    def fn(data, ids, n):
        return {name: getattr(tf.math, f"unsorted_segment_{name}")(data, ids, n) for name in NAMES}

    model = convert_fn(fn, ((None, None), tf.float64), ((None,), tf.int32), ((), tf.int64))
    for rows, cols, n in ((5, 2, 3), (0, 3, 4), (4, 0, 2), (3, 1, 0), (7, 4, 9)):
        ids = rng.integers(-1, max(n, 1), rows).astype(np.int32) if n else np.full(rows, -1, np.int32)
        data = data_for(rng, np.float64, (rows, cols))
        got = run_tflite(model, [data, ids, np.int64(n)], runtime)
        for name, want in fn(data, ids, np.int64(n)).items():
            assert got[name].shape == tuple(want.shape), name
            np.testing.assert_array_equal(got[name], want.numpy(), err_msg=f"{name} {rows}x{cols} n={n}")


def test_threads_do_not_change_results(tf, rng):
    ids = rng.integers(-1, 300, 100_000).astype(np.int32)
    data = data_for(rng, np.float64, (len(ids), 4))
    data[::97] = np.nan
    model = convert_fn(reductions(tf, NAMES, 300), (data.shape, tf.float64), (ids.shape, tf.int32))
    one = run_tflite(model, [data, ids], num_threads=1)
    four = run_tflite(model, [data, ids], num_threads=4)
    want = reductions(tf, NAMES, 300)(data, ids)
    for name in NAMES:
        np.testing.assert_array_equal(one[name], four[name])
        np.testing.assert_array_equal(one[name], want[name].numpy())


def test_sum_takes_int16_ids(tf, rng):
    """UnsortedSegmentSum's Tindices includes int16 (TF's op and kernels; UnsortedSegmentMax/Min/
    Prod's op definitions do not, so no model holds them with int16 ids). The dtypes the converter
    leaves custom, ids dropped (negative), repeated and of rank 2, int32 and int64 num_segments,
    then TF's error for an id out of range and an empty data tensor."""
    dtypes = [np.float64, np.float16, ml_dtypes.bfloat16, np.int8, np.uint64]

    def fn(ids, n32, n64, *data):
        out = {}
        for i, x in enumerate(data):
            out[f"a{i}"] = tf.math.unsorted_segment_sum(x, ids, n32)
            out[f"b{i}"] = tf.math.unsorted_segment_sum(x, ids, n64)
        return out

    specs = [((None, 6), tf.int16), ((), tf.int32), ((), tf.int64)]
    model = convert_fn(fn, *specs, *[((None, 6, 2), tf.as_dtype(d)) for d in dtypes])
    assert tflite_model.custom_op_counts(model) == {"UnsortedSegmentSum": 2 * len(dtypes)}
    ids = np.array([[0, 3, -1, 2, 3, 0], [4, -5, 1, 3, 2, 0]], np.int16)
    for rows, segments in [(2, 6), (0, 2)]:
        data = [data_for(rng, d, (rows, 6, 2)) for d in dtypes]
        arrays = [ids[:rows], np.int32(segments), np.int64(segments), *data]
        want = {k: v.numpy() for k, v in fn(*arrays).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, arrays, runtime)
            for k, w in want.items():
                np.testing.assert_array_equal(
                    got[k].view(np.uint8), w.view(np.uint8), err_msg=f"{k} {runtime}"
                )
    sum16 = convert_fn(
        lambda x, i: tf.math.unsorted_segment_sum(x, i, 4), ((3,), tf.float64), ((3,), tf.int16)
    )
    message = r"segment_ids\[1\] = 4 is out of range \[0, 4\)"
    bad = [np.ones(3), np.array([0, 4, 1], np.int16)]
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        tf.math.unsorted_segment_sum(*bad, 4)
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError, match=f"UnsortedSegmentSum: {message}"):
            run_tflite(sum16, bad, runtime)
    with pytest.raises(tf.errors.InvalidArgumentError, match="'Tindices' of int16 is not in the list"):
        tf.math.unsorted_segment_max(np.ones(3), np.zeros(3, np.int16), 2)


@pytest.mark.parametrize("name", NAMES)
def test_out_of_range_ids_as_tf(tf, name):
    fn = getattr(tf.math, f"unsorted_segment_{name}")
    model = convert_fn(lambda d, i: fn(d, i, 3), ((2, 2), tf.float64), ((2, 2), tf.int32))
    data = np.ones((2, 2), np.float64)
    ids = np.array([[0, 1], [3, -1]], np.int32)
    message = r"segment_ids\[1,0\] = 3 is out of range \[0, 3\)"
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        fn(data, ids, 3)
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError, match=f"UnsortedSegment{name.capitalize()}: {message}"):
            run_tflite(model, [data, ids], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_empty_data_reads_no_id(tf, runtime):
    """TF returns the filled output before reading ids when data is empty: no range error."""
    fn = reductions(tf, NAMES, 2)
    model = convert_fn(fn, ((None, None), tf.float64), ((None,), tf.int32))
    data, ids = np.zeros((3, 0)), np.array([0, 7, 1], np.int32)
    got = run_tflite(model, [data, ids], runtime)
    for name, want in fn(data, ids).items():
        assert got[name].shape == tuple(want.shape) == (2, 0)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_bad_shapes_as_tf(tf, runtime):
    def model(data_shape, ids_shape, n_shape):
        return tflite_model.single_custom_op_model(
            "UnsortedSegmentMax",
            [("data", data_shape, np.float64), ("ids", ids_shape, np.int32), ("n", n_shape, np.int32)],
            [("out", [1], np.float64)],
        )

    cases = [
        (([3, 2], [2], []), r"data.shape = \[3, ?2\] does not start with segment_ids.shape = \[2\]"),
        (([3, 2], [3], [1]), r"num_segments should be a scalar, not shape \[1\]"),
        (([3, 2], [3], []), r"Input num_segments == -1 must not be negative."),
    ]
    for shapes, message in cases:
        inputs = [np.ones(shapes[0]), np.zeros(shapes[1], np.int32), np.full(shapes[2], -1, np.int32)]
        with pytest.raises(RuntimeError, match="UnsortedSegmentMax: " + message):
            run_tflite(model(*shapes), inputs, runtime)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"does not start with segment_ids\.shape"):
        tf.math.unsorted_segment_max(np.ones((3, 2)), np.zeros(2, np.int32), 2)
