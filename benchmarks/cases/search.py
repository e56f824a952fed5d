from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    n = 1_000_000 // (scale * scale)
    return [
        Case(
            "UniqueWithCounts",
            f"i32 [{n}], 1000 distinct",
            tf.unique_with_counts,
            [rng.integers(0, 1000, n).astype(np.int32)],
        ),
        Case(
            "UniqueWithCounts",
            f"f32 [{n // 10}], all distinct",
            tf.unique_with_counts,
            [rng.standard_normal(n // 10).astype(np.float32)],
        ),
    ]
