"""Index-driven lookups and counts (F.one_hot, F.embedding_bag, torch.bincount) and diagonal einsums
that litert-torch cannot lower.

one_hot: torch's decomposition checks the class range with two aten._assert_async (a runtime
error), which litert-torch cannot lower. The rewrite is the same comparison with an arange, without
the check: an index outside [0, num_classes) (negative too) gives a row of zeros, as TF's OneHot
does, where torch raises. num_classes=-1 (max(input) + 1, the default) sizes the output by the
data: torch.export itself refuses it ("data-dependent expression"); pass num_classes.

embedding_bag (sum, mean, max; per_sample_weights, padding_idx, include_last_offset, and 2-D input,
which F.embedding_bag turns into offsets): the rows are gathered and folded into their bag in the
indices' order, as torch's CPU loop does, with opbridge's TensorScatter kernels (their output is
as large as an input tensor, so the bag count stays static):
- sum: -(TensorScatterSub(0, bag, rows)), exactly 0 + r0 + r1 + ... (negation is exact), then + 0
  so a sum that cancels is +0.0 as torch's;
- mean: that sum divided by the bag's size (padding indices not counted; an empty bag gives 0);
- max: torch replaces a bag's value when the row is the bag's first or is greater, so the first row
  of each bag (TensorScatterMin of positions) starts it and TensorScatterMax (`out < u ? u : out`)
  folds the rest: a NaN first row sticks, a later NaN is skipped, as in torch; an empty bag is 0.
Indices before offsets[0] or (include_last_offset) from offsets[-1] on belong to no bag. offsets
must be non-decreasing (torch does not check it either; the bags are found with UpperBound).
The aten op's other outputs (offset2bag, bag_size, max_indices), which only torch's backward uses
and F.embedding_bag does not return, are zeros of torch's shapes.
Measured: sum/mean/max of float32 bags are bitwise torch's, float64 too. With per_sample_weights
torch's fbgemm kernel adds each weight * row with one fused multiply-add; the model multiplies and
adds (two roundings), so weighted sums can differ in the last bit.

bincount: the output length max(max(input) + 1, minlength) depends on the data; torch.export
makes it an unbacked size litert-torch cannot lower. The model gives `minlength` bins (a static
shape): values outside [0, minlength) are not counted (torch lengthens the output for values >=
minlength and raises for negative ones). minlength=0 (the default) has no static size: an error
asking for it. Counts are int64 (int32 without enable_x64); with weights the sums are in torch's
dtype (float32 weights: float32, others float64), added in input order as torch does.

einsum with a label repeated in one operand ("ii->i", "bii->bi", "ii" = trace): litert-torch lowers
aten.einsum through JAX, whose diagonal mask is a uint32 iota comparison its converter cannot
legalize ("failed to legalize operation 'tfl.equal'"). The rewrite takes those diagonals with
torch.diagonal (which litert-torch lowers) and hands the rest, an einsum without repeats, back to
litert-torch; an implicit output ("ii") is made explicit first (labels used once, sorted).

embedding with max_norm: torch renorms the weight rows the indices use in place
(aten.embedding_renorm_, functional in the exported graph), which litert-torch cannot lower. The
rewrite scales each used row whose norm exceeds max_norm by max_norm / (norm + 1e-7), as torch does;
torch computes that scale in double and rounds it once, the model in float32, so scaled rows can
differ by 1 ulp (measured). float32 weights only.
"""

from __future__ import annotations

from typing import Any

import torch

from . import lowering
from ._dims import einsum_labels
from .decompositions import replaces
from .ops import op

aten = torch.ops.aten

_INDEX_DTYPES = (torch.int32, torch.int64)


@replaces(aten.one_hot.default)
def one_hot(x: torch.Tensor, num_classes: int = -1) -> torch.Tensor:
    if x.dtype != torch.int64:
        raise ValueError(f"aten.one_hot: indices must be int64 (torch's LongTensor), got {x.dtype}")
    if num_classes < 0:
        raise ValueError(
            "aten.one_hot: num_classes=-1 sizes the output by max(input) + 1, a value of the data; "
            "pass num_classes"
        )
    return (x.unsqueeze(-1) == torch.arange(num_classes, dtype=x.dtype)).to(torch.int64)


