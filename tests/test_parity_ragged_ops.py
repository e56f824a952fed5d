"""RaggedRange and RaggedGather (tf.ragged.range, tf.gather on a RaggedTensor; keras-hub's
StartEndPacker and MultiSegmentPacker emit both): the TFLite kernels vs TF's own, both runtimes.

One model per family: every dtype pair is a node of the same model, every input of the raw op a
model input, so one conversion runs many cases (resized inputs). Covered: RaggedRange for T in
{int32, int64, float, double} x Tsplits {int32, int64}, scalar broadcasting, empty and reversed
ranges, fractional float steps (TF accumulates value += delta), int64 extremes, and TF's errors
(delta 0, shapes differing, a size past int64); RaggedGather for values of every fixed-size dtype
and string, int32/int64 indices and splits, indices of rank 0-2, ragged_rank 1 and 2, inner value
dims, splits not starting at 0, repeated and empty rows, and TF's errors (indices out of range,
bad splits). Results are compared exactly (the ops only count and move values)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from opbridge import tflite_model
from opbridge.conversion import missing_ops
from tf_op_parity import check, convert

I32, I64, F32 = np.int32, np.int64, np.float32


RANGE_TYPES = [I32, I64, np.float32, np.float64]


def test_ragged_range(tf):
    """Every (T, Tsplits) pair, vector inputs; one model, many cases."""

    def fn(*args):
        out = {}
        for i in range(len(RANGE_TYPES)):
            for tsplits in (tf.int32, tf.int64):
                splits, values = tf.raw_ops.RaggedRange(
                    starts=args[3 * i], limits=args[3 * i + 1], deltas=args[3 * i + 2], Tsplits=tsplits
                )
                out[f"s_{i}_{tsplits.name}"] = splits
                out[f"v_{i}_{tsplits.name}"] = values
        return out

    concrete, model = convert(tf, fn, [([None], d) for d in RANGE_TYPES for _ in range(3)])
    assert tflite_model.custom_op_counts(model) == {"RaggedRange": 8}
    cases = [
        ([0, 5, 8, 5], [8, 7, 8, 1], [2, 1, 1, -1]),
        ([3, -2], [-4, 9], [-3, 4]),  # negative steps and starts
        ([1], [1], [5]),  # empty range: one row, no values
        ([0, 10], [7, 0], [3, 1]),  # a reversed range is empty
    ]
    for starts, limits, deltas in cases:
        arrays = [np.array(v, d) for d in RANGE_TYPES for v in (starts, limits, deltas)]
        check(tf, concrete, model, arrays, "RaggedRange")
    # Fractional float steps: TF accumulates value += delta (float rounding shows).
    floats = [np.array([0.1, -1.5]), np.array([2.35, 1.0]), np.array([0.1, 0.3])]
    arrays = []
    for d in RANGE_TYPES:
        arrays += (
            [np.array([0, -1], d), np.array([3, 2], d), np.array([1, 1], d)]
            if d in (I32, I64)
            else [f.astype(d) for f in floats]
        )
    check(tf, concrete, model, arrays, "RaggedRange")
    # TF's errors: a zero delta; rows differing in length.
    for bad in ([np.array([0], d), np.array([3], d), np.array([0], d)] for d in RANGE_TYPES):
        arrays = [a for d in RANGE_TYPES for a in ([np.array([0], d), np.array([3], d), np.array([1], d)])]
        arrays[:3] = bad
        check(tf, concrete, model, arrays, "RaggedRange")
        break
    arrays = [np.array(v, d) for d in RANGE_TYPES for v in ([0, 1], [3], [1, 1])]
    check(tf, concrete, model, arrays, "RaggedRange")


def test_ragged_range_broadcast_and_extremes(tf):
    """Scalar starts/deltas broadcast over vector limits (what tf.ragged.range(n) emits); int64
    extremes: a full-width range's size, and TF's error past int64."""

    def fn(start, limits, delta, a, b, c, fs, fl):
        s1, v1 = tf.raw_ops.RaggedRange(starts=start, limits=limits, deltas=delta)
        s2, v2 = tf.raw_ops.RaggedRange(starts=a, limits=b, deltas=c, Tsplits=tf.int32)
        s3, v3 = tf.raw_ops.RaggedRange(starts=fs, limits=fl, deltas=tf.constant(1.0), Tsplits=tf.int32)
        return {"s1": s1, "v1": v1, "s2": s2, "v2": v2, "s3": s3, "v3": v3}

    specs = [
        ([], I32),
        ([None], I32),
        ([], I32),
        ([], I64),
        ([], I64),
        ([], I64),
        ([None], F32),
        ([None], F32),
    ]
    concrete, model = convert(tf, fn, specs)
    assert tflite_model.custom_op_counts(model) == {"RaggedRange": 3}
    big = np.iinfo(I64)
    fine = ([0.5, 2], [3, 2.5])
    for start, limits, delta, a, b, c, (fs, fl) in [
        (0, [3, 0, 2], 1, 0, 4, 2, fine),
        (7, [0, 10], -2, big.max - 3, big.max, 2, fine),
        (-(2**31), [2**31 - 1 - 4], 2**31 - 1, big.min, big.min + 5, 1, fine),
        (0, [3], 1, -(2**31), 2**31 - 1, 2**30, fine),  # near int32's limits, in int64
        # TF's errors: a row larger than Tsplits can count; a float size that rounds up to 2**31
        # ("Requires size >= 0"); rows whose total passes int32.
        (0, [3], 1, 0, 2**40, 2**9, fine),
        (0, [3], 1, 0, 4, 2, ([0], [2**31 - 1])),
        (0, [3], 1, 0, 4, 2, ([0, 0], [2e9, 2e9])),
        (0, [3], 1, 0, 4, 2, ([0], [np.nan])),
    ]:
        arrays = [I32(start), np.array(limits, I32), I32(delta), I64(a), I64(b), I64(c)]
        arrays += [np.array(fs, F32), np.array(fl, F32)]
        check(tf, concrete, model, arrays, "RaggedRange")


def test_ragged_range_int64_extremes(tf):
    """int64 ranges spanning the whole type: sizes computed exactly, TF's error past int64."""

    def fn(a, b, c):
        s, v = tf.raw_ops.RaggedRange(starts=a, limits=b, deltas=c)
        return {"s": s, "v": v}

    concrete, model = convert(tf, fn, [([None], I64), ([None], I64), ([None], I64)])
    big = np.iinfo(I64)
    for a, b, c in [
        ([big.min, big.max - 3], [big.max, big.max], [2**62, 2]),  # |limit - start| = 2**64 - 1
        ([big.min], [big.max], [1]),  # 2**64 - 1 values: TF's error
        ([5 * 10**18], [-5 * 10**18], [-1]),
    ]:
        check(tf, concrete, model, [np.array(a, I64), np.array(b, I64), np.array(c, I64)], "RaggedRange")


