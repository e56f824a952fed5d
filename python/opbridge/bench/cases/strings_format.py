"""tf.strings.format (StringFormat, what tf.print formats with): a model's debug print of an
activation map, summarized as tf.print does by default (3 entries from each end) and in full
(summarize=-1, a [256, 64] float tensor: 16,384 numbers through TF's %g rule), and a batch of
int64 ids with their string keys; tf.print of that map (PrintV2, to /dev/null) and a step timed by
tf.timestamp (Timestamp), each in a model whose output does not depend on what they write or read."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    rows = max(2, 256 // scale)
    x = rng.standard_normal((rows, 64)).astype(np.float32)
    ids = rng.integers(0, 2**40, (max(2, 4096 // scale),), dtype=np.int64)
    keys = np.array([b"key%d" % i for i in range(ids.size)], dtype=object)

    def printed(t: Any) -> Any:
        tf.print("x:", t, output_stream="file:///dev/null")
        return t * 2.0

    def timed(t: Any) -> Any:
        return t + tf.cast(tf.timestamp() > 0, tf.float32)

    return [
        Case("PrintV2", f"f32 [{rows},64] summarize 3 to /dev/null", printed, [x]),
        Case("Timestamp", f"f32 [{rows},64] step", timed, [x]),
        Case("StringFormat", f"f32 [{rows},64] summarize 3", lambda t: tf.strings.format("x: {}", t), [x]),
        Case(
            "StringFormat",
            f"f32 [{rows},64] summarize -1",
            lambda t: tf.strings.format("x: {}", t, summarize=-1),
            [x],
        ),
        Case(
            "StringFormat",
            f"i64 [{ids.size}] and strings, summarize -1",
            lambda i, k: tf.strings.format("{} -> {}", (i, k), summarize=-1),
            [ids, keys],
        ),
    ]
