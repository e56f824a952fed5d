"""Assorted aten ops litert-torch cannot lower (or lowers wrongly), in builtins.

max_pool1d/2d/3d with dilation (with or without indices), and max_pool3d(return_indices=True):
aten_sampling's max_pool2d_with_indices rewrite runs on MaxPoolWithArgmax, which has no dilation,
and litert-torch lowers neither dilated nor index-returning 3-D pooling. The rewrite here pads
the input with -inf (rows and columns that ceil_mode's last window reaches, too), takes each
kernel tap as one strided slice (taps of a window are `dilation` apart, windows `stride` apart:
STRIDED_SLICE), stacks the taps on a last axis and reduces it by torch's CPU rule: an element
becomes the max when it is greater than the max so far or is NaN. So the value is NaN if the
window holds one and the index is the last NaN's; otherwise the first maximal element's in
row-major window order; a window of -inf gives its first element inside the input (padding is
never picked). The value is the chosen element itself, so a -0.0 keeps its sign. Indices are flat
per plane as torch's (w; h * W + w; (d * H + h) * W + w), int64 (int32 without enable_x64).
Undilated 2-D pooling keeps its existing paths (MaxPoolWithArgmax with indices, litert-torch's
MAX_POOL_2D without). float32 only; float64 becomes float32 without enable_x64 and is refused
with it (float64 comparisons do not legalize).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import torch

from . import aten_sampling
from .aten_search import _float64_as_float32
from .decompositions import replaces

aten = torch.ops.aten


# --- max pooling with dilation ----------------------------------------------------------------------


def _param(
    values: Sequence[int], nd: int, name: str, what: str, default: Sequence[int] | None = None
) -> list[int]:
    if len(values) == 0 and default is not None:
        values = default
    values = [int(v) for v in values]
    if len(values) == 1:
        return values * nd
    if len(values) != nd:
        raise ValueError(f"{name}: {what} must be a single int or {nd} ints, got {values}")
    return values


def _pool_out(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """torch's pooling_output_shape."""
    span = size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = span // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1  # the last window must start inside the input or the left padding
    return out


def _taps(
    x: torch.Tensor, nd: int, outs: list[int], k: list[int], s: list[int], d: list[int]
) -> torch.Tensor:
    """(lead..., padded spatial...) -> (lead..., o_1..o_n, taps): tap (j_1..j_n) of window (o_1..o_n)
    is padded[o_i * s_i + j_i * d_i]; taps in row-major order of j."""
    lead = x.dim() - nd
    pieces = []
    for js in itertools.product(*(range(ki) for ki in k)):
        t = x
        for i, j in enumerate(js):
            start = j * d[i]
            t = t[(slice(None),) * (lead + i) + (slice(start, start + (outs[i] - 1) * s[i] + 1, s[i]),)]
        pieces.append(t)
    return torch.stack(pieces, dim=-1)