GATHER_DTYPES = [
    np.float32,
    np.float64,
    np.float16,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
    np.bool_,
    np.complex64,
    np.complex128,
    object,  # string
]


def gather_values(dtype: Any, n: int, inner: tuple[int, ...] = ()) -> np.ndarray:
    size = n * int(np.prod(inner, dtype=np.int64))
    if dtype is object:
        return np.array([f"w{i}".encode() * (i % 3) for i in range(size)], object).reshape((n, *inner))
    return (np.arange(size) % (2 if dtype == np.bool_ else 100)).astype(dtype).reshape((n, *inner))


def test_ragged_gather_every_dtype(tf):
    """Values of every dtype TF registers (string too), ragged_rank 1, vector int32 indices with
    int64 splits; one model, one node per dtype."""
    n = len(GATHER_DTYPES)

    def fn(splits, indices, *values):
        out = {}
        for i in range(n):
            s, v = tf.raw_ops.RaggedGather(
                params_nested_splits=[splits],
                params_dense_values=values[i],
                indices=indices,
                OUTPUT_RAGGED_RANK=1,
            )
            out[f"s_{i}"], out[f"v_{i}"] = s[0], v
        return out

    dtypes = [tf.string if d is object else d for d in GATHER_DTYPES]
    concrete, model = convert(tf, fn, [([None], I64), ([None], I32)] + [([None], d) for d in dtypes])
    assert tflite_model.custom_op_counts(model) == {"RaggedGather": n}
    for splits, indices in [
        ([0, 2, 2, 5, 7], [3, 0, 0, 2, 1]),  # repeats and an empty row
        ([1, 3, 7], [1, 0]),  # splits not starting at 0
        ([0, 7], [0]),
        ([0, 2, 2, 5, 7], [3, 4]),  # TF's error: an index past the rows
        ([0, 2, 2, 5, 7], [-1]),
        ([0, 2, 1, 5, 7], [0]),  # TF's error: unsorted splits
        ([0, 2, 2, 5, 9], [0]),  # TF's error: splits past the values
    ]:
        arrays = [np.array(splits, I64), np.array(indices, I32)] + [
            gather_values(d, 7) for d in GATHER_DTYPES
        ]
        check(tf, concrete, model, arrays, "RaggedGather")


