"""Least squares (tf.linalg.lstsq, TF's MatrixSolveLs kernel): a batch of tall systems (curve
and calibration fits: 256 equations, 16 unknowns, 4 right-hand sides) by the fast normal
equations and by the complete orthogonal decomposition, and wide ones (minimum norm)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    batch = max(1, 64 // scale)

    def lstsq(fast: bool, l2: float) -> Any:
        # The op itself: tf.linalg.lstsq(fast=True) runs a composite of builtins for inputs
        # that fit in cache, which the converter lowers.
        return lambda a, b: tf.raw_ops.MatrixSolveLs(
            matrix=a, rhs=b, l2_regularizer=tf.constant(l2, tf.float64), fast=fast
        )

    found = []
    for dtype, kind in ((np.float32, "f32"), (np.float64, "f64")):
        tall = rng.standard_normal((batch, 256, 16)).astype(dtype)
        rhs = rng.standard_normal((batch, 256, 4)).astype(dtype)
        shapes = f"[{batch},256,16] [{batch},256,4]"
        found.append(Case("MatrixSolveLs", f"{kind} {shapes} fast", lstsq(True, 0.0), [tall, rhs]))
        found.append(Case("MatrixSolveLs", f"{kind} {shapes} cod", lstsq(False, 0.0), [tall, rhs]))
    # complex64's COD: its own AVX2 object (clang's complex division; matrix_solve_ls_cod_c64_avx2.cc).
    tall_c = (rng.standard_normal((batch, 256, 16)) + 1j * rng.standard_normal((batch, 256, 16))).astype(
        np.complex64
    )
    rhs_c = (rng.standard_normal((batch, 256, 4)) + 1j * rng.standard_normal((batch, 256, 4))).astype(
        np.complex64
    )
    label_c = f"c64 [{batch},256,16] [{batch},256,4] cod"
    found.append(Case("MatrixSolveLs", label_c, lstsq(False, 0.0), [tall_c, rhs_c]))
    wide = rng.standard_normal((batch, 16, 96)).astype(np.float32)
    wide_rhs = rng.standard_normal((batch, 16, 2)).astype(np.float32)
    label = f"f32 [{batch},16,96] [{batch},16,2] fast l2=0.01"
    found.append(Case("MatrixSolveLs", label, lstsq(True, 0.01), [wide, wide_rhs]))
    return found
