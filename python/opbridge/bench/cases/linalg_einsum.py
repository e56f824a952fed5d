"""Einsum equations the converter cannot unfold into builtins (a repeated label in an operand,
every label summed away): batched diagonals, a diagonal then a matrix-vector product per batch,
a full sum, and a batched trace in float64."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    b = max(2, 32 // scale)
    n = max(4, 256 // scale)
    m = max(4, 64 // scale)
    cube = rng.standard_normal((b, n, n)).astype(np.float32)
    x = rng.standard_normal((b, n, n)).astype(np.float32)
    block = rng.standard_normal((m, m, m)).astype(np.float32)
    f64 = rng.standard_normal((b, n, n))
    return [
        Case("Einsum", f"bii->bi float32 [{b},{n},{n}]", lambda a: tf.einsum("bii->bi", a), [cube]),
        Case(
            "Einsum",
            f"bij,bjj->bi float32 [{b},{n},{n}] x2",
            lambda a, c: tf.einsum("bij,bjj->bi", a, c),
            [x, cube],
        ),
        Case("Einsum", f"ijk-> float32 [{m},{m},{m}]", lambda a: tf.einsum("ijk->", a), [block]),
        Case("Einsum", f"bii->b float64 [{b},{n},{n}]", lambda a: tf.einsum("bii->b", a), [f64]),
    ]
