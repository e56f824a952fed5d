"""The tf.sparse kernels recommendation and tabular models need (feature columns, weighted sparse
embeddings): SparseFillEmptyRows, SparseReshape, SparseTensorDenseMatMul, SparseReduceSum/Max (and
*Sparse), SparseSoftmax, SparseTensorDenseAdd, SparseAdd, SparseReorder, SparseSlice and
DenseCountSparseOutput, TFLite kernels vs TF's own in both runtimes, bit for bit (TF's error text
where TF errors). One model per op: every dtype TF registers a node of it, so one conversion runs many
random sparse tensors (ranks 1-4, several densities, unsorted and repeated indices, empty ones)
and TF's errors. Plus safe_embedding_lookup_sparse with weights, each combiner, end to end."""

from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np
import pytest

import tf_op_parity
from conftest import RUNTIMES, registered_cpu_dtypes
from opbridge import tflite_model
from opbridge.testing import run_tflite
from tf_op_parity import convert

I64 = np.int64
BF16 = np.dtype(ml_dtypes.bfloat16)
# Every dtype of a values tensor the moving ops (fill, reorder) take.
MOVED = [
    np.float32,
    np.float64,
    np.float16,
    BF16,
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
    object,
]


def check(tf: Any, concrete: Any, model: bytes, arrays: list[np.ndarray], op: str, keys: Any = None) -> None:
    """tf_op_parity.check (TF's outputs bit for bit in both runtimes, or TF's error text), with TF's
    outputs read by .numpy() and compared at least 1-D: np.asarray refuses a 0-d bfloat16
    EagerTensor, and a 0-d array has no byte view (a full reduction's output). `keys` limits the
    outputs compared."""

    def numpy_outputs(*tensors: Any) -> dict[str, np.ndarray]:
        out = {k: v.numpy() for k, v in concrete(*tensors).items() if keys is None or keys(k)}
        return {k: v.reshape(1) if v.ndim == 0 else v for k, v in out.items()}

    def run_1d(model: bytes, arrays: Any, runtime: str) -> dict[str, np.ndarray]:
        out = run_tflite(model, arrays, runtime)
        return {k: v.reshape(1) if v.ndim == 0 else v for k, v in out.items()}

    original = tf_op_parity.run_tflite
    tf_op_parity.run_tflite = run_1d
    try:
        tf_op_parity.check(tf, numpy_outputs, model, arrays, op)
    finally:
        tf_op_parity.run_tflite = original


def tf_dtype(tf: Any, d: Any) -> Any:
    return tf.string if d is object else tf.as_dtype(np.dtype(d))


def values_of(rng: np.random.Generator, dtype: Any, n: int) -> np.ndarray:
    """n random values of dtype (strings as object arrays of bytes)."""
    if dtype is object:
        return np.array(
            [bytes(rng.integers(97, 123, rng.integers(0, 6)).astype(np.uint8)) for _ in range(n)], object
        )
    d = np.dtype(dtype)
    if d == np.bool_:
        return rng.integers(0, 2, n).astype(bool)
    if d.kind in "iu":
        info = np.iinfo(d)
        return rng.integers(info.min, info.max, n, dtype=np.int64 if d.kind == "i" else np.uint64).astype(d)
    if d.kind == "c":
        return (rng.normal(size=n) + 1j * rng.normal(size=n)).astype(d)
    return rng.normal(size=n).astype(d)


