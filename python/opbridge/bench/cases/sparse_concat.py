"""tf.sparse.concat (SparseConcat) as feature pipelines use it: three id columns of a serving batch
(256 rows, about 30 entries each, 1000 columns) joined side by side (axis 1, every entry moves)
and stacked (axis 0), float values; and int64 ids."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case

ROWS, PER_ROW, COLS = 256, 30, 1000


def _batch(rng: np.random.Generator, rows: int) -> np.ndarray:
    """Sorted [n, 2] indices: 15-45 distinct columns per row."""
    out = []
    for r in range(rows):
        k = int(rng.integers(PER_ROW // 2, PER_ROW * 3 // 2 + 1))
        out.extend((r, c) for c in np.sort(rng.choice(COLS, k, replace=False)))
    return np.array(out, np.int64)


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    # Its own generator: the shared one's stream stays as the other modules' cases expect it.
    rng = np.random.default_rng(20261206)
    rows = max(2, ROWS // scale)
    inds = [_batch(rng, rows) for _ in range(3)]
    shape = np.array([rows, COLS], np.int64)
    floats = [rng.uniform(0, 1, len(ix)).astype(np.float32) for ix in inds]
    ids = [rng.integers(0, 1 << 40, len(ix)).astype(np.int64) for ix in inds]
    label = f"3 x [{rows}, {COLS}] ~{len(inds[0])} entries"

    def concat(axis: int) -> Any:
        def fn(i0: Any, i1: Any, i2: Any, v0: Any, v1: Any, v2: Any, s: Any) -> Any:
            return tf.raw_ops.SparseConcat(
                indices=[i0, i1, i2], values=[v0, v1, v2], shapes=[s, s, s], concat_dim=axis
            )

        return fn

    return [
        Case("SparseConcat", f"{label} f32, axis 1", concat(1), [*inds, *floats, shape]),
        Case("SparseConcat", f"{label} f32, axis 0", concat(0), [*inds, *floats, shape]),
        Case("SparseConcat", f"{label} int64, axis 1", concat(1), [*inds, *ids, shape]),
    ]
