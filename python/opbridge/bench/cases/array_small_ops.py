"""Small ops models carry between the big ones: set difference (tf.compat.v1.setdiff1d, and
tf.norm's axes), flat indices to coordinates (tf.unravel_index after an argmax), adjoints of
complex batches, a tridiagonal matrix times a batch of right-hand sides, the layout ops, and raw
records decoded (tf.io.decode_raw)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    n = max(64, 262144 // scale)
    x_int = rng.integers(0, 2 * n, n).astype(np.int64)
    y_int = rng.integers(0, 2 * n, n // 4).astype(np.int64)
    x_f32 = rng.standard_normal(n).astype(np.float32)
    y_f32 = x_f32[rng.integers(0, n, n // 4)]
    dims = np.array([64, 64, 64], np.int32)
    flat = rng.integers(0, 64**3, n).astype(np.int32)
    side = max(8, 256 // scale)
    c64 = (rng.standard_normal((16, side, side)) + 1j * rng.standard_normal((16, side, side))).astype(
        np.complex64
    )
    c128 = c64.astype(np.complex128)
    m = max(16, 1024 // scale)
    diags = [rng.standard_normal((16, 3, m)).astype(t) for t in (np.float32, np.float64)]
    rhs = [rng.standard_normal((16, m, 32)).astype(t) for t in (np.float32, np.float64)]
    cdiags = (rng.standard_normal((16, 3, m)) + 1j * rng.standard_normal((16, 3, m))).astype(np.complex64)
    crhs = (rng.standard_normal((16, m, 32)) + 1j * rng.standard_normal((16, m, 32))).astype(np.complex64)
    axes = rng.integers(-4, 4, n).astype(np.int32)
    rows = rng.integers(0, 2, (n // 64, 64)).astype(np.int32)
    rows[rng.integers(0, n // 64, n // 128)] = rows[: n // 128]  # repeated rows
    # DecodeRaw: records of 4 KB (no trailing NUL: the fuzz seeds store strings as numpy bytes_).
    records = np.array(
        [rng.integers(1, 256, 4096, dtype=np.uint8).tobytes() for _ in range(max(2, 1024 // scale))],
        dtype=object,
    )
    return [
        Case(
            "ListDiff", f"int64 [{n}] - [{n // 4}]", lambda a, b: tf.compat.v1.setdiff1d(a, b), [x_int, y_int]
        ),
        Case(
            "ListDiff", f"f32 [{n}] - [{n // 4}]", lambda a, b: tf.compat.v1.setdiff1d(a, b), [x_f32, y_f32]
        ),
        Case("UnravelIndex", f"int32 [{n}] in [64, 64, 64]", tf.unravel_index, [flat, dims]),
        Case("ConjugateTranspose", f"c64 [16, {side}, {side}] adjoint", tf.linalg.adjoint, [c64]),
        Case("ConjugateTranspose", f"c128 [16, {side}, {side}] adjoint", tf.linalg.adjoint, [c128]),
        Case(
            "TridiagonalMatMul",
            f"f32 [16, 3, {m}] x [16, {m}, 32]",
            tf.linalg.tridiagonal_matmul,
            [diags[0], rhs[0]],
        ),
        Case(
            "TridiagonalMatMul",
            f"f64 [16, 3, {m}] x [16, {m}, 32]",
            tf.linalg.tridiagonal_matmul,
            [diags[1], rhs[1]],
        ),
        Case(
            "TridiagonalMatMul",
            f"c64 [16, 3, {m}] x [16, {m}, 32]",
            tf.linalg.tridiagonal_matmul,
            [cdiags, crhs],
        ),
        Case(
            "DataFormatDimMap",
            f"int32 [{n}] NHWC -> NCHW",
            lambda a: tf.raw_ops.DataFormatDimMap(x=a, src_format="NHWC", dst_format="NCHW"),
            [axes],
        ),
        Case(
            "DataFormatVecPermute",
            "int32 [4, 2] NHWC -> NCHW",
            lambda a: tf.raw_ops.DataFormatVecPermute(x=a, src_format="NHWC", dst_format="NCHW"),
            [np.arange(8, dtype=np.int32).reshape(4, 2)],
        ),
        Case(
            "DecodeRaw",
            f"[{records.size}] x 4 KB to f32",
            lambda r: tf.io.decode_raw(r, tf.float32),
            [records],
        ),
        Case(
            "DecodeRaw",
            f"[{records.size}] x 4 KB to int16 big-endian",
            lambda r: tf.io.decode_raw(r, tf.int16, little_endian=False),
            [records],
        ),
        Case(
            "DecodePaddedRaw",
            f"[{records.size}] x 4 KB to int32, fixed_length 2048",
            lambda r: tf.io.decode_raw(r, tf.int32, fixed_length=2048),
            [records],
        ),
        Case(
            "UniqueV2",
            f"int32 [{n // 64}, 64] rows, axis 0",
            lambda r: tf.raw_ops.UniqueV2(x=r, axis=tf.constant([0], tf.int64)),
            [rows],
        ),
        Case(
            "UniqueWithCountsV2",
            f"f32 [{n}], axis []",
            lambda v: tf.raw_ops.UniqueWithCountsV2(x=v, axis=tf.zeros([0], tf.int64)),
            [x_f32[rng.integers(0, n, n)]],
        ),
    ]
