"""Order statistics: torch.topk, kthvalue, median / nanmedian (along a dim and of all elements) and
mode, on opbridge's Opbridge>Sort (torch's stable order: NaN the largest value, -0.0 tied with 0.0;
docs/ops/sort.md) and Opbridge>CumMaxMin. litert-torch lowers aten.topk to STABLEHLO_SORT, which the
runtime cannot load, and has no lowering for the others.

Each result is a position of the stable sort along the dim (int32 indices widened to int64; with
litert-torch's default enable_x64=False every int64 is int32). Values are torch's exactly. Indices:
- median(dim) / nanmedian(dim): torch's CPU kernel selects with std::nth_element under the order
  (value, index), NaNs last for nanmedian: the stable sort's element (n - 1) // 2 (of the non-NaN
  count for nanmedian), so the index is torch's, ties included. A row with a NaN: median is torch's
  first NaN and its index. All-NaN nanmedian rows: NaN with the first index, where torch returns
  whichever index its nth_element leaves among the (equivalent) NaNs (5 for a row of 7).
- topk: torch's CPU kernel uses std::partial_sort (k * 64 <= n) or std::nth_element + std::sort on
  (value, index) pairs compared by value only, so tied values come in whatever order libstdc++ leaves
  them (not the input order, even for 5 elements). The model gives ties in input order: torch's values
  and, wherever the k selected values and the k-th's neighbours have no ties, torch's indices.
  sorted=False returns the sorted order (torch's is nth_element's partition: unspecified).
- kthvalue: torch's kernel is a median-of-three quickselect that moves tied elements; the model
  gives the stable sort's index (torch's where the k-th value is not tied).
- mode: the smallest most frequent value (as torch). torch's index is that value's last element after
  std::sort by value: its last occurrence for rows up to 16 elements (insertion sort, stable); beyond
  16 introsort may leave another occurrence last. The model gives the last occurrence. NaNs count as
  distinct values (NaN != NaN, as torch's run count compares); torch's sort with `<` leaves NaNs at
  unspecified places, so with NaNs in a row whose counts are all 1 torch's pick is unspecified.

Errors torch raises for shapes known at conversion (k out of range, reducing an empty dim, bool
topk/kthvalue/median) are raised here, naming the op.
"""

from __future__ import annotations

import torch

from ._dims import wrap_dim
from .aten_search import _values_and_indices
from .decompositions import replaces

aten = torch.ops.aten


def _dim_size(name: str, x: torch.Tensor, dim: int) -> tuple[int, int]:
    """(dim wrapped, its size): a 0-d tensor has one element along dim 0 or -1, as torch treats it."""
    dim = wrap_dim(name, dim, x.dim())
    return dim, (int(x.shape[dim]) if x.dim() else 1)


def _no_bool(name: str, x: torch.Tensor) -> None:
    if x.dtype == torch.bool:
        raise ValueError(f"{name}: torch does not implement it for bool tensors")


def _sorted(name: str, x: torch.Tensor, dim: int, descending: bool) -> tuple[torch.Tensor, torch.Tensor]:
    return _values_and_indices(name, "Opbridge>Sort", x, dim, descending=descending)


def _nan_count(x: torch.Tensor, dim: int) -> torch.Tensor | None:
    """NaNs along dim (kept), int32; None for dtypes without NaN. float16/bfloat16 are checked in
    float32 (exact): litert-torch cannot legalize half-precision comparisons."""
    if not x.dtype.is_floating_point:
        return None
    wide = x.to(torch.float32) if x.dtype in (torch.float16, torch.bfloat16) else x
    return torch.isnan(wide).to(torch.int32).sum(dim, keepdim=True)


