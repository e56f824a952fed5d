from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    import opbridge

    def sample(mode: str, padding: str) -> Callable[..., Any]:
        return lambda image, grid: opbridge.ops.grid_sample(image, grid, mode, padding, False)

    size = 128 // scale
    image = rng.standard_normal((4, size, size, 16)).astype(np.float32)
    grid = rng.uniform(-1.1, 1.1, (4, size, size, 2)).astype(np.float32)
    shape = "x".join(map(str, image.shape))
    return [
        Case(
            "Opbridge>GridSample", f"f32 bilinear zeros {shape}", sample("bilinear", "zeros"), [image, grid]
        ),
        Case(
            "Opbridge>GridSample",
            f"f32 bilinear reflection {shape}",
            sample("bilinear", "reflection"),
            [image, grid],
        ),
        Case(
            "Opbridge>GridSample", f"f32 nearest border {shape}", sample("nearest", "border"), [image, grid]
        ),
    ]
