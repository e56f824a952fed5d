"""Searching and scanning: torch.searchsorted / bucketize on TF's LowerBound / UpperBound, torch.cumprod
on TF's Cumprod, torch.histc (torch's bin arithmetic in builtins, counted with TOPK_V2 + LowerBound).

float64 searches/histograms: litert-torch's converter cannot legalize float64 comparisons; without
enable_x64 they run in float32 (as litert-torch makes every float64 tensor), with it: an error.

searchsorted: torch's CPU kernel is a binary search whose midpoints are libstdc++'s
std::lower_bound / std::upper_bound's, so the kernels walk the same path. Its
"go right" tests are `!(mid >= v)` (left) and `!(mid > v)` (right). The right one is
std::upper_bound's `!(v < mid)` even with NaNs; the left one differs from
std::lower_bound's `mid < v` only where a NaN is compared, so (floats only):
- a NaN value goes right at every step: the answer is the row length;
- a NaN in the sequence sends every other value right: NaNs become -inf in the
  sequence the kernel searches;
- for v = -inf only the NaNs go right: a second search of (NaN -> -1, else 1) for 0.
Deviation: the kernels compare with subnormals flushed to zero (TF's float mode), torch does
not, so float32 boundaries/values below 2^-126 in magnitude compare as 0 (torch.searchsorted(
[0, 1e-40, 2e-40, 1], 1e-40) is 1, the model's 0). Rescaling cannot fix it in the graph:
LiteRT's builtins (MUL through XNNPACK) flush subnormals too.

cumprod: torch multiplies in at::acc_type (float32 -> double, half -> float), rounding each
prefix product once; the rewrite does the same around the kernel. With litert-torch's
enable_x64=False (its default) the float64 casts become float32, so float32 products round
at each step (relative differences ~1e-7 per element) and can overflow or flush where torch's
double products do not; int64 becomes int32 and wraps at 32 bits.

sort / argsort / msort: litert-torch lowers aten.sort to STABLEHLO_SORT, which the runtime cannot
load; the rewrite is one Opbridge>Sort (torch's stable order: NaNs last ascending, first
descending, -0.0 tied with 0.0) whose int32 indices are widened to int64 (docs/ops/sort.md).

cummax / cummin: no lowering in litert-torch; one Opbridge>CumMaxMin with torch's CPU rule (an
element replaces the running value when it is NaN or >= it (<= for min): ties take the later
index, a NaN sticks with the latest NaN's index), int32 indices widened to int64.
"""

from __future__ import annotations

import importlib
import math
from typing import Any

import torch

from . import lowering
from ._dims import wrap_dim
from .decompositions import replaces
from .litert_torch_api import LiteRTTorchError, version
from .ops import op

aten = torch.ops.aten

_SEARCH_DTYPES = (
    torch.float32,
    torch.float64,
    torch.float16,
    torch.int8,
    torch.int16,
    torch.int32,
    torch.int64,
    torch.uint8,
)


def _float64_as_float32(aten_op: str) -> torch.dtype:
    """float64 comparisons (NaN masks, bins) do not legalize in litert-torch's converter. Without
    enable_x64 litert-torch makes every float64 tensor float32 anyway, so the rewrite does it first;
    with enable_x64 that would silently lose precision: an error."""
    if lowering.x64_enabled():
        raise ValueError(
            f"{aten_op}: float64 needs float64 comparisons, which litert-torch's converter cannot "
            "legalize (tfl.not_equal/greater_equal on f64); use float32, or convert without "
            "enable_x64=True (float64 then becomes float32 throughout)"
        )
    return torch.float32


