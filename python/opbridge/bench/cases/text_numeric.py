"""The non-string ops keras-hub's text preprocessors leave custom for dtypes TFLite's builtins
lack: int64 MatMul (GPT-2's cache key: fingerprint bytes times 256**k), UnsortedSegmentSum on
int64, NotEqual on int8, TensorScatterUpdate on strings (GPT-2's BPE merge loop)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    words = max(64, 8192 // scale)
    key_bytes = rng.integers(0, 256, (words, 8)).astype(np.int64)
    powers = np.array([[256**k - (2**64 if 256**k >= 2**63 else 0)] for k in range(8)], np.int64)
    counts = rng.integers(-(2**40), 2**40, (words, 16)).astype(np.int64)
    segments = rng.integers(-1, words // 4, words).astype(np.int32)
    small = rng.integers(-3, 3, (words, 16)).astype(np.int8)
    tokens = np.array([f"w{i}".encode() for i in range(words)], object)
    slots = rng.choice(words, words // 4, replace=False).astype(np.int32)[:, None]
    merged = np.array([f"m{i}".encode() for i in range(words // 4)], object)
    return [
        Case(
            "MatMul",
            f"i64 [{words},8] x [8,1] (GPT-2 cache key)",
            lambda x: tf.matmul(x, powers),
            [key_bytes],
        ),
        Case(
            "UnsortedSegmentSum",
            f"i64 [{words},16] -> {words // 4} segments",
            lambda d, s: tf.math.unsorted_segment_sum(d, s, words // 4),
            [counts, segments],
        ),
        Case("NotEqual", f"i8 [{words},16] vs [16]", lambda x, y: tf.math.not_equal(x, y), [small, small[0]]),
        Case(
            "TensorScatterUpdate",
            f"string [{words}] <- {words // 4} slots",
            lambda t, i, u: tf.tensor_scatter_nd_update(t, i, u),
            [tokens, slots, merged],
        ),
    ]