@pytest.mark.parametrize("tsplits,tindices", [(I32, I64), (I64, I64)], ids=["splits32", "splits64"])
def test_ragged_gather_ranks(tf, tsplits, tindices):
    """ragged_rank 2 params with inner value dims [n, 2], indices of rank 0, 1 and 2 (outputs with
    0..3 splits tensors), string and float values."""

    def fn(outer, inner, values, strings, i0, i1, i2):
        out = {}
        for name, idx, rank in (("r0", i0, 1), ("r1", i1, 2), ("r2", i2, 3)):
            for vname, v in (("f", values), ("s", strings)):
                splits, dense = tf.raw_ops.RaggedGather(
                    params_nested_splits=[outer, inner],
                    params_dense_values=v,
                    indices=idx,
                    OUTPUT_RAGGED_RANK=rank,
                )
                for k, s in enumerate(splits):
                    out[f"{name}{vname}_s{k}"] = s
                out[f"{name}{vname}_v"] = dense
        return out

    specs = [([None], tsplits), ([None], tsplits), ([None, 2], np.float32), ([None], tf.string)]
    specs += [([], tindices), ([None], tindices), ([None, None], tindices)]
    concrete, model = convert(tf, fn, specs)
    assert tflite_model.custom_op_counts(model) == {"RaggedGather": 6}
    outer, inner = np.array([0, 2, 2, 5], tsplits), np.array([0, 1, 1, 3, 4, 6, 7], tsplits)
    values, strings = gather_values(np.float32, 7, (2,)), gather_values(object, 7)
    for i0, i1, i2 in [
        (2, [0, 2, 1, 2], [[2, 0], [1, 1], [0, 2]]),
        (0, [1], [[1], [1]]),
        (1, [2, 0], [[0, 0, 2]]),
        (3, [0], [[0]]),  # TF's error: scalar index out of range ("indices[] = 3 ...")
        (0, [0], [[0, 1], [3, 0]]),  # TF's error names the index as [1,0]
    ]:
        arrays = [outer, inner, values, strings, tindices(i0), np.array(i1, tindices), np.array(i2, tindices)]
        check(tf, concrete, model, arrays, "RaggedGather")


def test_ragged_python_api(tf):
    """tf.gather on a ragged string tensor then to_tensor, tf.ragged.range(n): the graphs Keras code
    builds (keras-hub's StartEndPacker: RaggedRange + RaggedGather + RaggedTensorToTensor)."""

    def fn(words, lengths, order, n):
        rt = tf.RaggedTensor.from_row_lengths(words, lengths)
        picked = tf.gather(rt, order)
        return {
            "rows": picked.flat_values,
            "lens": picked.row_lengths(),
            "range": tf.ragged.range(n).flat_values,
        }

    concrete, model = convert(tf, fn, [([None], tf.string), ([None], I64), ([None], I32), ([None], I64)])
    counts = tflite_model.custom_op_counts(model)
    assert counts.get("RaggedGather") == 1 and counts.get("RaggedRange") == 1, counts
    words = np.array([b"the", b"quick", b"", b"fox", "\u00e9t\u00e9".encode()], object)
    check(
        tf,
        concrete,
        model,
        [words, np.array([2, 0, 3], I64), np.array([2, 1, 0, 2], I32), np.array([3, 1], I64)],
        "Ragged",
    )


