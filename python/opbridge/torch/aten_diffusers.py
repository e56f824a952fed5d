"""Ops that diffusers models put in their graphs and litert-torch cannot lower (found by the diffusers
census, tools/census_diffusers_models.py, docs/models-diffusers.md).

float64 sin and cos: diffusers' rotary embeddings (get_1d_rotary_pos_embed with
freqs_dtype=torch.float64: Flux, and the models built on its position embedding) compute the
angles `outer(pos, 1 / theta ** (arange(0, d, 2) / d))` in float64 and take their cos and sin
before casting to float32. litert-torch 0.10 makes float64 COS and SIN builtins, which fail to
legalize ("failed to legalize operation 'tfl.cos'"); the float64 pow before them is aten_pointwise's.
- Without enable_x64 (the default), litert-torch computes float64 in float32 (it wraps its
  float64 arithmetic in casts; aten_pointwise's float64 pow does the same): the rewrite takes the
  float32 builtin of the argument rounded to float32 and widens the result. The difference from
  torch is the rounding of the angle: |x| * 2^-24 absolute, plus the builtin's own error (float32
  SIN/COS within 2.4e-7 up to |x| = 1e4, docs/torch.md). For Flux's image positions (up to 64 at
  1024 x 1024) that is ~4e-6 at most; the census' Flux matches torch to ~3e-7.
- With enable_x64, opbridge's Cos and Sin kernels run in float64 (the C library's cos/sin, as
  torch's scalar path; torch's vectorized float64 sin/cos are Sleef's u10 functions, within 1 ulp).
float64 expand: the same embeddings interleave cos and sin (repeat_interleave_real: unsqueeze,
expand, reshape) before the cast; the float64 BROADCAST_TO fails to legalize. Without enable_x64
the rewrite expands the float32 rounding of the tensor and widens it back (exact for values that
are float32 already, as every float64 result litert-torch computes is; a float64 constant or input
is rounded to float32 here, as in litert-torch's other float64 arithmetic). With enable_x64 it is
left to litert-torch, which fails (opbridge's BroadcastTo kernel would need its target shape at
torch.export time, which a shape tensor does not give: not done).
Other dtypes are handed on to the rewrite registered before this one (aten_transformers' expand,
aten_complex's rules for complex tensors), or to litert-torch: this module captures those rewrites
at import, so it belongs after aten_transformers in decompositions._FAMILIES (aten_complex chains
itself over whatever is registered, in either order).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from . import decompositions
from .lowering import x64_enabled
from .ops import op

aten = torch.ops.aten


def _float64_unary(overload: torch._ops.OpOverload, kernel: str, builtin: Callable[..., Any]) -> None:
    """Registers the float64 rewrite of `overload`, handing other dtypes to the rewrite registered
    before it (if any) or to litert-torch (NotImplemented)."""
    prior = decompositions._TABLE.get(overload)

    @decompositions.replaces(overload)
    def rewrite(x: torch.Tensor) -> Any:
        if x.dtype != torch.float64:
            return prior(x) if prior is not None else NotImplemented
        if x64_enabled():
            return op(kernel)(x)
        return builtin(x.to(torch.float32)).to(torch.float64)

    rewrite.__name__ = f"float64_{kernel.lower()}"


_PRIOR_EXPAND = decompositions._TABLE.get(aten.expand.default)


@decompositions.replaces(aten.expand.default)
def float64_expand(x: torch.Tensor, size: Sequence[int], *, implicit: bool = False) -> Any:
    if x.dtype != torch.float64:
        if _PRIOR_EXPAND is not None:
            return _PRIOR_EXPAND(x, size, implicit=implicit)
        return NotImplemented
    if x64_enabled():
        # not handled: litert-torch's float64 BROADCAST_TO fails to legalize (no wrong numbers)
        return _PRIOR_EXPAND(x, size, implicit=implicit) if _PRIOR_EXPAND is not None else NotImplemented
    # the float32 expand goes through the table again (aten_transformers' rewrite of it)
    return x.to(torch.float32).expand(size).to(torch.float64)


_float64_unary(aten.cos.default, "Cos", torch.cos)
_float64_unary(aten.sin.default, "Sin", torch.sin)
