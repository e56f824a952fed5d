"""tf.sets (DenseToDenseSetOperation, DenseToSparseSetOperation, SparseToSparseSetOperation,
SetSize): the TFLite kernels against TF's, bit for bit, in both runtimes. Every dtype TF registers
in one model (intersection, union, both differences, dense/dense, dense/sparse both ways,
sparse/sparse, sizes), ranks 2 to 4, empty sets, groups and tensors, strings with NUL and
non-ASCII bytes (ordered as bytes); inputs TF does not validate (validate_indices=false: unsorted
and repeated entries, groups out of order) walked as TF walks them; TF's errors with TF's texts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from flatbuffers import flexbuffers

from bitwise_parity import assert_bits, check_cases, tf_outputs
from conftest import RUNTIMES, convert_fn, registered_cpu_dtypes
from opbridge import tflite_model
from opbridge.testing import run_tflite

DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "string"]
OPS = ["DenseToDenseSetOperation", "DenseToSparseSetOperation", "SparseToSparseSetOperation", "SetSize"]
WORDS = [b"", b"a", b"\x00", b"a\x00b", b"ab", b"\xc3\xa9", b"\xff", b"b", b"ba", b"A", b"x" * 30]


def dense(rng: np.random.Generator, name: str, shape: tuple[int, ...], high: int) -> np.ndarray:
    """Values from `high` distinct ones (so sets overlap and repeat), with the dtype's extremes."""
    k = rng.integers(0, high, shape)
    if name == "string":
        return np.array([WORDS[i % len(WORDS)] for i in k.ravel()], dtype=object).reshape(shape)
    info = np.iinfo(name)
    table = np.array([info.min, info.max, 0, 1, info.max - 1, 7, 3, 2, 9, 5, 4], dtype=name)
    return table[k % len(table)]


def sparse(rng: np.random.Generator, name: str, group: tuple[int, ...], width: int, high: int, keep: float):
    """A SparseTensor in canonical order: a random dense [*group, width] with entries dropped."""
    values = dense(rng, name, (*group, width), high)
    mask = rng.random((*group, width)) < keep
    indices = np.argwhere(mask).astype(np.int64).reshape(-1, len(group) + 1)
    return [indices, values[mask].reshape(-1), np.array([*group, width], np.int64)]


def assert_fails_as_tf(tf: Any, fn: Any, model: bytes, op: str, inputs: list[np.ndarray], text: str) -> None:
    """TF's kernel fails on inputs with `text` (whole: some of TF's sparse texts span lines), and
    each runtime fails with `op: text`."""
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        fn(*inputs)
    assert f"{text}\n\t [[{{{{node" in info.value.message, (text, info.value.message)
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError) as failed:
            run_tflite(model, list(inputs), runtime)
        assert f"{op}: {text}" in str(failed.value), (runtime, text, str(failed.value))


def set_outputs(tf: Any, out: dict, key: str, st: Any) -> None:
    out[f"{key}_i"], out[f"{key}_v"], out[f"{key}_s"] = st.indices, st.values, st.dense_shape


def test_every_dtype_registered_is_declared(tf):
    for op in OPS:
        assert registered_cpu_dtypes(op) == set(DTYPES), op


def all_sets(tf: Any, a: Any, b: Any, bi: Any, bv: Any, bs: Any, ci: Any, cv: Any, cs: Any) -> dict:
    """Every op and operation on dense a, b and sparse B, C (same group shape)."""
    sb, sc = tf.SparseTensor(bi, bv, bs), tf.SparseTensor(ci, cv, cs)
    out: dict = {}
    pairs = {"dd": (a, b), "ds": (a, sb), "sd": (sb, a), "ss": (sb, sc)}
    for key, (x, y) in pairs.items():
        set_outputs(tf, out, f"{key}_and", tf.sets.intersection(x, y))
        set_outputs(tf, out, f"{key}_or", tf.sets.union(x, y))
        set_outputs(tf, out, f"{key}_amb", tf.sets.difference(x, y))
        set_outputs(tf, out, f"{key}_bma", tf.sets.difference(x, y, aminusb=False))
    out["size_b"] = tf.sets.size(sb)
    out["size_c"] = tf.sets.size(sc)
    return out


