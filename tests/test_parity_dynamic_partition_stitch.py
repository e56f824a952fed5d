"""DynamicPartition, DynamicStitch, ParallelDynamicStitch: TFLite kernels vs TF's own kernels.

The converter leaves all three CUSTOM for every dtype. Data movement only: outputs are compared
bit for bit (NaN payloads and signed zeros included), strings by value. Output shapes depend on
the values (partition counts, the largest index), so each model is converted with open shapes
and fed several cases.
"""

from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.running import SignatureSession
from opbridge.testing import run_tflite

DTYPES = [
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
    np.bool_,
    np.complex64,
    np.complex128,
    object,  # tf.string
]


def dtype_id(d: Any) -> str:
    return "string" if d is object else np.dtype(d).name


def values(rng: np.random.Generator, dtype: Any, shape: tuple[int, ...]) -> np.ndarray:
    n = int(np.prod(shape))
    if dtype is object:
        pool = [b"", b"a", b"\xc3\xa9t\xc3\xa9", b"a\x00b", b"longer string " * 3]
        return np.array([pool[i % len(pool)] + str(i).encode() for i in range(n)], dtype=object).reshape(
            shape
        )
    if dtype is np.bool_:
        return rng.integers(0, 2, shape).astype(bool)
    if np.issubdtype(np.dtype(dtype), np.integer):
        info = np.iinfo(dtype)
        x = rng.integers(
            info.min, info.max, shape, dtype=np.int64 if info.min < 0 else np.uint64, endpoint=True
        )
        return x.astype(dtype)
    x = rng.standard_normal(shape)
    if np.issubdtype(np.dtype(dtype), np.complexfloating):
        x = x + 1j * rng.standard_normal(shape)
    x = x.astype(dtype)
    flat = x.reshape(-1)
    edges = np.array([np.nan, -0.0, np.inf, -np.inf], dtype)
    flat[: min(flat.size, edges.size)] = edges[: flat.size]
    return x


def check(tf: Any, fn: Any, specs: list[Any], cases: list[list[np.ndarray]], ops: dict[str, int]) -> None:
    """fn converted once with these input specs; every case fed to both runtimes, each output
    compared with TF's exactly (bytes for numbers, values for strings)."""
    model = opbridge.convert(tf.function(fn, input_signature=specs))
    assert tflite_model.custom_op_counts(model) == ops
    for runtime in RUNTIMES:
        session = SignatureSession(model, runtime)
        for inputs in cases:
            expected = fn(*[tf.constant(a) for a in inputs])
            session.set_inputs(inputs)
            session.invoke()
            actual = session.outputs()
            assert len(actual) == len(expected), runtime
            for name, want in expected.items():
                e, a = want.numpy(), actual[name]
                where = f"[{runtime}] {name} for inputs {[x.shape for x in inputs]}"
                assert a.shape == e.shape, where
                if e.dtype == object:
                    assert a.tolist() == e.tolist(), where
                else:
                    assert a.dtype == e.dtype and a.tobytes() == e.tobytes(), where


def tf_dtype(tf: Any, dtype: Any) -> Any:
    return tf.string if dtype is object else tf.as_dtype(dtype)


def partition(tf: Any, n: int):
    return lambda data, parts: {f"p{k}": t for k, t in enumerate(tf.dynamic_partition(data, parts, n))}


@pytest.mark.parametrize("dtype", DTYPES, ids=dtype_id)
def test_partition_every_dtype(tf, rng, dtype):
    specs = [tf.TensorSpec([None, None], tf_dtype(tf, dtype)), tf.TensorSpec([None], tf.int32)]
    cases = [
        [values(rng, dtype, (9, 3)), np.array([2, 0, 1, 2, 2, 0, 3, 1, 2], np.int32)],
        [values(rng, dtype, (5, 2)), np.array([0, 0, 0, 0, 0], np.int32)],  # three empty outputs
        [values(rng, dtype, (0, 4)), np.zeros(0, np.int32)],
        [values(rng, dtype, (4, 0)), np.array([3, 1, 1, 0], np.int32)],
    ]
    check(tf, partition(tf, 4), specs, cases, {"DynamicPartition": 1})


