"""CSV records (tf.io.decode_csv): what tabular input pipelines run on each line, a batch of
rows of 3 floats, an int64 id, an int32 label and a (sometimes quoted) string, and the same
rows with select_cols keeping 3 of the 6 columns."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    count = max(2, 8192 // scale)
    words = ["alpha", "beta gamma", '"quoted, with comma"', "", "delta"]
    rows = []
    for i in range(count):
        x = rng.standard_normal(3)
        word = words[int(rng.integers(len(words)))]
        rows.append(
            f"{x[0]:.6f},{x[1]:.4e},{x[2]:.3f},{10**12 + i},{int(rng.integers(0, 10))},{word}".encode()
        )
    records = np.array(rows, dtype=object)
    defaults = [0.0, 0.0, 0.0, np.int64(0), np.int32(0), ""]
    every = lambda r: tf.io.decode_csv(r, record_defaults=defaults)  # noqa: E731
    selected = lambda r: tf.io.decode_csv(r, record_defaults=[0.0, np.int64(0), ""], select_cols=[0, 3, 5])  # noqa: E731
    return [
        Case("DecodeCSV", f"[{count}] rows of 6 columns", every, [records]),
        Case("DecodeCSV", f"[{count}] rows, select_cols 3 of 6", selected, [records]),
    ]