def random_sparse(
    rng: np.random.Generator, shape: list[int], density: float, order: str = "sorted"
) -> np.ndarray:
    """Indices of a random SparseTensor of `shape`: `sorted` (canonical), `shuffled`, or
    `repeated` (shuffled, some indices twice)."""
    size = int(np.prod(shape))
    n = round(size * density)
    flat = np.sort(rng.choice(size, n, replace=False)) if size else np.zeros(0, I64)
    if order != "sorted":
        flat = rng.permutation(flat)
    if order == "repeated" and n:
        flat = np.concatenate([flat, rng.choice(flat, max(1, n // 4))])
        flat = rng.permutation(flat)
    return np.stack(np.unravel_index(flat, shape), axis=1).astype(I64).reshape(-1, len(shape))


def test_declared_dtypes_are_tf_registrations(tf):
    """Each op declares exactly the value dtypes TF registers a CPU kernel for (no resource or
    variant: TFLite has neither)."""
    import opbridge

    for op, attr in [
        ("SparseFillEmptyRows", "T"),
        ("SparseReorder", "T"),
        ("SparseTensorDenseMatMul", "T"),
        ("SparseTensorDenseMatMul", "Tindices"),
        ("SparseTensorDenseAdd", "T"),
        ("SparseTensorDenseAdd", "Tindices"),
        ("SparseAdd", "T"),
        ("SparseSoftmax", "T"),
        ("SparseReduceSum", "T"),
        ("SparseReduceSumSparse", "T"),
        ("SparseReduceMax", "T"),
        ("SparseReduceMaxSparse", "T"),
        ("SparseSlice", "T"),
        ("DenseCountSparseOutput", "T"),
    ]:
        declared = {tf.as_dtype(n).name for n in opbridge.catalog.attr_info(op, attr).allowed}
        assert declared == registered_cpu_dtypes(op, attr) - {"resource", "variant"}, op


def fill_model(tf):
    def fn(indices, dense_shape, *pairs):
        out = {}
        for i in range(len(MOVED)):
            oi, ov, empty, rev = tf.raw_ops.SparseFillEmptyRows(
                indices=indices, values=pairs[2 * i], dense_shape=dense_shape, default_value=pairs[2 * i + 1]
            )
            out[f"v{i}"] = ov
            if i == 0:
                out.update(indices=oi, empty=empty, reverse=rev)
        return out

    specs = [([None, None], I64), ([None], I64)]
    for d in MOVED:
        specs += [([None], tf_dtype(tf, d)), ([], tf_dtype(tf, d))]
    return convert(tf, fn, specs)


def fill_inputs(rng, indices, dense_shape, n_values=None):
    n = len(indices) if n_values is None else n_values
    indices = np.asarray(indices, I64)
    arrays = [indices if indices.ndim == 2 else indices.reshape(-1, 1), np.asarray(dense_shape, I64)]
    for d in MOVED:
        # (A 0-d string must not be empty: the Python runtimes cannot feed one.)
        default = np.array(b"dflt", object) if d is object else values_of(rng, d, 1).reshape(())
        arrays += [values_of(rng, d, n), default]
    return arrays


def test_fill_empty_rows(tf, rng):
    concrete, model = fill_model(tf)
    assert tflite_model.custom_op_counts(model) == {"SparseFillEmptyRows": len(MOVED)}
    cases = []
    for shape in ([7], [6, 4], [5, 3, 2], [4, 2, 3, 2], [1, 5], [9, 1]):
        for density in (0.0, 0.15, 0.5, 1.0):
            for order in ("sorted", "shuffled", "repeated"):
                cases.append((random_sparse(rng, shape, density, order), shape))
    cases.append((np.zeros((0, 2), I64), [0, 3]))  # no rows at all
    cases.append((np.array([[0, 0], [1, 2], [2, 1]], I64), [3, 3]))  # full and ordered: passed on
    for indices, shape in cases:
        check(tf, concrete, model, fill_inputs(rng, indices, shape), "SparseFillEmptyRows")


def test_fill_empty_rows_errors(tf, rng):
    concrete, model = fill_model(tf)
    for indices, shape, n_values in [
        ([[0, 0], [4, 1]], [3, 3], None),  # a row past dense_shape[0]
        ([[0, 0], [-1, 1]], [3, 3], None),  # a negative row
        ([[0, 0]], [0, 3], None),  # entries with no rows
        ([[0, 0]], [3, 3], 2),  # values' length
        ([[0, 0, 0]], [3, 3], None),  # dense_shape's length
    ]:
        arrays = fill_inputs(rng, np.asarray(indices, I64), shape, n_values)
        check(tf, concrete, model, arrays, "SparseFillEmptyRows")
    # Dense shape empty: the indices' second dim must be 0 too for TF to reach its check.
    arrays = fill_inputs(rng, np.zeros((0, 0), I64), [], 0)
    arrays[0] = np.zeros((0, 0), I64)
    check(tf, concrete, model, arrays, "SparseFillEmptyRows")


def test_reshape(tf, rng):
    def fn(indices, shape, new_shape):
        oi, os = tf.raw_ops.SparseReshape(input_indices=indices, input_shape=shape, new_shape=new_shape)
        return {"indices": oi, "shape": os}

    concrete, model = convert(tf, fn, [([None, None], I64), ([None], I64), ([None], I64)])
    assert tflite_model.custom_op_counts(model) == {"SparseReshape": 1}
    cases = [
        ([6, 4], [24]),
        ([6, 4], [-1, 2]),
        ([5, 3, 2], [3, -1]),
        ([4, 2, 3, 2], [8, 6]),
        ([4, 2, 3, 2], [2, 2, 2, 3, -1]),
        ([6, 4], [6, 4]),  # the same shape: passed on
        ([7], [7, 1, 1]),
        ([0, 3], [3, 0]),
        ([0, 3], [0, -1, 3]),  # the missing size of an empty tensor: TF's error
        ([6, 4], [5, -1]),  # not a multiple
        ([6, 4], [-1, -1]),  # two unknowns
        ([6, 4], [-2, 12]),  # a negative size
        ([6, 4], [25]),  # a different count
        ([-6, 4], [24]),  # a negative input dim
        ([2**40, 2**40], [4]),  # the input's count past int64
    ]
    for shape, new_shape in cases:
        for density in (0.0, 0.3, 1.0):
            size = max(int(np.prod(shape)), 0) if max(shape) < 2**20 else 0
            indices = (
                random_sparse(rng, shape, density, "shuffled") if size else np.zeros((0, len(shape)), I64)
            )
            check(
                tf,
                concrete,
                model,
                [indices, np.array(shape, I64), np.array(new_shape, I64)],
                "SparseReshape",
            )


MATMUL = [np.float32, np.float64, np.int32, np.complex64, np.complex128, np.float16, BF16]


def test_sparse_dense_matmul(tf, rng):
    """Every dtype and index type, every adjoint pair, outputs narrower and wider than TF's
    vectorized path (32 columns), unsorted and repeated entries."""
    adjoints = [(False, False), (False, True), (True, False), (True, True)]

    def fn(ix64, ix32, a_shape, *rest):
        out = {}
        for i in range(len(MATMUL)):
            values = rest[5 * i]
            for j, (adj_a, adj_b) in enumerate(adjoints):
                b = rest[5 * i + 1 + j]
                for name, ix in (("64", ix64), ("32", ix32)):
                    out[f"p{i}_{j}_{name}"] = tf.raw_ops.SparseTensorDenseMatMul(
                        a_indices=ix, a_values=values, a_shape=a_shape, b=b, adjoint_a=adj_a, adjoint_b=adj_b
                    )
        return out

    specs = [([None, None], I64), ([None, None], np.int32), ([None], I64)]
    for d in MATMUL:
        specs += [([None], d)] + [([None, None], d)] * 4
    concrete, model = convert(tf, fn, specs)
    assert tflite_model.custom_op_counts(model) == {"SparseTensorDenseMatMul": len(MATMUL) * 8}

    def inputs(indices, m, k, n, nnz=None):
        arrays = [indices.astype(I64), indices.astype(np.int32), np.array([m, k], I64)]
        count = len(indices) if nnz is None else nnz
        for d in MATMUL:
            dd = np.dtype(d)
            arrays.append(
                values_of(rng, d, count) if dd.kind != "i" else rng.integers(-(2**31), 2**31, count).astype(d)
            )
            for shape in ([k, n], [n, k], [m, n], [n, m]):
                if dd.kind == "i":
                    arrays.append(rng.integers(-(2**31), 2**31, shape).astype(d))
                else:
                    arrays.append(values_of(rng, d, int(np.prod(shape))).reshape(shape))
        return arrays

    for m, k, n in [(6, 6, 5), (5, 5, 40), (4, 4, 32), (3, 3, 1)]:
        for density, order in [(0.3, "sorted"), (0.6, "shuffled"), (0.5, "repeated"), (0.0, "sorted")]:
            check(
                tf,
                concrete,
                model,
                inputs(random_sparse(rng, [m, k], density, order), m, k, n),
                "SparseTensorDenseMatMul",
            )
    check(tf, concrete, model, inputs(np.zeros((0, 2), I64), 0, 0, 3), "SparseTensorDenseMatMul")
    # TF's error: a short values vector (the index errors: test_sparse_dense_matmul_errors).
    check(
        tf,
        concrete,
        model,
        inputs(np.array([[0, 1], [1, 1]], I64), 5, 5, 3, nnz=1),
        "SparseTensorDenseMatMul",
    )


def test_sparse_dense_matmul_errors(tf, rng):
    def fn(ix, values, a_shape, b):
        return {"p": tf.raw_ops.SparseTensorDenseMatMul(a_indices=ix, a_values=values, a_shape=a_shape, b=b)}

    concrete, model = convert(
        tf, fn, [([None, None], I64), ([None], np.float32), ([None], I64), ([None, None], np.float32)]
    )
    # The inner dims differ; a_shape not 2 long; an index past k (checked first), past m. (One
    # node: each adjoint pair names other columns.)
    for ix, a_shape, b_shape in [
        ([[0, 1]], [3, 4], [5, 2]),
        ([[0, 1]], [3, 4, 1], [4, 2]),
        ([[0, 1], [1, 9]], [5, 5], [5, 2]),
        ([[0, 1], [9, 1]], [5, 5], [5, 2]),
        ([[0, 1], [9, 9]], [5, 5], [5, 2]),
    ]:
        ix = np.array(ix, I64)
        arrays = [ix, np.ones(len(ix), np.float32), np.array(a_shape, I64), np.ones(b_shape, np.float32)]
        check(tf, concrete, model, arrays, "SparseTensorDenseMatMul")


ADDED = [
    np.float32,
    np.float64,
    np.float16,
    BF16,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
    np.complex64,
    np.complex128,
]


def test_sparse_tensor_dense_add(tf, rng):
    """Rank-2 nodes of every dtype and index type; ranks 1, 3 and 5 in float; repeated entries
    added twice; TF's errors."""

    def fn(ix64, ix32, shape64, shape32, *rest):
        out = {}
        for i in range(len(ADDED)):
            v, b = rest[2 * i], rest[2 * i + 1]
            out[f"a{i}"] = tf.raw_ops.SparseTensorDenseAdd(a_indices=ix64, a_values=v, a_shape=shape64, b=b)
            out[f"b{i}"] = tf.raw_ops.SparseTensorDenseAdd(a_indices=ix32, a_values=v, a_shape=shape32, b=b)
        return out

    specs = [([None, None], I64), ([None, None], np.int32), ([None], I64), ([None], np.int32)]
    for d in ADDED:
        specs += [([None], d), ([None, None], d)]
    concrete, model = convert(tf, fn, specs)
    assert tflite_model.custom_op_counts(model) == {"SparseTensorDenseAdd": 2 * len(ADDED)}

    def inputs(indices, shape, b_shape=None, nnz=None):
        arrays = [
            indices.astype(I64),
            indices.astype(np.int32),
            np.array(shape, I64),
            np.array(shape, np.int32),
        ]
        for d in ADDED:
            arrays += [values_of(rng, d, len(indices) if nnz is None else nnz)]
            bs = shape if b_shape is None else b_shape
            arrays += [values_of(rng, d, int(np.prod(bs))).reshape(bs)]
        return arrays

    for shape in ([6, 5], [1, 7], [0, 3]):
        for density, order in [(0.3, "sorted"), (0.7, "repeated"), (1.0, "shuffled")]:
            check(
                tf,
                concrete,
                model,
                inputs(random_sparse(rng, shape, density, order), shape),
                "SparseTensorDenseAdd",
            )
    for indices, shape, b_shape, nnz in [
        ([[0, 0], [2, 5]], [3, 4], None, None),  # an index past its dim
        ([[0, 0], [-1, 1]], [3, 4], None, None),
        ([[0, 0]], [3, 4], [3, 5], None),  # shapes differ
        ([[0, 0]], [3, 4], None, 2),  # values' length
    ]:
        check(
            tf, concrete, model, inputs(np.array(indices, I64), shape, b_shape, nnz), "SparseTensorDenseAdd"
        )

    def ranks(i1, s1, b1, i3, s3, b3, i5, s5, b5, v1, v3, v5):
        return {
            f"r{r}": tf.raw_ops.SparseTensorDenseAdd(a_indices=i, a_values=v, a_shape=s, b=b)
            for r, i, s, b, v in ((1, i1, s1, b1, v1), (3, i3, s3, b3, v3), (5, i5, s5, b5, v5))
        }

    specs = []
    for r in (1, 3, 5):
        specs += [([None, None], I64), ([None], I64), ([None] * r, np.float32)]
    specs += [([None], np.float32)] * 3
    concrete, model = convert(tf, ranks, specs)
    arrays, values = [], []
    for shape in ([9], [3, 4, 2], [2, 3, 1, 2, 3]):
        ix = random_sparse(rng, shape, 0.4, "repeated")
        arrays += [ix, np.array(shape, I64), rng.normal(size=shape).astype(np.float32)]
        values.append(rng.normal(size=len(ix)).astype(np.float32))
    check(tf, concrete, model, arrays + values, "SparseTensorDenseAdd")


def test_reorder(tf, rng):
    def fn(indices, shape, *values):
        out = {}
        for i, v in enumerate(values):
            oi, ov = tf.raw_ops.SparseReorder(input_indices=indices, input_values=v, input_shape=shape)
            out[f"v{i}"] = ov
            if i == 0:
                out["indices"] = oi
        return out

    specs = [([None, None], I64), ([None], I64)] + [([None], tf_dtype(tf, d)) for d in MOVED]
    concrete, model = convert(tf, fn, specs)
    assert tflite_model.custom_op_counts(model) == {"SparseReorder": len(MOVED)}
    for shape in ([9], [6, 4], [5, 3, 2], [4, 2, 3, 2], [3, 2, 2, 2, 2, 2]):
        for density, order in [(0.3, "sorted"), (0.6, "shuffled"), (0.5, "repeated"), (0.0, "sorted")]:
            ix = random_sparse(rng, shape, density, order)
            check(
                tf,
                concrete,
                model,
                [ix, np.array(shape, I64)] + [values_of(rng, d, len(ix)) for d in MOVED],
                "SparseReorder",
            )
    # Out-of-range indices are sorted too, and a zero or negative dim is taken (TF checks neither);
    # a shape of another length is TF's error.
    for ix, shape in [
        ([[1, 0], [0, 7], [1, 0]], [2, 3]),
        ([[0, 0], [0, 0]], [0, 3]),
        ([[1, 0], [0, 0]], [-2, 3]),
        ([[0, 0]], [2, 3, 4]),
        # Extreme indices: order by comparison (a difference would overflow int64).
        ([[0, -(2**63)], [0, 2**63 - 1], [0, 1], [-(2**63), 2]], [2, 3]),
    ]:
        ix = np.array(ix, I64)
        check(
            tf,
            concrete,
            model,
            [ix, np.array(shape, I64)] + [values_of(rng, d, len(ix)) for d in MOVED],
            "SparseReorder",
        )


@pytest.mark.parametrize("combiner", ["sum", "mean", "sqrtn"])
def test_safe_embedding_lookup_sparse_weighted(tf, rng, combiner):
    """tf.nn.safe_embedding_lookup_sparse with weights, a [batch, slots, ids] id tensor (reshaped
    to 2-D, empty rows filled, pruned weights), converted with opbridge.convert and run in both
    runtimes: TF's bits for sum and mean. sqrtn's extra steps, sqrt(segment_sum(w * w)) and the
    division by it, run in TFLite's builtins (SEGMENT_SUM, MUL, SQRT, DIV: no opbridge kernel on
    that path), which land within 2 ulp of TF's (measured)."""
    vocab, dim = 50, 8

    def fn(table, ids_ix, ids_val, w_val, dense_shape):
        ids = tf.SparseTensor(ids_ix, ids_val, dense_shape)
        weights = tf.SparseTensor(ids_ix, w_val, dense_shape)
        return {
            "emb": tf.nn.safe_embedding_lookup_sparse(table, ids, weights, combiner=combiner, default_id=None)
        }

    specs = [([vocab, dim], np.float32), ([None, 3], I64), ([None], I64), ([None], np.float32), ([3], I64)]
    concrete, model = convert(tf, fn, specs)
    custom = tflite_model.custom_op_counts(model)
    assert custom == {"SparseFillEmptyRows": 2, "SparseReshape": 1}, custom
    table = rng.normal(size=(vocab, dim)).astype(np.float32)
    for batch, density in [(6, 0.4), (9, 0.15), (4, 0.0)]:
        shape = [batch, 2, 5]
        ix = random_sparse(rng, shape, density)
        ids = rng.integers(0, vocab, len(ix)).astype(I64)
        w = rng.uniform(-1, 2, len(ix)).astype(np.float32)
        w[::5] = -0.5  # safe_embedding_lookup_sparse prunes weights <= 0
        arrays = [table, ix, ids, w, np.array(shape, I64)]
        if combiner != "sqrtn":
            check(tf, concrete, model, arrays, "Sparse")
            continue
        want = concrete(*[tf.constant(a) for a in arrays])["emb"].numpy()
        for runtime in RUNTIMES:
            got = run_tflite(model, arrays, runtime)["emb"]
            assert got.shape == want.shape == (batch, 2, dim)
            np.testing.assert_array_max_ulp(got, want, maxulp=2)


SUMMED = ADDED
MAXED = [d for d in ADDED if np.dtype(d).kind != "c"]


def reduce_model(tf):
    def fn(indices, shape, axes, *values):
        out = {}
        for i, d in enumerate(SUMMED):
            v = values[i]
            args = dict(input_indices=indices, input_values=v, input_shape=shape, reduction_axes=axes)
            for keep in (False, True):
                out[f"sum{i}_{keep}"] = tf.raw_ops.SparseReduceSum(**args, keep_dims=keep)
                if d in MAXED:
                    out[f"max{i}_{keep}"] = tf.raw_ops.SparseReduceMax(**args, keep_dims=keep)
            si, sv, ss = tf.raw_ops.SparseReduceSumSparse(**args, keep_dims=i % 2 == 0)
            out.update({f"ssi{i}": si, f"ssv{i}": sv, f"sss{i}": ss})
            if d in MAXED:
                mi, mv, ms = tf.raw_ops.SparseReduceMaxSparse(**args, keep_dims=i % 2 == 1)
                out.update({f"smi{i}": mi, f"smv{i}": mv, f"sms{i}": ms})
        return out

    specs = [([None, None], I64), ([None], I64), ([None], np.int32)] + [([None], d) for d in SUMMED]
    return convert(tf, fn, specs)


def test_reduce_sum_max(tf, rng):
    """Sum and max, dense and sparse outputs, keep_dims both ways, every dtype: groups of 1 to
    hundreds of entries (Eigen's scalar tail, single packets and its four-packet runs), unsorted and
    repeated entries, every axis set of ranks 1-4, negative axes."""
    concrete, model = reduce_model(tf)
    counts = tflite_model.custom_op_counts(model)
    assert counts == {
        "SparseReduceSum": 2 * len(SUMMED),
        "SparseReduceMax": 2 * len(MAXED),
        "SparseReduceSumSparse": len(SUMMED),
        "SparseReduceMaxSparse": len(MAXED),
    }
    cases = [
        ([9], [0], "sorted"),
        ([9], [], "repeated"),
        ([6, 70], [1], "shuffled"),
        ([6, 70], [-1, 0], "repeated"),
        ([5, 3, 40], [0, 2], "shuffled"),
        ([5, 3, 40], [1, 1], "sorted"),  # an axis twice: TF allows it
        ([4, 2, 3, 50], [1, 3], "repeated"),
        ([4, 2, 3, 50], [-3], "sorted"),
        ([3, 300], [1], "sorted"),
    ]
    for shape, axes, order in cases:
        for density in (0.9, 0.4):
            ix = random_sparse(rng, shape, density, order)
            arrays = [ix, np.array(shape, I64), np.array(axes, np.int32)]
            check(tf, concrete, model, arrays + [values_of(rng, d, len(ix)) for d in SUMMED], "SparseReduce")
    # No entries; TF's errors: an axis past the rank, a negative dim, indices of another rank.
    for ix, shape, axes in [
        (np.zeros((0, 2), I64), [3, 4], [1]),
        (np.zeros((1, 2), I64), [3, 4], [2]),
        (np.zeros((1, 2), I64), [-3, 4], [1]),
        (np.zeros((1, 2), I64), [3, 4, 5], [1]),
    ]:
        arrays = [ix, np.array(shape, I64), np.array(axes, np.int32)]
        check(tf, concrete, model, arrays + [values_of(rng, d, len(ix)) for d in SUMMED], "SparseReduce")
    # A kept index past its dim: the dense forms' write error, an Internal error in TF.
    ix = np.array([[0, 0], [9, 1]], I64)
    arrays = [ix, np.array([3, 4], I64), np.array([1], np.int32)] + [values_of(rng, d, 2) for d in SUMMED]
    with pytest.raises(tf.errors.InternalError) as caught:
        np.asarray(
            tf.raw_ops.SparseReduceSum(
                input_indices=ix, input_values=arrays[3], input_shape=arrays[1], reduction_axes=arrays[2]
            )
        )
    message = caught.value.message.split(" [Op:")[0]
    message = message.split("}} ")[-1]
    assert message.startswith("Obtained a write index of 9"), message
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError, match="SparseReduce") as ours:
            run_tflite(model, arrays, runtime)
        assert message in str(ours.value), (runtime, message, str(ours.value))


def test_reduce_max_nan_and_signed_zeros(tf, rng):
    """Max keeps TF's choice between NaN and numbers and between -0 and +0 (it depends on the
    order): groups of 2 to 40 such values, floating dtypes. (Sums of such values are not compared:
    which NaN a sum of NaNs and infinities carries, sign included, is not TF's everywhere.)"""
    concrete, model = reduce_model(tf)
    maxed = {f"{kind}{i}" for i, d in enumerate(SUMMED) if d in MAXED for kind in ("max", "smv")}
    for n in (2, 3, 9, 40):
        shape = [8, n]
        ix = random_sparse(rng, shape, 1.0)
        pool = np.array([np.nan, 1.0, -0.0, 0.0, -np.inf, np.inf, -1.0])
        base = pool[rng.integers(0, len(pool), len(ix))]
        arrays = [ix, np.array(shape, I64), np.array([1], np.int32)]
        vals = []
        for d in SUMMED:
            dd = np.dtype(d)
            vals.append(base.astype(d) if dd.kind in "fc" or dd == BF16 else values_of(rng, d, len(ix)))
        check(tf, concrete, model, arrays + vals, "SparseReduce", keys=lambda k: k.split("_")[0] in maxed)


def test_softmax(tf, rng):
    def fn(indices, shape, a, b, c):
        return {
            f"s{i}": tf.raw_ops.SparseSoftmax(sp_indices=indices, sp_values=v, sp_shape=shape)
            for i, v in enumerate((a, b, c))
        }

    concrete, model = convert(
        tf,
        fn,
        [
            ([None, None], I64),
            ([None], I64),
            ([None], np.float32),
            ([None], np.float64),
            ([None], np.float16),
        ],
    )
    assert tflite_model.custom_op_counts(model) == {"SparseSoftmax": 3}
    for shape in ([5, 7], [4, 40], [3, 2, 70], [2, 2, 2, 9]):
        for density, order in [(0.7, "sorted"), (0.5, "shuffled"), (1.0, "shuffled")]:
            ix = random_sparse(rng, shape, density, order)
            arrays = [ix, np.array(shape, I64)] + [
                (3 * rng.normal(size=len(ix))).astype(d) for d in (np.float32, np.float64, np.float16)
            ]
            check(tf, concrete, model, arrays, "SparseSoftmax")
    for ix, shape in [(np.zeros((0, 2), I64), [3, 3]), (np.zeros((1, 1), I64), [4])]:
        arrays = [ix, np.array(shape, I64)] + [
            np.ones(len(ix), d) for d in (np.float32, np.float64, np.float16)
        ]
        check(tf, concrete, model, arrays, "SparseSoftmax")


SPARSE_ADD = [np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.complex64, np.complex128]


def test_sparse_add(tf, rng):
    """Every dtype with its threshold type: disjoint, overlapping and identical index sets, sums
    cancelling below the threshold (dropped) and single entries below it (kept), int8 wrapping,
    and TF's errors."""

    def fn(a_ix, a_shape, b_ix, b_shape, *rest):
        out = {}
        for i in range(len(SPARSE_ADD)):
            si, sv, ss = tf.raw_ops.SparseAdd(
                a_indices=a_ix,
                a_values=rest[3 * i],
                a_shape=a_shape,
                b_indices=b_ix,
                b_values=rest[3 * i + 1],
                b_shape=b_shape,
                thresh=rest[3 * i + 2],
            )
            out.update({f"i{i}": si, f"v{i}": sv, f"s{i}": ss})
        return out

    specs = [([None, None], I64), ([None], I64), ([None, None], I64), ([None], I64)]
    for d in SPARSE_ADD:
        real = np.float32 if d == np.complex64 else np.float64 if d == np.complex128 else d
        specs += [([None], d), ([None], d), ([], real)]
    concrete, model = convert(tf, fn, specs)
    assert tflite_model.custom_op_counts(model) == {"SparseAdd": len(SPARSE_ADD)}

    def inputs(a_ix, b_ix, shape, b_shape=None, thresh=0.5, cancel=False):
        arrays = [a_ix, np.array(shape, I64), b_ix, np.array(shape if b_shape is None else b_shape, I64)]
        for d in SPARSE_ADD:
            dd = np.dtype(d)
            real = np.float32 if d == np.complex64 else np.float64 if d == np.complex128 else d
            if dd.kind == "i":
                a = rng.integers(-100, 100, len(a_ix)).astype(d)
                b = rng.integers(-100, 100, len(b_ix)).astype(d)
                t = real(3)
            else:
                a = (rng.normal(size=len(a_ix)) * (1 + 1j * (dd.kind == "c"))).astype(d)
                b = (rng.normal(size=len(b_ix)) * (1 + 1j * (dd.kind == "c"))).astype(d)
                t = real(thresh)
            if cancel and len(a) == len(b):
                b = (-a).astype(d)
                b[::3] += d(1) if dd.kind != "c" else d(1 + 1j)
                # Sums exactly at the threshold: kept (thresh <= |sum|).
                if dd.kind == "i":
                    b[1::3] = (3 - a[1::3]).astype(d)
                else:
                    a[1::3] = b[1::3] = d(thresh / 2)
            arrays += [a, b, np.asarray(t, real)]
        return arrays

    for shape in ([9], [6, 5], [4, 3, 5]):
        for da, db in [(0.3, 0.3), (0.0, 0.5), (1.0, 1.0), (0.6, 0.1)]:
            a_ix, b_ix = random_sparse(rng, shape, da), random_sparse(rng, shape, db)
            check(tf, concrete, model, inputs(a_ix, b_ix, shape), "SparseAdd")
        ix = random_sparse(rng, shape, 0.5)
        check(tf, concrete, model, inputs(ix, ix, shape, cancel=True), "SparseAdd")
    for a_ix, b_ix, shape, b_shape in [
        (np.zeros((1, 2), I64), np.zeros((1, 3), I64), [3, 3], None),  # widths differ
        (np.zeros((1, 2), I64), np.zeros((1, 2), I64), [3, 3], [3, 4]),  # shapes differ
        (np.zeros((1, 2), I64), np.zeros((1, 2), I64), [3, 3, 1], [3, 3, 1]),  # shape vs width
        (np.zeros((1, 2), I64), np.zeros((1, 2), I64), [3, 3], [3, 3, 2]),
    ]:
        check(tf, concrete, model, inputs(a_ix, b_ix, shape, b_shape), "SparseAdd")


def test_slice(tf, rng):
    """Boxes inside, across and past the shape, empty ones, every moved dtype; -1 placeholder
    indices (not validated, as TF); TF's errors."""

    def fn(indices, shape, start, size, *values):
        out = {}
        for i, v in enumerate(values):
            oi, ov, os = tf.raw_ops.SparseSlice(
                indices=indices, values=v, shape=shape, start=start, size=size
            )
            out[f"v{i}"] = ov
            if i == 0:
                out.update(indices=oi, shape=os)
        return out

    specs = [([None, None], I64), ([None], I64), ([None], I64), ([None], I64)]
    specs += [([None], tf_dtype(tf, d)) for d in MOVED]
    concrete, model = convert(tf, fn, specs)
    assert tflite_model.custom_op_counts(model) == {"SparseSlice": len(MOVED)}
    for shape, start, size in [
        ([9], [2], [4]),
        ([6, 5], [1, 0], [3, 5]),
        ([6, 5], [4, 3], [9, 9]),  # across the end
        ([6, 5], [7, 0], [2, 2]),  # past it
        ([5, 3, 4], [0, 1, 1], [5, 0, 2]),  # an empty box
        ([4, 2, 3, 2], [1, 0, 1, 0], [2, 2, 2, 1]),
    ]:
        for density, order in [(0.5, "shuffled"), (0.0, "sorted")]:
            ix = random_sparse(rng, shape, density, order)
            arrays = [ix, np.array(shape, I64), np.array(start, I64), np.array(size, I64)]
            check(tf, concrete, model, arrays + [values_of(rng, d, len(ix)) for d in MOVED], "SparseSlice")
    for ix, shape, start, size in [
        ([[-1, 2], [1, 1]], [3, 3], [0, 0], [3, 3]),  # a placeholder index: skipped
        ([[0, 0]], [3, 3], [0], [3, 3]),  # start's length
        ([[0, 0]], [3, 3], [0, 0], [3]),  # size's length
        ([[0, 0]], [3, 3, 3], [0, 0, 0], [1, 1, 1]),  # shape's length
        ([[0, 0]], [3, 3], [0, 0], [-2, 1]),  # a negative size
        ([[0, 0]], [-3, 3], [0, 0], [1, 1]),  # a negative dim
    ]:
        ix = np.array(ix, I64)
        arrays = [ix, np.array(shape, I64), np.array(start, I64), np.array(size, I64)]
        check(tf, concrete, model, arrays + [values_of(rng, d, len(ix)) for d in MOVED], "SparseSlice")


def test_dense_count_sparse_output(tf, rng):
    """tf.sparse.bincount of dense 1-D and 2-D values: counts, weights of every output_type,
    binary_output, minlength and maxlength (values past it skipped); TF's errors (a negative
    value among them)."""
    weight_types = [np.int32, np.int64, np.float32, np.float64]

    def fn(v1, v2, *weights):
        out = {}
        for i, w in enumerate(weights):
            for name, v in (("a", v1), ("b", v2)):
                for binary, minlength, maxlength in ((False, -1, -1), (True, 12, -1), (False, -1, 7)):
                    oi, ov, os = tf.raw_ops.DenseCountSparseOutput(
                        values=v,
                        weights=w if name == "b" else tf.zeros([0], w.dtype),
                        binary_output=binary,
                        minlength=minlength,
                        maxlength=maxlength,
                    )
                    key = f"{name}{i}_{binary}_{minlength}_{maxlength}"
                    out.update({f"i{key}": oi, f"v{key}": ov, f"s{key}": os})
        return out

    specs = [([None], np.int32), ([None, None], I64)] + [([None, None], d) for d in weight_types]
    concrete, model = convert(tf, fn, specs)
    assert tflite_model.custom_op_counts(model) == {"DenseCountSparseOutput": 24}
    for rows, cols in [(4, 9), (1, 30), (3, 0)]:
        v1 = rng.integers(0, 15, rows * cols).astype(np.int32)
        v2 = rng.integers(0, 15, (rows, cols)).astype(I64)
        weights = [
            rng.integers(-5, 9, (rows, cols)).astype(d)
            if np.dtype(d).kind == "i"
            else rng.normal(size=(rows, cols)).astype(d)
            for d in weight_types
        ]
        check(tf, concrete, model, [v1, v2, *weights], "DenseCountSparseOutput")
    # A negative value; weights of another shape; a batch dim of 0.
    neg = [np.array([1, -1, 2], np.int32), np.array([[1, -1, 2], [0, 1, 2]], I64)]
    check(tf, concrete, model, [*neg, *[np.ones((2, 3), d) for d in weight_types]], "DenseCountSparseOutput")
    v2 = rng.integers(0, 5, (2, 3)).astype(I64)
    bad = [np.ones((3, 2), d) for d in weight_types]
    check(tf, concrete, model, [np.zeros(3, np.int32), v2, *bad], "DenseCountSparseOutput")
    check(
        tf,
        concrete,
        model,
        [np.zeros(3, np.int32), np.zeros((0, 3), I64), *[np.ones((0, 3), d) for d in weight_types]],
        "DenseCountSparseOutput",
    )
