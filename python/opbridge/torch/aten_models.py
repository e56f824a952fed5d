"""Ops that vision and audio architectures (detection, segmentation, depth, codecs) put in their
graphs and litert-torch cannot lower or run.

cat of mixed dtypes: torch.cat promotes its operands to their common dtype (SAM's prompt encoder
concatenates its int32 point labels with an int64 padding label); litert-torch lowers aten.cat to
one stablehlo.concatenate of the operands as they are, which fails verification ("requires the
same element type for all operands"). The rewrite casts each operand to the promoted dtype
(torch.promote_types over all of them, as torch.cat's result type: cat takes no 0-d operands)
first. Same-dtype cats stay litert-torch's; complex ones go to aten_fft's rewrite (this
registration replaces that one in the table, so it hands complex operands on).

linear on inputs of rank >= 4: litert-torch 0.10's converter passes fail on a BATCH_MATMUL whose
input is (1, H, 1, C) ("'tfl.batch_matmul' op found invalid output rank, expected 3 but got 4";
ConvNext once a stage is 1x1). The rewrite flattens the leading dims, applies the 2-D linear (a
FULLY_CONNECTED) and restores them: the same products and sums per output element. When the input
comes from a convolution through a permute (ConvNext: depthwise conv, permute to NHWC, LayerNorm,
Linear with a zero bias, GELU, Linear, layer-scale multiply, permute back) and a leading dim after
the first is 1, the converter still folds the reshapes and the multiply around the matmul back into
a rank-4 BATCH_MATMUL and fails the same way (measured with litert-torch alone at 1x1 and Hx1; 1xW
converts). The 2-D result then goes through litert-torch's optimization barrier (removed at
export; aten_transformers._barrier) before the reshape, so nothing folds across it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import torch

from . import aten_fft, aten_transformers
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


@replaces(aten.linear.default)
def linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None) -> Any:
    if x.dim() < 4:
        return NotImplemented  # litert-torch's own lowering
    lead = x.shape[:-1]
    out = aten.linear.default(x.reshape(-1, x.shape[-1]), weight, bias)
    barrier = aten_transformers._barrier()
    if barrier is not None and any(int(n) == 1 for n in lead[1:]):
        out = barrier((out, x))[0]  # two operands: the lowering returns a list only for several
    return out.reshape(*lead, out.shape[-1])