def _negated(x: torch.Tensor) -> torch.Tensor:
    """-x, exactly: litert-torch computes a float64 NEG in float32 with enable_x64, opbridge's Neg
    does not."""
    return op("Neg")(x) if x.dtype == torch.float64 else -x


def _scatter_sum(rows: int, target: torch.Tensor, negated: torch.Tensor) -> torch.Tensor:
    """[rows, ...]: each update added to its target row in order, +0.0 + u0 + u1 + ..., as torch's
    loops accumulate. TensorScatterSub of the negated updates computes 0 - (-u0) - (-u1) - ...,
    which is that sum step by step (a - (-b) is a + b exactly, signed zeros included)."""
    zeros = torch.zeros((rows, *negated.shape[1:]), dtype=negated.dtype)
    return op("TensorScatterSub")(zeros, target.unsqueeze(-1), negated)


_MODES = {0: "sum", 1: "mean", 2: "max"}


def _embedding_bag(
    weight: torch.Tensor,
    indices: torch.Tensor,
    offsets: torch.Tensor,
    mode: int,
    per_sample_weights: torch.Tensor | None,
    include_last_offset: bool,
    padding_idx: int | None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    name = "aten.embedding_bag"
    if mode not in _MODES:
        raise ValueError(f"{name}: mode must be 0 (sum), 1 (mean) or 2 (max), got {mode}")
    if weight.dim() != 2:
        raise ValueError(f"{name}: weight must be 2-D, got shape {tuple(weight.shape)}")
    if indices.dim() != 1 or offsets.dim() != 1:
        raise ValueError(
            f"{name}: indices and offsets must be 1-D, got {tuple(indices.shape)} and {tuple(offsets.shape)}"
        )
    if indices.dtype not in _INDEX_DTYPES or offsets.dtype != indices.dtype:
        raise ValueError(
            f"{name}: indices and offsets must both be int32 or both int64, "
            f"got {indices.dtype} and {offsets.dtype}"
        )
    if weight.dtype == torch.float64 and lowering.x64_enabled():
        raise ValueError(
            f"{name}: float64 weights need float64 GATHER_ND/SELECT/DIV, which litert-torch's converter "
            "cannot legalize or computes in float32; use float32, or convert without enable_x64=True "
            "(float64 then becomes float32 throughout)"
        )
    if weight.dtype not in (torch.float32, torch.float64):
        raise ValueError(f"{name}: weight dtype {weight.dtype} is not supported (float32)")
    if per_sample_weights is not None and mode != 0:
        raise ValueError(f"{name}: per_sample_weights is only supported for mode='sum'")
    if include_last_offset and offsets.shape[0] < 1:
        raise ValueError(f"{name}: include_last_offset needs at least one offset")
    bags = offsets.shape[0] - 1 if include_last_offset else offsets.shape[0]
    n, dim = indices.shape[0], weight.shape[1]
    extras = (
        torch.zeros(n, dtype=torch.int64),
        torch.zeros(bags, dtype=torch.int64),
        torch.zeros((bags, dim) if mode == 2 else (bags,), dtype=torch.int64),
    )
    if n == 0 or bags == 0:
        return (torch.zeros((bags, dim), dtype=weight.dtype), *extras)
    # Each index's bag: the last offset <= its position (UpperBound - 1); before offsets[0], from the
    # last offset on with include_last_offset, and padding indices go to the dropped row `bags`.
    # (int32: positions are < n; litert-torch's int64 arange and int64 input lower to different types.)
    positions = torch.arange(n, dtype=torch.int32)
    starts = offsets.to(torch.int32).reshape(1, -1)
    bag = op("UpperBound")(starts, positions.reshape(1, -1), out_type="int32").reshape(-1) - 1
    valid = torch.logical_and(bag >= 0, bag < bags)
    if padding_idx is not None and padding_idx >= 0:
        valid = torch.logical_and(valid, indices != padding_idx)
    target = torch.where(valid, bag, torch.full_like(bag, bags))
    rows = torch.index_select(weight, 0, indices)
    if mode == 0:
        if per_sample_weights is not None:
            rows = rows * per_sample_weights.to(weight.dtype).unsqueeze(-1)
        return (_scatter_sum(bags + 1, target, -rows)[:bags], *extras)
    count = _scatter_sum(bags + 1, target, torch.full((n,), -1, dtype=torch.int32))
    if mode == 1:
        sums = _scatter_sum(bags + 1, target, -rows)
        mean = sums / torch.clamp(count, min=1).to(weight.dtype).unsqueeze(-1)
        return (mean[:bags], *extras)
    # max: start each bag at its first row (position n: a zero row, for empty bags and the dropped row).
    first = op("TensorScatterMin")(
        torch.full((bags + 1,), n, dtype=torch.int32),
        target.unsqueeze(-1),
        torch.arange(n, dtype=torch.int32),
    )
    padded = torch.cat([rows, torch.zeros((1, dim), dtype=weight.dtype)])
    start = torch.index_select(padded, 0, first)
    best = op("TensorScatterMax")(start, target.unsqueeze(-1), rows)
    best = torch.where((count > 0).unsqueeze(-1), best, torch.zeros_like(best))
    return (best[:bags], *extras)


@replaces(aten.embedding_bag.padding_idx)
def embedding_bag_padding_idx(
    weight: torch.Tensor,
    indices: torch.Tensor,
    offsets: torch.Tensor,
    scale_grad_by_freq: bool,
    mode: int,
    sparse: bool,
    per_sample_weights: torch.Tensor | None,
    include_last_offset: bool,
    padding_idx: int | None,
) -> tuple[torch.Tensor, ...]:
    if padding_idx is not None:
        # This overload wraps a negative padding_idx, as torch's embedding_bag does (the internal
        # ops below take -1 as "none").
        rows = weight.shape[0]
        if not -rows <= padding_idx < rows:
            raise ValueError(
                f"aten.embedding_bag: padding_idx {padding_idx} out of range for {rows} embeddings"
            )
        padding_idx %= rows
    return _embedding_bag(
        weight, indices, offsets, mode, per_sample_weights, include_last_offset, padding_idx
    )


@replaces(aten.embedding_bag.default)
def embedding_bag(
    weight: torch.Tensor,
    indices: torch.Tensor,
    offsets: torch.Tensor,
    scale_grad_by_freq: bool = False,
    mode: int = 0,
    sparse: bool = False,
    per_sample_weights: torch.Tensor | None = None,
    include_last_offset: bool = False,
) -> tuple[torch.Tensor, ...]:
    return _embedding_bag(weight, indices, offsets, mode, per_sample_weights, include_last_offset, None)


@replaces(aten._embedding_bag_forward_only.default, aten._embedding_bag.default)
def embedding_bag_internal(
    weight: torch.Tensor,
    indices: torch.Tensor,
    offsets: torch.Tensor,
    scale_grad_by_freq: bool = False,
    mode: int = 0,
    sparse: bool = False,
    per_sample_weights: torch.Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int = -1,
) -> tuple[torch.Tensor, ...]:
    return _embedding_bag(
        weight, indices, offsets, mode, per_sample_weights, include_last_offset, padding_idx
    )


_BINCOUNT_DTYPES = (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)


@replaces(aten.bincount.default)
def bincount(x: torch.Tensor, weights: torch.Tensor | None = None, minlength: int = 0) -> Any:
    name = "aten.bincount"
    if x.dim() != 1 or x.dtype not in _BINCOUNT_DTYPES:
        raise ValueError(
            f"{name}: input must be a 1-D integer tensor, got {x.dtype} of shape {tuple(x.shape)}"
        )
    if minlength <= 0:
        raise ValueError(
            f"{name}: without minlength the output length is max(input) + 1, a value of the data; "
            "pass minlength (the model then counts values in [0, minlength) into minlength bins)"
        )
    if weights is not None and weights.shape != x.shape:
        raise ValueError(
            f"{name}: weights must have the input's shape {tuple(x.shape)}, got {tuple(weights.shape)}"
        )
    # Compared as int32 (int64 stays: a cast would wrap large values into range); litert-torch
    # cannot legalize uint8/int8/int16 comparisons.
    wide = x if x.dtype == torch.int64 else x.to(torch.int32)
    inside = torch.logical_and(wide >= 0, wide < minlength)
    target = torch.where(inside, x.to(torch.int32), torch.full(x.shape, minlength, dtype=torch.int32))
    if weights is None:
        negated = torch.full(x.shape, -1, dtype=torch.int64)
    else:
        out_dtype = weights.dtype if weights.dtype in (torch.float32, torch.float64) else torch.float64
        negated = _negated(weights.to(out_dtype))
    if x.shape[0] == 0:
        return torch.zeros(minlength, dtype=negated.dtype)
    return _scatter_sum(minlength + 1, target, negated)[:minlength]


def _einsum_subscript(labels: list[str]) -> str:
    out, dots = "", False
    for label in labels:
        if label.startswith("..."):
            out += "" if dots else "..."
            dots = True
        else:
            out += label
    return out


@replaces(aten.einsum.default)
def einsum(equation: str, tensors: list[torch.Tensor], *, path: list[int] | None = None) -> Any:
    """Takes the diagonals an operand's repeated label asks for ("ii->i", "bii->bi", "iij->j") with
    torch.diagonal, then lets litert-torch lower the rest. litert-torch lowers such an einsum through
    JAX with a uint32 iota mask its converter cannot legalize ("failed to legalize 'tfl.equal'");
    an einsum without repeated labels in an operand is left to it."""
    name = "aten.einsum"
    eq = equation.replace(" ", "")
    inputs, arrow, output = eq.partition("->")
    subscripts = inputs.split(",")
    if len(subscripts) != len(tensors) or not all(subscripts):
        return NotImplemented  # torch reports malformed equations itself
    if not any(len(set(s.replace("...", ""))) < len(s.replace("...", "")) for s in subscripts):
        return NotImplemented
    if not arrow:  # implicit output: the labels used once, sorted, after the ellipsis dims
        letters = "".join(s.replace("...", "") for s in subscripts)
        output = ("..." if "..." in inputs else "") + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1)
        )
    operands, new_subscripts = [], []
    for subscript, x in zip(subscripts, tensors, strict=True):
        labels = einsum_labels(subscript, x.dim(), name)
        while True:
            seen: dict[str, int] = {}
            repeat = None
            for d, label in enumerate(labels):
                if label in seen:
                    repeat = (seen[label], d)
                    break
                seen[label] = d
            if repeat is None:
                break
            first, second = repeat
            label = labels[first]
            if x.shape[first] != x.shape[second]:
                raise ValueError(
                    f"{name}: subscript {label!r} is repeated for dims of sizes "
                    f"{x.shape[first]} and {x.shape[second]}"
                )
            x = torch.diagonal(x, 0, first, second)
            labels = [lab for d, lab in enumerate(labels) if d not in repeat] + [label]
        operands.append(x)
        new_subscripts.append(_einsum_subscript(labels))
    return torch.einsum(",".join(new_subscripts) + "->" + output, *operands)


@replaces(aten.embedding_renorm.default)
def embedding_renorm(
    weight: torch.Tensor, indices: torch.Tensor, max_norm: float, norm_type: float
) -> torch.Tensor:
    """F.embedding(max_norm=...)'s in-place renorm, functional: each row that indices use and whose
    norm exceeds max_norm is scaled by max_norm / (norm + 1e-7), as torch's embedding_renorm_."""
    if weight.dtype != torch.float32:
        raise ValueError(f"aten.embedding_renorm: weight dtype {weight.dtype} is not supported (float32)")
    rows = weight.shape[0]
    flat = indices.reshape(-1).to(torch.int32)
    if flat.shape[0] == 0:
        return weight
    used = op("TensorScatterMax")(
        torch.zeros(rows, dtype=torch.int32), flat.unsqueeze(-1), torch.ones(flat.shape, dtype=torch.int32)
    )
    norm = torch.linalg.vector_norm(weight, norm_type, dim=1)
    scale = max_norm / (norm + 1e-7)
    renorm = torch.logical_and(used > 0, norm > max_norm).unsqueeze(-1)
    return torch.where(renorm, weight * scale.unsqueeze(-1), weight)
