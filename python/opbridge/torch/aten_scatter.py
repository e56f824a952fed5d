"""Scatter and index-accumulate ops (torch.scatter_add, scatter_reduce, index_add,
index_put(accumulate=True), F.fold, istft's overlap-add) on TensorScatterSub / TensorScatterMax /
TensorScatterMin.

Why litert-torch's own lowering does not run: it lowers each of these to a STABLEHLO_SCATTER whose
update computation is a subgraph of one op, and the TFLite converter legalizes that op to the plain
TFLite builtin (ADD, MAXIMUM, ...; measured in the .tflite: subgraph "STABLEHLO_SCATTER1" holds one
ADD for scatter_add, one MAXIMUM for amax). The runtime's STABLEHLO_SCATTER kernel
(tensorflow/lite/kernels/stablehlo_scatter.cc, OpCodeToComputationType) recognizes only the
STABLEHLO_ADD / STABLEHLO_MULTIPLY / STABLEHLO_MAXIMUM / STABLEHLO_MINIMUM builtin codes and an empty
region (plain update), so every accumulating scatter fails at prepare with "Only update, Add,
Multiply, Maximum and Minimum operations are currently supported for stablehlo.scatter" (with or
without the XNNPACK delegate). Plain scatter / index_put(accumulate=False) / index_copy / index_fill
have an empty region and run; they are left to litert-torch.

index_put with one bool (or uint8) mask as its index (`x[mask] = v`, `x[:, mask] += v`; Longformer's
global-attention mask) is a select: torch.where(mask, v, x), or x + v where the mask holds with
accumulate=True (one addition per selected element, as torch): exact. litert-torch refuses a bool
index (the count of True sizes its scatter). The values must broadcast over the selected elements
(one row); values with a row per True element need that count: refused, naming the op.

as_strided (here for Longformer, whose sliding-window attention needs both): torch reads the input's
storage; litert-torch's lowering reads the flattened input in row-major order with the offset
relative to it, and its converter first respells every view as reshape(x.contiguous()), so the
layout the model's strides were written against is gone from the traced graph. The rewrite replays
the chain of views from the last real producer as torch ran them (on a meta tensor) to get the
input's layout, rebuilds its storage span (dims by stride) and applies as_strided to that
contiguous copy. Longformer's chunks of x.transpose(1, 2).reshape(...) were silently wrong
(attention scores off by about 1). A view that does not fill its span (gaps, overlaps) or a read
outside the span is refused, naming the op.

The rewrites flatten `self` and address each contribution by its linear offset (constants for the
dims the op does not index, plus index * stride), then fold the contributions into the flat tensor
in torch's order:
- sums: TensorScatterSub of the negated values (x - (-v) is x + v exactly, integers wrap alike);
  each slot gets its contributions in increasing source order, as torch's CPU kernels add them
  (scatter_add/scatter_reduce along dim, index_add by index position, index_put in the broadcast
  indices' row-major order, col2im by kernel offset then column): bit-exact with torch;
- amax / amin: TensorScatterMax / TensorScatterMin (std::max, which keeps a NaN already there but
  ignores a NaN update); torch propagates a NaN from either side, so slots hit by a NaN are set to
  NaN after;
- mean: the sum, divided by the count (+1 with include_self; untouched slots divide by 1), floor
  division for integers, as torch;
- include_self=False: touched slots start from the reduction's identity (0, -inf/lowest,
  +inf/highest) as torch fills them.
scatter_reduce "prod" has no kernel here (no TensorScatterMul; UnsortedSegmentProd's output size is
a value, which torch.export cannot trace): refused at conversion, naming the op.

Indices: int64 in torch; computed in int32 (litert-torch makes int64 int32 unless enable_x64).
An index out of [0, size) (negative too, for scatter/index_add, which torch refuses) is sent out of
the tensor, so the model's invoke fails as torch raises; index_put wraps negative indices as torch.
Deviation: a slot of -0.0 that only -0.0 values are added to stays -0.0 in torch and may become +0.0
with include_self=False (0 + -0.0 in torch too) - values compare equal.

index_add with alpha != 1: torch's vectorized CPU kernel computes self + alpha * source as one fused
multiply-add (measured: its bits equal the once-rounded double result, not the float sum of the
rounded product); the model rounds alpha * source first, so each addition can differ by 1 ulp.
Exact when alpha * source is exact (alpha 1 or a power of 2).

F.fold (aten.col2im) and torch.istft (its signal and window envelope are aten.unfold_backward, which
torch's decomposition turns into one index_put per window offset when the envelope broadcasts: 400
scatters for n_fft=400) each become one TensorScatterSub with constant offsets, in torch's order
(col2im: kernel offset, then column; unfold_backward: increasing window); padding contributions go
to one extra slot dropped after.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from . import lowering
from ._dims import wrap_dim
from .decompositions import replaces
from .ops import op

aten = torch.ops.aten

# TensorScatterSub/Max/Min's number types (the kernels' kNumberTypes, less complex).
_DTYPES = (
    torch.float32,
    torch.float64,
    torch.float16,
    torch.bfloat16,
    torch.int8,
    torch.int16,
    torch.int32,
    torch.int64,
    torch.uint8,
)


def _strides(shape: Sequence[int]) -> list[int]:
    out, step = [], 1
    for d in reversed(shape):
        out.append(step)
        step *= int(d)
    return out[::-1]


def _numel(shape: Sequence[int]) -> int:
    return math.prod(int(d) for d in shape)


def _check_dtype(name: str, x: torch.Tensor) -> None:
    if x.dtype not in _DTYPES:
        raise ValueError(f"{name}: dtype {x.dtype} is not supported (the scatter kernels take {_DTYPES})")


def _offsets(shape: Sequence[int], strides: Sequence[int], skip: int) -> torch.Tensor:
    """int32 [shape]: sum of coord_d * strides[d] over the dims but `skip` (a constant)."""
    out = torch.zeros(tuple(shape), dtype=torch.int32)
    for d, size in enumerate(shape):
        if d == skip:
            continue
        view = [1] * len(shape)
        view[d] = int(size)
        out = out + (torch.arange(int(size), dtype=torch.int32) * int(strides[d])).reshape(view)
    return out


def _in_range(name: str, index: torch.Tensor, size: int, wrap: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """(int32 index, valid mask): negative indices wrapped when `wrap` (index_put), else invalid."""
    idx = index.to(torch.int32)
    if wrap:
        idx = torch.where(idx < 0, idx + size, idx)
    return idx, (idx >= 0) & (idx < size)


def _fold(kind: str, base: torch.Tensor, lin: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """base (1-D) with values folded in at lin (1-D int32), in order: sum, max or min."""
    indices = lin.reshape(-1, 1)
    if kind == "sum":
        return op("TensorScatterSub")(base, indices, -values)
    if kind == "amax":
        return op("TensorScatterMax")(base, indices, values)
    return op("TensorScatterMin")(base, indices, values)


def _count(n: int, lin: torch.Tensor) -> torch.Tensor:
    """int32 [n]: how many contributions each slot gets."""
    return op("TensorScatterSub")(
        torch.zeros(n, dtype=torch.int32), lin.reshape(-1, 1), -torch.ones(lin.shape, dtype=torch.int32)
    )


def _identity(kind: str, dtype: torch.dtype) -> float | int:
    if kind in ("sum", "mean"):
        return 0
    if dtype.is_floating_point:
        return float("-inf") if kind == "amax" else float("inf")
    info = torch.iinfo(dtype)
    return info.min if kind == "amax" else info.max


def _reduce_flat(
    name: str, kind: str, flat: torch.Tensor, lin: torch.Tensor, values: torch.Tensor, include_self: bool
) -> torch.Tensor:
    """torch's scatter_reduce over a flat self: lin (int32, -> n when invalid) and values, 1-D and
    in torch's order."""
    n = flat.shape[0]
    if kind not in ("sum", "mean", "amax", "amin"):
        raise ValueError(
            f"{name}: reduce={kind!r} is not supported in a converted model (sum, mean, amax, amin; "
            "'prod' has no scatter-multiply kernel in opbridge)"
        )
    count = _count(n, lin) if (kind == "mean" or not include_self) else None
    base = flat
    if not include_self:
        touched = count > 0  # type: ignore[operator]
        base = torch.where(touched, torch.full_like(flat, _identity(kind, flat.dtype)), flat)
    out = _fold("sum" if kind == "mean" else kind, base, lin, values)
    if kind == "mean":
        divisor = count + 1 if include_self else torch.clamp(count, min=1)  # type: ignore[operator]
        divisor = divisor.to(flat.dtype)
        out = (
            out / divisor if flat.dtype.is_floating_point else torch.div(out, divisor, rounding_mode="floor")
        )
    if kind in ("amax", "amin") and flat.dtype.is_floating_point:
        nan_hits = _count_where(n, lin, torch.isnan(values))
        out = torch.where(nan_hits > 0, torch.full_like(out, float("nan")), out)
    return out