def cases_for(rng: np.random.Generator, name: str) -> list[list[np.ndarray]]:
    cases = []
    for group, wa, wb, wc, high, keep in [
        ((5,), 6, 4, 7, 6, 0.6),  # rank 2
        ((3, 4), 5, 5, 3, 4, 0.5),  # rank 3
        ((2, 2, 3), 4, 2, 5, 9, 0.7),  # rank 4
        ((4,), 0, 3, 2, 3, 0.5),  # empty dense sets
        ((0,), 3, 2, 2, 3, 0.5),  # no groups
        ((6,), 40, 30, 50, 60, 0.9),  # larger sets
        ((3,), 2, 2, 2, 3, 0.0),  # empty sparse tensors
    ]:
        a, b = dense(rng, name, (*group, wa), high), dense(rng, name, (*group, wb), high)
        cases.append(
            [a, b, *sparse(rng, name, group, wb + 1, high, keep), *sparse(rng, name, group, wc, high, keep)]
        )
    return cases


def test_every_dtype_every_operation(tf, rng):
    """One model: per dtype the four operations on dense/dense, dense/sparse, sparse/dense and
    sparse/sparse inputs, and sizes; inputs of ranks 2-4, empty sets, no groups, empty tensors."""

    def fn(*xs):
        out = {}
        for k, name in enumerate(DTYPES):
            for key, t in all_sets(tf, *xs[8 * k : 8 * k + 8]).items():
                out[f"{name}_{key}"] = t
        return out

    specs = []
    for name in DTYPES:
        t = tf.as_dtype(name)
        specs += [(None, t), (None, t), ((None, None), tf.int64), ((None,), t), ((None,), tf.int64)] * 1
        specs += [((None, None), tf.int64), ((None,), t), ((None,), tf.int64)]
    model = convert_fn(fn, *specs)
    counts = tflite_model.custom_op_counts(model)
    assert counts == {
        "DenseToDenseSetOperation": 4 * len(DTYPES),
        "DenseToSparseSetOperation": 4 * len(DTYPES),  # sparse/dense is dense/sparse flipped: the same nodes
        "SparseToSparseSetOperation": 4 * len(DTYPES),
        "SetSize": 2 * len(DTYPES),
    }, counts
    per_dtype = [cases_for(rng, name) for name in DTYPES]
    cases = [[x for dtype_case in case for x in dtype_case] for case in zip(*per_dtype, strict=True)]
    check_cases(tf.function(fn), model, cases)


