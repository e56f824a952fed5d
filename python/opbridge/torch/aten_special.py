"""torch.special and elementwise special functions on opbridge's kernels."""

from __future__ import annotations

import torch

from .decompositions import replaces
from .ops import op

aten = torch.ops.aten


@replaces(aten.erfinv.default, aten.special_erfinv.default)
def erfinv(x: torch.Tensor) -> torch.Tensor:
    return op("Erfinv")(x)
