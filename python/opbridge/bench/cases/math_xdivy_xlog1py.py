"""Xdivy and Xlog1py (tf.math.xdivy, tf.math.xlog1py: the 0-where-x-is-0 forms of a ratio and of
x * log1p(y) that losses and entropy terms use) on [rows, 256] matrices: float32 through the
Opbridge> substitutes opbridge.convert puts in, float64, half and complex64 through TF's names."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    rows = max(8, 1024 // scale)
    shape = (rows, 256)
    x = np.where(rng.uniform(size=shape) < 0.2, 0.0, rng.standard_normal(shape))
    y = rng.uniform(-0.9, 3.0, shape)
    yc = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)
    xc = (x + 1j * rng.standard_normal(shape) * (x != 0)).astype(np.complex64)
    label = f"[{rows},256] by [{rows},256]"
    out = []
    for ours, name in [("Opbridge>Xdivy", "Xdivy"), ("Opbridge>Xlog1py", "Xlog1py")]:
        fn = tf.math.xdivy if name == "Xdivy" else tf.math.xlog1py
        out += [
            Case(ours, f"f32 {label}", fn, [x.astype(np.float32), y.astype(np.float32)]),
            Case(name, f"f64 {label}", fn, [x, y]),
            Case(name, f"f16 {label}", fn, [x.astype(np.float16), y.astype(np.float16)]),
            Case(name, f"c64 {label}", fn, [xc, yc]),
        ]
    return out
