"""MulNoNan in float32 (a masked loss's weights times possibly-NaN terms), and the complex64 /
complex128 kernels of DivNoNan (tf.math.sign of a spectrum), Xlogy, SquaredDifference and Pow
(elementwise, and by the constant 2 that TF's graph turns into Square) on [rows, 256] complex
matrices (a spectrogram's frames)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    rows = max(8, 1024 // scale)
    shape = (rows, 256)
    x32 = rng.standard_normal(shape).astype(np.float32)
    w32 = np.where(rng.uniform(size=shape) < 0.2, 0.0, rng.standard_normal(shape)).astype(np.float32)

    def complex_matrix(dtype: Any) -> np.ndarray:
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)

    out = [Case("MulNoNan", f"f32 [{rows},256] by [{rows},256]", tf.math.multiply_no_nan, [x32, w32])]
    for dtype, name in [(np.complex64, "c64"), (np.complex128, "c128")]:
        x, y = complex_matrix(dtype), complex_matrix(dtype)
        label = f"{name} [{rows},256]"
        out += [
            Case("MulNoNan", f"{label} by [{rows},256]", tf.math.multiply_no_nan, [x, y]),
            Case("DivNoNan", f"{label} by [{rows},256]", tf.math.divide_no_nan, [x, y]),
            Case("Xlogy", f"{label} by [{rows},256]", tf.math.xlogy, [x, y]),
            Case("SquaredDifference", f"{label} by [{rows},256]", tf.math.squared_difference, [x, y]),
            Case("Pow", f"{label} by [{rows},256]", tf.math.pow, [x, y]),
            Case("Pow", f"{label} ** 2", lambda a: tf.math.pow(a, tf.constant(2, a.dtype)), [x]),
        ]
    return out