def test_partition_ranks(tf, rng):
    # Partitions of rank 2 over data of rank 3 and 2; rank 0 over a scalar and a vector.
    specs = [tf.TensorSpec([None, None, None], tf.float64), tf.TensorSpec([None, None], tf.int32)]
    cases = [[values(rng, np.float64, (3, 4, 2)), rng.integers(0, 3, (3, 4)).astype(np.int32)]]
    check(tf, partition(tf, 3), specs, cases, {"DynamicPartition": 1})
    specs = [tf.TensorSpec([None, None], tf.int64), tf.TensorSpec([None, None], tf.int32)]
    cases = [[values(rng, np.int64, (5, 6)), rng.integers(0, 3, (5, 6)).astype(np.int32)]]
    check(tf, partition(tf, 3), specs, cases, {"DynamicPartition": 1})
    specs = [tf.TensorSpec([], tf.float64), tf.TensorSpec([], tf.int32)]
    check(tf, partition(tf, 2), specs, [[np.float64(2.5), np.int32(1)]], {"DynamicPartition": 1})
    specs = [tf.TensorSpec([3], tf.float64), tf.TensorSpec([], tf.int32)]
    check(tf, partition(tf, 2), specs, [[np.arange(3.0), np.int32(0)]], {"DynamicPartition": 1})


def test_partition_many_outputs_and_threads(tf, rng):
    parts = rng.integers(0, 40, 20_000).astype(np.int32)
    data = values(rng, np.float64, (20_000, 3))
    fn = partition(tf, 40)
    model = opbridge.convert(
        tf.function(
            fn, input_signature=[tf.TensorSpec(data.shape, tf.float64), tf.TensorSpec(parts.shape, tf.int32)]
        )
    )
    want = fn(data, parts)
    for threads in (1, 4):
        got = run_tflite(model, [data, parts], num_threads=threads)
        for name, e in want.items():
            assert got[name].tobytes() == e.numpy().tobytes(), name


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_partition_errors_as_tf(tf, runtime):
    fn = partition(tf, 3)
    specs = [tf.TensorSpec([None, None], tf.float64), tf.TensorSpec([None, None], tf.int32)]
    model = opbridge.convert(tf.function(fn, input_signature=specs))
    data = np.ones((2, 3))
    cases = [
        (np.array([[0, -1, 1], [0, 0, 0]], np.int32), r"partitions\[0,1\] = -1 is not in \[0, 3\)"),
        (np.array([[0, 1, 2], [3, 0, 0]], np.int32), r"partitions\[1,0\] = 3 is not in \[0, 3\)"),
        (
            np.zeros((2, 2), np.int32),
            r"data.shape must start with partitions.shape, "
            r"got data.shape = \[2,3\], partitions.shape = \[2,2\]",
        ),
    ]
    for parts, message in cases:
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            fn(data, parts)
        with pytest.raises(RuntimeError, match="DynamicPartition: " + message):
            run_tflite(model, [data, parts], runtime)


def stitch(tf: Any, op: str = "DynamicStitch"):
    def fn(i0, i1, i2, d0, d1, d2):
        if op == "DynamicStitch":
            return {"merged": tf.dynamic_stitch([i0, i1, i2], [d0, d1, d2])}
        return {"merged": tf.raw_ops.ParallelDynamicStitch(indices=[i0, i1, i2], data=[d0, d1, d2])}

    return fn


def stitch_specs(tf: Any, dtype: Any, index_rank: int = 1, row_rank: int = 1) -> list[Any]:
    return [tf.TensorSpec([None] * index_rank, tf.int32)] * 3 + [
        tf.TensorSpec([None] * (index_rank + row_rank), tf_dtype(tf, dtype))
    ] * 3