def _max_pool(
    name: str,
    nd: int,
    x: torch.Tensor,
    kernel_size: Sequence[int],
    stride: Sequence[int],
    padding: Sequence[int],
    dilation: Sequence[int],
    ceil_mode: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    if x.dim() not in (nd + 1, nd + 2):
        raise ValueError(f"{name}: expected a {nd + 1}-D or {nd + 2}-D input, got shape {tuple(x.shape)}")
    k = _param(kernel_size, nd, name, "kernel_size")
    s = _param(stride, nd, name, "stride", k)
    p = _param(padding, nd, name, "padding")
    d = _param(dilation, nd, name, "dilation")
    if min(k + s + d) <= 0 or min(p) < 0:
        raise ValueError(f"{name}: kernel_size, stride and dilation must be positive, padding non-negative")
    if any(pi > ki // 2 for pi, ki in zip(p, k, strict=True)):
        raise ValueError(
            f"{name}: pad should be at most half of effective kernel size, got {p} for kernel {k}"
        )
    if x.dtype == torch.float64:
        x = x.to(_float64_as_float32(f"aten.{name}"))
    if x.dtype != torch.float32:
        raise ValueError(f"{name}: dtype {x.dtype} is not supported (float32)")
    sizes = [int(v) for v in x.shape[-nd:]]
    outs = [_pool_out(*args, ceil_mode) for args in zip(sizes, k, s, p, d, strict=True)]
    if min(outs) <= 0:
        raise ValueError(f"{name}: output size {outs} is too small (input {sizes})")
    # Right padding: as far as the last window's last tap reaches.
    right = [
        max((o - 1) * si + (ki - 1) * di + 1 - n - pi, 0)
        for o, si, ki, di, n, pi in zip(outs, s, k, d, sizes, p, strict=True)
    ]
    pads = [v for i in reversed(range(nd)) for v in (p[i], right[i])]
    g = _taps(torch.constant_pad_nd(x, pads, -math.inf), nd, outs, k, s, d)
    plane = torch.arange(math.prod(sizes), dtype=torch.int32).reshape(sizes)
    table = _taps(torch.constant_pad_nd(plane, pads, -1), nd, outs, k, s, d)  # -1: padding
    taps = math.prod(k)
    position = torch.arange(taps, dtype=torch.int32)
    is_nan = g != g
    any_nan = torch.any(is_nan, dim=-1)
    last_nan = torch.amax(torch.where(is_nan, position, torch.full_like(position, -1)), dim=-1)
    neg_inf = torch.full((), -math.inf, dtype=g.dtype)
    clean = torch.where(is_nan, neg_inf, g)
    best = torch.amax(clean, dim=-1, keepdim=True)
    first_max = torch.amin(
        torch.where(torch.logical_and(clean == best, table >= 0), position, torch.full_like(position, taps)),
        dim=-1,
    )
    chosen = torch.where(any_nan, last_nan, first_max).unsqueeze(-1)
    hit = position == chosen
    picked = torch.amax(torch.where(hit, clean, neg_inf), dim=-1)  # the element itself: keeps -0.0
    values = torch.where(any_nan, torch.full((), math.nan, dtype=g.dtype), picked)
    indices = torch.amax(torch.where(hit, table, torch.full_like(table, -1)), dim=-1).to(torch.int64)
    return values, indices


def _undilated(dilation: Sequence[int]) -> bool:
    return all(int(v) == 1 for v in dilation)


@replaces(aten.max_pool2d_with_indices.default)
def max_pool2d_with_indices(
    x: torch.Tensor,
    kernel_size: Sequence[int],
    stride: Sequence[int] = (),
    padding: Sequence[int] = (0,),
    dilation: Sequence[int] = (1,),
    ceil_mode: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    if _undilated(dilation):  # MaxPoolWithArgmax: one kernel node
        return aten_sampling.max_pool2d_with_indices(x, kernel_size, stride, padding, dilation, ceil_mode)
    return _max_pool("max_pool2d", 2, x, kernel_size, stride, padding, dilation, ceil_mode)


@replaces(aten.max_pool3d_with_indices.default)
def max_pool3d_with_indices(
    x: torch.Tensor,
    kernel_size: Sequence[int],
    stride: Sequence[int] = (),
    padding: Sequence[int] = (0,),
    dilation: Sequence[int] = (1,),
    ceil_mode: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    return _max_pool("max_pool3d", 3, x, kernel_size, stride, padding, dilation, ceil_mode)


def _values_only(nd: int) -> object:
    def rewrite(
        x: torch.Tensor,
        kernel_size: Sequence[int],
        stride: Sequence[int] = (),
        padding: Sequence[int] = (0,),
        dilation: Sequence[int] = (1,),
        ceil_mode: bool = False,
    ) -> object:
        if nd == 2 and _undilated(dilation):
            return NotImplemented  # litert-torch's MAX_POOL_2D
        return _max_pool(f"max_pool{nd}d", nd, x, kernel_size, stride, padding, dilation, ceil_mode)[0]

    return rewrite


replaces(aten.max_pool1d.default)(_values_only(1))
replaces(aten.max_pool2d.default)(_values_only(2))
replaces(aten.max_pool3d.default)(_values_only(3))