def _rows(seq: torch.Tensor, values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(sequence as [batch, n], values as [batch, m]) as the TF kernels take them."""
    if seq.dim() == 1:
        return seq.reshape(1, -1), values.reshape(1, -1)
    if values.dim() != seq.dim() or values.shape[:-1] != seq.shape[:-1]:
        raise ValueError(
            "aten.searchsorted: boundaries of shape "
            f"{tuple(seq.shape)} need values with the same leading dims, got {tuple(values.shape)}"
        )
    batch = 1
    for d in seq.shape[:-1]:
        batch *= int(d)
    return seq.reshape(batch, seq.shape[-1]), values.reshape(batch, values.shape[-1])


def _search(
    seq: torch.Tensor,
    values: torch.Tensor,
    *,
    out_int32: bool,
    right: bool,
    side: str | None,
    sorter: torch.Tensor | None,
) -> torch.Tensor:
    if side is not None and side not in ("left", "right"):
        raise ValueError(f"aten.searchsorted: side must be 'left' or 'right', got {side!r}")
    if side == "left" and right:
        raise ValueError("aten.searchsorted: side='left' and right=True are opposites")
    right = right or side == "right"
    if seq.dim() == 0:
        raise ValueError("aten.searchsorted: boundaries must have at least one dimension")
    if sorter is not None:
        seq = torch.gather(seq, -1, sorter.to(torch.int64))
    dtype = torch.promote_types(seq.dtype, values.dtype)
    if dtype not in _SEARCH_DTYPES:
        raise ValueError(f"aten.searchsorted: dtype {dtype} is not supported by LowerBound/UpperBound")
    if dtype == torch.float64:
        dtype = _float64_as_float32("aten.searchsorted")
    seq, values = seq.to(dtype), values.to(dtype)
    out_dtype = torch.int32 if out_int32 else torch.int64
    rows, vals = _rows(seq, values)
    n = rows.shape[-1]
    if n == 0 or vals.numel() == 0:
        return torch.zeros(values.shape, dtype=out_dtype)
    if right:
        found = op("UpperBound")(rows, vals, out_type="int32")
    elif not dtype.is_floating_point:
        found = op("LowerBound")(rows, vals, out_type="int32")
    else:
        seq_nan = torch.isnan(rows)
        neg_inf = torch.log(torch.zeros((), dtype=dtype))  # computed: litert-torch clamps inf constants
        finite = op("LowerBound")(torch.where(seq_nan, neg_inf, rows), vals, out_type="int32")
        ones = torch.ones_like(rows)
        nan_marks = torch.where(seq_nan, -ones, ones)
        at_neg_inf = op("LowerBound")(nan_marks, torch.zeros_like(vals), out_type="int32")
        found = torch.where(
            torch.isnan(vals),
            torch.full_like(finite, n),
            torch.where(vals == neg_inf, at_neg_inf, finite),
        )
    return found.reshape(values.shape).to(out_dtype)


@replaces(aten.searchsorted.Tensor)
def searchsorted(
    sorted_sequence: torch.Tensor,
    values: torch.Tensor,
    *,
    out_int32: bool = False,
    right: bool = False,
    side: str | None = None,
    sorter: torch.Tensor | None = None,
) -> torch.Tensor:
    return _search(sorted_sequence, values, out_int32=out_int32, right=right, side=side, sorter=sorter)


@replaces(aten.searchsorted.Scalar)
def searchsorted_scalar(
    sorted_sequence: torch.Tensor,
    value: float,
    *,
    out_int32: bool = False,
    right: bool = False,
    side: str | None = None,
    sorter: torch.Tensor | None = None,
) -> torch.Tensor:
    if sorted_sequence.dim() != 1:
        raise ValueError("aten.searchsorted: a scalar value needs 1-D boundaries")
    values = torch.full((), value, dtype=torch.result_type(sorted_sequence, value))
    return _search(sorted_sequence, values, out_int32=out_int32, right=right, side=side, sorter=sorter)


@replaces(aten.bucketize.Tensor)
def bucketize(
    values: torch.Tensor, boundaries: torch.Tensor, *, out_int32: bool = False, right: bool = False
) -> torch.Tensor:
    if boundaries.dim() != 1:
        raise ValueError(f"aten.bucketize: boundaries must be 1-D, got shape {tuple(boundaries.shape)}")
    return _search(boundaries, values, out_int32=out_int32, right=right, side=None, sorter=None)


@replaces(aten.bucketize.Scalar)
def bucketize_scalar(
    value: float, boundaries: torch.Tensor, *, out_int32: bool = False, right: bool = False
) -> torch.Tensor:
    if boundaries.dim() != 1:
        raise ValueError(f"aten.bucketize: boundaries must be 1-D, got shape {tuple(boundaries.shape)}")
    values = torch.full((), value, dtype=torch.result_type(boundaries, value))
    return _search(boundaries, values, out_int32=out_int32, right=right, side=None, sorter=None)


# torch's CPU cumprod accumulates in at::acc_type<T, /*is_cuda=*/false>.
_CUMPROD_ACC = {torch.float32: torch.float64, torch.float16: torch.float32}
_CUMPROD_DTYPES = (
    torch.float32,
    torch.float64,
    torch.float16,
    torch.int8,
    torch.int16,
    torch.int32,
    torch.int64,
    torch.uint8,
)


@replaces(aten.cumprod.default)
def cumprod(x: torch.Tensor, dim: int, *, dtype: torch.dtype | None = None) -> torch.Tensor:
    if dtype is None:
        dtype = torch.int64 if not x.dtype.is_floating_point and not x.dtype.is_complex else x.dtype
    if dtype not in _CUMPROD_DTYPES:
        raise ValueError(f"aten.cumprod: dtype {dtype} is not supported by Cumprod")
    rank = max(x.dim(), 1)
    if not -rank <= dim < rank:
        raise ValueError(f"aten.cumprod: dim {dim} out of range for a tensor of rank {x.dim()}")
    acc = _CUMPROD_ACC.get(dtype, dtype)
    work = x.to(dtype).to(acc)
    scalar = x.dim() == 0
    if scalar:
        work = work.reshape(1)
    axis = torch.full((), dim % rank, dtype=torch.int32)
    out = op("Cumprod")(work, axis).to(dtype)
    return out.reshape(()) if scalar else out


def _topk_v2() -> Any:
    """litert-torch's torch operator for TFLite's TOPK_V2 (values descending, int32 indices)."""
    try:
        importlib.import_module("litert_torch.backend.experimental.torch_tfl")
        return torch.ops.tfl.topk_v2
    except (ImportError, AttributeError) as exc:
        raise LiteRTTorchError(
            f"aten.histc: litert-torch {version()} has no torch.ops.tfl.topk_v2, which opbridge uses ({exc})"
        ) from None


@replaces(aten.histc.default)
def histc(x: torch.Tensor, bins: int = 100, min: float = 0.0, max: float = 0.0) -> torch.Tensor:
    """torch.histc as torch's CPU kernel computes it: no search, each element's bin is
    int((x - low) * bins / (high - low)) in x's dtype, the last bin includes `high`, elements
    outside [low, high] and NaNs are dropped."""
    if bins <= 0:
        raise ValueError(f"aten.histc: bins must be > 0, got {bins}")
    if x.dtype == torch.float64:
        x = x.to(_float64_as_float32("aten.histc"))
    if x.dtype != torch.float32:
        raise ValueError(f"aten.histc: dtype {x.dtype} is not supported (float32)")
    if min > max:
        raise ValueError(f"aten.histc: max must be larger than min (got min={min}, max={max})")
    if not (math.isfinite(min) and math.isfinite(max)):
        raise ValueError(f"aten.histc: range of [{min}, {max}] is not finite")
    flat = x.reshape(-1)
    if flat.numel() == 0:
        return torch.zeros(bins, dtype=x.dtype)
    if min == max:
        low, high = torch.amin(flat), torch.amax(flat)  # torch: the data's range
    else:
        low, high = torch.full((), min, dtype=x.dtype), torch.full((), max, dtype=x.dtype)
    same = low == high
    low, high = torch.where(same, low - 1, low), torch.where(same, high + 1, high)
    inside = (flat >= low) & (flat <= high)
    safe = torch.where(inside, flat, low)
    pos = ((safe - low) * bins / (high - low)).to(torch.int32)
    pos = torch.where(pos == bins, pos - 1, pos)
    pos = torch.where(inside, pos, torch.full_like(pos, bins))  # past the last bin: not counted
    # Counted in static shapes: DenseBincount's output size is an input value, which torch.export
    # only expresses as an unbacked size litert-torch cannot lower. The bins are sorted and each
    # bin's count is the gap between the LowerBound of it and of the next. (torch.topk of every
    # element becomes STABLEHLO_SORT, which LiteRT cannot run; litert-torch's tfl.topk_v2 is TOPK_V2.)
    ordered = -_topk_v2()(-pos, pos.shape[0])[0]
    starts = op("LowerBound")(
        ordered.reshape(1, -1), torch.arange(bins + 1, dtype=torch.int32).reshape(1, -1), out_type="int32"
    ).reshape(-1)
    return (starts[1:] - starts[:-1]).to(x.dtype)


# Opbridge>Sort's element types (bool sorts as uint8: False < True either way).
_SORT_DTYPES = (
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


def _values_and_indices(
    aten_name: str, kernel: str, x: torch.Tensor, dim: int, **attrs: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """A kernel's values and int64 indices along dim (Opbridge>Sort, Opbridge>CumMaxMin): dim
    checked as torch does, bool through uint8, the other dtypes the kernels take."""
    axis = wrap_dim(aten_name, dim, x.dim())
    if x.dtype == torch.bool:
        values, indices = _values_and_indices(aten_name, kernel, x.to(torch.uint8), dim, **attrs)
        return values.to(torch.bool), indices
    if x.dtype not in _SORT_DTYPES:
        raise ValueError(f"{aten_name}: dtype {x.dtype} is not supported by {kernel}")
    values, indices = op(kernel)(x, axis=axis, **attrs)
    return values, indices.to(torch.int64)


def _sort(x: torch.Tensor, dim: int, descending: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """torch.sort's values and int64 indices in torch's stable order (see Opbridge>Sort)."""
    return _values_and_indices("aten.sort", "Opbridge>Sort", x, dim, descending=descending)


# torch's CPU sort with stable=False (its default) orders equal values however the algorithm
# leaves them: x86-simd-sort's vectorized quicksort for float32/float64/int32/int64 (its AVX-512
# or AVX2 build, by the machine), libstdc++'s std::sort for the other dtypes; eager torch itself
# gives different tie orders on different CPUs. The model always gives the stable order, which is
# one of the orders stable=False allows (values are the same either way).
@replaces(aten.sort.default)
def sort(x: torch.Tensor, dim: int = -1, descending: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    return _sort(x, dim, descending)


@replaces(aten.sort.stable)
def sort_stable(
    x: torch.Tensor, *, stable: bool | None = None, dim: int = -1, descending: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    return _sort(x, dim, descending)


@replaces(aten.argsort.default)
def argsort(x: torch.Tensor, dim: int = -1, descending: bool = False) -> torch.Tensor:
    return _sort(x, dim, descending)[1]


@replaces(aten.argsort.stable)
def argsort_stable(x: torch.Tensor, *, stable: bool, dim: int = -1, descending: bool = False) -> torch.Tensor:
    return _sort(x, dim, descending)[1]


@replaces(aten.msort.default)
def msort(x: torch.Tensor) -> torch.Tensor:
    return _sort(x, 0, False)[0]


def _cum_max_min(x: torch.Tensor, dim: int, minimum: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """torch.cummax / cummin: the running extreme and int64 index (ties: the later; NaN sticks)."""
    name = "aten.cummin" if minimum else "aten.cummax"
    return _values_and_indices(name, "Opbridge>CumMaxMin", x, dim, min=minimum)


@replaces(aten.cummax.default)
def cummax(x: torch.Tensor, dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    return _cum_max_min(x, dim, minimum=False)


@replaces(aten.cummin.default)
def cummin(x: torch.Tensor, dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    return _cum_max_min(x, dim, minimum=True)