def test_ragged_tensor_to_tensor_strings(tf):
    """RaggedTensorToTensor on string values (TextVectorization and keras-hub packers pad tokens
    with it): padding with a string default, truncation, inner dims with a broadcast [2] default,
    FIRST_DIM_SIZE + VALUE_ROWIDS, empty strings and non-ASCII bytes."""

    def fn(words, splits, shape, pairs, pair_default, rowids, nrows, pair_splits):
        padded = tf.raw_ops.RaggedTensorToTensor(
            shape=shape,
            values=words,
            default_value=tf.constant("[PAD]"),
            row_partition_tensors=[splits],
            row_partition_types=["ROW_SPLITS"],
        )
        grid = tf.RaggedTensor.from_row_splits(pairs, pair_splits, validate=False).to_tensor(pair_default)
        rows = tf.raw_ops.RaggedTensorToTensor(
            shape=tf.constant([-1, -1], tf.int64),
            values=words,
            default_value=tf.constant(""),
            row_partition_tensors=[nrows, rowids],
            row_partition_types=["FIRST_DIM_SIZE", "VALUE_ROWIDS"],
        )
        return {"padded": padded, "grid": grid, "rows": rows}

    specs = [([None], tf.string), ([None], I64), ([2], I64), ([None, 2], tf.string), ([2], tf.string)]
    specs += [([None], I64), ([], I64), ([None], I64)]
    concrete, model = convert(tf, fn, specs)
    assert tflite_model.custom_op_counts(model) == {"RaggedTensorToTensor": 3}
    words = np.array([b"a", b"", "\u00fcber".encode(), b"tok", b"xyz", b"q"], object)
    pairs = np.array([[b"k", b"v"], [b"", b"w"], [b"x", b"y"]], object)
    for splits, shape, rowids, nrows, pair_splits in [
        ([0, 2, 2, 5, 6], [-1, -1], [0, 0, 2, 2, 3, 3], 5, [0, 2, 2, 3]),
        ([0, 1, 1, 3, 6], [3, 2], [1, 1, 1, 1, 1, 1], 2, [0, 3]),
        ([0, 6], [2, 8], [0, 1, 2, 3, 4, 5], 6, [0, 0, 1, 1, 3]),
    ]:
        arrays = [words, np.array(splits, I64), np.array(shape, I64), pairs, np.array([b"<", b">"], object)]
        arrays += [np.array(rowids, I64), I64(nrows), np.array(pair_splits, I64)]
        check(tf, concrete, model, arrays, "RaggedTensorToTensor")


def test_keras_hub_packers(tf):
    """keras-hub's StartEndPacker on ragged int and string rows and the waterfall
    MultiSegmentPacker: their graphs hold RaggedRange, RaggedGather and RaggedTensorToTensor (and
    int64 UnsortedSegmentSum, string ConcatV2), all run by opbridge; ids and strings equal TF's."""
    import keras_hub

    ints = keras_hub.layers.StartEndPacker(sequence_length=6, start_value=1, end_value=2, pad_value=0)
    strs = keras_hub.layers.StartEndPacker(
        sequence_length=5, start_value="[CLS]", end_value="[SEP]", pad_value="[PAD]"
    )
    pair = keras_hub.layers.MultiSegmentPacker(
        sequence_length=8, start_value=1, end_value=2, pad_value=0, truncate="waterfall"
    )

    def fn(ids, id_splits, words, word_splits, second, second_splits):
        a = tf.RaggedTensor.from_row_splits(ids, id_splits)
        b = tf.RaggedTensor.from_row_splits(second, second_splits)
        token_ids, segment_ids = pair((a, b))
        return {
            "ints": ints(a),
            "strs": strs(tf.RaggedTensor.from_row_splits(words, word_splits)),
            "pair_ids": token_ids,
            "pair_segments": segment_ids,
        }

    specs = [([None], I32), ([None], I64), ([None], tf.string), ([None], I64), ([None], I32), ([None], I64)]
    concrete, model = convert(tf, fn, specs)
    counts = tflite_model.custom_op_counts(model)
    assert {"RaggedRange", "RaggedGather", "RaggedTensorToTensor"} <= set(counts), counts
    # The rest (int64 UnsortedSegmentSum, string ConcatV2) has opbridge kernels too.
    assert missing_ops(model) == {}, counts
    ids = np.arange(10, 30, dtype=I32)
    words = np.array([f"w{i}".encode() for i in range(9)], object)
    for id_splits, word_splits, second_splits in [
        ([0, 3, 3, 12, 20], [0, 2, 9], [0, 1, 5, 5, 20]),
        ([0, 20], [0, 0, 9], [0, 20]),
        ([0, 0, 0, 20, 20], [0, 9], [0, 20, 20, 20, 20]),
    ]:
        arrays = [ids, np.array(id_splits, I64), words, np.array(word_splits, I64)]
        arrays += [ids + 100, np.array(second_splits, I64)]
        check(tf, concrete, model, arrays, "Ragged")


