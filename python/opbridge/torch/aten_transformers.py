"""Ops that Hugging Face transformers models put in their graphs (MoE grouped matmul, ...), and
workarounds for converter bugs those models hit.

expand then transpose (Falcon's multi-query attention: `repeat_kv` of one key/value head, then
`k.transpose(-1, -2)` inside the attention): LiteRT's converter folds
`transpose(broadcast_in_dim(x))` into one `broadcast_in_dim` with permuted dimensions and then
legalizes that to TFLite's BROADCAST_TO, which has no permutation: the transpose is lost.
Measured with litert-torch 0.10 (and litert-torch alone): `x.expand(1, 4, 8, 8).transpose(-1, -2)`
of a [1, 1, 8, 8] x gives x broadcast, not transposed (relative error 1.2); a non-square x fails
at prepare ("Output shape must be broadcastable"); FalconModel with multi_query (its default) is
1% off. A reshape between the two does not help when it only merges unit dims (the converter
folds it too). The rewrite of `aten.expand` ends every expand that really broadcasts a non-unit
tensor with litert-torch's optimization barrier (`stablehlo.optimization_barrier`, removed at
export), so no later transpose folds into the broadcast. The cost: such an expand is an explicit
BROADCAST_TO instead of being folded into an elementwise consumer's implicit broadcast. An expand
that broadcasts nothing, or broadcasts a tensor of unit dims only (a scalar), is left as it is.
"""

from __future__ import annotations

import contextvars
import importlib
import sys
from collections.abc import Sequence
from typing import Any

import torch

from .decompositions import replaces

aten = torch.ops.aten

_INSIDE = contextvars.ContextVar("opbridge_expand_rewrite", default=False)


def _barrier() -> Any:
    """litert-torch's optimization barrier op, or None where this litert-torch has none."""
    try:
        module = importlib.import_module("litert_torch.backend.optimization_barrier")
    except ImportError:
        return None
    return getattr(module, "optimization_barrier_op", None)


@replaces(aten.expand.default)
def expand(x: torch.Tensor, size: Sequence[int], *, implicit: bool = False) -> Any:
    if _INSIDE.get():
        return NotImplemented
    lead = len(size) - x.dim()
    # -1 keeps the dim; a broadcast turns a 1 (or a new leading dim) into something else.
    broadcasts = lead > 0 or any(
        int(n) not in (-1, int(s)) for s, n in zip(x.shape, list(size)[lead:], strict=True)
    )
    barrier = _barrier()
    if not broadcasts or all(int(s) == 1 for s in x.shape) or barrier is None:
        return NotImplemented
    token = _INSIDE.set(True)
    try:
        result = aten.expand.default(x, size, implicit=implicit)
    finally:
        _INSIDE.reset(token)
    # Two operands: litert-torch's lowering returns a list only for more than one.
    return barrier((result, x))[0]


def _grouped_mm_op() -> Any:
    """transformers' `torch.ops.transformers.grouped_mm_fallback`, where transformers' MoE
    integration is loaded (opbridge never imports transformers itself)."""
    if "transformers" not in sys.modules:
        return None
    try:
        importlib.import_module("transformers.integrations.moe")
        return torch.ops.transformers.grouped_mm_fallback.default
    except (ImportError, AttributeError, RuntimeError):
        return None


def grouped_mm_fallback(x: torch.Tensor, weight: torch.Tensor, offs: torch.Tensor) -> torch.Tensor:
    """out[r] = x[r] @ weight[e] for the group e holding row r (groups end at the cumulative
    `offs`); rows at or past offs[-1] are 0, as transformers' fallback leaves them.

    Static shapes: every row goes through every expert (one batched matmul, E times the flops of
    the routed rows) and the row's own expert's result is gathered; transformers' loop slices
    rows at the data-dependent offsets, which a static graph cannot."""
    if x.dim() != 2 or weight.dim() != 3 or offs.dim() != 1 or offs.shape[0] != weight.shape[0]:
        raise ValueError(
            "transformers.grouped_mm_fallback: expected input [S, in], weight [E, in, out] and offs [E], "
            f"got {tuple(x.shape)}, {tuple(weight.shape)} and {tuple(offs.shape)}"
        )
    rows, experts = x.shape[0], weight.shape[0]
    row_ids = torch.arange(rows, dtype=offs.dtype).reshape(rows, 1)
    # group of row r: how many groups end at or before it (E: past the last group)
    group = (offs.reshape(1, experts) <= row_ids).to(torch.int32).sum(dim=1)
    width = weight.shape[2]
    # [S, E, out]: each row through each expert, as one mm with the experts side by side (ops
    # made inside a decomposition stay as written: aten.mm lowers, aten.matmul does not)
    side_by_side = aten.permute.default(weight, [1, 0, 2]).reshape(weight.shape[1], experts * width)
    every = aten.mm.default(x, side_by_side).reshape(rows, experts, width)
    pick = group.clamp(max=experts - 1).to(torch.int64).reshape(rows, 1, 1)
    picked = torch.gather(every, 1, pick.repeat(1, 1, width)).reshape(rows, width)
    return torch.where((group < experts).reshape(rows, 1), picked, torch.zeros_like(picked))


def register_available() -> None:
    """Registers the rewrites of ops from libraries loaded by now (decompositions.table calls it at
    each conversion): transformers may be imported after opbridge's first conversion."""
    op = _grouped_mm_op()
    if op is not None:
        replaces(op)(grouped_mm_fallback)


@replaces(aten.flip.default)
def flip(x: torch.Tensor, dims: Sequence[int]) -> Any:
    """A flip of non-adjacent dims as one flip per dim: litert-torch lowers torch.flip to one
    REVERSE_V2, whose kernel refuses axes that are not contiguous ("Non-contiguous `axes` not
    supported" at invoke; LED/Longformer's `_mask_invalid_locations` flips dims (1, 3)). Complex
    tensors go to aten_fft's layout rewrite, which this registration overrides."""
    if x.is_complex():
        from . import aten_fft

        return aten_fft._layout(aten.flip.default)(x, dims)
    axes = sorted({int(d) % x.dim() for d in dims}) if x.dim() else []
    if len(axes) < 2 or axes[-1] - axes[0] == len(axes) - 1:
        return NotImplemented
    for axis in axes:
        x = aten.flip.default(x, [axis])
    return x


@replaces(aten.empty_like.default)
def empty_like(x: torch.Tensor, *, dtype: torch.dtype | None = None, **_: Any) -> torch.Tensor:
    """Zeros: the contents of `empty_like` are unspecified, and torch's decomposition of it
    (empty_permuted) has no lowering in litert-torch. MoE layers build their inverse routing
    permutation as `inv = empty_like(perm); inv[perm] = arange(...)`."""
    return torch.zeros(x.shape, dtype=dtype or x.dtype)


@replaces(aten.empty_permuted.default)
def empty_permuted(
    size: Sequence[int], physical_layout: Sequence[int], *, dtype: torch.dtype | None = None, **_: Any
) -> torch.Tensor:
    """Zeros of `size` (the layout is a stride choice, and the contents are unspecified)."""
    return torch.zeros([int(d) for d in size], dtype=dtype or torch.get_default_dtype())
