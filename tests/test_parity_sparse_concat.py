"""SparseConcat (tf.sparse.concat): the TFLite kernel against TF's own in both runtimes, bit for
bit, or TF's error text. The op has three input lists of one length N (indices, values, shapes),
split from the node's flat inputs by the N the converter keeps. One model per (N, concat_dim):
a node per value dtype TF registers, all sharing the indices and shapes, so one conversion runs
ranks 1-4, sorted, shuffled and repeated indices (TF's std::sort order for ties), empty inputs,
and TF's shape errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from conftest import RUNTIMES, registered_cpu_dtypes
from opbridge import tflite_model
from opbridge.testing import run_tflite
from test_parity_sparse_ops import I64, MOVED, check, random_sparse, tf_dtype, values_of
from tf_op_parity import convert


def concat_model(tf: Any, n: int, concat_dim: int, dtypes: list[Any]) -> tuple[Any, bytes]:
    """SparseConcat of n inputs per dtype in `dtypes`; inputs: n indices, n shapes, then the
    values of each dtype for each input."""

    def fn(*args):
        inds, shapes, vals = args[:n], args[n : 2 * n], args[2 * n :]
        out = {}
        for k in range(len(dtypes)):
            oi, ov, os = tf.raw_ops.SparseConcat(
                indices=list(inds),
                values=list(vals[k * n : (k + 1) * n]),
                shapes=list(shapes),
                concat_dim=concat_dim,
            )
            out[f"v{k}"] = ov
            if k == 0:
                out.update(indices=oi, shape=os)
        return out

    specs = [([None, None], I64)] * n + [([None], I64)] * n
    specs += [([None], tf_dtype(tf, d)) for d in dtypes for _ in range(n)]
    concrete, model = convert(tf, fn, specs)
    assert tflite_model.custom_op_counts(model) == {"SparseConcat": len(dtypes)}
    return concrete, model


def arrays_for(rng, shapes: list[list[int]], inds: list[np.ndarray], dtypes: list[Any]) -> list[np.ndarray]:
    out = [np.asarray(ix, I64) for ix in inds] + [np.array(s, I64) for s in shapes]
    for d in dtypes:
        out += [values_of(rng, d, len(ix)) for ix in inds]
    return out


def test_declared_dtypes_are_tf_registrations(tf):
    import opbridge

    declared = {tf.as_dtype(n).name for n in opbridge.catalog.attr_info("SparseConcat", "T").allowed}
    assert declared == registered_cpu_dtypes("SparseConcat") - {"resource", "variant"}


@pytest.mark.parametrize("n, concat_dim", [(3, 1), (2, -1)])
def test_sparse_concat(tf, rng, n, concat_dim):
    dtypes = MOVED if n == 3 else [np.float32, object]
    concrete, model = concat_model(tf, n, concat_dim, dtypes)
    for base in ([5, 4], [3, 4, 2], [2, 3, 2, 2], [7, 1]):
        rank = len(base)
        axis = concat_dim % rank
        for density, order in [(0.4, "sorted"), (0.6, "shuffled"), (0.5, "repeated"), (0.0, "sorted")]:
            shapes = []
            for i in range(n):
                s = list(base)
                s[axis] = int(rng.integers(0, 4)) if i else base[axis]
                shapes.append(s)
            inds = [random_sparse(rng, s, density if i != 1 else 0.3, order) for i, s in enumerate(shapes)]
            check(tf, concrete, model, arrays_for(rng, shapes, inds, dtypes), "SparseConcat")
    # Out-of-range indices pass unchecked, as in TF; a rank-1 input has no dim 1 (TF's range error
    # for n == 3, concat_dim 1).
    ix = [np.array([[9, 0], [0, 7]], I64)] + [np.array([[1, 1]], I64)] * (n - 1)
    check(tf, concrete, model, arrays_for(rng, [[2, 3]] * n, ix, dtypes), "SparseConcat")
    bad: list[tuple[list[list[int]], list[Any]]] = [
        ([[4]] * n, [np.array([[1]], I64)] * n),  # rank 1: concat_dim out of range only for 1
        ([[2, 3]] + [[2, 3, 1]] * (n - 1), [np.zeros((0, 2), I64)] * n),  # ranks differ
        ([[2, 3]] + [[5, 5]] * (n - 1), [np.zeros((0, 2), I64)] * n),  # another dim differs
        ([[2, 3]] * n, [np.array([[0, 0, 0]], I64)] * n),  # indices columns != rank
        ([[2, 3]] * n, [np.zeros((0, 5), I64)] * n),  # no entries: TF checks no columns
    ]
    for shapes, inds in bad:
        check(tf, concrete, model, arrays_for(rng, shapes, inds, dtypes), "SparseConcat")
    # Indices that are not a matrix, values not a vector, rows that differ.
    arrays = arrays_for(rng, [[2, 3]] * n, [np.array([[0, 1]], I64)] * n, dtypes)
    arrays[0] = np.zeros((2,), I64)
    check(tf, concrete, model, arrays, "SparseConcat")
    arrays = arrays_for(rng, [[2, 3]] * n, [np.array([[0, 1]], I64)] * n, dtypes)
    arrays[2 * n + 1] = arrays[2 * n + 1][:0]
    check(tf, concrete, model, arrays, "SparseConcat")


def test_sparse_concat_shape_overflow(tf, rng):
    """A negative or overflowing dense shape is TF's InternalError, ours by the same words."""
    concrete, model = concat_model(tf, 2, 0, [np.float32])
    for shapes in ([[2, -3], [2, -3]], [[1 << 40, 1 << 30], [1, 1 << 30]]):
        arrays = arrays_for(rng, shapes, [np.array([[0, 1]], I64)] * 2, [np.float32])
        with pytest.raises(tf.errors.InternalError, match=r"Encountered overflow from large input shape\."):
            concrete(*[tf.constant(a) for a in arrays])
        for runtime in RUNTIMES:
            with pytest.raises(RuntimeError, match=r"SparseConcat.*Encountered overflow"):
                run_tflite(model, arrays, runtime)
