"""tf.sparse ops of recommendation and tabular models (feature columns, weighted sparse
embeddings), at a serving batch: 256 rows with about 30 ids each out of a vocabulary of 10,000,
embeddings of 64 floats."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case

ROWS, PER_ROW, VOCAB, DIM = 256, 30, 10_000, 64


def _batch(rng: np.random.Generator, scale: int, cols: int) -> np.ndarray:
    """Sorted [n, 2] indices: 1-2x PER_ROW distinct columns per row, every 16th row empty."""
    rows = max(2, ROWS // scale)
    out = []
    for r in range(rows):
        if r % 16 == 5:
            continue
        k = int(rng.integers(PER_ROW // 2, PER_ROW * 3 // 2 + 1))
        for c in np.sort(rng.choice(cols, k, replace=False)):
            out.append((r, c))
    return np.array(out, np.int64)


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    # Its own generator: the shared one's stream stays as the other modules' cases expect it.
    rng = np.random.default_rng(20261205)
    raw = tf.raw_ops
    rows = max(2, ROWS // scale)
    ids_ix = _batch(rng, scale, 1000)
    n = len(ids_ix)
    dense_shape = np.array([rows, 1000], np.int64)
    weights = rng.uniform(0.1, 2, n).astype(np.float32)
    ids = rng.integers(0, VOCAB, n).astype(np.int64)
    vocab_ix = np.stack([ids_ix[:, 0], ids], axis=1)
    vocab_ix = vocab_ix[np.lexsort((vocab_ix[:, 1], vocab_ix[:, 0]))]
    table = rng.normal(size=(VOCAB, DIM)).astype(np.float32)
    shuffled = rng.permutation(n)
    other_ix = _batch(rng, scale, 1000)
    slots_ix = np.stack([ids_ix[:, 0], ids_ix[:, 1] // 100, ids_ix[:, 1] % 100], axis=1)
    label = f"[{rows}, 1000] {n} entries"
    return [
        Case(
            "SparseFillEmptyRows",
            f"{label}, int64 ids",
            lambda i, v, s: raw.SparseFillEmptyRows(
                indices=i, values=v, dense_shape=s, default_value=np.int64(0)
            ),
            [ids_ix, ids, dense_shape],
        ),
        Case(
            "SparseReshape",
            f"[{rows}, 10, 100] {n} entries to 2-D",
            lambda i, s: raw.SparseReshape(
                input_indices=i, input_shape=s, new_shape=np.array([-1, 1000], np.int64)
            ),
            [slots_ix, np.array([rows, 10, 100], np.int64)],
        ),
        Case(
            "SparseTensorDenseMatMul",
            f"[{rows}, {VOCAB}] {n} entries @ f32 [{VOCAB}, {DIM}]",
            lambda i, v, s, b: raw.SparseTensorDenseMatMul(a_indices=i, a_values=v, a_shape=s, b=b),
            [vocab_ix, weights, np.array([rows, VOCAB], np.int64), table],
        ),
        Case(
            "SparseReduceSum",
            f"{label} f32, axis 1",
            lambda i, v, s: raw.SparseReduceSum(
                input_indices=i, input_values=v, input_shape=s, reduction_axes=np.array([1], np.int32)
            ),
            [ids_ix, weights, dense_shape],
        ),
        Case(
            "SparseReduceMax",
            f"{label} f32, axis 1",
            lambda i, v, s: raw.SparseReduceMax(
                input_indices=i, input_values=v, input_shape=s, reduction_axes=np.array([1], np.int32)
            ),
            [ids_ix, weights, dense_shape],
        ),
        Case(
            "SparseReduceSumSparse",
            f"{label} f32, axis 1",
            lambda i, v, s: raw.SparseReduceSumSparse(
                input_indices=i, input_values=v, input_shape=s, reduction_axes=np.array([1], np.int32)
            ),
            [ids_ix, weights, dense_shape],
        ),
        Case(
            "SparseReduceMaxSparse",
            f"{label} f32, axis 1",
            lambda i, v, s: raw.SparseReduceMaxSparse(
                input_indices=i, input_values=v, input_shape=s, reduction_axes=np.array([1], np.int32)
            ),
            [ids_ix, weights, dense_shape],
        ),
        Case(
            "SparseSoftmax",
            f"{label} f32",
            lambda i, v, s: raw.SparseSoftmax(sp_indices=i, sp_values=v, sp_shape=s),
            [ids_ix, weights, dense_shape],
        ),
        Case(
            "SparseTensorDenseAdd",
            f"{label} f32 + dense",
            lambda i, v, s, b: raw.SparseTensorDenseAdd(a_indices=i, a_values=v, a_shape=s, b=b),
            [ids_ix, weights, dense_shape, rng.normal(size=(rows, 1000)).astype(np.float32)],
        ),
        Case(
            "SparseAdd",
            f"{label} + {len(other_ix)} entries f32",
            lambda ai, av, bi, bv, s: raw.SparseAdd(
                a_indices=ai,
                a_values=av,
                a_shape=s,
                b_indices=bi,
                b_values=bv,
                b_shape=s,
                thresh=np.float32(0),
            ),
            [ids_ix, weights, other_ix, rng.normal(size=len(other_ix)).astype(np.float32), dense_shape],
        ),
        Case(
            "SparseSlice",
            f"{label} f32, rows 64-191",
            lambda i, v, s: raw.SparseSlice(
                indices=i,
                values=v,
                shape=s,
                start=np.array([64, 0], np.int64),
                size=np.array([128, 1000], np.int64),
            ),
            [ids_ix, weights, dense_shape],
        ),
        Case(
            "DenseCountSparseOutput",
            f"int64 [{rows}, {PER_ROW}] ids < {VOCAB}, f32 weights",
            lambda v, w: raw.DenseCountSparseOutput(values=v, weights=w, binary_output=False),
            [
                rng.integers(0, VOCAB, (rows, PER_ROW)).astype(np.int64),
                rng.uniform(0, 1, (rows, PER_ROW)).astype(np.float32),
            ],
        ),
        Case(
            "SparseReorder",
            f"{label} shuffled, f32",
            lambda i, v, s: raw.SparseReorder(input_indices=i, input_values=v, input_shape=s),
            [ids_ix[shuffled], weights[shuffled], dense_shape],
        ),
    ]
