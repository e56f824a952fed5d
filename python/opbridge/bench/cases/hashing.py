"""String hashing: Fingerprint, the hash-bucket ops and the SparseCross family."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def _words(rng: np.random.Generator, n: int, longest: int) -> np.ndarray:
    # Letters only: numpy's fixed-width bytes would drop trailing NULs from the fuzz seeds' .npz.
    return np.array(
        [rng.integers(97, 123, rng.integers(1, longest), dtype=np.uint8).tobytes() for _ in range(n)]
    )


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    n = (1 << 16) // (scale * scale)
    words = _words(rng, n, 24)
    long_words = _words(rng, n // 16, 300)
    batch = max(n // 64, 2)
    dense_a = _words(rng, batch * 4, 12).reshape(batch, 4)
    dense_b = rng.integers(0, 1 << 40, (batch, 8))
    dense_c = _words(rng, batch * 8, 12).reshape(batch, 8)

    def cross_hashed(a: Any, b: Any) -> Any:
        return tf.sparse.cross_hashed([a, b], num_buckets=1000).values

    def cross_strong(a: Any, b: Any) -> Any:
        # String columns: TF 2.21's kernel segfaults on strong_hash over a dense int64 column.
        return tf.raw_ops.SparseCrossHashed(
            indices=[],
            values=[],
            shapes=[],
            dense_inputs=[a, b],
            num_buckets=1000,
            strong_hash=True,
            salt=[1, 2],
        ).output_values

    # A sparse column too: indices / values / dense_shape as inputs (the fuzzer's hostile values reach them).
    per_row = 3
    sparse_indices = np.stack(
        [np.repeat(np.arange(batch), per_row), np.tile(np.arange(per_row), batch)], 1
    ).astype(np.int64)
    sparse_values = _words(rng, batch * per_row, 12)
    sparse_shape = np.array([batch, per_row], np.int64)

    def cross_sparse(i: Any, v: Any, s: Any, b: Any) -> Any:
        return tf.sparse.cross_hashed([tf.SparseTensor(i, v, s), b], num_buckets=1000).values

    def cross_strings(a: Any, b: Any) -> Any:
        # The indices: a string output would not survive the fuzz seeds' .npz (pickle-free).
        return tf.sparse.cross([a, b], separator="_X_").indices

    return [
        Case(
            "StringToHashBucketFast",
            f"[{n}] words 1-24 bytes",
            lambda s: tf.strings.to_hash_bucket_fast(s, 1000),
            [words],
        ),
        Case(
            "StringToHashBucketStrong",
            f"[{n}] words 1-24 bytes",
            lambda s: tf.strings.to_hash_bucket_strong(s, 1000, [1, 2]),
            [words],
        ),
        Case(
            "StringToHashBucket",
            f"[{n}] words 1-24 bytes",
            lambda s: tf.raw_ops.StringToHashBucket(string_tensor=s, num_buckets=1000),
            [words],
        ),
        Case("Fingerprint", f"[{n // 16}] strings 1-300 bytes", tf.fingerprint, [long_words]),
        Case(
            "Fingerprint",
            f"f32 [{n // 16},64]",
            tf.fingerprint,
            [rng.standard_normal((n // 16, 64)).astype(np.float32)],
        ),
        Case(
            "SparseCross",
            f"dense [{batch},4] str x [{batch},8] i64, hashed",
            cross_hashed,
            [dense_a, dense_b],
        ),
        Case(
            "SparseCrossHashed",
            f"dense [{batch},4] str x [{batch},8] str, strong",
            cross_strong,
            [dense_a, dense_c],
        ),
        Case(
            "SparseCross",
            f"sparse [{batch},{per_row}] str x dense [{batch},8] i64, hashed",
            cross_sparse,
            [sparse_indices, sparse_values, sparse_shape, dense_b],
        ),
        Case("SparseCrossV2", f"dense [{batch},4] str x [{batch},8] i64", cross_strings, [dense_a, dense_b]),
    ]
