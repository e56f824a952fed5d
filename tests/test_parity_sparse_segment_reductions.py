"""SparseSegmentSum/Mean/SqrtN and their *WithNumSegments forms: TFLite kernels vs TF's kernels.

The converter leaves all six CUSTOM (float32 and int32 too). Each segment is summed in TF's
unrolled order (a first group of n % 8 rows, then groups of 8), mean and sqrt_n scaled as TF
does (a reciprocal for fewer than 10 rows, a division otherwise); bfloat16 sums in float. Exact.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite

REAL = [
    np.float64,
    np.float32,
    np.float16,
    ml_dtypes.bfloat16,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
]
FLOATS = [np.float64, np.float32, np.float16, ml_dtypes.bfloat16]
NAMES = {"sum": "SparseSegmentSum", "mean": "SparseSegmentMean", "sqrt_n": "SparseSegmentSqrtN"}
# Segments of 1..20 rows (every n % 8, and both sides of 10), gaps (ids 1, 5, 9 unused), indices
# repeated and in any order.
LENGTHS = {0: 3, 2: 1, 3: 2, 4: 9, 6: 10, 7: 8, 8: 17, 10: 20, 11: 4, 12: 5, 13: 6, 14: 7, 15: 16}
IDS = np.repeat(list(LENGTHS), list(LENGTHS.values()))


def data_for(rng, dtype, shape):
    if np.issubdtype(np.dtype(dtype), np.integer):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, shape, dtype=np.int64 if info.min < 0 else np.uint64).astype(
            dtype
        )
    return rng.uniform(-3, 3, shape).astype(dtype)


def reductions(tf, names, num_segments=None):
    def fn(data, indices, ids):
        if num_segments is None:
            return {n: getattr(tf.sparse, f"segment_{n}")(data, indices, ids) for n in names}
        return {n: getattr(tf.sparse, f"segment_{n}")(data, indices, ids, num_segments) for n in names}

    return fn


def check(tf, fn, inputs, ops=None):
    model = convert_fn(fn, *[(x.shape, tf.as_dtype(x.dtype)) for x in inputs])
    if ops is not None:
        assert tflite_model.custom_op_counts(model) == ops
    want = fn(*inputs)
    for runtime in RUNTIMES:
        got = run_tflite(model, inputs, runtime)
        for name, w in want.items():
            e = w.numpy()
            assert got[name].shape == e.shape and got[name].tobytes() == e.tobytes(), f"{runtime} {name}"


@pytest.mark.parametrize("index", [np.int32, np.int64], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("dtype", REAL, ids=lambda d: np.dtype(d).name)
def test_sum_every_dtype(tf, rng, dtype, index):
    data = data_for(rng, dtype, (30, 3, 5))
    indices = rng.integers(0, 30, len(IDS)).astype(index)
    names = list(NAMES) if dtype in FLOATS else ["sum"]
    check(tf, reductions(tf, names), [data, indices, IDS.astype(index)], {NAMES[n]: 1 for n in names})


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
def test_with_num_segments(tf, rng, dtype):
    data = data_for(rng, dtype, (30, 9))
    indices = rng.integers(0, 30, len(IDS)).astype(np.int32)
    ops = {NAMES[n] + "WithNumSegments": 1 for n in NAMES}
    check(tf, reductions(tf, list(NAMES), 19), [data, indices, IDS.astype(np.int64)], ops)


def test_long_segments_nan_and_inf(tf, rng):
    data = rng.uniform(-1e3, 1e3, (500, 7))
    data[3, 0], data[7, 1], data[11, 2] = np.nan, np.inf, -np.inf
    ids = np.sort(rng.integers(0, 6, 2000)).astype(np.int32)
    indices = rng.integers(0, 500, 2000).astype(np.int32)
    check(tf, reductions(tf, list(NAMES)), [data, indices, ids])
    check(tf, reductions(tf, list(NAMES)), [data.astype(np.float32), indices, ids])


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_open_shapes_and_empty_inputs(tf, rng, runtime):
    def fn(data, indices, ids, n):
        out = {name: getattr(tf.sparse, f"segment_{name}")(data, indices, ids) for name in NAMES}
        out.update(
            {f"{name}_n": getattr(tf.sparse, f"segment_{name}")(data, indices, ids, n) for name in NAMES}
        )
        return out

    model = convert_fn(
        fn, ((None, None), tf.float64), ((None,), tf.int32), ((None,), tf.int32), ((), tf.int64)
    )
    for rows, cols, count, n in ((6, 2, 11, 8), (0, 3, 0, 4), (5, 0, 3, 3), (4, 2, 0, 0), (4, 3, 1, 1)):
        data = data_for(rng, np.float64, (rows, cols))
        ids = np.sort(rng.integers(0, max(n, 1), count)).astype(np.int32)
        indices = rng.integers(0, max(rows, 1), count).astype(np.int32)
        got = run_tflite(model, [data, indices, ids, np.int64(n)], runtime)
        for name, want in fn(data, indices, ids, np.int64(n)).items():
            assert got[name].shape == tuple(want.shape), name
            assert got[name].tobytes() == want.numpy().tobytes(), f"{name} {rows}x{cols} {count} n={n}"


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_errors_as_tf(tf, runtime):
    fn = lambda d, i, s: tf.sparse.segment_sum(d, i, s)  # noqa: E731
    fn_n = lambda d, i, s: tf.sparse.segment_mean(d, i, s, 3)  # noqa: E731
    data = np.ones((4, 2))
    cases = [  # (fn, op, indices, ids, message)
        (fn, "SparseSegmentSum", [0, 1, 7], [0, 0, 1], r"Bad: indices\[2\] == 7 out of range \[0, 4\)"),
        (fn, "SparseSegmentSum", [0, -1, 2], [0, 1, 1], r"Bad: indices\[1\] == -1 out of range \[0, 4\)"),
        (fn, "SparseSegmentSum", [0, 1, 2], [1, 0, 1], "segment ids are not increasing"),
        (
            fn,
            "SparseSegmentSum",
            [0, 1, 2],
            [-1, 0, 1],
            r"Segment id -1 out of range \[0, 2\), possibly because",
        ),
        (fn, "SparseSegmentSum", [0, 1, 2], [0, 1, -1], "segment ids must be >= 0"),
        (
            fn_n,
            "SparseSegmentMeanWithNumSegments",
            [0, 1, 2],
            [0, 1, 3],
            "segment ids must be < num_segments",
        ),
        (fn, "SparseSegmentSum", [0, 1], [0, 1, 1], "segment_ids and indices should have same size"),
    ]
    for f, op, indices, ids, message in cases:
        i, s = np.array(indices, np.int32), np.array(ids, np.int32)
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            f(data, i, s)
        model = convert_fn(f, ((4, 2), tf.float64), ((None,), tf.int32), ((None,), tf.int32))
        with pytest.raises(RuntimeError, match=f"{op}: {message}"):
            run_tflite(model, [data, i, s], runtime)
