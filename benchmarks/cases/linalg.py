from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    def matrices(batch: int, n: int, dtype: Any) -> np.ndarray:
        batch, n = max(1, batch // scale), max(1, n // scale)
        return (rng.standard_normal((batch, n, n)) + 2 * np.sqrt(n) * np.eye(n)).astype(dtype)

    return [
        Case("MatrixInverse", "f32 [4096,3,3]", tf.linalg.inv, [matrices(4096, 3, np.float32)]),
        Case("MatrixInverse", "f32 [256,16,16]", tf.linalg.inv, [matrices(256, 16, np.float32)]),
        Case("MatrixInverse", "f64 [8,128,128]", tf.linalg.inv, [matrices(8, 128, np.float64)]),
    ]
