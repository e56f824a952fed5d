"""tf.sets (DenseToDenseSetOperation, DenseToSparseSetOperation, SparseToSparseSetOperation,
SetSize): per-row sets as recommenders and feature pipelines use them, e.g. the items two
histories share, a row's tags joined with a sparse tag list, and how many distinct ids a row has."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def _sparse(rng: np.random.Generator, rows: int, width: int, high: int, keep: float, dtype: Any) -> list[Any]:
    mask = rng.random((rows, width)) < keep
    indices = np.argwhere(mask).astype(np.int64)
    values = rng.integers(0, high, int(mask.sum())).astype(dtype)
    return [indices, values, np.array([rows, width], np.int64)]


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    rows = max(16, 2048 // scale)
    a = rng.integers(0, 200, (rows, 64)).astype(np.int64)
    b = rng.integers(0, 200, (rows, 64)).astype(np.int64)
    words = np.array([f"tag{i}".encode() for i in range(300)], dtype=object)
    tags = words[rng.integers(0, 300, (rows, 16))]
    sparse_tags = _sparse(rng, rows, 24, 300, 0.5, np.int64)
    sparse_tags[1] = words[sparse_tags[1]]
    s1 = _sparse(rng, rows, 48, 100, 0.6, np.int32)
    s2 = _sparse(rng, rows, 48, 100, 0.6, np.int32)

    def triple(st: Any) -> tuple[Any, Any, Any]:
        return st.indices, st.values, st.dense_shape

    def dense_sparse(x: Any, ix: Any, v: Any, s: Any) -> Any:
        return triple(tf.sets.union(x, tf.SparseTensor(ix, v, s)))

    def sparse_sparse(i1: Any, v1: Any, s1_: Any, i2: Any, v2: Any, s2_: Any) -> Any:
        return triple(tf.sets.difference(tf.SparseTensor(i1, v1, s1_), tf.SparseTensor(i2, v2, s2_)))

    return [
        Case(
            "DenseToDenseSetOperation",
            f"int64 [{rows},64] intersection [{rows},64]",
            lambda x, y: triple(tf.sets.intersection(x, y)),
            [a, b],
        ),
        Case(
            "DenseToSparseSetOperation",
            f"string [{rows},16] union sparse [{rows},24]",
            dense_sparse,
            [tags, *sparse_tags],
        ),
        Case("SparseToSparseSetOperation", f"int32 sparse [{rows},48] a-b", sparse_sparse, [*s1, *s2]),
        Case(
            "SetSize",
            f"int32 sparse [{rows},48]",
            lambda ix, v, s: tf.sets.size(tf.SparseTensor(ix, v, s)),
            s1,
        ),
    ]
