"""Pooling that litert-torch cannot lower: F.adaptive_max_pool1d/2d/3d (return_indices too).

torch's adaptive windows: along a dim of size `in` pooled to `out`, window i covers
[floor(i * in / out), ceil((i + 1) * in / out)), so windows differ in size (and may overlap) and no
fixed-size pool matches. The rewrite gathers each window into the last axis with static indices
(GATHER builtins; a window shorter than the longest repeats its last element, which changes
neither its max nor which element is picked), then reduces it by torch's CPU rule:
an element becomes the window's max when it is greater than the max so far or is NaN. So the value
is NaN if the window holds one and the index is the last NaN's; otherwise the first maximal
element's (ties: the first, in row-major order of the window; a window of -inf: its first element).
Indices are flattened per plane (h * W + w; (d * H + h) * W + w in 3-D) and int64 as torch's
(int32 without enable_x64). adaptive_max_pool1d reaches the rewrite as adaptive_max_pool2d (torch's
decomposition).

float32 only: litert-torch cannot legalize float16/float64 comparisons; float64 becomes float32
without enable_x64 (as litert-torch makes every float64 tensor) and is refused with it.
"""

from __future__ import annotations

import math

import torch

from .aten_search import _float64_as_float32
from .decompositions import replaces

aten = torch.ops.aten


def _windows(size: int, out: int) -> list[list[int]]:
    """Each output position's input positions along one dim, padded to the longest window by
    repeating the window's last position."""
    spans = [((i * size) // out, -((-(i + 1) * size) // out)) for i in range(out)]
    longest = max(end - start for start, end in spans)
    return [[min(start + k, end - 1) for k in range(longest)] for start, end in spans]


def _gathered(
    x: torch.Tensor, windows: list[list[list[int]]], lead: list[int], sizes: list[int], k: int
) -> torch.Tensor:
    """(lead..., spatial...) -> (lead..., o_1..o_n, k): every window's elements, row-major.

    One spatial dim at a time on a 5-D view (windows so far x this dim x the dims left x
    window elements so far): a single permute of (o_1, k_1, ..., o_n, k_n) would be 7-D for
    3-D pooling, a TRANSPOSE version tf.lite 2.21's interpreter does not have."""
    rest = [int(d) for d in x.shape[len(lead) :]]
    g = x.reshape([math.prod(lead), *rest, 1])
    for d, w in enumerate(windows):
        pieces = []
        for row in w:
            start, end = row[0], row[-1] + 1
            pieces.append(g.narrow(1, start, end - start))
            pieces += [g.narrow(1, end - 1, 1)] * (len(row) - (end - start))
        g = torch.cat(pieces, dim=1)
        tail, done = rest[d + 1 :], int(g.shape[-1])
        g = g.reshape(int(g.shape[0]), len(w), len(w[0]), math.prod(tail), done)
        # This dim's window position goes innermost of the window elements (row-major order).
        g = g.permute(0, 1, 3, 4, 2).reshape([int(g.shape[0]) * len(w), *tail, done * len(w[0])])
    return g.reshape(lead + sizes + [k])


def _adaptive_max_pool(
    x: torch.Tensor, output_size: list[int], spatial: int
) -> tuple[torch.Tensor, torch.Tensor]:
    name = f"aten.adaptive_max_pool{spatial}d"
    if x.dim() not in (spatial + 1, spatial + 2):
        raise ValueError(
            f"{name}: input must be {spatial + 1}-D or {spatial + 2}-D, got shape {tuple(x.shape)}"
        )
    sizes = list(output_size)
    if len(sizes) != spatial or any(s is None or s <= 0 for s in sizes):
        raise ValueError(f"{name}: output_size must be {spatial} positive sizes, got {output_size}")
    if x.dtype == torch.float64:
        x = x.to(_float64_as_float32(name))
    if x.dtype != torch.float32:
        raise ValueError(f"{name}: dtype {x.dtype} is not supported (float32)")
    in_sizes = [int(d) for d in x.shape[-spatial:]]
    if any(d == 0 for d in in_sizes):
        raise ValueError(f"{name}: input spatial dims must be non-empty, got shape {tuple(x.shape)}")
    lead = list(x.shape[:-spatial])
    windows = [_windows(size, out) for size, out in zip(in_sizes, sizes, strict=True)]
    # Gather every window along the dims (slices: a constant index tensor made here would not be
    # functional in torch.export's retrace), then (..., o_1, k_1, ..., o_n, k_n) ->
    # (..., o_1..o_n, k_1..k_n). The flat indices of a plane, gathered alike, label each element.
    k = math.prod(len(w[0]) for w in windows)
    g = _gathered(x, windows, lead, sizes, k)
    plane = torch.arange(math.prod(in_sizes), dtype=torch.int32).reshape(in_sizes)
    table = _gathered(plane, windows, [], sizes, k)
    position = torch.arange(k, dtype=torch.int32)
    is_nan = g != g
    any_nan = torch.any(is_nan, dim=-1)
    last_nan = torch.amax(torch.where(is_nan, position, torch.full_like(position, -1)), dim=-1)
    neg_inf = torch.full((), -math.inf, dtype=g.dtype)
    clean = torch.where(is_nan, neg_inf, g)
    best = torch.amax(clean, dim=-1)
    first_max = torch.amin(
        torch.where(clean == best.unsqueeze(-1), position, torch.full_like(position, k)), dim=-1
    )
    chosen = torch.where(any_nan, last_nan, first_max)
    values = torch.where(any_nan, torch.full((), math.nan, dtype=g.dtype), best)
    picked = torch.where(position == chosen.unsqueeze(-1), table, torch.full_like(table, -1))
    indices = torch.amax(picked, dim=-1).to(torch.int64)
    return values, indices


@replaces(aten.adaptive_max_pool2d.default)
def adaptive_max_pool2d(x: torch.Tensor, output_size: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    return _adaptive_max_pool(x, output_size, 2)


@replaces(aten.adaptive_max_pool3d.default)
def adaptive_max_pool3d(x: torch.Tensor, output_size: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    return _adaptive_max_pool(x, output_size, 3)
