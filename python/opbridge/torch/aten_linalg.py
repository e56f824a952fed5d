"""torch.linalg on opbridge's linear-algebra kernels (TF's MatrixInverse, Cholesky, ...)."""

from __future__ import annotations

import torch

from .decompositions import replaces
from .ops import op

aten = torch.ops.aten


@replaces(aten.linalg_inv.default)
def inv(a: torch.Tensor) -> torch.Tensor:
    return op("MatrixInverse")(a)