@pytest.mark.parametrize("op", ["DynamicStitch", "ParallelDynamicStitch"])
@pytest.mark.parametrize("dtype", DTYPES, ids=dtype_id)
def test_stitch_every_dtype(tf, rng, dtype, op):
    # Every row 0..9 named once (TF leaves unnamed rows uninitialized); three inputs, one empty.
    order = rng.permutation(10).astype(np.int32)
    cases = [
        [order[:6], order[6:6], order[6:], *(values(rng, dtype, (k, 3)) for k in (6, 0, 4))],
        [order[:0], order[:10], order[10:], *(values(rng, dtype, (k, 2)) for k in (0, 10, 0))],
        [order[:0], order[:0], order[:0], *(values(rng, dtype, (0, 2)) for _ in range(3))],
    ]
    check(tf, stitch(tf, op), stitch_specs(tf, dtype), cases, {op: 1})


def test_stitch_repeated_indices_keep_the_last(tf, rng):
    # TF's DynamicStitch: inputs in order, rows in order, the last write wins.
    i = [np.array([0, 2, 1, 2], np.int32), np.array([1, 3], np.int32), np.array([0, 3, 3], np.int32)]
    d = [values(rng, np.float64, (len(x), 2)) for x in i]
    check(tf, stitch(tf), stitch_specs(tf, np.float64), [[*i, *d]], {"DynamicStitch": 1})


def stitched_by_hand(indices: list[np.ndarray], data: list[np.ndarray]) -> np.ndarray:
    """Rows in order, the last write wins; rows no index names are zeros (opbridge's choice:
    TF leaves them uninitialized, so TF cannot be the reference for them)."""
    rows = max(int(i.max(initial=-1)) for i in indices) + 1
    merged = np.zeros((rows, *data[0].shape[1:]), data[0].dtype)
    for idx, d in zip(indices, data, strict=True):
        last = len(idx) - 1 - np.unique(idx[::-1], return_index=True)[1]  # last position of each index
        merged[idx[last]] = d[last]
    return merged


