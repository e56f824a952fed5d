"""The non-string ops keras-hub's text preprocessors leave custom where TFLite's builtins lack the
dtype (issue 15): MatMul and BatchMatMulV2 on integers (GPT-2's cache key multiplies int64
fingerprint bytes by 256**k, wrapping around), UnsortedSegmentSum on every number type but
float32/int32, Equal/NotEqual on the integer and half types, TensorScatterUpdate on strings and
every other dtype. TFLite kernels vs TF's own, both runtimes, exact equality (integers wrap as in
TF; half sums round at each add as TF's do). One model per op, one node per dtype."""

from __future__ import annotations

from typing import Any

import numpy as np

from opbridge import tflite_model
from tf_op_parity import check, convert

I32, I64 = np.int32, np.int64


def test_integer_matmul(tf, rng):
    """MatMul int32/int64 with transposes; BatchMatMulV2 int16/int32/int64 with batch broadcasting
    and adj_x; GPT-2's byte-to-int64 key (bytes * 256**k, which wraps past 2**63)."""

    def fn(a64, b64, a32, b32, x16, y16, x64, y64, key):
        out = {}
        for t_a in (False, True):
            for t_b in (False, True):
                out[f"m64_{t_a}_{t_b}"] = tf.raw_ops.MatMul(a=a64, b=b64, transpose_a=t_a, transpose_b=t_b)
                out[f"m32_{t_a}_{t_b}"] = tf.raw_ops.MatMul(a=a32, b=b32, transpose_a=t_a, transpose_b=t_b)
        out["b16"] = tf.raw_ops.BatchMatMulV2(x=x16, y=y16)
        out["b64"] = tf.raw_ops.BatchMatMulV2(x=x64, y=y64, adj_x=True)
        powers = tf.constant([[256**k - (2**64 if 256**k >= 2**63 else 0)] for k in range(8)], tf.int64)
        out["key"] = tf.matmul(key, powers)
        return out

    specs = [([4, 4], I64), ([4, 4], I64), ([3, 3], I32), ([3, 3], I32)]
    specs += [
        ([2, 1, 3, 4], np.int16),
        ([3, 4, 2], np.int16),
        ([2, 5, 3], I64),
        ([1, 5, 4], I64),
        ([None, 8], I64),
    ]
    concrete, model = convert(tf, fn, specs)
    counts = tflite_model.custom_op_counts(model)
    assert counts.get("MatMul", 0) >= 9 and counts.get("BatchMatMulV2") == 2, counts
    big = np.iinfo(I64)
    a64 = rng.integers(big.min, big.max, (4, 4), dtype=I64, endpoint=True)
    b64 = rng.integers(big.min, big.max, (4, 4), dtype=I64, endpoint=True)
    a32 = rng.integers(-(2**31), 2**31, (3, 3)).astype(I32)
    b32 = rng.integers(-(2**31), 2**31, (3, 3)).astype(I32)
    x16 = rng.integers(-(2**15), 2**15, (2, 1, 3, 4)).astype(np.int16)
    y16 = rng.integers(-(2**15), 2**15, (3, 4, 2)).astype(np.int16)
    x64 = rng.integers(-1000, 1000, (2, 5, 3)).astype(I64)
    y64 = rng.integers(-(2**40), 2**40, (1, 5, 4)).astype(I64)
    key = rng.integers(0, 256, (5, 8)).astype(I64)
    check(tf, concrete, model, [a64, b64, a32, b32, x16, y16, x64, y64, key], "MatMul")


SEGMENT_DTYPES = [
    np.float64,
    np.float16,
    np.int8,
    np.int16,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
    np.complex64,
    np.complex128,
]


def numbers(rng: np.random.Generator, dtype: Any, shape: tuple[int, ...]) -> np.ndarray:
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)
    x = rng.standard_normal(shape) * 100
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def test_unsorted_segment_sum(tf, rng):
    """Every number type the builtin lacks; ids int32 with int32 num_segments and int64 with
    int64; negative ids dropped, empty segments zero, repeated ids summed in order (integers
    wrap); TF's errors (an id >= num_segments, a negative num_segments)."""
    n = len(SEGMENT_DTYPES)

    def fn(ids32, n32, ids64, n64, *data):
        out = {}
        for i in range(n):
            out[f"a{i}"] = tf.math.unsorted_segment_sum(data[i], ids32, n32)
            out[f"b{i}"] = tf.math.unsorted_segment_sum(data[i], ids64, n64)
        return out

    specs = [([None], I32), ([], I32), ([None], I64), ([], I64)] + [([None, 3], d) for d in SEGMENT_DTYPES]
    concrete, model = convert(tf, fn, specs)
    assert tflite_model.custom_op_counts(model) == {"UnsortedSegmentSum": 2 * n}
    for ids, segments in [
        ([0, 2, 0, -1, 2, 2, 4], 5),
        ([3, 3, 3, 3, 3, 3, 3], 4),
        ([-1, -2, -1, -1, -5, -1, -1], 2),
        ([0, 1, 9, 0, 0, 0, 0], 3),  # TF's error: 9 out of range
        ([0, 1, 2, 0, 0, 0, 0], -1),  # TF's error: negative num_segments
    ]:
        data = [numbers(rng, d, (7, 3)) for d in SEGMENT_DTYPES]
        arrays = [np.array(ids, I32), I32(segments), np.array(ids, I64), I64(segments), *data]
        check(tf, concrete, model, arrays, "UnsortedSegmentSum")


