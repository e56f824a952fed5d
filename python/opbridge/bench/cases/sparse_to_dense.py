"""SparseToDense (tf.sparse.to_dense of a SparseTensor, validated): a [512, 4096] float64 matrix
with 1% of its entries set (a bag-of-words batch), and string labels scattered into a [4096]
vector."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    rows = max(8, 512 // scale)
    cols = 4096
    nnz = rows * cols // 100
    flat = np.sort(rng.choice(rows * cols, nnz, replace=False))
    indices = np.stack(np.unravel_index(flat, (rows, cols)), 1).astype(np.int64)
    values = rng.standard_normal(nnz)
    shape = np.array([rows, cols], np.int64)
    labels = np.array([f"label{i}".encode() for i in range(cols // 8)], dtype=object)
    label_ix = np.sort(rng.choice(cols, cols // 8, replace=False)).astype(np.int64)[:, None]

    def to_dense(ix: Any, v: Any, s: Any) -> Any:
        return tf.sparse.to_dense(tf.SparseTensor(ix, v, s))

    return [
        Case("SparseToDense", f"f64 [{rows},{cols}] from {nnz} entries", to_dense, [indices, values, shape]),
        Case(
            "SparseToDense",
            f"string [{cols}] from {cols // 8} entries",
            to_dense,
            [label_ix, labels, np.array([cols], np.int64)],
        ),
    ]