@pytest.mark.parametrize("op", ["DynamicStitch", "ParallelDynamicStitch"])
@pytest.mark.parametrize("dtype,row", [(np.float64, 16), (np.float32, 3), (np.complex128, 1)])
def test_stitch_large_on_threads(tf, rng, op, dtype, row):
    """Enough rows for the kernel to split the output rows over threads (and, for the 9.6 MB
    float64 one, to stream them): repeated indices within and across inputs keep the last,
    unnamed rows are zeros, on 1, 2 and 3 threads alike."""
    rows = 75_000
    indices = [rng.integers(0, rows, rows // 2).astype(np.int32) for _ in range(3)]
    indices[2][-1] = rows - 1  # the same merged shape in every case
    data = [values(rng, dtype, (rows // 2, row)) for _ in range(3)]
    want = stitched_by_hand(indices, data)
    assert np.count_nonzero(~np.isin(np.arange(rows), np.concatenate(indices))) > 1000  # unnamed rows
    fn = stitch(tf, op)
    model = opbridge.convert(tf.function(fn, input_signature=stitch_specs(tf, dtype)))
    named = np.isin(np.arange(rows), np.concatenate(indices))
    tf_merged = fn(*[tf.constant(a) for a in [*indices, *data]])["merged"].numpy()
    if op == "DynamicStitch":  # TF's named rows are the reference's (ParallelDynamicStitch's may differ)
        assert tf_merged[named].tobytes() == want[named].tobytes()
    for threads in (1, 2, 3):
        got = run_tflite(model, [*indices, *data], num_threads=threads)["merged"]
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes(), threads


def test_stitch_index_and_row_ranks(tf, rng):
    # Indices of rank 2 and 0 (a scalar per input), rows of rank 0 and 2.
    i = [rng.permutation(12).astype(np.int32)[k * 4 : k * 4 + 4].reshape(2, 2) for k in range(3)]
    d = [values(rng, np.int64, (2, 2, 3, 2)) for _ in range(3)]
    check(tf, stitch(tf), stitch_specs(tf, np.int64, 2, 2), [[*i, *d]], {"DynamicStitch": 1})
    i = [np.array([2, 0], np.int32), np.array([1], np.int32), np.array([3], np.int32)]
    d = [values(rng, np.float16, (len(x),)) for x in i]
    check(tf, stitch(tf), stitch_specs(tf, np.float16, 1, 0), [[*i, *d]], {"DynamicStitch": 1})
    scalar = [tf.TensorSpec([], tf.int32)] * 3 + [tf.TensorSpec([2], tf.float64)] * 3
    cases = [[np.int32(2), np.int32(0), np.int32(1), *(values(rng, np.float64, (2,)) for _ in range(3))]]
    check(tf, stitch(tf), scalar, cases, {"DynamicStitch": 1})


@pytest.mark.parametrize("op", ["DynamicStitch", "ParallelDynamicStitch"])
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_stitch_errors_as_tf(tf, runtime, op):
    fn = stitch(tf, op)
    model = opbridge.convert(tf.function(fn, input_signature=stitch_specs(tf, np.float64)))
    good = [np.array([0, 1], np.int32), np.array([2], np.int32), np.array([3], np.int32)]
    cases = [
        (
            [good[0], np.array([2, -1], np.int32), good[2]],
            [(2, 3), (2, 3), (1, 3)],
            r"indices\[1\] is out of range",
        ),
        (  # no index >= 0: merged has no rows, and TF still checks the indices
            [np.zeros(0, np.int32), np.array([-3, -1], np.int32), np.array([-2], np.int32)],
            [(0, 3), (2, 3), (1, 3)],
            r"indices\[0\] is out of range",
        ),
        (
            good,
            [(3, 3), (1, 3), (1, 3)],
            r"data\[0\].shape = \[3,3\] does not start with indices\[0\].shape = \[2\]",
        ),
        (
            good,
            [(2, 3), (1, 2), (1, 3)],
            r"Need data\[0\].shape\[1:\] = data\[1\].shape\[1:\], got data\[0\].shape = \[2,3\], "
            r"data\[1\].shape = \[1,2\], indices\[0\].shape = \[2\], indices\[1\].shape = \[1\]",
        ),
    ]
    for i, shapes, message in cases:
        d = [np.ones(s) for s in shapes]
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            fn(*i, *d)
        with pytest.raises(RuntimeError, match=f"{op}: {message}"):
            run_tflite(model, [*i, *d], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_stitch_refuses_a_node_whose_lists_disagree(runtime):
    """The two TF lists arrive as one: N and T from the options must fit the node's tensors."""
    import flatbuffers.flexbuffers as flex

    options = bytes(flex.Dumps({"N": 2, "T": 10}))  # T: TFLite's FLOAT64, as the converter writes it
    inputs = [("i0", [1], np.int32), ("i1", [1], np.int32), ("d0", [1], np.float64), ("d1", [1], np.float32)]
    model = tflite_model.single_custom_op_model("DynamicStitch", inputs, [("out", [1], np.float64)], options)
    feed = [np.zeros(1, np.int32), np.ones(1, np.int32), np.ones(1), np.ones(1, np.float32)]
    with pytest.raises(RuntimeError, match=r"DynamicStitch: data\[1\] must be double, got float"):
        run_tflite(model, feed, runtime)
    model = tflite_model.single_custom_op_model(
        "DynamicStitch", inputs[:3], [("out", [1], np.float64)], options
    )
    with pytest.raises(RuntimeError, match=r"DynamicStitch: expects 2 \* N = 4 inputs"):
        run_tflite(model, feed[:3], runtime)
