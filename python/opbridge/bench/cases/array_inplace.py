"""InplaceUpdate, InplaceAdd and InplaceSub (tf.raw_ops / tf.compat.v1 inplace ops): half the rows of
a float32 [2048, 256] and of an int64 [4096, 16] x updated, some rows twice."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case

# TF's kernel writes into its x (y aliases it); ours copies x first, as a TFLite kernel must not
# write into an input another node may read.
NOTE = "ours copies x (TF writes into x's buffer)"


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    out = []
    for dtype, rows, cols in [(np.float32, 2048, 256), (np.int64, 4096, 16)]:
        rows = max(2, rows // scale)
        x = (
            rng.normal(size=(rows, cols)).astype(dtype)
            if dtype == np.float32
            else rng.integers(-9, 9, (rows, cols))
        )
        i = rng.integers(-rows, rows, rows // 2).astype(np.int32)
        v = (x[: rows // 2] * 2).astype(dtype)
        label = f"{np.dtype(dtype).name} x[{rows}, {cols}], {rows // 2} rows"
        for op in ("InplaceUpdate", "InplaceAdd", "InplaceSub"):
            fn = getattr(tf.raw_ops, op)
            out.append(
                Case(op, label, lambda a, b, c, fn=fn: fn(x=a, i=b, v=c), [x.astype(dtype), i, v], note=NOTE)
            )
    return out