def test_unsorted_segment_sum_matrix_ids(tf, rng):
    """segment_ids of rank 2 over data [2, 3, 2] (a prefix of its shape), int64 data."""

    def fn(data, ids):
        return {"out": tf.math.unsorted_segment_sum(data, ids, 4)}

    concrete, model = convert(tf, fn, [([2, 3, 2], I64), ([2, 3], I32)])
    assert tflite_model.custom_op_counts(model) == {"UnsortedSegmentSum": 1}
    for ids in ([[0, 3, 3], [-1, 0, 1]], [[1, 1, 1], [1, 1, 1]], [[0, 0, 0], [0, 4, 0]]):
        check(tf, concrete, model, [numbers(rng, I64, (2, 3, 2)), np.array(ids, I32)], "UnsortedSegmentSum")


# uint8 is left out: the converter keeps Equal on uint8 a builtin, and TFLite's EQUAL kernel
# aborts the process on a broadcast uint8 pair without quantization params (measured).
COMPARE_DTYPES = [np.float16, np.int8, np.int16, np.uint16, np.uint32, np.uint64]


def test_equal_not_equal(tf, rng):
    """Equal and NotEqual on the types the converter leaves custom, with broadcasting; half with
    NaN and signed zeros."""

    def fn(*args):
        out = {}
        for i in range(len(COMPARE_DTYPES)):
            x, y = args[2 * i], args[2 * i + 1]
            out[f"eq{i}"] = tf.math.equal(x, y)
            out[f"ne{i}"] = tf.math.not_equal(x, y)
        return out

    specs = [s for d in COMPARE_DTYPES for s in (([3, 4], d), ([4], d))]
    concrete, model = convert(tf, fn, specs)
    counts = tflite_model.custom_op_counts(model)
    # Measured: builtins take Equal on int16; the rest is ours.
    assert counts == {"Equal": 5, "NotEqual": 6}, counts
    arrays = []
    for d in COMPARE_DTYPES:
        x = numbers(rng, d, (3, 4)) % 3 if d != np.float16 else np.array([[0, -0.0, np.nan, 1]] * 3, d)
        y = numbers(rng, d, (4,)) % 3 if d != np.float16 else np.array([0, 0, np.nan, 1], d)
        arrays += [x.astype(d), y.astype(d)]
    check(tf, concrete, model, arrays, "Equal")


SCATTER_DTYPES = [
    object,
    np.float64,
    np.float16,
    np.int8,
    np.uint8,
    np.int16,
    np.uint16,
    np.uint32,
    np.uint64,
    np.complex64,
    np.complex128,
]


def test_tensor_scatter_update(tf, rng):
    """Strings (GPT-2's BPE merge loop) and every dtype the builtins lack: slices of [4, 2]
    updated by int32 and int64 indices, a repeated index (the last wins), TF's bad-index error."""
    n = len(SCATTER_DTYPES)

    def fn(idx32, idx64, *args):
        out = {}
        for i in range(n):
            out[f"a{i}"] = tf.tensor_scatter_nd_update(args[2 * i], idx32, args[2 * i + 1])
            out[f"b{i}"] = tf.tensor_scatter_nd_update(args[2 * i], idx64, args[2 * i + 1])
        return out

    dtypes = [tf.string if d is object else d for d in SCATTER_DTYPES]
    specs = [([None, 1], I32), ([None, 1], I64)] + [s for d in dtypes for s in (([4, 2], d), ([None, 2], d))]
    concrete, model = convert(tf, fn, specs)
    assert tflite_model.custom_op_counts(model) == {"TensorScatterUpdate": 2 * n}

    def values(d: Any, shape: tuple[int, ...]) -> np.ndarray:
        if d is object:
            count = int(np.prod(shape))
            return np.array(
                [f"t{rng.integers(100)}".encode() * int(rng.integers(3)) for _ in range(count)], object
            ).reshape(shape)
        return numbers(rng, d, shape)

    for idx in ([[2], [0], [2]], [[3]], [[1], [4]]):
        arrays = [np.array(idx, I32), np.array(idx, I64)]
        for d in SCATTER_DTYPES:
            arrays += [values(d, (4, 2)), values(d, (len(idx), 2))]
        check(tf, concrete, model, arrays, "TensorScatterUpdate")