def _at(
    values: torch.Tensor, indices: torch.Tensor, dim: int, pos: int | torch.Tensor, keepdim: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """The sorted values and indices at one position along dim: an int, or a tensor (kept dim)."""
    if isinstance(pos, int):
        value, index = values.narrow(dim, pos, 1), indices.narrow(dim, pos, 1)
    else:
        pos = pos.to(torch.int64)
        index = torch.gather(indices, dim, pos)
        if values.dtype in (torch.float16, torch.bfloat16):
            # litert-torch cannot legalize a half-precision GATHER_ND; float32 holds them exactly.
            value = torch.gather(values.to(torch.float32), dim, pos).to(values.dtype)
        else:
            value = torch.gather(values, dim, pos)
    if not keepdim:
        value, index = value.squeeze(dim), index.squeeze(dim)
    return value, index


def _scalar(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """A 0-d input's (value, index) as torch gives it for every reduction here."""
    return x.clone(), torch.zeros((), dtype=torch.int64)


@replaces(aten.topk.default)
def topk(
    x: torch.Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    _no_bool("aten.topk", x)
    dim, n = _dim_size("aten.topk", x, dim)
    if not 0 <= k <= n:
        raise ValueError(f"aten.topk: k={k} out of range for a dim of size {n} (0 <= k <= size)")
    if x.dim() == 0:
        return _scalar(x)  # torch copies a 0-d input for k = 0 too
    if k == 0 or x.numel() == 0:
        shape = list(x.shape)
        shape[dim] = k
        return torch.zeros(shape, dtype=x.dtype), torch.zeros(shape, dtype=torch.int64)
    values, indices = _sorted("aten.topk", x, dim, descending=largest)
    if k == n:
        return values, indices
    return values.narrow(dim, 0, k), indices.narrow(dim, 0, k)


@replaces(aten.kthvalue.default)
def kthvalue(
    x: torch.Tensor, k: int, dim: int = -1, keepdim: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    _no_bool("aten.kthvalue", x)
    dim, n = _dim_size("aten.kthvalue", x, dim)
    if x.numel() == 0:
        raise ValueError("aten.kthvalue: cannot reduce a tensor with no elements")
    if not 1 <= k <= n:
        raise ValueError(f"aten.kthvalue: k={k} out of range for a dim of size {n} (1 <= k <= size)")
    if x.dim() == 0:
        return _scalar(x)
    values, indices = _sorted("aten.kthvalue", x, dim, descending=False)
    return _at(values, indices, dim, k - 1, keepdim)


def _median(
    name: str, x: torch.Tensor, dim: int, keepdim: bool, ignore_nan: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    _no_bool(name, x)
    dim, n = _dim_size(name, x, dim)
    if n == 0:
        raise ValueError(f"{name}: cannot compute the median of a dimension of size 0")
    if x.dim() == 0:
        return _scalar(x)
    values, indices = _sorted(name, x, dim, descending=False)
    nans = _nan_count(x, dim)
    if nans is None:
        return _at(values, indices, dim, (n - 1) // 2, keepdim)
    if ignore_nan:
        # C++'s (n - nans - 1) / 2 truncates toward 0: an all-NaN row's position is 0. Halved in
        # float32 (exact below 2^24), not `//`, which litert-torch would lower to TF's FloorDiv.
        if n >= 2**24:
            raise ValueError(f"{name}: a dim of {n} elements is beyond 2^24, the rewrite's limit")
        pos = (torch.clamp(n - nans - 1, min=0).to(torch.float32) * 0.5).to(torch.int32)
    else:
        # Ascending puts the NaNs last in input order: the first NaN is at n - nans.
        pos = torch.where(nans > 0, n - nans, torch.full_like(nans, (n - 1) // 2))
    return _at(values, indices, dim, pos, keepdim)


@replaces(aten.median.dim)
def median_dim(x: torch.Tensor, dim: int, keepdim: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    return _median("aten.median", x, dim, keepdim, ignore_nan=False)


@replaces(aten.nanmedian.dim)
def nanmedian_dim(x: torch.Tensor, dim: int, keepdim: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    return _median("aten.nanmedian", x, dim, keepdim, ignore_nan=True)


def _median_all(name: str, x: torch.Tensor, ignore_nan: bool) -> torch.Tensor:
    if x.numel() == 0:
        raise ValueError(f"{name}: the median of an empty tensor is undefined (torch raises)")
    return _median(name, x.reshape(-1), 0, False, ignore_nan)[0]


@replaces(aten.median.default)
def median(x: torch.Tensor) -> torch.Tensor:
    return _median_all("aten.median", x, ignore_nan=False)


@replaces(aten.nanmedian.default)
def nanmedian(x: torch.Tensor) -> torch.Tensor:
    return _median_all("aten.nanmedian", x, ignore_nan=True)


@replaces(aten.mode.default)
def mode(x: torch.Tensor, dim: int = -1, keepdim: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    dim, n = _dim_size("aten.mode", x, dim)
    if n == 0:
        raise ValueError("aten.mode: cannot compute the mode of a dimension of size 0")
    if x.dim() == 0:
        return _scalar(x)
    values, indices = _sorted("aten.mode", x, dim, descending=False)
    # Each sorted element's place in its run of equal values: position - the run's start + 1, the start
    # being the running max of the positions where a run begins (NaN != NaN: each NaN its own run).
    # Compared in a type litert-torch legalizes comparisons of (not half, 8/16-bit or bool), exactly.
    keys = values
    if values.dtype in (torch.float16, torch.bfloat16):
        keys = values.to(torch.float32)
    elif values.dtype in (torch.bool, torch.uint8, torch.int8, torch.int16):
        keys = values.to(torch.int32)
    shape = [1] * x.dim()
    shape[dim] = n
    pos = torch.arange(n, dtype=torch.int32).reshape(shape)
    begins = keys.narrow(dim, 1, n - 1) != keys.narrow(dim, 0, n - 1)
    begins = torch.cat([torch.ones_like(keys.narrow(dim, 0, 1), dtype=torch.bool), begins], dim)
    starts = torch.where(begins, pos, torch.zeros_like(pos))
    starts = _values_and_indices("aten.mode", "Opbridge>CumMaxMin", starts, dim, min=False)[0]
    counts = pos - starts + 1
    # The first place holding the largest count ends the smallest most frequent value's run.
    most = torch.amax(counts, dim, keepdim=True)
    first = torch.amin(torch.where(counts == most, pos, torch.full_like(pos, n)), dim, keepdim=True)
    return _at(values, indices, dim, first, keepdim)