def _count_where(n: int, lin: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return op("TensorScatterSub")(
        torch.zeros(n, dtype=torch.int32), lin.reshape(-1, 1), -mask.to(torch.int32)
    )


def _along_dim(
    name: str, self: torch.Tensor, dim: int, index: torch.Tensor, src: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, list[int]] | None:
    """(flat self, lin, values, self's shape) for torch.scatter's addressing along dim; None when
    index is empty. Checks the shapes as torch does."""
    _check_dtype(name, self)
    shape = list(self.shape) or [1]
    rank = self.dim()
    dim = wrap_dim(name, dim, rank)
    if (index.dim() != src.dim() and src.dim() != 0) or max(index.dim(), 1) != max(rank, 1):
        raise ValueError(
            f"{name}: index (rank {index.dim()}), self (rank {rank}) and src (rank {src.dim()}) "
            "need the same rank"
        )
    ishape = list(index.shape) or [1]
    if index.numel() == 0:
        return None
    for d, size in enumerate(ishape):
        if d != dim and size > shape[d]:
            raise ValueError(
                f"{name}: index {tuple(index.shape)} is larger than self {tuple(self.shape)} at dim {d}"
            )
        if src.dim() and size > (list(src.shape) or [1])[d]:
            raise ValueError(
                f"{name}: index {tuple(index.shape)} is larger than src {tuple(src.shape)} at dim {d}"
            )
    strides = _strides(shape)
    idx, ok = _in_range(name, index.reshape(ishape), shape[dim], wrap=False)
    n = _numel(shape)
    lin = _offsets(ishape, strides, dim) + idx * strides[dim]
    lin = torch.where(ok, lin, torch.full_like(lin, n))  # out of the tensor: the kernel refuses it
    if src.dim() == 0:
        values = src.to(self.dtype).expand(ishape)
    else:
        values = src.reshape(list(src.shape) or [1])
        for d, size in enumerate(ishape):
            if values.shape[d] != size:
                values = values.narrow(d, 0, size)
        values = values.to(self.dtype)
    return self.reshape(-1), lin.reshape(-1), values.reshape(-1), list(self.shape)


def _scatter_reduce(
    name: str,
    self: torch.Tensor,
    dim: int,
    index: torch.Tensor,
    src: torch.Tensor,
    kind: str,
    include_self: bool,
) -> torch.Tensor:
    parts = _along_dim(name, self, dim, index, src)
    if parts is None:
        return self.clone()
    flat, lin, values, shape = parts
    return _reduce_flat(name, kind, flat, lin, values, include_self).reshape(shape)


@replaces(aten.scatter_add.default)
def scatter_add(self: torch.Tensor, dim: int, index: torch.Tensor, src: torch.Tensor) -> torch.Tensor:
    return _scatter_reduce("aten.scatter_add", self, dim, index, src, "sum", True)


@replaces(aten.scatter_reduce.two)
def scatter_reduce(
    self: torch.Tensor,
    dim: int,
    index: torch.Tensor,
    src: torch.Tensor,
    reduce: str,
    *,
    include_self: bool = True,
) -> torch.Tensor:
    return _scatter_reduce("aten.scatter_reduce", self, dim, index, src, reduce, include_self)


@replaces(aten.index_add.default)
def index_add(
    self: torch.Tensor, dim: int, index: torch.Tensor, source: torch.Tensor, *, alpha: float = 1
) -> torch.Tensor:
    name = "aten.index_add"
    _check_dtype(name, self)
    if index.dim() > 1:
        raise ValueError(f"{name}: index must be 1-D, got shape {tuple(index.shape)}")
    dim = wrap_dim(name, dim, self.dim())
    shape = list(self.shape) or [1]
    sshape = list(source.shape) or [1]
    k = index.numel()
    expected = [*shape[:dim], k, *shape[dim + 1 :]]
    if sshape != expected:
        raise ValueError(
            f"{name}: source of shape {tuple(source.shape)} does not match self {tuple(self.shape)} "
            f"with {k} indices along dim {dim}"
        )
    if k == 0:
        return self.clone()
    n = _numel(shape)
    strides = _strides(shape)
    idx, ok = _in_range(name, index.reshape(k), shape[dim], wrap=False)
    view = [1] * len(shape)
    view[dim] = k
    lin = _offsets(sshape, strides, dim) + (idx * strides[dim]).reshape(view)
    lin = torch.where(ok.reshape(view), lin, torch.full_like(lin, n))
    values = source.reshape(sshape).to(self.dtype)
    if alpha != 1:
        values = values * alpha
    return _fold("sum", self.reshape(-1), lin.reshape(-1), values.reshape(-1)).reshape(self.shape)


def _bool_mask_put(
    self: torch.Tensor, indices: Sequence[torch.Tensor | None], values: torch.Tensor, accumulate: bool
) -> torch.Tensor | None:
    """`x[mask] = v` / `x[:, mask] += v` (one bool or uint8 mask, only full slices before it) as a
    select: torch.where(mask, v, x), or x + v where the mask holds with accumulate (each selected
    element gets v once: the same single addition as torch). litert-torch refuses a bool index (its
    selected count is a value). None when the indices are not one such mask.

    The values must broadcast to the selected elements with one row for all of them (a scalar, or
    a size-1 or absent selection dim); values with one row per True element would need the mask's
    count, known only at run time: refused."""
    name = "aten.index_put"
    positions = [d for d, t in enumerate(indices) if t is not None]
    if len(positions) != 1:
        return None
    p = positions[0]
    mask = indices[p]
    if mask.dtype not in (torch.bool, torch.uint8):  # type: ignore[union-attr]
        return None
    mask = mask != 0 if mask.dtype == torch.uint8 else mask  # type: ignore[union-attr]
    shape = list(self.shape)
    k = mask.dim()
    if p + k > len(shape) or list(mask.shape) != shape[p : p + k]:
        raise ValueError(
            f"{name}: the mask's shape {tuple(mask.shape)} does not match self {tuple(self.shape)} at "
            f"dims {p}..{p + k - 1}"
        )
    before, after = shape[:p], shape[p + k :]
    rank = len(before) + 1 + len(after)  # the selection's rank: [*before, count, *after]
    vshape = list(values.shape)
    while len(vshape) > rank and vshape[0] == 1:
        vshape = vshape[1:]
    vshape = [1] * (rank - len(vshape)) + vshape
    rows = vshape[p] if len(vshape) == rank else None
    if rows != 1:
        raise ValueError(
            f"{name}: values of shape {tuple(values.shape)} give each of the mask's True elements its "
            f"own row (dim {p}); only values that broadcast over them (one row) convert, the count of "
            "True being known only at run time"
        )
    spread = vshape[:p] + [1] * k + vshape[p + 1 :]
    try:
        fits = list(torch.broadcast_shapes(tuple(spread), tuple(shape))) == shape
    except RuntimeError:
        fits = False
    if not fits:
        raise ValueError(
            f"{name}: values of shape {tuple(values.shape)} do not broadcast to the selection "
            f"{tuple([*before, 'count', *after])} of self {tuple(self.shape)}"
        )
    v = values.to(self.dtype).reshape(spread)
    where = mask.reshape([1] * p + list(mask.shape) + [1] * len(after))
    return torch.where(where, self + v if accumulate else v.expand(shape), self)


@replaces(aten.index_put.default, aten._unsafe_index_put.default)
def index_put(
    self: torch.Tensor, indices: Sequence[torch.Tensor | None], values: torch.Tensor, accumulate: bool = False
) -> torch.Tensor:
    masked = _bool_mask_put(self, indices, values, accumulate)
    if masked is not None:
        return masked
    if not accumulate:
        if self.dtype == torch.int64 and not lowering.x64_enabled():
            # litert-torch downcasts an int64 scatter's result type, not its operands: "'stablehlo.scatter'
            # op inferred type(s) 'tensor<16xi64>' are incompatible with return type(s) 'tensor<16xi32>'"
            # (MoE layers' inverse routing permutation). The model is int32 there anyway: scatter in int32.
            narrow = aten.index_put.default(self.to(torch.int32), indices, values.to(torch.int32), False)
            return narrow.to(torch.int64)
        return NotImplemented  # a plain update: litert-torch's STABLEHLO_SCATTER runs it
    name = "aten.index_put"
    _check_dtype(name, self)
    shape = list(self.shape)
    if len(indices) > len(shape):
        raise ValueError(f"{name}: {len(indices)} indices for a tensor of rank {len(shape)}")
    positions = [d for d, t in enumerate(indices) if t is not None]
    for d in positions:
        t = indices[d]
        if t.dtype == torch.bool or t.dtype == torch.uint8 or t.dtype.is_floating_point:  # type: ignore[union-attr]
            raise ValueError(
                f"{name}: index {d} is {t.dtype}; only integer indices convert (a mask's size is a value)"
            )  # type: ignore[union-attr]
    if not positions:
        return NotImplemented
    broadcast = list(torch.broadcast_shapes(*[indices[d].shape for d in positions]))  # type: ignore[union-attr]
    sliced = [d for d in range(len(shape)) if d not in positions]
    adjacent = positions == list(range(positions[0], positions[-1] + 1))
    if adjacent:
        before = [d for d in sliced if d < positions[0]]
        after = [d for d in sliced if d > positions[-1]]
        out_dims = (
            [("s", d) for d in before] + [("b", j) for j in range(len(broadcast))] + [("s", d) for d in after]
        )
    else:
        out_dims = [("b", j) for j in range(len(broadcast))] + [("s", d) for d in sliced]
    out_shape = [broadcast[j] if kind == "b" else shape[j] for kind, j in out_dims]
    n = _numel(shape)
    strides = _strides(shape)
    if _numel(out_shape) == 0:
        return self.clone()
    rank = len(out_shape)
    lin = torch.zeros(out_shape, dtype=torch.int32)
    ok = torch.ones(out_shape, dtype=torch.bool)
    b_axes = [a for a, (kind, _) in enumerate(out_dims) if kind == "b"]
    for axis, (kind, d) in enumerate(out_dims):
        if kind == "s":
            view = [1] * rank
            view[axis] = shape[d]
            lin = lin + (torch.arange(shape[d], dtype=torch.int32) * strides[d]).reshape(view)
    b_view = [1] * rank
    for a in b_axes:
        b_view[a] = out_shape[a]
    for d in positions:
        idx, valid = _in_range(name, indices[d].expand(broadcast), shape[d], wrap=True)  # type: ignore[union-attr]
        lin = lin + (idx * strides[d]).reshape(b_view)
        ok = ok & valid.reshape(b_view)
    lin = torch.where(ok, lin, torch.full_like(lin, n))
    vals = values.to(self.dtype).expand(out_shape)
    return _fold("sum", self.reshape(-1), lin.reshape(-1), vals.reshape(-1)).reshape(self.shape)


def _pair(name: str, what: str, v: Sequence[int] | int) -> tuple[int, int]:
    t = (v, v) if isinstance(v, int) else tuple(int(x) for x in v)
    if len(t) != 2:
        raise ValueError(f"{name}: {what} must have 2 elements, got {v}")
    return t  # type: ignore[return-value]


@replaces(aten.col2im.default)
def col2im(
    x: torch.Tensor,
    output_size: Sequence[int],
    kernel_size: Sequence[int],
    dilation: Sequence[int],
    padding: Sequence[int],
    stride: Sequence[int],
) -> torch.Tensor:
    """F.fold: out[n, c, y, x] is the sum of the columns that cover (y, x), in torch's col2im order
    (kernel offset, then column): one TensorScatterSub with constant offsets, slices as rows."""
    name = "aten.col2im"
    _check_dtype(name, x)
    oh, ow = _pair(name, "output_size", output_size)
    kh, kw = _pair(name, "kernel_size", kernel_size)
    dh, dw = _pair(name, "dilation", dilation)
    ph, pw = _pair(name, "padding", padding)
    sh, sw = _pair(name, "stride", stride)
    if min(kh, kw, dh, dw, sh, sw) <= 0 or min(ph, pw) < 0:
        raise ValueError(f"{name}: kernel_size, dilation and stride must be > 0 and padding >= 0")
    batched = x.dim() == 3
    if x.dim() not in (2, 3):
        raise ValueError(f"{name}: input must be 2-D or 3-D, got shape {tuple(x.shape)}")
    cols = x if batched else x.unsqueeze(0)
    nb, ckk, length = (int(s) for s in cols.shape)
    blocks_h = (oh + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    blocks_w = (ow + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    if ckk % (kh * kw) != 0:
        raise ValueError(f"{name}: input's dim 1 ({ckk}) must be divisible by the kernel's {kh}*{kw}")
    if blocks_h <= 0 or blocks_w <= 0 or blocks_h * blocks_w != length:
        raise ValueError(
            f"{name}: {length} columns do not match the {max(blocks_h, 0)}x{max(blocks_w, 0)} blocks of "
            f"output {oh}x{ow} with kernel {kh}x{kw}, dilation {dh}x{dw}, padding {ph}x{pw}, stride {sh}x{sw}"
        )
    c = ckk // (kh * kw)
    # Constant pixel of each (kernel offset, column); padding goes to the extra slot oh*ow.
    ky = torch.arange(kh).reshape(kh, 1, 1, 1)
    kx = torch.arange(kw).reshape(1, kw, 1, 1)
    by = torch.arange(blocks_h).reshape(1, 1, blocks_h, 1)
    bx = torch.arange(blocks_w).reshape(1, 1, 1, blocks_w)
    y = by * sh - ph + ky * dh
    xx = bx * sw - pw + kx * dw
    inside = (y >= 0) & (y < oh) & (xx >= 0) & (xx < ow)
    pixel = torch.where(inside, y * ow + xx, torch.full_like(y, oh * ow)).reshape(-1).to(torch.int32)
    # rows: (kernel offset, column) in torch's order; each row's slice is every (n, c).
    rows = cols.reshape(nb, c, kh * kw * length).permute(2, 0, 1).reshape(kh * kw * length, nb * c)
    base = torch.zeros(oh * ow + 1, nb * c, dtype=x.dtype)
    out = op("TensorScatterSub")(base, pixel.reshape(-1, 1), -rows)
    out = out[: oh * ow].permute(1, 0).reshape(nb, c, oh, ow)
    return out if batched else out.squeeze(0)


@replaces(aten.unfold_backward.default)
def unfold_backward(
    grad: torch.Tensor, input_sizes: Sequence[int], dim: int, size: int, step: int
) -> torch.Tensor:
    """The overlap-add of Tensor.unfold's windows (torch.istft's signal and window envelope):
    out[..., f * step + k, ...] += grad[..., f, ..., k], each element's windows in increasing f, as
    torch's CPU kernel. One TensorScatterSub: rows (f, k) at constant positions. (torch's own
    decomposition loops over the offsets when grad broadcasts: one scatter per offset.)
    A broadcast grad is expanded after the transposes: litert-torch 0.10 lowers expand-then-permute
    wrongly (x.expand(2, 3, 5, 4).permute(2, 3, 0, 1) for x of [1, 3, 5, 4] gives other values than
    torch; measured), permute-then-expand is right."""
    name = "aten.unfold_backward"
    _check_dtype(name, grad)
    sizes = [int(s) for s in input_sizes]
    if not sizes:
        return grad.squeeze(0)
    if step <= 0 or size <= 0:
        raise ValueError(f"{name}: size ({size}) and step ({step}) must be > 0")
    dim = wrap_dim(name, dim, len(sizes))
    length = sizes[dim]
    folds = (length - size) // step + 1
    if grad.dim() != len(sizes) + 1 or folds <= 0:
        raise ValueError(
            f"{name}: grad of shape {tuple(grad.shape)} is not the unfold of {sizes} by {size}, {step}"
        )
    others = sizes[:dim] + sizes[dim + 1 :]
    rest = _numel(others)
    rows = grad.movedim(dim, 0).movedim(-1, 1).expand([folds, size, *others]).reshape(folds * size, rest)
    position = (torch.arange(folds).reshape(folds, 1) * step + torch.arange(size).reshape(1, size)).reshape(
        -1
    )
    base = torch.zeros(length, rest, dtype=grad.dtype)
    out = op("TensorScatterSub")(base, position.to(torch.int32).reshape(-1, 1), -rows)
    moved = sizes[dim : dim + 1] + sizes[:dim] + sizes[dim + 1 :]
    return out.reshape(moved).movedim(0, dim)


# View ops as torch ran them, for _eager_layout's replay (copy variants: the view's own layout).
_VIEW_REPLAY = {
    aten.view.default: lambda t, a: t.reshape(a[0]),  # a view torch made, or reshape's copy
    aten.view_copy.default: lambda t, a: t.reshape(a[0]),
    aten._unsafe_view.default: lambda t, a: t.reshape(a[0]),
    aten.reshape.default: lambda t, a: t.reshape(a[0]),
    aten.permute.default: lambda t, a: t.permute(a[0]),
    aten.permute_copy.default: lambda t, a: t.permute(a[0]),
    aten.transpose.int: lambda t, a: t.transpose(a[0], a[1]),
    aten.transpose_copy.int: lambda t, a: t.transpose(a[0], a[1]),
    aten.t.default: lambda t, a: t.t(),
    aten.t_copy.default: lambda t, a: t.t(),
    aten.unsqueeze.default: lambda t, a: t.unsqueeze(a[0]),
    aten.unsqueeze_copy.default: lambda t, a: t.unsqueeze(a[0]),
    aten.squeeze.dim: lambda t, a: t.squeeze(a[0]),
    aten.squeeze.dims: lambda t, a: t.squeeze(a[0]),
    aten.squeeze_copy.dims: lambda t, a: t.squeeze(a[0]),
    aten.expand.default: lambda t, a: t.expand(a[0]),
    aten.expand_copy.default: lambda t, a: t.expand(a[0]),
    aten.slice.Tensor: lambda t, a: aten.slice.Tensor(t, *a),
    aten.slice_copy.Tensor: lambda t, a: aten.slice.Tensor(t, *a),
    aten.select.int: lambda t, a: aten.select.int(t, *a),
    aten.select_copy.int: lambda t, a: aten.select.int(t, *a),
    aten.as_strided.default: lambda t, a: aten.as_strided.default(t, *a),
}


def _converter_clone(node: torch.fx.Node) -> bool:
    """A clone litert-torch put in, not the model: its safe_run_decompositions spells every aten.view
    as reshape(x.contiguous()), a copy where torch's view kept x's layout."""
    sources = node.meta.get("from_node") or []
    return node.target == aten.clone.default and any(
        "safe_run_decompositions" in str(getattr(f, "target", "")) for f in sources
    )


def _eager_layout(x: torch.Tensor) -> tuple[list[int], int]:
    """(strides, storage offset) x had when torch ran the model. The converter's graph spells views
    as copies (view_copy...) whose results are contiguous, so the traced x may not show the layout
    an as_strided in the model was written against: replay the chain of views that made x from its
    last non-view producer (contiguous) on a meta tensor, as torch ran them."""
    from torch.fx.experimental import proxy_tensor

    own = ([int(s) for s in x.stride()], int(x.storage_offset()))
    mode = proxy_tensor.get_proxy_mode()
    slot = None if mode is None else proxy_tensor.get_proxy_slot(x, mode.tracer, None)
    node = None if slot is None else slot.proxy.node
    chain = []
    while node is not None and node.op == "call_function":
        if node.target in _VIEW_REPLAY:
            chain.append(node)
        elif not _converter_clone(node):
            break
        node = node.args[0]
    if not chain or not isinstance(node, torch.fx.Node):
        return own
    value = node.meta.get("val")
    if not isinstance(value, torch.Tensor):
        return own
    try:
        view = torch.empty([int(s) for s in value.shape], dtype=x.dtype, device="meta")
        for step in reversed(chain):
            view = _VIEW_REPLAY[step.target](
                view, [int(a) if isinstance(a, torch.SymInt) else a for a in step.args[1:]]
            )
    except Exception:  # a symbolic size or an argument the replay does not know: x's own layout
        return own
    if list(view.shape) != list(x.shape):
        return own
    return [int(s) for s in view.stride()], int(view.storage_offset())


@replaces(aten.as_strided.default, aten.as_strided_copy.default)
def as_strided(
    self: torch.Tensor, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None
) -> torch.Tensor:
    """as_strided of a view whose layout is not its shape's row-major order (Longformer's overlapping
    chunks: x.transpose(1, 2).reshape(...).view(...).as_strided(...)). torch reads the view's
    storage: element offset + sum(coord * stride); litert-torch's lowering reads the flattened
    view in row-major order with the offset relative to the view, silently wrong for a permuted
    view or one that starts inside its storage. The view's storage span is rebuilt (its dims
    ordered by stride: the storage order of a dense view) and as_strided applied to that
    contiguous copy, which litert-torch lowers right. A view whose elements do not fill its span
    (a slice with gaps, overlaps) cannot be rebuilt: refused, as is a read outside the span."""
    name = "aten.as_strided"
    shape = [int(s) for s in self.shape]
    strides, base = _eager_layout(self)
    offset = base if storage_offset is None else int(storage_offset)
    dense = _strides(shape)
    contiguous = all(strides[d] == dense[d] for d in range(len(shape)) if shape[d] != 1)
    if contiguous and (storage_offset is None or base == 0):
        return NotImplemented  # row-major, offset from the view's start: litert-torch reads as torch
    numel = _numel(shape)
    order = sorted((d for d in range(len(shape)) if shape[d] != 1), key=lambda d: -strides[d])
    expected = 1
    for d in reversed(order):
        if strides[d] != expected:
            raise ValueError(
                f"{name}: the input view (shape {tuple(shape)}, strides {tuple(strides)}) does not "
                "fill its storage span; its storage cannot be rebuilt in a converted model"
            )
        expected *= shape[d]
    size = [int(s) for s in size]
    stride = [int(s) for s in stride]
    if _numel(size):
        low = offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True) if s < 0)
        high = offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True) if s > 0)
        if low < base or high >= base + numel:
            raise ValueError(
                f"{name}: size {tuple(size)}, stride {tuple(stride)} at offset {offset} reads storage "
                f"outside the input view's span [{base}, {base + numel})"
            )
    span = self.permute(order + [d for d in range(len(shape)) if d not in order]).reshape(-1)
    return aten.as_strided.default(span.clone(), size, stride, offset - base)