def test_unvalidated_inputs_walked_as_tf(tf, rng):
    """validate_indices=false: unsorted entries, repeated indices, a group split in several runs,
    groups out of order (TF's dense/sparse walk then stops taking sparse runs; its sparse/sparse
    merge pairs runs as they come), indices beyond the shape's group dims; strings and int64."""

    def fn(a, bi, bv, bs, ci, cv, cs, ai, av, as_):
        out = {}
        for op in ("a-b", "b-a", "intersection", "union"):
            r = tf.raw_ops.DenseToSparseSetOperation(
                set1=a,
                set2_indices=bi,
                set2_values=bv,
                set2_shape=bs,
                set_operation=op,
                validate_indices=False,
            )
            out[f"ds_{op}_i"], out[f"ds_{op}_v"], out[f"ds_{op}_s"] = r
            r = tf.raw_ops.SparseToSparseSetOperation(
                set1_indices=bi,
                set1_values=bv,
                set1_shape=bs,
                set2_indices=ci,
                set2_values=cv,
                set2_shape=cs,
                set_operation=op.upper(),
                validate_indices=False,
            )
            out[f"ss_{op}_i"], out[f"ss_{op}_v"], out[f"ss_{op}_s"] = r
        out["size"] = tf.raw_ops.SetSize(set_indices=bi, set_values=bv, set_shape=bs, validate_indices=False)
        out["size_i"] = tf.raw_ops.SetSize(
            set_indices=ai, set_values=av, set_shape=as_, validate_indices=False
        )
        return out

    s, i64 = tf.string, tf.int64
    model = convert_fn(
        fn, (None, s), ((None, None), i64), ((None,), s), ((None,), i64), ((None, None), i64), ((None,), s),
        ((None,), i64), ((None, None), i64), ((None,), i64), ((None,), i64),
    )  # fmt: skip
    cases = []
    for n in (0, 1, 12, 60, 300):
        for group_dims in ((4,), (3, 2)):
            rank = len(group_dims) + 1
            a = dense(rng, "string", (*group_dims, 3), 8)

            def shuffled(n: int, width: int, dims: tuple[int, ...] = group_dims) -> list[np.ndarray]:
                ix = np.stack([rng.integers(0, d, n) for d in (*dims, width)], axis=1).astype(np.int64)
                ix = ix.reshape(n, len(dims) + 1)
                if n > 4:  # some runs kept sorted so several entries share a group in a row
                    ix[: n // 2] = ix[np.lexsort(ix[: n // 2].T[::-1])]
                return [ix, dense(rng, "string", (n,), 8), np.array([*dims, width], np.int64)]

            b, c = shuffled(n, 5), shuffled(n // 2 + 1, 4)
            ints = shuffled(n, 6)
            ints[1] = dense(rng, "int64", (n,), 11)
            cases.append([a, *b, *c, *ints])
            assert cases[-1][1].shape[1] == rank
    check_cases(tf.function(fn), model, cases)


def test_threads_and_large_sets(tf, rng):
    """Thousands of groups of tens of values: the same bits on 1 and 2 threads."""

    def fn(a, b, ci, cv, cs):
        c = tf.SparseTensor(ci, cv, cs)
        out: dict = {}
        set_outputs(tf, out, "dd", tf.sets.intersection(a, b))
        set_outputs(tf, out, "ds", tf.sets.union(a, c))
        out["size"] = tf.sets.size(c)
        return out

    model = convert_fn(fn, ((None, None), tf.int32), ((None, None), tf.int32), ((None, 2), tf.int64),
                       ((None,), tf.int32), ((2,), tf.int64))  # fmt: skip
    a = dense(rng, "int32", (4000, 32), 40)
    b = dense(rng, "int32", (4000, 24), 40)
    c = sparse(rng, "int32", (4000,), 30, 40, 0.5)
    check_cases(tf.function(fn), model, [[a, b, *c]], num_threads=(1, 2))


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_bad_set_operation_refused(tf, runtime):
    """A node whose set_operation is not one of TF's four: an error naming the op, no crash."""
    options = flexbuffers.Dumps({"set_operation": "xor", "validate_indices": True, "T": 2})
    bad = tflite_model.single_custom_op_model(
        "DenseToDenseSetOperation",
        [("set1", [2, 3], np.int32), ("set2", [2, 3], np.int32)],
        [
            ("result_indices", [0, 2], np.int64),
            ("result_values", [0], np.int32),
            ("result_shape", [2], np.int64),
        ],
        options=options,
    )
    with pytest.raises(RuntimeError, match=r"DenseToDenseSetOperation.*Invalid set_operation xor"):
        run_tflite(bad, [np.ones((2, 3), np.int32)] * 2, runtime)


def test_errors_as_tf(tf):
    """TF's kernel texts: ranks below 2, mismatched group shapes, sparse tensors TF's
    SparseTensor refuses, unsorted/repeated/out-of-bounds indices when validated."""

    def dd(a, b):
        r = tf.raw_ops.DenseToDenseSetOperation(set1=a, set2=b, set_operation="union")
        return {"i": r.result_indices, "v": r.result_values, "s": r.result_shape}

    def ds(a, bi, bv, bs):
        r = tf.raw_ops.DenseToSparseSetOperation(
            set1=a, set2_indices=bi, set2_values=bv, set2_shape=bs, set_operation="a-b"
        )
        return {"i": r.result_indices, "v": r.result_values, "s": r.result_shape}

    def ss(ai, av, as_, bi, bv, bs, validate):
        r = tf.raw_ops.SparseToSparseSetOperation(
            set1_indices=ai, set1_values=av, set1_shape=as_, set2_indices=bi, set2_values=bv, set2_shape=bs,
            set_operation="intersection", validate_indices=validate,
        )  # fmt: skip
        return {"i": r.result_indices, "v": r.result_values, "s": r.result_shape}

    def size(ai, av, as_):
        return tf.raw_ops.SetSize(set_indices=ai, set_values=av, set_shape=as_)

    def size_unvalidated(ai, av, as_):
        return tf.raw_ops.SetSize(set_indices=ai, set_values=av, set_shape=as_, validate_indices=False)

    i32, i64 = tf.int32, tf.int64
    models = {
        "dd": (dd, [i32, i32]),
        "ds": (ds, [i32, i64, i32, i64]),
        "ss": (lambda *x: ss(*x, True), [i64, i32, i64] * 2),
        "ss_unvalidated": (lambda *x: ss(*x, False), [i64, i32, i64] * 2),
        "size": (size, [i64, i32, i64]),
        "size_unvalidated": (size_unvalidated, [i64, i32, i64]),
    }
    op_of = {"dd": OPS[0], "ds": OPS[1], "ss": OPS[2], "ss_unvalidated": OPS[2]}
    op_of.update(size=OPS[3], size_unvalidated=OPS[3])

    def sp(ix: Any, n: int | None = None, shape: Any = (2, 3)) -> list[np.ndarray]:
        ix = np.array(ix, np.int64)
        count = ix.shape[0] if n is None else n
        return [ix, np.arange(1, count + 1, dtype=np.int32), np.array(shape, np.int64)]

    good = sp([[0, 0], [1, 2]])
    two = np.ones((2, 3), np.int32)
    order = (
        " is out of order. Many sparse ops require sorted indices.\n"
        "    Use `tf.sparse.reorder` to create a correctly ordered copy.\n\n"
    )
    cases = [
        ("dd", [np.ones(3, np.int32), np.ones(3, np.int32)], "Shape [3] has rank 1 < 2"),
        ("dd", [two, np.ones((3, 3), np.int32)], "Mismatched shapes [2] vs [3]"),
        ("dd", [two, np.ones((2, 2, 3), np.int32)], "Mismatched shapes [2] vs [2,2]"),
        ("ds", [np.ones(3, np.int32), *good], "Shape [3] has rank 1 < 2"),
        ("ds", [two, *sp([[1, 0], [0, 0]])], "indices[1] = [0,0]" + order),
        ("ds", [two, *sp([[0, 0], [0, 0]])], "indices[1] = [0,0] is repeated"),
        ("ds", [two, *sp([[0, 3]])], "indices[0] = [0,3] is out of bounds: need 0 <= index < [2,3]"),
        ("ds", [two, *sp([[0], [1]], shape=[2])], "Invalid rank 1."),
        ("ds", [two, *sp([[0, 0]], shape=[[2, 3]])], "Shape must be a 1D tensor."),
        ("ds", [two, *sp([[0, 0]], shape=[2, -3])], "Expected shape dimensions to be non-negative, got -3"),
        (
            "ds",
            [two, *sp([[0, 0], [1, 0]], n=3)],
            "indices and values rows (indexing dimension) must match. (indices = 2, values = 3)",
        ),
        ("ds", [two, *sp([[0, 0, 0]])], "Order length must be SparseTensor rank."),
        ("ds", [two, *sp([[0, 0]], shape=[3, 3])], "Mismatched shapes [2] vs [3]"),
        ("ss", [*good, *sp([[0, 0, 0]], shape=[2, 2, 3])], "Mismatched shapes [2] vs [2,2]"),
        ("ss", [*good, *sp([[1, 1], [1, 0]])], "indices[1] = [1,0]" + order),
        ("size", sp([[0, 4]]), "indices[0] = [0,4] is out of bounds: need 0 <= index < [2,3]"),
        ("size", sp([[0]], shape=[3]), "Invalid rank 1."),
    ]
    fns = {
        key: tf.function(f, input_signature=[tf.TensorSpec(None, t) for t in types])
        for key, (f, types) in models.items()
    }
    converted = {key: convert_fn(f, *[(None, t) for t in types]) for key, (f, types) in models.items()}
    for key, inputs, text in cases:
        assert_fails_as_tf(tf, fns[key], converted[key], op_of[key], inputs, text)
    # Unvalidated: TF's internal checks of each group it uses (an index beyond its dim, a zero
    # dim), and TF's outputs otherwise.
    for key, inputs, text in [
        ("size_unvalidated", sp([[0, 1], [3, 0]]), "indices[0, 0] expected < 2, got 3."),
        ("ss_unvalidated", [*good, *sp([[1, 5]])], "indices[0, 1] expected < 3, got 5."),
        ("ss_unvalidated", [*good, *sp([[1, 0]], shape=[2, 0])], "Invalid dim_size[1] = 0."),
    ]:
        with pytest.raises(tf.errors.InternalError, match=text.replace("[", r"\[")):
            fns[key](*inputs)
        for runtime in RUNTIMES:
            with pytest.raises(RuntimeError, match=f"{op_of[key]}: " + text.replace("[", r"\[")):
                run_tflite(converted[key], inputs, runtime)
    want = tf_outputs(fns["size_unvalidated"], sp([[1, 1], [0, 0], [1, 0], [1, 0]]))
    for runtime in RUNTIMES:
        assert_bits(
            want,
            run_tflite(converted["size_unvalidated"], sp([[1, 1], [0, 0], [1, 0], [1, 0]]), runtime),
            runtime,
        )
    # A negative group index: TF's SetSize writes outside its output; we refuse.
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError, match=r"SetSize: .*is negative"):
            run_tflite(converted["size_unvalidated"], sp([[-1, 0]]), runtime)
