"""Ops whose output size is a value of the data: torch.unique (sorted or not, inverse, counts,
dim=None and dim=k; aten._unique2 / _unique / unique_dim), unique_consecutive (with dim too),
nonzero / argwhere, masked_select, boolean-mask indexing `x[mask]` and bincount without minlength.

torch.export traces them with unbacked sizes (u0) and runtime assertions on them (u0 >= 0,
u0 <= n). litert-torch gives such a result a dynamic dim (tensor<?x..>), but it lowers most aten
ops through JAX, which needs static sizes, and has no lowering for the assertions. So: everything
of static size is computed first with ops litert-torch lowers (Opbridge>Sort, run starts,
running maxima, inverse indices); the data-dependent results come from custom nodes whose
kernels resize their outputs at invoke (UniqueWithCounts, ListDiff, DenseBincount; Pack and
GatherNd carry a data-dependent length on); the assertions lower to nothing (they restate what
the kernels guarantee). The stock interpreter then sizes the outputs per input.

Semantics as torch's CPU kernels: sorted ascending (torch 2.13's CPU unique sorts with
sorted=False too), NaNs after every number and each NaN its own value, -0.0 and 0.0 one value
(the first in stable order kept, as torch), inverse and counts int64 (int32 in the model unless
converted with enable_x64=True, as every int64 in litert-torch), empty inputs. Where torch's
result depends on its unstable sort, the model gives the stable order: which of several NaNs
gets which inverse index (torch: its sort's order of the NaNs; model: input order), and the order
of rows holding NaNs in unique(dim=k) (rows are sorted lexicographically by one stable
Opbridge>Sort per column, last column first: K sorts for rows of K elements). unique_consecutive
compares neighbours with != (NaN runs are one element long, as torch's).
bincount(minlength > 0) stays aten_embedding's fixed-size rewrite; without minlength the model
has max(x) + 1 bins (a negative value fails the invoke; torch raises). x[mask] is taken over with
one boolean (or uint8) mask index and no other tensor index; integer indexing stays litert-torch's.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import torch

from . import aten_embedding, aten_scatter, lowering
from ._dims import wrap_dim
from .aten_search import _sort
from .decompositions import replaces
from .litert_torch_api import api
from .ops import op, register_fake_rule

aten = torch.ops.aten


def _index_dtype(out_idx: str) -> torch.dtype:
    return torch.int64 if out_idx == "int64" else torch.int32


def _unique_with_counts_fake(x: torch.Tensor, *, out_idx: str = "int32") -> Any:
    size = torch.library.get_ctx().new_dynamic_size()
    dtype = _index_dtype(out_idx)
    return x.new_empty((size,)), x.new_empty(x.shape, dtype=dtype), x.new_empty((size,), dtype=dtype)


def _list_diff_fake(x: torch.Tensor, y: torch.Tensor, *, out_idx: str = "int32") -> Any:
    size = torch.library.get_ctx().new_dynamic_size()
    return x.new_empty((size,)), x.new_empty((size,), dtype=_index_dtype(out_idx))


def _gather_nd_fake(params: torch.Tensor, indices: torch.Tensor) -> Any:
    depth = indices.shape[-1]
    return params.new_empty((*indices.shape[:-1], *params.shape[depth:]))


register_fake_rule("UniqueWithCounts", _unique_with_counts_fake)
register_fake_rule("ListDiff", _list_diff_fake)
register_fake_rule("GatherNd", _gather_nd_fake)


def _pack_fake(values: torch.Tensor, *, N: int = 1, axis: int = 0) -> torch.Tensor:
    # (the catalog gives Pack's `N * T` input as one tensor: the rewrites pack one, N = 1)
    where = axis if axis >= 0 else axis + values.dim() + 1
    shape = list(values.shape)
    return values.new_empty((*shape[:where], N, *shape[where:]))


register_fake_rule("Pack", _pack_fake)


# litert-torch lowers most aten ops through JAX, which needs static shapes: a tensor of
# data-dependent size only goes through opbridge's kernels (their shape rules run when the model
# runs) and litert-torch's own lowerings (permute, _to_copy). The rewrites below compute
# everything of static size first (sorts, run starts, inverse indices) and make the
# data-dependent results with one UniqueWithCounts / ListDiff, one Pack and one GatherNd.


def _column(index: torch.Tensor) -> torch.Tensor:
    """A data-dependent [u] index vector as [u, 1] (GatherNd's indices)."""
    return op("Pack")(index, N=1, axis=1)


def _rows_at(rows: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """rows[index] along dim 0, index of data-dependent length."""
    return op("GatherNd")(rows, _column(index))


def _true_positions(mask: torch.Tensor) -> torch.Tensor:
    """The flat positions of mask's True elements, ascending, as a 1-D int32 tensor of data-dependent
    length (TF's ListDiff of where(mask, position, -1) minus {-1})."""
    flat = mask.reshape(-1)
    positions = torch.arange(flat.numel(), dtype=torch.int32)
    keyed = torch.where(flat, positions, torch.full_like(positions, -1))
    return op("ListDiff")(keyed, torch.full((1,), -1, dtype=torch.int32), out_idx="int32")[0]


def _coordinates(shape: tuple[int, ...]) -> torch.Tensor:
    """[prod(shape), len(shape)] int32: each flat position's index tuple, row-major."""
    flat = torch.arange(math.prod(shape), dtype=torch.int32)
    columns, stride = [], 1
    for size in reversed(shape):
        columns.append(torch.remainder(torch.div(flat, stride, rounding_mode="floor"), size))
        stride *= size
    if not columns:
        return flat.reshape(-1, 0)
    return torch.stack(columns[::-1], dim=1)


@replaces(aten.nonzero.default)
def nonzero(x: torch.Tensor) -> torch.Tensor:
    """torch.nonzero / argwhere: [count, rank] int64 coordinates in row-major order."""
    mask = x != 0 if x.dtype != torch.bool else x
    return _rows_at(_coordinates(tuple(x.shape)), _true_positions(mask)).to(torch.int64)


@replaces(aten.masked_select.default)
def masked_select(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    shape = torch.broadcast_shapes(x.shape, mask.shape)
    values = x.expand(shape).reshape(-1)
    return _rows_at(values, _true_positions(mask.expand(shape)))


@replaces(aten.index.Tensor)
def index(x: torch.Tensor, indices: list[torch.Tensor | None]) -> Any:
    """x[mask] (a boolean mask over some leading or middle dims, no other tensor index): the kept
    elements in row-major order. Integer indices stay litert-torch's."""
    present = [k for k, t in enumerate(indices) if t is not None]
    if len(present) != 1 or indices[present[0]].dtype not in (torch.bool, torch.uint8):
        return NotImplemented
    lead = present[0]
    mask = indices[lead].to(torch.bool)
    span = mask.dim()
    if tuple(mask.shape) != tuple(x.shape[lead : lead + span]):
        raise IndexError(
            f"aten.index: the mask's shape {tuple(mask.shape)} does not match the indexed dims "
            f"{tuple(x.shape[lead : lead + span])} of the input"
        )
    order = [*range(lead, lead + span), *range(lead), *range(lead + span, x.dim())]
    moved = x.permute(order) if lead else x
    rows = moved.reshape(-1, *moved.shape[span:])
    kept = _rows_at(rows, _true_positions(mask))
    if lead == 0:
        return kept
    back = [*range(1, lead + 1), 0, *range(lead + 1, kept.dim())]
    return kept.permute(back)


def _run_starts(rows: torch.Tensor) -> torch.Tensor:
    """[n] bool: where a run of equal rows (dim 0) starts. NaN != NaN: every NaN is its own run, as
    torch's unique / unique_consecutive; -0.0 == 0.0 (the run keeps its first)."""
    n = rows.shape[0]
    if rows.dtype in (torch.float16, torch.bfloat16):
        rows = rows.float()  # litert-torch cannot legalize float16 comparisons; exact in float32
    elif rows.dtype in (torch.int8, torch.int16, torch.uint8, torch.bool):
        rows = rows.to(torch.int32)
    differ = rows[1:] != rows[:-1]
    if differ.dim() > 1:
        differ = differ.reshape(n - 1, -1).any(dim=1)
    return torch.cat([torch.ones(1, dtype=torch.bool), differ])


def _lexicographic_order(rows: torch.Tensor) -> torch.Tensor:
    """The stable permutation that sorts [n, K] rows lexicographically (one stable sort per
    column, last column first; NaNs after every number, as Opbridge>Sort)."""
    n, k = rows.shape
    perm = torch.arange(n, dtype=torch.int64)
    for column in reversed(range(k)):
        key = rows.index_select(0, perm)[:, column]
        perm = perm.index_select(0, _sort(key, 0, False)[1])
    return perm


def _unique_runs(
    moved: torch.Tensor, order: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(kept slices, inverse, counts) of the runs of equal slices along dim 0 of moved, after
    reordering by order (None: as it is). Inverse and counts are int64."""
    n = moved.shape[0]
    ordered = moved if order is None else moved.index_select(0, order)
    starts = _run_starts(ordered)
    positions = torch.arange(n, dtype=torch.int32)
    # Each element's run start: a running max of the starts' positions.
    start_of = op("Opbridge>CumMaxMin")(torch.where(starts, positions, torch.zeros_like(positions)), axis=0)[
        0
    ]
    first, run, counts = op("UniqueWithCounts")(start_of, out_idx="int64")
    kept = _rows_at(ordered, first)
    if order is None:
        inverse = run
    else:
        # (in int32: litert-torch's scatter lowering mistypes int64 without enable_x64)
        inverse = torch.zeros(n, dtype=torch.int32).scatter(0, order, run.to(torch.int32)).to(torch.int64)
    return kept, inverse, counts


def _empty_unique(x: torch.Tensor, dim: int | None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    inverse_shape = x.shape if dim is None else (x.shape[dim],)
    values = x.reshape(0) if dim is None else x
    return values, torch.zeros(inverse_shape, dtype=torch.int64), torch.zeros(0, dtype=torch.int64)


# Gathers and selects of float16, bool and 8/16-bit integers do not legalize in litert-torch's
# converter: those run on an exact wider type (every float16 / bfloat16 value, its order and its
# equality are float32's; the integers' are int32's).
_WIDER = {
    torch.float16: torch.float32,
    torch.bfloat16: torch.float32,
    torch.bool: torch.int32,
    torch.uint8: torch.int32,
    torch.int8: torch.int32,
    torch.int16: torch.int32,
}


def _unique(
    name: str, x: torch.Tensor, dim: int | None, *, sort: bool
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    if x.dtype in _WIDER and x.numel():
        values, inverse, counts = _unique(name, x.to(_WIDER[x.dtype]), dim, sort=sort)
        return values.to(x.dtype), inverse, counts
    if dim is None:
        if x.numel() == 0:
            return _empty_unique(x, None)
        flat = x.reshape(-1)
        order = _sort(flat, 0, False)[1] if sort else None
        kept, inverse, counts = _unique_runs(flat, order)
        return kept, inverse.reshape(x.shape), counts
    axis = wrap_dim(name, dim, x.dim())
    if x.shape[axis] == 0 or x.numel() == 0:
        if x.numel() == 0 and x.shape[axis] != 0:
            raise RuntimeError(
                f"{name}: number of zero sized dimensions is more than one, so unique cannot be applied"
            )
        return _empty_unique(x, axis)
    moved = x.movedim(axis, 0)
    order = _lexicographic_order(moved.reshape(moved.shape[0], -1)) if sort else None
    kept, inverse, counts = _unique_runs(moved, order)
    if axis:
        kept = kept.permute([*range(1, axis + 1), 0, *range(axis + 1, kept.dim())])
    return kept, inverse, counts


# torch's CPU unique sorts whatever `sorted` says (sorted=False gives the same ascending order in
# torch 2.13), so both are the sorted rewrite.
@replaces(aten._unique2.default)
def unique2(
    x: torch.Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return _unique("aten._unique2", x, None, sort=True)


@replaces(aten._unique.default)
def unique(
    x: torch.Tensor, sorted: bool = True, return_inverse: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    values, inverse, _ = _unique("aten._unique", x, None, sort=True)
    return values, inverse


@replaces(aten.unique_dim.default)
def unique_dim(
    x: torch.Tensor, dim: int, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return _unique("aten.unique_dim", x, dim, sort=True)


@replaces(aten.unique_consecutive.default)
def unique_consecutive(
    x: torch.Tensor, return_inverse: bool = False, return_counts: bool = False, dim: int | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return _unique("aten.unique_consecutive", x, dim, sort=False)


@replaces(aten.unique_dim_consecutive.default)
def unique_dim_consecutive(
    x: torch.Tensor, dim: int, return_inverse: bool = False, return_counts: bool = False
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return _unique("aten.unique_dim_consecutive", x, dim, sort=False)


def _dense_bincount_fake(x: torch.Tensor, size: torch.Tensor, weights: torch.Tensor, **attrs: Any) -> Any:
    bins = torch.library.get_ctx().new_dynamic_size()
    shape = (bins,) if x.dim() < 2 else (x.shape[0], bins)
    return weights.new_empty(shape)


register_fake_rule("DenseBincount", _dense_bincount_fake)

_BINCOUNT_DTYPES = (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)


@replaces(aten.bincount.default)
def bincount(x: torch.Tensor, weights: torch.Tensor | None = None, minlength: int = 0) -> Any:
    """torch.bincount without minlength: max(x) + 1 bins, a value of the data (TF's DenseBincount
    with a computed size). A negative value fails the model's invoke, as torch raises."""
    if minlength > 0:  # a fixed number of bins (aten_embedding: values >= minlength are not counted)
        return aten_embedding.bincount(x, weights, minlength)
    name = "aten.bincount"
    if x.dim() != 1 or x.dtype not in _BINCOUNT_DTYPES:
        raise ValueError(
            f"{name}: input must be a 1-D integer tensor, got {x.dtype} of shape {tuple(x.shape)}"
        )
    if minlength < 0:
        raise ValueError(f"{name}: minlength should be >= 0, got {minlength}")
    if weights is not None and weights.shape != x.shape:
        raise ValueError(
            f"{name}: weights must have the input's shape {tuple(x.shape)}, got {tuple(weights.shape)}"
        )
    # torch: float32 weights give float32 sums, any other weights float64, no weights int64 counts.
    if weights is None:
        out_dtype = torch.int64
    else:
        out_dtype = weights.dtype if weights.dtype in (torch.float32, torch.float64) else torch.float64
    if x.shape[0] == 0:
        return torch.zeros(0, dtype=out_dtype)
    values = x if x.dtype == torch.int64 else x.to(torch.int32)
    size = values.amax() + 1
    counted = torch.zeros(0, dtype=out_dtype) if weights is None else weights.to(out_dtype)
    return op("DenseBincount")(values, size, counted)


def _segment_prod_fake(data: torch.Tensor, ids: torch.Tensor, segments: torch.Tensor, **attrs: Any) -> Any:
    # num_segments is a tensor whose value fake tensors do not carry: a data-dependent length, made
    # static again by the GatherNd that reads the product back (scatter_reduce_prod).
    rows = torch.library.get_ctx().new_dynamic_size()
    return data.new_empty((rows, *data.shape[ids.dim() :]))


register_fake_rule("UnsortedSegmentProd", _segment_prod_fake)


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
    """scatter_reduce(reduce="prod") on TF's UnsortedSegmentProd, which folds each segment's values
    in input order from 1 (one rounding per product): with include_self, self's element comes
    first (1 * self is exact), then the values in torch's order, as torch's CPU loop; without it,
    touched slots start from 1, as torch fills them. An index out of range fails the invoke, as
    torch raises. The other reductions stay aten_scatter's."""
    if reduce != "prod":
        return aten_scatter.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)
    name = "aten.scatter_reduce"
    parts = aten_scatter._along_dim(name, self, dim, index, src)
    if parts is None:
        return self.clone()
    flat, lin, values, shape = parts
    n = flat.shape[0]
    wide = {torch.float16: torch.float32, torch.bfloat16: torch.float32}.get(flat.dtype)
    if wide is not None:  # torch multiplies float16 in float32 and rounds each product: not the same
        raise ValueError(f"{name}: reduce='prod' of {flat.dtype} is not supported in a converted model")
    if flat.dtype == torch.float64 and lowering.x64_enabled():
        raise ValueError(
            f"{name}: reduce='prod' of float64 with enable_x64=True needs float64 concatenation and select, "
            "which litert-torch's converter cannot legalize or runs in float32; use float32, or convert "
            "without enable_x64 (float64 then runs in float32 throughout)"
        )
    if include_self:
        data = torch.cat([flat, values])
        ids = torch.cat([torch.arange(n, dtype=torch.int32), lin])
    else:
        data, ids = values, lin
    products = op("UnsortedSegmentProd")(data, ids, torch.full((), n, dtype=torch.int32))
    out = _rows_at(products, torch.arange(n, dtype=torch.int32))
    if not include_self:
        touched = aten_scatter._count(n, lin) > 0
        out = torch.where(touched, out, flat)
    return out.reshape(shape)


# torch.export guards every data-dependent size with runtime assertions (`u0 >= 0`, `u0 <= n`:
# operator.ge/le on aten.sym_size, then aten._assert_scalar), which litert-torch has no lowering
# for. They only restate what the kernels guarantee; they lower to nothing. A comparison of sizes
# whose result the model uses for something else still fails as before ("Lowering not found").
_SIZE_COMPARISONS = (
    operator.ge,
    operator.le,
    operator.gt,
    operator.lt,
    operator.eq,
    operator.ne,
    operator.and_,
)


def _only_asserted(node: Any) -> bool:
    users = list(node.users)
    return all(
        u.target is aten._assert_scalar.default or (u.target in _SIZE_COMPARISONS and _only_asserted(u))
        for u in users
    )


def _lower_assertion(lctx: Any, *args: Any, **kwargs: Any) -> None:
    return None


def _lower_size_comparison(target: Any) -> Any:
    def lower(lctx: Any, *args: Any, **kwargs: Any) -> None:
        if not _only_asserted(lctx.node):
            raise RuntimeError(f"Lowering not found: {target}")
        return None

    return lower


def register_available() -> None:
    """Lowerings of the runtime size assertions (called at each conversion, when litert-torch is
    imported anyway)."""
    lite = api()
    lite.lower(aten._assert_scalar.default)(_lower_assertion)
    for comparison in _SIZE_COMPARISONS:
        if lite.lookup(comparison) is None:
            lite.lower(comparison)(_lower_size_comparison(comparison))
