"""RaggedCross (tf.ragged.cross, tf.ragged.cross_hashed): feature crosses of a batch of ragged
string tags with a dense categorical column and a sparse id list, as wide-and-deep feature
pipelines build them, hashed into buckets and as strings."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    batch = max(16, 4096 // scale)
    vocab = np.array([f"tag{i}".encode() for i in range(500)], dtype=object)
    lengths = rng.integers(0, 6, batch)
    splits = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    tags = vocab[rng.integers(0, 500, int(splits[-1]))]
    country = vocab[rng.integers(0, 50, (batch, 1))]
    rows = np.sort(rng.integers(0, batch, batch * 2))
    cols = np.zeros_like(rows)
    for start in np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]]):
        run = rows == rows[start]
        cols[run] = np.arange(run.sum())
    ids = [np.stack([rows, cols], 1).astype(np.int64), rng.integers(0, 10**6, rows.size).astype(np.int64),
           np.array([batch, int(cols.max()) + 1], np.int64)]  # fmt: skip

    def columns(v: Any, s: Any, d: Any, si: Any, sv: Any, ss: Any) -> list[Any]:
        return [tf.RaggedTensor.from_row_splits(v, s, validate=False), d, tf.SparseTensor(si, sv, ss)]

    def hashed(*x: Any) -> Any:
        out = tf.ragged.cross_hashed(columns(*x), num_buckets=100000)
        return out.values, out.row_splits

    def strings(*x: Any) -> Any:
        out = tf.ragged.cross(columns(*x))
        return out.values, out.row_splits

    inputs = [tags, splits, country, *ids]
    label = f"ragged tags x dense [{batch},1] x sparse ids, batch {batch}"
    return [
        Case("RaggedCross", f"hashed, {label}", hashed, inputs),
        Case("RaggedCross", f"strings, {label}", strings, inputs),
    ]
