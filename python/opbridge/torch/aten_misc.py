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

grid_sample on 5-D input (grid_sampler_3d): litert-torch has no lowering; 4-D input stays on
Opbridge>GridSample (aten_sampling). torch's CPU kernel in builtins: its source-index arithmetic
(unnormalize, reflection by fabs/fmod/floor, clipping as std::min/max so a NaN coordinate clips to
the last position, non-finite -> -100), the 8 trilinear taps as GATHERs of channels-last rows,
weights and sums in its order; nearest rounds half to even. Exact for float32. Deviation: a
reflected coordinate so large that torch's int cast of the flip count overflows (|coord| > 2^31
spans) may reflect differently.

Also (each rewrite's docstring says how): nn.Bilinear (aten.bilinear; litert-torch's _trilinear
has no lowering), torch.dist (every p), F.cosine_embedding_loss (litert-torch's decomposition
makes aten.empty_permuted), masked_scatter (CUMSUM + GATHER + select), Tensor.put (scatter /
index_add) and bfloat16 mm / bmm (float32 accumulation, one rounding, as torch's CPU gemm).
Bilinear, dist (p other than 0 and +-inf) and cosine_embedding_loss sum in TFLite's order, not
torch's vectorized one: a few ulp apart (<= 4.1e-7 relative measured); the rest is exact.
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


# --- grid_sample on 5-D input -----------------------------------------------------------------------


def _grid_coordinate(coord: torch.Tensor, size: int, padding_mode: int, align_corners: bool) -> torch.Tensor:
    """torch's grid_sampler_compute_source_index (GridSampler.h), in its float32 operation order."""
    if align_corners:
        coord = ((coord + 1) / 2) * (size - 1)
    else:
        coord = ((coord + 1) * size - 1) / 2
    if padding_mode == 2:  # reflection: reflect_coordinates then clip_coordinates
        low, high = (0, 2 * (size - 1)) if align_corners else (-1, 2 * size - 1)
        if low == high:
            coord = torch.zeros_like(coord)
        else:
            lowest, span = low / 2, (high - low) / 2
            folded = torch.abs(coord - lowest)
            extra = torch.remainder(folded, span)  # fmod: folded >= 0
            flips = torch.floor(folded / span)
            odd = flips - 2 * torch.floor(flips / 2) != 0
            coord = torch.where(odd, span - extra + lowest, extra + lowest)
    if padding_mode in (1, 2):  # clip_coordinates: min(size - 1, max(coord, 0)), so NaN -> size - 1
        low = torch.where(coord < 0, torch.zeros_like(coord), coord)
        coord = torch.where(low < size - 1, low, torch.full_like(coord, size - 1))
    # safe_downgrade_to_int_range: non-finite or out of int range -> -100 (outside the input).
    inside = torch.logical_and(
        torch.isfinite(coord), torch.logical_and(coord <= 2147483646, coord >= -2147483648)
    )
    return torch.where(inside, coord, torch.full_like(coord, -100.0))


def _grid_sampler_3d(
    image: torch.Tensor, grid: torch.Tensor, interpolation_mode: int, padding_mode: int, align_corners: bool
) -> torch.Tensor:
    """torch's grid_sampler_3d_cpu_impl: 8 corner taps (bilinear) accumulated in its order (tnw, tne,
    tsw, tse, bnw, bne, bsw, bse, each weight a left-to-right product of three differences) onto 0,
    a tap outside the input skipped (here: adds +0.0, which cannot change a sum that starts at +0.0);
    nearest rounds half to even (nearbyint). Taps are rows of the channels-last input (GATHER)."""
    name = "grid_sample (5-D)"
    if interpolation_mode not in (0, 1):
        raise ValueError(
            f"{name}: mode {('bilinear', 'nearest', 'bicubic')[interpolation_mode]} is not supported "
            "by torch for 5-D input"
        )
    if image.dtype == torch.float64:
        dtype = _float64_as_float32("aten.grid_sampler_3d")
        image, grid = image.to(dtype), grid.to(dtype)
    if image.dtype != torch.float32 or grid.dtype != image.dtype:
        raise ValueError(f"{name}: input and grid must both be float32, got {image.dtype} and {grid.dtype}")
    n, c, d, h, w = (int(v) for v in image.shape)
    if grid.dim() != 5 or int(grid.shape[0]) != n or int(grid.shape[-1]) != 3:
        raise ValueError(
            f"{name}: grid must be (N, D_out, H_out, W_out, 3) with N={n}, got {tuple(grid.shape)}"
        )
    out_shape = [int(v) for v in grid.shape[1:4]]
    points = math.prod(out_shape)
    if c == 0 or points == 0 or d * h * w == 0:
        return torch.zeros((n, c, *out_shape), dtype=image.dtype)
    flat_grid = grid.reshape(n, points, 3)
    ix = _grid_coordinate(flat_grid[..., 0], w, padding_mode, align_corners)
    iy = _grid_coordinate(flat_grid[..., 1], h, padding_mode, align_corners)
    iz = _grid_coordinate(flat_grid[..., 2], d, padding_mode, align_corners)
    rows = image.permute(0, 2, 3, 4, 1).reshape(n * d * h * w, c)
    base = (torch.arange(n, dtype=torch.int32) * (d * h * w)).unsqueeze(1)

    def tap(x: torch.Tensor, y: torch.Tensor, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The input at integer-valued float coordinates (n, points, c) and whether they lie inside."""
        inside = (x >= 0) & (x < w) & (y >= 0) & (y < h) & (z >= 0) & (z < d)
        xi = torch.clamp(x, 0, w - 1).to(torch.int32)
        yi = torch.clamp(y, 0, h - 1).to(torch.int32)
        zi = torch.clamp(z, 0, d - 1).to(torch.int32)
        index = base + (zi * h + yi) * w + xi
        values = torch.index_select(rows, 0, index.reshape(-1)).reshape(n, points, c)
        return values, inside.unsqueeze(-1)

    zero = torch.zeros((), dtype=image.dtype)
    if interpolation_mode == 1:
        values, inside = tap(torch.round(ix), torch.round(iy), torch.round(iz))
        out = torch.where(inside, values, zero)
    else:
        x0, y0, z0 = torch.floor(ix), torch.floor(iy), torch.floor(iz)
        x1, y1, z1 = x0 + 1, y0 + 1, z0 + 1
        corners = (  # (x, y, z, weight): torch's order and products
            (x0, y0, z0, (x1 - ix) * (y1 - iy) * (z1 - iz)),
            (x1, y0, z0, (ix - x0) * (y1 - iy) * (z1 - iz)),
            (x0, y1, z0, (x1 - ix) * (iy - y0) * (z1 - iz)),
            (x1, y1, z0, (ix - x0) * (iy - y0) * (z1 - iz)),
            (x0, y0, z1, (x1 - ix) * (y1 - iy) * (iz - z0)),
            (x1, y0, z1, (ix - x0) * (y1 - iy) * (iz - z0)),
            (x0, y1, z1, (x1 - ix) * (iy - y0) * (iz - z0)),
            (x1, y1, z1, (ix - x0) * (iy - y0) * (iz - z0)),
        )
        out = None
        for x, y, z, weight in corners:
            values, inside = tap(x, y, z)
            term = torch.where(inside, values * weight.unsqueeze(-1), zero)
            out = term if out is None else out + term
        assert out is not None
    return out.permute(0, 2, 1).reshape(n, c, *out_shape)


@replaces(aten.grid_sampler.default)
def grid_sampler(
    image: torch.Tensor, grid: torch.Tensor, interpolation_mode: int, padding_mode: int, align_corners: bool
) -> object:
    if image.dim() == 4:  # Opbridge>GridSample
        return aten_sampling.grid_sampler(image, grid, interpolation_mode, padding_mode, align_corners)
    return _grid_sampler_3d(image, grid, interpolation_mode, padding_mode, align_corners)


@replaces(aten.grid_sampler_3d.default)
def grid_sampler_3d(
    image: torch.Tensor, grid: torch.Tensor, interpolation_mode: int, padding_mode: int, align_corners: bool
) -> torch.Tensor:
    return _grid_sampler_3d(image, grid, interpolation_mode, padding_mode, align_corners)


# --- nn.Bilinear, torch.dist, cosine_embedding_loss --------------------------------------------------


@replaces(aten.bilinear.default)
def bilinear(
    x1: torch.Tensor, x2: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None
) -> torch.Tensor:
    """y[..., o] = sum_ij x1[..., i] W[o, i, j] x2[..., j] + b[o] (torch: aten._trilinear, which
    litert-torch cannot lower): one matmul x1 @ W as (I, O*J), a product with x2 and a sum over j.
    torch's own (sumproduct_pair -> bmm) sums in another order: float32 results agree to rounding."""
    out_features, in1, in2 = (int(v) for v in weight.shape)
    if int(x1.shape[-1]) != in1 or int(x2.shape[-1]) != in2 or x1.shape[:-1] != x2.shape[:-1]:
        raise ValueError(
            f"bilinear: inputs {tuple(x1.shape)} and {tuple(x2.shape)} do not fit weight "
            f"{tuple(weight.shape)}"
        )
    lead = [int(v) for v in x1.shape[:-1]]
    rows = math.prod(lead)
    w = weight.permute(1, 0, 2).reshape(in1, out_features * in2)
    t = torch.matmul(x1.reshape(rows, in1), w).reshape(rows, out_features, in2)
    y = torch.sum(t * x2.reshape(rows, 1, in2), dim=-1)
    if bias is not None:
        y = y + bias
    return y.reshape(*lead, out_features)


@replaces(aten.dist.default)
def dist(a: torch.Tensor, b: torch.Tensor, p: float = 2) -> torch.Tensor:
    """torch.dist: the p-norm of a - b (broadcast), torch's norm cases: p = 0 counts nonzeros,
    +-inf takes max / min |x| (NaN if any is NaN, as torch's), 1 and 2 sum |x| and x^2, others
    sum(|x|^p)^(1/p). The sums' order differs from torch's vectorized reduction (rounding only)."""
    if not a.dtype.is_floating_point or not b.dtype.is_floating_point:
        raise ValueError(f"dist: expected floating inputs, got {a.dtype} and {b.dtype}")
    p = float(p)
    diff = (a - b).reshape(-1)
    magnitude = torch.abs(diff)
    if p == 0:
        return torch.sum((diff != 0).to(diff.dtype))
    if math.isinf(p):
        found = torch.amax(magnitude) if p > 0 else torch.amin(magnitude)
        return torch.where(torch.any(diff != diff), torch.full((), math.nan, dtype=diff.dtype), found)
    if p == 1:
        return torch.sum(magnitude)
    if p == 2:
        return torch.sqrt(torch.sum(diff * diff))
    return torch.pow(torch.sum(torch.pow(magnitude, p)), 1.0 / p)


@replaces(aten.cosine_embedding_loss.default)
def cosine_embedding_loss(
    x1: torch.Tensor, x2: torch.Tensor, target: torch.Tensor, margin: float = 0.0, reduction: int = 1
) -> torch.Tensor:
    """torch's Loss.cpp formula (litert-torch's decomposition makes aten.empty_permuted, which it
    cannot lower): cos = sum(x1*x2) / sqrt((sum(x1^2) + 1e-12) * (sum(x2^2) + 1e-12)), loss 1 - cos
    where target is 1, max(cos - margin, 0) where it is -1, 0 elsewhere; then the reduction."""
    dim = target.dim()
    if dim not in (0, 1) or x1.dim() != dim + 1 or x2.dim() != dim + 1:
        raise ValueError(
            f"cosine_embedding_loss: expected 1-D/2-D inputs with 0-D/1-D target, got {tuple(x1.shape)}, "
            f"{tuple(x2.shape)} and {tuple(target.shape)}"
        )
    eps = 1e-12
    prod_sum = torch.sum(x1 * x2, dim=dim)
    mag1 = torch.sum(x1 * x1, dim=dim) + eps
    mag2 = torch.sum(x2 * x2, dim=dim) + eps
    cos = prod_sum / torch.sqrt(mag1 * mag2)
    zeros = torch.zeros_like(cos)
    out = torch.where(target == 1, 1 - cos, zeros) + torch.where(
        target == -1, torch.clamp(cos - margin, min=0), zeros
    )
    if reduction == 1:
        return torch.mean(out)
    if reduction == 2:
        return torch.sum(out)
    return out


# --- masked_scatter, put -----------------------------------------------------------------------------


@replaces(aten.masked_scatter.default)
def masked_scatter(x: torch.Tensor, mask: torch.Tensor, source: torch.Tensor) -> torch.Tensor:
    """The k-th True of the mask (row-major, mask broadcast to x) takes source.flatten()[k]: k is the
    running count of Trues (CUMSUM) minus one, the source element a GATHER, then a select. torch
    raises when the source has fewer elements than Trues; here the last source element repeats."""
    if mask.dtype != torch.bool:
        raise ValueError(f"masked_scatter: mask must be bool, got {mask.dtype}")
    if source.dtype != x.dtype:
        raise ValueError(f"masked_scatter: source dtype {source.dtype} differs from self dtype {x.dtype}")
    shape = torch.broadcast_shapes(x.shape, mask.shape)
    if tuple(shape) != tuple(x.shape):
        raise ValueError(f"masked_scatter: mask {tuple(mask.shape)} does not broadcast to {tuple(x.shape)}")
    if x.numel() == 0:
        return x.clone()
    if source.numel() == 0:
        return x.clone()  # torch: fine if the mask is all False, an error otherwise
    flat_mask = mask.expand(shape).reshape(-1)
    k = torch.cumsum(flat_mask.to(torch.int32), dim=0) - 1
    k = torch.clamp(k, 0, source.numel() - 1)
    taken = torch.index_select(source.reshape(-1), 0, k)
    return torch.where(flat_mask, taken, x.reshape(-1)).reshape(shape)


@replaces(aten.put.default)
def put(x: torch.Tensor, index: torch.Tensor, source: torch.Tensor, accumulate: bool = False) -> torch.Tensor:
    """x.flatten()[index] = source (accumulate: +=), negative indices from the end. Without accumulate a
    scatter (STABLEHLO_SCATTER; a later duplicate index wins, as torch's CPU loop, which torch calls
    undefined); with it index_add (aten_scatter). torch raises for an index outside [-n, n); the
    model skips it."""
    if index.dtype not in (torch.int64, torch.int32):
        raise ValueError(f"put: index must be int64, got {index.dtype}")
    if index.numel() != source.numel():
        raise ValueError(
            f"put: index has {index.numel()} elements and source {source.numel()}; they must match"
        )
    n = x.numel()
    if index.numel() == 0 or n == 0:
        return x.clone()
    flat_index = index.reshape(-1).to(torch.int64)
    flat_index = torch.where(flat_index < 0, flat_index + n, flat_index)
    flat = x.reshape(-1)
    values = source.reshape(-1).to(x.dtype)
    if accumulate:
        out = torch.index_add(flat, 0, flat_index, values)
    else:
        out = flat.scatter(0, flat_index, values)
    return out.reshape(x.shape)


# --- bfloat16 matmul -------------------------------------------------------------------------------


def _bf16_matmul(fn: object) -> object:
    def rewrite(a: torch.Tensor, b: torch.Tensor) -> object:
        if a.dtype != torch.bfloat16 or b.dtype != torch.bfloat16:
            return NotImplemented
        return fn(a.to(torch.float32), b.to(torch.float32)).to(torch.bfloat16)  # type: ignore[operator]

    rewrite.__doc__ = """bfloat16 matmul (litert-torch: "failed to legalize operation 'tfl.batch_matmul'"):
    torch's CPU bfloat16 gemm multiplies and accumulates in float32 and rounds once to bfloat16;
    the rewrite does the same (bfloat16 -> float32 is exact)."""
    return rewrite


replaces(aten.mm.default)(_bf16_matmul(torch.mm))
replaces(aten.bmm.default)(_bf16_matmul(torch.bmm))


# --- refused ---------------------------------------------------------------------------------------


@replaces(aten.unique_consecutive.default)
def unique_consecutive(x: torch.Tensor, *args: object, **kwargs: object) -> torch.Tensor:
    """torch.unique_consecutive's output length is the number of runs, a value of the data: a
    TFLite model has static shapes (litert-torch cannot lower the symbolic size either)."""
    raise ValueError(
        "aten.unique_consecutive: the output size is the number of runs in the data, which a "
        "static-shape TFLite model cannot have; compute a fixed-size form instead (e.g. a mask "
        "x[1:] != x[:-1] and its cumsum)"
    )
