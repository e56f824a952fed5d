from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    n = (1 << 20) // (scale * scale)
    return [
        Case("Erf", f"f32 [{n}]", tf.math.erf, [rng.standard_normal(n).astype(np.float32)]),
        Case("Erf", f"f64 [{n // 16}]", tf.math.erf, [rng.standard_normal(n // 16).astype(np.float64)]),
    ]
