"""RaggedCross (tf.ragged.cross, tf.ragged.cross_hashed): the TFLite kernel against TF's, bit for
bit, in both runtimes: ragged (int64 and int32 row splits), sparse and dense inputs of int64 and
string features in several input orders, string crosses and hashed ones (num_buckets 0 and not,
hash_key default and given), empty rows and batches, sparse rows TF's walk takes out of order,
1 and 2 threads; TF's errors with TF's texts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bitwise_parity import check_cases
from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite

WORDS = [b"", b"a", b"\x00", b"b_X_c", b"\xc3\xa9", b"x" * 30, b"tag", b"7"]


def words(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.array([WORDS[i] for i in rng.integers(0, len(WORDS), n)], dtype=object)


def ints(rng: np.random.Generator, n: int) -> np.ndarray:
    edges = np.array([0, -1, 1, 2**63 - 1, -(2**63), 2**32 + 5, 123456789], np.int64)
    return np.where(rng.random(n) < 0.3, edges[rng.integers(0, len(edges), n)], rng.integers(-50, 50, n))


def ragged(rng: np.random.Generator, batch: int, most: int, kind: str, splits_dtype: Any = np.int64):
    lengths = rng.integers(0, most + 1, batch)
    splits = np.concatenate([[0], np.cumsum(lengths)]).astype(splits_dtype)
    n = int(splits[-1])
    return [words(rng, n) if kind == "s" else ints(rng, n), splits]


def sparse(rng: np.random.Generator, batch: int, most: int, kind: str, shuffle: bool = False):
    rows = np.sort(rng.integers(0, max(batch, 1), rng.integers(0, most * max(batch, 1) + 1)))
    if batch == 0:
        rows = rows[:0]
    if shuffle and rows.size > 3:  # TF's walk takes entries in order, rows as they come
        rows = rows[rng.permutation(rows.size)]
        rows[0] = -1
    cols = np.zeros_like(rows)
    for r in np.unique(rows):
        cols[rows == r] = np.arange((rows == r).sum())
    indices = np.stack([rows, cols], 1).astype(np.int64).reshape(-1, 2)
    values = words(rng, rows.size) if kind == "s" else ints(rng, rows.size)
    return [indices, values, np.array([batch, most + 1], np.int64)]


def test_crosses_and_hashes(tf, rng):
    """One model: string and hashed crosses of ragged/sparse/dense inputs in five input orders."""

    def fn(rs_v, rs_s, ri_v, ri_s, ss_i, ss_v, ss_s, si_i, si_v, si_s, ds, di):
        r_str = tf.RaggedTensor.from_row_splits(rs_v, rs_s, validate=False)
        r_int = tf.RaggedTensor.from_row_splits(ri_v, ri_s, validate=False)
        s_str, s_int = tf.SparseTensor(ss_i, ss_v, ss_s), tf.SparseTensor(si_i, si_v, si_s)
        out = {}
        for name, inputs in {
            "rsd": [r_str, s_int, ds],
            "dir": [di, r_int, s_str, r_str],
            "sd": [s_str, di],
            "one": [r_int],
            "dd": [ds, di],
        }.items():
            x = tf.ragged.cross(inputs)
            out[f"{name}_v"], out[f"{name}_s"] = x.values, x.row_splits
            h = tf.ragged.cross_hashed(inputs)
            out[f"{name}_hv"], out[f"{name}_hs"] = h.values, h.row_splits
            k = tf.ragged.cross_hashed(inputs, num_buckets=1000, hash_key=0x5EED)
            out[f"{name}_kv"], out[f"{name}_ks"] = k.values, k.row_splits
        return out

    i64, s = tf.int64, tf.string
    specs = [((None,), s), ((None,), i64), ((None,), i64), ((None,), i64)]
    specs += [((None, 2), i64), ((None,), s), ((2,), i64), ((None, 2), i64), ((None,), i64), ((2,), i64)]
    specs += [((None, None), s), ((None, None), i64)]
    model = convert_fn(fn, *specs)
    assert tflite_model.custom_op_counts(model) == {"RaggedCross": 15}
    cases = []
    for batch, most, width, shuffle in [
        (6, 3, 2, False),
        (1, 5, 3, False),
        (0, 2, 2, False),
        (9, 2, 1, True),
        (5, 2, 0, False),
        (40, 4, 2, True),
    ]:
        cases.append(
            [
                *ragged(rng, batch, most, "s"),
                *ragged(rng, batch, most, "i"),
                *sparse(rng, batch, most, "s", shuffle),
                *sparse(rng, batch, most, "i"),
                words(rng, batch * width).reshape(batch, width),
                ints(rng, batch * width).reshape(batch, width),
            ]
        )
    check_cases(tf.function(fn), model, cases)


def test_int32_splits_and_threads(tf, rng):
    """int32 row splits give int32 output splits; a batch of 3000 rows on 1 and 2 threads."""

    def fn(v1, s1, v2, s2, d):
        a = tf.RaggedTensor.from_row_splits(v1, s1, validate=False)
        b = tf.RaggedTensor.from_row_splits(v2, s2, validate=False)
        x = tf.ragged.cross([a, d, b])
        h = tf.ragged.cross_hashed([b, a, d], num_buckets=97)
        return {"v": x.values, "s": x.row_splits, "hv": h.values, "hs": h.row_splits}

    model = convert_fn(
        fn,
        ((None,), tf.string),
        ((None,), tf.int32),
        ((None,), tf.int64),
        ((None,), tf.int32),
        ((None, None), tf.string),
    )
    cases = []
    for batch in (3000, 7):
        a, b = ragged(rng, batch, 3, "s", np.int32), ragged(rng, batch, 4, "i", np.int32)
        cases.append([*a, *b, words(rng, batch * 2).reshape(batch, 2)])
    assert tf.function(fn)(*cases[0])["s"].dtype == tf.int32
    check_cases(tf.function(fn), model, cases, num_threads=(1, 2))


def test_errors_as_tf(tf, rng):
    """TF's texts: splits that are no ragged tensor's, batch sizes that differ, inputs of other
    ranks, a sparse tensor whose parts are not a matrix and vectors."""

    def raw(rv, rsplits, si, sv, ss, d):
        out = tf.raw_ops.RaggedCross(
            ragged_values=[rv],
            ragged_row_splits=[rsplits],
            sparse_indices=[si],
            sparse_values=[sv],
            sparse_shape=[ss],
            dense_inputs=[d],
            input_order="RSD",
            hashed_output=False,
            num_buckets=0,
            hash_key=0,
            out_values_type=tf.string,
            out_row_splits_type=tf.int64,
        )
        return {"v": out.output_values, "s": out.output_row_splits}

    fn = tf.function(
        raw,
        input_signature=[
            tf.TensorSpec(None, t) for t in (tf.string, tf.int64, tf.int64, tf.int64, tf.int64, tf.string)
        ],
    )
    model = convert_fn(
        raw, *[(None, t) for t in (tf.string, tf.int64, tf.int64, tf.int64, tf.int64, tf.string)]
    )
    v = np.array([b"a", b"b", b"c"], dtype=object)
    si, sv, ss = np.array([[0, 0], [1, 0]], np.int64), np.array([5, 6], np.int64), np.array([2, 2], np.int64)
    d = np.array([[b"x"], [b"y"]], dtype=object)
    good = [v, np.array([0, 1, 3], np.int64), si, sv, ss, d]
    want = fn(*good)
    for runtime in RUNTIMES:
        got = run_tflite(model, good, runtime)
        assert [bytes(x) for x in got["v"]] == [bytes(x) for x in want["v"].numpy()], runtime

    def with_(k: int, x: Any) -> list[Any]:
        return [x if i == k else g for i, g in enumerate(good)]

    splits = "Invalid ragged splits: "
    first = "first element of ragged splits  must be 0 but is 1"
    empty = "ragged splits must have at least one splits, but is empty"
    for inputs, text in [
        (with_(1, np.array([1, 1, 3], np.int64)), splits + first),
        (
            with_(1, np.array([0, 2, 1, 3], np.int64)),
            splits + "ragged splits must be monotonically increasing, but ragged_splits[2]=1 is smaller than "
            "row_splits[1]=2",
        ),
        (
            with_(1, np.array([0, 1, 2], np.int64)),
            splits + "last element of ragged splits must be the number of ragged values(3) but is 2",
        ),
        (with_(1, np.zeros(0, np.int64)), splits + empty),
        (with_(0, v.reshape(3, 1)), "tf.ragged.cross only supports inputs with rank=2."),
        (with_(5, np.array([b"x", b"y"], dtype=object)), "tf.ragged.cross only supports inputs with rank=2."),
        (with_(2, np.array([0, 1], np.int64)), "Invalid SparseTensor 0"),
        (with_(4, np.array([2, 2, 2], np.int64)), "tf.ragged.cross only supports inputs with rank=2."),
        (with_(4, np.array([3, 2], np.int64)), "inputs must all have the same batch dimension size."),
        (with_(5, np.array([[b"x"]], dtype=object)), "inputs must all have the same batch dimension size."),
    ]:
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            fn(*inputs)
        assert f"{text}\n\t [[{{{{node" in info.value.message, (text, info.value.message)
        for runtime in RUNTIMES:
            with pytest.raises(RuntimeError) as failed:
                run_tflite(model, inputs, runtime)
            assert f"RaggedCross: {text}" in str(failed.value), (runtime, text, str(failed.value))


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_bad_nodes_refused(runtime):
    """Hand-made nodes TF's converter would not write: an error naming the op, no crash."""
    from flatbuffers import flexbuffers

    def node(order: str, nsparse: int, inputs: list[tuple[str, list[int], Any]]) -> bytes:
        options = {"Nsparse": nsparse, "input_order": order, "hashed_output": True, "num_buckets": 0}
        options.update(hash_key=0, out_values_type=4, out_row_splits_type=4)  # TFLite INT64
        return tflite_model.single_custom_op_model(
            "RaggedCross",
            inputs,
            [("output_values", [0], np.int64), ("output_row_splits", [3], np.int64)],
            options=flexbuffers.Dumps(options),
        )

    dense = ("d", [2, 1], np.int64)
    for model, feed, text in [
        (
            node("DX", 0, [dense, ("e", [2, 1], np.int64)]),
            [np.ones((2, 1), np.int64)] * 2,
            "Unexpected input_order value.",
        ),
        (node("S", 0, [dense]), [np.ones((2, 1), np.int64)], "Invalid length for input_order"),
        (node("DD", 0, [dense]), [np.ones((2, 1), np.int64)], "the node has 1 inputs"),
        (
            node("D", 0, [("d", [2, 1], np.float32)]),
            [np.ones((2, 1), np.float32)],
            "Unexpected dtype for input 1",
        ),
    ]:
        with pytest.raises(RuntimeError, match=f"RaggedCross.*{text}"):
            run_tflite(model, feed, runtime)
