"""The data-moving ops the converter leaves custom on tf.string (GatherV2 past the builtin's
rank-1 case, Transpose, ConcatV2, PadV2, SelectV2) and Unique, on a grid of random words."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case

WORDS = [b"", b"the", b"fox", b"caf\xc3\xa9", b"\xe2\x82\xac5", b"a\x00b", b"jumps over", b"x" * 40]


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    rows = max(2, 4096 // scale)
    grid = np.array(rng.choice(WORDS, (rows, 16)), dtype=object)
    other = grid[::-1].copy()
    tokens = grid.reshape(-1)
    picks = rng.integers(0, rows, rows).astype(np.int32)
    mask = rng.random((rows, 1)) < 0.5
    label = f"str [{rows},16]"
    return [
        Case("GatherV2", f"{label}, {rows} rows", lambda x, i: tf.gather(x, i), [grid, picks]),
        Case("Transpose", label, tf.transpose, [grid]),
        # Two inputs, not x and x[::-1]: the reversal is TFLite's builtin string STRIDED_SLICE
        # (single-threaded, 1.3 ms of the model's 2.5-2.7), which put the row at 1.01-1.04 at 2T
        # while ConcatV2's own node ran at 0.47/0.72 of TF's concat (docs/bench.md).
        Case("ConcatV2", f"{label} x2, axis 1", lambda x, y: tf.concat([x, y], 1), [grid, other]),
        Case(
            "PadV2",
            f"{label} padded by 4",
            lambda x: tf.pad(x, [[4, 4], [4, 4]], constant_values="pad"),
            [grid],
        ),
        # Two inputs, as for ConcatV2: a reversal would be TFLite's builtin string
        # STRIDED_SLICE, single-threaded and 40-50% of the model's time, not SelectV2's.
        Case("SelectV2", f"{label}, rows picked", lambda c, x, y: tf.where(c, x, y), [mask, grid, other]),
        Case("Unique", f"str [{tokens.size}], {len(WORDS)} distinct", lambda x: tf.unique(x), [tokens]),
    ]