@pytest.mark.parametrize("tsplits", [I32, I64], ids=["splits32", "splits64"])
def test_ragged_tensor_to_sparse(tf, tsplits):
    """RaggedTensor.to_sparse(): ragged_rank 1 on [n, 2] floats, ragged_rank 2 on strings, empty
    rows at both levels; TF's errors (splits not from 0, decreasing, not matching the values)."""

    def fn(outer, inner, pairs, words):
        i1, v1, s1 = tf.raw_ops.RaggedTensorToSparse(rt_nested_splits=[outer], rt_dense_values=pairs)
        i2, v2, s2 = tf.raw_ops.RaggedTensorToSparse(rt_nested_splits=[outer, inner], rt_dense_values=words)
        return {"i1": i1, "v1": v1, "s1": s1, "i2": i2, "v2": v2, "s2": s2}

    specs = [([None], tsplits), ([None], tsplits), ([None, 2], np.float32), ([None], tf.string)]
    concrete, model = convert(tf, fn, specs)
    assert tflite_model.custom_op_counts(model) == {"RaggedTensorToSparse": 2}
    for outer, inner in [
        ([0, 2, 2, 5], [0, 1, 1, 3, 4, 6]),
        ([0, 0, 1], [0, 6]),
        ([0, 1, 5], [0, 0, 2, 2, 6, 6]),
        ([1, 2, 5], [0, 1, 1, 3, 4, 6]),  # TF's error: not from 0
        ([0, 3, 2, 5], [0, 1, 1, 3, 4, 6]),  # TF's error: decreasing
        ([0, 2, 2, 5], [0, 1, 1, 3, 4, 5]),  # TF's error: the last split is not the values' length
    ]:
        n = outer[-1]
        pairs = np.arange(2 * n, dtype=np.float32).reshape(n, 2)
        words = np.array([f"s{i}".encode() for i in range(6)], object)
        check(
            tf,
            concrete,
            model,
            [np.array(outer, tsplits), np.array(inner, tsplits), pairs, words],
            "RaggedTensorToSparse",
        )


def test_ragged_to_sparse_python_api(tf):
    """tf.RaggedTensor.to_sparse() as user code calls it, int64 values with inner dims [n, 2, 3]."""

    def fn(values, lengths):
        sparse = tf.RaggedTensor.from_row_lengths(values, lengths).to_sparse()
        return {"indices": sparse.indices, "values": sparse.values, "shape": sparse.dense_shape}

    concrete, model = convert(tf, fn, [([None, 2, 3], I64), ([None], I64)])
    assert tflite_model.custom_op_counts(model) == {"RaggedTensorToSparse": 1}
    for lengths in ([2, 0, 1], [3], [0, 3, 0]):
        values = np.arange(18, dtype=I64).reshape(3, 2, 3)
        check(tf, concrete, model, [values, np.array(lengths, I64)], "RaggedTensorToSparse")
