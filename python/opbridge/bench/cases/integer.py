"""Integer ops the converter leaves custom (TFLite's builtins take few integer dtypes besides int32
and int64): the reductions and scans of a small-integer model over a [rows, 256] int8/uint16/int16
matrix, AddN of three int8 tensors and ReverseSequence of int8 rows (docs/design.md, "float16 and
the other small dtypes")."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    rows = max(8, 1024 // scale)
    i8 = [rng.integers(-128, 128, (rows, 256)).astype(np.int8) for _ in range(3)]
    u16 = rng.integers(0, 65536, (rows, 256)).astype(np.uint16)
    i16 = rng.integers(-32768, 32768, (rows, 256)).astype(np.int16)
    lengths = rng.integers(0, 257, rows).astype(np.int64)
    label = f"[{rows},256]"
    return [
        Case("Mean", f"i8 {label} axis 1", lambda a: tf.reduce_mean(a, 1), [i8[0]]),
        Case("Max", f"u16 {label} axis 0", lambda a: tf.reduce_max(a, 0), [u16]),
        Case("Cumsum", f"i16 {label} axis 1", lambda a: tf.math.cumsum(a, 1), [i16]),
        Case("AddN", f"i8 3 x {label}", lambda a, b, c: tf.math.add_n([a, b, c]), i8),
        Case(
            "ReverseSequence",
            f"i8 {label} seq_axis 1",
            lambda a, n: tf.reverse_sequence(a, n, seq_axis=1, batch_axis=0),
            [i8[0], lengths],
        ),
    ]
