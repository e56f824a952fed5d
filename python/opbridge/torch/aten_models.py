"""Ops that vision and audio architectures (detection, segmentation, depth, codecs) put in their
graphs and litert-torch cannot lower or run.

cat of mixed dtypes: torch.cat promotes its operands to their common dtype (SAM's prompt encoder
concatenates its int32 point labels with an int64 padding label); litert-torch lowers aten.cat to
one stablehlo.concatenate of the operands as they are, which fails verification ("requires the
same element type for all operands"). The rewrite casts each operand to the promoted dtype
(torch.promote_types over all of them, as torch.cat's result type: cat takes no 0-d operands)
first. Same-dtype cats stay litert-torch's; complex ones go to aten_fft's rewrite (this
registration replaces that one in the table, so it hands complex operands on).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import torch

from . import aten_fft
from .decompositions import replaces

aten = torch.ops.aten


@replaces(aten.cat.default)
def cat(tensors: Sequence[torch.Tensor], dim: int = 0) -> Any:
    if any(t.is_complex() for t in tensors):
        return aten_fft.cat(tensors, dim)
    dtype = functools.reduce(torch.promote_types, (t.dtype for t in tensors))
    if all(t.dtype == dtype for t in tensors):
        return NotImplemented  # litert-torch's CONCATENATION
    return torch.cat([t.to(dtype) for t in tensors], dim)
